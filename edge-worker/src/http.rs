//! HTTP pieces shared by the handlers: percent-decoding (one place, for
//! paths, query strings and forms), URL encoding, query strings and the
//! reporting period; on wasm also the request's query and XML/CSV replies.

use std::collections::HashMap;

use pool_core::time::{Duration, Instant};

use crate::error::ApiError;

/// Decodes `%XX`; with `plus_is_space` (forms, query strings) `+` is a blank.
/// A `%` not followed by two hex digits stays as it is.
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let (bytes, _) = pool_core::text::percent_decode(s, plus_is_space);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Encodes everything but unreserved characters (RFC 3986).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The pairs of a query string or form body (`a=1&b=x+y`), decoded.
pub fn pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Whether a query flag is on (`1`, `true`, `yes`).
pub fn flag(q: &HashMap<String, String>, k: &str) -> bool {
    matches!(q.get(k).map(String::as_str), Some("1" | "true" | "yes"))
}

/// `from` and `to` (ms since the epoch); by default the 30 days up to a minute past `now`.
pub fn period_at(
    q: &HashMap<String, String>,
    now: Instant,
) -> Result<(Instant, Instant), ApiError> {
    let get = |k: &'static str, default: Instant| -> Result<Instant, ApiError> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .map(Instant::from_millis)
                .map_err(|_| ApiError::field(k, "ms since the epoch")),
        }
    };
    let to = get("to", now + Duration::from_mins(1))?;
    let from = get("from", to - Duration::from_days(30))?;
    if from >= to {
        return Err(ApiError::field("from", "must be before to"));
    }
    Ok((from, to))
}

#[cfg(target_arch = "wasm32")]
mod shell {
    use std::collections::HashMap;

    use pool_core::time::Instant;
    use worker::{Request, Response};

    use crate::error::ApiError;

    /// The request's query string, decoded.
    pub fn query(req: &Request) -> HashMap<String, String> {
        req.url()
            .ok()
            .and_then(|u| u.query().map(super::pairs))
            .unwrap_or_default()
            .into_iter()
            .collect()
    }

    /// The request's reporting period (see [`super::period_at`]).
    pub fn period(q: &HashMap<String, String>) -> Result<(Instant, Instant), ApiError> {
        super::period_at(
            q,
            Instant::from_millis(worker::Date::now().as_millis() as i64),
        )
    }

    /// A plain text reply.
    pub fn text(body: &str) -> Result<Response, ApiError> {
        let mut r = Response::ok(body)?;
        r.headers_mut()
            .set("content-type", "text/plain; charset=utf-8")?;
        Ok(r)
    }

    /// A TwiML (XML) reply.
    pub fn xml(body: &str) -> Result<Response, ApiError> {
        let mut r = Response::ok(body)?;
        r.headers_mut()
            .set("content-type", "text/xml; charset=utf-8")?;
        Ok(r)
    }

    /// A CSV download named `name`.
    pub fn csv(body: &str, name: &str) -> Result<Response, ApiError> {
        let mut r = Response::ok(body)?;
        let h = r.headers_mut();
        h.set("content-type", "text/csv; charset=utf-8")?;
        h.set(
            "content-disposition",
            &format!("attachment; filename=\"{name}\""),
        )?;
        Ok(r)
    }
}
#[cfg(target_arch = "wasm32")]
pub use shell::{csv, period, query, text, xml};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_in_paths_and_forms() {
        assert_eq!(percent_decode("%2B74951234567", false), "+74951234567");
        assert_eq!(percent_decode("+7495", false), "+7495");
        assert_eq!(percent_decode("a+b%20c", true), "a b c");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(percent_decode("%41", true), "A");
        assert_eq!(percent_decode("%D0%9C", true), "М");
    }

    #[test]
    fn url_encoding_round_trips() {
        let s = "G-AB 12/é&=+";
        assert_eq!(urlencode(s), "G-AB%2012%2F%C3%A9%26%3D%2B");
        assert_eq!(percent_decode(&urlencode(s), true), s);
    }

    #[test]
    fn pairs_and_flags() {
        let p = pairs("To=%2B7499&From=+1+212&x&&full_caller=1");
        assert_eq!(p[0], ("To".into(), "+7499".into()));
        assert_eq!(p[1], ("From".into(), " 1 212".into()));
        assert_eq!(p[2], ("x".into(), "".into()));
        let q: HashMap<String, String> = p.into_iter().collect();
        assert!(flag(&q, "full_caller"));
        assert!(!flag(&q, "x"));
    }

    #[test]
    fn periods_default_to_thirty_days_and_reject_reversed_ranges() {
        let now = Instant::from_secs(1_700_000_000);
        let (from, to) = period_at(&HashMap::new(), now).unwrap();
        assert_eq!(to, now + Duration::from_mins(1));
        assert_eq!(to - from, Duration::from_days(30));
        let q: HashMap<String, String> =
            [("from".into(), "10".into()), ("to".into(), "5".into())].into();
        assert_eq!(period_at(&q, now).unwrap_err().status(), 422);
        let q: HashMap<String, String> = [("to".into(), "x".into())].into();
        assert!(period_at(&q, now).is_err());
    }
}
