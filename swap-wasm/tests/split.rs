//! Numbers split across elements, natively: the pure part of the DOM shell's
//! rewrite (`split::swap_split`): each node keeps its share of the written
//! number, the last takes what is left.

use pool_core::number::{PhoneNumber, Region};
use swap_wasm::split::{replace_range, swap_split};

fn n(s: &str) -> PhoneNumber {
    s.parse().unwrap()
}

fn texts(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn swap(parts: &[&str], region: Option<Region>) -> (Vec<String>, u32) {
    let map = [
        (n("+74951234567"), n("+74997654321")),
        (n("+12125550199"), n("+13105550123")),
    ];
    let mut out = texts(parts);
    let swapped = swap_split(&mut out, region, &map);
    (out, swapped)
}

#[test]
fn a_number_across_two_elements_keeps_each_nodes_share() {
    let (out, swapped) = swap(
        &["Звоните: +7 (495)", " ", "123-45-67 сегодня"],
        Some(Region::RU),
    );
    assert_eq!(out, ["Звоните: +7 (499)", " ", "765-43-21 сегодня"]);
    assert_eq!(swapped, 1);
}

#[test]
fn a_number_across_many_nodes_and_the_last_takes_the_rest() {
    let (out, swapped) = swap(&["(212) ", "555", "-", "0199"], Some(Region::US));
    assert_eq!(out, ["(310) ", "555", "-", "0123"]);
    assert_eq!(swapped, 1);
    // Digits split mid-group.
    let (out, _) = swap(&["8 (49", "5) 123-4", "5-67"], Some(Region::RU));
    assert_eq!(out.concat(), "8 (499) 765-43-21");
    assert_eq!(out, ["8 (49", "9) 765-4", "3-21"]);
}

#[test]
fn numbers_inside_one_node_are_left_for_the_text_pass() {
    let (out, swapped) = swap(&["8 (495) 123-45-67", " and ", "more"], Some(Region::RU));
    assert_eq!(out, ["8 (495) 123-45-67", " and ", "more"]);
    assert_eq!(swapped, 0);
}

#[test]
fn look_alikes_and_other_numbers_across_nodes_never_change() {
    for parts in [
        &["Order №", " 4951234567"][..],
        &["8 (495) ", "765-43-21"][..],
        &["12.03.", "2024 at 10:00"][..],
        &["IBAN DE89 3704 ", "0044 0532 0130 00"][..],
    ] {
        let (out, swapped) = swap(parts, Some(Region::RU));
        assert_eq!(out, texts(parts), "{parts:?}");
        assert_eq!(swapped, 0);
    }
}

#[test]
fn two_split_numbers_in_one_run_are_both_written() {
    let (out, swapped) = swap(&["+7 495 ", "123 45 67, or +1 212", " 555 0199"], None);
    assert_eq!(out.concat(), "+7 499 765 43 21, or +1 310 555 0123");
    assert_eq!(swapped, 2);
}

#[test]
fn byte_ranges_are_replaced_in_multibyte_text() {
    assert_eq!(replace_range("тел. 123", 8, 11, "987"), "тел. 987");
    assert_eq!(replace_range("abc", 1, 1, "X"), "aXbc");
}
