//! One Durable Object per site: it owns the site's config, pools, sessions,
//! journal and keys in its SQLite storage. State is loaded on first use and
//! kept in memory as a [`pool_core::site::Site`] aggregate.
//!
//! Every change goes through one gate, [`SiteObject::mutate`]: the handler
//! changes the aggregate and writes its rows inside one storage transaction,
//! then the pools' changed rows are written; if anything fails, the writes
//! are rolled back and the memory is dropped (the next request reloads what
//! storage holds), so a failed request changes nothing. A reply means the
//! change is stored, and the alarm follows the aggregate's next deadline.
//!
//! The page's requests (a visit, a heartbeat, a release) come many at once,
//! and each transaction is a commit to disk. They go through
//! [`SiteObject::mutate_batched`], a group commit: each changes the
//! aggregate at once and keeps its writes; the first of them yields one
//! turn of the event loop, so that the requests already arrived join it,
//! then runs all their writes and the pools' changed rows in one
//! transaction. Every request of the batch is answered after that commit,
//! or, if it fails, with an error, the memory dropped as above: a batch
//! stores all of its requests or none. Any other request first stores a
//! pending batch, so it only ever sees stored state.
//!
//! Handlers live in files named after their resource: `sites`, `sessions`,
//! `pools`, `calls`, `twilio`, `leads`, `reports`, `outbox`, `dashboard`
//! (overview, alerts, the demo call) and `sizing`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde::Serialize;
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{
    durable_object, js_sys, Date, Delay, DurableObject, Env, Method, Request, Response, Result,
    State,
};

use pool_core::pool::Snapshot;
use pool_core::site::{Site, Spec};
use pool_core::time::Instant;

use crate::error::ApiError;
use crate::guard::{self, Limiter};
use crate::routes::{self, Access, Found, Handler, Verb};
use crate::store::{self, Db, Write};

mod call_view;
mod callbacks;
mod calls;
mod connectors;
mod crm;
mod dashboard;
mod leads;
mod notify;
mod outbox;
mod pools;
mod reports;
mod sessions;
mod shards;
mod sites;
mod sizing;
mod spend;
mod twilio;

type R<T> = std::result::Result<T, ApiError>;

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

/// The site in memory: the config as written (secrets included), the
/// aggregate (with the numbers this shard owns) and which shard this is.
struct Loaded {
    spec: Spec,
    site: Site,
    shard: u32,
    /// A change of the count of shards under way.
    moving: Option<pool_core::shard::Move>,
}

/// Writes of the page's requests waiting for one shared commit.
struct Batch {
    writes: Vec<Write>,
    /// The injected failure one of them armed (test builds only).
    fault: Option<u32>,
    /// Settles with `true` once the batch is stored, `false` if it failed.
    done: js_sys::Promise,
    settle: js_sys::Function,
}

impl Batch {
    fn new() -> Batch {
        let mut settle = None;
        let done = js_sys::Promise::new(&mut |resolve, _reject| settle = Some(resolve));
        Batch {
            writes: Vec::new(),
            fault: None,
            done,
            settle: settle.unwrap_or_else(|| js_sys::Function::new_no_args("")),
        }
    }

    fn finish(self, stored: bool) {
        // Resolving a promise created here cannot throw.
        let _ = self
            .settle
            .call1(&JsValue::NULL, &JsValue::from_bool(stored));
    }
}

#[durable_object]
pub struct SiteObject {
    state: State,
    env: Env,
    schema_ready: Cell<bool>,
    loaded: RefCell<Option<Loaded>>,
    limiter: RefCell<Limiter>,
    /// Leads from browsers, per client and per site.
    lead_limiter: RefCell<Limiter>,
    /// The demo's call buttons, per client and per site.
    demo_limiter: RefCell<Limiter>,
    alarm_at: Cell<Option<i64>>,
    /// The page's requests waiting for their shared commit.
    batch: RefCell<Option<Batch>>,
    /// Statements left before an injected failure (test builds only).
    fault: Rc<Cell<Option<u32>>>,
    /// The handler whose next change gets the injected failure, and at which statement.
    armed: Cell<Option<(Handler, u32)>>,
    /// A delivery run is under way (its sends await): another waits its turn.
    delivering: Cell<bool>,
}

/// The objects' clock: the runtime's, moved on by the tests of a test
/// build (`POST /_test/clock`) so that what takes hours is tested in
/// moments, never by waiting.
fn now() -> Instant {
    Instant::from_millis(Date::now().as_millis() as i64 + skew())
}

#[cfg(feature = "test-faults")]
thread_local! {
    /// How far the test clock is ahead of the runtime's (ms).
    static SKEW: Cell<i64> = const { Cell::new(0) };
}

#[cfg(feature = "test-faults")]
fn skew() -> i64 {
    SKEW.with(Cell::get)
}

#[cfg(not(feature = "test-faults"))]
const fn skew() -> i64 {
    0
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    // The runtime's crypto.getRandomValues; a failure only weakens hash seeding.
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

fn random_key() -> R<String> {
    let mut b = [0u8; 24];
    getrandom::fill(&mut b).map_err(|_| ApiError::Internal)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

fn json<T: Serialize>(status: u16, body: &T) -> R<Response> {
    let text = encode(body)?;
    let mut r = Response::ok(text)?.with_status(status);
    r.headers_mut().set("content-type", "application/json")?;
    Ok(r)
}

/// A value as JSON text; failing is a bug of ours (internal).
fn encode<T: Serialize + ?Sized>(v: &T) -> R<String> {
    serde_json::to_string(v).map_err(internal)
}

/// A value as a JSON value; failing is a bug of ours (internal).
fn encode_value<T: Serialize + ?Sized>(v: &T) -> R<serde_json::Value> {
    serde_json::to_value(v).map_err(internal)
}

fn empty(status: u16) -> R<Response> {
    Ok(Response::empty()?.with_status(status))
}

fn error_response(e: &ApiError) -> Result<Response> {
    let mut r = Response::ok(e.body())?.with_status(e.status());
    r.headers_mut().set("content-type", "application/json")?;
    if let Some((name, value)) = e.header() {
        r.headers_mut().set(name, &value)?;
    }
    Ok(r)
}

impl SiteObject {
    /// A variable (or secret) of the worker's, when it is a string. Read here
    /// rather than with `Env::var`: workerd binds a `fromEnvironment`
    /// variable that the environment lacks as `null`, which `Env::var` does
    /// not survive (the request never got an answer).
    fn var(&self, name: &str) -> Option<String> {
        let env: &wasm_bindgen::JsValue = self.env.as_ref();
        js_sys::Reflect::get(env, &name.into())
            .ok()
            .and_then(|v| v.as_string())
    }

    fn db(&self) -> Db {
        Db::new(&self.state, self.fault.clone())
    }

    fn ready(&self) -> R<Db> {
        let db = self.db();
        if !self.schema_ready.get() {
            store::init(&db)?;
            self.schema_ready.set(true);
        }
        Ok(db)
    }

    /// The deployment's keys for secrets at rest (`SECRETS_KEY`, `SECRETS_KEY_OLD`).
    fn keys(&self) -> R<crate::sealed::Keys> {
        crate::sealed::Keys::new(
            self.var("SECRETS_KEY").as_deref(),
            self.var("SECRETS_KEY_OLD").as_deref(),
        )
        .map_err(internal)
    }

    /// Whether this object's storage was ever set up (a site was created
    /// here), asked without writing: a request naming a site that does not
    /// exist leaves no storage behind.
    fn has_storage(&self) -> R<bool> {
        Ok(self.schema_ready.get() || store::has_schema(&self.db())?)
    }

    /// Loads the site's state from storage on first use. `Ok(false)`: no such site.
    fn load(&self) -> R<bool> {
        if self.loaded.borrow().is_some() {
            return Ok(true);
        }
        if !self.has_storage()? {
            return Ok(false);
        }
        let db = self.ready()?;
        let Some(raw) = store::meta(&db, "config")? else {
            return Ok(false);
        };
        let mut spec: Spec = serde_json::from_str(&raw).map_err(internal)?;
        // Its secrets, sealed at rest, opened in memory only.
        let name = store::meta(&db, "site")?.unwrap_or_default();
        spec.integrations = self
            .keys()?
            .open_all(&name, &spec.integrations)
            .map_err(internal)?;
        let shard: u32 = store::meta(&db, "shard")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let moving: Option<pool_core::shard::Move> =
            store::meta(&db, "moving")?.and_then(|v| serde_json::from_str(&v).ok());
        let config = spec
            .validate()
            .map_err(internal)?
            .shard_moving(shard, moving.as_ref());
        let journal = store::recent_journal(&db, Site::journal_horizon(&config, now()))?;
        let mut snapshots = Vec::with_capacity(config.targets.len());
        for (i, t) in config.targets.iter().enumerate() {
            let target = t.number.to_string();
            let numbers = store::numbers_of(&db, &target)?;
            let mine = journal
                .iter()
                .filter(|e| numbers.iter().any(|n| n.number == e.number))
                .copied()
                .collect();
            snapshots.push(Snapshot {
                config: config.pool_config(i),
                numbers,
                seq: 0,
                stats: store::stats_of(&db, &target)?,
                journal: mine,
            });
        }
        let mut site = Site::restore(config, snapshots, random_u64()).map_err(internal)?;
        for (session, client) in store::holders(&db)? {
            site.remember(session, client);
        }
        *self.loaded.borrow_mut() = Some(Loaded {
            spec,
            site,
            shard,
            moving,
        });
        Ok(true)
    }

    /// The persistence gate: applies `f` to the loaded site and stores what
    /// it wrote and what changed in the pools, all in one transaction. On
    /// any error nothing is stored and the memory is dropped, so the next
    /// request reloads the state from before this one.
    fn mutate<T>(
        &self,
        handler: Option<Handler>,
        f: impl FnOnce(&mut Loaded, &Db) -> R<T>,
    ) -> R<T> {
        self.require_site()?;
        let db = self.ready()?;
        self.flush_batch();
        if let Some(h) = handler {
            self.arm(h);
        }
        let result = {
            let mut guard = self.loaded.borrow_mut();
            let loaded = guard.as_mut().ok_or(ApiError::Internal)?;
            let r = db.atomically(|| {
                let v = f(loaded, &db)?;
                store::write_site(&db, &mut loaded.site)?;
                Ok(v)
            });
            if r.is_err() {
                *guard = None;
            }
            r
        };
        self.fault.set(None);
        result
    }

    /// The gate for the page's requests, with a group commit (see the
    /// module's notes): `f` changes the loaded site and writes through a
    /// recording handle; the reply waits until the batch it joined is stored.
    async fn mutate_batched<T>(
        &self,
        handler: Handler,
        f: impl FnOnce(&mut Loaded, &Db) -> R<T>,
    ) -> R<T> {
        self.require_site()?;
        let recording = self.ready()?.recording();
        let value = {
            let mut guard = self.loaded.borrow_mut();
            let loaded = guard.as_mut().ok_or(ApiError::Internal)?;
            match f(loaded, &recording) {
                Ok(v) => v,
                Err(e) => {
                    // The memory holds the batch's changes too: it goes, and the batch with it.
                    *guard = None;
                    if let Some(b) = self.batch.borrow_mut().take() {
                        b.finish(false);
                    }
                    return Err(e);
                }
            }
        };
        let (done, first) = {
            let mut slot = self.batch.borrow_mut();
            let first = slot.is_none();
            let batch = slot.get_or_insert_with(Batch::new);
            batch.writes.extend(recording.take_recorded());
            if let Some(n) = self.armed_for(handler) {
                batch.fault = Some(n);
            }
            (batch.done.clone(), first)
        };
        if first {
            // One turn of the event loop: the requests that arrived meanwhile join.
            Delay::from(std::time::Duration::ZERO).await;
            self.flush_batch();
        }
        let stored = JsFuture::from(done).await.ok().and_then(|v| v.as_bool());
        if stored == Some(true) {
            Ok(value)
        } else {
            Err(ApiError::Internal)
        }
    }

    /// Stores the pending batch, if any, in one transaction with the pools'
    /// changed rows, and answers its requests.
    fn flush_batch(&self) {
        let Some(mut batch) = self.batch.borrow_mut().take() else {
            return;
        };
        let writes = std::mem::take(&mut batch.writes);
        let fault = batch.fault;
        let stored = (|| -> R<()> {
            let db = self.ready()?;
            let mut guard = self.loaded.borrow_mut();
            let loaded = guard.as_mut().ok_or(ApiError::Internal)?;
            self.fault.set(fault);
            let r = db.atomically(|| {
                db.replay(writes)?;
                store::write_site(&db, &mut loaded.site)?;
                Ok(())
            });
            self.fault.set(None);
            if r.is_err() {
                *guard = None;
            }
            r
        })();
        batch.finish(stored.is_ok());
    }

    /// Arms the injected failure when this change is the one asked for.
    fn arm(&self, handler: Handler) {
        if let Some(n) = self.armed_for(handler) {
            self.fault.set(Some(n));
        }
    }

    /// The injected failure armed for this handler's next change, disarmed.
    fn armed_for(&self, handler: Handler) -> Option<u32> {
        match self.armed.get() {
            Some((h, n)) if h == handler => {
                self.armed.set(None);
                Some(n)
            }
            _ => None,
        }
    }

    /// Points the alarm at the earliest deadline: leases, deliveries, the hourly sample.
    async fn schedule(&self) -> R<()> {
        let pools = self.pools_deadline();
        // Events to deliver, and an hourly pool sample and retention sweep while the site lives.
        let hourly = self
            .loaded
            .borrow()
            .as_ref()
            .map(|_| (now().millis().div_euclid(3_600_000) + 1) * 3_600_000);
        // While the count of shards changes, the coordinator looks for arrived numbers.
        let moving = self.loaded.borrow().as_ref().and_then(|l| {
            (l.shard == 0 && l.moving.is_some()).then(|| {
                now().millis() + l.site.config().heartbeat.millis().clamp(1_000, 60_000) as i64
            })
        });
        let next = [
            pools,
            self.next_delivery(),
            self.next_alert(),
            self.next_callback(),
            self.next_spend_pull(),
            hourly,
            moving,
        ]
        .into_iter()
        .flatten()
        .min()
        .map(|t| t.max(now().millis()));
        if next != self.alarm_at.get() {
            match next {
                // A timestamp: `set_alarm(i64)` would take an offset from now.
                Some(t) => {
                    // The runtime's clock, behind the test clock by its skew.
                    let at = js_sys::Date::new(&js_sys::Number::from((t - skew()) as f64));
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

    /// When a lease ends next (ms since the epoch).
    fn pools_deadline(&self) -> Option<i64> {
        self.loaded
            .borrow()
            .as_ref()
            .and_then(|l| l.site.next_deadline())
            .map(|t| t.millis())
    }

    /// After a change of the page's requests, which move only the pools'
    /// deadlines: the alarm is moved only when a lease ends before it.
    async fn schedule_pools(&self) -> R<()> {
        let pools = self.pools_deadline();
        match (self.alarm_at.get(), pools) {
            (Some(alarm), Some(p)) if alarm <= p => Ok(()),
            (Some(_), None) => Ok(()),
            _ => self.schedule().await,
        }
    }

    fn caller(&self, req: &Request) -> R<Caller> {
        let header = req.headers().get("authorization").ok().flatten();
        let Some(token) = guard::bearer(header.as_deref()) else {
            return Ok(Caller::Public);
        };
        let hash = guard::sha256_hex(token);
        if let Some(admin) = self.var("ADMIN_KEY") {
            if !admin.is_empty()
                && guard::constant_time_eq(hash.as_bytes(), guard::sha256_hex(&admin).as_bytes())
            {
                return Ok(Caller::Deployment);
            }
        }
        // No site here, no keys: nothing is set up to find that out.
        if !self.has_storage()? {
            return Err(ApiError::Unauthorized);
        }
        let db = self.ready()?;
        let Some(key) = store::key(&db, &hash)? else {
            return Err(ApiError::Unauthorized);
        };
        let at = now().millis();
        if key.expires_at.is_some_and(|t| t <= at) {
            return Err(ApiError::Unauthorized);
        }
        // When it was last used, to the hour: one write an hour per key at most.
        let hour = at - at.rem_euclid(3_600_000);
        if key.last_used.is_none_or(|t| t < hour) {
            if let Err(e) = store::key_used(&db, &hash, hour) {
                worker::console_error!("key use: {e}");
            }
        }
        match key.scope.as_str() {
            "admin" => Ok(Caller::SiteAdmin),
            "server" => Ok(Caller::Server),
            _ => Err(ApiError::Unauthorized),
        }
    }

    /// Checks the caller against the route's access rule.
    fn authorize(&self, access: Access, req: &Request) -> R<Caller> {
        let caller = self.caller(req)?;
        let ok = match access {
            Access::Page | Access::Signed => true,
            Access::Server => caller != Caller::Public,
            Access::Admin => matches!(caller, Caller::Deployment | Caller::SiteAdmin),
            Access::Deployment => caller == Caller::Deployment,
        };
        match (ok, caller) {
            (true, _) => Ok(caller),
            (false, Caller::Public) => Err(ApiError::Unauthorized),
            (false, Caller::Server) => Err(ApiError::Forbidden(
                "a server key may only lease numbers".into(),
            )),
            (false, _) => Err(ApiError::Forbidden(
                "only the deployment's admin key may do this".into(),
            )),
        }
    }

    fn require_site(&self) -> R<()> {
        if self.load()? {
            Ok(())
        } else {
            Err(ApiError::NotFound("no such site".into()))
        }
    }

    /// Reads the loaded site (config and pools); the site is loaded before
    /// any handler runs, so its absence is an internal error.
    fn with_loaded<T>(&self, f: impl FnOnce(&Loaded) -> T) -> R<T> {
        self.loaded
            .borrow()
            .as_ref()
            .map(f)
            .ok_or(ApiError::Internal)
    }

    /// CORS: the page's routes answer browsers of the site's origins only.
    fn cors(&self, req: &Request, page: bool) -> R<Option<String>> {
        let Some(origin) = req.headers().get("origin").ok().flatten() else {
            return Ok(None);
        };
        if !page {
            return Ok(None);
        }
        self.require_site()?;
        if self.with_loaded(|l| l.site.config().allows_origin(&origin))? {
            Ok(Some(origin))
        } else {
            Err(ApiError::Forbidden(format!(
                "origin {origin} is not allowed for this site"
            )))
        }
    }

    async fn dispatch(
        &self,
        handler: Handler,
        caller: Caller,
        req: &Request,
        body: &[u8],
        site: &str,
        p: &[&str],
    ) -> R<Response> {
        use Handler as H;
        let arg = |i: usize| p.get(i).copied().unwrap_or("");
        match handler {
            H::PutSite => self.put_site(caller, req, body, site).await,
            H::GetSite => self.get_site(),
            H::DeleteSite => self.delete_site(site).await,
            H::GetPublic => self.get_public(),
            H::PostPublic => self.post_public(req, body),
            H::CreateSession => self.create_session(caller, req, body, site).await,
            H::Heartbeat => self.heartbeat(req, body, arg(0), site).await,
            H::Trail => self.trail(req, body, arg(0), site).await,
            H::Release => self.release(req, body, arg(0), site).await,
            H::GetPools => self.get_pools(req, site).await,
            H::PoolLeases => self.pool_leases(req, arg(0), site).await,
            H::AddNumbers => self.add_numbers(req, body, arg(0), site).await,
            H::RemoveNumber => self.remove_number(arg(0), arg(1), site).await,
            H::CreateKey => self.create_key(caller, req, body, site).await,
            H::ListKeys => self.list_keys(),
            H::RevokeKey => self.revoke_key(arg(0), site).await,
            H::GetJournal => self.get_journal(req, site).await,
            H::GetCoverage => self.get_coverage(req, site).await,
            H::PostCall => self.post_call(req, body, site).await,
            H::ListCalls => self.list_calls(req),
            H::ListLeads => self.list_leads(req),
            H::GetCall => self.get_call(req, arg(0)),
            H::PatchCall => self.patch_call(req, body, arg(0)).await,
            H::TwilioVoice => self.twilio_voice(req, body, site).await,
            H::TwilioStatus => self.twilio_status(req, body, site).await,
            H::PostCallback => self.post_callback(req, body, site).await,
            H::ListCallbacks => self.list_callbacks(req),
            H::TwilioCallback => self.twilio_callback_answer(req, body, arg(0)).await,
            H::TwilioCallbackStatus => self.twilio_callback_status(req, body, arg(0)).await,
            H::TwilioCallbackDial => self.twilio_callback_dial(req, body, arg(0)).await,
            H::PipedriveWebhook => self.pipedrive_webhook(req, body).await,
            H::PostLead => self.post_lead(caller, req, body, site).await,
            H::CallReport => self.call_report(req, site).await,
            H::PutCosts => self.put_costs(req, body),
            H::GetCosts => self.get_costs(req),
            H::DeleteCosts => self.delete_costs(req),
            H::PoolReport => self.pool_report(req, site).await,
            H::EraseCaller => self.erase_caller(req, arg(0), site).await,
            H::Deliveries => self.deliveries(req),
            H::RetryDelivery => {
                let r = self.retry_delivery(arg(0))?;
                self.schedule().await?;
                Ok(r)
            }
            H::Sizing => self.sizing(req, site).await,
            H::Overview => self.overview(req, site).await,
            H::DemoCall => self.demo_call(req, body, site).await,
            H::ArmFault => self.arm_fault(req, body),
            H::CountRows => self.count_rows(),
            H::MoveClock => {
                let r = self.move_clock(req, body)?;
                // What fell due meanwhile runs now, as the alarm would have
                // (it sets the next one itself).
                self.alarm_at.set(None);
                self.alarm().await.map_err(|e| internal(format!("{e:?}")))?;
                Ok(r)
            }
        }
    }
}

/// Logs an internal failure; the client sees a plain 500.
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
fn check_body<'a>(req: &Request, body: &'a [u8], cap: usize, beacon: bool) -> R<&'a [u8]> {
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
            lead_limiter: RefCell::new(Limiter::default()),
            demo_limiter: RefCell::new(Limiter::default()),
            alarm_at: Cell::new(None),
            batch: RefCell::new(None),
            fault: Rc::new(Cell::new(None)),
            armed: Cell::new(None),
            delivering: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        // Between the shards of a site (never forwarded by the Worker).
        if let ["_shard", site, what @ ..] = parts.as_slice() {
            let body = req.bytes().await.unwrap_or_default();
            let what = what.join("/");
            return match self.internal(req.method(), &what, &body, site).await {
                Ok(r) => Ok(r),
                Err(e) => error_response(&e),
            };
        }
        // /v1/sites/{site}/...
        let (site, segments) = match parts.as_slice() {
            ["v1", "sites", site, rest @ ..] => (site.to_string(), rest.to_vec()),
            _ => return error_response(&ApiError::NotFound("no such route".into())),
        };
        let found = match routes::find(Verb::parse(req.method().as_ref()), &segments) {
            Ok(f) => f,
            Err(e) => return error_response(&e),
        };
        let page = routes::is_page_path(&segments);
        // Read the whole body first: answering before the request stream is
        // consumed makes the runtime fail the object.
        let body = match req.method() {
            Method::Get | Method::Head | Method::Options => Vec::new(),
            _ => req.bytes().await.unwrap_or_default(),
        };
        let origin = match self.cors(&req, page) {
            Ok(o) => o,
            Err(e) => return error_response(&e),
        };
        let result = match found {
            Found::WrongMethod { page: true, .. } if req.method() == Method::Options => {
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
            Found::WrongMethod { allow, .. } => Err(ApiError::MethodNotAllowed(allow)),
            Found::Route(route, params) => match self.authorize(route.access, &req) {
                Ok(caller) if route.handler.batched() => {
                    self.dispatch(route.handler, caller, &req, &body, &site, &params)
                        .await
                }
                Ok(caller) => {
                    // Only stored state is seen, and changed, outside a batch.
                    self.flush_batch();
                    self.dispatch(route.handler, caller, &req, &body, &site, &params)
                        .await
                }
                Err(e) => Err(e),
            },
        };
        let mut resp = match result {
            Ok(r) => r,
            Err(e) => error_response(&e)?,
        };
        if let Some(o) = origin {
            resp.headers_mut().set("access-control-allow-origin", &o)?;
            resp.headers_mut().set("vary", "Origin")?;
        }
        if page {
            // The Worker routes a session's next requests to its shard.
            if let Ok((_, n)) = self.place() {
                resp.headers_mut().set(shards::SHARDS, &n.to_string())?;
            }
        }
        Ok(resp)
    }

    async fn alarm(&self) -> Result<Response> {
        self.alarm_at.set(None);
        match self.load() {
            Ok(true) => {}
            Ok(false) => return Response::ok("no site"),
            Err(_) => return Response::ok("load failed"),
        }
        let at = now();
        // Expiry is a change like any other: stored whole, or not at all.
        let _ = self.mutate(None, |l, _| {
            l.site.expire(at);
            Ok(())
        });
        let retention = self
            .loaded
            .borrow()
            .as_ref()
            .map(|l| l.site.config().retention);
        if let Some(r) = retention {
            self.sample_pools();
            self.prune(r);
            self.check_alerts().await;
            self.advance_move().await;
        }
        if let Ok(Some(site)) = self.ready().and_then(|db| Ok(store::meta(&db, "site")?)) {
            self.place_due_callbacks(&site).await;
        }
        self.send_alerts();
        self.pull_spend().await;
        self.deliver().await;
        if let Err(e) = self.schedule().await {
            worker::console_error!("alarm: {}", e.body());
        }
        Response::ok("ok")
    }
}
