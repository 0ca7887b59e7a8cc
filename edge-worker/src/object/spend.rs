//! Ad spend: uploaded as JSON rows or a CSV export, listed, deleted; the
//! call report joins it (`reports.rs`).

use worker::{Request, Response};

use pool_core::spend::{day_text, parse_day, MAX_STORED_ROWS};

use super::reports::money;
use super::{json, mime_of, now, SiteObject, R};
use crate::api;
use crate::error::ApiError;
use crate::http::{self, query};
use crate::routes::Handler;
use crate::store;
use crate::telephony;
use crate::tz::utc_offset_ms;

/// The days `from..=to` a request names (`2026-12-01`, inclusive): the last
/// 30 of the site's days by default.
fn days(q: &std::collections::HashMap<String, String>, today: i64) -> R<(i64, i64)> {
    let day = |k: &'static str, default: i64| -> R<i64> {
        q.get(k).map_or(Ok(default), |v| {
            parse_day(v).ok_or_else(|| ApiError::field(k, "a day, 2026-12-01"))
        })
    };
    // From after to: no day at all (an empty answer, nothing deleted).
    let to = day("to", today)?;
    let from = day("from", to - 29)?;
    Ok((from, to))
}

impl SiteObject {
    /// The site's day today, as days since 1970-01-01.
    pub(super) fn today(&self) -> R<i64> {
        let tz = self.with_loaded(|l| l.site.config().time_zone.clone())?;
        let at = now().millis();
        Ok((at + utc_offset_ms(&tz, at)).div_euclid(86_400_000))
    }

    /// `PUT /costs`: spend rows (JSON or CSV); each replaces the row of
    /// its key. All are checked before any is stored.
    pub(super) fn put_costs(&self, req: &Request, body: &[u8]) -> R<Response> {
        self.require_site()?;
        if body.len() > api::MAX_BODY {
            return Err(ApiError::PayloadTooLarge(api::MAX_BODY));
        }
        let mime = mime_of(req);
        let rows = api::read_spend(&mime, body)?;
        let origin = if mime == "text/csv" { "csv" } else { "api" };
        let at = now();
        let stored = self.mutate(Some(Handler::PutCosts), |_, db| {
            let kept = store::spend_rows(db)?;
            if kept + rows.len() as u64 > MAX_STORED_ROWS {
                return Err(ApiError::Conflict(format!(
                    "a site keeps at most {MAX_STORED_ROWS} spend rows ({kept} now): delete old days first (DELETE /costs)"
                )));
            }
            for s in &rows {
                store::put_spend(db, s, origin, at)?;
            }
            Ok(rows.len())
        })?;
        let total: u64 = rows.iter().map(|s| s.amount_minor).sum();
        json(
            200,
            &serde_json::json!({ "stored": stored, "amount": money(total).parse::<f64>().unwrap_or(0.0) }),
        )
    }

    /// `GET /costs?from=&to=`: the spend of those days (`format=csv` too).
    pub(super) fn get_costs(&self, req: &Request) -> R<Response> {
        self.require_site()?;
        let q = query(req);
        let (from, to) = days(&q, self.today()?)?;
        let db = self.ready()?;
        let rows = store::spend_between(&db, from, to)?;
        let currency = self.with_loaded(|l| l.site.config().currency.clone())?;
        if q.get("format").map(String::as_str) == Some("csv") {
            let header = [
                "day", "source", "medium", "campaign", "keyword", "ad", "amount", "origin",
            ];
            let lines: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.spend.day_text(),
                        r.spend.source.clone(),
                        r.spend.medium.clone(),
                        r.spend.campaign.clone(),
                        r.spend.keyword.clone().unwrap_or_default(),
                        r.spend.ad.clone().unwrap_or_default(),
                        money(r.spend.amount_minor),
                        r.origin.clone(),
                    ]
                })
                .collect();
            return http::csv(&telephony::csv(&header, &lines), "costs.csv");
        }
        let total: u64 = rows.iter().map(|r| r.spend.amount_minor).sum();
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "day": r.spend.day_text(),
                    "source": r.spend.source,
                    "medium": r.spend.medium,
                    "campaign": r.spend.campaign,
                    "keyword": r.spend.keyword,
                    "ad": r.spend.ad,
                    "amount_minor": r.spend.amount_minor,
                    "origin": r.origin,
                    "updated_at": r.updated_at,
                })
            })
            .collect();
        json(
            200,
            &serde_json::json!({
                "from": day_text(from), "to": day_text(to), "currency": currency,
                "rows": out, "total_minor": total, "connectors": self.spend_connectors(),
            }),
        )
    }

    /// `DELETE /costs?from=&to=[&source=][&campaign=]`: takes spend back.
    pub(super) fn delete_costs(&self, req: &Request) -> R<Response> {
        self.require_site()?;
        let q = query(req);
        if !q.contains_key("from") || !q.contains_key("to") {
            return Err(ApiError::field(
                "from",
                "from and to: the days to delete, 2026-12-01",
            ));
        }
        let (from, to) = days(&q, self.today()?)?;
        let source = q.get("source").map(|s| s.trim().to_lowercase());
        let campaign = q.get("campaign").map(|c| c.trim().to_string());
        let deleted = self.mutate(Some(Handler::DeleteCosts), |_, db| {
            Ok(store::delete_spend(
                db,
                from,
                to,
                source.as_deref(),
                campaign.as_deref(),
            )?)
        })?;
        json(200, &serde_json::json!({ "deleted": deleted }))
    }
}
