//! What the dashboard needs besides the reports: the site now (live
//! sessions, leased numbers, health alerts), the alerts' webhooks, and the
//! demo's "place a call" (only for sites named in `DEMO_SITES`).

use serde::Deserialize;
use worker::{Request, Response};

use pool_core::call::Status;
use pool_core::session::SessionId;
use pool_core::time::Duration;

use super::call_view::view;
use super::calls::{record_call, Incoming};
use super::outbox::enqueue_event;
use super::{check_body, json, now, SiteObject};
use crate::alerts::{self, Alert, Signals};
use crate::api;
use crate::error::ApiError;
use crate::routes::Handler;
use crate::store::{self, Db};

type R<T> = std::result::Result<T, ApiError>;

/// The body of `POST /v1/sites/{site}/demo/call`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoCall {
    /// The visitor whose number rings.
    session_id: String,
    /// Which target's number (E.164); the first by default.
    #[serde(default)]
    target: Option<String>,
    /// Answered (default) or missed.
    #[serde(default)]
    answered: Option<bool>,
    /// Talk time; 75 s by default.
    #[serde(default)]
    duration_secs: Option<u64>,
    /// A number of one of the site's sources to dial instead (a billboard's,
    /// seen on the street, not on the page).
    #[serde(default)]
    source_number: Option<String>,
}

impl SiteObject {
    /// Reads the signals of the health alerts.
    fn signals(&self, db: &Db) -> R<Signals> {
        let at = now().millis();
        let hour = 3_600_000;
        let mut s = Signals {
            quiet_hours: 2,
            ..Signals::default()
        };
        s.sessions_week = store::sessions_created_since(db, at - 7 * 24 * hour)?;
        s.sessions_recent = store::sessions_seen_since(db, at - 2 * hour)?;
        let pages = store::pages_since(db, at - 24 * hour)?;
        s.pages_reported = pages.len() as u64;
        for p in &pages {
            let left: std::collections::BTreeMap<String, u64> =
                serde_json::from_str(&p.unswapped).unwrap_or_default();
            if left.get("other").is_some_and(|n| *n > 0) {
                s.pages_unswapped += 1;
            }
            if p.found == 0.0 {
                s.pages_without_numbers += 1;
            }
        }
        // Fallbacks since the sample of the previous hour (or of this one).
        let this_hour = at.div_euclid(hour);
        let samples = store::samples(db, this_hour - 1, i64::MAX)?;
        if let Some(l) = self.loaded.borrow().as_ref() {
            for (t, p) in l.site.pools() {
                let m = p.metrics();
                let key = t.number.to_string();
                if let Some((_, base)) = samples.iter().find(|(t, _)| *t == key) {
                    s.fallbacks_hour += m.fallbacks.saturating_sub(base.fallbacks);
                    s.requests_hour += m.requests.saturating_sub(base.requests);
                }
            }
        }
        Ok(s)
    }

    /// This shard's signals (the whole site's, for a site of one shard).
    pub(super) fn local_signals(&self) -> R<Signals> {
        let db = self.ready()?;
        self.signals(&db)
    }

    /// The site's signals: this shard's, and every other shard's added.
    async fn site_signals(&self, site: &str) -> R<Signals> {
        let mut s = self.local_signals()?;
        let (me, span) = (self.place()?.0, self.span()?);
        if me == 0 {
            for k in 1..span {
                let theirs: Signals = self
                    .ask_shard_for(site, k, worker::Method::Get, "signals", None)
                    .await?;
                s.add(&theirs);
            }
        }
        Ok(s)
    }

    /// From the alarm: raises and clears alerts, each once, as webhooks (the
    /// coordinator, for the whole site).
    pub(super) async fn check_alerts(&self) {
        let Ok(db) = self.ready() else { return };
        if !matches!(self.place(), Ok((0, _))) {
            return;
        }
        let site = store::meta(&db, "site").ok().flatten().unwrap_or_default();
        let Ok(signals) = self.site_signals(&site).await else {
            return;
        };
        let now_alerts = alerts::check(&signals);
        let before: Vec<String> = store::meta(&db, "alerts")
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default();
        let hour = now().millis().div_euclid(3_600_000);
        let kinds: Vec<&str> = now_alerts.iter().map(|a| a.kind).collect();
        // Raised and cleared alerts go out with the new list, all or nothing.
        let _ = self.mutate(None, |l, db| {
            for a in &now_alerts {
                if !before.iter().any(|k| k == a.kind) {
                    let data = serde_json::json!({"kind": a.kind, "message": a.message});
                    enqueue_event(l, db, "alert.raised", &format!("{}:{hour}", a.kind), data)?;
                }
            }
            for k in &before {
                if !now_alerts.iter().any(|a| a.kind == k) {
                    let data = serde_json::json!({"kind": k});
                    enqueue_event(l, db, "alert.cleared", &format!("{k}:{hour}"), data)?;
                }
            }
            let v = super::encode(&kinds)?;
            store::set_meta(db, "alerts", &v)?;
            Ok(())
        });
    }

    /// `GET /v1/sites/{site}/overview`: the site now.
    pub(super) async fn overview(&self, req: &Request, site: &str) -> R<Response> {
        self.require_site()?;
        let db = self.ready()?;
        let local = super::shards::is_local(req);
        let signals = if local {
            self.local_signals()?
        } else {
            self.site_signals(site).await?
        };
        let others = self.gather(site, req).await?;
        let list: Vec<Alert> = alerts::check(&signals);
        let missed_alerts = self.waiting_alerts()?;
        let guard = self.loaded.borrow();
        let l = guard.as_ref().ok_or(ApiError::Internal)?;
        let config = l.site.config();
        let since = now().millis() - config.live_window().millis() as i64;
        let mut live = store::sessions_seen_since(&db, since)?;
        let mut pools: Vec<serde_json::Value> = l
            .site
            .pools()
            .map(|(t, p)| {
                let m = p.metrics();
                serde_json::json!({
                    "target": t.number.to_string(), "label": t.label,
                    "total": m.total, "leased": m.leased, "free": m.free, "cooling": m.cooling,
                })
            })
            .collect();
        // A sharded site: every shard's live sessions and pool counts added.
        for o in &others {
            live += o["live_sessions"].as_u64().unwrap_or(0);
            if let Some(theirs) = o["pools"].as_array() {
                for (mine, t) in pools.iter_mut().zip(theirs) {
                    for k in ["total", "leased", "free", "cooling"] {
                        let sum = mine[k].as_u64().unwrap_or(0) + t[k].as_u64().unwrap_or(0);
                        mine[k] = sum.into();
                    }
                }
            }
        }
        json(
            200,
            &serde_json::json!({
                "name": config.name,
                "time_zone": config.time_zone,
                "now": now().millis(),
                "live_sessions": live,
                "pools": pools,
                "alerts": list,
                "missed_alerts": missed_alerts,
                "signals": {
                    "sessions_week": signals.sessions_week,
                    "pages_reported": signals.pages_reported,
                    "fallbacks_hour": signals.fallbacks_hour,
                },
            }),
        )
    }

    /// `POST /v1/sites/{site}/demo/call`: the demo panel's "place a call":
    /// a call to the number the visitor sees, recorded as a PBX would. Only
    /// for sites listed in the `DEMO_SITES` variable (`npm start` sets it).
    pub(super) async fn demo_call(&self, req: &Request, body: &[u8], site: &str) -> R<Response> {
        let enabled = self
            .var("DEMO_SITES")
            .is_some_and(|v| v.split(',').any(|s| s.trim() == site));
        if !enabled {
            return Err(ApiError::NotFound("no such route".into()));
        }
        self.require_site()?;
        // Anyone may press the demo's buttons: 10 calls a minute per client, 60 in all.
        let client = crate::guard::client(site, crate::client::address(req).as_deref())
            .map_or_else(|| crate::guard::client_key(site, "unknown"), |c| c.0);
        self.demo_limiter
            .borrow_mut()
            .admit(Some(client), super::now().millis(), 10, 60)
            .map_err(ApiError::TooManyRequests)?;
        let body = check_body(req, body, api::MAX_PUBLIC_BODY, false)?;
        let d: DemoCall = api::json_body(body)?;
        let session: SessionId =
            d.session_id
                .parse()
                .map_err(|e: pool_core::session::SessionIdError| {
                    ApiError::field("session_id", e.to_string())
                })?;
        let db = self.ready()?;
        let visit = store::session_visit(&db, session)?
            .and_then(|v| serde_json::from_str::<pool_core::channel::Visit>(&v).ok());
        let (tracking, region, ring) = self.with_loaded(|l| -> R<_> {
            let config = l.site.config();
            let i = match &d.target {
                None => 0,
                Some(t) => config
                    .targets
                    .iter()
                    .position(|x| x.number.to_string() == *t)
                    .ok_or_else(|| ApiError::field("target", "not a target number of this site"))?,
            };
            // What the visitor sees now.
            let who = visit
                .as_ref()
                .map_or(pool_core::channel::Channel::Direct.into(), |v| {
                    config.audience(v)
                });
            let shown = l.site.current(session, who);
            let mut n = shown.get(i).ok_or(ApiError::Internal)?.number;
            let mut i = i;
            if let Some(raw) = &d.source_number {
                let s = config
                    .sources
                    .iter()
                    .find(|s| s.number.to_string() == *raw)
                    .ok_or_else(|| {
                        ApiError::field("source_number", "not a source number of this site")
                    })?;
                (n, i) = (s.number, s.target);
            }
            let ring: Vec<String> = config.ring_of(i).iter().map(|a| a.id.clone()).collect();
            Ok((n, config.region, ring))
        })??;
        let answered = d.answered.unwrap_or(true);
        let key = super::random_key()?;
        let id = format!("demo-{}", key.get(..12).unwrap_or("0"));
        // One of the agents the target rings takes it (or misses it), after a few seconds.
        let pick = key
            .bytes()
            .fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(b.into()));
        let agent = (!ring.is_empty()).then(|| ring[pick % ring.len()].clone());
        let caller = format!("+7916{:07}", now().millis().rem_euclid(10_000_000));
        let inc = Incoming {
            id,
            source: "api",
            tracking_raw: tracking.to_string(),
            caller: crate::telephony::caller_id(&caller, region),
            started_at: now(),
            status: if answered {
                Status::Answered
            } else {
                Status::NoAnswer
            },
            duration: if answered {
                Duration::from_secs(d.duration_secs.unwrap_or(75).min(3600))
            } else {
                Duration::ZERO
            },
            end_reason: Some(if answered { "completed" } else { "no-answer" }.into()),
            recording_url: None,
            outcome: None,
            wait: (answered && agent.is_some())
                .then(|| Duration::from_secs(3 + (pick % 15) as u64)),
            agent,
            outbound: false,
            callback: false,
            missed_reason: None,
            rang: true,
        };
        let found = self.attribution(site, &inc).await?;
        let (row, _) = self.mutate(Some(Handler::DemoCall), |l, db| {
            record_call(l, db, inc, found)
        })?;
        self.schedule().await?;
        json(
            201,
            &self.with_loaded(|l| view(&row, false, l.site.config()))?,
        )
    }
}
