//! Shards: a site bigger than one object splits its pools across `N`
//! objects. Which shard owns a tracking number, and which two shards a
//! session may live in, are decided here, by a stable hash that never
//! changes between versions (stored leases and routed calls depend on it).
//!
//! * A number belongs to shard `hash(number) mod N`: its leases, its journal
//!   and the calls to it are there, so a call needs no fan-out.
//! * A session goes to its first shard, `hash(session) mod N`; when that
//!   shard has no room, to its second, a different one chosen by another
//!   part of the same hash (two choices keep the shards evenly used).
//!   Heartbeats and releases find it in the first, else the second.
//!
//! ```
//! use pool_core::number::PhoneNumber;
//! use pool_core::session::SessionId;
//! use pool_core::shard;
//!
//! let n: PhoneNumber = "+74990000001".parse().unwrap();
//! assert!(shard::of_number(n, 4) < 4);
//! assert_eq!(shard::of_number(n, 1), 0);
//! let s = SessionId::from_u128(7);
//! let (first, second) = (shard::first(s, 4), shard::second(s, 4));
//! assert_ne!(first, second);
//! ```

use alloc::vec::Vec;

use crate::number::PhoneNumber;
use crate::session::SessionId;

/// The most shards a site may have.
pub const MAX_SHARDS: u32 = 64;

/// FNV-1a, 64 bits: simple, stable, and good enough to spread ids that are
/// random already (sessions) or nearly sequential (a pool's numbers).
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // A final mix, so that the low bits depend on every byte.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

fn reduce(h: u64, shards: u32) -> u32 {
    (h % u64::from(shards.max(1))) as u32
}

/// The shard that owns a tracking number (`0..shards`).
pub fn of_number(number: PhoneNumber, shards: u32) -> u32 {
    // The digits of the E.164 form, country code first.
    reduce(fnv1a(number.digits().iter().map(|d| b'0' + d)), shards)
}

fn session_hash(session: SessionId) -> u64 {
    fnv1a(session.as_u128().to_be_bytes())
}

/// A session's first shard.
pub fn first(session: SessionId, shards: u32) -> u32 {
    reduce(session_hash(session), shards)
}

/// A session's second shard: another one than the first (the first itself
/// when there is only one).
pub fn second(session: SessionId, shards: u32) -> u32 {
    if shards <= 1 {
        return 0;
    }
    let f = first(session, shards);
    let step = 1 + reduce(session_hash(session).rotate_left(32), shards - 1);
    (f + step) % shards
}

/// Whether `shard` is one of the two a session may live in.
pub fn may_hold(session: SessionId, shards: u32, shard: u32) -> bool {
    shard == first(session, shards) || shard == second(session, shards)
}

/// A change of a site's count of shards under way. A number whose owner
/// changes drains in its old shard (its lease, if any, runs to its end; no
/// new one) and only then is its new shard's to lease: never two holders.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Move {
    /// The count of shards before.
    pub from: u32,
    /// Moving numbers their old shard no longer holds: the new one leases them.
    pub arrived: Vec<PhoneNumber>,
    /// When the last moving number arrived (ms since the epoch): calls to
    /// moved numbers still ask their old shard for a grace window after it.
    pub done_at: Option<i64>,
}

impl Move {
    /// Whether `number` changes shard (from `self.from` to `shards`).
    pub fn moves(&self, number: PhoneNumber, shards: u32) -> bool {
        of_number(number, self.from) != of_number(number, shards)
    }

    /// Whether shard `index` (of `shards`) may lease `number` now.
    pub fn holds(&self, number: PhoneNumber, shards: u32, index: u32) -> bool {
        of_number(number, shards) == index
            && (!self.moves(number, shards) || self.arrived.contains(&number))
    }

    /// How many shards hold anything during the move.
    pub fn span(&self, shards: u32) -> u32 {
        self.from.max(shards)
    }
}

/// The shards a session may live in, in the order to look: its two under
/// `shards`, then, while a move is under way, its two under the old count.
pub fn places(session: SessionId, shards: u32, moving: Option<&Move>) -> Vec<u32> {
    let mut out = alloc::vec![first(session, shards), second(session, shards)];
    if let Some(m) = moving {
        out.push(first(session, m.from));
        out.push(second(session, m.from));
    }
    let mut seen = Vec::with_capacity(out.len());
    for k in out {
        if !seen.contains(&k) {
            seen.push(k);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn num(i: u32) -> PhoneNumber {
        alloc::format!("+7499{:07}", 1_000_000 + i).parse().unwrap()
    }

    #[test]
    fn one_shard_is_shard_zero() {
        for i in 0..100 {
            assert_eq!(of_number(num(i), 1), 0);
            let s = SessionId::from_u128(u128::from(i) * 7919);
            assert_eq!((first(s, 1), second(s, 1)), (0, 0));
        }
    }

    #[test]
    fn the_hash_never_changes() {
        // Stored leases and routed calls depend on these values: a change
        // here would move numbers between shards of live sites.
        assert_eq!(of_number(num(0), 4), of_number(num(0), 4));
        let fixed: vec::Vec<u32> = (0..8).map(|i| of_number(num(i), 4)).collect();
        assert_eq!(fixed, [2, 1, 1, 2, 3, 2, 0, 2]);
        let s = SessionId::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!((first(s, 4), second(s, 4)), (2, 1));
    }

    #[test]
    fn numbers_and_sessions_spread_evenly() {
        let shards = 4;
        let mut by_number = [0u32; 4];
        for i in 0..4000 {
            by_number[of_number(num(i), shards) as usize] += 1;
        }
        let mut by_session = [0u32; 4];
        for i in 0..4000u128 {
            let s = SessionId::from_u128(i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835));
            by_session[first(s, shards) as usize] += 1;
        }
        for n in by_number.iter().chain(&by_session) {
            assert!((850..=1150).contains(n), "{by_number:?} {by_session:?}");
        }
    }

    #[test]
    fn the_second_shard_differs_from_the_first() {
        for shards in 2..=MAX_SHARDS {
            for i in 0..200u128 {
                let s = SessionId::from_u128(i * 1_000_003);
                let (f, g) = (first(s, shards), second(s, shards));
                assert!(f < shards && g < shards);
                assert_ne!(f, g);
                assert!(may_hold(s, shards, f) && may_hold(s, shards, g));
            }
        }
    }

    #[test]
    fn a_move_never_lets_two_shards_lease_one_number() {
        let mut m = Move {
            from: 2,
            ..Move::default()
        };
        let to = 4;
        for i in 0..200 {
            let n = num(i);
            let owners: vec::Vec<u32> = (0..m.span(to)).filter(|k| m.holds(n, to, *k)).collect();
            if m.moves(n, to) {
                // Not yet arrived: no shard under the new count leases it (the old one drains it).
                assert!(owners.is_empty(), "{n} {owners:?}");
            } else {
                assert_eq!(owners, [of_number(n, to)]);
            }
        }
        let moving: vec::Vec<PhoneNumber> = (0..200).map(num).filter(|n| m.moves(*n, to)).collect();
        assert!(!moving.is_empty());
        m.arrived = moving.clone();
        for n in moving {
            assert!(m.holds(n, to, of_number(n, to)));
        }
    }

    #[test]
    fn a_session_is_looked_for_in_its_new_places_then_its_old() {
        let s = SessionId::from_u128(0xfeed_beef);
        assert_eq!(places(s, 1, None), [0]);
        assert_eq!(places(s, 4, None), [first(s, 4), second(s, 4)]);
        let m = Move {
            from: 2,
            ..Move::default()
        };
        let p = places(s, 4, Some(&m));
        assert_eq!(&p[..2], &[first(s, 4), second(s, 4)]);
        assert!(p.contains(&first(s, 2)) && p.contains(&second(s, 2)));
        let mut sorted = p.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), p.len(), "each shard once");
    }
}
