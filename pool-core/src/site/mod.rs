//! A site's configuration: what is written ([`Spec`]) and what is checked ([`Config`]).
//!
//! [`Spec`] is the documented file format (JSON with the `serde` feature):
//! numbers as strings, durations in seconds, channels by name. [`Spec::validate`]
//! reads it into a [`Config`] or reports every bad field at once, each with
//! its path (`targets[0].pool[3]`) and what is wrong.
//!
//! ```
//! use pool_core::site::{Spec, TargetSpec};
//! let mut spec = Spec::default();
//! spec.region = Some("RU".into());
//! spec.targets.push(TargetSpec {
//!     number: "8 (495) 123-45-67".into(),
//!     pool: vec!["+74990000001".into(), "+74990000002".into()],
//!     ..TargetSpec::default()
//! });
//! let config = spec.validate().unwrap();
//! assert_eq!(config.targets[0].pool.len(), 2);
//!
//! spec.fixation_secs = 0;
//! spec.targets[0].pool.push("+74990000001".into());
//! let err = spec.validate().unwrap_err();
//! assert_eq!(err.errors.len(), 2);
//! ```

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::channel::Channel;
use crate::number::{PhoneNumber, Region};
use crate::pool::{self, Exhaustion};
use crate::text::Part;
use crate::time::Duration;

mod aggregate;
mod sources;
pub use aggregate::{Beat, Plain, Shown, Site, Why};
pub use sources::{Agent, AgentSpec, Audience, ShowOnSpec, Source, SourceSpec, OFFLINE_KINDS};

/// The site configuration as written by a person.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct Spec {
    /// A name for people (dashboards, reports).
    pub name: String,
    /// Origins allowed to call the public API from a browser: `https://clinic.example`.
    pub origins: Vec<String>,
    /// Default region for numbers written without a country code (`RU`, `US`, `GB`, `DE`, `FR`, ...).
    pub region: Option<String>,
    /// IANA time zone for reports: `Europe/Moscow`.
    pub time_zone: String,
    /// The site's own numbers, each with its pool.
    pub targets: Vec<TargetSpec>,
    /// Numbers of their own for named sources: offline advertising
    /// (print, outdoor, radio, TV), partners.
    pub sources: Vec<SourceSpec>,
    /// The people who answer calls.
    pub agents: Vec<AgentSpec>,
    /// Channels whose visitors get a dynamic number from the pool; the others
    /// see the channel's static number or the original.
    pub dynamic_channels: Vec<String>,
    /// How long a lease lives after the last heartbeat, in seconds.
    pub fixation_secs: u64,
    /// How often the browser sends a heartbeat while the page is visible, in seconds.
    pub heartbeat_secs: u64,
    /// How long a released number rests before reuse, in seconds.
    pub cooldown_secs: u64,
    /// How long after a lease ended a call is still attributed to it, in seconds.
    pub grace_secs: u64,
    /// `fallback` (show the fallback number when the pool is exhausted) or
    /// `recycle` (take the number of the longest-idle session).
    pub exhaustion: String,
    /// With `recycle`: how long a session must be silent before its number is taken, in seconds.
    pub recycle_min_idle_secs: u64,
    /// What makes a call a target call.
    pub target_call: TargetCallSpec,
    /// The outcomes a call can be given, each successful (the business got
    /// what it wanted: PTR counts it) or not.
    pub outcomes: Vec<OutcomeSpec>,
    /// The currency of outcome values (ISO 4217: `RUB`, `USD`, `EUR`).
    pub currency: String,
    /// How long calls and the holder journal are kept, in days.
    pub retention_days: u64,
    /// Rate limits on new sessions.
    pub limits: LimitsSpec,
    /// CSS selectors of page regions the browser script must leave alone.
    pub ignore_selectors: Vec<String>,
    /// When the visitor leaves the page, end the lease at once (the number
    /// cools down and passes on) instead of keeping it for the fixation. It
    /// frees numbers sooner and loses callers who ring back later: measure
    /// with the sizing simulation before turning it on.
    pub release_on_leave: bool,
    /// How many steps of a visit's trail (pages seen, the site's events)
    /// are kept per session, the oldest dropped first; 0 keeps none.
    pub trail_max: u32,
    /// How many Durable Objects share the site's pools (1, the default, to
    /// 64): each holds the numbers its shard owns ([`crate::shard`]) and the
    /// sessions routed to it. Set when the site is created.
    pub shards: u32,
    /// Who is told of missed calls, how and when.
    pub missed_call_alerts: Option<MissedAlertsSpec>,
    /// Call-back requests from the site (placed through Twilio's REST API).
    pub callback: Option<CallbackSpec>,
    /// Telephony and the systems calls are sent to.
    pub integrations: IntegrationsSpec,
}

/// Call-back requests as written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct CallbackSpec {
    /// The number both legs show (a Twilio number of the account).
    pub caller_id: String,
    /// The days the office takes calls (`mon` ... `sun`).
    pub days: Vec<String>,
    /// When it opens, `HH:MM` in the site's time zone.
    pub from: String,
    /// When it closes (`24:00`: at the end of the day).
    pub to: String,
    /// The countries whose numbers may be called back (two-letter
    /// regions); the site's region when empty.
    pub countries: Vec<String>,
    /// Requests an hour from one visitor.
    pub per_visitor_per_hour: u32,
    /// Requests an hour for the whole site.
    pub per_site_per_hour: u32,
}

impl Default for CallbackSpec {
    fn default() -> Self {
        CallbackSpec {
            caller_id: String::new(),
            days: ["mon", "tue", "wed", "thu", "fri"]
                .map(String::from)
                .to_vec(),
            from: String::from("09:00"),
            to: String::from("18:00"),
            countries: Vec::new(),
            per_visitor_per_hour: 3,
            per_site_per_hour: 60,
        }
    }
}

/// Call-back requests, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// The number both legs show.
    pub caller_id: PhoneNumber,
    /// When the office takes calls.
    pub hours: crate::calendar::WorkingHours,
    /// Countries called back.
    pub countries: Vec<Region>,
    /// As written (for [`Config::to_spec`]).
    pub spec: CallbackSpec,
}

/// Who is told of missed calls, how and when.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct MissedAlertsSpec {
    /// Numbers that get an SMS (through Twilio's Messages API).
    pub sms: Vec<String>,
    /// Addresses that get an e-mail (through the e-mail provider).
    pub email: Vec<String>,
    /// No message in these hours of the site's time zone (`"21:00"` to
    /// `"09:00"`); what is missed then goes when they end.
    pub quiet_hours: Option<QuietHoursSpec>,
    /// At most one message per this many minutes; the calls missed in
    /// between are summed up in the next (default 15; 0 sends each at once).
    pub digest_minutes: u32,
}

/// Quiet hours as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct QuietHoursSpec {
    /// When they start, `HH:MM`.
    pub from: String,
    /// When they end, `HH:MM` (before `from`: across midnight).
    pub to: String,
}

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
        let pick = |given: &'a Option<String>, successful: bool| {
            given.as_deref().or_else(|| {
                config
                    .outcomes
                    .iter()
                    .find(|o| o.successful == successful)
                    .map(|o| o.label.as_str())
            })
        };
        (
            pick(&self.won_outcome, true),
            pick(&self.lost_outcome, false),
        )
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

    fn check(&self, e: &mut Errors) {
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

/// One target number as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct TargetSpec {
    /// The number printed on the site, in any written form.
    pub number: String,
    /// A name for people: `Main office`.
    pub label: String,
    /// Tracking numbers that stand in for it.
    pub pool: Vec<String>,
    /// Shown to new visitors of dynamic channels while the pool is exhausted.
    pub fallback: Option<String>,
    /// A static tracking number per channel name.
    pub static_numbers: BTreeMap<String, String>,
    /// Agents (ids) whose phones ring at once for a call to this target
    /// through Twilio; the target number itself when empty.
    pub ring: Vec<String>,
}

/// The target-call rule as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct TargetCallSpec {
    /// An answered call at least this long (seconds) may be a target call.
    pub min_duration_secs: u64,
    /// The caller must not have called within this many days (the sales cycle).
    pub unique_days: u64,
}

/// One outcome a call can be given.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct OutcomeSpec {
    /// The label people choose (`appointment`, `sale`, `wrong number`).
    pub label: String,
    /// Whether the business got what it wanted.
    pub successful: bool,
    /// What a call with this outcome is worth when it is given none (an
    /// average appointment's worth), in whole units of the site's currency.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub value: Option<u64>,
}

/// The largest default value of an outcome, in whole units.
pub const MAX_OUTCOME_VALUE: u64 = 1_000_000_000_000;

/// The outcomes a site starts with.
pub fn default_outcomes() -> Vec<OutcomeSpec> {
    [
        ("appointment", true),
        ("sale", true),
        ("question resolved", true),
        ("no result", false),
        ("wrong number", false),
        ("spam", false),
    ]
    .iter()
    .map(|(l, s)| OutcomeSpec {
        label: String::from(*l),
        successful: *s,
        value: None,
    })
    .collect()
}

/// Rate limits as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct LimitsSpec {
    /// New sessions a minute from one client address.
    pub sessions_per_client_per_minute: u32,
    /// New sessions a minute for the whole site.
    pub sessions_per_site_per_minute: u32,
    /// Numbers of one pool that one client (an IPv4 address, an IPv6 /64)
    /// may hold at once, counted over its sessions, new, resumed and
    /// leased again alike; past it the visitor sees the fallback. `None`:
    /// sized to the pool ([`Config::live_cap`]).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub live_leases_per_client: Option<u32>,
    /// Leads a minute from one client (a browser's form; a server key is not limited).
    pub leads_per_client_per_minute: u32,
    /// Leads a minute for the whole site, from browsers.
    pub leads_per_site_per_minute: u32,
}

impl Default for TargetCallSpec {
    fn default() -> Self {
        TargetCallSpec {
            min_duration_secs: 30,
            unique_days: 30,
        }
    }
}

impl Default for LimitsSpec {
    fn default() -> Self {
        LimitsSpec {
            sessions_per_client_per_minute: 20,
            sessions_per_site_per_minute: 600,
            live_leases_per_client: None,
            leads_per_client_per_minute: 5,
            leads_per_site_per_minute: 60,
        }
    }
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            name: String::new(),
            origins: Vec::new(),
            region: None,
            time_zone: String::from("UTC"),
            targets: Vec::new(),
            sources: Vec::new(),
            agents: Vec::new(),
            dynamic_channels: [
                Channel::PaidSearch,
                Channel::OrganicSearch,
                Channel::PaidSocial,
                Channel::Social,
                Channel::Email,
                Channel::Referral,
                Channel::Direct,
                Channel::Display,
            ]
            .iter()
            .map(|c| String::from(c.as_str()))
            .collect(),
            fixation_secs: 30 * 60,
            heartbeat_secs: 60,
            cooldown_secs: 15 * 60,
            grace_secs: 15 * 60,
            exhaustion: String::from("fallback"),
            recycle_min_idle_secs: 10 * 60,
            target_call: TargetCallSpec::default(),
            outcomes: default_outcomes(),
            currency: String::from("USD"),
            retention_days: 400,
            limits: LimitsSpec::default(),
            ignore_selectors: Vec::new(),
            release_on_leave: false,
            trail_max: 50,
            missed_call_alerts: None,
            callback: None,
            shards: 1,
            integrations: IntegrationsSpec::default(),
        }
    }
}

/// One validated target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The number printed on the site.
    pub number: PhoneNumber,
    /// A name for people.
    pub label: String,
    /// Its pool of tracking numbers.
    pub pool: Vec<PhoneNumber>,
    /// The fallback number.
    pub fallback: Option<PhoneNumber>,
    /// Static numbers by channel.
    pub static_numbers: BTreeMap<Channel, PhoneNumber>,
    /// Agents (ids) rung at once for its calls through Twilio.
    pub ring: Vec<String>,
}

/// The target-call rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetCallRule {
    /// Minimum duration of an answered call.
    pub min_duration: Duration,
    /// The sales cycle: the caller must be new within it.
    pub unique_within: Duration,
}

/// Rate limits on new sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// New sessions a minute from one client address.
    pub per_client_per_minute: u32,
    /// New sessions a minute for the whole site.
    pub per_site_per_minute: u32,
    /// Live leases of one pool per client, as written (`None`: sized to the pool).
    pub live_per_client: Option<u32>,
    /// Leads a minute from one client.
    pub leads_per_client_per_minute: u32,
    /// Leads a minute for the whole site.
    pub leads_per_site_per_minute: u32,
}

/// A validated site configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// A name for people.
    pub name: String,
    /// Allowed browser origins, normalised (`https://host[:port]`).
    pub origins: Vec<String>,
    /// Default region for written numbers.
    pub region: Option<Region>,
    /// IANA time zone.
    pub time_zone: String,
    /// Targets and their pools.
    pub targets: Vec<Target>,
    /// Sources with numbers of their own.
    pub sources: Vec<Source>,
    /// The people who answer calls.
    pub agents: Vec<Agent>,
    /// Channels that get dynamic numbers.
    pub dynamic_channels: Vec<Channel>,
    /// Lease lifetime after the last heartbeat.
    pub fixation: Duration,
    /// Heartbeat interval.
    pub heartbeat: Duration,
    /// Rest after release.
    pub cooldown: Duration,
    /// Attribution grace after a lease ended.
    pub grace: Duration,
    /// Exhaustion policy.
    pub exhaustion: Exhaustion,
    /// Target-call rule.
    pub target_call: TargetCallRule,
    /// The outcomes a call can be given.
    pub outcomes: Vec<OutcomeSpec>,
    /// The currency of outcome values.
    pub currency: String,
    /// How long calls and the journal are kept.
    pub retention: Duration,
    /// Rate limits.
    pub limits: Limits,
    /// Regions the browser leaves alone.
    pub ignore_selectors: Vec<String>,
    /// End the lease when the visitor leaves the page.
    pub release_on_leave: bool,
    /// Trail steps kept per session.
    pub trail_max: u32,
    /// Who is told of missed calls (none when nobody is named).
    pub missed_alerts: Option<MissedAlerts>,
    /// Call-back requests (none when the site takes none).
    pub callback: Option<Callback>,
    /// How many objects share the pools (1 to [`crate::shard::MAX_SHARDS`]).
    pub shards: u32,
    /// Telephony and the systems calls are sent to (checked).
    pub integrations: IntegrationsSpec,
}

/// Missed-call alerts, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissedAlerts {
    /// SMS recipients.
    pub sms: Vec<PhoneNumber>,
    /// E-mail recipients.
    pub email: Vec<String>,
    /// When messages go.
    pub policy: crate::notify::Policy,
    /// As written (for [`Config::to_spec`]).
    pub spec: MissedAlertsSpec,
}

/// One bad field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FieldError {
    /// Where: `targets[0].pool[3]`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Every bad field of a [`Spec`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Invalid {
    /// The bad fields, in the order of the spec.
    pub errors: Vec<FieldError>,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} invalid field(s): ", self.errors.len())?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.path, e.message)?;
        }
        Ok(())
    }
}

impl core::error::Error for Invalid {}

/// What a visitor of a channel sees for one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// Lease a number from the pool (or the fallback when it is exhausted).
    Dynamic,
    /// The channel's static tracking number.
    Static(PhoneNumber),
    /// The original number: this channel is not tracked.
    Original,
}

/// Upper bounds that keep one config a reasonable size.
const MAX_TARGETS: usize = 100;
const MAX_POOL: usize = 100_000;
const MAX_ORIGINS: usize = 100;
const MAX_TEXT: usize = 200;
const MAX_SELECTORS: usize = 100;

struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            path: path.into(),
            message: message.into(),
        });
    }
}

/// Normalises an origin to `scheme://host[:port]`, lower case.
fn origin(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("https://") {
        r
    } else if let Some(r) = lower.strip_prefix("http://") {
        r
    } else {
        return Err("an origin starts with https:// or http://");
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Err("an origin needs a host");
    }
    if rest.contains(['/', '?', '#', '@', ' ']) {
        return Err("an origin is scheme://host[:port], without path, query or user");
    }
    let (host, port) = if rest.starts_with('[') {
        match rest.split_once("]:") {
            Some((h, p)) => (rest.part(..h.len() + 1), Some(p)),
            None => (rest, None),
        }
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    if let Some(p) = port {
        if p.is_empty()
            || p.len() > 5
            || !p.bytes().all(|b| b.is_ascii_digit())
            || p.parse::<u32>().map_or(true, |v| v > 65535)
        {
            return Err("the port is not a number from 0 to 65535");
        }
    }
    let host_ok = if host.starts_with('[') {
        host.ends_with(']')
    } else {
        !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'*')
            && (!host.contains('*') || (host.starts_with("*.") && host.matches('*').count() == 1))
    };
    if !host_ok {
        return Err(
            "the host has characters that no host name has (a wildcard only as *.example.com)",
        );
    }
    Ok(lower.trim_end_matches('/').to_string())
}

fn time_zone_ok(tz: &str) -> bool {
    !tz.is_empty()
        && tz.len() <= 64
        && tz
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'))
}

impl Spec {
    /// A copy to show: the integration secrets replaced by [`HIDDEN`].
    pub fn redacted(&self) -> Spec {
        Spec {
            integrations: self.integrations.redacted(),
            ..self.clone()
        }
    }

    /// Checks every field and reads the spec into a [`Config`], or lists
    /// every bad field.
    pub fn validate(&self) -> Result<Config, Invalid> {
        let mut e = Errors(Vec::new());
        if crate::text::char_count(&self.name) > MAX_TEXT {
            e.push("name", format!("at most {MAX_TEXT} characters"));
        }
        if self.origins.len() > MAX_ORIGINS {
            e.push("origins", format!("at most {MAX_ORIGINS} origins"));
        }
        let mut origins = Vec::new();
        for (i, o) in self.origins.iter().enumerate() {
            match origin(o) {
                Ok(o) => origins.push(o),
                Err(m) => e.push(format!("origins[{i}]"), m),
            }
        }
        let region = match self.region.as_deref() {
            None => None,
            Some(r) => match r.parse::<Region>() {
                Ok(r) if r.is_supported() => Some(r),
                _ => {
                    e.push(
                        "region",
                        format!(
                            "unknown region {r:?}: a two-letter ISO 3166 code with numbering data, such as UA, US or DE ({} known)",
                            Region::supported().count()
                        ),
                    );
                    None
                }
            },
        };
        if !time_zone_ok(&self.time_zone) {
            e.push(
                "time_zone",
                "an IANA time zone name such as Europe/Moscow or UTC",
            );
        }

        let mut dynamic_channels = Vec::new();
        for (i, c) in self.dynamic_channels.iter().enumerate() {
            match c.parse::<Channel>() {
                Ok(c) if dynamic_channels.contains(&c) => e.push(
                    format!("dynamic_channels[{i}]"),
                    format!("{c} is listed twice"),
                ),
                Ok(c) => dynamic_channels.push(c),
                Err(err) => e.push(format!("dynamic_channels[{i}]"), err.to_string()),
            }
        }

        // Every number the site owns, with the first place it was seen.
        let mut seen: BTreeMap<PhoneNumber, String> = BTreeMap::new();
        let mut number = |e: &mut Errors, path: String, raw: &str| -> Option<PhoneNumber> {
            match PhoneNumber::parse(raw, region) {
                Ok(n) => {
                    if let Some(first) = seen.get(&n) {
                        e.push(path, format!("{n} is already used at {first}"));
                        None
                    } else {
                        seen.insert(n, path);
                        Some(n)
                    }
                }
                Err(err) => {
                    e.push(path, format!("{raw:?} is not a phone number: {err}"));
                    None
                }
            }
        };

        if self.targets.is_empty() {
            e.push("targets", "at least one target number");
        }
        if self.targets.len() > MAX_TARGETS {
            e.push("targets", format!("at most {MAX_TARGETS} targets"));
        }
        let mut agent_errors = Errors(Vec::new());
        let agents = sources::agents(&self.agents, region, &mut agent_errors);
        let mut targets = Vec::new();
        for (t, spec) in self.targets.iter().enumerate() {
            let at = |f: &str| format!("targets[{t}].{f}");
            let target = number(&mut e, at("number"), &spec.number);
            if crate::text::char_count(&spec.label) > MAX_TEXT {
                e.push(at("label"), format!("at most {MAX_TEXT} characters"));
            }
            if spec.pool.len() > MAX_POOL {
                e.push(at("pool"), format!("at most {MAX_POOL} numbers"));
            }
            let mut pool = Vec::with_capacity(spec.pool.len());
            for (i, raw) in spec.pool.iter().enumerate() {
                if let Some(n) = number(&mut e, format!("targets[{t}].pool[{i}]"), raw) {
                    pool.push(n);
                }
            }
            let fallback = spec
                .fallback
                .as_deref()
                .and_then(|raw| number(&mut e, at("fallback"), raw));
            let mut static_numbers = BTreeMap::new();
            for (ch, raw) in &spec.static_numbers {
                let path = format!("targets[{t}].static_numbers.{ch}");
                let n = number(&mut e, path.clone(), raw);
                match ch.parse::<Channel>() {
                    Ok(c) => {
                        if let Some(n) = n {
                            static_numbers.insert(c, n);
                        }
                    }
                    Err(err) => e.push(path, err.to_string()),
                }
            }
            let needs_pool = dynamic_channels
                .iter()
                .any(|c| !static_numbers.contains_key(c));
            if spec.pool.is_empty() && spec.fallback.is_none() && needs_pool {
                e.push(
                    at("pool"),
                    "empty pool and no fallback number, but some channels are dynamic: add tracking numbers, a fallback, or make no channel dynamic",
                );
            }
            for (k, id) in spec.ring.iter().enumerate() {
                match agents.iter().find(|a| &a.id == id) {
                    Some(a) if a.numbers.is_empty() => e.push(
                        format!("targets[{t}].ring[{k}]"),
                        format!("agent {id:?} has no number to ring"),
                    ),
                    Some(_) => {}
                    None => e.push(
                        format!("targets[{t}].ring[{k}]"),
                        format!("{id:?} is not one of the agents"),
                    ),
                }
            }
            if let Some(number) = target {
                targets.push(Target {
                    number,
                    label: spec.label.clone(),
                    pool,
                    fallback,
                    static_numbers,
                    ring: spec.ring.clone(),
                });
            }
        }
        let target_numbers: Vec<PhoneNumber> = targets.iter().map(|t| t.number).collect();
        let sources = if targets.len() == self.targets.len() {
            sources::sources(&self.sources, &target_numbers, region, &mut e, &mut number)
        } else {
            Vec::new()
        };
        e.0.extend(agent_errors.0);

        let secs = Duration::from_secs;
        if self.fixation_secs == 0 {
            e.push("fixation_secs", "must be more than 0");
        }
        if self.heartbeat_secs == 0 {
            e.push("heartbeat_secs", "must be more than 0");
        } else if self.heartbeat_secs >= self.fixation_secs && self.fixation_secs > 0 {
            e.push(
                "heartbeat_secs",
                "must be shorter than fixation_secs, or leases lapse between heartbeats",
            );
        }
        let max_span = 366 * 24 * 3600;
        for (name, v) in [
            ("fixation_secs", self.fixation_secs),
            ("cooldown_secs", self.cooldown_secs),
            ("grace_secs", self.grace_secs),
            ("recycle_min_idle_secs", self.recycle_min_idle_secs),
        ] {
            if v > max_span {
                e.push(name, "at most a year (31622400 seconds)");
            }
        }
        let exhaustion = match self.exhaustion.as_str() {
            "fallback" => Exhaustion::Fallback,
            "recycle" => {
                if self.recycle_min_idle_secs <= self.heartbeat_secs {
                    e.push(
                        "recycle_min_idle_secs",
                        "must be longer than heartbeat_secs, or numbers are taken from visitors still on the page",
                    );
                }
                Exhaustion::Recycle {
                    min_idle: secs(self.recycle_min_idle_secs),
                }
            }
            other => {
                e.push(
                    "exhaustion",
                    format!("{other:?} is not one of: fallback, recycle"),
                );
                Exhaustion::Fallback
            }
        };
        if self.target_call.min_duration_secs > 24 * 3600 {
            e.push("target_call.min_duration_secs", "at most a day (86400)");
        }
        if self.target_call.unique_days > 3650 {
            e.push("target_call.unique_days", "at most 3650 days");
        }
        if self.retention_days == 0 || self.retention_days > 3650 {
            e.push("retention_days", "from 1 to 3650 days");
        } else if self.retention_days < self.target_call.unique_days {
            e.push(
                "retention_days",
                "must be at least target_call.unique_days, or repeat callers look new",
            );
        }
        if self.limits.sessions_per_client_per_minute == 0 {
            e.push(
                "limits.sessions_per_client_per_minute",
                "must be more than 0",
            );
        }
        if self.limits.sessions_per_site_per_minute == 0 {
            e.push("limits.sessions_per_site_per_minute", "must be more than 0");
        }
        if self.limits.leads_per_client_per_minute == 0 {
            e.push("limits.leads_per_client_per_minute", "must be more than 0");
        }
        if self.limits.leads_per_site_per_minute == 0 {
            e.push("limits.leads_per_site_per_minute", "must be more than 0");
        }
        if self.limits.live_leases_per_client == Some(0) {
            e.push(
                "limits.live_leases_per_client",
                "must be more than 0 (leave it out to size it to the pool)",
            );
        }
        if self.ignore_selectors.len() > MAX_SELECTORS {
            e.push(
                "ignore_selectors",
                format!("at most {MAX_SELECTORS} selectors"),
            );
        }
        for (i, s) in self.ignore_selectors.iter().enumerate() {
            if s.trim().is_empty() || s.len() > MAX_TEXT || s.contains(['{', '}', '<', '>', ';']) {
                e.push(
                    format!("ignore_selectors[{i}]"),
                    "a CSS selector of at most 200 characters, without { } < > ;",
                );
            }
        }

        if self.outcomes.len() > 50 {
            e.push("outcomes", "at most 50 outcomes");
        }
        for (i, o) in self.outcomes.iter().enumerate() {
            let label = o.label.trim();
            if label.is_empty() || label.chars().count() > 60 {
                e.push(format!("outcomes[{i}].label"), "1 to 60 characters");
            } else if self.outcomes[..i]
                .iter()
                .any(|p| p.label.trim().eq_ignore_ascii_case(label))
            {
                e.push(format!("outcomes[{i}].label"), "each label once");
            }
            if o.value.is_some_and(|v| v > MAX_OUTCOME_VALUE) {
                e.push(
                    format!("outcomes[{i}].value"),
                    "whole units from 0 to 10^12",
                );
            }
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            e.push(
                "currency",
                "an ISO 4217 code: three capital letters, such as RUB or USD",
            );
        }
        let missed_alerts = self.missed_call_alerts.as_ref().and_then(|m| {
            let at = |f: &str| format!("missed_call_alerts.{f}");
            let mut sms = Vec::new();
            for (i, raw) in m.sms.iter().enumerate() {
                match PhoneNumber::parse(raw, region) {
                    Ok(n) => sms.push(n),
                    Err(err) => e.push(at(&format!("sms[{i}]")), format!("{raw:?} is not a phone number: {err}")),
                }
            }
            for (i, a) in m.email.iter().enumerate() {
                if !email_ok(a) {
                    e.push(at(&format!("email[{i}]")), "an e-mail address");
                }
            }
            if m.sms.len() + m.email.len() > 20 {
                e.push(at("sms"), "at most 20 recipients in all");
            }
            let twilio = self.integrations.twilio.as_ref();
            if !m.sms.is_empty() && !twilio.is_some_and(|t| t.account_sid.is_some() && t.sms_from.is_some()) {
                e.push(at("sms"), "SMS goes through Twilio: set integrations.twilio with account_sid and sms_from");
            }
            if !m.email.is_empty() && self.integrations.email.is_none() {
                e.push(at("email"), "e-mail goes through a provider: set integrations.email");
            }
            if m.digest_minutes > 24 * 60 {
                e.push(at("digest_minutes"), "at most a day (1440)");
            }
            let quiet = match &m.quiet_hours {
                None => None,
                Some(q) => match crate::notify::QuietHours::parse(&q.from, &q.to) {
                    Some(h) if h.from_min != h.to_min => Some(h),
                    _ => {
                        e.push(at("quiet_hours"), "from and to as HH:MM, not the same");
                        None
                    }
                },
            };
            (!m.sms.is_empty() || !m.email.is_empty()).then(|| MissedAlerts {
                sms,
                email: m.email.iter().map(|a| String::from(a.trim())).collect(),
                policy: crate::notify::Policy {
                    quiet,
                    digest: Duration::from_mins(u64::from(m.digest_minutes)),
                },
                spec: m.clone(),
            })
        });
        let callback = self.callback.as_ref().and_then(|c| {
            let at = |f: &str| format!("callback.{f}");
            let caller_id = match PhoneNumber::parse(&c.caller_id, region) {
                Ok(n) => Some(n),
                Err(err) => {
                    e.push(
                        at("caller_id"),
                        format!("a Twilio number of the account: {err}"),
                    );
                    None
                }
            };
            let days: Vec<&str> = c.days.iter().map(String::as_str).collect();
            let hours = crate::calendar::WorkingHours::parse(&days, &c.from, &c.to);
            if hours.is_none() {
                e.push(
                    at("days"),
                    "days among mon ... sun, and from before to as HH:MM (the same day)",
                );
            }
            let mut countries = Vec::new();
            for (i, r) in c.countries.iter().enumerate() {
                match r.parse::<Region>() {
                    Ok(r) if r.country_code().is_some() => countries.push(r),
                    _ => e.push(
                        at(&format!("countries[{i}]")),
                        format!("{r:?} is not a known region"),
                    ),
                }
            }
            if countries.is_empty() && c.countries.is_empty() {
                match region {
                    Some(r) => countries.push(r),
                    None => e.push(
                        at("countries"),
                        "the countries called back (the site has no region)",
                    ),
                }
            }
            if c.per_visitor_per_hour == 0 || c.per_site_per_hour == 0 {
                e.push(at("per_visitor_per_hour"), "the limits must be more than 0");
            }
            if self
                .integrations
                .twilio
                .as_ref()
                .is_none_or(|t| t.account_sid.is_none())
            {
                e.push(
                    at("caller_id"),
                    "call-backs go through Twilio: set integrations.twilio with account_sid",
                );
            }
            Some(Callback {
                caller_id: caller_id?,
                hours: hours?,
                countries,
                spec: c.clone(),
            })
        });
        if let Some(p) = &self.integrations.pipedrive {
            for (name, label) in [
                ("won_outcome", &p.won_outcome),
                ("lost_outcome", &p.lost_outcome),
            ] {
                if let Some(l) = label {
                    if !self
                        .outcomes
                        .iter()
                        .any(|o| o.label.trim().eq_ignore_ascii_case(l.trim()))
                    {
                        e.push(
                            format!("integrations.pipedrive.{name}"),
                            format!("{l:?} is not one of the site's outcomes"),
                        );
                    }
                }
            }
        }
        if self.trail_max > crate::trail::MAX_STEPS {
            e.push(
                "trail_max",
                format!("from 0 to {}", crate::trail::MAX_STEPS),
            );
        }
        if self.shards == 0 || self.shards > crate::shard::MAX_SHARDS {
            e.push("shards", format!("from 1 to {}", crate::shard::MAX_SHARDS));
        }
        self.integrations.check(&mut e);

        if !e.0.is_empty() {
            return Err(Invalid { errors: e.0 });
        }
        Ok(Config {
            name: self.name.clone(),
            origins,
            region,
            time_zone: self.time_zone.clone(),
            targets,
            sources,
            agents,
            dynamic_channels,
            fixation: secs(self.fixation_secs),
            heartbeat: secs(self.heartbeat_secs),
            cooldown: secs(self.cooldown_secs),
            grace: secs(self.grace_secs),
            exhaustion,
            target_call: TargetCallRule {
                min_duration: secs(self.target_call.min_duration_secs),
                unique_within: Duration::from_days(self.target_call.unique_days),
            },
            outcomes: self
                .outcomes
                .iter()
                .map(|o| OutcomeSpec {
                    label: String::from(o.label.trim()),
                    successful: o.successful,
                    value: o.value,
                })
                .collect(),
            currency: self.currency.clone(),
            retention: Duration::from_days(self.retention_days),
            limits: Limits {
                per_client_per_minute: self.limits.sessions_per_client_per_minute,
                per_site_per_minute: self.limits.sessions_per_site_per_minute,
                live_per_client: self.limits.live_leases_per_client,
                leads_per_client_per_minute: self.limits.leads_per_client_per_minute,
                leads_per_site_per_minute: self.limits.leads_per_site_per_minute,
            },
            ignore_selectors: self.ignore_selectors.clone(),
            release_on_leave: self.release_on_leave,
            trail_max: self.trail_max,
            missed_alerts,
            callback,
            shards: self.shards,
            integrations: self.integrations.clone(),
        })
    }
}

impl Config {
    /// The pool settings of target `index` (its fallback, the site's timing).
    ///
    /// # Panics
    /// If `index` is out of range; see [`Config::try_pool_config`].
    pub fn pool_config(&self, index: usize) -> pool::Config {
        self.try_pool_config(index)
            .expect("target index out of range")
    }

    /// The pool settings of target `index`, or `None` when there is no such target.
    pub fn try_pool_config(&self, index: usize) -> Option<pool::Config> {
        let t = self.targets.get(index)?;
        Some(pool::Config {
            fixation: self.fixation,
            cooldown: self.cooldown,
            grace: self.grace,
            exhaustion: self.exhaustion,
            fallback: t.fallback,
        })
    }

    /// The target a number of the site rings through: the one whose pool,
    /// fallback, static numbers or sources hold it, or that is it; `None`
    /// for a number of no target.
    pub fn target_of(&self, number: PhoneNumber) -> Option<usize> {
        self.targets
            .iter()
            .position(|t| {
                t.number == number
                    || t.pool.contains(&number)
                    || t.fallback == Some(number)
                    || t.static_numbers.values().any(|n| *n == number)
            })
            .or_else(|| {
                self.sources
                    .iter()
                    .find(|s| s.number == number)
                    .map(|s| s.target)
            })
    }

    /// How many numbers of target `index`'s pool one client may hold at
    /// once: `limits.live_leases_per_client`, else a tenth of the pool and
    /// at least 3 (a household, an office, a mobile carrier's shared
    /// address: several real visitors; a pool of 50 gives 5).
    pub fn live_cap(&self, index: usize) -> usize {
        let pool = self.targets.get(index).map_or(0, |t| t.pool.len());
        match self.limits.live_per_client {
            Some(n) => n as usize,
            None => (pool / 10).max(3),
        }
    }

    /// What a visitor (of a channel, maybe picked by a source's rule) sees
    /// in place of target `index`: the source's number wins, then the
    /// channel's static number, then a dynamic one for dynamic channels,
    /// else the original.
    pub fn display(&self, index: usize, who: impl Into<Audience>) -> Display {
        let who = who.into();
        let channel = who.channel;
        let Some(t) = self.targets.get(index) else {
            return Display::Original;
        };
        let source = who
            .source
            .and_then(|s| self.sources.get(usize::from(s)))
            .filter(|s| s.target == index);
        if let Some(s) = source {
            Display::Static(s.number)
        } else if let Some(&n) = t.static_numbers.get(&channel) {
            Display::Static(n)
        } else if self.dynamic_channels.contains(&channel)
            && (!t.pool.is_empty() || t.fallback.is_some())
        {
            Display::Dynamic
        } else {
            Display::Original
        }
    }

    /// The site's own host names (from its origins, without scheme, port and
    /// `*.`): a referrer from one of them is internal navigation.
    pub fn own_hosts(&self) -> Vec<&str> {
        self.origins
            .iter()
            .filter_map(|o| o.split_once("://").map(|(_, h)| h))
            .map(|h| {
                let h = h.split(':').next().unwrap_or(h);
                h.strip_prefix("*.").unwrap_or(h)
            })
            .collect()
    }

    /// Whether `origin` (as a browser sends it) may call the public API.
    pub fn allows_origin(&self, origin: &str) -> bool {
        let o = origin.trim().to_ascii_lowercase();
        self.origins.iter().any(|allowed| {
            if let Some(rest) = allowed.split_once("://*.") {
                let (scheme, suffix) = rest;
                o.strip_prefix(scheme)
                    .and_then(|r| r.strip_prefix("://"))
                    .is_some_and(|host| host.ends_with(&format!(".{suffix}")))
            } else {
                *allowed == o
            }
        })
    }

    /// The target, static, source or fallback role of a number the site owns.
    pub fn role_of(&self, number: PhoneNumber) -> Option<(usize, Role)> {
        if let Some(k) = self.sources.iter().position(|s| s.number == number) {
            return Some((self.sources[k].target, Role::Source(k)));
        }
        self.targets.iter().enumerate().find_map(|(i, t)| {
            if t.number == number {
                Some((i, Role::Target))
            } else if t.pool.contains(&number) {
                Some((i, Role::Pool))
            } else if t.fallback == Some(number) {
                Some((i, Role::Fallback))
            } else {
                t.static_numbers
                    .iter()
                    .find(|(_, n)| **n == number)
                    .map(|(c, _)| (i, Role::Static(*c)))
            }
        })
    }

    /// The config written back as a spec (what `GET` returns).
    pub fn to_spec(&self) -> Spec {
        Spec {
            name: self.name.clone(),
            origins: self.origins.clone(),
            region: self.region.map(|r| String::from(r.as_str())),
            time_zone: self.time_zone.clone(),
            targets: self
                .targets
                .iter()
                .map(|t| TargetSpec {
                    number: t.number.to_string(),
                    label: t.label.clone(),
                    pool: t.pool.iter().map(ToString::to_string).collect(),
                    fallback: t.fallback.map(|n| n.to_string()),
                    static_numbers: t
                        .static_numbers
                        .iter()
                        .map(|(c, n)| (String::from(c.as_str()), n.to_string()))
                        .collect(),
                    ring: t.ring.clone(),
                })
                .collect(),
            sources: self
                .sources
                .iter()
                .map(|s| SourceSpec {
                    number: s.number.to_string(),
                    label: s.label.clone(),
                    channel: s.kind.clone(),
                    target: (self.targets.len() > 1 || s.target != 0)
                        .then(|| self.targets[s.target].number.to_string()),
                    show_on: s.show_on.clone(),
                })
                .collect(),
            agents: self
                .agents
                .iter()
                .map(|a| AgentSpec {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    numbers: a.numbers.iter().map(ToString::to_string).collect(),
                    extensions: a.extensions.clone(),
                })
                .collect(),
            dynamic_channels: self
                .dynamic_channels
                .iter()
                .map(|c| String::from(c.as_str()))
                .collect(),
            fixation_secs: self.fixation.secs(),
            heartbeat_secs: self.heartbeat.secs(),
            cooldown_secs: self.cooldown.secs(),
            grace_secs: self.grace.secs(),
            exhaustion: String::from(match self.exhaustion {
                Exhaustion::Fallback => "fallback",
                Exhaustion::Recycle { .. } => "recycle",
            }),
            recycle_min_idle_secs: match self.exhaustion {
                Exhaustion::Recycle { min_idle } => min_idle.secs(),
                Exhaustion::Fallback => Spec::default().recycle_min_idle_secs,
            },
            target_call: TargetCallSpec {
                min_duration_secs: self.target_call.min_duration.secs(),
                unique_days: self.target_call.unique_within.millis() / 86_400_000,
            },
            outcomes: self.outcomes.clone(),
            currency: self.currency.clone(),
            retention_days: self.retention.millis() / 86_400_000,
            limits: LimitsSpec {
                sessions_per_client_per_minute: self.limits.per_client_per_minute,
                sessions_per_site_per_minute: self.limits.per_site_per_minute,
                live_leases_per_client: self.limits.live_per_client,
                leads_per_client_per_minute: self.limits.leads_per_client_per_minute,
                leads_per_site_per_minute: self.limits.leads_per_site_per_minute,
            },
            ignore_selectors: self.ignore_selectors.clone(),
            release_on_leave: self.release_on_leave,
            trail_max: self.trail_max,
            missed_call_alerts: self.missed_alerts.as_ref().map(|m| m.spec.clone()),
            callback: self.callback.as_ref().map(|c| c.spec.clone()),
            shards: self.shards,
            integrations: self.integrations.clone(),
        }
    }

    /// The config as shard `index` of [`Config::shards`] holds it: every
    /// target's pool keeps only the numbers that shard owns; the rest
    /// (targets, statics, fallbacks, timing) is the whole site's.
    pub fn shard(&self, index: u32) -> Config {
        self.shard_moving(index, None)
    }

    /// The outcome with this label (letter case aside).
    pub fn outcome(&self, label: &str) -> Option<&OutcomeSpec> {
        let label = label.trim();
        self.outcomes
            .iter()
            .find(|o| o.label.eq_ignore_ascii_case(label))
    }

    /// [`Config::shard`] while the count of shards changes: a number whose
    /// shard changes is in its new shard's pool only once it has arrived
    /// (its old shard, without it in its pool, drains it).
    pub fn shard_moving(&self, index: u32, moving: Option<&crate::shard::Move>) -> Config {
        let mut c = self.clone();
        for t in &mut c.targets {
            t.pool.retain(|n| match moving {
                Some(m) => m.holds(*n, self.shards, index),
                None => crate::shard::of_number(*n, self.shards) == index,
            });
        }
        c
    }
}

/// What a number is to the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The number printed on the site.
    Target,
    /// A pool (dynamic) tracking number.
    Pool,
    /// The fallback number shown while the pool is exhausted.
    Fallback,
    /// The static number of a channel.
    Static(Channel),
    /// The number of a source (index into [`Config::sources`]).
    Source(usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn good() -> Spec {
        let mut s = Spec {
            name: "Clinic".into(),
            origins: vec![
                "https://clinic.example".into(),
                "http://localhost:8080/".into(),
            ],
            region: Some("RU".into()),
            ..Spec::default()
        };
        s.targets.push(TargetSpec {
            number: "8 (495) 123-45-67".into(),
            label: "Main".into(),
            pool: vec!["+74990000001".into(), "+7 499 000-00-02".into()],
            fallback: Some("+74990000099".into()),
            static_numbers: [("offline".to_string(), "+74990000050".to_string())]
                .into_iter()
                .collect(),
            ring: Vec::new(),
        });
        s
    }

    #[test]
    fn only_the_vendors_own_hosts_are_a_site_keys_to_set() {
        let mut s = IntegrationsSpec {
            twilio: Some(TwilioSpec {
                api_base: Some("https://api.twilio.com".into()),
                ..TwilioSpec::default()
            }),
            pipedrive: Some(PipedriveSpec {
                api_base: Some("https://acme.pipedrive.com".into()),
                ..PipedriveSpec::default()
            }),
            ..IntegrationsSpec::default()
        };
        assert_eq!(s.foreign_vendors(None), []);
        let stored = s.clone();
        s.twilio.as_mut().unwrap().api_base = Some("https://evil.example/api.twilio.com".into());
        s.pipedrive.as_mut().unwrap().api_base = Some("https://pipedrive.com.evil.example".into());
        let paths: Vec<String> = s
            .foreign_vendors(Some(&stored))
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(
            paths,
            [
                "integrations.twilio.api_base",
                "integrations.pipedrive.api_base"
            ]
        );
        // Plain http to the vendor is not the vendor either; an address the
        // deployment set before and left as it was stays.
        s.twilio.as_mut().unwrap().api_base = Some("http://api.twilio.com".into());
        assert_eq!(s.foreign_vendors(Some(&stored)).len(), 2);
        let mut set_by_deployment = stored.clone();
        set_by_deployment.twilio.as_mut().unwrap().api_base = Some("http://127.0.0.1:9".into());
        assert_eq!(
            set_by_deployment.foreign_vendors(Some(&set_by_deployment)),
            []
        );
    }

    #[test]
    fn secrets_are_hidden_and_kept_only_where_they_belong() {
        let mut stored = good();
        stored.integrations = IntegrationsSpec {
            twilio: Some(TwilioSpec {
                auth_token: "tw-token".into(),
                ..TwilioSpec::default()
            }),
            webhooks: vec![WebhookSpec {
                url: "https://crm.example/in".into(),
                secret: "0123456789abcdef-crm".into(),
                events: vec![],
            }],
            ga4: Some(Ga4Spec {
                measurement_id: "G-X".into(),
                api_secret: "ga-secret".into(),
                endpoint: None,
            }),
            email: Some(EmailSpec {
                provider: "postmark".into(),
                server_token: "pm-token".into(),
                from: "alerts@clinic.example".into(),
                api_base: None,
            }),
            pipedrive: None,
            turnstile: Some(TurnstileSpec {
                site_key: "0x4AAAA".into(),
                secret_key: "ts-secret".into(),
                ..TurnstileSpec::default()
            }),
            metrica: Some(MetricaSpec {
                counter_id: 44_556_677,
                oauth_token: "y0_metrica-token".into(),
                api_base: None,
            }),
            google_ads: Some(GoogleAdsSpec {
                customer_id: "123-456-7890".into(),
                conversion_action_id: 987_654,
                developer_token: "dev-token".into(),
                client_id: "client.apps.googleusercontent.com".into(),
                client_secret: "client-secret".into(),
                refresh_token: "1//refresh".into(),
                ..GoogleAdsSpec::default()
            }),
            yandex_direct: Some(YandexDirectSpec {
                oauth_token: "y0_direct-token".into(),
                ..YandexDirectSpec::default()
            }),
        };
        let shown = stored.redacted();
        assert_eq!(
            shown.integrations.metrica.as_ref().unwrap().oauth_token,
            HIDDEN
        );
        let i = &shown.integrations;
        assert_eq!(i.turnstile.as_ref().unwrap().secret_key, HIDDEN);
        assert_eq!(i.email.as_ref().unwrap().server_token, HIDDEN);
        assert_eq!(i.twilio.as_ref().unwrap().auth_token, HIDDEN);
        assert_eq!(i.webhooks[0].secret, HIDDEN);
        assert_eq!(i.ga4.as_ref().unwrap().api_secret, HIDDEN);
        assert_eq!(shown.targets, stored.targets);

        // Written back as shown: every secret kept, the same config.
        let mut back = shown.clone();
        back.integrations.keep_secrets(&stored.integrations);
        assert_eq!(back, stored);
        assert!(back.validate().is_ok());

        // A hidden secret for another URL, or with nothing stored: refused,
        // never carried over.
        let mut moved = shown.clone();
        moved.integrations.webhooks[0].url = "https://elsewhere.example/".into();
        moved.integrations.keep_secrets(&stored.integrations);
        let e = moved.validate().unwrap_err();
        assert_eq!(e.errors.len(), 1, "{e}");
        assert_eq!(e.errors[0].path, "integrations.webhooks[0].secret");
        // A vendor's address moved with its secret hidden: refused, the
        // stored secret never sent to the new address.
        let mut elsewhere = shown.clone();
        let evil = Some(String::from("https://attacker.example"));
        elsewhere.integrations.twilio.as_mut().unwrap().api_base = evil.clone();
        elsewhere.integrations.ga4.as_mut().unwrap().endpoint = evil.clone();
        elsewhere.integrations.email.as_mut().unwrap().api_base = evil.clone();
        elsewhere.integrations.metrica.as_mut().unwrap().api_base = evil.clone();
        elsewhere.integrations.google_ads.as_mut().unwrap().api_base = evil.clone();
        elsewhere
            .integrations
            .google_ads
            .as_mut()
            .unwrap()
            .token_url = evil.clone();
        elsewhere
            .integrations
            .yandex_direct
            .as_mut()
            .unwrap()
            .api_base = evil;
        elsewhere.integrations.keep_secrets(&stored.integrations);
        let i = &elsewhere.integrations;
        assert_eq!(i.twilio.as_ref().unwrap().auth_token, HIDDEN);
        assert_eq!(i.ga4.as_ref().unwrap().api_secret, HIDDEN);
        assert_eq!(i.email.as_ref().unwrap().server_token, HIDDEN);
        assert_eq!(i.metrica.as_ref().unwrap().oauth_token, HIDDEN);
        let e = elsewhere.validate().unwrap_err();
        let paths: Vec<&str> = e.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "integrations.twilio.auth_token",
                "integrations.ga4.api_secret",
                "integrations.email.server_token",
                "integrations.yandex_direct.oauth_token",
                "integrations.google_ads.developer_token",
                "integrations.google_ads.client_secret",
                "integrations.google_ads.refresh_token",
                "integrations.metrica.oauth_token"
            ]
        );
        // Pipedrive: its token follows its API's address; the webhook secret
        // (which only checks Pipedrive's calls to us) stays.
        let pd = |base: Option<&str>, token: &str| PipedriveSpec {
            api_token: token.into(),
            api_base: base.map(String::from),
            webhook_secret: if token == HIDDEN {
                HIDDEN.into()
            } else {
                "0123456789abcdef-pd".into()
            },
            won_outcome: None,
            lost_outcome: None,
        };
        let with_pd = IntegrationsSpec {
            pipedrive: Some(pd(Some("https://acme.pipedrive.com"), "pd-token")),
            ..IntegrationsSpec::default()
        };
        for (base, kept) in [
            (Some("https://acme.pipedrive.com"), true),
            (Some("https://attacker.example"), false),
            (None, false),
        ] {
            let mut again = IntegrationsSpec {
                pipedrive: Some(pd(base, HIDDEN)),
                ..IntegrationsSpec::default()
            };
            again.keep_secrets(&with_pd);
            let p = again.pipedrive.unwrap();
            assert_eq!(p.api_token == "pd-token", kept, "{base:?}");
            assert_eq!(p.webhook_secret, "0123456789abcdef-pd");
        }
        let mut fresh = shown;
        fresh
            .integrations
            .keep_secrets(&IntegrationsSpec::default());
        let e = fresh.validate().unwrap_err();
        let paths: Vec<&str> = e.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "integrations.twilio.auth_token",
                "integrations.webhooks[0].secret",
                "integrations.ga4.api_secret",
                "integrations.email.server_token",
                "integrations.yandex_direct.oauth_token",
                "integrations.google_ads.developer_token",
                "integrations.google_ads.client_secret",
                "integrations.google_ads.refresh_token",
                "integrations.metrica.oauth_token",
                "integrations.turnstile.secret_key"
            ]
        );
    }

    #[test]
    fn a_good_spec_validates_and_round_trips() {
        let c = good().validate().unwrap();
        assert_eq!(c.targets[0].number.to_string(), "+74951234567");
        assert_eq!(
            c.origins,
            ["https://clinic.example", "http://localhost:8080"]
        );
        assert_eq!(c.region, Some(Region::RU));
        assert_eq!(c.fixation, Duration::from_mins(30));
        let again = c.to_spec().validate().unwrap();
        assert_eq!(again, c);
        let pc = c.pool_config(0);
        assert_eq!(pc.fallback, c.targets[0].fallback);
        assert_eq!(c.try_pool_config(1), None);
    }

    #[test]
    fn reports_every_bad_field() {
        let mut s = good();
        s.origins.push("ftp://x".into());
        s.region = Some("XX".into());
        s.time_zone = "Europe Moscow".into();
        s.dynamic_channels.push("television".into());
        s.fixation_secs = 0;
        s.exhaustion = "panic".into();
        s.retention_days = 0;
        s.limits.sessions_per_site_per_minute = 0;
        s.ignore_selectors.push("a{}".into());
        s.targets.push(TargetSpec {
            number: "+74990000001".into(), // already a pool number of target 0
            pool: vec!["not a number".into()],
            static_numbers: [("television".to_string(), "+74990000060".to_string())]
                .into_iter()
                .collect(),
            ..TargetSpec::default()
        });
        let err = s.validate().unwrap_err();
        let paths: Vec<&str> = err.errors.iter().map(|e| e.path.as_str()).collect();
        for p in [
            "origins[2]",
            "region",
            "time_zone",
            "dynamic_channels[8]",
            "targets[1].number",
            "targets[1].pool[0]",
            "targets[1].static_numbers.television",
            "fixation_secs",
            "exhaustion",
            "retention_days",
            "limits.sessions_per_site_per_minute",
            "ignore_selectors[0]",
        ] {
            assert!(paths.contains(&p), "{p} missing from {paths:?}");
        }
        // With region unknown, national numbers fail too: each says why.
        assert!(err.to_string().contains("invalid field(s)"));
    }

    #[test]
    fn duplicates_across_pools_and_roles() {
        let mut s = good();
        s.targets.push(TargetSpec {
            number: "+74951234568".into(),
            pool: vec!["+74990000002".into()],
            fallback: Some("+74990000099".into()),
            ..TargetSpec::default()
        });
        let err = s.validate().unwrap_err();
        assert_eq!(err.errors.len(), 2);
        assert_eq!(err.errors[0].path, "targets[1].pool[0]");
        assert!(err.errors[0].message.contains("targets[0].pool[1]"));
        assert_eq!(err.errors[1].path, "targets[1].fallback");
    }

    #[test]
    fn empty_pool_needs_a_fallback_or_no_dynamic_channel() {
        let mut s = good();
        s.targets[0].pool.clear();
        s.targets[0].fallback = None;
        let err = s.validate().unwrap_err();
        assert_eq!(err.errors[0].path, "targets[0].pool");
        s.dynamic_channels.clear();
        assert!(s.validate().is_ok());
    }

    #[test]
    fn timing_rules() {
        let mut s = good();
        s.heartbeat_secs = s.fixation_secs;
        s.exhaustion = "recycle".into();
        s.recycle_min_idle_secs = 1;
        s.heartbeat_secs = 60;
        s.fixation_secs = 60;
        s.retention_days = 10;
        let err = s.validate().unwrap_err();
        let paths: Vec<&str> = err.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["heartbeat_secs", "recycle_min_idle_secs", "retention_days"]
        );
    }

    #[test]
    fn display_by_channel() {
        let mut s = good();
        s.dynamic_channels = vec!["paid_search".into()];
        let c = s.validate().unwrap();
        assert_eq!(c.display(0, Channel::PaidSearch), Display::Dynamic);
        assert_eq!(
            c.display(0, Channel::Offline),
            Display::Static("+74990000050".parse().unwrap())
        );
        assert_eq!(c.display(0, Channel::Direct), Display::Original);
        assert_eq!(c.display(5, Channel::PaidSearch), Display::Original);
        let n = |s: &str| s.parse::<PhoneNumber>().unwrap();
        assert_eq!(c.role_of(n("+74990000002")), Some((0, Role::Pool)));
        assert_eq!(c.role_of(n("+74990000099")), Some((0, Role::Fallback)));
        assert_eq!(
            c.role_of(n("+74990000050")),
            Some((0, Role::Static(Channel::Offline)))
        );
        assert_eq!(c.role_of(n("+74951234567")), Some((0, Role::Target)));
        assert_eq!(c.role_of(n("+74951234500")), None);
    }

    #[test]
    fn missed_call_alerts_need_their_channels() {
        let mut s = good();
        s.missed_call_alerts = Some(MissedAlertsSpec {
            sms: vec!["8 916 123-45-67".into(), "not a number".into()],
            email: vec!["head@clinic.example".into(), "a@b".into()],
            quiet_hours: Some(QuietHoursSpec {
                from: "21:00".into(),
                to: "21:00".into(),
            }),
            digest_minutes: 2000,
        });
        let e = s.validate().unwrap_err();
        let paths: Vec<&str> = e.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "missed_call_alerts.sms[1]",
                "missed_call_alerts.email[1]",
                "missed_call_alerts.sms",
                "missed_call_alerts.email",
                "missed_call_alerts.digest_minutes",
                "missed_call_alerts.quiet_hours"
            ],
            "{e}"
        );
        let m = s.missed_call_alerts.as_mut().unwrap();
        m.sms.pop();
        m.email.pop();
        m.quiet_hours.as_mut().unwrap().to = "09:00".into();
        m.digest_minutes = 15;
        s.integrations.twilio = Some(TwilioSpec {
            auth_token: "tw-token".into(),
            account_sid: Some(format!("AC{}", "0".repeat(32))),
            sms_from: Some("+74990000000".into()),
            ..TwilioSpec::default()
        });
        s.integrations.email = Some(EmailSpec {
            provider: "postmark".into(),
            server_token: "pm".into(),
            from: "alerts@clinic.example".into(),
            api_base: None,
        });
        let c = s.validate().unwrap();
        let m = c.missed_alerts.as_ref().unwrap();
        assert_eq!(m.sms[0].to_string(), "+79161234567");
        assert_eq!(m.policy.digest, Duration::from_mins(15));
        assert_eq!(m.policy.quiet.unwrap().from_min, 21 * 60);
        assert_eq!(c.to_spec().validate().unwrap(), c);
    }

    #[test]
    fn origins() {
        let mut s = good();
        s.origins = vec![
            "https://*.clinic.example".into(),
            "HTTPS://Clinic.Example:8443".into(),
        ];
        let c = s.validate().unwrap();
        assert!(c.allows_origin("https://www.clinic.example"));
        assert!(c.allows_origin("https://clinic.example:8443"));
        assert!(!c.allows_origin("https://clinic.example"));
        assert!(!c.allows_origin("https://evilclinic.example"));
        assert!(!c.allows_origin("http://www.clinic.example"));
        for bad in [
            "clinic.example",
            "https://",
            "https://a/b",
            "https://a:99999",
            "https://a b",
            "https://*x.com",
            "https://a.*.com",
        ] {
            assert!(origin(bad).is_err(), "{bad}");
        }
    }
}
