//! The site's SQLite storage in its Durable Object: the database handle
//! ([`Db`]: statements, transactions, the test-only fault switch), every
//! table ([`SCHEMA`]), and a file per table group with typed rows in and
//! out: `numbers` (and the pools' counters), `journal`, `sessions` (and
//! coverage), `keys`, `calls` (and leads), `outbox`, `samples`, `spend`.
//!
//! A lease or a heartbeat writes the changed number's row, its newest
//! journal intervals and the pool's counters: a few rows, never the whole state.

use serde::{Deserialize, Deserializer};
use worker::SqlStorageValue as V;

use pool_core::site::Site;
use pool_core::time::Instant;

mod calls;
mod db;
mod directory;
mod journal;
mod keys;
mod numbers;
mod outbox;
mod samples;
mod sessions;
mod spend;

pub use calls::*;
pub use db::{Db, Write};
pub use directory::{list, listed, unlist, DIRECTORY_SCHEMA};
pub use journal::*;
pub use keys::*;
pub use numbers::*;
pub use outbox::*;
pub use samples::*;
pub use sessions::*;
pub use spend::*;

/// Tables, created on first use.
pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS numbers (
        number TEXT PRIMARY KEY, target TEXT NOT NULL, state TEXT NOT NULL,
        session TEXT, since INTEGER, last_seen INTEGER, expires_at INTEGER,
        until INTEGER, ord INTEGER NOT NULL, last_holder TEXT, draining INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS journal (
        number TEXT NOT NULL, session TEXT NOT NULL, since INTEGER NOT NULL, until INTEGER,
        PRIMARY KEY (number, since))",
    "CREATE INDEX IF NOT EXISTS journal_until ON journal (until)",
    "CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY, created INTEGER NOT NULL, last_seen INTEGER NOT NULL,
        visit TEXT NOT NULL, ga_client_id TEXT, trail TEXT, client TEXT)",
    "CREATE TABLE IF NOT EXISTS coverage (
        page TEXT PRIMARY KEY, found INTEGER NOT NULL, swapped INTEGER NOT NULL,
        unswapped TEXT NOT NULL, reports INTEGER NOT NULL, first_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS keys (hash TEXT PRIMARY KEY, scope TEXT NOT NULL, label TEXT, created INTEGER NOT NULL, expires_at INTEGER, last_used INTEGER)",
    CALLS_TABLE,
    "CREATE INDEX IF NOT EXISTS calls_started ON calls (started_at)",
    "CREATE INDEX IF NOT EXISTS calls_caller ON calls (caller)",
    LEADS_TABLE,
    OUTBOX_TABLE,
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_at)",
    SAMPLES_TABLE,
    MISSED_ALERTS_TABLE,
    CALLBACKS_TABLE,
    CRM_LINKS_TABLE,
    SPEND_TABLE,
    // Every scan the alarm, the reports and the pruning make.
    "CREATE INDEX IF NOT EXISTS sessions_created ON sessions (created)",
    "CREATE INDEX IF NOT EXISTS sessions_last_seen ON sessions (last_seen)",
    "CREATE INDEX IF NOT EXISTS leads_created ON leads (created_at)",
    "CREATE INDEX IF NOT EXISTS leads_phone ON leads (phone)",
    "CREATE INDEX IF NOT EXISTS callbacks_requested ON callbacks (requested_at)",
    "CREATE INDEX IF NOT EXISTS callbacks_due ON callbacks (state, scheduled_for)",
    "CREATE INDEX IF NOT EXISTS callbacks_session ON callbacks (session, requested_at)",
    "CREATE INDEX IF NOT EXISTS crm_links_deal ON crm_links (deal_id)",
    "CREATE INDEX IF NOT EXISTS crm_links_created ON crm_links (created_at)",
    "CREATE INDEX IF NOT EXISTS missed_alerts_at ON missed_alerts (sent_at, at)",
    "CREATE INDEX IF NOT EXISTS outbox_done ON outbox (state, done_at)",
];

/// Whether the tables were ever created here (read only: asking creates nothing).
pub fn has_schema(db: &Db) -> worker::Result<bool> {
    #[derive(Deserialize)]
    struct Found {
        #[allow(dead_code)]
        name: String,
    }
    let rows: Vec<Found> = db
        .exec(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            None,
        )?
        .to_array()?;
    Ok(!rows.is_empty())
}

/// Creates the tables.
pub fn init(db: &Db) -> worker::Result<()> {
    for q in SCHEMA {
        db.exec(q, None)?;
    }
    // A database from an earlier version: its calls get the newer columns.
    for (table, column, add) in CALLS_ADDED {
        let probe = format!("SELECT {column} FROM {table} LIMIT 0");
        if db.exec(&probe, None).is_err() {
            db.exec(add, None)?;
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct MetaRow {
    v: String,
}

/// A value of the `meta` table.
pub fn meta(db: &Db, key: &str) -> worker::Result<Option<String>> {
    let rows: Vec<MetaRow> = db
        .exec("SELECT v FROM meta WHERE k = ?", vec![key.into()])?
        .to_array()?;
    Ok(rows.into_iter().next().map(|r| r.v))
}

/// Sets a value of the `meta` table.
pub fn set_meta(db: &Db, key: &str, value: &str) -> worker::Result<()> {
    db.write(
        "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
        vec![key.into(), value.into()],
    )?;
    Ok(())
}

/// An instant as a SQL value.
pub(crate) fn ms(i: Instant) -> V {
    V::Integer(i.millis())
}

/// An optional text as a SQL value.
pub(crate) fn opt(s: Option<&str>) -> V {
    s.map_or(V::Null, |v| V::String(v.to_string()))
}

/// An `INTEGER` 0/1 column as a `bool`.
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(i64::deserialize(d)? != 0)
}

/// Writes what changed in every pool of the site since the last call.
pub fn write_site(db: &Db, site: &mut Site) -> worker::Result<()> {
    for (target, pool) in site.pools_mut() {
        write_changes(db, &target.to_string(), pool)?;
    }
    Ok(())
}
