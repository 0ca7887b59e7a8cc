//! The `crm_links` table: which CRM deal each call or lead became, and
//! whether its note was added (so a retry makes no second deal).

use serde::{Deserialize, Serialize};
use worker::SqlStorageValue as V;

use super::{Db, Tx};

/// The deal an item (`call:{id}`, `lead:{id}`) became.
#[derive(Deserialize)]
pub struct CrmLink {
    pub deal_id: i64,
    /// 1 once the note is added.
    pub noted: i64,
}

/// The deal `item` became, if it did.
pub fn crm_link(db: &Db, item: &str) -> worker::Result<Option<CrmLink>> {
    let rows: Vec<CrmLink> = db
        .read(
            "SELECT deal_id, noted FROM crm_links WHERE item = ?",
            vec![item.into()],
        )?
        .to_array()?;
    Ok(rows.into_iter().next())
}

/// `item` became deal `deal_id` at `at`; its note is still to add.
pub fn link_deal(db: &Tx, item: &str, deal_id: i64, at: i64) -> worker::Result<()> {
    db.write(
        "INSERT INTO crm_links (item, deal_id, noted, created_at) VALUES (?, ?, 0, ?)",
        vec![item.into(), V::Integer(deal_id), V::Integer(at)],
    )
}

/// The note of `item`'s deal is added.
pub fn deal_noted(db: &Tx, item: &str) -> worker::Result<()> {
    db.write(
        "UPDATE crm_links SET noted = 1 WHERE item = ?",
        vec![item.into()],
    )
}

/// The ids of the calls that became deal `deal_id`, their items named
/// `{prefix}{id}` (`call:` for Pipedrive's, `amocrm:call:` for amoCRM's).
pub fn deal_calls(db: &Db, prefix: &str, deal_id: i64) -> worker::Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Item {
        item: String,
    }
    let items: Vec<Item> = db
        .read(
            "SELECT item FROM crm_links WHERE deal_id = ? AND substr(item, 1, length(?)) = ?",
            vec![V::Integer(deal_id), prefix.into(), prefix.into()],
        )?
        .to_array()?;
    Ok(items
        .into_iter()
        .filter_map(|i| i.item.strip_prefix(prefix).map(str::to_string))
        .collect())
}

/// What an outbox row of kind `amocrm` asks of amoCRM (its body).
#[derive(Serialize, Deserialize)]
pub struct AmoItem {
    /// `call` or `lead`.
    pub item: String,
    /// Its id.
    pub id: String,
    /// `deal` (a target call, a lead) or `task` (a missed call).
    pub what: String,
}
