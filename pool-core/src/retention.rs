//! How long what a site stores is kept: its records for the site's
//! `retention_days`, what serves only a short while for less. The shell
//! deletes what is older than each [`Horizons`] field, hourly.
//!
//! ```
//! use pool_core::retention::horizons;
//! use pool_core::time::{Duration, Instant};
//!
//! let now = Instant::from_secs(1_800_000_000);
//! let h = horizons(Duration::from_days(400), now);
//! assert_eq!(h.records, now - Duration::from_days(400));
//! // A visit's trail serves the calls of its visit: a week.
//! assert_eq!(h.trails, now - Duration::from_days(7));
//! // A site that keeps only three days keeps trails no longer.
//! assert_eq!(horizons(Duration::from_days(3), now).trails, now - Duration::from_days(3));
//! ```

use crate::time::{Duration, Instant};

/// A visit's trail (pages and events) is copied into each call of the
/// visit; kept with the session only while a call may still come.
pub const TRAILS: Duration = Duration::from_days(7);
/// Delivered events (webhooks, CRM, GA4, SMS, e-mail): for a look back.
pub const DELIVERED: Duration = Duration::from_days(7);
/// Failed and refused deliveries: long enough to be replayed.
pub const FAILED: Duration = Duration::from_days(30);
/// Missed-call alerts sent: only what is not sent yet matters.
pub const ALERTS_SENT: Duration = Duration::from_days(7);

/// Before each of these, what it names is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizons {
    /// Calls, leads, sessions (visits), call-back requests, CRM links,
    /// the holder journal, pool samples, alerts never sent.
    pub records: Instant,
    /// Sessions' trails.
    pub trails: Instant,
    /// Delivered events.
    pub delivered: Instant,
    /// Failed and refused deliveries.
    pub failed: Instant,
    /// Missed-call alerts sent.
    pub alerts_sent: Instant,
}

/// The horizons at `now` for a site that keeps its records for `retention`;
/// nothing is kept longer than `retention`.
pub fn horizons(retention: Duration, now: Instant) -> Horizons {
    let within = |d: Duration| now - d.min(retention);
    Horizons {
        records: now - retention,
        trails: within(TRAILS),
        delivered: within(DELIVERED),
        failed: within(FAILED),
        alerts_sent: within(ALERTS_SENT),
    }
}
