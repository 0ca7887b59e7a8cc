//! Calls and leads as a PBX, Twilio or a form sends them, checked into
//! typed values (every bad field reported at once).

use serde::{Deserialize, Deserializer};

use pool_core::call::{MissedReason, Status};
use pool_core::number::Region;
use pool_core::time::{Duration, Instant};

use super::fields;
use crate::error::ApiError;

/// `POST /v1/sites/{site}/calls`: a call from a PBX.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCall {
    /// The PBX's own call id: the idempotency key (1 to 128 characters).
    pub call_id: String,
    /// The tracking number dialled, as the PBX writes it.
    pub tracking_number: String,
    /// The caller id; absent or `anonymous` when withheld.
    #[serde(default)]
    pub caller: Option<String>,
    /// When the call started (ms since the epoch); now by default.
    #[serde(default)]
    pub started_at: Option<i64>,
    /// `ringing` by default; a PBX that reports at the end sends the outcome.
    #[serde(default)]
    pub status: Option<String>,
    /// Seconds talked (answered calls).
    #[serde(default)]
    pub duration_secs: Option<u64>,
    /// Why it ended, as the PBX says it (`hangup`, `busy`, ...).
    #[serde(default)]
    pub end_reason: Option<String>,
    /// A link to the recording.
    #[serde(default)]
    pub recording_url: Option<String>,
    /// The outcome, when the PBX or CRM knows it already.
    #[serde(default)]
    pub outcome: Option<OutcomeInput>,
    /// Who answered (or whose phone rang, for a missed call): an agent's
    /// id, number, extension or name; kept as sent when it is none of the
    /// site's agents.
    #[serde(default)]
    pub agent: Option<String>,
    /// Seconds the caller waited before the answer.
    #[serde(default)]
    pub wait_secs: Option<u64>,
    /// `inbound` (default) or `outbound`: a call the business made, with
    /// `caller` the number it called; it marks that caller's missed calls
    /// as called back.
    #[serde(default)]
    pub direction: Option<String>,
    /// Why a missed call was missed, when the PBX knows: `out_of_hours`,
    /// `abandoned`, `not_answered`, `busy`, `all_lines_busy`, `failed`.
    #[serde(default)]
    pub missed_reason: Option<String>,
}

/// An outcome as sent: a label from the site's list, and a value in money.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    /// One of the site's outcome labels (`sale`, `appointment`, ...).
    pub label: String,
    /// What it was worth, in the site's currency, at most two decimals.
    #[serde(default)]
    pub value: Option<f64>,
}

/// An outcome checked for its form (its label against the site's list is
/// the object's to check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenOutcome {
    /// The label as sent, trimmed.
    pub label: String,
    /// The value in minor units (cents, kopecks).
    pub value_minor: Option<u64>,
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or set.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Checks an outcome's form.
fn outcome_field(o: OutcomeInput, bad: &mut Vec<(&'static str, String)>) -> Option<GivenOutcome> {
    let label = o.label.trim().to_string();
    if label.is_empty() || label.chars().count() > 60 {
        bad.push(("outcome.label", "one of the site's outcome labels".into()));
    }
    let value_minor = match o.value {
        None => None,
        Some(v) if v.is_finite() && (0.0..=1e12).contains(&v) => {
            let minor = (v * 100.0).round();
            // Two decimals, as far as a double can tell them at that size.
            if (minor - v * 100.0).abs() > f64::max(1e-6, minor * 4.0 * f64::EPSILON) {
                bad.push(("outcome.value", "at most two decimals".into()));
            }
            Some(minor as u64)
        }
        Some(_) => {
            bad.push(("outcome.value", "an amount from 0 to 10^12".into()));
            None
        }
    };
    Some(GivenOutcome { label, value_minor })
}

/// `PATCH /v1/sites/{site}/calls/{id}`: what the PBX (or an operator) learned.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallUpdate {
    /// `in_progress`, `answered`, `busy`, `no_answer`, `failed`, `cancelled`.
    #[serde(default)]
    pub status: Option<String>,
    /// Seconds talked.
    #[serde(default)]
    pub duration_secs: Option<u64>,
    /// Why it ended.
    #[serde(default)]
    pub end_reason: Option<String>,
    /// A link to the recording.
    #[serde(default)]
    pub recording_url: Option<String>,
    /// Categories an operator gives the call (replaces the old ones).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// The call's outcome; `null` takes it back.
    #[serde(default, deserialize_with = "present")]
    pub outcome: Option<Option<OutcomeInput>>,
    /// Who answered; `null` takes it back.
    #[serde(default, deserialize_with = "present")]
    pub agent: Option<Option<String>>,
    /// Seconds the caller waited before the answer.
    #[serde(default)]
    pub wait_secs: Option<u64>,
    /// Why a missed call was missed, when the PBX knows (see [`NewCall`]).
    #[serde(default)]
    pub missed_reason: Option<String>,
}

/// A missed call's reason as sent: one of the list.
fn missed_reason_field(
    raw: Option<&str>,
    bad: &mut Vec<(&'static str, String)>,
) -> Option<MissedReason> {
    let raw = raw?;
    let r = MissedReason::parse(raw);
    if r.is_none() {
        let names: Vec<&str> = MissedReason::ALL.iter().map(|r| r.as_str()).collect();
        bad.push(("missed_reason", format!("one of {}", names.join(", "))));
    }
    r
}

/// A call to write down, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCall {
    /// The call's id: the idempotency key.
    pub id: String,
    /// `api`, `twilio`, `demo`.
    pub source: &'static str,
    /// The number dialled, as written.
    pub tracking_raw: String,
    /// The caller (E.164), unless withheld.
    pub caller: Option<String>,
    /// When it started.
    pub started_at: Instant,
    /// Its status so far.
    pub status: Status,
    /// Talk time so far.
    pub duration: Duration,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// The recording.
    pub recording_url: Option<String>,
    /// Its outcome, when the PBX knew it at once.
    pub outcome: Option<GivenOutcome>,
    /// Who answered, as said (the object reads it into an agent).
    pub agent: Option<String>,
    /// How long the caller waited for the answer.
    pub wait: Option<Duration>,
    /// A call the business made (to `caller`).
    pub outbound: bool,
    /// A call-back the visitor asked for on the site.
    pub callback: bool,
    /// Why it was missed, as the telephony said.
    pub missed_reason: Option<MissedReason>,
    /// A phone rang for it (an agent's, or the target Twilio dialled): a
    /// caller who hangs up after that did not abandon it.
    pub rang: bool,
}

/// What an update changes in a call; `None` keeps what is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallChange {
    /// A new status (merged: a final status is never undone by a late one).
    pub status: Option<Status>,
    /// Talk time.
    pub duration: Option<Duration>,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// The recording.
    pub recording_url: Option<String>,
    /// A new outcome (`Some(None)`: taken back).
    pub outcome: Option<Option<GivenOutcome>>,
    /// Tags (replace the old ones).
    pub tags: Option<Vec<String>>,
    /// Who answered, as said (`Some(None)`: taken back).
    pub agent: Option<Option<String>>,
    /// How long the caller waited for the answer.
    pub wait: Option<Duration>,
    /// Why it was missed, as the telephony said.
    pub missed_reason: Option<MissedReason>,
    /// A phone rang for it.
    pub rang: bool,
}

/// Checks an agent as sent and the wait.
fn agent_fields(
    bad: &mut Vec<(&'static str, String)>,
    agent: Option<&str>,
    wait_secs: Option<u64>,
) {
    if agent.is_some_and(|a| a.trim().is_empty() || a.chars().count() > 100) {
        bad.push((
            "agent",
            "an agent's id, number, extension or name: 1 to 100 characters".into(),
        ));
    }
    if wait_secs.is_some_and(|w| w > 86_400) {
        bad.push(("wait_secs", "at most a day".into()));
    }
}

/// A status field: absent, or a known status.
fn status_field(raw: Option<&str>, bad: &mut Vec<(&'static str, String)>) -> Option<Status> {
    match raw.map(str::parse::<Status>) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            bad.push(("status", e.to_string()));
            None
        }
    }
}

impl NewCall {
    /// Checks every field (all bad ones reported at once); `now` bounds
    /// `started_at`, `region` reads the caller's number.
    pub fn check(self, now: Instant, region: Option<Region>) -> Result<IncomingCall, ApiError> {
        let mut bad = Vec::new();
        let id = self.call_id.trim().to_string();
        if id.is_empty() || id.chars().count() > 128 || id.contains('/') {
            bad.push(("call_id", "1 to 128 characters, no /".to_string()));
        }
        if self.tracking_number.trim().is_empty() || self.tracking_number.chars().count() > 64 {
            bad.push((
                "tracking_number",
                "the number dialled, 1 to 64 characters".to_string(),
            ));
        }
        let status = status_field(self.status.as_deref(), &mut bad).unwrap_or(Status::Ringing);
        // A PBX's clock may run ahead of the edge's: a start still to come is now.
        let started_at = self
            .started_at
            .map_or(now, |t| Instant::from_millis(t).min(now));
        if started_at.millis() < 946_684_800_000 {
            bad.push((
                "started_at",
                "ms since the epoch, from the year 2000 on".to_string(),
            ));
        }
        if self.duration_secs.is_some_and(|d| d > 7 * 86_400) {
            bad.push(("duration_secs", "at most a week".to_string()));
        }
        check_call_fields(
            &mut bad,
            self.end_reason.as_deref(),
            self.recording_url.as_deref(),
            None,
        );
        let outcome = self.outcome.and_then(|o| outcome_field(o, &mut bad));
        agent_fields(&mut bad, self.agent.as_deref(), self.wait_secs);
        let missed_reason = missed_reason_field(self.missed_reason.as_deref(), &mut bad);
        let outbound = match self.direction.as_deref() {
            None | Some("inbound") => false,
            Some("outbound") => true,
            Some(_) => {
                bad.push(("direction", "inbound or outbound".into()));
                false
            }
        };
        if outbound && self.caller.is_none() {
            bad.push((
                "caller",
                "an outbound call names the number it called".into(),
            ));
        }
        fields(bad)?;
        Ok(IncomingCall {
            id,
            source: "api",
            tracking_raw: self.tracking_number,
            caller: self
                .caller
                .as_deref()
                .and_then(|c| crate::telephony::caller_id(c, region)),
            started_at,
            status,
            duration: Duration::from_secs(self.duration_secs.unwrap_or(0)),
            end_reason: self.end_reason,
            recording_url: self.recording_url,
            outcome,
            rang: self.agent.is_some(),
            agent: self.agent.map(|a| a.trim().to_string()),
            wait: self.wait_secs.map(Duration::from_secs),
            outbound,
            callback: false,
            missed_reason,
        })
    }
}

impl CallUpdate {
    /// Checks every field (all bad ones reported at once).
    pub fn check(self) -> Result<CallChange, ApiError> {
        let mut bad = Vec::new();
        let status = status_field(self.status.as_deref(), &mut bad);
        if self.duration_secs.is_some_and(|d| d > 7 * 86_400) {
            bad.push(("duration_secs", "at most a week".to_string()));
        }
        check_call_fields(
            &mut bad,
            self.end_reason.as_deref(),
            self.recording_url.as_deref(),
            self.tags.as_deref(),
        );
        let outcome = self
            .outcome
            .map(|o| o.and_then(|o| outcome_field(o, &mut bad)));
        agent_fields(
            &mut bad,
            self.agent.clone().flatten().as_deref(),
            self.wait_secs,
        );
        let missed_reason = missed_reason_field(self.missed_reason.as_deref(), &mut bad);
        fields(bad)?;
        Ok(CallChange {
            status,
            duration: self.duration_secs.map(Duration::from_secs),
            end_reason: self.end_reason,
            recording_url: self.recording_url,
            tags: self.tags,
            outcome,
            rang: matches!(self.agent, Some(Some(_))),
            agent: self.agent.map(|a| a.map(|a| a.trim().to_string())),
            wait: self.wait_secs.map(Duration::from_secs),
            missed_reason,
        })
    }
}

/// An http(s) link with a host name (no IPv6 literal), nothing blank or
/// invisible in it: what a recording's link may be.
fn web_link(u: &str) -> bool {
    let Some(rest) = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty()
        && !host.contains(['[', ']', '@'])
        && !u.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Checks the free-text fields of calls: lengths and URLs.
pub fn check_call_fields(
    bad: &mut Vec<(&'static str, String)>,
    end_reason: Option<&str>,
    recording_url: Option<&str>,
    tags: Option<&[String]>,
) {
    if end_reason.is_some_and(|r| r.chars().count() > 64) {
        bad.push(("end_reason", "at most 64 characters".into()));
    }
    if let Some(u) = recording_url {
        if !web_link(u) || u.chars().count() > 2048 {
            bad.push((
                "recording_url",
                "an http(s) URL of at most 2048 characters".into(),
            ));
        }
    }
    if let Some(t) = tags {
        if t.len() > 20
            || t.iter()
                .any(|x| x.trim().is_empty() || x.chars().count() > 64)
        {
            bad.push(("tags", "at most 20 tags of 1 to 64 characters".into()));
        }
    }
}

/// `POST /v1/sites/{site}/leads`: a form on the site (a callback request).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLead {
    /// The visitor's session (what the page script keeps); attribution comes from it.
    #[serde(default)]
    pub session_id: Option<String>,
    /// The form's idempotency key; one is made when absent.
    #[serde(default)]
    pub lead_id: Option<String>,
    /// What the visitor typed.
    #[serde(default)]
    pub name: Option<String>,
    /// Their phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Their email.
    #[serde(default)]
    pub email: Option<String>,
    /// Their message.
    #[serde(default)]
    pub message: Option<String>,
    /// The page of the form.
    #[serde(default)]
    pub page: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Instant {
        Instant::from_secs(1_800_000_000)
    }

    fn call(json: &str) -> Result<IncomingCall, ApiError> {
        serde_json::from_str::<NewCall>(json)?.check(now(), Some(Region::RU))
    }

    #[test]
    fn a_pbx_call_is_checked_into_a_typed_call() {
        let c = call(
            r#"{"call_id":" c-1 ","tracking_number":"8 499 000-00-01","caller":"8 (916) 123-45-67","status":"answered","duration_secs":90}"#,
        )
        .unwrap();
        assert_eq!(c.id, "c-1");
        assert_eq!(c.caller.as_deref(), Some("+79161234567"));
        assert_eq!(c.status, Status::Answered);
        assert_eq!(c.duration, Duration::from_secs(90));
        assert_eq!(c.started_at, now());
        let withheld =
            call(r#"{"call_id":"c","tracking_number":"1","caller":"anonymous"}"#).unwrap();
        assert_eq!(withheld.caller, None);
        assert_eq!(withheld.status, Status::Ringing);
    }

    #[test]
    fn every_bad_field_of_a_call_is_reported_at_once() {
        let e = call(
            r#"{"call_id":"a/b","tracking_number":"","status":"gone","started_at":1,"duration_secs":9999999,"recording_url":"ftp://x"}"#,
        )
        .unwrap_err();
        assert_eq!(e.status(), 422);
        let body = e.body();
        for f in [
            "call_id",
            "tracking_number",
            "status",
            "started_at",
            "duration_secs",
            "recording_url",
        ] {
            assert!(body.contains(&format!("\"{f}\"")), "{f}: {body}");
        }
        let future = format!(
            r#"{{"call_id":"c","tracking_number":"1","started_at":{}}}"#,
            (now() + Duration::from_mins(10)).millis()
        );
        assert_eq!(
            call(&future).unwrap().started_at,
            now(),
            "a PBX's clock ahead: now"
        );
        let big = call(
            r#"{"call_id":"c","tracking_number":"1","outcome":{"label":"sale","value":999999999999.99}}"#,
        );
        assert_eq!(
            big.unwrap().outcome.unwrap().value_minor,
            Some(99_999_999_999_999)
        );
        let wide = call(&format!(
            r#"{{"call_id":"{}","tracking_number":"1"}}"#,
            "я".repeat(128)
        ));
        assert!(wide.is_ok(), "128 characters, whatever their bytes");
    }

    #[test]
    fn updates_are_checked_into_changes() {
        let up: CallUpdate =
            serde_json::from_str(r#"{"status":"no_answer","tags":["lead"]}"#).unwrap();
        let ch = up.check().unwrap();
        assert_eq!(ch.status, Some(Status::NoAnswer));
        assert_eq!(ch.tags.as_deref(), Some(&["lead".to_string()][..]));
        assert_eq!(ch.duration, None);
        let bad: CallUpdate = serde_json::from_str(r#"{"tags":[""],"end_reason":"x"}"#).unwrap();
        let body = bad.check().unwrap_err().body();
        assert!(body.contains("tags"), "{body}");
        assert!(serde_json::from_str::<CallUpdate>(r#"{"nope":1}"#).is_err());
    }
}
