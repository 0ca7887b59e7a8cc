//! Missed-call alerts: when the people a site names are told, and what.
//!
//! A missed call waits for the next message. Messages go at most one per
//! digest interval (the calls missed in between are summed up in the next),
//! and never in the site's quiet hours (what is missed then goes when they
//! end). Pure: the shell passes the site's UTC offset as a function, reads
//! the clock, and sends what [`message`] writes.
//!
//! ```
//! use pool_core::notify::{send_at, message, Missed, Policy, QuietHours};
//! use pool_core::time::{Duration, Instant};
//!
//! // Quiet from 21:00 to 09:00 (UTC here); at most one message in 15 minutes.
//! let policy = Policy {
//!     quiet: Some(QuietHours { from_min: 21 * 60, to_min: 9 * 60 }),
//!     digest: Duration::from_mins(15),
//! };
//! let utc = |_: Instant| 0;
//! let day = Instant::from_secs(1_764_633_600); // 2025-12-02 00:00 UTC
//! let at_noon = day + Duration::from_hours(12);
//! // Missed at noon, nothing sent lately: at once.
//! assert_eq!(send_at(&policy, at_noon, None, &utc), at_noon);
//! // Sent five minutes before: ten minutes later, with what else was missed.
//! let sent = at_noon - Duration::from_mins(5);
//! assert_eq!(send_at(&policy, at_noon, Some(sent), &utc), at_noon + Duration::from_mins(10));
//! // Missed at 23:00: at 09:00 the next morning.
//! let late = day + Duration::from_hours(23);
//! assert_eq!(send_at(&policy, late, None, &utc), day + Duration::from_hours(33));
//!
//! let calls = [Missed { caller: Some("+79161234567".into()), at: at_noon, channel: "paid_search".into() }];
//! let m = message(&calls, "Smile Dental", &utc);
//! assert_eq!(m.subject, "Missed call: +79161234567 at 12:00 (paid_search)");
//! assert!(m.body.contains("tel:+79161234567"));
//! ```

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::calendar::minutes;
use crate::time::{Duration, Instant};

/// The hours no message is sent, in the site's local time: from `from_min`
/// to `to_min` (minutes after midnight), across midnight when `from_min >
/// to_min`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// When they start (minutes after local midnight, 0 to 1439).
    pub from_min: u16,
    /// When they end.
    pub to_min: u16,
}

/// When messages may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// No message in these hours.
    pub quiet: Option<QuietHours>,
    /// At most one message per this long.
    pub digest: Duration,
}

const DAY_MS: i64 = 86_400_000;

impl QuietHours {
    /// Reads `"21:00"`-style times; `None` when either is not `HH:MM`.
    pub fn parse(from: &str, to: &str) -> Option<QuietHours> {
        Some(QuietHours {
            from_min: minutes(from)?,
            to_min: minutes(to)?,
        })
    }

    fn holds(&self, minute: u16) -> bool {
        if self.from_min <= self.to_min {
            (self.from_min..self.to_min).contains(&minute)
        } else {
            minute >= self.from_min || minute < self.to_min
        }
    }
}

/// When the message about a call missed at `missed` goes: at once, unless
/// one went within the digest interval (then when it is over), and never in
/// quiet hours (then when they end). `offset_ms` is the site's UTC offset.
pub fn send_at(
    policy: &Policy,
    missed: Instant,
    last_sent: Option<Instant>,
    offset_ms: &dyn Fn(Instant) -> i64,
) -> Instant {
    let mut at = missed;
    if let Some(last) = last_sent {
        at = at.max(last + policy.digest);
    }
    let Some(q) = policy.quiet else {
        return at;
    };
    let local = at.millis() + offset_ms(at);
    let minute = (local.rem_euclid(DAY_MS) / 60_000) as u16;
    if !q.holds(minute) {
        return at;
    }
    // The end of the quiet hours: today's, or tomorrow's when they cross midnight.
    let midnight = local - local.rem_euclid(DAY_MS);
    let mut end = midnight + i64::from(q.to_min) * 60_000;
    if end <= local {
        end += DAY_MS;
    }
    Instant::from_millis(end - offset_ms(at))
}

/// A missed call, as an alert tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missed {
    /// Who called (E.164), unless withheld.
    pub caller: Option<String>,
    /// When.
    pub at: Instant,
    /// The channel it came from.
    pub channel: String,
}

/// An alert's text: a subject (and the SMS's first line) and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// One line.
    pub subject: String,
    /// Every call, each with a `tel:` link to call back.
    pub body: String,
}

fn hh_mm(at: Instant, offset_ms: &dyn Fn(Instant) -> i64) -> String {
    let local = at.millis() + offset_ms(at);
    let min = local.rem_euclid(DAY_MS) / 60_000;
    format!("{:02}:{:02}", min / 60, min % 60)
}

/// The words of an alert, which the shell takes from the site's language
/// (its catalogs); [`english`] says them in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words<'a> {
    /// The subject of an alert about one call.
    One {
        /// Who called (a number, or the withheld words).
        caller: &'a str,
        /// When, `HH:MM` in the site's time.
        time: &'a str,
        /// The channel's name.
        channel: &'a str,
    },
    /// The subject of a digest of `count` calls, the first at `time`.
    Many {
        /// How many.
        count: usize,
        /// The first one's `HH:MM`.
        time: &'a str,
    },
    /// One call's line in the body.
    Line {
        /// Who called.
        caller: &'a str,
        /// When.
        time: &'a str,
        /// The channel's name.
        channel: &'a str,
    },
    /// The `tel:` link to call back `number`.
    CallBack {
        /// The number.
        number: &'a str,
    },
    /// A withheld number.
    Withheld,
    /// A channel's name (`paid_search` in, the reader's words out).
    Channel(&'a str),
}

/// The words in English.
pub fn english(w: Words<'_>) -> String {
    match w {
        Words::One {
            caller,
            time,
            channel,
        } => format!("Missed call: {caller} at {time} ({channel})"),
        Words::Many { count, time } => format!("{count} missed calls since {time}"),
        Words::Line {
            caller,
            time,
            channel,
        } => format!("- {caller} at {time}, from {channel}."),
        Words::CallBack { number } => format!("Call back: tel:{number}"),
        Words::Withheld => String::from("a withheld number"),
        Words::Channel(c) => String::from(c),
    }
}

/// The message about `calls` (oldest first) for the site `site`, in English.
pub fn message(calls: &[Missed], site: &str, offset_ms: &dyn Fn(Instant) -> i64) -> Message {
    message_in(calls, site, offset_ms, &english)
}

/// The message about `calls` (oldest first) for the site `site`, in `words`.
pub fn message_in(
    calls: &[Missed],
    site: &str,
    offset_ms: &dyn Fn(Instant) -> i64,
    words: &dyn Fn(Words<'_>) -> String,
) -> Message {
    let withheld = words(Words::Withheld);
    let who = |c: &Missed| c.caller.clone().unwrap_or_else(|| withheld.clone());
    let subject = match calls {
        [one] => words(Words::One {
            caller: &who(one),
            time: &hh_mm(one.at, offset_ms),
            channel: &words(Words::Channel(&one.channel)),
        }),
        _ => words(Words::Many {
            count: calls.len(),
            time: &calls
                .first()
                .map_or_else(String::new, |c| hh_mm(c.at, offset_ms)),
        }),
    };
    let mut lines: Vec<String> = Vec::with_capacity(calls.len() + 1);
    lines.push(format!("{site}: {subject}."));
    for c in calls {
        let mut line = words(Words::Line {
            caller: &who(c),
            time: &hh_mm(c.at, offset_ms),
            channel: &words(Words::Channel(&c.channel)),
        });
        if let Some(n) = c.caller.as_deref() {
            line.push(' ');
            line.push_str(&words(Words::CallBack { number: n }));
        }
        lines.push(line);
    }
    Message {
        subject,
        body: lines.join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> Instant {
        Instant::from_secs(1_764_633_600) // a UTC midnight
    }

    #[test]
    fn quiet_hours_within_a_day_and_across_midnight() {
        let lunch = QuietHours::parse("13:00", "14:00").unwrap();
        assert!(lunch.holds(13 * 60) && !lunch.holds(14 * 60) && !lunch.holds(12 * 60));
        let night = QuietHours::parse("21:00", "9:00").unwrap();
        assert!(night.holds(23 * 60) && night.holds(0) && night.holds(8 * 60 + 59));
        assert!(!night.holds(9 * 60) && !night.holds(20 * 60));
        for bad in ["24:00", "9", "09:60", "ab:cd", "9:5"] {
            assert_eq!(minutes(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_site_time_zone_decides_what_is_quiet() {
        let p = Policy {
            quiet: QuietHours::parse("21:00", "09:00"),
            digest: Duration::ZERO,
        };
        let moscow = |_: Instant| 3 * 3_600_000;
        // 19:00 UTC is 22:00 in Moscow: quiet until 09:00 Moscow, 06:00 UTC the next day.
        let at = day() + Duration::from_hours(19);
        assert_eq!(
            send_at(&p, at, None, &moscow),
            day() + Duration::from_hours(30)
        );
        // 05:00 UTC is 08:00 Moscow: an hour later.
        let early = day() + Duration::from_hours(5);
        assert_eq!(
            send_at(&p, early, None, &moscow),
            day() + Duration::from_hours(6)
        );
        // No quiet hours: at once.
        let open = Policy { quiet: None, ..p };
        assert_eq!(send_at(&open, at, None, &moscow), at);
    }

    #[test]
    fn a_digest_sums_up_what_was_missed() {
        let utc = |_: Instant| 0;
        let t = day() + Duration::from_hours(10);
        let calls = [
            Missed {
                caller: Some("+79161234567".into()),
                at: t,
                channel: "paid_search".into(),
            },
            Missed {
                caller: None,
                at: t + Duration::from_mins(3),
                channel: "direct".into(),
            },
        ];
        let m = message(&calls, "Clinic", &utc);
        assert_eq!(m.subject, "2 missed calls since 10:00");
        assert!(m.body.starts_with("Clinic: 2 missed calls since 10:00."));
        assert!(m
            .body
            .contains("- +79161234567 at 10:00, from paid_search. Call back: tel:+79161234567"));
        assert!(m
            .body
            .contains("- a withheld number at 10:03, from direct."));
    }
}
