//! Calls: written down when they come in (from any PBX, Twilio or the
//! demo), attributed with pool-core's pure [`attribute`], changed by later
//! updates, listed, and erased per caller on request.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use worker::{Request, Response};

use pool_core::attribution::{attribute, Attribution, Kind};
use pool_core::call::{self, Confidence, Effect, MissedReason, Scored};
use pool_core::journal::Journal;
use pool_core::number::PhoneNumber;
use pool_core::site::Config;
use pool_core::time::{Duration, Instant};
use pool_core::trail::Step;

use super::call_view::{fact, view, CallView};
use super::outbox::{
    enqueue_ad_platforms, enqueue_call, enqueue_event, enqueue_ga4_call, enqueue_outcome,
};
use super::{check_body, json, now, Loaded, SiteObject, R};
use crate::api::{self, CallUpdate, ChannelReply, GivenOutcome, NewCall};
use crate::error::ApiError;
use crate::http::{self, flag, period, query};
use crate::routes::Handler;
use crate::store::{self, CallRow, Db, Tx};
use crate::telephony;
use crate::tz::utc_offset_ms;

/// Rows of the call log per page, at most.
const MAX_PAGE: usize = 500;

/// A trail in one cell: `/prices > event: calculator > /contacts`.
fn trail_text(trail: &[Step]) -> String {
    let steps: Vec<String> = trail
        .iter()
        .map(|s| match s.kind {
            pool_core::trail::Kind::Page => s.name.clone(),
            pool_core::trail::Kind::Event => format!("event: {}", s.name),
        })
        .collect();
    steps.join(" > ")
}

/// The agent `said` names: one of the site's (its id), else as said.
pub(super) fn agent_id(config: &Config, said: &str) -> String {
    config
        .agent_of(said)
        .map_or_else(|| said.trim().to_string(), |a| a.id.clone())
}

/// Checks an outcome's label against the site's list, before anything changes.
pub(super) fn check_outcome(config: &Config, o: Option<&GivenOutcome>) -> R<()> {
    match o {
        Some(o) if config.outcome(&o.label).is_none() => {
            let labels: Vec<&str> = config.outcomes.iter().map(|x| x.label.as_str()).collect();
            Err(ApiError::field(
                "outcome.label",
                format!(
                    "{:?} is not one of the site's outcomes: {}",
                    o.label,
                    labels.join(", ")
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Gives a call its outcome (or takes it back); true when that changed it.
fn set_outcome(config: &Config, row: &mut CallRow, o: Option<&GivenOutcome>) -> bool {
    let spec = o.and_then(|o| config.outcome(&o.label));
    let next = (
        spec.map(|s| s.label.clone()),
        spec.map(|s| s.successful),
        // A value given, or else the outcome's own (config `outcomes[].value`).
        o.and_then(|o| o.value_minor)
            .or_else(|| spec.and_then(|s| s.value).map(|v| v * 100))
            .map(|v| v as i64),
    );
    if (row.outcome.clone(), row.successful, row.value_minor) == next {
        return false;
    }
    (row.outcome, row.successful, row.value_minor) = next;
    row.outcome_at = Some(now().millis());
    true
}

pub(super) use crate::api::{CallChange, IncomingCall as Incoming};

/// The stored journal of one number, for attribution (a PBX may report a
/// call late, after the pool's memory has moved on).
fn journal_of(db: &Db, l: &Loaded, number: Option<PhoneNumber>) -> R<Journal> {
    let mut j = Journal::new(l.site.config().grace);
    if let Some(n) = number {
        for e in store::journal_of(db, n)? {
            j.insert(e);
        }
    }
    Ok(j)
}

/// What the coordinator asks the shard that owns a dialled number.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Ask {
    /// The dialled number, E.164 (none when it could not be read).
    number: Option<String>,
    /// When the call started (ms since the epoch).
    at: i64,
}

/// A call's attribution, as the shard that owns the dialled number finds it
/// in its journal and sessions.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Found {
    kind: Kind,
    session: Option<String>,
    confidence: Confidence,
    candidates: Vec<Scored>,
    /// The target whose number was dialled (index in the config).
    target: Option<usize>,
    visit: Option<ChannelReply>,
    ga_client_id: Option<String>,
    /// Metrica's ClientID of the visit, kept with the call's visit.
    #[serde(default)]
    ym_client_id: Option<String>,
    /// The session's trail up to the call.
    #[serde(default)]
    trail: Vec<Step>,
}

impl Found {
    /// A call-back the visitor of `session` asked for (its row, when found
    /// in any shard): that session's, sure, for target `target`.
    pub(super) fn of_visitor(
        session: pool_core::session::SessionId,
        row: Option<&store::SessionRow>,
        target: usize,
        at: i64,
    ) -> Found {
        match row {
            Some(r) => Found {
                kind: Kind::Session,
                session: Some(session.to_string()),
                confidence: Confidence::High,
                candidates: Vec::new(),
                target: Some(target),
                visit: api::stored_channel(&r.visit),
                ga_client_id: r.ga_client_id.clone(),
                ym_client_id: api::stored_ym_client_id(&r.visit),
                trail: pool_core::trail::until(&r.steps(), at),
            },
            None => Found {
                target: Some(target),
                ..Found::nothing()
            },
        }
    }

    /// No attribution: a call the business made.
    pub(super) fn nothing() -> Found {
        Found {
            kind: Kind::Unknown,
            session: None,
            confidence: Confidence::None,
            candidates: Vec::new(),
            target: None,
            visit: None,
            ga_client_id: None,
            ym_client_id: None,
            trail: Vec::new(),
        }
    }
}

impl SiteObject {
    /// Attributes a call to `dialled` at `at` here, from this shard's journal.
    pub(super) fn attribute_here(&self, ask: &Ask) -> R<Found> {
        let db = self.ready()?;
        let guard = self.loaded.borrow();
        let l = guard.as_ref().ok_or(ApiError::Internal)?;
        let dialled = ask.number.as_deref().and_then(|n| n.parse().ok());
        let a = attribute(
            l.site.config(),
            &journal_of(&db, l, dialled)?,
            dialled,
            Instant::from_millis(ask.at),
        );
        let mut trail = Vec::new();
        let mut ym_client_id = None;
        let mut confidence = a.confidence();
        let (visit, ga_client_id) = match &a {
            Attribution::Session { session, .. } => match store::session_row(&db, *session)? {
                Some(s) => {
                    trail = pool_core::trail::until(&s.steps(), ask.at);
                    ym_client_id = api::stored_ym_client_id(&s.visit);
                    // A holder whose page had gone silent long before the call is in doubt.
                    confidence = call::with_last_seen(
                        confidence,
                        a.candidates().first(),
                        Instant::from_millis(s.last_seen),
                        Instant::from_millis(ask.at),
                    );
                    (api::stored_channel(&s.visit), s.ga_client_id)
                }
                None => (None, None),
            },
            Attribution::Static {
                source: Some(k), ..
            } => {
                // A named source: its label is the call's source, its channel the medium.
                let s = &l.site.config().sources[*k];
                let mut v = ChannelReply::bare(&s.kind);
                v.source.clone_from(&s.label);
                v.medium.clone_from(&s.kind);
                (Some(v), None)
            }
            Attribution::Static { channel, .. } => {
                (Some(ChannelReply::bare(channel.as_str())), None)
            }
            _ => (None, None),
        };
        Ok(Found {
            kind: a.kind(),
            session: a.session().map(|s| s.to_string()),
            confidence,
            candidates: a.candidates().to_vec(),
            target: a.target(),
            visit,
            ga_client_id,
            ym_client_id,
            trail,
        })
    }

    /// Attributes an incoming call where its number's journal is: here, or
    /// the shard that owns the number (one request, no fan-out).
    pub(super) async fn attribution(&self, site: &str, inc: &Incoming) -> R<Found> {
        let region = self.with_loaded(|l| l.site.config().region)?;
        let dialled = PhoneNumber::parse(&inc.tracking_raw, region).ok();
        let ask = Ask {
            number: dialled.map(|n| n.to_string()),
            at: inc.started_at.millis(),
        };
        let (n, moving) = self.with_loaded(|l| (l.site.config().shards, l.moving.clone()))?;
        let owner = dialled.map_or(0, |d| pool_core::shard::of_number(d, n));
        let found = self.attribute_at(site, owner, &ask).await?;
        // A number that changed shard: the old one's journal may hold the caller.
        let old = match (&moving, dialled) {
            (Some(m), Some(d)) => Some(pool_core::shard::of_number(d, m.from)),
            _ => None,
        };
        match old {
            Some(old) if old != owner && found.kind != Kind::Session => {
                let before = self.attribute_at(site, old, &ask).await?;
                Ok(if before.kind == Kind::Session {
                    before
                } else {
                    found
                })
            }
            _ => Ok(found),
        }
    }

    /// Asks shard `k` (this one, or another) to attribute a call.
    async fn attribute_at(&self, site: &str, k: u32, ask: &Ask) -> R<Found> {
        if k == self.place()?.0 {
            return self.attribute_here(ask);
        }
        let body = super::encode(ask)?;
        self.ask_shard_for(
            site,
            k,
            worker::Method::Post,
            "attribute",
            Some(body.as_bytes()),
        )
        .await
    }
}

/// Writes a new call, attributed as `found` (or answers the stored one: the
/// id is the idempotency key). Returns the row and whether it was new. Runs
/// inside the persistence gate.
pub(super) fn record_call(l: &Loaded, db: &Tx, inc: Incoming, found: Found) -> R<(CallRow, bool)> {
    if let Some(old) = store::call(db, &inc.id)? {
        return Ok((old, false));
    }
    let config = l.site.config();
    let dialled = PhoneNumber::parse(&inc.tracking_raw, config.region).ok();
    let target_number = found
        .target
        .filter(|i| *i < config.targets.len())
        .or(if config.targets.is_empty() {
            None
        } else {
            Some(0)
        })
        .map(|i| config.targets[i].number.to_string());
    let (visit, ga_client_id, ym) = (found.visit, found.ga_client_id, found.ym_client_id);
    let (unique, first) = match inc.caller.as_deref() {
        // A withheld number is never known to be new.
        None => (false, false),
        Some(c) => {
            let times = store::caller_times(db, c, &inc.id)?;
            let unique = call::is_unique(
                times
                    .iter()
                    .map(|&(at, status)| call::Earlier::of(at, status)),
                inc.started_at,
                config.target_call.unique_within,
            );
            (unique, !times.iter().any(|(t, _)| *t < inc.started_at))
        }
    };
    let v = visit.as_ref();
    let row = CallRow {
        id: inc.id,
        source: inc.source.to_string(),
        tracking: dialled.map_or(inc.tracking_raw, |n| n.to_string()),
        caller: inc.caller,
        started_at: inc.started_at.millis(),
        status: inc.status,
        duration_ms: inc.duration.millis() as i64,
        end_reason: inc.end_reason,
        recording_url: inc.recording_url,
        target_number,
        kind: found.kind,
        session: found.session,
        confidence: found.confidence,
        candidates: super::encode(&found.candidates)?,
        // The visit as the call shows it, with Metrica's ClientID beside it
        // (what the upload to Metrica joins the call by).
        visit: v.and_then(|v| {
            let mut j = serde_json::to_value(v).ok()?;
            if let (Some(o), Some(ym)) = (j.as_object_mut(), &ym) {
                o.insert("ym_client_id".into(), ym.as_str().into());
            }
            Some(j.to_string())
        }),
        channel: v.map_or_else(|| "unattributed".to_string(), |v| v.channel.clone()),
        source_name: v.map(|v| v.source.clone()).unwrap_or_default(),
        medium: v.map(|v| v.medium.clone()).unwrap_or_default(),
        campaign: v.and_then(|v| v.campaign.clone()),
        term: v.and_then(|v| v.term.clone()),
        landing_page: v.and_then(|v| v.landing_page.clone()),
        ga_client_id,
        unique_caller: unique,
        first_call: first,
        target: call::is_target(&config.target_call, inc.status, inc.duration, unique),
        tags: "[]".into(),
        updated_at: now().millis(),
        done_sent: false,
        outcome: None,
        successful: None,
        value_minor: None,
        outcome_at: None,
        agent: inc.agent.as_deref().map(|a| agent_id(config, a)),
        direction: if inc.outbound {
            Some("outbound".to_string())
        } else {
            inc.callback.then(|| "callback".to_string())
        },
        called_back_at: None,
        missed_reason: None,
        trail: (!found.trail.is_empty())
            .then(|| serde_json::to_string(&found.trail).ok())
            .flatten(),
        answered_at: inc
            .wait
            .map(|w| (inc.started_at + w).millis())
            .filter(|_| inc.status.is_answered()),
    };
    let mut row = row;
    if inc.outbound {
        // Not a call to the site: no target call, nothing new about the caller.
        (row.target, row.unique_caller, row.first_call) = (false, false, false);
    }
    let outcome = set_outcome(config, &mut row, inc.outcome.as_ref());
    row.missed_reason = missed_reason(config, &row, inc.missed_reason, inc.rang);
    store::insert_call(db, &row)?;
    let row = carry_out(l, db, row, true, outcome)?;
    Ok((row, true))
}

/// Applies an update; recomputes the target flag; sends the end events once.
pub(super) fn update_call(l: &Loaded, db: &Tx, mut row: CallRow, ch: CallChange) -> R<CallRow> {
    if let Some(s) = ch.status {
        row.status = row.status.merge(s);
    }
    if let Some(d) = ch.duration {
        row.duration_ms = d.millis() as i64;
    }
    if ch.end_reason.is_some() {
        row.end_reason = ch.end_reason;
    }
    if ch.recording_url.is_some() {
        row.recording_url = ch.recording_url;
    }
    if let Some(t) = ch.tags {
        row.tags = super::encode(&t)?;
    }
    if let Some(a) = &ch.agent {
        row.agent = a.as_deref().map(|a| agent_id(l.site.config(), a));
    }
    if let Some(w) = ch.wait {
        row.answered_at = Some(row.started_at + w.millis() as i64);
    }
    let outcome = match &ch.outcome {
        Some(o) => set_outcome(l.site.config(), &mut row, o.as_ref()),
        None => false,
    };
    row.target = call::is_target(
        &l.site.config().target_call,
        row.status,
        Duration::from_millis(row.duration_ms.max(0) as u64),
        row.unique_caller,
    );
    // Why it was missed: what the telephony says now, else what was found
    // before, else what its status says.
    let given = ch.missed_reason.or_else(|| {
        row.missed_reason
            .as_deref()
            .and_then(MissedReason::parse)
            .filter(|r| *r != MissedReason::OutOfHours)
    });
    let rang = ch.rang || row.agent.is_some() || dialled_at_once(&row);
    row.missed_reason = missed_reason(l.site.config(), &row, given, rang);
    row.updated_at = now().millis();
    store::update_call(db, &row)?;
    carry_out(l, db, row, false, outcome)
}

/// A call whose telephony rings a phone at once (Twilio's TwiML dials the
/// target, a call-back rings the office, the demo rings): never abandoned
/// in a menu or a queue.
fn dialled_at_once(row: &CallRow) -> bool {
    matches!(row.source.as_str(), "twilio" | "demo") || row.direction.as_deref() == Some("callback")
}

/// Why `row` was missed (its name), if it was: out of the site's working
/// hours at its start, else as pool-core reads the telephony's words.
fn missed_reason(
    config: &Config,
    row: &CallRow,
    given: Option<MissedReason>,
    rang: bool,
) -> Option<String> {
    let at = Instant::from_millis(row.started_at);
    let tz = &config.time_zone;
    let working = config.working_at(at, &|t: Instant| utc_offset_ms(tz, t.millis()));
    MissedReason::of(row.status, working, given, rang).map(|r| r.as_str().to_string())
}

/// Carries out what a call's change causes, as pool-core's
/// [`call::Change::effects`] decides it: every consequence of a call is
/// queued here, inside the change's transaction.
fn carry_out(l: &Loaded, db: &Tx, mut row: CallRow, created: bool, outcome: bool) -> R<CallRow> {
    let change = call::Change {
        created,
        outbound: row.outbound(),
        caller_known: row.caller.is_some(),
        status: row.status,
        end_told: row.done_sent,
        target: row.target,
        outcome,
    };
    for effect in change.effects() {
        match effect {
            Effect::CalledBack => {
                if let Some(c) = row.caller.as_deref() {
                    store::mark_called_back(db, c, row.started_at)?;
                    super::notify::on_called_back(db, c)?;
                }
            }
            Effect::Event(event) => enqueue_call(l, db, &row, event)?,
            Effect::Outcome => enqueue_outcome(l, db, &row)?,
            Effect::AwaitAlert => super::notify::on_missed(l, db, &row)?,
            Effect::CallBackTask => super::outbox::enqueue_task(l, db, &row.id)?,
            Effect::Ga4 => enqueue_ga4_call(l, db, &row)?,
            Effect::AdPlatforms => enqueue_ad_platforms(l, db, &row)?,
            Effect::Deal => super::outbox::enqueue_deal(l, db, "call", &row.id)?,
            Effect::EndTold => {
                row.done_sent = true;
                store::update_call(db, &row)?;
            }
        }
    }
    Ok(row)
}

impl SiteObject {
    /// `POST /v1/sites/{site}/calls`.
    pub(super) async fn post_call(&self, req: &Request, body: &[u8], site: &str) -> R<Response> {
        self.require_site()?;
        let body = check_body(req, body, api::MAX_PUBLIC_BODY, false)?;
        let nc: NewCall = api::json_body(body)?;
        let region = self.with_loaded(|l| l.site.config().region)?;
        let inc = nc.check(now(), region)?;
        self.with_loaded(|l| check_outcome(l.site.config(), inc.outcome.as_ref()))??;
        let found = if inc.outbound {
            Found::nothing()
        } else {
            self.attribution(site, &inc).await?
        };
        let (row, created) = self.mutate(Some(Handler::PostCall), |l, db| {
            record_call(l, db, inc, found)
        })?;
        self.schedule().await?;
        let v = self.with_loaded(|l| view(&row, false, l.site.config()))?;
        json(if created { 201 } else { 200 }, &v)
    }

    /// `PATCH /v1/sites/{site}/calls/{id}`.
    pub(super) async fn patch_call(&self, req: &Request, body: &[u8], id: &str) -> R<Response> {
        self.require_site()?;
        let body = check_body(req, body, api::MAX_PUBLIC_BODY, false)?;
        let up: CallUpdate = api::json_body(body)?;
        let change = up.check()?;
        if let Some(o) = &change.outcome {
            self.with_loaded(|l| check_outcome(l.site.config(), o.as_ref()))??;
        }
        let row = self.mutate(Some(Handler::PatchCall), |l, db| {
            let row =
                store::call(db, id)?.ok_or_else(|| ApiError::NotFound("no such call".into()))?;
            update_call(l, db, row, change)
        })?;
        self.schedule().await?;
        json(
            200,
            &self.with_loaded(|l| view(&row, false, l.site.config()))?,
        )
    }

    /// `GET /v1/sites/{site}/calls/{id}`.
    pub(super) fn get_call(&self, req: &Request, id: &str) -> R<Response> {
        self.require_site()?;
        let q = query(req);
        let db = self.ready()?;
        let row = store::call(&db, id)?.ok_or_else(|| ApiError::NotFound("no such call".into()))?;
        json(
            200,
            &self.with_loaded(|l| view(&row, flag(&q, "full_caller"), l.site.config()))?,
        )
    }

    /// `GET /v1/sites/{site}/calls`: the call log, newest first, with filters and paging.
    pub(super) fn list_calls(&self, req: &Request) -> R<Response> {
        self.require_site()?;
        let q = query(req);
        let db = self.ready()?;
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
        let rows = filtered(&db, &q, from, Instant::from_millis(before.0 + 1))?;
        let rows: Vec<CallRow> = rows
            .into_iter()
            .filter(|r| (r.started_at, r.id.as_str()) < (before.0, before.1.as_str()))
            .collect();
        let page: Vec<&CallRow> = rows.iter().take(limit).collect();
        let next = (rows.len() > limit)
            .then(|| page.last().map(|r| format!("{}:{}", r.started_at, r.id)))
            .flatten();
        let full = flag(&q, "full_caller");
        let views: Vec<CallView> = self.with_loaded(|l| {
            page.iter()
                .map(|r| view(r, full, l.site.config()))
                .collect()
        })?;
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
                "agent",
                "wait_secs",
                "outcome",
                "successful",
                "value",
                "ad",
                "region",
                "trail",
                "missed_reason",
            ];
            let lines: Vec<Vec<String>> = views
                .into_iter()
                .map(|v| {
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
                        v.attribution.confidence.as_str().to_string(),
                        v.attribution.session_id.unwrap_or_default(),
                        v.tags.join(";"),
                        v.recording_url.unwrap_or_default(),
                        v.agent.map(|a| a.id).unwrap_or_default(),
                        v.wait_secs.map(|w| w.to_string()).unwrap_or_default(),
                        v.outcome
                            .as_ref()
                            .map(|o| o.label.clone())
                            .unwrap_or_default(),
                        v.outcome
                            .as_ref()
                            .map(|o| o.successful.to_string())
                            .unwrap_or_default(),
                        v.outcome
                            .and_then(|o| o.value)
                            .map(|x| format!("{x:.2}"))
                            .unwrap_or_default(),
                        v.attribution.channel.content.unwrap_or_default(),
                        v.attribution.channel.region.unwrap_or_default(),
                        trail_text(&v.trail),
                        v.missed_reason.unwrap_or_default(),
                    ]
                })
                .collect();
            return http::csv(&telephony::csv(&header, &lines), "calls.csv");
        }
        json(
            200,
            &serde_json::json!({"calls": views, "next_cursor": next}),
        )
    }

    /// `DELETE /v1/sites/{site}/callers/{number or e-mail}`: erases one
    /// caller's data everywhere the site keeps it, on every shard (the calls
    /// stay in the counts), says what it touched table by table, and tells
    /// the webhooks (`caller.erased`) so that they erase too.
    pub(super) async fn erase_caller(&self, req: &Request, raw: &str, site: &str) -> R<Response> {
        self.require_site()?;
        let region = self.with_loaded(|l| l.site.config().region)?;
        let raw = http::percent_decode(raw, true);
        let raw = raw.trim();
        let subject = if raw.contains('@') {
            if raw.len() > 254 || raw.starts_with('@') || raw.ends_with('@') {
                return Err(ApiError::field(
                    "number",
                    "a caller's phone number or e-mail address",
                ));
            }
            serde_json::json!({ "email": raw.to_lowercase() })
        } else {
            let Some(caller) = telephony::caller_id(raw, region) else {
                return Err(ApiError::field(
                    "number",
                    "a caller's phone number or e-mail address",
                ));
            };
            serde_json::json!({ "number": caller })
        };
        // Only the coordinator (or a site of one object) tells the receivers.
        let tells = self.place()?.0 == 0;
        let mut touched = self.mutate(None, |l, db| {
            let erased = match (subject["number"].as_str(), subject["email"].as_str()) {
                (Some(n), _) => store::erase_caller(db, n)?,
                (None, Some(e)) => store::erase_email(db, e)?,
                (None, None) => return Err(ApiError::Internal),
            };
            if tells {
                let id = crate::guard::sha256_hex(&subject.to_string());
                enqueue_event(l, db, "caller.erased", &id[..16], subject.clone())?;
            }
            Ok(erased)
        })?;
        for other in self.gather(site, req).await? {
            let theirs: store::Erased = serde_json::from_value(other["touched"].clone())?;
            touched.add(&theirs);
        }
        self.schedule().await?;
        json(
            200,
            &serde_json::json!({"calls": touched.calls, "leads": touched.leads, "touched": touched}),
        )
    }

    /// Deletes what is past its horizon ([`pool_core::retention`]), in one transaction.
    pub(super) fn prune(&self, retention: Duration) {
        let h = pool_core::retention::horizons(retention, now());
        if let Err(e) = self.mutate(None, |_, db| Ok(store::prune(db, &h)?)) {
            worker::console_error!("prune: {}", e.body());
        }
    }
}

/// Calls in `[from, to)` that pass the query's filters, newest first.
pub(super) fn filtered(
    db: &Db,
    q: &HashMap<String, String>,
    from: Instant,
    to: Instant,
) -> R<Vec<CallRow>> {
    let rows = store::calls_between(db, from, to)?;
    let channel = q.get("channel");
    let confidence = q.get("confidence");
    if let Some(c) = confidence {
        if !["high", "low", "none"].contains(&c.as_str()) {
            return Err(ApiError::field("confidence", "high, low or none"));
        }
    }
    let status = q.get("status");
    if let Some(s) = status {
        if !["answered", "missed", "target", "non_target"].contains(&s.as_str()) {
            return Err(ApiError::field(
                "status",
                "answered, missed, target or non_target",
            ));
        }
    }
    let missed_reason = q.get("missed_reason");
    if let Some(m) = missed_reason {
        if MissedReason::parse(m).is_none() {
            let names: Vec<&str> = MissedReason::ALL.iter().map(|r| r.as_str()).collect();
            return Err(ApiError::field(
                "missed_reason",
                format!("one of {}", names.join(", ")),
            ));
        }
    }
    // A recording, a talk time, an outcome (a label, or `none`).
    let recorded = match q.get("has_recording").map(String::as_str) {
        None => None,
        Some("1" | "true") => Some(true),
        Some("0" | "false") => Some(false),
        Some(_) => return Err(ApiError::field("has_recording", "1 or 0")),
    };
    let secs = |k: &'static str| -> R<Option<i64>> {
        match q.get(k).map(|v| v.parse::<u32>()) {
            None => Ok(None),
            Some(Ok(s)) => Ok(Some(i64::from(s) * 1000)),
            Some(Err(_)) => Err(ApiError::field(k, "seconds, a whole number")),
        }
    };
    let (min_ms, max_ms) = (secs("min_duration_secs")?, secs("max_duration_secs")?);
    let outcome = q.get("outcome");
    let tag = q.get("tag");
    let campaign = q.get("campaign");
    let keyword = q.get("keyword");
    let agent = q.get("agent");
    let (ad, region) = (q.get("ad"), q.get("region"));
    // Calls the business made are listed on request only, never counted as the site's calls.
    let direction = q.get("direction").map_or("inbound", String::as_str);
    if !["inbound", "outbound", "all"].contains(&direction) {
        return Err(ApiError::field("direction", "inbound, outbound or all"));
    }
    Ok(rows
        .into_iter()
        .filter(|r| match direction {
            "all" => true,
            "outbound" => r.outbound(),
            _ => !r.outbound(),
        })
        .filter(|r| agent.is_none_or(|a| r.agent.as_ref() == Some(a)))
        .filter(|r| {
            (ad.is_none() && region.is_none()) || {
                let o = fact(r).origin;
                ad.is_none_or(|a| o.content.as_ref() == Some(a))
                    && region.is_none_or(|x| o.region.as_ref() == Some(x))
            }
        })
        .filter(|r| channel.is_none_or(|c| &r.channel == c))
        .filter(|r| confidence.is_none_or(|c| r.confidence.as_str() == c))
        .filter(|r| match status.map(String::as_str) {
            Some("answered") => r.status.is_answered(),
            Some("missed") => r.status.is_missed(),
            Some("target") => r.target,
            Some("non_target") => !r.target,
            _ => true,
        })
        .filter(|r| missed_reason.is_none_or(|m| r.missed_reason.as_ref() == Some(m)))
        .filter(|r| recorded.is_none_or(|h| r.recording_url.is_some() == h))
        .filter(|r| min_ms.is_none_or(|m| r.duration_ms >= m))
        .filter(|r| max_ms.is_none_or(|m| r.duration_ms <= m))
        .filter(|r| {
            outcome.is_none_or(|o| match r.outcome.as_deref() {
                None => o == "none",
                Some(l) => l.eq_ignore_ascii_case(o),
            })
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
