//! Request and response bodies of the API, and their checks. Pure: no
//! runtime types, so every rule is tested natively.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use pool_core::channel::{ClickId, Visit};
use pool_core::number::{PhoneNumber, Region};
use pool_core::session::SessionId;
use pool_core::site::{Config, Shown};

use crate::error::ApiError;

mod calls;
mod coverage;
mod spend;

pub use calls::*;
pub use coverage::*;
pub use spend::*;

/// The most bytes of an admin request body (a config with 100k numbers fits).
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// The most bytes of a public (browser) request body.
pub const MAX_PUBLIC_BODY: usize = 8 * 1024;
/// The longest URL we keep.
pub const MAX_URL: usize = 4096;

/// `POST /v1/sites/{site}/sessions`.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionRequest {
    /// 32 hex digits (or a UUID) made by the browser.
    pub session_id: String,
    /// The landing URL.
    #[serde(default)]
    pub url: Option<String>,
    /// `document.referrer`.
    #[serde(default)]
    pub referrer: Option<String>,
    /// The `_ga` client id, for GA4 export.
    #[serde(default)]
    pub ga_client_id: Option<String>,
    /// Yandex Metrica's ClientID (the `_ym_uid` cookie), for Metrica's call upload.
    #[serde(default)]
    pub ym_client_id: Option<String>,
    /// Server integrations only (with a server key): the visitor's address.
    #[serde(default)]
    pub client_ip: Option<String>,
    /// Server integrations only (with a server key): the visitor's user agent.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// The tag's region (`data-region`), when it names one: the reply's
    /// numbering line is that region's instead of the site's.
    #[serde(default)]
    pub region: Option<String>,
    /// Cloudflare Turnstile's token, when the edge asked for one (`challenge`).
    #[serde(default)]
    pub turnstile_token: Option<String>,
}

/// A region a page named: none when empty, a 422 on `field` when it is no
/// two-letter code.
pub fn page_region(
    raw: Option<&str>,
    field: &'static str,
    bad: &mut Vec<(&'static str, String)>,
) -> Option<Region> {
    let raw = raw.filter(|r| !r.is_empty())?;
    let r = raw.parse::<Region>().ok();
    if r.is_none() {
        bad.push((field, "a two-letter region code, such as UA".into()));
    }
    r
}

/// A checked session request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The session.
    pub id: SessionId,
    /// The landing URL (may be empty).
    pub url: String,
    /// The referrer, if any.
    pub referrer: Option<String>,
    /// The `_ga` client id, if any.
    pub ga_client_id: Option<String>,
    /// Metrica's ClientID, if any.
    pub ym_client_id: Option<String>,
    /// Passed by a server integration.
    pub client_ip: Option<String>,
    /// Passed by a server integration.
    pub user_agent: Option<String>,
    /// The tag's region.
    pub region: Option<Region>,
    /// Turnstile's token, if the page sent one.
    pub turnstile_token: Option<String>,
}

impl SessionRequest {
    /// Checks every field; lists every bad one.
    pub fn check(self) -> Result<NewSession, ApiError> {
        let mut bad = Vec::new();
        let id = self.session_id.parse::<SessionId>().map_err(|e| {
            bad.push(("session_id", e.to_string()));
        });
        let url = self.url.unwrap_or_default();
        if url.len() > MAX_URL {
            bad.push(("url", format!("at most {MAX_URL} bytes")));
        }
        if self.referrer.as_ref().is_some_and(|r| r.len() > MAX_URL) {
            bad.push(("referrer", format!("at most {MAX_URL} bytes")));
        }
        if let Some(ga) = &self.ga_client_id {
            let ok = ga.len() <= 64
                && !ga.is_empty()
                && ga.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            if !ok {
                bad.push((
                    "ga_client_id",
                    "digits and dots, such as 1234567890.1700000000".into(),
                ));
            }
        }
        if let Some(ym) = &self.ym_client_id {
            if ym.is_empty() || ym.len() > 32 || !ym.bytes().all(|b| b.is_ascii_digit()) {
                bad.push(("ym_client_id", "Metrica's ClientID: 1 to 32 digits".into()));
            }
        }
        if self.client_ip.as_ref().is_some_and(|ip| ip.len() > 64) {
            bad.push(("client_ip", "at most 64 bytes".into()));
        }
        if self.user_agent.as_ref().is_some_and(|ua| ua.len() > 1024) {
            bad.push(("user_agent", "at most 1024 bytes".into()));
        }
        if self
            .turnstile_token
            .as_ref()
            .is_some_and(|t| t.len() > 2048)
        {
            bad.push(("turnstile_token", "at most 2048 bytes".into()));
        }
        let region = page_region(self.region.as_deref(), "region", &mut bad);
        fields(bad)?;
        Ok(NewSession {
            // Not Err: a bad id is in `bad`.
            id: id.map_err(|()| ApiError::Internal)?,
            url,
            referrer: self.referrer.filter(|r| !r.is_empty()),
            ga_client_id: self.ga_client_id,
            ym_client_id: self.ym_client_id,
            client_ip: self.client_ip,
            user_agent: self.user_agent,
            region,
            turnstile_token: self.turnstile_token.filter(|t| !t.is_empty()),
        })
    }
}

/// The channel part of a session reply.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChannelReply {
    /// `paid_search`, `organic_search`, ...
    pub channel: String,
    /// `google`, `(direct)`, a referring host.
    pub source: String,
    /// `cpc`, `organic`, `(none)`.
    pub medium: String,
    /// `utm_campaign`.
    pub campaign: Option<String>,
    /// `utm_term` or the search query.
    pub term: Option<String>,
    /// `utm_content`.
    pub content: Option<String>,
    /// The ad click id.
    pub click_id: Option<ClickId>,
    /// Host and path of the landing page.
    pub landing_page: Option<String>,
    /// The referring host.
    pub referrer_host: Option<String>,
    /// Where the visitor was: country and region from the edge's request
    /// data (`RU / Moscow`), when the platform gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// The visitor's region kept with a stored visit (an extra key of its JSON).
pub fn stored_region(visit_json: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(visit_json)
        .ok()?
        .get("region")?
        .as_str()
        .map(str::to_string)
}

/// The channel reply of a stored visit (its JSON, region included).
pub fn stored_channel(visit_json: &str) -> Option<ChannelReply> {
    serde_json::from_str::<Visit>(visit_json)
        .ok()
        .map(|v| ChannelReply::with_region(&v, stored_region(visit_json)))
}

/// A visit as stored: its JSON with the visitor's region added.
pub fn visit_json(
    visit: &Visit,
    region: Option<&str>,
    ym_client_id: Option<&str>,
) -> Result<String, ApiError> {
    let mut v = serde_json::to_value(visit).map_err(|_| ApiError::Internal)?;
    if let Some(o) = v.as_object_mut() {
        if let Some(r) = region {
            o.insert("region".into(), r.into());
        }
        if let Some(ym) = ym_client_id {
            o.insert("ym_client_id".into(), ym.into());
        }
    }
    Ok(v.to_string())
}

/// Metrica's ClientID kept with a stored visit, if any.
pub fn stored_ym_client_id(visit_json: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(visit_json)
        .ok()?
        .get("ym_client_id")?
        .as_str()
        .map(str::to_string)
}

impl ChannelReply {
    /// A channel known by its name only (a static number's, or none).
    pub fn bare(channel: &str) -> ChannelReply {
        ChannelReply {
            channel: channel.to_string(),
            source: String::new(),
            medium: String::new(),
            campaign: None,
            term: None,
            content: None,
            click_id: None,
            landing_page: None,
            referrer_host: None,
            region: None,
        }
    }
}

impl ChannelReply {
    /// The channel of a visit, with where the visitor was.
    pub fn with_region(visit: &Visit, region: Option<String>) -> ChannelReply {
        ChannelReply {
            region,
            ..ChannelReply::from(visit)
        }
    }
}

impl From<&Visit> for ChannelReply {
    fn from(v: &Visit) -> ChannelReply {
        ChannelReply {
            channel: v.channel.as_str().into(),
            source: v.source.clone(),
            medium: v.medium.clone(),
            campaign: v.campaign.clone(),
            term: v.term.clone(),
            content: v.content.clone(),
            click_id: v.click_id.clone(),
            landing_page: v.landing_page.clone(),
            referrer_host: v.referrer_host.clone(),
            region: None,
        }
    }
}

/// What a session shows in place of one target number.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NumberReply {
    /// The target number (E.164).
    pub target: String,
    /// The number to show (E.164).
    pub number: String,
    /// `dynamic`, `static`, `fallback` or `original`.
    pub kind: String,
    /// When a dynamic lease ends unless renewed (ms since the epoch).
    pub expires_at: Option<i64>,
}

/// The numbering line the page loads for `region`: its prefixes cut to the
/// first digit, what reading the site's own numbers needs (a few dozen bytes).
pub fn page_numbering(region: Option<Region>) -> Option<String> {
    region
        .and_then(pool_core::numbering::plan)
        .map(pool_core::numbering::coarse)
}

/// The reply to session create, resume and heartbeat.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionReply {
    /// The session.
    pub session_id: String,
    /// Where the visit came from.
    pub channel: ChannelReply,
    /// One entry per target number of the site.
    pub numbers: Vec<NumberReply>,
    /// How often to send a heartbeat (ms).
    pub heartbeat_ms: u64,
    /// The site's default region for written numbers.
    pub region: Option<String>,
    /// That region's numbering line for the page (`pool_core::numbering::coarse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbering: Option<String>,
    /// CSS selectors of page regions the script leaves alone.
    pub ignore_selectors: Vec<String>,
    /// On leaving the page: release the lease (true) or say "left now" with
    /// a last heartbeat, keeping the number for the fixation (false).
    pub release_on_leave: bool,
    /// The pool runs low: prove you are a browser (Turnstile) and ask again
    /// with the token; meanwhile the numbers shown take no pool number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<Challenge>,
}

/// What the page must do to be leased a number.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Challenge {
    /// Cloudflare Turnstile: the widget's site key and script.
    pub turnstile: TurnstileChallenge,
}

/// Turnstile's widget, as the page renders it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TurnstileChallenge {
    /// The widget's site key.
    pub site_key: String,
    /// Its script.
    pub script: String,
    /// Why a token sent was not taken (siteverify's error codes), if one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

impl From<&Shown> for NumberReply {
    fn from(s: &Shown) -> NumberReply {
        NumberReply {
            target: s.target.to_string(),
            number: s.number.to_string(),
            kind: s.why.kind().to_string(),
            expires_at: s.why.expires_at().map(|t| t.millis()),
        }
    }
}

impl SessionReply {
    /// With the numbering line of the tag's region, when it named one this
    /// build knows (else the site's stays).
    pub fn for_region(mut self, region: Option<Region>) -> SessionReply {
        if let Some(line) = page_numbering(region) {
            self.numbering = Some(line);
        }
        self
    }

    /// The reply for `session` showing `shown`, with the site's settings for the page.
    pub fn new(
        session: SessionId,
        channel: ChannelReply,
        shown: &[Shown],
        config: &Config,
    ) -> SessionReply {
        SessionReply {
            session_id: session.to_string(),
            channel,
            numbers: shown.iter().map(NumberReply::from).collect(),
            heartbeat_ms: config.heartbeat.millis(),
            region: config.region.map(|r| r.as_str().to_string()),
            numbering: page_numbering(config.region),
            ignore_selectors: config.ignore_selectors.clone(),
            release_on_leave: config.release_on_leave,
            challenge: None,
        }
    }
}

/// `POST /v1/sites/{site}/pools/{target}/numbers`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddNumbers {
    /// Tracking numbers to add to the pool.
    pub numbers: Vec<String>,
}

/// `POST /v1/sites/{site}/keys`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// `admin` (manage the site, read reports) or `server` (leasing from a server).
    pub scope: String,
    /// A name for people.
    #[serde(default)]
    pub label: Option<String>,
    /// Days until it stops working (1 to 3650); none: until revoked.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// Reads a JSON request body into `T`. A number written with a zero
/// fraction (`245.0`) is the integer JSON Schema says it is, wherever an
/// integer is asked for.
pub fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    fn integral(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Number(n) if n.is_f64() => {
                if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15) {
                    *v = if f < 0.0 {
                        serde_json::Value::from(f as i64)
                    } else {
                        serde_json::Value::from(f as u64)
                    };
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(integral),
            serde_json::Value::Object(o) => o.values_mut().for_each(integral),
            _ => {}
        }
    }
    let mut v: serde_json::Value = serde_json::from_slice(bytes)?;
    integral(&mut v);
    serde_json::from_value(v)
}

/// Drops object keys that start with `//`: comments in a config file
/// (`"//fixation_secs": "how long ..."`), so a documented example can be sent as it is.
pub fn strip_comments(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| !k.starts_with("//"));
            map.values_mut().for_each(strip_comments);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_comments),
        _ => {}
    }
}

/// `POST /v1/sites/{site}/public`: the page's address, to learn the
/// visit's channel before consent. Nothing of it is stored.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicVisit {
    /// The page's URL.
    #[serde(default)]
    pub url: Option<String>,
    /// The referrer, if any.
    #[serde(default)]
    pub referrer: Option<String>,
    /// The tag's region, for the numbering line.
    #[serde(default)]
    pub region: Option<String>,
}

impl PublicVisit {
    /// Checks the fields; lists every bad one. Gives the tag's region.
    pub fn check(&self) -> Result<Option<Region>, ApiError> {
        let long = |v: &Option<String>| v.as_ref().is_some_and(|s| s.len() > MAX_URL);
        let mut bad = Vec::new();
        if long(&self.url) {
            bad.push(("url", format!("at most {MAX_URL} bytes")));
        }
        if long(&self.referrer) {
            bad.push(("referrer", format!("at most {MAX_URL} bytes")));
        }
        let region = page_region(self.region.as_deref(), "region", &mut bad);
        fields(bad)?;
        Ok(region)
    }
}

/// What the page script needs to show static numbers before consent, with
/// no session: `GET /v1/sites/{site}/public`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicConfig {
    /// The site's default region for written numbers.
    pub region: Option<String>,
    /// That region's numbering line for the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbering: Option<String>,
    /// The visit's channel, when the page asked with its address (`POST`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// CSS selectors of page regions the script leaves alone.
    pub ignore_selectors: Vec<String>,
    /// The site's target numbers and their static numbers by channel.
    pub targets: Vec<PublicTarget>,
}

impl PublicConfig {
    /// The public part of a config.
    pub fn of(c: &Config) -> PublicConfig {
        PublicConfig {
            region: c.region.map(|r| r.as_str().to_string()),
            numbering: page_numbering(c.region),
            channel: None,
            ignore_selectors: c.ignore_selectors.clone(),
            targets: c
                .targets
                .iter()
                .map(|t| PublicTarget {
                    number: t.number.to_string(),
                    static_numbers: t
                        .static_numbers
                        .iter()
                        .map(|(ch, n)| (ch.as_str().to_string(), n.to_string()))
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One target number of [`PublicConfig`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicTarget {
    /// The number printed on the site (E.164).
    pub number: String,
    /// Channel name to static tracking number (E.164).
    pub static_numbers: BTreeMap<String, String>,
}

/// Turns listed bad fields into a 422, or passes.
pub fn fields(bad: Vec<(&'static str, String)>) -> Result<(), ApiError> {
    if bad.is_empty() {
        return Ok(());
    }
    Err(ApiError::Invalid(
        bad.into_iter()
            .map(|(p, m)| pool_core::site::FieldError {
                path: p.into(),
                message: m,
            })
            .collect(),
    ))
}

/// The `session_id` of a new session's body, if it is there and well formed
/// (the Worker routes by it; the object checks the body in full).
pub fn session_id_of(body: &[u8]) -> Option<pool_core::session::SessionId> {
    #[derive(Deserialize)]
    struct Only<'a> {
        #[serde(borrow)]
        session_id: Option<&'a str>,
    }
    serde_json::from_slice::<Only>(body)
        .ok()?
        .session_id?
        .parse()
        .ok()
}

/// The Durable Object name of shard `k` of `site`: the site's own name for
/// shard 0 (the coordinator), `{site}#{k}` for the others.
pub fn shard_object(site: &str, k: u32) -> String {
    if k == 0 {
        site.to_string()
    } else {
        format!("{site}#{k}")
    }
}

/// A site id: 1 to 64 of `a-z 0-9 - _` (never `#`: shard objects are `{site}#{k}`).
pub fn check_site_id(id: &str) -> Result<(), ApiError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "a site id is 1 to 64 characters of a-z, 0-9, - and _".into(),
        ))
    }
}

/// A number written in a path segment (`%2B74951234567`, `+7495...` or
/// `7495...`), as E.164.
pub fn path_number(raw: &str) -> Result<PhoneNumber, ApiError> {
    lookup_number(&crate::http::percent_decode(raw, false), None)
}

/// A number a request looks something up by (`+7495...` or `7495...`):
/// not written as an E.164 number at all, a 400 (or `field`'s 422); written
/// as one that no country has, a 404, since nothing of the site's can be
/// found by it.
pub fn lookup_number(raw: &str, field: Option<&'static str>) -> Result<PhoneNumber, ApiError> {
    let raw = raw.trim();
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    let e164 = format!("+{digits}");
    e164.parse().map_err(|e| {
        let written = (8..=15).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit());
        let why = format!("{raw:?} is not an E.164 number: {e}");
        match field {
            _ if written => ApiError::NotFound(format!("{e164} is no number of this site ({e})")),
            Some(f) => ApiError::field(f, why),
            None => ApiError::BadRequest(why),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_ride_with_the_stored_visit() {
        let v = pool_core::channel::classify("https://a.example/?utm_source=x", None, &[]);
        let j = visit_json(&v, Some("RU / Moscow"), Some("1764590000123456789")).unwrap();
        assert_eq!(stored_region(&j).as_deref(), Some("RU / Moscow"));
        assert_eq!(
            stored_ym_client_id(&j).as_deref(),
            Some("1764590000123456789")
        );
        let back: Visit = serde_json::from_str(&j).unwrap();
        assert_eq!(back, v);
        assert_eq!(stored_region(&visit_json(&v, None, None).unwrap()), None);
        assert_eq!(
            stored_ym_client_id(&visit_json(&v, None, None).unwrap()),
            None
        );
        assert_eq!(
            ChannelReply::with_region(&v, Some("KZ".into()))
                .region
                .as_deref(),
            Some("KZ")
        );
    }

    fn req(json: &str) -> Result<NewSession, ApiError> {
        serde_json::from_str::<SessionRequest>(json)
            .map_err(ApiError::from)?
            .check()
    }

    #[test]
    fn session_requests() {
        let ok = req(r#"{"session_id":"0123456789abcdef0123456789abcdef","url":"https://a.example/","referrer":""}"#)
            .unwrap();
        assert_eq!(ok.referrer, None);
        assert_eq!(req("{}").unwrap_err().status(), 422);
        assert_eq!(req("{").unwrap_err().status(), 400);
        assert_eq!(req("[]").unwrap_err().status(), 422);
        let e = req(r#"{"session_id":"nope","ga_client_id":"x<script>","url":5}"#).unwrap_err();
        assert_eq!(e.status(), 422);
        let e = req(r#"{"session_id":"nope","ga_client_id":"x<script>"}"#).unwrap_err();
        match e {
            ApiError::Invalid(f) => {
                let paths: Vec<&str> = f.iter().map(|f| f.path.as_str()).collect();
                assert_eq!(paths, ["session_id", "ga_client_id"]);
            }
            other => panic!("{other:?}"),
        }
        let long = format!(
            r#"{{"session_id":"0123456789abcdef0123456789abcdef","url":"{}"}}"#,
            "a".repeat(5000)
        );
        assert_eq!(req(&long).unwrap_err().status(), 422);
    }

    #[test]
    fn comments_are_dropped() {
        let mut v: serde_json::Value =
            serde_json::from_str(r#"{"//": "x", "a": {"//b": 1, "c": [{"//d": 2, "e": 3}]}}"#)
                .unwrap();
        strip_comments(&mut v);
        assert_eq!(v, serde_json::json!({"a": {"c": [{"e": 3}]}}));
    }

    #[test]
    fn site_ids_and_segments() {
        assert!(check_site_id("demo").is_ok());
        assert!(check_site_id("clinic-2_b").is_ok());
        for bad in ["", "Demo", "a/b", "a b", &"x".repeat(65), "ü"] {
            assert!(check_site_id(bad).is_err(), "{bad}");
        }
        assert_eq!(
            path_number("%2B74951234567").unwrap().to_string(),
            "+74951234567"
        );
        assert_eq!(
            path_number("74951234567").unwrap().to_string(),
            "+74951234567"
        );
        assert_eq!(path_number("%zz%2").unwrap_err().status(), 400);
    }

    #[test]
    fn the_worker_reads_a_new_sessions_id() {
        let id = "0123456789abcdef0123456789abcdef";
        let body = format!(r#"{{"url":"https://a.test/","session_id":"{id}"}}"#);
        assert_eq!(
            session_id_of(body.as_bytes())
                .map(|s| s.to_string())
                .as_deref(),
            Some(id)
        );
        assert_eq!(session_id_of(br#"{"session_id":"nope"}"#), None);
        assert_eq!(session_id_of(b"not json"), None);
        assert_eq!(session_id_of(b"{}"), None);
    }

    #[test]
    fn shard_objects_never_collide_with_sites() {
        assert_eq!(shard_object("clinic", 0), "clinic");
        assert_eq!(shard_object("clinic", 3), "clinic#3");
        assert!(check_site_id(&shard_object("clinic", 3)).is_err());
    }
}

#[cfg(test)]
mod json_body_tests {
    use super::json_body;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Days {
        days: u32,
        value: f64,
        nested: Vec<i64>,
    }

    #[test]
    fn a_zero_fraction_is_an_integer_and_nothing_else_changes() {
        let d: Days =
            json_body(br#"{"days": 245.0, "value": 1500.0, "nested": [-3.0, 7]}"#).unwrap();
        assert_eq!(
            d,
            Days {
                days: 245,
                value: 1500.0,
                nested: vec![-3, 7]
            }
        );
        let frac = json_body::<Days>(br#"{"days": 1.5, "value": 1, "nested": []}"#).unwrap_err();
        assert_eq!(frac.classify(), serde_json::error::Category::Data);
        let broken = json_body::<Days>(br#"{"days": "#).unwrap_err();
        assert_eq!(broken.classify(), serde_json::error::Category::Eof);
    }
}
