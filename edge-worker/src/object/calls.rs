//! Calls and leads in the site's object: the PBX webhook, Twilio's voice
//! and status webhooks, attribution from the journal, target calls, the call
//! log and reports, erasure, and the outbox that sends events to CRMs and
//! GA4 (retried by the alarm).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use worker::{Headers, Method, Request, RequestInit, Response, SqlStorage, SqlStorageValue as V};

use pool_core::call::{self, Confidence, Scored, Status};
use pool_core::journal::Journal;
use pool_core::number::PhoneNumber;
use pool_core::report::{self, Fact, GroupBy};
use pool_core::session::SessionId;
use pool_core::site::{Config, Role, GA4_ENDPOINT};
use pool_core::time::{Duration, Instant};

use super::{check_body, internal, json, mime_of, now, random_key, Caller, SiteObject};
use crate::api::{self, CallUpdate, ChannelReply, NewCall, NewLead};
use crate::error::ApiError;
use crate::telephony;

type R<T> = std::result::Result<T, ApiError>;

/// Tables of calls, leads and the outbox.
pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS calls (
        id TEXT PRIMARY KEY, source TEXT NOT NULL, tracking TEXT NOT NULL, caller TEXT,
        started_at INTEGER NOT NULL, status TEXT NOT NULL, duration_ms INTEGER NOT NULL,
        end_reason TEXT, recording_url TEXT, target_number TEXT, kind TEXT NOT NULL,
        session TEXT, confidence TEXT NOT NULL, candidates TEXT NOT NULL, visit TEXT,
        channel TEXT NOT NULL, source_name TEXT NOT NULL, medium TEXT NOT NULL,
        campaign TEXT, term TEXT, landing_page TEXT, ga_client_id TEXT,
        unique_caller INTEGER NOT NULL, first_call INTEGER NOT NULL, target INTEGER NOT NULL,
        tags TEXT NOT NULL, updated_at INTEGER NOT NULL, done_sent INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS calls_started ON calls (started_at)",
    "CREATE INDEX IF NOT EXISTS calls_caller ON calls (caller)",
    "CREATE TABLE IF NOT EXISTS leads (
        id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, session TEXT, channel TEXT NOT NULL,
        visit TEXT, name TEXT, phone TEXT, email TEXT, message TEXT, page TEXT)",
    "CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, url TEXT NOT NULL,
        secret TEXT, event TEXT NOT NULL, idem TEXT NOT NULL, body TEXT NOT NULL,
        attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, state TEXT NOT NULL,
        last_error TEXT, created_at INTEGER NOT NULL, done_at INTEGER)",
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_at)",
    "CREATE TABLE IF NOT EXISTS pool_samples (
        hour INTEGER NOT NULL, target TEXT NOT NULL, total INTEGER NOT NULL, leased INTEGER NOT NULL,
        requests INTEGER NOT NULL, fallbacks INTEGER NOT NULL, PRIMARY KEY (hour, target))",
];

/// Attempts before an event is dropped (with its record kept).
pub const MAX_ATTEMPTS: i64 = 10;
/// How long one delivery may take.
const DELIVERY_TIMEOUT_SECS: u64 = 10;
/// Rows of the call log per page, at most.
const MAX_PAGE: usize = 500;

/// A stored call.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct CallRow {
    id: String,
    source: String,
    tracking: String,
    caller: Option<String>,
    started_at: f64,
    status: String,
    duration_ms: f64,
    end_reason: Option<String>,
    recording_url: Option<String>,
    target_number: Option<String>,
    kind: String,
    session: Option<String>,
    confidence: String,
    candidates: String,
    visit: Option<String>,
    channel: String,
    source_name: String,
    medium: String,
    campaign: Option<String>,
    term: Option<String>,
    landing_page: Option<String>,
    ga_client_id: Option<String>,
    unique_caller: f64,
    first_call: f64,
    target: f64,
    tags: String,
    updated_at: f64,
    done_sent: f64,
}

/// A call as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct CallView {
    id: String,
    source: String,
    tracking_number: String,
    caller: Option<String>,
    started_at: i64,
    status: String,
    answered: bool,
    duration_secs: u64,
    end_reason: Option<String>,
    recording_url: Option<String>,
    target_number: Option<String>,
    attribution: AttributionView,
    unique_caller: bool,
    first_call: bool,
    target_call: bool,
    tags: Vec<String>,
    updated_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct AttributionView {
    /// `session`, `static`, `fallback`, `original`, `unknown`.
    kind: String,
    /// Why nothing is attributed, when it is not.
    reason: Option<String>,
    /// `high`, `low`, `none`.
    confidence: String,
    /// The most likely session.
    session_id: Option<String>,
    /// Every session that may be meant, with its score.
    candidates: Vec<Scored>,
    /// The visit of the most likely session (or the static number's channel).
    channel: ChannelReply,
}

impl CallRow {
    pub(super) fn view(&self, full_caller: bool) -> CallView {
        let channel = self
            .visit
            .as_deref()
            .and_then(|v| serde_json::from_str::<ChannelReply>(v).ok())
            .unwrap_or_else(|| bare_channel(&self.channel));
        let status: Status = self.status.parse().unwrap_or(Status::Ringing);
        CallView {
            id: self.id.clone(),
            source: self.source.clone(),
            tracking_number: self.tracking.clone(),
            caller: self.caller.as_ref().map(|c| {
                if full_caller {
                    c.clone()
                } else {
                    telephony::mask(c)
                }
            }),
            started_at: self.started_at as i64,
            status: self.status.clone(),
            answered: status.is_answered(),
            duration_secs: (self.duration_ms / 1000.0) as u64,
            end_reason: self.end_reason.clone(),
            recording_url: self.recording_url.clone(),
            target_number: self.target_number.clone(),
            attribution: AttributionView {
                kind: self.kind.clone(),
                reason: reason_of(&self.kind).map(str::to_string),
                confidence: self.confidence.clone(),
                session_id: self.session.clone(),
                candidates: serde_json::from_str(&self.candidates).unwrap_or_default(),
                channel,
            },
            unique_caller: self.unique_caller != 0.0,
            first_call: self.first_call != 0.0,
            target_call: self.target != 0.0,
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            updated_at: self.updated_at as i64,
        }
    }

    fn fact(&self) -> Fact {
        Fact {
            at: Instant::from_millis(self.started_at as i64),
            channel: self.channel.clone(),
            source: self.source_name.clone(),
            medium: self.medium.clone(),
            campaign: self.campaign.clone(),
            term: self.term.clone(),
            landing_page: self.landing_page.clone(),
            status: self.status.parse().unwrap_or(Status::Ringing),
            duration: Duration::from_millis(self.duration_ms as u64),
            target: self.target != 0.0,
            caller: self.caller.clone(),
        }
    }
}

fn reason_of(kind: &str) -> Option<&'static str> {
    match kind {
        "fallback" => Some("unattributed: pool exhausted"),
        "original" => Some("unattributed: the site's own number was dialled"),
        "unknown" => Some("unattributed: not a number of this site"),
        "session" | "static" => None,
        _ => Some("unattributed: nobody held the number then"),
    }
}

fn bare_channel(channel: &str) -> ChannelReply {
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

fn opt(s: &Option<String>) -> V {
    match s {
        Some(v) => V::String(v.clone()),
        None => V::Null,
    }
}

fn int(v: i64) -> V {
    V::Integer(v)
}

/// How a new call is written down.
pub(super) struct Incoming {
    pub(super) id: String,
    pub(super) source: &'static str,
    pub(super) tracking_raw: String,
    pub(super) caller: Option<String>,
    pub(super) started_at: Instant,
    pub(super) status: Status,
    pub(super) duration: Duration,
    pub(super) end_reason: Option<String>,
    pub(super) recording_url: Option<String>,
}

/// What an update changes; `None` keeps what is stored.
#[derive(Default)]
struct CallChange {
    status: Option<Status>,
    duration: Option<Duration>,
    end_reason: Option<String>,
    recording_url: Option<String>,
    tags: Option<Vec<String>>,
}

/// One event to send.
struct Outgoing<'a> {
    kind: &'a str,
    url: &'a str,
    secret: Option<&'a str>,
    event: &'a str,
    idem: &'a str,
    body: &'a str,
}

/// One call's attribution, decided when it comes in.
struct Decided {
    kind: &'static str,
    target_number: Option<PhoneNumber>,
    session: Option<SessionId>,
    confidence: Confidence,
    candidates: Vec<Scored>,
    visit: Option<ChannelReply>,
    ga_client_id: Option<String>,
}

#[derive(Deserialize)]
struct SessionRow {
    visit: String,
    ga_client_id: Option<String>,
}

#[derive(Deserialize)]
struct TimeRow {
    started_at: f64,
}

fn calls_of(sql: &SqlStorage, id: &str) -> worker::Result<Option<CallRow>> {
    let rows: Vec<CallRow> = sql
        .exec("SELECT * FROM calls WHERE id = ?", vec![id.into()])?
        .to_array()?;
    Ok(rows.into_iter().next())
}

fn session_of(sql: &SqlStorage, id: SessionId) -> worker::Result<Option<SessionRow>> {
    let rows: Vec<SessionRow> = sql
        .exec(
            "SELECT visit, ga_client_id FROM sessions WHERE id = ?",
            vec![id.to_string().into()],
        )?
        .to_array()?;
    Ok(rows.into_iter().next())
}

/// Attributes a call to `dialled` at `at`: the role of the number, then the
/// journal's candidates (the stored one: a PBX may report late).
fn decide(
    sql: &SqlStorage,
    config: &Config,
    dialled: Option<PhoneNumber>,
    at: Instant,
) -> R<Decided> {
    let mut d = Decided {
        kind: "unknown",
        target_number: config.targets.first().map(|t| t.number),
        session: None,
        confidence: Confidence::None,
        candidates: Vec::new(),
        visit: None,
        ga_client_id: None,
    };
    let Some(n) = dialled else { return Ok(d) };
    let Some((i, role)) = config.role_of(n) else {
        return Ok(d);
    };
    d.target_number = Some(config.targets[i].number);
    match role {
        Role::Target => d.kind = "original",
        Role::Fallback => d.kind = "fallback",
        Role::Static(ch) => {
            d.kind = "static";
            d.confidence = Confidence::High;
            d.visit = Some(bare_channel(ch.as_str()));
        }
        Role::Pool => {
            let mut j = Journal::new(config.grace);
            for e in super::store::journal_of(sql, n).map_err(internal)? {
                j.insert(e);
            }
            let (scored, confidence) = call::score(&j.candidates(n, at), at, config.grace);
            d.kind = if scored.is_empty() {
                "nobody"
            } else {
                "session"
            };
            d.confidence = confidence;
            if let Some(top) = scored.first() {
                d.session = Some(top.session);
                if let Some(s) = session_of(sql, top.session).map_err(internal)? {
                    d.visit = serde_json::from_str::<pool_core::channel::Visit>(&s.visit)
                        .ok()
                        .map(|v| ChannelReply::with_region(&v, api::stored_region(&s.visit)));
                    d.ga_client_id = s.ga_client_id;
                }
            }
            d.candidates = scored;
        }
    }
    Ok(d)
}

/// Whether a caller is new within the sales cycle, and calling for the first time.
fn uniqueness(
    sql: &SqlStorage,
    config: &Config,
    caller: Option<&str>,
    id: &str,
    at: Instant,
) -> R<(bool, bool)> {
    let Some(c) = caller else {
        // A withheld number is never known to be new.
        return Ok((false, false));
    };
    let rows: Vec<TimeRow> = sql
        .exec(
            "SELECT started_at FROM calls WHERE caller = ? AND id != ?",
            vec![c.into(), id.into()],
        )
        .and_then(|c| c.to_array())
        .map_err(internal)?;
    let times: Vec<Instant> = rows
        .iter()
        .map(|r| Instant::from_millis(r.started_at as i64))
        .collect();
    let unique = call::is_unique(times.iter().copied(), at, config.target_call.unique_within);
    let first = !times.iter().any(|t| *t < at);
    Ok((unique, first))
}

impl SiteObject {
    fn require_server(&self, req: &Request) -> R<()> {
        match self.caller(req)? {
            Caller::Deployment | Caller::SiteAdmin | Caller::Server => Ok(()),
            Caller::Public => Err(ApiError::Unauthorized),
        }
    }

    fn site_name(&self, sql: &SqlStorage) -> String {
        super::store::meta(sql, "site")
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Writes a new call (or answers the stored one: the id is the
    /// idempotency key). Returns the row and whether it was new.
    pub(super) fn record_call(&self, sql: &SqlStorage, inc: Incoming) -> R<(CallRow, bool)> {
        if let Some(old) = calls_of(sql, &inc.id).map_err(internal)? {
            return Ok((old, false));
        }
        let guard = self.loaded.borrow();
        let loaded = guard.as_ref().ok_or(ApiError::Internal)?;
        let config = &loaded.config;
        let dialled = PhoneNumber::parse(&inc.tracking_raw, config.region).ok();
        let d = decide(sql, config, dialled, inc.started_at)?;
        let (unique, first) =
            uniqueness(sql, config, inc.caller.as_deref(), &inc.id, inc.started_at)?;
        let target = call::is_target(&config.target_call, inc.status, inc.duration, unique);
        let visit = d.visit.clone();
        let channel = visit
            .as_ref()
            .map(|v| v.channel.clone())
            .unwrap_or_else(|| "unattributed".into());
        let at = now();
        sql.exec(
            "INSERT INTO calls (id, source, tracking, caller, started_at, status, duration_ms, end_reason,
               recording_url, target_number, kind, session, confidence, candidates, visit, channel,
               source_name, medium, campaign, term, landing_page, ga_client_id, unique_caller,
               first_call, target, tags, updated_at, done_sent)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, 0)",
            vec![
                inc.id.clone().into(),
                inc.source.into(),
                dialled
                    .map(|n| n.to_string())
                    .unwrap_or(inc.tracking_raw.clone())
                    .into(),
                opt(&inc.caller),
                int(inc.started_at.millis()),
                inc.status.as_str().into(),
                int(inc.duration.millis() as i64),
                opt(&inc.end_reason),
                opt(&inc.recording_url),
                opt(&d.target_number.map(|n| n.to_string())),
                d.kind.into(),
                opt(&d.session.map(|s| s.to_string())),
                d.confidence.as_str().into(),
                serde_json::to_string(&d.candidates)
                    .map_err(|e| internal(e.to_string()))?
                    .into(),
                opt(&visit
                    .as_ref()
                    .and_then(|v| serde_json::to_string(v).ok())),
                channel.into(),
                visit
                    .as_ref()
                    .map(|v| v.source.clone())
                    .unwrap_or_default()
                    .into(),
                visit
                    .as_ref()
                    .map(|v| v.medium.clone())
                    .unwrap_or_default()
                    .into(),
                opt(&visit.as_ref().and_then(|v| v.campaign.clone())),
                opt(&visit.as_ref().and_then(|v| v.term.clone())),
                opt(&visit.as_ref().and_then(|v| v.landing_page.clone())),
                opt(&d.ga_client_id),
                int(i64::from(unique)),
                int(i64::from(first)),
                int(i64::from(target)),
                int(at.millis()),
            ],
        )
        .map_err(internal)?;
        let row = calls_of(sql, &inc.id)
            .map_err(internal)?
            .ok_or(ApiError::Internal)?;
        drop(guard);
        self.enqueue_call(sql, &row, "call.created")?;
        let row = self.after_change(sql, row)?;
        Ok((row, true))
    }

    /// Applies an update; recomputes the target flag; sends the end events once.
    fn update_call(&self, sql: &SqlStorage, row: CallRow, ch: CallChange) -> R<CallRow> {
        let old: Status = row.status.parse().unwrap_or(Status::Ringing);
        let CallChange {
            status,
            duration,
            end_reason,
            recording_url,
            tags,
        } = ch;
        let status = status.map_or(old, |s| old.merge(s));
        let duration_ms = duration.map_or(row.duration_ms as i64, |d| d.millis() as i64);
        let target = self.with_loaded(|l| {
            call::is_target(
                &l.config.target_call,
                status,
                Duration::from_millis(duration_ms.max(0) as u64),
                row.unique_caller != 0.0,
            )
        })?;
        let tags = match tags {
            Some(t) => serde_json::to_string(&t).map_err(|e| internal(e.to_string()))?,
            None => row.tags.clone(),
        };
        sql.exec(
            "UPDATE calls SET status = ?, duration_ms = ?, end_reason = COALESCE(?, end_reason),
               recording_url = COALESCE(?, recording_url), target = ?, tags = ?, updated_at = ?
             WHERE id = ?",
            vec![
                status.as_str().into(),
                int(duration_ms),
                opt(&end_reason),
                opt(&recording_url),
                int(i64::from(target)),
                tags.into(),
                int(now().millis()),
                row.id.clone().into(),
            ],
        )
        .map_err(internal)?;
        let row = calls_of(sql, &row.id)
            .map_err(internal)?
            .ok_or(ApiError::Internal)?;
        self.after_change(sql, row)
    }

    /// Once a call is over: `call.completed` or `call.missed`, and GA4; once.
    fn after_change(&self, sql: &SqlStorage, row: CallRow) -> R<CallRow> {
        let status: Status = row.status.parse().unwrap_or(Status::Ringing);
        if !status.is_final() || row.done_sent != 0.0 {
            return Ok(row);
        }
        let event = if status.is_missed() {
            "call.missed"
        } else {
            "call.completed"
        };
        self.enqueue_call(sql, &row, event)?;
        self.enqueue_ga4_call(sql, &row)?;
        sql.exec(
            "UPDATE calls SET done_sent = 1 WHERE id = ?",
            vec![row.id.clone().into()],
        )
        .map_err(internal)?;
        Ok(CallRow {
            done_sent: 1.0,
            ..row
        })
    }

    fn enqueue(&self, sql: &SqlStorage, o: Outgoing<'_>) -> R<()> {
        let at = now().millis();
        sql.exec(
            "INSERT INTO outbox (kind, url, secret, event, idem, body, attempts, next_at, state, created_at)
             VALUES (?, ?, ?, ?, ?, ?, 0, ?, 'pending', ?)",
            vec![
                o.kind.into(),
                o.url.into(),
                opt(&o.secret.map(str::to_string)),
                o.event.into(),
                o.idem.into(),
                o.body.into(),
                int(at),
                int(at),
            ],
        )
        .map_err(internal)?;
        Ok(())
    }

    pub(super) fn enqueue_event(
        &self,
        sql: &SqlStorage,
        event: &str,
        subject: &str,
        data: serde_json::Value,
    ) -> R<()> {
        let hooks = { self.with_loaded(|l| l.config.integrations.webhooks.clone())? };
        let site = self.site_name(sql);
        let idem = format!("{event}:{subject}");
        let body = serde_json::json!({
            "event": event,
            "id": idem,
            "site": site,
            "occurred_at": now().millis(),
            "data": data,
        })
        .to_string();
        for h in hooks {
            if h.events.is_empty() || h.events.iter().any(|e| e == event) {
                self.enqueue(
                    sql,
                    Outgoing {
                        kind: "webhook",
                        url: &h.url,
                        secret: Some(&h.secret),
                        event,
                        idem: &idem,
                        body: &body,
                    },
                )?;
            }
        }
        Ok(())
    }

    fn enqueue_call(&self, sql: &SqlStorage, row: &CallRow, event: &str) -> R<()> {
        let data = serde_json::to_value(row.view(true)).map_err(|e| internal(e.to_string()))?;
        self.enqueue_event(sql, event, &row.id, data)
    }

    /// GA4: `phone_call` for every call that is over, `target_call` for target calls,
    /// with the visitor's `_ga` client id (none: nothing to join, nothing sent).
    fn enqueue_ga4_call(&self, sql: &SqlStorage, row: &CallRow) -> R<()> {
        let ga4 = { self.with_loaded(|l| l.config.integrations.ga4.clone())? };
        let (Some(g), Some(client_id)) = (ga4, row.ga_client_id.clone()) else {
            return Ok(());
        };
        let status: Status = row.status.parse().unwrap_or(Status::Ringing);
        let params = serde_json::json!({
            "call_id": row.id,
            "channel": row.channel,
            "source": row.source_name,
            "medium": row.medium,
            "campaign": row.campaign,
            "term": row.term,
            "answered": status.is_answered(),
            "call_status": row.status,
            "duration_sec": (row.duration_ms / 1000.0) as u64,
            "target_call": row.target != 0.0,
        });
        let mut events = vec![serde_json::json!({"name": "phone_call", "params": params})];
        if row.target != 0.0 {
            events.push(serde_json::json!({"name": "target_call", "params": params}));
        }
        let body = serde_json::json!({
            "client_id": client_id,
            "timestamp_micros": (row.started_at as i64) * 1000,
            "events": events,
        })
        .to_string();
        let url = ga4_url(&g);
        self.enqueue(
            sql,
            Outgoing {
                kind: "ga4",
                url: &url,
                secret: None,
                event: "ga4.phone_call",
                idem: &format!("ga4:{}", row.id),
                body: &body,
            },
        )
    }

    // ---- routes ----

    /// `POST /v1/sites/{site}/calls`.
    pub(super) async fn post_call(&self, req: &Request, body: &[u8]) -> R<Response> {
        self.require_server(req)?;
        self.require_site()?;
        let body = check_body(req, body, api::MAX_PUBLIC_BODY, false)?;
        let nc: NewCall = serde_json::from_slice(body)?;
        let mut bad = Vec::new();
        if nc.call_id.trim().is_empty() || nc.call_id.len() > 128 || nc.call_id.contains('/') {
            bad.push(("call_id", "1 to 128 characters, no /".to_string()));
        }
        if nc.tracking_number.trim().is_empty() || nc.tracking_number.len() > 64 {
            bad.push((
                "tracking_number",
                "the number dialled, 1 to 64 characters".to_string(),
            ));
        }
        let status = match nc.status.as_deref().map(str::parse::<Status>) {
            None => Status::Ringing,
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                bad.push(("status", e.to_string()));
                Status::Ringing
            }
        };
        let at = now();
        let started_at = nc.started_at.map(Instant::from_millis).unwrap_or(at);
        if started_at > at + Duration::from_mins(5) || started_at.millis() < 946_684_800_000 {
            bad.push((
                "started_at",
                "ms since the epoch, not in the future".to_string(),
            ));
        }
        if nc.duration_secs.is_some_and(|d| d > 7 * 86_400) {
            bad.push(("duration_secs", "at most a week".to_string()));
        }
        api::check_call_fields(
            &mut bad,
            nc.end_reason.as_deref(),
            nc.recording_url.as_deref(),
            None,
        );
        api::fields(bad)?;
        let region = self.loaded.borrow().as_ref().and_then(|l| l.config.region);
        let sql = self.ready()?;
        let (row, created) = self.record_call(
            &sql,
            Incoming {
                id: nc.call_id.trim().to_string(),
                source: "api",
                tracking_raw: nc.tracking_number,
                caller: nc
                    .caller
                    .as_deref()
                    .and_then(|c| telephony::caller_id(c, region)),
                started_at,
                status,
                duration: Duration::from_secs(nc.duration_secs.unwrap_or(0)),
                end_reason: nc.end_reason,
                recording_url: nc.recording_url,
            },
        )?;
        self.schedule().await.map_err(internal)?;
        json(if created { 201 } else { 200 }, &row.view(false)).map_err(internal)
    }

    /// `PATCH /v1/sites/{site}/calls/{id}`.
    pub(super) async fn patch_call(&self, req: &Request, body: &[u8], id: &str) -> R<Response> {
        self.require_server(req)?;
        self.require_site()?;
        let body = check_body(req, body, api::MAX_PUBLIC_BODY, false)?;
        let up: CallUpdate = serde_json::from_slice(body)?;
        let mut bad = Vec::new();
        let status = match up.status.as_deref().map(str::parse::<Status>) {
            None => None,
            Some(Ok(s)) => Some(s),
            Some(Err(e)) => {
                bad.push(("status", e.to_string()));
                None
            }
        };
        if up.duration_secs.is_some_and(|d| d > 7 * 86_400) {
            bad.push(("duration_secs", "at most a week".to_string()));
        }
        api::check_call_fields(
            &mut bad,
            up.end_reason.as_deref(),
            up.recording_url.as_deref(),
            up.tags.as_deref(),
        );
        api::fields(bad)?;
        let sql = self.ready()?;
        let row = calls_of(&sql, id)
            .map_err(internal)?
            .ok_or_else(|| ApiError::NotFound("no such call".into()))?;
        let row = self.update_call(
            &sql,
            row,
            CallChange {
                status,
                duration: up.duration_secs.map(Duration::from_secs),
                end_reason: up.end_reason,
                recording_url: up.recording_url,
                tags: up.tags,
            },
        )?;
        self.schedule().await.map_err(internal)?;
        json(200, &row.view(false)).map_err(internal)
    }

    /// `GET /v1/sites/{site}/calls/{id}`.
    pub(super) fn get_call(&self, req: &Request, id: &str) -> R<Response> {
        self.require_admin(req)?;
        self.require_site()?;
        let q = query(req);
        let sql = self.ready()?;
        let row = calls_of(&sql, id)
            .map_err(internal)?
            .ok_or_else(|| ApiError::NotFound("no such call".into()))?;
        json(200, &row.view(flag(&q, "full_caller"))).map_err(internal)
    }

    /// Checks Twilio's signature; returns the form's pairs.
    fn twilio_form(&self, req: &Request, body: &[u8]) -> R<Vec<(String, String)>> {
        if body.len() > api::MAX_PUBLIC_BODY {
            return Err(ApiError::PayloadTooLarge(api::MAX_PUBLIC_BODY));
        }
        if mime_of(req) != "application/x-www-form-urlencoded" {
            return Err(ApiError::UnsupportedMediaType);
        }
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::BadRequest("the form is not UTF-8".into()))?;
        let pairs = telephony::form_pairs(text);
        let twilio = { self.with_loaded(|l| l.config.integrations.twilio.clone())? };
        let Some(t) = twilio else {
            return Err(ApiError::NotFound(
                "Twilio is not set up for this site".into(),
            ));
        };
        let url = twilio_url(req, t.public_url.as_deref())?;
        let want = telephony::twilio_signature(&t.auth_token, &url, &pairs);
        let got = req
            .headers()
            .get("x-twilio-signature")
            .ok()
            .flatten()
            .unwrap_or_default();
        if !crate::guard::constant_time_eq(want.as_bytes(), got.as_bytes()) {
            return Err(ApiError::Forbidden(
                "X-Twilio-Signature does not match".into(),
            ));
        }
        Ok(pairs)
    }

    /// `POST /v1/sites/{site}/twilio/voice`: record the call, ring the target through.
    pub(super) async fn twilio_voice(&self, req: &Request, body: &[u8]) -> R<Response> {
        self.require_site()?;
        let pairs = self.twilio_form(req, body)?;
        let p = |k: &str| telephony::param(&pairs, k).map(str::to_string);
        let Some(sid) = p("CallSid").filter(|s| s.len() <= 128 && !s.contains('/')) else {
            return Err(ApiError::field("CallSid", "Twilio's call id is missing"));
        };
        let (region, record) = {
            let guard = self.loaded.borrow();
            let c = &guard.as_ref().ok_or(ApiError::Internal)?.config;
            (
                c.region,
                c.integrations.twilio.as_ref().is_some_and(|t| t.record),
            )
        };
        let sql = self.ready()?;
        let (row, _) = self.record_call(
            &sql,
            Incoming {
                id: sid,
                source: "twilio",
                tracking_raw: p("To").or_else(|| p("Called")).unwrap_or_default(),
                caller: p("From")
                    .or_else(|| p("Caller"))
                    .and_then(|c| telephony::caller_id(&c, region)),
                started_at: now(),
                status: Status::Ringing,
                duration: Duration::ZERO,
                end_reason: None,
                recording_url: None,
            },
        )?;
        self.schedule().await.map_err(internal)?;
        // Never drop a call because of us: no target known still rings the main number.
        let to: Option<PhoneNumber> = row.target_number.as_deref().and_then(|n| n.parse().ok());
        let body = match to {
            Some(to) => {
                let action = twilio_url(req, self.twilio_public_url().as_deref())?
                    .replace("/twilio/voice", "/twilio/status");
                telephony::twiml_dial(to, &action, record)
            }
            None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>Sorry, this number is not connected.</Say></Response>".to_string(),
        };
        xml_response(&body)
    }

    fn twilio_public_url(&self) -> Option<String> {
        self.loaded
            .borrow()
            .as_ref()
            .and_then(|l| l.config.integrations.twilio.as_ref())
            .and_then(|t| t.public_url.clone())
    }

    /// `POST /v1/sites/{site}/twilio/status`: the Dial action and the call's
    /// status callback. Out of order and repeated callbacks are fine.
    pub(super) async fn twilio_status(&self, req: &Request, body: &[u8]) -> R<Response> {
        self.require_site()?;
        let pairs = self.twilio_form(req, body)?;
        let p = |k: &str| telephony::param(&pairs, k).map(str::to_string);
        let Some(sid) = p("CallSid").filter(|s| s.len() <= 128 && !s.contains('/')) else {
            return Err(ApiError::field("CallSid", "Twilio's call id is missing"));
        };
        let region = self.loaded.borrow().as_ref().and_then(|l| l.config.region);
        let sql = self.ready()?;
        let secs = |k: &str| {
            p(k).and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_secs)
        };
        // The Dial's outcome says whether the target answered; the parent call's
        // own status only counts while nothing better is known.
        let dial = p("DialCallStatus").and_then(|s| s.parse::<Status>().ok());
        let parent = p("CallStatus").and_then(|s| s.parse::<Status>().ok());
        let row = match calls_of(&sql, &sid).map_err(internal)? {
            Some(r) => r,
            // A status before the voice webhook (out of order): write the call down first.
            None => {
                self.record_call(
                    &sql,
                    Incoming {
                        id: sid.clone(),
                        source: "twilio",
                        tracking_raw: p("To").or_else(|| p("Called")).unwrap_or_default(),
                        caller: p("From").and_then(|c| telephony::caller_id(&c, region)),
                        started_at: now(),
                        status: Status::Ringing,
                        duration: Duration::ZERO,
                        end_reason: None,
                        recording_url: None,
                    },
                )?
                .0
            }
        };
        let current: Status = row.status.parse().unwrap_or(Status::Ringing);
        let (status, duration) = match (dial, parent) {
            (Some(d), _) => (Some(d), secs("DialCallDuration")),
            (None, Some(p)) if !current.is_final() => (Some(p), secs("CallDuration")),
            _ => (None, None),
        };
        let end_reason = p("DialCallStatus").or_else(|| p("CallStatus"));
        let recording =
            p("RecordingUrl").filter(|u| u.starts_with("https://") || u.starts_with("http://"));
        let final_known = current.is_final() && dial.is_none();
        let change = if final_known {
            CallChange {
                recording_url: recording,
                ..CallChange::default()
            }
        } else {
            CallChange {
                status,
                duration,
                end_reason,
                recording_url: recording,
                tags: None,
            }
        };
        self.update_call(&sql, row, change)?;
        self.schedule().await.map_err(internal)?;
        xml_response(telephony::TWIML_EMPTY)
    }

    /// `GET /v1/sites/{site}/calls`: the call log, newest first, with filters and paging.
    pub(super) fn list_calls(&self, req: &Request) -> R<Response> {
        self.require_admin(req)?;
        self.require_site()?;
        let q = query(req);
        let sql = self.ready()?;
        let (from, to) = period(&q)?;
        let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
            None => 100,
            Some(Ok(n)) if (1..=MAX_PAGE).contains(&n) => n,
            _ => return Err(ApiError::field("limit", format!("1 to {MAX_PAGE}"))),
        };
        // The cursor is the last row's `started_at:id`.
        let mut before = (to.millis(), String::from("\u{10FFFF}"));
        if let Some(c) = q.get("cursor") {
            let (t, id) = c
                .split_once(':')
                .and_then(|(t, id)| Some((t.parse::<i64>().ok()?, id.to_string())))
                .ok_or_else(|| ApiError::field("cursor", "the next_cursor of the previous page"))?;
            before = (t, id);
        }
        let rows = self.filtered(&sql, &q, from, Instant::from_millis(before.0 + 1))?;
        let rows: Vec<CallRow> = rows
            .into_iter()
            .filter(|r| ((r.started_at as i64), r.id.as_str()) < (before.0, before.1.as_str()))
            .collect();
        let page: Vec<&CallRow> = rows.iter().take(limit).collect();
        let next = (rows.len() > limit)
            .then(|| {
                page.last()
                    .map(|r| format!("{}:{}", r.started_at as i64, r.id))
            })
            .flatten();
        let full = flag(&q, "full_caller");
        if q.get("format").map(String::as_str) == Some("csv") {
            let header = [
                "id",
                "started_at",
                "tracking_number",
                "caller",
                "status",
                "duration_secs",
                "target_call",
                "first_call",
                "channel",
                "source",
                "medium",
                "campaign",
                "term",
                "landing_page",
                "confidence",
                "session_id",
                "tags",
                "recording_url",
            ];
            let lines: Vec<Vec<String>> = page
                .iter()
                .map(|r| {
                    let v = r.view(full);
                    vec![
                        v.id,
                        v.started_at.to_string(),
                        v.tracking_number,
                        v.caller.unwrap_or_default(),
                        v.status,
                        v.duration_secs.to_string(),
                        v.target_call.to_string(),
                        v.first_call.to_string(),
                        v.attribution.channel.channel,
                        v.attribution.channel.source,
                        v.attribution.channel.medium,
                        v.attribution.channel.campaign.unwrap_or_default(),
                        v.attribution.channel.term.unwrap_or_default(),
                        v.attribution.channel.landing_page.unwrap_or_default(),
                        v.attribution.confidence,
                        v.attribution.session_id.unwrap_or_default(),
                        v.tags.join(";"),
                        v.recording_url.unwrap_or_default(),
                    ]
                })
                .collect();
            return csv_response(&telephony::csv(&header, &lines), "calls.csv");
        }
        let calls: Vec<CallView> = page.iter().map(|r| r.view(full)).collect();
        json(
            200,
            &serde_json::json!({"calls": calls, "next_cursor": next}),
        )
        .map_err(internal)
    }

    /// Calls in `[from, to)` that pass the query's filters, newest first.
    fn filtered(
        &self,
        sql: &SqlStorage,
        q: &HashMap<String, String>,
        from: Instant,
        to: Instant,
    ) -> R<Vec<CallRow>> {
        let rows: Vec<CallRow> = sql
            .exec(
                "SELECT * FROM calls WHERE started_at >= ? AND started_at < ? ORDER BY started_at DESC, id DESC",
                vec![int(from.millis()), int(to.millis())],
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        let channel = q.get("channel");
        let confidence = q.get("confidence");
        if let Some(c) = confidence {
            if !["high", "low", "none"].contains(&c.as_str()) {
                return Err(ApiError::field("confidence", "high, low or none"));
            }
        }
        let status = q.get("status");
        if let Some(s) = status {
            if !["answered", "missed", "target"].contains(&s.as_str()) {
                return Err(ApiError::field("status", "answered, missed or target"));
            }
        }
        let tag = q.get("tag");
        let campaign = q.get("campaign");
        let keyword = q.get("keyword");
        Ok(rows
            .into_iter()
            .filter(|r| channel.is_none_or(|c| &r.channel == c))
            .filter(|r| confidence.is_none_or(|c| &r.confidence == c))
            .filter(|r| {
                let st: Status = r.status.parse().unwrap_or(Status::Ringing);
                match status.map(String::as_str) {
                    Some("answered") => st.is_answered(),
                    Some("missed") => st.is_missed(),
                    Some("target") => r.target != 0.0,
                    _ => true,
                }
            })
            .filter(|r| campaign.is_none_or(|c| r.campaign.as_ref() == Some(c)))
            .filter(|r| keyword.is_none_or(|k| r.term.as_ref() == Some(k)))
            .filter(|r| {
                tag.is_none_or(|t| {
                    serde_json::from_str::<Vec<String>>(&r.tags)
                        .unwrap_or_default()
                        .contains(t)
                })
            })
            .collect())
    }

    /// `GET /v1/sites/{site}/reports/calls?group_by=channel&from=&to=`.
    pub(super) fn call_report(&self, req: &Request) -> R<Response> {
        self.require_admin(req)?;
        self.require_site()?;
        let q = query(req);
        let group: GroupBy = q
            .get("group_by")
            .map(String::as_str)
            .unwrap_or("channel")
            .parse()
            .map_err(|e: report::UnknownGroup| ApiError::field("group_by", e.to_string()))?;
        let (from, to) = period(&q)?;
        let sql = self.ready()?;
        let tz = self
            .loaded
            .borrow()
            .as_ref()
            .map(|l| l.config.time_zone.clone())
            .unwrap_or_else(|| "UTC".into());
        let facts: Vec<Fact> = self
            .filtered(&sql, &q, from, to)?
            .iter()
            .map(CallRow::fact)
            .collect();
        let offsets = std::cell::RefCell::new(HashMap::<i64, i64>::new());
        let offset = |t: Instant| -> i64 {
            let hour = t.millis().div_euclid(3_600_000);
            *offsets
                .borrow_mut()
                .entry(hour)
                .or_insert_with(|| utc_offset_ms(&tz, hour * 3_600_000))
        };
        let rows = report::report(&facts, group, &offset);
        let total = report::total(&facts);
        if q.get("format").map(String::as_str) == Some("csv") {
            let header = [
                "key",
                "calls",
                "answered",
                "missed",
                "target",
                "unique_callers",
                "avg_duration_secs",
                "ptr_percent",
            ];
            let lines: Vec<Vec<String>> = rows
                .iter()
                .chain(std::iter::once(&total))
                .map(|r| {
                    vec![
                        r.key.clone(),
                        r.calls.to_string(),
                        r.answered.to_string(),
                        r.missed.to_string(),
                        r.target.to_string(),
                        r.unique_callers.to_string(),
                        r.avg_duration_secs.to_string(),
                        r.ptr_percent.to_string(),
                    ]
                })
                .collect();
            return csv_response(&telephony::csv(&header, &lines), "report.csv");
        }
        json(
            200,
            &serde_json::json!({
                "group_by": q.get("group_by").cloned().unwrap_or_else(|| "channel".into()),
                "from": from.millis(),
                "to": to.millis(),
                "time_zone": tz,
                "rows": rows,
                "total": total,
            }),
        )
        .map_err(internal)
    }

    /// `DELETE /v1/sites/{site}/callers/{number}`: erases one caller's data
    /// (their number and recordings); the calls stay in the counts.
    pub(super) fn erase_caller(&self, req: &Request, raw: &str) -> R<Response> {
        self.require_admin(req)?;
        self.require_site()?;
        let region = self.loaded.borrow().as_ref().and_then(|l| l.config.region);
        let raw = telephony::decode(raw);
        let Some(caller) = telephony::caller_id(&raw, region) else {
            return Err(ApiError::field("number", "a caller's phone number"));
        };
        let sql = self.ready()?;
        #[derive(Deserialize)]
        struct N {
            n: f64,
        }
        let count = |q: &str| -> R<u64> {
            let r: Vec<N> = sql
                .exec(q, vec![caller.clone().into()])
                .and_then(|c| c.to_array())
                .map_err(internal)?;
            Ok(r.first().map_or(0, |x| x.n as u64))
        };
        let calls = count("SELECT COUNT(*) AS n FROM calls WHERE caller = ?")?;
        let leads = count("SELECT COUNT(*) AS n FROM leads WHERE phone = ?")?;
        sql.exec(
            "UPDATE calls SET caller = NULL, recording_url = NULL WHERE caller = ?",
            vec![caller.clone().into()],
        )
        .map_err(internal)?;
        sql.exec(
            "UPDATE leads SET phone = NULL, name = NULL, email = NULL, message = NULL WHERE phone = ?",
            vec![caller.clone().into()],
        )
        .map_err(internal)?;
        // Undelivered events that carry the number go too.
        sql.exec(
            "DELETE FROM outbox WHERE state = 'pending' AND instr(body, ?) > 0",
            vec![caller.into()],
        )
        .map_err(internal)?;
        json(200, &serde_json::json!({"calls": calls, "leads": leads})).map_err(internal)
    }

    /// `POST /v1/sites/{site}/leads`: a form on the site, attributed through its session.
    pub(super) async fn post_lead(&self, req: &Request, body: &[u8]) -> R<Response> {
        self.require_site()?;
        let body = check_body(req, body, api::MAX_PUBLIC_BODY, false)?;
        let nl: NewLead = serde_json::from_slice(body)?;
        let mut bad = Vec::new();
        let session = match nl.session_id.as_deref() {
            None | Some("") => None,
            Some(s) => match s.parse::<SessionId>() {
                Ok(id) => Some(id),
                Err(e) => {
                    bad.push(("session_id", e.to_string()));
                    None
                }
            },
        };
        for (name, v, max) in [
            ("name", &nl.name, 200),
            ("phone", &nl.phone, 64),
            ("email", &nl.email, 254),
            ("message", &nl.message, 4000),
            ("page", &nl.page, 2048),
            ("lead_id", &nl.lead_id, 128),
        ] {
            if v.as_ref().is_some_and(|x| x.len() > max) {
                bad.push((name, format!("at most {max} characters")));
            }
        }
        if nl.phone.is_none() && nl.email.is_none() {
            bad.push(("phone", "a phone number or an email to answer".to_string()));
        }
        api::fields(bad)?;
        let region = self.loaded.borrow().as_ref().and_then(|l| l.config.region);
        let sql = self.ready()?;
        let id = match nl.lead_id.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(id) => id.trim().to_string(),
            None => random_key()?,
        };
        #[derive(Deserialize)]
        struct Seen {
            #[allow(dead_code)]
            n: f64,
        }
        let seen: Vec<Seen> = sql
            .exec(
                "SELECT 1 AS n FROM leads WHERE id = ?",
                vec![id.clone().into()],
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        let (visit, ga) = match session {
            Some(s) => match session_of(&sql, s).map_err(internal)? {
                Some(row) => (
                    serde_json::from_str::<pool_core::channel::Visit>(&row.visit)
                        .ok()
                        .map(|v| ChannelReply::with_region(&v, api::stored_region(&row.visit))),
                    row.ga_client_id,
                ),
                None => (None, None),
            },
            None => (None, None),
        };
        let channel = visit
            .as_ref()
            .map(|v| v.channel.clone())
            .unwrap_or_else(|| "unattributed".into());
        let phone = nl
            .phone
            .as_deref()
            .and_then(|p| telephony::caller_id(p, region));
        let lead = serde_json::json!({
            "id": id,
            "session_id": session.map(|s| s.to_string()),
            "created_at": now().millis(),
            "channel": visit.clone().unwrap_or_else(|| bare_channel(&channel)),
            "name": nl.name,
            "phone": phone,
            "email": nl.email,
            "message": nl.message,
            "page": nl.page,
        });
        if !seen.is_empty() {
            return json(200, &serde_json::json!({"id": id, "channel": channel})).map_err(internal);
        }
        sql.exec(
            "INSERT INTO leads (id, created_at, session, channel, visit, name, phone, email, message, page)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                id.clone().into(),
                int(now().millis()),
                opt(&session.map(|s| s.to_string())),
                channel.clone().into(),
                opt(&visit.as_ref().and_then(|v| serde_json::to_string(v).ok())),
                opt(&nl.name),
                opt(&phone),
                opt(&nl.email),
                opt(&nl.message),
                opt(&nl.page),
            ],
        )
        .map_err(internal)?;
        self.enqueue_event(&sql, "lead.created", &id, lead)?;
        let ga4 = self
            .loaded
            .borrow()
            .as_ref()
            .and_then(|l| l.config.integrations.ga4.clone());
        if let (Some(g), Some(client_id)) = (ga4, ga) {
            let body = serde_json::json!({
                "client_id": client_id,
                "events": [{"name": "generate_lead", "params": {"lead_id": id, "channel": channel}}],
            })
            .to_string();
            self.enqueue(
                &sql,
                Outgoing {
                    kind: "ga4",
                    url: &ga4_url(&g),
                    secret: None,
                    event: "ga4.generate_lead",
                    idem: &format!("ga4:{id}"),
                    body: &body,
                },
            )?;
        }
        self.schedule().await.map_err(internal)?;
        json(201, &serde_json::json!({"id": id, "channel": channel})).map_err(internal)
    }

    /// `GET /v1/sites/{site}/deliveries`: the outbox, newest first: what was
    /// sent, what is retried, what was dropped and why.
    pub(super) fn deliveries(&self, req: &Request) -> R<Response> {
        self.require_admin(req)?;
        self.require_site()?;
        let sql = self.ready()?;
        #[derive(Deserialize, Serialize)]
        struct Row {
            id: f64,
            kind: String,
            url: String,
            event: String,
            idem: String,
            attempts: f64,
            next_at: f64,
            state: String,
            last_error: Option<String>,
            created_at: f64,
            done_at: Option<f64>,
        }
        let rows: Vec<Row> = sql
            .exec(
                "SELECT id, kind, url, event, idem, attempts, next_at, state, last_error, created_at, done_at
                 FROM outbox ORDER BY id DESC LIMIT 500",
                None,
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        let out: Vec<serde_json::Value> = rows
            .into_iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id as i64, "kind": r.kind,
                    // The GA4 secret rides in the query: not shown.
                    "url": r.url.split('?').next().unwrap_or(""),
                    "event": r.event, "idempotency_key": r.idem, "attempts": r.attempts as i64,
                    "next_at": r.next_at as i64, "state": r.state, "last_error": r.last_error,
                    "created_at": r.created_at as i64, "done_at": r.done_at.map(|d| d as i64),
                })
            })
            .collect();
        json(200, &serde_json::json!({"deliveries": out})).map_err(internal)
    }

    /// The earliest time an undelivered event is due.
    pub(super) fn next_delivery(&self) -> Option<i64> {
        #[derive(Deserialize)]
        struct T {
            t: Option<f64>,
        }
        let sql = self.ready().ok()?;
        let rows: Vec<T> = sql
            .exec(
                "SELECT MIN(next_at) AS t FROM outbox WHERE state = 'pending'",
                None,
            )
            .ok()?
            .to_array()
            .ok()?;
        rows.first().and_then(|r| r.t).map(|t| t as i64)
    }

    /// Sends what is due; retried with backoff (1 s, 2 s, 4 s, ... up to an
    /// hour), dropped after [`MAX_ATTEMPTS`] with the record kept.
    pub(super) async fn deliver(&self) {
        #[derive(Deserialize)]
        struct Due {
            id: f64,
            kind: String,
            url: String,
            secret: Option<String>,
            event: String,
            idem: String,
            body: String,
            attempts: f64,
        }
        let Ok(sql) = self.ready() else { return };
        let at = now().millis();
        let due: Vec<Due> = match sql
            .exec(
                "SELECT id, kind, url, secret, event, idem, body, attempts FROM outbox
                 WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT 20",
                vec![int(at)],
            )
            .and_then(|c| c.to_array())
        {
            Ok(d) => d,
            Err(e) => {
                worker::console_error!("outbox: {e}");
                return;
            }
        };
        for d in due {
            let result = send(
                &d.kind,
                &d.url,
                d.secret.as_deref(),
                &d.event,
                &d.idem,
                &d.body,
            )
            .await;
            let attempts = d.attempts as i64 + 1;
            let done = now().millis();
            let update = match result {
                Ok(()) => sql.exec(
                    "UPDATE outbox SET state = 'delivered', attempts = ?, done_at = ?, last_error = NULL WHERE id = ?",
                    vec![int(attempts), int(done), int(d.id as i64)],
                ),
                Err(e) if attempts >= MAX_ATTEMPTS => sql.exec(
                    "UPDATE outbox SET state = 'dropped', attempts = ?, done_at = ?, last_error = ? WHERE id = ?",
                    vec![int(attempts), int(done), e.into(), int(d.id as i64)],
                ),
                Err(e) => {
                    let backoff = 1000i64 << (attempts - 1).min(12);
                    sql.exec(
                        "UPDATE outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?",
                        vec![int(attempts), int(done + backoff.min(3_600_000)), e.into(), int(d.id as i64)],
                    )
                }
            };
            if let Err(e) = update {
                worker::console_error!("outbox: {e}");
            }
        }
    }

    /// Once an hour (from the alarm): each pool's size, leased numbers and
    /// its lease and fallback counters, for utilisation over time.
    pub(super) fn sample_pools(&self) {
        let Ok(sql) = self.ready() else { return };
        let hour = now().millis().div_euclid(3_600_000);
        let rows: Vec<(String, pool_core::pool::Metrics)> = match self.loaded.borrow().as_ref() {
            Some(l) => l
                .config
                .targets
                .iter()
                .zip(&l.pools)
                .map(|(t, p)| (t.number.to_string(), p.metrics()))
                .collect(),
            None => return,
        };
        for (target, m) in rows {
            if let Err(e) = sql.exec(
                "INSERT INTO pool_samples (hour, target, total, leased, requests, fallbacks)
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hour, target) DO NOTHING",
                vec![
                    int(hour),
                    target.into(),
                    int(i64::from(m.total)),
                    int(i64::from(m.leased)),
                    int(m.requests as i64),
                    int(m.fallbacks as i64),
                ],
            ) {
                worker::console_error!("pool sample: {e}");
            }
        }
    }

    /// `GET /v1/sites/{site}/reports/pools?from=&to=`: per target and hour,
    /// the pool's size, numbers leased, leases asked for and the fallback share.
    pub(super) fn pool_report(&self, req: &Request) -> R<Response> {
        self.require_admin(req)?;
        self.require_site()?;
        let q = query(req);
        let (from, to) = period(&q)?;
        let sql = self.ready()?;
        #[derive(Deserialize)]
        struct Sample {
            hour: f64,
            target: String,
            total: f64,
            leased: f64,
            requests: f64,
            fallbacks: f64,
        }
        // One sample before the period, so its first hour has a difference too.
        let rows: Vec<Sample> = sql
            .exec(
                "SELECT hour, target, total, leased, requests, fallbacks FROM pool_samples
                 WHERE hour >= ? AND hour < ? ORDER BY target, hour",
                vec![
                    int(from.millis().div_euclid(3_600_000) - 1),
                    int(to.millis().div_euclid(3_600_000) + 1),
                ],
            )
            .and_then(|c| c.to_array())
            .map_err(internal)?;
        // The hour under way: the live counters against its sample.
        let at = now();
        let mut rows = rows;
        if to > at {
            let hour = at.millis().div_euclid(3_600_000);
            if let Some(l) = self.loaded.borrow().as_ref() {
                for (t, p) in l.config.targets.iter().zip(&l.pools) {
                    let m = p.metrics();
                    let target = t.number.to_string();
                    let pos = rows.partition_point(|r| {
                        r.target < target || r.target == target && (r.hour as i64) <= hour
                    });
                    rows.insert(
                        pos,
                        Sample {
                            hour: (hour + 1) as f64,
                            target,
                            total: f64::from(m.total),
                            leased: f64::from(m.leased),
                            requests: m.requests as f64,
                            fallbacks: m.fallbacks as f64,
                        },
                    );
                }
            }
        }
        let mut out = Vec::new();
        let mut prev: Option<&Sample> = None;
        for r in &rows {
            let same = prev.is_some_and(|p| p.target == r.target);
            if let (true, Some(p)) = (same, prev) {
                let requests = (r.requests - p.requests).max(0.0);
                let fallbacks = (r.fallbacks - p.fallbacks).max(0.0);
                out.push(serde_json::json!({
                    "target": r.target,
                    "hour": (p.hour as i64) * 3_600_000,
                    "total": r.total as i64,
                    "leased": r.leased as i64,
                    "utilisation_percent": if r.total > 0.0 { (r.leased * 1000.0 / r.total).round() / 10.0 } else { 0.0 },
                    "requests": requests as i64,
                    "fallbacks": fallbacks as i64,
                    "fallback_share_percent": if requests > 0.0 { (fallbacks * 1000.0 / requests).round() / 10.0 } else { 0.0 },
                }));
            }
            prev = Some(r);
        }
        json(
            200,
            &serde_json::json!({"from": from.millis(), "to": to.millis(), "hours": out}),
        )
        .map_err(internal)
    }

    /// Drops calls, leads and delivered events past the site's retention.
    pub(super) fn prune_calls(&self, retention: Duration) {
        let Ok(sql) = self.ready() else { return };
        let horizon = int((now() - retention).millis());
        for q in [
            "DELETE FROM calls WHERE started_at < ?",
            "DELETE FROM leads WHERE created_at < ?",
            "DELETE FROM journal WHERE until IS NOT NULL AND until < ?",
            "DELETE FROM pool_samples WHERE hour * 3600000 < ?",
        ] {
            if let Err(e) = sql.exec(q, vec![horizon.clone()]) {
                worker::console_error!("prune: {e}");
            }
        }
        let week = int((now() - Duration::from_days(7)).millis());
        if let Err(e) = sql.exec(
            "DELETE FROM outbox WHERE state != 'pending' AND done_at < ?",
            vec![week],
        ) {
            worker::console_error!("prune: {e}");
        }
    }
}

fn ga4_url(g: &pool_core::site::Ga4Spec) -> String {
    let base = g.endpoint.as_deref().unwrap_or(GA4_ENDPOINT);
    let sep = if base.contains('?') { '&' } else { '?' };
    format!(
        "{base}{sep}measurement_id={}&api_secret={}",
        urlencode(&g.measurement_id),
        urlencode(&g.api_secret)
    )
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One delivery attempt.
async fn send(
    kind: &str,
    url: &str,
    secret: Option<&str>,
    event: &str,
    idem: &str,
    body: &str,
) -> std::result::Result<(), String> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
    set("content-type", "application/json")?;
    set("user-agent", "calltrack-webhooks/1")?;
    if kind == "webhook" {
        set("idempotency-key", idem)?;
        set("x-calltrack-event", event)?;
        if let Some(s) = secret {
            set(
                "x-calltrack-signature",
                &telephony::webhook_signature(s, now().millis(), body),
            )?;
        }
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(wasm_bindgen::JsValue::from_str(body)));
    let req = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let request = worker::Fetch::Request(req);
    let fetch = Box::pin(request.send());
    let timeout = Box::pin(worker::Delay::from(std::time::Duration::from_secs(
        DELIVERY_TIMEOUT_SECS,
    )));
    let outcome = futures_util::future::select(fetch, timeout).await;
    let result = match outcome {
        futures_util::future::Either::Left((Ok(resp), _)) => {
            let code = resp.status_code();
            if (200..300).contains(&code) {
                Ok(())
            } else {
                Err(format!("answered {code}"))
            }
        }
        futures_util::future::Either::Left((Err(e), _)) => Err(e.to_string()),
        futures_util::future::Either::Right(_) => {
            Err(format!("no answer in {DELIVERY_TIMEOUT_SECS} s"))
        }
    };
    result
}

/// The URL Twilio called: the configured public origin (behind a proxy) with
/// the request's path and query, or the request's own URL.
fn twilio_url(req: &Request, public: Option<&str>) -> R<String> {
    let url = req.url().map_err(internal)?;
    Ok(match public {
        Some(base) => {
            let mut s = base.trim_end_matches('/').to_string();
            s.push_str(url.path());
            if let Some(q) = url.query() {
                s.push('?');
                s.push_str(q);
            }
            s
        }
        None => url.to_string(),
    })
}

fn xml_response(body: &str) -> R<Response> {
    let mut r = Response::ok(body).map_err(internal)?;
    r.headers_mut()
        .set("content-type", "text/xml; charset=utf-8")
        .map_err(internal)?;
    Ok(r)
}

fn csv_response(body: &str, name: &str) -> R<Response> {
    let mut r = Response::ok(body).map_err(internal)?;
    let h = r.headers_mut();
    h.set("content-type", "text/csv; charset=utf-8")
        .map_err(internal)?;
    h.set(
        "content-disposition",
        &format!("attachment; filename=\"{name}\""),
    )
    .map_err(internal)?;
    Ok(r)
}

/// The query string's pairs.
pub(super) fn query_of(req: &Request) -> HashMap<String, String> {
    query(req)
}

fn query(req: &Request) -> HashMap<String, String> {
    req.url()
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn flag(q: &HashMap<String, String>, k: &str) -> bool {
    matches!(q.get(k).map(String::as_str), Some("1" | "true" | "yes"))
}

/// `from` and `to` (ms since the epoch); the last 30 days by default.
fn period(q: &HashMap<String, String>) -> R<(Instant, Instant)> {
    let at = now();
    let get = |k: &'static str, default: Instant| -> R<Instant> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .map(Instant::from_millis)
                .map_err(|_| ApiError::field(k, "ms since the epoch")),
        }
    };
    let to = get("to", at + Duration::from_mins(1))?;
    let from = get("from", to - Duration::from_days(30))?;
    if from >= to {
        return Err(ApiError::field("from", "must be before to"));
    }
    Ok((from, to))
}

/// The UTC offset of an IANA time zone at `at_ms`, from the runtime's Intl.
pub(super) fn utc_offset_ms(tz: &str, at_ms: i64) -> i64 {
    use js_sys::{Array, Intl, Object, Reflect};
    use wasm_bindgen::JsValue;
    let options = Object::new();
    let set = |k: &str, v: &str| {
        let _ = Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v));
    };
    set("timeZone", tz);
    set("hourCycle", "h23");
    for k in ["year", "month", "day", "hour", "minute", "second"] {
        set(k, "numeric");
    }
    let locales = Array::of1(&JsValue::from_str("en-US"));
    let fmt = Intl::DateTimeFormat::new(&locales, &options);
    let date = js_sys::Date::new(&JsValue::from_f64(at_ms as f64));
    let parts = fmt.format_to_parts(&date);
    let mut v = [0i64; 6];
    for p in parts.iter() {
        let kind = Reflect::get(&p, &JsValue::from_str("type"))
            .ok()
            .and_then(|x| x.as_string())
            .unwrap_or_default();
        let value = Reflect::get(&p, &JsValue::from_str("value"))
            .ok()
            .and_then(|x| x.as_string())
            .and_then(|x| x.parse::<i64>().ok())
            .unwrap_or(0);
        let i = match kind.as_str() {
            "year" => 0,
            "month" => 1,
            "day" => 2,
            "hour" => 3,
            "minute" => 4,
            "second" => 5,
            _ => continue,
        };
        v[i] = value;
    }
    if v[0] == 0 {
        return 0; // an unknown zone: UTC
    }
    let local = js_sys::Date::utc(v[0] as f64, (v[1] - 1) as f64);
    let local =
        local + ((v[2] - 1) * 86_400_000 + v[3] * 3_600_000 + v[4] * 60_000 + v[5] * 1000) as f64;
    local as i64 - at_ms.div_euclid(1000) * 1000
}
