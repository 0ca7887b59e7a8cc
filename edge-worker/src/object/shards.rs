//! Shards: a site with `shards: N` (N > 1) splits its pools across N
//! objects. The object named after the site is shard 0 and the
//! coordinator: it keeps the config and the keys (and pushes both to the
//! others, `{site}#1` to `{site}#{N-1}`), and everything that is not a
//! lease: calls, leads, the outbox, alerts. Each shard holds the numbers it
//! owns ([`pool_core::shard`]), their journal, and the sessions routed to it.
//!
//! * The Worker sends a session's requests to its first shard (it learns N
//!   from the `x-calltrack-shards` header of page replies); a shard that is
//!   not the session's forwards to the right one, so a Worker that does not
//!   know N yet (or knows an old N) still lands right.
//! * A new session whose first shard has no free number goes to its second
//!   (marked `x-calltrack-spill`); a heartbeat or a release the first shard
//!   does not know goes there too.
//! * A call is attributed by the shard that owns the dialled number and
//!   stored by the coordinator; a lead reads its session from its shard.
//! * Admin reads that concern the pools (pools, journal, coverage, the pool
//!   report, the overview, sizing) ask every shard for its own part
//!   (`x-calltrack-local`) and merge.
//!
//! Internal requests between objects use paths under `/_shard/`, which the
//! Worker never forwards: nobody outside reaches them.

use serde::{Deserialize, Serialize};
use worker::{Headers, Method, Request, RequestInit, Response};

use pool_core::number::PhoneNumber;
use pool_core::session::SessionId;
use pool_core::shard::{self, Move};
use pool_core::site::{Site, Spec};

use super::{empty, json, random_u64, Loaded, SiteObject, R};
use crate::error::ApiError;
use crate::routes::Handler;
use crate::store::{self, Tx};

/// Marks a request forwarded to a session's second shard.
pub(super) const SPILL: &str = "x-calltrack-spill";
/// Marks an admin read one shard answers from its own state.
pub(super) const LOCAL: &str = "x-calltrack-local";
/// Tells the Worker how many shards the site has (on page replies).
pub(super) const SHARDS: &str = "x-calltrack-shards";

/// What the coordinator pushes to a shard.
#[derive(Serialize, Deserialize)]
struct ShardConfig {
    spec: Spec,
    index: u32,
    keys: Vec<store::KeyRecord>,
    /// A change of the count of shards under way.
    moving: Option<Move>,
}

/// Where a page request is answered.
pub(super) enum Route {
    Here,
    Shard(u32),
}

impl SiteObject {
    /// This object's shard and the site's count of shards.
    pub(super) fn place(&self) -> R<(u32, u32)> {
        self.with_loaded(|l| (l.shard, l.site.config().shards))
    }

    /// How many shards hold anything: the count, or the old one while a
    /// change of it is under way and it was larger.
    pub(super) fn span(&self) -> R<u32> {
        self.with_loaded(|l| {
            let n = l.site.config().shards;
            l.moving.as_ref().map_or(n, |m| m.span(n))
        })
    }

    /// Where a session may live, in the order to look.
    fn places(&self, session: SessionId) -> R<Vec<u32>> {
        self.with_loaded(|l| shard::places(session, l.site.config().shards, l.moving.as_ref()))
    }

    /// Where a session's request is answered: here (its first shard, or any
    /// of its places when forwarded there), or at its first shard.
    pub(super) fn route_session(&self, session: SessionId, spilled: bool) -> R<Route> {
        let (me, n) = self.place()?;
        if n <= 1 && self.span()? <= 1 {
            return Ok(Route::Here);
        }
        let places = self.places(session)?;
        Ok(if places[0] == me || (spilled && places.contains(&me)) {
            Route::Here
        } else {
            Route::Shard(places[0])
        })
    }

    /// A new session finds no room in its first shard: its second.
    pub(super) fn spill_target(&self, session: SessionId, spilled: bool) -> R<Option<u32>> {
        let (me, n) = self.place()?;
        Ok(
            (n > 1 && !spilled && me == shard::first(session, n))
                .then(|| shard::second(session, n)),
        )
    }

    /// A heartbeat or a release finds no session here: the next place to look.
    pub(super) fn next_place(&self, session: SessionId) -> R<Option<u32>> {
        let me = self.place()?.0;
        let places = self.places(session)?;
        Ok(places
            .iter()
            .position(|k| *k == me)
            .and_then(|i| places.get(i + 1))
            .copied())
    }

    /// Sends a request to shard `k` of `site` and answers with its reply,
    /// copied into a response this object may still change.
    pub(super) async fn to_shard(
        &self,
        site: &str,
        k: u32,
        method: Method,
        path: &str,
        headers: Headers,
        body: Option<Vec<u8>>,
    ) -> R<Response> {
        let stub = self
            .env
            .durable_object("SITES")?
            .id_from_name(&crate::api::shard_object(site, k))?
            .get_stub()?;
        let mut init = RequestInit::new();
        init.with_method(method).with_headers(headers);
        if let Some(b) = body {
            init.with_body(Some(js_sys::Uint8Array::from(b.as_slice()).into()));
        }
        let req = Request::new_with_init(&format!("https://shard{path}"), &init)?;
        let mut resp = stub.fetch_with_request(req).await?;
        let status = resp.status_code();
        let out = Headers::new();
        for (k, v) in resp.headers().entries() {
            out.set(&k, &v)?;
        }
        let bytes = resp.bytes().await?;
        Ok(Response::from_bytes(bytes)?
            .with_status(status)
            .with_headers(out))
    }

    /// An internal request to shard `k` (`/_shard/{site}/{what}`, a JSON
    /// body if any), its JSON answer read as `T`; `None` for a 404 (nothing
    /// there), an error for anything else than 200.
    pub(super) async fn ask_shard<T: serde::de::DeserializeOwned>(
        &self,
        site: &str,
        k: u32,
        method: Method,
        what: &str,
        body: Option<&[u8]>,
    ) -> R<Option<T>> {
        let headers = Headers::new();
        if body.is_some() {
            headers.set("content-type", "application/json")?;
        }
        let path = format!("/_shard/{site}/{what}");
        let mut r = self
            .to_shard(site, k, method, &path, headers, body.map(<[u8]>::to_vec))
            .await?;
        match r.status_code() {
            200 => Ok(Some(r.json().await?)),
            204 => Ok(None),
            404 => Ok(None),
            status => {
                worker::console_error!("shard {k} of {site}: {what}: {status}");
                Err(ApiError::ShardUnavailable(k))
            }
        }
    }

    /// Like [`SiteObject::ask_shard`], where an answer must come.
    pub(super) async fn ask_shard_for<T: serde::de::DeserializeOwned>(
        &self,
        site: &str,
        k: u32,
        method: Method,
        what: &str,
        body: Option<&[u8]>,
    ) -> R<T> {
        self.ask_shard(site, k, method, what, body)
            .await?
            .ok_or(ApiError::ShardUnavailable(k))
    }

    /// Forwards this request (method, headers, body) to shard `k`, with a mark.
    pub(super) async fn forward(
        &self,
        site: &str,
        k: u32,
        req: &Request,
        body: &[u8],
        mark: Option<&str>,
    ) -> R<Response> {
        let headers = Headers::new();
        for (name, value) in req.headers().entries() {
            if !name.starts_with("x-calltrack-") {
                headers.set(&name, &value)?;
            }
        }
        if let Some(m) = mark {
            headers.set(m, "1")?;
        }
        crate::client::carry(
            &headers,
            crate::client::address(req),
            crate::client::place(req),
        )?;
        let path = url_path(req);
        let body = (!body.is_empty()).then(|| body.to_vec());
        self.to_shard(site, k, req.method(), &path, headers, body)
            .await
    }

    /// Every other shard's JSON answer to this admin read, each from its
    /// own state (empty for a site of one shard).
    pub(super) async fn gather(&self, site: &str, req: &Request) -> R<Vec<serde_json::Value>> {
        let (me, span) = (self.place()?.0, self.span()?);
        let mut out = Vec::new();
        if span <= 1 || me != 0 || is_local(req) {
            return Ok(out);
        }
        for k in 1..span {
            let mut r = self.forward(site, k, req, &[], Some(LOCAL)).await?;
            if r.status_code() != 200 {
                worker::console_error!("shard {k} of {site}: {}", r.status_code());
                return Err(ApiError::Internal);
            }
            out.push(r.json().await?);
        }
        Ok(out)
    }

    /// A session's stored row, wherever it lives: here, or in its first
    /// shard, else its second.
    pub(super) async fn session_anywhere(
        &self,
        site: &str,
        id: SessionId,
    ) -> R<Option<store::SessionRow>> {
        let me = self.place()?.0;
        for k in self.places(id)? {
            if k == me {
                if let Some(row) = store::session_row(&self.ready()?, id)? {
                    return Ok(Some(row));
                }
                continue;
            }
            let row = self
                .ask_shard(site, k, Method::Get, &format!("session/{id}"), None)
                .await?;
            if row.is_some() {
                return Ok(row);
            }
        }
        Ok(None)
    }

    /// Pushes the config (secrets included), the keys and any move under
    /// way to every other shard that holds anything.
    pub(super) async fn push_config(&self, site: &str) -> R<()> {
        let span = self.span()?;
        self.push_config_to(site, span).await
    }

    /// Pushes the config to shards `1..span`.
    async fn push_config_to(&self, site: &str, span: u32) -> R<()> {
        if self.place()?.0 != 0 || span <= 1 {
            return Ok(());
        }
        let (spec, moving) = self.with_loaded(|l| (l.spec.clone(), l.moving.clone()))?;
        let keys = store::keys(&self.ready()?)?;
        for k in 1..span {
            let body = super::encode(&ShardConfig {
                spec: spec.clone(),
                index: k,
                keys: keys.clone(),
                moving: moving.clone(),
            })?;
            self.ask_shard::<serde_json::Value>(
                site,
                k,
                Method::Put,
                "config",
                Some(body.as_bytes()),
            )
            .await?;
        }
        Ok(())
    }

    /// From the coordinator's alarm while the count of shards changes: the
    /// moving numbers their old shard no longer holds have arrived (their new
    /// shard may lease them); once all have, and the grace window for calls
    /// to them has passed, the move is over. Every change is pushed.
    pub(super) async fn advance_move(&self) {
        if let Err(e) = self.try_advance_move().await {
            worker::console_error!("moving shards: {}", e.body());
        }
    }

    async fn try_advance_move(&self) -> R<()> {
        let Some((mut mv, spec, n, grace)) = self.with_loaded(|l| {
            let c = l.site.config();
            (l.shard == 0)
                .then_some(())
                .and(l.moving.clone())
                .map(|m| (m, l.spec.clone(), c.shards, c.grace))
        })?
        else {
            return Ok(());
        };
        let db = self.ready()?;
        let site = store::meta(&db, "site")?.unwrap_or_default();
        let at = super::now().millis();
        let mut changed = false;
        // The numbers each old shard still holds, per target, asked once.
        let mut held: std::collections::HashMap<(u32, usize), Vec<PhoneNumber>> =
            Default::default();
        for (i, t) in spec.targets.iter().enumerate() {
            for raw in &t.pool {
                let Ok(number) = raw.parse::<PhoneNumber>() else {
                    continue;
                };
                if !mv.moves(number, n) || mv.arrived.contains(&number) {
                    continue;
                }
                let old = shard::of_number(number, mv.from);
                if let std::collections::hash_map::Entry::Vacant(e) = held.entry((old, i)) {
                    e.insert(self.held_by(&site, old, &t.number).await?);
                }
                if !held[&(old, i)].contains(&number) {
                    mv.arrived.push(number);
                    changed = true;
                }
            }
        }
        let all = spec
            .targets
            .iter()
            .flat_map(|t| t.pool.iter())
            .filter_map(|raw| raw.parse::<PhoneNumber>().ok())
            .filter(|p| mv.moves(*p, n))
            .all(|p| mv.arrived.contains(&p));
        if all && mv.done_at.is_none() {
            mv.done_at = Some(at);
            changed = true;
        }
        let over = mv.done_at.is_some_and(|d| at >= d + grace.millis() as i64);
        if !changed && !over {
            return Ok(());
        }
        let next = (!over).then_some(mv);
        let span = self.span()?;
        self.mutate(None, |l, db| {
            l.moving = next.clone();
            store::set_meta(db, "moving", &super::encode(&l.moving)?)?;
            let config = l.spec.validate().map_err(|e| ApiError::Invalid(e.errors))?;
            let gone = l.site.reconfigure(
                config.shard_moving(l.shard, l.moving.as_ref()),
                random_u64(),
            );
            store::drop_targets(db, &gone)?;
            Ok(())
        })?;
        // Pushed to every shard that held anything, the ones left empty included.
        self.push_config_to(&site, span).await
    }

    /// The numbers of a target's pool shard `k` still holds.
    async fn held_by(&self, site: &str, k: u32, target: &str) -> R<Vec<PhoneNumber>> {
        let body: serde_json::Value = if k == self.place()?.0 {
            self.numbers_here(target)?
        } else {
            let what = format!("numbers/{}", target.replace('+', "%2B"));
            self.ask_shard_for(site, k, Method::Get, &what, None)
                .await?
        };
        Ok(body["numbers"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["number"].as_str()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Deletes every other shard's state (the site is being deleted).
    pub(super) async fn delete_shards(&self, site: &str) -> R<()> {
        let (me, span) = (self.place()?.0, self.span()?);
        if me != 0 {
            return Ok(());
        }
        for k in 1..span {
            self.ask_shard::<serde_json::Value>(site, k, Method::Delete, "config", None)
                .await?;
        }
        Ok(())
    }

    /// The internal requests between objects: `/_shard/{site}/{what}`.
    pub(super) async fn internal(
        &self,
        handler: Handler,
        params: &[&str],
        body: &[u8],
        site: &str,
    ) -> R<Response> {
        let number = |i: usize| -> R<i64> {
            params
                .get(i)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| ApiError::NotFound("no such route".into()))
        };
        match handler {
            Handler::ShardConfig => self.receive_config(body, site),
            Handler::ShardDelete => {
                self.state.storage().delete_alarm().await?;
                self.state.storage().delete_all().await?;
                *self.loaded.borrow_mut() = None;
                self.schema_ready.set(false);
                self.alarm_at.set(None);
                empty(204)
            }
            Handler::ShardAttribute => {
                self.require_site()?;
                let ask: super::calls::Ask = serde_json::from_slice(body)?;
                let found = self.attribute_here(&ask)?;
                json(200, &found)
            }
            Handler::ShardSession => {
                self.require_site()?;
                let id: SessionId = params
                    .first()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| ApiError::NotFound("no such session".into()))?;
                let row = store::session_row(&self.ready()?, id)?
                    .ok_or_else(|| ApiError::NotFound("no such session".into()))?;
                json(200, &row)
            }
            Handler::ShardNumbers => {
                self.require_site()?;
                json(
                    200,
                    &self.numbers_here(params.first().copied().unwrap_or(""))?,
                )
            }
            Handler::ShardSamples => {
                self.require_site()?;
                json(200, &self.samples_here(number(0)?, number(1)?)?)
            }
            Handler::ShardVisitsBetween => {
                self.require_site()?;
                let (from, to) = (number(0)?, number(1)?);
                json(200, &super::reports::visits_here(&self.ready()?, from, to)?)
            }
            Handler::ShardVisits => {
                self.require_site()?;
                let ask: super::sizing::VisitsAsk = serde_json::from_slice(body)?;
                json(200, &self.visits_here(&ask)?)
            }
            Handler::ShardSignals => {
                self.require_site()?;
                json(200, &self.local_signals()?)
            }
            Handler::ShardAlarm => {
                self.alarm_at.set(None);
                self.alarm()
                    .await
                    .map_err(|e| super::internal(format!("{e:?}")))?;
                json(200, &serde_json::json!({"ran": true}))
            }
            _ => Err(ApiError::NotFound("no such route".into())),
        }
    }

    /// A shard takes the coordinator's config and keys.
    fn receive_config(&self, body: &[u8], site: &str) -> R<Response> {
        let sc: ShardConfig = serde_json::from_slice(body)?;
        let config = sc
            .spec
            .validate()
            .map_err(|e| ApiError::Invalid(e.errors))?;
        let mine = config.shard_moving(sc.index, sc.moving.as_ref());
        let exists = self.load()?;
        let db = self.ready()?;
        let keys = self.keys()?;
        let write = |db: &Tx| -> R<()> {
            super::sites::store_config(&keys, db, &sc.spec, site)?;
            store::set_meta(db, "shard", &sc.index.to_string())?;
            store::set_meta(db, "moving", &super::encode(&sc.moving)?)?;
            store::replace_keys(db, &sc.keys)?;
            Ok(())
        };
        if exists {
            self.mutate(Some(Handler::PutSite), |l, db| {
                let gone = l.site.reconfigure(mine, random_u64());
                l.spec = sc.spec.clone();
                l.shard = sc.index;
                l.moving = sc.moving.clone();
                write(db)?;
                store::drop_targets(db, &gone)?;
                Ok(())
            })?;
        } else {
            let mut site_state = Site::new(mine, random_u64());
            db.atomically(|tx| {
                write(tx)?;
                store::write_site(tx, &mut site_state)?;
                Ok(())
            })?;
            *self.loaded.borrow_mut() = Some(Loaded {
                spec: sc.spec.clone(),
                site: site_state,
                shard: sc.index,
                moving: sc.moving.clone(),
            });
        }
        self.sample_pools();
        empty(204)
    }
}

/// Whether this admin read is one shard's own part.
pub(super) fn is_local(req: &Request) -> bool {
    req.headers().get(LOCAL).ok().flatten().is_some()
}

/// Whether this page request was forwarded to the session's second shard.
pub(super) fn is_spilled(req: &Request) -> bool {
    req.headers().get(SPILL).ok().flatten().is_some()
}

/// The request's path and query.
fn url_path(req: &Request) -> String {
    match req.url() {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        Err(_) => req.path(),
    }
}
