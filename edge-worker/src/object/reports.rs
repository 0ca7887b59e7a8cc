//! The call report (grouped, with PTR, visits and leads beside the calls,
//! in the site's time zone) and the time zone arithmetic it needs.

use std::collections::HashMap;

use worker::{Request, Response};

use pool_core::report::{self, Fact, GroupBy, Touch};
use pool_core::spend::Spend;
use pool_core::time::Instant;

use super::call_view::fact;
use super::calls::filtered;
use super::{json, SiteObject, R};
use crate::error::ApiError;
use crate::http::{self, period, query};
use crate::store::{self, Db};
use crate::telephony;
use crate::tz::utc_offset_ms;

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
        let mut visits = store::visits_between(&db, from.millis(), to.millis())?;
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
        let leads = store::lead_touches_between(&db, from.millis(), to.millis())?;
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
        // The spend of the period's days (the site's own days), filtered as
        // the visits are; none where a filter names what spend has not.
        let day_of = |t: Instant| (t.millis() + offset(t)).div_euclid(86_400_000);
        let last = Instant::from_millis(to.millis() - 1);
        let spend: Vec<Spend> = store::spend_between(&db, day_of(from), day_of(last))?
            .into_iter()
            .map(|r| r.spend)
            .filter(|s| {
                q.get("channel").is_none_or(|c| s.channel().as_str() == c)
                    && q.get("campaign").is_none_or(|c| &s.campaign == c)
                    && q.get("keyword")
                        .is_none_or(|k| s.keyword.as_ref() == Some(k))
                    && q.get("ad").is_none_or(|a| s.ad.as_ref() == Some(a))
                    && !q.contains_key("region")
                    && !q.contains_key("agent")
                    && !q.contains_key("tag")
            })
            .collect();
        let rows = report::report_spent(&facts, &visits, &leads, &spend, group, &offset);
        let total = report::total_spent(&facts, &visits, &leads, &spend);
        if q.get("format").map(String::as_str) == Some("csv") {
            let header = [
                "key",
                "calls",
                "answered",
                "missed",
                "missed_out_of_hours",
                "missed_abandoned",
                "missed_not_answered",
                "missed_busy",
                "missed_all_lines_busy",
                "missed_failed",
                "target",
                "unique_callers",
                "avg_duration_secs",
                "avg_answer_secs",
                "answer_rate_percent",
                "successful",
                "with_outcome",
                "without_outcome",
                "ptr_percent",
                "rated_percent",
                "ptr_rated_percent",
                "value",
                "visits",
                "leads",
                "calls_per_100_visits",
                "callbacks",
                "callbacks_connected",
                "cost",
                "cost_per_call",
                "cost_per_target_call",
                "cost_per_lead",
                "cost_per_successful",
                "romi_percent",
                "value_per_successful",
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
                        r.missed_by_reason.out_of_hours.to_string(),
                        r.missed_by_reason.abandoned.to_string(),
                        r.missed_by_reason.not_answered.to_string(),
                        r.missed_by_reason.busy.to_string(),
                        r.missed_by_reason.all_lines_busy.to_string(),
                        r.missed_by_reason.failed.to_string(),
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
                        r.rated_percent.map_or_else(String::new, |p| p.to_string()),
                        r.ptr_rated_percent
                            .map_or_else(String::new, |p| p.to_string()),
                        money(r.value_minor),
                        r.visits.to_string(),
                        r.leads.to_string(),
                        r.calls_per_100_visits
                            .map_or_else(String::new, |p| p.to_string()),
                        r.callbacks.to_string(),
                        r.callbacks_connected.to_string(),
                        money(r.cost_minor),
                        r.cost_per_call_minor.map_or_else(String::new, money),
                        r.cost_per_target_call_minor.map_or_else(String::new, money),
                        r.cost_per_lead_minor.map_or_else(String::new, money),
                        r.cost_per_successful_minor.map_or_else(String::new, money),
                        r.romi_percent.map_or_else(String::new, |p| p.to_string()),
                        r.value_per_successful_minor.map_or_else(String::new, money),
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

/// Minor units as an amount with two decimals (`1234.50`).
pub(super) fn money(minor: u64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// This shard's visits of `[from, to)` (for the coordinator's report).
pub(super) fn visits_here(db: &Db, from: i64, to: i64) -> R<Vec<Touch>> {
    Ok(store::visits_between(db, from, to)?)
}
