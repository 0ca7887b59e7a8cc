//! The edge shell: the HTTP API on Cloudflare's runtime (workerd locally).
//!
//! * [`error`]: one `ApiError`, mapped to a status and a JSON body.
//! * [`api`]: request and response bodies and their checks.
//! * [`alerts`]: the health alerts, decided from counts.
//! * [`guard`]: API keys (stored hashed, compared in constant time), rate
//!   limits per client address (hashed) and per site, bot detection.
//! * [`telephony`]: form bodies, Twilio signatures, TwiML, webhook
//!   signatures, caller ids, CSV.
//! * [`routes`]: the one route table: who may call what, CORS and 405s.
//! * `object` (wasm only): one Durable Object per site, owning its
//!   config, pools, sessions, journal and keys in SQLite storage; every
//!   change goes through one persistence gate. Handlers by resource.
//! * `store` (wasm only): the database handle (statements, transactions)
//!   and the tables, a file per table group, with typed rows.
//! * `tz` (wasm only): a time zone's UTC offset, from the runtime's `Intl`.
//! * `client` (wasm only): the visitor's address and place, as the
//!   platform or the reverse proxy says them.
//!
//! * `directory` (wasm only): the deployment's list of sites, an object of
//!   its own, so that a name without a site starts no object.
//!
//! The Worker itself only routes: `/healthz`, everything under
//! `/v1/sites/{site}/` to that site's object (`id_from_name(site)`) once
//! the directory lists the site, and, run by workerd directly, the rest to
//! the static files' service.
#![deny(unsafe_code)]

pub mod alerts;
pub mod api;
pub mod error;
pub mod guard;
pub mod http;
pub mod i18n;
pub mod insert;
#[cfg(target_arch = "wasm32")]
mod insertion;
pub mod telephony;

pub mod routes;
pub mod sealed;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod directory;
#[cfg(target_arch = "wasm32")]
mod object;
#[cfg(target_arch = "wasm32")]
mod outbound;
#[cfg(target_arch = "wasm32")]
mod store;
#[cfg(target_arch = "wasm32")]
mod tz;

/// The body of `GET /healthz`.
pub fn health_body() -> &'static str {
    concat!(
        "{\"status\":\"ok\",\"version\":\"",
        env!("CARGO_PKG_VERSION"),
        "\"}"
    )
}

#[cfg(target_arch = "wasm32")]
mod entry {
    use worker::*;

    use crate::api::check_site_id;
    use crate::error::ApiError;

    fn error(e: &ApiError) -> Result<Response> {
        let mut r = Response::ok(e.body())?.with_status(e.status());
        r.headers_mut().set("content-type", "application/json")?;
        if let Some((name, value)) = e.header() {
            r.headers_mut().set(name, &value)?;
        }
        Ok(r)
    }

    #[event(fetch)]
    async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
        let path = req.path();
        if path == "/healthz" {
            if req.method() != Method::Get && req.method() != Method::Head {
                return error(&ApiError::MethodNotAllowed("GET, HEAD".into()));
            }
            let mut r = Response::ok(super::health_body())?;
            r.headers_mut().set("content-type", "application/json")?;
            return Ok(r);
        }
        // A site served through the Worker: its page, with the visitor's numbers written in.
        if let Some(spec) = var(&env, "INSERT_ROUTES") {
            let url = req.url()?;
            let host = match url.port() {
                Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
                None => url.host_str().unwrap_or_default().to_string(),
            };
            let path_query = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            };
            // The routes as this isolate last read them; only the one taken is copied.
            let taken = ROUTES.with(|r| {
                let mut r = r.borrow_mut();
                if r.0 != spec {
                    let parsed = crate::insert::routes(&spec).unwrap_or_else(|e| {
                        console_error!("INSERT_ROUTES: {e}");
                        Vec::new()
                    });
                    *r = (spec.clone(), parsed);
                }
                crate::insert::route(&r.1, &host, &path_query, url.as_str())
                    .map(|(route, at)| (route.clone(), at))
            });
            if let Some((route, at)) = taken {
                let site = route.site.clone();
                let deadline = var(&env, "INSERT_LEASE_MS")
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(crate::insertion::LEASE_DEADLINE_MS);
                // Test builds: a lease that never comes, to prove the deadline.
                let held = cfg!(feature = "test-faults")
                    && var(&env, "TEST_FAULTS").as_deref() == Some("on")
                    && req.headers().has("x-calltrack-test-hold-lease")?;
                let env = &env;
                return crate::insertion::serve(req, &route, at, deadline, |ask| async move {
                    if held {
                        futures_util::future::pending::<()>().await;
                    }
                    to_site(ask, env, &site, &["sessions"]).await
                })
                .await;
            }
        }
        if let Some(code) = path.strip_prefix("/v1/numbering/") {
            return numbering(&req, code);
        }
        if let Some(rest) = path.strip_prefix("/v1/sites/") {
            let mut parts = rest.split('/');
            let site = parts.next().unwrap_or("");
            if let Err(e) = check_site_id(site) {
                return error(&e);
            }
            let rest: Vec<&str> = parts.collect();
            return to_site(req, &env, site, &rest).await;
        }
        // Run by workerd directly (npm start, self-hosting), the static files
        // are a service of their own (edge-worker/serve/assets.js); on
        // Cloudflare and under wrangler dev, `[assets]` serves them before
        // the worker runs, and there is no such binding.
        if let Ok(assets) = env.service("ASSETS") {
            return assets.fetch_request(req).await;
        }
        error(&ApiError::NotFound("no such route".into()))
    }

    /// `GET /v1/numbering/{region}`: the region's numbering line for the
    /// page (what `swapNumbers({ numbering })` takes), the same for everyone.
    fn numbering(req: &Request, code: &str) -> Result<Response> {
        if req.method() != Method::Get && req.method() != Method::Head {
            return error(&ApiError::MethodNotAllowed("GET, HEAD".into()));
        }
        let plan = code
            .parse::<pool_core::number::Region>()
            .ok()
            .and_then(pool_core::numbering::plan);
        let Some(plan) = plan else {
            return error(&ApiError::NotFound(format!(
                "no numbering data for region {:?}",
                code.chars().take(8).collect::<String>()
            )));
        };
        let mut r = Response::ok(pool_core::numbering::coarse(plan))?;
        let h = r.headers_mut();
        h.set("content-type", "text/plain; charset=utf-8")?;
        h.set("cache-control", "public, max-age=86400")?;
        h.set("access-control-allow-origin", "*")?;
        Ok(r)
    }

    /// The request headers only the edge may set (a client's are dropped).
    /// (`X-Calltrack-Geo` is a self-hoster's proxy's: README, Self-hosting.)
    fn internal(name: &str) -> bool {
        [
            "x-calltrack-local",
            "x-calltrack-spill",
            crate::client::CLIENT,
        ]
        .contains(&name)
    }

    /// `req` again with `body`, for the site's object: without the headers
    /// only the edge may set, and with what the client's request itself says
    /// of the visitor (a request built here has no `cf` object).
    fn rebuilt(req: &Request, body: &[u8]) -> Result<Request> {
        let headers = Headers::new();
        for (name, value) in req.headers().entries().filter(|(name, _)| !internal(name)) {
            headers.set(&name, &value)?;
        }
        crate::client::carry(
            &headers,
            crate::client::read(req),
            crate::client::place(req),
        )?;
        let init = RequestInit {
            method: req.method(),
            headers,
            body: (!body.is_empty()).then(|| js_sys::Uint8Array::from(body).into()),
            ..RequestInit::default()
        };
        Request::new_with_init(req.url()?.as_ref(), &init)
    }

    /// How much of a body over the ceiling is still read (and dropped)
    /// before the answer: a client that sends it whole then reads the 413.
    const DRAIN: usize = 16 * 1024 * 1024;

    /// The body of `req`, read as it streams in: `None` when it passes
    /// `cap` (what comes after is dropped as it arrives, up to [`DRAIN`],
    /// where reading stops).
    async fn read_capped(req: &mut Request, cap: usize) -> Result<Option<Vec<u8>>> {
        use futures_util::StreamExt;
        let mut out = Vec::new();
        let Ok(mut stream) = req.stream() else {
            return Ok(Some(out)); // no body at all
        };
        let mut seen = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            seen += chunk.len();
            if seen > DRAIN {
                return Ok(None);
            }
            if seen > cap {
                out = Vec::new();
            } else {
                out.extend_from_slice(&chunk);
            }
        }
        Ok((seen <= cap).then_some(out))
    }

    /// Whether `req` carries the deployment's key.
    fn deployment(req: &Request, env: &Env) -> bool {
        let header = req.headers().get("authorization").ok().flatten();
        let Some(token) = crate::guard::bearer(header.as_deref()) else {
            return false;
        };
        // Read as the object reads it: an unset variable is bound as null.
        let env_value: &wasm_bindgen::JsValue = env.as_ref();
        let admin = js_sys::Reflect::get(env_value, &"ADMIN_KEY".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        !admin.is_empty()
            && crate::guard::constant_time_eq(
                crate::guard::sha256_hex(token).as_bytes(),
                crate::guard::sha256_hex(&admin).as_bytes(),
            )
    }

    /// Asks the directory of sites (`GET`, `PUT`, `DELETE` of the site): the
    /// answer's status.
    async fn directory(env: &Env, method: Method, site: &str) -> Result<u16> {
        let stub = env
            .durable_object("DIRECTORY")?
            .id_from_name("directory")?
            .get_stub()?;
        let init = RequestInit {
            method,
            ..RequestInit::default()
        };
        let req = Request::new_with_init(&format!("https://directory/{site}"), &init)?;
        Ok(stub.fetch_with_request(req).await?.status_code())
    }

    /// Whether the directory lists `site` (this isolate remembers a yes).
    async fn listed(env: &Env, site: &str) -> Result<bool> {
        if LISTED.with(|l| l.borrow().contains(site)) {
            return Ok(true);
        }
        let yes = directory(env, Method::Get, site).await? == 200;
        if yes {
            LISTED.with(|l| l.borrow_mut().insert(site.to_string()));
        }
        Ok(yes)
    }

    /// After the site's object answered a request with the deployment key:
    /// a site deleted is unlisted, a site that answered with success listed.
    async fn relist(
        env: &Env,
        site: &str,
        rest: &[&str],
        method: &Method,
        status: u16,
        was: bool,
    ) -> Result<()> {
        let whole = matches!(rest, [] | [""]);
        if whole && *method == Method::Delete && (200..300).contains(&status) {
            LISTED.with(|l| l.borrow_mut().remove(site));
            directory(env, Method::Delete, site).await?;
        } else if !was && (200..300).contains(&status) {
            directory(env, Method::Put, site).await?;
            LISTED.with(|l| l.borrow_mut().insert(site.to_string()));
        }
        Ok(())
    }

    /// A variable of the deployment (an unset one is bound as null).
    fn var(env: &Env, name: &str) -> Option<String> {
        let env_value: &wasm_bindgen::JsValue = env.as_ref();
        js_sys::Reflect::get(env_value, &name.into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|v| !v.trim().is_empty())
    }

    thread_local! {
        /// `INSERT_ROUTES` as this isolate last read it.
        static ROUTES: std::cell::RefCell<(String, Vec<crate::insert::Route>)> = Default::default();
        /// The sites the directory listed for this isolate (a site deleted
        /// since is answered by its own object: "no such site").
        static LISTED: std::cell::RefCell<std::collections::HashSet<String>> = Default::default();
        /// How many shards each site has, as its objects last said, and until when to believe it.
        static SHARDS: std::cell::RefCell<std::collections::HashMap<String, (u32, f64)>> =
            Default::default();
    }

    /// How long this isolate believes a site's count of shards.
    const SHARDS_TTL_MS: f64 = 60_000.0;

    /// Sends a request to the site's object: a session's to its first shard
    /// (when this isolate knows the site has several), everything else to
    /// the site's own object. A shard that is not the session's forwards it,
    /// so an unknown or old count only costs a hop.
    async fn to_site(mut req: Request, env: &Env, site: &str, rest: &[&str]) -> Result<Response> {
        // A name the directory does not list reaches no object, unless the
        // deployment's key sends it (to create the site, say).
        let deployment = deployment(&req, env);
        let was = listed(env, site).await?;
        if !was && !deployment {
            // A key, whatever it is, is no key of a site by that name (as
            // the site's object would say), and creating one takes the
            // deployment's; anything else: there is no site.
            let keyed = req.headers().get("authorization").ok().flatten().is_some();
            let creating = req.method() == Method::Put && matches!(rest, [] | [""]);
            return error(&if keyed || creating {
                ApiError::Unauthorized
            } else {
                ApiError::NotFound("no such site".into())
            });
        }
        let method = req.method();
        // No body is held past the largest any route takes (the object then
        // applies each route's own): a declared length over it is refused
        // unread, a body without one is read up to it.
        let mut read: Option<Vec<u8>> = None;
        if !matches!(req.method(), Method::Get | Method::Head | Method::Options) {
            let declared = req.headers().get("content-length").ok().flatten();
            match declared.and_then(|v| v.trim().parse::<u64>().ok()) {
                Some(n) if n > crate::api::MAX_BODY as u64 => {
                    // Up to a bound, what was sent is read and dropped, so
                    // the client gets the answer rather than a reset.
                    if n <= DRAIN as u64 {
                        read_capped(&mut req, 0).await?;
                    }
                    return error(&ApiError::PayloadTooLarge(crate::api::MAX_BODY));
                }
                Some(_) => {}
                None => match read_capped(&mut req, crate::api::MAX_BODY).await? {
                    Some(body) => read = Some(body),
                    None => return error(&ApiError::PayloadTooLarge(crate::api::MAX_BODY)),
                },
            }
        }
        // The shards' words to each other (a spilled session, a shard's own
        // part of a report, the visitor's address as the edge read it) are
        // never a client's: a request that brings one goes on without it.
        if let Some(body) = read {
            req = rebuilt(&req, &body)?;
        } else if req.headers().keys().any(|name| internal(&name)) {
            let body = req.bytes().await?;
            req = rebuilt(&req, &body)?;
        }
        let now = Date::now().as_millis() as f64;
        let shards = SHARDS.with(|m| {
            m.borrow()
                .get(site)
                .filter(|(_, until)| *until > now)
                .map(|(n, _)| *n)
        });
        let mut shard = 0;
        if let (Some(n), Method::Post) = (shards.filter(|n| *n > 1), req.method()) {
            match rest {
                ["sessions", id, "heartbeat" | "release" | "trail"] => {
                    if let Ok(id) = id.parse() {
                        shard = pool_core::shard::first(id, n);
                    }
                }
                ["sessions"] => {
                    // The session id is in the body: read it, send the body on.
                    let body = req.bytes().await?;
                    if let Some(id) = crate::api::session_id_of(&body) {
                        shard = pool_core::shard::first(id, n);
                    }
                    req = rebuilt(&req, &body)?;
                }
                _ => {}
            }
        }
        let stub = env
            .durable_object("SITES")?
            .id_from_name(&crate::api::shard_object(site, shard))?
            .get_stub()?;
        let resp = stub.fetch_with_request(req).await?;
        if deployment {
            relist(env, site, rest, &method, resp.status_code(), was).await?;
        }
        if let Ok(Some(n)) = resp.headers().get("x-calltrack-shards") {
            if let Ok(n) = n.parse::<u32>() {
                SHARDS.with(|m| {
                    m.borrow_mut()
                        .insert(site.to_string(), (n, now + SHARDS_TTL_MS))
                });
            }
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn health_is_json() {
        assert!(super::health_body().starts_with("{\"status\":\"ok\""));
    }
}
