//! The `outbox` table: events waiting to be delivered (webhooks, GA4).

/// The outbox table.
pub const OUTBOX_TABLE: &str = "CREATE TABLE IF NOT EXISTS outbox ( id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, url TEXT NOT NULL, secret TEXT, event TEXT NOT NULL, idem TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, state TEXT NOT NULL, last_error TEXT, created_at INTEGER NOT NULL, done_at INTEGER, since INTEGER)";

use serde::{Deserialize, Serialize};
use worker::SqlStorageValue as V;

use super::{Db, Tx};

/// One event to queue (no secret: it is taken from the config when sent).
pub struct Outgoing<'a> {
    /// `webhook`, `ga4`, `sms`, `email`, `pipedrive`, `metrica`, `google_ads`.
    pub kind: &'a str,
    /// Where it goes.
    pub url: &'a str,
    /// The event's name.
    pub event: &'a str,
    /// The receiver's idempotency key.
    pub idem: &'a str,
    /// What is sent.
    pub body: &'a str,
}

/// Queues one event, due at `at`.
pub fn enqueue(db: &Tx, o: Outgoing<'_>, at: i64) -> worker::Result<()> {
    db.write(
        "INSERT INTO outbox (kind, url, secret, event, idem, body, attempts, next_at, state, created_at, since)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?, 'pending', ?, ?)",
        vec![
            o.kind.into(),
            o.url.into(),
            V::Null,
            o.event.into(),
            o.idem.into(),
            o.body.into(),
            V::Integer(at),
            V::Integer(at),
            V::Integer(at),
        ],
    )
}

/// The state of delivery `id`, if there is one.
pub fn delivery_state(db: &Db, id: i64) -> worker::Result<Option<String>> {
    #[derive(Deserialize)]
    struct State {
        state: String,
    }
    let rows: Vec<State> = db
        .read(
            "SELECT state FROM outbox WHERE id = ?",
            vec![V::Integer(id)],
        )?
        .to_array()?;
    Ok(rows.into_iter().next().map(|r| r.state))
}

/// Makes delivery `id` due again at `at`, with a new window of tries.
pub fn retry_delivery(db: &Tx, id: i64, at: i64) -> worker::Result<()> {
    db.write(
        "UPDATE outbox SET state = 'pending', attempts = 0, since = ?, next_at = ?, done_at = NULL WHERE id = ?",
        vec![V::Integer(at), V::Integer(at), V::Integer(id)],
    )
}

/// A delivery as `GET /deliveries` lists it.
#[derive(Deserialize, Serialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub kind: String,
    pub url: String,
    pub event: String,
    pub idem: String,
    pub attempts: i64,
    pub next_at: i64,
    pub state: String,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub done_at: Option<i64>,
}

/// The newest `limit` deliveries, newest first.
pub fn deliveries(db: &Db, limit: u32) -> worker::Result<Vec<DeliveryRow>> {
    db.read(
        "SELECT id, kind, url, event, idem, attempts, next_at, state, last_error, created_at, done_at
         FROM outbox ORDER BY id DESC LIMIT ?",
        vec![V::Integer(i64::from(limit))],
    )?
    .to_array()
}

/// When the earliest pending delivery is due.
pub fn next_delivery(db: &Db) -> worker::Result<Option<i64>> {
    #[derive(Deserialize)]
    struct T {
        t: Option<i64>,
    }
    let rows: Vec<T> = db
        .read(
            "SELECT MIN(next_at) AS t FROM outbox WHERE state = 'pending'",
            None,
        )?
        .to_array()?;
    Ok(rows.first().and_then(|r| r.t))
}

/// A delivery due to be sent.
#[derive(Deserialize)]
pub struct Due {
    pub id: i64,
    pub kind: String,
    pub url: String,
    /// Only on rows queued before secrets stayed out of the outbox.
    pub secret: Option<String>,
    pub event: String,
    pub idem: String,
    pub body: String,
    pub attempts: i64,
    /// When its window of tries began.
    pub since: i64,
}

/// The deliveries due at `at`, oldest due first, at most `limit`.
pub fn due(db: &Db, at: i64, limit: u32) -> worker::Result<Vec<Due>> {
    db.read(
        "SELECT id, kind, url, secret, event, idem, body, attempts, COALESCE(since, created_at) AS since FROM outbox
         WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?",
        vec![V::Integer(at), V::Integer(i64::from(limit))],
    )?
    .to_array()
}

/// What became of one try of a delivery.
pub enum Settled<'a> {
    /// Taken by the receiver.
    Delivered,
    /// Refused for good (or out of tries: `failed`), with the reason.
    Over { state: &'static str, error: &'a str },
    /// To be tried again at `next_at`.
    Again { next_at: i64, error: &'a str },
}

/// Stores the outcome of try number `attempts` of delivery `id`, made at `done`.
pub fn settle(db: &Tx, id: i64, attempts: i64, done: i64, s: Settled<'_>) -> worker::Result<()> {
    let (a, d, i) = (V::Integer(attempts), V::Integer(done), V::Integer(id));
    match s {
        Settled::Delivered => db.write(
            "UPDATE outbox SET state = 'delivered', attempts = ?, done_at = ?, last_error = NULL WHERE id = ?",
            vec![a, d, i],
        ),
        Settled::Over { state, error } => db.write(
            "UPDATE outbox SET state = ?, attempts = ?, done_at = ?, last_error = ? WHERE id = ?",
            vec![state.into(), a, d, error.into(), i],
        ),
        Settled::Again { next_at, error } => db.write(
            "UPDATE outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?",
            vec![a, V::Integer(next_at), error.into(), i],
        ),
    }
}
