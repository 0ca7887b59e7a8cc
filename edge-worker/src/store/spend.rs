//! The `spend` table: ad spend per day, source / medium, campaign, keyword
//! and ad (`''` for none), one row per key: a row sent again replaces it.

use serde::Deserialize;
use worker::SqlStorageValue as V;

use pool_core::spend::Spend;
use pool_core::time::Instant;

use super::{ms, Db, Tx};

/// The table.
pub const SPEND_TABLE: &str = "CREATE TABLE IF NOT EXISTS spend (
    day INTEGER NOT NULL, source TEXT NOT NULL, medium TEXT NOT NULL, campaign TEXT NOT NULL,
    keyword TEXT NOT NULL, ad TEXT NOT NULL, amount_minor INTEGER NOT NULL,
    origin TEXT NOT NULL, updated_at INTEGER NOT NULL,
    PRIMARY KEY (day, source, medium, campaign, keyword, ad)) WITHOUT ROWID";

/// A stored row: the spend, where it came from (`api`, `csv`) and when.
#[derive(Debug, Clone)]
pub struct SpendRecord {
    /// The spend.
    pub spend: Spend,
    /// Who sent it: `api` or `csv`.
    pub origin: String,
    /// When it was last sent (ms since the epoch).
    pub updated_at: i64,
}

#[derive(Deserialize)]
struct Row {
    day: i64,
    source: String,
    medium: String,
    campaign: String,
    keyword: String,
    ad: String,
    amount_minor: i64,
    origin: String,
    updated_at: i64,
}

/// Stores `s` under its key, replacing what was there.
pub fn put_spend(db: &Tx, s: &Spend, origin: &str, now: Instant) -> worker::Result<()> {
    db.write(
        "INSERT OR REPLACE INTO spend (day, source, medium, campaign, keyword, ad, amount_minor, origin, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            V::Integer(s.day),
            s.source.as_str().into(),
            s.medium.as_str().into(),
            s.campaign.as_str().into(),
            s.keyword.as_deref().unwrap_or("").into(),
            s.ad.as_deref().unwrap_or("").into(),
            V::Integer(s.amount_minor as i64),
            origin.into(),
            ms(now),
        ],
    )
}

/// The spend of the days `from..=to` (days since 1970-01-01), oldest first.
pub fn spend_between(db: &Db, from: i64, to: i64) -> worker::Result<Vec<SpendRecord>> {
    let rows: Vec<Row> = db
        .read(
            "SELECT day, source, medium, campaign, keyword, ad, amount_minor, origin, updated_at
             FROM spend WHERE day >= ? AND day <= ? ORDER BY day, source, medium, campaign, keyword, ad",
            vec![V::Integer(from), V::Integer(to)],
        )?
        .to_array()?;
    let some = |s: String| (!s.is_empty()).then_some(s);
    Ok(rows
        .into_iter()
        .map(|r| SpendRecord {
            spend: Spend {
                day: r.day,
                source: r.source,
                medium: r.medium,
                campaign: r.campaign,
                keyword: some(r.keyword),
                ad: some(r.ad),
                amount_minor: r.amount_minor.max(0) as u64,
            },
            origin: r.origin,
            updated_at: r.updated_at,
        })
        .collect())
}

/// Deletes the spend of the days `from..=to`, of one source and one
/// campaign when given; how many rows went.
pub fn delete_spend(
    db: &Tx,
    from: i64,
    to: i64,
    source: Option<&str>,
    campaign: Option<&str>,
) -> worker::Result<u64> {
    let n = spend_count_where(db, from, to, source, campaign)?;
    db.write(
        "DELETE FROM spend WHERE day >= ? AND day <= ? AND (? IS NULL OR source = ?) AND (? IS NULL OR campaign = ?)",
        narrowed(from, to, source, campaign),
    )?;
    Ok(n)
}

/// The values of a `WHERE` on days, and on a source and a campaign when given.
fn narrowed(from: i64, to: i64, source: Option<&str>, campaign: Option<&str>) -> Vec<V> {
    vec![
        V::Integer(from),
        V::Integer(to),
        source.into(),
        source.into(),
        campaign.into(),
        campaign.into(),
    ]
}

fn spend_count_where(
    db: &Db,
    from: i64,
    to: i64,
    source: Option<&str>,
    campaign: Option<&str>,
) -> worker::Result<u64> {
    #[derive(Deserialize)]
    struct N {
        n: i64,
    }
    let rows: Vec<N> = db
        .read(
            "SELECT COUNT(*) AS n FROM spend WHERE day >= ? AND day <= ? AND (? IS NULL OR source = ?) AND (? IS NULL OR campaign = ?)",
            narrowed(from, to, source, campaign),
        )?
        .to_array()?;
    Ok(rows.first().map_or(0, |r| r.n.max(0) as u64))
}

/// How many spend rows the site keeps.
pub fn spend_rows(db: &Db) -> worker::Result<u64> {
    spend_count_where(db, i64::MIN, i64::MAX, None, None)
}
