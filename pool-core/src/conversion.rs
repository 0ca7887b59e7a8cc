//! Calls sent back to the ad platforms that bought their clicks: which
//! calls go (those attributed with confidence to a visit the platform can
//! join them to) and what the platform is told.
//!
//! Yandex Metrica takes calls as offline conversions (`upload_calls`): a
//! CSV naming the visitor by Metrica's ClientID (the `_ym_uid` cookie the
//! page script reads) or, without it, by the Yandex Direct click's `yclid`,
//! with the call's time, talk and hold time, whether it was missed, whether
//! the caller called for the first time, and a tag.
//!
//!
//! Google Ads takes a target call as a click conversion of the click's
//! `gclid`, with the call's value (its outcome's) and time; a call that is
//! not a target call is not a conversion.
//!
//! ```
//! use pool_core::conversion::{metrica_calls_csv, CallForAds};
//!
//! let call = CallForAds {
//!     started_at_ms: 1_764_590_400_000,
//!     confident: true,
//!     missed: false,
//!     talk_secs: 95,
//!     hold_secs: Some(7),
//!     first_time: true,
//!     target: true,
//!     ym_client_id: Some("1764590000123456789"),
//!     yclid: Some("4441234567"),
//!     gclid: None,
//!     value_minor: None,
//!     landing_page: Some("clinic.example/implants"),
//! };
//! let csv = metrica_calls_csv(&call).unwrap();
//! assert_eq!(
//!     csv,
//!     "ClientId,DateTime,StaticCall,Talk,HoldDuration,CallMissed,Tag,FirstTimeCaller,URL\n\
//!      1764590000123456789,1764590400,0,95,7,0,target,1,https://clinic.example/implants\n"
//! );
//! // Not sure who called: nothing goes (a platform would bid on a guess).
//! assert_eq!(metrica_calls_csv(&CallForAds { confident: false, ..call }), None);
//! ```

use alloc::format;
use alloc::string::String;

/// A call as an ad platform needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallForAds<'a> {
    /// When it started (ms since the epoch).
    pub started_at_ms: i64,
    /// Attributed to its visit with high confidence.
    pub confident: bool,
    /// Over and never answered.
    pub missed: bool,
    /// Seconds talked.
    pub talk_secs: u64,
    /// Seconds the caller waited for the answer, when known.
    pub hold_secs: Option<u64>,
    /// The caller's first call to the site.
    pub first_time: bool,
    /// A target call.
    pub target: bool,
    /// Metrica's ClientID of the visitor (`_ym_uid`).
    pub ym_client_id: Option<&'a str>,
    /// The Yandex Direct click's id.
    pub yclid: Option<&'a str>,
    /// The Google Ads click's id.
    pub gclid: Option<&'a str>,
    /// What the call was worth (its outcome's value), in minor units.
    pub value_minor: Option<u64>,
    /// Host and path of the landing page.
    pub landing_page: Option<&'a str>,
}

/// An id Metrica issues: digits only, at most 32.
fn metrica_id(s: Option<&str>) -> Option<&str> {
    s.map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_digit()))
}

/// A CSV cell: quoted when it holds a comma, a quote or a line break.
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        String::from(s)
    }
}

/// The file Metrica's `upload_calls` takes for one call: a header and one
/// row. `None` when the attribution is not confident, or Metrica has no id
/// to join the call to (neither a ClientID nor a yclid).
pub fn metrica_calls_csv(c: &CallForAds<'_>) -> Option<String> {
    if !c.confident {
        return None;
    }
    let (column, id) = match (metrica_id(c.ym_client_id), metrica_id(c.yclid)) {
        (Some(id), _) => ("ClientId", id),
        (None, Some(id)) => ("Yclid", id),
        (None, None) => return None,
    };
    let tag = if c.target {
        "target"
    } else if c.missed {
        "missed"
    } else {
        "call"
    };
    let url = c
        .landing_page
        .filter(|p| !p.is_empty())
        .map(|p| cell(&format!("https://{p}")))
        .unwrap_or_default();
    Some(format!(
        "{column},DateTime,StaticCall,Talk,HoldDuration,CallMissed,Tag,FirstTimeCaller,URL\n\
         {id},{},0,{},{},{},{tag},{},{url}\n",
        c.started_at_ms.div_euclid(1000),
        c.talk_secs,
        c.hold_secs.unwrap_or(0),
        u8::from(c.missed),
        u8::from(c.first_time),
    ))
}

/// A click conversion for Google Ads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickConversion<'a> {
    /// The click.
    pub gclid: &'a str,
    /// When: `2026-12-01 14:05:09+00:00`, as Google Ads writes it.
    pub date_time: String,
    /// The call's value in minor units (0 when it has none yet).
    pub value_minor: u64,
}

/// A `gclid`: Google's click ids are URL-safe base64 and a few punctuation marks.
fn gclid_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
}

/// The click conversion Google Ads takes for a call: a target call,
/// attributed with confidence to a visit from a Google Ads click. `None`
/// for any other call.
pub fn google_ads_click<'a>(c: &CallForAds<'a>) -> Option<ClickConversion<'a>> {
    let gclid = c.gclid.map(str::trim).filter(|g| gclid_ok(g))?;
    if !c.confident || !c.target {
        return None;
    }
    let (y, m, d) = crate::calendar::civil_from_days(c.started_at_ms.div_euclid(86_400_000));
    let secs = c.started_at_ms.rem_euclid(86_400_000) / 1000;
    Some(ClickConversion {
        gclid,
        date_time: format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}+00:00",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        ),
        value_minor: c.value_minor.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> CallForAds<'static> {
        CallForAds {
            started_at_ms: 1_764_590_400_999,
            confident: true,
            missed: true,
            talk_secs: 0,
            hold_secs: None,
            first_time: false,
            target: false,
            ym_client_id: None,
            yclid: Some("123"),
            gclid: None,
            value_minor: None,
            landing_page: Some("a.example/p,q"),
        }
    }

    #[test]
    fn a_yclid_stands_in_for_a_missing_client_id() {
        let csv = metrica_calls_csv(&call()).unwrap();
        assert!(csv.starts_with("Yclid,DateTime,"), "{csv}");
        assert!(
            csv.ends_with("\n123,1764590400,0,0,0,1,missed,0,\"https://a.example/p,q\"\n"),
            "{csv}"
        );
    }

    #[test]
    fn google_ads_takes_confident_target_calls_of_its_clicks_with_their_value() {
        let target = CallForAds {
            missed: false,
            target: true,
            gclid: Some("EAIaIQobChMI-x_y"),
            value_minor: Some(1_500_050),
            ..call()
        };
        let c = google_ads_click(&target).unwrap();
        assert_eq!(c.gclid, "EAIaIQobChMI-x_y");
        // 1_764_590_400_999 ms: 2025-12-01 12:00:00 UTC.
        assert_eq!(c.date_time, "2025-12-01 12:00:00+00:00");
        assert_eq!(c.value_minor, 1_500_050);
        assert_eq!(
            google_ads_click(&CallForAds {
                target: false,
                ..target
            }),
            None
        );
        assert_eq!(
            google_ads_click(&CallForAds {
                confident: false,
                ..target
            }),
            None
        );
        assert_eq!(
            google_ads_click(&CallForAds {
                gclid: None,
                ..target
            }),
            None
        );
        assert_eq!(
            google_ads_click(&CallForAds {
                gclid: Some("a b"),
                ..target
            }),
            None
        );
    }

    #[test]
    fn without_an_id_metrica_knows_nothing_goes() {
        let none = CallForAds {
            yclid: None,
            ..call()
        };
        assert_eq!(metrica_calls_csv(&none), None);
        // What is not a Metrica id (a GA client id, a script) is no id.
        let odd = CallForAds {
            yclid: Some("GA1.2.3"),
            ym_client_id: Some("1,2"),
            ..call()
        };
        assert_eq!(metrica_calls_csv(&odd), None);
    }
}
