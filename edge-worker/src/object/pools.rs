//! Pools: their state, numbers added and removed live, the holder journal,
//! and utilisation over time (an hourly sample, the pool report).

use serde::Serialize;
use worker::{Request, Response};

use pool_core::number::PhoneNumber;
use pool_core::pool::Status;
use pool_core::report::{pool_hours, PoolSample};
use pool_core::site::{FieldError, Spec};

use super::{check_body, json, now, random_u64, Loaded, SiteObject, R};
use crate::api::{self, AddNumbers};
use crate::error::ApiError;
use crate::http::{period, query};
use crate::routes::Handler;
use crate::store::{self, Db};

#[derive(Serialize)]
struct PoolReply {
    target: String,
    label: String,
    total: u32,
    leased: u32,
    free: u32,
    cooling: u32,
    draining: u32,
    peak_leased: u32,
    requests: u64,
    fallbacks: u64,
    recycled: u64,
    fallback_share: f64,
}

/// The index of the target named by a path segment.
fn target_index(l: &Loaded, raw: &str) -> R<usize> {
    let n = api::path_number(raw)?;
    l.site
        .config()
        .targets
        .iter()
        .position(|t| t.number == n)
        .ok_or_else(|| ApiError::NotFound(format!("{n} is not a target number of this site")))
}

/// Applies a changed spec: validates it and stores the config.
fn apply_spec(l: &mut Loaded, db: &Db, spec: Spec) -> R<()> {
    let config = spec.validate().map_err(|e| ApiError::Invalid(e.errors))?;
    l.site.reconfigure(config, random_u64());
    l.spec = l.site.config().to_spec();
    let stored = super::encode(&l.spec)?;
    store::set_meta(db, "config", &stored)?;
    Ok(())
}

/// Paths of a pool-extension error point into the request's `numbers`.
fn remap_pool_path(path: &str, target: usize, base: usize) -> String {
    let prefix = format!("targets[{target}].pool[");
    match path
        .strip_prefix(&prefix)
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|n| n.parse::<usize>().ok())
    {
        Some(k) if k >= base => format!("numbers[{}]", k - base),
        _ => path.to_string(),
    }
}

impl SiteObject {
    pub(super) fn get_pools(&self) -> R<Response> {
        self.require_site()?;
        let out: Vec<PoolReply> = self.with_loaded(|l| {
            l.site
                .pools()
                .map(|(t, p)| {
                    let m = p.metrics();
                    PoolReply {
                        target: t.number.to_string(),
                        label: t.label.clone(),
                        total: m.total,
                        leased: m.leased,
                        free: m.free,
                        cooling: m.cooling,
                        draining: m.draining,
                        peak_leased: m.peak_leased,
                        requests: m.requests,
                        fallbacks: m.fallbacks,
                        recycled: m.recycled,
                        fallback_share: m.fallback_share(),
                    }
                })
                .collect()
        })?;
        json(200, &serde_json::json!({ "pools": out }))
    }

    pub(super) async fn add_numbers(
        &self,
        req: &Request,
        body: &[u8],
        target: &str,
    ) -> R<Response> {
        self.require_site()?;
        let body = check_body(req, body, api::MAX_BODY, false)?;
        let add: AddNumbers = serde_json::from_slice(body)?;
        self.mutate(Some(Handler::AddNumbers), |l, db| {
            let i = target_index(l, target)?;
            let base = l.spec.targets[i].pool.len();
            let mut spec = l.spec.clone();
            spec.targets[i].pool.extend(add.numbers.iter().cloned());
            apply_spec(l, db, spec).map_err(|e| match e {
                // Point the paths at the request body, not at the whole config.
                ApiError::Invalid(fields) => ApiError::Invalid(
                    fields
                        .into_iter()
                        .map(|f| FieldError {
                            path: remap_pool_path(&f.path, i, base),
                            message: f.message,
                        })
                        .collect(),
                ),
                e => e,
            })
        })?;
        self.schedule().await?;
        self.pool_reply(target)
    }

    pub(super) async fn remove_number(&self, target: &str, number: &str) -> R<Response> {
        self.require_site()?;
        let n = api::path_number(number)?;
        let until = self.mutate(Some(Handler::RemoveNumber), |l, db| {
            let i = target_index(l, target)?;
            let config = l.site.config();
            if !config.targets[i].pool.contains(&n) {
                return Err(ApiError::NotFound(format!("{n} is not in this pool")));
            }
            let until = match l.site.pool(i).and_then(|p| p.status(n)) {
                Some(Status::Leased(lease)) => Some(lease.expires_at.millis()),
                _ => None,
            };
            let mut spec = l.spec.clone();
            spec.targets[i].pool = config.targets[i]
                .pool
                .iter()
                .filter(|p| **p != n)
                .map(PhoneNumber::to_string)
                .collect();
            apply_spec(l, db, spec)?;
            Ok(until)
        })?;
        self.schedule().await?;
        let status = if until.is_some() {
            "draining"
        } else {
            "removed"
        };
        json(
            200,
            &serde_json::json!({"number": n.to_string(), "status": status, "until": until}),
        )
    }

    fn pool_reply(&self, target: &str) -> R<Response> {
        let body = self.with_loaded(|l| -> R<serde_json::Value> {
            let i = target_index(l, target)?;
            let numbers: Vec<serde_json::Value> = l
                .site
                .pool(i)
                .ok_or(ApiError::Internal)?
                .numbers()
                .map(|(n, st)| {
                    let state = match st {
                        Status::Free => "free",
                        Status::Leased(_) => "leased",
                        Status::Cooling { .. } => "cooling",
                        Status::Draining(_) => "draining",
                    };
                    serde_json::json!({"number": n.to_string(), "state": state})
                })
                .collect();
            Ok(serde_json::json!({
                "target": l.site.config().targets[i].number.to_string(),
                "numbers": numbers,
            }))
        })??;
        json(200, &body)
    }

    /// `GET /journal?number=+7...`: who held a tracking number when.
    pub(super) fn get_journal(&self, req: &Request) -> R<Response> {
        self.require_site()?;
        let q = query(req);
        let raw = q
            .get("number")
            .ok_or_else(|| ApiError::field("number", "the tracking number, E.164"))?;
        let number: PhoneNumber = raw.trim().parse().map_err(|e| {
            ApiError::field("number", format!("{raw:?} is not an E.164 number: {e}"))
        })?;
        let db = self.ready()?;
        let out: Vec<serde_json::Value> = store::journal_of(&db, number)?
            .iter()
            .map(|e| {
                serde_json::json!({
                    "session_id": e.session.to_string(),
                    "from": e.from.millis(),
                    "until": e.until.map(|u| u.millis()),
                })
            })
            .collect();
        json(
            200,
            &serde_json::json!({"number": number.to_string(), "entries": out}),
        )
    }

    /// Once an hour (from the alarm): each pool's size, leased numbers and
    /// its lease and fallback counters, for utilisation over time.
    pub(super) fn sample_pools(&self) {
        let Ok(db) = self.ready() else { return };
        let hour = now().millis().div_euclid(3_600_000);
        let Ok(rows) = self.with_loaded(|l| live_samples(l, hour)) else {
            return;
        };
        for (target, s) in rows {
            if let Err(e) = store::put_sample(&db, &target, &s) {
                worker::console_error!("pool sample: {e}");
            }
        }
    }

    /// `GET /v1/sites/{site}/reports/pools?from=&to=`: per target and hour,
    /// the pool's size, numbers leased, leases asked for and the fallback share.
    pub(super) fn pool_report(&self, req: &Request) -> R<Response> {
        self.require_site()?;
        let (from, to) = period(&query(req))?;
        let db = self.ready()?;
        // One sample before the period, so its first hour has a difference too.
        let mut rows = store::samples(
            &db,
            from.millis().div_euclid(3_600_000) - 1,
            to.millis().div_euclid(3_600_000) + 1,
        )?;
        // The hour under way: the live counters against its sample.
        let at = now();
        if to > at {
            let next = at.millis().div_euclid(3_600_000) + 1;
            rows.extend(self.with_loaded(|l| live_samples(l, next))?);
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.hour.cmp(&b.1.hour)));
        let mut out = Vec::new();
        for chunk in rows.chunk_by(|a, b| a.0 == b.0) {
            let samples: Vec<PoolSample> = chunk.iter().map(|(_, s)| *s).collect();
            for h in pool_hours(&samples) {
                out.push(serde_json::json!({
                    "target": chunk[0].0,
                    "hour": h.start.millis(),
                    "total": h.total,
                    "leased": h.leased,
                    "utilisation_percent": h.utilisation_percent,
                    "requests": h.requests,
                    "fallbacks": h.fallbacks,
                    "fallback_share_percent": h.fallback_share_percent,
                }));
            }
        }
        json(
            200,
            &serde_json::json!({"from": from.millis(), "to": to.millis(), "hours": out}),
        )
    }
}

/// Each pool's counters now, as a sample at `hour`.
fn live_samples(l: &Loaded, hour: i64) -> Vec<(String, PoolSample)> {
    l.site
        .pools()
        .map(|(t, p)| {
            let m = p.metrics();
            (
                t.number.to_string(),
                PoolSample {
                    hour,
                    total: m.total,
                    leased: m.leased,
                    requests: m.requests,
                    fallbacks: m.fallbacks,
                },
            )
        })
        .collect()
}
