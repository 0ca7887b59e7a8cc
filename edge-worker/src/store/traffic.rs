//! The site's recent traffic as the sizing reads it: visits' spans, and the
//! delay from each visit's start to its call.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use worker::SqlStorageValue as V;

use super::Db;

/// At most this many visits are read for one sizing.
pub const MAX_SPANS: i64 = 200_000;

/// When a visit began and when it was last seen.
#[derive(Serialize, Deserialize)]
pub struct VisitSpan {
    pub created: i64,
    pub last_seen: i64,
}

/// The delay from a visit's start to its call, and the visit's channel.
#[derive(Serialize, Deserialize)]
pub struct CallDelay {
    pub delay: i64,
    pub channel: String,
}

/// A call attributed to a session (for a sharded site, whose sessions live in other shards).
#[derive(Serialize, Deserialize)]
pub struct SessionCall {
    pub session: String,
    pub started_at: i64,
    pub channel: String,
}

/// The visits begun since `since`, newest first, at most [`MAX_SPANS`].
pub fn visit_spans_since(db: &Db, since: i64) -> worker::Result<Vec<VisitSpan>> {
    db.read(
        "SELECT created, last_seen FROM sessions WHERE created >= ? ORDER BY created DESC LIMIT ?",
        vec![V::Integer(since), V::Integer(MAX_SPANS)],
    )?
    .to_array()
}

/// When each of these sessions (those stored here) began.
pub fn sessions_created(db: &Db, ids: &[&str]) -> worker::Result<BTreeMap<String, i64>> {
    #[derive(Deserialize)]
    struct Created {
        id: String,
        created: i64,
    }
    let ids = serde_json::to_string(ids).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let rows: Vec<Created> = db
        .read(
            "SELECT id, created FROM sessions WHERE id IN (SELECT value FROM json_each(?))",
            vec![ids.into()],
        )?
        .to_array()?;
    Ok(rows.into_iter().map(|r| (r.id, r.created)).collect())
}

/// The delays of the calls since `since` to sessions stored here.
pub fn call_delays_since(db: &Db, since: i64) -> worker::Result<Vec<CallDelay>> {
    db.read(
        "SELECT c.started_at - s.created AS delay, c.channel AS channel FROM calls c
         JOIN sessions s ON s.id = c.session WHERE c.started_at >= ? AND c.kind = 'session'",
        vec![V::Integer(since)],
    )?
    .to_array()
}

/// The calls since `since` attributed to a session, wherever it is stored.
pub fn session_calls_since(db: &Db, since: i64) -> worker::Result<Vec<SessionCall>> {
    db.read(
        "SELECT session, started_at, channel FROM calls
         WHERE started_at >= ? AND kind = 'session' AND session IS NOT NULL",
        vec![V::Integer(since)],
    )?
    .to_array()
}
