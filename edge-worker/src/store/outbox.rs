//! The `outbox` table: events waiting to be delivered (webhooks, GA4).

use super::Db;

/// The outbox table.
pub const OUTBOX_TABLE: &str = "CREATE TABLE IF NOT EXISTS outbox ( id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, url TEXT NOT NULL, secret TEXT, event TEXT NOT NULL, idem TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, state TEXT NOT NULL, last_error TEXT, created_at INTEGER NOT NULL, done_at INTEGER, since INTEGER)";

/// Drops delivered events done before `delivered` (ms), and failed or
/// refused ones (kept longer, to be replayed) done before `failed`.
pub fn prune_outbox(db: &Db, delivered: i64, failed: i64) -> worker::Result<()> {
    use worker::SqlStorageValue::Integer;
    db.write(
        "DELETE FROM outbox WHERE (state = 'delivered' AND done_at < ?)
           OR (state NOT IN ('pending', 'delivered') AND done_at < ?)",
        vec![Integer(delivered), Integer(failed)],
    )?;
    Ok(())
}
