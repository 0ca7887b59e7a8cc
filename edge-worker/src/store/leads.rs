//! The `leads` table: online requests (forms, chats) with the visit they came from.

use serde::Deserialize;
use worker::SqlStorageValue as V;

use super::{opt, Db, Tx};

/// A stored lead.
#[derive(Deserialize)]
pub struct LeadRow {
    pub id: String,
    pub created_at: i64,
    pub session: Option<String>,
    pub channel: String,
    /// The visit it came from (JSON), when the session was known.
    pub visit: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub message: Option<String>,
    pub page: Option<String>,
}

/// Lead `id`.
pub fn lead(db: &Db, id: &str) -> worker::Result<Option<LeadRow>> {
    let rows: Vec<LeadRow> = db
        .read(
            "SELECT id, created_at, session, channel, visit, name, phone, email, message, page
             FROM leads WHERE id = ?",
            vec![id.into()],
        )?
        .to_array()?;
    Ok(rows.into_iter().next())
}

/// Stores a new lead.
pub fn insert_lead(db: &Tx, r: &LeadRow) -> worker::Result<()> {
    db.write(
        "INSERT INTO leads (id, created_at, session, channel, visit, name, phone, email, message, page)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            r.id.as_str().into(),
            V::Integer(r.created_at),
            opt(r.session.as_deref()),
            r.channel.as_str().into(),
            opt(r.visit.as_deref()),
            opt(r.name.as_deref()),
            opt(r.phone.as_deref()),
            opt(r.email.as_deref()),
            opt(r.message.as_deref()),
            opt(r.page.as_deref()),
        ],
    )
}

/// The leads of `[from, to)`, newest first.
pub fn leads_between(db: &Db, from: i64, to: i64) -> worker::Result<Vec<LeadRow>> {
    db.read(
        "SELECT id, created_at, session, channel, visit, name, phone, email, message, page
         FROM leads WHERE created_at >= ? AND created_at < ? ORDER BY created_at DESC, id DESC",
        vec![V::Integer(from), V::Integer(to)],
    )?
    .to_array()
}
