//! The insertion mode at the edge: for a site served through the Worker (a
//! route of `INSERT_ROUTES`), the page is fetched from its origin, the visit
//! is leased its numbers exactly as the page script's `POST /sessions` would
//! (the same object, the same rules, the visitor's own address and agent),
//! and the HTML streams on with the tracking numbers written in
//! (`insert.rs`). The session lives in a first-party cookie the page script
//! reads, so one visitor keeps one number with or without JavaScript.
//!
//! What goes out as it came: anything but a `GET` of a UTF-8 HTML page
//! answered 200 (other types, compressed or not, redirects, the origin's
//! errors), and a page whose lease cannot be had within [`LEASE_DEADLINE_MS`]
//! (never a blank). A bot's page gets the static numbers, no cookie, and keeps
//! the origin's caching; a visitor's is `private`.

use std::future::Future;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use worker::{
    Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response, Result,
};

use crate::api::SessionReply;
use crate::insert::{self, Insertion, Numbers, Route};

/// How long a page waits for its lease before it goes out with its own
/// numbers, unless the deployment says otherwise (`INSERT_LEASE_MS`).
pub const LEASE_DEADLINE_MS: u64 = 1500;

/// How long the session cookie lives: a returning visitor is the same visit
/// within the site's fixation, and its lease is the object's to keep or end.
const COOKIE_MAX_AGE_SECS: u32 = 30 * 24 * 3600;

/// The headers the origin is not sent as they came: the edge's own, the
/// hop's, and the visitor's address (set again as the edge read it).
fn hop(name: &str) -> bool {
    name == "host"
        || name.starts_with("x-calltrack-")
        || name.starts_with("cf-")
        || name == "x-real-ip"
        || name == "x-forwarded-for"
}

/// A new session id: 32 hex digits.
fn new_session() -> Option<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).ok()?;
    Some(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Serves `req` through `route`: the page at `at` (the origin's address),
/// its numbers leased through `lease` (the request for `POST /sessions`, as
/// the entry sends it to the site's object).
pub async fn serve<F, Fut>(
    req: Request,
    route: &Route,
    at: String,
    deadline_ms: u64,
    lease: F,
) -> Result<Response>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Result<Response>>,
{
    let method = req.method();
    let headers = Headers::new();
    for (name, value) in req.headers().entries().filter(|(n, _)| !hop(n)) {
        headers.append(&name, &value)?;
    }
    // The visitor's address as the edge read it (never as the visitor wrote it).
    if let Some(a) = crate::client::read(&req) {
        headers.set("x-real-ip", &a)?;
        headers.set("x-forwarded-for", &a)?;
    }
    let mut init = RequestInit::new();
    // The origin's redirects are the visitor's to follow (their address is the site's).
    init.with_method(method.clone())
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if !matches!(method, Method::Get | Method::Head) {
        // A form or an upload streams on to the origin, never held here.
        init.with_body(req.inner().body().map(Into::into));
    }
    let origin = match Fetch::Request(Request::new_with_init(&at, &init)?)
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => {
            let mut r = Response::ok(format!(
                "{{\"error\":{{\"code\":\"origin_unreachable\",\"message\":\"the site's origin did not answer: {}\"}}}}",
                e.to_string().replace(['"', '\\'], "'")
            ))?
            .with_status(502);
            r.headers_mut().set("content-type", "application/json")?;
            return Ok(r);
        }
    };
    let kind = origin.headers().get("content-type")?;
    if method != Method::Get || origin.status_code() != 200 || !insert::rewritable(kind.as_deref())
    {
        return Ok(origin);
    }
    // The visit's numbers, within the deadline; otherwise the page as it is.
    let cookie = insert::session_cookie(req.headers().get("cookie")?.as_deref());
    let Some(sid) = cookie.clone().or_else(new_session) else {
        return Ok(origin);
    };
    let url = req.url()?;
    let page = url.as_str().to_string();
    let ask = session_request(
        &req,
        &route.site,
        &sid,
        &page,
        url.origin().ascii_serialization(),
    )?;
    let reply = match select(
        Box::pin(lease(ask)),
        Box::pin(Delay::from(std::time::Duration::from_millis(deadline_ms))),
    )
    .await
    {
        Either::Left((Ok(mut r), _)) if matches!(r.status_code(), 200 | 201) => {
            r.json::<SessionReply>().await.ok()
        }
        _ => None,
    };
    let Some(reply) = reply else {
        return Ok(origin);
    };
    let map: Vec<_> = reply
        .numbers
        .iter()
        .filter_map(|n| Some((n.target.parse().ok()?, n.number.parse().ok()?)))
        .filter(|(a, b)| a != b)
        .collect();
    // A visitor with a lease keeps it by the cookie; a bot, or a visitor
    // asked for proof first, is shown numbers that take nothing.
    let leased = reply.challenge.is_none() && reply.numbers.iter().any(|n| n.kind == "dynamic");
    let numbers = Numbers {
        map,
        region: reply.region.as_deref().and_then(|r| r.parse().ok()),
        ignore: reply.ignore_selectors.clone(),
        session: leased.then(|| sid.clone()),
    };
    let Ok(rewriter) = Insertion::new(numbers) else {
        return Ok(origin);
    };
    rewritten(
        origin,
        rewriter,
        leased.then_some((sid, url.scheme() == "https")),
    )
}

/// The request for the visit's numbers, as the page script would send it:
/// the visitor's agent and language, its address and place as the edge read
/// them, the page's own origin.
fn session_request(
    req: &Request,
    site: &str,
    sid: &str,
    page: &str,
    origin: String,
) -> Result<Request> {
    let headers = Headers::new();
    for name in ["user-agent", "accept-language"] {
        if let Some(v) = req.headers().get(name)? {
            headers.set(name, &v)?;
        }
    }
    headers.set("origin", &origin)?;
    headers.set("content-type", "application/json")?;
    if let Some(a) = crate::client::read(req) {
        headers.set("x-real-ip", &a)?;
    }
    if let Some(g) = crate::client::place(req) {
        headers.set(crate::client::GEO, &g)?;
    }
    let body = serde_json::json!({
        "session_id": sid,
        "url": page,
        "referrer": req.headers().get("referer")?,
    })
    .to_string();
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    Request::new_with_init(&format!("https://edge/v1/sites/{site}/sessions"), &init)
}

/// The origin's page, rewritten as it streams; with the session's cookie
/// (and `private`) for a visitor who has a lease.
fn rewritten(
    mut origin: Response,
    rewriter: Insertion,
    cookie: Option<(String, bool)>,
) -> Result<Response> {
    let input = origin.stream()?;
    let body = futures_util::stream::unfold(
        (input, Some(rewriter)),
        |(mut input, rewriter)| async move {
            let mut rewriter = rewriter?;
            match input.next().await {
                Some(Ok(chunk)) => {
                    let out = rewriter
                        .write(&chunk)
                        .map_err(|e| worker::Error::RustError(e.to_string()));
                    Some((out, (input, Some(rewriter))))
                }
                Some(Err(e)) => Some((Err(e), (input, None))),
                None => {
                    let out = rewriter
                        .end()
                        .map_err(|e| worker::Error::RustError(e.to_string()));
                    Some((out, (input, None)))
                }
            }
        },
    );
    let headers = Headers::new();
    for (name, value) in origin.headers().entries() {
        // The body changes: its length, encoding and tag are the origin's no more.
        let changed = ["content-length", "content-encoding", "etag"].contains(&name.as_str());
        let ours = cookie.is_some() && name == "cache-control";
        if !changed && !ours {
            headers.append(&name, &value)?;
        }
    }
    if let Some((sid, secure)) = cookie {
        headers.set("cache-control", "private, no-store")?;
        headers.append("vary", "Cookie")?;
        headers.append(
            "set-cookie",
            &format!(
                "{}={sid}; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}; SameSite=Lax{}",
                insert::COOKIE,
                if secure { "; Secure" } else { "" }
            ),
        )?;
    }
    Ok(Response::from_stream(body)?.with_headers(headers))
}
