//! Attribution: who made a call, as a pure function of the site's config,
//! the journal, the number dialled and the time.
//!
//! The number's role decides first: a pool number is answered from the
//! journal (the sessions that held it, scored, with a confidence); a static
//! number stands for its channel; the fallback and the site's own number
//! are counted, not attributed; any other number is not the site's.
//!
//! ```
//! use pool_core::attribution::{attribute, Attribution};
//! use pool_core::journal::Journal;
//! use pool_core::session::SessionId;
//! use pool_core::site::{Spec, TargetSpec};
//! use pool_core::time::{Duration, Instant};
//!
//! let mut spec = Spec::default();
//! spec.targets.push(TargetSpec {
//!     number: "+74951234567".into(),
//!     pool: vec!["+74990000001".into()],
//!     ..TargetSpec::default()
//! });
//! let config = spec.validate().unwrap();
//! let n = config.targets[0].pool[0];
//! let t0 = Instant::from_secs(1_700_000_000);
//! let mut journal = Journal::new(config.grace);
//! journal.open(n, SessionId::from_u128(7), t0);
//!
//! let a = attribute(&config, &journal, Some(n), t0 + Duration::from_mins(10));
//! assert_eq!(a.session(), Some(SessionId::from_u128(7)));
//! ```

use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use crate::call::{self, Confidence, Scored};
use crate::channel::Channel;
use crate::journal::Journal;
use crate::number::PhoneNumber;
use crate::session::SessionId;
use crate::site::{Config, Role};
use crate::time::{Duration, Instant};

/// Who a call is attributed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribution {
    /// A pool number that a session held at the call, or shortly before it.
    Session {
        /// The target the pool stands in for (index into `config.targets`).
        target: usize,
        /// The most likely session.
        session: SessionId,
        /// Every session that may be meant, most likely first; scores sum to 100.
        candidates: Vec<Scored>,
        /// How sure the first candidate is.
        confidence: Confidence,
    },
    /// A pool number that nobody held at the call nor within the grace window.
    Nobody {
        /// The target the pool stands in for.
        target: usize,
    },
    /// A static number: its channel, and its source when the number is a
    /// named source's (a billboard, a partner).
    Static {
        /// The target the number stands in for.
        target: usize,
        /// The channel the number was shown to.
        channel: Channel,
        /// The source (index into `config.sources`), when it is one's.
        source: Option<usize>,
    },
    /// The fallback number, shown while the pool was exhausted: counted, not attributed.
    Fallback {
        /// The target the fallback stands in for.
        target: usize,
    },
    /// The site's own number: the visitor saw no tracking number.
    Original {
        /// The target dialled.
        target: usize,
    },
    /// A number that is none of this site's (or none could be read).
    Unknown,
}

/// The kind of an [`Attribution`], as stored and shown (`session`, `static`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Kind {
    /// [`Attribution::Session`].
    Session,
    /// [`Attribution::Nobody`].
    Nobody,
    /// [`Attribution::Static`].
    Static,
    /// [`Attribution::Fallback`].
    Fallback,
    /// [`Attribution::Original`].
    Original,
    /// [`Attribution::Unknown`].
    Unknown,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 6] = [
        Kind::Session,
        Kind::Nobody,
        Kind::Static,
        Kind::Fallback,
        Kind::Original,
        Kind::Unknown,
    ];

    /// `session`, `nobody`, `static`, `fallback`, `original`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Session => "session",
            Kind::Nobody => "nobody",
            Kind::Static => "static",
            Kind::Fallback => "fallback",
            Kind::Original => "original",
            Kind::Unknown => "unknown",
        }
    }

    /// Why nothing is attributed, for the kinds that attribute nothing.
    pub fn reason(self) -> Option<&'static str> {
        match self {
            Kind::Session | Kind::Static => None,
            Kind::Nobody => Some("unattributed: nobody held the number then"),
            Kind::Fallback => Some("unattributed: pool exhausted"),
            Kind::Original => Some("unattributed: the site's own number was dialled"),
            Kind::Unknown => Some("unattributed: not a number of this site"),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no [`Kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownKind;

impl fmt::Display for UnknownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an attribution kind")
    }
}

impl core::error::Error for UnknownKind {}

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Kind, UnknownKind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(UnknownKind)
    }
}

impl Attribution {
    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self {
            Attribution::Session { .. } => Kind::Session,
            Attribution::Nobody { .. } => Kind::Nobody,
            Attribution::Static { .. } => Kind::Static,
            Attribution::Fallback { .. } => Kind::Fallback,
            Attribution::Original { .. } => Kind::Original,
            Attribution::Unknown => Kind::Unknown,
        }
    }

    /// The target the dialled number belongs to.
    pub fn target(&self) -> Option<usize> {
        match *self {
            Attribution::Session { target, .. }
            | Attribution::Nobody { target }
            | Attribution::Static { target, .. }
            | Attribution::Fallback { target }
            | Attribution::Original { target } => Some(target),
            Attribution::Unknown => None,
        }
    }

    /// The most likely session, when a session is meant.
    pub fn session(&self) -> Option<SessionId> {
        match self {
            Attribution::Session { session, .. } => Some(*session),
            _ => None,
        }
    }

    /// The channel, when the number itself says it (a static number).
    pub fn channel(&self) -> Option<Channel> {
        match self {
            Attribution::Static { channel, .. } => Some(*channel),
            _ => None,
        }
    }

    /// How sure it is: a static number is sure, what attributes nothing is `None`.
    pub fn confidence(&self) -> Confidence {
        match self {
            Attribution::Session { confidence, .. } => *confidence,
            Attribution::Static { .. } => Confidence::High,
            _ => Confidence::None,
        }
    }

    /// The scored candidates (empty unless a session is meant).
    pub fn candidates(&self) -> &[Scored] {
        match self {
            Attribution::Session { candidates, .. } => candidates,
            _ => &[],
        }
    }
}

/// Attributes a call to `dialled` at `at`. `journal` must hold the intervals
/// of the dialled number around `at` (the shell reads them from storage:
/// a PBX may report a call late, after the pool's memory has moved on).
/// `dialled` is `None` when the number could not be read.
pub fn attribute(
    config: &Config,
    journal: &Journal,
    dialled: Option<PhoneNumber>,
    at: Instant,
) -> Attribution {
    let Some(number) = dialled else {
        return Attribution::Unknown;
    };
    let Some((target, role)) = config.role_of(number) else {
        return Attribution::Unknown;
    };
    match role {
        Role::Target => Attribution::Original { target },
        Role::Fallback => Attribution::Fallback { target },
        Role::Static(channel) => Attribution::Static {
            target,
            channel,
            source: None,
        },
        Role::Source(k) => Attribution::Static {
            target,
            channel: config.sources[k].channel,
            source: Some(k),
        },
        Role::Pool => {
            let (candidates, confidence) = scored(journal, number, at, config.grace);
            match candidates.first() {
                Some(top) => Attribution::Session {
                    target,
                    session: top.session,
                    confidence,
                    candidates,
                },
                None => Attribution::Nobody { target },
            }
        }
    }
}

/// The sessions that may have made a call to pool number `number` at
/// `at`, scored, most likely first, with the confidence in the first: what
/// [`attribute`] answers for a pool number, and what the simulator uses.
pub fn scored(
    journal: &Journal,
    number: PhoneNumber,
    at: Instant,
    grace: Duration,
) -> (Vec<Scored>, Confidence) {
    call::score(&journal.candidates(number, at), at, grace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Match;
    use crate::pool::{Assignment, Pool};
    use crate::site::{Spec, TargetSpec};
    use alloc::string::ToString;
    use alloc::vec;

    fn config(exhaustion: &str) -> Config {
        let mut spec = Spec {
            exhaustion: exhaustion.into(),
            fixation_secs: 600,
            cooldown_secs: 300,
            grace_secs: 900,
            heartbeat_secs: 30,
            recycle_min_idle_secs: 120,
            ..Spec::default()
        };
        spec.targets.push(TargetSpec {
            number: "+74951234567".into(),
            pool: vec!["+74990000001".into()],
            fallback: Some("+74990000099".into()),
            static_numbers: [("email".to_string(), "+74990000050".to_string())]
                .into_iter()
                .collect(),
            ..TargetSpec::default()
        });
        spec.validate().unwrap()
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

    /// The site's one pool, empty.
    fn pool_of(c: &Config) -> Pool {
        Pool::with_numbers(c.pool_config(0), 1, c.targets[0].pool.clone()).unwrap()
    }

    #[test]
    fn a_plain_call_is_the_holders_with_high_confidence() {
        let c = config("fallback");
        let mut p = pool_of(&c);
        p.lease(s(1), t(0));
        let a = attribute(&c, p.journal(), Some(num("+74990000001")), t(5));
        assert_eq!(a.kind(), Kind::Session);
        assert_eq!(a.session(), Some(s(1)));
        assert_eq!(a.confidence(), Confidence::High);
        assert_eq!(a.candidates().len(), 1);
        assert_eq!(a.candidates()[0].score, 100);
        assert_eq!(a.target(), Some(0));
    }

    #[test]
    fn a_late_call_after_reuse_has_two_candidates_and_low_confidence() {
        let c = config("fallback");
        let mut p = pool_of(&c);
        p.lease(s(1), t(0));
        p.release(s(1), t(8)).unwrap();
        // The number cools 5 minutes, then the next visitor takes it.
        p.expire(t(14));
        let Assignment::Leased { .. } = p.lease(s(2), t(14)) else {
            panic!("the number is free again")
        };
        // Visitor 1 calls back one minute after visitor 2 got the number.
        let a = attribute(&c, p.journal(), Some(num("+74990000001")), t(15));
        assert_eq!(a.kind(), Kind::Session);
        assert_eq!(a.confidence(), Confidence::Low);
        let who: Vec<_> = a.candidates().iter().map(|x| (x.session, x.how)).collect();
        assert!(who.contains(&(s(1), Match::Grace)), "{who:?}");
        assert!(who.contains(&(s(2), Match::Held)), "{who:?}");
        // An hour later only the holder is meant.
        let later = attribute(&c, p.journal(), Some(num("+74990000001")), t(76));
        assert_eq!(later.session(), Some(s(2)));
        assert_eq!(later.confidence(), Confidence::High);
    }

    #[test]
    fn after_a_recycle_the_old_holder_is_a_candidate_too() {
        let c = config("recycle");
        let mut p = pool_of(&c);
        p.lease(s(1), t(0));
        // Pool exhausted; visitor 1 idle past min_idle: its number is recycled.
        let got = p.lease(s(2), t(3));
        assert!(matches!(
            got,
            Assignment::Leased {
                origin: crate::pool::Origin::Recycled { .. },
                ..
            }
        ));
        let a = attribute(&c, p.journal(), Some(num("+74990000001")), t(4));
        assert_eq!(a.confidence(), Confidence::Low);
        let sessions: Vec<_> = a.candidates().iter().map(|x| x.session).collect();
        assert!(sessions.contains(&s(1)) && sessions.contains(&s(2)));
    }

    #[test]
    fn inside_the_cooldown_the_last_holder_is_meant() {
        let c = config("fallback");
        let mut p = pool_of(&c);
        p.lease(s(1), t(0));
        p.release(s(1), t(8)).unwrap();
        // Cooling (5 minutes): nobody else can have it; within grace it is still visitor 1's.
        let a = attribute(&c, p.journal(), Some(num("+74990000001")), t(10));
        assert_eq!(a.session(), Some(s(1)));
        assert_eq!(a.confidence(), Confidence::High);
        assert_eq!(a.candidates()[0].how, Match::Grace);
        // Past the grace window (15 minutes) nobody is meant.
        let late = attribute(&c, p.journal(), Some(num("+74990000001")), t(30));
        assert_eq!(late, Attribution::Nobody { target: 0 });
        assert_eq!(late.confidence(), Confidence::None);
    }

    #[test]
    fn a_static_number_is_its_channel() {
        let c = config("fallback");
        let a = attribute(&c, &Journal::new(c.grace), Some(num("+74990000050")), t(0));
        assert_eq!(
            a,
            Attribution::Static {
                target: 0,
                channel: Channel::Email,
                source: None,
            }
        );
        assert_eq!(a.confidence(), Confidence::High);
        assert_eq!(a.kind().reason(), None);
    }

    #[test]
    fn the_fallback_the_original_and_unknown_numbers_attribute_nothing() {
        let c = config("fallback");
        let j = Journal::new(c.grace);
        let fb = attribute(&c, &j, Some(num("+74990000099")), t(0));
        assert_eq!(fb, Attribution::Fallback { target: 0 });
        assert_eq!(fb.kind().reason(), Some("unattributed: pool exhausted"));
        let orig = attribute(&c, &j, Some(num("+74951234567")), t(0));
        assert_eq!(orig, Attribution::Original { target: 0 });
        let unknown = attribute(&c, &j, Some(num("+12125550199")), t(0));
        assert_eq!(unknown, Attribution::Unknown);
        assert_eq!(unknown.target(), None);
        assert_eq!(attribute(&c, &j, None, t(0)), Attribution::Unknown);
        for a in [fb, orig, unknown] {
            assert_eq!(a.confidence(), Confidence::None);
            assert!(a.session().is_none() && a.candidates().is_empty());
        }
    }

    #[test]
    fn a_pool_number_nobody_held_is_nobody() {
        let c = config("fallback");
        let a = attribute(&c, &Journal::new(c.grace), Some(num("+74990000001")), t(0));
        assert_eq!(a, Attribution::Nobody { target: 0 });
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>(), Ok(k));
        }
        assert_eq!("sessions".parse::<Kind>(), Err(UnknownKind));
    }
}
