//! Keys, rate limits and bots: what stands between the internet and a pool.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// SHA-256 of `s`, as lower-case hex. Keys are stored only as this.
pub fn sha256_hex(s: &str) -> String {
    let d = Sha256::digest(s.as_bytes());
    let mut out = String::with_capacity(64);
    for b in d {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The bearer token of an `Authorization` header.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let h = header?.trim();
    let (scheme, token) = h.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

/// A client address, hashed with a per-site salt: rate limits never see or
/// keep the raw address.
pub fn client_key(site: &str, address: &str) -> u64 {
    let d = Sha256::digest(format!("{site}\u{0}{address}").as_bytes());
    u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// Fixed one-minute windows of new-session counts, per client and per site.
#[derive(Debug, Default)]
pub struct Limiter {
    window: i64,
    site: u32,
    clients: HashMap<u64, u32>,
}

impl Limiter {
    /// Counts a new session from `client` (`None`: a trusted server) at
    /// `now_ms`. `Err(seconds)` when a limit is reached: retry after that.
    pub fn admit(
        &mut self,
        client: Option<u64>,
        now_ms: i64,
        per_client: u32,
        per_site: u32,
    ) -> Result<(), u64> {
        let window = now_ms.div_euclid(60_000);
        if window != self.window {
            self.window = window;
            self.site = 0;
            self.clients.clear();
        }
        let retry = (60 - now_ms.rem_euclid(60_000) / 1000).max(1) as u64;
        if self.site >= per_site {
            return Err(retry);
        }
        if let Some(c) = client {
            let n = self.clients.entry(c).or_insert(0);
            if *n >= per_client {
                return Err(retry);
            }
            *n += 1;
        }
        self.site += 1;
        Ok(())
    }
}

/// Obvious bots by user agent: crawlers, previews, HTTP libraries. They get
/// the static number, never a lease. (Headless browsers used for testing a
/// site are not listed: they behave like visitors.)
pub fn is_bot(user_agent: Option<&str>) -> bool {
    let Some(ua) = user_agent else { return false };
    let ua = ua.to_ascii_lowercase();
    const MARKERS: &[&str] = &[
        "bot",
        "crawler",
        "spider",
        "slurp",
        "crawling",
        "facebookexternalhit",
        "embedly",
        "quora link preview",
        "whatsapp",
        "telegrambot",
        "vkshare",
        "yandexmetrika",
        "mediapartners-google",
        "adsbot",
        "lighthouse",
        "pagespeed",
        "python-requests",
        "python-urllib",
        "go-http-client",
        "java/",
        "okhttp",
        "libwww-perl",
        "httpclient",
        "scrapy",
        "phantomjs",
        "feedfetcher",
        "preview",
    ];
    MARKERS.iter().any(|m| ua.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_and_comparison() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"sane"));
        assert!(!constant_time_eq(b"same", b"same!"));
        assert_ne!(client_key("a", "1.2.3.4"), client_key("b", "1.2.3.4"));
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
    }

    #[test]
    fn limits_per_client_and_site() {
        let mut l = Limiter::default();
        let t = 1_700_000_000_000;
        for _ in 0..3 {
            assert!(l.admit(Some(1), t, 3, 5).is_ok());
        }
        assert!(l.admit(Some(1), t, 3, 5).is_err());
        assert!(l.admit(Some(2), t, 3, 5).is_ok());
        // Trusted servers pass the client limit but count for the site.
        assert!(l.admit(None, t, 3, 5).is_ok());
        let retry = l.admit(None, t, 3, 5).unwrap_err();
        assert!((1..=60).contains(&retry));
        // A new minute starts over.
        assert!(l.admit(Some(1), t + 60_000, 3, 5).is_ok());
    }

    #[test]
    fn bots() {
        assert!(is_bot(Some(
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        )));
        assert!(is_bot(Some("Mozilla/5.0 (compatible; YandexBot/3.0)")));
        assert!(is_bot(Some("python-requests/2.31")));
        assert!(!is_bot(Some("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0 Safari/537.36")));
        assert!(!is_bot(Some(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"
        )));
        assert!(!is_bot(None));
    }
}
