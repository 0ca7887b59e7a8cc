//! Request and response bodies of the API, and their checks. Pure: no
//! runtime types, so every rule is tested natively.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use pool_core::channel::{ClickId, Visit};
use pool_core::number::{PhoneNumber, Region};
use pool_core::session::SessionId;
use pool_core::site::{Config, Shown};

use crate::error::ApiError;

mod callbacks;
mod calls;
mod coverage;
mod public;
mod sessions;
mod spend;
mod visit;

pub use callbacks::*;
pub use calls::*;
pub use coverage::*;
pub use public::*;
pub use sessions::*;
pub use spend::*;
pub use visit::*;

/// The most bytes of an admin request body (a config with 100k numbers fits).
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// The most bytes of a public (browser) request body.
pub const MAX_PUBLIC_BODY: usize = 8 * 1024;
/// The longest URL we keep.
pub const MAX_URL: usize = 4096;

/// `POST /v1/sites/{site}/pools/{target}/numbers`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddNumbers {
    /// Tracking numbers to add to the pool.
    pub numbers: Vec<String>,
}

/// `POST /v1/sites/{site}/keys`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// `admin` (manage the site, read reports) or `server` (leasing from a server).
    pub scope: String,
    /// A name for people.
    #[serde(default)]
    pub label: Option<String>,
    /// Days until it stops working (1 to 3650); none: until revoked.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// Reads a JSON request body into `T`. A number written with a zero
/// fraction (`245.0`) is the integer JSON Schema says it is, wherever an
/// integer is asked for.
pub fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    fn integral(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Number(n) if n.is_f64() => {
                if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15) {
                    *v = if f < 0.0 {
                        serde_json::Value::from(f as i64)
                    } else {
                        serde_json::Value::from(f as u64)
                    };
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(integral),
            serde_json::Value::Object(o) => o.values_mut().for_each(integral),
            _ => {}
        }
    }
    let mut v: serde_json::Value = serde_json::from_slice(bytes)?;
    integral(&mut v);
    serde_json::from_value(v)
}

/// Drops object keys that start with `//`: comments in a config file
/// (`"//fixation_secs": "how long ..."`), so a documented example can be sent as it is.
pub fn strip_comments(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| !k.starts_with("//"));
            map.values_mut().for_each(strip_comments);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_comments),
        _ => {}
    }
}

/// Turns listed bad fields into a 422, or passes.
pub fn fields(bad: Vec<(&'static str, String)>) -> Result<(), ApiError> {
    if bad.is_empty() {
        return Ok(());
    }
    Err(ApiError::Invalid(
        bad.into_iter()
            .map(|(p, m)| pool_core::site::FieldError {
                path: p.into(),
                message: m,
            })
            .collect(),
    ))
}

/// The `session_id` of a new session's body, if it is there and well formed
/// (the Worker routes by it; the object checks the body in full).
pub fn session_id_of(body: &[u8]) -> Option<pool_core::session::SessionId> {
    #[derive(Deserialize)]
    struct Only<'a> {
        #[serde(borrow)]
        session_id: Option<&'a str>,
    }
    serde_json::from_slice::<Only>(body)
        .ok()?
        .session_id?
        .parse()
        .ok()
}

/// The Durable Object name of shard `k` of `site`: the site's own name for
/// shard 0 (the coordinator), `{site}#{k}` for the others.
pub fn shard_object(site: &str, k: u32) -> String {
    if k == 0 {
        site.to_string()
    } else {
        format!("{site}#{k}")
    }
}

/// A site id: 1 to 64 of `a-z 0-9 - _` (never `#`: shard objects are `{site}#{k}`).
pub fn check_site_id(id: &str) -> Result<(), ApiError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "a site id is 1 to 64 characters of a-z, 0-9, - and _".into(),
        ))
    }
}

/// A number written in a path segment (`%2B74951234567`, `+7495...` or
/// `7495...`), as E.164.
pub fn path_number(raw: &str) -> Result<PhoneNumber, ApiError> {
    lookup_number(&crate::http::percent_decode(raw, false), None)
}

/// A number a request looks something up by (`+7495...` or `7495...`):
/// not written as an E.164 number at all, a 400 (or `field`'s 422); written
/// as one that no country has, a 404, since nothing of the site's can be
/// found by it.
pub fn lookup_number(raw: &str, field: Option<&'static str>) -> Result<PhoneNumber, ApiError> {
    let raw = raw.trim();
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    let e164 = format!("+{digits}");
    e164.parse().map_err(|e| {
        let written = (8..=15).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit());
        let why = format!("{raw:?} is not an E.164 number: {e}");
        match field {
            _ if written => ApiError::NotFound(format!("{e164} is no number of this site ({e})")),
            Some(f) => ApiError::field(f, why),
            None => ApiError::BadRequest(why),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_ride_with_the_stored_visit() {
        let v = pool_core::channel::classify("https://a.example/?utm_source=x", None, &[]);
        let j = visit_json(&v, Some("RU / Moscow"), Some("1764590000123456789")).unwrap();
        assert_eq!(stored_region(&j).as_deref(), Some("RU / Moscow"));
        assert_eq!(
            stored_ym_client_id(&j).as_deref(),
            Some("1764590000123456789")
        );
        let back: Visit = serde_json::from_str(&j).unwrap();
        assert_eq!(back, v);
        assert_eq!(stored_region(&visit_json(&v, None, None).unwrap()), None);
        assert_eq!(
            stored_ym_client_id(&visit_json(&v, None, None).unwrap()),
            None
        );
        assert_eq!(
            ChannelReply::with_region(&v, Some("KZ".into()))
                .region
                .as_deref(),
            Some("KZ")
        );
    }

    fn req(json: &str) -> Result<NewSession, ApiError> {
        serde_json::from_str::<SessionRequest>(json)
            .map_err(ApiError::from)?
            .check()
    }

    #[test]
    fn session_requests() {
        let ok = req(r#"{"session_id":"0123456789abcdef0123456789abcdef","url":"https://a.example/","referrer":""}"#)
            .unwrap();
        assert_eq!(ok.referrer, None);
        assert_eq!(req("{}").unwrap_err().status(), 422);
        assert_eq!(req("{").unwrap_err().status(), 400);
        assert_eq!(req("[]").unwrap_err().status(), 422);
        let e = req(r#"{"session_id":"nope","ga_client_id":"x<script>","url":5}"#).unwrap_err();
        assert_eq!(e.status(), 422);
        let e = req(r#"{"session_id":"nope","ga_client_id":"x<script>"}"#).unwrap_err();
        match e {
            ApiError::Invalid(f) => {
                let paths: Vec<&str> = f.iter().map(|f| f.path.as_str()).collect();
                assert_eq!(paths, ["session_id", "ga_client_id"]);
            }
            other => panic!("{other:?}"),
        }
        let long = format!(
            r#"{{"session_id":"0123456789abcdef0123456789abcdef","url":"{}"}}"#,
            "a".repeat(5000)
        );
        assert_eq!(req(&long).unwrap_err().status(), 422);
    }

    #[test]
    fn comments_are_dropped() {
        let mut v: serde_json::Value =
            serde_json::from_str(r#"{"//": "x", "a": {"//b": 1, "c": [{"//d": 2, "e": 3}]}}"#)
                .unwrap();
        strip_comments(&mut v);
        assert_eq!(v, serde_json::json!({"a": {"c": [{"e": 3}]}}));
    }

    #[test]
    fn site_ids_and_segments() {
        assert!(check_site_id("demo").is_ok());
        assert!(check_site_id("clinic-2_b").is_ok());
        for bad in ["", "Demo", "a/b", "a b", &"x".repeat(65), "ü"] {
            assert!(check_site_id(bad).is_err(), "{bad}");
        }
        assert_eq!(
            path_number("%2B74951234567").unwrap().to_string(),
            "+74951234567"
        );
        assert_eq!(
            path_number("74951234567").unwrap().to_string(),
            "+74951234567"
        );
        assert_eq!(path_number("%zz%2").unwrap_err().status(), 400);
    }

    #[test]
    fn the_worker_reads_a_new_sessions_id() {
        let id = "0123456789abcdef0123456789abcdef";
        let body = format!(r#"{{"url":"https://a.test/","session_id":"{id}"}}"#);
        assert_eq!(
            session_id_of(body.as_bytes())
                .map(|s| s.to_string())
                .as_deref(),
            Some(id)
        );
        assert_eq!(session_id_of(br#"{"session_id":"nope"}"#), None);
        assert_eq!(session_id_of(b"not json"), None);
        assert_eq!(session_id_of(b"{}"), None);
    }

    #[test]
    fn shard_objects_never_collide_with_sites() {
        assert_eq!(shard_object("clinic", 0), "clinic");
        assert_eq!(shard_object("clinic", 3), "clinic#3");
        assert!(check_site_id(&shard_object("clinic", 3)).is_err());
    }
}

#[cfg(test)]
mod json_body_tests {
    use super::json_body;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Days {
        days: u32,
        value: f64,
        nested: Vec<i64>,
    }

    #[test]
    fn a_zero_fraction_is_an_integer_and_nothing_else_changes() {
        let d: Days =
            json_body(br#"{"days": 245.0, "value": 1500.0, "nested": [-3.0, 7]}"#).unwrap();
        assert_eq!(
            d,
            Days {
                days: 245,
                value: 1500.0,
                nested: vec![-3, 7]
            }
        );
        let frac = json_body::<Days>(br#"{"days": 1.5, "value": 1, "nested": []}"#).unwrap_err();
        assert_eq!(frac.classify(), serde_json::error::Category::Data);
        let broken = json_body::<Days>(br#"{"days": "#).unwrap_err();
        assert_eq!(broken.classify(), serde_json::error::Category::Eof);
    }
}
