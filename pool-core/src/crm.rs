//! A CRM that gets the deal (Pipedrive, amoCRM): what a target call or a
//! lead becomes there, what a missed call asks of the one who calls back,
//! and what a deal's end means for the call.
//!
//! Pure: the shell makes the requests; this writes the deal's title and its
//! note (where the caller came from), and reads a won or lost deal into the
//! site's outcome labels.
//!
//! ```
//! use pool_core::crm::{deal_title, note, outcome_of, task_text, Origin};
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
//!     trail: vec!["/".into(), "/implants".into()],
//!     reference: "CA0001".into(),
//! };
//! assert_eq!(deal_title(&o), "Call from +79161234567 (paid_search)");
//! assert!(note(&o).contains("Campaign: implants"));
//! assert!(note(&o).contains("Pages: / → /implants"));
//! assert_eq!(task_text(&o), "Call back +79161234567: missed call (paid_search, google / cpc, implants)");
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
    /// The visit's pages before the call, in order (paths).
    pub trail: Vec<String>,
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
    if !o.trail.is_empty() {
        lines.push(format!("Pages: {}", o.trail.join(" → ")));
    }
    lines.join("\n")
}

/// The task a missed call gives the one who calls back.
pub fn task_text(o: &Origin) -> String {
    let who = o.phone.as_deref().unwrap_or("a withheld number");
    let mut from = o.channel.clone();
    if !o.source.is_empty() || !o.medium.is_empty() {
        from.push_str(&format!(", {} / {}", o.source, o.medium));
    }
    if let Some(c) = o.campaign.as_deref().filter(|c| !c.is_empty()) {
        from.push_str(&format!(", {c}"));
    }
    format!("Call back {who}: missed call ({from})")
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
            trail: Vec::new(),
            reference: "L1".into(),
        };
        assert_eq!(deal_title(&o), "Lead from a withheld number (unattributed)");
        assert_eq!(note(&o), "Lead L1 (calltrack)\nChannel: unattributed");
        assert_eq!(outcome_of("lost", "sale", "no result"), Some("no result"));
        assert_eq!(outcome_of("deleted", "sale", "no result"), None);
    }
}
