//! A stored call as the API, the webhooks and the reports see it.

use serde::Serialize;

use pool_core::attribution::Kind;
use pool_core::call::{Confidence, Scored};
use pool_core::report::{Fact, Touch};
use pool_core::site::Config;
use pool_core::time::Duration;
use pool_core::trail::Step;

use crate::api::ChannelReply;
use crate::store::CallRow;
use crate::telephony;

/// A call as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct CallView {
    pub(super) id: String,
    pub(super) source: String,
    pub(super) tracking_number: String,
    pub(super) caller: Option<String>,
    pub(super) started_at: i64,
    pub(super) status: String,
    pub(super) answered: bool,
    pub(super) duration_secs: u64,
    pub(super) end_reason: Option<String>,
    pub(super) recording_url: Option<String>,
    pub(super) target_number: Option<String>,
    pub(super) attribution: AttributionView,
    pub(super) unique_caller: bool,
    pub(super) first_call: bool,
    pub(super) target_call: bool,
    pub(super) tags: Vec<String>,
    pub(super) outcome: Option<OutcomeView>,
    /// Who answered, or whose phone rang unanswered.
    pub(super) agent: Option<AgentView>,
    /// Seconds the caller waited for the answer, when known.
    pub(super) wait_secs: Option<u64>,
    /// What the caller did on the site before calling: pages and events.
    pub(super) trail: Vec<Step>,
    /// `inbound`, `outbound` (a call the business made) or `callback` (a
    /// call-back the visitor asked for).
    pub(super) direction: String,
    /// A missed call: when its caller was called back.
    pub(super) called_back_at: Option<i64>,
    /// A missed call: why (`out_of_hours`, `abandoned`, `not_answered`,
    /// `busy`, `all_lines_busy`, `failed`).
    pub(super) missed_reason: Option<String>,
    pub(super) updated_at: i64,
}

/// An agent as a call shows it: the site's agent, or what the PBX said.
#[derive(Debug, Clone, Serialize)]
pub(super) struct AgentView {
    /// The agent's id (or what the PBX said, when it is none of the site's).
    pub(super) id: String,
    /// The agent's name; `None` when not one of the site's agents.
    pub(super) name: Option<String>,
}

/// A call's outcome as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct OutcomeView {
    pub(super) label: String,
    pub(super) successful: bool,
    /// In the site's currency.
    pub(super) value: Option<f64>,
    /// When it was given (ms since the epoch).
    pub(super) set_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct AttributionView {
    /// `session`, `nobody`, `static`, `fallback`, `original`, `unknown`.
    pub(super) kind: Kind,
    /// Why nothing is attributed, when it is not.
    pub(super) reason: Option<&'static str>,
    /// `high`, `low`, `none`.
    pub(super) confidence: Confidence,
    /// The most likely session.
    pub(super) session_id: Option<String>,
    /// Every session that may be meant, with its score.
    pub(super) candidates: Vec<Scored>,
    /// The visit of the most likely session (or the static number's channel).
    pub(super) channel: ChannelReply,
}

/// A call as the API shows it; the caller masked unless `full_caller`;
/// agents named from `config`.
pub(super) fn view(r: &CallRow, full_caller: bool, config: &Config) -> CallView {
    let channel = r
        .visit
        .as_deref()
        .and_then(|v| serde_json::from_str::<ChannelReply>(v).ok())
        .unwrap_or_else(|| ChannelReply::bare(&r.channel));
    CallView {
        id: r.id.clone(),
        source: r.source.clone(),
        tracking_number: r.tracking.clone(),
        caller: r.caller.as_ref().map(|c| {
            if full_caller {
                c.clone()
            } else {
                telephony::mask(c)
            }
        }),
        started_at: r.started_at,
        status: r.status.as_str().to_string(),
        answered: r.status.is_answered(),
        duration_secs: (r.duration_ms.max(0) / 1000) as u64,
        end_reason: r.end_reason.clone(),
        recording_url: r.recording_url.clone(),
        target_number: r.target_number.clone(),
        attribution: AttributionView {
            kind: r.kind,
            reason: r.kind.reason(),
            confidence: r.confidence,
            session_id: r.session.clone(),
            candidates: serde_json::from_str(&r.candidates).unwrap_or_default(),
            channel,
        },
        unique_caller: r.unique_caller,
        first_call: r.first_call,
        target_call: r.target,
        tags: serde_json::from_str(&r.tags).unwrap_or_default(),
        outcome: r.outcome.as_ref().map(|label| OutcomeView {
            label: label.clone(),
            successful: r.successful.unwrap_or(false),
            value: r.value_minor.map(|v| v as f64 / 100.0),
            set_at: r.outcome_at.unwrap_or(r.updated_at),
        }),
        agent: r.agent.as_ref().map(|id| AgentView {
            id: id.clone(),
            name: config
                .agents
                .iter()
                .find(|a| &a.id == id)
                .map(|a| a.name.clone()),
        }),
        wait_secs: wait(r).map(|w| w.secs()),
        trail: r
            .trail
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default(),
        direction: r.direction.clone().unwrap_or_else(|| "inbound".into()),
        called_back_at: r.called_back_at,
        missed_reason: r.missed_reason.clone(),
        updated_at: r.updated_at,
    }
}

/// How long the caller of `r` waited for the answer, when known.
pub(super) fn wait(r: &CallRow) -> Option<Duration> {
    r.answered_at
        .filter(|_| r.status.is_answered())
        .map(|a| Duration::from_millis((a - r.started_at).max(0) as u64))
}

/// A call as a report counts it.
pub(super) fn fact(r: &CallRow) -> Fact {
    let visit = r
        .visit
        .as_deref()
        .and_then(|v| serde_json::from_str::<ChannelReply>(v).ok());
    Fact {
        origin: Touch {
            at: r.started_at,
            channel: r.channel.clone(),
            source: r.source_name.clone(),
            medium: r.medium.clone(),
            campaign: r.campaign.clone(),
            term: r.term.clone(),
            landing_page: r.landing_page.clone(),
            content: visit.as_ref().and_then(|v| v.content.clone()),
            region: visit.and_then(|v| v.region),
        },
        status: r.status,
        duration: Duration::from_millis(r.duration_ms.max(0) as u64),
        target: r.target,
        caller: r.caller.clone(),
        successful: r.outcome.as_ref().and(r.successful),
        value_minor: r.value_minor.map_or(0, |v| v.max(0) as u64),
        agent: r.agent.clone(),
        answer_wait: wait(r),
        tags: serde_json::from_str(&r.tags).unwrap_or_default(),
        callback: r.direction.as_deref() == Some("callback"),
        missed_reason: r
            .missed_reason
            .as_deref()
            .and_then(pool_core::call::MissedReason::parse),
    }
}
