//! Finding phone numbers in text, and writing others in their place.
//!
//! Pure functions on `&str`, no DOM and no regex engine: one left-to-right
//! pass over the text. At each digit, `+` or `(` that starts a token, the
//! scanner reads a *run*: digit groups joined by short gaps of separators
//! (spaces of every kind, dots, hyphens and dashes, slashes, brackets). A run
//! may hold several numbers (`8 495 123-45-67 / 8 495 765-43-21`): it is cut
//! only at *strong* gaps (a slash or dash between spaces, a full stop and a
//! space), never inside a group of digits or at a plain space, so a number is
//! never found inside a longer number.
//!
//! A candidate is accepted when the number rules of `pool_core::number`
//! accept it for the region, and nothing around it says it is something
//! else:
//!
//! * before it: a letter or digit (`abc4951234567`, `UA-12345678`), a currency
//!   sign (`$415-666-7777`), `#` or `№`, a label such as `ISBN`, `ИНН`, `order`,
//!   or a digit followed by `.`, `,`, `:`, `/`, `-` (a decimal, a time, a date,
//!   an IP address, a range);
//! * after it: a letter or digit, a currency or unit (`₽`, `руб`, `%`, `km`),
//!   or punctuation followed by a digit;
//! * inside it: brackets that do not pair up, the shape of a date or of an
//!   IP address or version, a last group of a single digit (ISBNs), a
//!   national number written without its obligatory trunk prefix (GB, DE, FR).
//!
//! An extension (`ext. 503`, `x456`, `доб. 204`) belongs to the match; a swap
//! replaces only the number and keeps the extension as written.
//!
//! `tel:` and `callto:` links in the text are read as links: `%20` and other
//! escapes are decoded, and a swap writes the E.164 form there.

use alloc::string::String;
use alloc::vec::Vec;

use pool_core::number::{
    digit_value, is_separator, parse_written, render, PhoneNumber, Prefix, Region, Template,
};
#[cfg(not(all(feature = "page", target_arch = "wasm32")))]
use pool_core::numbering::national_somewhere;
use pool_core::text::Part;

/// One phone number found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte offset of the first character of the number (its `+`, `(` or digit).
    pub start: usize,
    /// Byte offset just past the number, extension included.
    pub end: usize,
    /// Byte offset just past the number itself (before the extension).
    pub number_end: usize,
    /// The number, when its country is known (written with a country code,
    /// or nationally for the scanner's region).
    pub number: Option<PhoneNumber>,
    /// How it was written, to write another number the same way.
    pub template: Option<Template>,
    /// It is the target of a `tel:` / `callto:` link: swaps write E.164.
    pub link: bool,
}

impl Found {
    /// The matched text, extension included.
    pub fn raw<'a>(&self, text: &'a str) -> &'a str {
        text.part(self.start..self.end)
    }
}

/// What to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Numbers that resolve to an E.164 number (with the region, or written
    /// with a country code).
    Valid,
    /// Every phone-like number, also those whose country is unknown (for
    /// set-up: "which numbers does this page show?").
    Discover,
}

/// The most digits a written number can have (15 for E.164, plus an
/// international access code such as `810` or `0011`).
const MAX_RUN_DIGITS: usize = 19;
/// The most separator characters between two digit groups: `) - (`.
const MAX_GAP: usize = 4;

#[derive(Debug, Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    digits: usize,
}

/// The separator characters between two groups.
#[derive(Debug, Clone, Copy, Default)]
struct Gap {
    /// A break between two numbers: ` / `, ` - `, ` — `, `. `, `; `.
    strong: bool,
    /// Holds a blank: a number may end here (`+7 495 123 45 67 10:00-18:00`).
    blank: bool,
    /// A lone `/`: two numbers may be joined here (`…-2345/332-…`).
    slash: bool,
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\u{00A0}' | '\u{2007}' | '\u{2009}' | '\u{202F}' | '\u{3000}'
    )
}

fn is_plus(c: char) -> bool {
    c == '+' || c == '\u{FF0B}'
}

fn is_open(c: char) -> bool {
    c == '(' || c == '[' || c == '\u{FF08}'
}

fn is_close(c: char) -> bool {
    c == ')' || c == ']' || c == '\u{FF09}'
}

#[inline(always)]
fn is_digit(c: char) -> bool {
    digit_value(c).is_some()
}

/// Letters of scripts written with spaces between words (Latin, Greek,
/// Cyrillic, Armenian, Hebrew, Arabic): they stick to a number. CJK text
/// around a number does not. Explicit ranges, not Unicode tables: this runs
/// in the page script, where every KB counts.
fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || matches!(c as u32,
            0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F // Latin-1 letters, Latin Extended
            | 0x300..=0x36F // combining marks
            | 0x370..=0x3FF // Greek
            | 0x400..=0x52F // Cyrillic
            | 0x531..=0x58F // Armenian
            | 0x5D0..=0x5EA // Hebrew
            | 0x620..=0x64A | 0x66E..=0x6D3 // Arabic letters
            | 0x1E00..=0x1FFF // Latin and Greek extended
        )
}

/// Digits: ASCII and full-width.
fn is_numeral(c: char) -> bool {
    is_digit(c)
}

fn is_word_char(c: char) -> bool {
    is_letter(c) || c.is_ascii_digit() || c == '_'
}

fn is_upper(c: char) -> bool {
    c.is_ascii_uppercase() || matches!(c as u32, 0x400..=0x42F | 0xC0..=0xD6 | 0xD8..=0xDE)
}

/// Lower case for the letters the label lists use (Latin, Cyrillic); the
/// byte length never changes.
fn lower(c: char) -> char {
    match c as u32 {
        0x41..=0x5A | 0x410..=0x42F | 0xC0..=0xD6 | 0xD8..=0xDE => {
            char::from_u32(c as u32 + 0x20).unwrap_or(c)
        }
        // Ѐ-Џ: Ё, and Ukrainian and Belarusian Є, І, Ї, Ў.
        0x400..=0x40F => char::from_u32(c as u32 + 0x50).unwrap_or(c),
        _ => c,
    }
}

fn char_before(text: &str, at: usize) -> Option<char> {
    text.part(..at).chars().next_back()
}

/// Whether the run at `at` continues a code: one space before it ends a
/// token that mixes letters and digits (`DE89`, `X5`), possibly behind a
/// few upper-case tokens (`GB29 NWBK 6016 ...`).
fn code_before(text: &str, at: usize) -> bool {
    let mut head = text.part(..at);
    for _ in 0..3 {
        let Some(space) = head.chars().next_back().filter(|c| is_space(*c)) else {
            return false;
        };
        head = head.part(..head.len() - space.len_utf8());
        let (mut len, mut digits, mut letters, mut upper) = (0, false, false, true);
        for c in head.chars().rev().take_while(|c| is_word_char(*c)) {
            len += c.len_utf8();
            digits |= c.is_ascii_digit();
            letters |= is_letter(c);
            upper &= is_upper(c);
        }
        if len == 0 {
            return false;
        }
        if digits && letters {
            return true;
        }
        if digits || !upper {
            return false;
        }
        head = head.part(..head.len() - len);
    }
    false
}

/// Whether a number starting at `at` would be inside a web address written in the text
/// (`https://shop.example/p/74951234567`, `www.example.com/8005550199`):
/// the token it ends in (up to an ASCII blank, at most 256 bytes back, so a
/// page without blanks stays linear) has a `://` or begins with `www.`.
fn in_url(text: &str, at: usize) -> bool {
    let head = &text.as_bytes()[..at.min(text.len())];
    let from = head.len().saturating_sub(256);
    let start = head[from..]
        .iter()
        .rposition(|b| b.is_ascii_whitespace())
        .map_or(from, |p| from + p + 1);
    let token = &head[start..];
    token.windows(3).any(|w| w == b"://")
        || token.len() > 4 && token[..4].eq_ignore_ascii_case(b"www.")
}

/// The character at byte `at`: read in place when it is ASCII, as most
/// characters of a number are (the scanner asks for each one).
#[inline(always)]
fn char_at(text: &str, at: usize) -> Option<char> {
    match text.as_bytes().get(at) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        Some(_) => char_decoded(text, at),
        None => None,
    }
}

#[inline(never)]
fn char_decoded(text: &str, at: usize) -> Option<char> {
    text.part(at..).chars().next()
}

/// Words that say the digits after them are not a phone number.
/// Sorted by bytes: looked up by binary search.
pub const ID_LABELS: &[&str] = &[
    "abn",
    "account",
    "acct",
    "acn",
    "artikelnummer",
    "auftrag",
    "auftragsnummer",
    "batch",
    "bestellnummer",
    "bestellung",
    "bic",
    "booking",
    "box",
    "btw",
    "cif",
    "claim",
    "code",
    "commande",
    "compte",
    "confirmation",
    "crn",
    "ean",
    "ein",
    "facture",
    "gst",
    "iban",
    "id",
    "imei",
    "inn",
    "invoice",
    "isbn",
    "issn",
    "itin",
    "iva",
    "konto",
    "kundennr",
    "kundennummer",
    "kvk",
    "licence",
    "license",
    "lot",
    "membership",
    "model",
    "nif",
    "nip",
    "order",
    "part",
    "passport",
    "policy",
    "postcode",
    "receipt",
    "rechnung",
    "rechnungsnummer",
    "ref",
    "reference",
    "regon",
    "reservation",
    "s/n",
    "serial",
    "siren",
    "siret",
    "sku",
    "sn",
    "ssn",
    "steuernummer",
    "swift",
    "ticket",
    "tracking",
    "transaction",
    "tva",
    "txn",
    "uid",
    "upc",
    "ust",
    "vat",
    "ver",
    "version",
    "vkn",
    "zip",
    "арт",
    "артикул",
    "бик",
    "билет",
    "бин",
    "доверенность",
    "договор",
    "договора",
    "заказ",
    "заказа",
    "замовлення",
    "иин",
    "индекс",
    "инн",
    "к/с",
    "квитанция",
    "кпп",
    "кс",
    "л/с",
    "лицензия",
    "накладная",
    "накладной",
    "огрн",
    "огрнип",
    "окпо",
    "паспорт",
    "полис",
    "полиса",
    "р/с",
    "рахунок",
    "рс",
    "снилс",
    "счет",
    "счёт",
    "трек",
    "єдрпоу",
    "іпн",
];

/// Words that name an id only with a word for "number" after them:
/// `Company No. 02079460958`, `Customer number 2125550199`, `Case No.`;
/// alone they may just come before a phone number (`Company 020 7946 0958`).
/// Sorted by bytes.
const ID_BEFORE_NUMBER_WORD: &[&str] = &[
    "case",
    "client",
    "company",
    "customer",
    "item",
    "member",
    "product",
    "registered",
    "registration",
    "регистрационный",
];

/// Currency and unit words that say the digits before them are an amount.
const UNIT_WORDS: &[&str] = &[
    "руб",
    "рублей",
    "рубля",
    "rub",
    "usd",
    "eur",
    "gbp",
    "грн",
    "тг",
    "тенге",
    "шт",
    "km",
    "kg",
    "км",
    "кг",
    "mb",
    "gb",
    "kb",
    "px",
    "ms",
    "dollars",
    "euros",
    "долл",
    "евро",
];

/// Whether an id label ends at `at` (skipping blanks and `:` `.` `#` `№`):
/// `ИНН 7707083893`, and with a word for "number" after the label,
/// `Serial No. 212 555 0199`, `Order number 4951234567`, `Company No. …`.
fn labelled_id(text: &str, at: usize) -> bool {
    let (mut word, mut start) = word_ending(text, at);
    if word.is_empty() {
        return false;
    }
    // A country prefix between the label and the digits: `VAT GB 123 4567 89`.
    if word.len == 2 && text.part(start..).chars().take(2).all(is_upper) {
        (word, start) = word_ending(text, start);
    }
    if ID_LABELS.binary_search(&word.as_str()).is_ok() {
        return true;
    }
    NUMBER_WORDS.contains(&word.as_str()) && {
        let label = word_ending(text, start).0;
        ID_LABELS.binary_search(&label.as_str()).is_ok()
            || ID_BEFORE_NUMBER_WORD.binary_search(&label.as_str()).is_ok()
    }
}

/// A word, lower-cased, on the stack: the words the label lists hold are
/// short (30 bytes at most), and a longer one is kept empty.
struct Word {
    bytes: [u8; 32],
    len: usize,
}

impl Word {
    fn of(s: &str) -> Word {
        let mut word = Word {
            bytes: [0; 32],
            len: 0,
        };
        if s.len() <= word.bytes.len() {
            for c in s.chars() {
                let n = lower(c).encode_utf8(&mut word.bytes[word.len..]).len();
                word.len += n;
            }
        }
        word
    }

    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The word (letters, `/`) that ends at `at`, lower-cased, skipping blanks
/// and `:` `.` `#` `№` `-` before `at`, and where it starts.
fn word_ending(text: &str, at: usize) -> (Word, usize) {
    let head = text.part(..at);
    let trimmed =
        head.trim_end_matches(|c: char| is_space(c) || matches!(c, ':' | '.' | '#' | '№' | '-'));
    if head.len() - trimmed.len() > 8 {
        return (Word::of(""), at);
    }
    let word_start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_letter(*c) || *c == '/')
        .last()
        .map_or(trimmed.len(), |(i, _)| i);
    (Word::of(trimmed.part(word_start..)), word_start)
}

/// Words for "number" between a label and its digits.
const NUMBER_WORDS: &[&str] = &[
    "no",
    "nr",
    "nº",
    "num",
    "number",
    "nummer",
    "numéro",
    "номер",
];

/// Whether a currency sign follows `at` (after at most one blank).
fn currency_after(text: &str, at: usize) -> bool {
    let rest = text.part(at..);
    let rest = rest.strip_prefix(is_space).unwrap_or(rest);
    rest.starts_with(is_currency)
}

/// Whether a number is written with a separator other than blanks, or
/// opens with `+` or a bracket: `(212) 555-0199`, `8 495 123-45-67`.
fn punctuated(raw: &str) -> bool {
    raw.chars()
        .any(|c| is_plus(c) || (is_separator(c) && !is_space(c)))
}

/// A currency sign and a blank right before `at`: `$ 212 555 0199`, an amount.
fn currency_blank_before(text: &str, at: usize) -> bool {
    let mut back = text.part(..at).chars().rev();
    back.next().is_some_and(is_space)
        && back
            .next()
            .is_some_and(|c| is_currency(c) && !matches!(c, '%' | '‰'))
}

/// A currency sign, or `%` and `‰`.
fn is_currency(c: char) -> bool {
    matches!(
        c,
        '₽' | '€' | '$' | '£' | '¥' | '%' | '‰' | '₴' | '₸' | '¢' | '₹'
    )
}

/// Whether an amount's currency or unit follows `at` (after at most one blank):
/// `₽`, `$`, `%`, `руб`, `р.`, `EUR`, `km`.
fn unit_after(text: &str, at: usize) -> bool {
    let rest = text.part(at..);
    let rest = rest.strip_prefix(is_space).unwrap_or(rest);
    let Some(first) = rest.chars().next() else {
        return false;
    };
    if matches!(
        first,
        '₽' | '€' | '$' | '£' | '¥' | '%' | '‰' | '₴' | '₸' | '¢' | '₹'
    ) {
        return true;
    }
    let word: String = rest
        .chars()
        .take_while(|c| is_letter(*c))
        .map(lower)
        .collect();
    if word.is_empty() {
        return false;
    }
    UNIT_WORDS.contains(&word.as_str()) || (word == "р" && rest.part(word.len()..).starts_with('.'))
}

/// Reads a run starting at `start` (a digit, `+` or opening bracket) into
/// `groups` and the gaps between them (`gaps`; both cleared first, kept by
/// the caller from run to run). Returns where the run ends (past its last
/// digit); `None` when it holds no digit.
fn read_run(
    text: &str,
    start: usize,
    groups: &mut Vec<Group>,
    gaps: &mut Vec<Gap>,
) -> Option<usize> {
    groups.clear();
    gaps.clear();
    let mut i = start;
    // Leading `+` and brackets.
    let mut lead = 0;
    while let Some(c) = char_at(text, i) {
        if (is_plus(c) && lead == 0) || is_open(c) || (is_space(c) && lead > 0 && lead < 3) {
            i += c.len_utf8();
            lead += 1;
        } else {
            break;
        }
    }
    let mut total = 0;
    loop {
        // A group of digits.
        let gstart = i;
        let mut digits = 0;
        while let Some(c) = char_at(text, i) {
            if !is_digit(c) {
                break;
            }
            i += c.len_utf8();
            digits += 1;
        }
        if digits == 0 {
            break;
        }
        total += digits;
        groups.push(Group {
            start: gstart,
            end: i,
            digits,
        });
        if total > MAX_RUN_DIGITS + 8 {
            // Far too long to be a number; the caller skips it whole.
            break;
        }
        // A gap: separators only, short, then a digit.
        let mut j = i;
        let mut len = 0;
        let mut symbols = 0;
        let (mut space_before, mut space_after) = (false, false);
        let (mut after_dot, mut dot_space, mut slash, mut brackets) = (false, false, false, 0);
        while let Some(c) = char_at(text, j) {
            if !is_separator(c) || len >= MAX_GAP {
                break;
            }
            if is_space(c) {
                if symbols == 0 {
                    space_before = true;
                } else {
                    space_after = true;
                }
                dot_space |= after_dot;
                after_dot = false;
            } else if c == '/' || is_dash(c) || c == '.' || c == '\u{FF0D}' {
                symbols += 1;
                after_dot = c == '.';
                slash = c == '/';
            } else {
                after_dot = false;
                brackets += 1;
            }
            j += c.len_utf8();
            len += 1;
        }
        // A break between two numbers: ` / `, ` - `, ` -- `, `. `.
        let strong = (symbols > 0 && space_before && space_after) || dot_space;
        if symbols > 1 && !strong {
            // `650-253-4561--455` or `1..2`: no number goes through this.
            break;
        }
        match char_at(text, j) {
            Some(c) if is_digit(c) && len > 0 => {
                gaps.push(Gap {
                    strong,
                    blank: space_before || space_after,
                    slash: slash && len == 1 + brackets,
                });
                i = j;
            }
            _ => break,
        }
    }
    groups.last().map(|g| g.end)
}

/// The digits of `s`, as values.
#[cfg(not(all(feature = "page", target_arch = "wasm32")))]
fn digit_values(s: &str) -> Vec<u8> {
    s.chars()
        .filter_map(|c| digit_value(c).map(|(d, _)| d))
        .collect()
}

/// Shapes of numbers that are no phone number, whatever their digits:
/// `55.7558` (a decimal), `10.0.19045.3803` (a version), `2009–2024` and
/// `2019/2020` (years), `94103-1234` (ZIP+4);
/// with `counts`, `12 345 678` too (thousands: a shape some countries write
/// their numbers in, so only for digits of no known country).
#[cfg(not(all(feature = "page", target_arch = "wasm32")))]
fn shaped_like(text: &str, groups: &[Group], counts: bool) -> bool {
    let lone = |k: usize, f: fn(char) -> bool| {
        let mut cs = text.part(groups[k].end..groups[k + 1].start).chars();
        cs.next().is_some_and(f) && cs.next().is_none()
    };
    let n = groups.len();
    let digits = |k: usize| groups[k].digits;
    let thousands = counts
        && n >= 3
        && digits(0) <= 3
        && (1..n).all(|k| digits(k) == 3)
        && (0..n - 1).all(|k| lone(k, |c| is_space(c) || c == '.' || c == '\''));
    let decimal = n == 2 && digits(0) <= 3 && lone(0, |c| c == '.' || c == ',');
    // A one-digit group after the first: `10.0.19045`, not `8.495.123.45.67`.
    let plus = text
        .part(..groups[0].start)
        .trim_end_matches(is_space)
        .ends_with(is_plus);
    let version = n >= 3
        && !plus
        && (0..n - 1).all(|k| lone(k, |c| c == '.'))
        && (1..n).any(|k| digits(k) == 1);
    let year = |k: usize| {
        let g = text.part(groups[k].start..groups[k].end);
        digits(k) == 4 && (g.starts_with("19") || g.starts_with("20"))
    };
    let years = n == 2 && year(0) && year(1) && lone(0, |c| is_dash(c) || c == '/');
    let zip4 = n == 2 && digits(0) == 5 && digits(1) == 4 && lone(0, is_dash);
    thousands || decimal || version || years || zip4
}

/// Brackets in `s` pair up, at most two pairs, none nested.
fn brackets_ok(s: &str) -> bool {
    let mut open = false;
    let mut pairs = 0;
    for c in s.chars() {
        if is_open(c) {
            if open {
                return false;
            }
            open = true;
        } else if is_close(c) {
            if !open {
                return false;
            }
            open = false;
            pairs += 1;
        }
    }
    !open && pairs <= 2
}

/// The shape of a date (`3/10/1984`, `2012-01-02`, `31.08.2011`) or of an
/// IP address or version (`192.168.100.200`, `1.2.3.4`).
fn looks_like_date_or_ip(s: &str, groups: &[Group]) -> bool {
    let seps: Vec<char> = s
        .chars()
        .filter(|c| !is_digit(*c) && !is_space(*c))
        .collect();
    let sizes: Vec<usize> = groups.iter().map(|g| g.digits).collect();
    let all_same = |ch: char| !seps.is_empty() && seps.iter().all(|c| *c == ch);
    if all_same('.') && sizes.len() == 4 && sizes.iter().all(|n| *n <= 3) {
        return true;
    }
    // A version (`2.1.2.555.0199`): dotted, with more than one single digit.
    if all_same('.') && sizes.iter().filter(|n| **n == 1).count() > 1 {
        return true;
    }
    let date_sep = all_same('.') || all_same('/') || all_same('-');
    if date_sep && sizes.len() == 3 {
        let day_month = |n: usize| (1..=2).contains(&n);
        let year = |n: usize| n == 2 || n == 4;
        return (day_month(sizes[0]) && day_month(sizes[1]) && year(sizes[2]))
            || (sizes[0] == 4 && day_month(sizes[1]) && day_month(sizes[2]));
    }
    false
}

/// An extension after `at`: `ext. 503`, `x456`, `доб. 204`, `#3456`.
/// Returns where it ends.
fn extension(text: &str, at: usize) -> Option<usize> {
    let rest = text.part(at..);
    let lead = rest.len()
        - rest
            .trim_start_matches(|c: char| is_space(c) || c == ',')
            .len();
    if lead > 3 {
        return None;
    }
    let after = rest.part(lead..);
    let lower: String = after.chars().take(12).map(lower).collect();
    let markers = [
        "extension",
        "ext.",
        "ext:",
        "ext",
        "int.",
        "доб.",
        "доб",
        "вн.",
        "poste",
        "durchwahl",
        "x",
        "#",
        "~",
    ];
    let marker = markers.iter().find(|m| lower.starts_with(*m))?;
    // Byte length of the marker in the original (same chars, case may differ in width only for ASCII/Cyrillic).
    let marker_len: usize = after
        .chars()
        .take(pool_core::text::char_count(marker))
        .map(char::len_utf8)
        .sum();
    if marker.chars().all(is_letter) {
        // A marker word must end there: `x456` or `ext 456`, not `xylophone`.
        if let Some(c) = after.part(marker_len..).chars().next() {
            if is_letter(c) {
                return None;
            }
        }
    }
    let tail = after.part(marker_len..);
    let blanks = tail.len()
        - tail
            .trim_start_matches(|c: char| is_space(c) || c == ':' || c == '.')
            .len();
    if blanks > 3 {
        return None;
    }
    let digits = tail.part(blanks..);
    let n: usize = digits.chars().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 7 {
        return None;
    }
    let end = at + lead + marker_len + blanks + n;
    match char_at(text, end) {
        Some(c) if is_word_char(c) => None,
        _ => Some(end),
    }
}

/// The scanner: a default region and what to look for.
#[derive(Debug, Clone)]
pub struct Scanner {
    region: Option<Region>,
    // The page script finds the site's numbers only: no discovery there.
    #[cfg_attr(all(feature = "page", target_arch = "wasm32"), allow(dead_code))]
    mode: Mode,
    /// Numbers found whatever the numbering table says of their range: the
    /// site's own, which a stale table must never hide.
    known: Vec<PhoneNumber>,
    /// Only `known` is looked for: a run of digits that cannot hold one of
    /// them is passed over unread (see [`Scanner::only`]).
    only: bool,
    /// The fewest digits a number has: 6, or fewer for a region whose
    /// numbers are shorter (4 in Tokelau, 5 on St Helena).
    min_digits: usize,
}

impl Scanner {
    /// A scanner for numbers of `region` (written nationally) and of any
    /// country (written with a country code).
    pub fn new(region: Option<Region>, mode: Mode) -> Scanner {
        let shortest = region.and_then(|r| r.plan()).map_or(6, |p| p.lengths().0);
        Scanner {
            region,
            mode,
            known: Vec::new(),
            only: false,
            min_digits: shortest.clamp(4, 6),
        }
    }

    /// Also finds these numbers where their range is not in the table.
    pub fn knowing(mut self, numbers: impl IntoIterator<Item = PhoneNumber>) -> Scanner {
        self.known.extend(numbers);
        self
    }

    /// Looks for these numbers (a swap's, a count's): a run of digits
    /// whose digits, in order, do not contain one's national number is
    /// passed over, as [`may_contain`] passes over a whole text. Every one
    /// of them is found as [`Scanner::knowing`] finds it; other numbers may
    /// be found or not.
    pub fn only(mut self, numbers: impl IntoIterator<Item = PhoneNumber>) -> Scanner {
        self.only = true;
        self.knowing(numbers)
    }

    /// Whether the run of `groups` may hold a number: enough digits, and
    /// for [`Scanner::only`] the digits of one it looks for.
    fn worth_reading(&self, text: &str, groups: &[Group]) -> bool {
        let total: usize = groups.iter().map(|g| g.digits).sum();
        if total < self.min_digits {
            return false;
        }
        if !self.only {
            return true;
        }
        let mut digits = [0u8; MAX_RUN_DIGITS + 16];
        let mut n = 0;
        for g in groups {
            // A group holds digits only: ASCII, or full-width (EF BC 90..99,
            // whose last byte alone falls in 0x90..=0x99).
            for &b in text.as_bytes().get(g.start..g.end).unwrap_or_default() {
                let d = match b {
                    b'0'..=b'9' => b - b'0',
                    0x90..=0x99 => b - 0x90,
                    _ => continue,
                };
                if let Some(slot) = digits.get_mut(n) {
                    *slot = d;
                    n += 1;
                }
            }
        }
        let digits = &digits[..n];
        self.known.iter().any(|k| {
            let national = k.national();
            !national.is_empty() && digits.windows(national.len()).any(|w| w == national)
        })
    }

    /// Every number in `text`, in order.
    pub fn scan(&self, text: &str) -> Vec<Found> {
        let mut out = Vec::new();
        // The groups and gaps of the run being read, reused from run to run.
        let (mut groups, mut gaps) = (Vec::with_capacity(8), Vec::with_capacity(8));
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < text.len() {
            // Skip to the next byte that can start something: an ASCII digit,
            // `+`, a bracket, `:` (of `tel:`), or 0xEF, the lead byte of the
            // full-width forms. All are char boundaries.
            while i < bytes.len()
                && !matches!(bytes[i], b'0'..=b'9' | b'+' | b'(' | b'[' | b':' | 0xEF)
            {
                i += 1;
            }
            let Some(c) = char_at(text, i) else { break };
            let starts = is_digit(c) || is_plus(c) || is_open(c);
            if !starts {
                if c == ':' {
                    if let Some((found, next)) = self.link_at(text, i) {
                        out.push(found);
                        i = next;
                        continue;
                    }
                }
                i += c.len_utf8();
                continue;
            }
            if is_open(c)
                && !text
                    .part(i + c.len_utf8()..)
                    .starts_with(|d: char| is_digit(d) || is_plus(d))
            {
                i += c.len_utf8();
                continue;
            }
            let before = char_before(text, i);
            // In the middle of a word or a number: skip the whole token.
            if is_digit(c) && before.is_some_and(is_word_char) {
                i = skip_token(text, i);
                continue;
            }
            // Inside a web address written out: skip to its end.
            if in_url(text, i) {
                i = text.part(i..).find(is_space).map_or(text.len(), |n| i + n);
                continue;
            }
            let Some(end) = read_run(text, i, &mut groups, &mut gaps) else {
                i += c.len_utf8();
                continue;
            };
            if self.worth_reading(text, &groups) {
                self.candidates(text, i, &groups, &gaps, &mut out);
            }
            // A number's extension (`int. 20`) may reach past the run: read on after it.
            let end = out
                .last()
                .filter(|f| f.start >= i)
                .map_or(end, |f| f.end.max(end));
            i = end.max(i + c.len_utf8());
        }
        out
    }

    /// Tries the numbers of one run: each starts at the run's start or after
    /// a gap with a blank or a break, and ends at one; the earliest start and
    /// then the longest number wins. Never inside a group of digits.
    fn candidates(
        &self,
        text: &str,
        run_start: usize,
        groups: &[Group],
        gaps: &[Gap],
        out: &mut Vec<Found>,
    ) {
        let cut = |k: usize| gaps[k].strong || gaps[k].blank;
        // The tail of a code: `DE89 3704 0044 0532 0130 00` (an IBAN), `A1 555
        // 0100`: a token of letters and digits right before the run, one
        // space apart.
        if code_before(text, run_start) {
            return;
        }
        // The name part of an e-mail address: `84951234567@mail.ru`.
        if groups
            .last()
            .is_some_and(|g| char_at(text, g.end) == Some('@'))
        {
            return;
        }
        // An amount after a currency sign and a blank (`₽ 8 495 123 45 67`),
        // written with blanks and dots only, has no number inside.
        if currency_blank_before(text, run_start)
            && groups.last().is_some_and(|g| {
                text.part(run_start..g.end)
                    .chars()
                    .all(|c| is_digit(c) || is_space(c) || c == '.')
            })
        {
            return;
        }
        // A run labelled as an id (`ИНН 7707 0838 93`) has no number inside
        // either: a later start must not find one in its tail.
        let labelled = !text.part(run_start..).starts_with(is_plus) && labelled_id(text, run_start);
        // A card or parcel number: four or more groups of four digits (the
        // last may be shorter), or 4-6-5 (Amex); no phone number is written so.
        let n = groups.len();
        let card = (n >= 4
            && groups[..n - 1].iter().all(|g| g.digits == 4)
            && groups[n - 1].digits <= 4)
            || (n == 3 && groups[0].digits == 4 && groups[1].digits == 6 && groups[2].digits >= 4);
        if card && !text.part(run_start..).starts_with(is_plus) {
            return;
        }
        // Two numbers joined by a lone slash (`8 495 123-23-45/8 495 332-12-34`):
        // each side a whole number on its own, or neither is one.
        if !labelled {
            if let Some(k) = gaps.iter().position(|g| g.slash) {
                // With a `+` or bracket that opens the second number.
                let right = text
                    .part(..groups[k + 1].start)
                    .trim_end_matches(|c: char| is_plus(c) || is_open(c))
                    .len();
                let first = self.accept_joined(text, run_start, &groups[..=k]);
                let second = self.accept_joined(text, right, &groups[k + 1..]);
                if let (Some(a), Some(b)) = (first, second) {
                    out.push(a);
                    out.push(b);
                    return;
                }
            }
        }
        // Digits passed over since the run began, a break or the last match:
        // a number may start after a few (`$20 415-666-7777`), not inside a
        // long sequence of groups (an IBAN, a card number).
        let mut skipped = 0;
        let mut a = 0;
        while a < groups.len() {
            if a > 0
                && (gaps[a - 1].strong
                    || out
                        .last()
                        .is_some_and(|f: &Found| f.number_end == groups[a - 1].end))
            {
                skipped = 0;
            }
            // After more than a few digits (in a run labelled as an id, only
            // then), a number may still start after a blank when it is
            // written with punctuation of its own (`NY 10001 (212) 555-0199`,
            // `ZIP 10001-2125 212-555-0199`); the groups of an IBAN or a card
            // have none.
            let late = a > 0 && skipped > 3;
            let start = if a == 0 {
                run_start
            } else {
                // Take a `+` or bracket that opens this number.
                let head = text.part(..groups[a].start);
                head.trim_end_matches(|c: char| is_plus(c) || is_open(c))
                    .len()
            };
            if (a > 0 && !cut(a - 1))
                || (labelled && !late)
                || (late && !text.part(groups[a - 1].end..start).chars().all(is_space))
            {
                skipped += groups[a].digits;
                a += 1;
                continue;
            }
            // The last group a late number may end before: it needs
            // punctuation from its start up to there.
            let mut from = a;
            if late && !punctuated(text.part(start..groups[a].start)) {
                from = (a..groups.len() - 1)
                    .find(|&k| punctuated(text.part(groups[k].end..groups[k + 1].start)))
                    .map_or(groups.len(), |k| k + 1);
            }
            let mut next = a + 1;
            for b in (from..groups.len()).rev() {
                if b + 1 < groups.len() && !cut(b) {
                    continue;
                }
                if let Some(f) = self.accept(text, start, &groups[a..=b]) {
                    out.push(f);
                    next = b + 1;
                    break;
                }
            }
            if next == a + 1 {
                skipped += groups[a].digits;
            }
            a = next;
        }
    }

    /// [`Scanner::accept`] for one side of a lone slash: the slash that
    /// joins it to the other number reads as a blank, so the side is judged
    /// as if it stood alone (offsets stay: `/` and ` ` are one byte each).
    fn accept_joined(&self, text: &str, start: usize, groups: &[Group]) -> Option<Found> {
        let (from, to) = (start, groups.last()?.end);
        // A copy with those slashes blanked, byte for byte (both are ASCII):
        // a memory copy, not a character loop (a long text of such pairs is
        // copied once a pair).
        let mut alone = text.as_bytes().to_vec();
        for at in [from.wrapping_sub(1), to] {
            if let Some(b @ b'/') = alone.get_mut(at) {
                *b = b' ';
            }
        }
        self.accept(&String::from_utf8(alone).ok()?, start, groups)
    }

    /// Checks one candidate: from `start` to the end of its last group.
    fn accept(&self, text: &str, start: usize, groups: &[Group]) -> Option<Found> {
        let end = groups.last()?.end;
        let digits: usize = groups.iter().map(|g| g.digits).sum();
        if !(self.min_digits..=MAX_RUN_DIGITS).contains(&digits) {
            return None;
        }
        let mut start = start;
        if !brackets_ok(text.part(start..end)) {
            // `(030 12345678`: a bracket opened before the number, not by it.
            let inner = text
                .part(start..end)
                .trim_start_matches(|c: char| is_open(c) || is_space(c));
            start = end - inner.len();
        }
        let raw = text.part(start..end);
        let lead = raw.chars().next()?;
        let starts_with_punct = is_plus(lead) || is_open(lead);
        // Left context.
        if let Some(b) = char_before(text, start) {
            let bb = char_before(text, start - b.len_utf8());
            // Letters may stand right before `+` or `(` (`abc+14156667777`), not before a digit.
            if is_word_char(b) && (is_numeral(b) || !starts_with_punct) {
                return None;
            }
            if is_currency(b)
                || matches!(b, '#' | '№' | '@' | '&' | '*' | '=' | '+' | '\\' | '_')
                || currency_blank_before(text, start)
                // `№ 0441234567`, `# 2125550199`: a number sign and a blank.
                || (is_space(b) && text.part(..start).trim_end_matches(is_space).ends_with(['#', '№']))
            {
                return None;
            }
            if matches!(b, ',' | ':') && bb.is_some_and(is_numeral) {
                return None;
            }
            // Through separators without a blank back to a digit: `4561--455`,
            // `12.03.2024`, `192.168.`; a number goes on there.
            let back = text
                .part(..start)
                .chars()
                .rev()
                .take_while(|c| is_separator(*c) && !is_space(*c))
                .take(4)
                .count();
            if back > 0 {
                let skipped: usize = text
                    .part(..start)
                    .chars()
                    .rev()
                    .take(back)
                    .map(char::len_utf8)
                    .sum();
                if char_before(text, start - skipped).is_some_and(is_numeral) {
                    return None;
                }
            }
            if matches!(b, '-' | '/') && bb.is_some_and(is_word_char) {
                // `UA-12345678`, `G-123`: tracker ids; `/images/2125550199`: a
                // path. `My number-` is kept.
                let word = word_ending(text, start).0;
                let short_code = !word.is_empty() && word.len <= 4;
                if b == '/' || short_code || bb.is_some_and(|c| is_upper(c) || is_numeral(c)) {
                    return None;
                }
            }
            // `ИНН 7707083893`, `р/с 40702…`: an id, not a number to call; a
            // number written with `+` is a phone number whatever precedes it.
            if !is_plus(lead) && labelled_id(text, start) {
                return None;
            }
        }
        // Right context (before any extension).
        if let Some(a) = char_at(text, end) {
            let next = char_at(text, end + a.len_utf8());
            if is_word_char(a) && extension(text, end).is_none() {
                return None;
            }
            if matches!(a, ',' | ':' | '+') && next.is_some_and(is_digit) {
                return None;
            }
            // A file or host name: `2125550199.pdf`, `84951234567.ru`. A
            // number in groups ending a sentence with no space after its full
            // stop (`(415) 666-7777.Next`) is kept: a capital after it, and
            // groups in it, are no file's or host's.
            if a == '.' && next.is_some_and(|n| is_letter(n) && !(groups.len() > 1 && is_upper(n)))
            {
                return None;
            }
            // Through separators without a blank to a digit: `4561--455`, `12.5`.
            let mut rest = text
                .part(end..)
                .chars()
                .skip_while(|c| is_separator(*c) && !is_space(*c) && !is_close(*c));
            if text
                .part(end..)
                .starts_with(|c: char| is_separator(c) && !is_space(c) && !is_close(c))
                && rest.next().is_some_and(is_digit)
            {
                return None;
            }
            // An amount: a currency sign after any number; a unit word after
            // digits grouped only by blanks or dots (`1 234 567 руб`).
            let plain = raw.chars().all(|c| is_digit(c) || is_space(c) || c == '.');
            if unit_after(text, end)
                && extension(text, end).is_none()
                && (plain || currency_after(text, end))
            {
                return None;
            }
        }
        if !brackets_ok(raw.trim_start_matches(|c: char| is_plus(c) || is_space(c))) {
            return None;
        }
        if looks_like_date_or_ip(raw, groups) {
            return None;
        }
        if groups.len() > 1 && groups.last().is_some_and(|g| g.digits < 2) {
            return None;
        }
        if groups.len() > 8 {
            return None;
        }
        // The number itself.
        let parsed = parse_written(raw, self.region).ok().filter(|w| {
            // National numbers of GB, DE, FR, UA, ... are written with their trunk prefix.
            let plan = w.number.plan();
            let nsn = w.number.national();
            let trunk_needed = plan.is_some_and(|p| p.needs_trunk(nsn));
            // The site's own numbers are found in any shape; others must be
            // in a range of the table and not shaped like a decimal, a
            // version, years or a ZIP+4 code (not known on the page: it
            // looks for the site's numbers only).
            let known = self.known.contains(&w.number);
            #[cfg(not(all(feature = "page", target_arch = "wasm32")))]
            let shaped = !known && shaped_like(text, groups, false);
            #[cfg(all(feature = "page", target_arch = "wasm32"))]
            let shaped = false;
            !(trunk_needed && *w.template.prefix() == Prefix::National)
                && (plan.is_none_or(|p| p.is_valid(nsn)) || known)
                && !shaped
        });
        let (number, template) = match parsed {
            Some(w) => (Some(w.number), Some(w.template)),
            // Discovery is for set-up (the command, tests): not in the page script.
            #[cfg(all(feature = "page", target_arch = "wasm32"))]
            None => return None,
            #[cfg(not(all(feature = "page", target_arch = "wasm32")))]
            None => {
                if self.mode != Mode::Discover {
                    return None;
                }
                // Discovery: phone-like numbers whose country is unknown,
                // valid in some region's numbering table, and shaped like
                // no count, decimal, version, year range or ZIP+4 code.
                let phone_like = (7..=12).contains(&digits)
                    && (groups.len() >= 2 || starts_with_punct)
                    && !is_plus(lead)
                    && !shaped_like(text, groups, true)
                    && national_somewhere(&digit_values(raw));
                if !phone_like {
                    return None;
                }
                (None, None)
            }
        };
        let ext_end = extension(text, end);
        Some(Found {
            start,
            end: ext_end.unwrap_or(end),
            number_end: end,
            number,
            template,
            link: false,
        })
    }

    /// A `tel:` or `callto:` link whose `:` is at `colon`.
    fn link_at(&self, text: &str, colon: usize) -> Option<(Found, usize)> {
        let head = text.part(..colon);
        let tail = |n: usize| {
            (head.len() >= n && head.is_char_boundary(head.len() - n))
                .then(|| head.part(head.len() - n..))
        };
        let scheme_len = if tail(3).is_some_and(|t| t.eq_ignore_ascii_case("tel")) {
            3
        } else if tail(6).is_some_and(|t| t.eq_ignore_ascii_case("callto")) {
            6
        } else {
            return None;
        };
        let scheme_start = colon - scheme_len;
        if char_before(text, scheme_start).is_some_and(is_word_char) {
            return None;
        }
        let mut start = colon + 1;
        if text.part(start..).starts_with("//") {
            start += 2;
        }
        // The link target runs to a blank, quote or bracket of markup.
        let rest = text.part(start..);
        let len = rest
            .find(|c: char| {
                is_space(c)
                    || matches!(
                        c,
                        '\n' | '\r' | '"' | '\'' | '<' | '>' | ';' | '?' | '&' | ','
                    )
            })
            .unwrap_or(rest.len());
        let target = rest.part(..len);
        if target.is_empty() {
            return None;
        }
        let decoded = percent_decode(target)?;
        let w = parse_written(&decoded, self.region).ok()?;
        let end = start + len;
        Some((
            Found {
                start,
                end,
                number_end: end,
                number: Some(w.number),
                template: Some(w.template),
                link: true,
            },
            end,
        ))
    }
}

/// Skips a token of letters and digits.
fn skip_token(text: &str, from: usize) -> usize {
    let mut i = from;
    while let Some(c) = char_at(text, i) {
        if !(is_word_char(c) || is_digit(c)) {
            break;
        }
        i += c.len_utf8();
    }
    i.max(from + 1).min(text.len())
}

/// Decodes `%XX` escapes; `None` when they do not form UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.into());
    }
    match pool_core::text::percent_decode(s, false) {
        (bytes, true) => String::from_utf8(bytes).ok(),
        _ => None,
    }
}

/// Whether `text` may hold a written form of one of `numbers`: its digits,
/// read in order (ASCII or full-width, whatever stands between them),
/// contain one's national number. Every form the scanner reads does; most
/// other text with digits (dates, prices, ids) does not, so this cheap test
/// spares the scanner most of a page.
pub fn may_contain(text: &str, numbers: impl Iterator<Item = PhoneNumber> + Clone) -> bool {
    // The last digits read, in a ring (a national number has at most 17).
    const RING: usize = 32;
    let mut last = [0u8; RING];
    let mut seen = 0usize;
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            // Full-width digits: U+FF10..U+FF19, EF BC 90..99 in UTF-8.
            0xEF if bytes.get(i + 1) == Some(&0xBC)
                && bytes.get(i + 2).is_some_and(|c| (0x90..=0x99).contains(c)) =>
            {
                i += 2;
                bytes[i] - 0x90
            }
            // A percent escape in a link (`tel:8%20495%20...`) separates, like a blank.
            b'%' if bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit) =>
            {
                i += 3;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        i += 1;
        last[seen % RING] = d;
        seen += 1;
        let ends_here = |national: &[u8]| {
            let n = national.len();
            n > 0
                && n <= seen.min(RING)
                && national
                    .iter()
                    .rev()
                    .enumerate()
                    .all(|(j, &x)| last[(seen - 1 - j) % RING] == x)
        };
        if numbers.clone().any(|n| ends_here(n.national())) {
            return true;
        }
    }
    false
}

/// A link target written with `+` and plain separators (`+247-62889`, RFC
/// 3966): rewritten in its own form. Others (escaped, national) get E.164.
pub fn plain_link(target: &str) -> bool {
    target.starts_with('+') && !target.contains('%')
}

/// `tracking` as the swap writes it in place of a number written so:
/// E.164 where `e164` (a link that is not plain), else in the same form.
pub fn written(tracking: &PhoneNumber, template: &Template, e164: bool) -> String {
    if e164 {
        tracking.e164()
    } else {
        render(tracking, template)
    }
}

/// Replaces every number of `map` found in `text` with its tracking number,
/// written the way the original was (E.164 in links other than plain
/// `+` ones). Extensions and everything else stay as they are.
pub fn swap(text: &str, region: Option<Region>, map: &[(PhoneNumber, PhoneNumber)]) -> String {
    let found = Scanner::new(region, Mode::Valid)
        .only(map.iter().map(|(from, _)| *from))
        .scan(text);
    write_swapped(text, &found, map)
}

/// `text` with the numbers of `map` among `found` (its matches) rewritten.
pub fn write_swapped(text: &str, found: &[Found], map: &[(PhoneNumber, PhoneNumber)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut last = 0;
    for f in found {
        let Some(number) = f.number else { continue };
        let Some((_, tracking)) = map.iter().find(|(from, _)| *from == number) else {
            continue;
        };
        let Some(template) = &f.template else {
            continue;
        };
        out.push_str(text.part(last..f.start));
        out.push_str(&written(
            tracking,
            template,
            f.link && !plain_link(text.part(f.start..f.end)),
        ));
        last = f.number_end;
    }
    out.push_str(text.part(last..));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_prefilter_keeps_every_form_and_drops_other_digits() {
        let n: PhoneNumber = "+74951234567".parse().unwrap();
        for form in [
            "+7 (495) 123-45-67",
            "8 495 1234567",
            "tel:+74951234567",
            "(495) 123-45-67 доб. 12",
            "８（４９５）１２３４５６７",
            "Звоните: +7\u{a0}495\u{a0}123-45-67!",
        ] {
            assert!(may_contain(form, core::iter::once(n)), "{form}");
        }
        for other in [
            "ИНН 7707083893",
            "12.03.2024 14:45",
            "+7 (495) 123-45-68",
            "495 123 45",
        ] {
            assert!(!may_contain(other, core::iter::once(n)), "{other}");
        }
    }

    use super::*;

    #[test]
    fn label_lists_are_sorted_for_binary_search() {
        for list in [ID_LABELS, ID_BEFORE_NUMBER_WORD] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
            assert!(list.iter().all(|w| Word::of(w).as_str() == *w), "{list:?}");
        }
    }
}
#[cfg(test)]
mod extension_tests {
    use super::{Mode, Scanner};

    /// Found by the `scan` fuzz target: the digits of an extension were
    /// read again as the start of another number, which overlapped it.
    #[test]
    fn an_extension_is_not_read_again_as_a_number() {
        let t = "Tel 01\0\0\0\0\0\0\0\0\0\x0071 234 5678 int.20 794943 mmmmmmmmmmmmmmmm0958";
        for region in ["US", "RU", "FR"] {
            let r = region.parse().ok();
            for mode in [Mode::Valid, Mode::Discover] {
                let found = Scanner::new(r, mode).scan(t);
                for w in found.windows(2) {
                    assert!(w[0].end <= w[1].start, "{region} {mode:?}: {w:?} overlap");
                }
            }
        }
    }
}
