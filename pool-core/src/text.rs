//! Slicing text without a panic path.
//!
//! `&s[a..b]` panics when an index falls inside a character, and that panic
//! path (`str::slice_error_fail` with its messages) is among the larger
//! pieces of the page's wasm. Every index this crate and the browser module
//! slice at comes from walking the same text by characters, so a bad index
//! is a bug; [`Part::part`] answers the empty string for it instead of
//! aborting the page script.

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
}
