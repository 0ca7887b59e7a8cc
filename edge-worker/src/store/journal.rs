//! The `journal` table: who held which number from when to when.

use serde::Deserialize;

use pool_core::journal::Entry;
use pool_core::number::PhoneNumber;
use pool_core::time::Instant;

use super::Db;
#[derive(Deserialize)]
struct JournalRow {
    number: String,
    session: String,
    since: i64,
    until: Option<i64>,
}

/// Journal intervals still open or ended after `after` (what a pool needs in memory).
pub fn recent_journal(db: &Db, after: Instant) -> worker::Result<Vec<Entry>> {
    let rows: Vec<JournalRow> = db
        .read(
            "SELECT number, session, since, until FROM journal WHERE until IS NULL OR until >= ?",
            vec![after.millis().into()],
        )?
        .to_array()?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Entry {
                number: r.number.parse().ok()?,
                session: r.session.parse().ok()?,
                from: Instant::from_millis(r.since),
                until: r.until.map(Instant::from_millis),
            })
        })
        .collect())
}

/// Every stored interval of one number, oldest first.
pub fn journal_of(db: &Db, number: PhoneNumber) -> worker::Result<Vec<Entry>> {
    let rows: Vec<JournalRow> = db
        .read(
            "SELECT number, session, since, until FROM journal WHERE number = ? ORDER BY since",
            vec![number.to_string().into()],
        )?
        .to_array()?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Entry {
                number,
                session: r.session.parse().ok()?,
                from: Instant::from_millis(r.since),
                until: r.until.map(Instant::from_millis),
            })
        })
        .collect())
}
