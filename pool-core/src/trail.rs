//! The visit's trail: the pages a visitor saw and the site's own events
//! (a price list opened, a calculator used), in order, kept with the
//! session so that a call shows what its caller did before calling.
//!
//! Bounded (the site's maximum per session, the oldest dropped first) and
//! free of personal data: a page is its path only (no query, no fragment,
//! no host), and an event is a short name that does not look like an
//! e-mail address or a phone number. Times are the edge's, not the page's.
//!
//! ```
//! use pool_core::trail::{append, event, page, until};
//!
//! let mut trail = Vec::new();
//! append(&mut trail, page(1_000, "https://clinic.example/implants?utm_source=google").unwrap(), 3);
//! append(&mut trail, event(2_000, "price list opened").unwrap(), 3);
//! append(&mut trail, page(3_000, "/contacts#map").unwrap(), 3);
//! append(&mut trail, page(4_000, "/").unwrap(), 3);
//! // The oldest went; a call at 3.5 s sees what came before it.
//! let before = until(&trail, 3_500);
//! let names: Vec<&str> = before.iter().map(|s| s.name.as_str()).collect();
//! assert_eq!(names, ["price list opened", "/contacts"]);
//! assert!(event(5_000, "ivan@example.com").is_err());
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// What a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Kind {
    /// A page view (a load, or a route change of a single-page app).
    Page,
    /// One of the site's own events (`dni.event(name)`).
    Event,
}

/// One step of a trail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Step {
    /// When the edge learned of it (ms since the epoch).
    pub at: i64,
    /// A page or an event.
    pub kind: Kind,
    /// The page's path, or the event's name.
    pub name: String,
}

/// The longest page path kept.
pub const MAX_PATH: usize = 200;
/// The longest event name.
pub const MAX_EVENT: usize = 64;
/// The most steps a site may keep per session.
pub const MAX_STEPS: u32 = 500;

/// Why a step is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadStep {
    /// Empty, or too long.
    Length,
    /// Control characters.
    Control,
    /// It looks like personal data (an e-mail address, a phone number).
    Personal,
}

impl fmt::Display for BadStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BadStep::Length => "a page path or an event name of 1 to 64 characters",
            BadStep::Control => "no control characters",
            BadStep::Personal => {
                "no personal data: no e-mail address, no phone number (7 digits or more)"
            }
        })
    }
}

impl core::error::Error for BadStep {}

fn personal(s: &str) -> bool {
    s.contains('@') || s.bytes().filter(u8::is_ascii_digit).count() >= 7
}

/// A page view: the path of `url` (a full URL or a path), without query and
/// fragment, cut to [`MAX_PATH`] bytes.
pub fn page(at: i64, url: &str) -> Result<Step, BadStep> {
    let url = url.trim();
    let rest = match url.find("://") {
        Some(i) => {
            let after = &url[i + 3..];
            after.find('/').map_or("/", |k| &after[k..])
        }
        None => url,
    };
    let path = rest.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') {
        return Err(BadStep::Length);
    }
    if path.chars().any(char::is_control) {
        return Err(BadStep::Control);
    }
    let mut end = path.len().min(MAX_PATH);
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    Ok(Step {
        at,
        kind: Kind::Page,
        name: String::from(&path[..end]),
    })
}

/// One of the site's events, named by the site.
pub fn event(at: i64, name: &str) -> Result<Step, BadStep> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_EVENT {
        return Err(BadStep::Length);
    }
    if name.chars().any(char::is_control) {
        return Err(BadStep::Control);
    }
    if personal(name) {
        return Err(BadStep::Personal);
    }
    Ok(Step {
        at,
        kind: Kind::Event,
        name: String::from(name),
    })
}

/// Adds `step`, keeping at most `max` steps (the oldest dropped first);
/// `max` 0 keeps none.
pub fn append(trail: &mut Vec<Step>, step: Step, max: usize) {
    trail.push(step);
    if trail.len() > max {
        let extra = trail.len() - max;
        trail.drain(..extra);
    }
}

/// The steps up to `at` (a call's start), in order.
pub fn until(trail: &[Step], at: i64) -> Vec<Step> {
    trail.iter().filter(|s| s.at <= at).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_paths_only() {
        for (url, path) in [
            ("https://clinic.example/a/b?email=x@y.z#top", "/a/b"),
            ("http://clinic.example", "/"),
            ("/prices?x=1", "/prices"),
            ("  /p  ", "/p"),
        ] {
            assert_eq!(page(1, url).unwrap().name, path, "{url}");
        }
        assert_eq!(page(1, "prices"), Err(BadStep::Length));
        assert_eq!(page(1, "/a\u{7}b"), Err(BadStep::Control));
        let long = String::from("/") + &"é".repeat(300);
        let p = page(1, &long).unwrap();
        assert!(p.name.len() <= MAX_PATH && p.name.starts_with("/é"));
    }

    #[test]
    fn events_carry_no_personal_data() {
        assert_eq!(
            event(1, " calculator used ").unwrap().name,
            "calculator used"
        );
        assert_eq!(event(1, "step 2 of 3").unwrap().kind, Kind::Event);
        for bad in [
            "ivan@example.com",
            "call +7 916 123-45-67",
            "8 800 555 35 35",
        ] {
            assert_eq!(event(1, bad), Err(BadStep::Personal), "{bad}");
        }
        assert_eq!(event(1, ""), Err(BadStep::Length));
        assert_eq!(event(1, &"x".repeat(65)), Err(BadStep::Length));
    }

    #[test]
    fn bounded_oldest_first_and_cut_at_the_call() {
        let mut t = Vec::new();
        for i in 0..10 {
            append(&mut t, page(i, &alloc::format!("/{i}")).unwrap(), 4);
        }
        let names: Vec<&str> = t.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["/6", "/7", "/8", "/9"]);
        assert_eq!(until(&t, 7).len(), 2);
        append(&mut t, page(11, "/x").unwrap(), 0);
        assert!(t.is_empty());
    }
}
