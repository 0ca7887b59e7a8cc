#![cfg(not(target_arch = "wasm32"))]
//! Tables for the matcher: every written form we know of, per region, found
//! and rewritten in place; look-alikes in every category, never touched.
//!
//! Cases marked `lpn` come from libphonenumber's `PhoneNumberMatcherTest.java`
//! (Google, Apache-2.0): its VALID and EXACT_GROUPING cases must be found,
//! its IMPOSSIBLE and POSSIBLE_ONLY cases must not.

use pool_core::number::{PhoneNumber, Region};
use proptest::prelude::*;
use swap_wasm::scan::{may_contain, swap, Mode, Scanner, ID_LABELS};

fn region(r: &str) -> Option<Region> {
    r.parse().ok()
}

/// The single match in `text`, as (raw, e164).
fn one(text: &str, r: &str) -> Option<(String, Option<String>)> {
    let found = Scanner::new(region(r), Mode::Valid).scan(text);
    assert!(
        found.len() <= 1,
        "more than one match in {text:?}: {found:?}"
    );
    // The page's prefilter never drops a text the matcher finds a number in.
    for n in found.iter().filter_map(|f| f.number) {
        assert!(
            may_contain(text, std::iter::once(n)),
            "the prefilter drops {text:?}"
        );
    }
    found
        .first()
        .map(|f| (f.raw(text).to_string(), f.number.map(|n| n.to_string())))
}

/// Finds `written` in several contexts, as the whole match, with its E.164 form.
fn assert_found(written: &str, r: &str, e164: &str) {
    for (before, after) in [
        ("", ""),
        ("Call ", " today."),
        ("Tel: ", ""),
        ("Телефон: ", ", звоните!"),
        ("(", ")"),
        ("<b>", "</b>"),
        ("$20 ", " 100$"),
        ("我的电话号码是", "是我的电话号码"),
    ] {
        let text = format!("{before}{written}{after}");
        let got = one(&text, r);
        assert_eq!(
            got,
            Some((written.to_string(), Some(e164.to_string()))),
            "in {text:?} (region {r})"
        );
    }
}

/// `text` holds one number: `raw`, which is `e164`.
fn assert_one(text: &str, r: &str, raw: &str, e164: &str) {
    assert_eq!(
        one(text, r),
        Some((raw.into(), Some(e164.into()))),
        "{text}"
    );
}

fn assert_none(text: &str, r: &str) {
    let found = Scanner::new(region(r), Mode::Valid).scan(text);
    assert!(
        found.is_empty(),
        "found {:?} in {text:?} (region {r})",
        found.iter().map(|f| f.raw(text)).collect::<Vec<_>>()
    );
}

#[test]
fn russia() {
    let n = "+74951234567";
    for w in [
        "+7 (495) 123-45-67",
        "+7(495)123-45-67",
        "+7 495 123-45-67",
        "+7 495 123 45 67",
        "+7-495-123-45-67",
        "+74951234567",
        "8 (495) 123-45-67",
        "8(495)123-45-67",
        "8 495 123 45 67",
        "8-495-123-45-67",
        "8 (495) 1234567",
        "8 495 1234567",
        "84951234567",
        "7 (495) 123-45-67",
        "(495) 123-45-67",
        "495-123-45-67",
        "495 123 45 67",
        "8.495.123.45.67",
        "+7 495 123\u{2013}45\u{2013}67",
        "8\u{00A0}495\u{00A0}123\u{2011}45\u{2011}67",
        "+7\u{2009}495\u{2009}123\u{2009}45\u{2009}67",
        "+7\u{202F}(495)\u{202F}123-45-67",
        "＋７ ４９５ １２３ ４５ ６７",
        "8 10 7 495 123 45 67",
    ] {
        assert_found(w, "RU", n);
    }
    assert_found("8 800 555-35-35", "RU", "+78005553535");
    assert_found("8 (800) 555 35 35", "RU", "+78005553535");
    assert_found("+7 916 123-45-67", "RU", "+79161234567");
    assert_found("8-916-123-45-67", "RU", "+79161234567");
    assert_found("8 (4012) 12-34-56", "RU", "+74012123456");
    // A Russian number written with +7 is found whatever the default region.
    assert_found("+7 (495) 123-45-67", "US", n);
    assert_found("+7 (495) 123-45-67", "ZZ", n);
}

#[test]
fn united_states() {
    let n = "+14156667777";
    for w in [
        "415-666-7777", // lpn
        "415/666-7777", // lpn
        "(415) 666-7777",
        "(415) 6667777", // lpn
        "415-6667777",   // lpn
        "415.666.7777",
        "415 666 7777",
        "4156667777", // lpn
        "1-415-666-7777",
        "1 (415) 666-7777",
        "+1 415-666-7777", // lpn
        "+1 (415) 666-7777",
        "+1.415.666.7777",
        "＋１ (４１５) ６６６-７７７７",
        "４１５６６６７７７７", // lpn
        "011 1 415 666 7777",
    ] {
        assert_found(w, "US", n);
    }
    assert_found("+1 (650) 333-6000", "US", "+16503336000"); // lpn
    assert_found("1-650-333-6000", "US", "+16503336000"); // lpn
    assert_found("(800) 901-3355", "US", "+18009013355");
    assert_found("+1 (650) 333-6000", "GB", "+16503336000");
    // Canada is NANP too.
    assert_found("(604) 555-0199", "CA", "+16045550199");
}

#[test]
fn united_kingdom() {
    for (w, n) in [
        ("020 7946 0018", "+442079460018"),
        ("020-7946-0018", "+442079460018"),
        ("(020) 7946 0018", "+442079460018"),
        ("+44 20 7946 0018", "+442079460018"),
        ("+44 (0)20 7946 0018", "+442079460018"),
        ("+44 (0) 20 7946 0018", "+442079460018"),
        ("0044 20 7946 0018", "+442079460018"),
        ("+442079460018", "+442079460018"),
        ("07911 123456", "+447911123456"),
        ("07911 123 456", "+447911123456"),
        ("+44 7911 123456", "+447911123456"),
        ("0800 123 4567", "+448001234567"),
        ("0113 243 1234", "+441132431234"),
        ("0161 496 0000", "+441614960000"),
    ] {
        assert_found(w, "GB", n);
    }
}

#[test]
fn germany() {
    for (w, n) in [
        ("030 12345678", "+493012345678"),
        ("030/12345678", "+493012345678"),
        ("030-123 456 78", "+493012345678"),
        ("(030) 12345678", "+493012345678"),
        ("+49 30 12345678", "+493012345678"),
        ("+49 (0)30 12345678", "+493012345678"),
        ("+49-30-12345678", "+493012345678"),
        ("0049 30 12345678", "+493012345678"),
        ("0171 1234567", "+491711234567"),
        ("+49 171 1234567", "+491711234567"),
        ("0800 123 4567", "+498001234567"),
        ("0800-2491234", "+498002491234"), // lpn
        ("089 1234 5678", "+498912345678"),
    ] {
        assert_found(w, "DE", n);
    }
}

#[test]
fn france() {
    for (w, n) in [
        ("01 23 45 67 89", "+33123456789"),
        ("01.23.45.67.89", "+33123456789"),
        ("01-23-45-67-89", "+33123456789"),
        ("0123456789", "+33123456789"),
        ("+33 1 23 45 67 89", "+33123456789"),
        ("+33 (0)1 23 45 67 89", "+33123456789"),
        ("0033 1 23 45 67 89", "+33123456789"),
        ("06 12 34 56 78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0 800 12 34 56", "+33800123456"),
    ] {
        assert_found(w, "FR", n);
    }
}

#[test]
fn any_country_with_a_plus() {
    for (w, n) in [
        ("+39 02 3661 8300", "+390236618300"), // lpn (+39 02-36618 300)
        ("+64 3 331 6005", "+6433316005"),     // lpn
        ("+380 44 123 4567", "+380441234567"),
        ("+86 10 1234 5678", "+861012345678"),
        ("+971 4 234 5678", "+97142345678"),
    ] {
        for r in ["RU", "US", "ZZ"] {
            assert_found(w, r, n);
        }
    }
}

#[test]
fn extensions_belong_to_the_match() {
    for (text, r, raw) in [
        ("415-666-7777 ext. 503", "US", "415-666-7777 ext. 503"), // lpn
        ("4156667777 x 123", "US", "4156667777 x 123"),           // lpn
        ("1 415 666 7777 x 123", "US", "1 415 666 7777 x 123"),   // lpn
        (
            "(800) 901-3355 , ext 7246433",
            "US",
            "(800) 901-3355 , ext 7246433",
        ), // lpn
        (
            "(800) 901-3355 ext: 7246433",
            "US",
            "(800) 901-3355 ext: 7246433",
        ), // lpn
        ("+44 2034567890x456", "GB", "+44 2034567890x456"),       // lpn
        ("+44 2034567890 X 456", "GB", "+44 2034567890 X 456"),   // lpn
        (
            "+7 (495) 123-45-67 доб. 204",
            "RU",
            "+7 (495) 123-45-67 доб. 204",
        ),
        ("8 495 123-45-67, доб. 12", "RU", "8 495 123-45-67, доб. 12"),
    ] {
        let found = Scanner::new(region(r), Mode::Valid).scan(text);
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!(found[0].raw(text), raw);
        assert!(found[0].number_end < found[0].end);
    }
    // A swap replaces the number and keeps the extension as written.
    let from: PhoneNumber = "+74951234567".parse().unwrap();
    let to: PhoneNumber = "+74997654321".parse().unwrap();
    assert_eq!(
        swap("+7 (495) 123-45-67 доб. 204", region("RU"), &[(from, to)]),
        "+7 (499) 765-43-21 доб. 204"
    );
}

#[test]
fn several_numbers_in_a_row() {
    let text = "Call 650-253-4561 -- 415-234-3451"; // lpn, with an assigned area code
    let found = Scanner::new(region("US"), Mode::Valid).scan(text);
    let raws: Vec<&str> = found.iter().map(|f| f.raw(text)).collect();
    assert_eq!(raws, ["650-253-4561", "415-234-3451"]);
    // 455 is no area code: the table's ranges leave it out.
    let text = "Call 650-253-4561 -- 455-234-3451";
    let found = Scanner::new(region("US"), Mode::Valid).scan(text);
    let raws: Vec<&str> = found.iter().map(|f| f.raw(text)).collect();
    assert_eq!(raws, ["650-253-4561"]);
    let text = "8 (495) 123-45-67 / 8 (499) 765-43-21; +7 916 000-00-01.";
    let found = Scanner::new(region("RU"), Mode::Valid).scan(text);
    let raws: Vec<&str> = found.iter().map(|f| f.raw(text)).collect();
    assert_eq!(
        raws,
        ["8 (495) 123-45-67", "8 (499) 765-43-21", "+7 916 000-00-01"]
    );
    // lpn: a zip code before and after.
    let text = "My address is CA 34215 - 415-666-7777 is my number.";
    assert_eq!(one(text, "US").map(|f| f.0), Some("415-666-7777".into()));
    let text = "My number is (415) 666 7777. 34215 is my zip-code.";
    assert_eq!(one(text, "US").map(|f| f.0), Some("(415) 666 7777".into()));
    let text = "Call 033316005  or 032316005!";
    assert!(Scanner::new(region("US"), Mode::Valid)
        .scan(text)
        .is_empty());
}

#[test]
fn look_alikes_are_never_found() {
    let cases: &[&str] = &[
        // lpn IMPOSSIBLE_CASES
        "12345",
        "23456789",
        "234567890112",
        "650+253+1234",
        "3/10/1984",
        "03/27/2011",
        "31/8/2011",
        "1/12/2011",
        "10/12/82",
        "650x2531234",
        "2012-01-02 08:00",
        "2012/01/02 08:00",
        "20120102 08:00",
        // lpn POSSIBLE_ONLY_CASES
        "7121115678",
        "1650 x 253 - 1234",
        "650 x 253 - 1234",
        "6502531x234",
        // lpn: no white space between two numbers; unmatched brackets
        "Call 650-253-4561--455-234-3451",
        "80.585 [79.964, 81.191]",
        "80.585 [79.964]",
        "80.585 ((79.964)",
        "(80).(585) (79).(9)64",
        // dates and times
        "12.03.2024",
        "2024-03-12",
        "2024-03-12T08:30:00Z",
        "12:30",
        "08:00-20:00",
        "Mon-Fri 9:00–18:00",
        "с 09:00 до 21:00",
        "01.01.2025 - 31.12.2025",
        // prices
        "$415-666-7777",
        "415-666-7777$",
        "€4951234567",
        "4 950 000 ₽",
        "1 234 567 руб.",
        "1 495 123 45 67 EUR",
        "£2,499,000",
        "USD 4,951,234,567",
        "Цена: 84951234567₽",
        "4951234567%",
        // ids
        "Order #4951234567",
        "Заказ № 84951234567",
        "ИНН 7707083893",
        "ОГРН 1027700132195",
        "ISBN 978-3-16-148410-0",
        "IBAN DE89 3704 0044 0532 0130 00",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "UA-12345678-1",
        "AW-4951234567",
        "id4951234567",
        "user_4951234567",
        "ref=84951234567",
        "SKU: 4951234567",
        // codes, coordinates, versions, addresses
        "101000",
        "SW1A 1AA",
        "55.7558, 37.6173",
        "55.755826 37.617300",
        "1.2.3.4",
        "v2.10.495",
        "192.168.100.200",
        "10.0.0.1",
        "123e4567-e89b-12d3-a456-426614174000",
        "#495123",
        "width: 4951234567px",
        "ym(49512345, 'init', {})",
        "1700000000000",
        "749512345678901",
        "0074951234567890123",
        // placeholders and masks
        "+7 (___) ___-__-__",
        "+7 (XXX) XXX-XX-XX",
        "(___) ___-____",
        // a number inside a longer number
        "849512345671234",
        "+7495123456789 01",
    ];
    for r in ["RU", "US", "GB", "DE", "FR"] {
        for text in cases {
            assert_none(text, r);
        }
    }
    // GB, DE and FR national numbers need their trunk 0 (lpn POSSIBLE_ONLY: "(20) 3346 1234").
    assert_none("(20) 3346 1234", "GB");
    assert_none("30 12345678", "DE");
    assert_none("1 23 45 67 89", "FR");
    // Without a region, national forms are not resolved.
    assert_none(
        "Random text body - number is 0331 6005, see you there",
        "ZZ",
    ); // lpn
    assert_none("8 (495) 123-45-67", "ZZ");
    assert_none("", "RU");
    assert_none("  ", "RU");
}

#[test]
fn links() {
    for (text, n) in [
        ("<a href=\"tel:+74951234567\">", "+74951234567"),
        ("tel:+7%20495%20123-45-67", "+74951234567"),
        ("TEL:84951234567", "+74951234567"),
        ("callto:+74951234567", "+74951234567"),
        ("callto://+74951234567", "+74951234567"),
        ("tel:+7-495-123-45-67;ext=12", "+74951234567"),
    ] {
        let found = Scanner::new(region("RU"), Mode::Valid).scan(text);
        assert_eq!(found.len(), 1, "{text}");
        assert!(found[0].link);
        assert_eq!(found[0].number.map(|n| n.to_string()).as_deref(), Some(n));
    }
    let from: PhoneNumber = "+74951234567".parse().unwrap();
    let to: PhoneNumber = "+74997654321".parse().unwrap();
    assert_eq!(
        swap(
            "<a href=\"tel:+7%20495%20123-45-67\">8 (495) 123-45-67</a>",
            region("RU"),
            &[(from, to)]
        ),
        "<a href=\"tel:+74997654321\">8 (499) 765-43-21</a>"
    );
}

#[test]
fn rewrites_in_the_original_form() {
    let ru: PhoneNumber = "+74951234567".parse().unwrap();
    let ru_t: PhoneNumber = "+74997654321".parse().unwrap();
    for (before, after) in [
        ("+7 (495) 123-45-67", "+7 (499) 765-43-21"),
        ("8 (495) 123-45-67", "8 (499) 765-43-21"),
        ("8 495 1234567", "8 499 7654321"),
        ("84951234567", "84997654321"),
        ("(495) 123-45-67", "(499) 765-43-21"),
        (
            "8\u{00A0}495\u{00A0}123\u{2011}45\u{2011}67",
            "8\u{00A0}499\u{00A0}765\u{2011}43\u{2011}21",
        ),
        (
            "＋７ ４９５ １２３ ４５ ６７",
            "＋７ ４９９ ７６５ ４３ ２１",
        ),
    ] {
        assert_eq!(
            swap(&format!("Звоните {before}!"), region("RU"), &[(ru, ru_t)]),
            format!("Звоните {after}!")
        );
    }
    let us: PhoneNumber = "+14156667777".parse().unwrap();
    let us_t: PhoneNumber = "+16505550100".parse().unwrap();
    for (before, after) in [
        ("(415) 666-7777", "(650) 555-0100"),
        ("1-415-666-7777", "1-650-555-0100"),
        ("+1 415.666.7777", "+1 650.555.0100"),
        ("415-666-7777 ext. 503", "650-555-0100 ext. 503"),
    ] {
        assert_eq!(swap(before, region("US"), &[(us, us_t)]), after);
    }
    // Other numbers on the page stay as they are.
    let text = "Main: 8 (495) 123-45-67, branch: 8 (495) 111-22-33";
    assert_eq!(
        swap(text, region("RU"), &[(ru, ru_t)]),
        "Main: 8 (499) 765-43-21, branch: 8 (495) 111-22-33"
    );
}

#[test]
fn discovery_lists_every_phone_like_number() {
    let text = "Call (555) 201-0000 or +7 495 123-45-67; fax 020 7946 0018.";
    let found = Scanner::new(None, Mode::Discover).scan(text);
    let got: Vec<(&str, Option<String>)> = found
        .iter()
        .map(|f| (f.raw(text), f.number.map(|n| n.to_string())))
        .collect();
    assert_eq!(
        got,
        [
            ("(555) 201-0000", None),
            ("+7 495 123-45-67", Some("+74951234567".to_string())),
            ("020 7946 0018", None),
        ]
    );
    let found = Scanner::new(region("GB"), Mode::Discover).scan(text);
    assert_eq!(found.iter().filter(|f| f.number.is_some()).count(), 2);
}

/// Written forms of one RU number, as a strategy.
fn ru_forms() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "+7 (495) 123-45-67",
        "8 (495) 123-45-67",
        "8 495 123 45 67",
        "+74951234567",
        "(495) 123-45-67",
        "8-495-123-45-67",
        "+7\u{00A0}495\u{00A0}123\u{2011}45\u{2011}67",
        "8 495 1234567",
    ])
    .prop_map(String::from)
}

proptest! {
    #[test]
    fn scanning_never_panics(s in "\\PC{0,200}") {
        for r in ["RU", "US", "GB", "DE", "FR", "ZZ"] {
            let _ = Scanner::new(region(r), Mode::Valid).scan(&s);
            let _ = Scanner::new(region(r), Mode::Discover).scan(&s);
        }
    }

    #[test]
    fn phone_like_noise_never_panics(s in "[0-9 +()\\-./:#xtelcaоб%\u{a0}\u{2011}]{0,80}") {
        let from: PhoneNumber = "+74951234567".parse().unwrap();
        let to: PhoneNumber = "+74997654321".parse().unwrap();
        let out = swap(&s, region("RU"), &[(from, to)]);
        // Swapping keeps every non-digit character in place.
        let strip = |x: &str| x.chars().filter(|c| !c.is_ascii_digit()).collect::<String>();
        if !s.contains('%') && !s.to_lowercase().contains("tel:") && !s.to_lowercase().contains("callto:") {
            prop_assert_eq!(strip(&out), strip(&s));
        }
    }

    #[test]
    fn looking_only_for_the_sites_numbers_finds_each_as_a_full_scan_does(
        before in "[0-9 +()\\-./:#xоб№ИНН\u{a0}]{0,24}",
        after in "[0-9 +()\\-./:,xдоб\u{a0}]{0,24}",
        // Full-width too: the run test reads their digits from the bytes.
        form in prop_oneof![ru_forms(), Just(String::from("＋７ ４９５ １２３ ４５ ６７"))],
        other in "[0-9 ()\\-]{0,20}",
    ) {
        // The swap passes over runs without a site number's digits and texts
        // without them (`may_contain`); what it finds of the site's numbers
        // is exactly what a full scan finds.
        let site: PhoneNumber = "+74951234567".parse().unwrap();
        let text = format!("{before}{form}{after} {other}");
        let site_matches = |found: Vec<swap_wasm::scan::Found>| -> Vec<(usize, usize, usize)> {
            found.iter().filter(|f| f.number == Some(site)).map(|f| (f.start, f.end, f.number_end)).collect()
        };
        let full = site_matches(Scanner::new(region("RU"), Mode::Valid).knowing([site]).scan(&text));
        let only = site_matches(Scanner::new(region("RU"), Mode::Valid).only([site]).scan(&text));
        prop_assert_eq!(&full, &only);
        for (start, _, end) in full {
            prop_assert!(swap_wasm::scan::may_contain(&text[start..end], [site].into_iter()));
        }
    }

    #[test]
    fn a_number_in_any_context_is_found_and_swapped(
        before in "[a-zA-Zа-яА-Я ,!?]{0,30}",
        after in "[,!?.;][a-zA-Zа-яА-Я ,!?]{0,30}",
        form in ru_forms(),
    ) {
        // A word that labels an id (`ИНН`, `р/с`) before a national number
        // makes it no phone number, by design: not "any context".
        let last = before.rsplit([' ', ',', '!', '?']).find(|w| !w.is_empty()).unwrap_or("").to_lowercase();
        prop_assume!(form.starts_with('+') || !ID_LABELS.contains(&last.as_str()));
        let text = format!("{before} {form} {after}");
        let found = Scanner::new(region("RU"), Mode::Valid).scan(&text);
        prop_assert_eq!(found.len(), 1);
        prop_assert_eq!(found[0].raw(&text), form.as_str());
        let from: PhoneNumber = "+74951234567".parse().unwrap();
        let to: PhoneNumber = "+74997654321".parse().unwrap();
        let out = swap(&text, region("RU"), &[(from, to)]);
        // Byte for byte outside the digits.
        prop_assert_eq!(out.len(), text.len());
        let differ: Vec<(usize, u8, u8)> = text.bytes().zip(out.bytes()).enumerate()
            .filter(|(_, (a, b))| a != b).map(|(i, (a, b))| (i, a, b)).collect();
        for (i, a, b) in differ {
            prop_assert!(a.is_ascii_digit() && b.is_ascii_digit(), "byte {} changed from {} to {}", i, a, b);
        }
        let again = Scanner::new(region("RU"), Mode::Valid).scan(&out);
        prop_assert_eq!(again.len(), 1);
        prop_assert_eq!(again[0].number, Some(to));
    }
}

#[test]
fn an_id_label_covers_the_whole_run_but_not_a_plus_number() {
    let scan = |t: &str| {
        Scanner::new(region("RU"), Mode::Discover)
            .scan(t)
            .iter()
            .map(|f| f.raw(t).to_string())
            .collect::<Vec<_>>()
    };
    // Not a tail of the labelled digits either.
    assert!(scan("р/с 8 (495) 123-45-67").is_empty());
    assert!(scan("ИНН 7707 083 893, звоните").is_empty());
    // Written with +, it is a phone number whatever stands before it.
    assert_eq!(scan("Рс +7 (495) 123-45-67,"), ["+7 (495) 123-45-67"]);
}

#[test]
fn us_tax_ids_are_no_numbers() {
    let t = "SSN 123-45-6789, EIN 12-3456789, ITIN 912-70-1234; call 415-555-0100";
    let found = Scanner::new(region("US"), Mode::Discover).scan(t);
    let raws: Vec<&str> = found.iter().map(|f| f.raw(t)).collect();
    assert_eq!(raws, ["415-555-0100"]);
}

#[test]
fn ibans_written_in_groups_are_no_numbers() {
    for (r, t) in [
        ("DE", "IBAN DE89 3704 0044 0532 0130 00; Tel. 030 12345678"),
        ("GB", "GB29 NWBK 6016 1331 9268 19 or call 020 7946 0018"),
    ] {
        let found = Scanner::new(region(r), Mode::Discover).scan(t);
        assert_eq!(
            found.len(),
            1,
            "{t}: {:?}",
            found.iter().map(|f| f.raw(t)).collect::<Vec<_>>()
        );
        assert!(found[0].number.is_some());
    }
}

#[test]
fn web_and_mail_addresses_keep_their_digits() {
    for (r, t, want) in [
        ("RU", "https://shop.example/p/74951234567", &[][..]),
        (
            "US",
            "www.example.com/8005550199 and HTTP://X.US/2125550199",
            &[],
        ),
        ("RU", "84951234567@mail.ru", &[]),
        // A number next to an address is still one.
        (
            "US",
            "https://example.com?q=1 212-555-0199",
            &["212-555-0199"],
        ),
        (
            "RU",
            "Сайт: https://x.ru/74950000000, тел. 8 495 123-45-67",
            &["8 495 123-45-67"],
        ),
        (
            "RU",
            "Tel.: +7 495 123-45-67 https://x.ru",
            &["+7 495 123-45-67"],
        ),
    ] {
        let found = Scanner::new(region(r), Mode::Discover).scan(t);
        let raws: Vec<&str> = found.iter().map(|f| f.raw(t)).collect();
        assert_eq!(raws, want, "{t}");
    }
}

#[test]
fn a_label_before_the_word_number_still_counts() {
    for t in [
        "Serial No. 212 555 0199",
        "Order number 4951234567",
        "Invoice Nr. 212-555-0199",
    ] {
        assert_none(t, "US");
    }
    assert_none("Заказ номер 4951234567", "RU");
    assert_one(
        "Phone No. 212 555 0199",
        "US",
        "212 555 0199",
        "+12125550199",
    );
    assert_one(
        "Телефон номер 8 495 123 45 67",
        "RU",
        "8 495 123 45 67",
        "+74951234567",
    );
}

#[test]
fn full_width_forms_are_found_and_kept() {
    for (r, written, e164) in [
        ("RU", "+7（495）123-45-67", "+74951234567"),
        ("RU", "+7 (495) 123－45－67", "+74951234567"),
        ("RU", "８（４９５）１２３４５６７", "+74951234567"),
        ("GB", "＋４４ （０）２０ ７９４６ ０９５８", "+442079460958"),
    ] {
        assert_found(written, r, e164);
    }
    let to = |s: &str| PhoneNumber::parse(s, None).unwrap();
    let map = [(to("+74951234567"), to("+74997654321"))];
    assert_eq!(
        swap("Тел.: ８（４９５）１２３４５６７", region("RU"), &map),
        "Тел.: ８（４９９）７６５４３２１"
    );
}

#[test]
fn a_region_without_numbering_data_still_reads_plus_numbers() {
    for (written, e164) in [
        ("+81 3-1234-5678", "+81312345678"),
        ("＋８１ ３ １２３４ ５６７８", "+81312345678"),
    ] {
        assert_found(written, "AQ", e164);
    }
    assert_none("03-1234-5678", "AQ");
    assert_found("03-1234-5678", "JP", "+81312345678");
}

#[test]
fn more_id_labels() {
    for t in [
        "Policy number 2125550199",
        "Acct 2125550199",
        "Account number: 212 555 0199",
        "Part# 212-555-0199",
        "PO Box 2125550199",
        "Confirmation code 2125550199",
    ] {
        assert_none(t, "US");
    }
    for t in ["Договор № 4951234567", "Полис 8 495 123 45 67"] {
        assert_none(t, "RU");
    }
    assert_none("Kundennummer 030 12345678", "DE");
    assert_none("Facture 01 23 45 67 89", "FR");
}

#[test]
fn words_that_label_an_id_only_with_a_number_word() {
    for t in [
        "Customer No. 2125550199",
        "Company number 212 555 0199",
        "Case No: 212-555-0199",
        "Booking ref 212 555 0199",
        "Transaction 2125550199",
    ] {
        assert_none(t, "US");
    }
    assert_none("Company No. 02079460958", "GB");
    assert_none("Bestellnummer 030 12345678", "DE");
    // Alone, such a word may come right before the phone number.
    assert_one("Company 212-555-0199", "US", "212-555-0199", "+12125550199");
    assert_one(
        "Customer service 020 7946 0958",
        "GB",
        "020 7946 0958",
        "+442079460958",
    );
}

#[test]
fn versions_and_spaced_amounts_are_no_numbers() {
    assert_none("Version 2.1.2.555.0199", "US");
    assert_none("build 2.1.2.555.0199", "US");
    assert_none("Amount $ 212 555 0199", "US");
    assert_none("Итого: ₽ 8 495 123 45 67", "RU");
    // One single digit in dotted groups is a country code or trunk prefix.
    assert_found("1.212.555.0199", "US", "+12125550199");
    assert_found("+33.1.23.45.67.89", "FR", "+33123456789");
    // `%` before a blank is no currency.
    assert_one(
        "Save 50% 212-555-0199",
        "US",
        "212-555-0199",
        "+12125550199",
    );
}

#[test]
fn a_number_after_an_address_or_a_year_is_found() {
    for (text, r, raw) in [
        ("New York, NY 10001 (212) 555-0199", "US", "(212) 555-0199"),
        ("New York, NY 10001-2125 212-555-0199", "US", "212-555-0199"),
        ("ZIP 10001-2125 212-555-0199", "US", "212-555-0199"),
        ("Since 1999 212-555-0199", "US", "212-555-0199"),
        (
            "Москва, 123456 8 (495) 123-45-67",
            "RU",
            "8 (495) 123-45-67",
        ),
        (
            "ИНН 7495123456 8 (495) 123-45-67",
            "RU",
            "8 (495) 123-45-67",
        ),
    ] {
        assert_eq!(one(text, r).map(|(raw, _)| raw), Some(raw.into()), "{text}");
    }
    // Groups of blanks only stay one id or card number: no number in their tail.
    for (text, r) in [
        ("4111 1111 1111 1111", "US"),
        ("ИНН 7707 0838 93", "RU"),
        ("Счёт 4070 2810 9380 0001 2345 8 495", "RU"),
    ] {
        assert_none(text, r);
    }
}

#[test]
fn file_names_and_paths_keep_their_digits() {
    for t in [
        "2125550199.pdf",
        "/images/2125550199.jpg",
        "see files/2125550199",
    ] {
        assert_none(t, "US");
    }
    assert_none("84951234567.ru", "RU");
    assert_one(
        "Call 212-555-0199. Open daily",
        "US",
        "212-555-0199",
        "+12125550199",
    );
    // A sentence's full stop with no space after it: a written number is
    // kept (a capital after it, groups in it); a bare one, or one with a
    // lower-case word after it, stays a file or host name.
    assert_one(
        "Call (415) 666-7777.Next week we move.",
        "US",
        "(415) 666-7777",
        "+14156667777",
    );
    assert_one(
        "Звоните 8 (495) 123-45-67.Ждём вас",
        "RU",
        "8 (495) 123-45-67",
        "+74951234567",
    );
    for t in ["(415) 666-7777.pdf", "4156667777.Pdf"] {
        assert_none(t, "US");
    }
}
