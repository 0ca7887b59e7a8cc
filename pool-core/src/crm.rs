//! A CRM that gets the deal (Pipedrive): what a target call or a lead
//! becomes there, and what a deal's end means for the call.
//!
//! Pure: the shell makes the requests; this writes the deal's title and its
//! note (where the caller came from), and reads a won or lost deal into the
//! site's outcome labels.
//!
//! ```
//! use pool_core::crm::{deal_title, note, outcome_of, Origin};
//!
//! let o = Origin {
//!     what: "Call",
//!     phone: Some("+79161234567".into()),
//!     channel: "paid_search".into(),
//!     source: "google".into(),
//!     medium: "cpc".into(),
//!     campaign: Some("implants".into()),
//!     keyword: Some("dental implants".into()),
//!     landing_page: Some("clinic.example/implants".into()),
//!     recording_url: None,
//!     reference: "CA0001".into(),
//! };
//! assert_eq!(deal_title(&o), "Call from +79161234567 (paid_search)");
//! assert!(note(&o).contains("Campaign: implants"));
//! assert_eq!(outcome_of("won", "sale", "no result"), Some("sale"));
//! assert_eq!(outcome_of("open", "sale", "no result"), None);
//! ```

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Where a call or a lead came from, as the CRM is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `Call` or `Lead`.
    pub what: &'static str,
    /// The caller's (or the form's) number.
    pub phone: Option<String>,
    /// The channel.
    pub channel: String,
    /// The source.
    pub source: String,
    /// The medium.
    pub medium: String,
    /// The campaign.
    pub campaign: Option<String>,
    /// The keyword.
    pub keyword: Option<String>,
    /// The landing page.
    pub landing_page: Option<String>,
    /// The recording.
    pub recording_url: Option<String>,
    /// Our id of the call or the lead.
    pub reference: String,
}

/// The deal's title: `Call from +79161234567 (paid_search)`.
pub fn deal_title(o: &Origin) -> String {
    let who = o.phone.as_deref().unwrap_or("a withheld number");
    format!("{} from {who} ({})", o.what, o.channel)
}

/// The deal's note: every attribution detail known, one per line.
pub fn note(o: &Origin) -> String {
    let mut lines: Vec<String> = Vec::new();
    lines.push(format!("{} {} (calltrack)", o.what, o.reference));
    lines.push(format!("Channel: {}", o.channel));
    if !o.source.is_empty() || !o.medium.is_empty() {
        lines.push(format!("Source / medium: {} / {}", o.source, o.medium));
    }
    for (name, v) in [
        ("Campaign", &o.campaign),
        ("Keyword", &o.keyword),
        ("Landing page", &o.landing_page),
        ("Recording", &o.recording_url),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            lines.push(format!("{name}: {v}"));
        }
    }
    lines.join("\n")
}

/// The outcome label a deal's status means: `won` the site's successful
/// label, `lost` its unsuccessful one; an open or deleted deal none.
pub fn outcome_of<'a>(status: &str, won: &'a str, lost: &'a str) -> Option<&'a str> {
    match status {
        "won" => Some(won),
        "lost" => Some(lost),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_without_details_still_says_what_is_known() {
        let o = Origin {
            what: "Lead",
            phone: None,
            channel: "unattributed".into(),
            source: String::new(),
            medium: String::new(),
            campaign: None,
            keyword: Some(String::new()),
            landing_page: None,
            recording_url: None,
            reference: "L1".into(),
        };
        assert_eq!(deal_title(&o), "Lead from a withheld number (unattributed)");
        assert_eq!(note(&o), "Lead L1 (calltrack)\nChannel: unattributed");
        assert_eq!(outcome_of("lost", "sale", "no result"), Some("no result"));
        assert_eq!(outcome_of("deleted", "sale", "no result"), None);
    }
}
