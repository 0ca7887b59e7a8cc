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

/// Where a call-back request stands.
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
