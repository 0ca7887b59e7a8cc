//! The call report (grouped, with PTR, visits and leads beside the calls,
//! in the site's time zone) and the time zone arithmetic it needs.

use std::collections::HashMap;

use worker::{Request, Response};

use pool_core::report::{self, Fact, GroupBy, Touch};
use pool_core::time::Instant;

use super::calls::{fact, filtered};
use super::{json, SiteObject, R};
use crate::error::ApiError;
use crate::http::{self, period, query};
use crate::store::Db;
use crate::telephony;

impl SiteObject {
    /// `GET /v1/sites/{site}/reports/calls?group_by=channel&from=&to=`.
    pub(super) async fn call_report(&self, req: &Request, site: &str) -> R<Response> {
        self.require_site()?;
        let q = query(req);
        let group: GroupBy = q
            .get("group_by")
            .map(String::as_str)
            .unwrap_or("channel")
            .parse()
            .map_err(|e: report::UnknownGroup| ApiError::field("group_by", e.to_string()))?;
        let (from, to) = period(&q)?;
        let db = self.ready()?;
        let tz = self.with_loaded(|l| l.site.config().time_zone.clone())?;
        let facts: Vec<Fact> = filtered(&db, &q, from, to)?.iter().map(fact).collect();
        // Visits (every shard's sessions) and leads of the period, beside the calls.
        let mut visits = touches(&db, VISITS, from.millis(), to.millis())?;
        let what = format!("visits/{}/{}", from.millis(), to.millis());
        let others = if self.place()?.0 == 0 {
            self.span()?
        } else {
            1
        };
        for k in 1..others {
            let theirs: Vec<Touch> = self
                .ask_shard_for(site, k, worker::Method::Get, &what, None)
                .await?;
            visits.extend(theirs);
        }
        let leads = touches(&db, LEADS, from.millis(), to.millis())?;
        let keep = |t: &Touch| {
            q.get("channel").is_none_or(|c| &t.channel == c)
                && q.get("campaign")
                    .is_none_or(|c| t.campaign.as_ref() == Some(c))
                && q.get("keyword").is_none_or(|k| t.term.as_ref() == Some(k))
                && q.get("ad").is_none_or(|a| t.content.as_ref() == Some(a))
                && q.get("region").is_none_or(|r| t.region.as_ref() == Some(r))
                // Visits and leads have no agent nor tag: a filter on either leaves none.
                && !q.contains_key("agent")
                && !q.contains_key("tag")
        };
        let visits: Vec<Touch> = visits.into_iter().filter(keep).collect();
        let leads: Vec<Touch> = leads.into_iter().filter(keep).collect();
        let offsets = std::cell::RefCell::new(HashMap::<i64, i64>::new());
        let offset = |t: Instant| -> i64 {
            let hour = t.millis().div_euclid(3_600_000);
            *offsets
                .borrow_mut()
                .entry(hour)
                .or_insert_with(|| utc_offset_ms(&tz, hour * 3_600_000))
        };
        let rows = report::report_with(&facts, &visits, &leads, group, &offset);
        let total = report::total_with(&facts, &visits, &leads);
        if q.get("format").map(String::as_str) == Some("csv") {
            let header = [
                "key",
                "calls",
                "answered",
                "missed",
                "target",
                "unique_callers",
                "avg_duration_secs",
                "avg_answer_secs",
                "answer_rate_percent",
                "successful",
                "with_outcome",
                "without_outcome",
                "ptr_percent",
                "value",
                "visits",
                "leads",
                "calls_per_100_visits",
                "callbacks",
                "callbacks_connected",
            ];
            let lines: Vec<Vec<String>> = rows
                .iter()
                .chain(std::iter::once(&total))
                .map(|r| {
                    vec![
                        r.key.clone(),
                        r.calls.to_string(),
                        r.answered.to_string(),
                        r.missed.to_string(),
                        r.target.to_string(),
                        r.unique_callers.to_string(),
                        r.avg_duration_secs.to_string(),
                        r.avg_answer_secs
                            .map_or_else(String::new, |w| w.to_string()),
                        r.answer_rate_percent.to_string(),
                        r.successful.to_string(),
                        r.with_outcome.to_string(),
                        r.without_outcome.to_string(),
                        r.ptr_percent.map_or_else(String::new, |p| p.to_string()),
                        money(r.value_minor),
                        r.visits.to_string(),
                        r.leads.to_string(),
                        r.calls_per_100_visits
                            .map_or_else(String::new, |p| p.to_string()),
                        r.callbacks.to_string(),
                        r.callbacks_connected.to_string(),
                    ]
                })
                .collect();
            return http::csv(&telephony::csv(&header, &lines), "report.csv");
        }
        json(
            200,
            &serde_json::json!({
                "group_by": q.get("group_by").cloned().unwrap_or_else(|| "channel".into()),
                "from": from.millis(),
                "to": to.millis(),
                "time_zone": tz,
                "rows": rows,
                "total": total,
            }),
        )
    }
}

/// The UTC offset of an IANA time zone at `at_ms`, from the runtime's Intl.
pub(super) fn utc_offset_ms(tz: &str, at_ms: i64) -> i64 {
    use js_sys::{Array, Intl, Object, Reflect};
    use wasm_bindgen::JsValue;
    let options = Object::new();
    let set = |k: &str, v: &str| {
        let _ = Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v));
    };
    set("timeZone", tz);
    set("hourCycle", "h23");
    for k in ["year", "month", "day", "hour", "minute", "second"] {
        set(k, "numeric");
    }
    let locales = Array::of1(&JsValue::from_str("en-US"));
    let fmt = Intl::DateTimeFormat::new(&locales, &options);
    let date = js_sys::Date::new(&JsValue::from_f64(at_ms as f64));
    let parts = fmt.format_to_parts(&date);
    let mut v = [0i64; 6];
    for p in parts.iter() {
        let kind = Reflect::get(&p, &JsValue::from_str("type"))
            .ok()
            .and_then(|x| x.as_string())
            .unwrap_or_default();
        let value = Reflect::get(&p, &JsValue::from_str("value"))
            .ok()
            .and_then(|x| x.as_string())
            .and_then(|x| x.parse::<i64>().ok())
            .unwrap_or(0);
        let i = match kind.as_str() {
            "year" => 0,
            "month" => 1,
            "day" => 2,
            "hour" => 3,
            "minute" => 4,
            "second" => 5,
            _ => continue,
        };
        v[i] = value;
    }
    if v[0] == 0 {
        return 0; // an unknown zone: UTC
    }
    let local = js_sys::Date::utc(v[0] as f64, (v[1] - 1) as f64);
    let local =
        local + ((v[2] - 1) * 86_400_000 + v[3] * 3_600_000 + v[4] * 60_000 + v[5] * 1000) as f64;
    local as i64 - at_ms.div_euclid(1000) * 1000
}

/// Minor units as an amount with two decimals (`1234.50`).
pub(super) fn money(minor: u64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

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

/// The visits or leads (`query`) of `[from, to)`.
pub(super) fn touches(db: &Db, query: &str, from: i64, to: i64) -> R<Vec<Touch>> {
    let rows: Vec<TouchRow> = db.exec(query, vec![from.into(), to.into()])?.to_array()?;
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

/// This shard's visits of `[from, to)` (for the coordinator's report).
pub(super) fn visits_here(db: &Db, from: i64, to: i64) -> R<Vec<Touch>> {
    touches(db, VISITS, from, to)
}
