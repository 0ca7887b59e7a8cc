//! The `outbox` table: events waiting to be delivered (webhooks, GA4).

/// The outbox table.
pub const OUTBOX_TABLE: &str = "CREATE TABLE IF NOT EXISTS outbox ( id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, url TEXT NOT NULL, secret TEXT, event TEXT NOT NULL, idem TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, state TEXT NOT NULL, last_error TEXT, created_at INTEGER NOT NULL, done_at INTEGER, since INTEGER)";
