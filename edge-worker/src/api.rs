//! Request and response bodies of the API, and their checks. Pure: no
//! runtime types, so every rule is tested natively.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use pool_core::call::Status;
use pool_core::channel::{ClickId, Visit};
use pool_core::number::{PhoneNumber, Region};
use pool_core::session::SessionId;
use pool_core::site::{Config, Shown};
use pool_core::time::{Duration, Instant};

use crate::error::ApiError;

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
    /// Server integrations only (with a server key): the visitor's address.
    #[serde(default)]
    pub client_ip: Option<String>,
    /// Server integrations only (with a server key): the visitor's user agent.
    #[serde(default)]
    pub user_agent: Option<String>,
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
    /// Passed by a server integration.
    pub client_ip: Option<String>,
    /// Passed by a server integration.
    pub user_agent: Option<String>,
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
        if self.client_ip.as_ref().is_some_and(|ip| ip.len() > 64) {
            bad.push(("client_ip", "at most 64 bytes".into()));
        }
        if self.user_agent.as_ref().is_some_and(|ua| ua.len() > 1024) {
            bad.push(("user_agent", "at most 1024 bytes".into()));
        }
        fields(bad)?;
        Ok(NewSession {
            // Not Err: a bad id is in `bad`.
            id: id.map_err(|()| ApiError::Internal)?,
            url,
            referrer: self.referrer.filter(|r| !r.is_empty()),
            ga_client_id: self.ga_client_id,
            client_ip: self.client_ip,
            user_agent: self.user_agent,
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

/// A visit as stored: its JSON with the visitor's region added.
pub fn visit_json(visit: &Visit, region: Option<&str>) -> Result<String, ApiError> {
    let mut v = serde_json::to_value(visit).map_err(|_| ApiError::Internal)?;
    if let (Some(r), Some(o)) = (region, v.as_object_mut()) {
        o.insert("region".into(), r.into());
    }
    Ok(v.to_string())
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
    /// CSS selectors of page regions the script leaves alone.
    pub ignore_selectors: Vec<String>,
    /// On leaving the page: release the lease (true) or say "left now" with
    /// a last heartbeat, keeping the number for the fixation (false).
    pub release_on_leave: bool,
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
            ignore_selectors: config.ignore_selectors.clone(),
            release_on_leave: config.release_on_leave,
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

/// Why the page script found a site number and left it: the reasons of a
/// coverage report.
pub const UNSWAPPED_REASONS: [&str; 5] = ["ignored", "editable", "messenger", "no_number", "other"];

/// The most distinct pages whose coverage a site keeps.
pub const MAX_COVERAGE_PAGES: usize = 500;

/// What the page script saw of the site's numbers on one page: sent with the
/// heartbeat and the release beacon, so a broken install is seen.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// The page: host and path, without query or fragment.
    pub page: String,
    /// Occurrences of the site's target numbers found.
    pub found: u32,
    /// Occurrences swapped for the visitor's number.
    pub swapped: u32,
    /// Found but left, by reason: `ignored` (a region marked to be left
    /// alone), `editable` (form fields, editable text), `messenger` (a chat
    /// link), `no_number` (no tracking number for it: original shown),
    /// `other` (left for no known reason: a bug or an unusual page).
    #[serde(default)]
    pub unswapped: BTreeMap<String, u32>,
}

/// The body of a heartbeat or a release beacon (both optional).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Beat {
    /// The page is being left: the last beacon. It renews a live lease and
    /// never takes a number.
    #[serde(default)]
    pub leaving: bool,
    /// What the page script saw.
    #[serde(default)]
    pub coverage: Option<Coverage>,
}

impl Beat {
    /// Parses and checks a beat body; empty means a plain heartbeat.
    pub fn parse(body: &[u8]) -> Result<Beat, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Beat::default());
        }
        let beat: Beat = serde_json::from_slice(body)?;
        let Some(mut c) = beat.coverage else {
            return Ok(beat);
        };
        let mut bad = Vec::new();
        // The page, cut to host and path.
        c.page = c
            .page
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .to_string();
        if c.page.is_empty() || c.page.len() > 512 {
            bad.push(("coverage.page", "host and path, 1 to 512 bytes".to_string()));
        }
        for (reason, _) in c.unswapped.iter() {
            if !UNSWAPPED_REASONS.contains(&reason.as_str()) {
                bad.push((
                    "coverage.unswapped",
                    format!("unknown reason {reason:?}; one of {UNSWAPPED_REASONS:?}"),
                ));
            }
        }
        let left: u64 = c.unswapped.values().map(|&n| u64::from(n)).sum();
        if u64::from(c.swapped) + left > u64::from(c.found) {
            bad.push((
                "coverage.found",
                "at least swapped plus every unswapped count".to_string(),
            ));
        }
        fields(bad)?;
        Ok(Beat {
            leaving: beat.leaving,
            coverage: Some(c),
        })
    }
}

/// What the page script needs to show static numbers before consent, with
/// no session: `GET /v1/sites/{site}/public`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicConfig {
    /// The site's default region for written numbers.
    pub region: Option<String>,
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

/// One page's coverage as stored: the newest report and how many came.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CoveragePage {
    /// Host and path.
    pub page: String,
    /// Occurrences found in the newest report.
    pub found: u64,
    /// Occurrences swapped in the newest report.
    pub swapped: u64,
    /// Found but left, by reason.
    pub unswapped: BTreeMap<String, u64>,
    /// Reports received.
    pub reports: u64,
    /// First report (ms since the epoch).
    pub first_at: i64,
    /// Newest report (ms since the epoch).
    pub last_at: i64,
}

/// `GET /v1/sites/{site}/coverage`: totals over the pages, and the pages.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CoverageReply {
    /// The sums over every page.
    pub totals: CoverageTotals,
    /// The pages, worst first.
    pub pages: Vec<CoveragePage>,
}

/// The sums of [`CoverageReply`].
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct CoverageTotals {
    /// Pages reported.
    pub pages: usize,
    /// Occurrences found.
    pub found: u64,
    /// Occurrences swapped.
    pub swapped: u64,
    /// Found but left, by reason.
    pub unswapped: BTreeMap<String, u64>,
}

impl CoverageReply {
    /// The reply for the stored pages (already in order).
    pub fn of(pages: Vec<CoveragePage>) -> CoverageReply {
        let mut totals = CoverageTotals {
            pages: pages.len(),
            ..CoverageTotals::default()
        };
        for p in &pages {
            totals.found += p.found;
            totals.swapped += p.swapped;
            for (k, v) in &p.unswapped {
                *totals.unswapped.entry(k.clone()).or_default() += v;
            }
        }
        CoverageReply { totals, pages }
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

/// `POST /v1/sites/{site}/calls`: a call from a PBX.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCall {
    /// The PBX's own call id: the idempotency key (1 to 128 characters).
    pub call_id: String,
    /// The tracking number dialled, as the PBX writes it.
    pub tracking_number: String,
    /// The caller id; absent or `anonymous` when withheld.
    #[serde(default)]
    pub caller: Option<String>,
    /// When the call started (ms since the epoch); now by default.
    #[serde(default)]
    pub started_at: Option<i64>,
    /// `ringing` by default; a PBX that reports at the end sends the outcome.
    #[serde(default)]
    pub status: Option<String>,
    /// Seconds talked (answered calls).
    #[serde(default)]
    pub duration_secs: Option<u64>,
    /// Why it ended, as the PBX says it (`hangup`, `busy`, ...).
    #[serde(default)]
    pub end_reason: Option<String>,
    /// A link to the recording.
    #[serde(default)]
    pub recording_url: Option<String>,
}

/// `PATCH /v1/sites/{site}/calls/{id}`: what the PBX (or an operator) learned.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallUpdate {
    /// `in_progress`, `answered`, `busy`, `no_answer`, `failed`, `cancelled`.
    #[serde(default)]
    pub status: Option<String>,
    /// Seconds talked.
    #[serde(default)]
    pub duration_secs: Option<u64>,
    /// Why it ended.
    #[serde(default)]
    pub end_reason: Option<String>,
    /// A link to the recording.
    #[serde(default)]
    pub recording_url: Option<String>,
    /// Categories an operator gives the call (replaces the old ones).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// A call to write down, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCall {
    /// The call's id: the idempotency key.
    pub id: String,
    /// `api`, `twilio`, `demo`.
    pub source: &'static str,
    /// The number dialled, as written.
    pub tracking_raw: String,
    /// The caller (E.164), unless withheld.
    pub caller: Option<String>,
    /// When it started.
    pub started_at: Instant,
    /// Its status so far.
    pub status: Status,
    /// Talk time so far.
    pub duration: Duration,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// The recording.
    pub recording_url: Option<String>,
}

/// What an update changes in a call; `None` keeps what is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallChange {
    /// A new status (merged: a final status is never undone by a late one).
    pub status: Option<Status>,
    /// Talk time.
    pub duration: Option<Duration>,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// The recording.
    pub recording_url: Option<String>,
    /// Tags (replace the old ones).
    pub tags: Option<Vec<String>>,
}

/// A status field: absent, or a known status.
fn status_field(raw: Option<&str>, bad: &mut Vec<(&'static str, String)>) -> Option<Status> {
    match raw.map(str::parse::<Status>) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            bad.push(("status", e.to_string()));
            None
        }
    }
}

impl NewCall {
    /// Checks every field (all bad ones reported at once); `now` bounds
    /// `started_at`, `region` reads the caller's number.
    pub fn check(self, now: Instant, region: Option<Region>) -> Result<IncomingCall, ApiError> {
        let mut bad = Vec::new();
        let id = self.call_id.trim().to_string();
        if id.is_empty() || id.len() > 128 || id.contains('/') {
            bad.push(("call_id", "1 to 128 characters, no /".to_string()));
        }
        if self.tracking_number.trim().is_empty() || self.tracking_number.len() > 64 {
            bad.push((
                "tracking_number",
                "the number dialled, 1 to 64 characters".to_string(),
            ));
        }
        let status = status_field(self.status.as_deref(), &mut bad).unwrap_or(Status::Ringing);
        let started_at = self.started_at.map(Instant::from_millis).unwrap_or(now);
        if started_at > now + Duration::from_mins(5) || started_at.millis() < 946_684_800_000 {
            bad.push((
                "started_at",
                "ms since the epoch, not in the future".to_string(),
            ));
        }
        if self.duration_secs.is_some_and(|d| d > 7 * 86_400) {
            bad.push(("duration_secs", "at most a week".to_string()));
        }
        check_call_fields(
            &mut bad,
            self.end_reason.as_deref(),
            self.recording_url.as_deref(),
            None,
        );
        fields(bad)?;
        Ok(IncomingCall {
            id,
            source: "api",
            tracking_raw: self.tracking_number,
            caller: self
                .caller
                .as_deref()
                .and_then(|c| crate::telephony::caller_id(c, region)),
            started_at,
            status,
            duration: Duration::from_secs(self.duration_secs.unwrap_or(0)),
            end_reason: self.end_reason,
            recording_url: self.recording_url,
        })
    }
}

impl CallUpdate {
    /// Checks every field (all bad ones reported at once).
    pub fn check(self) -> Result<CallChange, ApiError> {
        let mut bad = Vec::new();
        let status = status_field(self.status.as_deref(), &mut bad);
        if self.duration_secs.is_some_and(|d| d > 7 * 86_400) {
            bad.push(("duration_secs", "at most a week".to_string()));
        }
        check_call_fields(
            &mut bad,
            self.end_reason.as_deref(),
            self.recording_url.as_deref(),
            self.tags.as_deref(),
        );
        fields(bad)?;
        Ok(CallChange {
            status,
            duration: self.duration_secs.map(Duration::from_secs),
            end_reason: self.end_reason,
            recording_url: self.recording_url,
            tags: self.tags,
        })
    }
}

/// Checks the free-text fields of calls: lengths and URLs.
pub fn check_call_fields(
    bad: &mut Vec<(&'static str, String)>,
    end_reason: Option<&str>,
    recording_url: Option<&str>,
    tags: Option<&[String]>,
) {
    if end_reason.is_some_and(|r| r.len() > 64) {
        bad.push(("end_reason", "at most 64 characters".into()));
    }
    if let Some(u) = recording_url {
        if !(u.starts_with("https://") || u.starts_with("http://")) || u.len() > 2048 {
            bad.push((
                "recording_url",
                "an http(s) URL of at most 2048 characters".into(),
            ));
        }
    }
    if let Some(t) = tags {
        if t.len() > 20 || t.iter().any(|x| x.trim().is_empty() || x.len() > 64) {
            bad.push(("tags", "at most 20 tags of 1 to 64 characters".into()));
        }
    }
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

/// `POST /v1/sites/{site}/leads`: a form on the site (a callback request).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLead {
    /// The visitor's session (what the page script keeps); attribution comes from it.
    #[serde(default)]
    pub session_id: Option<String>,
    /// The form's idempotency key; one is made when absent.
    #[serde(default)]
    pub lead_id: Option<String>,
    /// What the visitor typed.
    #[serde(default)]
    pub name: Option<String>,
    /// Their phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Their email.
    #[serde(default)]
    pub email: Option<String>,
    /// Their message.
    #[serde(default)]
    pub message: Option<String>,
    /// The page of the form.
    #[serde(default)]
    pub page: Option<String>,
}

/// A site id: 1 to 64 of `a-z 0-9 - _`.
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
    let mut s = crate::http::percent_decode(raw, false);
    if !s.starts_with('+') {
        s.insert(0, '+');
    }
    s.parse()
        .map_err(|e| ApiError::BadRequest(format!("{s:?} is not an E.164 number: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_ride_with_the_stored_visit() {
        let v = pool_core::channel::classify("https://a.example/?utm_source=x", None, &[]);
        let j = visit_json(&v, Some("RU / Moscow")).unwrap();
        assert_eq!(stored_region(&j).as_deref(), Some("RU / Moscow"));
        let back: Visit = serde_json::from_str(&j).unwrap();
        assert_eq!(back, v);
        assert_eq!(stored_region(&visit_json(&v, None).unwrap()), None);
        assert_eq!(
            ChannelReply::with_region(&v, Some("KZ".into()))
                .region
                .as_deref(),
            Some("KZ")
        );
    }

    #[test]
    fn beats() {
        assert_eq!(Beat::parse(b"").unwrap(), Beat::default());
        assert_eq!(Beat::parse(b"{}").unwrap(), Beat::default());
        assert!(Beat::parse(b"{\"leaving\":true}").unwrap().leaving);
        let c = Beat::parse(
            br#"{"coverage":{"page":"https://shop.example/a/b?utm_source=x#top","found":3,"swapped":1,"unswapped":{"ignored":1,"no_number":1}}}"#,
        )
        .unwrap()
        .coverage
        .unwrap();
        assert_eq!(c.page, "shop.example/a/b");
        assert_eq!(c.unswapped.get("ignored"), Some(&1));
        let bad = Beat::parse(
            br#"{"coverage":{"page":"","found":1,"swapped":2,"unswapped":{"gone":1}}}"#,
        )
        .unwrap_err();
        let body = bad.body();
        for path in ["coverage.page", "coverage.unswapped", "coverage.found"] {
            assert!(body.contains(path), "{body}");
        }
        assert!(Beat::parse(b"{\"coverage\":1}").is_err());
        assert!(Beat::parse(b"not json").is_err());
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
}
