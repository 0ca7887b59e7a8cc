//! Scan speed: our matcher next to the plain regular-expression approach,
//! on the same 100 KB page, measured in the same run.
//!
//! `cargo bench -p swap-wasm --bench scan` prints µs per page, MB/s, the
//! ratio, and how many matches each found: the page holds 20 phone numbers,
//! and every other match is a look-alike (a date, a price, an order number)
//! that a swap must never touch.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;
    use std::time::Instant;

    use pool_core::number::{PhoneNumber, Region};
    use regex::Regex;
    use swap_wasm::scan::{Mode, Scanner};

    /// A page of about 100 KB: prose, 20 phone numbers in various forms, and
    /// many look-alikes (dates, times, prices, order numbers, IPs, versions).
    fn page() -> (String, usize) {
        let numbers = [
            "+7 (495) 123-45-67",
            "8 (495) 123-45-67",
            "8 800 555-35-35",
            "+7 916 123-45-67",
            "(495) 765-43-21",
            "8-495-111-22-33",
            "+74951234567",
            "8 (4012) 12-34-56",
            "+7 495 123 45 67 доб. 204",
            "8\u{a0}495\u{a0}987\u{2011}65\u{2011}43",
        ];
        let lookalikes = [
            "12.03.2024",
            "08:00-20:00",
            "4 950 000 ₽",
            "Заказ № 84951234567",
            "192.168.100.200",
            "v2.10.495",
            "ИНН 7707083893",
            "$415-666-7777",
            "4111 1111 1111 1111",
            "55.7558, 37.6173",
            "2024-03-12T08:30:00Z",
            "1 234 567 руб.",
        ];
        let prose = "Стоматологическая клиника в центре Москвы: лечение, имплантация и гигиена. \
                     Our clinic is open every day; book a visit online or call us. ";
        let mut s = String::new();
        let mut i = 0;
        let mut placed = 0;
        let mut lookalike_count = 0;
        while s.len() < 100_000 {
            s.push_str(prose);
            s.push_str(lookalikes[i % lookalikes.len()]);
            lookalike_count += 1;
            s.push_str(". ");
            if i % 20 == 0 && placed < 20 {
                s.push_str("Телефон: ");
                s.push_str(numbers[placed % numbers.len()]);
                s.push_str(". ");
                placed += 1;
            }
            i += 1;
        }
        assert_eq!(placed, 20, "the page must hold 20 numbers");
        (s, lookalike_count)
    }

    fn median_us(mut f: impl FnMut() -> usize) -> (f64, usize) {
        let mut samples = Vec::new();
        let mut found = 0;
        let start = Instant::now();
        while samples.len() < 30 || (start.elapsed().as_millis() < 1500 && samples.len() < 500) {
            let t = Instant::now();
            found = black_box(f());
            samples.push(t.elapsed().as_secs_f64() * 1e6);
        }
        samples.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        (samples[samples.len() / 2], found)
    }

    /// About 100 KB of pairs of numbers joined by a slash (`…-11-11/8 495 …`),
    /// as a long contact list in one text: each pair is judged side by side.
    fn joined_pairs() -> String {
        let mut s = String::new();
        let mut i = 0u32;
        while s.len() < 100_000 {
            let (a, b) = (
                1_000_000 + i * 7 % 9_000_000,
                2_000_000 + i * 13 % 7_000_000,
            );
            s.push_str(&format!("тел./факс 8 495 {a}/8 495 {b}; "));
            i += 1;
        }
        s
    }

    pub fn main() {
        let (text, lookalikes) = page();
        let scanner = Scanner::new(Some(Region::RU), Mode::Valid);
        // The usual snippet: a generic phone pattern.
        let generic = Regex::new(r"\+?\d[\d\s().\-]{8,}\d").expect("regex");
        // A stricter snippet written for Russian numbers.
        let russian = Regex::new(r"(?:\+7|8)[\s\-(]*\d{3}[\s\-)]*\d{3}[\s\-]*\d{2}[\s\-]*\d{2}")
            .expect("regex");

        let (ours, ours_n) = median_us(|| scanner.scan(&text).len());
        // What a swap does: it looks for the site's number only (runs
        // without its digits are passed over), here +7 495 123-45-67.
        let site: PhoneNumber = "+74951234567".parse().expect("number");
        let swap = Scanner::new(Some(Region::RU), Mode::Valid).only([site]);
        let (only, only_n) = median_us(|| swap.scan(&text).len());
        let (gen, gen_n) = median_us(|| generic.find_iter(&text).count());
        let (ru, ru_n) = median_us(|| russian.find_iter(&text).count());

        println!(
            "\npage: {} bytes, 20 phone numbers, {} look-alikes",
            text.len(),
            lookalikes
        );
        println!("| scanner | µs per page | MB/s | time vs swap-wasm | matches (20 are phones; a swap finds the site's) |");
        println!("|---|---:|---:|---:|---:|");
        for (name, us, n) in [
            ("swap-wasm scan (region RU)", ours, ours_n),
            (
                "swap-wasm scan for the site's number (a swap)",
                only,
                only_n,
            ),
            ("regex crate, generic phone pattern", gen, gen_n),
            ("regex crate, Russian-number pattern", ru, ru_n),
        ] {
            let mbs = text.len() as f64 / us;
            println!("| {name} | {us:.0} | {mbs:.0} | {:.2}x | {n} |", us / ours);
        }

        let pairs = joined_pairs();
        let (ours, ours_n) = median_us(|| scanner.scan(&pairs).len());
        let (gen, gen_n) = median_us(|| generic.find_iter(&pairs).count());
        println!(
            "\none text of {} bytes: numbers in pairs joined by a slash",
            pairs.len()
        );
        println!("| scanner | µs per text | MB/s | time vs swap-wasm | matches |");
        println!("|---|---:|---:|---:|---:|");
        for (name, us, n) in [
            ("swap-wasm scan (region RU)", ours, ours_n),
            ("regex crate, generic phone pattern", gen, gen_n),
        ] {
            let mbs = pairs.len() as f64 / us;
            println!("| {name} | {us:.0} | {mbs:.0} | {:.2}x | {n} |", us / ours);
        }
    }
}

fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    native::main();
}
