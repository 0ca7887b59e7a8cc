//! Deliveries: an event for a receiver (a webhook, a CRM, an SMS or e-mail
//! API, an analytics endpoint) is tried until the receiver takes it.
//!
//! A try that may succeed later (no answer, a 5xx, a 429) is tried again
//! with a backoff that doubles from a second up to an hour, for at least
//! [`RETRY_FOR`] from the first try: a receiver down over a long weekend
//! loses nothing. Then the delivery is kept as failed, with its last error,
//! until someone replays it ([`replay`]). What the receiver refuses as such
//! (a 4xx of an SMS or e-mail API: a bad number, an unknown sender) fails
//! at once: it would fail the same way every time.
//!
//! ```
//! use pool_core::delivery::{after_failure, Next, RETRY_FOR};
//! use pool_core::time::{Duration, Instant};
//!
//! let first = Instant::from_secs(1_700_000_000);
//! // The first try failed: again in a second; the tenth: in 512 s.
//! assert_eq!(after_failure(first, 1, first), Next::At(first + Duration::from_secs(1)));
//! let later = first + Duration::from_mins(20);
//! assert_eq!(after_failure(first, 10, later), Next::At(later + Duration::from_secs(512)));
//! // Past the twelfth try, hourly.
//! let day = first + Duration::from_days(1);
//! assert_eq!(after_failure(first, 30, day), Next::At(day + Duration::from_hours(1)));
//! // Tried for 72 hours: kept as failed.
//! assert_eq!(after_failure(first, 80, first + RETRY_FOR), Next::Failed);
//! ```

use crate::time::{Duration, Instant};

/// How long a delivery is tried before it is kept as failed.
pub const RETRY_FOR: Duration = Duration::from_hours(72);

/// The longest wait between two tries.
pub const MAX_BACKOFF: Duration = Duration::from_hours(1);

/// What comes after a try that failed and may succeed later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Try again then.
    At(Instant),
    /// No more tries by itself: kept as failed, replayable.
    Failed,
}

/// After try number `attempts` (1 for the first) failed at `now`, for a
/// delivery first tried (or last replayed) at `since`: when to try again,
/// or whether it has failed.
pub fn after_failure(since: Instant, attempts: u32, now: Instant) -> Next {
    if now.saturating_since(since) >= RETRY_FOR {
        return Next::Failed;
    }
    let doubled = Duration::from_secs(1u64 << attempts.saturating_sub(1).min(12));
    Next::At(now + doubled.min(MAX_BACKOFF))
}

/// Whether a delivery in `state` (`pending`, `delivered`, `failed`,
/// `refused`) may be replayed: one that ended without being taken.
pub fn replay(state: &str) -> bool {
    matches!(state, "failed" | "refused" | "dropped")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The instants of every try of a delivery that always fails, the first at `t0`.
    fn tries(t0: Instant) -> alloc::vec::Vec<Instant> {
        let mut at = alloc::vec![t0];
        loop {
            let n = at.len() as u32;
            match after_failure(t0, n, *at.last().unwrap()) {
                Next::At(t) => at.push(t),
                Next::Failed => return at,
            }
        }
    }

    #[test]
    fn a_receiver_down_for_three_days_still_gets_the_event() {
        let t0 = Instant::from_secs(1_700_000_000);
        let at = tries(t0);
        let last = *at.last().unwrap();
        assert!(
            last.saturating_since(t0) >= RETRY_FOR,
            "tried for {:?}",
            last.saturating_since(t0)
        );
        assert!(last.saturating_since(t0) < RETRY_FOR + MAX_BACKOFF);
        // Never more than an hour between two tries, and a try in every hour of the three days.
        for w in at.windows(2) {
            assert!(w[1].saturating_since(w[0]) <= MAX_BACKOFF);
        }
        // A bounded number of tries: a dead receiver costs ~84 requests, not thousands.
        assert!(at.len() < 90, "{} tries", at.len());
    }

    #[test]
    fn only_what_ended_untaken_is_replayed() {
        for s in ["failed", "refused", "dropped"] {
            assert!(replay(s), "{s}");
        }
        for s in ["pending", "delivered", ""] {
            assert!(!replay(s), "{s}");
        }
    }
}
