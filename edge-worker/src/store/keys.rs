//! The `keys` table: API keys, stored hashed.

use serde::Deserialize;

use pool_core::time::Instant;

use super::{ms, Db};
#[derive(Deserialize)]
struct KeyRow {
    scope: String,
}

/// The scope of a stored key, by the key's hash.
pub fn key_scope(db: &Db, hash: &str) -> worker::Result<Option<String>> {
    let rows: Vec<KeyRow> = db
        .exec("SELECT scope FROM keys WHERE hash = ?", vec![hash.into()])?
        .to_array()?;
    Ok(rows.into_iter().next().map(|r| r.scope))
}

/// Stores a key's hash.
pub fn put_key(
    db: &Db,
    hash: &str,
    scope: &str,
    label: Option<&str>,
    now: Instant,
) -> worker::Result<()> {
    db.exec(
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

/// A stored key as the coordinator pushes it to the site's other shards.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct KeyRecord {
    /// The key's SHA-256, hex.
    pub hash: String,
    /// `admin` or `server`.
    pub scope: String,
    /// A name for people.
    pub label: Option<String>,
    /// When it was issued (ms since the epoch).
    pub created: i64,
}

/// Every stored key.
pub fn keys(db: &Db) -> worker::Result<Vec<KeyRecord>> {
    db.exec("SELECT hash, scope, label, created FROM keys", None)?
        .to_array()
}

/// Replaces the stored keys with the coordinator's.
pub fn replace_keys(db: &Db, keys: &[KeyRecord]) -> worker::Result<()> {
    db.write("DELETE FROM keys", Vec::new())?;
    for k in keys {
        db.write(
            "INSERT INTO keys (hash, scope, label, created) VALUES (?, ?, ?, ?)",
            vec![
                k.hash.clone().into(),
                k.scope.clone().into(),
                k.label.clone().into(),
                k.created.into(),
            ],
        )?;
    }
    Ok(())
}
