//! The site as written: [`Spec`] and its parts (targets, target calls,
//! outcomes, limits, call-backs, alerts), with their defaults.

use super::*;

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
    /// The language of what the site's people read (alerts): one of
    /// [`LOCALES`]; `en` by default.
    pub locale: String,
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
    /// When the office takes calls, in the site's time zone: a call missed
    /// outside these hours is missed `out_of_hours`. The call-backs' hours
    /// when absent; none, always open.
    pub working_hours: Option<WorkingHoursSpec>,
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
    /// Who places them: `twilio` (its REST API calls the office, then the
    /// visitor; the default) or `zadarma` (its click-to-call rings the
    /// office's extension, `integrations.zadarma.callback_from`, then the
    /// visitor).
    pub via: String,
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
            via: String::from("twilio"),
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

/// The languages the catalogs (`locales/`) are written in: English,
/// Russian, Ukrainian, Kazakh.
pub const LOCALES: [&str; 4] = ["en", "ru", "uk", "kk"];

/// Working hours as written: weekdays (`mon` ... `sun`) and `HH:MM` times.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct WorkingHoursSpec {
    /// The days the office is open.
    pub days: Vec<String>,
    /// When it opens.
    pub from: String,
    /// When it closes (`24:00`: at midnight).
    pub to: String,
}

impl Default for WorkingHoursSpec {
    fn default() -> Self {
        WorkingHoursSpec {
            days: ["mon", "tue", "wed", "thu", "fri"]
                .map(String::from)
                .to_vec(),
            from: String::from("09:00"),
            to: String::from("18:00"),
        }
    }
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
            locale: String::from("en"),
            retention_days: 400,
            limits: LimitsSpec::default(),
            ignore_selectors: Vec::new(),
            release_on_leave: false,
            trail_max: 50,
            missed_call_alerts: None,
            callback: None,
            working_hours: None,
            shards: 1,
            integrations: IntegrationsSpec::default(),
        }
    }
}
