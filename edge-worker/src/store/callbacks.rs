//! The `callbacks` table: visitors' requests to be called back.

use serde::{Deserialize, Serialize};
use worker::SqlStorageValue as V;

use pool_core::callback::Asked;

use super::{opt, Db, Tx};

/// A stored request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallbackRow {
    pub id: String,
    pub session: Option<String>,
    pub phone: String,
    pub name: Option<String>,
    pub target: String,
    pub requested_at: i64,
    pub state: String,
    pub reason: Option<String>,
    pub scheduled_for: Option<i64>,
    pub office_sid: Option<String>,
    /// The origin Twilio calls back (`integrations.twilio.public_url`).
    pub base: String,
    pub updated_at: i64,
    /// The client that asked (the salted hash of its network), for its limit.
    #[serde(default)]
    pub client: Option<String>,
}

/// Request `id`.
pub fn callback(db: &Db, id: &str) -> worker::Result<Option<CallbackRow>> {
    let rows: Vec<CallbackRow> = db
        .read("SELECT * FROM callbacks WHERE id = ?", vec![id.into()])?
        .to_array()?;
    Ok(rows.into_iter().next())
}

/// Stores a request, new or changed.
pub fn put_callback(db: &Tx, c: &CallbackRow) -> worker::Result<()> {
    db.write(
        "INSERT OR REPLACE INTO callbacks (id, session, phone, name, target, requested_at, state, reason,
           scheduled_for, office_sid, base, updated_at, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            c.id.as_str().into(),
            opt(c.session.as_deref()),
            c.phone.as_str().into(),
            opt(c.name.as_deref()),
            c.target.as_str().into(),
            V::Integer(c.requested_at),
            c.state.as_str().into(),
            opt(c.reason.as_deref()),
            c.scheduled_for.map_or(V::Null, V::Integer),
            opt(c.office_sid.as_deref()),
            c.base.as_str().into(),
            V::Integer(c.updated_at),
            opt(c.client.as_deref()),
        ],
    )
}

/// The requests made since `since`: for this phone, this visit, this
/// client (when known) and the whole site, as the limits weigh them.
pub fn callbacks_asked(
    db: &Db,
    since: i64,
    phone: &str,
    session: &str,
    client: Option<&str>,
) -> worker::Result<Asked> {
    let count = |query: &str, params: Vec<V>| -> worker::Result<u64> {
        #[derive(Deserialize)]
        struct N {
            n: i64,
        }
        let n: Vec<N> = db.read(query, params)?.to_array()?;
        Ok(n.first().map_or(0, |x| x.n.max(0) as u64))
    };
    let since = V::Integer(since);
    Ok(Asked {
        number: count(
            "SELECT COUNT(*) AS n FROM callbacks WHERE phone = ? AND requested_at >= ?",
            vec![phone.into(), since.clone()],
        )?,
        visit: count(
            "SELECT COUNT(*) AS n FROM callbacks WHERE session = ? AND requested_at >= ?",
            vec![session.into(), since.clone()],
        )?,
        client: match client {
            Some(k) => count(
                "SELECT COUNT(*) AS n FROM callbacks WHERE client = ? AND requested_at >= ?",
                vec![k.into(), since.clone()],
            )?,
            None => 0,
        },
        site: count(
            "SELECT COUNT(*) AS n FROM callbacks WHERE requested_at >= ?",
            vec![since],
        )?,
    })
}

/// Every request waiting for its office to open.
pub fn scheduled_callbacks(db: &Db) -> worker::Result<Vec<CallbackRow>> {
    db.read("SELECT * FROM callbacks WHERE state = 'scheduled'", None)?
        .to_array()
}

/// When the earliest waiting request is to be placed.
pub fn next_callback(db: &Db) -> worker::Result<Option<i64>> {
    #[derive(Deserialize)]
    struct T {
        t: Option<i64>,
    }
    let rows: Vec<T> = db
        .read(
            "SELECT MIN(scheduled_for) AS t FROM callbacks WHERE state = 'scheduled'",
            None,
        )?
        .to_array()?;
    Ok(rows.first().and_then(|r| r.t))
}

/// The waiting requests due at `at`, earliest first, at most `limit`.
pub fn due_callbacks(db: &Db, at: i64, limit: u32) -> worker::Result<Vec<CallbackRow>> {
    db.read(
        "SELECT * FROM callbacks WHERE state = 'scheduled' AND scheduled_for <= ? ORDER BY scheduled_for LIMIT ?",
        vec![V::Integer(at), V::Integer(i64::from(limit))],
    )?
    .to_array()
}

/// The requests of `[from, to)`, newest first, at most `limit`.
pub fn callbacks_between(
    db: &Db,
    from: i64,
    to: i64,
    limit: u32,
) -> worker::Result<Vec<CallbackRow>> {
    db.read(
        "SELECT * FROM callbacks WHERE requested_at >= ? AND requested_at < ? ORDER BY requested_at DESC LIMIT ?",
        vec![V::Integer(from), V::Integer(to), V::Integer(i64::from(limit))],
    )?
    .to_array()
}

/// The newest request to `phone` whose office leg or visitor leg is under way.
pub fn callback_calling(db: &Db, phone: &str) -> worker::Result<Option<CallbackRow>> {
    let rows: Vec<CallbackRow> = db
        .read(
            "SELECT * FROM callbacks WHERE phone = ? AND state IN ('calling_office', 'calling_visitor')
             ORDER BY requested_at DESC LIMIT 1",
            vec![phone.into()],
        )?
        .to_array()?;
    Ok(rows.into_iter().next())
}
