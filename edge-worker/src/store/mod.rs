//! The site's SQLite tables in its Durable Object, and the rows that a pool
//! change writes. A lease or a heartbeat writes the changed number's row,
//! its newest journal intervals and the pool's counters: a few rows, never
//! the whole state.

use serde::Deserialize;
use worker::{SqlStorage, SqlStorageValue as V};

use pool_core::journal::Entry;
use pool_core::number::PhoneNumber;
use pool_core::pool::{NumberSnapshot, Pool, SnapState, Stats};
use pool_core::session::SessionId;
use pool_core::time::Instant;

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
        visit TEXT NOT NULL, ga_client_id TEXT)",
    "CREATE TABLE IF NOT EXISTS coverage (
        page TEXT PRIMARY KEY, found INTEGER NOT NULL, swapped INTEGER NOT NULL,
        unswapped TEXT NOT NULL, reports INTEGER NOT NULL, first_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS keys (hash TEXT PRIMARY KEY, scope TEXT NOT NULL, label TEXT, created INTEGER NOT NULL)",
];

/// Creates the tables.
pub fn init(sql: &SqlStorage) -> worker::Result<()> {
    for q in SCHEMA {
        sql.exec(q, None)?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct MetaRow {
    v: String,
}

/// A value of the `meta` table.
pub fn meta(sql: &SqlStorage, key: &str) -> worker::Result<Option<String>> {
    let rows: Vec<MetaRow> = sql
        .exec("SELECT v FROM meta WHERE k = ?", vec![key.into()])?
        .to_array()?;
    Ok(rows.into_iter().next().map(|r| r.v))
}

/// Sets a value of the `meta` table.
pub fn set_meta(sql: &SqlStorage, key: &str, value: &str) -> worker::Result<()> {
    sql.exec(
        "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
        vec![key.into(), value.into()],
    )?;
    Ok(())
}

#[derive(Deserialize)]
struct NumberRow {
    number: String,
    state: String,
    session: Option<String>,
    since: Option<f64>,
    last_seen: Option<f64>,
    expires_at: Option<f64>,
    until: Option<f64>,
    ord: f64,
    last_holder: Option<String>,
    draining: f64,
}

fn t(ms: Option<f64>) -> Instant {
    Instant::from_millis(ms.unwrap_or(0.0) as i64)
}

/// The stored numbers of one target's pool.
pub fn numbers_of(sql: &SqlStorage, target: &str) -> worker::Result<Vec<NumberSnapshot>> {
    let rows: Vec<NumberRow> = sql
        .exec(
            "SELECT number, state, session, since, last_seen, expires_at, until, ord, last_holder, draining
             FROM numbers WHERE target = ?",
            vec![target.into()],
        )?
        .to_array()?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let number: PhoneNumber = r
            .number
            .parse()
            .map_err(|e| format!("stored number {}: {e}", r.number))?;
        let session =
            |s: &Option<String>| -> Option<SessionId> { s.as_deref().and_then(|s| s.parse().ok()) };
        let state = match r.state.as_str() {
            "free" => SnapState::Free,
            "cooling" => SnapState::Cooling { until: t(r.until) },
            "leased" => SnapState::Leased {
                lease: pool_core::pool::Lease {
                    number,
                    session: session(&r.session).ok_or("a stored lease has no session")?,
                    since: t(r.since),
                    last_seen: t(r.last_seen),
                    expires_at: t(r.expires_at),
                },
                draining: r.draining != 0.0,
            },
            other => return Err(format!("stored number {number} has state {other:?}").into()),
        };
        out.push(NumberSnapshot {
            number,
            state,
            order: r.ord as u64,
            last_holder: session(&r.last_holder),
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct JournalRow {
    number: String,
    session: String,
    since: f64,
    until: Option<f64>,
}

/// Journal intervals still open or ended after `after` (what a pool needs in memory).
pub fn recent_journal(sql: &SqlStorage, after: Instant) -> worker::Result<Vec<Entry>> {
    let rows: Vec<JournalRow> = sql
        .exec(
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
                from: Instant::from_millis(r.since as i64),
                until: r.until.map(|u| Instant::from_millis(u as i64)),
            })
        })
        .collect())
}

/// Every stored interval of one number, oldest first.
pub fn journal_of(sql: &SqlStorage, number: PhoneNumber) -> worker::Result<Vec<Entry>> {
    let rows: Vec<JournalRow> = sql
        .exec(
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
                from: Instant::from_millis(r.since as i64),
                until: r.until.map(|u| Instant::from_millis(u as i64)),
            })
        })
        .collect())
}

fn ms(i: Instant) -> V {
    V::Integer(i.millis())
}

/// Writes what changed in `pool` since the last call: number rows, their
/// newest journal intervals, and the pool's counters.
pub fn write_changes(sql: &SqlStorage, target: &str, pool: &mut Pool) -> worker::Result<()> {
    for number in pool.take_changes() {
        let n = number.to_string();
        match pool.snapshot_of(number) {
            None => {
                sql.exec(
                    "DELETE FROM numbers WHERE number = ?",
                    vec![n.clone().into()],
                )?;
            }
            Some(s) => {
                let (state, session, since, last_seen, expires_at, until, draining) = match s.state
                {
                    SnapState::Free => ("free", V::Null, V::Null, V::Null, V::Null, V::Null, 0),
                    SnapState::Cooling { until } => {
                        ("cooling", V::Null, V::Null, V::Null, V::Null, ms(until), 0)
                    }
                    SnapState::Leased { lease, draining } => (
                        "leased",
                        V::String(lease.session.to_string()),
                        ms(lease.since),
                        ms(lease.last_seen),
                        ms(lease.expires_at),
                        V::Null,
                        i64::from(draining),
                    ),
                };
                sql.exec(
                    "INSERT INTO numbers (number, target, state, session, since, last_seen, expires_at, until, ord, last_holder, draining)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                     ON CONFLICT (number) DO UPDATE SET target = excluded.target, state = excluded.state,
                       session = excluded.session, since = excluded.since, last_seen = excluded.last_seen,
                       expires_at = excluded.expires_at, until = excluded.until, ord = excluded.ord,
                       last_holder = excluded.last_holder, draining = excluded.draining",
                    vec![
                        n.clone().into(),
                        target.into(),
                        state.into(),
                        session,
                        since,
                        last_seen,
                        expires_at,
                        until,
                        V::Integer(s.order as i64),
                        s.last_holder.map(|h| h.to_string()).into(),
                        V::Integer(draining),
                    ],
                )?;
            }
        }
        let entries: Vec<Entry> = pool.journal().of(number).collect();
        for e in entries.iter().rev().take(2) {
            sql.exec(
                "INSERT INTO journal (number, session, since, until) VALUES (?, ?, ?, ?)
                 ON CONFLICT (number, since) DO UPDATE SET session = excluded.session, until = excluded.until",
                vec![
                    n.clone().into(),
                    e.session.to_string().into(),
                    ms(e.from),
                    e.until.map(ms).unwrap_or(V::Null),
                ],
            )?;
        }
    }
    let stats = pool.stats();
    set_meta(
        sql,
        &format!("stats:{target}"),
        &serde_json::to_string(&stats).map_err(|e| e.to_string())?,
    )
}

/// The stored counters of a pool.
pub fn stats_of(sql: &SqlStorage, target: &str) -> worker::Result<Stats> {
    Ok(meta(sql, &format!("stats:{target}"))?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

#[derive(Deserialize)]
struct SessionRow {
    visit: String,
}

/// The stored visit of a session, if the session exists.
pub fn session_visit(sql: &SqlStorage, id: SessionId) -> worker::Result<Option<String>> {
    let rows: Vec<SessionRow> = sql
        .exec(
            "SELECT visit FROM sessions WHERE id = ?",
            vec![id.to_string().into()],
        )?
        .to_array()?;
    Ok(rows.into_iter().next().map(|r| r.visit))
}

/// Creates or updates a session row.
pub fn put_session(
    sql: &SqlStorage,
    id: SessionId,
    now: Instant,
    visit: &str,
    ga_client_id: Option<&str>,
) -> worker::Result<()> {
    sql.exec(
        "INSERT INTO sessions (id, created, last_seen, visit, ga_client_id) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, visit = excluded.visit,
           ga_client_id = COALESCE(excluded.ga_client_id, sessions.ga_client_id)",
        vec![
            id.to_string().into(),
            ms(now),
            ms(now),
            visit.into(),
            ga_client_id.map(str::to_string).into(),
        ],
    )?;
    Ok(())
}

/// Marks a session seen.
pub fn touch_session(sql: &SqlStorage, id: SessionId, now: Instant) -> worker::Result<()> {
    sql.exec(
        "UPDATE sessions SET last_seen = ? WHERE id = ?",
        vec![ms(now), id.to_string().into()],
    )?;
    Ok(())
}

#[derive(Deserialize)]
struct KeyRow {
    scope: String,
}

/// The scope of a stored key, by the key's hash.
pub fn key_scope(sql: &SqlStorage, hash: &str) -> worker::Result<Option<String>> {
    let rows: Vec<KeyRow> = sql
        .exec("SELECT scope FROM keys WHERE hash = ?", vec![hash.into()])?
        .to_array()?;
    Ok(rows.into_iter().next().map(|r| r.scope))
}

/// Stores a key's hash.
pub fn put_key(
    sql: &SqlStorage,
    hash: &str,
    scope: &str,
    label: Option<&str>,
    now: Instant,
) -> worker::Result<()> {
    sql.exec(
        "INSERT INTO keys (hash, scope, label, created) VALUES (?, ?, ?, ?)",
        vec![
            hash.into(),
            scope.into(),
            label.map(str::to_string).into(),
            ms(now),
        ],
    )?;
    Ok(())
}

/// Deletes the rows of pools whose target is no longer configured.
pub fn drop_other_targets(sql: &SqlStorage, keep: &[String]) -> worker::Result<()> {
    #[derive(Deserialize)]
    struct T {
        target: String,
    }
    let rows: Vec<T> = sql
        .exec("SELECT DISTINCT target FROM numbers", None)?
        .to_array()?;
    for r in rows {
        if !keep.contains(&r.target) {
            sql.exec(
                "DELETE FROM numbers WHERE target = ?",
                vec![r.target.clone().into()],
            )?;
            sql.exec(
                "DELETE FROM meta WHERE k = ?",
                vec![format!("stats:{}", r.target).into()],
            )?;
        }
    }
    Ok(())
}

/// One page's coverage, as stored: the newest report and how many came.
#[derive(Debug, Deserialize, serde::Serialize)]
pub struct CoverageRow {
    /// Host and path.
    pub page: String,
    /// Occurrences found in the newest report.
    pub found: f64,
    /// Occurrences swapped in the newest report.
    pub swapped: f64,
    /// Found but left, by reason (JSON object).
    pub unswapped: String,
    /// Reports received.
    pub reports: f64,
    /// First report (ms since the epoch).
    pub first_at: f64,
    /// Newest report (ms since the epoch).
    pub last_at: f64,
}

/// Records a page's newest coverage report; keeps at most `max_pages` pages
/// (the ones reported longest ago go first).
pub fn put_coverage(
    sql: &SqlStorage,
    c: &crate::api::Coverage,
    now: Instant,
    max_pages: usize,
) -> worker::Result<()> {
    let unswapped = serde_json::to_string(&c.unswapped).map_err(|e| e.to_string())?;
    sql.exec(
        "INSERT INTO coverage (page, found, swapped, unswapped, reports, first_at, last_at)
         VALUES (?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT (page) DO UPDATE SET found = excluded.found, swapped = excluded.swapped,
           unswapped = excluded.unswapped, reports = coverage.reports + 1, last_at = excluded.last_at",
        vec![
            c.page.clone().into(),
            f64::from(c.found).into(),
            f64::from(c.swapped).into(),
            unswapped.into(),
            ms(now),
            ms(now),
        ],
    )?;
    sql.exec(
        "DELETE FROM coverage WHERE page NOT IN
           (SELECT page FROM coverage ORDER BY last_at DESC LIMIT ?)",
        vec![(max_pages as f64).into()],
    )?;
    Ok(())
}

/// Every page's coverage, the ones with numbers left unswapped first.
pub fn coverage(sql: &SqlStorage) -> worker::Result<Vec<CoverageRow>> {
    sql.exec(
        "SELECT page, found, swapped, unswapped, reports, first_at, last_at FROM coverage
         ORDER BY (found - swapped) DESC, found = 0 DESC, last_at DESC",
        None,
    )?
    .to_array()
}
