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
use crate::sealed::Keys;
use crate::store::{self, Tx};

#[derive(Serialize, serde::Deserialize)]
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
fn apply_spec(keys: &Keys, site: &str, l: &mut Loaded, db: &Tx, spec: Spec) -> R<()> {
    let config = spec.validate().map_err(|e| ApiError::Invalid(e.errors))?;
    // This shard's numbers in the aggregate; the whole site's in the spec.
    l.site.reconfigure(
        config.shard_moving(l.shard, l.moving.as_ref()),
        random_u64(),
    );
    l.spec = config.to_spec();
    super::sites::store_config(keys, db, &l.spec, site)
}

impl PoolReply {
    /// Adds another shard's part of the same pool.
    fn add(&mut self, o: &PoolReply) {
        self.total += o.total;
        self.leased += o.leased;
        self.free += o.free;
        self.cooling += o.cooling;
        self.draining += o.draining;
        // Each shard's peak, summed: an upper bound of the site's peak.
        self.peak_leased += o.peak_leased;
        self.requests += o.requests;
        self.fallbacks += o.fallbacks;
        self.recycled += o.recycled;
        self.fallback_share = if self.requests == 0 {
            0.0
        } else {
            self.fallbacks as f64 / self.requests as f64
        };
    }
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
    /// `GET /v1/sites/{site}/pools/{target}/leases`: each number of the
    /// target's pool as it stands (read only): who holds it since when and
    /// until when, or until when it cools, or that it is free; every shard's.
    pub(super) async fn pool_leases(&self, req: &Request, raw: &str, site: &str) -> R<Response> {
        self.require_site()?;
        let mut numbers: Vec<serde_json::Value> = self.with_loaded(|l| -> R<_> {
            let i = target_index(l, raw)?;
            let pool = l.site.pool(i).ok_or(ApiError::Internal)?;
            let mut out: Vec<serde_json::Value> = pool
                .numbers()
                .map(|(n, status)| {
                    let lease = |state: &str, l: pool_core::pool::Lease| {
                        serde_json::json!({
                            "number": n.to_string(), "state": state, "session_id": l.session.to_string(),
                            "since": l.since.millis(), "last_seen": l.last_seen.millis(),
                            "expires_at": l.expires_at.millis(),
                        })
                    };
                    match status {
                        Status::Free => serde_json::json!({"number": n.to_string(), "state": "free"}),
                        Status::Leased(l) => lease("leased", l),
                        Status::Draining(l) => lease("draining", l),
                        Status::Cooling { until, .. } => serde_json::json!({
                            "number": n.to_string(), "state": "cooling", "until": until.millis(),
                        }),
                    }
                })
                .collect();
            out.sort_by(|a, b| a["number"].as_str().cmp(&b["number"].as_str()));
            Ok(out)
        })??;
        // A sharded site: each shard's numbers.
        for other in self.gather(site, req).await? {
            if let Some(theirs) = other["numbers"].as_array() {
                numbers.extend(theirs.iter().cloned());
            }
        }
        numbers.sort_by(|a, b| a["number"].as_str().cmp(&b["number"].as_str()));
        let target = self.with_loaded(|l| {
            target_index(l, raw).map(|i| l.site.config().targets[i].number.to_string())
        })??;
        json(
            200,
            &serde_json::json!({ "target": target, "numbers": numbers }),
        )
    }

    pub(super) async fn get_pools(&self, req: &Request, site: &str) -> R<Response> {
        self.require_site()?;
        let mut out: Vec<PoolReply> = self.with_loaded(|l| {
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
        // A sharded site: each target's pool is the sum of its shards' parts.
        for other in self.gather(site, req).await? {
            let theirs: Vec<PoolReply> = serde_json::from_value(other["pools"].clone())?;
            for (mine, t) in out.iter_mut().zip(theirs) {
                mine.add(&t);
            }
        }
        let (shards, moving) = self.with_loaded(|l| {
            let n = l.site.config().shards;
            let moving = l.moving.as_ref().map(|m| {
                let numbers = || {
                    l.spec
                        .targets
                        .iter()
                        .flat_map(|t| t.pool.iter())
                        .filter_map(|raw| raw.parse::<PhoneNumber>().ok())
                        .filter(|p| m.moves(*p, n))
                };
                serde_json::json!({
                    "from": m.from,
                    "moving": numbers().count(),
                    "arrived": numbers().filter(|p| m.arrived.contains(p)).count(),
                    "done_at": m.done_at,
                })
            });
            (n, moving)
        })?;
        let mut body = serde_json::json!({ "pools": out, "shards": shards });
        if let Some(m) = moving {
            body["moving"] = m;
        }
        json(200, &body)
    }

    pub(super) async fn add_numbers(
        &self,
        req: &Request,
        body: &[u8],
        target: &str,
        site: &str,
    ) -> R<Response> {
        self.require_site()?;
        let body = check_body(req, body, api::MAX_BODY, false)?;
        let add: AddNumbers = api::json_body(body)?;
        let keys = self.keys()?;
        self.mutate(Some(Handler::AddNumbers), |l, db| {
            let i = target_index(l, target)?;
            let base = l.spec.targets[i].pool.len();
            let mut spec = l.spec.clone();
            spec.targets[i].pool.extend(add.numbers.iter().cloned());
            apply_spec(&keys, site, l, db, spec).map_err(|e| match e {
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
        self.push_config(site).await?;
        self.pool_reply(target, site).await
    }

    pub(super) async fn remove_number(
        &self,
        target: &str,
        number: &str,
        site: &str,
    ) -> R<Response> {
        self.require_site()?;
        let n = api::path_number(number)?;
        let (me, shards) = self.place()?;
        let keys = self.keys()?;
        let until = self.mutate(Some(Handler::RemoveNumber), |l, db| {
            let i = target_index(l, target)?;
            if !l.spec.targets[i].pool.iter().any(|p| p.parse() == Ok(n)) {
                return Err(ApiError::NotFound(format!("{n} is not in this pool")));
            }
            let until = match l.site.pool(i).and_then(|p| p.status(n)) {
                Some(Status::Leased(lease)) => Some(lease.expires_at.millis()),
                _ => None,
            };
            let mut spec = l.spec.clone();
            spec.targets[i].pool.retain(|p| p.parse() != Ok(n));
            apply_spec(&keys, site, l, db, spec)?;
            Ok(until)
        })?;
        self.schedule().await?;
        self.push_config(site).await?;
        // Another shard's number drains there (if leased) and is not seen here.
        let elsewhere = pool_core::shard::of_number(n, shards) != me;
        let status = if until.is_some() || elsewhere {
            "draining"
        } else {
            "removed"
        };
        json(
            200,
            &serde_json::json!({"number": n.to_string(), "status": status, "until": until}),
        )
    }

    /// The numbers of a target's pool with their states, every shard's.
    async fn pool_reply(&self, target: &str, site: &str) -> R<Response> {
        let mut body = self.numbers_here(target)?;
        let (me, span) = (self.place()?.0, self.span()?);
        if me == 0 && span > 1 {
            for k in 1..span {
                let theirs: serde_json::Value = self
                    .ask_shard_for(
                        site,
                        k,
                        worker::Method::Get,
                        &format!("numbers/{target}"),
                        None,
                    )
                    .await?;
                if let (Some(all), Some(more)) =
                    (body["numbers"].as_array_mut(), theirs["numbers"].as_array())
                {
                    all.extend(more.iter().cloned());
                }
            }
        }
        json(200, &body)
    }

    /// This shard's numbers of a target's pool, with their states.
    pub(super) fn numbers_here(&self, target: &str) -> R<serde_json::Value> {
        self.with_loaded(|l| -> R<serde_json::Value> {
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
        })?
    }

    /// `GET /journal?number=+7...`: who held a tracking number when.
    pub(super) async fn get_journal(&self, req: &Request, site: &str) -> R<Response> {
        self.require_site()?;
        let q = query(req);
        let raw = q
            .get("number")
            .ok_or_else(|| ApiError::field("number", "the tracking number, E.164"))?;
        let number = api::lookup_number(raw, Some("number"))?;
        // A sharded site: the shard that owns the number has its journal.
        // A sharded site: the shard that owns the number has its journal
        // (and, while the number changes shard, the old one its past).
        if !super::shards::is_local(req) {
            let (me, n) = self.place()?;
            let from = self.with_loaded(|l| l.moving.as_ref().map(|m| m.from))?;
            let mut owners = vec![pool_core::shard::of_number(number, n)];
            if let Some(from) = from {
                owners.push(pool_core::shard::of_number(number, from));
            }
            owners.dedup();
            if owners != [me] {
                let mut entries: Vec<serde_json::Value> = Vec::new();
                for k in owners {
                    if k == me {
                        entries.extend(self.journal_here(number)?);
                        continue;
                    }
                    let mut r = self
                        .forward(site, k, req, &[], Some(super::shards::LOCAL))
                        .await?;
                    let v: serde_json::Value = r.json().await?;
                    entries.extend(v["entries"].as_array().cloned().unwrap_or_default());
                }
                entries.sort_by_key(|e| e["from"].as_i64());
                return json(
                    200,
                    &serde_json::json!({"number": number.to_string(), "entries": entries}),
                );
            }
        }
        let out = self.journal_here(number)?;
        json(
            200,
            &serde_json::json!({"number": number.to_string(), "entries": out}),
        )
    }

    /// This shard's journal of one number.
    fn journal_here(&self, number: PhoneNumber) -> R<Vec<serde_json::Value>> {
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
        Ok(out)
    }

    /// Once an hour (from the alarm): each pool's size, leased numbers and
    /// its lease and fallback counters, for utilisation over time.
    pub(super) fn sample_pools(&self) {
        let Ok(db) = self.ready() else { return };
        let hour = now().millis().div_euclid(3_600_000);
        let Ok(rows) = self.with_loaded(|l| live_samples(l, hour)) else {
            return;
        };
        let stored = db.atomically(|tx| {
            for (target, s) in &rows {
                store::put_sample(tx, target, s)?;
            }
            Ok(())
        });
        if let Err(e) = stored {
            worker::console_error!("pool sample: {}", e.body());
        }
    }

    /// `GET /v1/sites/{site}/reports/pools?from=&to=`: per target and hour,
    /// the pool's size, numbers leased, leases asked for and the fallback share.
    pub(super) async fn pool_report(&self, req: &Request, site: &str) -> R<Response> {
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
        // A sharded site: every shard's samples, summed hour by hour.
        let span = self.span()?;
        if span > 1 && !super::shards::is_local(req) {
            let what = format!("samples/{}/{}", from.millis(), to.millis());
            for k in 1..span {
                let theirs: Vec<(String, PoolSample)> = self
                    .ask_shard_for(site, k, worker::Method::Get, &what, None)
                    .await?;
                rows.extend(theirs);
            }
            rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.hour.cmp(&b.1.hour)));
            let mut summed: Vec<(String, PoolSample)> = Vec::new();
            for (t, s) in rows {
                match summed.last_mut() {
                    Some((lt, ls)) if *lt == t && ls.hour == s.hour => {
                        ls.total += s.total;
                        ls.leased += s.leased;
                        ls.requests += s.requests;
                        ls.fallbacks += s.fallbacks;
                    }
                    _ => summed.push((t, s)),
                }
            }
            rows = summed;
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

impl SiteObject {
    /// This shard's pool samples over a period (the hour under way included),
    /// for the coordinator's pool report.
    pub(super) fn samples_here(&self, from: i64, to: i64) -> R<Vec<(String, PoolSample)>> {
        let db = self.ready()?;
        let mut rows = store::samples(
            &db,
            from.div_euclid(3_600_000) - 1,
            to.div_euclid(3_600_000) + 1,
        )?;
        if to > now().millis() {
            let next = now().millis().div_euclid(3_600_000) + 1;
            rows.extend(self.with_loaded(|l| live_samples(l, next))?);
        }
        Ok(rows)
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
