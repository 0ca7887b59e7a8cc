//! Time as plain values: the core never reads a clock.
//!
//! [`Instant`] is a point in time in milliseconds since the Unix epoch (the
//! unit of `Date.now()` in JavaScript and of Durable Object alarms), and
//! [`Duration`] a non-negative span in milliseconds. Arithmetic saturates
//! instead of overflowing: bad input can make a deadline far away, never a
//! panic.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};

/// A point in time, in milliseconds since the Unix epoch.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Instant {
    millis: i64,
}

impl Instant {
    /// The Unix epoch.
    pub const ZERO: Instant = Instant { millis: 0 };
    /// The latest representable instant.
    pub const MAX: Instant = Instant { millis: i64::MAX };

    /// An instant `millis` milliseconds after the Unix epoch.
    pub const fn from_millis(millis: i64) -> Instant {
        Instant { millis }
    }

    /// An instant `secs` seconds after the Unix epoch.
    pub const fn from_secs(secs: i64) -> Instant {
        Instant {
            millis: secs.saturating_mul(1000),
        }
    }

    /// Milliseconds since the Unix epoch.
    pub const fn millis(self) -> i64 {
        self.millis
    }

    /// The span from `earlier` to `self`, or zero when `earlier` is later.
    pub const fn saturating_since(self, earlier: Instant) -> Duration {
        let d = self.millis.saturating_sub(earlier.millis);
        if d <= 0 {
            Duration::ZERO
        } else {
            Duration { millis: d as u64 }
        }
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Instant({}ms)", self.millis)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.millis)
    }
}

/// A non-negative span of time, in milliseconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Duration {
    millis: u64,
}

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration { millis: 0 };
    /// The longest representable span.
    pub const MAX: Duration = Duration { millis: u64::MAX };

    /// A span of `millis` milliseconds.
    pub const fn from_millis(millis: u64) -> Duration {
        Duration { millis }
    }

    /// A span of `secs` seconds.
    pub const fn from_secs(secs: u64) -> Duration {
        Duration {
            millis: secs.saturating_mul(1000),
        }
    }

    /// A span of `mins` minutes.
    pub const fn from_mins(mins: u64) -> Duration {
        Duration::from_secs(mins.saturating_mul(60))
    }

    /// A span of `hours` hours.
    pub const fn from_hours(hours: u64) -> Duration {
        Duration::from_mins(hours.saturating_mul(60))
    }

    /// A span of `days` days.
    pub const fn from_days(days: u64) -> Duration {
        Duration::from_hours(days.saturating_mul(24))
    }

    /// The span in milliseconds.
    pub const fn millis(self) -> u64 {
        self.millis
    }

    /// The span in whole seconds, rounded down.
    pub const fn secs(self) -> u64 {
        self.millis / 1000
    }

    /// Whether this is the zero span.
    pub const fn is_zero(self) -> bool {
        self.millis == 0
    }

    /// `self * n`, saturating.
    pub const fn saturating_mul(self, n: u64) -> Duration {
        Duration {
            millis: self.millis.saturating_mul(n),
        }
    }
}

impl fmt::Debug for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Duration({}ms)", self.millis)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.millis;
        if ms % 3_600_000 == 0 && ms > 0 {
            write!(f, "{}h", ms / 3_600_000)
        } else if ms % 60_000 == 0 && ms > 0 {
            write!(f, "{}min", ms / 60_000)
        } else if ms % 1000 == 0 && ms > 0 {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{}ms", ms)
        }
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        let add = i64::try_from(rhs.millis).unwrap_or(i64::MAX);
        Instant {
            millis: self.millis.saturating_add(add),
        }
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, rhs: Duration) -> Instant {
        let sub = i64::try_from(rhs.millis).unwrap_or(i64::MAX);
        Instant {
            millis: self.millis.saturating_sub(sub),
        }
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    /// The span between two instants, zero when `rhs` is later.
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_since(rhs)
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, rhs: Duration) -> Duration {
        Duration {
            millis: self.millis.saturating_add(rhs.millis),
        }
    }
}

impl Sub for Duration {
    type Output = Duration;
    fn sub(self, rhs: Duration) -> Duration {
        Duration {
            millis: self.millis.saturating_sub(rhs.millis),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn constructors_agree() {
        assert_eq!(Duration::from_secs(90), Duration::from_millis(90_000));
        assert_eq!(Duration::from_mins(2), Duration::from_secs(120));
        assert_eq!(Duration::from_hours(1), Duration::from_mins(60));
        assert_eq!(Duration::from_days(1), Duration::from_hours(24));
        assert_eq!(Instant::from_secs(3), Instant::from_millis(3000));
        assert_eq!(Duration::from_millis(2500).secs(), 2);
    }

    #[test]
    fn instant_arithmetic() {
        let t = Instant::from_millis(1_000);
        assert_eq!(t + Duration::from_millis(500), Instant::from_millis(1_500));
        assert_eq!(t - Duration::from_millis(1_500), Instant::from_millis(-500));
        assert_eq!(Instant::from_millis(1_500) - t, Duration::from_millis(500));
        // Earlier minus later is zero, not negative.
        assert_eq!(t - Instant::from_millis(1_500), Duration::ZERO);
        let mut u = t;
        u += Duration::from_secs(1);
        assert_eq!(u, Instant::from_millis(2_000));
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        assert_eq!(Instant::MAX + Duration::from_millis(1), Instant::MAX);
        assert_eq!(Instant::ZERO + Duration::MAX, Instant::MAX);
        assert_eq!(
            Instant::from_millis(i64::MIN) - Duration::MAX,
            Instant::from_millis(i64::MIN)
        );
        assert_eq!(Duration::MAX + Duration::from_millis(1), Duration::MAX);
        assert_eq!(Duration::ZERO - Duration::from_millis(1), Duration::ZERO);
        assert_eq!(Duration::from_days(u64::MAX), Duration::MAX);
        assert_eq!(
            Instant::MAX.saturating_since(Instant::from_millis(i64::MIN)),
            Duration::from_millis(i64::MAX as u64)
        );
    }

    #[test]
    fn display() {
        assert_eq!(Duration::from_mins(30).to_string(), "30min");
        assert_eq!(Duration::from_hours(2).to_string(), "2h");
        assert_eq!(Duration::from_secs(45).to_string(), "45s");
        assert_eq!(Duration::from_millis(1500).to_string(), "1500ms");
        assert_eq!(Duration::ZERO.to_string(), "0ms");
        assert_eq!(Instant::from_millis(7).to_string(), "7ms");
    }

    #[test]
    fn ordering() {
        assert!(Instant::from_millis(1) < Instant::from_millis(2));
        assert!(Duration::from_secs(1) > Duration::from_millis(999));
    }
}
