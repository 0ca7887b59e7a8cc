//! The page's scanner on any text: every number it finds lies inside the
//! text, on character boundaries, and a swap writes valid text that keeps
//! everything around the numbers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pool_core::number::PhoneNumber;
use swap_wasm::scan::{swap, write_swapped, Mode, Scanner};

mod regions;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let region = regions::pick(first);
    let mode = if first & 0x80 == 0 {
        Mode::Valid
    } else {
        Mode::Discover
    };
    let found = Scanner::new(region, mode).scan(text);
    let mut last = 0;
    for f in &found {
        assert!(
            f.start >= last
                && f.start < f.number_end
                && f.number_end <= f.end
                && f.end <= text.len()
        );
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        last = f.end;
    }
    // Every number read, swapped for one other number: the text before the
    // first and after the last stays as it was, and the page's own swap
    // (which scans only for the numbers it swaps) writes the same.
    let valid = Scanner::new(region, Mode::Valid).scan(text);
    let other: PhoneNumber = "+74951234567".parse().unwrap();
    let map: Vec<(PhoneNumber, PhoneNumber)> = valid
        .iter()
        .filter_map(|f| f.number)
        .map(|n| (n, other))
        .collect();
    let out = write_swapped(text, &valid, &map);
    let swapped: Vec<_> = valid
        .iter()
        .filter(|f| f.number.is_some() && f.template.is_some())
        .collect();
    match (swapped.first(), swapped.last()) {
        (Some(a), Some(b)) => {
            assert!(out.starts_with(&text[..a.start]));
            assert!(out.ends_with(&text[b.number_end..]));
        }
        _ => assert_eq!(out, text),
    }
    assert_eq!(swap(text, region, &map), out, "{text:?}");
});
