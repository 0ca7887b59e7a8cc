//! The cross-check of every region: libphonenumber's own example number of
//! each region and type, written by libphonenumber (the `phonenumber` crate)
//! in its national, international, E.164 and RFC 3966 forms and as bare
//! national digits, set in a sentence: the scanner must find each with its
//! E.164 value and rewrite it byte for byte. The same digits in a look-alike
//! context (an order id, a price, a date) must give nothing, in the swap and
//! in discovery. Also checks that `pool-core/data/numbering.txt` is what the
//! generator makes of the pinned metadata.
//!
//! `REGIONS_REPORT=1 cargo test -p swap-wasm --test regions -- --nocapture`
//! prints the table of BENCHMARKS.md.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../examples/numbering.rs"]
#[allow(dead_code)]
mod numbering;

use phonenumber::metadata::DATABASE;
use phonenumber::Mode as Fmt;
use pool_core::number::{PhoneNumber, Region};
use swap_wasm::scan::{swap, Mode, Scanner};

/// Forms libphonenumber writes that the matcher does not read, each with
/// why; the test fails when one is read after all (take it off) or when a
/// form outside these fails.
const KNOWN_GAPS: &[(&str, &str, &str)] = &[
    (
        "AR",
        "15-",
        "mobile numbers written with 15 after the area code (011 15-2345-6789): \
         libphonenumber rewrites them by a rule of its own, not in the table",
    ),
    ("NC", ".", "numbers written dd.dd.dd: refused as dates"),
    ("SR", "-", "numbers written dd-dd-dd: refused as dates"),
];

/// Whether a failure is a known gap: its region and a mark of the form.
fn known_gap(code: &str, form: &str) -> bool {
    let digits = form.chars().filter(char::is_ascii_digit).count();
    KNOWN_GAPS.iter().any(|(r, mark, _)| {
        *r == code
            && (form.contains(mark)
                // The same number as bare digits.
                || (*r == "AR" && digits == 13))
    })
}

/// One region's results.
#[derive(Default)]
struct Tally {
    forms: usize,
    found: usize,
    rewritten: usize,
    lookalikes: usize,
    refused: usize,
    failures: Vec<String>,
    gaps: Vec<String>,
}

fn formats(n: &phonenumber::PhoneNumber) -> Vec<(&'static str, String)> {
    let national = n.format().mode(Fmt::National).to_string();
    let digits: String = national.chars().filter(char::is_ascii_digit).collect();
    vec![
        ("national", national),
        (
            "international",
            n.format().mode(Fmt::International).to_string(),
        ),
        ("e164", n.format().mode(Fmt::E164).to_string()),
        ("rfc3966", n.format().mode(Fmt::Rfc3966).to_string()),
        ("digits", digits),
    ]
}

/// Another valid number of the same region and type, written in the same
/// shape as `n` in every form (its last digits changed), or `n` itself.
fn sibling(n: &phonenumber::PhoneNumber, id: phonenumber::country::Id) -> phonenumber::PhoneNumber {
    let nsn = n.national().to_string();
    let kind = n.number_type(&DATABASE);
    let shape = |m: &phonenumber::PhoneNumber| -> Vec<String> {
        formats(m)
            .into_iter()
            .map(|(_, f)| {
                f.chars()
                    .map(|c| if c.is_ascii_digit() { 'd' } else { c })
                    .collect()
            })
            .collect()
    };
    for last in 1..10u32 {
        let mut digits: Vec<char> = nsn.chars().collect();
        let k = digits.len() - 1;
        let d = digits[k].to_digit(10).unwrap_or(0);
        digits[k] = char::from_digit((d + last) % 10, 10).unwrap_or('0');
        let candidate: String = digits.into_iter().collect();
        if let Ok(m) = phonenumber::parse(Some(id), &candidate) {
            if phonenumber::is_valid(&m)
                && m.number_type(&DATABASE) == kind
                && shape(&m) == shape(n)
            {
                return m;
            }
        }
    }
    n.clone()
}

fn e164(n: &phonenumber::PhoneNumber) -> PhoneNumber {
    n.format()
        .mode(Fmt::E164)
        .to_string()
        .parse()
        .expect("libphonenumber's E.164 parses")
}

fn check_region(meta: &phonenumber::metadata::Metadata, t: &mut Tally) {
    let code = meta.id();
    let region: Region = code.parse().expect("two letters");
    let id: phonenumber::country::Id = code.parse().expect("a region libphonenumber knows");
    let mut seen = std::collections::HashSet::new();
    for desc in numbering::types(meta) {
        let Some(example) = desc.example() else {
            continue;
        };
        if !seen.insert(example.to_string()) {
            continue;
        }
        let Ok(n) = phonenumber::parse(Some(id), example) else {
            continue;
        };
        if !phonenumber::is_valid(&n) {
            continue;
        }
        let want = e164(&n);
        let other = sibling(&n, id);
        let to = e164(&other);
        let other_forms = formats(&other);
        for (i, (kind, form)) in formats(&n).into_iter().enumerate() {
            t.forms += 1;
            let text = format!("Call us: {form}, every day.");
            let found = Scanner::new(Some(region), Mode::Valid).scan(&text);
            let hit = found.iter().find(|f| {
                f.number == Some(want)
                    && text[f.start..f.number_end].contains(form.trim_start_matches("tel:"))
            });
            if hit.is_some() && found.len() == 1 {
                t.found += 1;
            } else {
                let got: Vec<_> = found
                    .iter()
                    .map(|f| (f.raw(&text).to_string(), f.number))
                    .collect();
                let line = format!("{code} {kind} {form:?}: found {got:?}, want {want}");
                if known_gap(code, &form) && (kind == "national" || kind == "digits") {
                    t.gaps.push(line);
                } else {
                    t.failures.push(line);
                }
                continue;
            }
            let out = swap(&text, Some(region), &[(want, to)]);
            let expect = text.replace(&form, &other_forms[i].1);
            if out == expect {
                t.rewritten += 1;
            } else {
                t.failures.push(format!(
                    "{code} {kind} {form:?} -> {to}: wrote {out:?}, want {expect:?}"
                ));
            }
        }
        // The same digits where they are not a phone number.
        let digits: String = n.national().to_string();
        let date = (digits.len() >= 8).then(|| {
            format!(
                "Delivered on {}.{}.{}.",
                &digits[..2],
                &digits[2..4],
                &digits[4..8]
            )
        });
        let lookalikes = [
            Some(format!("Order #{digits} is on its way.")),
            Some(format!("Total: ${digits}.00 with tax.")),
            Some(format!("Цена: {digits} руб.")),
            Some(format!(
                "Tracking number {digits}{}",
                &digits[..2.min(digits.len())]
            )),
            Some(format!("ISBN {digits}")),
            date,
        ];
        for text in lookalikes.into_iter().flatten() {
            t.lookalikes += 1;
            let valid = Scanner::new(Some(region), Mode::Valid).scan(&text);
            let discovered = Scanner::new(Some(region), Mode::Discover).scan(&text);
            if valid.is_empty() && discovered.is_empty() {
                t.refused += 1;
            } else {
                let got: Vec<_> = valid
                    .iter()
                    .chain(&discovered)
                    .map(|f| f.raw(&text).to_string())
                    .collect();
                t.failures
                    .push(format!("{code} look-alike {text:?}: found {got:?}"));
            }
        }
    }
}

#[test]
fn every_region_is_found_rewritten_and_its_look_alikes_refused() {
    let mut metas: Vec<_> = DATABASE.iter().filter(|m| m.id().len() == 2).collect();
    metas.sort_by_key(|m| m.id());
    metas.dedup_by_key(|m| m.id());
    let report = std::env::var_os("REGIONS_REPORT").is_some();
    let mut failures = Vec::new();
    let mut gaps = Vec::new();
    let mut total = Tally::default();
    if report {
        println!("| region | forms | found | rewritten | look-alikes | refused | known gaps |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
    }
    for m in &metas {
        let mut t = Tally::default();
        check_region(m, &mut t);
        if report {
            println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                m.id(),
                t.forms,
                t.found,
                t.rewritten,
                t.lookalikes,
                t.refused,
                t.gaps.len()
            );
        }
        total.forms += t.forms;
        total.found += t.found;
        total.rewritten += t.rewritten;
        total.lookalikes += t.lookalikes;
        total.refused += t.refused;
        failures.extend(t.failures);
        gaps.extend(t.gaps);
    }
    for g in &gaps {
        println!("known gap: {g}");
    }
    // Every known gap still shows (else it is fixed: take it off the list).
    for (r, _, why) in KNOWN_GAPS {
        assert!(
            gaps.iter().any(|g| g.starts_with(r)),
            "{r} ({why}) is read now: take it off KNOWN_GAPS"
        );
    }
    println!(
        "{} regions: {} forms, {} found, {} rewritten, {} known gaps; {} look-alikes, {} refused",
        metas.len(),
        total.forms,
        total.found,
        total.rewritten,
        gaps.len(),
        total.lookalikes,
        total.refused
    );
    assert!(metas.len() > 240, "every region libphonenumber knows");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_is_what_the_generator_makes_of_the_pinned_metadata() {
    let committed = include_str!("../../pool-core/data/numbering.txt");
    assert!(
        committed == numbering::generate(),
        "pool-core/data/numbering.txt is stale: run\n  cargo run -q -p swap-wasm --example numbering > pool-core/data/numbering.txt"
    );
}
