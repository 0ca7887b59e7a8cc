//! Phone numbers: E.164 values, parsing what people type, and written forms.
//!
//! A [`PhoneNumber`] is an E.164 number: a country calling code and a national
//! significant number, at most 15 digits in all, `Copy` and cheap to compare.
//! [`PhoneNumber::parse`] reads what people type, with an optional default
//! [`Region`] for numbers written without a country code:
//!
//! ```
//! use pool_core::number::{PhoneNumber, Region};
//! let ru = Region::RU;
//! let a = PhoneNumber::parse("8 (495) 123-45-67", Some(ru)).unwrap();
//! let b = PhoneNumber::parse("+7 495 123 45 67", None).unwrap();
//! assert_eq!(a, b);
//! assert_eq!(a.to_string(), "+74951234567");
//! ```
//!
//! A [`Template`] remembers how a number was written (its groups, separators,
//! brackets and whether it started with `+7`, `8` or nothing) so that another
//! number can be written the same way with [`render`]:
//!
//! ```
//! use pool_core::number::{parse_written, render, PhoneNumber, Region};
//! let w = parse_written("8 (495) 123-45-67", Some(Region::RU)).unwrap();
//! let tracking: PhoneNumber = "+74997654321".parse().unwrap();
//! assert_eq!(render(&tracking, &w.template), "8 (499) 765-43-21");
//! ```
//!
//! Country data is the numbering table of [`crate::numbering`] (every
//! region libphonenumber knows, with the `regions` feature; the regions
//! loaded at run time otherwise) plus the list of assigned country calling
//! codes, so any number written with `+` or `00` resolves.

pub use crate::numbering::Region;
use crate::numbering::{self, Plan};
use crate::text::Part;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

/// The most digits an E.164 number has.
pub const MAX_DIGITS: usize = 15;

/// Assigned two-digit country calling codes (ITU-T E.164 list).
const CC2: &[u16] = &[
    20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56,
    57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
];

/// Three-digit country codes start with one of these two-digit prefixes
/// (the zones whose two-digit codes are not all assigned).
const CC3_PREFIXES: &[u16] = &[
    21, 22, 23, 24, 25, 26, 29, 35, 37, 38, 42, 50, 59, 67, 68, 69, 80, 85, 87, 88, 96, 97, 99,
];

impl FromStr for Region {
    type Err = ParseError;
    /// Reads a two-letter code such as `RU` or `gb`. `ZZ` (unknown) is refused.
    fn from_str(s: &str) -> Result<Region, ParseError> {
        let b = s.trim().as_bytes();
        if b.len() != 2 || !b.iter().all(u8::is_ascii_alphabetic) {
            return Err(ParseError::UnknownRegion);
        }
        let r = Region::from_bytes([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]);
        if r == Region::ZZ {
            return Err(ParseError::UnknownRegion);
        }
        Ok(r)
    }
}

/// Why a string is not a phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// Nothing but blanks.
    Empty,
    /// A character that has no place in a phone number, at this byte offset.
    InvalidCharacter {
        /// The character.
        ch: char,
        /// Its byte offset in the input.
        at: usize,
    },
    /// `+` somewhere other than at the start.
    MisplacedPlus,
    /// Fewer digits than any number of that country has.
    TooShort,
    /// More digits than any number of that country has.
    TooLong,
    /// Written with `+` but no country has that calling code.
    UnknownCountryCode,
    /// Written without a country code, and no default region was given.
    NoRegion,
    /// A region code that is not two letters, or one without numbering data.
    UnknownRegion,
    /// The digits do not form a number of that country (a wrong leading digit, say).
    InvalidForRegion,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => f.write_str("empty phone number"),
            ParseError::InvalidCharacter { ch, at } => {
                write!(
                    f,
                    "character {ch:?} at byte {at} has no place in a phone number"
                )
            }
            ParseError::MisplacedPlus => f.write_str("'+' may only start a phone number"),
            ParseError::TooShort => f.write_str("too few digits for a phone number"),
            ParseError::TooLong => f.write_str("too many digits for a phone number"),
            ParseError::UnknownCountryCode => f.write_str("no country has this calling code"),
            ParseError::NoRegion => {
                f.write_str("a national number needs a default region or a country code")
            }
            ParseError::UnknownRegion => f.write_str("unknown or unsupported region"),
            ParseError::InvalidForRegion => {
                f.write_str("the digits do not form a valid number of this country")
            }
        }
    }
}

impl core::error::Error for ParseError {}

/// An E.164 phone number.
///
/// Invariant: `1 <= cc_len <= 3`, `cc_len < len <= 15`, every digit `0..=9`,
/// digits past `len` are zero (so derived comparisons are by value).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhoneNumber {
    digits: [u8; MAX_DIGITS],
    len: u8,
    cc_len: u8,
}

/// How the number's international part was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Prefix {
    /// `+7 495 ...`
    Plus,
    /// An international access code: `00 7 495 ...`, `011 1 ...`.
    Access(String),
    /// The country code without `+`: `7 495 ...`.
    Bare,
    /// The national trunk prefix: `8 495 ...`, `0 20 ...`.
    Trunk,
    /// The national significant number alone: `(495) 123-45-67`.
    National,
}

/// One character of a written form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Piece {
    /// A digit slot; `wide` when it was written as a full-width digit.
    Digit { wide: bool },
    /// Any other character, kept as written.
    Char(char),
}

/// How a number was written: digit slots among separators, and its prefix style.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Template {
    pieces: Vec<Piece>,
    prefix: Prefix,
    /// The country calling code of the original, to know when a national form fits.
    cc: u16,
    /// The trunk prefix as written (`8`, or `80` in Belarus), for [`Prefix::Trunk`].
    trunk: &'static str,
}

/// A number parsed from its written form, with that form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The number.
    pub number: PhoneNumber,
    /// How it was written.
    pub template: Template,
}

/// The value of an ASCII or full-width digit, and whether it was full-width.
#[inline(always)]
pub fn digit_value(c: char) -> Option<(u8, bool)> {
    match c {
        '0'..='9' => Some((c as u8 - b'0', false)),
        '\u{FF10}'..='\u{FF19}' => Some(((c as u32 - 0xFF10) as u8, true)),
        _ => None,
    }
}

/// `text` with every ASCII digit masked (`*`) but the first `front` and
/// the last `back`; everything else as it is. The one masking of numbers
/// in logs, reports and webhooks.
pub fn mask_digits(text: &str, front: usize, back: usize) -> String {
    let total = text.bytes().filter(u8::is_ascii_digit).count();
    let mut seen = 0;
    text.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen > front && seen + back <= total {
                    return '*';
                }
            }
            c
        })
        .collect()
}

/// Whether `text` holds `number` written out whole, in any of its forms:
/// its digits with the country code (`+7 916 123-45-67`, `79161234567`),
/// or its national digits alone or after a trunk `8` or `0`
/// (`8 (916) 123-45-67`, `01 23 45 67 89`), with spaces, the punctuation of
/// written numbers, `+` or percent escapes (`%2B7…`, a form's body) between
/// them; never as a part of a longer number. What erasure looks for in the
/// texts a site keeps (an SMS, an e-mail, an event's body).
///
/// ```
/// use pool_core::number::{written_in, PhoneNumber};
/// let n = PhoneNumber::parse("+79161234567", None).unwrap();
/// assert!(written_in("Missed call: 8 (916) 123-45-67 at 12:00", &n));
/// assert!(written_in("To=%2B79161234567&Body=x", &n));
/// assert!(written_in("{\"caller\":\"+79161234567\"}", &n));
/// assert!(!written_in("call +791612345678", &n), "a longer number is another");
/// assert!(!written_in("Order 4916123456701", &n));
/// // Listed beside others, each is read on its own.
/// assert!(written_in("+74951112233 +79161234567\n", &n));
/// assert!(written_in("+79161234567 8 495 111-22-33", &n));
/// // Its national digits inside another country's number are not it.
/// assert!(!written_in("+1 916 123-45-67", &n));
/// ```
pub fn written_in(text: &str, number: &PhoneNumber) -> bool {
    let national = number.national();
    let mut forms: Vec<Vec<u8>> = alloc::vec![number.digits().to_vec(), national.to_vec()];
    for trunk in [8u8, 0] {
        let mut f = alloc::vec![trunk];
        f.extend_from_slice(national);
        forms.push(f);
    }
    digits_written_in(text, &forms)
}

/// Whether `text` holds one of `forms` (digit sequences) written out whole,
/// as [`written_in`] reads them; for a caller id that is no valid number
/// (its digits with the country code are its only form).
pub fn digits_written_in(text: &str, forms: &[Vec<u8>]) -> bool {
    // Percent escapes decoded (a form's `%2B`, `%20`), `+` kept: a separator.
    let mut decoded = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let hex = |x: u8| (x as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                decoded.push(char::from((h * 16 + l) as u8));
                i += 3;
                continue;
            }
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        decoded.push(c);
        i += c.len_utf8();
    }
    let longest = forms.iter().map(Vec::len).max().unwrap_or(0);
    let chars: Vec<char> = decoded.chars().collect();
    let is_digit = |c: char| digit_value(c).is_some();
    // Where a written number may start: a digit with none before it,
    // across the punctuation of its own number (a `+` starts another).
    let starts = |p: usize| {
        let mut k = p;
        while k > 0 && is_separator(chars[k - 1]) {
            k -= 1;
        }
        k == 0 || !is_digit(chars[k - 1])
    };
    for start in 0..chars.len() {
        if !is_digit(chars[start]) || !starts(start) {
            continue;
        }
        // The digits from `start` on, separators between them: a form
        // read whole, with no digit right after its last, is the number.
        let mut digits: Vec<u8> = Vec::new();
        for k in start..chars.len() {
            let c = chars[k];
            if let Some((d, _)) = digit_value(c) {
                digits.push(d);
                let next = chars.get(k + 1).copied();
                if !next.is_some_and(is_digit) && forms.contains(&digits) {
                    return true;
                }
                if digits.len() >= longest {
                    break;
                }
            } else if !(is_separator(c) || c == '+') {
                break;
            }
        }
    }
    false
}

/// Characters that may separate the digits of a written number.
pub fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\u{00A0}' // no-break space
            | '\u{2007}' // figure space
            | '\u{2009}' // thin space
            | '\u{202F}' // narrow no-break space
            | '-'
            | '\u{2010}' // hyphen
            | '\u{2011}' // non-breaking hyphen
            | '\u{2012}' // figure dash
            | '\u{2013}' // en dash
            | '\u{2014}' // em dash
            | '\u{2212}' // minus sign
            | '.'
            | '/'
            | '('
            | ')'
            | '['
            | ']'
            // Full-width forms, as East Asian input methods type them.
            | '\u{3000}' // ideographic space
            | '\u{FF08}' // （
            | '\u{FF09}' // ）
            | '\u{FF0D}' // －
            | '\u{FF0E}' // ．
            | '\u{FF0F}' // ／
    )
}

/// The region of a national number of country code `cc`: the one whose
/// ranges hold it, else the first where it is possible, else the main one.
fn region_for_cc(cc: u16, nsn: &[u8]) -> Option<Plan> {
    let mut possible = None;
    let mut first = None;
    for plan in numbering::plans_for_cc(cc) {
        if plan.is_valid(nsn) {
            return Some(plan);
        }
        if possible.is_none() && plan.is_possible(nsn) {
            possible = Some(plan);
        }
        first.get_or_insert(plan);
    }
    possible.or(first)
}

fn cc_len_of(digits: &[u8]) -> Option<usize> {
    let d = |i: usize| digits.get(i).map(|&x| u16::from(x));
    let one = d(0)?;
    if one == 1 || one == 7 {
        return Some(1);
    }
    let two = one * 10 + d(1)?;
    if CC2.contains(&two) {
        return Some(2);
    }
    if CC3_PREFIXES.contains(&two) {
        d(2)?;
        return Some(3);
    }
    None
}

fn nsn_valid(plan: Plan, nsn: &[u8]) -> Result<(), ParseError> {
    let (min, max) = plan.lengths();
    if nsn.len() < min {
        return Err(ParseError::TooShort);
    }
    if nsn.len() > max {
        return Err(ParseError::TooLong);
    }
    if !plan.is_possible(nsn) {
        return Err(ParseError::InvalidForRegion);
    }
    Ok(())
}

impl PhoneNumber {
    /// Builds a number from its country calling code length and all its digits
    /// (each `0..=9`), checking it against the country's numbering data.
    pub fn from_digits(digits: &[u8], cc_len: usize) -> Result<PhoneNumber, ParseError> {
        if digits.iter().any(|&d| d > 9) {
            return Err(ParseError::InvalidForRegion);
        }
        if cc_len == 0 || cc_len > 3 || digits.len() <= cc_len {
            return Err(ParseError::TooShort);
        }
        if digits.len() > MAX_DIGITS {
            return Err(ParseError::TooLong);
        }
        if cc_len_of(digits) != Some(cc_len) {
            return Err(ParseError::UnknownCountryCode);
        }
        let cc = digits[..cc_len]
            .iter()
            .fold(0u16, |a, &d| a * 10 + u16::from(d));
        let nsn = &digits[cc_len..];
        match region_for_cc(cc, nsn) {
            Some(info) => nsn_valid(info, nsn)?,
            None => {
                // Unknown numbering plan: E.164 bounds only.
                if nsn.len() < 4 {
                    return Err(ParseError::TooShort);
                }
            }
        }
        let mut out = [0u8; MAX_DIGITS];
        out[..digits.len()].copy_from_slice(digits);
        Ok(PhoneNumber {
            digits: out,
            len: digits.len() as u8,
            cc_len: cc_len as u8,
        })
    }

    /// Parses what a person typed. Numbers written with `+` (or an
    /// international access code such as `00`) need no region; national forms
    /// (`8 (495) ...`, `(555) 201-0000`, `020 7946 0018`) need `region`.
    ///
    /// Digits may be separated by spaces (also no-break and thin), dots,
    /// hyphens and dashes, slashes and brackets; full-width digits count as
    /// digits; a leading `tel:` is allowed. Anything else is an error.
    pub fn parse(input: &str, region: Option<Region>) -> Result<PhoneNumber, ParseError> {
        parse_written(input, region).map(|w| w.number)
    }

    /// The country calling code.
    pub fn country_code(&self) -> u16 {
        self.digits[..usize::from(self.cc_len)]
            .iter()
            .fold(0u16, |a, &d| a * 10 + u16::from(d))
    }

    /// All digits, country code first (each `0..=9`).
    pub fn digits(&self) -> &[u8] {
        &self.digits[..usize::from(self.len)]
    }

    /// The national significant number's digits (each `0..=9`).
    pub fn national(&self) -> &[u8] {
        &self.digits[usize::from(self.cc_len)..usize::from(self.len)]
    }

    /// The region with numbering data this number belongs to, if any.
    pub fn region(&self) -> Option<Region> {
        region_for_cc(self.country_code(), self.national()).map(|p| p.region())
    }

    /// Whether the number is in a range its country has assigned (by the
    /// numbering table); `true` when this build has no table for the country.
    pub fn is_valid(&self) -> bool {
        self.plan().is_none_or(|p| p.is_valid(self.national()))
    }

    /// The numbering plan of the number's region, when this build has it.
    pub fn plan(&self) -> Option<Plan> {
        region_for_cc(self.country_code(), self.national())
    }

    /// E.164, `+74951234567`, without going through `core::fmt` (the page
    /// script ships no formatting machinery).
    pub fn e164(&self) -> String {
        let mut s = String::with_capacity(MAX_DIGITS + 1);
        s.push('+');
        s.extend(self.digits().iter().map(|&d| char::from(b'0' + d)));
        s
    }

    /// The number with its last `visible` digits shown and the rest masked:
    /// `+7******4567`. For logs and reports that must not show callers.
    pub fn masked(&self, visible: usize) -> String {
        mask_digits(&self.e164(), usize::from(self.cc_len), visible)
    }
}

impl fmt::Display for PhoneNumber {
    /// E.164: `+74951234567`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; MAX_DIGITS + 1];
        buf[0] = b'+';
        for (i, d) in self.digits().iter().enumerate() {
            buf[i + 1] = b'0' + d;
        }
        // Only ASCII was written.
        f.write_str(core::str::from_utf8(&buf[..self.digits().len() + 1]).unwrap_or("+"))
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({self})")
    }
}

impl FromStr for PhoneNumber {
    type Err = ParseError;
    /// Parses a number written with its country code (`+7 495 123-45-67`,
    /// `+74951234567`).
    fn from_str(s: &str) -> Result<PhoneNumber, ParseError> {
        PhoneNumber::parse(s, None)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for PhoneNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for PhoneNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PhoneNumber, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Region {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Region {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Region, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Parses a written number and remembers how it was written.
///
/// See [`PhoneNumber::parse`] for what is accepted.
pub fn parse_written(input: &str, region: Option<Region>) -> Result<Written, ParseError> {
    let mut body = input.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    let mut pieces = Vec::with_capacity(body.len());
    if body.len() >= 4 && body.as_bytes()[..4].eq_ignore_ascii_case(b"tel:") {
        pieces.extend(body.part(..4).chars().map(Piece::Char));
        body = body.part(4..);
    }
    let offset = input.len() - input.trim_start().len();
    let mut digits: Vec<u8> = Vec::with_capacity(MAX_DIGITS + 4);
    let mut plus = false;
    for (at, c) in body.char_indices() {
        if let Some((d, wide)) = digit_value(c) {
            if digits.len() > MAX_DIGITS + 3 {
                return Err(ParseError::TooLong);
            }
            digits.push(d);
            pieces.push(Piece::Digit { wide });
        } else if c == '+' || c == '\u{FF0B}' {
            if plus || !digits.is_empty() {
                return Err(ParseError::MisplacedPlus);
            }
            plus = true;
            pieces.push(Piece::Char(c));
        } else if is_separator(c) {
            pieces.push(Piece::Char(c));
        } else {
            return Err(ParseError::InvalidCharacter {
                ch: c,
                at: at + offset,
            });
        }
    }
    if digits.is_empty() {
        return Err(ParseError::Empty);
    }
    if plus {
        drop_bracketed_trunk(&mut digits, &mut pieces);
    }
    // A region without numbering data here still reads `+` and `00` numbers.
    let info = region.and_then(|r| r.info());
    let mut trunk = "";
    let (number, prefix) = if plus {
        (international(&digits)?, Prefix::Plus)
    } else if let Some(access) = info.and_then(|i| access_code(i, &digits)) {
        let n = international(&digits[access.len()..])?;
        (n, Prefix::Access(String::from(access)))
    } else if let Some(info) = info {
        let (n, p, t) = national(info, &digits)?;
        trunk = t;
        (n, p)
    } else if let Some(access) = ["00"].into_iter().find(|a| starts_with(&digits, a)) {
        let n = international(&digits[access.len()..])?;
        (n, Prefix::Access(String::from(access)))
    } else if region.is_some() {
        return Err(ParseError::UnknownRegion);
    } else {
        return Err(ParseError::NoRegion);
    };
    let cc = number.country_code();
    Ok(Written {
        number,
        template: Template {
            pieces,
            prefix,
            cc,
            trunk,
        },
    })
}

/// `+44 (0)20 ...`: a lone `(0)` after the country code is the trunk prefix,
/// written for people dialling at home; it is not part of the number. Its
/// digit stays in the template as a literal.
fn drop_bracketed_trunk(digits: &mut Vec<u8>, pieces: &mut [Piece]) {
    let Some(cc_len) = cc_len_of(digits) else {
        return;
    };
    let mut seen = 0;
    for i in 0..pieces.len() {
        if let Piece::Digit { .. } = pieces[i] {
            if seen == cc_len {
                let open = i > 0 && matches!(pieces[i - 1], Piece::Char('(' | '\u{FF08}'));
                let close = matches!(pieces.get(i + 1), Some(Piece::Char(')' | '\u{FF09}')));
                if open && close && digits[seen] == 0 {
                    pieces[i] = Piece::Char('0');
                    digits.remove(seen);
                }
                return;
            }
            seen += 1;
        }
    }
}

fn starts_with(digits: &[u8], code: &str) -> bool {
    code.len() <= digits.len() && code.bytes().zip(digits).all(|(c, &d)| c - b'0' == d)
}

fn access_code(plan: Plan, digits: &[u8]) -> Option<&'static str> {
    // An access code only counts when an international number follows it;
    // `00` is read in every region.
    plan.access_codes()
        .chain(["00"])
        .find(|a| starts_with(digits, a) && digits.len() >= a.len() + 8)
}

fn international(digits: &[u8]) -> Result<PhoneNumber, ParseError> {
    if digits.len() < 5 {
        return Err(ParseError::TooShort);
    }
    if digits.len() > MAX_DIGITS {
        return Err(ParseError::TooLong);
    }
    let cc_len = cc_len_of(digits).ok_or(ParseError::UnknownCountryCode)?;
    PhoneNumber::from_digits(digits, cc_len)
}

fn cc_digits(cc: u16) -> ([u8; 3], usize) {
    let n = 1 + usize::from(cc >= 10) + usize::from(cc >= 100);
    let mut out = [0u8; 3];
    let mut c = cc;
    for d in out[..n].iter_mut().rev() {
        *d = (c % 10) as u8;
        c /= 10;
    }
    (out, n)
}

fn with_cc(plan: Plan, nsn: &[u8]) -> Result<PhoneNumber, ParseError> {
    let (cc, n) = cc_digits(plan.cc());
    let mut all: Vec<u8> = Vec::with_capacity(MAX_DIGITS);
    all.extend_from_slice(&cc[..n]);
    all.extend_from_slice(nsn);
    if all.len() > MAX_DIGITS {
        return Err(ParseError::TooLong);
    }
    PhoneNumber::from_digits(&all, n)
}

/// A national form: the trunk prefix and the number (`8 495 ...`, `0 20
/// ...`, `80 17 ...`), the number alone, or the country code without `+`
/// (`7 495 ...`). A reading whose number is in the table's ranges wins over
/// one that is merely possible.
fn national(plan: Plan, digits: &[u8]) -> Result<(PhoneNumber, Prefix, &'static str), ParseError> {
    let (cc, n) = cc_digits(plan.cc());
    // Each reading: digits skipped, trunk written (none for the number
    // alone, `None` for the country code without `+`); a valid one wins.
    let mut best: Option<(usize, Option<&'static str>, bool)> = None;
    let mut consider = |skip: usize, trunk: Option<&'static str>| {
        let nsn = &digits[skip..];
        if matches!(best, Some((_, _, true))) || nsn.is_empty() || nsn_valid(plan, nsn).is_err() {
            return;
        }
        let valid = plan.is_valid(nsn);
        if best.is_none() || valid {
            best = Some((skip, trunk, valid));
        }
    };
    for t in plan.trunks() {
        if starts_with(digits, t) {
            consider(t.len(), Some(t));
        }
    }
    consider(0, Some(""));
    if digits.len() > n && digits[..n] == cc[..n] {
        consider(n, None);
    }
    if let Some((skip, trunk, _)) = best {
        let prefix = match trunk {
            None => Prefix::Bare,
            Some("") => Prefix::National,
            Some(_) => Prefix::Trunk,
        };
        return Ok((with_cc(plan, &digits[skip..])?, prefix, trunk.unwrap_or("")));
    }
    // Say why, judged on the digits as written.
    let (min, max) = plan.lengths();
    let len = digits.len();
    let trunk_len = plan.trunks().map(str::len).max().unwrap_or(0);
    if len < min {
        Err(ParseError::TooShort)
    } else if len > max + trunk_len.max(n) {
        Err(ParseError::TooLong)
    } else {
        Err(ParseError::InvalidForRegion)
    }
}

impl Template {
    /// How many digit slots the written form has.
    pub fn digit_count(&self) -> usize {
        self.pieces
            .iter()
            .filter(|p| matches!(p, Piece::Digit { .. }))
            .count()
    }

    /// The prefix style of the written form.
    pub fn prefix(&self) -> &Prefix {
        &self.prefix
    }
}

/// Writes `number` the way the template's original was written: same groups,
/// separators and brackets, same `+7` / `8` / bare style.
///
/// When the number has another length than the original (a 9-digit and a
/// 10-digit UK number, say), the last group grows or shrinks; when it is of
/// another country, national styles give way to `+` and the country code.
pub fn render(number: &PhoneNumber, template: &Template) -> String {
    let same_country = number.country_code() == template.cc;
    let info = number.region().and_then(|r| r.info());
    let mut digits: Vec<u8> = Vec::with_capacity(MAX_DIGITS + 3);
    let mut prefix = template.prefix.clone();
    if !same_country && matches!(prefix, Prefix::Trunk | Prefix::National | Prefix::Bare) {
        prefix = Prefix::Plus;
    }
    let mut pieces: Vec<Piece> = template.pieces.clone();
    match &prefix {
        Prefix::Plus | Prefix::Bare => digits.extend_from_slice(number.digits()),
        Prefix::Access(a) => {
            digits.extend(a.bytes().map(|b| b - b'0'));
            digits.extend_from_slice(number.digits());
        }
        Prefix::Trunk => {
            let written = Some(template.trunk).filter(|t| !t.is_empty() && same_country);
            if let Some(t) = written.or_else(|| info.and_then(|i| i.trunks().next())) {
                digits.extend(t.bytes().map(|b| b - b'0'));
            }
            digits.extend_from_slice(number.national());
        }
        Prefix::National => digits.extend_from_slice(number.national()),
    }
    if prefix == Prefix::Plus && template.prefix != Prefix::Plus {
        // A national original written for another country: put `+` before the first digit.
        if let Some(i) = pieces.iter().position(|p| matches!(p, Piece::Digit { .. })) {
            pieces.insert(i, Piece::Char('+'));
        }
    }
    fit_slots(&mut pieces, digits.len());
    let mut out = String::with_capacity(pieces.len() + 4);
    let mut next = digits.iter();
    for p in &pieces {
        match p {
            Piece::Char(c) => out.push(*c),
            Piece::Digit { wide } => {
                let d = next.next().copied().unwrap_or(0);
                if *wide {
                    out.push(char::from_u32(0xFF10 + u32::from(d)).unwrap_or('0'));
                } else {
                    out.push(char::from(b'0' + d));
                }
            }
        }
    }
    out
}

/// Grows or shrinks the digit slots of `pieces` to `want`, at the last group.
fn fit_slots(pieces: &mut Vec<Piece>, want: usize) {
    let have = pieces
        .iter()
        .filter(|p| matches!(p, Piece::Digit { .. }))
        .count();
    if want > have {
        let last = pieces
            .iter()
            .rposition(|p| matches!(p, Piece::Digit { .. }))
            .unwrap_or(pieces.len().saturating_sub(1));
        let wide = matches!(pieces.get(last), Some(Piece::Digit { wide: true }));
        for _ in have..want {
            pieces.insert(last + 1, Piece::Digit { wide });
        }
    } else {
        for _ in want..have {
            if let Some(i) = pieces
                .iter()
                .rposition(|p| matches!(p, Piece::Digit { .. }))
            {
                pieces.remove(i);
                // A group left empty takes its separator with it.
                let group_empty = i == 0 || !matches!(pieces.get(i - 1), Some(Piece::Digit { .. }));
                let next_is_digit = matches!(pieces.get(i), Some(Piece::Digit { .. }));
                if group_empty && !next_is_digit && i > 0 {
                    if let Some(Piece::Char(c)) = pieces.get(i - 1) {
                        if is_separator(*c) && !matches!(c, '(' | ')' | '\u{FF08}' | '\u{FF09}') {
                            pieces.remove(i - 1);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn p(s: &str, r: Option<Region>) -> Result<String, ParseError> {
        PhoneNumber::parse(s, r).map(|n| n.to_string())
    }

    #[test]
    fn parses_issue_examples() {
        let ru = Some(Region::RU);
        assert_eq!(p("+7 (495) 123-45-67", ru).unwrap(), "+74951234567");
        assert_eq!(p("8 (495) 123-45-67", ru).unwrap(), "+74951234567");
        assert_eq!(p("7 495 1234567", ru).unwrap(), "+74951234567");
        assert_eq!(p("8 800 555-35-35", ru).unwrap(), "+78005553535");
        assert_eq!(p("+7 916 123-45-67", None).unwrap(), "+79161234567");
        let us = Some(Region::US);
        assert_eq!(p("(555) 201-0000", us).unwrap(), "+15552010000");
        assert_eq!(p("1-555-201-0000", us).unwrap(), "+15552010000");
        assert_eq!(p("555.201.0000", us).unwrap(), "+15552010000");
        assert_eq!(p("+1 800 555 0199", None).unwrap(), "+18005550199");
        let gb = Some(Region::GB);
        assert_eq!(p("020 7946 0018", gb).unwrap(), "+442079460018");
        assert_eq!(p("+44 (0)20 7946 0018", None).unwrap(), "+442079460018");
        assert_eq!(p("+44 (0) 7700 900123", None).unwrap(), "+447700900123");
        assert_eq!(p("+44 020 7946 0018", None), Err(ParseError::TooLong));
        assert_eq!(p("07700 900123", gb).unwrap(), "+447700900123");
        let de = Some(Region::DE);
        assert_eq!(p("030 12345678", de).unwrap(), "+493012345678");
        assert_eq!(p("+49 30 12345678", None).unwrap(), "+493012345678");
        let fr = Some(Region::FR);
        assert_eq!(p("01 23 45 67 89", fr).unwrap(), "+33123456789");
        assert_eq!(p("+33 1 23 45 67 89", None).unwrap(), "+33123456789");
    }

    #[test]
    fn international_access_codes() {
        assert_eq!(
            p("00 49 30 12345678", Some(Region::FR)).unwrap(),
            "+493012345678"
        );
        assert_eq!(
            p("011 44 20 7946 0018", Some(Region::US)).unwrap(),
            "+442079460018"
        );
        assert_eq!(
            p("8 10 49 30 12345678", Some(Region::RU)).unwrap(),
            "+493012345678"
        );
        assert_eq!(p("0049 30 12345678", None).unwrap(), "+493012345678");
    }

    #[test]
    fn separators_and_unicode() {
        let ru = Some(Region::RU);
        assert_eq!(
            p("8\u{00A0}495\u{2009}123\u{2011}45\u{2013}67", ru).unwrap(),
            "+74951234567"
        );
        assert_eq!(
            p("＋７ ４９５ １２３ ４５ ６７", None).unwrap(),
            "+74951234567"
        );
        assert_eq!(p("tel:+74951234567", None).unwrap(), "+74951234567");
        assert_eq!(p("  +7/495/123.45.67 ", None).unwrap(), "+74951234567");
    }

    #[test]
    fn errors_say_why() {
        assert_eq!(p("", None), Err(ParseError::Empty));
        assert_eq!(p("  - ", None), Err(ParseError::Empty));
        assert_eq!(
            p("+7 495 abc", None),
            Err(ParseError::InvalidCharacter { ch: 'a', at: 7 })
        );
        assert_eq!(p("7+495", None), Err(ParseError::MisplacedPlus));
        assert_eq!(p("++7495", None), Err(ParseError::MisplacedPlus));
        assert_eq!(p("+7 495 123", None), Err(ParseError::TooShort));
        assert_eq!(
            p("+7 495 123 45 67 8", None),
            Err(ParseError::InvalidForRegion)
        );
        assert_eq!(p("+7 495 123 45 67 89012", None), Err(ParseError::TooLong));
        assert_eq!(p("+1234567890123456789", None), Err(ParseError::TooLong));
        assert_eq!(
            p("+0 495 1234567", None),
            Err(ParseError::UnknownCountryCode)
        );
        assert_eq!(p("495 123 45 67", None), Err(ParseError::NoRegion));
        assert_eq!(
            p("(155) 201-0000", Some(Region::US)),
            Err(ParseError::InvalidForRegion)
        );
        // Possible (a US length and leading digit), not valid: no exchange starts with 1.
        let n = PhoneNumber::parse("(555) 101-0000", Some(Region::US)).unwrap();
        assert!(!n.is_valid());
        assert!(PhoneNumber::parse("(415) 201-0000", Some(Region::US))
            .unwrap()
            .is_valid());
        assert_eq!(p("123", Some(Region::RU)), Err(ParseError::TooShort));
        assert_eq!(
            p("+7 195 123 45 67", None),
            Err(ParseError::InvalidForRegion)
        );
        assert!(ParseError::NoRegion.to_string().contains("region"));
        assert_eq!("xx1".parse::<Region>(), Err(ParseError::UnknownRegion));
        assert_eq!("zz".parse::<Region>(), Err(ParseError::UnknownRegion));
        assert_eq!(
            p("495 123 45 67", Some("AQ".parse().unwrap())),
            Err(ParseError::UnknownRegion)
        );
    }

    #[test]
    fn other_countries_with_plus() {
        assert_eq!(p("+39 06 1234 5678", None).unwrap(), "+390612345678");
        assert_eq!(p("+380 44 123 4567", None).unwrap(), "+380441234567");
        assert_eq!(p("+86 10 1234 5678", None).unwrap(), "+861012345678");
        let n: PhoneNumber = "+380441234567".parse().unwrap();
        assert_eq!(n.country_code(), 380);
        assert_eq!(n.region(), Some("UA".parse().unwrap()));
        assert_eq!(
            p("044 123 4567", Some("UA".parse().unwrap())).unwrap(),
            "+380441234567"
        );
        assert_eq!(
            p("8 017 123-45-67", Some("BY".parse().unwrap())).unwrap(),
            "+375171234567"
        );
    }

    #[test]
    fn accessors() {
        let n: PhoneNumber = "+74951234567".parse().unwrap();
        assert_eq!(n.country_code(), 7);
        assert_eq!(n.national(), &[4, 9, 5, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(n.region(), Some(Region::RU));
        assert_eq!(n.masked(4), "+7******4567");
        assert_eq!(mask_digits("+44 20 7946 0958", 2, 4), "+44 ** **** 0958");
        assert_eq!(mask_digits("101", 1, 4), "101");
        let kz: PhoneNumber = "+77012345678".parse().unwrap();
        assert_eq!(kz.region(), Some(Region::KZ));
        assert_eq!(format!("{:?}", n), "PhoneNumber(+74951234567)");
        assert!(Region::RU.is_supported());
        assert_eq!(Region::GB.country_code(), Some(44));
        assert!(Region::supported().count() > 240);
    }

    fn rewrite(orig: &str, region: Region, tracking: &str) -> String {
        let w = parse_written(orig, Some(region)).unwrap();
        render(&tracking.parse().unwrap(), &w.template)
    }

    #[test]
    fn renders_in_the_original_form() {
        let (ru, us, gb, fr) = (Region::RU, Region::US, Region::GB, Region::FR);
        // (region, written, tracking number, the tracking number written so)
        for (region, written, tracking, want) in [
            (
                ru,
                "+7 (495) 123-45-67",
                "+74997654321",
                "+7 (499) 765-43-21",
            ),
            (ru, "8 (495) 123-45-67", "+74997654321", "8 (499) 765-43-21"),
            (ru, "8 495 1234567", "+74997654321", "8 499 7654321"),
            (ru, "7 495 123 45 67", "+74997654321", "7 499 765 43 21"),
            (ru, "(495) 123-45-67", "+74997654321", "(499) 765-43-21"),
            (ru, "tel:+74951234567", "+74997654321", "tel:+74997654321"),
            (
                ru,
                "8\u{00A0}495\u{00A0}123\u{2011}45\u{2011}67",
                "+74997654321",
                "8\u{00A0}499\u{00A0}765\u{2011}43\u{2011}21",
            ),
            (
                ru,
                "＋７ ４９５ １２３ ４５ ６７",
                "+74997654321",
                "＋７ ４９９ ７６５ ４３ ２１",
            ),
            (
                gb,
                "+44 (0)20 7946 0018",
                "+442079460999",
                "+44 (0)20 7946 0999",
            ),
            (us, "(555) 201-0000", "+15559876543", "(555) 987-6543"),
            (us, "1-555-201-0000", "+15559876543", "1-555-987-6543"),
            (us, "555.201.0000", "+15559876543", "555.987.6543"),
            (fr, "01 23 45 67 89", "+33198765432", "01 98 76 54 32"),
            (
                fr,
                "00 33 1 23 45 67 89",
                "+33198765432",
                "00 33 1 98 76 54 32",
            ),
        ] {
            assert_eq!(rewrite(written, region, tracking), want, "{written}");
        }
    }

    #[test]
    fn renders_other_lengths_and_countries() {
        // A 10-digit UK number in the form of a 9-digit one: the last group grows.
        assert_eq!(
            rewrite("016977 2345", Region::GB, "+442079460018"),
            "020794 60018"
        );
        // Shorter: the last group shrinks, an emptied group takes its separator.
        assert_eq!(
            rewrite("030 1234 5678", Region::DE, "+4930123456"),
            "030 1234 56"
        );
        assert_eq!(rewrite("030 12345 6", Region::DE, "+49301234"), "030 1234");
        // A national form cannot hold a number of another country.
        assert_eq!(
            rewrite("8 (495) 123-45-67", Region::RU, "+15552010000"),
            "+1 (555) 201-00-00"
        );
    }
}
