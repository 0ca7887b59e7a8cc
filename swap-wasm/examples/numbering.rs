//! Writes `pool-core/data/numbering.txt`: one line of numbering facts per
//! region, from libphonenumber's published metadata (the XML the
//! `phonenumber` crate carries, pinned by its version in `Cargo.lock`;
//! libphonenumber's metadata is Apache-2.0).
//!
//! ```text
//! cargo run -q -p swap-wasm --example numbering > pool-core/data/numbering.txt
//! ```
//!
//! Not a port of libphonenumber's code and no regex engine in what ships:
//! each type's number pattern is read here, at build time, into the digit
//! prefixes it allows and the lengths after each, which is all the matcher
//! asks ("is this a number of that country?"). See `pool_core::number` for
//! the line format.

// The metadata crates are native dev-dependencies: nothing of this builds for wasm32.
#[cfg(not(target_arch = "wasm32"))]
mod generator {
    use std::collections::{BTreeMap, BTreeSet, HashMap};
    use std::fmt::Write as _;

    use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
    use regex_syntax::hir::{Class, Hir, HirKind};

    /// The version of the metadata, as the `phonenumber` crate names it.
    pub const SOURCE: &str = "libphonenumber 9.0.33 (phonenumber 0.3.10+9.0.33)";

    /// Trunk prefixes people write that libphonenumber does not list.
    const WRITTEN_TRUNKS: &[(&str, &str)] = &[("UA", "80")];

    /// A digit automaton: transitions on sets of digits, and empty moves.
    #[derive(Default)]
    struct Nfa {
        eps: Vec<Vec<usize>>,
        on: Vec<Vec<(u16, usize)>>,
    }

    impl Nfa {
        fn state(&mut self) -> usize {
            self.eps.push(Vec::new());
            self.on.push(Vec::new());
            self.eps.len() - 1
        }

        /// Adds `hir` from `from`; returns the state it ends in.
        fn add(&mut self, hir: &Hir, from: usize) -> usize {
            match hir.kind() {
                HirKind::Empty | HirKind::Look(_) => from,
                HirKind::Literal(lit) => lit.0.iter().fold(from, |at, &b| {
                    let to = self.state();
                    if b.is_ascii_digit() {
                        self.on[at].push((1 << (b - b'0'), to));
                    }
                    to
                }),
                HirKind::Class(class) => {
                    let mut mask = 0u16;
                    for d in 0..10u8 {
                        let c = b'0' + d;
                        let hit = match class {
                            Class::Unicode(u) => u
                                .ranges()
                                .iter()
                                .any(|r| r.start() <= c as char && c as char <= r.end()),
                            Class::Bytes(b) => {
                                b.ranges().iter().any(|r| r.start() <= c && c <= r.end())
                            }
                        };
                        if hit {
                            mask |= 1 << d;
                        }
                    }
                    let to = self.state();
                    self.on[from].push((mask, to));
                    to
                }
                HirKind::Capture(cap) => self.add(&cap.sub, from),
                HirKind::Concat(parts) => parts.iter().fold(from, |at, h| self.add(h, at)),
                HirKind::Alternation(alts) => {
                    let end = self.state();
                    for h in alts {
                        let start = self.state();
                        self.eps[from].push(start);
                        let out = self.add(h, start);
                        self.eps[out].push(end);
                    }
                    end
                }
                HirKind::Repetition(rep) => {
                    let mut at = from;
                    for _ in 0..rep.min {
                        at = self.add(&rep.sub, at);
                    }
                    // The metadata bounds every repetition; an open one is read as
                    // up to 17 more (no national number is longer).
                    let extra = rep.max.map_or(17, |m| m - rep.min);
                    let end = self.state();
                    self.eps[at].push(end);
                    for _ in 0..extra {
                        at = self.add(&rep.sub, at);
                        self.eps[at].push(end);
                    }
                    end
                }
            }
        }

        fn closure(&self, states: impl IntoIterator<Item = usize>) -> Vec<usize> {
            let mut seen = BTreeSet::new();
            let mut stack: Vec<usize> = states.into_iter().collect();
            while let Some(s) = stack.pop() {
                if seen.insert(s) {
                    stack.extend(&self.eps[s]);
                }
            }
            seen.into_iter().collect()
        }

        fn step(&self, set: &[usize], d: u8) -> Vec<usize> {
            self.closure(
                set.iter()
                    .flat_map(|&s| self.on[s].iter())
                    .filter(|(m, _)| m & (1 << d) != 0)
                    .map(|&(_, t)| t),
            )
        }
    }

    /// The prefixes of one pattern, each with the lengths it allows.
    struct Walk<'a> {
        nfa: &'a Nfa,
        accept: usize,
        memo: HashMap<Vec<usize>, (u32, u32)>,
    }

    impl Walk<'_> {
        /// (lengths some string takes from here, lengths every string takes).
        fn lengths(&mut self, set: &[usize]) -> (u32, u32) {
            if let Some(&v) = self.memo.get(set) {
                return v;
            }
            let here = u32::from(set.contains(&self.accept));
            let (mut some, mut every) = (0u32, u32::MAX);
            if set.is_empty() {
                every = 0;
            }
            for d in 0..10 {
                let next = self.nfa.step(set, d);
                let (s, e) = if next.is_empty() {
                    (0, 0)
                } else {
                    self.lengths(&next)
                };
                some |= s << 1;
                every &= e << 1;
            }
            let v = (here | some, here | every);
            self.memo.insert(set.to_vec(), v);
            v
        }

        fn leaves(
            &mut self,
            set: &[usize],
            prefix: &mut Vec<u8>,
            allowed: u32,
            out: &mut Vec<(Vec<u8>, u32)>,
        ) {
            let depth = prefix.len() as u32;
            let (some, every) = self.lengths(set);
            let some = (some << depth) & allowed;
            if some == 0 {
                return;
            }
            if (every << depth) & allowed == some || depth >= 8 {
                out.push((prefix.clone(), some));
                return;
            }
            for d in 0..10u8 {
                let next = self.nfa.step(set, d);
                if !next.is_empty() {
                    prefix.push(d);
                    self.leaves(&next, prefix, allowed, out);
                    prefix.pop();
                }
            }
        }
    }

    fn parse(pattern: &str) -> Hir {
        regex_syntax::ParserBuilder::new()
            .ignore_whitespace(true)
            .unicode(false)
            .utf8(false)
            .build()
            .parse(pattern)
            .unwrap_or_else(|e| panic!("pattern {pattern:?}: {e}"))
    }

    fn automaton(pattern: &str) -> (Nfa, usize, usize) {
        let hir = parse(pattern);
        let mut nfa = Nfa::default();
        let start = nfa.state();
        let end = nfa.add(&hir, start);
        (nfa, start, end)
    }

    /// Every string the pattern matches, when they are few and short.
    fn finite(pattern: &str, most: usize) -> Option<Vec<String>> {
        let (nfa, start, accept) = automaton(pattern);
        let mut out = Vec::new();
        let mut frontier = vec![(nfa.closure([start]), String::new())];
        while let Some((set, s)) = frontier.pop() {
            if set.contains(&accept) {
                out.push(s.clone());
            }
            if s.len() > 5 {
                if set.iter().any(|&st| !nfa.on[st].is_empty()) {
                    return None;
                }
                continue;
            }
            for d in 0..10u8 {
                let next = nfa.step(&set, d);
                if !next.is_empty() {
                    frontier.push((next, format!("{s}{d}")));
                }
            }
            if out.len() + frontier.len() > most * 10 {
                return None;
            }
        }
        out.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        out.dedup();
        (out.len() <= most).then_some(out)
    }

    fn lengths_mask(lengths: &[u16]) -> u32 {
        lengths.iter().fold(0, |m, &l| m | (1 << l))
    }

    /// The valid-number prefixes of one type.
    fn type_leaves(desc: &Descriptor, general: &Descriptor, out: &mut Vec<(Vec<u8>, u32)>) {
        let pattern = desc.national_number().as_str();
        if pattern == "NA" || pattern.is_empty() {
            return;
        }
        let mut allowed = lengths_mask(desc.possible_length());
        if allowed == 0 {
            allowed = lengths_mask(general.possible_length());
        }
        if allowed == 0 {
            allowed = u32::MAX;
        }
        let (nfa, start, accept) = automaton(pattern);
        let mut walk = Walk {
            nfa: &nfa,
            accept,
            memo: HashMap::new(),
        };
        let set = nfa.closure([start]);
        walk.leaves(&set, &mut Vec::new(), allowed, out);
    }

    /// Length sets as characters: `1`..`9`, then `a` for 10 up to `h` for 17.
    fn length_chars(mask: u32) -> String {
        (1..=17u32)
            .filter(|l| mask & (1 << l) != 0)
            .map(|l| char::from_digit(l, 18).unwrap_or('?'))
            .collect()
    }

    /// Prefixes grouped by their lengths: `9:39,50,66-8;9a:8`.
    fn ranges(leaves: Vec<(Vec<u8>, u32)>) -> String {
        let mut by_len: BTreeMap<u32, BTreeSet<Vec<u8>>> = BTreeMap::new();
        for (p, m) in leaves {
            by_len.entry(m).or_default().insert(p);
        }
        let mut groups = Vec::new();
        for (mask, prefixes) in by_len {
            // Drop a prefix that a shorter one of the same group covers.
            let mut kept: Vec<Vec<u8>> = Vec::new();
            for p in prefixes {
                if !kept.iter().any(|k| p.starts_with(k)) {
                    kept.push(p);
                }
            }
            // Siblings with consecutive last digits become one range.
            let mut items: Vec<String> = Vec::new();
            let mut i = 0;
            while i < kept.len() {
                let p = &kept[i];
                let mut j = i;
                while let Some(q) = kept.get(j + 1) {
                    let (head, last) = p.split_at(p.len() - 1);
                    let consecutive = q.len() == p.len()
                        && q[..q.len() - 1] == *head
                        && usize::from(q[q.len() - 1]) == usize::from(last[0]) + (j + 1 - i);
                    if !consecutive {
                        break;
                    }
                    j += 1;
                }
                let mut s: String = p.iter().map(|d| char::from(b'0' + d)).collect();
                if j > i {
                    let last = kept[j][kept[j].len() - 1];
                    write!(s, "-{last}").ok();
                }
                items.push(s);
                i = j + 1;
            }
            groups.push(format!("{}:{}", length_chars(mask), items.join(",")));
        }
        groups.join(";")
    }

    /// The descriptors of every type of valid number a region has.
    pub fn types(meta: &Metadata) -> impl Iterator<Item = &Descriptor> {
        let d = meta.descriptors();
        [
            d.fixed_line(),
            d.mobile(),
            d.toll_free(),
            d.premium_rate(),
            d.shared_cost(),
            d.personal_number(),
            d.voip(),
            d.pager(),
            d.uan(),
            d.voicemail(),
        ]
        .into_iter()
        .flatten()
    }

    /// One region's line.
    fn line(meta: &Metadata) -> String {
        let d = meta.descriptors();
        let general = d.general();
        let mut leaves = Vec::new();
        for desc in types(meta) {
            type_leaves(desc, general, &mut leaves);
        }
        let mut premium = Vec::new();
        if let Some(p) = d.premium_rate() {
            type_leaves(p, general, &mut premium);
        }
        let np = meta.national_prefix().filter(|p| !p.is_empty());
        // What is dialled before a national number: the prefix for parsing, when
        // it is a short list of digit strings and rewrites nothing.
        let trunks: Vec<String> = match (np, meta.national_prefix_for_parsing()) {
            (_, Some(p)) if meta.national_prefix_transform_rule().is_none() => {
                finite(p.as_str(), 6)
                    .filter(|l| l.iter().all(|s| !s.is_empty()))
                    .or_else(|| np.map(|n| vec![n.to_string()]))
                    .unwrap_or_default()
            }
            (Some(n), _) => vec![n.to_string()],
            _ => Vec::new(),
        };
        // Long "prefixes" in that list are service codes, not trunk prefixes.
        let mut trunks: Vec<String> = trunks.into_iter().filter(|t| t.len() <= 2).collect();
        // How people write it beyond the metadata: the Soviet long-distance
        // `8` before the trunk `0`, still on Ukrainian sites (`8 (044) ...`).
        for (region, extra) in WRITTEN_TRUNKS {
            if meta.id() == *region && !trunks.iter().any(|t| t == extra) {
                trunks.push(extra.to_string());
            }
        }
        // The trunk prefix people write comes first.
        if let Some(n) = np {
            trunks.retain(|t| t != n);
            trunks.insert(0, n.to_string());
        }
        let intl: Vec<String> = match meta.international_prefix() {
            Some(p) => finite(p.as_str(), 12).unwrap_or_else(|| {
                meta.preferred_international_prefix()
                    .map(|p| vec![p.chars().filter(char::is_ascii_digit).collect()])
                    .unwrap_or_default()
            }),
            None => Vec::new(),
        };
        // The national form is written with its trunk prefix where its
        // format says so and does not say it may be left out; the leading
        // digits and lengths of the other formats are the exceptions (`800`
        // with 9 digits in the Emirates, `1800` with 10 in Australia).
        let writes_np = |f: &phonenumber::metadata::Format| {
            !f.is_national_prefix_optional()
                && f.national_prefix()
                    .is_some_and(|r| r.contains("$NP") || np.is_some_and(|n| r.contains(n)))
        };
        let mut needs_trunk = np.is_some() && meta.formats().iter().any(writes_np);
        let mut exceptions: Vec<String> = Vec::new();
        for f in meta.formats().iter().filter(|f| !writes_np(f)) {
            let leading = f.leading_digits();
            let expanded = leading
                .last()
                .and_then(|p| finite(p.as_str(), 40))
                .or_else(|| leading.first().and_then(|p| finite(p.as_str(), 40)));
            // The lengths the format's pattern writes.
            let (nfa, start, accept) = automaton(f.pattern().as_str());
            let mut walk = Walk {
                nfa: &nfa,
                accept,
                memo: HashMap::new(),
            };
            let lens = length_chars(walk.lengths(&nfa.closure([start])).0);
            match expanded {
                Some(list) if !list.iter().any(String::is_empty) && !lens.is_empty() => {
                    exceptions.extend(list.into_iter().map(|p| format!("{p}:{lens}")))
                }
                _ => needs_trunk = false,
            }
        }
        exceptions.sort();
        exceptions.dedup();
        // Numbers no trunk-writing format covers are written bare too
        // (libphonenumber writes a number no format fits as its digits).
        if needs_trunk {
            let anchored = |p: &str| regex::Regex::new(&format!("^(?x:{p})")).ok();
            let np_formats: Vec<(regex::Regex, regex::Regex)> = meta
                .formats()
                .iter()
                .filter(|f| writes_np(f))
                .filter_map(|f| {
                    let lead = f.leading_digits().last().map_or(".*", |p| p.as_str());
                    Some((
                        anchored(lead)?,
                        anchored(&format!("(?:{})$", f.pattern().as_str()))?,
                    ))
                })
                .collect();
            for (prefix, lens) in &leaves {
                for l in (1..=17u32).filter(|l| lens & (1 << l) != 0) {
                    // Covered when a completion of the prefix fits a format.
                    let covered = (0..10u8).any(|fill| {
                        let mut sample: String =
                            prefix.iter().map(|d| char::from(b'0' + d)).collect();
                        while sample.len() < l as usize {
                            sample.push(char::from(b'0' + fill));
                        }
                        np_formats
                            .iter()
                            .any(|(lead, pat)| lead.is_match(&sample) && pat.is_match(&sample))
                    });
                    if !covered {
                        let p: String = prefix.iter().map(|d| char::from(b'0' + d)).collect();
                        exceptions.push(format!("{p}:{}", length_chars(1 << l)));
                    }
                }
            }
            exceptions.sort();
            exceptions.dedup();
        }
        // One entry per prefix with all its lengths; none a shorter one covers.
        let mut by_prefix: BTreeMap<String, u32> = BTreeMap::new();
        for e in &exceptions {
            let (p, lens) = e.split_once(':').unwrap_or((e, ""));
            let mask = lens
                .chars()
                .filter_map(|c| c.to_digit(18))
                .fold(0u32, |m, l| m | (1 << l));
            *by_prefix.entry(p.to_string()).or_default() |= mask;
        }
        let exceptions: Vec<String> = by_prefix
            .iter()
            .filter(|(p, m)| {
                !by_prefix
                    .iter()
                    .any(|(q, n)| q.len() < p.len() && p.starts_with(q.as_str()) && *n & **m == **m)
            })
            .map(|(p, m)| format!("{p}:{}", length_chars(*m)))
            .collect();
        // Many exceptions (Russia: the trunk `8` may go everywhere but a
        // few ranges): the rule is not worth its bytes; read either way.
        if exceptions.len() > 16 {
            needs_trunk = false;
        }
        let kept = exceptions;
        let mut flags = String::new();
        if needs_trunk {
            flags.push('t');
        }
        if meta.is_main_country_for_code() {
            flags.push('m');
        }
        if needs_trunk && !kept.is_empty() {
            flags.push('!');
            flags.push_str(&kept.join(","));
        }
        if flags.is_empty() {
            flags.push('-');
        }
        let list = |v: &[String]| {
            if v.is_empty() {
                "-".to_string()
            } else {
                v.join(",")
            }
        };
        let mut out = format!(
            "{} {} {} {} {} {}",
            meta.id(),
            meta.country_code(),
            list(&trunks),
            list(&intl),
            flags,
            ranges(leaves),
        );
        if !premium.is_empty() {
            write!(out, " {}", ranges(premium)).ok();
        }
        out
    }

    /// The whole file.
    pub fn generate() -> String {
        let mut metas: Vec<&Metadata> = DATABASE.iter().filter(|m| m.id().len() == 2).collect();
        metas.sort_by_key(|m| m.id());
        metas.dedup_by_key(|m| m.id());
        let mut out = format!("# numbering {SOURCE}\n");
        for m in metas {
            out.push_str(&line(m));
            out.push('\n');
        }
        out
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use generator::{generate, types};

#[allow(dead_code)]
fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    print!("{}", generate());
}
