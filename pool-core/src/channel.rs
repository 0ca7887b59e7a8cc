//! Where a visit came from: channel, source, medium, campaign, keyword.
//!
//! [`classify`] reads the landing URL and the referrer, in this order of
//! trust:
//!
//! 1. `utm_*` parameters (the advertiser's own tags) win;
//! 2. click ids (`gclid`, `gbraid`, `wbraid`, `yclid`, `msclkid`, `fbclid`,
//!    `ttclid`) name the ad network;
//! 3. the referrer's host: a search engine, a social network, webmail, or
//!    any other site (a referral);
//! 4. nothing at all is a direct visit.
//!
//! A referrer on the site's own host is not a new channel: the result says
//! [`Visit::internal`] so the shell keeps the session's earlier attribution.
//!
//! ```
//! use pool_core::channel::{classify, Channel};
//! let v = classify("https://clinic.example/?gclid=abc&utm_term=dentist", None, &["clinic.example"]);
//! assert_eq!(v.channel, Channel::PaidSearch);
//! assert_eq!(v.source, "google");
//! assert_eq!(v.term.as_deref(), Some("dentist"));
//! ```
//!
//! Input is whatever a browser sent: malformed URLs, odd encodings and
//! oversized strings give a sensible answer, never a panic.

use crate::text::Part;
use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

/// The marketing channel of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Channel {
    /// Paid search ads (Google Ads, Yandex Direct, Microsoft Ads).
    PaidSearch,
    /// Unpaid results of a search engine.
    OrganicSearch,
    /// Ads on social networks.
    PaidSocial,
    /// Unpaid links from social networks and messengers.
    Social,
    /// E-mail campaigns and webmail links.
    Email,
    /// Links from other sites.
    Referral,
    /// Typed in, bookmarked, or from an app that sends no referrer.
    Direct,
    /// Banner and programmatic display ads.
    Display,
    /// Affiliate and partner programmes.
    Affiliate,
    /// Video ads.
    Video,
    /// SMS and push campaigns.
    Sms,
    /// Offline media (print, radio, TV) reached through a tagged URL.
    Offline,
    /// Tagged, but with a medium we do not recognise.
    Other,
}

impl Channel {
    /// Every channel, in a stable order.
    pub const ALL: [Channel; 13] = [
        Channel::PaidSearch,
        Channel::OrganicSearch,
        Channel::PaidSocial,
        Channel::Social,
        Channel::Email,
        Channel::Referral,
        Channel::Direct,
        Channel::Display,
        Channel::Affiliate,
        Channel::Video,
        Channel::Sms,
        Channel::Offline,
        Channel::Other,
    ];

    /// The name used in configs and reports: `paid_search`, `organic_search`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::PaidSearch => "paid_search",
            Channel::OrganicSearch => "organic_search",
            Channel::PaidSocial => "paid_social",
            Channel::Social => "social",
            Channel::Email => "email",
            Channel::Referral => "referral",
            Channel::Direct => "direct",
            Channel::Display => "display",
            Channel::Affiliate => "affiliate",
            Channel::Video => "video",
            Channel::Sms => "sms",
            Channel::Offline => "offline",
            Channel::Other => "other",
        }
    }

    /// Whether this channel is paid advertising.
    pub const fn is_paid(self) -> bool {
        matches!(
            self,
            Channel::PaidSearch | Channel::PaidSocial | Channel::Display | Channel::Video
        )
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A channel name that is not one of [`Channel::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownChannel(pub String);

impl fmt::Display for UnknownChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown channel {:?}; known: ", self.0)?;
        for (i, c) in Channel::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(c.as_str())?;
        }
        Ok(())
    }
}

impl core::error::Error for UnknownChannel {}

impl FromStr for Channel {
    type Err = UnknownChannel;
    fn from_str(s: &str) -> Result<Channel, UnknownChannel> {
        Channel::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownChannel(s.to_owned()))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Channel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Channel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Channel, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The ad-network click id found on the landing URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClickId {
    /// The parameter name: `gclid`, `yclid`, `fbclid`, ...
    pub kind: String,
    /// Its value.
    pub value: String,
}

/// Everything known about where a visit came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Visit {
    /// The channel.
    pub channel: Channel,
    /// `google`, `yandex`, `facebook`, a referring host, `(direct)`.
    pub source: String,
    /// `cpc`, `organic`, `social`, `email`, `referral`, `(none)`.
    pub medium: String,
    /// `utm_campaign`.
    pub campaign: Option<String>,
    /// `utm_term`, or the search query when the referrer still carries it.
    pub term: Option<String>,
    /// `utm_content`.
    pub content: Option<String>,
    /// The ad network's click id.
    pub click_id: Option<ClickId>,
    /// The landing page: host and path, without the query.
    pub landing_page: Option<String>,
    /// The referring host.
    pub referrer_host: Option<String>,
    /// The referrer is the site itself (internal navigation): keep the
    /// session's earlier attribution if it has one.
    pub internal: bool,
}

impl Visit {
    /// The visit a returning session is credited with: its `stored` visit,
    /// unless it comes back from a new campaign. Internal navigation and a
    /// direct return (typed in, a bookmark) keep the earlier attribution;
    /// any other channel starts a new one.
    pub fn resume(stored: Option<Visit>, fresh: Visit) -> Visit {
        match stored {
            Some(old) if fresh.internal || fresh.channel == Channel::Direct => old,
            _ => fresh,
        }
    }
}

/// The longest URL we read; browsers send at most a few KB, anything longer is cut.
const MAX_URL: usize = 8 * 1024;
/// The longest value we keep from a parameter.
const MAX_VALUE: usize = 512;

/// The parts of a URL we need, borrowed from it.
#[derive(Debug, Clone, Copy, Default)]
struct Url<'a> {
    host: &'a str,
    path: &'a str,
    query: &'a str,
}

/// Cuts `s` to at most `max` bytes on a char boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.part(..end)
}

/// Splits a URL into host, path and query. Only ASCII delimiters are cut at,
/// so every slice is on a char boundary.
fn parse_url(raw: &str) -> Url<'_> {
    let s = cut(raw.trim(), MAX_URL);
    let s = s.split('#').next().unwrap_or("");
    let (before_query, query) = match s.find('?') {
        Some(i) => (s.part(..i), s.part(i + 1..)),
        None => (s, ""),
    };
    let rest = match find_bytes(before_query.as_bytes(), b"//") {
        Some(i)
            if before_query.part(..i).bytes().all(|b| {
                b.is_ascii_alphanumeric() || b == b':' || b == b'+' || b == b'.' || b == b'-'
            }) =>
        {
            before_query.part(i + 2..)
        }
        _ => {
            // No authority: a bare path or a query string.
            return Url {
                host: "",
                path: before_query,
                query,
            };
        }
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (rest.part(..i), rest.part(i..)),
        None => (rest, ""),
    };
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().map_or("", |h| h.part(1..))
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    Url {
        host: host.trim_end_matches('.'),
        path,
        query,
    }
}

/// Where `needle` first occurs in `hay`: a plain loop over windows, far
/// smaller in the page's wasm than `str::find`'s two-way searcher, and as
/// fast for the few-byte needles looked for here.
fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn has(hay: &str, needle: &[u8]) -> bool {
    find_bytes(hay.as_bytes(), needle).is_some()
}

/// Decodes a `application/x-www-form-urlencoded` value: `+` is a space,
/// `%XX` a byte; a value that does not decode to UTF-8 is kept as written.
fn decode(v: &str) -> String {
    let (out, _) = crate::text::percent_decode(v, true);
    let s = core::str::from_utf8(&out).unwrap_or(v);
    String::from(cut(s.trim(), MAX_VALUE))
}

/// The first non-empty value of parameter `name` in a query string.
fn param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| {
            let mut it = kv.splitn(2, '=');
            let k = it.next()?;
            let v = it.next().unwrap_or("");
            k.eq_ignore_ascii_case(name).then_some(v)
        })
        .map(decode)
        .find(|v| !v.is_empty())
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// Whether `host` is `domain` or one of its subdomains.
fn host_is(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

/// Whether `host` is `<anything.>name.<tld>` for a country or generic TLD
/// (`google.com`, `www.google.co.uk`, `yandex.kz`).
fn host_brand(host: &str, name: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.iter().enumerate().any(|(i, l)| {
        *l == name && {
            let tail = &labels[i + 1..];
            !tail.is_empty() && tail.len() <= 2 && tail.iter().all(|t| (2..=3).contains(&t.len()))
        }
    })
}

struct Known {
    source: &'static str,
    channel: Channel,
    /// The query parameter that carries the search text, for search engines.
    query_param: Option<&'static str>,
}

fn known_referrer(host: &str) -> Option<Known> {
    let k = |source, channel, query_param| {
        Some(Known {
            source,
            channel,
            query_param,
        })
    };
    // Webmail before search: mail.google.com is not a Google search.
    if host_is(host, "mail.google.com")
        || host_is(host, "outlook.live.com")
        || host_is(host, "outlook.office.com")
        || host_is(host, "mail.yahoo.com")
        || host_is(host, "e.mail.ru")
        || host_is(host, "mail.yandex.ru")
        || host_is(host, "mail.yandex.com")
    {
        return k("webmail", Channel::Email, None);
    }
    if host_brand(host, "google") {
        return k("google", Channel::OrganicSearch, Some("q"));
    }
    if host_is(host, "bing.com") {
        return k("bing", Channel::OrganicSearch, Some("q"));
    }
    if host_brand(host, "yandex") || host_is(host, "ya.ru") {
        return k("yandex", Channel::OrganicSearch, Some("text"));
    }
    if host_is(host, "duckduckgo.com") {
        return k("duckduckgo", Channel::OrganicSearch, Some("q"));
    }
    if host_is(host, "baidu.com") {
        return k("baidu", Channel::OrganicSearch, Some("wd"));
    }
    if host_brand(host, "yahoo") {
        return k("yahoo", Channel::OrganicSearch, Some("p"));
    }
    if host_is(host, "go.mail.ru") {
        return k("mail.ru", Channel::OrganicSearch, Some("q"));
    }
    if host_is(host, "ecosia.org") {
        return k("ecosia", Channel::OrganicSearch, Some("q"));
    }
    let social: &[(&str, &str)] = &[
        ("facebook.com", "facebook"),
        ("fb.com", "facebook"),
        ("fb.me", "facebook"),
        ("instagram.com", "instagram"),
        ("vk.com", "vk"),
        ("vk.ru", "vk"),
        ("ok.ru", "ok"),
        ("odnoklassniki.ru", "ok"),
        ("linkedin.com", "linkedin"),
        ("lnkd.in", "linkedin"),
        ("x.com", "x"),
        ("twitter.com", "x"),
        ("t.co", "x"),
        ("tiktok.com", "tiktok"),
        ("youtube.com", "youtube"),
        ("youtu.be", "youtube"),
        ("t.me", "telegram"),
        ("telegram.org", "telegram"),
        ("telegram.me", "telegram"),
        ("reddit.com", "reddit"),
        ("pinterest.com", "pinterest"),
        ("dzen.ru", "dzen"),
        ("threads.net", "threads"),
    ];
    social
        .iter()
        .find(|(d, _)| host_is(host, d))
        .and_then(|(_, s)| k(s, Channel::Social, None))
}

/// The channel that a `utm_medium` (with its source) stands for.
pub fn channel_of_medium(medium: &str, source: &str) -> Channel {
    let social_source = known_referrer(source)
        .map(|k| k.channel == Channel::Social)
        .unwrap_or(false)
        || matches!(
            source,
            "facebook"
                | "fb"
                | "instagram"
                | "ig"
                | "vk"
                | "vkontakte"
                | "ok"
                | "linkedin"
                | "twitter"
                | "x"
                | "tiktok"
                | "telegram"
                | "reddit"
                | "pinterest"
                | "snapchat"
                | "meta"
        );
    let search_source = matches!(
        source,
        "google"
            | "bing"
            | "yandex"
            | "baidu"
            | "yahoo"
            | "duckduckgo"
            | "mail.ru"
            | "adwords"
            | "direct"
    ) || known_referrer(source)
        .is_some_and(|k| k.channel == Channel::OrganicSearch);
    match medium {
        "cpc" | "ppc" | "paid" | "paidsearch" | "paid_search" | "paid-search" | "sem" | "cpa" => {
            if social_source {
                Channel::PaidSocial
            } else {
                Channel::PaidSearch
            }
        }
        "paid_social" | "paidsocial" | "paid-social" | "social_paid" | "social-paid"
        | "social_ads" => Channel::PaidSocial,
        "organic" | "seo" => Channel::OrganicSearch,
        "social" | "social-network" | "social_network" | "social-media" | "social_media" | "sm"
        | "smm" => Channel::Social,
        "email" | "e-mail" | "e_mail" | "mail" | "newsletter" => Channel::Email,
        "display" | "banner" | "cpm" | "programmatic" | "interstitial" | "expandable" | "rtb" => {
            Channel::Display
        }
        "affiliate" | "affiliates" | "partner" | "cpa_network" => Channel::Affiliate,
        "video" | "cpv" | "youtube" => Channel::Video,
        "sms" | "push" | "mms" => Channel::Sms,
        "referral" | "link" => Channel::Referral,
        "offline" | "print" | "qr" | "radio" | "tv" | "outdoor" => Channel::Offline,
        "" | "(none)" if search_source => Channel::PaidSearch,
        "" | "(none)" if social_source => Channel::Social,
        _ if has(medium, b"cpc") || has(medium, b"ppc") => Channel::PaidSearch,
        _ => Channel::Other,
    }
}

/// Classifies a visit by its landing URL, its referrer, and the site's own hosts.
pub fn classify(landing_url: &str, referrer: Option<&str>, own_hosts: &[&str]) -> Visit {
    let landing = parse_url(landing_url);
    let landing_host = lower(landing.host);
    let q = landing.query;
    let referrer = referrer.map(str::trim).filter(|r| !r.is_empty());
    let ref_url = referrer.map(parse_url).unwrap_or_default();
    let ref_host = lower(ref_url.host);
    let landing_page = (!landing_host.is_empty() || !landing.path.is_empty()).then(|| {
        let mut s = landing_host.clone();
        s.push_str(if landing.path.is_empty() {
            "/"
        } else {
            cut(landing.path, MAX_VALUE)
        });
        s
    });
    let internal = !ref_host.is_empty()
        && (own_hosts
            .iter()
            .any(|h| host_is(&ref_host, &lower(h.trim())))
            || (!landing_host.is_empty() && ref_host == landing_host));

    let click_id = [
        "gclid", "gbraid", "wbraid", "yclid", "msclkid", "fbclid", "ttclid", "dclid",
    ]
    .iter()
    .find_map(|k| {
        param(q, k).map(|v| ClickId {
            kind: String::from(*k),
            value: v,
        })
    });

    let mut v = Visit {
        channel: Channel::Direct,
        source: String::from("(direct)"),
        medium: String::from("(none)"),
        campaign: param(q, "utm_campaign"),
        term: param(q, "utm_term"),
        content: param(q, "utm_content"),
        click_id,
        landing_page,
        referrer_host: (!ref_host.is_empty()).then(|| ref_host.clone()),
        internal,
    };

    let utm_source = param(q, "utm_source").map(|s| lower(&s));
    let utm_medium = param(q, "utm_medium").map(|s| lower(&s));
    if utm_source.is_some() || utm_medium.is_some() {
        let source = utm_source.unwrap_or_else(|| {
            v.click_id.as_ref().map_or_else(
                || {
                    if ref_host.is_empty() {
                        String::from("(not set)")
                    } else {
                        ref_host.clone()
                    }
                },
                |c| String::from(click_source(&c.kind)),
            )
        });
        let medium = utm_medium.unwrap_or_else(|| match &v.click_id {
            Some(c) if c.kind != "fbclid" => String::from("cpc"),
            _ => String::from("(none)"),
        });
        v.channel = channel_of_medium(&medium, &source);
        v.source = source;
        v.medium = medium;
        v.internal = false;
        return v;
    }
    if let Some(c) = &v.click_id {
        let (channel, medium) = match c.kind.as_str() {
            // fbclid rides on every outbound Facebook link, organic posts too.
            "fbclid" => (Channel::Social, "social"),
            "ttclid" => (Channel::PaidSocial, "cpc"),
            "dclid" => (Channel::Display, "cpm"),
            _ => (Channel::PaidSearch, "cpc"),
        };
        v.channel = channel;
        v.source = String::from(click_source(&c.kind));
        v.medium = String::from(medium);
        v.internal = false;
        return v;
    }
    if internal || ref_host.is_empty() {
        return v;
    }
    match known_referrer(&ref_host) {
        Some(k) => {
            v.channel = k.channel;
            v.source = String::from(k.source);
            v.medium = String::from(match k.channel {
                Channel::OrganicSearch => "organic",
                Channel::Email => "email",
                _ => "social",
            });
            if v.term.is_none() {
                v.term = k.query_param.and_then(|p| param(ref_url.query, p));
            }
        }
        None => {
            v.channel = Channel::Referral;
            v.source = ref_host.clone();
            v.medium = String::from("referral");
        }
    }
    v
}

fn click_source(kind: &str) -> &'static str {
    match kind {
        "gclid" | "gbraid" | "wbraid" | "dclid" => "google",
        "yclid" => "yandex",
        "msclkid" => "bing",
        "fbclid" => "facebook",
        "ttclid" => "tiktok",
        _ => "(not set)",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_returning_visit_keeps_its_campaign_unless_a_new_one_brings_it() {
        let hosts = ["clinic.example"];
        let paid = classify(
            "https://clinic.example/?utm_source=google&utm_medium=cpc",
            None,
            &hosts,
        );
        let inside = classify(
            "https://clinic.example/prices",
            Some("https://clinic.example/"),
            &hosts,
        );
        let typed = classify("https://clinic.example/", None, &hosts);
        let mail = classify(
            "https://clinic.example/?utm_medium=email&utm_source=news",
            None,
            &hosts,
        );
        assert_eq!(Visit::resume(Some(paid.clone()), inside.clone()), paid);
        assert_eq!(Visit::resume(Some(paid.clone()), typed.clone()), paid);
        assert_eq!(Visit::resume(Some(paid.clone()), mail.clone()), mail);
        assert_eq!(Visit::resume(None, typed.clone()), typed);
    }

    use super::*;

    fn c(url: &str, r: Option<&str>) -> Visit {
        classify(url, r, &["clinic.example"])
    }

    #[test]
    fn utm_wins_over_referrer_and_click_id() {
        let v = c(
            "https://clinic.example/implants?utm_source=yandex&utm_medium=cpc&utm_campaign=spring%20sale&utm_term=dental+implants&utm_content=ad1&gclid=x",
            Some("https://www.google.com/"),
        );
        assert_eq!(v.channel, Channel::PaidSearch);
        assert_eq!(v.source, "yandex");
        assert_eq!(v.medium, "cpc");
        assert_eq!(v.campaign.as_deref(), Some("spring sale"));
        assert_eq!(v.term.as_deref(), Some("dental implants"));
        assert_eq!(v.content.as_deref(), Some("ad1"));
        assert_eq!(v.click_id.as_ref().map(|c| c.kind.as_str()), Some("gclid"));
        assert_eq!(v.landing_page.as_deref(), Some("clinic.example/implants"));
    }

    #[test]
    fn utm_mediums() {
        let m = |q: &str| c(&alloc::format!("https://clinic.example/?{q}"), None).channel;
        assert_eq!(m("utm_source=facebook&utm_medium=cpc"), Channel::PaidSocial);
        assert_eq!(
            m("utm_source=vk&utm_medium=paid_social"),
            Channel::PaidSocial
        );
        assert_eq!(m("utm_source=news&utm_medium=email"), Channel::Email);
        assert_eq!(
            m("utm_source=partner&utm_medium=affiliate"),
            Channel::Affiliate
        );
        assert_eq!(m("utm_source=rtb&utm_medium=banner"), Channel::Display);
        assert_eq!(m("utm_source=instagram&utm_medium=social"), Channel::Social);
        assert_eq!(m("utm_source=flyer&utm_medium=qr"), Channel::Offline);
        assert_eq!(m("utm_source=x&utm_medium=weird"), Channel::Other);
        assert_eq!(m("utm_source=google"), Channel::PaidSearch);
        assert_eq!(m("UTM_SOURCE=Google&UTM_MEDIUM=CPC"), Channel::PaidSearch);
    }

    #[test]
    fn click_ids() {
        let k = |q: &str| {
            let v = c(&alloc::format!("https://clinic.example/?{q}"), None);
            (v.channel, v.source, v.medium)
        };
        let ps = Channel::PaidSearch;
        assert_eq!(k("gclid=1"), (ps, "google".into(), "cpc".into()));
        assert_eq!(k("gbraid=1"), (ps, "google".into(), "cpc".into()));
        assert_eq!(k("wbraid=1"), (ps, "google".into(), "cpc".into()));
        assert_eq!(k("yclid=1"), (ps, "yandex".into(), "cpc".into()));
        assert_eq!(k("msclkid=1"), (ps, "bing".into(), "cpc".into()));
        assert_eq!(
            k("fbclid=1"),
            (Channel::Social, "facebook".into(), "social".into())
        );
        assert_eq!(
            k("ttclid=1"),
            (Channel::PaidSocial, "tiktok".into(), "cpc".into())
        );
        // An empty click id is no click id.
        assert_eq!(
            k("gclid="),
            (Channel::Direct, "(direct)".into(), "(none)".into())
        );
        let v = c("https://clinic.example/?yclid=123&utm_source=yandex", None);
        assert_eq!((v.channel, v.medium.as_str()), (Channel::PaidSearch, "cpc"));
    }

    #[test]
    fn search_engines_by_referrer() {
        let s = |r: &str| {
            let v = c("https://clinic.example/", Some(r));
            (v.channel, v.source)
        };
        let os = Channel::OrganicSearch;
        assert_eq!(s("https://www.google.com/"), (os, "google".into()));
        assert_eq!(
            s("https://www.google.co.uk/search?q=x"),
            (os, "google".into())
        );
        assert_eq!(s("https://www.bing.com/"), (os, "bing".into()));
        assert_eq!(s("https://yandex.ru/search/?text=%D1%81%D1%82%D0%BE%D0%BC%D0%B0%D1%82%D0%BE%D0%BB%D0%BE%D0%B3"), (os, "yandex".into()));
        assert_eq!(s("https://ya.ru/"), (os, "yandex".into()));
        assert_eq!(s("https://duckduckgo.com/"), (os, "duckduckgo".into()));
        assert_eq!(s("https://www.baidu.com/s?wd=x"), (os, "baidu".into()));
        assert_eq!(s("https://search.yahoo.com/"), (os, "yahoo".into()));
        assert_eq!(s("https://go.mail.ru/search?q=x"), (os, "mail.ru".into()));
        let v = c("https://clinic.example/", Some("https://yandex.ru/search/?text=%D1%81%D1%82%D0%BE%D0%BC%D0%B0%D1%82%D0%BE%D0%BB%D0%BE%D0%B3"));
        assert_eq!(v.term.as_deref(), Some("стоматолог"));
        assert_eq!(v.medium, "organic");
        // Look-alike hosts are referrals.
        assert_eq!(
            s("https://notgoogle.example/"),
            (Channel::Referral, "notgoogle.example".into())
        );
        assert_eq!(s("https://google.evil.example.org/").0, Channel::Referral);
    }

    #[test]
    fn social_and_email_by_referrer() {
        let s = |r: &str| c("https://clinic.example/", Some(r)).channel;
        for r in [
            "https://l.facebook.com/",
            "https://www.instagram.com/",
            "https://vk.com/",
            "https://ok.ru/",
            "https://www.linkedin.com/",
            "https://t.co/abc",
            "https://x.com/",
            "https://www.tiktok.com/",
            "https://www.youtube.com/",
            "https://t.me/x",
            "https://www.reddit.com/",
            "https://out.reddit.com/",
        ] {
            assert_eq!(s(r), Channel::Social, "{r}");
        }
        assert_eq!(s("https://mail.google.com/mail/u/0/"), Channel::Email);
        assert_eq!(s("https://e.mail.ru/inbox"), Channel::Email);
    }

    #[test]
    fn own_host_is_not_a_new_channel() {
        let v = c(
            "https://clinic.example/contacts",
            Some("https://www.clinic.example/prices"),
        );
        assert!(v.internal);
        assert_eq!(v.channel, Channel::Direct);
        let v = c(
            "https://clinic.example/contacts",
            Some("https://clinic.example/"),
        );
        assert!(v.internal);
        // Same host as the landing page even if not configured.
        let v = classify(
            "https://other.example/a",
            Some("https://other.example/b"),
            &[],
        );
        assert!(v.internal);
        let v = c(
            "https://clinic.example/?gclid=1",
            Some("https://clinic.example/"),
        );
        assert!(!v.internal);
        assert_eq!(v.channel, Channel::PaidSearch);
    }

    #[test]
    fn direct_and_referral() {
        let v = c("https://clinic.example/", None);
        assert_eq!(
            (v.channel, v.source.as_str(), v.medium.as_str()),
            (Channel::Direct, "(direct)", "(none)")
        );
        let v = c(
            "https://clinic.example/",
            Some("https://blog.example.net/post"),
        );
        assert_eq!(
            (v.channel, v.source.as_str(), v.medium.as_str()),
            (Channel::Referral, "blog.example.net", "referral")
        );
        assert_eq!(v.referrer_host.as_deref(), Some("blog.example.net"));
    }

    #[test]
    fn malformed_input_never_panics() {
        for s in [
            "",
            "?",
            "#",
            "//",
            "http://",
            "https://[::1",
            "https://[::1]:80/x?utm_source=a",
            "%",
            "?utm_source=%",
            "?utm_source=%E",
            "?utm_source=%ZZ",
            "?utm_source=%FF%FE",
            "?&&&==&",
            "https://user:pw@host:99999/p?q",
            "ftp://ÿ/ä?ö=ü",
            "ǅ://x",
            "?gclid=%F0%9F%98",
            "https://a.b/?utm_source=\u{0}",
        ] {
            let _ = classify(s, Some(s), &[s]);
        }
        let long = "a".repeat(100_000) + "é";
        let v = classify(
            &(String::from("https://x.example/?utm_source=") + &long),
            None,
            &[],
        );
        assert!(v.source.len() <= MAX_VALUE);
        let v = classify("?utm_source=%FF", None, &[]);
        assert_eq!(
            v.source, "%ff",
            "a value that is not UTF-8 once decoded is kept as written"
        );
    }

    #[test]
    fn channel_names_round_trip() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(c));
        }
        let e = "tv".parse::<Channel>().unwrap_err();
        assert!(alloc::string::ToString::to_string(&e).contains("paid_search"));
        assert!(Channel::PaidSearch.is_paid());
        assert!(!Channel::Direct.is_paid());
    }
}
