//! The deployment's directory of sites (the `Directory` object's only
//! table): which site names have a site, so that the Worker starts no
//! site's object, and no database, for a name that has none.

use serde::Deserialize;

use super::{Db, Tx};

/// The directory's table.
pub const DIRECTORY_SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS sites (site TEXT PRIMARY KEY) WITHOUT ROWID";

/// Whether `site` is listed.
pub fn listed(db: &Db, site: &str) -> worker::Result<bool> {
    #[derive(Deserialize)]
    struct Row {
        #[allow(dead_code)]
        site: String,
    }
    let rows: Vec<Row> = db
        .read("SELECT site FROM sites WHERE site = ?", vec![site.into()])?
        .to_array()?;
    Ok(!rows.is_empty())
}

/// Lists `site` (again: no change).
pub fn list(db: &Tx, site: &str) -> worker::Result<()> {
    db.write(
        "INSERT OR IGNORE INTO sites (site) VALUES (?)",
        vec![site.into()],
    )
}

/// Takes `site` off the list.
pub fn unlist(db: &Tx, site: &str) -> worker::Result<()> {
    db.write("DELETE FROM sites WHERE site = ?", vec![site.into()])
}
