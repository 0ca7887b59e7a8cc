//! How many tracking numbers a site needs, measured by simulation.
//!
//! ```text
//! cargo run --release -q -p pool-core --example sizing -- \
//!     [--visits-per-day 2000] [--call-share 0.03] [--visit-median-secs 150]
//!     [--fixation-mins 15,30,60] [--cooldown-mins 15] [--grace-mins 15]
//!     [--release-share 0.7] [--days 7] [--seed 1] [--target 0.95,0.99]
//!     [--profile profile.json]
//! ```
//!
//! `--profile` reads a JSON object with any of: `visits_per_day`,
//! `call_share`, `visit_median_secs`, `visit_sigma`, `release_share`,
//! `heartbeat_secs`, `hourly` (24 weights), `weekly` (7 weights, Monday
//! first), `call_delays_secs` (measured delays from the number shown to the
//! call; without it, a mixture of calls during the visit, soon after, and
//! hours later). Flags override the file.
use std::process::exit;

use pool_core::sim::{
    by_fixation, recommended, simulate, smallest_pool, CallDelay, Policy, Profile, Setup,
};
use pool_core::time::Duration;

fn usage(msg: &str) -> ! {
    eprintln!("sizing: {msg}");
    eprintln!(
        "usage: sizing [--visits-per-day N] [--call-share F] [--visit-median-secs S] [--fixation-mins M,M]\n\
         \x20             [--cooldown-mins M] [--grace-mins M] [--release-share F] [--days D] [--seed N]\n\
         \x20             [--target F,F] [--profile FILE]"
    );
    exit(2)
}

fn num(flag: &str, v: &str) -> f64 {
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => x,
        _ => usage(&format!("{flag}: not a number: {v}")),
    }
}

fn list(flag: &str, v: &str) -> Vec<f64> {
    let out: Vec<f64> = v.split(',').map(|x| num(flag, x.trim())).collect();
    if out.is_empty() {
        usage(&format!("{flag}: empty"));
    }
    out
}

fn read_profile(path: &str, p: &mut Profile) {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| usage(&format!("--profile {path}: {e}")));
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| usage(&format!("--profile {path}: {e}")));
    let obj = v
        .as_object()
        .unwrap_or_else(|| usage("--profile: a JSON object"));
    for (k, val) in obj {
        let f = || {
            val.as_f64()
                .unwrap_or_else(|| usage(&format!("--profile: {k} is not a number")))
        };
        let arr = |n: usize| -> Vec<f64> {
            let a = val
                .as_array()
                .unwrap_or_else(|| usage(&format!("--profile: {k} is not a list")));
            if a.len() != n {
                usage(&format!("--profile: {k} needs {n} numbers"));
            }
            a.iter()
                .map(|x| {
                    x.as_f64()
                        .unwrap_or_else(|| usage(&format!("--profile: {k}")))
                })
                .collect()
        };
        match k.as_str() {
            "visits_per_day" => p.visits_per_day = f(),
            "call_share" => p.call_share = f(),
            "visit_median_secs" => p.visit_median = Duration::from_secs(f() as u64),
            "visit_sigma" => p.visit_sigma = f(),
            "release_share" => p.release_share = f(),
            "heartbeat_secs" => p.heartbeat = Duration::from_secs(f() as u64),
            "hourly" => p.hourly.copy_from_slice(&arr(24)),
            "weekly" => p.weekly.copy_from_slice(&arr(7)),
            "call_delays_secs" => {
                let a = val
                    .as_array()
                    .unwrap_or_else(|| usage("--profile: call_delays_secs is not a list"));
                let ds: Vec<Duration> = a
                    .iter()
                    .filter_map(|x| x.as_f64())
                    .map(|s| Duration::from_secs(s.max(0.0) as u64))
                    .collect();
                if ds.is_empty() {
                    usage("--profile: call_delays_secs is empty");
                }
                p.delay = CallDelay::Measured(ds);
            }
            k if k.starts_with("//") => {}
            other => usage(&format!("--profile: unknown key {other}")),
        }
    }
}

fn main() {
    let mut profile = Profile::default();
    let mut setup = Setup::default();
    let mut fixations = vec![15.0, 30.0, 60.0];
    let mut targets = vec![0.95, 0.99];
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The profile file first, so flags override it.
    if let Some(i) = args.iter().position(|a| a == "--profile") {
        let path = args
            .get(i + 1)
            .unwrap_or_else(|| usage("--profile needs a file"));
        read_profile(path, &mut profile);
    }
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--visits-per-day" => profile.visits_per_day = num(flag, &value()),
            "--call-share" => profile.call_share = num(flag, &value()),
            "--visit-median-secs" => {
                profile.visit_median = Duration::from_secs(num(flag, &value()) as u64)
            }
            "--release-share" => profile.release_share = num(flag, &value()),
            "--fixation-mins" => fixations = list(flag, &value()),
            "--cooldown-mins" => {
                setup.cooldown = Duration::from_secs((num(flag, &value()) * 60.0) as u64)
            }
            "--grace-mins" => {
                setup.grace = Duration::from_secs((num(flag, &value()) * 60.0) as u64)
            }
            "--days" => setup.days = num(flag, &value()).clamp(1.0, 366.0) as u32,
            "--seed" => setup.seed = num(flag, &value()) as u64,
            "--target" => targets = list(flag, &value()),
            "--profile" => {
                value();
            }
            "-h" | "--help" => usage("sizing tables for a traffic profile"),
            other => usage(&format!("unknown flag {other}")),
        }
    }
    if profile.call_share > 1.0 || profile.release_share > 1.0 || targets.iter().any(|t| *t > 1.0) {
        usage("shares and targets are fractions: 0.03, not 3");
    }
    let mins = |m: f64| Duration::from_secs((m * 60.0) as u64);
    let base = simulate(
        &profile,
        &Setup {
            pool_size: 1,
            ..setup.clone()
        },
    );
    let peak = base.peak_concurrent.max(1) as usize;
    println!(
        "traffic: {:.0} visits/day for {} days, {:.1}% calling: {} visits, {} calls, at most {} pages open at once (seed {})",
        profile.visits_per_day,
        setup.days,
        profile.call_share * 100.0,
        base.visits,
        base.calls,
        peak,
        setup.seed
    );
    println!(
        "pool: least recently released first, cooldown {} min, grace {} min; {:.0}% of visits send the release beacon\n",
        setup.cooldown.secs() / 60,
        setup.grace.secs() / 60,
        profile.release_share * 100.0
    );

    // Accuracy by pool size and fixation.
    let mut sizes: Vec<usize> = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
        .iter()
        .map(|f| ((peak as f64 * f).round() as usize).max(1))
        .collect();
    sizes.dedup();
    print!("{:>8} |", "numbers");
    for f in &fixations {
        print!(" fixation {:>3} min |", *f as u64);
    }
    println!();
    println!("{}", "-".repeat(10 + fixations.len() * 20));
    for &n in &sizes {
        let note = if n == peak {
            "  <- peak pages open (rule of thumb)"
        } else {
            ""
        };
        print!("{n:>8} |");
        for f in &fixations {
            let o = simulate(
                &profile,
                &Setup {
                    pool_size: n,
                    fixation: mins(*f),
                    ..setup.clone()
                },
            );
            print!(" {:>16.1}% |", o.accuracy() * 100.0);
        }
        println!("{note}");
    }

    // The numbers each policy needs.
    let max = peak * 20 + 50;
    println!(
        "\nsmallest pool for a target accuracy (fixation {} min):",
        fixations[fixations.len() / 2] as u64
    );
    print!("{:>38} |", "policy");
    for t in &targets {
        print!(" {:>6.1}% |", t * 100.0);
    }
    println!(" accuracy at the rule of thumb ({peak} numbers)");
    let fix = mins(fixations[fixations.len() / 2]);
    for policy in [Policy::Engine, Policy::FirstFree, Policy::RandomFree] {
        let s = Setup {
            policy,
            fixation: fix,
            ..setup.clone()
        };
        print!("{:>38} |", policy.name());
        for t in &targets {
            match smallest_pool(&profile, &s, *t, max) {
                Some((n, _)) => print!(" {n:>7} |"),
                None => print!(" {:>7} |", format!(">{max}")),
            }
        }
        let o = simulate(
            &profile,
            &Setup {
                pool_size: peak,
                ..s
            },
        );
        println!(" {:.1}%", o.accuracy() * 100.0);
    }
    // The fixation to choose: the one that reaches the first target with the fewest numbers.
    println!("\nour engine by fixation, for {:.1}%:", targets[0] * 100.0);
    let tried = by_fixation(
        &profile,
        &setup,
        targets[0],
        &fixations.iter().map(|f| mins(*f)).collect::<Vec<_>>(),
        max,
    );
    for o in &tried {
        let f = o.fixation.secs() / 60;
        match o.pool_size {
            Some(n) => println!("  fixation {f:>3} min: {n} numbers"),
            None => println!(
                "  fixation {f:>3} min: not reached; at most {:.1}% ({} of {} calls come after the hold and its grace)",
                o.outcome.accuracy() * 100.0,
                o.outcome.unattributed_expired + o.outcome.misattributed,
                o.outcome.calls
            ),
        }
    }
    let best =
        recommended(&tried).and_then(|o| Some((o.fixation.secs() as f64 / 60.0, o.pool_size?)));
    match best {
        Some((f, n)) => println!("recommended: fixation {} min with {n} numbers", f as u64),
        None => println!(
            "recommended: no fixation listed reaches {:.1}%: try longer ones (--fixation-mins 60,120,240), a longer grace, or fewer release beacons",
            targets[0] * 100.0
        ),
    }
    let s = Setup {
        fixation: best.map_or(fix, |(f, _)| mins(f)),
        ..setup.clone()
    };
    let confidence = |label: &str, o: &pool_core::sim::Outcome| {
        println!(
            "  {label}: {} of {} wrong attributions flagged low confidence; {} of {} right ones flagged needlessly",
            o.misattributed_low, o.misattributed, o.correct_low, o.correct
        );
    };
    if let Some((n, o)) = smallest_pool(&profile, &s, targets[0], max) {
        println!(
            "\nat {n} numbers: {} of {} calls right, {} to another visitor, {} after the number was idle, {} from visitors shown the fallback; {} of {} visits saw the fallback; at most {} numbers leased at once",
            o.correct, o.calls, o.misattributed, o.unattributed_expired, o.unattributed_fallback, o.saw_fallback, o.visits, o.peak_leased
        );
        println!("\nthe confidence the edge gives each call (low: a person should check it):");
        confidence(&format!("recommended, {n} numbers"), &o);
    }
    let thumb = simulate(
        &profile,
        &Setup {
            pool_size: peak,
            ..s
        },
    );
    confidence(&format!("rule of thumb, {peak} numbers"), &thumb);
}
