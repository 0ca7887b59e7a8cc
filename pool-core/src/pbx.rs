//! Cloud PBXs of the region, read natively: what their events mean for a
//! call. Pure: the shell checks the signature and stores the call.
//!
//! **Zadarma** (chosen over Mango Office: its events name the call's end
//! in words, `line limit` among them, so every missed call's reason is read
//! from what the PBX itself said; it is sold in Russia, Ukraine and
//! Kazakhstan alike; and its webhooks and API are documented openly). Its
//! webhooks are forms: `NOTIFY_START` (a call to one of the account's
//! numbers), `NOTIFY_INTERNAL` (an extension rings), `NOTIFY_ANSWER`,
//! `NOTIFY_END` (with its `disposition`), `NOTIFY_OUT_START` /
//! `NOTIFY_OUT_END` (a call the office makes), `NOTIFY_RECORD`. Each is
//! signed in a `Signature` header: Base64 of the hex HMAC-SHA1, keyed by
//! the account's API secret, of the fields [`zadarma::signed_text`] names.
//!
//! ```
//! use pool_core::call::{MissedReason, Status};
//! use pool_core::pbx::zadarma;
//!
//! let f = |k: &str| match k {
//!     "event" => Some("NOTIFY_END"),
//!     "caller_id" => Some("79161234567"),
//!     "called_did" => Some("74951234567"),
//!     "call_start" => Some("2026-12-07 12:00:00"),
//!     _ => None,
//! };
//! assert_eq!(zadarma::signed_text(&f).as_deref(), Some("79161234567749512345672026-12-07 12:00:00"));
//! assert_eq!(zadarma::disposition("line limit"), Some((Status::NoAnswer, Some(MissedReason::AllLinesBusy))));
//! assert_eq!(zadarma::disposition("answered"), Some((Status::Answered, None)));
//! ```

/// Zadarma's webhooks.
pub mod zadarma {
    use alloc::string::String;

    use crate::call::{MissedReason, Status};

    /// What an event's signature covers, in order, by its `event`: the
    /// caller, the number called and the start for an incoming call's
    /// events; the extension, the number called and the start for an
    /// outgoing call's; the call and the recording's id for a recording.
    /// `None`: an event this crate does not read, or a field missing.
    pub fn signed_text<'a>(field: &dyn Fn(&str) -> Option<&'a str>) -> Option<String> {
        let parts: &[&str] = match field("event")? {
            "NOTIFY_START" | "NOTIFY_INTERNAL" | "NOTIFY_END" => {
                &["caller_id", "called_did", "call_start"]
            }
            "NOTIFY_ANSWER" => &["caller_id", "destination", "call_start"],
            "NOTIFY_OUT_START" | "NOTIFY_OUT_END" => &["internal", "destination", "call_start"],
            "NOTIFY_RECORD" => &["pbx_call_id", "call_id_with_rec"],
            _ => return None,
        };
        let mut out = String::new();
        for p in parts {
            out.push_str(field(p)?);
        }
        Some(out)
    }

    /// What Zadarma's API signs for a request of `method` (its path,
    /// `/v1/request/callback/`) with `params`: the query (the parameters
    /// sorted by name, form-encoded as PHP's `http_build_query` writes
    /// them) and the text to sign, the path, the query and the query's MD5
    /// (hex), `md5` given by the shell.
    pub fn api_text(
        method: &str,
        params: &[(&str, &str)],
        md5_hex: &dyn Fn(&str) -> String,
    ) -> (String, String) {
        let mut sorted: alloc::vec::Vec<&(&str, &str)> = params.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut query = String::new();
        for (i, (k, v)) in sorted.iter().enumerate() {
            if i > 0 {
                query.push('&');
            }
            query.push_str(&form(k));
            query.push('=');
            query.push_str(&form(v));
        }
        let text = alloc::format!("{method}{query}{}", md5_hex(&query));
        (query, text)
    }

    /// Form-encoding as PHP's `urlencode`: letters, digits and `-_.` stay,
    /// a blank is `+`, the rest `%XX`.
    fn form(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
                b' ' => out.push('+'),
                _ => out.push_str(&alloc::format!("%{b:02X}")),
            }
        }
        out
    }

    /// A call's end as Zadarma's `disposition` says it: its status, and,
    /// when it was missed for a reason the words give, that reason.
    /// `None`: words Zadarma does not use.
    pub fn disposition(d: &str) -> Option<(Status, Option<MissedReason>)> {
        Some(match d.trim() {
            "answered" => (Status::Answered, None),
            "busy" => (Status::Busy, Some(MissedReason::Busy)),
            // The caller hung up before an answer (abandoned or not
            // answered: whether a phone rang says which).
            "cancel" => (Status::Cancelled, None),
            "no answer" => (Status::NoAnswer, Some(MissedReason::NotAnswered)),
            // Every line of the account taken.
            "line limit" => (Status::NoAnswer, Some(MissedReason::AllLinesBusy)),
            "failed" | "no money" | "unallocated number" | "no limit" | "no day limit"
            | "no money, no limit" => (Status::Failed, Some(MissedReason::Failed)),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::zadarma;
    use crate::call::{MissedReason, Status};

    #[test]
    fn each_event_signs_its_own_fields() {
        let fields = |event: &'static str| {
            move |k: &str| match k {
                "event" => Some(event),
                "caller_id" => Some("A"),
                "called_did" => Some("B"),
                "destination" => Some("D"),
                "internal" => Some("101"),
                "call_start" => Some("T"),
                "pbx_call_id" => Some("P"),
                "call_id_with_rec" => Some("R"),
                _ => None,
            }
        };
        for (event, text) in [
            ("NOTIFY_START", "ABT"),
            ("NOTIFY_INTERNAL", "ABT"),
            ("NOTIFY_END", "ABT"),
            ("NOTIFY_ANSWER", "ADT"),
            ("NOTIFY_OUT_START", "101DT"),
            ("NOTIFY_OUT_END", "101DT"),
            ("NOTIFY_RECORD", "PR"),
        ] {
            assert_eq!(
                zadarma::signed_text(&fields(event)).as_deref(),
                Some(text),
                "{event}"
            );
        }
        assert_eq!(zadarma::signed_text(&fields("SMS")), None);
        let missing = |k: &str| (k == "event").then_some("NOTIFY_END");
        assert_eq!(zadarma::signed_text(&missing), None);
    }

    #[test]
    fn every_end_zadarma_names_has_a_status() {
        assert_eq!(
            zadarma::disposition("busy"),
            Some((Status::Busy, Some(MissedReason::Busy)))
        );
        assert_eq!(
            zadarma::disposition("cancel"),
            Some((Status::Cancelled, None))
        );
        assert_eq!(
            zadarma::disposition("no money"),
            Some((Status::Failed, Some(MissedReason::Failed)))
        );
        assert_eq!(zadarma::disposition("lunch"), None);
    }

    #[test]
    fn the_api_signs_the_sorted_php_encoded_query_and_its_md5() {
        let md5 = |q: &str| alloc::format!("md5({q})");
        let (query, text) = zadarma::api_text(
            "/v1/request/callback/",
            &[("to", "+79161234567"), ("from", "100"), ("note", "a b")],
            &md5,
        );
        assert_eq!(query, "from=100&note=a+b&to=%2B79161234567");
        assert_eq!(
            text,
            alloc::format!("/v1/request/callback/{query}md5({query})")
        );
    }
}
