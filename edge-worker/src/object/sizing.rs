//! `GET /v1/sites/{site}/sizing`: how many numbers this site needs, from
//! its own recent traffic (arrivals by hour and weekday, visit lengths, the
//! share of visits that call and the measured delay from the number shown to
//! the call), simulated with pool-core's `sim`.

use std::collections::BTreeMap;

use serde::Deserialize;
use worker::{Request, Response};

use pool_core::sim::{simulate, smallest_pool, CallDelay, Profile, Setup};
use pool_core::time::Duration;

use super::reports::utc_offset_ms;
use super::{json, now, SiteObject};
use crate::error::ApiError;
use crate::http::query;

type R<T> = std::result::Result<T, ApiError>;

/// The period read.
const DAYS: i64 = 7;
/// Fewer sessions than this: the reference profile, scaled to what was seen.
const MIN_SESSIONS: usize = 50;
/// At most this many simulated visits per run (CPU time of one request).
const MAX_SIM_VISITS: f64 = 20_000.0;

#[derive(Deserialize)]
struct SessionRow {
    created: f64,
    last_seen: f64,
}

#[derive(Deserialize)]
struct DelayRow {
    delay: f64,
    channel: String,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

impl SiteObject {
    pub(super) fn sizing(&self, req: &Request) -> R<Response> {
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
                c.targets.iter().map(|t| t.pool.len()).max().unwrap_or(0),
                c.time_zone.clone(),
            )
        };
        let db = self.ready()?;
        let at = now();
        let since = at.millis() - DAYS * 86_400_000;
        let sessions: Vec<SessionRow> = db
            .exec(
                "SELECT created, last_seen FROM sessions WHERE created >= ? ORDER BY created DESC LIMIT 200000",
                vec![since.into()],
            )
            .and_then(|c| c.to_array())?;
        let delays: Vec<DelayRow> = db
            .exec(
                "SELECT c.started_at - s.created AS delay, c.channel AS channel FROM calls c
                 JOIN sessions s ON s.id = c.session WHERE c.started_at >= ? AND c.kind = 'session'",
                vec![since.into()],
            )
            .and_then(|c| c.to_array())?;

        let mut profile = Profile {
            heartbeat,
            release_share,
            ..Profile::default()
        };
        let from_site = sessions.len() >= MIN_SESSIONS;
        let first = sessions.iter().map(|s| s.created).fold(f64::MAX, f64::min);
        let observed_days = if sessions.is_empty() {
            1.0
        } else {
            ((at.millis() as f64 - first) / 86_400_000.0).clamp(1.0, DAYS as f64)
        };
        if from_site {
            let offset = utc_offset_ms(&tz, at.millis());
            let mut hourly = [0.0f64; 24];
            let mut weekly = [0.0f64; 7];
            let mut lengths: Vec<f64> = Vec::with_capacity(sessions.len());
            for s in &sessions {
                let local = s.created as i64 + offset;
                hourly[local.div_euclid(3_600_000).rem_euclid(24) as usize] += 1.0;
                // 1970-01-01 was a Thursday: Monday is 0.
                weekly[(local.div_euclid(86_400_000) + 3).rem_euclid(7) as usize] += 1.0;
                lengths.push((s.last_seen - s.created).max(5_000.0));
            }
            // Days of the week not seen yet count as an average one.
            let seen: Vec<f64> = weekly.iter().copied().filter(|w| *w > 0.0).collect();
            let mean = seen.iter().sum::<f64>() / seen.len().max(1) as f64;
            for w in weekly.iter_mut() {
                if *w == 0.0 {
                    *w = mean;
                }
            }
            for h in hourly.iter_mut() {
                *h += 0.01; // no hour is impossible
            }
            lengths.sort_by(f64::total_cmp);
            profile.hourly = hourly;
            profile.weekly = weekly;
            profile.visits_per_day = sessions.len() as f64 / observed_days;
            profile.visit_median = Duration::from_millis(percentile(&lengths, 0.5) as u64);
            profile.call_share = (delays.len() as f64 / sessions.len() as f64).clamp(0.0, 1.0);
            if delays.len() >= 10 {
                profile.delay = CallDelay::Measured(
                    delays
                        .iter()
                        .map(|d| Duration::from_millis(d.delay.max(0.0) as u64))
                        .collect(),
                );
            }
        } else if !sessions.is_empty() {
            profile.visits_per_day = sessions.len() as f64 / observed_days;
        }
        if profile.call_share == 0.0 {
            // No calls measured yet: the reference share, so the sizing still says something.
            profile.call_share = Profile::default().call_share;
        }
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
        let mut options = Vec::new();
        let mut best: Option<(u64, usize)> = None;
        for f in fixations {
            let s = Setup {
                fixation: Duration::from_mins(f),
                ..setup.clone()
            };
            match smallest_pool(&profile, &s, target, max) {
                Some((n, o)) => {
                    if best.is_none_or(|(_, b)| n < b) {
                        best = Some((f, n));
                    }
                    options.push(serde_json::json!({
                        "fixation_mins": f, "pool_size": n, "accuracy": o.accuracy(),
                        "saw_fallback": o.saw_fallback, "visits": o.visits,
                    }));
                }
                None => {
                    let o = simulate(
                        &profile,
                        &Setup {
                            pool_size: max,
                            ..s
                        },
                    );
                    options.push(serde_json::json!({
                        "fixation_mins": f, "pool_size": null, "accuracy": o.accuracy(),
                        "saw_fallback": o.saw_fallback, "visits": o.visits,
                    }));
                }
            }
        }
        // The measured delay from the number shown to the call, per channel.
        let mut by_channel: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for d in &delays {
            by_channel
                .entry(d.channel.clone())
                .or_default()
                .push(d.delay.max(0.0) / 1000.0);
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
