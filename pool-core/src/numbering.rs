//! Numbering plans as data: one line of text per region, generated from
//! libphonenumber's published metadata by `swap-wasm/examples/numbering.rs`
//! into `data/numbering.txt` (libphonenumber's metadata is Apache-2.0; the
//! file's first line names the version).
//!
//! A line holds space-separated fields:
//!
//! ```text
//! UA 380 0 00 t 9:31-9,41,50-7;9a:8001-8 9a:9002-3
//! ```
//!
//! 1. the region (ISO 3166-1 alpha-2);
//! 2. the country calling code;
//! 3. the trunk prefixes dialled before a national number, the one people
//!    write first (`8,80` in Belarus), or `-`;
//! 4. the international access codes (`810`, `00`), or `-`;
//! 5. flags: `t` when the national form is written with its trunk prefix
//!    (`020 7946 0018`, never `20 7946 0018`), then after `!` the leading
//!    digits and lengths written without it (`t!800:9,1800:a`); `m` for the
//!    main region of a shared country code; `-` for none;
//! 6. the valid ranges: groups `lengths:prefixes` joined by `;`, where the
//!    lengths are characters (`1`-`9`, then `a` = 10 up to `h` = 17) and each
//!    prefix is digits, its last one possibly a range (`66-8` is 66, 67 and
//!    68); a national significant number is valid when some group allows its
//!    length and some prefix of that group starts it;
//! 7. optionally, the premium-rate ranges, in the same form.
//!
//! Native builds with the `regions` feature embed every region. The page
//! script embeds none: it registers its site's region with [`load`], from a
//! [`coarse`] line (prefixes cut to their first digit) that the edge sends
//! with the site's settings, so the wasm does not grow with the regions.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use once_cell::race::OnceBox;

/// A region (ISO 3166-1 alpha-2 code, upper case) for national numbers:
/// what a numbering plan is for. (`number::Region` is this one.)
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Region([u8; 2]);

impl Region {
    /// Russia.
    pub const RU: Region = Region(*b"RU");
    /// Kazakhstan (shares +7 with Russia).
    pub const KZ: Region = Region(*b"KZ");
    /// United States.
    pub const US: Region = Region(*b"US");
    /// Canada.
    pub const CA: Region = Region(*b"CA");
    /// United Kingdom.
    pub const GB: Region = Region(*b"GB");
    /// Germany.
    pub const DE: Region = Region(*b"DE");
    /// France.
    pub const FR: Region = Region(*b"FR");
    /// Unknown.
    pub(crate) const ZZ: Region = Region(*b"ZZ");

    pub(crate) fn from_bytes(b: [u8; 2]) -> Region {
        Region(b)
    }

    /// The two-letter code.
    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII upper-case letters.
        core::str::from_utf8(&self.0).unwrap_or("ZZ")
    }

    /// Whether this build has numbering data for national numbers of this region.
    pub fn is_supported(&self) -> bool {
        self.info().is_some()
    }

    /// The country calling code, for supported regions.
    pub fn country_code(&self) -> Option<u16> {
        self.info().map(|i| i.cc())
    }

    /// Every region with national numbering data.
    pub fn supported() -> impl Iterator<Item = Region> {
        plans().map(|p| p.region())
    }

    /// The region's numbering plan, when this build has it.
    pub fn plan(&self) -> Option<Plan> {
        plan(*self)
    }

    pub(crate) fn info(&self) -> Option<Plan> {
        plan(*self)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Region({})", self.as_str())
    }
}

#[cfg(feature = "regions")]
const DATA: &str = include_str!("../data/numbering.txt");

/// One region's numbering plan: a line of the table (and, for the embedded
/// table, its ranges read once into arrays: the command and the edge test
/// every candidate against them).
#[derive(Clone, Copy)]
pub struct Plan {
    line: &'static str,
    #[cfg(feature = "regions")]
    fast: Option<&'static Fast>,
}

impl PartialEq for Plan {
    fn eq(&self, other: &Plan) -> bool {
        self.line == other.line
    }
}

impl Eq for Plan {}

/// A plan's valid ranges as arrays.
#[cfg(feature = "regions")]
struct Fast {
    /// Lengths (bit masks) by first digit: what a possible number has.
    first: [u32; 10],
    lengths: (usize, usize),
    /// The prefixes, by their first digit (an empty prefix in each).
    by_first: [Vec<Entry>; 10],
}

#[cfg(feature = "regions")]
struct Entry {
    /// The prefix's digits (values), its last one the low end of a range.
    digits: [u8; 12],
    len: u8,
    /// The high end of the last digit's range.
    hi: u8,
    lengths: u32,
}

#[cfg(feature = "regions")]
impl Fast {
    fn of(ranges: &str) -> Fast {
        let mut fast = Fast {
            first: [0; 10],
            lengths: (usize::MAX, 0),
            by_first: Default::default(),
        };
        for group in ranges.split(';') {
            let (lens, items) = group.split_once(':').unwrap_or(("", ""));
            let mask = lens.bytes().fold(0u32, |m, c| m | (1 << length_of(c)));
            for c in lens.bytes() {
                fast.lengths.0 = fast.lengths.0.min(length_of(c));
                fast.lengths.1 = fast.lengths.1.max(length_of(c));
            }
            for item in items.split(',') {
                let (p, hi) = item.split_once('-').unwrap_or((item, ""));
                let p: Vec<u8> = p.bytes().map(|c| c.wrapping_sub(b'0')).take(12).collect();
                let Some(&last) = p.last() else {
                    for k in 0..10 {
                        fast.first[k] |= mask;
                        fast.by_first[k].push(Entry {
                            digits: [0; 12],
                            len: 0,
                            hi: 0,
                            lengths: mask,
                        });
                    }
                    continue;
                };
                let hi = hi
                    .bytes()
                    .next()
                    .map_or(last, |c| c.wrapping_sub(b'0'))
                    .min(9);
                let mut digits = [0u8; 12];
                digits[..p.len()].copy_from_slice(&p);
                let entry = || Entry {
                    digits,
                    len: p.len() as u8,
                    hi,
                    lengths: mask,
                };
                if p.len() == 1 {
                    for d in last..=hi {
                        fast.first[usize::from(d)] |= mask;
                        fast.by_first[usize::from(d)].push(entry());
                    }
                } else if let Some(bucket) = fast.by_first.get_mut(usize::from(p[0])) {
                    fast.first[usize::from(p[0])] |= mask;
                    bucket.push(entry());
                }
            }
        }
        fast.lengths.0 = fast.lengths.0.min(fast.lengths.1);
        fast
    }

    fn is_valid(&self, nsn: &[u8]) -> bool {
        let Some(&d0) = nsn.first() else { return false };
        let bit = 1u32.checked_shl(nsn.len() as u32).unwrap_or(0);
        self.by_first[usize::from(d0.min(9))].iter().any(|e| {
            let n = usize::from(e.len);
            e.lengths & bit != 0
                && (n == 0
                    || (n <= nsn.len()
                        && e.digits[..n - 1] == nsn[..n - 1]
                        && (e.digits[n - 1]..=e.hi).contains(&nsn[n - 1])))
        })
    }

    fn is_possible(&self, nsn: &[u8]) -> bool {
        let bit = 1u32.checked_shl(nsn.len() as u32).unwrap_or(0);
        nsn.first()
            .is_some_and(|&d| self.first[usize::from(d.min(9))] & bit != 0)
    }
}

/// Why a numbering line was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError(&'static str);

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "numbering line: {}", self.0)
    }
}

impl core::error::Error for PlanError {}

// Written as plain byte loops: this runs in the page script, where the
// iterator adapters of the obvious version cost kilobytes of wasm.

fn field(line: &str, n: usize) -> &str {
    line.split(' ').nth(n).unwrap_or("")
}

fn list(f: &str) -> impl Iterator<Item = &str> {
    f.split(',').filter(|s| !s.is_empty() && *s != "-")
}

/// The length a character of a length set stands for.
fn length_of(c: u8) -> usize {
    match c {
        b'1'..=b'9' => usize::from(c - b'0'),
        b'a'..=b'h' => usize::from(c - b'a') + 10,
        _ => 0,
    }
}

/// Whether one prefix (`p`, its last digit up to `hi`) starts `nsn`;
/// `first_only` compares the first digit alone.
fn starts(p: &[u8], hi: Option<u8>, nsn: &[u8], first_only: bool) -> bool {
    let Some(&first) = p.first() else {
        return true;
    };
    let (head, lo, hi) = if first_only && p.len() > 1 {
        (&p[..0], first, first)
    } else {
        let lo = p[p.len() - 1];
        (&p[..p.len() - 1], lo, hi.unwrap_or(lo))
    };
    head.len() < nsn.len()
        && head.iter().zip(nsn).all(|(&c, &d)| c == b'0' + d)
        && (lo..=hi).contains(&(b'0' + nsn[head.len()]))
}

/// Whether `nsn` is in the ranges; `first_only` compares only the first
/// digit of each prefix (a possible number, not a valid one).
fn in_ranges(ranges: &str, nsn: &[u8], first_only: bool) -> bool {
    let b = ranges.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let mut length_ok = false;
        while i < b.len() && b[i] != b':' {
            length_ok |= length_of(b[i]) == nsn.len();
            i += 1;
        }
        i += 1;
        if !length_ok {
            // Not this group's length: on to the next group.
            i += b
                .get(i..)
                .map_or(0, |r| r.iter().position(|&c| c == b';').unwrap_or(r.len()));
            i += 1;
            continue;
        }
        loop {
            let from = i.min(b.len());
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let p = &b[from..i.min(b.len())];
            let mut hi = None;
            if i < b.len() && b[i] == b'-' {
                hi = b.get(i + 1).copied();
                i += 2;
            }
            if starts(p, hi, nsn, first_only) {
                return true;
            }
            let end = i >= b.len() || b[i] == b';';
            i += 1;
            if end {
                break;
            }
        }
    }
    false
}

impl Plan {
    /// The region.
    pub fn region(&self) -> Region {
        match self.line.as_bytes() {
            [a, b, ..] => Region::from_bytes([*a, *b]),
            _ => Region::ZZ,
        }
    }

    /// The country calling code.
    pub fn cc(&self) -> u16 {
        field(self.line, 1).bytes().fold(0u16, |a, c| {
            a.wrapping_mul(10)
                .wrapping_add(u16::from(c.wrapping_sub(b'0')))
        })
    }

    /// Trunk prefixes, the one people write first.
    pub fn trunks(&self) -> impl Iterator<Item = &'static str> {
        list(field(self.line, 2))
    }

    /// International access codes.
    pub fn access_codes(&self) -> impl Iterator<Item = &'static str> {
        list(field(self.line, 3))
    }

    /// Whether the national number `nsn` is always written with the trunk
    /// prefix (`020 7946 0018`, never `20 7946 0018`): the region's flag,
    /// less the leading digits written without it (`800 123456` in the UAE).
    pub fn needs_trunk(&self, nsn: &[u8]) -> bool {
        let (flags, except) = field(self.line, 4)
            .split_once('!')
            .unwrap_or((field(self.line, 4), ""));
        flags.contains('t')
            && !except.split(',').any(|e| {
                let (p, lens) = e.split_once(':').unwrap_or((e, ""));
                p.len() <= nsn.len()
                    && p.bytes().zip(nsn).all(|(c, &d)| c == b'0' + d)
                    && lens.bytes().any(|c| length_of(c) == nsn.len())
            })
    }

    /// The main region of a country code shared by several.
    pub fn is_main(&self) -> bool {
        field(self.line, 4)
            .split('!')
            .next()
            .unwrap_or("")
            .contains('m')
    }

    /// A valid national significant number of this region.
    pub fn is_valid(&self, nsn: &[u8]) -> bool {
        #[cfg(feature = "regions")]
        if let Some(f) = self.fast {
            return f.is_valid(nsn);
        }
        in_ranges(field(self.line, 5), nsn, false)
    }

    /// A number of a length and first digit this region has.
    pub fn is_possible(&self, nsn: &[u8]) -> bool {
        #[cfg(feature = "regions")]
        if let Some(f) = self.fast {
            return f.is_possible(nsn);
        }
        !nsn.is_empty() && in_ranges(field(self.line, 5), nsn, true)
    }

    /// The shortest and longest national significant numbers.
    pub fn lengths(&self) -> (usize, usize) {
        #[cfg(feature = "regions")]
        if let Some(f) = self.fast {
            return f.lengths;
        }
        let (mut lo, mut hi) = (usize::MAX, 0);
        let b = field(self.line, 5).as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b':' {
                // Past the prefixes, to the next group's lengths.
                i += b[i..]
                    .iter()
                    .position(|&c| c == b';')
                    .unwrap_or(b.len() - i)
                    + 1;
                continue;
            }
            lo = lo.min(length_of(b[i]));
            hi = hi.max(length_of(b[i]));
            i += 1;
        }
        (lo.min(hi), hi)
    }

    /// A premium-rate number.
    pub fn is_premium(&self, nsn: &[u8]) -> bool {
        in_ranges(field(self.line, 6), nsn, false)
    }

    /// A plan read from its line alone.
    fn text(line: &'static str) -> Plan {
        Plan {
            line,
            #[cfg(feature = "regions")]
            fast: None,
        }
    }

    /// The whole line.
    pub fn line(&self) -> &'static str {
        self.line
    }
}

impl fmt::Debug for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Plan({})", field(self.line, 0))
    }
}

/// Checks a line's shape: six or seven fields, each of its own alphabet.
pub fn check(line: &str) -> Result<(), PlanError> {
    let mut fields = 0;
    let mut colon = false;
    for c in line.bytes() {
        if c == b' ' {
            fields += 1;
            continue;
        }
        let ok = match fields {
            0 => c.is_ascii_uppercase(),
            1 => c.is_ascii_digit(),
            2 | 3 => c.is_ascii_digit() || c == b',' || c == b'-',
            4 => {
                matches!(c, b't' | b'm' | b'-' | b'!' | b',' | b':' | b'a'..=b'h')
                    || c.is_ascii_digit()
            }
            _ => {
                colon |= c == b':';
                c.is_ascii_digit() || matches!(c, b'a'..=b'h' | b':' | b';' | b',' | b'-')
            }
        };
        if !ok {
            return Err(PlanError("a field holds a character it cannot have"));
        }
    }
    if !(5..=6).contains(&fields) || !colon {
        return Err(PlanError(
            "expected 6 or 7 fields, the ranges as lengths:prefixes",
        ));
    }
    if field(line, 0).len() != 2 || !(1..=3).contains(&field(line, 1).len()) {
        return Err(PlanError(
            "a region of two letters and a country code of 1 to 3 digits",
        ));
    }
    Ok(())
}

/// The line for the page: prefixes cut to their first digit (what a
/// possible number needs), no premium ranges. The ranges of the regions that
/// share the country code are merged in (a Kazakh number on a Russian site
/// is read as +7 too).
pub fn coarse(plan: Plan) -> String {
    let mut groups: Vec<(String, [bool; 10])> = Vec::new();
    let mut all: Vec<&str> = plans_for_cc(plan.cc()).map(|p| field(p.line, 5)).collect();
    all.push(field(plan.line, 5));
    for group in all.iter().flat_map(|r| r.split(';')) {
        let (lens, items) = group.split_once(':').unwrap_or(("", ""));
        let mut firsts = [false; 10];
        for item in items.split(',') {
            let b = item.as_bytes();
            match (b.first(), b.len()) {
                (None, _) => firsts = [true; 10],
                (Some(&d), 1) => {
                    let hi = item.split_once('-').map_or(d, |(_, h)| h.as_bytes()[0]);
                    for x in d..=hi {
                        firsts[usize::from(x - b'0')] = true;
                    }
                }
                (Some(&d), _) => firsts[usize::from(d - b'0')] = true,
            }
        }
        match groups.iter_mut().find(|(l, _)| l == lens) {
            Some((_, f)) => f.iter_mut().zip(firsts).for_each(|(a, b)| *a |= b),
            None => groups.push((lens.into(), firsts)),
        }
    }
    let mut out: String = plan.line.split(' ').take(5).collect::<Vec<_>>().join(" ");
    out.push(' ');
    for (i, (lens, firsts)) in groups.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(lens);
        out.push(':');
        let mut first = true;
        let mut d = 0;
        while d < 10 {
            if firsts[d] {
                let mut e = d;
                while e + 1 < 10 && firsts[e + 1] {
                    e += 1;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push(char::from(b'0' + d as u8));
                if e > d {
                    out.push('-');
                    out.push(char::from(b'0' + e as u8));
                }
                d = e + 1;
            } else {
                d += 1;
            }
        }
    }
    out
}

/// Lines registered at run time (the page's region), a few at most.
static LOADED: [OnceBox<String>; 4] = [
    OnceBox::new(),
    OnceBox::new(),
    OnceBox::new(),
    OnceBox::new(),
];

fn loaded() -> impl Iterator<Item = Plan> {
    LOADED
        .iter()
        .filter_map(|s| s.get())
        .map(|s| Plan::text(s.as_str()))
}

/// The embedded plans, by region and by country code.
#[cfg(feature = "regions")]
struct Index {
    by_region: Vec<Plan>,
    by_cc: Vec<(u16, bool, Plan)>,
}

#[cfg(feature = "regions")]
static INDEX: OnceBox<Index> = OnceBox::new();

#[cfg(feature = "regions")]
static FAST: OnceBox<Vec<Fast>> = OnceBox::new();

#[cfg(feature = "regions")]
fn index() -> &'static Index {
    INDEX.get_or_init(|| {
        let lines = || {
            DATA.lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
        };
        let fast: &'static Vec<Fast> =
            FAST.get_or_init(|| Box::new(lines().map(|l| Fast::of(field(l, 5))).collect()));
        let by_region: Vec<Plan> = lines()
            .zip(fast.iter())
            .map(|(line, f)| Plan {
                line,
                fast: Some(f),
            })
            .collect();
        let mut by_cc: Vec<(u16, bool, Plan)> = by_region
            .iter()
            .map(|p| (p.cc(), !p.is_main(), *p))
            .collect();
        by_cc.sort_by_key(|(cc, not_main, p)| (*cc, *not_main, p.region()));
        Box::new(Index { by_region, by_cc })
    })
}

#[cfg(feature = "regions")]
fn embedded() -> impl Iterator<Item = Plan> {
    index().by_region.iter().copied()
}

#[cfg(not(feature = "regions"))]
fn embedded() -> impl Iterator<Item = Plan> {
    core::iter::empty()
}

/// Every plan this build knows: the loaded ones, then the embedded ones.
pub fn plans() -> impl Iterator<Item = Plan> {
    loaded().chain(embedded())
}

/// The plan of a region, if this build knows it.
pub fn plan(region: Region) -> Option<Plan> {
    if let Some(p) = loaded().find(|p| p.region() == region) {
        return Some(p);
    }
    #[cfg(feature = "regions")]
    {
        let by_region = &index().by_region;
        by_region
            .binary_search_by(|p| p.region().cmp(&region))
            .ok()
            .map(|i| by_region[i])
    }
    #[cfg(not(feature = "regions"))]
    None
}

/// The plans of a country calling code: the loaded ones, then the
/// embedded ones, the main region first.
pub fn plans_for_cc(cc: u16) -> impl Iterator<Item = Plan> {
    let loaded = loaded().filter(move |p| p.cc() == cc);
    #[cfg(feature = "regions")]
    let embedded = {
        let by_cc = &index().by_cc;
        let from = by_cc.partition_point(|(c, _, _)| *c < cc);
        by_cc[from..]
            .iter()
            .take_while(move |(c, _, _)| *c == cc)
            .map(|(_, _, p)| *p)
    };
    #[cfg(not(feature = "regions"))]
    let embedded = core::iter::empty();
    loaded.chain(embedded)
}

/// Whether `digits`, written without a country code, are a valid national
/// number of some region this build knows: as they stand, or after one of
/// that region's trunk prefixes. Discovery's test for numbers whose country
/// it does not know.
pub fn national_somewhere(digits: &[u8]) -> bool {
    plans().any(|p| {
        p.is_valid(digits)
            || p.trunks().any(|t| {
                t.len() < digits.len()
                    && t.bytes().zip(digits).all(|(c, &d)| c == b'0' + d)
                    && p.is_valid(&digits[t.len()..])
            })
    })
}

/// Registers a line at run time (the page's region). A region already known
/// keeps its plan. Returns the line's region.
pub fn load(line: &str) -> Result<Region, PlanError> {
    check(line)?;
    load_checked(line).ok_or(PlanError("too many regions loaded"))
}

/// [`load`] for a line whose shape the caller has checked (the page script
/// checks it in JS). Reading a malformed line never panics: it matches
/// nothing. `None` when every slot is taken.
pub fn load_checked(line: &str) -> Option<Region> {
    let region = match line.as_bytes() {
        [a, b, ..] => Region::from_bytes([*a, *b]),
        _ => Region::ZZ,
    };
    if plan(region).is_some() {
        return Some(region);
    }
    LOADED
        .iter()
        .any(|slot| slot.set(Box::new(String::from(line))).is_ok())
        .then_some(region)
}

#[cfg(all(test, feature = "regions"))]
mod tests {
    use super::*;

    #[test]
    fn coarse_lines_are_small() {
        let mut worst = (0, String::new());
        for p in plans() {
            let c = coarse(p);
            check(&c).unwrap();
            if c.len() > worst.0 {
                worst = (c.len(), c.clone());
            }
        }
        assert!(worst.0 < 256, "{worst:?}");
    }

    #[test]
    fn the_arrays_answer_as_the_line_does() {
        // A simple generator of digit strings: every region, many lengths and prefixes.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for p in plans() {
            let text = Plan::text(p.line);
            assert_eq!(p.lengths(), text.lengths(), "{p:?}");
            for _ in 0..400 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let len = 3 + (x % 15) as usize;
                let nsn: Vec<u8> = (0..len).map(|i| ((x >> (i * 3)) % 10) as u8).collect();
                assert_eq!(p.is_valid(&nsn), text.is_valid(&nsn), "{p:?} {nsn:?}");
                assert_eq!(p.is_possible(&nsn), text.is_possible(&nsn), "{p:?} {nsn:?}");
            }
        }
    }

    #[test]
    fn lines_check_and_load() {
        let ua = plan("UA".parse().unwrap()).unwrap();
        assert_eq!(ua.cc(), 380);
        assert!(ua.needs_trunk(&[4, 4, 1, 2, 3, 4, 5, 6, 7]));
        assert!(ua.is_valid(&[4, 4, 1, 2, 3, 4, 5, 6, 7]));
        assert!(!ua.is_valid(&[2, 4, 1, 2, 3, 4, 5, 6, 7]));
        assert!(check(&coarse(ua)).is_ok());
        for bad in [
            "",
            "UA 380 0 00 t",
            "ua 380 0 00 t 9:3",
            "UA 3800 0 00 t 9:3",
            "UA 380 x 00 t 9:3",
            "UA 380 0 00 q 9:3",
            "UA 380 0 00 t 9",
            "UA 380 0 00 t z:3",
            "UA 380 0 00 t 9:3x",
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
            assert!(load(bad).is_err(), "{bad:?}");
        }
        // A region the table lacks is registered at run time.
        let qz = load("QZ 999 0 00 t 9:1-9").unwrap();
        assert_eq!(plan(qz).map(|p| p.cc()), Some(999));
        // A region this build knows keeps its plan.
        assert_eq!(load("UA 380 0 00 - 5:1").unwrap().as_str(), "UA");
        assert!(plan("UA".parse().unwrap()).unwrap().needs_trunk(&[4, 4]));
        let ae = plan("AE".parse().unwrap()).unwrap();
        assert!(
            ae.needs_trunk(&[4, 2, 3, 4, 5, 6, 7, 8])
                && !ae.needs_trunk(&[8, 0, 0, 1, 2, 3, 4, 5, 6])
        );
    }
}
