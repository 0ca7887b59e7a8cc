//! The insertion mode's rewriter: throughput on a page of 5,000 elements,
//! next to the same rewriter (`lol_html`) passing the page through with no
//! handlers, measured in the same run; and the most memory it holds while a
//! 10 MB page streams through in 64 KB chunks (a counting allocator).
//!
//! `cargo bench -p edge-worker --bench insert`

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use edge_worker::insert::{Insertion, Numbers};

/// The system allocator, counting what is held now and at most.
struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// A clinic's page of `elements` elements: cards of prose with prices,
/// dates and other look-alikes, the site's number in several forms in one
/// card of 25, a header and a footer with it.
fn page(elements: usize) -> String {
    let forms = [
        "+7 (495) 123-45-67",
        "8&nbsp;495&nbsp;123-45-67",
        "8 (495) 123-45-67",
    ];
    let mut s = String::from(
        "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Клиника</title>\
         <script type=\"application/ld+json\">{\"telephone\":\"+7 (495) 123-45-67\"}</script></head><body>\
         <header><a href=\"tel:+74951234567\" title=\"Позвонить\">+7 (495) 123-45-67</a></header><main>",
    );
    let mut n = 3;
    let mut i = 0;
    while n < elements {
        s.push_str("<div class=\"card\"><h3>Имплантация зубов</h3><p>Приём врача от 1 500 ₽, запись на 12.03.2024 с 09:00 до 21:00. ");
        if i % 25 == 0 {
            s.push_str("Телефон: ");
            s.push_str(forms[i / 25 % forms.len()]);
            s.push('.');
        } else {
            s.push_str("ИНН 7707083893, лицензия № ЛО-77-01-012345.");
        }
        s.push_str(" <a href=\"/prices\">Цены</a></p></div>\n");
        n += 4;
        i += 1;
    }
    s.push_str("</main><footer>Звоните: +7 (495) 123-45-67</footer></body></html>");
    s
}

fn numbers() -> Numbers {
    Numbers {
        map: vec![(
            "+74951234567".parse().unwrap(),
            "+74990000001".parse().unwrap(),
        )],
        region: "RU".parse().ok(),
        ignore: vec![".no-swap".into()],
        session: Some("0123456789abcdef0123456789abcdef".into()),
    }
}

/// Our rewriter over `html` in `chunk`-byte pieces: bytes out.
fn ours(html: &[u8], chunk: usize) -> usize {
    let mut r = Insertion::new(numbers()).unwrap();
    let mut out = 0;
    for c in html.chunks(chunk) {
        out += r.write(c).unwrap().len();
    }
    out + r.end().unwrap().len()
}

/// `lol_html` with no handlers: the floor of any rewriter on it.
fn passthrough(html: &[u8], chunk: usize) -> usize {
    let mut out = 0;
    let mut r = lol_html::HtmlRewriter::new(lol_html::Settings::new(), |c: &[u8]| out += c.len());
    for c in html.chunks(chunk) {
        r.write(c).unwrap();
    }
    r.end().unwrap();
    out
}

/// `lol_html` reading every element and text chunk, doing nothing with
/// them: what the parser costs a rewriter that looks at everything.
fn reading(html: &[u8], chunk: usize) -> usize {
    use lol_html::{doc_text, element};
    let mut out = 0;
    let settings = lol_html::Settings::new()
        .append_element_content_handler(element!("*", |el| {
            black_box(el.tag_name_preserve_case());
            Ok(())
        }))
        .append_document_content_handler(doc_text!(|t| {
            black_box(t.as_str());
            Ok(())
        }));
    let mut r = lol_html::HtmlRewriter::new(settings, |c: &[u8]| out += c.len());
    for c in html.chunks(chunk) {
        r.write(c).unwrap();
    }
    r.end().unwrap();
    out
}

/// Median ms of `f` over `runs` timed runs.
fn median(runs: usize, mut f: impl FnMut() -> usize) -> f64 {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let at = Instant::now();
            black_box(f());
            at.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() {
    let html = page(5_000);
    let bytes = html.as_bytes();
    let mb = bytes.len() as f64 / 1e6;
    let out = Insertion::new(numbers()).unwrap();
    drop(out);
    let rewritten = {
        let mut r = Insertion::new(numbers()).unwrap();
        let mut v = r.write(bytes).unwrap();
        v.extend(r.end().unwrap());
        String::from_utf8(v).unwrap()
    };
    let swapped = rewritten.matches("499").count();
    println!(
        "page: {} elements, {:.0} KB, {} site numbers rewritten",
        5_000,
        bytes.len() as f64 / 1e3,
        swapped
    );
    println!("| rewriter | ms per page (median of 31) | MB/s |");
    println!("|---|---:|---:|");
    for _ in 0..3 {
        ours(bytes, 16 * 1024);
        passthrough(bytes, 16 * 1024);
    }
    let base = median(31, || passthrough(bytes, 16 * 1024));
    let read = median(31, || reading(bytes, 16 * 1024));
    let mine = median(31, || ours(bytes, 16 * 1024));
    let rate = |ms: f64| mb / ms * 1e3;
    println!(
        "| lol_html, no handlers (baseline) | {base:.2} | {:.0} |",
        rate(base)
    );
    println!(
        "| lol_html reading every element and text, doing nothing | {read:.2} | {:.0} |",
        rate(read)
    );
    println!("| the insertion rewriter | {mine:.2} | {:.0} |", rate(mine));
    println!(
        "ratio: {:.2}x the baseline, {:.2}x reading alone",
        mine / base,
        mine / read
    );

    // Memory: a 10 MB page in 64 KB chunks, what the rewriter holds at most
    // beyond the chunk it is given (the page is never held whole).
    let big = page(200_000);
    let big = big.as_bytes();
    let mut r = Insertion::new(numbers()).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    let base = NOW.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let mut out_bytes = 0;
    for c in big.chunks(chunk.len()) {
        out_bytes += r.write(c).unwrap().len();
    }
    out_bytes += r.end().unwrap().len();
    let peak = PEAK.load(Ordering::Relaxed) - base;
    println!(
        "memory: a {:.1} MB page in 64 KB chunks ({:.1} MB out): at most {:.0} KB held by the rewriter",
        big.len() as f64 / 1e6,
        out_bytes as f64 / 1e6,
        peak as f64 / 1e3
    );
}
