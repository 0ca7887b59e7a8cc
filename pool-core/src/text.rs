//! Slicing text without a panic path, and reading `%XX` escapes.
//!
//! `&s[a..b]` panics when an index falls inside a character, and that panic
//! path (`str::slice_error_fail` with its messages) is among the larger
//! pieces of the page's wasm. Every index this crate and the browser module
//! slice at comes from walking the same text by characters, so a bad index
//! is a bug; [`Part::part`] answers the empty string for it instead of
//! aborting the page script.

use alloc::vec::Vec;
use core::slice::SliceIndex;

/// `part(range)`: the text in `range`, or `""` when the range is not on
/// character boundaries or runs past the end.
pub trait Part {
    /// The sub-slice in `range`; `""` when there is none.
    fn part<R: SliceIndex<str, Output = str>>(&self, range: R) -> &str;
}

impl Part for str {
    #[inline]
    fn part<R: SliceIndex<str, Output = str>>(&self, range: R) -> &str {
        match self.get(range) {
            Some(s) => s,
            None => off_boundary(),
        }
    }
}

/// The answer for a range off the text's boundaries: a bug upstream, so
/// kept out of the hot path.
#[cold]
#[inline(never)]
fn off_boundary() -> &'static str {
    ""
}

/// The number of characters in `s`: its bytes that do not continue a
/// character. Same answer as `s.chars().count()`, a tenth of its code in
/// the page's wasm.
pub fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| b & 0xC0 != 0x80).count()
}

/// The value of a hex digit.
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes, and `+` as a blank with `plus_is_space` (forms
/// and query strings): the bytes, and whether every `%` followed by two
/// characters began an escape (a `%` too near the end is kept as written).
/// The one decoder of the project: the landing URL's parameters, `tel:`
/// links in the page, the edge's paths, queries and forms.
pub fn percent_decode(s: &str, plus_is_space: bool) -> (Vec<u8>, bool) {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut whole = true;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => {
                    whole = false;
                    out.push(b'%');
                }
            },
            c => out.push(c),
        }
        i += 1;
    }
    (out, whole)
}

#[cfg(test)]
mod tests {
    use super::{char_count, Part};

    #[test]
    fn counts_characters_not_bytes() {
        for s in ["", "+7 (495) 123–45–67", "доб. 123", "☎ 𝟕𝟗", "\u{FEFF}x"] {
            assert_eq!(char_count(s), s.chars().count(), "{s}");
        }
    }

    #[test]
    fn parts_on_boundaries_and_off_them() {
        let s = "+7 (495) 123–45–67";
        assert_eq!(s.part(..2), "+7");
        assert_eq!(s.part(9..), "123–45–67");
        // Inside the three bytes of the en dash, and past the end: empty.
        assert_eq!(s.part(13..14), "");
        assert_eq!(s.part(..100), "");
        let (from, to) = (5, 3);
        assert_eq!(s.part(from..to), "");
    }

    #[test]
    fn percent_escapes_decode_and_the_rest_stays() {
        use super::percent_decode;
        assert_eq!(percent_decode("a%20b+c", true), (b"a b c".to_vec(), true));
        assert_eq!(percent_decode("a%20b+c", false), (b"a b+c".to_vec(), true));
        assert_eq!(
            percent_decode("%D0%B7", false),
            ("з".as_bytes().to_vec(), true)
        );
        assert_eq!(percent_decode("100%zz", false), (b"100%zz".to_vec(), false));
        assert_eq!(percent_decode("50%", false), (b"50%".to_vec(), true));
        assert_eq!(percent_decode("%4", false), (b"%4".to_vec(), true));
    }
}
