//! Leads: a form on the site, attributed through its session.

use worker::{Request, Response};

use pool_core::session::SessionId;

use super::outbox::{enqueue_event, enqueue_ga4};
use super::{check_body, json, now, random_key, Caller, SiteObject, R};
use crate::api::{self, ChannelReply, NewLead};
use crate::error::ApiError;
use crate::guard;
use crate::http;
use crate::routes::Handler;
use crate::store;
use crate::telephony;

impl SiteObject {
    /// `POST /v1/sites/{site}/leads`: a form on the site, attributed through its session.
    pub(super) async fn post_lead(
        &self,
        caller: Caller,
        req: &Request,
        body: &[u8],
        site: &str,
    ) -> R<Response> {
        self.require_site()?;
        // A browser's leads are limited per client and per site (each shard
        // of a sharded site takes its share); a key's are not.
        if caller == Caller::Public {
            let (limits, n) =
                self.with_loaded(|l| (l.site.config().limits, l.site.config().shards))?;
            let share = |per_minute: u32| per_minute.div_ceil(n.max(1));
            let address = crate::client::address(req);
            let client = guard::client(site, address.as_deref())
                .map_or_else(|| guard::client_key(site, "unknown"), |c| c.0);
            self.lead_limiter
                .borrow_mut()
                .admit(
                    Some(client),
                    now().millis(),
                    share(limits.leads_per_client_per_minute),
                    share(limits.leads_per_site_per_minute),
                )
                .map_err(ApiError::TooManyRequests)?;
        }
        let body = check_body(req, body, api::MAX_PUBLIC_BODY, false)?;
        let nl: NewLead = api::json_body(body)?;
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
        let region = self.with_loaded(|l| l.site.config().region)?;
        let id = match nl.lead_id.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(id) => id.trim().to_string(),
            None => random_key()?,
        };
        let phone = nl
            .phone
            .as_deref()
            .and_then(|p| telephony::caller_id(p, region));
        // The session's row: here, or in its shard (first, else second) of a sharded site.
        let row = match session {
            Some(s) => self.session_anywhere(site, s).await?,
            None => None,
        };
        let (created, channel) = self.mutate(Some(Handler::PostLead), |l, db| {
            let seen = store::lead(db, &id)?.is_some();
            let (visit, ga) = match row {
                Some(row) => (api::stored_channel(&row.visit), row.ga_client_id),
                None => (None, None),
            };
            let channel = visit
                .as_ref()
                .map_or_else(|| "unattributed".to_string(), |v| v.channel.clone());
            if seen {
                return Ok((false, channel));
            }
            let at = now();
            store::insert_lead(
                db,
                &store::LeadRow {
                    id: id.clone(),
                    created_at: at.millis(),
                    session: session.map(|s| s.to_string()),
                    channel: channel.clone(),
                    visit: visit.as_ref().and_then(|v| serde_json::to_string(v).ok()),
                    name: nl.name.clone(),
                    phone: phone.clone(),
                    email: nl.email.clone(),
                    message: nl.message.clone(),
                    page: nl.page.clone(),
                },
            )?;
            let lead = serde_json::json!({
                "id": id,
                "session_id": session.map(|s| s.to_string()),
                "created_at": at.millis(),
                "channel": visit.clone().unwrap_or_else(|| ChannelReply::bare(&channel)),
                "name": nl.name,
                "phone": phone,
                "email": nl.email,
                "message": nl.message,
                "page": nl.page,
            });
            enqueue_event(l, db, "lead.created", &id, lead)?;
            super::outbox::enqueue_deal(l, db, "lead", &id)?;
            if let (Some(g), Some(client_id)) = (&l.site.config().integrations.ga4, ga) {
                let body = serde_json::json!({
                    "client_id": client_id,
                    "events": [{"name": "generate_lead", "params": {"lead_id": id, "channel": channel}}],
                });
                enqueue_ga4(db, g, "ga4.generate_lead", &id, &body)?;
            }
            Ok((true, channel))
        })?;
        self.schedule().await?;
        let status = if created { 201 } else { 200 };
        json(status, &serde_json::json!({"id": id, "channel": channel}))
    }

    /// `GET /v1/sites/{site}/leads?from=&to=&limit=`: the online requests of
    /// a period, newest first, each with the visit it came from; phone
    /// numbers masked unless `full_caller=1` (admin).
    pub(super) fn list_leads(&self, req: &Request) -> R<Response> {
        self.require_site()?;
        let q = http::query(req);
        let (from, to) = http::period(&q)?;
        let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
            None => 100,
            Some(Ok(n)) if (1..=500).contains(&n) => n,
            _ => return Err(ApiError::field("limit", "from 1 to 500")),
        };
        let full = http::flag(&q, "full_caller");
        let rows = store::leads_between(&self.ready()?, from.millis(), to.millis())?;
        // The call log's filters, on the visit each lead came from.
        let want = |k: &str| q.get(k).filter(|v| !v.is_empty());
        let keep = |c: &ChannelReply| {
            want("channel").is_none_or(|v| &c.channel == v)
                && want("campaign").is_none_or(|v| c.campaign.as_ref() == Some(v))
                && want("keyword").is_none_or(|v| c.term.as_ref() == Some(v))
                && want("ad").is_none_or(|v| c.content.as_ref() == Some(v))
                && want("region").is_none_or(|v| c.region.as_ref() == Some(v))
        };
        let picked: Vec<(store::LeadRow, ChannelReply)> = rows
            .into_iter()
            .map(|r| {
                let channel = r
                    .visit
                    .as_deref()
                    .and_then(|v| serde_json::from_str::<ChannelReply>(v).ok())
                    .unwrap_or_else(|| ChannelReply::bare(&r.channel));
                (r, channel)
            })
            .filter(|(_, c)| keep(c))
            .take(limit)
            .collect();
        let phone = |p: Option<String>| p.map(|p| if full { p } else { telephony::mask(&p) });
        if q.get("format").map(String::as_str) == Some("csv") {
            let header = [
                "id",
                "created_at",
                "session_id",
                "channel",
                "source",
                "medium",
                "campaign",
                "term",
                "ad",
                "region",
                "landing_page",
                "name",
                "phone",
                "email",
                "message",
                "page",
            ];
            let lines: Vec<Vec<String>> = picked
                .into_iter()
                .map(|(r, c)| {
                    vec![
                        r.id,
                        r.created_at.to_string(),
                        r.session.unwrap_or_default(),
                        c.channel,
                        c.source,
                        c.medium,
                        c.campaign.unwrap_or_default(),
                        c.term.unwrap_or_default(),
                        c.content.unwrap_or_default(),
                        c.region.unwrap_or_default(),
                        c.landing_page.unwrap_or_default(),
                        r.name.unwrap_or_default(),
                        phone(r.phone).unwrap_or_default(),
                        r.email.unwrap_or_default(),
                        r.message.unwrap_or_default(),
                        r.page.unwrap_or_default(),
                    ]
                })
                .collect();
            return http::csv(&telephony::csv(&header, &lines), "leads.csv");
        }
        let leads: Vec<serde_json::Value> = picked
            .into_iter()
            .map(|(r, channel)| {
                serde_json::json!({
                    "id": r.id,
                    "created_at": r.created_at,
                    "session_id": r.session,
                    "channel": channel,
                    "name": r.name,
                    "phone": phone(r.phone),
                    "email": r.email,
                    "message": r.message,
                    "page": r.page,
                })
            })
            .collect();
        json(
            200,
            &serde_json::json!({"from": from.millis(), "to": to.millis(), "leads": leads}),
        )
    }
}
