//! Pipedrive: a target call or a lead becomes a deal of the person with
//! that phone number (found, or created), with a note of where they came
//! from (pool-core's [`crm`] writes it); a deal won or lost in Pipedrive
//! comes back, through Pipedrive's webhook, as the call's outcome.
//!
//! The sync is an outbox row (kind `pipedrive`): retried like the webhooks,
//! shown in `deliveries`; `crm_links` remembers the deal of each call or
//! lead, so a retry never makes a second one.

use serde::Deserialize;
use worker::{Method, Request, Response};

use pool_core::crm::{deal_title, note, outcome_of, Origin};
use pool_core::site::{PipedriveSpec, PIPEDRIVE_API};

use super::calls::{update_call, CallChange};
use super::{json, now, SiteObject, R};
use crate::api::{ChannelReply, GivenOutcome};
use crate::error::ApiError;
use crate::http;
use crate::store::{self, Db};

/// Why a sync failed: worth another try, or refused as such.
pub(super) struct SyncError {
    pub refused: bool,
    pub message: String,
}

pub(super) fn again(message: impl Into<String>) -> SyncError {
    SyncError {
        refused: false,
        message: message.into(),
    }
}

/// One request to Pipedrive's API v1; its `data`.
async fn pipedrive(
    p: &PipedriveSpec,
    method: Method,
    path: &str,
    query: &str,
    body: Option<serde_json::Value>,
) -> Result<serde_json::Value, SyncError> {
    let base = p
        .api_base
        .as_deref()
        .unwrap_or(PIPEDRIVE_API)
        .trim_end_matches('/');
    let url = format!(
        "{base}/v1/{path}?{query}{}api_token={}",
        if query.is_empty() { "" } else { "&" },
        http::urlencode(&p.api_token)
    );
    let body = body.map(|b| b.to_string());
    let headers: &[(&str, &str)] = match body {
        Some(_) => &[
            ("accept", "application/json"),
            ("content-type", "application/json"),
        ],
        None => &[("accept", "application/json")],
    };
    let mut resp = crate::outbound::send(method, &url, headers, body.as_deref(), 10)
        .await
        .map_err(again)?;
    let code = resp.status_code();
    let v: serde_json::Value = resp.json().await.unwrap_or_default();
    if (200..300).contains(&code) && v["success"].as_bool() == Some(true) {
        return Ok(v["data"].clone());
    }
    let said = v["error"].as_str().unwrap_or("").to_string();
    Err(SyncError {
        refused: (400..500).contains(&code) && code != 408 && code != 429,
        message: format!("Pipedrive answered {code}: {said}"),
    })
}

#[derive(Deserialize)]
struct Item {
    item: String,
    id: String,
}

impl SiteObject {
    /// Syncs one call or lead (an outbox row's body) into Pipedrive.
    pub(super) async fn sync_pipedrive(&self, body: &str) -> Result<(), SyncError> {
        let item: Item = serde_json::from_str(body).map_err(|e| SyncError {
            refused: true,
            message: e.to_string(),
        })?;
        let db = self.ready().map_err(|e| again(e.body()))?;
        let p = self
            .with_loaded(|l| l.site.config().integrations.pipedrive.clone())
            .map_err(|e| again(e.body()))?
            .ok_or_else(|| SyncError {
                refused: true,
                message: "Pipedrive is no longer set up".into(),
            })?;
        let origin = origin_of(&db, &item.item, &item.id).map_err(|e| again(e.body()))?;
        let key = format!("{}:{}", item.item, item.id);
        let link = store::crm_link(&db, &key).map_err(|e| again(e.to_string()))?;
        let deal_id = match link {
            Some(l) if l.noted != 0 => return Ok(()),
            Some(l) => l.deal_id,
            None => {
                // The person with this number, found or created.
                let person = match &origin.phone {
                    None => None,
                    Some(phone) => {
                        let q = format!(
                            "term={}&fields=phone&exact_match=true",
                            http::urlencode(phone)
                        );
                        let found = pipedrive(&p, Method::Get, "persons/search", &q, None).await?;
                        match found["items"][0]["item"]["id"].as_i64() {
                            Some(id) => Some(id),
                            None => {
                                let body = serde_json::json!({
                                    "name": phone,
                                    "phone": [{"value": phone, "primary": true, "label": "work"}],
                                });
                                let made =
                                    pipedrive(&p, Method::Post, "persons", "", Some(body)).await?;
                                made["id"].as_i64()
                            }
                        }
                    }
                };
                let mut deal = serde_json::json!({"title": deal_title(&origin)});
                if let Some(id) = person {
                    deal["person_id"] = id.into();
                }
                let made = pipedrive(&p, Method::Post, "deals", "", Some(deal)).await?;
                let id = made["id"]
                    .as_i64()
                    .ok_or_else(|| again("Pipedrive's answer has no deal id"))?;
                db.atomically(|tx| Ok(store::link_deal(tx, &key, id, now().millis())?))
                    .map_err(|e| again(e.body()))?;
                id
            }
        };
        let body = serde_json::json!({"content": note(&origin), "deal_id": deal_id});
        pipedrive(&p, Method::Post, "notes", "", Some(body)).await?;
        db.atomically(|tx| Ok(store::deal_noted(tx, &key)?))
            .map_err(|e| again(e.body()))?;
        Ok(())
    }

    /// `POST /v1/sites/{site}/crm/pipedrive`: Pipedrive's webhook (HTTP
    /// Basic, user `calltrack`, the config's `webhook_secret`): a deal won or
    /// lost gives its call the site's outcome, with the deal's value.
    pub(super) async fn pipedrive_webhook(&self, req: &Request, body: &[u8]) -> R<Response> {
        self.require_site()?;
        let p = self
            .with_loaded(|l| l.site.config().integrations.pipedrive.clone())?
            .ok_or_else(|| ApiError::NotFound("Pipedrive is not set up for this site".into()))?;
        let auth = req
            .headers()
            .get("authorization")
            .ok()
            .flatten()
            .unwrap_or_default();
        let want = {
            use base64::Engine;
            let b = base64::engine::general_purpose::STANDARD;
            format!(
                "Basic {}",
                b.encode(format!("calltrack:{}", p.webhook_secret))
            )
        };
        if !crate::guard::constant_time_eq(auth.as_bytes(), want.as_bytes()) {
            return Err(ApiError::Unauthorized);
        }
        if body.len() > crate::api::MAX_PUBLIC_BODY * 8 {
            return Err(ApiError::PayloadTooLarge(crate::api::MAX_PUBLIC_BODY * 8));
        }
        let v: serde_json::Value = serde_json::from_slice(body)?;
        // Webhooks v1 (`current`) and v2 (`data`).
        let deal = if v["current"].is_object() {
            &v["current"]
        } else {
            &v["data"]
        };
        let (Some(deal_id), Some(status)) = (deal["id"].as_i64(), deal["status"].as_str()) else {
            return json(200, &serde_json::json!({"changed": false}));
        };
        let value = deal["value"]
            .as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0);
        let changed = self.mutate(Some(crate::routes::Handler::PipedriveWebhook), |l, db| {
            let config = l.site.config();
            let (won, lost) = p.outcomes(config);
            let Some(label) =
                outcome_of(status, won.unwrap_or(""), lost.unwrap_or("")).filter(|x| !x.is_empty())
            else {
                return Ok(false);
            };
            let mut changed = false;
            for id in store::deal_calls(db, "call:", deal_id)? {
                let Some(row) = store::call(db, &id)? else {
                    continue;
                };
                let outcome = GivenOutcome {
                    label: label.to_string(),
                    value_minor: value.map(|x| (x * 100.0).round() as u64),
                };
                let change = CallChange {
                    outcome: Some(Some(outcome)),
                    ..CallChange::default()
                };
                update_call(l, db, row, change)?;
                changed = true;
            }
            Ok(changed)
        })?;
        self.schedule().await?;
        json(200, &serde_json::json!({"changed": changed}))
    }
}

/// What the CRM is told of a call or a lead (`item`: `call` or `lead`).
pub(super) fn origin_of(db: &Db, item: &str, id: &str) -> R<Origin> {
    if item == "call" {
        let r = store::call(db, id)?.ok_or_else(|| ApiError::NotFound("no such call".into()))?;
        // The pages of the visit (its trail's page steps), in order.
        let trail: Vec<String> = r
            .trail
            .as_deref()
            .and_then(|t| serde_json::from_str::<Vec<pool_core::trail::Step>>(t).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|s| s.kind == pool_core::trail::Kind::Page)
            .map(|s| s.name)
            .collect();
        return Ok(Origin {
            what: "Call",
            phone: r.caller.clone(),
            channel: r.channel.clone(),
            source: r.source_name.clone(),
            medium: r.medium.clone(),
            campaign: r.campaign.clone(),
            keyword: r.term.clone(),
            landing_page: r.landing_page.clone(),
            recording_url: r.recording_url.clone(),
            trail,
            reference: r.id.clone(),
        });
    }
    let lead = store::lead(db, id)?.ok_or_else(|| ApiError::NotFound("no such lead".into()))?;
    let v = lead
        .visit
        .as_deref()
        .and_then(|v| serde_json::from_str::<ChannelReply>(v).ok())
        .unwrap_or_else(|| ChannelReply::bare(&lead.channel));
    Ok(Origin {
        what: "Lead",
        phone: lead.phone,
        channel: v.channel,
        source: v.source,
        medium: v.medium,
        campaign: v.campaign,
        keyword: v.term,
        landing_page: v.landing_page,
        recording_url: None,
        trail: Vec::new(),
        reference: id.to_string(),
    })
}
