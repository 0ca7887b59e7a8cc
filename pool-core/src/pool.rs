//! The allocation engine: tracking numbers leased to sessions.
//!
//! Every number of a [`Pool`] is in exactly one state:
//!
//! ```text
//!            lease                       release / expire
//!   Free ───────────────▶ Leased ───────────────────────────▶ Cooling ──(cooldown over)──▶ Free
//!    ▲                     │  ▲  renew (heartbeat)               │
//!    │                     │  └──────────────────────────────────┘ same session comes back
//!    │                     └─ remove ─▶ Draining ──(lease ends)──▶ gone
//!    └── add
//! ```
//!
//! * Free numbers are handed out least-recently-released first (a FIFO
//!   queue), so a number rests as long as possible before its next visitor.
//! * A released or expired number cools down before reuse, so a late call
//!   does not land on a new visitor.
//! * A lease lives `fixation` after the session's last sign of life.
//! * A session that asks again gets its own number back while its lease
//!   lives, or while the number still cools down after it.
//! * When no number is free, the [`Exhaustion`] policy decides: show the
//!   fallback number, or take the number of the longest-idle session.
//!
//! Time is passed in. [`Pool::next_deadline`] tells the shell when it must
//! call [`Pool::expire`] next (a Durable Object alarm, a timer).
//!
//! Invariants (checked by [`Pool::check`] in tests and by property tests):
//! no number is held by two live sessions; no session holds two numbers;
//! every number is free, leased, cooling or draining exactly once.
//!
//! Complexity: lease, renew and release are O(1) expected plus O(log n) heap
//! work; expiry is O(log n) per expired lease. Queues and heaps drop stale
//! entries lazily: a slot's `epoch` changes on every transition, and an
//! entry is live only while its epoch matches.

use alloc::collections::{BinaryHeap, VecDeque};
use alloc::vec::Vec;
use core::cmp::Reverse;
use core::fmt;

use foldhash::fast::FixedState;
use hashbrown::HashMap;

use crate::journal::Journal;
use crate::number::PhoneNumber;
use crate::session::SessionId;
use crate::time::{Duration, Instant};

/// What to do when a session asks for a number and none is free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "policy", rename_all = "snake_case"))]
pub enum Exhaustion {
    /// Show the fallback number (calls to it are counted, not attributed).
    Fallback,
    /// Take the number of the session idle longest, if it has been idle at
    /// least `min_idle`; otherwise show the fallback number.
    Recycle {
        /// How long a session must have been silent before its number is taken.
        min_idle: Duration,
    },
}

/// How a pool leases its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Config {
    /// How long a lease lives after the session's last heartbeat.
    pub fixation: Duration,
    /// How long a released number rests before another session gets it.
    pub cooldown: Duration,
    /// How long after a lease ended a call is still attributed to it.
    pub grace: Duration,
    /// What happens when no number is free.
    pub exhaustion: Exhaustion,
    /// The number shown while the pool is exhausted, if any.
    pub fallback: Option<PhoneNumber>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            fixation: Duration::from_mins(30),
            cooldown: Duration::from_mins(15),
            grace: Duration::from_mins(15),
            exhaustion: Exhaustion::Fallback,
            fallback: None,
        }
    }
}

/// A session's hold on a tracking number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Lease {
    /// The tracking number.
    pub number: PhoneNumber,
    /// The session holding it.
    pub session: SessionId,
    /// When this hold began.
    pub since: Instant,
    /// The session's last sign of life.
    pub last_seen: Instant,
    /// When the lease ends unless renewed.
    pub expires_at: Instant,
}

/// How a lease came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A free number, newly leased.
    New,
    /// The session's live lease, renewed.
    Resumed,
    /// The session's own number, taken back while it cooled down.
    Reclaimed,
    /// Taken from the longest-idle session (the [`Exhaustion::Recycle`] policy).
    Recycled {
        /// The session that lost the number.
        from: SessionId,
    },
}

/// The answer to [`Pool::lease`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignment {
    /// The session holds a tracking number.
    Leased {
        /// The lease.
        lease: Lease,
        /// How it came about.
        origin: Origin,
    },
    /// No number was free: show the fallback number (or, if there is none,
    /// the original).
    Fallback(Option<PhoneNumber>),
}

impl Assignment {
    /// The lease, unless the fallback was given.
    pub fn lease(&self) -> Option<&Lease> {
        match self {
            Assignment::Leased { lease, .. } => Some(lease),
            Assignment::Fallback(_) => None,
        }
    }
}

/// The state of one number, as seen from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting in the free queue.
    Free,
    /// Held by a session.
    Leased(Lease),
    /// Resting after a lease, until `until`.
    Cooling {
        /// When it becomes free.
        until: Instant,
        /// Who held it last.
        last: Option<SessionId>,
    },
    /// Removed from the pool but still leased; it leaves when the lease ends.
    Draining(Lease),
}

/// A session the pool does not know, or whose lease has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeaseError {
    /// The session holds no number of this pool.
    UnknownSession(SessionId),
}

impl fmt::Display for LeaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeaseError::UnknownSession(s) => write!(f, "session {s} holds no number of this pool"),
        }
    }
}

impl core::error::Error for LeaseError {}

/// Why a number could not be added; the number is handed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddError {
    /// The pool already has this number.
    Duplicate(PhoneNumber),
    /// The pool holds as many numbers as it can index.
    Full(PhoneNumber),
}

impl fmt::Display for AddError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddError::Duplicate(n) => write!(f, "{n} is already in the pool"),
            AddError::Full(n) => write!(f, "the pool is full; {n} was not added"),
        }
    }
}

impl core::error::Error for AddError {}

/// Why a number could not be removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RemoveError {
    /// The pool does not have this number.
    NotFound(PhoneNumber),
}

impl fmt::Display for RemoveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoveError::NotFound(n) => write!(f, "{n} is not in the pool"),
        }
    }
}

impl core::error::Error for RemoveError {}

/// What [`Pool::remove`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// The number is gone.
    Removed,
    /// The number is leased: it drains, and leaves when the lease ends.
    Draining {
        /// When the lease ends unless renewed.
        until: Instant,
    },
}

/// What [`Pool::resize`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resized {
    /// Numbers added.
    pub added: usize,
    /// Numbers removed at once.
    pub removed: usize,
    /// Numbers that drain: removed, but leased until their lease ends.
    pub draining: usize,
}

/// What [`Pool::expire`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expired {
    /// Leases that reached their deadline.
    pub leases: usize,
    /// Numbers whose cooldown ended.
    pub cooled: usize,
}

/// Counters since the pool was made (or restored from a snapshot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Stats {
    /// Calls to [`Pool::lease`].
    pub requests: u64,
    /// Of those, answered with the fallback.
    pub fallbacks: u64,
    /// Of those, answered by taking an idle session's number.
    pub recycled: u64,
    /// The most numbers leased at once.
    pub peak_leased: u32,
}

/// Pool utilisation now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Metrics {
    /// Numbers in the pool (draining ones included).
    pub total: u32,
    /// Numbers held by sessions (draining ones included).
    pub leased: u32,
    /// Numbers ready for a new session.
    pub free: u32,
    /// Numbers resting after a lease.
    pub cooling: u32,
    /// Removed numbers still leased.
    pub draining: u32,
    /// The most numbers leased at once.
    pub peak_leased: u32,
    /// Lease requests.
    pub requests: u64,
    /// Lease requests answered with the fallback.
    pub fallbacks: u64,
    /// Lease requests answered by recycling an idle session's number.
    pub recycled: u64,
}

impl Metrics {
    /// Fallbacks per lease request, from 0 to 1 (0 when there were no requests).
    pub fn fallback_share(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.fallbacks as f64 / self.requests as f64
        }
    }
}

/// A slot index: valid for this pool value only.
type Id = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Removed; `next` links the slots free for reuse (a slab free list).
    Vacant { next: Option<Id> },
    /// In the free queue.
    Free,
    /// Held; `draining` when removed from the pool meanwhile.
    Leased { lease: Lease, draining: bool },
    /// Resting until `until`; `draining` when removed from the pool
    /// meanwhile (it leaves when the rest ends, never leased again here).
    Cooling { until: Instant, draining: bool },
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Meaningless while vacant.
    number: PhoneNumber,
    state: State,
    /// Changes on every transition; queue and heap entries carry the epoch they were made in.
    epoch: u32,
    /// When it entered the free queue or cooling, or was last renewed (a
    /// pool-wide sequence): breaks ties in queues and heaps.
    order: u64,
    /// Who held it last (to give a returning session its own number back).
    last_holder: Option<SessionId>,
}

/// A pool of tracking numbers standing in for one target number.
#[derive(Clone)]
pub struct Pool {
    config: Config,
    slots: Vec<Slot>,
    /// Head of the vacant-slot list.
    vacant: Option<Id>,
    by_number: HashMap<PhoneNumber, Id, FixedState>,
    /// Sessions with a live lease, or whose number is still cooling after them.
    by_session: HashMap<SessionId, Id, FixedState>,
    /// Free numbers, least recently released first: `(slot, epoch)`.
    free: VecDeque<(Id, u32)>,
    /// Cooling numbers by end of cooldown: `(until, order, slot, epoch)`.
    cooling: BinaryHeap<Reverse<(Instant, u64, Id, u32)>>,
    /// Leases by deadline: `(expires_at, order, slot, epoch)`; the order
    /// breaks ties the same way in a restored pool.
    deadlines: BinaryHeap<Reverse<(Instant, u64, Id, u32)>>,
    seq: u64,
    counts: Counts,
    stats: Stats,
    journal: Journal,
    /// Slots changed since the last [`Pool::take_changes`], when tracking.
    changes: Option<Vec<PhoneNumber>>,
    /// Numbers whose journal changed since the last
    /// [`Pool::take_journal_changes`], when tracking.
    journal_changes: Option<Vec<PhoneNumber>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    free: u32,
    leased: u32,
    cooling: u32,
    draining: u32,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("config", &self.config)
            .field("metrics", &self.metrics())
            .finish()
    }
}

impl Pool {
    /// An empty pool. `seed` keys the hash maps against sessions ids chosen
    /// to collide (pass a random value; the core draws none itself).
    pub fn new(config: Config, seed: u64) -> Pool {
        Pool {
            config,
            slots: Vec::new(),
            vacant: None,
            by_number: HashMap::with_hasher(FixedState::with_seed(seed)),
            by_session: HashMap::with_hasher(FixedState::with_seed(seed ^ 0x9e37_79b9_7f4a_7c15)),
            free: VecDeque::new(),
            cooling: BinaryHeap::new(),
            deadlines: BinaryHeap::new(),
            seq: 0,
            counts: Counts::default(),
            stats: Stats::default(),
            journal: Journal::new(config.grace),
            changes: None,
            journal_changes: None,
        }
    }

    /// A pool with `numbers`, all free, in the given order. Duplicates are
    /// handed back.
    pub fn with_numbers(
        config: Config,
        seed: u64,
        numbers: impl IntoIterator<Item = PhoneNumber>,
    ) -> Result<Pool, AddError> {
        let mut p = Pool::new(config, seed);
        for n in numbers {
            p.add(n)?;
        }
        Ok(p)
    }

    /// The pool's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Changes fixation, cooldown, grace, policy or fallback. Live leases
    /// keep their deadlines; the new values apply from the next operation.
    pub fn set_config(&mut self, config: Config) {
        self.journal.set_grace(config.grace);
        self.config = config;
    }

    /// The holder journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The holder journal, to prune or to restore entries.
    pub fn journal_mut(&mut self) -> &mut Journal {
        &mut self.journal
    }

    /// The session that held `number` at `t` (see [`Journal::attribute`]).
    pub fn attribute(&self, number: PhoneNumber, t: Instant) -> Option<SessionId> {
        self.journal.attribute(number, t)
    }

    /// Starts (or stops) recording which numbers change, for shells that
    /// persist row by row. See [`Pool::take_changes`].
    pub fn track_changes(&mut self, on: bool) {
        self.changes = on.then(Vec::new);
        self.journal_changes = on.then(Vec::new);
    }

    /// The numbers whose state changed since the last call, each once.
    pub fn take_changes(&mut self) -> Vec<PhoneNumber> {
        match &mut self.changes {
            Some(c) => {
                let mut v = core::mem::take(c);
                v.sort_unstable();
                v.dedup();
                v
            }
            None => Vec::new(),
        }
    }

    /// The numbers whose journal intervals changed since the last call,
    /// each once, with how many of its newest intervals may differ from
    /// before (each opening or closing changes one, and an opening may close
    /// the one before it). A renewal changes a number's row, not its journal.
    pub fn take_journal_changes(&mut self) -> Vec<(PhoneNumber, usize)> {
        let Some(c) = &mut self.journal_changes else {
            return Vec::new();
        };
        let mut v = core::mem::take(c);
        v.sort_unstable();
        let mut out: Vec<(PhoneNumber, usize)> = Vec::new();
        for n in v {
            match out.last_mut() {
                Some((last, k)) if *last == n => *k += 1,
                _ => out.push((n, 2)),
            }
        }
        out
    }

    /// Forgets journal intervals that ended before `before`, but never one
    /// whose change is not taken yet ([`Pool::take_journal_changes`]): an
    /// interval closed and pruned in one step (the clock jumped past the
    /// grace window) is still stored closed.
    pub fn prune_journal(&mut self, before: Instant) -> usize {
        let pending = self.journal_changes.as_deref().unwrap_or(&[]);
        self.journal.prune_except(before, pending)
    }

    fn journal_open(&mut self, number: PhoneNumber, session: SessionId, at: Instant) {
        self.journal.open(number, session, at);
        if let Some(c) = &mut self.journal_changes {
            c.push(number);
        }
    }

    fn journal_close(&mut self, number: PhoneNumber, at: Instant) {
        self.journal.close(number, at);
        if let Some(c) = &mut self.journal_changes {
            c.push(number);
        }
    }

    fn touched(&mut self, id: Id) {
        if let Some(c) = &mut self.changes {
            c.push(self.slots[id as usize].number);
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn set_state(&mut self, id: Id, state: State) {
        let slot = &mut self.slots[id as usize];
        match slot.state {
            State::Free => self.counts.free -= 1,
            State::Leased { draining, .. } => {
                self.counts.leased -= 1;
                if draining {
                    self.counts.draining -= 1;
                }
            }
            State::Cooling { .. } => self.counts.cooling -= 1,
            State::Vacant { .. } => {}
        }
        match state {
            State::Free => self.counts.free += 1,
            State::Leased { draining, .. } => {
                self.counts.leased += 1;
                if draining {
                    self.counts.draining += 1;
                }
            }
            State::Cooling { .. } => self.counts.cooling += 1,
            State::Vacant { .. } => {}
        }
        slot.state = state;
        slot.epoch = slot.epoch.wrapping_add(1);
        self.touched(id);
    }

    fn push_free(&mut self, id: Id) {
        let order = self.next_seq();
        self.set_state(id, State::Free);
        let slot = &mut self.slots[id as usize];
        slot.order = order;
        self.free.push_back((id, slot.epoch));
    }

    fn push_cooling(&mut self, id: Id, until: Instant, draining: bool) {
        let order = self.next_seq();
        self.set_state(id, State::Cooling { until, draining });
        let slot = &mut self.slots[id as usize];
        slot.order = order;
        self.cooling.push(Reverse((until, order, id, slot.epoch)));
    }

    fn hold(&mut self, id: Id, session: SessionId, since: Instant, now: Instant) -> Lease {
        let lease = Lease {
            number: self.slots[id as usize].number,
            session,
            since,
            last_seen: now,
            expires_at: now + self.config.fixation,
        };
        let draining = matches!(
            self.slots[id as usize].state,
            State::Leased { draining: true, .. }
        );
        self.set_state(id, State::Leased { lease, draining });
        let order = self.next_seq();
        let slot = &mut self.slots[id as usize];
        slot.last_holder = Some(session);
        slot.order = order;
        self.deadlines
            .push(Reverse((lease.expires_at, order, id, slot.epoch)));
        self.by_session.insert(session, id);
        self.stats.peak_leased = self.stats.peak_leased.max(self.counts.leased);
        lease
    }

    /// Renews the live lease on slot `id` in place. The deadline heap is not
    /// touched: its entry for this slot becomes a hint, corrected when it
    /// reaches the top (see `settle`). A heartbeat costs no heap work.
    fn refresh(&mut self, id: Id, now: Instant) -> Lease {
        let fixation = self.config.fixation;
        let order = self.next_seq();
        let slot = &mut self.slots[id as usize];
        let State::Leased { lease, .. } = &mut slot.state else {
            unreachable!("refresh is called on leased slots only")
        };
        let earlier = now + fixation < lease.expires_at;
        lease.last_seen = now;
        lease.expires_at = now + fixation;
        let lease = *lease;
        slot.order = order;
        if earlier {
            // A shorter fixation (or a clock that went back): the old hint
            // would be late, so make a fresh entry.
            let state = slot.state;
            self.set_state(id, state);
            let slot = &self.slots[id as usize];
            self.deadlines
                .push(Reverse((lease.expires_at, order, id, slot.epoch)));
        } else {
            self.touched(id);
        }
        lease
    }

    /// Ends the lease on slot `id` at `at`: the number cools down (or leaves,
    /// if draining). The session keeps its claim while the number cools.
    fn end_lease(&mut self, id: Id, at: Instant) -> Option<Lease> {
        let State::Leased { lease, draining } = self.slots[id as usize].state else {
            return None;
        };
        self.journal_close(lease.number, at);
        if self.config.cooldown.is_zero() {
            self.by_session.remove(&lease.session);
            if draining {
                self.vacate(id);
            } else {
                self.push_free(id);
            }
        } else {
            // A removed number rests here too before it leaves: a late call
            // from its last holder is never another pool's (a shard's) new visitor's.
            self.push_cooling(id, at + self.config.cooldown, draining);
        }
        Some(lease)
    }

    fn vacate(&mut self, id: Id) {
        let number = self.slots[id as usize].number;
        self.by_number.remove(&number);
        self.set_state(id, State::Vacant { next: self.vacant });
        self.slots[id as usize].last_holder = None;
        self.vacant = Some(id);
    }

    /// Drops stale entries from the tops of the heaps, so the tops are live.
    fn settle(&mut self) {
        while let Some(&Reverse((at, order, id, epoch))) = self.deadlines.peek() {
            let slot = &self.slots[id as usize];
            if slot.epoch != epoch {
                self.deadlines.pop();
                continue;
            }
            match slot.state {
                // Renewed since this entry was made: move it to its real deadline.
                State::Leased { lease, .. } if (lease.expires_at, slot.order) != (at, order) => {
                    let entry = Reverse((lease.expires_at, slot.order, id, epoch));
                    self.deadlines.pop();
                    self.deadlines.push(entry);
                }
                _ => break,
            }
        }
        while let Some(&Reverse((_, _, id, epoch))) = self.cooling.peek() {
            if self.slots[id as usize].epoch == epoch {
                break;
            }
            self.cooling.pop();
        }
        // Keep lazily deleted entries from piling up.
        let live = self.counts.leased as usize;
        if self.deadlines.len() > 2 * live + 64 {
            let slots = &self.slots;
            self.deadlines
                .retain(|Reverse((_, _, id, e))| slots[*id as usize].epoch == *e);
        }
        let live = self.counts.cooling as usize;
        if self.cooling.len() > 2 * live + 64 {
            let slots = &self.slots;
            self.cooling
                .retain(|Reverse((_, _, id, e))| slots[*id as usize].epoch == *e);
        }
        let live = self.counts.free as usize;
        if self.free.len() > 2 * live + 64 {
            let slots = &self.slots;
            self.free.retain(|(id, e)| slots[*id as usize].epoch == *e);
        }
    }

    /// Ends every lease whose deadline is at or before `now` (at its
    /// deadline, not at `now`: an alarm that fires late changes nothing),
    /// and frees every number whose cooldown is over.
    pub fn expire(&mut self, now: Instant) -> Expired {
        let mut done = Expired::default();
        loop {
            self.settle();
            let lease_due = self.deadlines.peek().map(|Reverse((t, ..))| *t);
            let cool_due = self.cooling.peek().map(|Reverse((t, ..))| *t);
            // Process in time order, so a lease that ends and cools within
            // the window takes its place in the free queue in order.
            match (lease_due, cool_due) {
                (Some(l), c) if l <= now && c.is_none_or(|c| l <= c) => {
                    let Some(Reverse((at, _, id, _))) = self.deadlines.pop() else {
                        break;
                    };
                    self.end_lease(id, at);
                    done.leases += 1;
                }
                (_, Some(c)) if c <= now => {
                    let Some(Reverse((_, _, id, _))) = self.cooling.pop() else {
                        break;
                    };
                    if let Some(s) = self.slots[id as usize].last_holder {
                        if self.by_session.get(&s) == Some(&id) {
                            self.by_session.remove(&s);
                        }
                    }
                    if matches!(
                        self.slots[id as usize].state,
                        State::Cooling { draining: true, .. }
                    ) {
                        self.vacate(id);
                    } else {
                        self.push_free(id);
                    }
                    done.cooled += 1;
                }
                _ => break,
            }
        }
        done
    }

    /// When the pool next needs [`Pool::expire`]: the earliest lease
    /// deadline or end of cooldown. `None` when nothing is pending.
    pub fn next_deadline(&self) -> Option<Instant> {
        let l = self.deadlines.peek().map(|Reverse((t, ..))| *t);
        let c = self.cooling.peek().map(|Reverse((t, ..))| *t);
        match (l, c) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Gives `session` a number: its own again if its lease lives (renewed)
    /// or its number still cools down after it; else the least recently
    /// released free number; else what the exhaustion policy says.
    pub fn lease(&mut self, session: SessionId, now: Instant) -> Assignment {
        self.expire(now);
        self.stats.requests += 1;
        if let Some(&id) = self.by_session.get(&session) {
            match self.slots[id as usize].state {
                State::Leased { lease, .. } if lease.session == session => {
                    let lease = self.refresh(id, now);
                    self.settle();
                    return Assignment::Leased {
                        lease,
                        origin: Origin::Resumed,
                    };
                }
                State::Cooling {
                    draining: false, ..
                } if self.slots[id as usize].last_holder == Some(session) => {
                    let lease = self.hold(id, session, now, now);
                    self.journal_open(lease.number, session, now);
                    self.settle();
                    return Assignment::Leased {
                        lease,
                        origin: Origin::Reclaimed,
                    };
                }
                _ => {
                    self.by_session.remove(&session);
                }
            }
        }
        while let Some((id, epoch)) = self.free.pop_front() {
            if self.slots[id as usize].epoch != epoch {
                continue;
            }
            let lease = self.hold(id, session, now, now);
            self.journal_open(lease.number, session, now);
            self.settle();
            return Assignment::Leased {
                lease,
                origin: Origin::New,
            };
        }
        if let Exhaustion::Recycle { min_idle } = self.config.exhaustion {
            if let Some(&Reverse((_, _, id, _))) = self.deadlines.peek() {
                if let State::Leased {
                    lease: old,
                    draining: false,
                } = self.slots[id as usize].state
                {
                    if now.saturating_since(old.last_seen) >= min_idle {
                        self.by_session.remove(&old.session);
                        self.journal_close(old.number, now);
                        let lease = self.hold(id, session, now, now);
                        self.journal_open(lease.number, session, now);
                        self.stats.recycled += 1;
                        self.settle();
                        return Assignment::Leased {
                            lease,
                            origin: Origin::Recycled { from: old.session },
                        };
                    }
                }
            }
        }
        self.stats.fallbacks += 1;
        Assignment::Fallback(self.config.fallback)
    }

    /// Extends the session's live lease: a heartbeat.
    pub fn renew(&mut self, session: SessionId, now: Instant) -> Result<Lease, LeaseError> {
        self.expire(now);
        let id = self
            .live_slot(session)
            .ok_or(LeaseError::UnknownSession(session))?;
        let lease = self.refresh(id, now);
        self.settle();
        Ok(lease)
    }

    /// Ends the session's lease now (the visitor left). The number cools
    /// down; the ended lease is returned.
    pub fn release(&mut self, session: SessionId, now: Instant) -> Result<Lease, LeaseError> {
        self.expire(now);
        let id = self
            .live_slot(session)
            .ok_or(LeaseError::UnknownSession(session))?;
        let lease = self
            .end_lease(id, now)
            .ok_or(LeaseError::UnknownSession(session))?;
        self.settle();
        Ok(lease)
    }

    fn live_slot(&self, session: SessionId) -> Option<Id> {
        let &id = self.by_session.get(&session)?;
        match self.slots[id as usize].state {
            State::Leased { lease, .. } if lease.session == session => Some(id),
            _ => None,
        }
    }

    /// The session's live lease.
    pub fn lease_of(&self, session: SessionId) -> Option<Lease> {
        let id = self.live_slot(session)?;
        match self.slots[id as usize].state {
            State::Leased { lease, .. } => Some(lease),
            _ => None,
        }
    }

    /// Whether the session holds a live lease here, or may reclaim its
    /// number that still cools down after it.
    pub fn claims(&self, session: SessionId) -> bool {
        let Some(&id) = self.by_session.get(&session) else {
            return false;
        };
        match self.slots[id as usize].state {
            State::Leased { lease, .. } => lease.session == session,
            State::Cooling { draining, .. } => {
                !draining && self.slots[id as usize].last_holder == Some(session)
            }
            _ => false,
        }
    }

    /// Adds a number at the back of the free queue.
    pub fn add(&mut self, number: PhoneNumber) -> Result<(), AddError> {
        if self.by_number.contains_key(&number) {
            return Err(AddError::Duplicate(number));
        }
        let id = match self.vacant {
            Some(id) => {
                let State::Vacant { next } = self.slots[id as usize].state else {
                    return Err(AddError::Full(number));
                };
                self.vacant = next;
                self.slots[id as usize].number = number;
                id
            }
            None => {
                let id = Id::try_from(self.slots.len()).map_err(|_| AddError::Full(number))?;
                if id == Id::MAX {
                    return Err(AddError::Full(number));
                }
                self.slots.push(Slot {
                    number,
                    state: State::Vacant { next: None },
                    epoch: 0,
                    order: 0,
                    last_holder: None,
                });
                id
            }
        };
        self.by_number.insert(number, id);
        self.push_free(id);
        Ok(())
    }

    /// Removes a number. A leased number drains: its session keeps it until
    /// the lease ends, then it rests (cools down) and leaves. A cooling
    /// number rests to its end, then leaves. Either is never leased again
    /// here, and is gone only once a late call from its last holder can no
    /// longer be another visitor's.
    pub fn remove(&mut self, number: PhoneNumber) -> Result<Removal, RemoveError> {
        let &id = self
            .by_number
            .get(&number)
            .ok_or(RemoveError::NotFound(number))?;
        match self.slots[id as usize].state {
            State::Leased { lease, .. } => {
                self.set_state(
                    id,
                    State::Leased {
                        lease,
                        draining: true,
                    },
                );
                let slot = &self.slots[id as usize];
                self.deadlines
                    .push(Reverse((lease.expires_at, slot.order, id, slot.epoch)));
                self.settle();
                Ok(Removal::Draining {
                    until: lease.expires_at,
                })
            }
            State::Cooling { until, .. } => {
                self.set_state(
                    id,
                    State::Cooling {
                        until,
                        draining: true,
                    },
                );
                let slot = &self.slots[id as usize];
                self.cooling
                    .push(Reverse((until, slot.order, id, slot.epoch)));
                self.settle();
                Ok(Removal::Draining { until })
            }
            _ => {
                if let Some(s) = self.slots[id as usize].last_holder {
                    if self.by_session.get(&s) == Some(&id) {
                        self.by_session.remove(&s);
                    }
                }
                self.vacate(id);
                self.settle();
                Ok(Removal::Removed)
            }
        }
    }

    /// Makes the pool hold exactly `numbers`: adds the missing ones, removes
    /// the others (leased ones drain). Duplicates in `numbers` count once.
    pub fn resize(&mut self, numbers: &[PhoneNumber]) -> Resized {
        let mut done = Resized::default();
        let keep: HashMap<PhoneNumber, (), FixedState> = {
            let mut m = HashMap::with_capacity_and_hasher(numbers.len(), FixedState::with_seed(0));
            for n in numbers {
                m.insert(*n, ());
            }
            m
        };
        let mut gone: Vec<PhoneNumber> = self
            .slots
            .iter()
            .filter(|s| {
                !matches!(
                    s.state,
                    State::Vacant { .. }
                        | State::Leased { draining: true, .. }
                        | State::Cooling { draining: true, .. }
                )
            })
            .map(|s| s.number)
            .filter(|n| !keep.contains_key(n))
            .collect();
        gone.sort_unstable();
        for n in gone {
            match self.remove(n) {
                Ok(Removal::Removed) => done.removed += 1,
                Ok(Removal::Draining { .. }) => done.draining += 1,
                Err(_) => {}
            }
        }
        for n in numbers {
            match self
                .by_number
                .get(n)
                .map(|&id| self.slots[id as usize].state)
            {
                // A draining number that is wanted again stays.
                Some(State::Leased {
                    lease,
                    draining: true,
                }) => {
                    let id = self.by_number[n];
                    self.set_state(
                        id,
                        State::Leased {
                            lease,
                            draining: false,
                        },
                    );
                    let slot = &self.slots[id as usize];
                    self.deadlines
                        .push(Reverse((lease.expires_at, slot.order, id, slot.epoch)));
                }
                Some(State::Cooling {
                    until,
                    draining: true,
                }) => {
                    let id = self.by_number[n];
                    self.set_state(
                        id,
                        State::Cooling {
                            until,
                            draining: false,
                        },
                    );
                    let slot = &self.slots[id as usize];
                    self.cooling
                        .push(Reverse((until, slot.order, id, slot.epoch)));
                }
                Some(_) => {}
                None => {
                    if self.add(*n).is_ok() {
                        done.added += 1;
                    }
                }
            }
        }
        self.settle();
        done
    }

    /// The state of one number, or `None` if the pool does not have it.
    pub fn status(&self, number: PhoneNumber) -> Option<Status> {
        let &id = self.by_number.get(&number)?;
        let slot = &self.slots[id as usize];
        Some(match slot.state {
            State::Free => Status::Free,
            State::Leased {
                lease,
                draining: false,
            } => Status::Leased(lease),
            State::Leased {
                lease,
                draining: true,
            } => Status::Draining(lease),
            State::Cooling { until, .. } => Status::Cooling {
                until,
                last: slot.last_holder,
            },
            State::Vacant { .. } => return None,
        })
    }

    /// Every number of the pool with its state, in slot order.
    pub fn numbers(&self) -> impl Iterator<Item = (PhoneNumber, Status)> + '_ {
        self.slots
            .iter()
            .filter(|s| !matches!(s.state, State::Vacant { .. }))
            .filter_map(|s| self.status(s.number).map(|st| (s.number, st)))
    }

    /// Every live lease, in slot order.
    pub fn leases(&self) -> impl Iterator<Item = Lease> + '_ {
        self.slots.iter().filter_map(|s| match s.state {
            State::Leased { lease, .. } => Some(lease),
            _ => None,
        })
    }

    /// How many numbers the pool has (draining ones included).
    pub fn len(&self) -> usize {
        (self.counts.free + self.counts.leased + self.counts.cooling) as usize
    }

    /// Whether the pool has no numbers.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Counters since creation (or as restored).
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// One number's state as a snapshot row, for shells that persist row by
    /// row (see [`Pool::take_changes`]). `None` when the pool does not have it.
    pub fn snapshot_of(&self, number: PhoneNumber) -> Option<NumberSnapshot> {
        let &id = self.by_number.get(&number)?;
        let s = &self.slots[id as usize];
        let state = match s.state {
            State::Vacant { .. } => return None,
            State::Free => SnapState::Free,
            State::Leased { lease, draining } => SnapState::Leased { lease, draining },
            State::Cooling { until, draining } => SnapState::Cooling { until, draining },
        };
        Some(NumberSnapshot {
            number: s.number,
            state,
            order: s.order,
            last_holder: s.last_holder,
        })
    }

    /// Utilisation now and counters since creation.
    pub fn metrics(&self) -> Metrics {
        Metrics {
            total: self.counts.free + self.counts.leased + self.counts.cooling,
            leased: self.counts.leased,
            free: self.counts.free,
            cooling: self.counts.cooling,
            draining: self.counts.draining,
            peak_leased: self.stats.peak_leased,
            requests: self.stats.requests,
            fallbacks: self.stats.fallbacks,
            recycled: self.stats.recycled,
        }
    }

    /// Checks the invariants; `Err` names the first one broken. For tests
    /// and for shells that verify restored state.
    pub fn check(&self) -> Result<(), &'static str> {
        let mut counts = Counts::default();
        let mut holders: HashMap<SessionId, Id, FixedState> =
            HashMap::with_hasher(FixedState::with_seed(1));
        for (i, s) in self.slots.iter().enumerate() {
            let id = i as Id;
            match s.state {
                State::Vacant { .. } => {
                    if self.by_number.get(&s.number) == Some(&id) {
                        return Err("a vacant slot is indexed by number");
                    }
                    continue;
                }
                State::Free => counts.free += 1,
                State::Cooling { .. } => counts.cooling += 1,
                State::Leased { lease, draining } => {
                    counts.leased += 1;
                    counts.draining += u32::from(draining);
                    if holders.insert(lease.session, id).is_some() {
                        return Err("a session holds two numbers");
                    }
                    if self.by_session.get(&lease.session) != Some(&id) {
                        return Err("a lease is not indexed by its session");
                    }
                    if lease.number != s.number {
                        return Err("a lease names another number than its slot");
                    }
                }
            }
            if self.by_number.get(&s.number) != Some(&id) {
                return Err("a number is not indexed");
            }
        }
        if counts != self.counts {
            return Err("state counts are off");
        }
        if self.by_number.len() as u32 != counts.free + counts.leased + counts.cooling {
            return Err("the number index has extra entries");
        }
        let queued = self
            .free
            .iter()
            .filter(|(id, e)| self.slots[*id as usize].epoch == *e)
            .count();
        if queued != counts.free as usize {
            return Err("free queue and free numbers disagree");
        }
        let cooling = self
            .cooling
            .iter()
            .filter(|Reverse((_, _, id, e))| self.slots[*id as usize].epoch == *e)
            .count();
        if cooling != counts.cooling as usize {
            return Err("cooling heap and cooling numbers disagree");
        }
        let deadlines = self
            .deadlines
            .iter()
            .filter(|Reverse((_, _, id, e))| self.slots[*id as usize].epoch == *e)
            .count();
        if deadlines != counts.leased as usize {
            return Err("deadline heap and leases disagree");
        }
        Ok(())
    }
}

/// A pool's whole state as plain values, for a shell to persist.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Snapshot {
    /// The configuration.
    pub config: Config,
    /// Every number, sorted by number.
    pub numbers: Vec<NumberSnapshot>,
    /// The queue sequence counter.
    pub seq: u64,
    /// Counters.
    pub stats: Stats,
    /// The holder journal.
    pub journal: Vec<crate::journal::Entry>,
}

/// One number's state in a [`Snapshot`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NumberSnapshot {
    /// The number.
    pub number: PhoneNumber,
    /// Its state.
    pub state: SnapState,
    /// Its place in the free queue, the cooling order or among equal deadlines.
    pub order: u64,
    /// Who held it last.
    pub last_holder: Option<SessionId>,
}

/// A number's state in a [`Snapshot`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "state", rename_all = "snake_case"))]
pub enum SnapState {
    /// Free.
    Free,
    /// Leased.
    Leased {
        /// The lease.
        lease: Lease,
        /// Removed and draining.
        draining: bool,
    },
    /// Cooling down.
    Cooling {
        /// Until when.
        until: Instant,
        /// Removed: it leaves when the rest ends.
        #[cfg_attr(feature = "serde", serde(default))]
        draining: bool,
    },
}

/// Why a snapshot could not be restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RestoreError {
    /// A number appears twice.
    DuplicateNumber(PhoneNumber),
    /// A session holds two numbers.
    SessionHoldsTwo(SessionId),
    /// A lease names another number than the one it is stored under.
    LeaseMismatch(PhoneNumber),
    /// More numbers than a pool can index.
    TooManyNumbers,
}

impl fmt::Display for RestoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestoreError::DuplicateNumber(n) => write!(f, "{n} appears twice in the snapshot"),
            RestoreError::SessionHoldsTwo(s) => write!(f, "session {s} holds two numbers"),
            RestoreError::LeaseMismatch(n) => {
                write!(f, "the lease stored under {n} names another number")
            }
            RestoreError::TooManyNumbers => f.write_str("more numbers than a pool can index"),
        }
    }
}

impl core::error::Error for RestoreError {}

impl Pool {
    /// The whole state as plain values. [`Pool::restore`] gives a pool that
    /// behaves identically.
    pub fn snapshot(&self) -> Snapshot {
        let mut numbers: Vec<NumberSnapshot> = self
            .slots
            .iter()
            .filter(|s| !matches!(s.state, State::Vacant { .. }))
            .filter_map(|s| self.snapshot_of(s.number))
            .collect();
        // Sorted by number: the same state gives the same snapshot, whatever
        // the slot layout.
        numbers.sort_unstable_by_key(|n| n.number);
        Snapshot {
            config: self.config,
            numbers,
            seq: self.seq,
            stats: self.stats,
            journal: self.journal.entries(),
        }
    }

    /// Rebuilds a pool from a snapshot, checking it. `seed` as in [`Pool::new`].
    pub fn restore(snapshot: Snapshot, seed: u64) -> Result<Pool, RestoreError> {
        let mut p = Pool::new(snapshot.config, seed);
        if snapshot.numbers.len() >= Id::MAX as usize {
            return Err(RestoreError::TooManyNumbers);
        }
        let mut free: Vec<(u64, Id)> = Vec::new();
        for (i, n) in snapshot.numbers.iter().enumerate() {
            let id = i as Id;
            if p.by_number.insert(n.number, id).is_some() {
                return Err(RestoreError::DuplicateNumber(n.number));
            }
            let state = match n.state {
                SnapState::Free => {
                    p.counts.free += 1;
                    free.push((n.order, id));
                    State::Free
                }
                SnapState::Leased { lease, draining } => {
                    if lease.number != n.number {
                        return Err(RestoreError::LeaseMismatch(n.number));
                    }
                    if p.by_session.insert(lease.session, id).is_some() {
                        return Err(RestoreError::SessionHoldsTwo(lease.session));
                    }
                    p.counts.leased += 1;
                    p.counts.draining += u32::from(draining);
                    p.deadlines
                        .push(Reverse((lease.expires_at, n.order, id, 0)));
                    State::Leased { lease, draining }
                }
                SnapState::Cooling { until, draining } => {
                    p.counts.cooling += 1;
                    p.cooling.push(Reverse((until, n.order, id, 0)));
                    State::Cooling { until, draining }
                }
            };
            p.slots.push(Slot {
                number: n.number,
                state,
                epoch: 0,
                order: n.order,
                last_holder: n.last_holder,
            });
        }
        // Cooling numbers keep their claim for their last holder, unless that
        // session holds another number.
        for (i, n) in snapshot.numbers.iter().enumerate() {
            if let (SnapState::Cooling { .. }, Some(s)) = (n.state, n.last_holder) {
                p.by_session.entry(s).or_insert(i as Id);
            }
        }
        free.sort_unstable();
        p.free.extend(free.into_iter().map(|(_, id)| (id, 0)));
        p.seq = snapshot
            .numbers
            .iter()
            .map(|n| n.order)
            .max()
            .unwrap_or(0)
            .max(snapshot.seq);
        p.stats = snapshot.stats;
        for e in snapshot.journal {
            p.journal.insert(e);
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(i: u32) -> PhoneNumber {
        let s = alloc::format!("+7495{:07}", 1_000_000 + i);
        s.parse().unwrap()
    }
    fn s(x: u128) -> SessionId {
        SessionId::from_u128(x)
    }
    fn t(ms: i64) -> Instant {
        Instant::from_millis(ms)
    }
    fn config() -> Config {
        Config {
            fixation: Duration::from_millis(100),
            cooldown: Duration::from_millis(50),
            grace: Duration::from_millis(20),
            exhaustion: Exhaustion::Fallback,
            fallback: Some(num(999)),
        }
    }
    /// A pool of `n` numbers, all free.
    fn pool(n: u32) -> Pool {
        Pool::with_numbers(config(), 7, (0..n).map(num)).unwrap()
    }
    fn leased(a: Assignment) -> (PhoneNumber, Origin) {
        match a {
            Assignment::Leased { lease, origin } => (lease.number, origin),
            other => panic!("expected a lease, got {other:?}"),
        }
    }

    #[test]
    fn leases_in_order_and_resumes() {
        let mut p = pool(3);
        assert_eq!(leased(p.lease(s(1), t(0))), (num(0), Origin::New));
        assert_eq!(leased(p.lease(s(2), t(0))), (num(1), Origin::New));
        // The same session again: same number, renewed.
        let a = p.lease(s(1), t(10));
        assert_eq!(leased(a), (num(0), Origin::Resumed));
        assert_eq!(a.lease().unwrap().expires_at, t(110));
        assert_eq!(a.lease().unwrap().since, t(0));
        assert_eq!(p.metrics().leased, 2);
        p.check().unwrap();
    }

    #[test]
    fn least_recently_released_first_with_cooldown() {
        let mut p = pool(3);
        for i in 0..3 {
            p.lease(s(i), t(0));
        }
        p.release(s(1), t(10)).unwrap(); // num(1) cools until 60
        p.release(s(0), t(20)).unwrap(); // num(0) cools until 70
                                         // Still cooling at 30: exhausted.
        assert_eq!(p.lease(s(9), t(30)), Assignment::Fallback(Some(num(999))));
        assert_eq!(p.next_deadline(), Some(t(60)));
        // num(1) was released first, so it is reused first.
        assert_eq!(leased(p.lease(s(10), t(65))), (num(1), Origin::New));
        assert_eq!(leased(p.lease(s(11), t(75))), (num(0), Origin::New));
        p.check().unwrap();
    }

    #[test]
    fn expiry_at_deadline_and_heartbeat() {
        let mut p = pool(2);
        p.lease(s(1), t(0));
        p.lease(s(2), t(0));
        assert_eq!(p.next_deadline(), Some(t(100)));
        // Heartbeat keeps s(1).
        let l = p.renew(s(1), t(90)).unwrap();
        assert_eq!(l.expires_at, t(190));
        assert_eq!(p.next_deadline(), Some(t(100)));
        // A late alarm: expiry is recorded at the deadline.
        let e = p.expire(t(130));
        assert_eq!(
            e,
            Expired {
                leases: 1,
                cooled: 0
            }
        );
        assert_eq!(
            p.status(num(1)),
            Some(Status::Cooling {
                until: t(150),
                last: Some(s(2))
            })
        );
        assert_eq!(p.journal().of(num(1)).next().unwrap().until, Some(t(100)));
        assert_eq!(p.next_deadline(), Some(t(150)));
        assert_eq!(
            p.expire(t(150)),
            Expired {
                leases: 0,
                cooled: 1
            }
        );
        assert_eq!(p.status(num(1)), Some(Status::Free));
        assert_eq!(p.renew(s(2), t(151)), Err(LeaseError::UnknownSession(s(2))));
        assert!(p.lease_of(s(1)).is_some());
        p.check().unwrap();
    }

    #[test]
    fn returning_session_reclaims_its_cooling_number() {
        let mut p = pool(2);
        p.lease(s(1), t(0));
        p.release(s(1), t(10)).unwrap();
        assert_eq!(leased(p.lease(s(1), t(20))), (num(0), Origin::Reclaimed));
        // After the cooldown the claim is gone: a new number from the queue.
        p.release(s(1), t(30)).unwrap();
        p.expire(t(100));
        assert_eq!(leased(p.lease(s(1), t(100))), (num(1), Origin::New));
        p.check().unwrap();
    }

    #[test]
    fn recycle_longest_idle() {
        let mut c = config();
        c.exhaustion = Exhaustion::Recycle {
            min_idle: Duration::from_millis(30),
        };
        let mut p = Pool::with_numbers(c, 1, (0..2).map(num)).unwrap();
        p.lease(s(1), t(0));
        p.lease(s(2), t(5));
        // Nobody idle long enough yet.
        assert_eq!(p.lease(s(3), t(20)), Assignment::Fallback(Some(num(999))));
        let a = p.lease(s(3), t(40));
        assert_eq!(leased(a), (num(0), Origin::Recycled { from: s(1) }));
        assert_eq!(p.lease_of(s(1)), None);
        assert_eq!(p.attribute(num(0), t(39)), Some(s(1)));
        assert_eq!(p.attribute(num(0), t(40)), Some(s(3)));
        let m = p.metrics();
        assert_eq!((m.requests, m.fallbacks, m.recycled), (4, 1, 1));
        p.check().unwrap();
    }

    #[test]
    fn release_errors_and_zero_cooldown() {
        let mut c = config();
        c.cooldown = Duration::ZERO;
        let mut p = Pool::with_numbers(c, 1, (0..1).map(num)).unwrap();
        assert_eq!(p.release(s(1), t(0)), Err(LeaseError::UnknownSession(s(1))));
        p.lease(s(1), t(0));
        p.release(s(1), t(1)).unwrap();
        assert_eq!(p.release(s(1), t(2)), Err(LeaseError::UnknownSession(s(1))));
        assert_eq!(p.status(num(0)), Some(Status::Free));
        assert_eq!(leased(p.lease(s(2), t(2))), (num(0), Origin::New));
        assert!(LeaseError::UnknownSession(s(1))
            .to_string()
            .contains("holds no number"));
    }

    #[test]
    fn resize_never_breaks_live_leases() {
        let mut p = pool(3);
        p.lease(s(1), t(0)); // num(0)
        p.release(s(1), t(1)).unwrap(); // num(0) cooling until t(51)
        p.lease(s(2), t(1)); // num(1)
        let r = p.resize(&[num(2), num(3), num(3)]);
        // Both removed numbers drain: the leased one to its lease's end and
        // its rest, the cooling one to its rest's end.
        assert_eq!(
            r,
            Resized {
                added: 1,
                removed: 0,
                draining: 2
            }
        );
        assert!(matches!(p.status(num(0)), Some(Status::Cooling { .. })));
        assert!(!p.claims(s(1)), "a draining number is never taken back");
        assert!(matches!(p.status(num(1)), Some(Status::Draining(_))));
        p.expire(t(52));
        assert_eq!(p.status(num(0)), None, "gone once rested");
        // The draining lease still renews; released, it rests, then leaves.
        assert!(p.renew(s(2), t(60)).is_ok());
        p.release(s(2), t(70)).unwrap();
        assert!(matches!(p.status(num(1)), Some(Status::Cooling { .. })));
        assert_ne!(
            leased(p.lease(s(9), t(71))).0,
            num(1),
            "never leased again here"
        );
        p.expire(t(121));
        assert_eq!(p.status(num(1)), None);
        assert_eq!(p.len(), 2);
        p.check().unwrap();
        assert_eq!(p.add(num(2)), Err(AddError::Duplicate(num(2))));
        assert_eq!(p.remove(num(77)), Err(RemoveError::NotFound(num(77))));
        // Removed slots are reused: num(3) came while both still rested.
        assert_eq!(p.slots.len(), 4);
        p.add(num(0)).unwrap();
        p.add(num(5)).unwrap();
        assert_eq!(p.slots.len(), 4);
        p.add(num(6)).unwrap();
        assert_eq!(p.slots.len(), 5);
        p.check().unwrap();
    }

    #[test]
    fn a_resting_number_removed_and_wanted_again_stays() {
        let mut p = pool(2);
        p.lease(s(1), t(0));
        p.release(s(1), t(1)).unwrap();
        p.resize(&[num(1)]);
        assert!(!p.claims(s(1)));
        p.resize(&[num(0), num(1)]);
        assert!(p.claims(s(1)), "its last holder may take it back again");
        p.expire(t(60));
        assert_eq!(p.status(num(0)), Some(Status::Free));
        p.check().unwrap();
    }

    #[test]
    fn resize_can_take_back_a_draining_number() {
        let mut p = pool(2);
        p.lease(s(1), t(0));
        p.resize(&[num(1)]);
        assert!(matches!(p.status(num(0)), Some(Status::Draining(_))));
        p.resize(&[num(0), num(1)]);
        assert!(matches!(p.status(num(0)), Some(Status::Leased(_))));
        p.expire(t(100));
        assert!(matches!(p.status(num(0)), Some(Status::Cooling { .. })));
        p.check().unwrap();
    }

    #[test]
    fn metrics_and_fallback_share() {
        let mut p = pool(1);
        p.lease(s(1), t(0));
        p.lease(s(2), t(0));
        p.lease(s(3), t(0));
        let m = p.metrics();
        assert_eq!((m.total, m.leased, m.free, m.peak_leased), (1, 1, 0, 1));
        assert!((m.fallback_share() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(Metrics::default().fallback_share(), 0.0);
    }

    #[test]
    fn change_tracking() {
        let mut p = pool(2);
        p.track_changes(true);
        p.lease(s(1), t(0));
        p.lease(s(1), t(5));
        assert_eq!(p.take_changes(), [num(0)]);
        assert!(p.take_changes().is_empty());
        p.expire(t(1000));
        assert_eq!(p.take_changes(), [num(0)]);
    }

    #[test]
    fn journal_change_tracking() {
        let mut p = pool(2);
        p.track_changes(true);
        p.lease(s(1), t(0));
        assert_eq!(p.take_journal_changes(), [(num(0), 2)]);
        // A renewal changes the number's row, never its journal.
        p.lease(s(1), t(5));
        assert_eq!(p.take_changes(), [num(0)]);
        assert!(p.take_journal_changes().is_empty());
        p.release(s(1), t(6)).unwrap();
        assert_eq!(p.take_journal_changes(), [(num(0), 2)]);
        // num(0) cools down: the next visitor gets num(1).
        p.lease(s(2), t(7));
        assert_eq!(p.take_journal_changes(), [(num(1), 2)]);
        // Expiry closes num(1)'s interval; num(0)'s cooldown ending is no journal change.
        p.expire(t(10_000_000));
        assert_eq!(p.take_changes(), [num(0), num(1)]);
        assert_eq!(p.take_journal_changes(), [(num(1), 2)]);
        // Three holders of one number between two calls: its three newest intervals changed.
        let mut q = Pool::with_numbers(
            Config {
                cooldown: Duration::ZERO,
                ..config()
            },
            7,
            [num(0)],
        )
        .unwrap();
        q.track_changes(true);
        for k in 1..=3 {
            q.lease(s(k), t(k as i64));
            q.release(s(k), t(k as i64)).unwrap();
        }
        q.lease(s(4), t(4));
        let changed = q.take_journal_changes();
        assert_eq!(changed, [(num(0), 8)]);
        assert!(q.journal().of(num(0)).count() <= changed[0].1);
    }

    #[test]
    fn snapshot_restore_same_behaviour() {
        let mut p = pool(4);
        p.lease(s(1), t(0));
        p.lease(s(2), t(1));
        p.release(s(1), t(2)).unwrap();
        p.lease(s(3), t(3));
        let mut q = Pool::restore(p.snapshot(), 99).unwrap();
        q.check().unwrap();
        assert_eq!(p.snapshot(), q.snapshot());
        for (i, now) in [(1, 10), (4, 11), (5, 12), (6, 60), (7, 200)] {
            assert_eq!(p.lease(s(i), t(now)), q.lease(s(i), t(now)));
        }
        assert_eq!(p.next_deadline(), q.next_deadline());
        assert_eq!(p.snapshot(), q.snapshot());
    }

    #[test]
    fn restore_rejects_bad_snapshots() {
        let mut p = pool(2);
        p.lease(s(1), t(0));
        let mut snap = p.snapshot();
        snap.numbers[1].number = snap.numbers[0].number;
        assert_eq!(
            Pool::restore(snap, 0).unwrap_err(),
            RestoreError::DuplicateNumber(num(0))
        );
        let mut snap = p.snapshot();
        let SnapState::Leased { lease, .. } = snap.numbers[0].state else {
            unreachable!()
        };
        snap.numbers[1].state = SnapState::Leased {
            lease: Lease {
                number: num(1),
                ..lease
            },
            draining: false,
        };
        assert_eq!(
            Pool::restore(snap.clone(), 0).unwrap_err(),
            RestoreError::SessionHoldsTwo(s(1))
        );
        snap.numbers[1].state = SnapState::Leased {
            lease,
            draining: false,
        };
        assert_eq!(
            Pool::restore(snap, 0).unwrap_err(),
            RestoreError::LeaseMismatch(num(1))
        );
    }

    #[test]
    fn many_heartbeats_do_not_pile_up() {
        let mut p = pool(2);
        p.lease(s(1), t(0));
        for i in 0..10_000 {
            p.renew(s(1), t(i)).unwrap();
        }
        assert!(p.deadlines.len() < 200);
        p.check().unwrap();
    }
}
