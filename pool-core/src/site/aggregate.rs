//! The site aggregate: a validated [`Config`] and one [`Pool`] per target
//! (each with its holder journal), with the operations a shell calls.
//!
//! The shell reads the clock, storage and the request; the aggregate
//! decides what each visitor is shown and why ([`Shown`], [`Why`]), and
//! records what changed in its pools (the shell writes those rows and sets
//! its alarm from [`Site::next_deadline`]).
//!
//! The rules:
//! * A new visit, or one that comes back, is leased a number for each target
//!   whose channel is dynamic ([`Site::visit`]); a static number wins over a
//!   dynamic one, and an untracked channel sees the original.
//! * A heartbeat renews ([`Site::beat`] with [`Beat::Visible`]). A page whose
//!   lease lapsed gets a number again in the reply it shows (its own while
//!   it cools, else a free one): the journal starts that holding now.
//! * The leave beacon ([`Beat::Leaving`]) renews a live lease and never takes
//!   a number: the visitor is going and would never see it.
//! * One client (an address, an IPv6 /64: [`crate::client`]) holds at most
//!   [`Config::live_cap`] numbers of a pool at once over all its sessions;
//!   a session of its that would take one more, new, resumed or leased
//!   again, sees the fallback (or the original). Its live lease it keeps.
//!
//! ```
//! use pool_core::channel::Channel;
//! use pool_core::session::SessionId;
//! use pool_core::site::{Beat, Site, Spec, TargetSpec, Why};
//! use pool_core::time::{Duration, Instant};
//!
//! let mut spec = Spec::default();
//! spec.targets.push(TargetSpec {
//!     number: "+74951234567".into(),
//!     pool: vec!["+74990000001".into()],
//!     ..TargetSpec::default()
//! });
//! let mut site = Site::new(spec.validate().unwrap(), 7);
//! let (a, t0) = (SessionId::from_u128(1), Instant::from_secs(1_700_000_000));
//! let shown = site.visit(a, Channel::PaidSearch, t0);
//! assert!(matches!(shown[0].why, Why::Leased { .. }));
//! // The next visitor finds the pool exhausted and sees the original.
//! let b = site.visit(SessionId::from_u128(2), Channel::PaidSearch, t0);
//! assert_eq!(b[0].number, b[0].target);
//! // A heartbeat renews the first visitor's lease.
//! let later = t0 + Duration::from_mins(5);
//! let beat = site.beat(a, Channel::PaidSearch, Beat::Visible, later);
//! assert_eq!(beat[0].number, shown[0].number);
//! ```

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::{Audience, Config, Display, Target};
use crate::channel::Channel;
use crate::client::Client;
use crate::number::PhoneNumber;
use crate::pool::{Assignment, Origin, Pool, RestoreError, Snapshot};
use crate::session::SessionId;
use crate::time::{Duration, Instant};

/// What a visitor is shown in place of one target number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    /// The number printed on the site.
    pub target: PhoneNumber,
    /// The number shown in its place (the target itself when nothing is swapped).
    pub number: PhoneNumber,
    /// Why this number.
    pub why: Why,
}

/// Why a number is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// A tracking number of the pool, the session's until `expires_at`.
    Leased {
        /// When the lease ends unless renewed.
        expires_at: Instant,
        /// New, renewed, taken back while cooling, or recycled.
        origin: Origin,
    },
    /// The static number of the visit's channel.
    Static(Channel),
    /// The pool is exhausted: the fallback number (counted, not attributed).
    Fallback,
    /// The site's own number.
    Original(Plain),
}

/// Why the site's own number is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plain {
    /// The channel is neither dynamic nor given a static number.
    Untracked,
    /// The pool is exhausted and the target has no fallback number.
    Exhausted,
    /// A bot: it is never leased a number.
    Bot,
    /// The session's lease had lapsed when the page was left.
    Lapsed,
    /// The visitor's client holds its share of the pool already, and the
    /// target has no fallback number.
    Capped,
}

impl Why {
    /// The name the API uses: `dynamic`, `static`, `fallback`, `original`.
    pub fn kind(&self) -> &'static str {
        match self {
            Why::Leased { .. } => "dynamic",
            Why::Static(_) => "static",
            Why::Fallback => "fallback",
            Why::Original(_) => "original",
        }
    }

    /// When the number stops being the visitor's (leased numbers only).
    pub fn expires_at(&self) -> Option<Instant> {
        match self {
            Why::Leased { expires_at, .. } => Some(*expires_at),
            _ => None,
        }
    }
}

impl Plain {
    /// `untracked`, `exhausted`, `bot`, `lapsed`, `capped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Plain::Untracked => "untracked",
            Plain::Exhausted => "exhausted",
            Plain::Bot => "bot",
            Plain::Lapsed => "lapsed",
            Plain::Capped => "capped",
        }
    }
}

/// What kind of sign of life a page sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beat {
    /// The page is open: renew, or lease again if the lease lapsed.
    Visible,
    /// The page is being left (the last beacon): renew a live lease, take nothing.
    Leaving,
}

/// A site: its config and one pool per target, in the order of `config.targets`.
///
/// Invariant: `pools.len() == config.targets.len()`, and pool `i` holds
/// exactly the numbers of `config.targets[i].pool` (plus numbers draining out).
#[derive(Debug, Clone)]
pub struct Site {
    config: Config,
    pools: Vec<Pool>,
    /// The sessions of each client that took a number, less those that
    /// hold none any more: what [`Config::live_cap`] counts.
    clients: BTreeMap<Client, Vec<SessionId>>,
}

/// Journal intervals older than this past the grace window are dropped from
/// memory (storage keeps them for the retention period).
const JOURNAL_SLACK: Duration = Duration::from_mins(1);

impl Site {
    /// A new site with empty leases. `seed` seeds the pools' hashers.
    pub fn new(config: Config, seed: u64) -> Site {
        let pools = (0..config.targets.len())
            .map(|i| fresh_pool(&config, i, seed))
            .collect();
        Site {
            config,
            pools,
            clients: BTreeMap::new(),
        }
    }

    /// A site from stored state: one snapshot per target, in order. A
    /// target without a snapshot (none, normally) starts empty.
    pub fn restore(
        config: Config,
        snapshots: Vec<Snapshot>,
        seed: u64,
    ) -> Result<Site, RestoreError> {
        let mut snapshots = snapshots.into_iter();
        let mut pools = Vec::with_capacity(config.targets.len());
        for (i, t) in config.targets.iter().enumerate() {
            let mut pool = match snapshots.next() {
                Some(s) => Pool::restore(s, seed.wrapping_add(i as u64))?,
                None => Pool::new(config.pool_config(i), seed.wrapping_add(i as u64)),
            };
            pool.track_changes(true);
            // Numbers added to the config but never written (none, normally).
            pool.resize(&t.pool);
            pools.push(pool);
        }
        Ok(Site {
            config,
            pools,
            clients: BTreeMap::new(),
        })
    }

    /// Applies a new config. Pools of targets that stay keep their leases
    /// (numbers removed drain until their lease ends); new targets get new
    /// pools. Returns the target numbers that are gone.
    pub fn reconfigure(&mut self, config: Config, seed: u64) -> Vec<PhoneNumber> {
        let mut old: Vec<(PhoneNumber, Pool)> = self
            .config
            .targets
            .iter()
            .map(|t| t.number)
            .zip(core::mem::take(&mut self.pools))
            .collect();
        let mut pools = Vec::with_capacity(config.targets.len());
        for (i, t) in config.targets.iter().enumerate() {
            let mut pool = match old.iter().position(|(n, _)| *n == t.number) {
                Some(k) => {
                    let (_, mut p) = old.swap_remove(k);
                    p.set_config(config.pool_config(i));
                    p
                }
                None => fresh_pool(&config, i, seed),
            };
            pool.resize(&t.pool);
            pools.push(pool);
        }
        self.config = config;
        self.pools = pools;
        old.into_iter().map(|(n, _)| n).collect()
    }

    /// The config.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Each target with its pool.
    pub fn pools(&self) -> impl Iterator<Item = (&Target, &Pool)> {
        self.config.targets.iter().zip(&self.pools)
    }

    /// Each target number with its pool, to take the changes to persist
    /// ([`Pool::take_changes`]).
    pub fn pools_mut(&mut self) -> impl Iterator<Item = (PhoneNumber, &mut Pool)> {
        self.config
            .targets
            .iter()
            .map(|t| t.number)
            .zip(self.pools.iter_mut())
    }

    /// The pool of target `index`.
    pub fn pool(&self, index: usize) -> Option<&Pool> {
        self.pools.get(index)
    }

    /// A visit starts or comes back: leases a number for every target its
    /// channel is dynamic for (its own again while it lives or cools).
    /// `who` is the visit's channel, or its [`Audience`] (a source's rule
    /// may pick the visit).
    pub fn visit(
        &mut self,
        session: SessionId,
        who: impl Into<Audience>,
        now: Instant,
    ) -> Vec<Shown> {
        self.visit_from(session, who, None, now)
    }

    /// [`Site::visit`] from `client` (`None`: a trusted server, uncounted):
    /// a number it would take past the client's [`Config::live_cap`] is
    /// not taken.
    pub fn visit_from(
        &mut self,
        session: SessionId,
        who: impl Into<Audience>,
        client: Option<Client>,
        now: Instant,
    ) -> Vec<Shown> {
        let peers = self.peers(client, session, now);
        self.each(who.into(), |pool, target, cap| {
            lease(pool, session, now, target, &peers, cap)
        })
    }

    /// Counts `session` as one of `client`'s again (a site's state restored
    /// from storage: the sessions that hold numbers, with their clients).
    pub fn remember(&mut self, session: SessionId, client: Client) {
        let list = self.clients.entry(client).or_default();
        if !list.contains(&session) {
            list.push(session);
        }
    }

    /// The other sessions of `client` that hold a number, with `session`
    /// counted as one of its from now on.
    fn peers(
        &mut self,
        client: Option<Client>,
        session: SessionId,
        now: Instant,
    ) -> Vec<SessionId> {
        let Some(client) = client else {
            return Vec::new();
        };
        for p in &mut self.pools {
            p.expire(now);
        }
        let pools = &self.pools;
        let list = self.clients.entry(client).or_default();
        list.retain(|s| *s != session && pools.iter().any(|p| p.lease_of(*s).is_some()));
        let peers = list.clone();
        list.push(session);
        peers
    }

    /// A sign of life from an open page ([`Beat::Visible`]) or the page
    /// being left ([`Beat::Leaving`]). See the module's rules.
    pub fn beat(
        &mut self,
        session: SessionId,
        who: impl Into<Audience>,
        beat: Beat,
        now: Instant,
    ) -> Vec<Shown> {
        self.beat_from(session, who, None, beat, now)
    }

    /// [`Site::beat`] of a session of `client`: a lapsed page is leased
    /// again only within the client's [`Config::live_cap`].
    pub fn beat_from(
        &mut self,
        session: SessionId,
        who: impl Into<Audience>,
        client: Option<Client>,
        beat: Beat,
        now: Instant,
    ) -> Vec<Shown> {
        let peers = self.peers(client, session, now);
        self.each(who.into(), |pool, target, cap| {
            match pool.renew(session, now) {
                Ok(l) => (
                    l.number,
                    Why::Leased {
                        expires_at: l.expires_at,
                        origin: Origin::Resumed,
                    },
                ),
                Err(_) if beat == Beat::Leaving => (target, Why::Original(Plain::Lapsed)),
                Err(_) => lease(pool, session, now, target, &peers, cap),
            }
        })
    }

    /// Whether [`Site::visit`] would lease `session` a number for every
    /// target its channel is dynamic for: it holds or may reclaim one, or a
    /// number is free. A shard without room lets the session try another.
    pub fn has_room(&self, session: SessionId, who: impl Into<Audience>) -> bool {
        let who = who.into();
        (0..self.config.targets.len()).all(|i| {
            self.config.display(i, who) != Display::Dynamic
                || self.pools[i].claims(session)
                || self.pools[i].metrics().free > 0
        })
    }

    /// Whether a new visit of `who` must first prove it is a browser
    /// (`integrations.turnstile`): it would take a number from a pool of its
    /// channel's with less than the site's share of its numbers free.
    pub fn needs_proof(&self, session: SessionId, who: impl Into<Audience>) -> bool {
        let Some(t) = &self.config.integrations.turnstile else {
            return false;
        };
        let who = who.into();
        (0..self.config.targets.len()).any(|i| {
            let m = self.pools[i].metrics();
            self.config.display(i, who) == Display::Dynamic
                && !self.pools[i].claims(session)
                && m.total > 0
                && u64::from(m.free) * 100
                    < u64::from(t.when_free_below_percent) * u64::from(m.total)
        })
    }

    /// What a visitor of `channel` sees with no lease at all (a bot, or a
    /// page without consent): static numbers, else the originals.
    pub fn unleased(&self, who: impl Into<Audience>, plain: Plain) -> Vec<Shown> {
        let who = who.into();
        (0..self.config.targets.len())
            .map(|i| {
                let target = self.config.targets[i].number;
                match self.config.display(i, who) {
                    Display::Static(n) => Shown {
                        target,
                        number: n,
                        why: Why::Static(who.channel),
                    },
                    _ => Shown {
                        target,
                        number: target,
                        why: Why::Original(plain),
                    },
                }
            })
            .collect()
    }

    /// What `session` of `channel` sees now, changing nothing: its live
    /// leases, else its channel's static numbers, else the fallback where
    /// it would have been leased, else the originals.
    pub fn current(&self, session: SessionId, who: impl Into<Audience>) -> Vec<Shown> {
        let who = who.into();
        (0..self.config.targets.len())
            .map(|i| {
                let t = &self.config.targets[i];
                let (number, why) = match self.config.display(i, who) {
                    Display::Static(n) => (n, Why::Static(who.channel)),
                    Display::Original => (t.number, Why::Original(Plain::Untracked)),
                    Display::Dynamic => match self.pools[i].lease_of(session) {
                        Some(l) => (
                            l.number,
                            Why::Leased {
                                expires_at: l.expires_at,
                                origin: Origin::Resumed,
                            },
                        ),
                        None => match t.fallback {
                            Some(f) => (f, Why::Fallback),
                            None => (t.number, Why::Original(Plain::Exhausted)),
                        },
                    },
                };
                Shown {
                    target: t.number,
                    number,
                    why,
                }
            })
            .collect()
    }

    /// The visitor left (sites with `release_on_leave`, or consent
    /// withdrawn): every lease of the session ends now and its numbers cool
    /// down. Returns how many leases ended.
    pub fn release(&mut self, session: SessionId, now: Instant) -> usize {
        self.pools
            .iter_mut()
            .map(|p| p.release(session, now))
            .filter(Result::is_ok)
            .count()
    }

    /// Ends the leases due by `now`, frees cooled numbers and forgets
    /// journal intervals no call can be attributed to any more.
    pub fn expire(&mut self, now: Instant) {
        let horizon = now - self.config.grace - JOURNAL_SLACK;
        for p in &mut self.pools {
            p.expire(now);
            p.prune_journal(horizon);
        }
        let pools = &self.pools;
        self.clients.retain(|_, list| {
            list.retain(|s| pools.iter().any(|p| p.lease_of(*s).is_some()));
            !list.is_empty()
        });
    }

    /// When [`Site::expire`] is next needed.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.pools.iter().filter_map(Pool::next_deadline).min()
    }

    /// The oldest journal interval still needed in memory at `now`: what a
    /// shell loads on start.
    pub fn journal_horizon(config: &Config, now: Instant) -> Instant {
        now - config.grace - JOURNAL_SLACK
    }

    /// What each target shows `who`: `dynamic(pool, target, cap)` decides
    /// for the targets its channel is dynamic for (`cap`: [`Config::live_cap`]).
    fn each(
        &mut self,
        who: Audience,
        mut dynamic: impl FnMut(&mut Pool, PhoneNumber, usize) -> (PhoneNumber, Why),
    ) -> Vec<Shown> {
        let mut out = Vec::with_capacity(self.pools.len());
        for (i, pool) in self.pools.iter_mut().enumerate() {
            let target = self.config.targets[i].number;
            let (number, why) = match self.config.display(i, who) {
                Display::Static(n) => (n, Why::Static(who.channel)),
                Display::Original => (target, Why::Original(Plain::Untracked)),
                Display::Dynamic => dynamic(pool, target, self.config.live_cap(i)),
            };
            out.push(Shown {
                target,
                number,
                why,
            });
        }
        out
    }
}

fn fresh_pool(config: &Config, index: usize, seed: u64) -> Pool {
    let mut p = Pool::new(config.pool_config(index), seed.wrapping_add(index as u64));
    p.track_changes(true);
    p.resize(&config.targets[index].pool);
    p
}

/// Leases from `pool`, the exhaustion policy deciding when none is free;
/// not a number past `cap` held by `peers` (the client's other sessions).
fn lease(
    pool: &mut Pool,
    session: SessionId,
    now: Instant,
    target: PhoneNumber,
    peers: &[SessionId],
    cap: usize,
) -> (PhoneNumber, Why) {
    let held = || {
        peers
            .iter()
            .filter(|s| pool.lease_of(**s).is_some())
            .count()
    };
    if pool.lease_of(session).is_none() && !peers.is_empty() && held() >= cap {
        return match pool.config().fallback {
            Some(f) => (f, Why::Fallback),
            None => (target, Why::Original(Plain::Capped)),
        };
    }
    match pool.lease(session, now) {
        Assignment::Leased { lease, origin } => (
            lease.number,
            Why::Leased {
                expires_at: lease.expires_at,
                origin,
            },
        ),
        Assignment::Fallback(Some(f)) => (f, Why::Fallback),
        Assignment::Fallback(None) => (target, Why::Original(Plain::Exhausted)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::{Spec, TargetSpec};
    use alloc::string::ToString;
    use alloc::vec;

    fn spec() -> Spec {
        let mut spec = Spec {
            fixation_secs: 600,
            cooldown_secs: 300,
            grace_secs: 900,
            dynamic_channels: vec!["paid_search".into(), "organic_search".into()],
            ..Spec::default()
        };
        spec.targets.push(TargetSpec {
            number: "+74951234567".into(),
            pool: vec!["+74990000001".into(), "+74990000002".into()],
            fallback: Some("+74990000099".into()),
            static_numbers: [("email".to_string(), "+74990000050".to_string())]
                .into_iter()
                .collect(),
            ..TargetSpec::default()
        });
        spec.targets.push(TargetSpec {
            number: "+74951110000".into(),
            pool: vec!["+74990000011".into()],
            ..TargetSpec::default()
        });
        spec
    }
    fn site() -> Site {
        Site::new(spec().validate().unwrap(), 9)
    }
    fn t(mins: i64) -> Instant {
        Instant::from_secs(1_700_000_000 + mins * 60)
    }
    fn s(n: u128) -> SessionId {
        SessionId::from_u128(n)
    }
    fn num(s: &str) -> PhoneNumber {
        s.parse().unwrap()
    }
    fn kinds(shown: &[Shown]) -> Vec<&'static str> {
        shown.iter().map(|x| x.why.kind()).collect()
    }

    #[test]
    fn a_visit_is_leased_per_target_and_static_channels_get_their_number() {
        let mut site = site();
        let paid = site.visit(s(1), Channel::PaidSearch, t(0));
        assert_eq!(kinds(&paid), ["dynamic", "dynamic"]);
        assert_eq!(paid[0].why.expires_at(), Some(t(10)));
        let mail = site.visit(s(2), Channel::Email, t(0));
        assert_eq!(mail[0].number, num("+74990000050"));
        assert_eq!(mail[0].why, Why::Static(Channel::Email));
        // No static number for the second target, and email is not dynamic.
        assert_eq!(mail[1].why, Why::Original(Plain::Untracked));
        assert_eq!(mail[1].number, mail[1].target);
        let direct = site.visit(s(3), Channel::Direct, t(0));
        assert_eq!(kinds(&direct), ["original", "original"]);
    }

    #[test]
    fn exhaustion_shows_the_fallback_or_the_original() {
        let mut site = site();
        site.visit(s(1), Channel::PaidSearch, t(0));
        site.visit(s(2), Channel::PaidSearch, t(0));
        let third = site.visit(s(3), Channel::PaidSearch, t(0));
        assert_eq!(third[0].why, Why::Fallback);
        assert_eq!(third[0].number, num("+74990000099"));
        assert_eq!(third[1].why, Why::Original(Plain::Exhausted));
    }

    #[test]
    fn a_heartbeat_renews_and_never_takes_another_number_while_the_lease_lives() {
        let mut site = site();
        let first = site.visit(s(1), Channel::PaidSearch, t(0));
        let beat = site.beat(s(1), Channel::PaidSearch, Beat::Visible, t(8));
        assert_eq!(beat[0].number, first[0].number);
        assert_eq!(
            beat[0].why,
            Why::Leased {
                expires_at: t(18),
                origin: Origin::Resumed
            }
        );
        let used = site.pool(0).unwrap().metrics().requests;
        assert_eq!(used, 1, "a renewal is no lease request");
    }

    #[test]
    fn a_lapsed_page_is_leased_again_in_the_reply_and_the_journal_starts_then() {
        let mut site = site();
        let first = site.visit(s(1), Channel::PaidSearch, t(0));
        // Lapsed at 10, cooled at 15; another visitor takes the freed number
        // at 20, its old one being the least recently released.
        site.expire(t(20));
        let other = site.visit(s(2), Channel::PaidSearch, t(20));
        let back = site.beat(s(1), Channel::PaidSearch, Beat::Visible, t(21));
        assert!(matches!(back[0].why, Why::Leased { .. }));
        assert_ne!(back[0].number, other[0].number);
        let held: Vec<_> = site
            .pool(0)
            .unwrap()
            .journal()
            .of(back[0].number)
            .filter(|e| e.session == s(1))
            .map(|e| e.from)
            .collect();
        assert!(held.contains(&t(21)), "{held:?} (first at {first:?})");
    }

    #[test]
    fn a_lapsed_page_cooling_takes_its_own_number_back() {
        let mut site = site();
        let first = site.visit(s(1), Channel::PaidSearch, t(0));
        site.expire(t(11));
        let back = site.beat(s(1), Channel::PaidSearch, Beat::Visible, t(12));
        assert_eq!(back[0].number, first[0].number);
        assert!(matches!(
            back[0].why,
            Why::Leased {
                origin: Origin::Reclaimed,
                ..
            }
        ));
    }

    #[test]
    fn the_leave_beacon_renews_a_live_lease_and_never_takes_a_number() {
        let mut site = site();
        let first = site.visit(s(1), Channel::PaidSearch, t(0));
        let leave = site.beat(s(1), Channel::PaidSearch, Beat::Leaving, t(5));
        assert_eq!(leave[0].number, first[0].number);
        assert_eq!(leave[0].why.expires_at(), Some(t(15)));
        // Lapsed: the beacon gets nothing and the journal gains nothing.
        site.expire(t(40));
        let before = site.pool(0).unwrap().journal().len();
        let requests = site.pool(0).unwrap().metrics().requests;
        let gone = site.beat(s(1), Channel::PaidSearch, Beat::Leaving, t(41));
        assert_eq!(gone[0].why, Why::Original(Plain::Lapsed));
        assert_eq!(gone[0].number, gone[0].target);
        assert_eq!(site.pool(0).unwrap().journal().len(), before);
        assert_eq!(site.pool(0).unwrap().metrics().requests, requests);
        assert_eq!(site.pool(0).unwrap().metrics().leased, 0);
    }

    #[test]
    fn current_shows_what_a_session_sees_without_changing_anything() {
        let mut site = site();
        let leased = site.visit(s(1), Channel::PaidSearch, t(0));
        let now = site.current(s(1), Channel::PaidSearch);
        assert_eq!(now[0].number, leased[0].number);
        let stranger = site.current(s(9), Channel::PaidSearch);
        assert_eq!(stranger[0].why, Why::Fallback);
        assert_eq!(stranger[1].why, Why::Original(Plain::Exhausted));
        assert_eq!(
            site.current(s(9), Channel::Email)[0].why,
            Why::Static(Channel::Email)
        );
        assert_eq!(site.pool(0).unwrap().metrics().requests, 1);
    }

    #[test]
    fn release_ends_every_lease_of_the_session() {
        let mut site = site();
        site.visit(s(1), Channel::PaidSearch, t(0));
        assert_eq!(site.release(s(1), t(1)), 2);
        assert_eq!(site.release(s(1), t(1)), 0);
        assert_eq!(site.next_deadline(), Some(t(6)), "the numbers cool down");
    }

    #[test]
    fn bots_see_static_numbers_or_the_originals() {
        let site = site();
        let bot = site.unleased(Channel::Email, Plain::Bot);
        assert_eq!(bot[0].why, Why::Static(Channel::Email));
        assert_eq!(bot[1].why, Why::Original(Plain::Bot));
        let paid = site.unleased(Channel::PaidSearch, Plain::Bot);
        assert_eq!(kinds(&paid), ["original", "original"]);
    }

    #[test]
    fn reconfiguring_keeps_live_leases_and_drains_removed_numbers() {
        let mut site = site();
        let first = site.visit(s(1), Channel::PaidSearch, t(0));
        let mut spec = spec();
        spec.targets[0].pool = vec!["+74990000003".into()];
        spec.targets.remove(1);
        let gone = site.reconfigure(spec.validate().unwrap(), 1);
        assert_eq!(gone, [num("+74951110000")]);
        assert_eq!(site.pools().count(), 1);
        let beat = site.beat(s(1), Channel::PaidSearch, Beat::Visible, t(1));
        assert_eq!(
            beat[0].number, first[0].number,
            "the lease lives on, draining"
        );
        assert_eq!(site.pool(0).unwrap().metrics().draining, 1);
        site.expire(t(60));
        assert_eq!(site.pool(0).unwrap().len(), 1);
    }

    #[test]
    fn restore_gives_back_the_same_leases() {
        let mut site = site();
        let first = site.visit(s(1), Channel::PaidSearch, t(0));
        let snaps = site.pools().map(|(_, p)| p.snapshot()).collect();
        let mut back = Site::restore(site.config().clone(), snaps, 3).unwrap();
        let beat = back.beat(s(1), Channel::PaidSearch, Beat::Leaving, t(2));
        assert_eq!(beat[0].number, first[0].number);
        assert_eq!(back.next_deadline(), Some(t(12)));
    }
    /// A site of one target with a pool of `n` numbers (fixation 10 min,
    /// cooldown 5) and at most `cap` live leases a client; `fallback` or none.
    fn capped_site(n: u32, cap: u32, fallback: bool) -> Site {
        let mut spec = Spec {
            fixation_secs: 600,
            cooldown_secs: 300,
            ..Spec::default()
        };
        spec.limits.live_leases_per_client = Some(cap);
        spec.targets.push(TargetSpec {
            number: "+74951234567".into(),
            pool: (0..n).map(|i| alloc::format!("+749900001{i:02}")).collect(),
            fallback: fallback.then(|| "+74990000099".into()),
            ..TargetSpec::default()
        });
        Site::new(spec.validate().unwrap(), 5)
    }

    #[test]
    fn one_client_holds_at_most_its_cap_however_it_asks() {
        let mut site = capped_site(20, 3, true);
        let (me, other) = (Some(Client(1)), Some(Client(2)));
        for i in 0..3 {
            let shown = site.visit_from(s(i), Channel::PaidSearch, me, t(0));
            assert!(matches!(shown[0].why, Why::Leased { .. }), "{i}");
        }
        // A fourth session of the client: the fallback, and no number taken.
        let fourth = site.visit_from(s(3), Channel::PaidSearch, me, t(0));
        assert_eq!(fourth[0].why, Why::Fallback);
        assert_eq!(site.pool(0).unwrap().metrics().leased, 3);
        // Its held sessions renew; a heartbeat of the capped one takes nothing.
        let beat = site.beat_from(s(0), Channel::PaidSearch, me, Beat::Visible, t(5));
        assert!(matches!(beat[0].why, Why::Leased { .. }));
        let again = site.beat_from(s(3), Channel::PaidSearch, me, Beat::Visible, t(5));
        assert_eq!(again[0].why, Why::Fallback);
        // Another client is not held back, nor is a trusted server.
        assert!(matches!(
            site.visit_from(s(10), Channel::PaidSearch, other, t(5))[0].why,
            Why::Leased { .. }
        ));
        assert!(matches!(
            site.visit(s(11), Channel::PaidSearch, t(5))[0].why,
            Why::Leased { .. }
        ));
        // The client's leases lapse (s(0) was renewed at 5, until 15): a
        // resumed session leases again within the cap, not past it.
        site.expire(t(12));
        assert_eq!(
            site.pool(0).unwrap().metrics().leased,
            3,
            "s(0), s(10), s(11)"
        );
        let resumed = site.visit_from(s(1), Channel::PaidSearch, me, t(12));
        assert!(matches!(resumed[0].why, Why::Leased { .. }));
        let lapsed = site.beat_from(s(2), Channel::PaidSearch, me, Beat::Visible, t(12));
        assert!(matches!(lapsed[0].why, Why::Leased { .. }));
        let past = site.beat_from(s(3), Channel::PaidSearch, me, Beat::Visible, t(12));
        assert_eq!(past[0].why, Why::Fallback, "s(0), s(1), s(2) hold three");
    }

    #[test]
    fn a_capped_visitor_without_a_fallback_sees_the_original_and_the_pool_is_left() {
        let mut site = capped_site(50, 2, false);
        let me = Some(Client(7));
        let shown: Vec<_> = (0..40)
            .map(|i| site.visit_from(s(i), Channel::PaidSearch, me, t(0))[0].why)
            .collect();
        assert_eq!(
            shown
                .iter()
                .filter(|w| matches!(w, Why::Leased { .. }))
                .count(),
            2
        );
        assert_eq!(shown[39], Why::Original(Plain::Capped));
        assert_eq!(site.pool(0).unwrap().metrics().free, 48);
    }

    #[test]
    fn the_cap_is_sized_to_the_pool_unless_written_and_survives_a_restore() {
        let mut spec = spec();
        spec.targets[0].pool = (0..50)
            .map(|i| alloc::format!("+749900002{i:02}"))
            .collect();
        let config = spec.validate().unwrap();
        assert_eq!(config.live_cap(0), 5, "a tenth of 50");
        assert_eq!(config.live_cap(1), 3, "at least 3");
        spec.limits.live_leases_per_client = Some(0);
        assert!(spec.validate().is_err());
        // Restored, the site counts the sessions the shell says hold numbers.
        let mut site = capped_site(10, 1, false);
        site.visit_from(s(1), Channel::PaidSearch, Some(Client(3)), t(0));
        let snaps = site.pools().map(|(_, p)| p.snapshot()).collect();
        let mut back = Site::restore(site.config().clone(), snaps, 3).unwrap();
        back.remember(s(1), Client(3));
        let second = back.visit_from(s(2), Channel::PaidSearch, Some(Client(3)), t(1));
        assert_eq!(second[0].why, Why::Original(Plain::Capped));
        // Forgotten once it holds nothing.
        back.expire(t(30));
        assert!(back.clients.is_empty());
    }

    #[test]
    fn a_lease_that_ends_long_past_the_grace_window_is_stored_closed() {
        // The alarm came a week late (an object evicted, a runtime down):
        // the interval is closed and past the grace window in one step.
        let mut site = site();
        let shown = site.visit(s(1), Channel::PaidSearch, t(0));
        for (_, p) in site.pools_mut() {
            p.take_journal_changes();
        }
        site.expire(t(7 * 24 * 60));
        let (_, pool) = site.pools_mut().next().unwrap();
        let changed = pool.take_journal_changes();
        assert!(changed.iter().any(|(n, _)| *n == shown[0].number));
        let closed: Vec<_> = pool.journal().of(shown[0].number).collect();
        assert_eq!(closed.len(), 1, "kept until it is stored");
        assert_eq!(closed[0].until, Some(t(10)));
        // Stored, it goes at the next sweep.
        site.expire(t(7 * 24 * 60 + 1));
        assert_eq!(site.pool(0).unwrap().journal().len(), 0);
    }

    #[test]
    fn proof_is_asked_only_while_a_pool_runs_low_and_only_of_new_holders() {
        let mut spec = spec();
        spec.targets.truncate(1);
        spec.integrations.turnstile = Some(crate::site::TurnstileSpec {
            site_key: "0x4AAA".into(),
            secret_key: "secret".into(),
            when_free_below_percent: 50,
            ..Default::default()
        });
        let mut site = Site::new(spec.validate().unwrap(), 3);
        // Two numbers, both free: no proof.
        assert!(!site.needs_proof(s(1), Channel::PaidSearch));
        site.visit(s(1), Channel::PaidSearch, t(0));
        // One of two free: below a half? No (50%); both leased: yes, but not for the holder.
        assert!(!site.needs_proof(s(2), Channel::PaidSearch));
        site.visit(s(2), Channel::PaidSearch, t(0));
        assert!(site.needs_proof(s(3), Channel::PaidSearch));
        assert!(
            !site.needs_proof(s(1), Channel::PaidSearch),
            "its own number"
        );
        // A channel with no dynamic number asks nothing.
        assert!(!site.needs_proof(s(3), Channel::Email));
        // Without Turnstile, never.
        assert!(!self::site().needs_proof(s(3), Channel::PaidSearch));
    }

    #[test]
    fn room_is_what_a_visit_would_lease_from() {
        let mut spec = Spec {
            cooldown_secs: 60,
            ..Spec::default()
        };
        spec.targets.push(TargetSpec {
            number: "+74951234567".into(),
            pool: vec!["+74990000001".into()],
            ..TargetSpec::default()
        });
        let mut site = Site::new(spec.validate().unwrap(), 7);
        let (a, b) = (SessionId::from_u128(1), SessionId::from_u128(2));
        let t0 = Instant::from_secs(1_700_000_000);
        assert!(site.has_room(a, Channel::PaidSearch));
        site.visit(a, Channel::PaidSearch, t0);
        // The one number is a's: a still has room (its own), b has none.
        assert!(site.has_room(a, Channel::PaidSearch));
        assert!(!site.has_room(b, Channel::PaidSearch));
        // An untracked channel needs no number.
        assert!(site.has_room(b, Channel::Sms));
        // Released, the number cools down: a may reclaim it, b may not.
        site.release(a, t0 + Duration::from_secs(1));
        assert!(site.has_room(a, Channel::PaidSearch));
        assert!(!site.has_room(b, Channel::PaidSearch));
    }

    #[test]
    fn a_shard_holds_the_numbers_it_owns() {
        let mut spec = Spec {
            shards: 4,
            ..Spec::default()
        };
        spec.targets.push(TargetSpec {
            number: "+74951234567".into(),
            pool: (0..40)
                .map(|i| alloc::format!("+7499{:07}", 1_000_000 + i))
                .collect(),
            ..TargetSpec::default()
        });
        let config = spec.validate().unwrap();
        let mut all = Vec::new();
        for k in 0..4 {
            let c = config.shard(k);
            assert_eq!(c.targets[0].number, config.targets[0].number);
            for n in &c.targets[0].pool {
                assert_eq!(crate::shard::of_number(*n, 4), k);
                all.push(*n);
            }
        }
        all.sort_unstable();
        let mut whole = config.targets[0].pool.clone();
        whole.sort_unstable();
        assert_eq!(all, whole, "every number in exactly one shard");
        spec.shards = 0;
        assert!(spec.validate().is_err());
        spec.shards = 65;
        assert!(spec.validate().is_err());
    }

    #[test]
    fn outcomes_are_checked_and_found_by_label() {
        let c = spec().validate().unwrap();
        assert!(c.outcome("Sale").is_some_and(|o| o.successful));
        assert!(c.outcome(" wrong number ").is_some_and(|o| !o.successful));
        assert!(c.outcome("bought a boat").is_none());
        let mut bad = Spec {
            currency: "rub".into(),
            ..spec()
        };
        bad.outcomes.push(crate::site::OutcomeSpec {
            value: None,
            label: "SALE".into(),
            successful: true,
        });
        bad.outcomes.push(crate::site::OutcomeSpec {
            value: Some(crate::site::MAX_OUTCOME_VALUE + 1),
            label: " ".into(),
            successful: false,
        });
        let e = bad.validate().unwrap_err().to_string();
        for path in [
            "currency",
            "outcomes[6].label",
            "outcomes[7].label",
            "outcomes[7].value",
        ] {
            assert!(e.contains(path), "{e}");
        }
    }
}
