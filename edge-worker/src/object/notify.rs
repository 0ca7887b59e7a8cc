//! Missed-call alerts: a missed call waits in `missed_alerts` for the next
//! message (pool-core's [`notify`] decides when: the digest interval, the
//! quiet hours); the alarm writes one message about everything waiting and
//! queues it in the outbox, an SMS per number (Twilio's Messages API) and an
//! e-mail per address (Postmark's API), retried and shown in `deliveries`
//! like the webhooks. A call back (an outgoing call to the caller) before
//! the message goes takes its call out of it.

use pool_core::notify::{self, Missed};
use pool_core::site::{Config, POSTMARK_API, TWILIO_API};
use pool_core::time::Instant;

use super::outbox::{enqueue, Outgoing};
use super::{now, Loaded, SiteObject, R};
use crate::http;
use crate::store::{self, CallRow, Db, Tx};
use crate::tz::utc_offset_ms;

const LAST_SENT: &str = "alerts.last_sent";

/// A missed call waits for the next alert (sites with recipients only).
pub(super) fn on_missed(l: &Loaded, db: &Tx, row: &CallRow) -> R<()> {
    if l.site.config().missed_alerts.is_none() {
        return Ok(());
    }
    store::await_alert(db, &row.id, row.started_at)?;
    Ok(())
}

/// The caller was called back: their missed calls leave the next alert.
pub(super) fn on_called_back(db: &Tx, caller: &str) -> R<()> {
    store::drop_called_back(db, caller)?;
    Ok(())
}

fn waiting(db: &Db) -> R<Vec<store::Waiting>> {
    Ok(store::waiting(db)?)
}

fn last_sent(db: &Db) -> R<Option<Instant>> {
    Ok(store::meta(db, LAST_SENT)?
        .and_then(|v| v.parse().ok())
        .map(Instant::from_millis))
}

/// When the next alert goes, if a call waits for one.
fn due(config: &Config, db: &Db) -> R<Option<Instant>> {
    let Some(m) = &config.missed_alerts else {
        return Ok(None);
    };
    let Some(first) = waiting(db)?.first().map(|w| Instant::from_millis(w.at)) else {
        return Ok(None);
    };
    let tz = config.time_zone.clone();
    let offset = move |t: Instant| utc_offset_ms(&tz, t.millis());
    Ok(Some(notify::send_at(
        &m.policy,
        first,
        last_sent(db)?,
        &offset,
    )))
}

impl SiteObject {
    /// When the alarm must send the next alert (ms since the epoch).
    pub(super) fn next_alert(&self) -> Option<i64> {
        let db = self.ready().ok()?;
        let guard = self.loaded.borrow();
        let l = guard.as_ref()?;
        due(l.site.config(), &db).ok().flatten().map(|t| t.millis())
    }

    /// How many missed calls wait for the next alert, and when it goes.
    pub(super) fn waiting_alerts(&self) -> R<serde_json::Value> {
        let n = waiting(&self.ready()?)?.len();
        Ok(serde_json::json!({"waiting": n, "next_at": self.next_alert()}))
    }

    /// Sends the alert that is due: one message about every waiting call.
    pub(super) fn send_alerts(&self) {
        let result = self.mutate(None, |l, db| {
            let config = l.site.config();
            let (Some(m), Some(at)) = (&config.missed_alerts, due(config, db)?) else {
                return Ok(());
            };
            let t = now();
            if at > t {
                return Ok(());
            }
            let mut calls = Vec::new();
            for w in waiting(db)? {
                if let Some(c) = store::call(db, &w.call_id)? {
                    calls.push(Missed {
                        caller: c.caller.clone(),
                        at: Instant::from_millis(c.started_at),
                        channel: c.channel.clone(),
                    });
                }
            }
            let tz = config.time_zone.clone();
            let offset = move |i: Instant| utc_offset_ms(&tz, i.millis());
            let name = if config.name.is_empty() {
                store::meta(db, "site")?.unwrap_or_default()
            } else {
                config.name.clone()
            };
            // In the site's language, from its catalog (locales/).
            let words = crate::i18n::Catalog::new(&config.locale);
            let msg = notify::message_in(&calls, &name, &offset, &|w| words.alert(w));
            let idem = format!("alert:{}", t.millis());
            let twilio = config.integrations.twilio.as_ref();
            for to in &m.sms {
                let Some(t) = twilio else { break };
                let (Some(sid), Some(from)) = (&t.account_sid, &t.sms_from) else {
                    break;
                };
                let base = t.api_base.as_deref().unwrap_or(TWILIO_API);
                let url = format!(
                    "{}/2010-04-01/Accounts/{sid}/Messages.json",
                    base.trim_end_matches('/')
                );
                let sender = if from.starts_with("MG") {
                    "MessagingServiceSid"
                } else {
                    "From"
                };
                // An SMS is short: the subject, and a link to call the (first) caller back.
                let mut text = format!("{name}: {}", msg.subject);
                if let Some(n) = calls.iter().rev().find_map(|c| c.caller.as_deref()) {
                    let back = words.alert(notify::Words::CallBack { number: n });
                    text.push_str(&format!(". {back}"));
                }
                let body = format!(
                    "To={}&{sender}={}&Body={}",
                    http::urlencode(&to.to_string()),
                    http::urlencode(from),
                    http::urlencode(&text)
                );
                enqueue(
                    db,
                    Outgoing {
                        kind: "sms",
                        url: &url,
                        event: "call.missed",
                        idem: &format!("{idem}:sms:{to}"),
                        body: &body,
                    },
                )?;
            }
            if let Some(e) = &config.integrations.email {
                let base = e.api_base.as_deref().unwrap_or(POSTMARK_API);
                let url = format!("{}/email", base.trim_end_matches('/'));
                for to in &m.email {
                    let body = serde_json::json!({
                        "From": e.from,
                        "To": to,
                        "Subject": msg.subject,
                        "TextBody": msg.body,
                        "MessageStream": "outbound",
                    })
                    .to_string();
                    enqueue(
                        db,
                        Outgoing {
                            kind: "email",
                            url: &url,
                            event: "call.missed",
                            idem: &format!("{idem}:email:{to}"),
                            body: &body,
                        },
                    )?;
                }
            }
            store::alert_sent(db, t.millis())?;
            store::set_meta(db, LAST_SENT, &t.millis().to_string())?;
            Ok(())
        });
        if let Err(e) = result {
            worker::console_error!("missed-call alert: {}", e.body());
        }
    }
}
