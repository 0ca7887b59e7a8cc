//! Who held which number from when to when: the record calls are matched against.
//!
//! Each tracking number has a list of holder intervals `[from, until)`,
//! ordered by `from` and never overlapping (a number has one holder at a
//! time). [`Journal::attribute`] answers which session held a number at the
//! moment a call started; a call shortly after a lease ended (within the
//! grace window) still belongs to the last holder, because people call back
//! after closing the tab. [`Journal::candidates`] lists every session that
//! could be meant, for reports that must say when an attribution is unsure.

use alloc::vec::Vec;

use foldhash::fast::FixedState;
use hashbrown::HashMap;

use crate::number::PhoneNumber;
use crate::session::SessionId;
use crate::time::{Duration, Instant};

/// One holder interval of one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Entry {
    /// The tracking number.
    pub number: PhoneNumber,
    /// Who held it.
    pub session: SessionId,
    /// When the lease began.
    pub from: Instant,
    /// When it ended; `None` while it lives.
    pub until: Option<Instant>,
}

/// How a candidate session relates to the call time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Match {
    /// The session held the number when the call started.
    Held,
    /// The session's lease had ended less than the grace window before.
    Grace,
}

/// A session that may have made a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The session.
    pub session: SessionId,
    /// Held at the call time, or within the grace window after.
    pub how: Match,
    /// The interval it held the number.
    pub entry: Entry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Interval {
    session: SessionId,
    from: Instant,
    until: Option<Instant>,
}

impl Interval {
    fn holds(&self, t: Instant) -> bool {
        self.from <= t && self.until.is_none_or(|u| t < u)
    }
}

/// The holder intervals of every number.
///
/// Keys are the pool's own tracking numbers (not chosen by visitors), so a
/// fixed hash seed is safe.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Journal {
    by_number: HashMap<PhoneNumber, Vec<Interval>, FixedState>,
    grace: Duration,
    len: usize,
}

impl Journal {
    /// An empty journal whose attribution forgives calls up to `grace` after a lease ended.
    pub fn new(grace: Duration) -> Journal {
        Journal {
            by_number: HashMap::with_hasher(FixedState::with_seed(0x5eed)),
            grace,
            len: 0,
        }
    }

    /// The grace window.
    pub fn grace(&self) -> Duration {
        self.grace
    }

    /// Changes the grace window (for attributions made from now on).
    pub fn set_grace(&mut self, grace: Duration) {
        self.grace = grace;
    }

    /// How many intervals are kept.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no interval is kept.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Records that `session` holds `number` from `at`. An interval of that
    /// number still open is closed at `at` first.
    pub fn open(&mut self, number: PhoneNumber, session: SessionId, at: Instant) {
        let list = self.by_number.entry(number).or_default();
        if let Some(last) = list.last_mut() {
            if last.until.is_none() {
                last.until = Some(at.max(last.from));
            }
        }
        let iv = Interval {
            session,
            from: at,
            until: None,
        };
        // Time passed in is normally monotonic; keep the order if it is not.
        let pos = list.partition_point(|i| i.from <= at);
        list.insert(pos, iv);
        self.len += 1;
    }

    /// Records that the open interval of `number` ended at `at`. Returns the
    /// session whose interval was closed.
    pub fn close(&mut self, number: PhoneNumber, at: Instant) -> Option<SessionId> {
        let list = self.by_number.get_mut(&number)?;
        let last = list.iter_mut().rev().find(|i| i.until.is_none())?;
        last.until = Some(at.max(last.from));
        Some(last.session)
    }

    /// Restores one interval as recorded (used when loading persisted state).
    pub fn insert(&mut self, entry: Entry) {
        let list = self.by_number.entry(entry.number).or_default();
        let pos = list.partition_point(|i| i.from <= entry.from);
        list.insert(
            pos,
            Interval {
                session: entry.session,
                from: entry.from,
                until: entry.until,
            },
        );
        self.len += 1;
    }

    /// The session that held `number` at `t`, or whose lease ended less than
    /// the grace window before `t`.
    pub fn attribute(&self, number: PhoneNumber, t: Instant) -> Option<SessionId> {
        let list = self.by_number.get(&number)?;
        let pos = list.partition_point(|i| i.from <= t);
        let last = list.get(pos.checked_sub(1)?)?;
        if last.holds(t) {
            return Some(last.session);
        }
        match last.until {
            Some(u) if t < u + self.grace => Some(last.session),
            _ => None,
        }
    }

    /// Every session that may be meant by a call to `number` at `t`: the one
    /// holding it, and those whose lease ended within the grace window
    /// before `t`. Most likely first.
    pub fn candidates(&self, number: PhoneNumber, t: Instant) -> Vec<Candidate> {
        let mut out = Vec::new();
        let Some(list) = self.by_number.get(&number) else {
            return out;
        };
        let pos = list.partition_point(|i| i.from <= t);
        for iv in list[..pos].iter().rev() {
            let entry = Entry {
                number,
                session: iv.session,
                from: iv.from,
                until: iv.until,
            };
            if iv.holds(t) {
                out.push(Candidate {
                    session: iv.session,
                    how: Match::Held,
                    entry,
                });
            } else if let Some(u) = iv.until {
                if t < u + self.grace {
                    out.push(Candidate {
                        session: iv.session,
                        how: Match::Grace,
                        entry,
                    });
                } else {
                    break;
                }
            }
        }
        out
    }

    /// Drops intervals that ended before `before`. Returns how many were dropped.
    pub fn prune(&mut self, before: Instant) -> usize {
        self.prune_except(before, &[])
    }

    /// [`Journal::prune`], but for the numbers in `keep` (whose newest
    /// intervals are still to be stored).
    pub fn prune_except(&mut self, before: Instant, keep: &[PhoneNumber]) -> usize {
        let mut dropped = 0;
        self.by_number.retain(|number, list| {
            if keep.contains(number) {
                return true;
            }
            let n = list.len();
            list.retain(|i| i.until.is_none_or(|u| u >= before));
            dropped += n - list.len();
            !list.is_empty()
        });
        self.len -= dropped;
        dropped
    }

    /// The intervals of one number, oldest first.
    pub fn of(&self, number: PhoneNumber) -> impl Iterator<Item = Entry> + '_ {
        self.by_number
            .get(&number)
            .into_iter()
            .flatten()
            .map(move |i| Entry {
                number,
                session: i.session,
                from: i.from,
                until: i.until,
            })
    }

    /// Every interval, by number then time.
    pub fn entries(&self) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::with_capacity(self.len);
        for (&number, list) in &self.by_number {
            out.extend(list.iter().map(|i| Entry {
                number,
                session: i.session,
                from: i.from,
                until: i.until,
            }));
        }
        out.sort_by_key(|e| (e.number, e.from));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> PhoneNumber {
        s.parse().unwrap()
    }
    fn s(x: u128) -> SessionId {
        SessionId::from_u128(x)
    }
    fn t(ms: i64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn attributes_to_the_holder_at_the_time() {
        let mut j = Journal::new(Duration::from_millis(100));
        let a = n("+74951234567");
        j.open(a, s(1), t(1000));
        j.close(a, t(2000));
        j.open(a, s(2), t(3000));
        assert_eq!(j.attribute(a, t(999)), None);
        assert_eq!(j.attribute(a, t(1000)), Some(s(1)));
        assert_eq!(j.attribute(a, t(1999)), Some(s(1)));
        // Grace after the end.
        assert_eq!(j.attribute(a, t(2099)), Some(s(1)));
        assert_eq!(j.attribute(a, t(2100)), None);
        assert_eq!(j.attribute(a, t(3000)), Some(s(2)));
        assert_eq!(j.attribute(a, t(1_000_000)), Some(s(2)));
        assert_eq!(j.attribute(n("+74951234568"), t(1500)), None);
        assert_eq!(j.len(), 2);
    }

    #[test]
    fn candidates_show_ambiguity() {
        let mut j = Journal::new(Duration::from_secs(60));
        let a = n("+74951234567");
        j.open(a, s(1), t(0));
        j.close(a, t(10_000));
        j.open(a, s(2), t(20_000));
        // At 30 s, session 2 holds it and session 1 ended 20 s ago: both are candidates.
        let c = j.candidates(a, t(30_000));
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].session, c[0].how), (s(2), Match::Held));
        assert_eq!((c[1].session, c[1].how), (s(1), Match::Grace));
        assert_eq!(j.candidates(a, t(100_000)).len(), 1);
        assert!(j.candidates(n("+74951234568"), t(0)).is_empty());
    }

    #[test]
    fn open_closes_an_open_interval() {
        let mut j = Journal::new(Duration::ZERO);
        let a = n("+74951234567");
        j.open(a, s(1), t(0));
        j.open(a, s(2), t(50));
        assert_eq!(j.attribute(a, t(49)), Some(s(1)));
        assert_eq!(j.attribute(a, t(50)), Some(s(2)));
        assert_eq!(j.close(a, t(60)), Some(s(2)));
        assert_eq!(j.close(a, t(70)), None);
        assert_eq!(j.close(n("+74951234568"), t(70)), None);
    }

    #[test]
    fn prune_drops_old_intervals() {
        let mut j = Journal::new(Duration::ZERO);
        let a = n("+74951234567");
        let b = n("+74951234568");
        j.open(a, s(1), t(0));
        j.close(a, t(10));
        j.open(a, s(2), t(20));
        j.open(b, s(3), t(0));
        j.close(b, t(5));
        assert_eq!(j.prune(t(15)), 2);
        assert_eq!(j.len(), 1);
        assert_eq!(j.entries().len(), 1);
        assert_eq!(j.of(a).next().map(|e| e.session), Some(s(2)));
        assert_eq!(j.of(b).count(), 0);
    }

    #[test]
    fn insert_restores_order() {
        let mut j = Journal::new(Duration::ZERO);
        let a = n("+74951234567");
        for (sess, from, until) in [(2, 20, None), (1, 0, Some(10))] {
            j.insert(Entry {
                number: a,
                session: s(sess),
                from: t(from),
                until: until.map(t),
            });
        }
        assert_eq!(j.attribute(a, t(5)), Some(s(1)));
        assert_eq!(j.attribute(a, t(25)), Some(s(2)));
        assert_eq!(j.attribute(a, t(15)), None);
    }
}
