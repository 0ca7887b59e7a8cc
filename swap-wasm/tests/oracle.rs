//! Cross-checks against the `phonenumber` crate (a port of Google's
//! libphonenumber with its full metadata): every number it calls valid,
//! written in the usual national and international forms, our scanner finds
//! with the same E.164 value (recall), and every number we find it parses to
//! the same value (agreement).
#![cfg(not(target_arch = "wasm32"))]

use phonenumber::country::Id;
use phonenumber::Mode as Fmt;
use pool_core::number::Region;
use proptest::prelude::*;
use swap_wasm::scan::{may_contain, Mode, Scanner};

fn ours(text: &str, region: &str) -> Vec<(String, Option<String>)> {
    Scanner::new(region.parse::<Region>().ok(), Mode::Valid)
        .scan(text)
        .iter()
        .map(|f| {
            // The page's prefilter never drops a text the matcher finds a number in.
            if let Some(n) = f.number {
                assert!(
                    may_contain(text, std::iter::once(n)),
                    "the prefilter drops {text:?}"
                );
            }
            (
                text[f.start..f.number_end].to_string(),
                f.number.map(|n| n.to_string()),
            )
        })
        .collect()
}

fn id(region: &str) -> Id {
    region.parse().expect("region id")
}

/// National significant numbers by region, as generated digit strings.
fn nsn(region: &'static str) -> impl Strategy<Value = (String, &'static str)> {
    let pattern = match region {
        "RU" => "(4[0-9]{2}|8[0-9]{2}|9[0-9]{2}|3[0-9]{2})[0-9]{7}",
        "US" => "[2-9][0-9]{2}[2-9][0-9]{6}",
        "GB" => "(1[0-9]{8,9}|2[0-9]{9}|7[0-9]{9}|800[0-9]{6,7})",
        "DE" => "(30[0-9]{8}|89[0-9]{8}|1[5-7][0-9]{8,9}|40[0-9]{7,8})",
        _ => "[1-9][0-9]{8}",
    };
    proptest::string::string_regex(pattern)
        .expect("pattern")
        .prop_map(move |s| (s, region))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn we_find_what_libphonenumber_calls_valid(
        (digits, region) in prop_oneof![nsn("RU"), nsn("US"), nsn("GB"), nsn("DE"), nsn("FR")]
    ) {
        let Ok(n) = phonenumber::parse(Some(id(region)), &digits) else { return Ok(()) };
        if !phonenumber::is_valid(&n) {
            return Ok(());
        }
        let e164 = n.format().mode(Fmt::E164).to_string();
        for form in [Fmt::National, Fmt::International, Fmt::E164] {
            let written = n.format().mode(form).to_string();
            let text = format!("Call us: {written}. Thanks!");
            let found = ours(&text, region);
            prop_assert_eq!(
                found.clone(),
                vec![(written.clone(), Some(e164.clone()))],
                "{} written as {:?} (region {})", e164, written, region
            );
        }
    }
}

#[test]
fn libphonenumber_agrees_with_what_we_find() {
    let cases = [
        (
            "RU",
            "Звоните: 8 (495) 123-45-67, +7 916 123-45-67, 8 800 555-35-35, (4012) 12-34-56",
        ),
        (
            "US",
            "Call (415) 666-7777 or 1-650-333-6000, +1 800 901 3355",
        ),
        (
            "GB",
            "Ring 020 7946 0018, 07700 900123, +44 (0)161 496 0000 or 0800 123 4567",
        ),
        (
            "DE",
            "Rufen Sie 030 12345678, 0171 1234567 oder +49 89 1234 5678 an",
        ),
        (
            "FR",
            "Appelez le 01 23 45 67 89, le 06 12 34 56 78 ou le +33 1 23 45 67 89",
        ),
    ];
    for (region, text) in cases {
        let found = ours(text, region);
        assert!(found.len() >= 3, "{region}: {found:?}");
        for (raw, e164) in found {
            // The port misreads some forms (it takes `8 800 555-35-35` for
            // +7 005553535, and calls +7 800 555-35-35 invalid): compare where
            // it says valid.
            let Ok(n) = phonenumber::parse(Some(id(region)), raw.replace("(0)", "")) else {
                continue;
            };
            if phonenumber::is_valid(&n) {
                assert_eq!(
                    Some(n.format().mode(Fmt::E164).to_string()),
                    e164,
                    "{region}: {raw}"
                );
            }
        }
    }
}
