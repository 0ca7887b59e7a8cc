//! Coverage: what the page script saw of the site's numbers, sent with the
//! heartbeat and the release beacon, and the report built from it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use pool_core::coverage::Unswapped;

use super::fields;
use crate::error::ApiError;

/// The most distinct pages whose coverage a site keeps.
pub const MAX_COVERAGE_PAGES: usize = 500;

/// What the page script saw of the site's numbers on one page: sent with the
/// heartbeat and the release beacon, so a broken install is seen.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// The page: host and path, without query or fragment.
    pub page: String,
    /// Occurrences of the site's target numbers found.
    pub found: u32,
    /// Occurrences swapped for the visitor's number.
    pub swapped: u32,
    /// Found but left, by reason: `ignored` (a region marked to be left
    /// alone), `editable` (form fields, editable text), `messenger` (a chat
    /// link), `no_number` (no tracking number for it: original shown),
    /// `other` (left for no known reason: a bug or an unusual page),
    /// `unread` (a national form the page had no numbering line to read).
    #[serde(default)]
    pub unswapped: BTreeMap<String, u32>,
}

/// The body of a heartbeat or a release beacon (both optional).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Beat {
    /// The page is being left: the last beacon. It renews a live lease and
    /// never takes a number.
    #[serde(default)]
    pub leaving: bool,
    /// What the page script saw.
    #[serde(default)]
    pub coverage: Option<Coverage>,
}

impl Beat {
    /// Parses and checks a beat body; empty means a plain heartbeat.
    pub fn parse(body: &[u8]) -> Result<Beat, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Beat::default());
        }
        let beat: Beat = super::json_body(body)?;
        let Some(mut c) = beat.coverage else {
            return Ok(beat);
        };
        let mut bad = Vec::new();
        // The page, cut to host and path.
        c.page = c
            .page
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .to_string();
        if c.page.is_empty() || c.page.chars().count() > 512 {
            bad.push((
                "coverage.page",
                "host and path, 1 to 512 characters".to_string(),
            ));
        }
        for (reason, _) in c.unswapped.iter() {
            if Unswapped::parse(reason).is_none() {
                bad.push((
                    "coverage.unswapped",
                    format!(
                        "unknown reason {reason:?}; one of {:?}",
                        Unswapped::ALL.map(Unswapped::as_str)
                    ),
                ));
            }
        }
        let left: u64 = c.unswapped.values().map(|&n| u64::from(n)).sum();
        if u64::from(c.swapped) + left > u64::from(c.found) {
            bad.push((
                "coverage.found",
                "at least swapped plus every unswapped count".to_string(),
            ));
        }
        fields(bad)?;
        Ok(Beat {
            leaving: beat.leaving,
            coverage: Some(c),
        })
    }
}

/// One page's coverage as stored: the newest report and how many came.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CoveragePage {
    /// Host and path.
    pub page: String,
    /// Occurrences found in the newest report.
    pub found: u64,
    /// Occurrences swapped in the newest report.
    pub swapped: u64,
    /// Found but left, by reason.
    pub unswapped: BTreeMap<String, u64>,
    /// Reports received.
    pub reports: u64,
    /// First report (ms since the epoch).
    pub first_at: i64,
    /// Newest report (ms since the epoch).
    pub last_at: i64,
}

/// `GET /v1/sites/{site}/coverage`: totals over the pages, and the pages.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CoverageReply {
    /// The sums over every page.
    pub totals: CoverageTotals,
    /// The pages, worst first.
    pub pages: Vec<CoveragePage>,
}

/// The sums of [`CoverageReply`].
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct CoverageTotals {
    /// Pages reported.
    pub pages: usize,
    /// Occurrences found.
    pub found: u64,
    /// Occurrences swapped.
    pub swapped: u64,
    /// Found but left, by reason.
    pub unswapped: BTreeMap<String, u64>,
}

impl CoverageReply {
    /// The reply for the stored pages (already in order).
    pub fn of(pages: Vec<CoveragePage>) -> CoverageReply {
        let mut totals = CoverageTotals {
            pages: pages.len(),
            ..CoverageTotals::default()
        };
        for p in &pages {
            totals.found += p.found;
            totals.swapped += p.swapped;
            for (k, v) in &p.unswapped {
                *totals.unswapped.entry(k.clone()).or_default() += v;
            }
        }
        CoverageReply { totals, pages }
    }

    /// The reply for pages reported to several shards of a site: a page
    /// reported to more than one counts once, with its newest report, every
    /// report counted, from the first one. Worst first, as one object lists.
    pub fn merge(pages: impl IntoIterator<Item = CoveragePage>) -> CoverageReply {
        let mut by_page: BTreeMap<String, CoveragePage> = BTreeMap::new();
        for p in pages {
            match by_page.get_mut(&p.page) {
                None => {
                    by_page.insert(p.page.clone(), p);
                }
                Some(have) => {
                    let (reports, first_at) =
                        (have.reports + p.reports, have.first_at.min(p.first_at));
                    if p.last_at > have.last_at {
                        *have = p;
                    }
                    have.reports = reports;
                    have.first_at = first_at;
                }
            }
        }
        let mut pages: Vec<CoveragePage> = by_page.into_values().collect();
        // The order of `store::coverage`: most left unswapped, pages without numbers, newest.
        pages.sort_by(|a, b| {
            let left = |p: &CoveragePage| p.found.saturating_sub(p.swapped);
            left(b)
                .cmp(&left(a))
                .then((b.found == 0).cmp(&(a.found == 0)))
                .then(b.last_at.cmp(&a.last_at))
        });
        CoverageReply::of(pages)
    }
}

/// `POST /sessions/{id}/trail`: pages seen (a single-page app's route
/// changes) and the site's own events, as the page sends them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrailInput {
    /// The steps, oldest first (1 to 20).
    pub steps: Vec<StepInput>,
}

/// One step as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// `page` or `event`.
    pub kind: pool_core::trail::Kind,
    /// The page's URL or path (only the path is kept), or the event's name.
    pub name: String,
}

impl TrailInput {
    /// Checks every step into trail steps at `at` (all bad ones reported).
    pub fn check(self, at: i64) -> Result<Vec<pool_core::trail::Step>, ApiError> {
        use pool_core::trail::{event, page, Kind};
        if self.steps.is_empty() || self.steps.len() > 20 {
            return Err(ApiError::field("steps", "1 to 20 steps"));
        }
        let mut bad = Vec::new();
        let mut out = Vec::new();
        for (i, s) in self.steps.iter().enumerate() {
            let step = match s.kind {
                Kind::Page => page(at, &s.name),
                Kind::Event => event(at, &s.name),
            };
            match step {
                Ok(st) => out.push(st),
                Err(e) => bad.push(pool_core::site::FieldError {
                    path: format!("steps[{i}].name"),
                    message: e.to_string(),
                }),
            }
        }
        if !bad.is_empty() {
            return Err(ApiError::Invalid(bad));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(
        page: &str,
        found: u64,
        swapped: u64,
        reports: u64,
        first_at: i64,
        last_at: i64,
    ) -> CoveragePage {
        CoveragePage {
            page: page.into(),
            found,
            swapped,
            unswapped: BTreeMap::new(),
            reports,
            first_at,
            last_at,
        }
    }

    #[test]
    fn shards_coverage_merges_by_page() {
        let merged = CoverageReply::merge([
            page("a.test/", 2, 2, 3, 100, 500),
            page("b.test/x", 3, 1, 1, 200, 200),
            page("a.test/", 4, 1, 2, 50, 900),
        ]);
        assert_eq!(merged.pages.len(), 2);
        // The page most left unswapped first: a.test/ (3 left, newest report) then b.test/x (2).
        assert_eq!(merged.pages[0], page("a.test/", 4, 1, 5, 50, 900));
        assert_eq!(merged.pages[1].page, "b.test/x");
        assert_eq!(
            (
                merged.totals.pages,
                merged.totals.found,
                merged.totals.swapped
            ),
            (2, 7, 2)
        );
    }

    #[test]
    fn beats() {
        assert_eq!(Beat::parse(b"").unwrap(), Beat::default());
        assert_eq!(Beat::parse(b"{}").unwrap(), Beat::default());
        assert!(Beat::parse(b"{\"leaving\":true}").unwrap().leaving);
        let c = Beat::parse(
            br#"{"coverage":{"page":"https://shop.example/a/b?utm_source=x#top","found":3,"swapped":1,"unswapped":{"ignored":1,"no_number":1}}}"#,
        )
        .unwrap()
        .coverage
        .unwrap();
        assert_eq!(c.page, "shop.example/a/b");
        assert_eq!(c.unswapped.get("ignored"), Some(&1));
        let bad = Beat::parse(
            br#"{"coverage":{"page":"","found":1,"swapped":2,"unswapped":{"gone":1}}}"#,
        )
        .unwrap_err();
        let body = bad.body();
        for path in ["coverage.page", "coverage.unswapped", "coverage.found"] {
            assert!(body.contains(path), "{body}");
        }
        assert!(Beat::parse(b"{\"coverage\":1}").is_err());
        assert!(Beat::parse(b"not json").is_err());
    }
}
