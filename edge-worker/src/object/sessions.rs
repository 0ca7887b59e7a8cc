//! Sessions: a visit starts or comes back, heartbeats, the leave beacon,
//! release; and the coverage the page reports with them. What is shown and
//! why is the aggregate's decision ([`pool_core::site::Site`]); this file
//! reads the request, checks the limits and stores the session row.

use worker::{Request, Response};

use pool_core::channel::{classify, Visit};
use pool_core::session::SessionId;
use pool_core::site::{Beat, Plain, TurnstileSpec, TURNSTILE_SCRIPT, TURNSTILE_VERIFY};

use super::shards::{is_spilled, Route, SPILL};
use super::{check_body, empty, json, now, Caller, SiteObject, R};
use crate::api::{self, Challenge, ChannelReply, SessionReply, SessionRequest, TurnstileChallenge};
use crate::error::ApiError;
use crate::guard;
use crate::routes::Handler;
use crate::store;

impl SiteObject {
    pub(super) async fn create_session(
        &self,
        caller: Caller,
        req: &Request,
        body: &[u8],
        site: &str,
    ) -> R<Response> {
        self.require_site()?;
        let raw = body;
        let body = check_body(req, body, api::MAX_PUBLIC_BODY, false)?;
        let ns = api::json_body::<SessionRequest>(body)?.check()?;
        let spilled = is_spilled(req);
        if let Route::Shard(k) = self.route_session(ns.id, spilled)? {
            return self.forward(site, k, req, raw, None).await;
        }
        let trusted = caller != Caller::Public;
        let header = |name: &str| req.headers().get(name).ok().flatten();
        let user_agent = if trusted {
            ns.user_agent.clone()
        } else {
            header("user-agent")
        };
        let address = if trusted {
            ns.client_ip.clone()
        } else {
            crate::client::address(req)
        };
        // Where the visitor is, from the platform (not from a server integration's request).
        let geo = if trusted {
            None
        } else {
            crate::client::place(req)
        };
        // The client the live-lease cap counts (none for a trusted server).
        let counted = if trusted {
            None
        } else {
            guard::client(site, address.as_deref())
        };
        let at = now();
        let db = self.ready()?;
        let stored = store::session_visit(&db, ns.id)?;
        let fresh = self.with_loaded(|l| {
            classify(
                &ns.url,
                ns.referrer.as_deref(),
                &l.site.config().own_hosts(),
            )
        })?;
        let region = stored.as_deref().and_then(api::stored_region).or(geo);
        let old = stored
            .as_deref()
            .and_then(|v| serde_json::from_str::<Visit>(v).ok());
        let visit = Visit::resume(old, fresh);
        let created = stored.is_none();
        let channel = ChannelReply::with_region(&visit, region.clone());
        if created && guard::is_bot(user_agent.as_deref()) {
            let reply = self.with_loaded(|l| {
                let shown = l
                    .site
                    .unleased(l.site.config().audience(&visit), Plain::Bot);
                SessionReply::new(ns.id, channel.clone(), &shown, l.site.config())
                    .for_region(ns.region)
            })?;
            return json(200, &reply);
        }
        if created {
            // A sharded site: no free number in this shard, the session tries its second.
            if let Some(k) = self.spill_target(ns.id, spilled)? {
                if !self
                    .with_loaded(|l| l.site.has_room(ns.id, l.site.config().audience(&visit)))?
                {
                    return self.forward(site, k, req, raw, Some(SPILL)).await;
                }
            }
            // A pool runs low: a new visitor proves it is a browser first.
            let proof = self.with_loaded(|l| {
                let c = l.site.config();
                c.integrations
                    .turnstile
                    .clone()
                    .filter(|_| l.site.needs_proof(ns.id, c.audience(&visit)))
            })?;
            let proof = (!trusted).then_some(proof).flatten();
            // Asked for proof without a token: the challenge, which takes
            // nothing and counts against no limit (a flood without tokens
            // never crowds out the visitors who have them).
            let refused = match (&proof, ns.turnstile_token.as_deref()) {
                (Some(_), None) => Some(String::new()),
                _ => None,
            };
            if refused.is_none() {
                // A server key lifts the per-client limit; the site's limit holds for all.
                // Clients without an address share one count.
                let client = (!trusted)
                    .then(|| counted.map_or_else(|| guard::client_key(site, "unknown"), |c| c.0));
                // A sharded site: each shard takes its share of the limits (a
                // client's sessions spread evenly over the shards).
                let (limits, n) =
                    self.with_loaded(|l| (l.site.config().limits, l.site.config().shards))?;
                let share = |per_minute: u32| per_minute.div_ceil(n.max(1));
                self.limiter
                    .borrow_mut()
                    .admit(
                        client,
                        at.millis(),
                        share(limits.per_client_per_minute),
                        share(limits.per_site_per_minute),
                    )
                    .map_err(ApiError::TooManyRequests)?;
            }
            let refused = match (&proof, ns.turnstile_token.as_deref()) {
                (Some(t), Some(token)) => verify(t, token, address.as_deref()).await.err(),
                _ => refused,
            };
            if let (Some(t), Some(why)) = (&proof, refused) {
                let reply = self.with_loaded(|l| {
                    let c = l.site.config();
                    let shown = l.site.current(ns.id, c.audience(&visit));
                    let mut r =
                        SessionReply::new(ns.id, channel.clone(), &shown, c).for_region(ns.region);
                    r.challenge = Some(Challenge {
                        turnstile: TurnstileChallenge {
                            site_key: t.site_key.clone(),
                            script: t
                                .script_url
                                .clone()
                                .unwrap_or_else(|| TURNSTILE_SCRIPT.to_string()),
                            refused: (!why.is_empty()).then_some(why),
                        },
                    });
                    r
                })?;
                return json(200, &reply);
            }
        }
        let ym = ns
            .ym_client_id
            .clone()
            .or_else(|| stored.as_deref().and_then(api::stored_ym_client_id));
        let visit_json = api::visit_json(&visit, region.as_deref(), ym.as_deref())?;
        // Each page load is a page view of the session's trail.
        let viewed = pool_core::trail::page(at.millis(), &ns.url).ok();
        let reply = self
            .mutate_batched(Handler::CreateSession, |l, db| {
                let who = l.site.config().audience(&visit);
                let shown = l.site.visit_from(ns.id, who, counted, at);
                store::put_session(
                    db,
                    ns.id,
                    at,
                    &visit_json,
                    ns.ga_client_id.as_deref(),
                    counted,
                )?;
                let max = l.site.config().trail_max;
                if let (Some(step), true) = (&viewed, max > 0) {
                    store::append_step(db, ns.id, step, max)?;
                }
                Ok(
                    SessionReply::new(ns.id, channel, &shown, l.site.config())
                        .for_region(ns.region),
                )
            })
            .await?;
        self.schedule_pools().await?;
        json(if created { 201 } else { 200 }, &reply)
    }

    /// A heartbeat: renews the session's numbers. The page's last beacon
    /// (`"leaving": true`) renews a live lease and never takes a number.
    pub(super) async fn heartbeat(
        &self,
        req: &Request,
        body: &[u8],
        id: &str,
        site: &str,
    ) -> R<Response> {
        self.require_site()?;
        let id = session_id(id)?;
        let stored = match self.locate(req, body, id, site).await? {
            Located::Here(stored) => stored,
            Located::There(reply) => return Ok(reply),
        };
        // The body (a coverage report) is optional; its size is capped all the same.
        let beat = api::Beat::parse(check_body(req, body, api::MAX_PUBLIC_BODY, true)?)?;
        let kind = if beat.leaving {
            Beat::Leaving
        } else {
            Beat::Visible
        };
        let at = now();
        let visit: Visit = stored
            .as_deref()
            .and_then(|v| serde_json::from_str(v).ok())
            .ok_or_else(|| ApiError::NotFound("no such session".into()))?;
        let channel =
            ChannelReply::with_region(&visit, stored.as_deref().and_then(api::stored_region));
        // A lapsed page is leased again within its client's cap.
        let client = store::session_client(&self.ready()?, id)?;
        let reply = self
            .mutate_batched(Handler::Heartbeat, |l, db| {
                let who = l.site.config().audience(&visit);
                let shown = l.site.beat_from(id, who, client, kind, at);
                store::touch_session(db, id, at)?;
                if let Some(c) = &beat.coverage {
                    store::put_coverage(db, c, at, api::MAX_COVERAGE_PAGES)?;
                }
                // The page has its numbering line from the session's start.
                let mut reply = SessionReply::new(id, channel, &shown, l.site.config());
                reply.numbering = None;
                Ok(reply)
            })
            .await?;
        self.schedule_pools().await?;
        json(200, &reply)
    }

    /// `POST /sessions/{id}/trail`: pages seen (route changes of a
    /// single-page app) and the site's events, kept with the session.
    pub(super) async fn trail(
        &self,
        req: &Request,
        body: &[u8],
        id: &str,
        site: &str,
    ) -> R<Response> {
        self.require_site()?;
        let id = session_id(id)?;
        if let Some(reply) = self.known_here(req, body, id, site).await? {
            return Ok(reply);
        }
        let input: api::TrailInput =
            api::json_body(check_body(req, body, api::MAX_PUBLIC_BODY, true)?)?;
        let steps = input.check(now().millis())?;
        self.mutate_batched(Handler::Trail, |l, db| {
            let max = l.site.config().trail_max;
            for s in steps.iter().filter(|_| max > 0) {
                store::append_step(db, id, s, max)?;
            }
            Ok(())
        })
        .await?;
        empty(204)
    }

    pub(super) async fn release(
        &self,
        req: &Request,
        body: &[u8],
        id: &str,
        site: &str,
    ) -> R<Response> {
        self.require_site()?;
        let id = session_id(id)?;
        if let Some(reply) = self.known_here(req, body, id, site).await? {
            return Ok(reply);
        }
        // Nobody reads a beacon's reply: the release happens even when its
        // coverage report cannot be read (the heartbeat's gets a 422).
        let coverage = api::Beat::parse(check_body(req, body, api::MAX_PUBLIC_BODY, true)?)
            .map(|b| b.coverage)
            .unwrap_or(None);
        let at = now();
        self.mutate_batched(Handler::Release, |l, db| {
            l.site.release(id, at);
            store::touch_session(db, id, at)?;
            if let Some(c) = &coverage {
                store::put_coverage(db, c, at, api::MAX_COVERAGE_PAGES)?;
            }
            Ok(())
        })
        .await?;
        self.schedule_pools().await?;
        empty(204)
    }

    /// `GET /v1/sites/{site}/coverage`: what the page script saw, page by
    /// page, so a broken install is seen (admin).
    pub(super) async fn get_coverage(&self, req: &Request, site: &str) -> R<Response> {
        self.require_site()?;
        let db = self.ready()?;
        let rows = store::coverage(&db)?;
        let others = self.gather(site, req).await?;
        if others.is_empty() {
            return json(200, &api::CoverageReply::of(rows));
        }
        // A sharded site: the pages each shard was told about, merged.
        let mut pages = rows;
        for o in others {
            let theirs: Vec<api::CoveragePage> = serde_json::from_value(o["pages"].clone())?;
            pages.extend(theirs);
        }
        json(200, &api::CoverageReply::merge(pages))
    }
}

impl SiteObject {
    /// A release or trail request for a session that must exist: `None`
    /// when it is here, else the answer of the shard that has it (404 when
    /// none has).
    async fn known_here(
        &self,
        req: &Request,
        body: &[u8],
        id: SessionId,
        site: &str,
    ) -> R<Option<Response>> {
        match self.locate(req, body, id, site).await? {
            Located::Here(Some(_)) => Ok(None),
            Located::Here(None) => Err(ApiError::NotFound("no such session".into())),
            Located::There(reply) => Ok(Some(reply)),
        }
    }
}

/// Where a heartbeat or a release finds its session.
enum Located {
    /// Here: its stored visit (`None`: no shard has it).
    Here(Option<String>),
    /// The answer of the shard that has it.
    There(Response),
}

impl SiteObject {
    /// Finds a session's shard for a heartbeat or a release: its first
    /// shard (forwarded there if this is not it), then, where it does not
    /// know the session, the next of its places.
    async fn locate(&self, req: &Request, body: &[u8], id: SessionId, site: &str) -> R<Located> {
        if let Route::Shard(k) = self.route_session(id, is_spilled(req))? {
            return Ok(Located::There(
                self.forward(site, k, req, body, None).await?,
            ));
        }
        let stored = store::session_visit(&self.ready()?, id)?;
        if stored.is_none() {
            if let Some(k) = self.next_place(id)? {
                return Ok(Located::There(
                    self.forward(site, k, req, body, Some(SPILL)).await?,
                ));
            }
        }
        Ok(Located::Here(stored))
    }
}

fn session_id(raw: &str) -> R<SessionId> {
    raw.parse()
        .map_err(|_| ApiError::NotFound("no such session".into()))
}

/// Cloudflare Turnstile's server-side validation of `token` (siteverify:
/// the secret, the token, the visitor's address): `Err` with the error
/// codes when it is not a fresh, valid token of the site's widget.
async fn verify(t: &TurnstileSpec, token: &str, address: Option<&str>) -> Result<(), String> {
    use worker::Method;
    let mut form = format!(
        "secret={}&response={}",
        crate::http::urlencode(&t.secret_key),
        crate::http::urlencode(token)
    );
    if let Some(ip) = address {
        form.push_str(&format!("&remoteip={}", crate::http::urlencode(ip)));
    }
    let url = t.verify_url.as_deref().unwrap_or(TURNSTILE_VERIFY);
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    let mut resp = crate::outbound::send(Method::Post, url, &headers, Some(&form), 5).await?;
    #[derive(serde::Deserialize)]
    struct Verdict {
        success: bool,
        #[serde(default, rename = "error-codes")]
        error_codes: Vec<String>,
    }
    let v: Verdict = resp.json().await.map_err(|_| {
        format!(
            "siteverify answered {} without a verdict",
            resp.status_code()
        )
    })?;
    if v.success {
        Ok(())
    } else if v.error_codes.is_empty() {
        Err("not a valid token".into())
    } else {
        Err(v.error_codes.join(", "))
    }
}
