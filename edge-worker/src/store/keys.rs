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
