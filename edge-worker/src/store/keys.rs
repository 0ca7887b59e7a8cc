//! The `keys` table: API keys, stored hashed, with their scope, label,
//! expiry and when each was last used.

use serde::{Deserialize, Serialize};
use worker::SqlStorageValue as V;

use pool_core::time::Instant;

use super::{ms, Db, Tx};

/// A stored key, as listed and as the coordinator pushes it to the site's other shards.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The key's SHA-256, hex.
    pub hash: String,
    /// `admin` or `server`.
    pub scope: String,
    /// A name for people.
    pub label: Option<String>,
    /// When it was issued (ms since the epoch).
    pub created: i64,
    /// When it stops working (ms since the epoch), if ever.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// When it was last used (ms, to the hour), if ever.
    #[serde(default)]
    pub last_used: Option<i64>,
}

impl KeyRecord {
    /// The key's public id: the first 16 hex digits of its hash (the key
    /// itself is never shown again).
    pub fn id(&self) -> &str {
        self.hash.get(..16).unwrap_or(&self.hash)
    }
}

/// The stored key with this hash, if any.
pub fn key(db: &Db, hash: &str) -> worker::Result<Option<KeyRecord>> {
    let rows: Vec<KeyRecord> = db
        .read(
            "SELECT hash, scope, label, created, expires_at, last_used FROM keys WHERE hash = ?",
            vec![hash.into()],
        )?
        .to_array()?;
    Ok(rows.into_iter().next())
}

/// Stores a key's hash.
pub fn put_key(
    db: &Tx,
    hash: &str,
    scope: &str,
    label: Option<&str>,
    now: Instant,
    expires_at: Option<Instant>,
) -> worker::Result<()> {
    db.write(
        "INSERT INTO keys (hash, scope, label, created, expires_at) VALUES (?, ?, ?, ?, ?)",
        vec![
            hash.into(),
            scope.into(),
            label.map(str::to_string).into(),
            ms(now),
            expires_at.map_or(V::Null, ms),
        ],
    )?;
    Ok(())
}

/// Records that a key was used at `hour` (ms, rounded down to the hour).
pub fn key_used(db: &Tx, hash: &str, hour: i64) -> worker::Result<()> {
    db.write(
        "UPDATE keys SET last_used = ? WHERE hash = ? AND (last_used IS NULL OR last_used < ?)",
        vec![V::Integer(hour), hash.into(), V::Integer(hour)],
    )?;
    Ok(())
}

/// Removes the keys whose id (hash prefix) is `id`; how many went.
pub fn revoke_key(db: &Tx, id: &str) -> worker::Result<usize> {
    let gone: Vec<KeyRecord> = keys(db)?.into_iter().filter(|k| k.id() == id).collect();
    for k in &gone {
        db.write(
            "DELETE FROM keys WHERE hash = ?",
            vec![k.hash.clone().into()],
        )?;
    }
    Ok(gone.len())
}

/// Every stored key, oldest first.
pub fn keys(db: &Db) -> worker::Result<Vec<KeyRecord>> {
    db.read(
        "SELECT hash, scope, label, created, expires_at, last_used FROM keys ORDER BY created",
        None,
    )?
    .to_array()
}

/// Replaces the stored keys with the coordinator's.
pub fn replace_keys(db: &Tx, keys: &[KeyRecord]) -> worker::Result<()> {
    db.write("DELETE FROM keys", Vec::new())?;
    for k in keys {
        db.write(
            "INSERT INTO keys (hash, scope, label, created, expires_at, last_used) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                k.hash.clone().into(),
                k.scope.clone().into(),
                k.label.clone().into(),
                k.created.into(),
                k.expires_at.map_or(V::Null, V::Integer),
                k.last_used.map_or(V::Null, V::Integer),
            ],
        )?;
    }
    Ok(())
}
