//! A seeded traffic simulator for pool sizing: how many tracking numbers a
//! site needs, measured, not guessed.
//!
//! It generates visits from a [`Profile`] (arrivals by hour of day and day
//! of week, heavy-tailed visit lengths, the share of visits that call and
//! when they call), drives a pool with simulated time (leases at the start,
//! heartbeats while the page is open, a release beacon at the end that is
//! sometimes lost), and for every call knows the visitor who really made
//! it. So it measures attribution accuracy: calls attributed to the right
//! visit over all calls.
//!
//! [`Policy::Engine`] is this crate's [`Pool`] (least recently released
//! first, cooldown, grace). The baselines are what simple implementations
//! do: [`Policy::FirstFree`] and [`Policy::RandomFree`] hand out a free
//! number at once with no cooldown.
//!
//! ```
//! use pool_core::sim::{simulate, Policy, Profile, Setup};
//! use pool_core::time::Duration;
//!
//! let profile = Profile { visits_per_day: 500.0, ..Profile::default() };
//! let setup = Setup { pool_size: 12, days: 2, ..Setup::default() };
//! let out = simulate(&profile, &setup);
//! assert!(out.calls > 0);
//! // More numbers, fewer calls lost.
//! let more = simulate(&profile, &Setup { pool_size: 60, ..setup.clone() });
//! assert!(more.accuracy() > out.accuracy());
//! // Deterministic: the same seed gives the same numbers.
//! assert_eq!(out, simulate(&profile, &setup));
//! ```

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use crate::attribution;
use crate::call::Confidence;
use crate::journal::Journal;
use crate::number::PhoneNumber;
use crate::pool::{self, Assignment, Pool};
use crate::session::SessionId;
use crate::time::{Duration, Instant};

/// A small, fast, seedable generator (SplitMix64): the same seed gives the
/// same traffic on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[0, n)`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * libm::log(1.0 - self.unit())
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(core::f64::consts::TAU * u2)
    }

    /// Log-normal with the given median and shape (sigma of the log).
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * libm::exp(sigma * self.normal())
    }

    /// Poisson with the given mean (Knuth for small means, normal above).
    pub fn poisson(&mut self, mean: f64) -> u64 {
        if mean <= 0.0 {
            return 0;
        }
        if mean > 60.0 {
            let x = mean + libm::sqrt(mean) * self.normal();
            return libm::round(x).max(0.0) as u64;
        }
        let limit = libm::exp(-mean);
        let mut k = 0;
        let mut p = 1.0;
        loop {
            p *= self.unit();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }
}

/// When a visitor calls, after the visit's last activity.
#[derive(Debug, Clone, PartialEq)]
pub enum CallDelay {
    /// A mixture: a share call while the page is open; the rest after it,
    /// most soon (exponential, `soon_mean`), some much later (exponential,
    /// `later_mean`): call-backs hours later.
    Mixture {
        /// Share of calls made while the page is open.
        during: f64,
        /// Mean delay of the calls made soon after.
        soon_mean: Duration,
        /// Share of calls made much later.
        later_share: f64,
        /// Mean delay of those.
        later_mean: Duration,
    },
    /// Delays measured on a site (from the number shown to the call), drawn
    /// at random.
    Measured(Vec<Duration>),
}

/// A traffic profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Visits from dynamic channels a day (on an average weekday weight).
    pub visits_per_day: f64,
    /// Relative arrivals by hour of day, 0 to 23 (site time).
    pub hourly: [f64; 24],
    /// Relative arrivals by day of week, Monday first.
    pub weekly: [f64; 7],
    /// Median visit length (page open).
    pub visit_median: Duration,
    /// Shape of visit lengths (sigma of the log): larger is heavier-tailed.
    pub visit_sigma: f64,
    /// Share of visits that call.
    pub call_share: f64,
    /// When they call.
    pub delay: CallDelay,
    /// Share of visits that release their number when the page is left
    /// (`release_on_leave` sites: about 0.7 of beacons arrive); the rest keep
    /// it for the fixation.
    pub release_share: f64,
    /// How often the page heartbeats while open.
    pub heartbeat: Duration,
}

impl Default for Profile {
    /// The reference profile: 2,000 visits a day, 3% calling, a business-hours
    /// curve, quieter weekends, a 2.5 minute median visit with a heavy tail;
    /// 70% of callers call while the page is open, 25% within minutes after
    /// (mean 5 min), 5% hours later (mean 2 h); numbers are kept for the
    /// fixation after the visitor leaves (no release on leave, the default).
    fn default() -> Profile {
        Profile {
            visits_per_day: 2000.0,
            hourly: [
                0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 3.5, 3.5, 3.2, 3.2, 3.4, 3.3,
                3.0, 2.6, 2.2, 2.0, 1.8, 1.4, 0.9, 0.5,
            ],
            weekly: [1.1, 1.1, 1.05, 1.05, 1.0, 0.6, 0.5],
            visit_median: Duration::from_secs(150),
            visit_sigma: 1.0,
            call_share: 0.03,
            delay: CallDelay::Mixture {
                during: 0.7,
                soon_mean: Duration::from_mins(5),
                later_share: 0.05,
                later_mean: Duration::from_hours(2),
            },
            release_share: 0.0,
            heartbeat: Duration::from_secs(60),
        }
    }
}

/// How the pool hands out numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// This crate's engine: least recently released first, with cooldown and grace.
    Engine,
    /// The lowest free number, reused at once (no cooldown).
    FirstFree,
    /// A random free number, reused at once (no cooldown).
    RandomFree,
}

impl Policy {
    /// A name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Engine => "least-recently-released + cooldown",
            Policy::FirstFree => "first free",
            Policy::RandomFree => "random free",
        }
    }
}

/// One simulated run.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// Tracking numbers in the pool.
    pub pool_size: usize,
    /// Lease lifetime after the last heartbeat.
    pub fixation: Duration,
    /// Rest after release (the engine only).
    pub cooldown: Duration,
    /// A call this long after a lease ended still belongs to it.
    pub grace: Duration,
    /// How numbers are handed out.
    pub policy: Policy,
    /// Days simulated (from a Monday).
    pub days: u32,
    /// The traffic's seed.
    pub seed: u64,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            pool_size: 20,
            fixation: Duration::from_mins(30),
            cooldown: Duration::from_mins(15),
            grace: Duration::from_mins(15),
            policy: Policy::Engine,
            days: 7,
            seed: 1,
        }
    }
}

/// What a run measured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Visits simulated.
    pub visits: u64,
    /// Calls made.
    pub calls: u64,
    /// Calls attributed to the visit that made them.
    pub correct: u64,
    /// Calls attributed to another visit (the number had passed on).
    pub misattributed: u64,
    /// Calls from visitors who were shown the fallback.
    pub unattributed_fallback: u64,
    /// Calls to a number nobody held then (lease over, grace over).
    pub unattributed_expired: u64,
    /// Wrong attributions that the confidence flags as low (a person checks them).
    pub misattributed_low: u64,
    /// Right attributions flagged low all the same (checked needlessly).
    pub correct_low: u64,
    /// Visits that were shown the fallback at some point.
    pub saw_fallback: u64,
    /// The most numbers leased at once.
    pub peak_leased: u64,
    /// The most visits with the page open at once (the rule of thumb's pool size).
    pub peak_concurrent: u64,
}

impl Outcome {
    /// Calls attributed to the right visit / all calls.
    pub fn accuracy(&self) -> f64 {
        if self.calls == 0 {
            1.0
        } else {
            self.correct as f64 / self.calls as f64
        }
    }
}

/// One visit.
#[derive(Debug, Clone, Copy)]
struct Visit {
    start: Instant,
    end: Instant,
    call: Option<Instant>,
    released: bool,
}

/// The visits of a profile over `days`, by start time.
fn visits(profile: &Profile, days: u32, rng: &mut Rng) -> Vec<Visit> {
    let hsum: f64 = profile.hourly.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let wmean: f64 = profile.weekly.iter().sum::<f64>() / 7.0;
    let mut out = Vec::new();
    for d in 0..days {
        let wd = profile.weekly[(d % 7) as usize] / wmean.max(f64::MIN_POSITIVE);
        for h in 0..24 {
            let mean = profile.visits_per_day * wd * profile.hourly[h] / hsum;
            for _ in 0..rng.poisson(mean) {
                let start_ms =
                    (i64::from(d) * 24 + h as i64) * 3_600_000 + rng.below(3_600_000) as i64;
                let start = Instant::from_millis(start_ms);
                let len = rng
                    .lognormal(profile.visit_median.millis() as f64, profile.visit_sigma)
                    .clamp(5_000.0, 4.0 * 3_600_000.0);
                let end = start + Duration::from_millis(len as u64);
                let call = (rng.unit() < profile.call_share).then(|| {
                    let after = match &profile.delay {
                        CallDelay::Mixture {
                            during,
                            soon_mean,
                            later_share,
                            later_mean,
                        } => {
                            let r = rng.unit();
                            if r < *during {
                                return start + Duration::from_millis((len * rng.unit()) as u64);
                            } else if r < during + later_share {
                                rng.exponential(later_mean.millis() as f64)
                            } else {
                                rng.exponential(soon_mean.millis() as f64)
                            }
                        }
                        CallDelay::Measured(ds) if !ds.is_empty() => {
                            // Measured from the number shown: from the start.
                            let d = ds[rng.below(ds.len() as u64) as usize];
                            return start + d;
                        }
                        CallDelay::Measured(_) => 0.0,
                    };
                    end + Duration::from_millis(after as u64)
                });
                let released = rng.unit() < profile.release_share;
                out.push(Visit {
                    start,
                    end,
                    call,
                    released,
                });
            }
        }
    }
    out.sort_by_key(|v| v.start);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    // At equal times: ends before starts, calls last.
    End,
    Start,
    Beat,
    Call,
}

/// The pool under test.
trait Allocator {
    /// Leases or renews; `None` is the fallback.
    fn lease(&mut self, s: SessionId, t: Instant) -> Option<PhoneNumber>;
    fn release(&mut self, s: SessionId, t: Instant);
    /// Who held which number when.
    fn journal(&self) -> &Journal;
    fn leased(&self) -> u64;
}

impl Allocator for Pool {
    fn lease(&mut self, s: SessionId, t: Instant) -> Option<PhoneNumber> {
        match Pool::lease(self, s, t) {
            Assignment::Leased { lease, .. } => Some(lease.number),
            Assignment::Fallback(_) => None,
        }
    }
    fn release(&mut self, s: SessionId, t: Instant) {
        let _ = Pool::release(self, s, t);
    }
    fn journal(&self) -> &Journal {
        Pool::journal(self)
    }
    fn leased(&self) -> u64 {
        u64::from(self.metrics().leased)
    }
}

/// What simple implementations do: a free list, no cooldown.
struct Simple {
    numbers: Vec<PhoneNumber>,
    free: BTreeSet<usize>,
    /// session -> (number index, expires)
    leases: BTreeMap<SessionId, (usize, Instant)>,
    random: bool,
    rng: Rng,
    fixation: Duration,
    journal: Journal,
}

impl Simple {
    fn expire(&mut self, t: Instant) {
        let over: Vec<SessionId> = self
            .leases
            .iter()
            .filter(|(_, (_, e))| *e <= t)
            .map(|(s, _)| *s)
            .collect();
        for s in over {
            if let Some((i, e)) = self.leases.remove(&s) {
                self.free.insert(i);
                self.journal.close(self.numbers[i], e);
            }
        }
    }
}

impl Allocator for Simple {
    fn lease(&mut self, s: SessionId, t: Instant) -> Option<PhoneNumber> {
        self.expire(t);
        if let Some((i, e)) = self.leases.get_mut(&s) {
            *e = t + self.fixation;
            return Some(self.numbers[*i]);
        }
        let i = if self.random {
            let k = self.rng.below(self.free.len() as u64) as usize;
            *self.free.iter().nth(k)?
        } else {
            *self.free.iter().next()?
        };
        self.free.remove(&i);
        self.leases.insert(s, (i, t + self.fixation));
        self.journal.open(self.numbers[i], s, t);
        Some(self.numbers[i])
    }
    fn release(&mut self, s: SessionId, t: Instant) {
        self.expire(t);
        if let Some((i, _)) = self.leases.remove(&s) {
            self.free.insert(i);
            self.journal.close(self.numbers[i], t);
        }
    }
    fn journal(&self) -> &Journal {
        &self.journal
    }
    fn leased(&self) -> u64 {
        self.leases.len() as u64
    }
}

/// `n` distinct tracking numbers.
fn numbers(n: usize) -> Vec<PhoneNumber> {
    (0..n)
        .filter_map(|i| PhoneNumber::from_digits(&digits(74_990_000_000 + i as u64), 1).ok())
        .collect()
}

fn digits(mut v: u64) -> Vec<u8> {
    let mut d = Vec::new();
    while v > 0 {
        d.push((v % 10) as u8);
        v /= 10;
    }
    d.reverse();
    d
}

/// Runs one simulation.
pub fn simulate(profile: &Profile, setup: &Setup) -> Outcome {
    let mut rng = Rng::new(setup.seed);
    let visits = visits(profile, setup.days, &mut rng);
    let nums = numbers(setup.pool_size);
    let mut alloc: alloc::boxed::Box<dyn Allocator> = match setup.policy {
        Policy::Engine => {
            let config = pool::Config {
                fixation: setup.fixation,
                cooldown: setup.cooldown,
                grace: setup.grace,
                exhaustion: pool::Exhaustion::Fallback,
                fallback: None,
            };
            let pool = Pool::with_numbers(config, setup.seed, nums.iter().copied())
                .unwrap_or_else(|_| Pool::new(config, setup.seed));
            alloc::boxed::Box::new(pool)
        }
        p => alloc::boxed::Box::new(Simple {
            free: (0..nums.len()).collect(),
            numbers: nums,
            leases: BTreeMap::new(),
            random: p == Policy::RandomFree,
            rng: Rng::new(setup.seed ^ 0x5eed),
            fixation: setup.fixation,
            journal: Journal::new(setup.grace),
        }),
    };
    // Every event, in time order.
    let mut events: Vec<(Instant, Kind, u32)> = Vec::new();
    let beat = profile.heartbeat.max(Duration::from_secs(5));
    for (i, v) in visits.iter().enumerate() {
        let i = i as u32;
        events.push((v.start, Kind::Start, i));
        let mut t = v.start + beat;
        while t < v.end {
            events.push((t, Kind::Beat, i));
            t += beat;
        }
        events.push((v.end, Kind::End, i));
        if let Some(c) = v.call {
            events.push((c, Kind::Call, i));
        }
    }
    events.sort_unstable();
    let mut shown: Vec<Option<PhoneNumber>> = alloc::vec![None; visits.len()];
    let mut fell_back: Vec<bool> = alloc::vec![false; visits.len()];
    let mut out = Outcome {
        visits: visits.len() as u64,
        ..Outcome::default()
    };
    let mut open = 0u64;
    for (t, kind, i) in events {
        let k = i as usize;
        let s = SessionId::from_u128(u128::from(i) + 1);
        match kind {
            Kind::Start | Kind::Beat => {
                if kind == Kind::Start {
                    open += 1;
                    out.peak_concurrent = out.peak_concurrent.max(open);
                }
                match alloc.lease(s, t) {
                    Some(n) => shown[k] = Some(n),
                    None => {
                        // The page keeps a number it already shows; a new one shows the fallback.
                        if shown[k].is_none() {
                            fell_back[k] = true;
                        }
                    }
                }
                out.peak_leased = out.peak_leased.max(alloc.leased());
            }
            Kind::End => {
                open = open.saturating_sub(1);
                if visits[k].released {
                    alloc.release(s, t);
                }
            }
            Kind::Call => {
                out.calls += 1;
                match shown[k] {
                    None => out.unattributed_fallback += 1,
                    // Our engine: the edge's own attribution of a pool number,
                    // scores and confidence included. The baselines: what simple
                    // implementations do, the holder at the call (or within grace).
                    Some(n) => {
                        let (top, low) = if setup.policy == Policy::Engine {
                            let (candidates, confidence) =
                                attribution::scored(alloc.journal(), n, t, setup.grace);
                            // The holder's last sign of life, as the edge reads
                            // it: the call itself while its page is open, the
                            // page's end once it was left.
                            let confidence = match candidates.first() {
                                Some(top) => {
                                    let k = (top.session.as_u128() - 1) as usize;
                                    let seen = visits.get(k).map_or(t, |v| v.end.min(t));
                                    crate::call::with_last_seen(confidence, Some(top), seen, t)
                                }
                                None => confidence,
                            };
                            (
                                candidates.first().map(|c| c.session),
                                confidence == Confidence::Low,
                            )
                        } else {
                            (alloc.journal().attribute(n, t), false)
                        };
                        match top {
                            Some(top) if top == s => {
                                out.correct += 1;
                                out.correct_low += u64::from(low);
                            }
                            Some(_) => {
                                out.misattributed += 1;
                                out.misattributed_low += u64::from(low);
                            }
                            None => out.unattributed_expired += 1,
                        }
                    }
                }
            }
        }
    }
    out.saw_fallback = fell_back.iter().filter(|&&f| f).count() as u64;
    out
}

/// The smallest pool (up to `max`) whose accuracy reaches `target`, with its
/// outcome; accuracy grows with the pool, so a binary search finds it.
pub fn smallest_pool(
    profile: &Profile,
    setup: &Setup,
    target: f64,
    max: usize,
) -> Option<(usize, Outcome)> {
    let run = |n: usize| {
        simulate(
            profile,
            &Setup {
                pool_size: n,
                ..setup.clone()
            },
        )
    };
    let top = run(max);
    if top.accuracy() < target {
        return None;
    }
    let (mut lo, mut hi, mut best) = (1usize, max, top);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let o = run(mid);
        if o.accuracy() >= target {
            hi = mid;
            best = o;
        } else {
            lo = mid + 1;
        }
    }
    if hi == max {
        best = run(max);
    }
    Some((hi, best))
}

/// The value at quantile `p` (0 to 1) of sorted values, by nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    // Round half up without `f64::round` (not in core).
    let i = ((sorted.len() - 1) as f64 * p + 0.5) as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// One visit a site saw: when the session started and its last sign of life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeenVisit {
    /// The session's first request.
    pub created: Instant,
    /// Its last heartbeat.
    pub last_seen: Instant,
}

/// What an observed profile is based on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Basis {
    /// The site's own traffic (enough sessions), or the reference profile.
    pub from_site: bool,
    /// Sessions read.
    pub sessions: usize,
    /// Days they cover (1 to the period read).
    pub days: f64,
    /// Calls with a measured delay.
    pub calls_measured: usize,
}

/// Fewer sessions than this: the reference profile, scaled to the visits seen.
pub const MIN_OBSERVED_SESSIONS: usize = 50;
/// Fewer measured calls than this: the reference delay mixture.
pub const MIN_MEASURED_DELAYS: usize = 10;

impl Profile {
    /// The traffic profile a site's own recent sessions and calls show:
    /// arrivals by hour and weekday (in site time: `offset_ms` is its UTC
    /// offset), visits a day, the median visit, the share that calls and
    /// the measured delays from the number shown to the call. With fewer
    /// than [`MIN_OBSERVED_SESSIONS`] sessions, the reference profile
    /// scaled to the visits seen. `base` gives the rest (heartbeat, release
    /// share); `period_days` is how far back `visits` reach at most.
    pub fn observed(
        base: Profile,
        visits: &[SeenVisit],
        delays: &[Duration],
        offset_ms: i64,
        now: Instant,
        period_days: f64,
    ) -> (Profile, Basis) {
        let mut profile = base;
        let from_site = visits.len() >= MIN_OBSERVED_SESSIONS;
        let days = match visits.iter().map(|v| v.created).min() {
            None => 1.0,
            Some(first) => {
                let d = (now - first).millis() as f64 / 86_400_000.0;
                d.clamp(1.0, period_days.max(1.0))
            }
        };
        if !visits.is_empty() {
            profile.visits_per_day = visits.len() as f64 / days;
        }
        if from_site {
            let mut hourly = [0.0f64; 24];
            let mut weekly = [0.0f64; 7];
            let mut lengths: Vec<f64> = Vec::with_capacity(visits.len());
            for v in visits {
                let (weekday, hour) = crate::calendar::weekday_hour(v.created.millis() + offset_ms);
                hourly[hour] += 1.0;
                weekly[weekday] += 1.0;
                lengths.push(((v.last_seen - v.created).millis() as f64).max(5_000.0));
            }
            // Days of the week not seen yet count as an average one.
            let seen = weekly.iter().filter(|w| **w > 0.0).count().max(1);
            let mean = weekly.iter().sum::<f64>() / seen as f64;
            for w in weekly.iter_mut().filter(|w| **w == 0.0) {
                *w = mean;
            }
            for h in hourly.iter_mut() {
                *h += 0.01; // no hour is impossible
            }
            lengths.sort_by(f64::total_cmp);
            profile.hourly = hourly;
            profile.weekly = weekly;
            profile.visit_median = Duration::from_millis(percentile(&lengths, 0.5) as u64);
            profile.call_share = (delays.len() as f64 / visits.len() as f64).clamp(0.0, 1.0);
            if delays.len() >= MIN_MEASURED_DELAYS {
                profile.delay = CallDelay::Measured(delays.to_vec());
            }
        }
        if profile.call_share == 0.0 {
            // No calls measured yet: the reference share, so the sizing still says something.
            profile.call_share = Profile::default().call_share;
        }
        let basis = Basis {
            from_site,
            sessions: visits.len(),
            days,
            calls_measured: delays.len(),
        };
        (profile, basis)
    }
}

/// One fixation tried by [`by_fixation`].
#[derive(Debug, Clone, PartialEq)]
pub struct FixationOption {
    /// The fixation.
    pub fixation: Duration,
    /// The smallest pool that reaches the target, if one up to the maximum does.
    pub pool_size: Option<usize>,
    /// The run at that size (or at the maximum, when none reaches the target).
    pub outcome: Outcome,
}

/// For each fixation, the smallest pool (up to `max`) that reaches `target`
/// accuracy: the search the sizing example and the edge's `/sizing` share.
pub fn by_fixation(
    profile: &Profile,
    setup: &Setup,
    target: f64,
    fixations: &[Duration],
    max: usize,
) -> Vec<FixationOption> {
    fixations
        .iter()
        .map(|&fixation| {
            let s = Setup {
                fixation,
                ..setup.clone()
            };
            match smallest_pool(profile, &s, target, max) {
                Some((n, outcome)) => FixationOption {
                    fixation,
                    pool_size: Some(n),
                    outcome,
                },
                None => FixationOption {
                    fixation,
                    pool_size: None,
                    outcome: simulate(
                        profile,
                        &Setup {
                            pool_size: max,
                            ..s
                        },
                    ),
                },
            }
        })
        .collect()
}

/// The option that reaches the target with the fewest numbers (the first such).
pub fn recommended(options: &[FixationOption]) -> Option<&FixationOption> {
    options
        .iter()
        .filter(|o| o.pool_size.is_some())
        .min_by_key(|o| o.pool_size)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_simulator_counts_what_the_confidence_flags() {
        // A short fixation and no cooldown: numbers pass on while callers call back.
        let profile = Profile {
            visits_per_day: 1500.0,
            ..Profile::default()
        };
        let setup = Setup {
            pool_size: 60,
            days: 3,
            fixation: Duration::from_mins(5),
            cooldown: Duration::ZERO,
            ..Setup::default()
        };
        let o = simulate(&profile, &setup);
        assert!(o.misattributed > 0, "{o:?}");
        assert!(o.misattributed_low <= o.misattributed && o.correct_low <= o.correct);
        assert!(
            o.correct_low > 0,
            "the edge's scoring runs on every call: {o:?}"
        );
        assert_eq!(o, simulate(&profile, &setup), "deterministic");
    }

    #[test]
    fn an_observed_profile_follows_the_sites_traffic() {
        // 50 visits on a Tuesday and 20 on the Wednesday, at 10:00 site time
        // (UTC+3), 2 minutes each; 14 calls.
        let tuesday_7utc = Instant::from_secs(1_764_054_000); // 2025-11-25 07:00 UTC, a Tuesday
        let visits: Vec<SeenVisit> = (0..70)
            .map(|i| {
                let day = if i < 50 { 0 } else { 1 };
                let created = tuesday_7utc + Duration::from_days(day) + Duration::from_secs(i);
                SeenVisit {
                    created,
                    last_seen: created + Duration::from_mins(2),
                }
            })
            .collect();
        let delays: Vec<Duration> = (0..14).map(|i| Duration::from_mins(i + 1)).collect();
        let now = tuesday_7utc + Duration::from_days(8);
        let (p, basis) = Profile::observed(
            Profile::default(),
            &visits,
            &delays,
            3 * 3_600_000,
            now,
            7.0,
        );
        assert!(basis.from_site);
        assert_eq!((basis.sessions, basis.calls_measured), (70, 14));
        assert_eq!(basis.days, 7.0, "clamped to the period read");
        assert_eq!(p.visits_per_day, 10.0);
        assert_eq!(p.visit_median, Duration::from_mins(2));
        assert!((p.call_share - 0.2).abs() < 1e-9);
        let top_hour = (0..24)
            .max_by(|a, b| p.hourly[*a].total_cmp(&p.hourly[*b]))
            .unwrap();
        assert_eq!(top_hour, 10);
        assert_eq!((p.weekly[1], p.weekly[2]), (50.0, 20.0));
        assert_eq!(p.weekly[0], 35.0, "a day not seen counts as an average one");
        assert!(matches!(p.delay, CallDelay::Measured(ref d) if d.len() == 14));
        // Few sessions: the reference shape, scaled.
        let (q, b) = Profile::observed(Profile::default(), &visits[..5], &[], 0, now, 7.0);
        assert!(!b.from_site);
        assert_eq!(q.hourly, Profile::default().hourly);
        assert_eq!(q.call_share, Profile::default().call_share);
    }

    #[test]
    fn the_search_by_fixation_recommends_the_fewest_numbers() {
        let profile = Profile {
            visits_per_day: 300.0,
            ..Profile::default()
        };
        let setup = Setup {
            days: 2,
            ..Setup::default()
        };
        let fix = [
            Duration::from_mins(15),
            Duration::from_mins(30),
            Duration::from_mins(60),
        ];
        let options = by_fixation(&profile, &setup, 0.9, &fix, 200);
        assert_eq!(options.len(), 3);
        let best = recommended(&options).expect("some fixation reaches 90%");
        for o in options.iter().filter(|o| o.pool_size.is_some()) {
            assert!(best.pool_size <= o.pool_size);
            assert!(o.outcome.accuracy() >= 0.9);
        }
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.5), 3.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    use super::*;

    #[test]
    fn the_generator_is_seeded_and_sane() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let mut r = Rng::new(1);
        let n = 20_000;
        let mean_exp = (0..n).map(|_| r.exponential(10.0)).sum::<f64>() / n as f64;
        assert!((mean_exp - 10.0).abs() < 0.5, "{mean_exp}");
        let mean_p = (0..n).map(|_| r.poisson(4.0) as f64).sum::<f64>() / n as f64;
        assert!((mean_p - 4.0).abs() < 0.1, "{mean_p}");
        let mean_big = (0..n).map(|_| r.poisson(200.0) as f64).sum::<f64>() / n as f64;
        assert!((mean_big - 200.0).abs() < 1.0, "{mean_big}");
        let mut logs: Vec<f64> = (0..n).map(|_| r.lognormal(150.0, 1.0)).collect();
        logs.sort_by(f64::total_cmp);
        let median = logs[n / 2];
        assert!((median - 150.0).abs() < 10.0, "{median}");
        assert!((0..1000).all(|_| r.unit() < 1.0));
    }

    #[test]
    fn traffic_follows_the_profile() {
        let p = Profile {
            visits_per_day: 1000.0,
            ..Profile::default()
        };
        let v = visits(&p, 7, &mut Rng::new(3));
        // About 7,000 visits, fewer on the weekend, few at night.
        let n = v.len() as f64;
        assert!((n - 7000.0).abs() < 300.0, "{n}");
        let day = |d: i64| {
            v.iter()
                .filter(|x| x.start.millis() / 86_400_000 == d)
                .count()
        };
        assert!(day(5) < day(0) && day(6) < day(1));
        let at = |h: i64| {
            v.iter()
                .filter(|x| x.start.millis() / 3_600_000 % 24 == h)
                .count()
        };
        assert!(at(3) * 10 < at(11));
        let calls = v.iter().filter(|x| x.call.is_some()).count() as f64;
        assert!((calls / n - 0.03).abs() < 0.006, "{}", calls / n);
        assert!(v
            .iter()
            .all(|x| x.end > x.start && x.call.is_none_or(|c| c >= x.start)));
    }

    /// A tiny case worked by hand: two visitors, one number, fixed times.
    #[test]
    fn a_hand_computed_case() {
        let p = Profile::default();
        let h = |m: u64| Instant::from_millis(0) + Duration::from_mins(m);
        let setup = Setup {
            pool_size: 1,
            fixation: Duration::from_mins(30),
            cooldown: Duration::from_mins(10),
            grace: Duration::from_mins(15),
            ..Setup::default()
        };
        let mut pool = Pool::with_numbers(
            pool::Config {
                fixation: setup.fixation,
                cooldown: setup.cooldown,
                grace: setup.grace,
                exhaustion: pool::Exhaustion::Fallback,
                fallback: None,
            },
            1,
            numbers(1),
        )
        .unwrap();
        let (a, b) = (SessionId::from_u128(1), SessionId::from_u128(2));
        // A visits 0-5 min and releases; B arrives at 8 (the number cools until 15): fallback.
        let n = Allocator::lease(&mut pool, a, h(0)).unwrap();
        Allocator::release(&mut pool, a, h(5));
        assert_eq!(Allocator::lease(&mut pool, b, h(8)), None);
        // A calls at 12: within grace, right.
        assert_eq!(Allocator::journal(&pool).attribute(n, h(12)), Some(a));
        // B comes back at 16 and gets the number; A calls back at 18: wrong (B holds it).
        assert_eq!(Allocator::lease(&mut pool, b, h(16)), Some(n));
        assert_eq!(Allocator::journal(&pool).attribute(n, h(18)), Some(b));
        // First-free without cooldown gives B the number at 8: A's call at 12 goes to B.
        let mut simple = Simple {
            numbers: numbers(1),
            free: [0].into_iter().collect(),
            leases: BTreeMap::new(),
            random: false,
            rng: Rng::new(1),
            fixation: setup.fixation,
            journal: Journal::new(setup.grace),
        };
        assert_eq!(simple.lease(a, h(0)), Some(n));
        simple.release(a, h(5));
        assert_eq!(simple.lease(b, h(8)), Some(n));
        assert_eq!(simple.journal().attribute(n, h(12)), Some(b));
        let _ = p;
    }

    #[test]
    fn runs_are_deterministic_and_bigger_pools_are_more_accurate() {
        let p = Profile {
            visits_per_day: 800.0,
            ..Profile::default()
        };
        let s = Setup {
            days: 3,
            ..Setup::default()
        };
        let small = simulate(
            &p,
            &Setup {
                pool_size: 3,
                ..s.clone()
            },
        );
        let big = simulate(
            &p,
            &Setup {
                pool_size: 40,
                ..s.clone()
            },
        );
        assert_eq!(
            small,
            simulate(
                &p,
                &Setup {
                    pool_size: 3,
                    ..s.clone()
                }
            )
        );
        assert_eq!(small.calls, big.calls, "the same traffic");
        assert!(big.accuracy() > small.accuracy());
        assert!(small.saw_fallback > big.saw_fallback);
        assert!(big.peak_leased <= 40 && small.peak_leased <= 3);
        assert_eq!(
            big.correct + big.misattributed + big.unattributed_fallback + big.unattributed_expired,
            big.calls
        );
        let other_seed = simulate(
            &p,
            &Setup {
                seed: 2,
                pool_size: 3,
                ..s.clone()
            },
        );
        assert_ne!(small, other_seed);
        // The smallest pool for 90% reaches it, and one less does not.
        let (n, o) = smallest_pool(&p, &s, 0.9, 200).unwrap();
        assert!(o.accuracy() >= 0.9);
        assert!(
            simulate(
                &p,
                &Setup {
                    pool_size: n - 1,
                    ..s.clone()
                }
            )
            .accuracy()
                < 0.9
        );
        // Simple policies on the same traffic.
        for policy in [Policy::FirstFree, Policy::RandomFree] {
            let o = simulate(
                &p,
                &Setup {
                    policy,
                    pool_size: n,
                    ..s.clone()
                },
            );
            assert_eq!(o.calls, big.calls);
        }
    }
}
