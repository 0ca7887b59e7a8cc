//! Health alerts, pure: "numbers are not being swapped" and "pool
//! exhausted", decided from counts the site's object reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What the object knows when it checks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Signals {
    /// Sessions created in the last 7 days.
    pub sessions_week: u64,
    /// Sessions created in the last `quiet_hours`.
    pub sessions_recent: u64,
    /// The window of `sessions_recent`, hours.
    pub quiet_hours: u64,
    /// Coverage pages reported in the last day.
    pub pages_reported: u64,
    /// Of those, pages where the site's numbers were found but none swapped
    /// for no known reason.
    pub pages_unswapped: u64,
    /// Of those, pages where none of the site's numbers was found.
    pub pages_without_numbers: u64,
    /// Leases answered with the fallback in the last hour.
    pub fallbacks_hour: u64,
    /// Lease answers in the last hour.
    pub requests_hour: u64,
}

impl Signals {
    /// Adds another shard's counts of the same site (the window stays).
    pub fn add(&mut self, o: &Signals) {
        self.sessions_week += o.sessions_week;
        self.sessions_recent += o.sessions_recent;
        self.pages_reported += o.pages_reported;
        self.pages_unswapped += o.pages_unswapped;
        self.pages_without_numbers += o.pages_without_numbers;
        self.fallbacks_hour += o.fallbacks_hour;
        self.requests_hour += o.requests_hour;
    }
}

/// One alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// `not_swapping` or `pool_exhausted`.
    pub kind: &'static str,
    /// Which signal raised it: `quiet`, `found_not_swapped`,
    /// `numbers_not_found` or `fallbacks`; with `figures`, what a dashboard
    /// words in its own language.
    pub reason: &'static str,
    /// The counts the message names.
    pub figures: BTreeMap<&'static str, u64>,
    /// For people, in English.
    pub message: String,
}

fn alert(
    kind: &'static str,
    reason: &'static str,
    figures: &[(&'static str, u64)],
    message: String,
) -> Alert {
    Alert {
        kind,
        reason,
        figures: figures.iter().copied().collect(),
        message,
    }
}

/// The alerts the signals raise.
pub fn check(s: &Signals) -> Vec<Alert> {
    let mut out = Vec::new();
    // Traffic that makes silence unlikely: at least 5 sessions expected in the window.
    let expected = s.sessions_week as f64 / (7.0 * 24.0) * s.quiet_hours as f64;
    if s.sessions_week >= 50 && expected >= 5.0 && s.sessions_recent == 0 {
        out.push(alert(
            "not_swapping",
            "quiet",
            &[("hours", s.quiet_hours), ("expected", expected.round() as u64)],
            format!(
                "no visitor asked for a number in the last {} hours, where about {expected:.0} were likely: is the script still on the site?",
                s.quiet_hours
            ),
        ));
    } else if s.pages_unswapped > 0 {
        out.push(alert(
            "not_swapping",
            "found_not_swapped",
            &[("pages", s.pages_unswapped), ("reported", s.pages_reported)],
            format!(
                "on {} of {} pages reported in the last day the site's numbers were found but not swapped",
                s.pages_unswapped, s.pages_reported
            ),
        ));
    } else if s.pages_reported >= 5 && s.pages_without_numbers == s.pages_reported {
        out.push(alert(
            "not_swapping",
            "numbers_not_found",
            &[("reported", s.pages_reported)],
            format!(
                "the script found none of the site's numbers on any of the {} pages reported in the last day: are the target numbers in the config the ones on the site?",
                s.pages_reported
            ),
        ));
    }
    if s.fallbacks_hour > 0 {
        out.push(alert(
            "pool_exhausted",
            "fallbacks",
            &[("fallbacks", s.fallbacks_hour), ("requests", s.requests_hour)],
            format!(
                "the pool ran out: {} of {} number requests in the last hour got the fallback; add numbers (see sizing)",
                s.fallbacks_hour, s.requests_hour
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &Signals) -> Vec<&'static str> {
        check(s).into_iter().map(|a| a.kind).collect()
    }

    #[test]
    fn quiet_is_an_alert_only_where_traffic_makes_it_unlikely() {
        let busy = Signals {
            sessions_week: 7 * 24 * 10,
            quiet_hours: 2,
            ..Signals::default()
        };
        assert_eq!(kinds(&busy), ["not_swapping"]);
        let small = Signals {
            sessions_week: 60,
            quiet_hours: 2,
            ..Signals::default()
        };
        assert!(
            kinds(&small).is_empty(),
            "1 session in 2 hours is normal for a small site"
        );
        assert!(kinds(&Signals {
            sessions_recent: 3,
            ..busy.clone()
        })
        .is_empty());
    }

    #[test]
    fn coverage_and_fallbacks() {
        let s = Signals {
            sessions_recent: 10,
            pages_reported: 4,
            pages_unswapped: 1,
            ..Signals::default()
        };
        assert_eq!(kinds(&s), ["not_swapping"]);
        let none_found = Signals {
            sessions_recent: 10,
            pages_reported: 6,
            pages_without_numbers: 6,
            ..Signals::default()
        };
        assert_eq!(kinds(&none_found), ["not_swapping"]);
        let out = Signals {
            sessions_recent: 10,
            fallbacks_hour: 3,
            requests_hour: 40,
            ..Signals::default()
        };
        let a = check(&out);
        assert_eq!(a[0].kind, "pool_exhausted");
        assert!(a[0].message.contains("3 of 40"));
        assert_eq!(
            (
                a[0].reason,
                a[0].figures["fallbacks"],
                a[0].figures["requests"]
            ),
            ("fallbacks", 3, 40)
        );
    }
}
