//! The insertion mode's rewriter: the visitor's tracking numbers written into
//! the page's HTML as it streams through the edge, with the page script's own
//! scanner (`swap_wasm::scan`) and its rules of what is never touched.
//!
//! Built on `lol_html`, Cloudflare's streaming rewriter (the engine of
//! workerd's `HTMLRewriter`), inside the worker: one crossing into the wasm
//! per chunk of the body rather than one per text chunk and element, and the
//! same code runs in the native tests and benchmarks.
//!
//! What it writes, as the page script does:
//! * text (a number split over chunks of one text node included: a node is
//!   held until it ends, up to [`HOLD`] bytes, then cut where no number can
//!   straddle the cut);
//! * `tel:` and `callto:` links (E.164, as the script writes them);
//! * the `title`, `aria-label` and `alt` attributes.
//!
//! What it never touches: the head, scripts (JSON-LD included), styles,
//! templates, form fields (`textarea`, `select`), `[data-no-swap]` and the
//! site's `ignore_selectors`, each with all it holds. Entities are read as
//! the browser reads them (`8&nbsp;495&nbsp;123-45-67` is a number) and a
//! number is rewritten digit for digit where the tracking number has the
//! same form, so the page's own markup stays.

use std::cell::RefCell;
use std::rc::Rc;

use lol_html::html_content::{ContentType, Element, TextChunk, TextType};
use lol_html::{doc_text, element, end, text, HtmlRewriter, Settings};
use pool_core::number::{PhoneNumber, Region};
use swap_wasm::scan::{may_contain, plain_link, written, Mode, Scanner};

/// The most of one text node held back before a part of it is written.
pub const HOLD: usize = 64 * 1024;

/// What is never rewritten, with everything inside it: the page script's
/// own rules (swap-wasm's `dom.rs`: what is not shown, what the visitor
/// edits, chat links a tracking line cannot take, what is marked), and the
/// head, which the script does not walk either.
const NEVER: &[&str] = &[
    "head",
    "script",
    "style",
    "noscript",
    "template",
    "textarea",
    "select",
    "[contenteditable]:not([contenteditable=false])",
    "a[href*='wa.me/']",
    "a[href*='api.whatsapp.com']",
    "a[href^='whatsapp:']",
    "a[href*='t.me/']",
    "a[href^='tg:']",
    "a[href^='viber:']",
    "a[href*='vk.me/']",
    "a[href^='skype:']",
    "[data-no-swap]",
    ".no-swap",
];

/// Written at the end of a page where the rewriter may have left a site
/// number (split over elements, say): the page script walks the page then.
pub const LEFT: &str = "<template data-calltrack-walk></template>";

/// The attributes rewritten, beside text and links.
const ATTRIBUTES: &[&str] = &["title", "aria-label", "alt"];

/// Why a page cannot be rewritten (it then goes out as it came).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertError {
    /// One of the site's `ignore_selectors` is beyond what the rewriter reads.
    Selector(String),
    /// The HTML could not be read to the end (the rewriter's own words).
    Rewriting(String),
}

impl core::fmt::Display for InsertError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            InsertError::Selector(s) => {
                write!(f, "the ignore selector {s:?} cannot be read at the edge")
            }
            InsertError::Rewriting(e) => write!(f, "the page could not be rewritten: {e}"),
        }
    }
}

/// The numbers to write: each site number with the visitor's tracking number.
#[derive(Debug, Clone)]
pub struct Numbers {
    /// Site number → tracking number.
    pub map: Vec<(PhoneNumber, PhoneNumber)>,
    /// The site's region, for numbers written nationally.
    pub region: Option<Region>,
    /// The site's `ignore_selectors`.
    pub ignore: Vec<String>,
    /// The session the numbers are leased to, written on `<html>` as
    /// `data-calltrack-session` for the page script (none for a bot's page).
    pub session: Option<String>,
}

/// Whether `raw` has a digit (ASCII or full-width; a numeric reference has ASCII ones).
fn has_digit(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.iter().any(u8::is_ascii_digit)
        || b.windows(3)
            .any(|w| w[0] == 0xEF && w[1] == 0xBC && (0x90..=0x99).contains(&w[2]))
}

/// `raw` as the browser reads it: in place when it has no references.
fn read(raw: &str) -> (std::borrow::Cow<'_, str>, Option<Vec<usize>>) {
    if raw.contains('&') {
        let (text, at) = decode(raw);
        (text.into(), Some(at))
    } else {
        (raw.into(), None)
    }
}

/// Swaps the numbers of `map` in `raw` HTML text (or an attribute's raw
/// value): `None` when there is nothing to change.
pub fn swap_raw(
    raw: &str,
    scanner: &Scanner,
    map: &[(PhoneNumber, PhoneNumber)],
) -> Option<String> {
    if !has_digit(raw) {
        return None;
    }
    let (text, at) = read(raw);
    swap_decoded(raw, &text, at.as_deref(), scanner, map).map(|(out, _)| out)
}

/// [`swap_raw`] of `raw` read as `text` (`at`: where each byte came
/// from; none: the same place): the new raw text and how many numbers it
/// rewrote.
fn swap_decoded(
    raw: &str,
    text: &str,
    at: Option<&[usize]>,
    scanner: &Scanner,
    map: &[(PhoneNumber, PhoneNumber)],
) -> Option<(String, u32)> {
    if !may_contain(text, map.iter().map(|(from, _)| *from)) {
        return None;
    }
    let found = scanner.scan(text);
    let mut count = 0;
    let mut out = String::with_capacity(raw.len() + 16);
    let mut last = 0;
    for f in &found {
        let Some((_, tracking)) = f
            .number
            .and_then(|n| map.iter().find(|(from, _)| *from == n))
        else {
            continue;
        };
        let Some(template) = &f.template else {
            continue;
        };
        let now = &text[f.start..f.number_end];
        let new = written(
            tracking,
            template,
            f.link && !plain_link(&text[f.start..f.end]),
        );
        let (from, to) = match at {
            Some(at) => (at[f.start], at[f.number_end]),
            None => (f.start, f.number_end),
        };
        out.push_str(&raw[last..from]);
        let was = &raw[from..to];
        // The same form: only the digits change, the markup between them stays.
        let same = now.chars().count() == new.chars().count()
            && now
                .chars()
                .zip(new.chars())
                .all(|(a, b)| a == b || (a.is_ascii_digit() && b.is_ascii_digit()));
        if same {
            let mut digits = new.chars().filter(char::is_ascii_digit);
            let mut rest = was;
            // Digits of the source outside entities, in order, each the next of the tracking number's.
            while let Some(c) = rest.chars().next() {
                if c == '&' {
                    if let Some(end) = entity_end(rest) {
                        out.push_str(&rest[..end]);
                        rest = &rest[end..];
                        continue;
                    }
                }
                if c.is_ascii_digit() {
                    out.push(digits.next().unwrap_or(c));
                } else {
                    out.push(c);
                }
                rest = &rest[c.len_utf8()..];
            }
        } else {
            // Escaped as for XML, which HTML's text and quoted attributes read alike.
            out.push_str(&crate::telephony::xml(&new));
        }
        last = to;
        count += 1;
    }
    if last == 0 {
        return None;
    }
    out.push_str(&raw[last..]);
    Some((out, count))
}

/// The length of the character reference at the start of `s` (`&nbsp;`,
/// `&#160;`, `&#xA0;`), if it is one this module reads.
fn entity_end(s: &str) -> Option<usize> {
    let semi = s.get(..16.min(s.len())).unwrap_or(s).find(';')?;
    entity(&s[1..semi]).map(|_| semi + 1)
}

/// The character a reference's name (between `&` and `;`) stands for: the
/// numeric ones, and the named ones that stand in numbers and beside them.
fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(n).filter(|c| *c != '\0');
    }
    Some(match name {
        "nbsp" => '\u{a0}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "thinsp" => '\u{2009}',
        "hairsp" => '\u{200a}',
        "NoBreak" => '\u{2060}',
        "ndash" => '–',
        "mdash" => '—',
        "minus" => '−',
        "dash" | "hyphen" => '‐',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "plus" => '+',
        "lpar" => '(',
        "rpar" => ')',
        "period" => '.',
        "sol" => '/',
        "num" => '#',
        "colon" => ':',
        "comma" => ',',
        "laquo" => '«',
        "raquo" => '»',
        _ => return None,
    })
}

/// `raw` as the browser reads it, and where each of its bytes came from in
/// `raw` (one entry per byte, and one past the end).
fn decode(raw: &str) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(raw.len());
    let mut at = Vec::with_capacity(raw.len() + 1);
    let mut i = 0;
    while i < raw.len() {
        let rest = &raw[i..];
        let (c, len) = match rest.strip_prefix('&').and_then(|_| entity_end(rest)) {
            Some(end) => (entity(&rest[1..end - 1]).unwrap_or('&'), end),
            None => {
                let c = rest.chars().next().unwrap_or('\u{fffd}');
                (c, c.len_utf8())
            }
        };
        for _ in 0..c.len_utf8() {
            at.push(i);
        }
        text.push(c);
        i += len;
    }
    at.push(raw.len());
    (text, at)
}

/// Where `held` (raw text of one node, longer than [`HOLD`]) may be cut: no
/// number, entity or character straddles it (before the last stretch of
/// digits, separators and references).
fn cut(held: &str) -> usize {
    let bytes = held.as_bytes();
    let mut i = bytes.len();
    while i > 0 {
        let b = bytes[i - 1];
        let numberish = b.is_ascii_digit()
            || b" +-().,/#;&\t\r\n".contains(&b)
            || b.is_ascii_alphabetic() && bytes[..i].iter().rev().take(10).any(|&c| c == b'&')
            || b >= 0x80;
        if !numberish || bytes.len() - i > 256 {
            break;
        }
        i -= 1;
    }
    while !held.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A site served through the Worker: requests for `host` whose path starts
/// with `prefix` are the site's pages, fetched from `origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The host the visitor asks for (`clinic.example`, `127.0.0.1:8787`).
    pub host: String,
    /// The part of the path the route takes (`/`, `/through/`).
    pub prefix: String,
    /// The site whose numbers are written.
    pub site: String,
    /// Where the pages come from (the path after the prefix is added), or
    /// `None`: the request's own address (a Cloudflare route on the site's
    /// zone, where the Worker's fetch reaches the origin).
    pub origin: Option<String>,
}

/// The routes of `INSERT_ROUTES`: entries separated by commas or lines,
/// each `HOST/PREFIX SITE ORIGIN` (ORIGIN `-`: the request's own address):
/// `clinic.example/ clinic -`, `127.0.0.1:8787/through/ demo http://127.0.0.1:8787/demo/`.
pub fn routes(spec: &str) -> Result<Vec<Route>, String> {
    let mut out = Vec::new();
    for entry in spec
        .split([',', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let words: Vec<&str> = entry.split_whitespace().collect();
        let [place, site, origin] = words[..] else {
            return Err(format!("{entry:?}: HOST/PREFIX SITE ORIGIN"));
        };
        let (host, prefix) = match place.find('/') {
            Some(i) => (&place[..i], &place[i..]),
            None => (place, "/"),
        };
        if host.is_empty() || !prefix.ends_with('/') {
            return Err(format!("{entry:?}: a host, then a path that ends with /"));
        }
        crate::api::check_site_id(site)
            .map_err(|_| format!("{entry:?}: a site id is a-z, 0-9, - and _"))?;
        let origin = match origin {
            "-" => None,
            o if (o.starts_with("https://") || o.starts_with("http://")) && o.ends_with('/') => {
                Some(o.to_string())
            }
            _ => {
                return Err(format!(
                    "{entry:?}: the origin is - or an http(s) address that ends with /"
                ))
            }
        };
        out.push(Route {
            host: host.to_ascii_lowercase(),
            prefix: prefix.to_string(),
            site: site.to_string(),
            origin,
        });
    }
    Ok(out)
}

/// The route a request for `host` and `path_and_query` takes, with the
/// address of the page at the origin (`url`: the request's own). The API's
/// own paths (`/v1/`, `/healthz`) are never a route's.
pub fn route<'a>(
    routes: &'a [Route],
    host: &str,
    path_and_query: &str,
    url: &str,
) -> Option<(&'a Route, String)> {
    if path_and_query.starts_with("/v1/") || path_and_query == "/healthz" {
        return None;
    }
    let r = routes
        .iter()
        .filter(|r| r.host.eq_ignore_ascii_case(host) && path_and_query.starts_with(&r.prefix))
        .max_by_key(|r| r.prefix.len())?;
    let at = match &r.origin {
        Some(o) => format!("{o}{}", &path_and_query[r.prefix.len()..]),
        None => url.to_string(),
    };
    Some((r, at))
}

/// The session a visitor's `Cookie` header names (`calltrack_sid`), if it is one.
pub fn session_cookie(cookie: Option<&str>) -> Option<String> {
    cookie?
        .split(';')
        .filter_map(|c| {
            c.trim()
                .strip_prefix(COOKIE)
                .and_then(|v| v.strip_prefix('='))
        })
        .find(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
}

/// The cookie that keeps a visitor's session, read by the page script too.
pub const COOKIE: &str = "calltrack_sid";

/// Whether a response of `content_type` is a page to rewrite: HTML in UTF-8
/// (the rewriter's; a page in another charset goes out as it came).
pub fn rewritable(content_type: Option<&str>) -> bool {
    let Some(t) = content_type else { return false };
    let mut parts = t.split(';').map(str::trim);
    let html = parts
        .next()
        .is_some_and(|m| m.eq_ignore_ascii_case("text/html"));
    html && parts.all(|p| {
        p.split_once('=').is_none_or(|(k, v)| {
            !k.trim().eq_ignore_ascii_case("charset")
                || v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        })
    })
}

/// The scanner of `map`'s site numbers, reading national forms of `region`.
fn scanner_for(region: Option<Region>, map: &[(PhoneNumber, PhoneNumber)]) -> Scanner {
    Scanner::new(region, Mode::Valid).only(map.iter().map(|(from, _)| *from))
}

/// The rewriter's shared state.
struct State {
    numbers: Numbers,
    scanner: Scanner,
    /// How many elements that are never touched are open around here.
    never: usize,
    /// The raw text of the current text node not written yet.
    held: String,
    /// The last digits of the page's text, across its text nodes.
    ring: Vec<u8>,
    /// Times a site number's digits ended in the text (whatever stood
    /// between them: other nodes, markup), and times the rewriter wrote one.
    seen: u32,
    written: u32,
}

impl State {
    /// `raw` text of the page, in order: rewritten, its digits counted.
    fn text(&mut self, raw: &str) -> Option<String> {
        if !has_digit(raw) {
            return None;
        }
        let (text, at) = read(raw);
        for c in text.chars() {
            // ASCII and full-width digits, as the scanner reads them.
            let digit = c
                .to_digit(10)
                .or_else(|| ('０'..='９').contains(&c).then(|| c as u32 - '０' as u32));
            if let Some(d) = digit {
                if self.ring.len() == 32 {
                    self.ring.remove(0);
                }
                self.ring.push(d as u8);
                let ring = &self.ring;
                // Only a digit that ends some site number can end one here.
                if self.numbers.map.iter().any(|(from, _)| {
                    from.national().last() == Some(&(d as u8)) && ring.ends_with(from.national())
                }) {
                    self.seen += 1;
                }
            }
        }
        let (out, n) = swap_decoded(raw, &text, at.as_deref(), &self.scanner, &self.numbers.map)?;
        self.written += n;
        Some(out)
    }
}

type Shared = Rc<RefCell<State>>;

/// A streaming rewriter of one page: [`Insertion::write`] each chunk of the
/// body as it comes, and send on what it gives back.
pub struct Insertion {
    rewriter: HtmlRewriter<'static, Sink>,
    out: Rc<RefCell<Vec<u8>>>,
}

/// Where the rewriter writes.
struct Sink(Rc<RefCell<Vec<u8>>>);

impl lol_html::OutputSink for Sink {
    fn handle_chunk(&mut self, chunk: &[u8]) {
        self.0.borrow_mut().extend_from_slice(chunk);
    }
}

/// A chunk of the page's text; `title`: the document's title (in the head,
/// which is otherwise left alone; the page script writes the title too).
fn on_text(state: &Shared, chunk: &mut TextChunk<'_>, title: bool) {
    let mut s = state.borrow_mut();
    let readable = match chunk.text_type() {
        TextType::Data => !title && s.never == 0,
        TextType::RCData => title,
        _ => false,
    };
    if !readable {
        return;
    }
    let last = chunk.last_in_text_node();
    if !last && s.held.len() + chunk.as_str().len() <= HOLD {
        // Held until the node ends: a number may go on in the next chunk.
        s.held.push_str(chunk.as_str());
        chunk.remove();
        return;
    }
    if last && s.held.is_empty() {
        // A whole node in one chunk (most are): read in place.
        if let Some(new) = s.text(chunk.as_str()) {
            chunk.replace(&new, ContentType::Html);
        }
        return;
    }
    let mut text = core::mem::take(&mut s.held);
    let had = !text.is_empty();
    text.push_str(chunk.as_str());
    if !last {
        let at = cut(&text);
        s.held = text.split_off(at);
    }
    match s.text(&text) {
        Some(new) => chunk.replace(&new, ContentType::Html),
        None if had || !last => chunk.replace(&text, ContentType::Html),
        None => {}
    }
}

fn on_attributes(state: &Shared, el: &mut Element<'_, '_>) {
    let s = state.borrow();
    if s.never > 0 {
        return;
    }
    for name in ATTRIBUTES {
        if let Some(v) = el.get_attribute(name) {
            if let Some(new) = swap_raw(&v, &s.scanner, &s.numbers.map) {
                let _ = el.set_attribute(name, &new);
            }
        }
    }
    if el.tag_name() == "a" {
        if let Some(href) = el.get_attribute("href") {
            let lower = href
                .trim_start()
                .get(..7)
                .unwrap_or("")
                .to_ascii_lowercase();
            if lower.starts_with("tel:") || lower.starts_with("callto:") {
                if let Some(new) = swap_raw(&href, &s.scanner, &s.numbers.map) {
                    let _ = el.set_attribute("href", &new);
                }
            }
        }
    }
}

fn on_never(state: &Shared, el: &mut Element<'_, '_>) {
    if !el.can_have_content() {
        return;
    }
    if let Some(ends) = el.end_tag_handlers() {
        state.borrow_mut().never += 1;
        let state = state.clone();
        ends.push(Box::new(move |_| {
            let mut s = state.borrow_mut();
            s.never = s.never.saturating_sub(1);
            Ok(())
        }));
    }
}

impl Insertion {
    /// A rewriter that writes `numbers` into a page.
    pub fn new(numbers: Numbers) -> Result<Insertion, InsertError> {
        let scanner = scanner_for(numbers.region, &numbers.map);
        let ignore = numbers.ignore.clone();
        let session = numbers.session.clone();
        let state: Shared = Rc::new(RefCell::new(State {
            numbers,
            scanner,
            never: 0,
            held: String::new(),
            ring: Vec::new(),
            seen: 0,
            written: 0,
        }));
        let mut settings = Settings::new();
        for sel in NEVER.iter().map(|s| s.to_string()).chain(ignore) {
            // A selector the rewriter cannot read: the page goes out untouched.
            if sel.parse::<lol_html::Selector>().is_err() {
                return Err(InsertError::Selector(sel));
            }
            let st = state.clone();
            settings = settings.append_element_content_handler(element!(sel, move |el| {
                on_never(&st, el);
                Ok(())
            }));
        }
        let st = state.clone();
        settings = settings.append_element_content_handler(element!(
            "[title], [aria-label], [alt], a[href]",
            move |el| {
                on_attributes(&st, el);
                Ok(())
            }
        ));
        // The tag's own region (`data-region`), as the page script reads the
        // page with it: national forms of that region (a branch's page).
        let st = state.clone();
        settings = settings.append_element_content_handler(element!(
            "script[data-site][data-region]",
            move |el| {
                let region = el
                    .get_attribute("data-region")
                    .and_then(|r| r.trim().parse().ok());
                if region.is_some() {
                    let mut s = st.borrow_mut();
                    s.numbers.region = region;
                    s.scanner = scanner_for(region, &s.numbers.map);
                }
                Ok(())
            }
        ));
        if let Some(id) = session {
            settings = settings.append_element_content_handler(element!("html", move |el| {
                let _ = el.set_attribute("data-calltrack-session", &id);
                Ok(())
            }));
        }
        let st = state.clone();
        settings = settings.append_document_content_handler(doc_text!(move |t| {
            on_text(&st, t, false);
            Ok(())
        }));
        let st = state.clone();
        settings = settings.append_element_content_handler(text!("head > title", move |t| {
            on_text(&st, t, true);
            Ok(())
        }));
        // A site number the rewriter could not write (its digits across
        // elements, or a form it refused): the page script is told to walk
        // the page after all.
        let st = state.clone();
        settings = settings.append_document_content_handler(end!(move |end| {
            let s = st.borrow();
            if s.numbers.session.is_some() && s.seen > s.written {
                end.append(LEFT, ContentType::Html);
            }
            Ok(())
        }));
        let out = Rc::new(RefCell::new(Vec::new()));
        Ok(Insertion {
            rewriter: HtmlRewriter::new(settings, Sink(out.clone())),
            out,
        })
    }

    /// Takes the next chunk of the page: what is ready to go out.
    pub fn write(&mut self, chunk: &[u8]) -> Result<Vec<u8>, InsertError> {
        self.rewriter
            .write(chunk)
            .map_err(|e| InsertError::Rewriting(e.to_string()))?;
        Ok(core::mem::take(&mut *self.out.borrow_mut()))
    }

    /// The page has ended: the rest.
    pub fn end(self) -> Result<Vec<u8>, InsertError> {
        self.rewriter
            .end()
            .map_err(|e| InsertError::Rewriting(e.to_string()))?;
        let out = core::mem::take(&mut *self.out.borrow_mut());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(pairs: &[(&str, &str)], region: &str) -> Numbers {
        Numbers {
            map: pairs
                .iter()
                .map(|(a, b)| (a.parse().unwrap(), b.parse().unwrap()))
                .collect(),
            region: region.parse().ok(),
            ignore: vec![".keep".into()],
            session: Some("0123456789abcdef0123456789abcdef".into()),
        }
    }

    /// `html` rewritten, fed in pieces cut at `cuts`.
    fn rewrite(n: &Numbers, html: &str, cuts: &[usize]) -> String {
        let mut r = Insertion::new(n.clone()).unwrap();
        let mut out = Vec::new();
        let mut last = 0;
        for &c in cuts.iter().chain(core::iter::once(&html.len())) {
            out.extend(r.write(&html.as_bytes()[last..c]).unwrap());
            last = c;
        }
        out.extend(r.end().unwrap());
        String::from_utf8(out).unwrap()
    }

    const RU: &[(&str, &str)] = &[("+74951234567", "+74990000001")];

    #[test]
    fn text_links_and_attributes_in_the_same_form() {
        let n = numbers(RU, "RU");
        let page = r#"<html><head><title>Клиника · +7 495 123-45-67</title></head><body><p>Звоните: 8&nbsp;(495)&nbsp;123-45-67!</p><a href="tel:+74951234567" title="8 495 1234567">+7 (495) 123-45-67</a><img alt="+7-495-123-45-67"></body></html>"#;
        let out = rewrite(&n, page, &[]);
        assert_eq!(
            out,
            r#"<html data-calltrack-session="0123456789abcdef0123456789abcdef"><head><title>Клиника · +7 499 000-00-01</title></head><body><p>Звоните: 8&nbsp;(499)&nbsp;000-00-01!</p><a href="tel:+74990000001" title="8 499 0000001">+7 (499) 000-00-01</a><img alt="+7-499-000-00-01"></body></html>"#
        );
    }

    #[test]
    fn what_is_never_touched_stays() {
        let n = numbers(RU, "RU");
        let page = r#"<body><script type="application/ld+json">{"telephone":"+7 495 123-45-67"}</script><style>/* +7 495 123-45-67 */</style><textarea>+7 495 123-45-67</textarea><div data-no-swap><p title="+7 495 123-45-67">+7 495 123-45-67</p></div><div class="keep"><span>+7 495 123-45-67</span></div><p class="no-swap">+7 495 123-45-67</p><div contenteditable>+7 495 123-45-67</div><a href="https://wa.me/74951234567">WhatsApp +7 495 123-45-67</a><p>ИНН 7707083893 · +7 495 123-45-68</p><div contenteditable="false">+7 495 123-45-67</div><p>+7 495 123-45-67</p></body>"#;
        let out = rewrite(&n, page, &[]);
        assert_eq!(out.matches("+7 495 123-45-67").count(), 9, "{out}");
        assert!(
            out.contains(r#"<div contenteditable="false">+7 499 000-00-01</div>"#),
            "{out}"
        );
        assert!(out.ends_with("<p>+7 499 000-00-01</p></body>"), "{out}");
        assert!(out.contains("ИНН 7707083893 · +7 495 123-45-68"));
    }

    #[test]
    fn a_number_split_at_every_byte_between_chunks() {
        let n = numbers(RU, "RU");
        let page = "<body><p>Запись: 8&nbsp;(495)&nbsp;123-45-67, доб. 12</p><a href=\"tel:84951234567\">позвонить</a></body>";
        let want = "<body><p>Запись: 8&nbsp;(499)&nbsp;000-00-01, доб. 12</p><a href=\"tel:+74990000001\">позвонить</a></body>";
        for i in 1..page.len() {
            if !page.is_char_boundary(i) {
                continue;
            }
            assert_eq!(rewrite(&n, page, &[i]), want, "cut at {i}");
            for j in (i + 1..page.len()).step_by(7) {
                if page.is_char_boundary(j) {
                    assert_eq!(rewrite(&n, page, &[i, j]), want, "cut at {i} and {j}");
                }
            }
        }
    }

    #[test]
    fn a_number_split_over_elements_is_left_to_the_page_script() {
        let n = numbers(RU, "RU");
        let whole = rewrite(&n, "<body><p>+7 (495) 123-45-67</p></body>", &[]);
        assert!(!whole.contains(LEFT), "{whole}");
        let split = rewrite(
            &n,
            "<body><p><b>+7 (495)</b> <span>123-45-67</span></p></body>",
            &[],
        );
        assert!(split.ends_with(LEFT), "{split}");
        let ignored = rewrite(
            &n,
            "<body><p data-no-swap>+7 (495) 123-45-67</p></body>",
            &[],
        );
        assert!(!ignored.contains(LEFT), "{ignored}");
    }

    #[test]
    fn the_tags_region_reads_the_page() {
        let n = numbers(&[("+14155550100", "+14155550102")], "RU");
        let page = r#"<html><head><script async src="/swap.js" data-site="demo" data-region="US"></script></head><body><p>Call (415) 555-0100</p></body></html>"#;
        let out = rewrite(&n, page, &[]);
        assert!(out.contains("<p>Call (415) 555-0102</p>"), "{out}");
        let without = rewrite(&n, &page.replace(" data-region=\"US\"", ""), &[]);
        assert!(
            without.contains("<p>Call (415) 555-0100</p>"),
            "the site's region (RU) reads no US national form"
        );
    }

    #[test]
    fn a_long_text_node_is_written_in_parts_and_still_swapped() {
        let n = numbers(RU, "RU");
        let filler = "слово ".repeat(HOLD / 5);
        let page = format!("<body><p>{filler}+7 495 123-45-67 {filler}+7 495 123-45-67</p></body>");
        let cuts: Vec<usize> = (1..page.len() / 4096)
            .map(|k| k * 4096)
            .filter(|&c| page.is_char_boundary(c))
            .collect();
        let out = rewrite(&n, &page, &cuts);
        assert_eq!(out.matches("+7 499 000-00-01").count(), 2);
        assert_eq!(out.len(), page.len());
    }

    #[test]
    fn a_selector_the_rewriter_cannot_read_is_an_error() {
        let mut n = numbers(RU, "RU");
        n.ignore = vec!["div:has(> p)".into()];
        assert!(matches!(Insertion::new(n), Err(InsertError::Selector(_))));
    }

    #[test]
    fn routes_and_the_cookie() {
        let r = routes(
            "clinic.example/ clinic -,\n127.0.0.1:8787/through/ demo http://127.0.0.1:8787/demo/",
        )
        .unwrap();
        assert_eq!(r.len(), 2);
        let (hit, at) = route(
            &r,
            "127.0.0.1:8787",
            "/through/us.html?utm_source=x",
            "http://127.0.0.1:8787/through/us.html?utm_source=x",
        )
        .unwrap();
        assert_eq!(
            (hit.site.as_str(), at.as_str()),
            ("demo", "http://127.0.0.1:8787/demo/us.html?utm_source=x")
        );
        let (hit, at) = route(
            &r,
            "Clinic.Example",
            "/prices?a=1",
            "https://clinic.example/prices?a=1",
        )
        .unwrap();
        assert_eq!(
            (hit.site.as_str(), at.as_str()),
            ("clinic", "https://clinic.example/prices?a=1")
        );
        assert!(route(&r, "clinic.example", "/v1/sites/clinic/sessions", "").is_none());
        assert!(route(&r, "127.0.0.1:8787", "/demo/", "").is_none());
        for bad in [
            "clinic.example/ clinic",
            "clinic.example/x clinic -",
            "h/ BAD -",
            "h/ s ftp://x/",
            "h/ s http://x",
        ] {
            assert!(routes(bad).is_err(), "{bad}");
        }
        assert_eq!(
            session_cookie(Some(
                "a=1; calltrack_sid=0123456789ABCDEF0123456789abcdef; b=2"
            ))
            .as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert_eq!(session_cookie(Some("calltrack_sid=short")), None);
        assert!(rewritable(Some("text/html; charset=UTF-8")));
        assert!(rewritable(Some("text/html")));
        assert!(!rewritable(Some("text/html; charset=windows-1251")));
        assert!(!rewritable(Some("application/json")));
        assert!(!rewritable(None));
    }

    #[test]
    fn entities_are_read_as_the_browser_reads_them() {
        let (text, at) = decode("8&#160;495&nbsp;1&amp;");
        assert_eq!(text, "8\u{a0}495\u{a0}1&");
        assert_eq!(at[1], 1);
        assert_eq!(at[text.len()], 22);
        assert_eq!(decode("&unknown; &").0, "&unknown; &");
    }
}
