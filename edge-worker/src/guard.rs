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

/// The client `address` is counted as by the limits: its network (an
/// IPv4 address, an IPv6 /64: [`pool_core::client::network`]; what is no
/// address, as it is written), hashed with the site's name. `None` when
/// there is no address to count by.
pub fn client(site: &str, address: Option<&str>) -> Option<pool_core::client::Client> {
    let address = address?;
    let network = pool_core::client::network(address).unwrap_or_else(|_| address.to_string());
    Some(pool_core::client::Client(client_key(site, &network)))
}

/// New sessions per minute, per client and per site, counted over a
/// sliding minute: the last minute's count weighted by how much of it is
/// still inside the minute before `now`, plus this minute's. A fixed window
/// would let a client take twice its limit across a window's edge.
#[derive(Debug, Default)]
pub struct Limiter {
    window: i64,
    site: Counts,
    clients: HashMap<u64, Counts>,
}

/// Sessions admitted in the window before this one, and in this one.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    before: u32,
    now: u32,
}

const MINUTE_MS: i64 = 60_000;

impl Counts {
    /// Moves on by `windows` whole windows.
    fn roll(&mut self, windows: i64) {
        self.before = if windows == 1 { self.now } else { 0 };
        self.now = 0;
    }

    /// The estimated count over the minute before a point `into` ms into
    /// this window.
    fn estimate(&self, into: i64) -> u64 {
        let left = (MINUTE_MS - into) as u64;
        // Rounded up: a part of a session still counts.
        (u64::from(self.before) * left).div_ceil(MINUTE_MS as u64) + u64::from(self.now)
    }

    /// Milliseconds from `into` until the estimate is below `limit` again,
    /// with nothing more admitted.
    fn wait_ms(&self, into: i64, limit: u32) -> i64 {
        // The earliest point `x` into a window with `before` then and `now`
        // this window's count whose estimate is below `limit`, if any.
        let first_below = |before: u32, now: u32| -> Option<i64> {
            let room = i64::from(limit) - 1 - i64::from(now);
            if room < 0 {
                return None;
            }
            if before == 0 {
                return Some(0);
            }
            // ceil(before * (MINUTE - x) / MINUTE) <= room
            Some((MINUTE_MS - room * MINUTE_MS / i64::from(before)).max(0))
        };
        match first_below(self.before, self.now) {
            Some(x) => (x - into).max(0),
            // Not in this window: in the next one, this window's count weighs.
            None => MINUTE_MS - into + first_below(self.now, 0).unwrap_or(MINUTE_MS),
        }
    }
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
        let window = now_ms.div_euclid(MINUTE_MS);
        if window != self.window {
            let windows = window - self.window;
            self.window = window;
            self.site.roll(windows);
            // Clients quiet for a whole window are forgotten.
            self.clients.retain(|_, c| {
                c.roll(windows);
                c.before > 0
            });
        }
        let into = now_ms.rem_euclid(MINUTE_MS);
        let retry = |c: &Counts, limit: u32| (c.wait_ms(into, limit).max(1) as u64).div_ceil(1000);
        if self.site.estimate(into) >= u64::from(per_site) {
            return Err(retry(&self.site, per_site));
        }
        if let Some(c) = client {
            let n = self.clients.entry(c).or_default();
            if n.estimate(into) >= u64::from(per_client) {
                return Err(retry(n, per_client));
            }
            n.now += 1;
        }
        self.site.now += 1;
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
        // 5 this minute: in the next one they weigh 4 of 5 after 12 s.
        assert_eq!(retry, 40 + 12);
        // A new minute starts over.
        assert!(l.admit(Some(1), t + 60_000, 3, 5).is_ok());
    }

    #[test]
    fn no_burst_across_the_edge_of_a_minute() {
        let mut l = Limiter::default();
        let edge = 1_700_000_040_000; // a whole minute
        assert_eq!(edge % 60_000, 0);
        // 20 sessions in the last second of a minute...
        for _ in 0..20 {
            assert!(l.admit(Some(1), edge - 500, 20, 1000).is_ok());
        }
        // The limit is reached until the next minute has run 3 s (the 20 then
        // weigh 19 of 20).
        assert_eq!(l.admit(Some(1), edge - 400, 20, 1000), Err(4));
        // ...leave nothing in the first second of the next one.
        assert_eq!(l.admit(Some(1), edge + 500, 20, 1000), Err(3));
        assert!(l.admit(Some(1), edge + 2_999, 20, 1000).is_err());
        // Half a minute later, about half the limit is free again.
        let mut admitted = 0;
        while l.admit(Some(1), edge + 30_000, 20, 1000).is_ok() {
            admitted += 1;
        }
        assert_eq!(admitted, 10);
        // Other clients were never limited.
        assert!(l.admit(Some(2), edge + 500, 20, 1000).is_ok());
        // A client quiet for two minutes starts from nothing, and is forgotten meanwhile.
        assert!(l.admit(Some(3), edge + 150_000, 20, 1000).is_ok());
        assert_eq!(l.clients.len(), 1);
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
