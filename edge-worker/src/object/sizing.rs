//! `GET /v1/sites/{site}/sizing`: how many numbers this site needs, from
//! its own recent traffic (arrivals by hour and weekday, visit lengths, the
//! share of visits that call and the measured delay from the number shown to
//! the call), simulated with pool-core's `sim`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use worker::{Request, Response};

use pool_core::sim::SeenVisit;
use pool_core::sizing::{self, DAYS};
use pool_core::time::{Duration, Instant};

use super::{json, now, SiteObject};
use crate::error::ApiError;
use crate::http::query;
use crate::store::{self, CallDelay, SessionCall, VisitSpan};
use crate::tz::utc_offset_ms;

type R<T> = std::result::Result<T, ApiError>;

/// What the coordinator asks each other shard for a sharded site's sizing.
#[derive(Serialize, Deserialize)]
pub(super) struct VisitsAsk {
    since: i64,
    calls: Vec<SessionCall>,
}

/// A shard's visits, and the delays of the calls to its sessions.
#[derive(Serialize, Deserialize)]
pub(super) struct Visits {
    sessions: Vec<VisitSpan>,
    delays: Vec<CallDelay>,
}

impl SiteObject {
    /// A shard's visits since `since`, and the delays of the given calls to its sessions.
    pub(super) fn visits_here(&self, ask: &VisitsAsk) -> R<Visits> {
        let db = self.ready()?;
        let sessions = store::visit_spans_since(&db, ask.since)?;
        let ids: Vec<&str> = ask.calls.iter().map(|c| c.session.as_str()).collect();
        let created = store::sessions_created(&db, &ids)?;
        let delays = ask
            .calls
            .iter()
            .filter_map(|c| {
                Some(CallDelay {
                    delay: c.started_at - created.get(&c.session)?,
                    channel: c.channel.clone(),
                })
            })
            .collect();
        Ok(Visits { sessions, delays })
    }

    pub(super) async fn sizing(&self, req: &Request, site: &str) -> R<Response> {
        self.require_site()?;
        let q = query(req);
        let target = match q.get("target").map(|t| t.parse::<f64>()) {
            None => 0.95,
            Some(Ok(t)) if (0.5..=0.999).contains(&t) => t,
            _ => {
                return Err(ApiError::field(
                    "target",
                    "an accuracy from 0.5 to 0.999, such as 0.95",
                ))
            }
        };
        let releases = self
            .loaded
            .borrow()
            .as_ref()
            .is_some_and(|l| l.site.config().release_on_leave);
        let release_share = match q.get("release_share").map(|t| t.parse::<f64>()) {
            None => sizing::release_share(releases),
            Some(Ok(t)) if (0.0..=1.0).contains(&t) => t,
            _ => return Err(ApiError::field("release_share", "a share from 0 to 1")),
        };
        let (fixation, cooldown, grace, heartbeat, pool_now, tz) = {
            let guard = self.loaded.borrow();
            let c = guard.as_ref().ok_or(ApiError::Internal)?.site.config();
            (
                c.fixation,
                c.cooldown,
                c.grace,
                c.heartbeat,
                // The whole site's pools (a shard holds a part).
                guard.as_ref().map_or(0, |l| {
                    l.spec
                        .targets
                        .iter()
                        .map(|t| t.pool.len())
                        .max()
                        .unwrap_or(0)
                }),
                c.time_zone.clone(),
            )
        };
        let db = self.ready()?;
        let at = now();
        let since = at.millis() - DAYS * 86_400_000;
        let mut sessions = store::visit_spans_since(&db, since)?;
        let mut delays = store::call_delays_since(&db, since)?;
        // A sharded site: the other shards' visits, and the delays of the calls to their sessions.
        let (me, span) = (self.place()?.0, self.span()?);
        if me == 0 && span > 1 {
            let calls = store::session_calls_since(&db, since)?;
            let ask = super::encode(&VisitsAsk { since, calls })?;
            for k in 1..span {
                let theirs: Visits = self
                    .ask_shard_for(
                        site,
                        k,
                        worker::Method::Post,
                        "visits",
                        Some(ask.as_bytes()),
                    )
                    .await?;
                sessions.extend(theirs.sessions);
                delays.extend(theirs.delays);
            }
        }

        let seen: Vec<SeenVisit> = sessions
            .iter()
            .map(|r| SeenVisit {
                created: Instant::from_millis(r.created),
                last_seen: Instant::from_millis(r.last_seen),
            })
            .collect();
        let measured: Vec<Duration> = delays
            .iter()
            .map(|d| Duration::from_millis(d.delay.max(0) as u64))
            .collect();
        let offset_ms = utc_offset_ms(&tz, at.millis());
        let advice = sizing::advise(
            &sizing::Traffic {
                visits: &seen,
                delays: &measured,
                offset_ms,
                now: at,
            },
            &sizing::Current {
                fixation,
                cooldown,
                grace,
                heartbeat,
                pool_size: pool_now,
                release_share,
            },
            target,
        );
        let (profile, basis) = (&advice.profile, &advice.basis);
        let options: Vec<serde_json::Value> = advice
            .options
            .iter()
            .map(|o| {
                serde_json::json!({
                    "fixation_mins": o.fixation.secs() / 60, "pool_size": o.pool_size,
                    "accuracy": o.outcome.accuracy(), "saw_fallback": o.outcome.saw_fallback,
                    "visits": o.outcome.visits,
                })
            })
            .collect();
        // The measured delay from the number shown to the call, per channel.
        let delays_by_channel: BTreeMap<String, serde_json::Value> =
            sizing::delays_by_channel(delays.iter().map(|d| (d.channel.as_str(), d.delay)))
                .into_iter()
                .map(|(ch, d)| {
                    let v = serde_json::json!({
                        "calls": d.calls, "median_secs": d.median_secs, "p90_secs": d.p90_secs,
                    });
                    (ch, v)
                })
                .collect();
        json(
            200,
            &serde_json::json!({
                "target": target,
                "basis": {
                    "source": if basis.from_site { "site" } else { "reference" },
                    "sessions": sessions.len(),
                    "days": basis.days,
                    "visits_per_day": profile.visits_per_day,
                    "call_share": profile.call_share,
                    "calls_measured": delays.len(),
                    "visit_median_secs": profile.visit_median.secs(),
                    "release_share": release_share,
                    "simulated_days": advice.days,
                },
                "peak_concurrent": advice.peak,
                "current": {
                    "pool_size": pool_now,
                    "fixation_mins": fixation.secs() / 60,
                    "accuracy": advice.current.accuracy(),
                },
                "options": options,
                "recommended": advice.recommended.map(|(f, n)| serde_json::json!({"fixation_mins": f, "pool_size": n})),
                "delays_by_channel": delays_by_channel,
            }),
        )
    }
}
