//! Pool benchmarks: our engine next to the naive design, measured in the same run.
//!
//! `cargo bench -p pool-core --bench pool` prints ns/op for lease+release,
//! renew (heartbeat) and the expiry sweep at 1k, 100k and 1M numbers, for
//! the pool and for a naive baseline (a `Vec` scanned for the first free
//! number, a `HashMap` from session to slot, a full scan to expire), and
//! the ratio. It never fails on time: the machine is shared and noisy, so
//! each figure is the median of several timed batches.
//!
//! `BENCH_QUICK=1` runs only the smaller sizes (used by `npm test` to keep
//! the bench compiling and running).

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant as StdInstant};

use pool_core::number::PhoneNumber;
use pool_core::pool::{Assignment, Config, Exhaustion, Pool};
use pool_core::session::SessionId;
use pool_core::time::{Duration, Instant};

fn numbers(n: usize) -> Vec<PhoneNumber> {
    (0..n)
        .map(|i| {
            let mut d = [0u8; 11];
            d[0] = 7;
            d[1] = 9;
            let mut x = i;
            for k in (2..11).rev() {
                d[k] = (x % 10) as u8;
                x /= 10;
            }
            PhoneNumber::from_digits(&d, 1).expect("valid number")
        })
        .collect()
}

/// xorshift: a reproducible spread of session picks.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn sid(i: u64) -> SessionId {
    // Spread bits like random browser ids.
    SessionId::from_u128(u128::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835))
}

/// The design a team writes first: scan for a free number, a map of sessions.
struct Naive {
    slots: Vec<(PhoneNumber, Option<(SessionId, Instant)>)>,
    by_session: HashMap<SessionId, usize>,
    fixation: Duration,
}

impl Naive {
    fn new(numbers: &[PhoneNumber], fixation: Duration) -> Naive {
        Naive {
            slots: numbers.iter().map(|n| (*n, None)).collect(),
            by_session: HashMap::new(),
            fixation,
        }
    }
    fn lease(&mut self, s: SessionId, now: Instant) -> Option<PhoneNumber> {
        if let Some(&i) = self.by_session.get(&s) {
            self.slots[i].1 = Some((s, now + self.fixation));
            return Some(self.slots[i].0);
        }
        let i = self.slots.iter().position(|(_, h)| h.is_none())?;
        self.slots[i].1 = Some((s, now + self.fixation));
        self.by_session.insert(s, i);
        Some(self.slots[i].0)
    }
    /// Set-up only: slot `i` held by `s` (no scan).
    fn fill(&mut self, i: usize, s: SessionId, now: Instant) {
        self.slots[i].1 = Some((s, now + self.fixation));
        self.by_session.insert(s, i);
    }
    fn renew(&mut self, s: SessionId, now: Instant) -> bool {
        match self.by_session.get(&s) {
            Some(&i) => {
                self.slots[i].1 = Some((s, now + self.fixation));
                true
            }
            None => false,
        }
    }
    fn release(&mut self, s: SessionId) {
        if let Some(i) = self.by_session.remove(&s) {
            self.slots[i].1 = None;
        }
    }
    fn expire(&mut self, now: Instant) -> usize {
        let mut n = 0;
        for (_, h) in self.slots.iter_mut() {
            if let Some((s, exp)) = *h {
                if exp <= now {
                    *h = None;
                    self.by_session.remove(&s);
                    n += 1;
                }
            }
        }
        n
    }
}

/// Runs `batch` (which times itself and returns `(ns, ops)`) at least
/// `min` times and until `budget` is spent; returns the median ns per op.
fn measure(mut batch: impl FnMut() -> (u128, u64), min: usize, budget: StdDuration) -> f64 {
    let mut samples = Vec::new();
    let start = StdInstant::now();
    while samples.len() < min || (start.elapsed() < budget && samples.len() < 50) {
        let (ns, ops) = batch();
        samples.push(ns as f64 / ops.max(1) as f64);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    samples[samples.len() / 2]
}

/// Times `f`, which returns how many operations it did.
fn timed(f: impl FnOnce() -> u64) -> (u128, u64) {
    let t = StdInstant::now();
    let ops = f();
    (t.elapsed().as_nanos(), ops)
}

fn config() -> Config {
    Config {
        fixation: Duration::from_mins(30),
        cooldown: Duration::from_millis(200),
        grace: Duration::from_mins(15),
        exhaustion: Exhaustion::Fallback,
        fallback: None,
    }
}

struct Row {
    op: &'static str,
    n: usize,
    ours: f64,
    naive: f64,
}

fn bench_size(n: usize, rows: &mut Vec<Row>) {
    let nums = numbers(n);
    let budget = StdDuration::from_millis(400);
    let half = (n / 2) as u64;

    // lease + release, half the pool leased (steady state), time moving on.
    let mut pool = Pool::with_numbers(config(), 1, nums.iter().copied()).expect("pool");
    let mut now = Instant::from_secs(1_700_000_000);
    for i in 0..half {
        pool.lease(sid(i), now);
    }
    let mut next = 1u64 << 40;
    let ours = measure(
        || {
            timed(|| {
                for _ in 0..2_000 {
                    now += Duration::from_millis(1);
                    next += 1;
                    match pool.lease(sid(next), now) {
                        Assignment::Leased { .. } => {}
                        Assignment::Fallback(_) => panic!("pool exhausted in the bench"),
                    }
                    black_box(pool.release(sid(next), now).ok());
                }
                2_000
            })
        },
        5,
        budget,
    );
    let mut naive = Naive::new(&nums, config().fixation);
    for i in 0..half {
        naive.fill(i as usize, sid(i), now);
    }
    let naive_ns = measure(
        || {
            timed(|| {
                let k = if n >= 100_000 { 20 } else { 2_000 };
                for _ in 0..k {
                    next += 1;
                    black_box(naive.lease(sid(next), now));
                    naive.release(sid(next));
                }
                k
            })
        },
        5,
        budget,
    );
    rows.push(Row {
        op: "lease+release",
        n,
        ours,
        naive: naive_ns,
    });

    // renew: heartbeats from random live sessions.
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let ours = measure(
        || {
            timed(|| {
                for _ in 0..2_000 {
                    now += Duration::from_millis(1);
                    let s = sid(rng.next() % half.max(1));
                    black_box(pool.renew(s, now).ok());
                }
                2_000
            })
        },
        5,
        budget,
    );
    let naive_ns = measure(
        || {
            timed(|| {
                for _ in 0..2_000 {
                    let s = sid(rng.next() % half.max(1));
                    black_box(naive.renew(s, now));
                }
                2_000
            })
        },
        5,
        budget,
    );
    rows.push(Row {
        op: "renew",
        n,
        ours,
        naive: naive_ns,
    });

    // Expiry sweep: every number leased at staggered times, then swept in
    // 100 alarm wake-ups; ns per expired lease.
    let t0 = Instant::from_secs(1_800_000_000);
    let sweep_min = if n >= 1_000_000 { 3 } else { 5 };
    // All leases live at once: n steps fit well inside the fixation.
    let step = Duration::from_millis(1);
    let sweep_ours = measure(
        || {
            let mut p = Pool::with_numbers(config(), 1, nums.iter().copied()).expect("pool");
            let mut t = t0;
            for i in 0..n as u64 {
                p.lease(sid(i), t);
                t += step;
            }
            let end = t + config().fixation;
            let span = (end - (t0 + config().fixation)).millis() / 100;
            let clock = StdInstant::now();
            let mut expired = 0;
            let mut now = t0 + config().fixation;
            while now <= end {
                expired += p.expire(now).leases;
                now += Duration::from_millis(span.max(1));
            }
            expired += p.expire(end).leases;
            assert_eq!(expired, n);
            // Only the sweep is timed, not the set-up.
            (clock.elapsed().as_nanos(), n as u64)
        },
        sweep_min,
        budget,
    );
    let sweep_naive = measure(
        || {
            let mut p = Naive::new(&nums, config().fixation);
            let mut t = t0;
            for i in 0..n as u64 {
                p.fill(i as usize, sid(i), t);
                t += step;
            }
            let end = t + config().fixation;
            let span = (end - (t0 + config().fixation)).millis() / 100;
            let clock = StdInstant::now();
            let mut expired = 0;
            let mut now = t0 + config().fixation;
            while now <= end {
                expired += p.expire(now);
                now += Duration::from_millis(span.max(1));
            }
            expired += p.expire(end);
            assert_eq!(expired, n);
            (clock.elapsed().as_nanos(), n as u64)
        },
        sweep_min,
        budget,
    );
    rows.push(Row {
        op: "expiry sweep (per lease)",
        n,
        ours: sweep_ours,
        naive: sweep_naive,
    });
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    // `cargo bench` passes --bench; any other argument filters nothing here.
    let sizes: &[usize] = if quick {
        &[1_000]
    } else {
        &[1_000, 100_000, 1_000_000]
    };
    let mut rows = Vec::new();
    for &n in sizes {
        eprintln!("pool bench: {n} numbers ...");
        bench_size(n, &mut rows);
    }
    println!();
    println!("| operation | numbers | pool-core ns/op | naive ns/op | naive / pool-core |");
    println!("|---|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.1}x |",
            r.op,
            r.n,
            r.ours,
            r.naive,
            r.naive / r.ours
        );
    }
}
