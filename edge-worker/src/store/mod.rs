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

mod alerts;
mod callbacks;
mod calls;
mod crm;
mod db;
mod directory;
mod journal;
mod keys;
mod leads;
mod numbers;
mod outbox;
mod samples;
mod sessions;
mod spend;
mod touches;
mod traffic;

pub use alerts::*;
pub use callbacks::*;
pub use calls::*;
pub use crm::*;
pub use db::{Db, Tx, Write};
pub use directory::{list, listed, unlist, DIRECTORY_SCHEMA};
pub use journal::*;
pub use keys::*;
pub use leads::*;
pub use numbers::*;
pub use outbox::*;
pub use samples::*;
pub use sessions::*;
pub use spend::*;
pub use touches::*;
pub use traffic::*;

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
        .read(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            None,
        )?
        .to_array()?;
    Ok(!rows.is_empty())
}

/// Creates the tables, in one transaction.
pub fn init(db: &Db) -> Result<(), crate::error::ApiError> {
    db.atomically(|tx| {
        for q in SCHEMA {
            tx.write(q, Vec::new())?;
        }
        // A database from an earlier version: its calls get the newer columns.
        for (table, column, add) in CALLS_ADDED {
            if !has_column(tx, table, column)? {
                tx.write(add, Vec::new())?;
            }
        }
        Ok(())
    })
}

/// Whether `table` has `column`, read from the table's definition in
/// `sqlite_master` (ALTER TABLE rewrites it).
fn has_column(db: &Db, table: &str, column: &str) -> worker::Result<bool> {
    #[derive(Deserialize)]
    struct Found {
        sql: String,
    }
    let rows: Vec<Found> = db
        .read(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
            vec![table.into()],
        )?
        .to_array()?;
    Ok(rows.iter().any(|r| {
        r.sql
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| w.eq_ignore_ascii_case(column))
    }))
}

/// How many rows each table holds, how many sessions still carry a trail,
/// and how many outbox rows carry a secret: what the storage tests measure.
#[cfg(feature = "test-faults")]
pub fn table_counts(db: &Db) -> worker::Result<Vec<(&'static str, i64)>> {
    #[derive(Deserialize)]
    struct N {
        n: i64,
    }
    let count = |q: &str| -> worker::Result<i64> {
        let rows: Vec<N> = db.read(q, None)?.to_array()?;
        Ok(rows.first().map_or(0, |r| r.n))
    };
    let mut out = Vec::new();
    for t in [
        "sessions",
        "calls",
        "leads",
        "journal",
        "pool_samples",
        "callbacks",
        "crm_links",
        "missed_alerts",
        "spend",
        "outbox",
        "coverage",
        "numbers",
        "keys",
    ] {
        out.push((t, count(&format!("SELECT COUNT(*) AS n FROM {t}"))?));
    }
    out.push((
        "trails",
        count("SELECT COUNT(*) AS n FROM sessions WHERE trail IS NOT NULL")?,
    ));
    out.push((
        "outbox_with_secrets",
        count(
            "SELECT COUNT(*) AS n FROM outbox WHERE secret IS NOT NULL OR url LIKE '%api_secret%'",
        )?,
    ));
    Ok(out)
}

#[derive(Deserialize)]
struct MetaRow {
    v: String,
}

/// A value of the `meta` table.
pub fn meta(db: &Db, key: &str) -> worker::Result<Option<String>> {
    let rows: Vec<MetaRow> = db
        .read("SELECT v FROM meta WHERE k = ?", vec![key.into()])?
        .to_array()?;
    Ok(rows.into_iter().next().map(|r| r.v))
}

/// Sets a value of the `meta` table.
pub fn set_meta(db: &Tx, key: &str, value: &str) -> worker::Result<()> {
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
pub fn write_site(db: &Tx, site: &mut Site) -> worker::Result<()> {
    for (target, pool) in site.pools_mut() {
        write_changes(db, &target.to_string(), pool)?;
    }
    Ok(())
}
