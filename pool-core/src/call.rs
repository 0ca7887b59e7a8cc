//! Calls: how one ended, whom it is attributed to and how sure that is, and
//! whether it is a *target call*.
//!
//! Attribution reads the [`journal`](crate::journal): the session that held
//! the dialled number when the call started, and the sessions whose lease had
//! ended within the grace window before. When more than one may be meant, the
//! call carries every candidate with a score and says its confidence is low;
//! nothing is guessed silently.
//!
//! ```
//! use pool_core::call::{score, Confidence};
//! use pool_core::journal::Journal;
//! use pool_core::session::SessionId;
//! use pool_core::time::{Duration, Instant};
//!
//! let mut j = Journal::new(Duration::from_mins(15));
//! let n = "+74990000001".parse().unwrap();
//! let t0 = Instant::from_secs(1_700_000_000);
//! j.open(n, SessionId::from_u128(1), t0);
//! let at = t0 + Duration::from_mins(5);
//! let (scored, confidence) = score(&j.candidates(n, at), at, j.grace());
//! assert_eq!(scored[0].score, 100);
//! assert_eq!(confidence, Confidence::High);
//! ```

use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use crate::journal::{Candidate, Match};
use crate::session::SessionId;
use crate::site::TargetCallRule;
use crate::time::{Duration, Instant};

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Status {
    /// Ringing: not answered yet.
    Ringing,
    /// Answered and still going.
    InProgress,
    /// Answered and ended.
    Answered,
    /// The line was busy.
    Busy,
    /// Nobody answered.
    NoAnswer,
    /// The call failed (network, a bad number).
    Failed,
    /// The caller hung up before an answer.
    Cancelled,
}

impl Status {
    /// The name in the API: `ringing`, `in_progress`, `answered`, `busy`,
    /// `no_answer`, `failed`, `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ringing => "ringing",
            Status::InProgress => "in_progress",
            Status::Answered => "answered",
            Status::Busy => "busy",
            Status::NoAnswer => "no_answer",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    /// The call is over.
    pub fn is_final(self) -> bool {
        !matches!(self, Status::Ringing | Status::InProgress)
    }

    /// Somebody answered.
    pub fn is_answered(self) -> bool {
        matches!(self, Status::InProgress | Status::Answered)
    }

    /// The call is over and nobody answered.
    pub fn is_missed(self) -> bool {
        matches!(
            self,
            Status::Busy | Status::NoAnswer | Status::Failed | Status::Cancelled
        )
    }

    /// The status after an update says `next`. Updates may come out of
    /// order: a call that is over stays over (a late `ringing` changes
    /// nothing), and an answered call never becomes a ringing one; a final
    /// status may still be corrected by another final one.
    pub fn merge(self, next: Status) -> Status {
        match (self.is_final(), next.is_final()) {
            (true, false) => self,
            (false, false) if self == Status::InProgress => self,
            _ => next,
        }
    }
}

/// A status name that is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStatus;

impl fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "not a call status: ringing, in_progress, answered, busy, no_answer, failed or cancelled",
        )
    }
}

impl FromStr for Status {
    type Err = UnknownStatus;
    /// Our names, and the words PBXs and Twilio use (`queued`, `initiated`,
    /// `in-progress`, `completed`, `no-answer`, `canceled`, `noanswer`, ...).
    fn from_str(s: &str) -> Result<Status, UnknownStatus> {
        let mut key = [0u8; 16];
        let mut len = 0;
        for b in s.trim().bytes() {
            if b == b'-' || b == b'_' || b == b' ' {
                continue;
            }
            if len == key.len() {
                return Err(UnknownStatus);
            }
            key[len] = b.to_ascii_lowercase();
            len += 1;
        }
        Ok(match &key[..len] {
            b"ringing" | b"queued" | b"initiated" | b"ring" => Status::Ringing,
            b"inprogress" | b"up" => Status::InProgress,
            b"answered" | b"completed" | b"answer" => Status::Answered,
            b"busy" => Status::Busy,
            b"noanswer" => Status::NoAnswer,
            b"failed" | b"congestion" | b"chanunavail" => Status::Failed,
            b"cancelled" | b"canceled" | b"cancel" => Status::Cancelled,
            _ => return Err(UnknownStatus),
        })
    }
}

/// How sure an attribution is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Confidence {
    /// One session is meant: it held the number, nobody else did near the call.
    High,
    /// More than one session may be meant: see the candidates.
    Low,
    /// Nothing to attribute to (an unknown number, the fallback, nobody held it).
    None,
}

impl Confidence {
    /// `high`, `low`, `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Low => "low",
            Confidence::None => "none",
        }
    }
}

/// A session that may have made a call, with its share of the blame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Scored {
    /// The session.
    pub session: SessionId,
    /// Percent, the candidates of a call summing to 100.
    pub score: u8,
    /// Held the number at the call, or within the grace window after.
    pub how: Match,
}

/// A lease taken this shortly before a call may be the wrong visitor's: the
/// one who had the number before may be the caller.
pub const FRESH_LEASE: Duration = Duration::from_mins(2);

/// Scores the candidates of a call at `at` (from
/// [`Journal::candidates`](crate::journal::Journal::candidates)), most
/// likely first, and says how sure the top one is.
///
/// Weights: the holder at the call 100 (50 when its lease began less than
/// [`FRESH_LEASE`] before); an earlier holder whose lease ended within the
/// grace window 60, falling linearly to 5 at the window's end. The weights
/// are then shared out to 100. Confidence is high when one candidate has at
/// least 90.
pub fn score(candidates: &[Candidate], at: Instant, grace: Duration) -> (Vec<Scored>, Confidence) {
    if candidates.is_empty() {
        return (Vec::new(), Confidence::None);
    }
    let weights: Vec<u64> = candidates
        .iter()
        .map(|c| match c.how {
            Match::Held if at - c.entry.from < FRESH_LEASE => 50,
            Match::Held => 100,
            Match::Grace => {
                let ended = c.entry.until.unwrap_or(at);
                let late = (at - ended).millis();
                let window = grace.millis().max(1);
                let left = window.saturating_sub(late);
                5 + 55 * left / window
            }
        })
        .collect();
    let total: u64 = weights.iter().sum();
    let mut out: Vec<Scored> = candidates
        .iter()
        .zip(&weights)
        .map(|(c, &w)| Scored {
            session: c.session,
            score: (w * 100 / total) as u8,
            how: c.how,
        })
        .collect();
    // Rounding down loses at most one point per candidate: give it to the first.
    let sum: u32 = out.iter().map(|s| u32::from(s.score)).sum();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.how.cmp(&b.how)));
    out[0].score += (100 - sum) as u8;
    let confidence = if out[0].score >= 90 {
        Confidence::High
    } else {
        Confidence::Low
    };
    (out, confidence)
}

/// A holder whose page had been silent this long at the call (no heartbeat:
/// the visitor had left) may not be the caller.
pub const SILENT: Duration = Duration::from_mins(5);

/// The confidence once the top candidate's last sign of life is known (its
/// page's last heartbeat, `last_seen`): a call to a number whose holder's
/// page had been silent for more than [`SILENT`] is in doubt, whether the
/// holder still held it or its lease had ended within the grace window,
/// since an earlier visitor calling late finds the number with someone who
/// is no longer there. On the simulator's reference profile this flags most wrong
/// attributions for about a tenth of the right ones (BENCHMARKS, "The
/// confidence, measured").
pub fn with_last_seen(
    confidence: Confidence,
    top: Option<&Scored>,
    last_seen: Instant,
    at: Instant,
) -> Confidence {
    match (confidence, top) {
        (Confidence::High, Some(_)) if last_seen + SILENT < at => Confidence::Low,
        _ => confidence,
    }
}

/// Another call of the same caller, as the target rule weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Earlier {
    /// When it started.
    pub at: Instant,
    /// Whether the business received it (answered). A missed call was
    /// never received: it makes no caller "seen".
    pub received: bool,
}

impl Earlier {
    /// A call that started `at` and stands at `status`.
    pub fn of(at: Instant, status: Status) -> Earlier {
        Earlier {
            at,
            received: status.is_answered(),
        }
    }
}

/// Whether the caller is new within the sales cycle, as the trade states
/// the target rule ("a call received by the manager, longer than the
/// threshold, from a number unique within the sales cycle"): no call from
/// them *received* in `[at - within, at)`. A caller whose first call was
/// missed, and who calls again and talks, is new. `earlier` are the
/// caller's other calls (any order; later ones are ignored).
pub fn is_unique(
    earlier: impl IntoIterator<Item = Earlier>,
    at: Instant,
    within: Duration,
) -> bool {
    !earlier
        .into_iter()
        .any(|e| e.received && e.at < at && at - e.at < within)
}

/// A target call: answered, at least the rule's duration, and from a caller
/// new within the sales cycle.
pub fn is_target(rule: &TargetCallRule, status: Status, duration: Duration, unique: bool) -> bool {
    status.is_answered() && duration >= rule.min_duration && unique
}

/// Which leg of a Twilio call a status callback's status is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leg {
    /// The `<Dial>` to the business: did the target answer (`DialCallStatus`).
    Dial,
    /// The caller's own call (`CallStatus`).
    Parent,
}

/// What a Twilio status callback changes in a call whose status is
/// `current`: the Dial's outcome says whether the business answered and
/// always counts; the caller's own status counts only while nothing final
/// is known. `None`: the status stays (only a recording may be new).
/// Callbacks may come out of order and more than once.
pub fn twilio_update(
    current: Status,
    dial: Option<Status>,
    parent: Option<Status>,
) -> Option<(Status, Leg)> {
    match (dial, parent) {
        (Some(d), _) => Some((d, Leg::Dial)),
        (None, Some(p)) if !current.is_final() => Some((p, Leg::Parent)),
        _ => None,
    }
}

/// Why a call was missed: whose fault, from a fixed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MissedReason {
    /// It came outside the site's working hours.
    OutOfHours,
    /// The caller hung up in the menu or the queue, before any phone rang.
    Abandoned,
    /// The phones of the agents it rang were not answered.
    NotAnswered,
    /// The phone it rang was busy.
    Busy,
    /// Every line of the office was taken.
    AllLinesBusy,
    /// It failed (the network, the number).
    Failed,
}

impl MissedReason {
    /// Every reason, in the order reports list them.
    pub const ALL: [MissedReason; 6] = [
        MissedReason::OutOfHours,
        MissedReason::Abandoned,
        MissedReason::NotAnswered,
        MissedReason::Busy,
        MissedReason::AllLinesBusy,
        MissedReason::Failed,
    ];

    /// `out_of_hours`, `abandoned`, `not_answered`, `busy`, `all_lines_busy`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            MissedReason::OutOfHours => "out_of_hours",
            MissedReason::Abandoned => "abandoned",
            MissedReason::NotAnswered => "not_answered",
            MissedReason::Busy => "busy",
            MissedReason::AllLinesBusy => "all_lines_busy",
            MissedReason::Failed => "failed",
        }
    }

    /// Reads a name of [`MissedReason::as_str`].
    pub fn parse(s: &str) -> Option<MissedReason> {
        MissedReason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Its place in [`MissedReason::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Why a call with `status` was missed (`None`: it was not): outside
    /// `working` hours first (whatever else happened, nobody was there to
    /// answer); then what the telephony said (`given`: a PBX that names the
    /// reason); then the status: busy, failed, not answered, and a caller
    /// who hung up (cancelled) before any phone `rang` abandoned it, after
    /// one rang it was not answered.
    pub fn of(
        status: Status,
        working: bool,
        given: Option<MissedReason>,
        rang: bool,
    ) -> Option<MissedReason> {
        if !status.is_missed() {
            return None;
        }
        if !working {
            return Some(MissedReason::OutOfHours);
        }
        Some(given.unwrap_or(match status {
            Status::Busy => MissedReason::Busy,
            Status::Failed => MissedReason::Failed,
            Status::Cancelled if !rang => MissedReason::Abandoned,
            _ => MissedReason::NotAnswered,
        }))
    }
}

/// A call's change, as the rules of its consequences read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The call is new.
    pub created: bool,
    /// An outgoing call (the office calling a caller back): no call to the site.
    pub outbound: bool,
    /// The caller's number is known.
    pub caller_known: bool,
    /// Its status now.
    pub status: Status,
    /// Its end was told before this change.
    pub end_told: bool,
    /// It is a target call, as now reckoned.
    pub target: bool,
    /// Its outcome was set or changed by this change.
    pub outcome: bool,
}

/// One consequence of a call's change, for the edge to carry out, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The caller's missed calls before it are called back, and leave the
    /// next missed-call alert (an outgoing call to a known caller).
    CalledBack,
    /// The webhook event `call.created`, `call.completed` or `call.missed`.
    Event(&'static str),
    /// The outcome's event (`call.outcome`, and GA4's `call_outcome`).
    Outcome,
    /// The missed call waits for the next missed-call alert.
    AwaitAlert,
    /// The missed call asks the CRM for a task: call the caller back.
    CallBackTask,
    /// GA4's event of the ended call.
    Ga4,
    /// The ended call to the ad platforms (each decides whether it qualifies).
    AdPlatforms,
    /// A deal in the CRM for a target call.
    Deal,
    /// The end is told: it is not told again.
    EndTold,
}

impl Change {
    /// What this change causes: a new call is announced (an outgoing one
    /// first marks the caller called back); a set outcome is announced; a
    /// call's end is told once, when its status is final: a missed call to
    /// the site waits for the alert and asks for a task to call back; the
    /// end's event, GA4 and the ad platforms; a target call to the site
    /// becomes a CRM deal.
    pub fn effects(&self) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.created {
            if self.outbound && self.caller_known {
                out.push(Effect::CalledBack);
            }
            out.push(Effect::Event("call.created"));
        }
        if self.outcome {
            out.push(Effect::Outcome);
        }
        if self.status.is_final() && !self.end_told {
            let missed = self.status.is_missed();
            if missed && !self.outbound {
                out.push(Effect::AwaitAlert);
                out.push(Effect::CallBackTask);
            }
            out.push(Effect::Event(if missed {
                "call.missed"
            } else {
                "call.completed"
            }));
            out.push(Effect::Ga4);
            out.push(Effect::AdPlatforms);
            if self.target && !self.outbound {
                out.push(Effect::Deal);
            }
            out.push(Effect::EndTold);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn twilio_callbacks_merge_by_leg() {
        use Status::*;
        // The Dial's outcome wins, even over a final parent status.
        assert_eq!(
            twilio_update(Answered, Some(NoAnswer), Some(Answered)),
            Some((NoAnswer, Leg::Dial))
        );
        // The parent's status counts while nothing final is known ...
        assert_eq!(
            twilio_update(Ringing, None, Some(Answered)),
            Some((Answered, Leg::Parent))
        );
        // ... and never after (a repeated or late callback).
        assert_eq!(twilio_update(NoAnswer, None, Some(Answered)), None);
        assert_eq!(twilio_update(Ringing, None, None), None);
    }

    use super::*;
    use crate::journal::Journal;
    use crate::number::PhoneNumber;

    fn n() -> PhoneNumber {
        "+74990000001".parse().unwrap()
    }
    fn t(s: i64) -> Instant {
        Instant::from_secs(1_700_000_000 + s)
    }
    fn s(k: u128) -> SessionId {
        SessionId::from_u128(k)
    }

    #[test]
    fn statuses_parse_what_pbxs_send() {
        for (raw, want) in [
            ("completed", Status::Answered),
            ("in-progress", Status::InProgress),
            ("no-answer", Status::NoAnswer),
            ("NOANSWER", Status::NoAnswer),
            ("canceled", Status::Cancelled),
            ("queued", Status::Ringing),
            ("CHANUNAVAIL", Status::Failed),
            (" busy ", Status::Busy),
        ] {
            assert_eq!(raw.parse::<Status>(), Ok(want), "{raw}");
        }
        assert!("exploded".parse::<Status>().is_err());
        assert!("a-very-long-status-name".parse::<Status>().is_err());
        for st in [
            Status::Ringing,
            Status::Answered,
            Status::NoAnswer,
            Status::Cancelled,
        ] {
            assert_eq!(st.as_str().parse::<Status>(), Ok(st));
        }
    }

    #[test]
    fn late_updates_do_not_undo_an_end() {
        assert_eq!(Status::Answered.merge(Status::Ringing), Status::Answered);
        assert_eq!(Status::NoAnswer.merge(Status::InProgress), Status::NoAnswer);
        assert_eq!(
            Status::InProgress.merge(Status::Ringing),
            Status::InProgress
        );
        assert_eq!(
            Status::Ringing.merge(Status::InProgress),
            Status::InProgress
        );
        assert_eq!(Status::InProgress.merge(Status::Answered), Status::Answered);
        // An operator's correction of one end by another.
        assert_eq!(Status::Answered.merge(Status::Busy), Status::Busy);
        assert!(Status::Busy.is_missed() && !Status::Answered.is_missed());
    }

    #[test]
    fn one_holder_is_certain() {
        let mut j = Journal::new(Duration::from_mins(15));
        j.open(n(), s(1), t(0));
        let (sc, c) = score(&j.candidates(n(), t(600)), t(600), j.grace());
        assert_eq!(c, Confidence::High);
        assert_eq!(sc.len(), 1);
        assert_eq!((sc[0].session, sc[0].score), (s(1), 100));
        let (none, c) = score(&j.candidates(n(), t(-5)), t(-5), j.grace());
        assert!(none.is_empty());
        assert_eq!(c, Confidence::None);
    }

    #[test]
    fn a_late_call_after_reuse_names_both() {
        let grace = Duration::from_mins(15);
        let mut j = Journal::new(grace);
        j.open(n(), s(1), t(0));
        j.close(n(), t(1000));
        // Recycled a minute later to another visitor; the call comes right after.
        j.open(n(), s(2), t(1060));
        let at = t(1090);
        let (sc, c) = score(&j.candidates(n(), at), at, grace);
        assert_eq!(c, Confidence::Low);
        assert_eq!(sc.len(), 2);
        assert_eq!(sc.iter().map(|x| u32::from(x.score)).sum::<u32>(), 100);
        // The fresh holder (50) and the one who left 90 s ago (about 55) are close.
        assert!(sc.iter().all(|x| x.score >= 40), "{sc:?}");
        // Long after the swap, the holder is near certain but a grace candidate still shows.
        let (sc, _) = score(&j.candidates(n(), t(1060 + 800)), t(1060 + 800), grace);
        assert_eq!(sc[0].session, s(2));
        assert!(sc[0].score > sc[1].score);
    }

    #[test]
    fn only_a_grace_candidate_is_still_certain() {
        let grace = Duration::from_mins(15);
        let mut j = Journal::new(grace);
        j.open(n(), s(1), t(0));
        j.close(n(), t(100));
        let (sc, c) = score(&j.candidates(n(), t(400)), t(400), grace);
        assert_eq!(
            (sc[0].session, sc[0].score, sc[0].how),
            (s(1), 100, Match::Grace)
        );
        assert_eq!(c, Confidence::High);
    }

    #[test]
    fn target_calls() {
        let rule = TargetCallRule {
            min_duration: Duration::from_secs(30),
            unique_within: Duration::from_days(30),
        };
        assert!(is_target(
            &rule,
            Status::Answered,
            Duration::from_secs(30),
            true
        ));
        assert!(!is_target(
            &rule,
            Status::Answered,
            Duration::from_secs(29),
            true
        ));
        assert!(!is_target(
            &rule,
            Status::NoAnswer,
            Duration::from_secs(90),
            true
        ));
        assert!(!is_target(
            &rule,
            Status::Answered,
            Duration::from_secs(90),
            false
        ));
        let now = t(0);
        let talked = |at| Earlier::of(at, Status::Answered);
        assert!(is_unique([], now, rule.unique_within));
        assert!(is_unique(
            [talked(now - Duration::from_days(31))],
            now,
            rule.unique_within
        ));
        assert!(!is_unique(
            [talked(now - Duration::from_days(29))],
            now,
            rule.unique_within
        ));
        // Later calls do not make an earlier one a repeat.
        assert!(is_unique(
            [talked(now + Duration::from_mins(1)), talked(now)],
            now,
            rule.unique_within
        ));
        // A holder whose page had been silent for minutes: in doubt.
        let top = Scored {
            session: SessionId::from_u128(1),
            score: 100,
            how: Match::Held,
        };
        let at = t(3_600);
        assert_eq!(
            with_last_seen(
                Confidence::High,
                Some(&top),
                at - Duration::from_mins(6),
                at
            ),
            Confidence::Low
        );
        assert_eq!(
            with_last_seen(
                Confidence::High,
                Some(&top),
                at - Duration::from_mins(4),
                at
            ),
            Confidence::High
        );
        // Seen after the call (a PBX reporting late): on the page then.
        assert_eq!(
            with_last_seen(
                Confidence::High,
                Some(&top),
                at + Duration::from_mins(1),
                at
            ),
            Confidence::High
        );
        let grace = Scored {
            how: Match::Grace,
            ..top
        };
        assert_eq!(
            with_last_seen(
                Confidence::High,
                Some(&grace),
                at - Duration::from_mins(60),
                at
            ),
            Confidence::Low
        );
        assert_eq!(
            with_last_seen(Confidence::Low, Some(&top), at, at),
            Confidence::Low,
            "never raised"
        );
        // A missed call was never received: the caller is still new.
        for status in [
            Status::NoAnswer,
            Status::Busy,
            Status::Failed,
            Status::Cancelled,
        ] {
            assert!(is_unique(
                [Earlier::of(now - Duration::from_hours(1), status)],
                now,
                rule.unique_within
            ));
        }
    }

    fn change(status: Status) -> Change {
        Change {
            created: true,
            outbound: false,
            caller_known: true,
            status,
            end_told: false,
            target: false,
            outcome: false,
        }
    }

    #[test]
    fn a_new_answered_target_call_is_announced_ended_and_dealt() {
        let c = Change {
            target: true,
            ..change(Status::Answered)
        };
        assert_eq!(
            c.effects(),
            [
                Effect::Event("call.created"),
                Effect::Event("call.completed"),
                Effect::Ga4,
                Effect::AdPlatforms,
                Effect::Deal,
                Effect::EndTold
            ]
        );
    }

    #[test]
    fn a_missed_call_waits_for_the_alert_and_its_end_is_told_once() {
        let c = change(Status::NoAnswer);
        assert_eq!(
            c.effects(),
            [
                Effect::Event("call.created"),
                Effect::AwaitAlert,
                Effect::CallBackTask,
                Effect::Event("call.missed"),
                Effect::Ga4,
                Effect::AdPlatforms,
                Effect::EndTold
            ]
        );
        let again = Change {
            created: false,
            end_told: true,
            ..c
        };
        assert_eq!(again.effects(), []);
    }

    #[test]
    fn a_call_still_ringing_is_only_announced() {
        assert_eq!(
            change(Status::Ringing).effects(),
            [Effect::Event("call.created")]
        );
    }

    #[test]
    fn an_outgoing_call_calls_back_and_is_never_an_alert_or_a_deal() {
        let c = Change {
            outbound: true,
            target: true,
            ..change(Status::NoAnswer)
        };
        let e = c.effects();
        assert_eq!(e[0], Effect::CalledBack);
        assert!(!e.contains(&Effect::AwaitAlert));
        assert!(!e.contains(&Effect::CallBackTask));
        assert!(!e.contains(&Effect::Deal));
        let withheld = Change {
            caller_known: false,
            ..c
        };
        assert!(!withheld.effects().contains(&Effect::CalledBack));
    }

    #[test]
    fn an_outcome_is_announced_before_the_end() {
        let c = Change {
            created: false,
            outcome: true,
            ..change(Status::Answered)
        };
        assert_eq!(c.effects()[0], Effect::Outcome);
        assert_eq!(c.effects().last(), Some(&Effect::EndTold));
    }

    #[test]
    fn a_missed_call_has_one_reason_out_of_hours_first() {
        use MissedReason as M;
        assert_eq!(M::of(Status::Answered, true, None, true), None);
        assert_eq!(
            M::of(Status::NoAnswer, false, Some(M::Busy), true),
            Some(M::OutOfHours)
        );
        assert_eq!(
            M::of(Status::NoAnswer, true, Some(M::AllLinesBusy), true),
            Some(M::AllLinesBusy)
        );
        assert_eq!(M::of(Status::Busy, true, None, true), Some(M::Busy));
        assert_eq!(M::of(Status::Failed, true, None, false), Some(M::Failed));
        assert_eq!(
            M::of(Status::NoAnswer, true, None, true),
            Some(M::NotAnswered)
        );
        assert_eq!(
            M::of(Status::Cancelled, true, None, false),
            Some(M::Abandoned)
        );
        assert_eq!(
            M::of(Status::Cancelled, true, None, true),
            Some(M::NotAnswered)
        );
        for r in M::ALL {
            assert_eq!(M::parse(r.as_str()), Some(r));
            assert_eq!(M::ALL[r.index()], r);
        }
        assert_eq!(M::parse("lunch"), None);
    }
}
