//! The integrations as written (webhooks, GA4, Twilio, Postmark, Pipedrive,
//! Metrica, Google Ads, Yandex Direct, Turnstile), their vendors' addresses,
//! and the rules that keep their secrets: hidden when shown, kept when an
//! admin writes the spec back, tied to the address they were given for.

use super::*;

/// The e-mail provider that sends alerts: Postmark's API.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct EmailSpec {
    /// `postmark`.
    pub provider: String,
    /// The Postmark server's API token (`X-Postmark-Server-Token`).
    pub server_token: String,
    /// The sender: an address of a confirmed sender signature.
    pub from: String,
    /// The API's origin; Postmark's own by default.
    pub api_base: Option<String>,
}

/// Postmark's API.
pub const POSTMARK_API: &str = "https://api.postmarkapp.com";
/// Twilio's REST API.
pub const TWILIO_API: &str = "https://api.twilio.com";

/// The events a webhook may subscribe to.
pub const EVENTS: [&str; 11] = [
    "call.created",
    "call.completed",
    "call.missed",
    "call.outcome",
    "lead.created",
    "callback.requested",
    "callback.connected",
    "callback.failed",
    "alert.raised",
    "alert.cleared",
    "caller.erased",
];

/// Telephony and the systems calls are sent to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct IntegrationsSpec {
    /// Twilio's voice webhook: calls to the tracking numbers ring through.
    pub twilio: Option<TwilioSpec>,
    /// Signed webhooks to a CRM (or anything): calls and leads as they happen.
    pub webhooks: Vec<WebhookSpec>,
    /// GA4 Measurement Protocol events for calls and target calls.
    pub ga4: Option<Ga4Spec>,
    /// The e-mail provider of missed-call alerts.
    pub email: Option<EmailSpec>,
    /// Pipedrive: target calls and leads become persons and deals, and a
    /// won or lost deal comes back as the call's outcome.
    pub pipedrive: Option<PipedriveSpec>,
    /// amoCRM: target calls and leads become contacts and deals (leads, in
    /// amoCRM's words) with a note, a missed call a task to call back, and a
    /// won or lost deal comes back as the call's outcome with its price.
    pub amocrm: Option<AmoCrmSpec>,
    /// Zadarma, a cloud PBX: its signed call events become calls (with the
    /// extension that rang or answered, the wait, the talk time and why a
    /// missed call was missed).
    pub zadarma: Option<ZadarmaSpec>,
    /// Cloudflare Turnstile: when a pool runs low, a new visitor proves it
    /// is a browser before it is leased a number. Off when absent.
    pub turnstile: Option<TurnstileSpec>,
    /// Yandex Metrica: every call attributed with confidence to a visit
    /// Metrica knows (its ClientID, or the Yandex Direct click's yclid) is
    /// uploaded to the tag as an offline call (`upload_calls`).
    pub metrica: Option<MetricaSpec>,
    /// Google Ads: a target call attributed with confidence to a Google Ads
    /// click (its `gclid`) is uploaded as a click conversion, with its value.
    pub google_ads: Option<GoogleAdsSpec>,
    /// Yandex Direct: the campaigns' daily spend pulled from its Reports API.
    pub yandex_direct: Option<YandexDirectSpec>,
}

/// Yandex Direct's API.
pub const YANDEX_DIRECT_API: &str = "https://api.direct.yandex.com";

/// Yandex Direct settings: the account whose campaigns' spend is pulled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct YandexDirectSpec {
    /// An OAuth token with access to the account: write-only.
    pub oauth_token: String,
    /// The advertiser's login, when the token is an agency's.
    pub client_login: Option<String>,
    /// What the ads' `utm_campaign` carries: the campaign's `name` (the
    /// default) or its `id`; spend is joined to calls by it.
    pub campaign_key: Option<String>,
    /// The API's origin; Yandex's by default.
    pub api_base: Option<String>,
}

/// Google Ads API's origin.
pub const GOOGLE_ADS_API: &str = "https://googleads.googleapis.com";
/// The Google Ads API version the uploads use.
pub const GOOGLE_ADS_VERSION: &str = "v26";
/// Google's OAuth 2.0 token endpoint.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";

/// Google Ads settings: the account, the conversion action calls count as,
/// and the OAuth 2.0 credentials an access token is refreshed with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct GoogleAdsSpec {
    /// The advertiser's customer id (10 digits; dashes allowed).
    pub customer_id: String,
    /// The manager account's id, when the access goes through one.
    pub login_customer_id: Option<String>,
    /// The conversion action (an import of click conversions) calls count as.
    pub conversion_action_id: u64,
    /// The API's developer token: write-only.
    pub developer_token: String,
    /// The OAuth client's id.
    pub client_id: String,
    /// The OAuth client's secret: write-only.
    pub client_secret: String,
    /// The refresh token of a user with access to the account: write-only.
    pub refresh_token: String,
    /// The API's origin; Google's by default.
    pub api_base: Option<String>,
    /// The OAuth token endpoint; Google's by default.
    pub token_url: Option<String>,
}

impl GoogleAdsSpec {
    /// A customer id's digits (`123-456-7890` is `1234567890`).
    pub fn customer(id: &str) -> String {
        id.chars().filter(char::is_ascii_digit).collect()
    }
}

fn customer_id_ok(id: &str) -> bool {
    id.chars().all(|c| c.is_ascii_digit() || c == '-') && GoogleAdsSpec::customer(id).len() == 10
}

/// Yandex Metrica's management API.
pub const METRICA_API: &str = "https://api-metrika.yandex.net";

/// Yandex Metrica settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct MetricaSpec {
    /// The tag (counter) the site's Metrica code runs.
    pub counter_id: u64,
    /// An OAuth token with write access to the tag (`metrika:write`): write-only.
    pub oauth_token: String,
    /// The API's origin; Yandex's by default.
    pub api_base: Option<String>,
}

/// Cloudflare Turnstile's server-side validation endpoint.
pub const TURNSTILE_VERIFY: &str = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
/// Cloudflare Turnstile's page script.
pub const TURNSTILE_SCRIPT: &str = "https://challenges.cloudflare.com/turnstile/v0/api.js";

/// Turnstile settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct TurnstileSpec {
    /// The widget's site key (public).
    pub site_key: String,
    /// The secret key siteverify takes: write-only.
    pub secret_key: String,
    /// A new visitor is asked for proof while a pool it would lease from
    /// has less than this share of its numbers free (percent, 1 to 100;
    /// 25 by default).
    pub when_free_below_percent: u32,
    /// siteverify's address; Cloudflare's by default.
    pub verify_url: Option<String>,
    /// The widget's script; Cloudflare's by default.
    pub script_url: Option<String>,
}

/// Pipedrive's REST API.
pub const PIPEDRIVE_API: &str = "https://api.pipedrive.com";

/// Pipedrive settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct PipedriveSpec {
    /// The API token (`api_token`): write-only.
    pub api_token: String,
    /// The API's origin: the company's (`https://acme.pipedrive.com`) or
    /// Pipedrive's own by default.
    pub api_base: Option<String>,
    /// The password Pipedrive's webhook sends (HTTP Basic, user
    /// `calltrack`): write-only, 16 characters or more.
    pub webhook_secret: String,
    /// The outcome a won deal gives its call; the site's first successful one by default.
    pub won_outcome: Option<String>,
    /// The outcome a lost deal gives; the first unsuccessful one by default.
    pub lost_outcome: Option<String>,
}

impl PipedriveSpec {
    /// The labels a won and a lost deal give (`config`'s outcomes).
    pub fn outcomes<'a>(&'a self, config: &'a Config) -> (Option<&'a str>, Option<&'a str>) {
        deal_outcomes(config, &self.won_outcome, &self.lost_outcome)
    }
}

/// The labels a won and a lost deal give: those named, or the site's first
/// successful and first unsuccessful outcome.
fn deal_outcomes<'a>(
    config: &'a Config,
    won: &'a Option<String>,
    lost: &'a Option<String>,
) -> (Option<&'a str>, Option<&'a str>) {
    let pick = |given: &'a Option<String>, successful: bool| {
        given.as_deref().or_else(|| {
            config
                .outcomes
                .iter()
                .find(|o| o.successful == successful)
                .map(|o| o.label.as_str())
        })
    };
    (pick(won, true), pick(lost, false))
}

/// amoCRM settings: the account (`subdomain`.amocrm.ru), its token, where
/// deals go and who calls back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct AmoCrmSpec {
    /// The account's subdomain: `clinic` for `https://clinic.amocrm.ru`.
    pub subdomain: String,
    /// The API's origin; `https://{subdomain}.amocrm.ru` by default
    /// (`.amocrm.com` and Kommo's `.kommo.com` too).
    pub api_base: Option<String>,
    /// The access token: a private integration's long-lived token, or an
    /// OAuth integration's current one. Write-only.
    pub access_token: String,
    /// An OAuth integration's id: with `client_secret`, `refresh_token` and
    /// `redirect_uri`, an expired access token is refreshed (amoCRM gives a
    /// new refresh token each time; the edge keeps the newest, sealed).
    pub client_id: Option<String>,
    /// The OAuth integration's secret. Write-only.
    pub client_secret: String,
    /// The OAuth refresh token. Write-only.
    pub refresh_token: String,
    /// The OAuth integration's redirect URI, as registered.
    pub redirect_uri: Option<String>,
    /// The pipeline new deals go to; the account's main one by default.
    pub pipeline_id: Option<u64>,
    /// The stage new deals start at; the pipeline's first by default.
    pub status_id: Option<u64>,
    /// The user deals and tasks are given to; the token's user by default.
    pub responsible_user_id: Option<u64>,
    /// How long the one who calls back has for a missed call's task, in minutes.
    pub task_minutes: u32,
    /// The secret in the address of the webhook amoCRM calls
    /// (`/crm/amocrm/{webhook_secret}`): write-only, 16 characters or more.
    pub webhook_secret: String,
    /// The outcome a won deal gives its call; the site's first successful one by default.
    pub won_outcome: Option<String>,
    /// The outcome a lost deal gives; the first unsuccessful one by default.
    pub lost_outcome: Option<String>,
}

impl Default for AmoCrmSpec {
    fn default() -> Self {
        AmoCrmSpec {
            subdomain: String::new(),
            api_base: None,
            access_token: String::new(),
            client_id: None,
            client_secret: String::new(),
            refresh_token: String::new(),
            redirect_uri: None,
            pipeline_id: None,
            status_id: None,
            responsible_user_id: None,
            task_minutes: 15,
            webhook_secret: String::new(),
            won_outcome: None,
            lost_outcome: None,
        }
    }
}

/// Zadarma's API.
pub const ZADARMA_API: &str = "https://api.zadarma.com";

/// Zadarma settings: the account's API key and secret (the secret signs
/// its webhooks).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct ZadarmaSpec {
    /// The API key (`key` of the account's API settings).
    pub api_key: String,
    /// The API secret: write-only; it checks the webhooks' `Signature`.
    pub api_secret: String,
    /// The API's origin; Zadarma's by default.
    pub api_base: Option<String>,
    /// Call-backs through Zadarma's click-to-call (`callback.via`): the
    /// office's extension (`100`) or number that rings first.
    pub callback_from: Option<String>,
}

/// The status of a won deal in every amoCRM pipeline.
pub const AMOCRM_WON: u64 = 142;
/// The status of a lost deal in every amoCRM pipeline.
pub const AMOCRM_LOST: u64 = 143;

impl AmoCrmSpec {
    /// The API's origin.
    pub fn base(&self) -> String {
        match &self.api_base {
            Some(b) => String::from(b.trim_end_matches('/')),
            None => format!("https://{}.amocrm.ru", self.subdomain),
        }
    }

    /// Whether an expired access token can be refreshed (OAuth).
    pub fn refreshes(&self) -> bool {
        self.client_id.is_some() && !self.refresh_token.is_empty()
    }

    /// The labels a won and a lost deal give (`config`'s outcomes).
    pub fn outcomes<'a>(&'a self, config: &'a Config) -> (Option<&'a str>, Option<&'a str>) {
        deal_outcomes(config, &self.won_outcome, &self.lost_outcome)
    }

    /// The outcome label a deal's new status means: won, lost, or none
    /// (still open).
    pub fn outcome_of<'a>(&'a self, config: &'a Config, status_id: u64) -> Option<&'a str> {
        let (won, lost) = self.outcomes(config);
        match status_id {
            AMOCRM_WON => won,
            AMOCRM_LOST => lost,
            _ => None,
        }
    }
}

/// Twilio settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct TwilioSpec {
    /// The account's auth token: it signs Twilio's requests (`X-Twilio-Signature`).
    pub auth_token: String,
    /// Record the forwarded calls.
    pub record: bool,
    /// The origin Twilio calls (`https://edge.example`), when a proxy in
    /// front changes what the worker sees; the signature covers the URL.
    pub public_url: Option<String>,
    /// The account's SID (`AC…`): the REST API (SMS alerts) needs it.
    pub account_sid: Option<String>,
    /// The sender of SMS alerts: a Twilio number, or a Messaging Service SID (`MG…`).
    pub sms_from: Option<String>,
    /// The REST API's origin; Twilio's own by default.
    pub api_base: Option<String>,
}

/// One webhook.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct WebhookSpec {
    /// Where to POST (http or https).
    pub url: String,
    /// The HMAC-SHA256 key of the `X-Calltrack-Signature` header (16+ characters).
    pub secret: String,
    /// Events sent; every one of [`EVENTS`] when empty.
    pub events: Vec<String>,
}

/// GA4 Measurement Protocol.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct Ga4Spec {
    /// `G-XXXXXXX`.
    pub measurement_id: String,
    /// The stream's Measurement Protocol API secret.
    pub api_secret: String,
    /// The collect endpoint; Google's by default.
    pub endpoint: Option<String>,
}

/// Google's Measurement Protocol endpoint.
pub const GA4_ENDPOINT: &str = "https://www.google-analytics.com/mp/collect";

fn http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.contains(char::is_whitespace)
    }) && s.len() <= 2048
}

/// Whether `s` looks like one e-mail address (`name@host.tld`, nothing around it).
pub fn email_ok(s: &str) -> bool {
    let Some((local, host)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && s.len() <= 254
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && !s.contains(|c: char| c.is_whitespace() || c == ',' || c == '<' || c == '>')
        && !host.contains('@')
}

/// What the admin API shows in place of a stored secret (Twilio's auth
/// token, a webhook's secret, GA4's API secret). Sent back unchanged in a
/// `PUT`, it keeps the stored secret, so a config read, edited and written
/// back never needs the secrets in hand.
pub const HIDDEN: &str = "(hidden)";

impl IntegrationsSpec {
    /// A copy with every secret replaced by [`HIDDEN`].
    pub fn redacted(&self) -> IntegrationsSpec {
        match self.try_map_secrets(|_| Ok::<_, core::convert::Infallible>(String::from(HIDDEN))) {
            Ok(r) => r,
            Err(never) => match never {},
        }
    }

    /// The vendors' addresses this spec sets, with the hosts each vendor
    /// serves them from: `(path, address, hosts)`; a host `*.x` is any
    /// host under `x`.
    fn vendor_addresses(&self) -> Vec<(&'static str, &str, &'static [&'static str])> {
        let mut out = Vec::new();
        if let Some(u) = self.twilio.as_ref().and_then(|t| t.api_base.as_deref()) {
            out.push(("integrations.twilio.api_base", u, &["api.twilio.com"][..]));
        }
        if let Some(u) = self.email.as_ref().and_then(|e| e.api_base.as_deref()) {
            out.push((
                "integrations.email.api_base",
                u,
                &["api.postmarkapp.com"][..],
            ));
        }
        if let Some(u) = self.pipedrive.as_ref().and_then(|p| p.api_base.as_deref()) {
            out.push((
                "integrations.pipedrive.api_base",
                u,
                &["api.pipedrive.com", "*.pipedrive.com"][..],
            ));
        }
        if let Some(u) = self.amocrm.as_ref().and_then(|a| a.api_base.as_deref()) {
            out.push((
                "integrations.amocrm.api_base",
                u,
                &["*.amocrm.ru", "*.amocrm.com", "*.kommo.com"][..],
            ));
        }
        if let Some(u) = self.zadarma.as_ref().and_then(|z| z.api_base.as_deref()) {
            out.push(("integrations.zadarma.api_base", u, &["api.zadarma.com"][..]));
        }
        if let Some(u) = self.ga4.as_ref().and_then(|g| g.endpoint.as_deref()) {
            out.push((
                "integrations.ga4.endpoint",
                u,
                &["www.google-analytics.com", "region1.google-analytics.com"][..],
            ));
        }
        if let Some(u) = self.metrica.as_ref().and_then(|m| m.api_base.as_deref()) {
            out.push((
                "integrations.metrica.api_base",
                u,
                &["api-metrika.yandex.net", "api-metrika.yandex.ru"][..],
            ));
        }
        if let Some(u) = self
            .yandex_direct
            .as_ref()
            .and_then(|d| d.api_base.as_deref())
        {
            out.push((
                "integrations.yandex_direct.api_base",
                u,
                &["api.direct.yandex.com", "api-sandbox.direct.yandex.com"][..],
            ));
        }
        if let Some(g) = &self.google_ads {
            if let Some(u) = g.api_base.as_deref() {
                out.push((
                    "integrations.google_ads.api_base",
                    u,
                    &["googleads.googleapis.com"][..],
                ));
            }
            if let Some(u) = g.token_url.as_deref() {
                out.push((
                    "integrations.google_ads.token_url",
                    u,
                    &["oauth2.googleapis.com"][..],
                ));
            }
        }
        if let Some(t) = &self.turnstile {
            for (path, u) in [
                ("integrations.turnstile.verify_url", &t.verify_url),
                ("integrations.turnstile.script_url", &t.script_url),
            ] {
                if let Some(u) = u.as_deref() {
                    out.push((path, u, &["challenges.cloudflare.com"][..]));
                }
            }
        }
        out
    }

    /// The vendors' addresses of this spec that are neither the vendor's own
    /// hosts (over https) nor as `stored` had them: what only the
    /// deployment may set (a stand-in, a proxy). A site's own key may point
    /// an integration only at its vendor.
    pub fn foreign_vendors(&self, stored: Option<&IntegrationsSpec>) -> Vec<FieldError> {
        let before = stored
            .map(IntegrationsSpec::vendor_addresses)
            .unwrap_or_default();
        self.vendor_addresses()
            .into_iter()
            .filter(|(path, url, _)| !before.iter().any(|(p, u, _)| p == path && u == url))
            .filter(|(_, url, hosts)| {
                let host = url
                    .strip_prefix("https://")
                    .map(|r| r.split(['/', '?', '#', ':']).next().unwrap_or(""))
                    .unwrap_or("");
                !hosts.iter().any(|h| match h.strip_prefix("*.") {
                    Some(domain) => host
                        .strip_suffix(domain)
                        .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1),
                    None => host == *h,
                })
            })
            .map(|(path, _, hosts)| FieldError {
                path: String::from(path),
                message: format!(
                    "a site's key may point this only at {} (https); another address takes the deployment's key",
                    hosts.join(" or ")
                ),
            })
            .collect()
    }

    /// A copy with every secret (Twilio's token, each webhook's secret,
    /// GA4's API secret, Postmark's token, Pipedrive's token and webhook
    /// secret) replaced by `f` of it: the one list of the secrets, for
    /// hiding them and for sealing them at rest.
    pub fn try_map_secrets<E>(
        &self,
        mut f: impl FnMut(&str) -> Result<String, E>,
    ) -> Result<IntegrationsSpec, E> {
        let mut r = self.clone();
        if let Some(t) = &mut r.twilio {
            t.auth_token = f(&t.auth_token)?;
        }
        for w in &mut r.webhooks {
            w.secret = f(&w.secret)?;
        }
        if let Some(g) = &mut r.ga4 {
            g.api_secret = f(&g.api_secret)?;
        }
        if let Some(m) = &mut r.email {
            m.server_token = f(&m.server_token)?;
        }
        if let Some(p) = &mut r.pipedrive {
            p.api_token = f(&p.api_token)?;
            p.webhook_secret = f(&p.webhook_secret)?;
        }
        if let Some(z) = &mut r.zadarma {
            z.api_secret = f(&z.api_secret)?;
        }
        if let Some(a) = &mut r.amocrm {
            a.access_token = f(&a.access_token)?;
            a.client_secret = f(&a.client_secret)?;
            a.refresh_token = f(&a.refresh_token)?;
            a.webhook_secret = f(&a.webhook_secret)?;
        }
        if let Some(t) = &mut r.turnstile {
            t.secret_key = f(&t.secret_key)?;
        }
        if let Some(m) = &mut r.metrica {
            m.oauth_token = f(&m.oauth_token)?;
        }
        if let Some(d) = &mut r.yandex_direct {
            d.oauth_token = f(&d.oauth_token)?;
        }
        if let Some(g) = &mut r.google_ads {
            g.developer_token = f(&g.developer_token)?;
            g.client_secret = f(&g.client_secret)?;
            g.refresh_token = f(&g.refresh_token)?;
        }
        Ok(r)
    }

    /// Puts back the `stored` secrets that this spec keeps with [`HIDDEN`],
    /// each only while the address it is sent to is the stored one: Twilio's
    /// token (its `api_base`), GA4's API secret (its `endpoint`), Postmark's
    /// and Pipedrive's tokens (their `api_base`), a webhook's secret (its
    /// `url`). Pipedrive's webhook secret, which only checks what comes in,
    /// is kept as it is. A secret is never carried to another address: one
    /// with nothing to keep stays [`HIDDEN`], and validation refuses it.
    pub fn keep_secrets(&mut self, stored: &IntegrationsSpec) {
        if let (Some(t), Some(old)) = (&mut self.twilio, &stored.twilio) {
            if t.auth_token == HIDDEN && t.api_base == old.api_base {
                t.auth_token.clone_from(&old.auth_token);
            }
        }
        for w in &mut self.webhooks {
            if w.secret == HIDDEN {
                if let Some(old) = stored.webhooks.iter().find(|o| o.url == w.url) {
                    w.secret.clone_from(&old.secret);
                }
            }
        }
        if let (Some(g), Some(old)) = (&mut self.ga4, &stored.ga4) {
            if g.api_secret == HIDDEN && g.endpoint == old.endpoint {
                g.api_secret.clone_from(&old.api_secret);
            }
        }
        if let (Some(m), Some(old)) = (&mut self.email, &stored.email) {
            if m.server_token == HIDDEN && m.api_base == old.api_base {
                m.server_token.clone_from(&old.server_token);
            }
        }
        if let (Some(p), Some(old)) = (&mut self.pipedrive, &stored.pipedrive) {
            if p.api_token == HIDDEN && p.api_base == old.api_base {
                p.api_token.clone_from(&old.api_token);
            }
            if p.webhook_secret == HIDDEN {
                p.webhook_secret.clone_from(&old.webhook_secret);
            }
        }
        if let (Some(z), Some(old)) = (&mut self.zadarma, &stored.zadarma) {
            // The secret signs what the account sends and goes to its API.
            if z.api_secret == HIDDEN && z.api_base == old.api_base && z.api_key == old.api_key {
                z.api_secret.clone_from(&old.api_secret);
            }
        }
        if let (Some(a), Some(old)) = (&mut self.amocrm, &stored.amocrm) {
            // The tokens go to the account's API: kept only for the same account.
            if a.base() == old.base() {
                for (new, old) in [
                    (&mut a.access_token, &old.access_token),
                    (&mut a.client_secret, &old.client_secret),
                    (&mut a.refresh_token, &old.refresh_token),
                ] {
                    if *new == HIDDEN {
                        new.clone_from(old);
                    }
                }
            }
            if a.webhook_secret == HIDDEN {
                a.webhook_secret.clone_from(&old.webhook_secret);
            }
        }
        if let (Some(t), Some(old)) = (&mut self.turnstile, &stored.turnstile) {
            if t.secret_key == HIDDEN && t.verify_url == old.verify_url {
                t.secret_key.clone_from(&old.secret_key);
            }
        }
        if let (Some(m), Some(old)) = (&mut self.metrica, &stored.metrica) {
            if m.oauth_token == HIDDEN && m.api_base == old.api_base {
                m.oauth_token.clone_from(&old.oauth_token);
            }
        }
        if let (Some(d), Some(old)) = (&mut self.yandex_direct, &stored.yandex_direct) {
            if d.oauth_token == HIDDEN && d.api_base == old.api_base {
                d.oauth_token.clone_from(&old.oauth_token);
            }
        }
        if let (Some(g), Some(old)) = (&mut self.google_ads, &stored.google_ads) {
            // The developer token goes to the API; the OAuth secrets to the token endpoint.
            if g.developer_token == HIDDEN && g.api_base == old.api_base {
                g.developer_token.clone_from(&old.developer_token);
            }
            if g.token_url == old.token_url && g.client_id == old.client_id {
                if g.client_secret == HIDDEN {
                    g.client_secret.clone_from(&old.client_secret);
                }
                if g.refresh_token == HIDDEN {
                    g.refresh_token.clone_from(&old.refresh_token);
                }
            }
        }
    }

    pub(super) fn check(&self, e: &mut Errors) {
        const NOTHING_KEPT: &str =
            "no stored secret to keep for this address: send the secret itself";
        if self.twilio.as_ref().is_some_and(|t| t.auth_token == HIDDEN) {
            e.push("integrations.twilio.auth_token", NOTHING_KEPT);
        }
        for (i, w) in self.webhooks.iter().enumerate() {
            if w.secret == HIDDEN {
                e.push(
                    format!("integrations.webhooks[{i}].secret"),
                    "no stored secret for this url to keep: send the secret itself",
                );
            }
        }
        if self.ga4.as_ref().is_some_and(|g| g.api_secret == HIDDEN) {
            e.push("integrations.ga4.api_secret", NOTHING_KEPT);
        }
        if self
            .email
            .as_ref()
            .is_some_and(|m| m.server_token == HIDDEN)
        {
            e.push("integrations.email.server_token", NOTHING_KEPT);
        }
        if let Some(p) = &self.pipedrive {
            if p.api_token == HIDDEN {
                e.push("integrations.pipedrive.api_token", NOTHING_KEPT);
            } else if p.api_token.trim().is_empty() || p.api_token.len() > 256 {
                e.push("integrations.pipedrive.api_token", "the API token");
            }
            if p.webhook_secret == HIDDEN {
                e.push("integrations.pipedrive.webhook_secret", NOTHING_KEPT);
            } else if p.webhook_secret.len() < 16 || p.webhook_secret.len() > 256 {
                e.push(
                    "integrations.pipedrive.webhook_secret",
                    "16 to 256 characters",
                );
            }
            if p.api_base.as_deref().is_some_and(|u| !http_url(u)) {
                e.push("integrations.pipedrive.api_base", "an http(s) origin");
            }
        }
        if let Some(z) = &self.zadarma {
            if z.api_secret == HIDDEN {
                e.push("integrations.zadarma.api_secret", NOTHING_KEPT);
            } else if z.api_secret.trim().is_empty() || z.api_secret.len() > 256 {
                e.push(
                    "integrations.zadarma.api_secret",
                    "the account's API secret",
                );
            }
            if z.api_key.trim().is_empty() || z.api_key.len() > 256 {
                e.push("integrations.zadarma.api_key", "the account's API key");
            }
            if z.api_base.as_deref().is_some_and(|u| !http_url(u)) {
                e.push("integrations.zadarma.api_base", "an http(s) origin");
            }
            if z.callback_from.as_deref().is_some_and(|f| {
                f.is_empty() || f.len() > 32 || !f.bytes().all(|b| b.is_ascii_digit() || b == b'+')
            }) {
                e.push(
                    "integrations.zadarma.callback_from",
                    "the office's extension or number: digits (a leading + allowed)",
                );
            }
        }
        if let Some(a) = &self.amocrm {
            let ok = !a.subdomain.is_empty()
                && a.subdomain.len() <= 63
                && a.subdomain
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                e.push(
                    "integrations.amocrm.subdomain",
                    "the account's subdomain: lower-case letters, digits and dashes (clinic for clinic.amocrm.ru)",
                );
            }
            for (name, v) in [
                ("access_token", &a.access_token),
                ("client_secret", &a.client_secret),
                ("refresh_token", &a.refresh_token),
            ] {
                if *v == HIDDEN {
                    e.push(format!("integrations.amocrm.{name}"), NOTHING_KEPT);
                } else if v.len() > 4096 {
                    e.push(
                        format!("integrations.amocrm.{name}"),
                        "at most 4096 characters",
                    );
                }
            }
            if a.access_token.trim().is_empty() {
                e.push(
                    "integrations.amocrm.access_token",
                    "the access token (a long-lived token, or OAuth's)",
                );
            }
            let oauth = [
                a.client_id.is_some(),
                !a.client_secret.is_empty(),
                !a.refresh_token.is_empty(),
                a.redirect_uri.is_some(),
            ];
            if oauth.iter().any(|x| *x) && !oauth.iter().all(|x| *x) {
                e.push(
                    "integrations.amocrm.client_id",
                    "OAuth needs client_id, client_secret, refresh_token and redirect_uri together (or none, with a long-lived token)",
                );
            }
            if a.webhook_secret == HIDDEN {
                e.push("integrations.amocrm.webhook_secret", NOTHING_KEPT);
            } else if a.webhook_secret.len() < 16
                || a.webhook_secret.len() > 256
                || !a
                    .webhook_secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                e.push(
                    "integrations.amocrm.webhook_secret",
                    "16 to 256 letters, digits, dashes or underscores (it is part of the webhook's address)",
                );
            }
            if a.api_base.as_deref().is_some_and(|u| !http_url(u)) {
                e.push("integrations.amocrm.api_base", "an http(s) origin");
            }
            if !(1..=10_080).contains(&a.task_minutes) {
                e.push(
                    "integrations.amocrm.task_minutes",
                    "from 1 to 10080 (a week)",
                );
            }
        }
        if let Some(m) = &self.email {
            if m.provider != "postmark" {
                e.push(
                    "integrations.email.provider",
                    "postmark (the one supported)",
                );
            }
            if m.server_token != HIDDEN
                && (m.server_token.trim().is_empty() || m.server_token.len() > 256)
            {
                e.push("integrations.email.server_token", "the server's API token");
            }
            if !email_ok(&m.from) {
                e.push("integrations.email.from", "an e-mail address");
            }
            if m.api_base.as_deref().is_some_and(|u| !http_url(u)) {
                e.push("integrations.email.api_base", "an http(s) origin");
            }
        }
        if let Some(t) = &self.twilio {
            if t.auth_token != HIDDEN
                && (t.auth_token.trim().is_empty() || t.auth_token.len() > 256)
            {
                e.push(
                    "integrations.twilio.auth_token",
                    "the account's auth token (1 to 256 characters)",
                );
            }
            if let Some(u) = &t.public_url {
                if !http_url(u) {
                    e.push(
                        "integrations.twilio.public_url",
                        "an http(s) origin, such as https://edge.example",
                    );
                }
            }
            if let Some(sid) = &t.account_sid {
                if sid.len() != 34
                    || !sid.starts_with("AC")
                    || !sid.bytes().all(|b| b.is_ascii_alphanumeric())
                {
                    e.push(
                        "integrations.twilio.account_sid",
                        "the account SID: AC and 32 hex digits",
                    );
                }
            }
            if t.api_base.as_deref().is_some_and(|u| !http_url(u)) {
                e.push("integrations.twilio.api_base", "an http(s) origin");
            }
        }
        if self.webhooks.len() > 10 {
            e.push("integrations.webhooks", "at most 10 webhooks");
        }
        for (i, w) in self.webhooks.iter().enumerate() {
            if !http_url(&w.url) {
                e.push(format!("integrations.webhooks[{i}].url"), "an http(s) URL");
            }
            if w.secret != HIDDEN && (w.secret.len() < 16 || w.secret.len() > 256) {
                e.push(
                    format!("integrations.webhooks[{i}].secret"),
                    "16 to 256 characters",
                );
            }
            for (k, ev) in w.events.iter().enumerate() {
                if !EVENTS.contains(&ev.as_str()) {
                    e.push(
                        format!("integrations.webhooks[{i}].events[{k}]"),
                        format!("{ev:?} is not one of: {}", EVENTS.join(", ")),
                    );
                }
            }
        }
        if let Some(g) = &self.ga4 {
            if g.measurement_id.trim().is_empty() || g.measurement_id.len() > 64 {
                e.push(
                    "integrations.ga4.measurement_id",
                    "the stream's measurement id, such as G-XXXXXXX",
                );
            }
            if g.api_secret != HIDDEN
                && (g.api_secret.trim().is_empty() || g.api_secret.len() > 256)
            {
                e.push(
                    "integrations.ga4.api_secret",
                    "the stream's Measurement Protocol API secret",
                );
            }
            if let Some(u) = &g.endpoint {
                if !http_url(u) {
                    e.push("integrations.ga4.endpoint", "an http(s) URL");
                }
            }
        }
        if let Some(d) = &self.yandex_direct {
            if d.oauth_token == HIDDEN {
                e.push("integrations.yandex_direct.oauth_token", NOTHING_KEPT);
            } else if d.oauth_token.trim().is_empty()
                || d.oauth_token.len() > 256
                || !d.oauth_token.bytes().all(|b| b.is_ascii_graphic())
            {
                e.push(
                    "integrations.yandex_direct.oauth_token",
                    "an OAuth token with access to the account",
                );
            }
            if d.client_login.as_deref().is_some_and(|l| {
                l.is_empty()
                    || l.len() > 64
                    || !l
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._@".contains(&b))
            }) {
                e.push(
                    "integrations.yandex_direct.client_login",
                    "the advertiser's Yandex login",
                );
            }
            if d.campaign_key
                .as_deref()
                .is_some_and(|k| k != "name" && k != "id")
            {
                e.push("integrations.yandex_direct.campaign_key", "name or id");
            }
            if d.api_base.as_deref().is_some_and(|u| !http_url(u)) {
                e.push("integrations.yandex_direct.api_base", "an http(s) origin");
            }
        }
        if let Some(g) = &self.google_ads {
            if !customer_id_ok(&g.customer_id) {
                e.push(
                    "integrations.google_ads.customer_id",
                    "the account's 10-digit customer id",
                );
            }
            if g.login_customer_id
                .as_deref()
                .is_some_and(|l| !customer_id_ok(l))
            {
                e.push(
                    "integrations.google_ads.login_customer_id",
                    "the manager account's 10-digit customer id",
                );
            }
            if g.conversion_action_id == 0 {
                e.push(
                    "integrations.google_ads.conversion_action_id",
                    "the conversion action's id",
                );
            }
            if g.client_id.trim().is_empty() || g.client_id.len() > 256 {
                e.push("integrations.google_ads.client_id", "the OAuth client's id");
            }
            for (path, v) in [
                (
                    "integrations.google_ads.developer_token",
                    &g.developer_token,
                ),
                ("integrations.google_ads.client_secret", &g.client_secret),
                ("integrations.google_ads.refresh_token", &g.refresh_token),
            ] {
                if v == HIDDEN {
                    e.push(path, NOTHING_KEPT);
                } else if v.trim().is_empty()
                    || v.len() > 512
                    || !v.bytes().all(|b| b.is_ascii_graphic())
                {
                    e.push(path, "1 to 512 visible characters");
                }
            }
            for (path, u) in [
                ("integrations.google_ads.api_base", &g.api_base),
                ("integrations.google_ads.token_url", &g.token_url),
            ] {
                if u.as_deref().is_some_and(|u| !http_url(u)) {
                    e.push(path, "an http(s) URL");
                }
            }
        }
        if let Some(m) = &self.metrica {
            if m.counter_id == 0 || m.counter_id > 9_999_999_999 {
                e.push("integrations.metrica.counter_id", "the tag's number");
            }
            if m.oauth_token == HIDDEN {
                e.push("integrations.metrica.oauth_token", NOTHING_KEPT);
            } else if m.oauth_token.trim().is_empty()
                || m.oauth_token.len() > 256
                || !m.oauth_token.bytes().all(|b| b.is_ascii_graphic())
            {
                e.push(
                    "integrations.metrica.oauth_token",
                    "an OAuth token with write access to the tag",
                );
            }
            if m.api_base.as_deref().is_some_and(|u| !http_url(u)) {
                e.push("integrations.metrica.api_base", "an http(s) origin");
            }
        }
        if let Some(t) = &self.turnstile {
            if t.site_key.trim().is_empty() || t.site_key.len() > 128 {
                e.push("integrations.turnstile.site_key", "the widget's site key");
            }
            if t.secret_key == HIDDEN {
                e.push("integrations.turnstile.secret_key", NOTHING_KEPT);
            } else if t.secret_key.trim().is_empty() || t.secret_key.len() > 256 {
                e.push(
                    "integrations.turnstile.secret_key",
                    "the widget's secret key",
                );
            }
            if t.when_free_below_percent == 0 || t.when_free_below_percent > 100 {
                e.push(
                    "integrations.turnstile.when_free_below_percent",
                    "from 1 to 100",
                );
            }
            for (name, u) in [("verify_url", &t.verify_url), ("script_url", &t.script_url)] {
                if u.as_deref().is_some_and(|u| !http_url(u)) {
                    e.push(format!("integrations.turnstile.{name}"), "an http(s) URL");
                }
            }
        }
    }
}

impl Default for TurnstileSpec {
    fn default() -> Self {
        TurnstileSpec {
            site_key: String::new(),
            secret_key: String::new(),
            when_free_below_percent: 25,
            verify_url: None,
            script_url: None,
        }
    }
}
