//! Connectors that pull ad spend from the platforms, run by the alarm:
//! Yandex Direct's Reports API, a campaign report of the site's last three
//! days (today's spend grows, and yesterday's is corrected), every six
//! hours. Direct makes reports offline: a pull answered 201 or 202 is asked
//! again, under the same report name, when Direct's `retryIn` says.

use serde::Deserialize;
use worker::{Headers, Method, Request, RequestInit};

use pool_core::site::YANDEX_DIRECT_API;
use pool_core::spend::{day_text, from_direct_report};

use super::outbox::fetch_within;
use super::{now, SiteObject};
use crate::store;

/// How often spend is pulled.
const PULL_EVERY_MS: i64 = 6 * 3_600_000;
/// After a refusal or an outage, the next try.
const AFTER_ERROR_MS: i64 = 3_600_000;
/// The days before today a pull asks for again.
const DAYS_BACK: i64 = 2;
/// How long one request may take.
const TIMEOUT_SECS: u64 = 30;

/// Where a connector stands (the `meta` table).
const NEXT_AT: &str = "direct.next_at";
const REPORT: &str = "direct.report";
const LAST_AT: &str = "direct.last_at";
const LAST_ERROR: &str = "direct.last_error";

/// How a pull ended.
enum Pulled {
    /// The report: its rows of spend.
    Report(Vec<pool_core::spend::Spend>),
    /// Not ready yet: ask again after this many ms.
    Later(i64),
    /// Refused or failed, in the platform's words.
    Failed(String),
}

impl SiteObject {
    /// When the next pull of Yandex Direct's spend is due (ms since the
    /// epoch); at once for a connector that never pulled. `None`: none set
    /// (or not the site's own object).
    pub(super) fn next_spend_pull(&self) -> Option<i64> {
        let on =
            self.loaded.borrow().as_ref().is_some_and(|l| {
                l.shard == 0 && l.site.config().integrations.yandex_direct.is_some()
            });
        if !on {
            return None;
        }
        let db = self.ready().ok()?;
        Some(
            store::meta(&db, NEXT_AT)
                .ok()
                .flatten()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        )
    }

    /// The connector's state for `GET /costs`.
    pub(super) fn spend_connectors(&self) -> serde_json::Value {
        let Some(next) = self.next_spend_pull() else {
            return serde_json::json!({});
        };
        let Ok(db) = self.ready() else {
            return serde_json::json!({});
        };
        let read = |k| store::meta(&db, k).ok().flatten().filter(|v| !v.is_empty());
        serde_json::json!({ "yandex_direct": {
            "next_at": next,
            "last_at": read(LAST_AT).and_then(|v| v.parse::<i64>().ok()),
            "last_error": read(LAST_ERROR),
        }})
    }

    /// Pulls Yandex Direct's spend when it is due, and stores it (each row
    /// replacing its key's, as an upload does).
    pub(super) async fn pull_spend(&self) {
        let Some(due) = self.next_spend_pull() else {
            return;
        };
        let at = now().millis();
        if due > at {
            return;
        }
        let Ok(Some(d)) = self.with_loaded(|l| l.site.config().integrations.yandex_direct.clone())
        else {
            return;
        };
        let Ok(today) = self.today() else { return };
        let Ok(db) = self.ready() else { return };
        // A report being made keeps its name; a new pull names a new one.
        let name = store::meta(&db, REPORT)
            .ok()
            .flatten()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("calltrack spend {}", at / 1000));
        let (from, to) = (day_text(today - DAYS_BACK), day_text(today));
        let by_id = d.campaign_key.as_deref() == Some("id");
        let pulled = direct_report(&d, &name, &from, &to, by_id).await;
        let result = self.mutate(None, |_, db| {
            match &pulled {
                Pulled::Report(rows) => {
                    for s in rows {
                        store::put_spend(db, s, "yandex_direct", now())?;
                    }
                    store::set_meta(db, NEXT_AT, &(at + PULL_EVERY_MS).to_string())?;
                    store::set_meta(db, REPORT, "")?;
                    store::set_meta(db, LAST_AT, &at.to_string())?;
                    store::set_meta(db, LAST_ERROR, "")?;
                }
                Pulled::Later(ms) => {
                    store::set_meta(db, NEXT_AT, &(at + ms).to_string())?;
                    store::set_meta(db, REPORT, &name)?;
                }
                Pulled::Failed(why) => {
                    store::set_meta(db, NEXT_AT, &(at + AFTER_ERROR_MS).to_string())?;
                    store::set_meta(db, REPORT, "")?;
                    store::set_meta(db, LAST_ERROR, why)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            worker::console_error!("spend pull: {}", e.body());
        }
    }
}

/// Asks Direct's Reports API for the campaigns' cost of `from..=to`.
async fn direct_report(
    d: &pool_core::site::YandexDirectSpec,
    name: &str,
    from: &str,
    to: &str,
    by_id: bool,
) -> Pulled {
    let body = serde_json::json!({ "params": {
        "SelectionCriteria": { "DateFrom": from, "DateTo": to },
        "FieldNames": ["Date", if by_id { "CampaignId" } else { "CampaignName" }, "Cost"],
        "ReportName": name,
        "ReportType": "CAMPAIGN_PERFORMANCE_REPORT",
        "DateRangeType": "CUSTOM_DATE",
        "Format": "TSV",
        "IncludeVAT": "YES",
    }});
    let url = format!(
        "{}/json/v5/reports",
        d.api_base
            .as_deref()
            .unwrap_or(YANDEX_DIRECT_API)
            .trim_end_matches('/')
    );
    let request = || -> worker::Result<Request> {
        let h = Headers::new();
        h.set("authorization", &format!("Bearer {}", d.oauth_token))?;
        if let Some(login) = &d.client_login {
            h.set("client-login", login)?;
        }
        h.set("content-type", "application/json; charset=utf-8")?;
        h.set("accept-language", "en")?;
        h.set("processingmode", "auto")?;
        h.set("returnmoneyinmicros", "false")?;
        h.set("skipreportheader", "true")?;
        h.set("skipreportsummary", "true")?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(h)
            .with_body(Some(wasm_bindgen::JsValue::from_str(&body.to_string())));
        Request::new_with_init(&url, &init)
    };
    let req = match request() {
        Ok(r) => r,
        Err(e) => return Pulled::Failed(e.to_string()),
    };
    let mut resp = match fetch_within(req, TIMEOUT_SECS).await {
        Ok(r) => r,
        Err(e) => return Pulled::Failed(e),
    };
    let code = resp.status_code();
    match code {
        200 => match resp.text().await {
            Ok(tsv) => from_direct_report(&tsv).map_or_else(Pulled::Failed, Pulled::Report),
            Err(e) => Pulled::Failed(e.to_string()),
        },
        201 | 202 => {
            let secs = resp
                .headers()
                .get("retryin")
                .ok()
                .flatten()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(10);
            Pulled::Later(secs.clamp(1, 600) * 1000)
        }
        _ => {
            #[derive(Deserialize, Default)]
            struct Error {
                #[serde(default)]
                error_code: serde_json::Value,
                #[serde(default)]
                error_string: String,
                #[serde(default)]
                error_detail: String,
            }
            #[derive(Deserialize, Default)]
            struct Answer {
                #[serde(default)]
                error: Error,
            }
            let a: Answer = resp.json().await.unwrap_or_default();
            let code_said = match &a.error.error_code {
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            Pulled::Failed(format!(
                "Yandex Direct answered {code}: {code_said} {}: {}",
                a.error.error_string, a.error.error_detail
            ))
        }
    }
}
