//! The DOM shell in a real browser (wasm-bindgen-test in Chromium).
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use swap_wasm::dom::SwapHandle;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Document, Element};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> Document {
    web_sys::window()
        .expect("window")
        .document()
        .expect("document")
}

/// A fixture inside a container: the runner writes its output to <body>.
fn fixture(html: &str) -> Element {
    let div = document().create_element("div").expect("div");
    div.set_inner_html(html);
    document()
        .body()
        .expect("body")
        .append_child(&div)
        .expect("append");
    div
}

fn map(pairs: &[(&str, &str)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v)).expect("set");
    }
    o.into()
}

/// Swaps `numbers` under `root` at once (no slices, no observer), in region RU.
fn swap_all(numbers: &JsValue, root: Element, ignore: &str) -> Result<SwapHandle, JsValue> {
    SwapHandle::new(
        numbers,
        "RU",
        Some(root.into()),
        ignore,
        None,
        f64::INFINITY,
    )
}

fn text(root: &Element, sel: &str) -> String {
    root.query_selector(sel)
        .ok()
        .flatten()
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

fn attr(root: &Element, sel: &str, name: &str) -> String {
    root.query_selector(sel)
        .ok()
        .flatten()
        .and_then(|e| e.get_attribute(name))
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn swaps_in_place_and_restores() {
    let root = fixture(
        r#"<p id="t">Звоните 8 (495) 123-45-67!</p>
           <a id="l" href="tel:+74951234567" title="+7 495 123-45-67">+7 495 123-45-67</a>
           <p id="n" data-no-swap>8 (495) 123-45-67</p>
           <p id="o">8 (495) 765-43-21</p>"#,
    );
    let mut h =
        swap_all(&map(&[("+74951234567", "+74997654321")]), root.clone(), "").expect("swap");
    assert_eq!(text(&root, "#t"), "Звоните 8 (499) 765-43-21!");
    assert_eq!(attr(&root, "#l", "href"), "tel:+74997654321");
    assert_eq!(attr(&root, "#l", "title"), "+7 499 765-43-21");
    assert_eq!(text(&root, "#l"), "+7 499 765-43-21");
    assert_eq!(text(&root, "#n"), "8 (495) 123-45-67");
    assert_eq!(text(&root, "#o"), "8 (495) 765-43-21");
    h.destroy();
    assert_eq!(text(&root, "#t"), "Звоните 8 (495) 123-45-67!");
    assert_eq!(attr(&root, "#l", "href"), "tel:+74951234567");
    root.remove();
}

#[wasm_bindgen_test]
fn ignore_selectors_and_skipped_elements() {
    let root = fixture(
        r#"<div class="reviews"><p id="r">8 (495) 123-45-67</p></div>
           <textarea id="ta">8 (495) 123-45-67</textarea>
           <script id="s" type="application/ld+json">{"telephone":"+74951234567"}</script>
           <a id="wa" href="https://wa.me/74951234567">8 (495) 123-45-67</a>
           <p id="ok">8 (495) 123-45-67</p>
           <p id="half"><span class="reviews">8 (495)</span> 123-45-67</p>"#,
    );
    let mut h = swap_all(
        &map(&[("+74951234567", "+74997654321")]),
        root.clone(),
        ".reviews",
    )
    .expect("swap");
    assert_eq!(text(&root, "#r"), "8 (495) 123-45-67");
    assert_eq!(text(&root, "#ta"), "8 (495) 123-45-67");
    assert!(text(&root, "#s").contains("+74951234567"));
    assert_eq!(text(&root, "#wa"), "8 (495) 123-45-67");
    assert_eq!(text(&root, "#ok"), "8 (499) 765-43-21");
    // Half a number in a region left alone: neither half changes.
    assert_eq!(text(&root, "#half"), "8 (495) 123-45-67");
    h.destroy();
    root.remove();
}

#[wasm_bindgen_test]
fn bad_input_is_an_error() {
    let root = fixture("<p>8 (495) 123-45-67</p>");
    assert!(swap_all(&map(&[("nope", "+74997654321")]), root.clone(), "").is_err());
    assert!(swap_all(&JsValue::from_str("x"), root.clone(), "").is_err());
    assert!(swap_all(&map(&[]), root.clone(), "p[").is_err());
    root.remove();
}

#[wasm_bindgen_test]
fn numbers_split_across_inline_elements() {
    let root = fixture(
        r#"<p id="a"><span>+7 (495)</span> <b>123-45-67</b></p>
           <p id="b">Звоните: <a href="tel:+74951234567"><span class="code">8 495</span>&nbsp;<strong>123 45 67</strong></a>!</p>
           <div id="c"><span>8 (495) 123</span></div><div id="d"><span>-45-67</span></div>
           <p id="e"><span>+7 (495) 765</span>-43-21</p>
           <p id="f"><i>+</i><span>7 495 123-45-67</span></p>"#,
    );
    let mut h =
        swap_all(&map(&[("+74951234567", "+74997654321")]), root.clone(), "").expect("swap");
    assert_eq!(text(&root, "#a"), "+7 (499) 765-43-21");
    assert_eq!(text(&root, "#a span"), "+7 (499)");
    assert_eq!(text(&root, "#a b"), "765-43-21");
    assert_eq!(text(&root, "#b"), "Звоните: 8 499\u{a0}765 43 21!");
    assert_eq!(attr(&root, "#b a", "href"), "tel:+74997654321");
    // Two blocks are two texts: never joined.
    assert_eq!(text(&root, "#c"), "8 (495) 123");
    assert_eq!(text(&root, "#d"), "-45-67");
    // Another number split the same way stays.
    assert_eq!(text(&root, "#e"), "+7 (495) 765-43-21");
    // The `+` that opens a number, in an element of its own.
    assert_eq!(text(&root, "#f"), "+7 499 765-43-21");
    assert_eq!(text(&root, "#f i"), "+");
    h.destroy();
    assert_eq!(text(&root, "#a"), "+7 (495) 123-45-67");
    assert_eq!(text(&root, "#b"), "Звоните: 8 495\u{a0}123 45 67!");
    root.remove();
}

fn count(o: &JsValue, path: &[&str]) -> f64 {
    let mut v = o.clone();
    for k in path {
        v = js_sys::Reflect::get(&v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    }
    v.as_f64().unwrap_or(0.0)
}

#[wasm_bindgen_test]
fn coverage_counts_what_was_left_and_why() {
    let root = fixture(
        r#"<p>Звоните 8 (495) 123-45-67</p>
           <a href="tel:84951234567">позвонить</a>
           <p data-no-swap>8 (495) 123-45-67</p>
           <div class="legal"><p>Тел. 8 (495) 123-45-67</p></div>
           <textarea>8 (495) 123-45-67</textarea>
           <a href="https://wa.me/74951234567">WhatsApp 8 (495) 123-45-67</a>
           <script type="application/ld+json">{"telephone": "+7 495 123-45-67"}</script>
           <p>Склад: +7 (812) 555-12-34, второй офис: +7 (812) 555-00-00</p>"#,
    );
    let mut h = swap_all(
        &map(&[
            ("+74951234567", "+74997654321"),
            // The second office has no tracking number for this visitor.
            ("+78125551234", "+78125551234"),
        ]),
        root.clone(),
        ".legal",
    )
    .expect("handle");
    let c: JsValue = h.coverage().into();
    // Swapped: the text and the tel: link. Left: a marked region and the
    // site's ignore selector, a form field, a chat link, a target without a
    // tracking number. Not counted: JSON-LD, numbers that are not the site's.
    assert_eq!(count(&c, &["swapped"]), 2.0);
    assert_eq!(count(&c, &["unswapped", "ignored"]), 2.0);
    assert_eq!(count(&c, &["unswapped", "editable"]), 1.0);
    assert_eq!(count(&c, &["unswapped", "messenger"]), 1.0);
    assert_eq!(count(&c, &["unswapped", "no_number"]), 1.0);
    assert_eq!(count(&c, &["unswapped", "other"]), 0.0);
    assert_eq!(count(&c, &["found"]), 7.0);
    h.destroy();
    // After destroy the originals are back: nothing swapped any more.
    let again = swap_all(&map(&[("+74951234567", "+74951234567")]), root, "").expect("handle");
    let c: JsValue = again.coverage().into();
    assert_eq!(count(&c, &["swapped"]), 0.0);
    assert_eq!(count(&c, &["unswapped", "no_number"]), 3.0, "{c:?}");
}

/// Waits `ms` on the page's own timer (after the observer's microtask).
async fn wait(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let set_timeout: js_sys::Function =
            js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout"))
                .expect("setTimeout")
                .into();
        set_timeout
            .call2(&JsValue::NULL, &resolve, &JsValue::from(ms))
            .expect("timer");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("timer");
}

/// A handle watched the way `swapNumbers` watches: the page's observer calls
/// `mutated` on the handle while there is one (`handle?.mutated(records)`),
/// then `step` for the added content, and counts the calls that come when
/// there is no handle any more.
struct Watched {
    handle: Rc<RefCell<Option<SwapHandle>>>,
    late_calls: Rc<Cell<u32>>,
    _callback: Closure<dyn FnMut(js_sys::Array)>,
}

fn watched(root: JsValue) -> Watched {
    let handle: Rc<RefCell<Option<SwapHandle>>> = Rc::new(RefCell::new(None));
    let late_calls = Rc::new(Cell::new(0));
    let (h, late) = (Rc::clone(&handle), Rc::clone(&late_calls));
    let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |records: js_sys::Array| {
        match h.borrow_mut().as_mut() {
            // Added content is walked by step(), as swapNumbers does in slices.
            Some(h) => {
                if h.mutated(records) {
                    while !h.step(f64::INFINITY) {}
                }
            }
            None => late.set(late.get() + 1),
        }
    });
    let observer =
        web_sys::MutationObserver::new(callback.as_ref().unchecked_ref()).expect("observer");
    let swap = SwapHandle::new(
        &map(&[("+74951234567", "+74997654321")]),
        "RU",
        Some(root.unchecked_into()),
        "",
        Some(observer),
        f64::INFINITY,
    )
    .expect("swap");
    *handle.borrow_mut() = Some(swap);
    Watched {
        handle,
        late_calls,
        _callback: callback,
    }
}

#[wasm_bindgen_test]
async fn a_freed_handle_stops_watching_and_leaves_no_callback_behind() {
    let root = fixture(r#"<p id="t">8 (495) 123-45-67</p>"#);
    let w = watched(root.clone().into());
    assert_eq!(text(&root, "#t"), "8 (499) 765-43-21");
    // What `free()` does from JS: the handle goes, with no destroy() first.
    drop(w.handle.borrow_mut().take());
    let later = document().create_element("p").expect("p");
    later.set_id("later");
    later.set_text_content(Some("8 (495) 123-45-67"));
    root.append_child(&later).expect("append");
    wait(50).await;
    assert_eq!(
        text(&root, "#later"),
        "8 (495) 123-45-67",
        "nothing watches any more"
    );
    assert_eq!(w.late_calls.get(), 0, "no call into a freed handle");
    root.remove();
}

#[wasm_bindgen_test]
async fn a_document_is_a_root_for_what_is_there_and_what_comes_later() {
    // A document as the root: what is there at the start, and what comes later.
    let root = fixture(r#"<p id="now">8 (495) 123-45-67</p>"#);
    let w = watched(document().into());
    assert_eq!(text(&root, "#now"), "8 (499) 765-43-21");
    let later = document().create_element("p").expect("p");
    later.set_id("later");
    later.set_text_content(Some("+7 495 123-45-67"));
    root.append_child(&later).expect("append");
    wait(50).await;
    assert_eq!(text(&root, "#later"), "+7 499 765-43-21");
    drop(w.handle.borrow_mut().take());
    root.remove();
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/js/collect.js")]
extern "C" {
    /// The page walk's test for a site's national numbers (joined by commas).
    #[wasm_bindgen(js_name = siteTest)]
    fn site_test(site: &str) -> js_sys::RegExp;
    /// The page walk's test of a text: also refuses the edges the wasm refuses.
    #[wasm_bindgen(js_name = textTest)]
    fn text_test(site: &str) -> js_sys::Function;
}

#[wasm_bindgen_test]
fn the_page_walks_test_is_the_matchers_prefilter() {
    // The page walk's test of a site's digits (of attributes as it is, of
    // texts with the edges of the next test) must pass exactly the texts
    // `scan::may_contain` passes (which the matcher's tests show never
    // drops a number it finds), in the browser's own regular-expression
    // engine.
    let sites: [pool_core::number::PhoneNumber; 2] = [
        "+74951234567".parse().unwrap(),
        "+74997654321".parse().unwrap(),
    ];
    let test = site_test("4951234567,4997654321");
    // What may stand around and between the digits: separators of every
    // kind, escapes, a run's NUL, and what is no separator.
    let pieces = [
        " ", "\t", "\u{a0}", "\u{2007}", "\u{2009}", "\u{202f}", "\u{3000}", "-", "\u{2010}",
        "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}", ".", "/", "(", ")", "[", "]", "\u{ff08}",
        "\u{ff09}", "\u{ff0d}", "\u{ff0e}", "\u{ff0f}", "%20", "%2d", "%2", "%", "\0", "+", ",",
        ":", "\n", "a", "б", "#", "№", "\u{200b}", "\u{ad}", "5", "０", "x",
    ];
    // A fixed pseudo-random sequence (an LCG): the same corpus on every run.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % n
    };
    let mut passed = 0;
    for k in 0..20_000 {
        // The digits of one site number, now and then full-width or left
        // out, with a piece between and around them now and then.
        let digits = if k % 2 == 0 {
            "84951234567"
        } else {
            "84997654321"
        };
        let mut text = String::new();
        for d in digits.chars() {
            if next(3) == 0 {
                text.push_str(pieces[next(pieces.len())]);
            }
            match next(40) {
                0 => {}
                1 => text.push(char::from_u32(0xff10 + d.to_digit(10).unwrap()).unwrap()),
                _ => text.push(d),
            }
        }
        let ours = swap_wasm::scan::may_contain(&text, sites.iter().copied());
        let page = test.test(&text);
        // The page never drops a text the matcher's prefilter passes. It may
        // pass one more where a match starts inside a percent escape
        // (`%249 5…`), a text the wasm then refuses.
        assert!(
            page == ours || (page && text.contains('%')),
            "{text:?}: page {page}, wasm {ours}"
        );
        passed += usize::from(ours);
    }
    // Both outcomes are common in the corpus.
    assert!((4_000..16_000).contains(&passed), "{passed} of 20000 pass");
}

#[wasm_bindgen_test]
fn the_page_walk_drops_no_text_the_matcher_would_swap() {
    // The page walk's test of a text is stricter than the prefilter: it
    // refuses a number's digits right after a sign of an id, or followed by
    // more digits. Every text in which the matcher finds one of the site's
    // numbers must still pass it. Written forms of the numbers, with what
    // may stand before and after them, every pair.
    let cases: [(&str, &str, &[&str]); 2] = [
        (
            "RU",
            "+74951234567",
            &[
                "84951234567",
                "8 (495) 123-45-67",
                "+7 495 123 45 67",
                "4951234567",
                "495-123-45-67",
                "+7(495)1234567",
                "(495) 123-45-67",
                "\u{ff18}\u{ff14}\u{ff19}\u{ff15}\u{ff11}\u{ff12}\u{ff13}\u{ff14}\u{ff15}\u{ff16}\u{ff17}",
                "8-495-123-45-67",
                "+7.495.123.45.67",
            ],
        ),
        (
            "US",
            "+12125550199",
            &[
                "2125550199",
                "(212) 555-0199",
                "212-555-0199",
                "+1 212 555 0199",
                "1-212-555-0199",
                "212.555.0199",
            ],
        ),
    ];
    let before = [
        "",
        " ",
        "\u{2116}",
        "\u{2116} ",
        "# ",
        "#",
        "\u{2116}\u{a0}",
        "Order #",
        "Tel.: ",
        "@",
        "_",
        "=",
        "&",
        "*",
        "\\",
        "x",
        "5",
        "5-",
        "5 ",
        "tel:",
        "tel:+",
        "Call ",
        "(",
        "+",
        "a ",
        "%20",
        "\0",
        "/",
        "- ",
        "ext. 5 ",
    ];
    let after = [
        "",
        " ",
        "-89",
        ".5",
        "5",
        "-",
        ".",
        "-8 ",
        ". Next",
        "/8 (495) 765-43-21",
        ",",
        ", 8 800",
        " ext. 12",
        "..5",
        "-.5",
        "\u{ff10}",
        "-\u{ff10}",
        "x",
        "%2D5",
        "\0-5",
        "-\u{2013}5",
        " 89",
        "\u{a0}5",
        " - 5",
        "(5",
    ];
    let (mut found, mut dropped) = (0, 0);
    for (region, number, forms) in cases {
        let site: pool_core::number::PhoneNumber = number.parse().unwrap();
        let scanner = swap_wasm::scan::Scanner::new(
            Some(region.parse().unwrap()),
            swap_wasm::scan::Mode::Valid,
        )
        .only([site]);
        let holds = text_test(
            &String::from_utf8(site.national().iter().map(|d| b'0' + d).collect()).unwrap(),
        );
        for form in forms {
            for b in before {
                for a in after {
                    let text = format!("{b}{form}{a}");
                    let swapped = scanner.scan(&text).iter().any(|f| f.number == Some(site));
                    let passes = holds
                        .call1(&JsValue::NULL, &JsValue::from_str(&text))
                        .unwrap()
                        .is_truthy();
                    assert!(
                        passes || !swapped,
                        "{text:?}: the matcher swaps it, the page walk drops it"
                    );
                    found += usize::from(swapped);
                    dropped += usize::from(!passes);
                }
            }
        }
    }
    // Both outcomes are common: the check is not empty either way.
    assert!(
        found > 1_000 && dropped > 1_000,
        "{found} swapped, {dropped} dropped"
    );
}

/// Every way a page may split one written number over inline elements:
/// each written form of several regions, cut at every gap between its
/// characters (between groups and inside one), as two elements, as an
/// element and a bare text, inside a `tel:` link, and every group in an
/// element of its own. All of it in one page, after other runs, as on a real
/// page (the walk's state carries from one block to the next).
#[wasm_bindgen_test]
fn a_number_split_anywhere_over_inline_elements_is_swapped() {
    let cases: [(&str, &str, &str, &[&str]); 7] = [
        (
            "RU",
            "+74951234567",
            "+74997654321",
            &[
                "+7 (495) 123-45-67",
                "8 (495) 123-45-67",
                "8 495 123 45 67",
                "(495) 123-45-67",
            ],
        ),
        (
            "US",
            "+12125550199",
            "+12125550123",
            &[
                "(212) 555-0199",
                "212-555-0199",
                "+1 212 555 0199",
                "212.555.0199",
            ],
        ),
        (
            "FR",
            "+33123456789",
            "+33198765432",
            &["01 23 45 67 89", "+33 1 23 45 67 89", "01.23.45.67.89"],
        ),
        (
            "GB",
            "+442079460123",
            "+442079460456",
            &["020 7946 0123", "+44 20 7946 0123", "(020) 7946 0123"],
        ),
        (
            "DE",
            "+493012345678",
            "+493087654321",
            &["030 12345678", "+49 30 12345678", "030/1234 5678"],
        ),
        (
            "UA",
            "+380441234567",
            "+380449876543",
            &["044 123 45 67", "+380 44 123 4567", "(044) 123-45-67"],
        ),
        (
            "KZ",
            "+77172123456",
            "+77172654321",
            &["8 (7172) 12-34-56", "+7 7172 123456"],
        ),
    ];
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (region, from, to, forms) in cases {
        let (f, t): (
            pool_core::number::PhoneNumber,
            pool_core::number::PhoneNumber,
        ) = (from.parse().unwrap(), to.parse().unwrap());
        // The page: each form whole, then cut every way, each in a paragraph
        // of its own between words.
        let mut html = String::new();
        let mut expected = Vec::new();
        for form in forms {
            let whole = format!("Tel: {form} now");
            let swapped = swap_wasm::swap_text(&whole, Some(region.parse().unwrap()), f, t);
            assert_ne!(swapped, whole, "{region} {form:?} is not read at all");
            let mut add = |inner: String| {
                html.push_str(&format!("<p>Tel: {inner} now</p>"));
                expected.push((form.to_string(), inner, swapped.clone()));
            };
            add((*form).to_string());
            let cuts: Vec<usize> = form.char_indices().map(|(i, _)| i).skip(1).collect();
            for &i in &cuts {
                let (a, b) = form.split_at(i);
                add(format!("<span>{a}</span><span>{b}</span>"));
                add(format!("<b>{a}</b>{b}"));
                add(format!("{a}<i>{b}</i>"));
                add(format!(
                    "<a href=\"tel:{from}\"><span>{a}</span><strong>{b}</strong></a>"
                ));
            }
            // Every group of digits in an element of its own, the separators bare.
            let mut each = String::new();
            let mut in_digits = false;
            for c in form.chars() {
                let d = c.is_ascii_digit();
                if d && !in_digits {
                    each.push_str("<span>");
                } else if !d && in_digits {
                    each.push_str("</span>");
                }
                in_digits = d;
                each.push(c);
            }
            if in_digits {
                each.push_str("</span>");
            }
            add(each);
        }
        let root = fixture(&html);
        let mut h = SwapHandle::new(
            &map(&[(from, to)]),
            region,
            Some(root.clone().into()),
            "",
            None,
            f64::INFINITY,
        )
        .expect("swap");
        let paragraphs = root.query_selector_all("p").expect("p");
        assert_eq!(paragraphs.length() as usize, expected.len());
        for (k, (form, inner, swapped)) in expected.iter().enumerate() {
            let p: Element = paragraphs.item(k as u32).unwrap().unchecked_into();
            let got = p.text_content().unwrap_or_default();
            if &got != swapped {
                wrong.push(format!(
                    "{region} {form:?} as {inner:?}: {got:?}, not {swapped:?}"
                ));
            }
            if let Some(a) = p.query_selector("a").ok().flatten() {
                let href = a.get_attribute("href").unwrap_or_default();
                if href != format!("tel:{to}") {
                    wrong.push(format!("{region} {inner:?}: the link is {href:?}"));
                }
            }
            checked += 1;
        }
        h.destroy();
        root.remove();
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} not swapped as written whole:\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(checked > 1_000, "{checked} splits checked");
}

#[wasm_bindgen_test]
fn a_national_form_with_no_numbering_to_read_it_is_counted_unread() {
    let root = fixture(
        r#"<p id="n">Звоните 8 (495) 123-45-67</p>
           <p id="i">+7 495 123-45-67</p>
           <p data-no-swap>8 (495) 123-45-67</p>
           <p>Заказ №4951234567, артикул 495-123-45-67-89</p>"#,
    );
    // No region: national forms cannot be read.
    let mut h = SwapHandle::new(
        &map(&[("+74951234567", "+74997654321")]),
        "",
        Some(root.clone().into()),
        "",
        None,
        f64::INFINITY,
    )
    .expect("swap");
    assert_eq!(text(&root, "#n"), "Звоните 8 (495) 123-45-67");
    assert_eq!(text(&root, "#i"), "+7 499 765-43-21");
    let s: JsValue = h.stats().into();
    assert_eq!((count(&s, &["found"]), count(&s, &["swapped"])), (2.0, 1.0));
    let c: JsValue = h.coverage().into();
    assert_eq!(count(&c, &["found"]), 3.0, "{c:?}");
    assert_eq!(count(&c, &["swapped"]), 1.0);
    assert_eq!(count(&c, &["unswapped", "unread"]), 1.0);
    assert_eq!(count(&c, &["unswapped", "ignored"]), 1.0);
    h.destroy();
    // With the region's numbering, nothing is unread.
    let h = swap_all(&map(&[("+74951234567", "+74997654321")]), root.clone(), "").expect("swap");
    let c: JsValue = h.coverage().into();
    assert_eq!(count(&c, &["unswapped", "unread"]), 0.0, "{c:?}");
    assert_eq!(count(&c, &["swapped"]), 2.0, "{c:?}");
    root.remove();
}
