//! Property tests: pool invariants over random operation sequences, the
//! journal against a reference model, snapshot/restore equivalence, and
//! parsers that never panic.

use std::collections::HashMap;

use pool_core::channel::classify;
use pool_core::journal::Journal;
use pool_core::number::{parse_written, render, PhoneNumber, Region};
use pool_core::pool::{Assignment, Config, Exhaustion, Pool, Snapshot, Status};
use pool_core::session::SessionId;
use pool_core::time::{Duration, Instant};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Lease(u8),
    Renew(u8),
    Release(u8),
    Expire,
    Add(u8),
    Remove(u8),
    Resize(Vec<u8>),
    Wait(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..24).prop_map(Op::Lease),
        3 => (0u8..24).prop_map(Op::Renew),
        2 => (0u8..24).prop_map(Op::Release),
        1 => Just(Op::Expire),
        1 => (0u8..12).prop_map(Op::Add),
        1 => (0u8..12).prop_map(Op::Remove),
        1 => proptest::collection::vec(0u8..12, 0..8).prop_map(Op::Resize),
        4 => (0u16..400).prop_map(Op::Wait),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (1u64..300, 0u64..200, 0u64..100, prop::bool::ANY, 0u64..200).prop_map(
        |(fix, cool, grace, recycle, idle)| Config {
            fixation: Duration::from_millis(fix),
            cooldown: Duration::from_millis(cool),
            grace: Duration::from_millis(grace),
            exhaustion: if recycle {
                Exhaustion::Recycle {
                    min_idle: Duration::from_millis(idle),
                }
            } else {
                Exhaustion::Fallback
            },
            fallback: Some(num(99)),
        },
    )
}

fn num(i: u8) -> PhoneNumber {
    format!("+7499{:07}", 1_000_000 + u32::from(i))
        .parse()
        .unwrap()
}

fn sid(i: u8) -> SessionId {
    SessionId::from_u128(0xabc0_0000 + u128::from(i))
}

/// Applies one op; returns a printable outcome so two pools can be compared.
fn apply(p: &mut Pool, op: &Op, now: &mut Instant) -> String {
    match op {
        Op::Lease(s) => format!("{:?}", p.lease(sid(*s), *now)),
        Op::Renew(s) => format!("{:?}", p.renew(sid(*s), *now)),
        Op::Release(s) => format!("{:?}", p.release(sid(*s), *now)),
        Op::Expire => format!("{:?}", p.expire(*now)),
        Op::Add(n) => format!("{:?}", p.add(num(*n))),
        Op::Remove(n) => format!("{:?}", p.remove(num(*n))),
        Op::Resize(ns) => {
            let v: Vec<PhoneNumber> = ns.iter().map(|n| num(*n)).collect();
            format!("{:?}", p.resize(&v))
        }
        Op::Wait(ms) => {
            *now += Duration::from_millis(u64::from(*ms));
            String::new()
        }
    }
}

/// A holder interval as observed from outside: (session, from, until).
type Interval = (SessionId, Instant, Option<Instant>);

/// The reference journal: built only from what the pool shows after each
/// operation, searched by a linear scan.
#[derive(Default)]
struct Reference {
    /// number -> (session, since, expires_at) of the lease seen last.
    live: HashMap<PhoneNumber, (SessionId, Instant, Instant)>,
    done: HashMap<PhoneNumber, Vec<Interval>>,
}

impl Reference {
    fn observe(&mut self, p: &Pool, now: Instant) {
        let mut current = HashMap::new();
        for l in p.leases() {
            current.insert(l.number, (l.session, l.since, l.expires_at));
        }
        for (n, (s, since, exp)) in self.live.drain() {
            let same = current
                .get(&n)
                .is_some_and(|(s2, since2, _)| *s2 == s && *since2 == since);
            if same {
                continue;
            }
            // Ended by release or recycle (now) or by expiry (its deadline).
            let end = exp.min(now);
            self.done.entry(n).or_default().push((s, since, Some(end)));
        }
        self.live = current;
    }

    fn attribute(&self, n: PhoneNumber, t: Instant, grace: Duration) -> Option<SessionId> {
        let mut all: Vec<Interval> = self.done.get(&n).cloned().unwrap_or_default();
        if let Some((s, since, _)) = self.live.get(&n) {
            all.push((*s, *since, None));
        }
        // The holder at t wins; else the latest interval whose grace covers t.
        if let Some(h) = all
            .iter()
            .find(|(_, from, until)| *from <= t && until.is_none_or(|u| t < u))
        {
            return Some(h.0);
        }
        all.iter()
            .filter(|(_, from, until)| *from <= t && until.is_some_and(|u| t < u + grace))
            .max_by_key(|(_, from, _)| *from)
            .map(|h| h.0)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_and_journal_matches_reference(
        cfg in config(),
        initial in 1u8..8,
        ops in proptest::collection::vec(op(), 1..120),
        probes in proptest::collection::vec((0u8..12, 0u32..30_000), 20),
    ) {
        let mut p = Pool::with_numbers(cfg, 3, (0..initial).map(num)).unwrap();
        let mut now = Instant::from_millis(1_000);
        let mut r = Reference::default();
        for o in &ops {
            apply(&mut p, o, &mut now);
            prop_assert_eq!(p.check(), Ok(()));
            // No number is held by two live sessions, no session holds two numbers.
            let mut by_session = HashMap::new();
            for l in p.leases() {
                prop_assert!(l.expires_at > now || !matches!(o, Op::Expire));
                prop_assert!(by_session.insert(l.session, l.number).is_none());
            }
            // Free + leased + cooling (+ draining) is every number exactly once.
            let m = p.metrics();
            let mut states = [0u32; 4];
            for (_, st) in p.numbers() {
                let i = match st { Status::Free => 0, Status::Leased(_) => 1, Status::Cooling { .. } => 2, Status::Draining(_) => 3 };
                states[i] += 1;
            }
            prop_assert_eq!(states[0], m.free);
            prop_assert_eq!(states[1] + states[3], m.leased);
            prop_assert_eq!(states[2], m.cooling);
            prop_assert_eq!(m.total as usize, p.numbers().count());
            r.observe(&p, now);
        }
        // Probe at random times and around every boundary the reference saw.
        let mut times: Vec<(PhoneNumber, Instant)> = probes
            .iter()
            .map(|(n, dt)| (num(*n), Instant::from_millis(1_000 + i64::from(*dt % 8_000))))
            .collect();
        for (n, list) in &r.done {
            for (_, from, until) in list {
                for edge in [Some(*from), *until, until.map(|u| u + cfg.grace)].into_iter().flatten() {
                    for t in [edge - Duration::from_millis(1), edge, edge + Duration::from_millis(1)] {
                        times.push((*n, t));
                    }
                }
            }
        }
        for (n, t) in times {
            if t > now { continue; }
            prop_assert_eq!(
                p.attribute(n, t),
                r.attribute(n, t, cfg.grace),
                "number {} at {:?}", n, t
            );
        }
    }

    #[test]
    fn snapshot_then_restore_behaves_identically(
        cfg in config(),
        initial in 1u8..8,
        before in proptest::collection::vec(op(), 0..60),
        after in proptest::collection::vec(op(), 1..60),
    ) {
        let mut p = Pool::with_numbers(cfg, 3, (0..initial).map(num)).unwrap();
        let mut now = Instant::from_millis(0);
        for o in &before {
            apply(&mut p, o, &mut now);
        }
        // Through JSON, as a shell would store it.
        let json = serde_json::to_string(&p.snapshot()).unwrap();
        let snap: Snapshot = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&snap, &p.snapshot());
        let mut q = Pool::restore(snap, 12345).unwrap();
        prop_assert_eq!(q.check(), Ok(()));
        let mut now_q = now;
        for o in &after {
            let a = apply(&mut p, o, &mut now);
            let b = apply(&mut q, o, &mut now_q);
            prop_assert_eq!(a, b);
            prop_assert_eq!(p.next_deadline(), q.next_deadline());
        }
        prop_assert_eq!(p.snapshot(), q.snapshot());
    }

    #[test]
    fn exhausted_pool_never_double_books(
        n in 1u8..6,
        sessions in proptest::collection::vec(0u8..40, 1..200),
    ) {
        let mut p = Pool::with_numbers(Config::default(), 9, (0..n).map(num)).unwrap();
        let now = Instant::from_millis(0);
        let mut holders: HashMap<PhoneNumber, SessionId> = HashMap::new();
        for s in sessions {
            match p.lease(sid(s), now) {
                Assignment::Leased { lease, .. } => {
                    if let Some(prev) = holders.insert(lease.number, lease.session) {
                        prop_assert_eq!(prev, lease.session);
                    }
                }
                Assignment::Fallback(f) => {
                    prop_assert_eq!(f, None);
                    prop_assert_eq!(p.metrics().leased, u32::from(n));
                }
            }
        }
    }

    #[test]
    fn journal_prune_keeps_recent(
        ends in proptest::collection::vec((0i64..1000, 1i64..100), 1..30),
        cut in 0i64..1200,
    ) {
        let mut j = Journal::new(Duration::ZERO);
        let n = num(1);
        let mut t = 0;
        for (i, (gap, len)) in ends.iter().enumerate() {
            t += gap;
            j.open(n, sid(i as u8), Instant::from_millis(t));
            t += len;
            j.close(n, Instant::from_millis(t));
        }
        let before = j.len();
        let dropped = j.prune(Instant::from_millis(cut));
        prop_assert_eq!(j.len() + dropped, before);
        for e in j.entries() {
            prop_assert!(e.until.unwrap() >= Instant::from_millis(cut));
        }
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,64}", region in prop::sample::select(vec!["RU", "US", "GB", "DE", "FR", "KZ", "CA"])) {
        let region: Region = region.parse().unwrap();
        let _ = PhoneNumber::parse(&s, Some(region));
        let _ = PhoneNumber::parse(&s, None);
        let _ = s.parse::<SessionId>();
        let _ = s.parse::<Region>();
        let _ = classify(&s, Some(&s), &[&s]);
        if let Ok(w) = parse_written(&s, Some(region)) {
            // Writing the number in its own form gives the same number back.
            let again = render(&w.number, &w.template);
            prop_assert_eq!(PhoneNumber::parse(&again, Some(region)), Ok(w.number));
        }
    }

    #[test]
    fn phone_like_strings_never_panic(s in "[+0-9 ()\\-./\u{a0}\u{2011}]{0,30}") {
        for r in ["RU", "US", "GB", "DE", "FR"] {
            let region: Region = r.parse().unwrap();
            if let Ok(w) = parse_written(&s, Some(region)) {
                let other: PhoneNumber = "+442079460018".parse().unwrap();
                let _ = render(&other, &w.template);
                let text = render(&w.number, &w.template);
                prop_assert_eq!(PhoneNumber::parse(&text, Some(region)), Ok(w.number));
                prop_assert_eq!(w.number.to_string().parse::<PhoneNumber>(), Ok(w.number));
            }
        }
    }

    #[test]
    fn urls_never_panic(
        host in "[a-z.]{0,20}",
        query in "[a-zA-Z_=&%0-9+.]{0,60}",
        referrer in "\\PC{0,40}",
    ) {
        let url = format!("https://{host}/p?{query}");
        let v = classify(&url, Some(&referrer), &[&host]);
        prop_assert!(!v.source.is_empty());
    }
}

#[test]
fn render_round_trip_for_every_region_example() {
    for (written, region) in [
        ("+7 (495) 123-45-67", "RU"),
        ("8 (800) 555-35-35", "RU"),
        ("(555) 201-0000", "US"),
        ("+44 (0)20 7946 0018", "GB"),
        ("030 12345678", "DE"),
        ("01 23 45 67 89", "FR"),
    ] {
        let w = parse_written(written, Some(region.parse().unwrap())).unwrap();
        assert_eq!(render(&w.number, &w.template), written);
    }
}
