//! A visit's channel as the API shows it and as it is stored with a
//! session, a lead or a call.

use super::*;

/// The channel part of a session reply.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChannelReply {
    /// `paid_search`, `organic_search`, ...
    pub channel: String,
    /// `google`, `(direct)`, a referring host.
    pub source: String,
    /// `cpc`, `organic`, `(none)`.
    pub medium: String,
    /// `utm_campaign`.
    pub campaign: Option<String>,
    /// `utm_term` or the search query.
    pub term: Option<String>,
    /// `utm_content`.
    pub content: Option<String>,
    /// The ad click id.
    pub click_id: Option<ClickId>,
    /// Host and path of the landing page.
    pub landing_page: Option<String>,
    /// The referring host.
    pub referrer_host: Option<String>,
    /// Where the visitor was: country and region from the edge's request
    /// data (`RU / Moscow`), when the platform gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// The visitor's region kept with a stored visit (an extra key of its JSON).
pub fn stored_region(visit_json: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(visit_json)
        .ok()?
        .get("region")?
        .as_str()
        .map(str::to_string)
}

/// The channel reply of a stored visit (its JSON, region included).
pub fn stored_channel(visit_json: &str) -> Option<ChannelReply> {
    serde_json::from_str::<Visit>(visit_json)
        .ok()
        .map(|v| ChannelReply::with_region(&v, stored_region(visit_json)))
}

/// A visit as stored: its JSON with the visitor's region added.
pub fn visit_json(
    visit: &Visit,
    region: Option<&str>,
    ym_client_id: Option<&str>,
) -> Result<String, ApiError> {
    let mut v = serde_json::to_value(visit).map_err(|_| ApiError::Internal)?;
    if let Some(o) = v.as_object_mut() {
        if let Some(r) = region {
            o.insert("region".into(), r.into());
        }
        if let Some(ym) = ym_client_id {
            o.insert("ym_client_id".into(), ym.into());
        }
    }
    Ok(v.to_string())
}

/// Metrica's ClientID kept with a stored visit, if any.
pub fn stored_ym_client_id(visit_json: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(visit_json)
        .ok()?
        .get("ym_client_id")?
        .as_str()
        .map(str::to_string)
}

impl ChannelReply {
    /// A channel known by its name only (a static number's, or none).
    pub fn bare(channel: &str) -> ChannelReply {
        ChannelReply {
            channel: channel.to_string(),
            source: String::new(),
            medium: String::new(),
            campaign: None,
            term: None,
            content: None,
            click_id: None,
            landing_page: None,
            referrer_host: None,
            region: None,
        }
    }
}

impl ChannelReply {
    /// The channel of a visit, with where the visitor was.
    pub fn with_region(visit: &Visit, region: Option<String>) -> ChannelReply {
        ChannelReply {
            region,
            ..ChannelReply::from(visit)
        }
    }
}

impl From<&Visit> for ChannelReply {
    fn from(v: &Visit) -> ChannelReply {
        ChannelReply {
            channel: v.channel.as_str().into(),
            source: v.source.clone(),
            medium: v.medium.clone(),
            campaign: v.campaign.clone(),
            term: v.term.clone(),
            content: v.content.clone(),
            click_id: v.click_id.clone(),
            landing_page: v.landing_page.clone(),
            referrer_host: v.referrer_host.clone(),
            region: None,
        }
    }
}
