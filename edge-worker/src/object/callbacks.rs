//! Call-back requests: the visitor leaves a number on the site; within the
//! office's hours Twilio's REST API calls the office first, and when someone
//! answers, the visitor is dialled (pool-core's [`callback`] decides the
//! number, the hours and the states). Outside the hours the request waits
//! and the alarm places it when the office opens. Each request is also a call
//! in the log (direction `callback`), attributed to the visitor's session
//! with full confidence, so it counts in the reports and PTR like any call.

use worker::{Request, Response};

use pool_core::call::Status;
use pool_core::callback::{admit, check_number, readable_name, State, Turned};
use pool_core::number::PhoneNumber;
use pool_core::session::SessionId;
use pool_core::site::TWILIO_API;
use pool_core::time::{Duration, Instant};

use super::calls::{record_call, update_call, CallChange, Found, Incoming};
use super::outbox::{enqueue_event, enqueue_ga4};
use super::{check_body, json, now, random_key, Loaded, SiteObject, R};
use crate::api;
use crate::error::ApiError;
use crate::guard;
use crate::http;
use crate::routes::Handler;
use crate::store::{self, CallbackRow, Db, Tx};
use crate::telephony;
use crate::tz::utc_offset_ms;

impl CallbackRow {
    fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::Failed)
    }

    /// Its call in the log.
    fn call_id(&self) -> String {
        format!("cb-{}", self.id)
    }

    /// As the API (and the webhooks) show it; the number masked unless `full`.
    fn view(&self, full: bool) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "session_id": self.session,
            "phone": if full { self.phone.clone() } else { telephony::mask(&self.phone) },
            "name": self.name,
            "target": self.target,
            "requested_at": self.requested_at,
            "state": self.state,
            "reason": self.reason,
            "scheduled_for": self.scheduled_for,
            "call_id": self.call_id(),
        })
    }
}

fn get(db: &Db, id: &str) -> R<Option<CallbackRow>> {
    Ok(store::callback(db, id)?)
}

fn put(db: &Tx, c: &CallbackRow) -> R<()> {
    Ok(store::put_callback(db, c)?)
}

/// Moves a request to `next` (never backwards) with its call; queues the
/// `callback.connected` / `callback.failed` event once it is over.
fn advance(
    l: &Loaded,
    db: &Tx,
    mut c: CallbackRow,
    next: State,
    reason: Option<String>,
    call: CallChange,
) -> R<CallbackRow> {
    let before = c.state();
    let after = before.advance(next);
    if after != before {
        c.state = after.as_str().to_string();
        if after == State::Failed {
            c.reason = reason;
        }
        c.updated_at = now().millis();
        put(db, &c)?;
        if after.is_final() {
            let event = if after == State::Connected {
                "callback.connected"
            } else {
                "callback.failed"
            };
            enqueue_event(l, db, event, &c.id, c.view(true))?;
            ga4(l, db, &c, event.replace('.', "_").as_str())?;
        }
        if after == State::Connected {
            // A connected call-back reaches the caller: their missed calls are called back.
            store::mark_called_back(db, &c.phone, now().millis())?;
            super::notify::on_called_back(db, &c.phone)?;
        }
    }
    if call != CallChange::default() {
        if let Some(row) = store::call(db, &c.call_id())? {
            update_call(l, db, row, call)?;
        }
    }
    Ok(c)
}

/// GA4's event (`callback_requested`, `callback_connected`,
/// `callback_failed`) with the visitor's client id, when the visit had one.
fn ga4(l: &Loaded, db: &Tx, c: &CallbackRow, name: &str) -> R<()> {
    let Some(g) = &l.site.config().integrations.ga4 else {
        return Ok(());
    };
    let Some(client_id) = store::call(db, &c.call_id())?.and_then(|r| r.ga_client_id) else {
        return Ok(());
    };
    let body = serde_json::json!({
        "client_id": client_id,
        "events": [{"name": name, "params": {"callback_id": c.id, "state": c.state}}],
    });
    enqueue_ga4(db, g, &format!("ga4.{name}"), &c.id, &body)
}

/// Fails a request for `why`; its call becomes a missed call ending for
/// `end` (so it alerts).
fn fail(l: &Loaded, db: &Tx, c: CallbackRow, why: String, end: &str) -> R<CallbackRow> {
    let call = CallChange {
        status: Some(Status::NoAnswer),
        end_reason: Some(end.chars().take(64).collect()),
        ..CallChange::default()
    };
    advance(l, db, c, State::Failed, Some(why), call)
}

impl SiteObject {
    /// `POST /v1/sites/{site}/callbacks`: a visitor asks to be called back.
    pub(super) async fn post_callback(
        &self,
        req: &Request,
        body: &[u8],
        site: &str,
    ) -> R<Response> {
        self.require_site()?;
        let body = check_body(req, body, api::MAX_PUBLIC_BODY, false)?;
        let nc: api::NewCallback = api::json_body(body)?;
        let (cb, region, targets, tz, public) = self.with_loaded(|l| {
            let c = l.site.config();
            (
                c.callback.clone(),
                c.region,
                c.targets.iter().map(|t| t.number).collect::<Vec<_>>(),
                c.time_zone.clone(),
                c.integrations
                    .twilio
                    .as_ref()
                    .and_then(|t| t.public_url.clone()),
            )
        })?;
        let Some(cb) = cb else {
            return Err(ApiError::NotFound(
                "call-backs are not set up for this site".into(),
            ));
        };
        let mut bad = Vec::new();
        let session = nc.session_id.parse::<SessionId>().map_err(|e| {
            bad.push(("session_id", e.to_string()));
        });
        let phone = match PhoneNumber::parse(&nc.phone, region) {
            Ok(n) => match check_number(n, &cb.countries) {
                Ok(()) => Some(n),
                Err(r) => {
                    bad.push(("phone", format!("{r}: this site does not call it")));
                    None
                }
            },
            Err(e) => {
                bad.push(("phone", format!("not a phone number: {e}")));
                None
            }
        };
        if nc.name.as_ref().is_some_and(|n| n.chars().count() > 100) {
            bad.push(("name", "at most 100 characters".into()));
        }
        let target = match nc.target.as_deref() {
            None => Some(0),
            Some(t) => {
                let i = PhoneNumber::parse(t, region)
                    .ok()
                    .and_then(|n| targets.iter().position(|x| *x == n));
                if i.is_none() {
                    bad.push(("target", "one of the site's target numbers".into()));
                }
                i
            }
        };
        // The name is read aloud to the office: a name, never a message.
        if nc.name.as_deref().is_some_and(|n| !readable_name(n)) {
            bad.push((
                "name",
                format!(
                    "at most {} letters, spaces, hyphens, apostrophes and dots",
                    pool_core::callback::MAX_NAME
                ),
            ));
        }
        api::fields(bad)?;
        let (Ok(session), Some(phone), Some(target)) = (session, phone, target) else {
            return Err(ApiError::Internal);
        };
        // Twilio asks the edge's public address the site names, never one
        // a request's Host header made up (Zadarma's events come to the
        // address its account names).
        let base = if cb.spec.via == "zadarma" {
            Some(String::new())
        } else {
            public.map(|p| p.trim_end_matches('/').to_string())
        };
        let Some(base) = base else {
            return Err(ApiError::Conflict(
                "call-backs need integrations.twilio.public_url: the edge's public address, where Twilio asks".into(),
            ));
        };
        // The visit must exist, be of some age and still be seen.
        let row = self.session_anywhere(site, session).await?;
        let client = guard::client(site, crate::client::address(req).as_deref())
            .map(|c| format!("{:016x}", c.0));
        let at = now();
        let open = cb
            .hours
            .next_open(at, &|t: Instant| utc_offset_ms(&tz, t.millis()));
        let id = random_key()?.chars().take(20).collect::<String>();
        let c = CallbackRow {
            id: id.clone(),
            session: Some(session.to_string()),
            phone: phone.to_string(),
            name: nc
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            target: targets[target].to_string(),
            requested_at: at.millis(),
            state: match open {
                Some(_) => State::Scheduled,
                None => State::CallingOffice,
            }
            .as_str()
            .to_string(),
            reason: None,
            scheduled_for: open.map(Instant::millis),
            office_sid: None,
            base,
            updated_at: at.millis(),
            client: client.clone(),
        };
        let found = Found::of_visitor(session, row.as_ref(), target, at.millis());
        let inc = Incoming {
            id: c.call_id(),
            source: "callback",
            tracking_raw: c.target.clone(),
            caller: Some(c.phone.clone()),
            started_at: at,
            status: Status::Ringing,
            duration: Duration::ZERO,
            end_reason: None,
            recording_url: None,
            outcome: None,
            agent: None,
            wait: None,
            outbound: false,
            callback: true,
            missed_reason: None,
            // The office's phone rings first.
            rang: true,
        };
        let visit = row.as_ref().map(|r| {
            (
                Instant::from_millis(r.created),
                Instant::from_millis(r.last_seen),
            )
        });
        self.mutate(Some(Handler::PostCallback), |l, db| {
            // Counted and stored in one transaction: a burst cannot pass between.
            let session = session.to_string();
            let asked = store::callbacks_asked(
                db,
                at.millis() - 3_600_000,
                &c.phone,
                &session,
                client.as_deref(),
            )?;
            admit(
                visit,
                at,
                asked,
                cb.spec.per_visitor_per_hour,
                cb.spec.per_site_per_hour,
            )
            .map_err(|t| match t {
                Turned::NoVisit => ApiError::field(
                    "session_id",
                    "no live visit of some seconds with this id: a call-back is asked from the site's page",
                ),
                Turned::TooMany => ApiError::TooManyRequests(3600),
            })?;
            put(db, &c)?;
            record_call(l, db, inc, found)?;
            enqueue_event(l, db, "callback.requested", &c.id, c.view(true))?;
            ga4(l, db, &c, "callback_requested")?;
            Ok(())
        })?;
        let c = if open.is_none() {
            self.place_callback(site, c).await?
        } else {
            c
        };
        self.schedule().await?;
        json(201, &c.view(false))
    }

    /// Places a request through Twilio's REST API: the office is called
    /// first. A refusal fails the request with Twilio's words.
    async fn place_callback(&self, site: &str, c: CallbackRow) -> R<CallbackRow> {
        let via = self.with_loaded(|l| {
            let cfg = l.site.config();
            cfg.callback
                .as_ref()
                .map(|c| c.spec.via.clone())
                .filter(|v| v == "zadarma")
                .and(cfg.integrations.zadarma.clone())
        })?;
        if let Some(z) = via {
            let placed = zadarma_callback(&z, &c.phone).await;
            return self.placed(
                c,
                placed.map(|()| "zadarma".to_string()),
                "Zadarma refused the call",
            );
        }
        let (twilio, caller_id) = self.with_loaded(|l| {
            let cfg = l.site.config();
            (
                cfg.integrations.twilio.clone(),
                cfg.callback.as_ref().map(|c| c.caller_id),
            )
        })?;
        let (Some(t), Some(from)) = (twilio, caller_id) else {
            return Err(ApiError::Internal);
        };
        let Some(sid) = t.account_sid.clone() else {
            return Err(ApiError::Internal);
        };
        let hook = format!("{}/v1/sites/{site}/twilio/callback/{}", c.base, c.id);
        let mut form = vec![
            ("To", c.target.clone()),
            ("From", from.to_string()),
            ("Url", hook.clone()),
            ("Method", "POST".to_string()),
            ("StatusCallback", format!("{hook}/status")),
            ("StatusCallbackMethod", "POST".to_string()),
            ("Timeout", "30".to_string()),
        ];
        for e in ["initiated", "ringing", "answered", "completed"] {
            form.push(("StatusCallbackEvent", e.to_string()));
        }
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{k}={}", http::urlencode(v)))
            .collect();
        let url = format!(
            "{}/2010-04-01/Accounts/{sid}/Calls.json",
            t.api_base
                .as_deref()
                .unwrap_or(TWILIO_API)
                .trim_end_matches('/')
        );
        let placed = crate::outbound::twilio_post(&url, &sid, &t.auth_token, &body.join("&")).await;
        self.placed(c, placed, "twilio refused the call")
    }

    /// Stores what placing request `c` came to: its office leg (`Ok`, the
    /// call's id at the telephony), or why not (`end`: the missed call's end).
    fn placed(&self, c: CallbackRow, placed: Result<String, String>, end: &str) -> R<CallbackRow> {
        let (next, reason, office_sid) = match placed {
            Ok(call_sid) => (State::CallingOffice, None, Some(call_sid)),
            Err(e) => (State::Failed, Some(e), None),
        };
        self.mutate(Some(Handler::PostCallback), |l, db| {
            let mut c = get(db, &c.id)?.ok_or(ApiError::Internal)?;
            c.office_sid = office_sid.clone();
            c.scheduled_for = None;
            if next == State::CallingOffice {
                // Scheduled until now: it is placed.
                c.state = next.as_str().to_string();
                c.updated_at = now().millis();
                put(db, &c)?;
                return Ok(c);
            }
            let why = reason.clone().unwrap_or_default();
            fail(l, db, c, why, end)
        })
    }

    /// Zadarma's end of a call the office made (`NOTIFY_OUT_END`) to a
    /// visitor who asked to be called back: the request is connected, or
    /// failed, and its call in the log with it.
    pub(super) fn zadarma_callback_end(
        l: &Loaded,
        db: &Tx,
        phone: &str,
        answered: bool,
        talk: Option<Duration>,
        end: &str,
    ) -> R<bool> {
        let Some(c) = store::callback_calling(db, phone)? else {
            return Ok(false);
        };
        if answered {
            let call = CallChange {
                status: Some(Status::Answered),
                duration: talk,
                end_reason: Some("completed".into()),
                ..CallChange::default()
            };
            advance(l, db, c, State::Connected, None, call)?;
        } else {
            let why = format!("the call did not connect ({end})");
            fail(l, db, c, why.clone(), &why)?;
        }
        Ok(true)
    }

    /// The office's hours changed: every waiting request goes when the
    /// office opens now (at once, if it is open).
    pub(super) fn reschedule_callbacks(&self) -> R<()> {
        self.mutate(None, |l, db| {
            let config = l.site.config();
            let waiting = store::scheduled_callbacks(db)?;
            let Some(cb) = &config.callback else {
                // No call-backs any more: what waits will not be placed.
                for c in waiting {
                    let why = "call-backs were turned off";
                    fail(l, db, c, why.into(), why)?;
                }
                return Ok(());
            };
            let tz = config.time_zone.clone();
            let at = now();
            let open = cb
                .hours
                .next_open(at, &|t: Instant| utc_offset_ms(&tz, t.millis()))
                .unwrap_or(at);
            for mut c in waiting {
                c.scheduled_for = Some(open.millis());
                put(db, &c)?;
            }
            Ok(())
        })
    }

    /// When the alarm must place the next scheduled request (ms since the epoch).
    pub(super) fn next_callback(&self) -> Option<i64> {
        store::next_callback(&self.ready().ok()?).ok().flatten()
    }

    /// The alarm: places the scheduled requests whose office has opened.
    pub(super) async fn place_due_callbacks(&self, site: &str) {
        let Ok(db) = self.ready() else { return };
        let due = match store::due_callbacks(&db, now().millis(), 20) {
            Ok(d) => d,
            Err(e) => {
                worker::console_error!("callbacks: {e}");
                return;
            }
        };
        for c in due {
            if let Err(e) = self.place_callback(site, c).await {
                worker::console_error!("callbacks: {}", e.body());
            }
        }
    }

    /// `GET /v1/sites/{site}/callbacks`: the requests of a period, newest first.
    pub(super) fn list_callbacks(&self, req: &Request) -> R<Response> {
        self.require_site()?;
        let q = http::query(req);
        let (from, to) = http::period(&q)?;
        let full = http::flag(&q, "full_caller");
        let rows = store::callbacks_between(&self.ready()?, from.millis(), to.millis(), 500)?;
        let list: Vec<serde_json::Value> = rows.iter().map(|c| c.view(full)).collect();
        json(200, &serde_json::json!({"callbacks": list}))
    }

    /// `POST /twilio/callback/{id}`: the office answered; the TwiML dials
    /// the visitor (their leg's progress and the Dial's end to `.../dial`).
    pub(super) async fn twilio_callback_answer(
        &self,
        req: &Request,
        body: &[u8],
        id: &str,
    ) -> R<Response> {
        self.require_site()?;
        let _pairs = self.twilio_form(req, body)?;
        let site = store::meta(&self.ready()?, "site")?.unwrap_or_default();
        let c = self.mutate(Some(Handler::TwilioCallback), |l, db| {
            let c = get(db, id)?.ok_or_else(|| ApiError::NotFound("no such call-back".into()))?;
            let change = CallChange {
                agent: None,
                ..CallChange::default()
            };
            advance(l, db, c, State::CallingVisitor, None, change)
        })?;
        self.schedule().await?;
        if c.state().is_final() {
            return http::xml(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Hangup/></Response>",
            );
        }
        let caller_id = self
            .with_loaded(|l| l.site.config().callback.as_ref().map(|c| c.caller_id))?
            .ok_or(ApiError::Internal)?;
        let dial = format!("{}/v1/sites/{site}/twilio/callback/{}/dial", c.base, c.id);
        let who = c
            .name
            .as_deref()
            .map_or_else(String::new, |n| format!(" for {}", telephony::xml(n)));
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>A call-back request from the site{who}. Connecting you now.</Say><Dial callerId=\"{caller_id}\" action=\"{d}\" method=\"POST\"><Number statusCallbackEvent=\"answered completed\" statusCallback=\"{d}\" statusCallbackMethod=\"POST\">{phone}</Number></Dial></Response>",
            d = telephony::xml(&dial),
            phone = telephony::xml(&c.phone),
        );
        http::xml(&body)
    }

    /// `POST /twilio/callback/{id}/status`: the office leg's progress; an
    /// office that does not answer fails the request.
    pub(super) async fn twilio_callback_status(
        &self,
        req: &Request,
        body: &[u8],
        id: &str,
    ) -> R<Response> {
        self.on_callback_leg(req, body, id, |l, db, c, pairs| {
            let status =
                telephony::param(pairs, "CallStatus").and_then(|s| s.parse::<Status>().ok());
            match status {
                Some(s)
                    if s.is_missed()
                        && !c.state().is_final()
                        && c.state() != State::CallingVisitor =>
                {
                    let why = format!("the office did not answer ({})", s.as_str());
                    fail(l, db, c, why.clone(), &why)?;
                }
                _ => {}
            }
            Ok(())
        })
        .await
    }

    /// `POST /twilio/callback/{id}/dial`: the visitor's leg (answered:
    /// connected) and the Dial's end (talk time, or the visitor did not answer).
    pub(super) async fn twilio_callback_dial(
        &self,
        req: &Request,
        body: &[u8],
        id: &str,
    ) -> R<Response> {
        self.on_callback_leg(req, body, id, |l, db, c, pairs| {
            let leg = telephony::param(pairs, "ParentCallSid").is_some();
            let status = telephony::param(pairs, if leg { "CallStatus" } else { "DialCallStatus" })
                .and_then(|s| s.parse::<Status>().ok());
            let secs = telephony::param(pairs, "DialCallDuration")
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_secs);
            match status {
                Some(s) if s.is_answered() => {
                    let call = CallChange {
                        status: Some(if leg {
                            Status::InProgress
                        } else {
                            Status::Answered
                        }),
                        duration: secs,
                        end_reason: (!leg).then(|| "completed".to_string()),
                        ..CallChange::default()
                    };
                    advance(l, db, c, State::Connected, None, call)?;
                }
                Some(s) if s.is_missed() && !leg => {
                    let why = format!("the visitor did not answer ({})", s.as_str());
                    fail(l, db, c, why.clone(), &why)?;
                }
                _ => {}
            }
            Ok(())
        })
        .await
    }

    /// One of Twilio's signed callbacks about request `id`: `change` applies
    /// it (inside the persistence gate); Twilio gets empty TwiML.
    async fn on_callback_leg(
        &self,
        req: &Request,
        body: &[u8],
        id: &str,
        change: impl FnOnce(&Loaded, &Tx, CallbackRow, &[(String, String)]) -> R<()>,
    ) -> R<Response> {
        self.require_site()?;
        let pairs = self.twilio_form(req, body)?;
        self.mutate(Some(Handler::TwilioCallback), |l, db| {
            let c = get(db, id)?.ok_or_else(|| ApiError::NotFound("no such call-back".into()))?;
            change(l, db, c, &pairs)
        })?;
        self.schedule().await?;
        http::xml(telephony::TWIML_EMPTY)
    }
}

/// Asks Zadarma's click-to-call to ring the office (`callback_from`), then
/// `to`, or why not in Zadarma's words.
async fn zadarma_callback(z: &pool_core::site::ZadarmaSpec, to: &str) -> Result<(), String> {
    let from = z.callback_from.as_deref().unwrap_or_default();
    let params = [("from", from), ("to", to)];
    super::zadarma::zadarma_get(z, "/v1/request/callback/", &params, 10)
        .await
        .map(|_| ())
}
