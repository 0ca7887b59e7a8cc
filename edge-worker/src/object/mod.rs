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
//! The gate lives in `gate`, who may call what (and CORS) in `auth`, the
//! alarm's schedule in `schedule`. Handlers live in files named after their
//! resource: `sites`, `sessions`, `pools`, `calls`, `twilio`, `leads`,
//! `reports`, `outbox`, `dashboard` (overview, alerts, the demo call) and
//! `sizing`. Every SQL statement is in `store`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde::Serialize;
use worker::{
    durable_object, js_sys, Date, DurableObject, Env, Method, Request, Response, Result, State,
};

use pool_core::pool::Snapshot;
use pool_core::site::{Site, Spec};
use pool_core::time::Instant;

use crate::error::ApiError;
use crate::guard::Limiter;
use crate::routes::{self, Found, Handler, Verb};
use crate::store::{self, Db};

mod amocrm;
mod auth;
mod call_view;
mod callbacks;
mod calls;
mod connectors;
mod crm;
mod dashboard;
mod gate;
mod leads;
mod notify;
mod outbox;
mod pools;
mod recordings;
mod reports;
mod schedule;
mod sessions;
mod shards;
mod sites;
mod sizing;
mod spend;
mod twilio;
mod zadarma;

type R<T> = std::result::Result<T, ApiError>;

use auth::Caller;
use gate::Batch;

/// The site in memory: the config as written (secrets included), the
/// aggregate (with the numbers this shard owns) and which shard this is.
struct Loaded {
    spec: Spec,
    site: Site,
    shard: u32,
    /// A change of the count of shards under way.
    moving: Option<pool_core::shard::Move>,
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
    /// When the last requests to amoCRM went (ms), to keep to its limit.
    amo_sent: RefCell<std::collections::VecDeque<i64>>,
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
            H::AmoCrmWebhook => self.amocrm_webhook(req, body, arg(0)).await,
            H::CallRecording => self.call_recording(arg(0)).await,
            H::ZadarmaEvent => self.zadarma_event(req, body, site).await,
            H::ZadarmaEcho => self.zadarma_echo(req),
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
                // A sharded site: every shard runs what fell due too.
                if self.place()?.0 == 0 {
                    for k in 1..self.span()? {
                        self.ask_shard::<serde_json::Value>(site, k, Method::Post, "alarm", None)
                            .await?;
                    }
                }
                Ok(r)
            }
            // Between the objects of a site: answered by `internal`, never here.
            H::ShardConfig
            | H::ShardDelete
            | H::ShardAttribute
            | H::ShardSession
            | H::ShardNumbers
            | H::ShardSamples
            | H::ShardVisitsBetween
            | H::ShardVisits
            | H::ShardSignals
            | H::ShardAlarm => Err(ApiError::NotFound("no such route".into())),
        }
    }
}

/// Logs an internal failure; the client sees a plain 500.
fn internal(e: impl std::fmt::Display) -> ApiError {
    worker::console_error!("internal error: {e}");
    ApiError::Internal
}

/// A vendor's form (`application/x-www-form-urlencoded`, UTF-8, at most
/// `cap` bytes), as text.
fn form_text<'a>(req: &Request, body: &'a [u8], cap: usize) -> R<&'a str> {
    if body.len() > cap {
        return Err(ApiError::PayloadTooLarge(cap));
    }
    if mime_of(req) != "application/x-www-form-urlencoded" {
        return Err(ApiError::UnsupportedMediaType);
    }
    std::str::from_utf8(body).map_err(|_| ApiError::BadRequest("the form is not UTF-8".into()))
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
            amo_sent: RefCell::new(std::collections::VecDeque::new()),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        // Between the objects of a site (never forwarded by the Worker).
        if let ["_shard", site, what @ ..] = parts.as_slice() {
            let site = site.to_string();
            let mut segments = vec!["_shard"];
            segments.extend_from_slice(what);
            let body = req.bytes().await.unwrap_or_default();
            let result = match routes::find(Verb::parse(req.method().as_ref()), &segments, true) {
                Ok(Found::Route(route, params)) => {
                    self.internal(route.handler, &params, &body, &site).await
                }
                Ok(Found::WrongMethod { allow, .. }) => Err(ApiError::MethodNotAllowed(allow)),
                Err(e) => Err(e),
            };
            return match result {
                Ok(r) => Ok(r),
                Err(e) => error_response(&e),
            };
        }
        // /v1/sites/{site}/...
        let (site, segments) = match parts.as_slice() {
            ["v1", "sites", site, rest @ ..] => (site.to_string(), rest.to_vec()),
            _ => return error_response(&ApiError::NotFound("no such route".into())),
        };
        let found = match routes::find(Verb::parse(req.method().as_ref()), &segments, false) {
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
