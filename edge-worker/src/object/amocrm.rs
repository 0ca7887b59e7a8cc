//! amoCRM (API v4): a target call or a lead becomes a deal ("lead" in
//! amoCRM's words) of the contact with that phone number (found, or created
//! with the deal through `leads/complex`), in the site's pipeline and stage,
//! with a note of where the caller came from (pool-core's [`crm`] writes
//! it); a missed call becomes a task to call back, due in the site's
//! `task_minutes`, for the responsible user; a deal won or lost comes back,
//! through amoCRM's webhook, as the call's outcome with the deal's price.
//!
//! Each sync is an outbox row (kind `amocrm`): retried like the webhooks,
//! shown in `deliveries`; `crm_links` remembers each call's or lead's deal
//! and task, so a retry makes no second one. Requests keep to amoCRM's
//! documented limit (7 a second per integration); an expired OAuth token is
//! refreshed once, and the new pair (amoCRM's refresh tokens are good for
//! one use) is kept sealed in the site's storage.
//!
//! [`crm`]: pool_core::crm

use serde::{Deserialize, Serialize};
use worker::{Method, Request, Response};

use pool_core::crm::{deal_title, note, task_text};
use pool_core::site::AmoCrmSpec;

use super::calls::{update_call, CallChange};
use super::crm::{again, origin_of, SyncError};
use super::{json, now, SiteObject, R};
use crate::api::GivenOutcome;
use crate::error::ApiError;
use crate::http;
use crate::store;

/// amoCRM's limit: requests a second per integration.
pub(super) const PER_SECOND: usize = 7;
/// The window the limit is kept over here: a second, and a margin for the
/// requests' own time on the way (amoCRM counts them as they arrive).
const WINDOW_MS: i64 = 1_200;
/// The meta key of the newest OAuth pair (sealed).
const TOKENS: &str = "amocrm.tokens";

/// The OAuth pair amoCRM gave last, for the account it was given for.
#[derive(Serialize, Deserialize)]
struct Tokens {
    base: String,
    access_token: String,
    refresh_token: String,
}

fn refused(message: impl Into<String>) -> SyncError {
    SyncError {
        refused: true,
        message: message.into(),
    }
}

impl SiteObject {
    /// Waits until one more request keeps within amoCRM's limit (the
    /// runtime's own clock: the limit is amoCRM's, in real seconds).
    async fn amo_pace(&self) {
        loop {
            let at = worker::Date::now().as_millis() as i64;
            let wait = {
                let mut sent = self.amo_sent.borrow_mut();
                while sent.front().is_some_and(|t| *t <= at - WINDOW_MS) {
                    sent.pop_front();
                }
                if sent.len() < PER_SECOND {
                    sent.push_back(at);
                    None
                } else {
                    sent.front().map(|t| t + WINDOW_MS - at)
                }
            };
            match wait {
                None => return,
                Some(ms) => {
                    worker::Delay::from(std::time::Duration::from_millis(ms.max(1) as u64)).await
                }
            }
        }
    }

    /// The access token to send: the newest OAuth one kept for this
    /// account, or the config's.
    fn amo_token(&self, a: &AmoCrmSpec) -> Result<String, SyncError> {
        let db = self.ready().map_err(|e| again(e.body()))?;
        let site = store::meta(&db, "site")
            .map_err(|e| again(e.to_string()))?
            .unwrap_or_default();
        let kept = store::meta(&db, TOKENS).map_err(|e| again(e.to_string()))?;
        if let Some(sealed) = kept {
            let keys = self.keys().map_err(|e| again(e.body()))?;
            if let Ok(t) = keys
                .open(&site, &sealed)
                .map_err(|_| ())
                .and_then(|s| serde_json::from_str::<Tokens>(&s).map_err(|_| ()))
            {
                if t.base == a.base() {
                    return Ok(t.access_token);
                }
            }
        }
        Ok(a.access_token.clone())
    }

    /// Trades the newest refresh token for a new pair, and keeps it.
    async fn amo_refresh(&self, a: &AmoCrmSpec) -> Result<String, SyncError> {
        let db = self.ready().map_err(|e| again(e.body()))?;
        let site = store::meta(&db, "site")
            .map_err(|e| again(e.to_string()))?
            .unwrap_or_default();
        let keys = self.keys().map_err(|e| again(e.body()))?;
        let refresh = store::meta(&db, TOKENS)
            .map_err(|e| again(e.to_string()))?
            .and_then(|s| keys.open(&site, &s).ok())
            .and_then(|s| serde_json::from_str::<Tokens>(&s).ok())
            .filter(|t| t.base == a.base())
            .map_or_else(|| a.refresh_token.clone(), |t| t.refresh_token);
        let body = serde_json::json!({
            "client_id": a.client_id,
            "client_secret": a.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "redirect_uri": a.redirect_uri,
        })
        .to_string();
        self.amo_pace().await;
        let url = format!("{}/oauth2/access_token", a.base());
        let headers = [
            ("content-type", "application/json"),
            ("accept", "application/json"),
        ];
        let mut resp = crate::outbound::send(Method::Post, &url, &headers, Some(&body), 10)
            .await
            .map_err(again)?;
        let code = resp.status_code();
        let v: serde_json::Value = resp.json().await.unwrap_or_default();
        let (Some(access), Some(refresh)) =
            (v["access_token"].as_str(), v["refresh_token"].as_str())
        else {
            let why = format!("amoCRM's token endpoint answered {code}: {}", said(&v));
            // A refresh token used or revoked: the same every time.
            return Err(if (400..500).contains(&code) && code != 429 {
                refused(why)
            } else {
                again(why)
            });
        };
        let t = Tokens {
            base: a.base(),
            access_token: access.to_string(),
            refresh_token: refresh.to_string(),
        };
        let sealed = serde_json::to_string(&t)
            .map_err(|e| again(e.to_string()))
            .and_then(|s| keys.seal(&site, &s).map_err(|e| again(format!("{e:?}"))))?;
        db.atomically(|tx| Ok(store::set_meta(tx, TOKENS, &sealed)?))
            .map_err(|e| again(e.body()))?;
        Ok(t.access_token)
    }

    /// One request to amoCRM's API v4: its JSON (`null` for a 204), within
    /// the limit, with the token refreshed once when it has expired.
    async fn amo(
        &self,
        a: &AmoCrmSpec,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, SyncError> {
        let url = format!("{}/api/v4/{path}", a.base());
        let body = body.map(|b| b.to_string());
        let mut token = self.amo_token(a)?;
        for first in [true, false] {
            self.amo_pace().await;
            let auth = format!("Bearer {token}");
            let mut headers = vec![
                ("accept", "application/json"),
                ("authorization", auth.as_str()),
            ];
            if body.is_some() {
                headers.push(("content-type", "application/json"));
            }
            let mut resp =
                crate::outbound::send(method.clone(), &url, &headers, body.as_deref(), 10)
                    .await
                    .map_err(again)?;
            let code = resp.status_code();
            if code == 204 {
                return Ok(serde_json::Value::Null);
            }
            let v: serde_json::Value = resp.json().await.unwrap_or_default();
            if (200..300).contains(&code) {
                return Ok(v);
            }
            if code == 401 && first && a.refreshes() {
                token = self.amo_refresh(a).await?;
                continue;
            }
            let why = format!("amoCRM answered {code}: {}", said(&v));
            return Err(
                if (400..500).contains(&code) && code != 408 && code != 429 {
                    refused(why)
                } else {
                    again(why)
                },
            );
        }
        Err(again("amoCRM refused the refreshed token"))
    }

    /// The contact with `phone`, found or (with `create`) created.
    async fn amo_contact(
        &self,
        a: &AmoCrmSpec,
        phone: &str,
        create: bool,
    ) -> Result<Option<i64>, SyncError> {
        let path = format!("contacts?query={}&limit=1", http::urlencode(phone));
        let found = self.amo(a, Method::Get, &path, None).await?;
        if let Some(id) = found["_embedded"]["contacts"][0]["id"].as_i64() {
            return Ok(Some(id));
        }
        if !create {
            return Ok(None);
        }
        let mut contact = serde_json::json!({
            "name": phone,
            "custom_fields_values": [{"field_code": "PHONE", "values": [{"value": phone, "enum_code": "WORK"}]}],
        });
        if let Some(u) = a.responsible_user_id {
            contact["responsible_user_id"] = u.into();
        }
        let made = self
            .amo(
                a,
                Method::Post,
                "contacts",
                Some(serde_json::json!([contact])),
            )
            .await?;
        made["_embedded"]["contacts"][0]["id"]
            .as_i64()
            .map(Some)
            .ok_or_else(|| again("amoCRM's answer has no contact id"))
    }

    /// Syncs one outbox row into amoCRM: a deal with its note, or a task.
    pub(super) async fn sync_amocrm(&self, body: &str) -> Result<(), SyncError> {
        let item: store::AmoItem =
            serde_json::from_str(body).map_err(|e| refused(e.to_string()))?;
        let db = self.ready().map_err(|e| again(e.body()))?;
        let a = self
            .with_loaded(|l| l.site.config().integrations.amocrm.clone())
            .map_err(|e| again(e.body()))?
            .ok_or_else(|| refused("amoCRM is no longer set up"))?;
        let origin = origin_of(&db, &item.item, &item.id).map_err(|e| again(e.body()))?;
        let key = format!("amocrm:{}:{}:{}", item.what, item.item, item.id);
        let link = store::crm_link(&db, &key).map_err(|e| again(e.to_string()))?;
        let keep = |deal: i64, noted: bool| {
            db.atomically(|tx| {
                store::link_deal(tx, &key, deal, now().millis())?;
                if noted {
                    store::deal_noted(tx, &key)?;
                }
                Ok(())
            })
            .map_err(|e| again(e.body()))
        };
        if item.what == "task" {
            if link.is_some() {
                return Ok(());
            }
            let contact = match &origin.phone {
                Some(p) => self.amo_contact(&a, p, true).await?,
                None => None,
            };
            let due = now().millis() / 1000 + i64::from(a.task_minutes) * 60;
            let mut task = serde_json::json!({
                "task_type_id": 1,
                "text": task_text(&origin),
                "complete_till": due,
            });
            if let Some(c) = contact {
                task["entity_id"] = c.into();
                task["entity_type"] = "contacts".into();
            }
            if let Some(u) = a.responsible_user_id {
                task["responsible_user_id"] = u.into();
            }
            let made = self
                .amo(&a, Method::Post, "tasks", Some(serde_json::json!([task])))
                .await?;
            let id = made["_embedded"]["tasks"][0]["id"]
                .as_i64()
                .ok_or_else(|| again("amoCRM's answer has no task id"))?;
            return keep(id, true);
        }
        let deal_id = match link {
            Some(l) if l.noted != 0 => return Ok(()),
            Some(l) => l.deal_id,
            None => {
                let mut deal = serde_json::json!({
                    "name": deal_title(&origin),
                    "_embedded": {"tags": [{"name": "calltrack"}, {"name": origin.channel}]},
                });
                for (k, v) in [
                    ("pipeline_id", a.pipeline_id),
                    ("status_id", a.status_id),
                    ("responsible_user_id", a.responsible_user_id),
                ] {
                    if let Some(v) = v {
                        deal[k] = v.into();
                    }
                }
                let contact = match &origin.phone {
                    Some(p) => self.amo_contact(&a, p, false).await?,
                    None => None,
                };
                let id = match (contact, &origin.phone) {
                    // A known contact: the deal is linked to it.
                    (Some(c), _) => {
                        deal["_embedded"]["contacts"] = serde_json::json!([{"id": c}]);
                        let made = self
                            .amo(&a, Method::Post, "leads", Some(serde_json::json!([deal])))
                            .await?;
                        made["_embedded"]["leads"][0]["id"].as_i64()
                    }
                    // A new one: made with the deal, in one request.
                    (None, Some(p)) => {
                        deal["_embedded"]["contacts"] = serde_json::json!([{
                            "name": p,
                            "custom_fields_values": [{"field_code": "PHONE", "values": [{"value": p, "enum_code": "WORK"}]}],
                        }]);
                        let made = self
                            .amo(&a, Method::Post, "leads/complex", Some(serde_json::json!([deal])))
                            .await?;
                        made[0]["id"].as_i64()
                    }
                    (None, None) => {
                        let made = self
                            .amo(&a, Method::Post, "leads", Some(serde_json::json!([deal])))
                            .await?;
                        made["_embedded"]["leads"][0]["id"].as_i64()
                    }
                }
                .ok_or_else(|| again("amoCRM's answer has no deal id"))?;
                keep(id, false)?;
                id
            }
        };
        let n = serde_json::json!([{
            "entity_id": deal_id,
            "note_type": "common",
            "params": {"text": note(&origin)},
        }]);
        self.amo(&a, Method::Post, "leads/notes", Some(n)).await?;
        db.atomically(|tx| Ok(store::deal_noted(tx, &key)?))
            .map_err(|e| again(e.body()))?;
        Ok(())
    }

    /// `POST /v1/sites/{site}/crm/amocrm/{secret}`: amoCRM's webhook (a
    /// form, as amoCRM sends it, to the address with the config's
    /// `webhook_secret`, from the configured account): a deal won or lost
    /// gives its call the site's outcome, with the deal's price.
    pub(super) async fn amocrm_webhook(
        &self,
        req: &Request,
        body: &[u8],
        secret: &str,
    ) -> R<Response> {
        self.require_site()?;
        let a = self
            .with_loaded(|l| l.site.config().integrations.amocrm.clone())?
            .ok_or_else(|| ApiError::NotFound("amoCRM is not set up for this site".into()))?;
        if !crate::guard::constant_time_eq(secret.as_bytes(), a.webhook_secret.as_bytes()) {
            return Err(ApiError::Unauthorized);
        }
        let pairs = http::pairs(super::form_text(
            req,
            body,
            crate::api::MAX_PUBLIC_BODY * 8,
        )?);
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        // Only the configured account's deals.
        if get("account[subdomain]").is_some_and(|s| !s.eq_ignore_ascii_case(&a.subdomain)) {
            return Err(ApiError::Forbidden(
                "this webhook is not from the site's amoCRM account".into(),
            ));
        }
        // `leads[status][0][id]`, `leads[status][0][status_id]`, `leads[status][0][price]`, ...
        let mut deals: Vec<(i64, u64, Option<f64>)> = Vec::new();
        for n in 0..50 {
            let field = |f: &str| get(&format!("leads[status][{n}][{f}]"));
            let (Some(id), Some(status)) = (
                field("id").and_then(|v| v.parse::<i64>().ok()),
                field("status_id").and_then(|v| v.parse::<u64>().ok()),
            ) else {
                break;
            };
            let price = field("price")
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|x| x.is_finite() && *x >= 0.0);
            deals.push((id, status, price));
        }
        let changed = self.mutate(Some(crate::routes::Handler::AmoCrmWebhook), |l, db| {
            let config = l.site.config();
            let mut changed = 0u32;
            for (deal, status, price) in &deals {
                let Some(label) = a.outcome_of(config, *status).filter(|x| !x.is_empty()) else {
                    continue;
                };
                for id in store::deal_calls(db, "amocrm:deal:call:", *deal)? {
                    let Some(row) = store::call(db, &id)? else {
                        continue;
                    };
                    let outcome = GivenOutcome {
                        label: label.to_string(),
                        value_minor: price.map(|x| (x * 100.0).round() as u64),
                    };
                    let change = CallChange {
                        outcome: Some(Some(outcome)),
                        ..CallChange::default()
                    };
                    update_call(l, db, row, change)?;
                    changed += 1;
                }
            }
            Ok(changed)
        })?;
        self.schedule().await?;
        json(200, &serde_json::json!({"changed": changed}))
    }
}

/// amoCRM's words for an error (`title`, `detail`, or a validation's).
fn said(v: &serde_json::Value) -> String {
    let mut out: Vec<String> = ["title", "detail", "hint"]
        .iter()
        .filter_map(|k| v[*k].as_str().map(str::to_string))
        .collect();
    if let Some(errors) = v["validation-errors"].as_array() {
        out.push(serde_json::Value::Array(errors.clone()).to_string());
    }
    out.join(": ")
}
