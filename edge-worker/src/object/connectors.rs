//! Connectors that pull ad spend from the platforms, run by the alarm,
//! every six hours, for the site's last three days (today's spend grows,
//! and yesterday's is corrected):
//! * Yandex Direct's Reports API, a campaign report. Direct makes reports
//!   offline: a pull answered 201 or 202 is asked again, under the same
//!   report name, when Direct's `retryIn` says.
//! * Google Ads' `googleAds:search`, the campaigns' `metrics.cost_micros`
//!   by `segments.date` (GAQL), page by page, with the access token the
//!   click conversions use.

use serde::Deserialize;
use worker::{Headers, Method};

use pool_core::site::{GoogleAdsSpec, GOOGLE_ADS_API, GOOGLE_ADS_VERSION, YANDEX_DIRECT_API};
use pool_core::spend::{day_text, from_direct_report, Spend};

use super::outbox::{google_token, said, GoogleCredentials};
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

/// A spend connector: where its state is kept (the `meta` table), and its
/// name in `GET /costs` and in the spend's `origin`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Connector {
    YandexDirect,
    GoogleAds,
}

impl Connector {
    const ALL: [Connector; 2] = [Connector::YandexDirect, Connector::GoogleAds];

    fn name(self) -> &'static str {
        match self {
            Connector::YandexDirect => "yandex_direct",
            Connector::GoogleAds => "google_ads",
        }
    }

    fn key(self, what: &str) -> String {
        format!("{}.{what}", self.name())
    }

    fn on(self, i: &pool_core::site::IntegrationsSpec) -> bool {
        match self {
            Connector::YandexDirect => i.yandex_direct.is_some(),
            Connector::GoogleAds => i.google_ads.is_some(),
        }
    }
}

/// How a pull ended.
enum Pulled {
    /// The report: its rows of spend.
    Report(Vec<Spend>),
    /// Not ready yet: ask again after this many ms.
    Later(i64),
    /// Refused or failed, in the platform's words.
    Failed(String),
}

impl SiteObject {
    /// When `c` pulls next (ms since the epoch); at once for one that never
    /// pulled. `None`: not set (or not the site's own object).
    fn next_pull_of(&self, c: Connector) -> Option<i64> {
        let on = self
            .loaded
            .borrow()
            .as_ref()
            .is_some_and(|l| l.shard == 0 && c.on(&l.site.config().integrations));
        if !on {
            return None;
        }
        let db = self.ready().ok()?;
        Some(
            store::meta(&db, &c.key("next_at"))
                .ok()
                .flatten()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        )
    }

    /// When the next pull of spend is due, of any connector.
    pub(super) fn next_spend_pull(&self) -> Option<i64> {
        Connector::ALL
            .into_iter()
            .filter_map(|c| self.next_pull_of(c))
            .min()
    }

    /// The connectors' state for `GET /costs`.
    pub(super) fn spend_connectors(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        let Ok(db) = self.ready() else {
            return out.into();
        };
        for c in Connector::ALL {
            let Some(next) = self.next_pull_of(c) else {
                continue;
            };
            let read = |k: &str| {
                store::meta(&db, &c.key(k))
                    .ok()
                    .flatten()
                    .filter(|v| !v.is_empty())
            };
            out.insert(
                c.name().into(),
                serde_json::json!({
                    "next_at": next,
                    "last_at": read("last_at").and_then(|v| v.parse::<i64>().ok()),
                    "last_error": read("last_error"),
                }),
            );
        }
        out.into()
    }

    /// Pulls the spend of each connector that is due, and stores it (each
    /// row replacing its key's, as an upload does).
    pub(super) async fn pull_spend(&self) {
        for c in Connector::ALL {
            self.pull_one(c).await;
        }
    }

    async fn pull_one(&self, c: Connector) {
        let Some(due) = self.next_pull_of(c) else {
            return;
        };
        let at = now().millis();
        if due > at {
            return;
        }
        let Ok(i) = self.with_loaded(|l| l.site.config().integrations.clone()) else {
            return;
        };
        let Ok(today) = self.today() else { return };
        let Ok(db) = self.ready() else { return };
        // A report being made keeps its name; a new pull names a new one.
        let name = store::meta(&db, &c.key("report"))
            .ok()
            .flatten()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("calltrack spend {}", at / 1000));
        let (from, to) = (day_text(today - DAYS_BACK), day_text(today));
        let pulled = match (c, &i.yandex_direct, &i.google_ads) {
            (Connector::YandexDirect, Some(d), _) => {
                let by_id = d.campaign_key.as_deref() == Some("id");
                direct_report(d, &name, &from, &to, by_id).await
            }
            (Connector::GoogleAds, _, Some(g)) => google_ads_cost(g, &from, &to).await,
            _ => return,
        };
        let result = self.mutate(None, |_, db| {
            let set = |k: &str, v: &str| store::set_meta(db, &c.key(k), v);
            match &pulled {
                Pulled::Report(rows) => {
                    for s in rows {
                        store::put_spend(db, s, c.name(), now())?;
                    }
                    set("next_at", &(at + PULL_EVERY_MS).to_string())?;
                    set("report", "")?;
                    set("last_at", &at.to_string())?;
                    set("last_error", "")?;
                }
                Pulled::Later(ms) => {
                    set("next_at", &(at + ms).to_string())?;
                    set("report", &name)?;
                }
                Pulled::Failed(why) => {
                    set("next_at", &(at + AFTER_ERROR_MS).to_string())?;
                    set("report", "")?;
                    set("last_error", why)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            worker::console_error!("spend pull: {}", e.body());
        }
    }
}

/// The most pages of one Google Ads pull.
const MAX_PAGES: usize = 20;

/// Asks Google Ads for the campaigns' cost of `from..=to`, page by page.
async fn google_ads_cost(g: &GoogleAdsSpec, from: &str, to: &str) -> Pulled {
    let Some(creds) = GoogleCredentials::of(g) else {
        return Pulled::Failed("the site's Google Ads credentials are unreadable".into());
    };
    let token = match google_token(&creds).await {
        Ok(t) => t,
        Err(f) => return Pulled::Failed(f.message()),
    };
    let url = format!(
        "{}/{GOOGLE_ADS_VERSION}/customers/{}/googleAds:search",
        g.api_base
            .as_deref()
            .unwrap_or(GOOGLE_ADS_API)
            .trim_end_matches('/'),
        GoogleAdsSpec::customer(&g.customer_id)
    );
    let query = format!(
        "SELECT segments.date, campaign.id, campaign.name, metrics.cost_micros FROM campaign \
         WHERE segments.date BETWEEN '{from}' AND '{to}' AND metrics.cost_micros > 0"
    );
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    struct Page {
        #[serde(default)]
        results: Vec<serde_json::Value>,
        #[serde(default)]
        next_page_token: Option<String>,
    }
    let mut rows = Vec::new();
    let mut page_token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut body = serde_json::json!({ "query": query });
        if let Some(t) = &page_token {
            body["pageToken"] = t.as_str().into();
        }
        let mut resp = match post(&url, creds.headers(&token), &body).await {
            Ok(r) => r,
            Err(why) => return why,
        };
        let code = resp.status_code();
        if !(200..300).contains(&code) {
            if code == 401 {
                creds.forget_token();
            }
            return Pulled::Failed(format!(
                "Google Ads answered {code}: {}",
                said(&mut resp).await
            ));
        }
        let page: Page = resp.json().await.unwrap_or_default();
        for r in &page.results {
            let micros = r["metrics"]["costMicros"]
                .as_str()
                .and_then(|m| m.parse::<u64>().ok())
                .or_else(|| r["metrics"]["costMicros"].as_u64())
                .unwrap_or(0);
            let day = r["segments"]["date"].as_str().unwrap_or("");
            let campaign = r["campaign"]["name"].as_str().unwrap_or("");
            let Some(d) = pool_core::spend::parse_day(day) else {
                return Pulled::Failed(format!("Google Ads gave a row without a day: {r}"));
            };
            if campaign.trim().is_empty() || micros == 0 {
                continue;
            }
            rows.push(Spend {
                day: d,
                source: "google".into(),
                medium: "cpc".into(),
                campaign: campaign.trim().to_string(),
                keyword: None,
                ad: None,
                // Micros to minor units (hundredths), rounded.
                amount_minor: (micros + 5_000) / 10_000,
            });
        }
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(t) => page_token = Some(t),
            None => return Pulled::Report(rows),
        }
    }
    Pulled::Failed(format!("Google Ads gave more than {MAX_PAGES} pages"))
}

/// POSTs `body` as JSON with `headers` (a failed pull when they could not be made).
async fn post(
    url: &str,
    headers: worker::Result<Headers>,
    body: &serde_json::Value,
) -> std::result::Result<worker::Response, Pulled> {
    let headers = headers.map_err(|e| Pulled::Failed(e.to_string()))?;
    crate::outbound::send_with(
        Method::Post,
        url,
        headers,
        Some(&body.to_string()),
        TIMEOUT_SECS,
    )
    .await
    .map_err(Pulled::Failed)
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
    let request = || -> worker::Result<Headers> {
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
        Ok(h)
    };
    let mut resp = match post(&url, request(), &body).await {
        Ok(r) => r,
        Err(why) => return why,
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
