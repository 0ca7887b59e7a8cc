//! The outbox: signed webhooks to CRMs and GA4 events, queued inside the
//! change that causes them (so an event is sent exactly when its change is
//! stored), delivered and retried by the alarm.

use serde::Deserialize;
use worker::{Headers, Method, Request, Response};

use pool_core::delivery::{self, Next};
use pool_core::site::{
    GoogleAdsSpec, GA4_ENDPOINT, GOOGLE_ADS_API, GOOGLE_ADS_VERSION, GOOGLE_TOKEN_URL, METRICA_API,
    PIPEDRIVE_API, POSTMARK_API, TWILIO_API,
};
use pool_core::time::Instant;

use super::call_view::view;
use super::{json, now, Loaded, SiteObject, R};
use crate::error::ApiError;
use crate::http;
use crate::outbound::{self, send_with};
use crate::store::{self, CallRow, Settled, Tx};
use crate::telephony;

/// How long one delivery may take.
const DELIVERY_TIMEOUT_SECS: u64 = 10;

/// One event to send: a signed webhook (`webhook`), a GA4 event (`ga4`),
/// an SMS through Twilio's Messages API (`sms`), an e-mail through
/// Postmark's API (`email`), a deal in Pipedrive, a call for Metrica or
/// Google Ads. No secret is queued with it: the secret (a webhook's,
/// `account_sid:auth_token`, the server token, GA4's API secret) is taken
/// from the site's config when it is sent, and only while the config still
/// names the address it goes to ([`credentials`]).
pub(super) use crate::store::Outgoing;

/// Queues one event, inside the change that causes it.
pub(super) fn enqueue(db: &Tx, o: Outgoing<'_>) -> R<()> {
    store::enqueue(db, o, now().millis())?;
    Ok(())
}

/// Queues `event` about `subject` for every webhook that wants it.
pub(super) fn enqueue_event(
    l: &Loaded,
    db: &Tx,
    event: &str,
    subject: &str,
    data: serde_json::Value,
) -> R<()> {
    let site = store::meta(db, "site")?.unwrap_or_default();
    let idem = format!("{event}:{subject}");
    let body = serde_json::json!({
        "event": event,
        "id": idem,
        "site": site,
        "occurred_at": now().millis(),
        "data": data,
    })
    .to_string();
    for h in &l.site.config().integrations.webhooks {
        if h.events.is_empty() || h.events.iter().any(|e| e == event) {
            enqueue(
                db,
                Outgoing {
                    kind: "webhook",
                    url: &h.url,
                    event,
                    idem: &idem,
                    body: &body,
                },
            )?;
        }
    }
    Ok(())
}

/// Queues a call event with the call as the API shows it (caller in full: the CRM needs it).
pub(super) fn enqueue_call(l: &Loaded, db: &Tx, row: &CallRow, event: &str) -> R<()> {
    let data = super::encode_value(&view(row, true, l.site.config()))?;
    enqueue_event(l, db, event, &row.id, data)
}

/// GA4: `phone_call` for every call that is over, `target_call` for target calls,
/// with the visitor's `_ga` client id (none: nothing to join, nothing sent).
pub(super) fn enqueue_ga4_call(l: &Loaded, db: &Tx, row: &CallRow) -> R<()> {
    let (Some(g), Some(client_id)) = (&l.site.config().integrations.ga4, &row.ga_client_id) else {
        return Ok(());
    };
    let params = serde_json::json!({
        "call_id": row.id,
        "channel": row.channel,
        "source": row.source_name,
        "medium": row.medium,
        "campaign": row.campaign,
        "term": row.term,
        "answered": row.status.is_answered(),
        "call_status": row.status.as_str(),
        "duration_sec": row.duration_ms.max(0) / 1000,
        "target_call": row.target,
    });
    let mut events = vec![serde_json::json!({"name": "phone_call", "params": params})];
    if row.target {
        events.push(serde_json::json!({"name": "target_call", "params": params}));
    }
    let body = serde_json::json!({
        "client_id": client_id,
        "timestamp_micros": row.started_at * 1000,
        "events": events,
    });
    enqueue_ga4(db, g, "ga4.phone_call", &row.id, &body)
}

/// A call that is over, to the ad platforms the site sends calls to (its
/// visit's ids read once for all of them).
pub(super) fn enqueue_ad_platforms(l: &Loaded, db: &Tx, row: &CallRow) -> R<()> {
    let i = &l.site.config().integrations;
    if i.metrica.is_none() && i.google_ads.is_none() {
        return Ok(());
    }
    let ids = AdIds::of(row);
    enqueue_metrica_call(l, db, row, &ids)?;
    enqueue_google_ads_call(l, db, row, &ids)
}

/// Yandex Metrica: a call that is over, attributed with confidence to a
/// visit Metrica knows, goes to the tag as an offline call
/// (`upload_calls`, a CSV in a multipart form); pool_core::conversion
/// decides whether it goes and what it says.
fn enqueue_metrica_call(l: &Loaded, db: &Tx, row: &CallRow, ids: &AdIds) -> R<()> {
    let Some(m) = &l.site.config().integrations.metrica else {
        return Ok(());
    };
    let Some(csv) = ids
        .call(row)
        .and_then(|c| pool_core::conversion::metrica_calls_csv(&c))
    else {
        return Ok(());
    };
    enqueue(
        db,
        Outgoing {
            kind: "metrica",
            url: &metrica_url(m),
            event: "metrica.upload_calls",
            idem: &format!("metrica:{}", row.id),
            body: &multipart_file("calls.csv", "text/csv", &csv),
        },
    )
}

/// Google Ads: a target call over, attributed with confidence to a Google
/// Ads click, goes as a click conversion of its `gclid` with the call's
/// value (its outcome's, when it has one by then) and the site's currency;
/// the call's id is the conversion's `orderId`, so Google Ads counts it once.
fn enqueue_google_ads_call(l: &Loaded, db: &Tx, row: &CallRow, ids: &AdIds) -> R<()> {
    let config = l.site.config();
    let Some(g) = &config.integrations.google_ads else {
        return Ok(());
    };
    let Some(c) = ids
        .call(row)
        .and_then(|c| pool_core::conversion::google_ads_click(&c))
    else {
        return Ok(());
    };
    let customer = GoogleAdsSpec::customer(&g.customer_id);
    let body = serde_json::json!({
        "conversions": [{
            "gclid": c.gclid,
            "conversionAction": format!("customers/{customer}/conversionActions/{}", g.conversion_action_id),
            "conversionDateTime": c.date_time,
            "conversionValue": c.value_minor as f64 / 100.0,
            "currencyCode": config.currency,
            "orderId": row.id,
        }],
        "partialFailure": true,
    });
    enqueue(
        db,
        Outgoing {
            kind: "google_ads",
            url: &google_ads_url(g),
            event: "google_ads.click_conversion",
            idem: &format!("google_ads:{}", row.id),
            body: &body.to_string(),
        },
    )
}

/// The ad platforms' ids of a call's visit: Metrica's ClientID, and the
/// click's `yclid` or `gclid`.
struct AdIds {
    ym: Option<String>,
    click: Option<(String, String)>,
}

impl AdIds {
    fn of(row: &CallRow) -> AdIds {
        let visit: Option<serde_json::Value> = row
            .visit
            .as_deref()
            .and_then(|v| serde_json::from_str(v).ok());
        let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
        AdIds {
            ym: visit.as_ref().and_then(|v| text(&v["ym_client_id"])),
            click: visit.as_ref().and_then(|v| {
                Some((
                    text(&v["click_id"]["kind"])?,
                    text(&v["click_id"]["value"])?,
                ))
            }),
        }
    }

    fn click(&self, kind: &str) -> Option<&str> {
        self.click
            .as_ref()
            .filter(|(k, _)| k == kind)
            .map(|(_, v)| v.as_str())
    }

    /// The call as the ad platforms need it; none for a call the business made.
    fn call<'a>(&'a self, row: &'a CallRow) -> Option<pool_core::conversion::CallForAds<'a>> {
        (!row.outbound()).then(|| pool_core::conversion::CallForAds {
            started_at_ms: row.started_at,
            confident: row.confidence == pool_core::call::Confidence::High,
            missed: row.status.is_missed(),
            talk_secs: (row.duration_ms.max(0) / 1000) as u64,
            hold_secs: row
                .answered_at
                .map(|a| ((a - row.started_at).max(0) / 1000) as u64),
            first_time: row.first_call,
            target: row.target,
            ym_client_id: self.ym.as_deref(),
            yclid: self.click("yclid"),
            gclid: self.click("gclid"),
            value_minor: row.value_minor.map(|v| v.max(0) as u64),
            landing_page: row.landing_page.as_deref(),
        })
    }
}

/// Google Ads' `uploadClickConversions` address for the account.
fn google_ads_url(g: &GoogleAdsSpec) -> String {
    format!(
        "{}/{GOOGLE_ADS_VERSION}/customers/{}:uploadClickConversions",
        g.api_base
            .as_deref()
            .unwrap_or(GOOGLE_ADS_API)
            .trim_end_matches('/'),
        GoogleAdsSpec::customer(&g.customer_id)
    )
}

/// Metrica's `upload_calls` address for the site's tag.
fn metrica_url(m: &pool_core::site::MetricaSpec) -> String {
    format!(
        "{}/management/v1/counter/{}/offline_conversions/upload_calls?comment=calltrack",
        m.api_base
            .as_deref()
            .unwrap_or(METRICA_API)
            .trim_end_matches('/'),
        m.counter_id
    )
}

/// A multipart/form-data body of one file field (`file`), its boundary on
/// its first line (`send` reads it from there).
fn multipart_file(name: &str, content_type: &str, content: &str) -> String {
    let mut boundary = String::from("calltrack-form-boundary");
    while content.contains(&boundary) {
        boundary.push('x');
    }
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n{content}\r\n--{boundary}--\r\n"
    )
}

/// A call was given an outcome (or it changed): the `call.outcome` webhook,
/// and GA4's `call_outcome` with its value when the visit is known.
pub(super) fn enqueue_outcome(l: &Loaded, db: &Tx, row: &CallRow) -> R<()> {
    let subject = format!("{}:{}", row.id, row.outcome_at.unwrap_or(row.updated_at));
    let data = super::encode_value(&view(row, true, l.site.config()))?;
    enqueue_event(l, db, "call.outcome", &subject, data)?;
    let (Some(g), Some(client_id), Some(label)) = (
        &l.site.config().integrations.ga4,
        &row.ga_client_id,
        &row.outcome,
    ) else {
        return Ok(());
    };
    let params = serde_json::json!({
        "call_id": row.id,
        "outcome": label,
        "successful": row.successful.unwrap_or(false),
        "value": row.value_minor.unwrap_or(0) as f64 / 100.0,
        "currency": l.site.config().currency,
        "channel": row.channel,
        "source": row.source_name,
        "medium": row.medium,
        "campaign": row.campaign,
    });
    let body = serde_json::json!({
        "client_id": client_id,
        "events": [{"name": "call_outcome", "params": params}],
    });
    enqueue_ga4(db, g, "ga4.call_outcome", &subject, &body)
}

/// Queues the sync of a target call (`call`) or a lead (`lead`) as a deal,
/// for each CRM the site has (Pipedrive, amoCRM).
pub(super) fn enqueue_deal(l: &Loaded, db: &Tx, item: &str, id: &str) -> R<()> {
    let integrations = &l.site.config().integrations;
    if let Some(p) = &integrations.pipedrive {
        let body = serde_json::json!({"item": item, "id": id}).to_string();
        enqueue(
            db,
            Outgoing {
                kind: "pipedrive",
                url: p.api_base.as_deref().unwrap_or(PIPEDRIVE_API),
                event: "crm.deal",
                idem: &format!("pipedrive:{item}:{id}"),
                body: &body,
            },
        )?;
    }
    enqueue_amocrm(l, db, item, id, "deal")
}

/// Queues a task in the CRM to call back a missed call's caller (amoCRM).
pub(super) fn enqueue_task(l: &Loaded, db: &Tx, id: &str) -> R<()> {
    enqueue_amocrm(l, db, "call", id, "task")
}

fn enqueue_amocrm(l: &Loaded, db: &Tx, item: &str, id: &str, what: &str) -> R<()> {
    let Some(a) = &l.site.config().integrations.amocrm else {
        return Ok(());
    };
    let body = super::encode(&store::AmoItem {
        item: item.to_string(),
        id: id.to_string(),
        what: what.to_string(),
    })?;
    enqueue(
        db,
        Outgoing {
            kind: "amocrm",
            url: &a.base(),
            event: if what == "task" {
                "crm.task"
            } else {
                "crm.deal"
            },
            idem: &format!("amocrm:{what}:{item}:{id}"),
            body: &body,
        },
    )
}

/// Queues a GA4 Measurement Protocol hit about `subject` (its idempotency key).
pub(super) fn enqueue_ga4(
    db: &Tx,
    g: &pool_core::site::Ga4Spec,
    event: &str,
    subject: &str,
    body: &serde_json::Value,
) -> R<()> {
    enqueue(
        db,
        Outgoing {
            kind: "ga4",
            url: &ga4_url(g),
            event,
            idem: &format!("ga4:{subject}"),
            body: &body.to_string(),
        },
    )
}

impl SiteObject {
    /// `POST /v1/sites/{site}/deliveries/{id}/retry`: a delivery that
    /// failed (or was refused) is tried again now, with a new window of
    /// tries ([`delivery::RETRY_FOR`]); the receiver's idempotency key is
    /// the same, so one that did take it sees it once.
    pub(super) fn retry_delivery(&self, id: &str) -> R<Response> {
        self.require_site()?;
        let id: i64 = id
            .parse()
            .map_err(|_| ApiError::NotFound("no such delivery".into()))?;
        let db = self.ready()?;
        let Some(state) = store::delivery_state(&db, id)? else {
            return Err(ApiError::NotFound("no such delivery".into()));
        };
        if !delivery::replay(&state) {
            return Err(ApiError::Conflict(format!(
                "delivery {id} is {state}: only a failed or refused one is tried again"
            )));
        }
        let at = now().millis();
        self.mutate(None, |_, db| Ok(store::retry_delivery(db, id, at)?))?;
        json(
            202,
            &serde_json::json!({"id": id, "state": "pending", "next_at": at}),
        )
    }

    /// `GET /v1/sites/{site}/deliveries`: the outbox, newest first: what was
    /// sent, what is retried, what failed or was refused and why.
    pub(super) fn deliveries(&self, req: &Request) -> R<Response> {
        let _ = req;
        self.require_site()?;
        let rows = store::deliveries(&self.ready()?, 500)?;
        let out: Vec<serde_json::Value> = rows
            .into_iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id, "kind": r.kind,
                    // The GA4 secret rides in the query: not shown.
                    "url": r.url.split('?').next().unwrap_or(""),
                    "event": r.event, "idempotency_key": r.idem, "attempts": r.attempts,
                    "next_at": r.next_at, "state": r.state, "last_error": r.last_error,
                    "created_at": r.created_at, "done_at": r.done_at,
                })
            })
            .collect();
        json(200, &serde_json::json!({"deliveries": out}))
    }

    /// The earliest time an undelivered event is due.
    pub(super) fn next_delivery(&self) -> Option<i64> {
        store::next_delivery(&self.ready().ok()?).ok().flatten()
    }

    /// Sends what is due; what fails is tried again as
    /// [`delivery::after_failure`] says (for at least 72 hours), then kept
    /// as failed, replayable.
    pub(super) async fn deliver(&self) {
        // One run at a time: two (the alarm, and a request that runs due
        // work) would send the same due rows twice while their sends await.
        if self.delivering.replace(true) {
            return;
        }
        self.deliver_due().await;
        self.delivering.set(false);
    }

    async fn deliver_due(&self) {
        let Ok(db) = self.ready() else { return };
        let due = match store::due(&db, now().millis(), 20) {
            Ok(d) => d,
            Err(e) => {
                worker::console_error!("outbox: {e}");
                return;
            }
        };
        for d in due {
            let synced = match d.kind.as_str() {
                "pipedrive" => Some(self.sync_pipedrive(&d.body).await),
                "amocrm" => Some(self.sync_amocrm(&d.body).await),
                _ => None,
            };
            let result = if let Some(s) = synced {
                s.map_err(|e| {
                    if e.refused {
                        Failure::Refused(e.message)
                    } else {
                        Failure::Again(e.message)
                    }
                })
            } else {
                // A row queued before secrets stayed out of the outbox carries its own.
                let resolved = match &d.secret {
                    Some(s) => Ok((d.url.clone(), Some(s.clone()))),
                    None => self
                        .with_loaded(|l| credentials(l.site.config(), &d.kind, &d.url))
                        .unwrap_or_else(|_| Err("the site is not loaded".into())),
                };
                match resolved {
                    Ok((url, secret)) => {
                        send(&d.kind, &url, secret.as_deref(), &d.event, &d.idem, &d.body).await
                    }
                    Err(e) => Err(Failure::Refused(e)),
                }
            };
            let attempts = d.attempts + 1;
            let done = now().millis();
            let settled = match &result {
                Ok(()) => Settled::Delivered,
                // What the vendor refuses as such (a bad number, a sender it
                // does not know) fails the same way every time: refused now.
                Err(Failure::Refused(e)) => Settled::Over {
                    state: "refused",
                    error: e,
                },
                Err(Failure::Again(e)) => {
                    let tries = u32::try_from(attempts).unwrap_or(u32::MAX);
                    match delivery::after_failure(
                        Instant::from_millis(d.since),
                        tries,
                        Instant::from_millis(done),
                    ) {
                        Next::Failed => Settled::Over {
                            state: "failed",
                            error: e,
                        },
                        Next::At(t) => Settled::Again {
                            next_at: t.millis(),
                            error: e,
                        },
                    }
                }
            };
            let update = db.atomically(|tx| Ok(store::settle(tx, d.id, attempts, done, settled)?));
            if let Err(e) = update {
                worker::console_error!("outbox: {}", e.body());
            }
        }
    }
}

/// GA4's address for the site's stream, without its API secret (added when sent).
fn ga4_url(g: &pool_core::site::Ga4Spec) -> String {
    let base = g.endpoint.as_deref().unwrap_or(GA4_ENDPOINT);
    let sep = if base.contains('?') { '&' } else { '?' };
    format!(
        "{base}{sep}measurement_id={}",
        http::urlencode(&g.measurement_id)
    )
}

/// The address and secret a queued delivery goes with, from the site's
/// config as it is now: the secret only while the config names the very
/// address the delivery goes to (a webhook's `url`, Twilio's or
/// Postmark's `api_base`, GA4's `endpoint` and stream). `Err`: the
/// integration is gone or moved, and the delivery is refused.
fn credentials(
    c: &pool_core::site::Config,
    kind: &str,
    url: &str,
) -> std::result::Result<(String, Option<String>), String> {
    let i = &c.integrations;
    let under = |base: &str| url.starts_with(&format!("{}/", base.trim_end_matches('/')));
    let gone = || format!("the site's config no longer sends {kind} to this address");
    match kind {
        "webhook" => {
            let h = i.webhooks.iter().find(|h| h.url == url).ok_or_else(gone)?;
            Ok((url.to_string(), Some(h.secret.clone())))
        }
        "sms" => {
            let t = i.twilio.as_ref().ok_or_else(gone)?;
            let sid = t.account_sid.as_deref().ok_or_else(gone)?;
            if !under(t.api_base.as_deref().unwrap_or(TWILIO_API)) {
                return Err(gone());
            }
            Ok((url.to_string(), Some(format!("{sid}:{}", t.auth_token))))
        }
        "email" => {
            let e = i.email.as_ref().ok_or_else(gone)?;
            if !under(e.api_base.as_deref().unwrap_or(POSTMARK_API)) {
                return Err(gone());
            }
            Ok((url.to_string(), Some(e.server_token.clone())))
        }
        "ga4" => {
            let g = i.ga4.as_ref().ok_or_else(gone)?;
            if url != ga4_url(g) {
                return Err(gone());
            }
            Ok((
                format!("{url}&api_secret={}", http::urlencode(&g.api_secret)),
                None,
            ))
        }
        "google_ads" => {
            let g = i.google_ads.as_ref().ok_or_else(gone)?;
            if url != google_ads_url(g) {
                return Err(gone());
            }
            Ok((
                url.to_string(),
                Some(GoogleCredentials::json(g).to_string()),
            ))
        }
        "metrica" => {
            let m = i.metrica.as_ref().ok_or_else(gone)?;
            if url != metrica_url(m) {
                return Err(gone());
            }
            Ok((url.to_string(), Some(m.oauth_token.clone())))
        }
        _ => Ok((url.to_string(), None)),
    }
}

/// Why a delivery failed.
pub(super) enum Failure {
    /// Worth another try later (no answer, a 5xx, a 429).
    Again(String),
    /// Refused as such by an SMS or e-mail API (a 4xx): never retried.
    Refused(String),
}

impl Failure {
    /// What went wrong.
    pub(super) fn message(self) -> String {
        match self {
            Failure::Again(m) | Failure::Refused(m) => m,
        }
    }
}

impl From<String> for Failure {
    fn from(e: String) -> Failure {
        Failure::Again(e)
    }
}

/// One delivery attempt.
async fn send(
    kind: &str,
    url: &str,
    secret: Option<&str>,
    event: &str,
    idem: &str,
    body: &str,
) -> std::result::Result<(), Failure> {
    if kind == "google_ads" {
        return send_google_ads(url, secret.unwrap_or_default(), body).await;
    }
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
    set("user-agent", "calltrack-webhooks/1")?;
    match (kind, secret) {
        ("sms", Some(s)) => {
            use base64::Engine;
            set("content-type", "application/x-www-form-urlencoded")?;
            set("accept", "application/json")?;
            let basic = base64::engine::general_purpose::STANDARD.encode(s);
            set("authorization", &format!("Basic {basic}"))?;
        }
        ("email", Some(s)) => {
            set("content-type", "application/json")?;
            set("accept", "application/json")?;
            set("x-postmark-server-token", s)?;
        }
        ("metrica", Some(s)) => {
            let boundary = body
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("--"))
                .unwrap_or_default();
            set(
                "content-type",
                &format!("multipart/form-data; boundary={boundary}"),
            )?;
            set("accept", "application/json")?;
            set("authorization", &format!("OAuth {s}"))?;
        }
        _ => set("content-type", "application/json")?,
    }
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
    match send_with(
        Method::Post,
        url,
        headers,
        Some(body),
        DELIVERY_TIMEOUT_SECS,
    )
    .await
    {
        Ok(mut resp) => {
            let code = resp.status_code();
            if (200..300).contains(&code) {
                return Ok(());
            }
            let refused = matches!(kind, "sms" | "email" | "metrica")
                && (400..500).contains(&code)
                && code != 408
                && code != 429;
            if !refused {
                return Err(Failure::Again(format!("answered {code}")));
            }
            Err(Failure::Refused(format!(
                "answered {code}: {}",
                said(&mut resp).await
            )))
        }
        Err(e) => Err(Failure::Again(e)),
    }
}

thread_local! {
    /// Google's OAuth access tokens, by the refresh token's hash: the token
    /// and until when it is good (ms since the epoch). In memory only.
    static GOOGLE_TOKENS: std::cell::RefCell<std::collections::HashMap<String, (String, i64)>> =
        Default::default();
}

/// The OAuth credentials of a Google Ads delivery (resolved from the config as it is sent).
#[derive(Deserialize)]
pub(super) struct GoogleCredentials {
    developer_token: String,
    login_customer_id: Option<String>,
    client_id: String,
    client_secret: String,
    refresh_token: String,
    token_url: String,
}

impl GoogleCredentials {
    /// The credentials of `g`, as JSON (resolved from the config when a delivery is sent).
    fn json(g: &GoogleAdsSpec) -> serde_json::Value {
        serde_json::json!({
            "developer_token": g.developer_token,
            "login_customer_id": g.login_customer_id.as_deref().map(GoogleAdsSpec::customer),
            "client_id": g.client_id,
            "client_secret": g.client_secret,
            "refresh_token": g.refresh_token,
            "token_url": g.token_url.as_deref().unwrap_or(GOOGLE_TOKEN_URL),
        })
    }

    /// The credentials of `g`.
    pub(super) fn of(g: &GoogleAdsSpec) -> Option<GoogleCredentials> {
        serde_json::from_value(GoogleCredentials::json(g)).ok()
    }

    /// The headers of an API request with `token`: the access token, the
    /// developer token, the manager account.
    pub(super) fn headers(&self, token: &str) -> worker::Result<Headers> {
        let h = Headers::new();
        h.set("content-type", "application/json")?;
        h.set("authorization", &format!("Bearer {token}"))?;
        h.set("developer-token", &self.developer_token)?;
        if let Some(l) = &self.login_customer_id {
            h.set("login-customer-id", l)?;
        }
        Ok(h)
    }

    /// Forgets the access token (Google answered 401).
    pub(super) fn forget_token(&self) {
        let key = crate::guard::sha256_hex(&self.refresh_token);
        GOOGLE_TOKENS.with(|m| m.borrow_mut().remove(&key));
    }
}

/// A JSON answer's own words: Google's `error.message` (or an OAuth
/// `error` and `error_description`), Twilio's and Metrica's `message`,
/// Postmark's `Message`.
pub(super) async fn said(resp: &mut Response) -> String {
    let v = resp.json::<serde_json::Value>().await.unwrap_or_default();
    let s = |v: &serde_json::Value| v.as_str().map(str::to_string);
    s(&v["error"]["message"])
        .or_else(|| {
            let e = s(&v["error"])?;
            Some(match s(&v["error_description"]) {
                Some(d) => format!("{e}: {d}"),
                None => e,
            })
        })
        .or_else(|| s(&v["message"]))
        .or_else(|| s(&v["Message"]))
        .unwrap_or_default()
}

/// An access token for Google's API from the refresh token (kept until a
/// minute before it ends).
pub(super) async fn google_token(c: &GoogleCredentials) -> std::result::Result<String, Failure> {
    let key = crate::guard::sha256_hex(&c.refresh_token);
    let at = now().millis();
    if let Some(t) = GOOGLE_TOKENS.with(|m| {
        m.borrow()
            .get(&key)
            .filter(|(_, until)| *until > at)
            .map(|(t, _)| t.clone())
    }) {
        return Ok(t);
    }
    let form = format!(
        "grant_type=refresh_token&client_id={}&client_secret={}&refresh_token={}",
        http::urlencode(&c.client_id),
        http::urlencode(&c.client_secret),
        http::urlencode(&c.refresh_token)
    );
    let headers = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("accept", "application/json"),
    ];
    let mut resp = outbound::send(
        Method::Post,
        &c.token_url,
        &headers,
        Some(&form),
        DELIVERY_TIMEOUT_SECS,
    )
    .await
    .map_err(Failure::Again)?;
    let code = resp.status_code();
    if !(200..300).contains(&code) {
        let why = format!(
            "the token endpoint answered {code}: {}",
            said(&mut resp).await
        );
        // A refresh token revoked or a client unknown: the same every time.
        return Err(if (400..500).contains(&code) && code != 429 {
            Failure::Refused(why)
        } else {
            Failure::Again(why)
        });
    }
    #[derive(Deserialize)]
    struct Token {
        access_token: String,
        #[serde(default)]
        expires_in: Option<i64>,
    }
    let t: Token = resp
        .json()
        .await
        .map_err(|e| Failure::Again(format!("the token endpoint's answer: {e}")))?;
    let until = at + (t.expires_in.unwrap_or(3600).max(120) - 60) * 1000;
    GOOGLE_TOKENS.with(|m| m.borrow_mut().insert(key, (t.access_token.clone(), until)));
    Ok(t.access_token)
}

/// One Google Ads upload: an access token (refreshed when needed), then
/// `uploadClickConversions` with the developer token. A conversion Google
/// Ads refuses (its partial failure: the click unknown, too old, ...) is
/// refused with Google's words; an expired token is dropped and tried again.
async fn send_google_ads(url: &str, secret: &str, body: &str) -> std::result::Result<(), Failure> {
    let c: GoogleCredentials = serde_json::from_str(secret)
        .map_err(|_| Failure::Refused("the site's Google Ads credentials are unreadable".into()))?;
    let token = google_token(&c).await?;
    let headers = c.headers(&token).map_err(|e| e.to_string())?;
    let mut resp = send_with(
        Method::Post,
        url,
        headers,
        Some(body),
        DELIVERY_TIMEOUT_SECS,
    )
    .await
    .map_err(Failure::Again)?;
    let code = resp.status_code();
    if (200..300).contains(&code) {
        let v = resp.json::<serde_json::Value>().await.unwrap_or_default();
        return match v["partialFailureError"]["message"].as_str() {
            Some(m) => Err(Failure::Refused(format!("Google Ads refused it: {m}"))),
            None => Ok(()),
        };
    }
    let why = format!("answered {code}: {}", said(&mut resp).await);
    if code == 401 {
        c.forget_token();
        return Err(Failure::Again(why));
    }
    if (400..500).contains(&code) && code != 408 && code != 429 {
        return Err(Failure::Refused(why));
    }
    Err(Failure::Again(why))
}
