//! Spend as a marketer uploads it (CSV) and as Yandex Direct reports it
//! (TSV): any text reads to rows or to errors, never a panic; a row read
//! has a day and an amount.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pool_core::spend::{from_direct_report, parse_amount, parse_csv, parse_day};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_day(text);
    let _ = parse_amount(text);
    if let Ok(rows) = parse_csv(text) {
        assert!(rows.len() <= pool_core::spend::MAX_ROWS);
    }
    let _ = from_direct_report(text);
});
