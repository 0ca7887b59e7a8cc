//! The matcher on the command line, for support, set-up and outside checks.
//!
//! ```text
//! cargo run -q -p swap-wasm --example scan -- [--region RU] [--number +74951234567]...
//!     [--discover] [--swap +74951234567=+74997654321]... < page.txt
//! ```
//!
//! Prints one JSON object per line per match, in order:
//! `{"start": <byte offset>, "end": <byte offset, extension included>, "raw": "<text>", "e164": "+7..." | null}`.
//! `--region ZZ` (or none): no default region, only numbers written with a
//! country code resolve. `--number` (repeatable) keeps only those numbers;
//! `--discover` lists every phone-like number, also those of unknown country.
//! `--swap FROM=TO` (repeatable) writes the input instead, with every written
//! form of FROM rewritten as TO in its own format. `--numbering XX` prints
//! the region's numbering line for the page (what the edge sends) and exits.
//! Bad flags: exit 2.

use std::io::{Read, Write};
use std::process::ExitCode;

use pool_core::number::{PhoneNumber, Region};
use swap_wasm::scan::{swap, Mode, Scanner};

struct Args {
    region: Option<Region>,
    numbers: Vec<PhoneNumber>,
    discover: bool,
    swaps: Vec<(PhoneNumber, PhoneNumber)>,
}

const USAGE: &str = "usage: scan [--region XX|ZZ] [--number +E164]... [--discover] [--swap +FROM=+TO]... < text\n       scan --numbering XX";

fn number(flag: &str, s: &str) -> Result<PhoneNumber, String> {
    s.parse()
        .map_err(|e| format!("{flag} {s:?}: not an E.164 number ({e})"))
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        region: None,
        numbers: Vec::new(),
        discover: false,
        swaps: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--region" => {
                let v = value("--region")?;
                if v.eq_ignore_ascii_case("ZZ") {
                    a.region = None;
                } else {
                    let r: Region = v
                        .parse()
                        .map_err(|_| format!("--region {v:?}: not a region code"))?;
                    // As swapNumbers does: a region without national numbering
                    // data reads the numbers written with + or 00 only.
                    if !r.is_supported() {
                        eprintln!(
                            "scan: --region {r}: no national numbering data; only numbers written with + or 00 are read"
                        );
                    }
                    a.region = Some(r);
                }
            }
            "--number" => {
                let v = value("--number")?;
                a.numbers.push(number("--number", &v)?);
            }
            "--discover" => a.discover = true,
            "--swap" => {
                let v = value("--swap")?;
                let (from, to) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--swap {v:?}: expected FROM=TO"))?;
                a.swaps
                    .push((number("--swap", from)?, number("--swap", to)?));
            }
            "--numbering" => {
                let v = value("--numbering")?;
                let plan = v
                    .parse::<Region>()
                    .ok()
                    .and_then(|r| r.plan())
                    .ok_or_else(|| format!("--numbering {v:?}: no numbering data"))?;
                println!("{}", pool_core::numbering::coarse(plan));
                std::process::exit(0);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if a.discover && !a.swaps.is_empty() {
        return Err("--discover and --swap do not go together".into());
    }
    Ok(a)
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("scan: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("scan: cannot read standard input: {e}");
        return ExitCode::from(2);
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "scan: standard input is not UTF-8 (at byte {})",
                e.utf8_error().valid_up_to()
            );
            return ExitCode::from(2);
        }
    };
    let mut stdout = std::io::stdout().lock();
    if !args.swaps.is_empty() {
        let out = swap(&text, args.region, &args.swaps);
        return match stdout.write_all(out.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(1),
        };
    }
    let mode = if args.discover {
        Mode::Discover
    } else {
        Mode::Valid
    };
    let mut out = String::new();
    let scanner = Scanner::new(args.region, mode).knowing(args.numbers.iter().copied());
    for f in scanner.scan(&text) {
        if !args.numbers.is_empty() && !f.number.is_some_and(|n| args.numbers.contains(&n)) {
            continue;
        }
        out.push_str(&format!(
            "{{\"start\": {}, \"end\": {}, \"raw\": ",
            f.start, f.end
        ));
        json_string(f.raw(&text), &mut out);
        out.push_str(", \"e164\": ");
        match f.number {
            Some(n) => {
                out.push('"');
                out.push_str(&n.to_string());
                out.push('"');
            }
            None => out.push_str("null"),
        }
        out.push_str("}\n");
    }
    match stdout.write_all(out.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}
