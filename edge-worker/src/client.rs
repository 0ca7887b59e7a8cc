//! Who and where the visitor is, as far as the request says: its address
//! (for the limits per client) and its place (`country / region`, for
//! reports by region).
//!
//! On Cloudflare the platform says both: `CF-Connecting-IP`, which it sets
//! itself, and the `cf` object, which names the data centre that took the
//! request. On workerd run directly, the reverse proxy in front says them:
//! `X-Real-IP` and `X-Calltrack-Geo` (README: Self-hosting); a
//! `CF-Connecting-IP` there is the visitor's own word, never believed. A
//! request the edge builds itself (between shards, or the Worker's copy of
//! one whose body it read) has no `cf`: it carries what the first reading
//! found in `X-Calltrack-Client` and `X-Calltrack-Geo`, and the Worker
//! drops an `X-Calltrack-Client` that a client sent.

use worker::{Headers, Request, Result};

/// The visitor's address as the edge first read it, on a request the edge built.
pub const CLIENT: &str = "x-calltrack-client";
/// The visitor's place: the proxy's GeoIP, or as the edge first read it.
pub const GEO: &str = "x-calltrack-geo";

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .ok()
        .flatten()
        .map(|v| v.trim().chars().take(64).collect::<String>())
        .filter(|v| !v.is_empty())
}

/// Whether the request came through Cloudflare: its `cf` object names a
/// data centre (workerd run directly gives none, or an empty one).
fn on_cloudflare(req: &Request) -> bool {
    js_sys::Reflect::get(req.inner().as_ref(), &"cf".into())
        .ok()
        .filter(|cf| cf.is_object())
        .and_then(|cf| js_sys::Reflect::get(&cf, &"colo".into()).ok())
        .and_then(|colo| colo.as_string())
        .is_some_and(|colo| !colo.is_empty())
}

/// The visitor's address as the request itself says it: Cloudflare's
/// `CF-Connecting-IP` there, else the proxy's `X-Real-IP`. (The Worker
/// reads a client's request so; an `X-Calltrack-Client` on it is ignored.)
pub fn read(req: &Request) -> Option<String> {
    if on_cloudflare(req) {
        header(req, "cf-connecting-ip")
    } else {
        header(req, "x-real-ip")
    }
}

/// The visitor's address in a site's object: the edge's own reading when
/// the request carries one (the Worker drops a client's), else [`read`].
pub fn address(req: &Request) -> Option<String> {
    header(req, CLIENT).or_else(|| read(req))
}

/// Where the visitor is: the platform's `country / region`, else the
/// proxy's (or the edge's first reading) `X-Calltrack-Geo`.
pub fn place(req: &Request) -> Option<String> {
    let platform = req.cf().and_then(|cf| match (cf.country(), cf.region()) {
        (Some(c), Some(r)) if !r.is_empty() => Some(format!("{c} / {r}")),
        (Some(c), _) => Some(c),
        _ => None,
    });
    platform.or_else(|| header(req, GEO))
}

/// Puts the visitor's `address` and `place` into `headers`, for a request
/// built by the edge (which has no `cf` of its own).
pub fn carry(headers: &Headers, address: Option<String>, place: Option<String>) -> Result<()> {
    if let Some(a) = address {
        headers.set(CLIENT, &a)?;
    }
    if let Some(g) = place {
        headers.set(GEO, &g)?;
    }
    Ok(())
}
