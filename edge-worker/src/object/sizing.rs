//! `GET /v1/sites/{site}/sizing`: how many numbers this site needs, from
//! its own recent traffic (arrivals by hour and weekday, visit lengths, the
//! share of visits that call and the measured delay from the number shown to
//! the call), simulated with pool-core's `sim`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use worker::{Request, Response};

use pool_core::sim::{by_fixation, percentile, recommended, simulate, Profile, SeenVisit, Setup};
use pool_core::time::{Duration, Instant};

use super::{json, now, SiteObject};
use crate::error::ApiError;
use crate::http::query;
use crate::store::{self, CallDelay, SessionCall, VisitSpan};
use crate::tz::utc_offset_ms;

type R<T> = std::result::Result<T, ApiError>;

/// The period read.
const DAYS: i64 = 7;
/// At most this many simulated visits per run (CPU time of one request).
const MAX_SIM_VISITS: f64 = 20_000.0;

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
            // About 70% of release beacons arrive when pages are left.
            None if releases => 0.7,
            None => 0.0,
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
        let base = Profile {
            heartbeat,
            release_share,
            ..Profile::default()
        };
        let offset = utc_offset_ms(&tz, at.millis());
        let (profile, basis) = Profile::observed(base, &seen, &measured, offset, at, DAYS as f64);
        let observed_days = basis.days;
        let from_site = basis.from_site;
        let days = (MAX_SIM_VISITS / profile.visits_per_day.max(1.0)).clamp(1.0, 7.0) as u32;
        let setup = Setup {
            fixation,
            cooldown,
            grace,
            days,
            pool_size: pool_now.max(1),
            ..Setup::default()
        };
        let current = simulate(&profile, &setup);
        let peak = current.peak_concurrent.max(1) as usize;
        let max = (peak * 12 + 50).min(2_000);
        let mut fixations = vec![
            fixation.secs() / 60,
            (fixation.secs() / 120).max(5),
            fixation.secs() / 30,
        ];
        fixations.sort_unstable();
        fixations.dedup();
        let fixations: Vec<Duration> = fixations.into_iter().map(Duration::from_mins).collect();
        let tried = by_fixation(&profile, &setup, target, &fixations, max);
        let best = recommended(&tried).and_then(|o| Some((o.fixation.secs() / 60, o.pool_size?)));
        let options: Vec<serde_json::Value> = tried
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
        let mut by_channel: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for d in &delays {
            by_channel
                .entry(d.channel.clone())
                .or_default()
                .push(d.delay.max(0) as f64 / 1000.0);
        }
        let delays_by_channel: BTreeMap<String, serde_json::Value> = by_channel
            .into_iter()
            .map(|(ch, mut v)| {
                v.sort_by(f64::total_cmp);
                (
                    ch,
                    serde_json::json!({
                        "calls": v.len(),
                        "median_secs": percentile(&v, 0.5).round(),
                        "p90_secs": percentile(&v, 0.9).round(),
                    }),
                )
            })
            .collect();
        json(
            200,
            &serde_json::json!({
                "target": target,
                "basis": {
                    "source": if from_site { "site" } else { "reference" },
                    "sessions": sessions.len(),
                    "days": observed_days,
                    "visits_per_day": profile.visits_per_day,
                    "call_share": profile.call_share,
                    "calls_measured": delays.len(),
                    "visit_median_secs": profile.visit_median.secs(),
                    "release_share": release_share,
                    "simulated_days": days,
                },
                "peak_concurrent": peak,
                "current": {
                    "pool_size": pool_now,
                    "fixation_mins": fixation.secs() / 60,
                    "accuracy": current.accuracy(),
                },
                "options": options,
                "recommended": best.map(|(f, n)| serde_json::json!({"fixation_mins": f, "pool_size": n})),
                "delays_by_channel": delays_by_channel,
            }),
        )
    }
}
