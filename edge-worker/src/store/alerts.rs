//! The `missed_alerts` table: missed calls waiting for the next alert.

use serde::Deserialize;
use worker::SqlStorageValue as V;

use super::{Db, Tx};

/// A missed call that waits for an alert.
#[derive(Deserialize)]
pub struct Waiting {
    /// The call.
    pub call_id: String,
    /// When it started.
    pub at: i64,
}

/// Call `id`, started at `at`, waits for the next alert (once).
pub fn await_alert(db: &Tx, id: &str, at: i64) -> worker::Result<()> {
    db.write(
        "INSERT OR IGNORE INTO missed_alerts (call_id, at) VALUES (?, ?)",
        vec![id.into(), V::Integer(at)],
    )
}

/// The calls of `caller` that were called back leave the next alert.
pub fn drop_called_back(db: &Tx, caller: &str) -> worker::Result<()> {
    db.write(
        "DELETE FROM missed_alerts WHERE sent_at IS NULL AND call_id IN
           (SELECT id FROM calls WHERE caller = ? AND called_back_at IS NOT NULL)",
        vec![caller.into()],
    )
}

/// What waits for the next alert, oldest first.
pub fn waiting(db: &Db) -> worker::Result<Vec<Waiting>> {
    db.read(
        "SELECT call_id, at FROM missed_alerts WHERE sent_at IS NULL ORDER BY at, call_id",
        None,
    )?
    .to_array()
}

/// Everything waiting went in the alert sent at `at`.
pub fn alert_sent(db: &Tx, at: i64) -> worker::Result<()> {
    db.write(
        "UPDATE missed_alerts SET sent_at = ? WHERE sent_at IS NULL",
        vec![V::Integer(at)],
    )
}
