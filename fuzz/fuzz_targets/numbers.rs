//! Numbers as people write them: any text, in any region, parses to a
//! number or to an error, never a panic; a number read is written back in
//! its own form, and that is read as the same number.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pool_core::number::{parse_written, render, PhoneNumber};

mod regions;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let region = regions::pick(first);
    let _ = PhoneNumber::parse(text, region);
    let _ = text.parse::<PhoneNumber>();
    let _ = pool_core::numbering::check(text);
    if let Ok(w) = parse_written(text, region) {
        let again = render(&w.number, &w.template);
        let back = parse_written(&again, region).map(|b| b.number);
        assert_eq!(
            back.as_ref().ok(),
            Some(&w.number),
            "{text:?} read as {}, written back as {again:?}",
            w.number
        );
    }
});
