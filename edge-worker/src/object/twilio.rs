//! Twilio: the voice webhook (record the call, ring the target through)
//! and the status callback, both signed with the site's auth token.

use worker::{Request, Response};

use pool_core::call::{twilio_update, Leg, Status};
use pool_core::number::PhoneNumber;
use pool_core::time::Duration;

use super::calls::{record_call, update_call, CallChange, Incoming};
use super::{now, SiteObject, R};
use crate::api;
use crate::error::ApiError;
use crate::http;
use crate::routes::Handler;
use crate::store;
use crate::telephony;

/// The form's value of `key`.
fn param(pairs: &[(String, String)], key: &str) -> Option<String> {
    telephony::param(pairs, key).map(str::to_string)
}

/// The call Twilio reports, as first written down.
fn incoming(
    pairs: &[(String, String)],
    sid: &str,
    region: Option<pool_core::number::Region>,
) -> Incoming {
    Incoming {
        id: sid.to_string(),
        source: "twilio",
        tracking_raw: param(pairs, "To")
            .or_else(|| param(pairs, "Called"))
            .unwrap_or_default(),
        caller: param(pairs, "From")
            .or_else(|| param(pairs, "Caller"))
            .and_then(|c| telephony::caller_id(&c, region)),
        started_at: now(),
        status: Status::Ringing,
        duration: Duration::ZERO,
        end_reason: None,
        recording_url: None,
        outcome: None,
        agent: None,
        wait: None,
        outbound: false,
        callback: false,
        missed_reason: None,
        // The TwiML dials the target at once: no menu, no queue.
        rang: true,
    }
}

/// Twilio's call id, checked.
fn call_sid(pairs: &[(String, String)]) -> R<String> {
    param(pairs, "CallSid")
        .filter(|s| !s.is_empty() && s.len() <= 128 && !s.contains('/'))
        .ok_or_else(|| ApiError::field("CallSid", "Twilio's call id is missing"))
}

impl SiteObject {
    /// Checks Twilio's signature; returns the form's pairs.
    pub(super) fn twilio_form(&self, req: &Request, body: &[u8]) -> R<Vec<(String, String)>> {
        let text = super::form_text(req, body, api::MAX_PUBLIC_BODY)?;
        let pairs = telephony::form_pairs(text);
        let twilio = { self.with_loaded(|l| l.site.config().integrations.twilio.clone())? };
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
    pub(super) async fn twilio_voice(&self, req: &Request, body: &[u8], site: &str) -> R<Response> {
        self.require_site()?;
        let pairs = self.twilio_form(req, body)?;
        let sid = call_sid(&pairs)?;
        let (region, record, public) = self.with_loaded(|l| {
            let c = l.site.config();
            let t = c.integrations.twilio.as_ref();
            (
                c.region,
                t.is_some_and(|t| t.record),
                t.and_then(|t| t.public_url.clone()),
            )
        })?;
        let inc = incoming(&pairs, &sid, region);
        let dialled = PhoneNumber::parse(&inc.tracking_raw, region).ok();
        let recorded = async {
            let found = self.attribution(site, &inc).await?;
            let (row, _) = self.mutate(Some(Handler::TwilioVoice), |l, db| {
                record_call(l, db, inc.clone(), found)
            })?;
            self.schedule().await?;
            Ok::<_, ApiError>(row.target_number)
        };
        // Never drop a call because of us: a call we could not store is put
        // through all the same (its status callbacks record it later), and
        // no target known still rings the main number.
        let target = match recorded.await {
            Ok(t) => t,
            Err(e) => {
                worker::console_error!("twilio voice: not stored, put through: {}", e.body());
                // A failed change dropped the memory: the config is loaded again.
                self.require_site()?;
                self.with_loaded(|l| {
                    let c = l.site.config();
                    dialled
                        .and_then(|n| c.target_of(n))
                        .or((!c.targets.is_empty()).then_some(0))
                        .map(|i| c.targets[i].number.to_string())
                })?
            }
        };
        let to: Option<PhoneNumber> = target.as_deref().and_then(|n| n.parse().ok());
        let body = match to {
            Some(to) => {
                let ring = self.with_loaded(|l| ringing(l.site.config(), to))?;
                let action = twilio_url(req, public.as_deref())?.replace("/twilio/voice", "/twilio/status");
                telephony::twiml_dial(&ring, &action, &action, record)
            }
            None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>Sorry, this number is not connected.</Say></Response>".to_string(),
        };
        http::xml(&body)
    }

    /// `POST /v1/sites/{site}/twilio/status`: the Dial action and the call's
    /// status callback. Out of order and repeated callbacks are fine.
    pub(super) async fn twilio_status(
        &self,
        req: &Request,
        body: &[u8],
        site: &str,
    ) -> R<Response> {
        self.require_site()?;
        let pairs = self.twilio_form(req, body)?;
        let sid = call_sid(&pairs)?;
        if let Some(parent) = param(&pairs, "ParentCallSid").filter(|p| *p != sid) {
            return self.twilio_leg(&pairs, &parent).await;
        }
        let region = self.with_loaded(|l| l.site.config().region)?;
        let status = |k: &str| param(&pairs, k).and_then(|s| s.parse::<Status>().ok());
        let secs = |k: &str| {
            param(&pairs, k)
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_secs)
        };
        let (dial, parent) = (status("DialCallStatus"), status("CallStatus"));
        let recording = param(&pairs, "RecordingUrl")
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
        let end_reason = param(&pairs, "DialCallStatus").or_else(|| param(&pairs, "CallStatus"));
        // A status before the voice webhook (out of order): the call is attributed first.
        let found = match store::call(&self.ready()?, &sid)? {
            Some(_) => None,
            None => Some(
                self.attribution(site, &incoming(&pairs, &sid, region))
                    .await?,
            ),
        };
        self.mutate(Some(Handler::TwilioStatus), |l, db| {
            let row = match (store::call(db, &sid)?, found) {
                (Some(r), _) => r,
                (None, Some(found)) => record_call(l, db, incoming(&pairs, &sid, region), found)?.0,
                (None, None) => return Err(ApiError::Internal),
            };
            let change = match twilio_update(row.status, dial, parent) {
                Some((s, leg)) => CallChange {
                    status: Some(s),
                    duration: secs(match leg {
                        Leg::Dial => "DialCallDuration",
                        Leg::Parent => "CallDuration",
                    }),
                    end_reason,
                    recording_url: recording,
                    ..CallChange::default()
                },
                None => CallChange {
                    recording_url: recording,
                    ..CallChange::default()
                },
            };
            update_call(l, db, row, change)
        })?;
        self.schedule().await?;
        http::xml(telephony::TWIML_EMPTY)
    }
}

impl SiteObject {
    /// A `<Dial>` leg's progress (Twilio's call-progress callback of one
    /// `<Number>`): the agent whose phone answered, and when; for a call
    /// nobody answered, the agent whose phone rang, when only one did.
    async fn twilio_leg(&self, pairs: &[(String, String)], parent: &str) -> R<Response> {
        let leg = param(pairs, "CallStatus").and_then(|s| s.parse::<Status>().ok());
        let dialled = param(pairs, "To").or_else(|| param(pairs, "Called"));
        self.mutate(Some(Handler::TwilioStatus), |l, db| {
            // A leg of a call we never saw (another app's) changes nothing.
            let Some(row) = store::call(db, parent)? else {
                return Ok(());
            };
            let config = l.site.config();
            let agent = dialled
                .as_deref()
                .and_then(|d| config.agent_of(d))
                .map(|a| a.id.clone());
            let target = row.target_number.as_deref().and_then(|n| n.parse().ok());
            let alone = target.is_some_and(|t| ringing(config, t).len() == 1);
            let mut change = CallChange::default();
            match leg {
                Some(s) if s.is_answered() => {
                    change.agent = agent.map(Some);
                    if row.answered_at.is_none() {
                        let waited = now().millis() - row.started_at;
                        change.wait = Some(Duration::from_millis(waited.max(0) as u64));
                    }
                }
                Some(s) if s.is_missed() && row.agent.is_none() && alone => {
                    change.agent = agent.map(Some);
                }
                _ => {}
            }
            if change != CallChange::default() {
                update_call(l, db, row, change)?;
            }
            Ok(())
        })?;
        self.schedule().await?;
        http::xml(telephony::TWIML_EMPTY)
    }
}

/// The numbers a call to `target` rings at once: its agents' phones, or the
/// target number itself.
fn ringing(config: &pool_core::site::Config, target: PhoneNumber) -> Vec<PhoneNumber> {
    let index = config.targets.iter().position(|t| t.number == target);
    let ring: Vec<PhoneNumber> = index
        .map(|i| config.ring_of(i))
        .unwrap_or_default()
        .iter()
        .flat_map(|a| a.numbers.iter().copied())
        .collect();
    if ring.is_empty() {
        vec![target]
    } else {
        ring
    }
}

/// The URL Twilio called: the configured public origin (behind a proxy) with
/// the request's path and query, or the request's own URL.
fn twilio_url(req: &Request, public: Option<&str>) -> R<String> {
    let url = req.url()?;
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
