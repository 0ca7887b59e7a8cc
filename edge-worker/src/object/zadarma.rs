//! Zadarma's call events, read natively (pool-core's [`zadarma`] says what
//! each means): `NOTIFY_START` records a call to one of the account's numbers
//! and attributes it like any other; `NOTIFY_INTERNAL` names the extension
//! that rings; `NOTIFY_ANSWER` the one that answered, and the wait;
//! `NOTIFY_END` the talk time, the end (`disposition`) and, for a missed
//! call, why, and whether it was recorded (`is_recorded`, `call_id_with_rec`);
//! `NOTIFY_RECORD` that its recording is ready; `NOTIFY_OUT_START` /
//! `NOTIFY_OUT_END` a call the office makes (it marks the caller's missed
//! calls called back). Each event is checked
//! against its `Signature` header (Base64 of the hex HMAC-SHA1 of its fields,
//! keyed by the account's API secret) before anything is read; events come
//! out of order and more than once, and a `NOTIFY_END` whose start was lost
//! still records the call. `GET` with `zd_echo` answers Zadarma's check of
//! the address.
//!
//! [`zadarma`]: pool_core::pbx::zadarma

use worker::{Method, Request, Response};

use pool_core::call::Status;
use pool_core::pbx::zadarma;
use pool_core::site::{ZadarmaSpec, ZADARMA_API};
use pool_core::time::{Duration, Instant};

use super::calls::{record_call, update_call, CallChange, Found, Incoming};
use super::{now, SiteObject, R};
use crate::api::MAX_PUBLIC_BODY;
use crate::error::ApiError;
use crate::http;
use crate::routes::Handler;
use crate::store;

/// A number as Zadarma writes it (`79161234567`, without `+`), read in the site's region.
fn number(raw: &str) -> String {
    let raw = raw.trim();
    if raw.len() >= 11 && raw.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{raw}")
    } else {
        raw.to_string()
    }
}

/// The method of Zadarma's API that hands out a recording's link.
const RECORD_REQUEST: &str = "/v1/pbx/record/request/";

/// The API's origin of a site's Zadarma account.
fn api_base(z: &ZadarmaSpec) -> &str {
    z.api_base
        .as_deref()
        .unwrap_or(ZADARMA_API)
        .trim_end_matches('/')
}

/// Where a call's recording is asked for (`call_id_with_rec`): the request
/// of Zadarma's API, which the edge signs when the dashboard plays it.
fn record_link(z: &ZadarmaSpec, call_id_with_rec: Option<&str>) -> Option<String> {
    let id = call_id_with_rec.map(str::trim).filter(|i| {
        !i.is_empty()
            && i.len() <= 128
            && i.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    })?;
    Some(format!("{}{RECORD_REQUEST}?call_id={id}", api_base(z)))
}

/// A GET of Zadarma's API, signed as it documents (`Authorization: key:sign`,
/// the sign Base64 of the hex HMAC-SHA1 of the method, the query sorted and
/// PHP-encoded, and the query's MD5): its answer when it says `success`, or
/// why not in Zadarma's words.
pub(super) async fn zadarma_get(
    z: &ZadarmaSpec,
    method: &str,
    params: &[(&str, &str)],
    secs: u64,
) -> Result<serde_json::Value, String> {
    let (query, text) = zadarma::api_text(method, params, &crate::telephony::md5_hex);
    let sign = crate::telephony::zadarma_signature(&z.api_secret, &text);
    let auth = format!("{}:{sign}", z.api_key);
    let url = format!("{}{method}?{query}", api_base(z));
    let mut resp = crate::outbound::send(
        Method::Get,
        &url,
        &[("authorization", auth.as_str())],
        None,
        secs,
    )
    .await?;
    let code = resp.status_code();
    let v: serde_json::Value = resp.json().await.unwrap_or_default();
    if (200..300).contains(&code) && v["status"].as_str() == Some("success") {
        return Ok(v);
    }
    Err(format!(
        "Zadarma answered {code}: {}",
        v["message"].as_str().unwrap_or("")
    ))
}

impl SiteObject {
    /// A Zadarma call's recording: the edge asks Zadarma's API for a
    /// short-lived link with the account's key and secret (the browser never
    /// sees them), and fetches the audio from that link, only if it is on
    /// the same API's host (never an address of anyone's choosing).
    pub(super) async fn zadarma_recording(&self, z: &ZadarmaSpec, link: &str) -> R<Response> {
        let prefix = format!("{}{RECORD_REQUEST}?call_id=", api_base(z));
        let id = link
            .strip_prefix(&prefix)
            .filter(|id| record_link(z, Some(id)).as_deref() == Some(link))
            .ok_or_else(|| {
                ApiError::Conflict(
                    "the recording is not one of the site's Zadarma account: open its link".into(),
                )
            })?;
        // The link lives 3 minutes, Zadarma's shortest: it is used at once.
        let v = zadarma_get(
            z,
            RECORD_REQUEST,
            &[("call_id", id), ("lifetime", "180")],
            10,
        )
        .await
        .map_err(ApiError::Upstream)?;
        let audio = v["link"]
            .as_str()
            .or_else(|| v["links"][0].as_str())
            .filter(|l| l.starts_with(&format!("{}/", api_base(z))))
            .ok_or_else(|| {
                ApiError::Upstream("Zadarma gave no link to the recording on its own host".into())
            })?;
        let mut resp = crate::outbound::send(Method::Get, audio, &[], None, 20)
            .await
            .map_err(|e| ApiError::Upstream(format!("Zadarma did not answer: {e}")))?;
        let code = resp.status_code();
        if !(200..300).contains(&code) {
            return Err(ApiError::Upstream(format!(
                "Zadarma answered {code} for the recording"
            )));
        }
        super::recordings::audio(&mut resp).await
    }

    /// `GET /v1/sites/{site}/pbx/zadarma?zd_echo=...`: Zadarma checks the
    /// address before it sends events to it; the answer is the value sent.
    pub(super) fn zadarma_echo(&self, req: &Request) -> R<Response> {
        self.require_site()?;
        let q = http::query(req);
        let echo = q
            .get("zd_echo")
            .filter(|e| {
                !e.is_empty() && e.len() <= 64 && e.bytes().all(|b| b.is_ascii_alphanumeric())
            })
            .ok_or_else(|| {
                ApiError::field("zd_echo", "Zadarma's check: 1 to 64 letters or digits")
            })?;
        http::text(echo)
    }

    /// `POST /v1/sites/{site}/pbx/zadarma`: one of Zadarma's events.
    pub(super) async fn zadarma_event(
        &self,
        req: &Request,
        body: &[u8],
        site: &str,
    ) -> R<Response> {
        self.require_site()?;
        let z = self
            .with_loaded(|l| l.site.config().integrations.zadarma.clone())?
            .ok_or_else(|| ApiError::NotFound("Zadarma is not set up for this site".into()))?;
        let pairs = http::pairs(super::form_text(req, body, MAX_PUBLIC_BODY)?);
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let sent = req
            .headers()
            .get("signature")
            .ok()
            .flatten()
            .unwrap_or_default();
        let ok = zadarma::signed_text(&get)
            .map(|t| crate::telephony::zadarma_signature(&z.api_secret, &t))
            .is_some_and(|want| crate::guard::constant_time_eq(want.as_bytes(), sent.as_bytes()));
        if !ok {
            return Err(ApiError::Unauthorized);
        }
        let event = get("event").unwrap_or_default();
        let Some(id) =
            get("pbx_call_id").filter(|i| !i.is_empty() && i.len() <= 128 && !i.contains('/'))
        else {
            return Err(ApiError::field("pbx_call_id", "Zadarma's call id"));
        };
        let id = format!("zd-{id}");
        let region = self.with_loaded(|l| l.site.config().region)?;
        let secs = |k: &str| {
            get(k)
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_secs)
        };
        let extension = |k: &str| {
            get(k)
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
        };
        let outbound = event.starts_with("NOTIFY_OUT_");
        let incoming = |status: Status| Incoming {
            id: id.clone(),
            source: "zadarma",
            tracking_raw: number(
                get(if outbound { "caller_id" } else { "called_did" }).unwrap_or_default(),
            ),
            caller: get(if outbound { "destination" } else { "caller_id" })
                .and_then(|c| crate::telephony::caller_id(&number(c), region)),
            started_at: now(),
            status,
            duration: Duration::ZERO,
            end_reason: None,
            recording_url: None,
            outcome: None,
            agent: extension("internal"),
            wait: None,
            outbound,
            callback: false,
            missed_reason: None,
            rang: false,
        };
        // The end, when this event is one.
        let end = match event {
            "NOTIFY_END" | "NOTIFY_OUT_END" => {
                let d = get("disposition").unwrap_or_default();
                Some(zadarma::disposition(d).ok_or_else(|| {
                    ApiError::field("disposition", format!("{d:?} is not one of Zadarma's"))
                })?)
            }
            _ => None,
        };
        // The office calling back a visitor who asked for it (click-to-call):
        // the request is connected, or failed.
        if let (Some((status, _)), Some(dest)) = (end.filter(|_| outbound), get("destination")) {
            let (phone, talk) = (number(dest), secs("duration"));
            let d = get("disposition").unwrap_or_default().to_string();
            self.mutate(Some(Handler::ZadarmaEvent), |l, db| {
                SiteObject::zadarma_callback_end(l, db, &phone, status.is_answered(), talk, &d)
            })?;
        }
        // A recorded call's end, or its recording ready: where to ask for it.
        let recorded = match event {
            "NOTIFY_END" | "NOTIFY_OUT_END" if get("is_recorded") == Some("1") => {
                record_link(&z, get("call_id_with_rec"))
            }
            "NOTIFY_RECORD" => record_link(&z, get("call_id_with_rec")),
            _ => None,
        };
        let known = store::call(&self.ready()?, &id)?.is_some();
        if !known {
            if !matches!(
                event,
                "NOTIFY_START" | "NOTIFY_OUT_START" | "NOTIFY_END" | "NOTIFY_OUT_END"
            ) {
                // An extension's ring or an answer for a call never started here: nothing to add to.
                return http::text("");
            }
            let mut inc = incoming(end.map_or(Status::Ringing, |(s, _)| s));
            if let Some((_, reason)) = end {
                inc.duration = secs("duration").unwrap_or(Duration::ZERO);
                inc.agent = extension("last_internal").or(inc.agent);
                inc.rang = inc.agent.is_some();
                inc.missed_reason = reason;
                inc.end_reason = get("disposition").map(str::to_string);
                inc.recording_url = recorded;
            }
            let found = if outbound {
                Found::nothing()
            } else {
                self.attribution(site, &inc).await?
            };
            self.mutate(Some(Handler::ZadarmaEvent), |l, db| {
                record_call(l, db, inc, found).map(|_| ())
            })?;
            self.schedule().await?;
            return http::text("");
        }
        let change = match (event, end) {
            ("NOTIFY_INTERNAL", _) => CallChange {
                agent: Some(extension("internal")),
                rang: true,
                ..CallChange::default()
            },
            ("NOTIFY_ANSWER", _) => CallChange {
                status: Some(Status::Answered),
                agent: Some(extension("internal")),
                rang: true,
                ..CallChange::default()
            },
            ("NOTIFY_RECORD", _) if recorded.is_some() => CallChange {
                recording_url: recorded,
                ..CallChange::default()
            },
            (_, Some((status, reason))) => {
                let agent = extension("last_internal");
                CallChange {
                    status: Some(status),
                    duration: secs("duration"),
                    end_reason: get("disposition").map(str::to_string),
                    recording_url: recorded,
                    rang: agent.is_some(),
                    agent: agent.map(Some),
                    missed_reason: reason,
                    ..CallChange::default()
                }
            }
            _ => return http::text(""),
        };
        let at = now();
        self.mutate(Some(Handler::ZadarmaEvent), |l, db| {
            let row = store::call(db, &id)?.ok_or(ApiError::Internal)?;
            let mut change = change;
            if event == "NOTIFY_ANSWER" && row.answered_at.is_none() {
                // How long the caller waited: from the start to this answer.
                let waited = at.millis() - Instant::from_millis(row.started_at).millis();
                change.wait = Some(Duration::from_millis(waited.max(0) as u64));
            }
            update_call(l, db, row, change).map(|_| ())
        })?;
        self.schedule().await?;
        http::text("")
    }
}
