//! The calendar of a site: weekdays, civil dates and hours in its local
//! time, and the hours its office works. Pure: the local time comes in as
//! milliseconds since the epoch with the site's UTC offset already added
//! (the shells know the time zones); [`WorkingHours::next_open`] takes the
//! offset as a function, since it may change (daylight saving).

use crate::time::Instant;

const DAY_MS: i64 = 86_400_000;

/// The days (Monday first) and hours the office takes calls, in the site's
/// local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    /// Monday to Sunday.
    pub days: [bool; 7],
    /// Opens, minutes after midnight.
    pub from_min: u16,
    /// Closes (after `from_min`, the same day).
    pub to_min: u16,
}

/// The weekday names a config uses, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl WorkingHours {
    /// Reads weekday names (`mon` ... `sun`) and `HH:MM` times (`to` may be
    /// `24:00`, the end of the day); `None` when a name or a time is not one,
    /// or the office would close before it opens.
    pub fn parse(days: &[&str], from: &str, to: &str) -> Option<WorkingHours> {
        let mut d = [false; 7];
        for name in days {
            let i = WEEKDAYS
                .iter()
                .position(|w| w.eq_ignore_ascii_case(name.trim()))?;
            d[i] = true;
        }
        let to_min = if to.trim() == "24:00" {
            24 * 60
        } else {
            minutes(to)?
        };
        let from_min = minutes(from)?;
        (from_min < to_min && d.iter().any(|x| *x)).then_some(WorkingHours {
            days: d,
            from_min,
            to_min,
        })
    }

    /// `None` when the office is open at `at`; else when it opens next.
    pub fn next_open(&self, at: Instant, offset_ms: &dyn Fn(Instant) -> i64) -> Option<Instant> {
        let local = at.millis() + offset_ms(at);
        let midnight = local - local.rem_euclid(DAY_MS);
        let minute = (local.rem_euclid(DAY_MS) / 60_000) as u16;
        let (weekday, _) = weekday_hour(local);
        if self.days[weekday] && (self.from_min..self.to_min).contains(&minute) {
            return None;
        }
        for ahead in 0..8i64 {
            let day = (weekday + ahead as usize) % 7;
            let open = midnight + ahead * DAY_MS + i64::from(self.from_min) * 60_000;
            if self.days[day] && open > local {
                // The offset at the opening itself (daylight saving may change it).
                let guess = Instant::from_millis(open - offset_ms(at));
                return Some(Instant::from_millis(open - offset_ms(guess)));
            }
        }
        None
    }
}

/// The day count since 1970-01-01 of a civil date (proleptic Gregorian;
/// the inverse of [`civil_from_days`] for real dates).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    // Howard Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01 (proleptic Gregorian).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The weekday (Monday 0 to Sunday 6) and hour (0 to 23) of a local time
/// in ms since the epoch.
pub fn weekday_hour(local_ms: i64) -> (usize, usize) {
    let days = local_ms.div_euclid(86_400_000);
    // 1970-01-01 was a Thursday.
    let weekday = (days + 3).rem_euclid(7) as usize;
    let hour = (local_ms.rem_euclid(86_400_000) / 3_600_000) as usize;
    (weekday, hour)
}

/// `"09:30"` as minutes after midnight.
pub fn minutes(hhmm: &str) -> Option<u16> {
    let (h, m) = hhmm.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_781), (2026, 11, 24));
    }

    #[test]
    fn hours_in_the_site_time_zone_and_over_the_weekend() {
        let hours =
            WorkingHours::parse(&["mon", "tue", "wed", "thu", "fri"], "09:00", "18:00").unwrap();
        let moscow = |_: Instant| 3 * 3_600_000;
        let friday_1630_utc = Instant::from_secs(1_764_952_200); // 2025-12-05 16:30 UTC: 19:30 Moscow
        let monday_0900_moscow = Instant::from_secs(1_765_173_600); // 2025-12-08 06:00 UTC
        assert_eq!(
            hours.next_open(friday_1630_utc, &moscow),
            Some(monday_0900_moscow)
        );
        let friday_1400_utc = friday_1630_utc - Duration::from_mins(150); // 17:00 Moscow
        assert_eq!(hours.next_open(friday_1400_utc, &moscow), None);
        assert!(WorkingHours::parse(&["mon"], "18:00", "09:00").is_none());
        // All day: to 24:00.
        let all = WorkingHours::parse(&WEEKDAYS, "00:00", "24:00").unwrap();
        let late = Instant::from_secs(1_764_719_940); // 2025-12-02 23:59 UTC
        assert_eq!(all.next_open(late, &|_| 0), None);
        assert!(WorkingHours::parse(&["someday"], "09:00", "18:00").is_none());
        assert!(WorkingHours::parse(&[], "09:00", "18:00").is_none());
    }
}
