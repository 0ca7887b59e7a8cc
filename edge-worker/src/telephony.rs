//! Telephony and webhook plumbing, pure: form bodies, Twilio's request
//! signature, TwiML, our webhook signature, CSV. Tested natively.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

use pool_core::number::{PhoneNumber, Region};

/// Decodes an `application/x-www-form-urlencoded` body into pairs, in order.
pub fn form_pairs(body: &str) -> Vec<(String, String)> {
    crate::http::pairs(body)
}

/// The first value of `key`.
pub fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Twilio's `X-Twilio-Signature`: base64 of HMAC-SHA1 (key: the auth token)
/// over the full URL followed by every POST parameter, sorted by name, as
/// name then value with nothing between.
pub fn twilio_signature(auth_token: &str, url: &str, pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut mac =
        Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes any key length");
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Our webhook signature: `t=<ms>,v1=<hex HMAC-SHA256(secret, "<ms>.<body>")>`.
pub fn webhook_signature(secret: &str, at_ms: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(at_ms.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={at_ms},v1={}", hex(&mac.finalize().into_bytes()))
}

/// The hex MD5 of `s` (what Zadarma's API signs beside the query).
pub fn md5_hex(s: &str) -> String {
    use md5::{Digest, Md5};
    hex(&Md5::digest(s.as_bytes()))
}

/// Zadarma's signature of an event: Base64 of the hex HMAC-SHA1 of `text`
/// (the event's fields, `pool_core::pbx::zadarma::signed_text`), keyed by
/// the account's API secret.
pub fn zadarma_signature(secret: &str, text: &str) -> String {
    use base64::Engine;
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(hex(&mac.finalize().into_bytes()))
}

/// Escapes text for XML.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// TwiML that rings every number of `to` at once (the first to answer
/// takes the call), reporting the outcome to `action` and each leg's answer
/// and end to `legs` (who answered, and when), recording when asked. The
/// caller id stays the caller's.
pub fn twiml_dial(to: &[PhoneNumber], action: &str, legs: &str, record: bool) -> String {
    let rec = if record {
        " record=\"record-from-answer-dual\""
    } else {
        ""
    };
    let mut numbers = String::new();
    for n in to {
        numbers.push_str(&format!(
            "<Number statusCallbackEvent=\"answered completed\" statusCallback=\"{}\" statusCallbackMethod=\"POST\">{n}</Number>",
            xml(legs)
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Dial action=\"{}\" method=\"POST\"{rec}>{numbers}</Dial></Response>",
        xml(action),
    )
}

/// TwiML that ends the call flow (the answer to a Dial action).
pub const TWIML_EMPTY: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

/// A caller id as we keep it: E.164 when it parses, else its digits (and a
/// leading `+`); `None` when withheld (`anonymous`, `restricted`, empty).
pub fn caller_id(raw: &str, region: Option<Region>) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 64 {
        return None;
    }
    if let Ok(n) = PhoneNumber::parse(raw, region) {
        return Some(n.to_string());
    }
    let digits: String = raw
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    (digits.chars().filter(char::is_ascii_digit).count() >= 3).then_some(digits)
}

/// A caller id for reports: the country code and the last four digits
/// shown, the rest masked (a short code: its first digit and the last four).
pub fn mask(caller: &str) -> String {
    match caller.parse::<pool_core::number::PhoneNumber>() {
        Ok(n) => n.masked(4),
        Err(_) => pool_core::number::mask_digits(caller, 1, 4),
    }
}

/// One CSV field (RFC 4180), with a leading `'` against formula injection
/// (OWASP's list: `=`, `+`, `-`, `@`, TAB and CR first; a plain signed
/// number such as `+79161234567` is left as it is).
pub fn csv_field(s: &str) -> String {
    let formula = s.starts_with(['\t', '\r'])
        || (s.starts_with(['=', '+', '-', '@']) && !s[1..].bytes().all(|b| b.is_ascii_digit()));
    let s = if formula {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A CSV document from rows of fields.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for r in rows {
        let line: Vec<String> = r.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The recording's media address on Twilio's API (`.mp3`), when `link` is
/// one of the account's recordings.
pub fn twilio_media(base: &str, sid: &str, link: &str) -> Option<String> {
    let prefix = format!(
        "{}/2010-04-01/Accounts/{sid}/Recordings/",
        base.trim_end_matches('/')
    );
    let rest = link.strip_prefix(&prefix)?;
    let rec = rest
        .strip_suffix(".mp3")
        .or_else(|| rest.strip_suffix(".wav"))
        .unwrap_or(rest);
    let ok =
        rec.len() == 34 && rec.starts_with("RE") && rec[2..].bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| format!("{prefix}{rec}.mp3"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let p = form_pairs("CallSid=CA1&From=%2B79161234567&Caller+Name=Ann+Lee&x=%zz&e=");
        assert_eq!(param(&p, "From"), Some("+79161234567"));
        assert_eq!(param(&p, "Caller Name"), Some("Ann Lee"));
        assert_eq!(param(&p, "x"), Some("%zz"));
        assert_eq!(param(&p, "e"), None);
    }

    #[test]
    fn twilio_signature_matches_twilios_example() {
        // The example of Twilio's security documentation.
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            twilio_signature("12345", url, &params),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
    }

    #[test]
    fn webhook_signatures() {
        let s = webhook_signature("0123456789abcdef", 1_700_000_000_000, "{}");
        assert!(s.starts_with("t=1700000000000,v1="));
        assert_eq!(s.len(), "t=1700000000000,v1=".len() + 64);
        assert_ne!(
            s,
            webhook_signature("0123456789abcdeX", 1_700_000_000_000, "{}")
        );
    }

    #[test]
    fn twiml() {
        let n: PhoneNumber = "+74951234567".parse().unwrap();
        let m: PhoneNumber = "+79160000001".parse().unwrap();
        let t = twiml_dial(
            &[n, m],
            "https://e.example/a?x=1&y=2",
            "https://e.example/l",
            true,
        );
        assert!(t.contains("statusCallback=\"https://e.example/l\" statusCallbackMethod=\"POST\">+74951234567</Number>"));
        assert!(t.contains(">+79160000001</Number></Dial>"));
        assert!(t.contains("action=\"https://e.example/a?x=1&amp;y=2\""));
        assert!(t.contains("record=\"record-from-answer-dual\""));
        assert!(!twiml_dial(&[n], "/a", "/l", false).contains("record="));
    }

    #[test]
    fn callers_and_masks() {
        let ru = Some(Region::RU);
        assert_eq!(
            caller_id("8 (916) 123-45-67", ru).as_deref(),
            Some("+79161234567")
        );
        assert_eq!(caller_id("anonymous", ru), None);
        assert_eq!(caller_id("", ru), None);
        assert_eq!(caller_id("101", None).as_deref(), Some("101"));
        assert_eq!(mask("+79161234567"), "+7******4567");
        assert_eq!(mask("101"), "101");
    }

    #[test]
    fn csv_is_safe() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("+79161234567"), "+79161234567");
        assert_eq!(csv_field("\t=1+1"), "'\t=1+1");
        assert_eq!(csv_field("\r=1+1"), "\"'\r=1+1\"");
        assert_eq!(
            csv(&["a", "b"], &[vec!["1".into(), "x,y".into()]]),
            "a,b\r\n1,\"x,y\"\r\n"
        );
    }

    #[test]
    fn only_the_accounts_own_recordings_are_fetched() {
        let base = "https://api.twilio.com";
        let rec = format!("RE{}", "0123456789abcdef".repeat(2));
        let link = format!("{base}/2010-04-01/Accounts/AC1/Recordings/{rec}");
        assert_eq!(
            twilio_media(base, "AC1", &link),
            Some(format!("{link}.mp3"))
        );
        assert_eq!(
            twilio_media(base, "AC1", &format!("{link}.wav")),
            Some(format!("{link}.mp3"))
        );
        assert_eq!(twilio_media(base, "AC2", &link), None, "another account's");
        assert_eq!(
            twilio_media(base, "AC1", "https://evil.example/rec.mp3"),
            None
        );
        assert_eq!(twilio_media(base, "AC1", &format!("{link}/../../x")), None);
    }
}
