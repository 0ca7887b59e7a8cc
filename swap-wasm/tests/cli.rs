//! The `scan` example as a user runs it: JSON lines, swaps, exit codes.
#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The example binary cargo built next to this test (`cargo test` builds examples).
fn scan_bin() -> PathBuf {
    let mut p = std::env::current_exe().expect("test binary path");
    p.pop();
    if p.ends_with("deps") {
        p.pop();
    }
    let bin = p
        .join("examples")
        .join(format!("scan{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test -p swap-wasm` (it builds the examples)",
        bin.display()
    );
    bin
}

fn run(args: &[&str], input: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(scan_bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start scan");
    // The command may exit (bad flags) before reading its input.
    let _ = child.stdin.take().expect("stdin").write_all(input);
    let out = child.wait_with_output().expect("scan output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

const PAGE: &str = "Звоните: 8 (495) 123-45-67 доб. 12, факс +7 495 765-43-21.\n\
US office: +1 (415) 666-7777, (415) 666-7777 from the US. Order #84951234567, 12.03.2024, \"tel:+74951234567\"\n";

#[test]
fn lists_matches_as_json_lines_with_byte_offsets() {
    let (code, out, err) = run(&["--region", "RU"], PAGE.as_bytes());
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    // "(415) 666-7777" is also a valid Russian number (area 415): with --region RU it resolves so.
    assert_eq!(lines.len(), 5, "{out}");
    let raw = "8 (495) 123-45-67 доб. 12";
    let start = PAGE.find(raw).unwrap();
    assert_eq!(
        lines[0],
        format!(
            "{{\"start\": {start}, \"end\": {}, \"raw\": \"{raw}\", \"e164\": \"+74951234567\"}}",
            start + raw.len()
        )
    );
    assert!(
        lines[1].contains("\"raw\": \"+7 495 765-43-21\"")
            && lines[1].contains("\"e164\": \"+74957654321\"")
    );
    assert!(
        lines[2].contains("\"raw\": \"+1 (415) 666-7777\", \"e164\": \"+14156667777\""),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].contains("\"raw\": \"(415) 666-7777\", \"e164\": \"+74156667777\""),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].contains("\"raw\": \"+74951234567\""),
        "{}",
        lines[4]
    );
    // Offsets are UTF-8 byte offsets into the input.
    for l in &lines {
        let s: usize = l
            .split("\"start\": ")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let e: usize = l
            .split("\"end\": ")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(l.contains(&format!(
            "\"raw\": \"{}\"",
            &PAGE[s..e].replace('"', "\\\"")
        )));
    }
}

#[test]
fn number_filter_region_and_discovery() {
    let (_, out, _) = run(
        &["--region", "RU", "--number", "+74951234567"],
        PAGE.as_bytes(),
    );
    assert_eq!(out.lines().count(), 2);
    assert!(out
        .lines()
        .all(|l| l.ends_with("\"e164\": \"+74951234567\"}")));
    // No region: only numbers with a country code resolve.
    let (_, out, _) = run(&["--region", "ZZ"], PAGE.as_bytes());
    assert_eq!(out.lines().count(), 3, "{out}");
    let (_, out, _) = run(&[], PAGE.as_bytes());
    assert_eq!(out.lines().count(), 3, "{out}");
    let (_, out, _) = run(&["--region", "US"], PAGE.as_bytes());
    assert!(
        out.contains("\"raw\": \"(415) 666-7777\", \"e164\": \"+14156667777\""),
        "{out}"
    );
    // Every region of the table reads its national numbers.
    let (code, out, err) = run(
        &["--region", "ES"],
        "Llame al +34 912 34 56 78 o al 912 34 56 78.".as_bytes(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.lines()
            .all(|l| l.contains("\"e164\": \"+34912345678\"")),
        "{out}"
    );
    // A region without national data (Antarctica), as swapNumbers reads it:
    // numbers with + or 00 only (and a word on stderr), never an error.
    let (code, out, err) = run(
        &["--region", "AQ"],
        "Call +34 912 34 56 78 or 912 34 56 78.".as_bytes(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("\"e164\": \"+34912345678\""), "{out}");
    assert!(err.contains("no national numbering data"), "{err}");
    // Discovery lists the national forms too, with a null country.
    let (_, out, _) = run(&["--discover"], PAGE.as_bytes());
    assert!(
        out.contains("\"raw\": \"(415) 666-7777\", \"e164\": null"),
        "{out}"
    );
    assert!(
        out.contains("\"raw\": \"8 (495) 123-45-67 доб. 12\", \"e164\": null"),
        "{out}"
    );
    assert!(
        !out.contains("84951234567\""),
        "an order number was listed: {out}"
    );
}

#[test]
fn swaps_in_the_original_format() {
    let (code, out, _) = run(
        &[
            "--region",
            "RU",
            "--swap",
            "+74951234567=+74997654321",
            "--swap",
            "+14156667777=+16505550100",
        ],
        PAGE.as_bytes(),
    );
    assert_eq!(code, 0);
    assert_eq!(
        out,
        PAGE.replace("8 (495) 123-45-67", "8 (499) 765-43-21")
            .replace("+1 (415) 666-7777", "+1 (650) 555-0100")
            .replace("tel:+74951234567", "tel:+74997654321")
    );
}

#[test]
fn bad_flags_exit_2_with_a_message() {
    for args in [
        &["--region", "RUS"][..],
        &["--region"],
        &["--number", "123"],
        &["--swap", "+74951234567"],
        &["--swap", "+74951234567=abc"],
        &["--bogus"],
        &["--discover", "--swap", "+74951234567=+74997654321"],
    ] {
        let (code, out, err) = run(args, b"x");
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty());
        assert!(err.starts_with("scan: "), "{args:?}: {err}");
    }
    let (code, _, err) = run(&["--region", "RU"], &[0xff, 0xfe]);
    assert_eq!(code, 2);
    assert!(err.contains("not UTF-8"));
}
