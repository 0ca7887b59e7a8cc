//! One Durable Object per site: it owns the site's config, pools, sessions,
//! journal and keys in its SQLite storage. State is loaded on first use and
//! kept in memory; every change is written before the reply (a reply means
//! it is durable), and the alarm follows the pools' next deadline so leases
//! expire and numbers cool down without traffic.

use std::cell::{Cell, RefCell};

use serde::Serialize;
use worker::{
    durable_object, Date, DurableObject, Env, Method, Request, Response, Result, SqlStorage, State,
};

use pool_core::channel::{classify, Visit};
use pool_core::number::PhoneNumber;
use pool_core::pool::{Assignment, Pool, Snapshot};
use pool_core::session::SessionId;
use pool_core::site::{Config, Display, Spec};
use pool_core::time::{Duration, Instant};

use crate::api::{self, AddNumbers, NewKey, NumberReply, SessionReply, SessionRequest};
use crate::error::ApiError;
use crate::guard::{self, Limiter};
use crate::store;

mod calls;
mod dashboard;
mod sizing;

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    /// The deployment's admin key: creates sites, issues keys.
    Deployment,
    /// A site key with the `admin` scope.
    SiteAdmin,
    /// A site key with the `server` scope: leasing from a server.
    Server,
    /// No key: a browser or anyone.
    Public,
}

struct Loaded {
    spec: Spec,
    config: Config,
    /// One pool per target, in the order of `config.targets`.
    pools: Vec<Pool>,
}

#[durable_object]
pub struct SiteObject {
    state: State,
    env: Env,
    schema_ready: Cell<bool>,
    loaded: RefCell<Option<Loaded>>,
    limiter: RefCell<Limiter>,
    alarm_at: Cell<Option<i64>>,
}

fn now() -> Instant {
    Instant::from_millis(Date::now().as_millis() as i64)
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    // The runtime's crypto.getRandomValues; a failure only weakens hash seeding.
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

fn random_key() -> std::result::Result<String, ApiError> {
    let mut b = [0u8; 24];
    getrandom::fill(&mut b).map_err(|_| ApiError::Internal)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

fn json<T: Serialize>(status: u16, body: &T) -> Result<Response> {
    let text = serde_json::to_string(body).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let mut r = Response::ok(text)?.with_status(status);
    r.headers_mut().set("content-type", "application/json")?;
    Ok(r)
}

fn error_response(e: &ApiError) -> Result<Response> {
    let mut r = Response::ok(e.body())?.with_status(e.status());
    r.headers_mut().set("content-type", "application/json")?;
    if let ApiError::TooManyRequests(s) = e {
        r.headers_mut().set("retry-after", &s.to_string())?;
    }
    Ok(r)
}

/// The pools of a config, reusing `old` pools of the same target number so
/// live leases survive a config change.
fn build_pools(config: &Config, mut old: Vec<(PhoneNumber, Pool)>) -> Vec<Pool> {
    config
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let pc = config.pool_config(i);
            let mut pool = match old.iter().position(|(n, _)| *n == t.number) {
                Some(k) => {
                    let (_, mut p) = old.swap_remove(k);
                    p.set_config(pc);
                    p
                }
                None => {
                    let mut p = Pool::new(pc, random_u64());
                    p.track_changes(true);
                    p
                }
            };
            pool.resize(&t.pool);
            pool
        })
        .collect()
}

impl SiteObject {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    fn ready(&self) -> std::result::Result<SqlStorage, ApiError> {
        let sql = self.sql();
        if !self.schema_ready.get() {
            store::init(&sql).map_err(internal)?;
            for q in calls::SCHEMA {
                sql.exec(q, None).map_err(internal)?;
            }
            self.schema_ready.set(true);
        }
        Ok(sql)
    }

    /// Loads the site's state from storage on first use. `Ok(false)`: no such site.
    fn load(&self) -> std::result::Result<bool, ApiError> {
        if self.loaded.borrow().is_some() {
            return Ok(true);
        }
        let sql = self.ready()?;
        let Some(raw) = store::meta(&sql, "config").map_err(internal)? else {
            return Ok(false);
        };
        let spec: Spec = serde_json::from_str(&raw).map_err(|e| internal(e.to_string()))?;
        let config = spec.validate().map_err(|e| internal(e.to_string()))?;
        let mut pools = Vec::with_capacity(config.targets.len());
        let horizon = now() - config.grace - Duration::from_mins(1);
        let journal = store::recent_journal(&sql, horizon).map_err(internal)?;
        for (i, t) in config.targets.iter().enumerate() {
            let target = t.number.to_string();
            let numbers = store::numbers_of(&sql, &target).map_err(internal)?;
            let mine: Vec<_> = journal
                .iter()
                .filter(|e| numbers.iter().any(|n| n.number == e.number))
                .copied()
                .collect();
            let snapshot = Snapshot {
                config: config.pool_config(i),
                numbers,
                seq: 0,
                stats: store::stats_of(&sql, &target).map_err(internal)?,
                journal: mine,
            };
            let mut pool =
                Pool::restore(snapshot, random_u64()).map_err(|e| internal(e.to_string()))?;
            pool.track_changes(true);
            // Numbers added to the config but never written (none, normally).
            pool.resize(&t.pool);
            pools.push(pool);
        }
        *self.loaded.borrow_mut() = Some(Loaded {
            spec,
            config,
            pools,
        });
        Ok(true)
    }

    /// Writes every pool's changes. On failure the in-memory state is
    /// dropped, so the next request reloads what storage holds.
    fn persist(&self, sql: &SqlStorage, loaded: &mut Loaded) -> std::result::Result<(), ApiError> {
        let result = (|| -> Result<()> {
            for (i, pool) in loaded.pools.iter_mut().enumerate() {
                let target = loaded.config.targets[i].number.to_string();
                store::write_changes(sql, &target, pool)?;
            }
            Ok(())
        })();
        result.map_err(|e| {
            self.schema_ready.set(false);
            internal(e)
        })
    }

    /// Points the alarm at the earliest deadline of any pool.
    async fn schedule(&self) -> Result<()> {
        let pools = self
            .loaded
            .borrow()
            .as_ref()
            .and_then(|l| l.pools.iter().filter_map(Pool::next_deadline).min())
            .map(|t| t.millis());
        // Events to deliver, and an hourly pool sample and retention sweep while the site lives.
        let hourly = self
            .loaded
            .borrow()
            .as_ref()
            .map(|_| (now().millis().div_euclid(3_600_000) + 1) * 3_600_000);
        let next = [pools, self.next_delivery(), hourly]
            .into_iter()
            .flatten()
            .min()
            .map(|t| t.max(now().millis()));
        if next != self.alarm_at.get() {
            match next {
                // A timestamp: `set_alarm(i64)` would take an offset from now.
                Some(t) => {
                    let at = js_sys::Date::new(&js_sys::Number::from(t as f64));
                    self.state
                        .storage()
                        .set_alarm(worker::ScheduledTime::new(at))
                        .await?
                }
                None => self.state.storage().delete_alarm().await?,
            }
            self.alarm_at.set(next);
        }
        Ok(())
    }

    fn caller(&self, req: &Request) -> std::result::Result<Caller, ApiError> {
        let header = req.headers().get("authorization").ok().flatten();
        let Some(token) = guard::bearer(header.as_deref()) else {
            return Ok(Caller::Public);
        };
        let hash = guard::sha256_hex(token);
        if let Ok(admin) = self
            .env
            .secret("ADMIN_KEY")
            .map(|s| s.to_string())
            .or_else(|_| self.env.var("ADMIN_KEY").map(|v| v.to_string()))
        {
            if !admin.is_empty()
                && guard::constant_time_eq(hash.as_bytes(), guard::sha256_hex(&admin).as_bytes())
            {
                return Ok(Caller::Deployment);
            }
        }
        let sql = self.ready()?;
        match store::key_scope(&sql, &hash).map_err(internal)?.as_deref() {
            Some("admin") => Ok(Caller::SiteAdmin),
            Some("server") => Ok(Caller::Server),
            _ => Err(ApiError::Unauthorized),
        }
    }

    async fn route(
        &self,
        req: &Request,
        body: &[u8],
        site: &str,
        rest: &[&str],
    ) -> std::result::Result<Response, ApiError> {
        let method = req.method();
        match (rest, method.clone()) {
            ([], Method::Put) => self.put_site(req, body, site).await,
            ([], Method::Get) => self.get_site(req),
            ([], Method::Delete) => self.delete_site(req).await,
            (["sessions"], Method::Post) => self.create_session(req, body, site).await,
            (["sessions", id, "heartbeat"], Method::Post) => self.heartbeat(req, body, id).await,
            (["sessions", id, "release"], Method::Post) => self.release(req, body, id).await,
            (["pools"], Method::Get) => self.get_pools(req),
            (["pools", target, "numbers"], Method::Post) => {
                self.add_numbers(req, body, target).await
            }
            (["pools", target, "numbers", number], Method::Delete) => {
                self.remove_number(req, target, number).await
            }
            (["keys"], Method::Post) => self.create_key(req, body).await,
            (["journal"], Method::Get) => self.get_journal(req),
            (["coverage"], Method::Get) => self.get_coverage(req),
            (["calls"], Method::Post) => self.post_call(req, body).await,
            (["calls"], Method::Get) => self.list_calls(req),
            (["calls", id], Method::Get) => self.get_call(req, id),
            (["calls", id], Method::Patch) => self.patch_call(req, body, id).await,
            (["twilio", "voice"], Method::Post) => self.twilio_voice(req, body).await,
            (["twilio", "status"], Method::Post) => self.twilio_status(req, body).await,
            (["leads"], Method::Post) => self.post_lead(req, body).await,
            (["reports", "calls"], Method::Get) => self.call_report(req),
            (["reports", "pools"], Method::Get) => self.pool_report(req),
            (["callers", number], Method::Delete) => self.erase_caller(req, number),
            (["deliveries"], Method::Get) => self.deliveries(req),
            (["sizing"], Method::Get) => self.sizing(req),
            (["overview"], Method::Get) => self.overview(req),
            (["demo", "call"], Method::Post) => self.demo_call(req, body, site).await,
            (["public"], Method::Get) => self.get_public(),
            (
                []
                | ["sessions"]
                | ["sessions", _, "heartbeat" | "release"]
                | ["pools"]
                | ["pools", _, "numbers"]
                | ["pools", _, "numbers", _]
                | ["keys"]
                | ["journal" | "coverage" | "public" | "calls" | "leads" | "deliveries" | "sizing"
                | "overview"]
                | ["calls" | "callers", _]
                | ["twilio" | "reports", _],
                _,
            ) => Err(ApiError::MethodNotAllowed),
            _ => Err(ApiError::NotFound("no such route".into())),
        }
    }

    fn require_admin(&self, req: &Request) -> std::result::Result<Caller, ApiError> {
        match self.caller(req)? {
            c @ (Caller::Deployment | Caller::SiteAdmin) => Ok(c),
            Caller::Server => Err(ApiError::Forbidden(
                "a server key may only lease numbers".into(),
            )),
            Caller::Public => Err(ApiError::Unauthorized),
        }
    }

    fn require_site(&self) -> std::result::Result<(), ApiError> {
        if self.load()? {
            Ok(())
        } else {
            Err(ApiError::NotFound("no such site".into()))
        }
    }

    async fn put_site(
        &self,
        req: &Request,
        body: &[u8],
        site: &str,
    ) -> std::result::Result<Response, ApiError> {
        let caller = self.require_admin(req)?;
        let body = check_body(req, body, api::MAX_BODY, false)?;
        let mut value: serde_json::Value = serde_json::from_slice(body)?;
        api::strip_comments(&mut value);
        let mut spec: Spec = serde_json::from_value(value)?;
        let exists = self.load()?;
        // Secrets shown as hidden and sent back unchanged keep the stored ones.
        if let Some(stored) = self.loaded.borrow().as_ref() {
            spec.integrations.keep_secrets(&stored.spec.integrations);
        }
        let config = spec.validate().map_err(|e| ApiError::Invalid(e.errors))?;
        if !exists && caller != Caller::Deployment {
            return Err(ApiError::Forbidden(
                "only the deployment's admin key creates sites".into(),
            ));
        }
        let sql = self.ready()?;
        let reply = {
            let mut guard = self.loaded.borrow_mut();
            let old = guard
                .take()
                .map(|l| {
                    l.config
                        .targets
                        .iter()
                        .map(|t| t.number)
                        .zip(l.pools)
                        .collect()
                })
                .unwrap_or_default();
            let pools = build_pools(&config, old);
            let mut loaded = Loaded {
                spec: config.to_spec(),
                config,
                pools,
            };
            let stored =
                serde_json::to_string(&loaded.spec).map_err(|e| internal(e.to_string()))?;
            store::set_meta(&sql, "config", &stored).map_err(internal)?;
            store::set_meta(&sql, "site", site).map_err(internal)?;
            let keep: Vec<String> = loaded
                .config
                .targets
                .iter()
                .map(|t| t.number.to_string())
                .collect();
            store::drop_other_targets(&sql, &keep).map_err(internal)?;
            // On failure the state stays unloaded; the next request reads storage.
            self.persist(&sql, &mut loaded)?;
            let reply = loaded.spec.redacted();
            *guard = Some(loaded);
            reply
        };
        // The first utilisation sample: the baseline of the hour.
        self.sample_pools();
        self.schedule().await.map_err(internal)?;
        json(if exists { 200 } else { 201 }, &reply).map_err(internal)
    }

    fn get_site(&self, req: &Request) -> std::result::Result<Response, ApiError> {
        self.require_admin(req)?;
        self.require_site()?;
        let guard = self.loaded.borrow();
        let loaded = guard.as_ref().ok_or(ApiError::Internal)?;
        json(200, &loaded.spec.redacted()).map_err(internal)
    }

    async fn delete_site(&self, req: &Request) -> std::result::Result<Response, ApiError> {
        if self.require_admin(req)? != Caller::Deployment {
            return Err(ApiError::Forbidden(
                "only the deployment's admin key deletes sites".into(),
            ));
        }
        self.require_site()?;
        self.state
            .storage()
            .delete_alarm()
            .await
            .map_err(internal)?;
        self.state.storage().delete_all().await.map_err(internal)?;
        *self.loaded.borrow_mut() = None;
        self.schema_ready.set(false);
        self.alarm_at.set(None);
        Response::empty()
            .map(|r| r.with_status(204))
            .map_err(internal)
    }

    fn get_pools(&self, req: &Request) -> std::result::Result<Response, ApiError> {
        self.require_admin(req)?;
        self.require_site()?;
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
        let guard = self.loaded.borrow();
        let loaded = guard.as_ref().ok_or(ApiError::Internal)?;
        let out: Vec<PoolReply> = loaded
            .config
            .targets
            .iter()
            .zip(&loaded.pools)
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
            .collect();
        json(200, &serde_json::json!({ "pools": out })).map_err(internal)
    }

    /// Reads the loaded site (config and pools); the site is loaded before
    /// any handler runs, so its absence is an internal error.
    fn with_loaded<T>(&self, f: impl FnOnce(&Loaded) -> T) -> std::result::Result<T, ApiError> {
        self.loaded
            .borrow()
            .as_ref()
            .map(f)
            .ok_or(ApiError::Internal)
    }

    fn target_index(loaded: &Loaded, raw: &str) -> std::result::Result<usize, ApiError> {
        let mut s = api::decode_segment(raw);
        if !s.starts_with('+') {
            s.insert(0, '+');
        }
        let n: PhoneNumber = s
            .parse()
            .map_err(|e| ApiError::BadRequest(format!("{s:?} is not an E.164 number: {e}")))?;
        loaded
            .config
            .targets
            .iter()
            .position(|t| t.number == n)
            .ok_or_else(|| ApiError::NotFound(format!("{n} is not a target number of this site")))
    }

    /// Applies a changed spec: validates, writes config and pool rows.
    fn apply_spec(
        &self,
        sql: &SqlStorage,
        loaded: &mut Loaded,
        spec: Spec,
    ) -> std::result::Result<(), ApiError> {
        let config = spec.validate().map_err(|e| ApiError::Invalid(e.errors))?;
        for (i, t) in config.targets.iter().enumerate() {
            loaded.pools[i].resize(&t.pool);
        }
        loaded.spec = config.to_spec();
        loaded.config = config;
        let stored = serde_json::to_string(&loaded.spec).map_err(|e| internal(e.to_string()))?;
        store::set_meta(sql, "config", &stored).map_err(internal)?;
        self.persist(sql, loaded)
    }

    async fn add_numbers(
        &self,
        req: &Request,
        body: &[u8],
        target: &str,
    ) -> std::result::Result<Response, ApiError> {
        self.require_admin(req)?;
        self.require_site()?;
        let body = check_body(req, body, api::MAX_BODY, false)?;
        let add: AddNumbers = serde_json::from_slice(body)?;
        let sql = self.ready()?;
        {
            let mut guard = self.loaded.borrow_mut();
            let loaded = guard.as_mut().ok_or(ApiError::Internal)?;
            let i = Self::target_index(loaded, target)?;
            let base = loaded.spec.targets[i].pool.len();
            let mut spec = loaded.spec.clone();
            spec.targets[i].pool.extend(add.numbers.iter().cloned());
            match self.apply_spec(&sql, loaded, spec) {
                Ok(()) => {}
                Err(ApiError::Internal) => {
                    *guard = None;
                    return Err(ApiError::Internal);
                }
                Err(ApiError::Invalid(fields)) => {
                    // Point the paths at the request body, not at the whole config.
                    let fields = fields
                        .iter()
                        .map(|f| pool_core::site::FieldError {
                            path: remap_pool_path(&f.path, i, base),
                            message: f.message.clone(),
                        })
                        .collect();
                    return Err(ApiError::Invalid(fields));
                }
                Err(e) => return Err(e),
            }
        }
        self.schedule().await.map_err(internal)?;
        self.pool_reply(target, 200)
    }

    async fn remove_number(
        &self,
        req: &Request,
        target: &str,
        number: &str,
    ) -> std::result::Result<Response, ApiError> {
        self.require_admin(req)?;
        self.require_site()?;
        let sql = self.ready()?;
        let status;
        {
            let mut guard = self.loaded.borrow_mut();
            let loaded = guard.as_mut().ok_or(ApiError::Internal)?;
            let i = Self::target_index(loaded, target)?;
            let mut raw = api::decode_segment(number);
            if !raw.starts_with('+') {
                raw.insert(0, '+');
            }
            let n: PhoneNumber = raw.parse().map_err(|e| {
                ApiError::BadRequest(format!("{raw:?} is not an E.164 number: {e}"))
            })?;
            if !loaded.config.targets[i].pool.contains(&n) {
                return Err(ApiError::NotFound(format!("{n} is not in this pool")));
            }
            let until = match loaded.pools[i].status(n) {
                Some(pool_core::pool::Status::Leased(l)) => Some(l.expires_at.millis()),
                _ => None,
            };
            let mut spec = loaded.spec.clone();
            spec.targets[i].pool = loaded.config.targets[i]
                .pool
                .iter()
                .filter(|p| **p != n)
                .map(|p| p.to_string())
                .collect();
            if let Err(e) = self.apply_spec(&sql, loaded, spec) {
                if e == ApiError::Internal {
                    *guard = None;
                }
                return Err(e);
            }
            status = match until {
                Some(u) => {
                    serde_json::json!({"number": n.to_string(), "status": "draining", "until": u})
                }
                None => {
                    serde_json::json!({"number": n.to_string(), "status": "removed", "until": null})
                }
            };
        }
        self.schedule().await.map_err(internal)?;
        json(200, &status).map_err(internal)
    }

    fn pool_reply(&self, target: &str, status: u16) -> std::result::Result<Response, ApiError> {
        let guard = self.loaded.borrow();
        let loaded = guard.as_ref().ok_or(ApiError::Internal)?;
        let i = Self::target_index(loaded, target)?;
        let numbers: Vec<serde_json::Value> = loaded.pools[i]
            .numbers()
            .map(|(n, st)| {
                let state = match st {
                    pool_core::pool::Status::Free => "free",
                    pool_core::pool::Status::Leased(_) => "leased",
                    pool_core::pool::Status::Cooling { .. } => "cooling",
                    pool_core::pool::Status::Draining(_) => "draining",
                };
                serde_json::json!({"number": n.to_string(), "state": state})
            })
            .collect();
        json(
            status,
            &serde_json::json!({"target": loaded.config.targets[i].number.to_string(), "numbers": numbers}),
        )
        .map_err(internal)
    }

    /// `GET /journal?number=+7...`: who held a tracking number when.
    fn get_journal(&self, req: &Request) -> std::result::Result<Response, ApiError> {
        self.require_admin(req)?;
        self.require_site()?;
        let url = req
            .url()
            .map_err(|_| ApiError::BadRequest("bad URL".into()))?;
        let raw = url
            .query_pairs()
            .find(|(k, _)| k == "number")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| ApiError::field("number", "the tracking number, E.164"))?;
        let number: PhoneNumber = raw.trim().parse().map_err(|e| {
            ApiError::field("number", format!("{raw:?} is not an E.164 number: {e}"))
        })?;
        let sql = self.ready()?;
        let entries = store::journal_of(&sql, number).map_err(internal)?;
        let out: Vec<serde_json::Value> = entries
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
        .map_err(internal)
    }

    async fn create_key(
        &self,
        req: &Request,
        body: &[u8],
    ) -> std::result::Result<Response, ApiError> {
        self.require_admin(req)?;
        self.require_site()?;
        let body = check_body(req, body, api::MAX_BODY, false)?;
        let new: NewKey = serde_json::from_slice(body)?;
        if new.scope != "admin" && new.scope != "server" {
            return Err(ApiError::field("scope", "admin or server"));
        }
        if new.label.as_ref().is_some_and(|l| l.chars().count() > 200) {
            return Err(ApiError::field("label", "at most 200 characters"));
        }
        let key = random_key()?;
        let sql = self.ready()?;
        store::put_key(
            &sql,
            &guard::sha256_hex(&key),
            &new.scope,
            new.label.as_deref(),
            now(),
        )
        .map_err(internal)?;
        json(
            201,
            &serde_json::json!({"key": key, "scope": new.scope, "label": new.label}),
        )
        .map_err(internal)
    }

    /// `GET /v1/sites/{site}/coverage`: what the page script saw, page by
    /// page, so a broken install is seen (admin).
    fn get_coverage(&self, req: &Request) -> std::result::Result<Response, ApiError> {
        self.require_admin(req)?;
        self.require_site()?;
        let sql = self.ready()?;
        let rows = store::coverage(&sql).map_err(internal)?;
        let mut totals = serde_json::Map::new();
        let (mut found, mut swapped) = (0u64, 0u64);
        let mut left = std::collections::BTreeMap::<String, u64>::new();
        let pages: Vec<serde_json::Value> = rows
            .into_iter()
            .map(|r| {
                let unswapped: std::collections::BTreeMap<String, u64> =
                    serde_json::from_str(&r.unswapped).unwrap_or_default();
                found += r.found as u64;
                swapped += r.swapped as u64;
                for (k, v) in &unswapped {
                    *left.entry(k.clone()).or_default() += v;
                }
                serde_json::json!({
                    "page": r.page,
                    "found": r.found as u64,
                    "swapped": r.swapped as u64,
                    "unswapped": unswapped,
                    "reports": r.reports as u64,
                    "first_at": r.first_at as i64,
                    "last_at": r.last_at as i64,
                })
            })
            .collect();
        totals.insert("pages".into(), pages.len().into());
        totals.insert("found".into(), found.into());
        totals.insert("swapped".into(), swapped.into());
        totals.insert("unswapped".into(), serde_json::json!(left));
        json(200, &serde_json::json!({"totals": totals, "pages": pages})).map_err(internal)
    }

    /// `GET /v1/sites/{site}/public`: what the page script needs before
    /// consent (static numbers by channel), with no session and nothing stored.
    fn get_public(&self) -> std::result::Result<Response, ApiError> {
        self.require_site()?;
        let guard = self.loaded.borrow();
        let loaded = guard.as_ref().ok_or(ApiError::Internal)?;
        let c = &loaded.config;
        let body = api::PublicConfig {
            region: c.region.map(|r| r.as_str().to_string()),
            ignore_selectors: c.ignore_selectors.clone(),
            targets: c
                .targets
                .iter()
                .map(|t| api::PublicTarget {
                    number: t.number.to_string(),
                    static_numbers: t
                        .static_numbers
                        .iter()
                        .map(|(ch, n)| (ch.as_str().to_string(), n.to_string()))
                        .collect(),
                })
                .collect(),
        };
        let mut r = json(200, &body).map_err(internal)?;
        // Pages may keep it a few minutes: it changes when the config does.
        r.headers_mut()
            .set("cache-control", "public, max-age=300")
            .map_err(internal)?;
        Ok(r)
    }

    /// The numbers a session sees, leasing where its channel is dynamic.
    fn assign(loaded: &mut Loaded, id: SessionId, visit: &Visit, at: Instant) -> Vec<NumberReply> {
        let channel = visit.channel;
        let mut out = Vec::with_capacity(loaded.pools.len());
        for (i, t) in loaded.config.targets.iter().enumerate() {
            let target = t.number.to_string();
            let (number, kind, expires_at) = match loaded.config.display(i, channel) {
                Display::Static(n) => (n.to_string(), "static", None),
                Display::Original => (target.clone(), "original", None),
                Display::Dynamic => match loaded.pools[i].lease(id, at) {
                    Assignment::Leased { lease, .. } => (
                        lease.number.to_string(),
                        "dynamic",
                        Some(lease.expires_at.millis()),
                    ),
                    Assignment::Fallback(Some(f)) => (f.to_string(), "fallback", None),
                    Assignment::Fallback(None) => (target.clone(), "original", None),
                },
            };
            out.push(NumberReply {
                target,
                number,
                kind: kind.into(),
                expires_at,
            });
        }
        out
    }

    /// What a bot or a session without a lease sees: static numbers or the originals.
    fn static_numbers(config: &Config, visit: &Visit) -> Vec<NumberReply> {
        config
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let (number, kind) = match config.display(i, visit.channel) {
                    Display::Static(n) => (n.to_string(), "static"),
                    _ => (t.number.to_string(), "original"),
                };
                NumberReply {
                    target: t.number.to_string(),
                    number,
                    kind: kind.into(),
                    expires_at: None,
                }
            })
            .collect()
    }

    async fn create_session(
        &self,
        req: &Request,
        body: &[u8],
        site: &str,
    ) -> std::result::Result<Response, ApiError> {
        let caller = self.caller(req)?;
        self.require_site()?;
        let body = check_body(req, body, api::MAX_PUBLIC_BODY, false)?;
        let ns = serde_json::from_slice::<SessionRequest>(body)?.check()?;
        let trusted = matches!(
            caller,
            Caller::Server | Caller::SiteAdmin | Caller::Deployment
        );
        let header = |name: &str| req.headers().get(name).ok().flatten();
        let user_agent = if trusted {
            ns.user_agent.clone()
        } else {
            header("user-agent")
        };
        let address = if trusted {
            ns.client_ip.clone()
        } else {
            header("cf-connecting-ip").or_else(|| header("x-real-ip"))
        };
        let at = now();
        let sql = self.ready()?;
        let reply;
        let created;
        {
            let mut guard = self.loaded.borrow_mut();
            let loaded = guard.as_mut().ok_or(ApiError::Internal)?;
            let hosts: Vec<String> = loaded
                .config
                .origins
                .iter()
                .filter_map(|o| o.split("://").nth(1))
                .map(|h| {
                    h.split(':')
                        .next()
                        .unwrap_or(h)
                        .trim_start_matches("*.")
                        .to_string()
                })
                .collect();
            let host_refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
            let fresh = classify(&ns.url, ns.referrer.as_deref(), &host_refs);
            let stored = store::session_visit(&sql, ns.id).map_err(internal)?;
            // Where the visitor is, from the platform (not from a server integration's request).
            let geo = if trusted {
                None
            } else {
                req.cf().and_then(|cf| match (cf.country(), cf.region()) {
                    (Some(c), Some(r)) if !r.is_empty() => Some(format!("{c} / {r}")),
                    (Some(c), _) => Some(c),
                    _ => None,
                })
            };
            let region = stored.as_deref().and_then(api::stored_region).or(geo);
            let visit = match stored
                .as_deref()
                .and_then(|v| serde_json::from_str::<Visit>(v).ok())
            {
                // A returning session keeps its attribution, unless it comes back from a new campaign.
                Some(old)
                    if fresh.internal || fresh.channel == pool_core::channel::Channel::Direct =>
                {
                    old
                }
                _ => fresh,
            };
            created = stored.is_none();
            if created && guard::is_bot(user_agent.as_deref()) {
                let numbers = Self::static_numbers(&loaded.config, &visit);
                return json(
                    200,
                    &SessionReply::new(
                        ns.id.to_string(),
                        api::ChannelReply::with_region(&visit, region.clone()),
                        numbers,
                        &loaded.config,
                    ),
                )
                .map_err(internal);
            }
            if created {
                // A server key lifts the per-client limit; the site's limit holds for all.
                let client = if trusted {
                    None
                } else {
                    Some(guard::client_key(
                        site,
                        address.as_deref().unwrap_or("unknown"),
                    ))
                };
                let limits = loaded.config.limits;
                self.limiter
                    .borrow_mut()
                    .admit(
                        client,
                        at.millis(),
                        limits.per_client_per_minute,
                        limits.per_site_per_minute,
                    )
                    .map_err(ApiError::TooManyRequests)?;
            }
            let numbers = Self::assign(loaded, ns.id, &visit, at);
            let visit_json = api::visit_json(&visit, region.as_deref())?;
            store::put_session(&sql, ns.id, at, &visit_json, ns.ga_client_id.as_deref())
                .map_err(internal)?;
            if let Err(e) = self.persist(&sql, loaded) {
                *guard = None;
                return Err(e);
            }
            reply = SessionReply::new(
                ns.id.to_string(),
                api::ChannelReply::with_region(&visit, region.clone()),
                numbers,
                &loaded.config,
            );
        }
        self.schedule().await.map_err(internal)?;
        json(if created { 201 } else { 200 }, &reply).map_err(internal)
    }

    fn session_id(raw: &str) -> std::result::Result<SessionId, ApiError> {
        raw.parse()
            .map_err(|_| ApiError::NotFound("no such session".into()))
    }

    async fn heartbeat(
        &self,
        req: &Request,
        body: &[u8],
        id: &str,
    ) -> std::result::Result<Response, ApiError> {
        self.require_site()?;
        let id = Self::session_id(id)?;
        // The body (a coverage report) is optional; its size is capped all the same.
        let coverage = api::Beat::parse(check_body(req, body, api::MAX_PUBLIC_BODY, true)?)?;
        let at = now();
        let sql = self.ready()?;
        let reply;
        {
            let mut guard = self.loaded.borrow_mut();
            let loaded = guard.as_mut().ok_or(ApiError::Internal)?;
            let stored = store::session_visit(&sql, id).map_err(internal)?;
            let visit: Visit = stored
                .as_deref()
                .and_then(|v| serde_json::from_str(v).ok())
                .ok_or_else(|| ApiError::NotFound("no such session".into()))?;
            let region = stored.as_deref().and_then(api::stored_region);
            let numbers = Self::assign(loaded, id, &visit, at);
            store::touch_session(&sql, id, at).map_err(internal)?;
            if let Some(c) = &coverage {
                store::put_coverage(&sql, c, at, api::MAX_COVERAGE_PAGES).map_err(internal)?;
            }
            if let Err(e) = self.persist(&sql, loaded) {
                *guard = None;
                return Err(e);
            }
            reply = SessionReply::new(
                id.to_string(),
                api::ChannelReply::with_region(&visit, region),
                numbers,
                &loaded.config,
            );
        }
        self.schedule().await.map_err(internal)?;
        json(200, &reply).map_err(internal)
    }

    async fn release(
        &self,
        req: &Request,
        body: &[u8],
        id: &str,
    ) -> std::result::Result<Response, ApiError> {
        self.require_site()?;
        let id = Self::session_id(id)?;
        // Nobody reads a beacon's reply: the release happens even when its
        // coverage report cannot be read (the heartbeat's gets a 422).
        let coverage =
            api::Beat::parse(check_body(req, body, api::MAX_PUBLIC_BODY, true)?).unwrap_or(None);
        let at = now();
        let sql = self.ready()?;
        {
            let mut guard = self.loaded.borrow_mut();
            let loaded = guard.as_mut().ok_or(ApiError::Internal)?;
            if store::session_visit(&sql, id).map_err(internal)?.is_none() {
                return Err(ApiError::NotFound("no such session".into()));
            }
            for p in loaded.pools.iter_mut() {
                let _ = p.release(id, at);
            }
            store::touch_session(&sql, id, at).map_err(internal)?;
            if let Some(c) = &coverage {
                store::put_coverage(&sql, c, at, api::MAX_COVERAGE_PAGES).map_err(internal)?;
            }
            if let Err(e) = self.persist(&sql, loaded) {
                *guard = None;
                return Err(e);
            }
        }
        self.schedule().await.map_err(internal)?;
        Response::empty()
            .map(|r| r.with_status(204))
            .map_err(internal)
    }

    /// CORS: the public routes answer browsers of the site's origins only.
    fn cors(&self, req: &Request, public: bool) -> std::result::Result<Option<String>, ApiError> {
        let Some(origin) = req.headers().get("origin").ok().flatten() else {
            return Ok(None);
        };
        if !public {
            return Ok(None);
        }
        if !self.load()? {
            return Err(ApiError::NotFound("no such site".into()));
        }
        let guard = self.loaded.borrow();
        let allowed = guard
            .as_ref()
            .is_some_and(|l| l.config.allows_origin(&origin));
        if allowed {
            Ok(Some(origin))
        } else {
            Err(ApiError::Forbidden(format!(
                "origin {origin} is not allowed for this site"
            )))
        }
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

fn internal(e: impl std::fmt::Display) -> ApiError {
    worker::console_error!("internal error: {e}");
    ApiError::Internal
}

/// The media type of a request's body, lower-cased, without parameters
/// (`application/json`); empty when there is no `content-type`.
fn mime_of(req: &Request) -> String {
    let ct = req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Checks a body (read up front) against `cap` bytes and its type. JSON
/// only, unless `beacon`: then `text/plain` (what `navigator.sendBeacon`
/// sends) and an empty body pass too.
fn check_body<'a>(
    req: &Request,
    body: &'a [u8],
    cap: usize,
    beacon: bool,
) -> std::result::Result<&'a [u8], ApiError> {
    if body.len() > cap {
        return Err(ApiError::PayloadTooLarge(cap));
    }
    let mime = mime_of(req);
    let mime = mime.as_str();
    if beacon
        && (body.is_empty()
            || mime == "text/plain"
            || mime == "application/json"
            || mime.is_empty())
    {
        return Ok(body);
    }
    if mime != "application/json" {
        return Err(ApiError::UnsupportedMediaType);
    }
    Ok(body)
}

impl DurableObject for SiteObject {
    fn new(state: State, env: Env) -> Self {
        SiteObject {
            state,
            env,
            schema_ready: Cell::new(false),
            loaded: RefCell::new(None),
            limiter: RefCell::new(Limiter::default()),
            alarm_at: Cell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        // /v1/sites/{site}/...
        let (site, rest) = match parts.as_slice() {
            ["v1", "sites", site, rest @ ..] => (
                site.to_string(),
                rest.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            ),
            _ => return error_response(&ApiError::NotFound("no such route".into())),
        };
        let rest_refs: Vec<&str> = rest.iter().map(String::as_str).collect();
        let public = matches!(
            rest_refs.as_slice(),
            ["sessions"]
                | ["sessions", _, "heartbeat" | "release"]
                | ["public"]
                | ["leads"]
                | ["demo", "call"]
        );
        // Read the whole body first: answering before the request stream is
        // consumed makes the runtime fail the object.
        let body = match req.method() {
            Method::Get | Method::Head | Method::Options => Vec::new(),
            _ => req.bytes().await.unwrap_or_default(),
        };
        let origin = match self.cors(&req, public) {
            Ok(o) => o,
            Err(e) => return error_response(&e),
        };
        if req.method() == Method::Options {
            if !public {
                return error_response(&ApiError::MethodNotAllowed);
            }
            let mut r = Response::empty()?.with_status(204);
            let h = r.headers_mut();
            if let Some(o) = &origin {
                h.set("access-control-allow-origin", o)?;
                h.set("vary", "Origin")?;
            }
            h.set("access-control-allow-methods", "GET, POST, OPTIONS")?;
            h.set(
                "access-control-allow-headers",
                "content-type, authorization",
            )?;
            h.set("access-control-max-age", "86400")?;
            return Ok(r);
        }
        let mut resp = match self.route(&req, &body, &site, &rest_refs).await {
            Ok(r) => r,
            Err(e) => error_response(&e)?,
        };
        if let Some(o) = origin {
            resp.headers_mut().set("access-control-allow-origin", &o)?;
            resp.headers_mut().set("vary", "Origin")?;
        }
        Ok(resp)
    }

    async fn alarm(&self) -> Result<Response> {
        self.alarm_at.set(None);
        let loaded = match self.load() {
            Ok(l) => l,
            Err(_) => return Response::ok("load failed"),
        };
        if !loaded {
            return Response::ok("no site");
        }
        let at = now();
        let sql = self.sql();
        {
            let mut guard = self.loaded.borrow_mut();
            if let Some(l) = guard.as_mut() {
                let horizon = at - l.config.grace - Duration::from_mins(1);
                for p in l.pools.iter_mut() {
                    p.expire(at);
                    p.journal_mut().prune(horizon);
                }
                if self.persist(&sql, l).is_err() {
                    *guard = None;
                }
            }
        }
        let retention = self.loaded.borrow().as_ref().map(|l| l.config.retention);
        if let Some(r) = retention {
            self.sample_pools();
            self.prune_calls(r);
            self.check_alerts();
        }
        self.deliver().await;
        self.schedule().await?;
        Response::ok("ok")
    }
}
