//! The site as checked: [`Config`], what each number is to the site, and
//! what a visitor of each channel sees.

use super::*;

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
    /// The language of what the site's people read (one of [`LOCALES`]).
    pub locale: String,
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
    /// When the office takes calls, as written (`None`: the call-backs'
    /// hours, or always open; see [`Config::working_at`]).
    pub working_hours: Option<(crate::calendar::WorkingHours, WorkingHoursSpec)>,
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

impl Config {
    /// Whether the office takes calls at `at` (`offset_ms`: the site's UTC
    /// offset at an instant): its working hours, or its call-backs' hours;
    /// always, when it has neither.
    pub fn working_at(
        &self,
        at: crate::time::Instant,
        offset_ms: &dyn Fn(crate::time::Instant) -> i64,
    ) -> bool {
        let hours = self
            .working_hours
            .as_ref()
            .map(|(h, _)| h)
            .or(self.callback.as_ref().map(|c| &c.hours));
        hours.is_none_or(|h| h.next_open(at, offset_ms).is_none())
    }

    /// How recently a visit must have sent a heartbeat to count as live (on
    /// the page now): two heartbeats, and at least two minutes, so that one
    /// late beat does not drop it.
    pub fn live_window(&self) -> Duration {
        Duration::from_millis((self.heartbeat.millis() * 2).max(120_000))
    }

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
            locale: self.locale.clone(),
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
            working_hours: self.working_hours.as_ref().map(|(_, s)| s.clone()),
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
