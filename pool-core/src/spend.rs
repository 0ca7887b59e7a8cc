//! Ad spend: what a campaign (or one of its keywords or ads) cost on one of
//! the site's days, as the site uploads it (JSON or a CSV export) or a
//! connector pulls it from an ad platform. A report joins it to the calls,
//! visits and leads of the same source / medium, campaign, keyword and ad
//! ([`crate::report`]), for cost per call, per target call, per lead, per
//! successful call, and ROMI.
//!
//! A spend row's key is its day, source, medium, campaign, keyword and ad:
//! the same key sent again replaces the amount (a correction), so uploads
//! are idempotent.
//!
//! ```
//! use pool_core::spend::parse_csv;
//!
//! // A Russian spreadsheet's export: semicolons, decimal commas, a space
//! // between thousands, the day as DD.MM.YYYY.
//! let rows = parse_csv("Дата;Источник;Канал;Кампания;Расход\n\
//!                       01.12.2026;yandex;cpc;implants;1 234,50\n").unwrap();
//! assert_eq!(rows[0].day_text(), "2026-12-01");
//! assert_eq!((rows[0].source.as_str(), rows[0].amount_minor), ("yandex", 123_450));
//! ```

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::calendar::{civil_from_days, days_from_civil};
use crate::channel::{channel_of_medium, Channel};

/// The most rows one upload may hold.
pub const MAX_ROWS: usize = 10_000;
/// The longest source, medium, campaign, keyword or ad, in characters.
pub const MAX_FIELD: usize = 200;
/// The largest amount of one row, in minor units (10^12 in the currency).
pub const MAX_AMOUNT_MINOR: u64 = 100_000_000_000_000;
/// The most spend rows a site keeps (a year of 500 campaigns, keywords
/// and ads a day fits).
pub const MAX_STORED_ROWS: u64 = 200_000;
/// The most errors an upload's answer lists.
pub const MAX_ERRORS: usize = 20;

/// What one campaign (keyword, ad) cost on one day.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Spend {
    /// The site's local day, as days since 1970-01-01.
    pub day: i64,
    /// `utm_source` (`yandex`, `google`), lower case.
    pub source: String,
    /// `utm_medium` (`cpc`), lower case.
    pub medium: String,
    /// `utm_campaign` as the ads carry it (a name or the platform's id).
    pub campaign: String,
    /// `utm_term`, when the spend is a keyword's.
    pub keyword: Option<String>,
    /// `utm_content`, when the spend is an ad's.
    pub ad: Option<String>,
    /// The amount, in the site's currency's minor units.
    pub amount_minor: u64,
}

impl Spend {
    /// Reads one row from its written fields; every bad field is reported.
    pub fn read(f: &SpendFields<'_>) -> Result<Spend, Vec<BadSpend>> {
        let mut bad = Vec::new();
        let day = parse_day(f.day);
        if day.is_none() {
            bad.push(BadSpend::Day);
        }
        let mut text = |v: &str, why: BadSpend, lower: bool| -> String {
            let v = v.trim();
            if v.is_empty() || v.chars().count() > MAX_FIELD || v.chars().any(char::is_control) {
                bad.push(why);
            }
            if lower {
                v.to_lowercase()
            } else {
                String::from(v)
            }
        };
        let source = text(f.source, BadSpend::Source, true);
        let medium = text(f.medium, BadSpend::Medium, true);
        let campaign = text(f.campaign, BadSpend::Campaign, false);
        let keyword = f
            .keyword
            .filter(|k| !k.trim().is_empty())
            .map(|k| text(k, BadSpend::Keyword, false));
        let ad =
            f.ad.filter(|a| !a.trim().is_empty())
                .map(|a| text(a, BadSpend::Ad, false));
        let amount_minor = parse_amount(f.amount);
        if amount_minor.is_none() {
            bad.push(BadSpend::Amount);
        }
        match (day, amount_minor) {
            (Some(day), Some(amount_minor)) if bad.is_empty() => Ok(Spend {
                day,
                source,
                medium,
                campaign,
                keyword,
                ad,
                amount_minor,
            }),
            _ => Err(bad),
        }
    }

    /// The day as `2026-12-01`.
    pub fn day_text(&self) -> String {
        day_text(self.day)
    }

    /// The channel its source and medium stand for (as a visit's would).
    pub fn channel(&self) -> Channel {
        channel_of_medium(&self.medium, &self.source)
    }
}

/// One row's fields as written (JSON strings, or a CSV line's cells).
#[derive(Debug, Clone, Copy, Default)]
pub struct SpendFields<'a> {
    /// `2026-12-01` or `01.12.2026`.
    pub day: &'a str,
    /// `utm_source`.
    pub source: &'a str,
    /// `utm_medium`.
    pub medium: &'a str,
    /// `utm_campaign`.
    pub campaign: &'a str,
    /// `utm_term`, if the spend is a keyword's.
    pub keyword: Option<&'a str>,
    /// `utm_content`, if the spend is an ad's.
    pub ad: Option<&'a str>,
    /// `1234.50`, `1234,5` or `1 234,50`.
    pub amount: &'a str,
}

/// Why a spend row is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadSpend {
    /// Not a calendar day.
    Day,
    /// Empty, too long, or with control characters.
    Source,
    /// Empty, too long, or with control characters.
    Medium,
    /// Empty, too long, or with control characters.
    Campaign,
    /// Too long, or with control characters.
    Keyword,
    /// Too long, or with control characters.
    Ad,
    /// Not an amount of at most two decimals from 0 to 10^12.
    Amount,
}

impl BadSpend {
    /// The field's name in the API and in a CSV header.
    pub fn field(self) -> &'static str {
        match self {
            BadSpend::Day => "day",
            BadSpend::Source => "source",
            BadSpend::Medium => "medium",
            BadSpend::Campaign => "campaign",
            BadSpend::Keyword => "keyword",
            BadSpend::Ad => "ad",
            BadSpend::Amount => "amount",
        }
    }
}

impl fmt::Display for BadSpend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BadSpend::Day => "a calendar day, 2026-12-01 or 01.12.2026",
            BadSpend::Source | BadSpend::Medium | BadSpend::Campaign => {
                "1 to 200 characters, no control characters"
            }
            BadSpend::Keyword | BadSpend::Ad => "at most 200 characters, no control characters",
            BadSpend::Amount => "an amount from 0 to 10^12 with at most two decimals",
        })
    }
}

impl core::error::Error for BadSpend {}

/// `2026-12-01` (or `01.12.2026`, as Russian spreadsheets write it) as days
/// since 1970-01-01; `None` for anything else, 31 February included.
pub fn parse_day(s: &str) -> Option<i64> {
    let s = s.trim();
    let num = |t: &str, len: usize| -> Option<u32> {
        (t.len() == len && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let mut parts = s.split(['-', '.']);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (y, m, d) = if s.contains('-') {
        (num(a, 4)?, num(b, 2)?, num(c, 2)?)
    } else {
        (num(c, 4)?, num(b, 2)?, num(a, 2)?)
    };
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let days = days_from_civil(i64::from(y), m, d);
    // 31 February comes back as another day.
    (civil_from_days(days) == (i64::from(y), m, d)).then_some(days)
}

/// The day `days` since 1970-01-01 as `2026-12-01`.
pub fn day_text(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    let mut out = String::with_capacity(10);
    for (n, width) in [(y.clamp(0, 9999) as u32, 4), (m, 2), (d, 2)] {
        if !out.is_empty() {
            out.push('-');
        }
        let mut digits = [b'0'; 4];
        let mut v = n;
        for slot in digits[..width].iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out.extend(digits[..width].iter().map(|&b| char::from(b)));
    }
    out
}

/// An amount as written (`1234.50`, `1234,5`, `1 234,50`, `1234`) in minor
/// units: a decimal point or comma, at most two decimals, spaces between
/// thousands; no sign. `None` past [`MAX_AMOUNT_MINOR`].
pub fn parse_amount(s: &str) -> Option<u64> {
    let s = s.trim();
    let (whole, frac) = match s.find(['.', ',']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let grouping = |c: char| matches!(c, ' ' | '\u{a0}' | '\u{202f}');
    if whole.is_empty()
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || !whole.chars().all(|c| c.is_ascii_digit() || grouping(c))
        || whole.starts_with(grouping)
    {
        return None;
    }
    let mut minor: u64 = 0;
    for b in whole.bytes().filter(u8::is_ascii_digit) {
        minor = minor.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    let mut cents = 0;
    for (i, b) in frac.bytes().enumerate() {
        cents += u64::from(b - b'0') * if i == 0 { 10 } else { 1 };
    }
    let minor = minor.checked_mul(100)?.checked_add(cents)?;
    (minor <= MAX_AMOUNT_MINOR).then_some(minor)
}

/// Where an upload went wrong: the line (1 is the header) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    /// The line of the text, from 1.
    pub line: usize,
    /// What is wrong there.
    pub why: CsvWhy,
}

/// What is wrong with a line of a CSV upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvWhy {
    /// No header line.
    Empty,
    /// The header lacks a column the rows need.
    MissingColumn(&'static str),
    /// A quote opened and never closed.
    Quote,
    /// More cells than the header has columns.
    Cells,
    /// More than [`MAX_ROWS`] rows.
    TooMany,
    /// A cell that is not what its column takes.
    Bad(BadSpend),
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match &self.why {
            CsvWhy::Empty => f.write_str("no header line (day, source, medium, campaign, amount)"),
            CsvWhy::MissingColumn(c) => write!(f, "the header has no {c} column"),
            CsvWhy::Quote => f.write_str("a quoted cell is never closed"),
            CsvWhy::Cells => f.write_str("more cells than the header has columns"),
            CsvWhy::TooMany => write!(f, "more than {MAX_ROWS} rows"),
            CsvWhy::Bad(b) => write!(f, "{}: {b}", b.field()),
        }
    }
}

/// The columns of an upload, and the header names each is known by
/// (English, the UTM names, and Russian).
const COLUMNS: [(&str, &[&str]); 7] = [
    ("day", &["day", "date", "дата", "день"]),
    ("source", &["source", "utm_source", "источник"]),
    ("medium", &["medium", "utm_medium", "тип трафика", "канал"]),
    ("campaign", &["campaign", "utm_campaign", "кампания"]),
    (
        "keyword",
        &[
            "keyword",
            "term",
            "utm_term",
            "ключевое слово",
            "ключевая фраза",
        ],
    ),
    ("ad", &["ad", "content", "utm_content", "объявление"]),
    (
        "amount",
        &["amount", "cost", "spend", "расход", "стоимость"],
    ),
];

/// The records of a CSV text: RFC 4180 quoting (`""` inside quotes),
/// CRLF or LF, cells split at `sep`. Each record with its first line.
fn records(text: &str, sep: char) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut start = 1;
    let mut cell = String::new();
    let mut cells = Vec::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            '"' if quoted => quoted = false,
            '"' if cell.trim().is_empty() => {
                cell.clear();
                quoted = true;
            }
            '\n' if !quoted => {
                cells.push(core::mem::take(&mut cell));
                if cells.iter().any(|c| !c.trim().is_empty()) {
                    out.push((start, core::mem::take(&mut cells)));
                }
                cells.clear();
                line += 1;
                start = line;
            }
            '\r' if !quoted && chars.peek() == Some(&'\n') => {}
            c if c == sep && !quoted => cells.push(core::mem::take(&mut cell)),
            c => {
                if c == '\n' {
                    line += 1;
                }
                cell.push(c);
            }
        }
    }
    if quoted {
        return Err(CsvError {
            line: start,
            why: CsvWhy::Quote,
        });
    }
    cells.push(cell);
    if cells.iter().any(|c| !c.trim().is_empty()) {
        out.push((start, cells));
    }
    Ok(out)
}

/// Reads a CSV upload: a header naming the columns (day, source, medium,
/// campaign and amount; keyword and ad if the rows have them; in any order,
/// by their English, UTM or Russian names), then a row per line. The
/// separator is the header's most frequent of `,` `;` and TAB, so a
/// spreadsheet's export in any locale reads. Every row is checked; the
/// answer lists the first [`MAX_ERRORS`] errors, and no row is taken when
/// there is one.
pub fn parse_csv(text: &str) -> Result<Vec<Spend>, Vec<CsvError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sep = [',', ';', '\t']
        .into_iter()
        .max_by_key(|s| header_line.matches(*s).count())
        .unwrap_or(',');
    let records = records(text, sep).map_err(|e| alloc::vec![e])?;
    let Some((header_at, header)) = records.first() else {
        return Err(alloc::vec![CsvError {
            line: 1,
            why: CsvWhy::Empty,
        }]);
    };
    let column = |name: &str| -> Option<usize> {
        let names = COLUMNS.iter().find(|(n, _)| *n == name)?.1;
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
    };
    let mut errors = Vec::new();
    let mut need = |name: &'static str| {
        let at = column(name);
        if at.is_none() {
            errors.push(CsvError {
                line: *header_at,
                why: CsvWhy::MissingColumn(name),
            });
        }
        at.unwrap_or(0)
    };
    let (day, source, medium, campaign, amount) = (
        need("day"),
        need("source"),
        need("medium"),
        need("campaign"),
        need("amount"),
    );
    let (keyword, ad) = (column("keyword"), column("ad"));
    if !errors.is_empty() {
        return Err(errors);
    }
    if records.len() - 1 > MAX_ROWS {
        return Err(alloc::vec![CsvError {
            line: records[MAX_ROWS + 1].0,
            why: CsvWhy::TooMany,
        }]);
    }
    let mut out = Vec::with_capacity(records.len() - 1);
    for (line, cells) in &records[1..] {
        if cells.len() > header.len() {
            errors.push(CsvError {
                line: *line,
                why: CsvWhy::Cells,
            });
            continue;
        }
        let cell = |i: usize| cells.get(i).map_or("", String::as_str);
        let fields = SpendFields {
            day: cell(day),
            source: cell(source),
            medium: cell(medium),
            campaign: cell(campaign),
            keyword: keyword.map(cell),
            ad: ad.map(cell),
            amount: cell(amount),
        };
        match Spend::read(&fields) {
            Ok(s) => out.push(s),
            Err(bad) => errors.extend(bad.into_iter().map(|b| CsvError {
                line: *line,
                why: CsvWhy::Bad(b),
            })),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.truncate(MAX_ERRORS);
        Err(errors)
    }
}

/// The spend in a Yandex Direct report (Reports API, `TSV`, column
/// names on the first line, no title and no totals): a row per day and
/// campaign, `Date`, the campaign (`CampaignName`, or `CampaignId` when
/// the ads' `utm_campaign` carries ids) and `Cost` (in the account's
/// currency, not in micros), as `yandex / cpc` spend. Rows without cost
/// are left out; a report whose columns are not these is an error.
pub fn from_direct_report(tsv: &str) -> Result<Vec<Spend>, String> {
    let mut lines = tsv.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let at = |name: &str| header.iter().position(|h| *h == name);
    let (Some(day), Some(campaign), Some(cost)) = (
        at("Date"),
        at("CampaignName").or_else(|| at("CampaignId")),
        at("Cost"),
    ) else {
        return Err(format!(
            "the report's columns are {header:?}, not Date, CampaignName (or CampaignId) and Cost"
        ));
    };
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split('\t').collect();
        let cell = |k: usize| cells.get(k).copied().unwrap_or("");
        if cell(cost).trim() == "--" || cell(cost).trim().is_empty() {
            continue;
        }
        let fields = SpendFields {
            day: cell(day),
            source: "yandex",
            medium: "cpc",
            campaign: cell(campaign),
            keyword: None,
            ad: None,
            amount: cell(cost),
        };
        let s = Spend::read(&fields).map_err(|bad| {
            let what: Vec<&str> = bad.iter().map(|b| b.field()).collect();
            format!("report line {}: bad {}", i + 2, what.join(", "))
        })?;
        out.push(s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_direct_report_reads_into_yandex_cpc_spend() {
        let rows = from_direct_report(
            "Date\tCampaignName\tCost\n2026-12-05\timplants\t1234.56\n2026-12-05\tcrowns\t--\n2026-12-06\timplants\t99\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2, "a day without cost is no spend");
        assert_eq!(
            (rows[0].source.as_str(), rows[0].medium.as_str()),
            ("yandex", "cpc")
        );
        assert_eq!(
            (rows[0].campaign.as_str(), rows[0].amount_minor),
            ("implants", 123_456)
        );
        assert_eq!(rows[1].day_text(), "2026-12-06");
        let by_id =
            from_direct_report("Date\tCampaignId\tCost\n2026-12-05\t705123\t10.5\n").unwrap();
        assert_eq!(by_id[0].campaign, "705123");
        assert!(from_direct_report("Date\tClicks\n")
            .unwrap_err()
            .contains("columns"));
        assert!(
            from_direct_report("Date\tCampaignName\tCost\n05.13.2026\tx\t1\n")
                .unwrap_err()
                .contains("line 2")
        );
    }

    #[test]
    fn days_are_calendar_days_in_either_writing() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2026-12-01"), parse_day("01.12.2026"));
        assert_eq!(day_text(parse_day("2024-02-29").unwrap()), "2024-02-29");
        for bad in [
            "2026-02-30",
            "2025-02-29",
            "2026-13-01",
            "2026-1-01",
            "1.12.2026",
            "",
            "x",
            "2026-12-01-02",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn amounts_take_points_commas_and_spaces_between_thousands() {
        assert_eq!(parse_amount("1234.50"), Some(123_450));
        assert_eq!(parse_amount("1234,5"), Some(123_450));
        assert_eq!(parse_amount("1 234,05"), Some(123_405));
        assert_eq!(parse_amount("1\u{a0}000"), Some(100_000));
        assert_eq!(parse_amount("0"), Some(0));
        assert_eq!(parse_amount("1000000000000"), Some(MAX_AMOUNT_MINOR));
        for bad in [
            "",
            "-5",
            "1.234",
            "1,2,3",
            "1.2.3",
            "abc",
            "1000000000000.01",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_row_reports_every_bad_field() {
        let bad = Spend::read(&SpendFields {
            day: "2026-02-30",
            source: "",
            medium: "cpc",
            campaign: "x",
            keyword: Some("\u{7}"),
            ad: None,
            amount: "-1",
        })
        .unwrap_err();
        assert_eq!(
            bad,
            [
                BadSpend::Day,
                BadSpend::Source,
                BadSpend::Keyword,
                BadSpend::Amount
            ]
        );
    }

    #[test]
    fn csv_reads_quotes_any_column_order_and_optional_columns() {
        let rows = parse_csv(
            "\u{feff}amount,day,utm_source,utm_medium,utm_campaign,utm_term\r\n\
             \"1,500.5\",2026-12-01,Google,CPC,\"brand, \"\"spring\"\"\",implants\r\n\
             \r\n\
             20,2026-12-02,google,cpc,brand,\n",
        );
        // "1,500.5" is not an amount: a comma is the decimal sign, once.
        let e = rows.unwrap_err();
        assert_eq!(e[0].line, 2);
        assert_eq!(e[0].why, CsvWhy::Bad(BadSpend::Amount));
        let rows = parse_csv(
            "amount,day,utm_source,utm_medium,utm_campaign,utm_term\n\
             \"1500.5\",2026-12-01,Google,CPC,\"brand, \"\"spring\"\"\",implants\n\
             20,2026-12-02,google,cpc,brand,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].campaign, "brand, \"spring\"");
        assert_eq!(
            (rows[0].source.as_str(), rows[0].medium.as_str()),
            ("google", "cpc")
        );
        assert_eq!(rows[0].keyword.as_deref(), Some("implants"));
        assert_eq!(rows[0].amount_minor, 150_050);
        assert_eq!(rows[1].keyword, None, "an empty cell is no keyword");
        assert_eq!(rows[0].channel(), Channel::PaidSearch);
    }

    #[test]
    fn csv_errors_name_the_line_and_the_column() {
        let e = parse_csv("day,source,medium,amount\n").unwrap_err();
        assert_eq!(e[0].why, CsvWhy::MissingColumn("campaign"));
        assert_eq!(
            e[0].to_string(),
            "line 1: the header has no campaign column"
        );
        let e =
            parse_csv("day;source;medium;campaign;amount\n2026-12-01;y;cpc;c;1;extra\n\"open;y\n")
                .unwrap_err();
        assert_eq!(e[0].why, CsvWhy::Quote);
        let e = parse_csv("day;source;medium;campaign;amount\n2026-12-01;y;cpc;c;1;extra\n")
            .unwrap_err();
        assert_eq!((e[0].line, e[0].why.clone()), (2, CsvWhy::Cells));
        assert_eq!(parse_csv("").unwrap_err()[0].why, CsvWhy::Empty);
        let mut big = String::from("day,source,medium,campaign,amount\n");
        for _ in 0..=MAX_ROWS {
            big.push_str("2026-12-01,y,cpc,c,1\n");
        }
        assert_eq!(parse_csv(&big).unwrap_err()[0].why, CsvWhy::TooMany);
    }

    #[test]
    fn a_quoted_cell_may_hold_the_separator_and_lines_count_its_breaks() {
        let rows =
            parse_csv("day,source,medium,campaign,amount\n2026-12-01,y,cpc,\"a, b\",5\n").unwrap();
        assert_eq!(rows[0].campaign, "a, b");
        let e = parse_csv(
            "day,source,medium,campaign,amount\n2026-12-01,y,cpc,\"two\nlines\",5\nbad,y,cpc,c,6\n",
        )
        .unwrap_err();
        assert_eq!(
            (e[0].line, e[0].why.clone()),
            (2, CsvWhy::Bad(BadSpend::Campaign)),
            "no control characters"
        );
        assert_eq!(
            (e[1].line, e[1].why.clone()),
            (4, CsvWhy::Bad(BadSpend::Day)),
            "lines are the text's"
        );
    }
}
