//! Discovery (`scan --discover`, "which numbers does this page show?") is
//! as careful as the swap: a table of look-alikes in every category seen on
//! real pages gives nothing, with no region and with the page's region;
//! the phone numbers around them are still found.
#![cfg(not(target_arch = "wasm32"))]

use pool_core::number::Region;
use swap_wasm::scan::{Mode, Scanner};

const LOOK_ALIKES: &[(&str, &str)] = &[
    // Coordinates.
    ("coordinates", "Office: 55.7558, 37.6173"),
    ("coordinates", "GPS 40.712776, -74.005974"),
    ("coordinates", "lat -33.868820 lng 151.209296"),
    ("coordinates", "48°51′29.6″N 2°17′40.2″E"),
    // Year ranges.
    ("years", "Since 2009–2024 we served 300 clients"),
    ("years", "© 1998-2005 Clinic"),
    ("years", "Saison 2019/2020"),
    // US ZIP+4.
    ("zip+4", "San Francisco, CA 94103-1234"),
    ("zip+4", "New York NY 10001-2125"),
    // Card and parcel numbers, or parts of them.
    ("card", "Card 4111 1111 1111 1111 accepted"),
    ("card", "Pay with 5500 0000 0000 0004 today"),
    ("card", "Amex 3782 822463 10005"),
    ("parcel", "USPS 9400 1000 0000 0000 0000 00"),
    ("parcel", "Tracking: 1Z 999 AA1 01 2345 6784"),
    ("parcel", "Отправление RR123456785RU"),
    ("parcel", "DHL 00340434161094042557"),
    // VAT and company ids.
    ("vat", "VAT GB 123 4567 89"),
    ("vat", "USt-IdNr. DE 123456789"),
    ("vat", "TVA FR 40 303 265 045"),
    ("vat", "P.IVA 01234567890"),
    ("company", "KvK 12345678"),
    ("company", "SIREN 732 829 320"),
    ("company", "Company No. 01234567"),
    ("company", "ОГРН 1027700132195"),
    ("company", "ИНН 7707083893"),
    ("company", "Код ЄДРПОУ 00032129"),
    ("order", "Замовлення № 0441234567"),
    ("order", "Order # 2125550199"),
    ("company", "NIP 123-456-32-18"),
    ("company", "REGON 123456785"),
    ("company", "ABN 51 824 753 556"),
    ("company", "EIN 12-3456789"),
    // Populations and long counts.
    ("count", "Population: 12 345 678 people"),
    ("count", "Population 8,336,817 (2020)"),
    ("count", "1 234 567 views"),
    ("count", "12.345.678 Einwohner"),
    ("count", "Просмотров: 2 345 678"),
    ("count", "Подписчиков 1 204 331"),
    // CSS values.
    ("css", "margin: 0 0 10px 20px; padding: 12px 24px"),
    ("css", "color: #123456; background: rgba(0, 0, 0, 0.5)"),
    ("css", "transform: translate(100px, 200px) scale(1.05)"),
    ("css", "font: 400 16px/1.5 Inter; z-index: 1000000"),
    ("css", "grid-template-columns: 120px 240px 1fr"),
    // Version strings.
    ("version", "Version 10.0.19045.3803"),
    ("version", "Chrome 120.0.6099.109"),
    ("version", "v2.14.1"),
    ("version", "build 4.2.1-rc.3"),
    // Dates, times, prices.
    ("date", "12.03.2024 10:00–18:00"),
    ("date", "2024-03-12T08:30:00Z"),
    ("price", "Цена 12 990 ₽"),
    ("price", "$1,299.00"),
];

fn found(text: &str, region: Option<Region>) -> Vec<String> {
    let mut out = Vec::new();
    for mode in [Mode::Discover, Mode::Valid] {
        for f in Scanner::new(region, mode).scan(text) {
            out.push(f.raw(text).to_string());
        }
    }
    out
}

#[test]
fn look_alikes_give_nothing_in_discovery() {
    let regions = [
        None,
        Some("RU"),
        Some("US"),
        Some("GB"),
        Some("DE"),
        Some("FR"),
        Some("UA"),
        Some("ES"),
        Some("IT"),
        Some("DK"),
    ];
    let mut failures = Vec::new();
    for (kind, text) in LOOK_ALIKES {
        for r in regions {
            let region = r.map(|r| r.parse::<Region>().unwrap());
            let got = found(text, region);
            if !got.is_empty() {
                failures.push(format!("{kind} {text:?} (region {r:?}): {got:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} found:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn discovery_still_finds_the_numbers_beside_them() {
    let text = "Clinic (since 2009–2024), 12 345 678 patients. Call (415) 666-7777, \
                +44 20 7946 0018 or 8 (495) 123-45-67. VAT GB 123 4567 89.";
    let got: Vec<String> = Scanner::new(None, Mode::Discover)
        .scan(text)
        .iter()
        .map(|f| f.raw(text).to_string())
        .collect();
    assert_eq!(
        got,
        ["(415) 666-7777", "+44 20 7946 0018", "8 (495) 123-45-67"]
    );
}

#[test]
fn two_numbers_joined_by_a_slash() {
    for (region, text, want) in [
        (
            "RU",
            "Тел.: 8 (495) 123-23-45/8 (495) 332-12-34",
            ["8 (495) 123-23-45", "8 (495) 332-12-34"],
        ),
        (
            "US",
            "Call 415-666-2345/415-332-1234",
            ["415-666-2345", "415-332-1234"],
        ),
        (
            "UA",
            "(044) 123-45-67/(067) 123-45-67",
            ["(044) 123-45-67", "(067) 123-45-67"],
        ),
    ] {
        let got: Vec<String> = Scanner::new(region.parse().ok(), Mode::Valid)
            .scan(text)
            .iter()
            .map(|f| f.raw(text).to_string())
            .collect();
        assert_eq!(got, want, "{text}");
    }
    // A date or an id with slashes stays nothing.
    for text in ["12/03/2024", "Order 4951234567/4997654321", "3/10/1984"] {
        assert!(
            Scanner::new(Some(Region::RU), Mode::Valid)
                .scan(text)
                .is_empty(),
            "{text}"
        );
    }
}
