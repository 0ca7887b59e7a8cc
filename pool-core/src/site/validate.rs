//! [`Spec::validate`]: every field checked, every bad one reported with its
//! path; origins and time zones read.

use super::*;

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

/// Upper bounds that keep one config a reasonable size.
pub(super) const MAX_TARGETS: usize = 100;
pub(super) const MAX_POOL: usize = 100_000;
pub(super) const MAX_ORIGINS: usize = 100;
pub(super) const MAX_TEXT: usize = 200;
pub(super) const MAX_SELECTORS: usize = 100;

pub(super) struct Errors(pub(super) Vec<FieldError>);

impl Errors {
    pub(super) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            path: path.into(),
            message: message.into(),
        });
    }
}

/// Normalises an origin to `scheme://host[:port]`, lower case.
pub(super) fn origin(s: &str) -> Result<String, &'static str> {
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

pub(super) fn time_zone_ok(tz: &str) -> bool {
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
        if !LOCALES.contains(&self.locale.as_str()) {
            e.push("locale", format!("one of {}", LOCALES.join(", ")));
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
        let working_hours = self.working_hours.as_ref().and_then(|w| {
            let days: Vec<&str> = w.days.iter().map(String::as_str).collect();
            let hours = crate::calendar::WorkingHours::parse(&days, &w.from, &w.to);
            if hours.is_none() {
                e.push(
                    "working_hours.days",
                    "days among mon ... sun, and from before to as HH:MM (the same day)",
                );
            }
            hours.map(|h| (h, w.clone()))
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
            match c.via.as_str() {
                "twilio" => {
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
                }
                "zadarma" => {
                    if self
                        .integrations
                        .zadarma
                        .as_ref()
                        .is_none_or(|z| z.callback_from.is_none())
                    {
                        e.push(
                            at("via"),
                            "call-backs through Zadarma: set integrations.zadarma with callback_from (the office's extension or number)",
                        );
                    }
                }
                _ => e.push(at("via"), "twilio or zadarma"),
            }
            Some(Callback {
                caller_id: caller_id?,
                hours: hours?,
                countries,
                spec: c.clone(),
            })
        });
        let crms = [
            self.integrations
                .pipedrive
                .as_ref()
                .map(|p| ("pipedrive", &p.won_outcome, &p.lost_outcome)),
            self.integrations
                .amocrm
                .as_ref()
                .map(|a| ("amocrm", &a.won_outcome, &a.lost_outcome)),
        ];
        for (crm, won, lost) in crms.into_iter().flatten() {
            for (name, label) in [("won_outcome", won), ("lost_outcome", lost)] {
                if let Some(l) = label {
                    if !self
                        .outcomes
                        .iter()
                        .any(|o| o.label.trim().eq_ignore_ascii_case(l.trim()))
                    {
                        e.push(
                            format!("integrations.{crm}.{name}"),
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
            locale: self.locale.clone(),
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
            working_hours,
            shards: self.shards,
            integrations: self.integrations.clone(),
        })
    }
}
