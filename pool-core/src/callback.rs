//! Call-back requests: a visitor leaves a number, the business's office is
//! called first and, when someone answers, the visitor is dialled (the
//! order the trade uses, so the visitor never waits on hold).
//!
//! Pure decisions: whether a number may be called ([`check_number`]: a
//! country the site allows, no premium-rate range), when the office is open
//! ([`crate::calendar::WorkingHours::next_open`]: in the site's time zone,
//! passed as a UTC offset function), and how a request stands ([`State`]).
//!
//! ```
//! use pool_core::calendar::WorkingHours;
//! use pool_core::callback::{check_number, Refusal};
//! use pool_core::number::{PhoneNumber, Region};
//! use pool_core::time::{Duration, Instant};
//!
//! let ru = [Region::RU];
//! let visitor: PhoneNumber = "+79161234567".parse().unwrap();
//! assert_eq!(check_number(visitor, &ru), Ok(()));
//! assert_eq!(check_number("+74950000000".parse().unwrap(), &ru), Ok(()));
//! assert_eq!(check_number("+78095551234".parse().unwrap(), &ru), Err(Refusal::Premium));
//! assert_eq!(check_number("+14155550100".parse().unwrap(), &ru), Err(Refusal::Country));
//!
//! // Weekdays 09:00 to 18:00 (UTC here).
//! let hours = WorkingHours::parse(&["mon", "tue", "wed", "thu", "fri"], "09:00", "18:00").unwrap();
//! let utc = |_: Instant| 0;
//! let tuesday_noon = Instant::from_secs(1_764_676_800); // 2025-12-02 12:00 UTC, a Tuesday
//! assert_eq!(hours.next_open(tuesday_noon, &utc), None); // open: now
//! let tuesday_night = tuesday_noon + Duration::from_hours(10);
//! assert_eq!(hours.next_open(tuesday_night, &utc), Some(tuesday_noon + Duration::from_hours(21)));
//! ```

use core::fmt;

use crate::number::{PhoneNumber, Region};
use crate::numbering;
use crate::time::{Duration, Instant};

/// Why a number may not be called back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its country is not one the site calls.
    Country,
    /// A premium-rate number.
    Premium,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::Country => "a number in a country this site does not call back",
            Refusal::Premium => "a premium-rate number",
        })
    }
}

/// Whether `n` may be called back: in one of `allowed` (by its country
/// code), and in no premium-rate range of its country's numbering table.
pub fn check_number(n: PhoneNumber, allowed: &[Region]) -> Result<(), Refusal> {
    let cc = n.country_code();
    if !allowed.iter().any(|r| r.country_code() == Some(cc)) {
        return Err(Refusal::Country);
    }
    // The premium-rate ranges of the numbering table (libphonenumber's).
    if numbering::plans_for_cc(cc).any(|p| p.is_premium(n.national())) {
        return Err(Refusal::Premium);
    }
    Ok(())
}

/// A visit must be this old before it may ask to be called back: a page
/// that asks at once is a script, not a visitor.
pub const MIN_VISIT_AGE: Duration = Duration::from_secs(5);
/// Nor may a visit ask once it has not been seen for this long.
pub const MAX_SILENCE: Duration = Duration::from_hours(2);
/// Requests an hour for one phone number, whoever asks: nobody's phone is
/// rung over and over by strangers.
pub const PER_NUMBER_PER_HOUR: u64 = 2;
/// How long a name read to the office may be.
pub const MAX_NAME: usize = 40;

/// Why a call-back request is turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turned {
    /// The visit is unknown, too young, or long gone.
    NoVisit,
    /// Too many requests within the hour (for the number, the visitor, the client or the site).
    TooMany,
}

/// What has been asked within the last hour, counted where the request is
/// stored (in the same transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Asked {
    /// For this phone number.
    pub number: u64,
    /// By this visit.
    pub visit: u64,
    /// From this client (address).
    pub client: u64,
    /// For the whole site.
    pub site: u64,
}

/// Whether a request may go: from a visit `created` and `last_seen` at
/// those instants (none: unknown), at `now`, with `asked` before it and the
/// site's limits per visitor (and per client, the same) and per site.
pub fn admit(
    visit: Option<(Instant, Instant)>,
    now: Instant,
    asked: Asked,
    per_visitor: u32,
    per_site: u32,
) -> Result<(), Turned> {
    let Some((created, last_seen)) = visit else {
        return Err(Turned::NoVisit);
    };
    if now.saturating_since(created) < MIN_VISIT_AGE
        || now.saturating_since(last_seen) > MAX_SILENCE
    {
        return Err(Turned::NoVisit);
    }
    let per_visitor = u64::from(per_visitor);
    if asked.number >= PER_NUMBER_PER_HOUR
        || asked.visit >= per_visitor
        || asked.client >= per_visitor
        || asked.site >= u64::from(per_site)
    {
        return Err(Turned::TooMany);
    }
    Ok(())
}

/// Whether `name` may be read aloud to the office: at most [`MAX_NAME`]
/// characters of letters, spaces, hyphens, apostrophes and dots (a name,
/// never a sentence or a link).
pub fn readable_name(name: &str) -> bool {
    let n = name.trim();
    n.chars().count() <= MAX_NAME
        && n.chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.' | '\u{2019}'))
}

/// Where a call-back request stands./// Where a call-back request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum State {
    /// Outside the office's hours: placed when it opens.
    Scheduled,
    /// The office's phone rings.
    CallingOffice,
    /// Someone at the office answered; the visitor's phone rings.
    CallingVisitor,
    /// Both talk.
    Connected,
    /// Over without a conversation (see the reason).
    Failed,
}

impl State {
    /// `scheduled`, `calling_office`, `calling_visitor`, `connected`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Scheduled => "scheduled",
            State::CallingOffice => "calling_office",
            State::CallingVisitor => "calling_visitor",
            State::Connected => "connected",
            State::Failed => "failed",
        }
    }

    /// Reads [`State::as_str`].
    pub fn parse(s: &str) -> Option<State> {
        [
            State::Scheduled,
            State::CallingOffice,
            State::CallingVisitor,
            State::Connected,
            State::Failed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// Whether nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, State::Connected | State::Failed)
    }

    /// The state after `next` is reported: never backwards (callbacks come
    /// out of order), and a final state stays.
    pub fn advance(self, next: State) -> State {
        let rank = |s: State| match s {
            State::Scheduled => 0,
            State::CallingOffice => 1,
            State::CallingVisitor => 2,
            State::Connected | State::Failed => 3,
        };
        if self.is_final() || rank(next) < rank(self) {
            self
        } else {
            next
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_request_needs_a_visit_of_some_age_and_room_in_every_limit() {
        let t0 = Instant::from_secs(1_800_000_000);
        let at = |s: i64| Instant::from_millis(t0.millis() + s * 1000);
        let ok = Asked::default();
        assert_eq!(admit(None, at(60), ok, 3, 60), Err(Turned::NoVisit));
        assert_eq!(
            admit(Some((t0, t0)), at(2), ok, 3, 60),
            Err(Turned::NoVisit),
            "two seconds old"
        );
        assert_eq!(admit(Some((t0, t0)), at(6), ok, 3, 60), Ok(()));
        assert_eq!(
            admit(Some((t0, t0)), at(3 * 3600), ok, 3, 60),
            Err(Turned::NoVisit),
            "gone for three hours"
        );
        let v = Some((t0, at(30)));
        for asked in [
            Asked { number: 2, ..ok },
            Asked { visit: 3, ..ok },
            Asked { client: 3, ..ok },
            Asked { site: 60, ..ok },
        ] {
            assert_eq!(
                admit(v, at(60), asked, 3, 60),
                Err(Turned::TooMany),
                "{asked:?}"
            );
        }
        assert_eq!(
            admit(
                v,
                at(60),
                Asked {
                    number: 1,
                    visit: 2,
                    client: 2,
                    site: 59
                },
                3,
                60
            ),
            Ok(())
        );
    }

    #[test]
    fn only_a_name_is_read_to_the_office() {
        for good in ["Ivan", "Анна-Мария", "O'Brien", "Jean-Luc Picard", "Dr. Ng"] {
            assert!(readable_name(good), "{good}");
        }
        for bad in [
            "Press 9 to transfer",
            "http://x.example",
            "a;b",
            &"a".repeat(41),
        ] {
            assert!(!readable_name(bad), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn premium_and_foreign_numbers_are_not_called() {
        let ok = |s: &str, allowed: &[Region]| check_number(s.parse().unwrap(), allowed);
        assert_eq!(ok("+79161234567", &[Region::RU]), Ok(()));
        assert_eq!(ok("+77011234567", &[Region::RU]), Ok(()), "KZ shares +7");
        assert_eq!(ok("+19005550100", &[Region::US]), Err(Refusal::Premium));
        assert_eq!(ok("+441632960000", &[Region::GB]), Ok(()));
        assert_eq!(ok("+449098790000", &[Region::GB]), Err(Refusal::Premium));
        assert_eq!(
            ok("+4915112345678", &[Region::RU, Region::GB]),
            Err(Refusal::Country)
        );
    }

    #[test]
    fn states_never_go_back() {
        use State::*;
        assert_eq!(CallingVisitor.advance(CallingOffice), CallingVisitor);
        assert_eq!(CallingOffice.advance(Connected), Connected);
        assert_eq!(Connected.advance(Failed), Connected);
        assert_eq!(Scheduled.advance(CallingOffice), CallingOffice);
        for s in [Scheduled, CallingOffice, CallingVisitor, Connected, Failed] {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
    }
}
