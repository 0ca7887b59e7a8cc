//! The `sessions` table (each visit and where it came from) and the
//! `coverage` table (what the page script saw, page by page).

use serde::Deserialize;
use worker::SqlStorageValue as V;

use pool_core::client::Client;
use pool_core::session::SessionId;
use pool_core::time::Instant;

use super::{ms, Db, Tx};
use crate::api::CoveragePage;
#[derive(Deserialize)]
struct VisitRow {
    visit: String,
}

/// The stored visit of a session, if the session exists.
pub fn session_visit(db: &Db, id: SessionId) -> worker::Result<Option<String>> {
    let rows: Vec<VisitRow> = db
        .read(
            "SELECT visit FROM sessions WHERE id = ?",
            vec![id.to_string().into()],
        )?
        .to_array()?;
    Ok(rows.into_iter().next().map(|r| r.visit))
}

#[derive(Deserialize)]
struct ClientRow {
    id: String,
    client: String,
}

/// The client a session last came from (the salted hash of its network:
/// never the address), if known.
pub fn session_client(db: &Db, id: SessionId) -> worker::Result<Option<Client>> {
    let rows: Vec<ClientRow> = db
        .read(
            "SELECT id, client FROM sessions WHERE id = ? AND client IS NOT NULL",
            vec![id.to_string().into()],
        )?
        .to_array()?;
    Ok(rows.first().and_then(|r| client_of(&r.client)))
}

/// The sessions that hold a number of the pools, with their clients: what
/// the live-lease cap counts when the site's state is loaded.
pub fn holders(db: &Db) -> worker::Result<Vec<(SessionId, Client)>> {
    let rows: Vec<ClientRow> = db
        .read(
            "SELECT s.id AS id, s.client AS client FROM numbers n JOIN sessions s ON s.id = n.session
             WHERE n.state = 'leased' AND s.client IS NOT NULL",
            None,
        )?
        .to_array()?;
    Ok(rows
        .iter()
        .filter_map(|r| Some((r.id.parse().ok()?, client_of(&r.client)?)))
        .collect())
}

fn client_of(hex: &str) -> Option<Client> {
    u64::from_str_radix(hex, 16).ok().map(Client)
}

/// Creates or updates a session row; `client` (the network it came from,
/// hashed) replaces the one stored when known.
pub fn put_session(
    db: &Tx,
    id: SessionId,
    now: Instant,
    visit: &str,
    ga_client_id: Option<&str>,
    client: Option<Client>,
) -> worker::Result<()> {
    db.write(
        "INSERT INTO sessions (id, created, last_seen, visit, ga_client_id, client) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, visit = excluded.visit,
           ga_client_id = COALESCE(excluded.ga_client_id, sessions.ga_client_id),
           client = COALESCE(excluded.client, sessions.client)",
        vec![
            id.to_string().into(),
            ms(now),
            ms(now),
            visit.into(),
            ga_client_id.map(str::to_string).into(),
            client.map(|c| format!("{:016x}", c.0)).into(),
        ],
    )?;
    Ok(())
}

/// Marks a session seen.
pub fn touch_session(db: &Tx, id: SessionId, now: Instant) -> worker::Result<()> {
    db.write(
        "UPDATE sessions SET last_seen = ? WHERE id = ?",
        vec![ms(now), id.to_string().into()],
    )?;
    Ok(())
}

#[derive(Deserialize)]
struct CoverageRow {
    page: String,
    found: i64,
    swapped: i64,
    unswapped: String,
    reports: i64,
    first_at: i64,
    last_at: i64,
}

/// Records a page's newest coverage report; keeps at most `max_pages` pages
/// (the ones reported longest ago go first).
pub fn put_coverage(
    db: &Tx,
    c: &crate::api::Coverage,
    now: Instant,
    max_pages: usize,
) -> worker::Result<()> {
    let unswapped = serde_json::to_string(&c.unswapped).map_err(|e| e.to_string())?;
    db.write(
        "INSERT INTO coverage (page, found, swapped, unswapped, reports, first_at, last_at)
         VALUES (?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT (page) DO UPDATE SET found = excluded.found, swapped = excluded.swapped,
           unswapped = excluded.unswapped, reports = coverage.reports + 1, last_at = excluded.last_at",
        vec![
            c.page.clone().into(),
            V::Integer(i64::from(c.found)),
            V::Integer(i64::from(c.swapped)),
            unswapped.into(),
            ms(now),
            ms(now),
        ],
    )?;
    db.write(
        "DELETE FROM coverage WHERE page NOT IN
           (SELECT page FROM coverage ORDER BY last_at DESC LIMIT ?)",
        vec![V::Integer(max_pages as i64)],
    )?;
    Ok(())
}

/// Every page's coverage, the ones with numbers left unswapped first.
pub fn coverage(db: &Db) -> worker::Result<Vec<CoveragePage>> {
    let rows: Vec<CoverageRow> = db
        .read(
            "SELECT page, found, swapped, unswapped, reports, first_at, last_at FROM coverage
             ORDER BY (found - swapped) DESC, found = 0 DESC, last_at DESC",
            None,
        )?
        .to_array()?;
    Ok(rows
        .into_iter()
        .map(|r| CoveragePage {
            page: r.page,
            found: r.found.max(0) as u64,
            swapped: r.swapped.max(0) as u64,
            unswapped: serde_json::from_str(&r.unswapped).unwrap_or_default(),
            reports: r.reports.max(0) as u64,
            first_at: r.first_at,
            last_at: r.last_at,
        })
        .collect())
}

/// A session's stored visit (JSON), GA4 client id and trail.
#[derive(serde::Serialize, Deserialize)]
pub struct SessionRow {
    /// The visit, as `api::visit_json` wrote it.
    pub visit: String,
    /// The visitor's `_ga` client id.
    pub ga_client_id: Option<String>,
    /// The pages seen and the site's events (JSON array of trail steps).
    #[serde(default)]
    pub trail: Option<String>,
    /// When the visit started (ms).
    #[serde(default)]
    pub created: i64,
    /// When it was last seen (ms).
    #[serde(default)]
    pub last_seen: i64,
}

impl SessionRow {
    /// Its trail's steps.
    pub fn steps(&self) -> Vec<pool_core::trail::Step> {
        self.trail
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }
}

/// Adds a step to a session's trail, keeping its newest `max` (SQL does the
/// append, so steps of one group commit never overwrite each other).
pub fn append_step(
    db: &Tx,
    id: SessionId,
    step: &pool_core::trail::Step,
    max: u32,
) -> worker::Result<()> {
    let step = serde_json::to_string(step).map_err(|e| worker::Error::RustError(e.to_string()))?;
    db.write(
        "UPDATE sessions SET trail = CASE
           WHEN json_array_length(COALESCE(trail, '[]')) >= ?
             THEN json_insert(json_remove(trail, '$[0]'), '$[#]', json(?))
           ELSE json_insert(COALESCE(trail, '[]'), '$[#]', json(?)) END
         WHERE id = ?",
        vec![
            V::Integer(i64::from(max)),
            step.as_str().into(),
            step.as_str().into(),
            id.to_string().into(),
        ],
    )?;
    Ok(())
}

/// One session's row.
pub fn session_row(db: &Db, id: SessionId) -> worker::Result<Option<SessionRow>> {
    let rows: Vec<SessionRow> = db
        .read(
            "SELECT visit, ga_client_id, trail, created, last_seen FROM sessions WHERE id = ?",
            vec![id.to_string().into()],
        )?
        .to_array()?;
    Ok(rows.into_iter().next())
}

/// How many visits began at or after `since`.
pub fn sessions_created_since(db: &Db, since: i64) -> worker::Result<u64> {
    count_since(
        db,
        "SELECT COUNT(*) AS n FROM sessions WHERE created >= ?",
        since,
    )
}

/// How many visits were seen (a heartbeat) at or after `since`.
pub fn sessions_seen_since(db: &Db, since: i64) -> worker::Result<u64> {
    count_since(
        db,
        "SELECT COUNT(*) AS n FROM sessions WHERE last_seen >= ?",
        since,
    )
}

fn count_since(db: &Db, query: &str, since: i64) -> worker::Result<u64> {
    #[derive(Deserialize)]
    struct N {
        n: i64,
    }
    let rows: Vec<N> = db.read(query, vec![V::Integer(since)])?.to_array()?;
    Ok(rows.first().map_or(0, |r| r.n.max(0) as u64))
}

/// A page's last report, as the health alerts weigh it.
#[derive(Deserialize)]
pub struct PageSeen {
    /// Numbers found on it.
    pub found: f64,
    /// What was left unswapped, by kind (JSON).
    pub unswapped: String,
}

/// The pages reported at or after `since`.
pub fn pages_since(db: &Db, since: i64) -> worker::Result<Vec<PageSeen>> {
    db.read(
        "SELECT found, unswapped FROM coverage WHERE last_at >= ?",
        vec![V::Integer(since)],
    )?
    .to_array()
}
