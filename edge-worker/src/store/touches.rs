//! Visits and leads as the reports count them: when, and from which
//! channel, source, campaign, keyword, ad and region (read from the stored
//! visit, `api::visit_json`).

use worker::SqlStorageValue as V;

use pool_core::report::Touch;

use super::Db;

/// A session's visit, as stored (`api::visit_json`), for a report.
const VISITS: &str = "SELECT created AS at, json_extract(visit, '$.channel') AS channel,
    json_extract(visit, '$.source') AS source, json_extract(visit, '$.medium') AS medium,
    json_extract(visit, '$.campaign') AS campaign, json_extract(visit, '$.term') AS term,
    json_extract(visit, '$.landing_page') AS landing_page,
    json_extract(visit, '$.content') AS content, json_extract(visit, '$.region') AS region
  FROM sessions WHERE created >= ? AND created < ?";

/// A lead with the visit it came from, for a report.
const LEADS: &str = "SELECT created_at AS at, channel,
    json_extract(visit, '$.source') AS source, json_extract(visit, '$.medium') AS medium,
    json_extract(visit, '$.campaign') AS campaign, json_extract(visit, '$.term') AS term,
    json_extract(visit, '$.landing_page') AS landing_page,
    json_extract(visit, '$.content') AS content, json_extract(visit, '$.region') AS region
  FROM leads WHERE created_at >= ? AND created_at < ?";

#[derive(serde::Deserialize)]
struct TouchRow {
    at: i64,
    channel: Option<String>,
    source: Option<String>,
    medium: Option<String>,
    campaign: Option<String>,
    term: Option<String>,
    landing_page: Option<String>,
    content: Option<String>,
    region: Option<String>,
}

/// The visits of `[from, to)`, as the reports count them.
pub fn visits_between(db: &Db, from: i64, to: i64) -> worker::Result<Vec<Touch>> {
    touches(db, VISITS, from, to)
}

/// The leads of `[from, to)` with the visits they came from.
pub fn lead_touches_between(db: &Db, from: i64, to: i64) -> worker::Result<Vec<Touch>> {
    touches(db, LEADS, from, to)
}

fn touches(db: &Db, query: &str, from: i64, to: i64) -> worker::Result<Vec<Touch>> {
    let rows: Vec<TouchRow> = db
        .read(query, vec![V::Integer(from), V::Integer(to)])?
        .to_array()?;
    Ok(rows
        .into_iter()
        .map(|r| Touch {
            at: r.at,
            channel: r.channel.unwrap_or_else(|| "unattributed".into()),
            source: r.source.unwrap_or_default(),
            medium: r.medium.unwrap_or_default(),
            campaign: r.campaign,
            term: r.term,
            landing_page: r.landing_page,
            content: r.content,
            region: r.region,
        })
        .collect())
}
