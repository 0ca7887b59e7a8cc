//! Call reports: calls, answered, missed, target calls, unique callers,
//! average duration and time to answer, the answer rate (answered / all x
//! 100) and PTR as the trade defines it (successful calls / all calls x
//! 100), beside it the share of calls rated (given an outcome) and the PTR
//! over the rated calls, and the outcomes' value; with the period's ad
//! spend beside them ([`crate::spend`]), cost per call, per target call, per
//! lead and per successful call, and ROMI; grouped by channel, source / medium, campaign, keyword, ad, landing page,
//! region, agent, tag, day, or weekday x hour.
//!
//! Pure: the shell reads the calls of a period from storage into [`Fact`]s
//! and passes the site's UTC offset as a function (so days and hours are the
//! site's own, daylight saving included).
//!
//! ```
//! use pool_core::call::Status;
//! use pool_core::report::{report, Fact, GroupBy, Touch};
//! use pool_core::time::{Duration, Instant};
//!
//! let call = |channel: &str, status, secs| Fact {
//!     origin: Touch {
//!         at: 1_700_000_000_000,
//!         channel: channel.into(),
//!         ..Touch::default()
//!     },
//!     status,
//!     duration: Duration::from_secs(secs),
//!     target: secs >= 30,
//!     caller: Some("+79161234567".into()),
//!     ..Fact::default()
//! };
//! let mut sale = call("paid_search", Status::Answered, 60);
//! sale.successful = Some(true);
//! sale.value_minor = 150_000;
//! let rows = report(
//!     &[sale, call("paid_search", Status::NoAnswer, 0)],
//!     GroupBy::Channel,
//!     &|_| 0,
//! );
//! assert_eq!(rows[0].key, "paid_search");
//! assert_eq!((rows[0].calls, rows[0].answered, rows[0].missed, rows[0].target), (2, 1, 1, 1));
//! assert_eq!(rows[0].answer_rate_percent, 50.0);
//! // One call has an outcome, and it is a success; the other has none yet:
//! // PTR is one call of two; half the calls are rated, all of those successful.
//! assert_eq!(rows[0].ptr_percent, Some(50.0));
//! assert_eq!(rows[0].rated_percent, Some(50.0));
//! assert_eq!(rows[0].ptr_rated_percent, Some(100.0));
//! assert_eq!((rows[0].successful, rows[0].without_outcome), (1, 1));
//! assert_eq!(rows[0].value_minor, 150_000);
//! ```

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;
use core::str::FromStr;

use crate::calendar::{civil_from_days, weekday_hour, WEEKDAYS};
use crate::call::Status;
use crate::spend::{day_text, Spend};
use crate::time::{Duration, Instant};

/// One call, as a report needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// When it started and where its caller came from: the channel it is
    /// attributed to (`unattributed` when none) and that visit's source,
    /// medium, campaign, keyword and landing page.
    pub origin: Touch,
    /// How it stands.
    pub status: Status,
    /// How long it was (answered part).
    pub duration: Duration,
    /// A target call.
    pub target: bool,
    /// The caller (E.164 or as the PBX sent it), for unique callers.
    pub caller: Option<String>,
    /// The call's outcome: successful or not; `None` while it has none.
    pub successful: Option<bool>,
    /// The outcome's value, in the currency's minor units (cents, kopecks).
    pub value_minor: u64,
    /// Who answered (or whose call it was, when missed): an agent's id.
    pub agent: Option<String>,
    /// How long the caller waited for an answer (answered calls).
    pub answer_wait: Option<Duration>,
    /// The tags the call was given.
    pub tags: Vec<String>,
    /// A call-back the visitor asked for on the site.
    pub callback: bool,
    /// Why it was missed, when it was.
    pub missed_reason: Option<crate::call::MissedReason>,
}

impl Default for Fact {
    fn default() -> Fact {
        Fact {
            origin: Touch {
                channel: String::from("unattributed"),
                ..Touch::default()
            },
            status: Status::Ringing,
            duration: Duration::ZERO,
            target: false,
            caller: None,
            successful: None,
            value_minor: 0,
            agent: None,
            answer_wait: None,
            tags: Vec::new(),
            callback: false,
            missed_reason: None,
        }
    }
}

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// `paid_search`, `email`, ...
    Channel,
    /// `google / cpc`.
    SourceMedium,
    /// `utm_campaign`.
    Campaign,
    /// The keyword.
    Keyword,
    /// The ad (`utm_content`).
    Ad,
    /// Host and path of the landing page.
    LandingPage,
    /// Where the visitor was (the edge's country and region code).
    Region,
    /// The agent who answered, or whose call was missed (calls only).
    Agent,
    /// Each tag a call has (a call with two tags counts in both; calls only).
    Tag,
    /// The site's local day, `2026-11-24`.
    Day,
    /// The site's local weekday and hour, `mon 09` (ISO weekday names).
    WeekdayHour,
}

impl GroupBy {
    /// The names in the API.
    pub const NAMES: [&'static str; 11] = [
        "channel",
        "source_medium",
        "campaign",
        "keyword",
        "ad",
        "landing_page",
        "region",
        "agent",
        "tag",
        "day",
        "weekday_hour",
    ];
}

/// A grouping name that is not one of [`GroupBy::NAMES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownGroup;

impl core::fmt::Display for UnknownGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("group by one of: ")?;
        f.write_str(&GroupBy::NAMES.join(", "))
    }
}

impl FromStr for GroupBy {
    type Err = UnknownGroup;
    fn from_str(s: &str) -> Result<GroupBy, UnknownGroup> {
        Ok(match s {
            "channel" => GroupBy::Channel,
            "source_medium" => GroupBy::SourceMedium,
            "campaign" => GroupBy::Campaign,
            "keyword" => GroupBy::Keyword,
            "ad" => GroupBy::Ad,
            "landing_page" => GroupBy::LandingPage,
            "region" => GroupBy::Region,
            "agent" => GroupBy::Agent,
            "tag" => GroupBy::Tag,
            "day" => GroupBy::Day,
            "weekday_hour" => GroupBy::WeekdayHour,
            _ => return Err(UnknownGroup),
        })
    }
}

/// A visit or a lead, as a report counts it beside the calls: when, and
/// where it came from.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Touch {
    /// When the visit started or the lead came (ms since the epoch).
    pub at: i64,
    /// Its channel.
    pub channel: String,
    /// Source of the visit.
    pub source: String,
    /// Medium of the visit.
    pub medium: String,
    /// Campaign of the visit.
    pub campaign: Option<String>,
    /// Keyword of the visit.
    pub term: Option<String>,
    /// Landing page of the visit.
    pub landing_page: Option<String>,
    /// The ad of the visit (`utm_content`).
    #[cfg_attr(feature = "serde", serde(default))]
    pub content: Option<String>,
    /// Where the visitor was.
    #[cfg_attr(feature = "serde", serde(default))]
    pub region: Option<String>,
}

/// One row of a report.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Row {
    /// The group: a channel, `google / cpc`, a day, `mon 09`, `(none)`.
    pub key: String,
    /// Every call.
    pub calls: u64,
    /// Answered calls.
    pub answered: u64,
    /// Calls over and not answered.
    pub missed: u64,
    /// The missed calls by why they were missed.
    pub missed_by_reason: MissedByReason,
    /// Target calls.
    pub target: u64,
    /// Distinct callers (calls without a caller id are not counted).
    pub unique_callers: u64,
    /// Average duration of answered calls, seconds.
    pub avg_duration_secs: f64,
    /// Average time to answer, seconds, over the answered calls whose
    /// answer time is known; `None` when none is.
    pub avg_answer_secs: Option<f64>,
    /// Answered / all x 100.
    pub answer_rate_percent: f64,
    /// Calls with an outcome that the business wanted.
    pub successful: u64,
    /// Calls given an outcome.
    pub with_outcome: u64,
    /// Calls without an outcome yet.
    pub without_outcome: u64,
    /// PTR, as the trade defines it: successful / all calls x 100; `None`
    /// without calls.
    pub ptr_percent: Option<f64>,
    /// The share of calls rated: calls given an outcome / all calls x 100;
    /// `None` without calls.
    pub rated_percent: Option<f64>,
    /// PTR over the rated calls: successful / calls given an outcome x 100;
    /// `None` when no call has an outcome.
    pub ptr_rated_percent: Option<f64>,
    /// The outcomes' value, in minor units.
    pub value_minor: u64,
    /// Visits (sessions started) of the group in the period.
    pub visits: u64,
    /// Online requests (leads) of the group in the period.
    pub leads: u64,
    /// Calls per 100 visits; `None` without visits.
    pub calls_per_100_visits: Option<f64>,
    /// Call-back requests (each is also one of the calls).
    pub callbacks: u64,
    /// Call-backs that connected the visitor.
    pub callbacks_connected: u64,
    /// Ad spend of the group in the period, in minor units.
    pub cost_minor: u64,
    /// Cost / calls; `None` without cost or without calls.
    pub cost_per_call_minor: Option<u64>,
    /// Cost / target calls; `None` without cost or without target calls.
    pub cost_per_target_call_minor: Option<u64>,
    /// Cost / leads; `None` without cost or without leads.
    pub cost_per_lead_minor: Option<u64>,
    /// Cost / successful calls; `None` without cost or without successes.
    pub cost_per_successful_minor: Option<u64>,
    /// ROMI: (the outcomes' value − cost) / cost x 100; `None` without cost.
    pub romi_percent: Option<f64>,
    /// The outcomes' value / successful calls; `None` without successes.
    pub value_per_successful_minor: Option<u64>,
}

/// The row of a group that spend cannot be told apart by (a landing page,
/// a region, an agent, a tag, an hour): the period's spend, unallocated.
pub const UNALLOCATED: &str = "(spend not by this grouping)";

fn two(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// `2026-11-24` and `tue 09` for a local time in ms since the epoch.
fn local_keys(local_ms: i64) -> (String, String) {
    let days = local_ms.div_euclid(86_400_000);
    let hour = (local_ms.rem_euclid(86_400_000) / 3_600_000) as u32;
    let (y, m, d) = civil_from_days(days);
    let mut day = String::with_capacity(10);
    let y = y.clamp(0, 9999) as u32;
    two(&mut day, y / 100);
    two(&mut day, y % 100);
    day.push('-');
    two(&mut day, m);
    day.push('-');
    two(&mut day, d);
    let (weekday, _) = weekday_hour(local_ms);
    let mut wh = String::from(WEEKDAYS[weekday]);
    wh.push(' ');
    two(&mut wh, hour);
    (day, wh)
}

fn or_none(v: &Option<String>) -> String {
    match v.as_deref() {
        Some(s) if !s.is_empty() => String::from(s),
        _ => String::from("(none)"),
    }
}

fn touch_key(t: &Touch, group: GroupBy, offset_ms: &dyn Fn(Instant) -> i64) -> String {
    let at = Instant::from_millis(t.at);
    match group {
        GroupBy::Channel => t.channel.clone(),
        GroupBy::SourceMedium => {
            let mut k = String::from(if t.source.is_empty() {
                "(none)"
            } else {
                &t.source
            });
            k.push_str(" / ");
            k.push_str(if t.medium.is_empty() {
                "(none)"
            } else {
                &t.medium
            });
            k
        }
        GroupBy::Campaign => or_none(&t.campaign),
        GroupBy::Keyword => or_none(&t.term),
        GroupBy::Ad => or_none(&t.content),
        GroupBy::LandingPage => or_none(&t.landing_page),
        GroupBy::Region => or_none(&t.region),
        GroupBy::Agent | GroupBy::Tag => String::from("(none)"),
        GroupBy::Day => local_keys(at.millis() + offset_ms(at)).0,
        GroupBy::WeekdayHour => local_keys(at.millis() + offset_ms(at)).1,
    }
}

/// `n / d` rounded to one decimal (no `f64::round` without std).
fn tenths(n: u64, d: u64) -> f64 {
    if d == 0 {
        return 0.0;
    }
    ((n * 10 + d / 2) / d) as f64 / 10.0
}

/// Missed calls counted by reason ([`crate::call::MissedReason`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MissedByReason {
    /// Outside the site's working hours.
    pub out_of_hours: u64,
    /// The caller hung up before any phone rang.
    pub abandoned: u64,
    /// The phones that rang were not answered.
    pub not_answered: u64,
    /// The phone rung was busy.
    pub busy: u64,
    /// Every line was taken.
    pub all_lines_busy: u64,
    /// It failed.
    pub failed: u64,
}

impl MissedByReason {
    /// The count of `reason`.
    pub fn get(&self, reason: crate::call::MissedReason) -> u64 {
        use crate::call::MissedReason as M;
        match reason {
            M::OutOfHours => self.out_of_hours,
            M::Abandoned => self.abandoned,
            M::NotAnswered => self.not_answered,
            M::Busy => self.busy,
            M::AllLinesBusy => self.all_lines_busy,
            M::Failed => self.failed,
        }
    }

    fn add(&mut self, reason: crate::call::MissedReason) {
        use crate::call::MissedReason as M;
        let n = match reason {
            M::OutOfHours => &mut self.out_of_hours,
            M::Abandoned => &mut self.abandoned,
            M::NotAnswered => &mut self.not_answered,
            M::Busy => &mut self.busy,
            M::AllLinesBusy => &mut self.all_lines_busy,
            M::Failed => &mut self.failed,
        };
        *n += 1;
    }
}

#[derive(Default)]
struct Acc {
    calls: u64,
    answered: u64,
    missed: u64,
    missed_by_reason: MissedByReason,
    target: u64,
    callers: BTreeSet<String>,
    answered_ms: u64,
    waited_ms: u64,
    waits: u64,
    successful: u64,
    with_outcome: u64,
    value_minor: u64,
    visits: u64,
    leads: u64,
    callbacks: u64,
    callbacks_connected: u64,
    cost_minor: u64,
}

/// Groups `facts`; rows by calls, most first (days and hours in order).
/// `offset_ms` is the site's UTC offset at an instant, in ms.
pub fn report(facts: &[Fact], group: GroupBy, offset_ms: &dyn Fn(Instant) -> i64) -> Vec<Row> {
    report_with(facts, &[], &[], group, offset_ms)
}

/// [`report`] with the period's visits and leads beside the calls: how many
/// of each per group, and calls per 100 visits (a group may have visits and
/// no call).
pub fn report_with(
    facts: &[Fact],
    visits: &[Touch],
    leads: &[Touch],
    group: GroupBy,
    offset_ms: &dyn Fn(Instant) -> i64,
) -> Vec<Row> {
    report_spent(facts, visits, leads, &[], group, offset_ms)
}

/// The group a spend row counts in: the key its visits' group would have
/// (its channel, `source / medium`, campaign, keyword, ad or day), or
/// [`UNALLOCATED`] when spend cannot be told apart that way (a spend row
/// without a keyword, grouped by keyword, included).
pub fn spend_key(s: &Spend, group: GroupBy) -> String {
    match group {
        GroupBy::Channel => String::from(s.channel().as_str()),
        GroupBy::SourceMedium => {
            let mut k = s.source.clone();
            k.push_str(" / ");
            k.push_str(&s.medium);
            k
        }
        GroupBy::Campaign => s.campaign.clone(),
        GroupBy::Keyword if s.keyword.is_some() => or_none(&s.keyword),
        GroupBy::Ad if s.ad.is_some() => or_none(&s.ad),
        GroupBy::Day => day_text(s.day),
        _ => String::from(UNALLOCATED),
    }
}

/// [`report_with`] with the period's ad spend: each spend row joins the
/// group its key names (letter case aside: `Brand` spend meets `brand`
/// visits), or makes a row of its own (spend with no call, visit or lead
/// is shown, never dropped), and every row gets its cost, cost per call,
/// per target call, per lead and per successful call, and ROMI.
pub fn report_spent(
    facts: &[Fact],
    visits: &[Touch],
    leads: &[Touch],
    spend: &[Spend],
    group: GroupBy,
    offset_ms: &dyn Fn(Instant) -> i64,
) -> Vec<Row> {
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    // Agents and tags are the calls' own: visits and leads have neither.
    let of_calls = matches!(group, GroupBy::Agent | GroupBy::Tag);
    for t in visits.iter().filter(|_| !of_calls) {
        groups
            .entry(touch_key(t, group, offset_ms))
            .or_default()
            .visits += 1;
    }
    for t in leads.iter().filter(|_| !of_calls) {
        groups
            .entry(touch_key(t, group, offset_ms))
            .or_default()
            .leads += 1;
    }
    for f in facts {
        let keys = match group {
            GroupBy::Agent => alloc::vec![or_none(&f.agent)],
            GroupBy::Tag if !f.tags.is_empty() => {
                let mut k = f.tags.clone();
                k.sort();
                k.dedup();
                k
            }
            _ => alloc::vec![touch_key(&f.origin, group, offset_ms)],
        };
        for key in keys {
            count(groups.entry(key).or_default(), f);
        }
    }
    let folded: BTreeMap<String, String> = groups
        .keys()
        .map(|k| (k.to_lowercase(), k.clone()))
        .collect();
    for s in spend {
        let key = spend_key(s, group);
        let key = if groups.contains_key(&key) {
            key
        } else {
            folded.get(&key.to_lowercase()).cloned().unwrap_or(key)
        };
        groups.entry(key).or_default().cost_minor += s.amount_minor;
    }
    let mut rows: Vec<Row> = groups.into_iter().map(|(key, a)| row(key, a)).collect();
    if !matches!(group, GroupBy::Day | GroupBy::WeekdayHour) {
        rows.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.key.cmp(&b.key)));
    }
    rows
}

fn count(a: &mut Acc, f: &Fact) {
    a.calls += 1;
    if f.status.is_answered() {
        a.answered += 1;
        a.answered_ms += f.duration.millis();
        if let Some(w) = f.answer_wait {
            a.waits += 1;
            a.waited_ms += w.millis();
        }
    }
    if f.status.is_missed() {
        a.missed += 1;
        // A missed call stored before reasons were kept counts as not answered.
        a.missed_by_reason.add(
            f.missed_reason
                .unwrap_or(crate::call::MissedReason::NotAnswered),
        );
    }
    if f.target {
        a.target += 1;
    }
    if let Some(c) = &f.caller {
        a.callers.insert(c.clone());
    }
    if let Some(ok) = f.successful {
        a.with_outcome += 1;
        a.successful += u64::from(ok);
    }
    a.value_minor += f.value_minor;
    if f.callback {
        a.callbacks += 1;
        a.callbacks_connected += u64::from(f.status.is_answered());
    }
}

fn row(key: String, a: Acc) -> Row {
    let r = Row {
        key,
        calls: a.calls,
        answered: a.answered,
        missed: a.missed,
        missed_by_reason: a.missed_by_reason,
        target: a.target,
        unique_callers: a.callers.len() as u64,
        avg_duration_secs: if a.answered == 0 {
            0.0
        } else {
            tenths(a.answered_ms, a.answered * 1000)
        },
        avg_answer_secs: (a.waits > 0).then(|| tenths(a.waited_ms, a.waits * 1000)),
        answer_rate_percent: tenths(a.answered * 100, a.calls),
        successful: a.successful,
        with_outcome: a.with_outcome,
        without_outcome: a.calls - a.with_outcome,
        ptr_percent: (a.calls > 0).then(|| tenths(a.successful * 100, a.calls)),
        rated_percent: (a.calls > 0).then(|| tenths(a.with_outcome * 100, a.calls)),
        ptr_rated_percent: (a.with_outcome > 0).then(|| tenths(a.successful * 100, a.with_outcome)),
        value_minor: a.value_minor,
        visits: a.visits,
        leads: a.leads,
        calls_per_100_visits: (a.visits > 0).then(|| tenths(a.calls * 100, a.visits)),
        callbacks: a.callbacks,
        callbacks_connected: a.callbacks_connected,
        cost_minor: 0,
        cost_per_call_minor: None,
        cost_per_target_call_minor: None,
        cost_per_lead_minor: None,
        cost_per_successful_minor: None,
        romi_percent: None,
        value_per_successful_minor: None,
    };
    costed(r, a.cost_minor)
}

/// `r` with `cost` and what follows from it and the row's own counts.
fn costed(mut r: Row, cost: u64) -> Row {
    r.cost_minor = cost;
    r.cost_per_call_minor = per(cost, r.calls);
    r.cost_per_target_call_minor = per(cost, r.target);
    r.cost_per_lead_minor = per(cost, r.leads);
    r.cost_per_successful_minor = per(cost, r.successful);
    r.romi_percent = (cost > 0).then(|| {
        let gain = i128::from(r.value_minor) - i128::from(cost);
        let cost = i128::from(cost);
        // Tenths of a percent, rounded half away from zero.
        let tenths = (gain * 1000 + gain.signum() * cost / 2) / cost;
        tenths as f64 / 10.0
    });
    r.value_per_successful_minor =
        (r.successful > 0).then(|| (r.value_minor + r.successful / 2) / r.successful);
    r
}

/// `cost / n`, rounded, when there is a cost and an `n`.
fn per(cost: u64, n: u64) -> Option<u64> {
    (cost > 0 && n > 0).then(|| (cost + n / 2) / n)
}

/// The row of every call together.
pub fn total(facts: &[Fact]) -> Row {
    total_with(facts, &[], &[])
}

/// The row of every call, visit and lead together.
pub fn total_with(facts: &[Fact], visits: &[Touch], leads: &[Touch]) -> Row {
    total_spent(facts, visits, leads, &[])
}

/// The row of every call, visit, lead and spend row together.
pub fn total_spent(facts: &[Fact], visits: &[Touch], leads: &[Touch], spend: &[Spend]) -> Row {
    let all = |t: &Touch| Touch {
        channel: String::from("total"),
        ..t.clone()
    };
    let facts: Vec<Fact> = facts
        .iter()
        .map(|f| Fact {
            origin: all(&f.origin),
            ..f.clone()
        })
        .collect();
    let visits: Vec<Touch> = visits.iter().map(all).collect();
    let leads: Vec<Touch> = leads.iter().map(all).collect();
    let row = report_with(&facts, &visits, &leads, GroupBy::Channel, &|_| 0)
        .pop()
        .unwrap_or_else(|| row(String::from("total"), Acc::default()));
    costed(row, spend.iter().map(|s| s.amount_minor).sum())
}

/// One stored sample of a pool's counters, taken at the start of `hour`
/// (hours since the epoch): its size, numbers leased, and its running totals
/// of lease requests and fallbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PoolSample {
    /// Hours since the epoch.
    pub hour: i64,
    /// Numbers in the pool.
    pub total: u32,
    /// Numbers leased.
    pub leased: u32,
    /// Lease requests so far (a running total).
    pub requests: u64,
    /// Fallbacks shown so far (a running total).
    pub fallbacks: u64,
}

/// One hour of a pool: from one sample to the next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoolHour {
    /// When the hour began.
    pub start: Instant,
    /// Numbers in the pool at its end.
    pub total: u32,
    /// Numbers leased at its end.
    pub leased: u32,
    /// Leased / total, percent, one decimal.
    pub utilisation_percent: f64,
    /// Lease requests in the hour.
    pub requests: u64,
    /// Fallbacks shown in the hour.
    pub fallbacks: u64,
    /// Fallbacks / requests, percent, one decimal.
    pub fallback_share_percent: f64,
}

/// `part / whole` in percent with one decimal, rounded half up; 0 for an empty whole.
pub fn percent_1dp(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    let permille = (part * 2000 + whole) / (2 * whole);
    permille as f64 / 10.0
}

/// The hours between consecutive samples of one pool (sorted by hour). A
/// counter that went down (a restart) counts as zero for that hour.
pub fn pool_hours(samples: &[PoolSample]) -> Vec<PoolHour> {
    samples
        .windows(2)
        .map(|w| {
            let (p, r) = (w[0], w[1]);
            let requests = r.requests.saturating_sub(p.requests);
            let fallbacks = r.fallbacks.saturating_sub(p.fallbacks);
            PoolHour {
                start: Instant::from_millis(p.hour * 3_600_000),
                total: r.total,
                leased: r.leased,
                utilisation_percent: percent_1dp(u64::from(r.leased), u64::from(r.total)),
                requests,
                fallbacks,
                fallback_share_percent: percent_1dp(fallbacks, requests),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spend::parse_day;

    fn spend(day: &str, source: &str, campaign: &str, keyword: Option<&str>, minor: u64) -> Spend {
        Spend {
            day: parse_day(day).unwrap(),
            source: source.into(),
            medium: "cpc".into(),
            campaign: campaign.into(),
            keyword: keyword.map(Into::into),
            ad: None,
            amount_minor: minor,
        }
    }

    fn paid(campaign: &str, target: bool, successful: Option<bool>, value_minor: u64) -> Fact {
        Fact {
            origin: Touch {
                at: 1_764_547_200_000, // 2025-12-01
                channel: "paid_search".into(),
                source: "yandex".into(),
                medium: "cpc".into(),
                campaign: Some(campaign.into()),
                term: Some("implants".into()),
                ..Touch::default()
            },
            status: Status::Answered,
            duration: Duration::from_secs(90),
            target,
            successful,
            value_minor,
            ..Fact::default()
        }
    }

    #[test]
    fn spend_joins_its_campaign_and_gives_cost_per_call_and_romi() {
        let facts = [
            paid("implants", true, Some(true), 5_000_000),
            paid("implants", true, Some(false), 0),
            paid("implants", false, None, 0),
            paid("brand", true, None, 0),
        ];
        let spend = [
            // Letter case aside, the campaign of the calls.
            spend("2025-12-01", "yandex", "Implants", None, 1_200_000),
            spend(
                "2025-12-02",
                "yandex",
                "implants",
                Some("implants"),
                300_000,
            ),
            // A campaign that brought no call, visit or lead: a row of its own.
            spend("2025-12-01", "google", "crowns", None, 99_900),
        ];
        let rows = report_spent(&facts, &[], &[], &spend, GroupBy::Campaign, &|_| 0);
        let row = |k: &str| rows.iter().find(|r| r.key == k).unwrap();
        let implants = row("implants");
        assert_eq!(implants.cost_minor, 1_500_000);
        assert_eq!(implants.cost_per_call_minor, Some(500_000));
        assert_eq!(implants.cost_per_target_call_minor, Some(750_000));
        assert_eq!(implants.cost_per_successful_minor, Some(1_500_000));
        assert_eq!(implants.cost_per_lead_minor, None, "no lead");
        // (50,000 - 15,000) / 15,000 x 100
        assert_eq!(implants.romi_percent, Some(233.3));
        assert_eq!(implants.value_per_successful_minor, Some(5_000_000));
        let crowns = row("crowns");
        assert_eq!((crowns.calls, crowns.cost_minor), (0, 99_900));
        assert_eq!(crowns.romi_percent, Some(-100.0));
        assert_eq!(row("brand").cost_minor, 0);
        assert_eq!(row("brand").romi_percent, None, "no cost, no ROMI");
        // By keyword, spend without one is shown unallocated, never dropped.
        let rows = report_spent(&facts, &[], &[], &spend, GroupBy::Keyword, &|_| 0);
        let cost = |k: &str| rows.iter().find(|r| r.key == k).map(|r| r.cost_minor);
        assert_eq!(cost("implants"), Some(300_000));
        assert_eq!(cost(UNALLOCATED), Some(1_299_900));
        // By channel and by day, all of it has a place.
        let rows = report_spent(&facts, &[], &[], &spend, GroupBy::Channel, &|_| 0);
        assert_eq!(rows.iter().map(|r| r.cost_minor).sum::<u64>(), 1_599_900);
        assert_eq!(rows[0].key, "paid_search");
        let rows = report_spent(&facts, &[], &[], &spend, GroupBy::Day, &|_| 0);
        assert_eq!(
            rows.iter()
                .find(|r| r.key == "2025-12-02")
                .unwrap()
                .cost_minor,
            300_000
        );
        let total = total_spent(&facts, &[], &[], &spend);
        assert_eq!((total.calls, total.cost_minor), (4, 1_599_900));
        assert_eq!(total.cost_per_target_call_minor, Some(533_300));
        // (50,000 - 15,999) / 15,999 x 100 = 212.52...
        assert_eq!(total.romi_percent, Some(212.5));
    }

    #[test]
    fn pool_hours_are_differences_of_consecutive_samples() {
        let sample = |hour, total, leased, requests, fallbacks| PoolSample {
            hour,
            total,
            leased,
            requests,
            fallbacks,
        };
        let rows = pool_hours(&[
            sample(10, 3, 0, 100, 4),
            sample(11, 3, 2, 130, 10),
            // A restart reset the counters: the hour counts nothing.
            sample(12, 3, 1, 5, 0),
        ]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].start, Instant::from_millis(10 * 3_600_000));
        assert_eq!((rows[0].requests, rows[0].fallbacks), (30, 6));
        assert_eq!(rows[0].fallback_share_percent, 20.0);
        assert_eq!(rows[0].utilisation_percent, 66.7);
        assert_eq!((rows[1].requests, rows[1].fallbacks), (0, 0));
        assert_eq!(rows[1].fallback_share_percent, 0.0);
        assert!(pool_hours(&[sample(1, 1, 1, 1, 1)]).is_empty());
        assert_eq!(percent_1dp(1, 3), 33.3);
        assert_eq!(percent_1dp(1, 0), 0.0);
    }

    use alloc::vec;

    #[test]
    fn days_and_hours_are_local() {
        // 2026-11-24 22:30 UTC is Wednesday 01:30 in Moscow (UTC+3).
        let at = Instant::from_secs(20_781 * 86_400 + 22 * 3600 + 1800);
        let f = Fact {
            origin: Touch {
                at: at.millis(),
                ..Touch::default()
            },
            status: Status::Answered,
            ..Fact::default()
        };
        let msk = |_: Instant| 3 * 3_600_000;
        let one = core::slice::from_ref(&f);
        assert_eq!(report(one, GroupBy::Day, &msk)[0].key, "2026-11-25");
        assert_eq!(report(one, GroupBy::WeekdayHour, &msk)[0].key, "wed 01");
        assert_eq!(report(&[f], GroupBy::WeekdayHour, &|_| 0)[0].key, "tue 22");
    }

    #[test]
    fn groups_and_totals() {
        let f = |ch: &str, src: &str, st: Status, secs: u64, caller: &str| Fact {
            origin: Touch {
                channel: ch.into(),
                source: src.into(),
                medium: "cpc".into(),
                ..Touch::default()
            },
            status: st,
            duration: Duration::from_secs(secs),
            target: st == Status::Answered && secs >= 30,
            caller: (!caller.is_empty()).then(|| caller.into()),
            ..Fact::default()
        };
        let facts = vec![
            f("paid_search", "google", Status::Answered, 40, "+1"),
            f("paid_search", "google", Status::Answered, 20, "+1"),
            f("paid_search", "yandex", Status::Busy, 0, "+2"),
            f("email", "", Status::NoAnswer, 0, ""),
            f("email", "", Status::Ringing, 0, "+3"),
        ];
        let rows = report(&facts, GroupBy::Channel, &|_| 0);
        assert_eq!(rows.len(), 2);
        let ps = &rows[0];
        assert_eq!(ps.key, "paid_search");
        assert_eq!(
            (
                ps.calls,
                ps.answered,
                ps.missed,
                ps.target,
                ps.unique_callers
            ),
            (3, 2, 1, 1, 2)
        );
        assert_eq!(ps.avg_duration_secs, 30.0);
        assert_eq!(ps.answer_rate_percent, 66.7);
        assert_eq!(
            ps.ptr_percent,
            Some(0.0),
            "no outcome yet: nothing successful"
        );
        assert_eq!(ps.ptr_rated_percent, None, "none rated");
        let em = &rows[1];
        assert_eq!(
            (em.calls, em.answered, em.missed, em.unique_callers),
            (2, 0, 1, 1)
        );
        assert_eq!(em.avg_duration_secs, 0.0);
        let sm = report(&facts, GroupBy::SourceMedium, &|_| 0);
        // Ties in calls are by key.
        let keys: Vec<&str> = sm.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["(none) / cpc", "google / cpc", "yandex / cpc"]);
        assert_eq!(report(&facts, GroupBy::Campaign, &|_| 0)[0].key, "(none)");
        let t = total(&facts);
        assert_eq!(
            (t.calls, t.answered, t.missed, t.target, t.unique_callers),
            (5, 2, 2, 1, 3)
        );
        assert_eq!(total(&[]).calls, 0);
        for name in GroupBy::NAMES {
            assert!(name.parse::<GroupBy>().is_ok());
        }
        assert!("colour".parse::<GroupBy>().is_err());
    }

    #[test]
    fn ptr_is_successful_over_all_calls_and_the_rated_share_stands_beside_it() {
        let f = |successful: Option<bool>, value: u64, status| Fact {
            origin: Touch {
                channel: "paid_search".into(),
                ..Touch::default()
            },
            status,
            successful,
            value_minor: value,
            ..Fact::default()
        };
        let facts = [
            f(Some(true), 1000, Status::Answered),
            f(Some(false), 0, Status::Answered),
            f(Some(true), 500, Status::Answered),
            f(None, 0, Status::Answered),
            f(None, 0, Status::NoAnswer),
        ];
        let r = &report(&facts, GroupBy::Channel, &|_| 0)[0];
        assert_eq!((r.successful, r.with_outcome, r.without_outcome), (2, 3, 2));
        assert_eq!(r.ptr_percent, Some(40.0), "2 successful of 5 calls");
        assert_eq!(r.rated_percent, Some(60.0), "3 of 5 rated");
        assert_eq!(r.ptr_rated_percent, Some(66.7), "2 of the 3 rated");
        assert_eq!(r.answer_rate_percent, 80.0);
        assert_eq!(r.value_minor, 1500);
        assert_eq!(total(&facts).ptr_percent, Some(40.0));
        assert_eq!(total(&[]).ptr_percent, None);
        assert_eq!(total(&[]).rated_percent, None);
        // No call rated yet: PTR is 0, not unknown; over the rated, unknown.
        let none = [f(None, 0, Status::Answered)];
        assert_eq!(
            (total(&none).ptr_percent, total(&none).ptr_rated_percent),
            (Some(0.0), None)
        );
    }

    #[test]
    fn missed_calls_are_counted_by_why_in_each_row() {
        use crate::call::MissedReason as M;
        let missed = |agent: &str, status: Status, reason: Option<M>| Fact {
            status,
            agent: Some(agent.into()),
            missed_reason: reason,
            ..Fact::default()
        };
        let facts = [
            missed("anna", Status::NoAnswer, Some(M::NotAnswered)),
            missed("anna", Status::NoAnswer, Some(M::OutOfHours)),
            missed("anna", Status::Answered, None),
            missed("boris", Status::Busy, Some(M::Busy)),
            // Stored before reasons were kept: counted as not answered.
            missed("boris", Status::NoAnswer, None),
        ];
        let rows = report(&facts, GroupBy::Agent, &|_| 0);
        let anna = rows.iter().find(|r| r.key == "anna").unwrap();
        assert_eq!(anna.missed, 2);
        assert_eq!(
            (
                anna.missed_by_reason.not_answered,
                anna.missed_by_reason.out_of_hours
            ),
            (1, 1)
        );
        let boris = rows.iter().find(|r| r.key == "boris").unwrap();
        assert_eq!(
            (
                boris.missed_by_reason.busy,
                boris.missed_by_reason.not_answered
            ),
            (1, 1)
        );
        let t = total(&facts).missed_by_reason;
        assert_eq!(M::ALL.iter().map(|r| t.get(*r)).sum::<u64>(), 4);
    }

    #[test]
    fn visits_and_leads_beside_the_calls() {
        let touch = |channel: &str| Touch {
            channel: channel.into(),
            ..Touch::default()
        };
        let call = |channel: &str| Fact {
            origin: touch(channel),
            status: Status::Answered,
            ..Fact::default()
        };
        let facts = [call("paid_search"), call("paid_search")];
        let visits = [
            touch("paid_search"),
            touch("paid_search"),
            touch("paid_search"),
            touch("paid_search"),
            touch("organic_search"),
        ];
        let leads = [touch("organic_search")];
        let rows = report_with(&facts, &visits, &leads, GroupBy::Channel, &|_| 0);
        let paid = rows.iter().find(|r| r.key == "paid_search").unwrap();
        assert_eq!((paid.calls, paid.visits, paid.leads), (2, 4, 0));
        assert_eq!(paid.calls_per_100_visits, Some(50.0));
        // A channel with visits and a lead but no call has its row.
        let organic = rows.iter().find(|r| r.key == "organic_search").unwrap();
        assert_eq!((organic.calls, organic.visits, organic.leads), (0, 1, 1));
        assert_eq!(organic.calls_per_100_visits, Some(0.0));
        let t = total_with(&facts, &visits, &leads);
        assert_eq!(
            (t.calls, t.visits, t.leads, t.calls_per_100_visits),
            (2, 5, 1, Some(40.0))
        );
        assert_eq!(total(&facts).calls_per_100_visits, None);
    }

    #[test]
    fn agents_tags_ads_and_regions() {
        let call = |agent: Option<&str>, status, wait: Option<u64>, tags: &[&str]| Fact {
            origin: Touch {
                channel: "paid_search".into(),
                content: Some("banner-a".into()),
                region: Some("RU-MOW".into()),
                ..Touch::default()
            },
            status,
            agent: agent.map(Into::into),
            answer_wait: wait.map(Duration::from_secs),
            tags: tags.iter().map(|t| String::from(*t)).collect(),
            ..Fact::default()
        };
        let mut sale = call(Some("anna"), Status::Answered, Some(10), &["vip", "new"]);
        sale.successful = Some(true);
        let facts = [
            sale,
            call(Some("anna"), Status::Answered, Some(20), &["new"]),
            call(Some("anna"), Status::NoAnswer, None, &[]),
            call(Some("boris"), Status::Answered, None, &[]),
            call(None, Status::Busy, None, &[]),
        ];
        let visits = [Touch::default()];
        let rows = report_with(&facts, &visits, &[], GroupBy::Agent, &|_| 0);
        let anna = rows.iter().find(|r| r.key == "anna").unwrap();
        assert_eq!((anna.calls, anna.answered, anna.missed), (3, 2, 1));
        assert_eq!(anna.avg_answer_secs, Some(15.0));
        assert_eq!(anna.ptr_percent, Some(33.3), "one sale of three calls");
        assert_eq!(anna.ptr_rated_percent, Some(100.0));
        let boris = rows.iter().find(|r| r.key == "boris").unwrap();
        assert_eq!(boris.avg_answer_secs, None, "no answer time known");
        let none = rows.iter().find(|r| r.key == "(none)").unwrap();
        assert_eq!(
            (none.calls, none.missed, none.visits),
            (1, 1, 0),
            "visits have no agent"
        );

        let tags = report_with(&facts, &visits, &[], GroupBy::Tag, &|_| 0);
        let keys: Vec<(&str, u64)> = tags.iter().map(|r| (r.key.as_str(), r.calls)).collect();
        assert_eq!(keys, [("(none)", 3), ("new", 2), ("vip", 1)]);

        let ads = report(&facts, GroupBy::Ad, &|_| 0);
        assert_eq!((ads[0].key.as_str(), ads[0].calls), ("banner-a", 5));
        let regions = report(&facts, GroupBy::Region, &|_| 0);
        assert_eq!(regions[0].key, "RU-MOW");
        for name in GroupBy::NAMES {
            assert!(name.parse::<GroupBy>().is_ok());
        }
        assert!(alloc::string::ToString::to_string(&UnknownGroup).contains("agent, tag"));
    }
}
