//! How many numbers a site needs, from its own recent traffic: the rules of
//! the edge's `GET /sizing`, on top of the simulator ([`crate::sim`]).
//!
//! The traffic read ([`Traffic`]: visits' spans and the delays from the
//! number shown to the call) becomes a [`Profile`] (the site's own when it
//! has enough visits, the reference otherwise); the site's current pool is
//! simulated; then, for the current fixation, half of it and twice it, the
//! smallest pool that reaches the target accuracy is searched for, up to
//! twelve times the peak of pages open at once (plus 50, at most 2,000).
//! The recommendation is the smallest of those pools.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::sim::{
    by_fixation, percentile, recommended, simulate, Basis, FixationOption, Outcome, Profile,
    SeenVisit, Setup,
};
use crate::time::{Duration, Instant};

/// The period of traffic read, in days.
pub const DAYS: i64 = 7;
/// At most this many simulated visits per run (the CPU time of one request).
pub const MAX_SIM_VISITS: f64 = 20_000.0;
/// The largest pool the search tries.
pub const MAX_POOL: usize = 2_000;
/// The share of release beacons that arrive when pages are left (a site
/// with `release_on_leave`), when not given.
pub const RELEASE_SHARE: f64 = 0.7;

/// The share of visits whose number is released as the page is left.
pub fn release_share(release_on_leave: bool) -> f64 {
    if release_on_leave {
        RELEASE_SHARE
    } else {
        0.0
    }
}

/// What the sizing reads of the site.
#[derive(Debug, Clone, Copy)]
pub struct Traffic<'a> {
    /// Visits of the period.
    pub visits: &'a [SeenVisit],
    /// Delays from the number shown to the call.
    pub delays: &'a [Duration],
    /// The site's offset from UTC now, for its hours.
    pub offset_ms: i64,
    /// Now.
    pub now: Instant,
}

/// The site's settings as the sizing weighs them.
#[derive(Debug, Clone, Copy)]
pub struct Current {
    /// How long a number is kept after the page's last heartbeat.
    pub fixation: Duration,
    /// How long a released number rests.
    pub cooldown: Duration,
    /// How long after a lease a call is still attributed to it.
    pub grace: Duration,
    /// How often a page sends a heartbeat.
    pub heartbeat: Duration,
    /// The largest pool the site has now.
    pub pool_size: usize,
    /// The share of release beacons ([`release_share`]).
    pub release_share: f64,
}

/// The recommendation.
#[derive(Debug, Clone)]
pub struct Advice {
    /// The profile simulated.
    pub profile: Profile,
    /// What it was read from.
    pub basis: Basis,
    /// Days simulated per run.
    pub days: u32,
    /// The site's current pool, simulated.
    pub current: Outcome,
    /// The most pages open at once, simulated.
    pub peak: usize,
    /// For each fixation tried, the smallest pool that reaches the target.
    pub options: Vec<FixationOption>,
    /// The smallest of them: fixation (minutes) and pool size.
    pub recommended: Option<(u64, usize)>,
}

/// Sizes the pool for `target` accuracy (0.5 to 0.999).
pub fn advise(traffic: &Traffic<'_>, current: &Current, target: f64) -> Advice {
    let base = Profile {
        heartbeat: current.heartbeat,
        release_share: current.release_share,
        ..Profile::default()
    };
    let (profile, basis) = Profile::observed(
        base,
        traffic.visits,
        traffic.delays,
        traffic.offset_ms,
        traffic.now,
        DAYS as f64,
    );
    let days = (MAX_SIM_VISITS / profile.visits_per_day.max(1.0)).clamp(1.0, 7.0) as u32;
    let setup = Setup {
        fixation: current.fixation,
        cooldown: current.cooldown,
        grace: current.grace,
        days,
        pool_size: current.pool_size.max(1),
        ..Setup::default()
    };
    let now = simulate(&profile, &setup);
    let peak = now.peak_concurrent.max(1) as usize;
    let max = (peak * 12 + 50).min(MAX_POOL);
    let f = current.fixation.secs();
    let mut fixations = vec![f / 60, (f / 120).max(5), f / 30];
    fixations.sort_unstable();
    fixations.dedup();
    let fixations: Vec<Duration> = fixations.into_iter().map(Duration::from_mins).collect();
    let options = by_fixation(&profile, &setup, target, &fixations, max);
    let best = recommended(&options).and_then(|o| Some((o.fixation.secs() / 60, o.pool_size?)));
    Advice {
        profile,
        basis,
        days,
        current: now,
        peak,
        options,
        recommended: best,
    }
}

/// The delay from the number shown to the call, for one channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delays {
    /// Calls measured.
    pub calls: usize,
    /// The median, in seconds.
    pub median_secs: f64,
    /// The 90th percentile, in seconds.
    pub p90_secs: f64,
}

/// The measured delays (channel, milliseconds) summed up per channel.
pub fn delays_by_channel<'a>(
    delays: impl IntoIterator<Item = (&'a str, i64)>,
) -> BTreeMap<String, Delays> {
    let mut by: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (channel, ms) in delays {
        by.entry(String::from(channel))
            .or_default()
            .push(ms.max(0) as f64 / 1000.0);
    }
    by.into_iter()
        .map(|(ch, mut v)| {
            v.sort_by(f64::total_cmp);
            let round = |x: f64| (x + 0.5) as u64 as f64;
            (
                ch,
                Delays {
                    calls: v.len(),
                    median_secs: round(percentile(&v, 0.5)),
                    p90_secs: round(percentile(&v, 0.9)),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_beacons_count_only_where_numbers_are_released() {
        assert_eq!(release_share(false), 0.0);
        assert_eq!(release_share(true), RELEASE_SHARE);
    }

    #[test]
    fn delays_are_summed_up_per_channel_in_seconds() {
        let d = delays_by_channel([
            ("paid_search", 10_000),
            ("paid_search", 30_000),
            ("paid_search", 20_000),
            ("direct", -5),
        ]);
        assert_eq!(
            d["paid_search"],
            Delays {
                calls: 3,
                median_secs: 20.0,
                p90_secs: 30.0
            }
        );
        assert_eq!(d["direct"].median_secs, 0.0);
    }

    #[test]
    fn a_site_without_traffic_is_sized_on_the_reference_profile() {
        let current = Current {
            fixation: Duration::from_mins(30),
            cooldown: Duration::from_mins(15),
            grace: Duration::from_mins(15),
            heartbeat: Duration::from_secs(60),
            pool_size: 10,
            release_share: 0.0,
        };
        let traffic = Traffic {
            visits: &[],
            delays: &[],
            offset_ms: 0,
            now: Instant::from_millis(0),
        };
        let a = advise(&traffic, &current, 0.9);
        assert!(!a.basis.from_site);
        // The current fixation, half of it and twice it.
        let tried: Vec<u64> = a.options.iter().map(|o| o.fixation.secs() / 60).collect();
        assert_eq!(tried, [15, 30, 60]);
        let (_, n) = a.recommended.expect("the reference profile can be sized");
        assert!(n > a.peak, "more numbers than pages open at once");
        assert!(n <= (a.peak * 12 + 50).min(MAX_POOL));
    }
}
