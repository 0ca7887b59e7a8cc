//! `PUT /v1/sites/{site}/costs`: ad spend, as JSON rows or a CSV export
//! (pool_core::spend reads and checks both).

use serde::Deserialize;

use pool_core::spend::{self, Spend, SpendFields, MAX_ERRORS, MAX_ROWS};

use pool_core::site::FieldError;

use crate::error::ApiError;

/// The JSON body: `{"rows": [...]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpendUpload {
    /// The rows, at most [`MAX_ROWS`].
    pub rows: Vec<SpendInput>,
}

/// One row as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpendInput {
    /// `2026-12-01`.
    pub day: String,
    /// `utm_source`.
    pub source: String,
    /// `utm_medium`.
    pub medium: String,
    /// `utm_campaign`.
    pub campaign: String,
    /// `utm_term`, when the spend is a keyword's.
    #[serde(default)]
    pub keyword: Option<String>,
    /// `utm_content`, when the spend is an ad's.
    #[serde(default)]
    pub ad: Option<String>,
    /// The amount in the site's currency: a number (at most two decimals)
    /// or a string as a spreadsheet writes it (`1 234,50`).
    pub amount: serde_json::Value,
}

/// An amount sent as a JSON number, in minor units: two decimals at most
/// (as far as a double tells them), from 0 to 10^12.
fn json_amount(v: f64) -> Option<u64> {
    if !v.is_finite() || !(0.0..=1e12).contains(&v) {
        return None;
    }
    let minor = (v * 100.0).round();
    ((minor - v * 100.0).abs() <= f64::max(1e-6, minor * 4.0 * f64::EPSILON))
        .then_some(minor as u64)
}

/// Reads an upload: JSON (`application/json`) or CSV (`text/csv`). Every
/// row is checked; a 422 lists the first bad fields (`rows[3].amount`, or
/// `line 4` of a CSV), and then no row is taken.
pub fn read_spend(mime: &str, body: &[u8]) -> Result<Vec<Spend>, ApiError> {
    match mime {
        "text/csv" => {
            let text = std::str::from_utf8(body)
                .map_err(|_| ApiError::BadRequest("a CSV upload is UTF-8 text".into()))?;
            spend::parse_csv(text).map_err(|errors| {
                ApiError::Invalid(
                    errors
                        .iter()
                        .map(|e| FieldError {
                            path: format!("line {}", e.line),
                            message: e.to_string(),
                        })
                        .collect(),
                )
            })
        }
        "application/json" => {
            let up: SpendUpload =
                super::json_body(body).map_err(|e| ApiError::field("body", e.to_string()))?;
            if up.rows.is_empty() || up.rows.len() > MAX_ROWS {
                return Err(ApiError::field("rows", format!("1 to {MAX_ROWS} rows")));
            }
            let mut out = Vec::with_capacity(up.rows.len());
            let mut bad = Vec::new();
            for (i, r) in up.rows.iter().enumerate() {
                let amount = match &r.amount {
                    serde_json::Value::Number(n) => n.as_f64().and_then(json_amount).map_or_else(
                        || String::from("-"),
                        |m| format!("{}.{:02}", m / 100, m % 100),
                    ),
                    serde_json::Value::String(s) => s.clone(),
                    _ => String::from("-"),
                };
                let fields = SpendFields {
                    day: &r.day,
                    source: &r.source,
                    medium: &r.medium,
                    campaign: &r.campaign,
                    keyword: r.keyword.as_deref(),
                    ad: r.ad.as_deref(),
                    amount: &amount,
                };
                match Spend::read(&fields) {
                    Ok(s) => out.push(s),
                    Err(why) => bad.extend(why.into_iter().map(|b| FieldError {
                        path: format!("rows[{i}].{}", b.field()),
                        message: b.to_string(),
                    })),
                }
            }
            if bad.is_empty() {
                Ok(out)
            } else {
                bad.truncate(MAX_ERRORS);
                Err(ApiError::Invalid(bad))
            }
        }
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rows_take_numbers_and_written_amounts_and_list_every_bad_field() {
        let rows = read_spend(
            "application/json",
            br#"{"rows":[{"day":"2026-12-01","source":"Yandex","medium":"cpc","campaign":"implants","amount":1234.5},
                         {"day":"2026-12-01","source":"google","medium":"cpc","campaign":"brand","keyword":"dentist","amount":"1 000,25"}]}"#,
        )
        .unwrap();
        assert_eq!(rows[0].amount_minor, 123_450);
        assert_eq!(rows[0].source, "yandex");
        assert_eq!(
            (rows[1].amount_minor, rows[1].keyword.as_deref()),
            (100_025, Some("dentist"))
        );
        let e = read_spend(
            "application/json",
            br#"{"rows":[{"day":"2026-12-01","source":"y","medium":"cpc","campaign":"c","amount":1},
                         {"day":"2026-02-30","source":"","medium":"cpc","campaign":"c","amount":1.005}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.status(), 422);
        let body = e.body();
        for f in ["rows[1].day", "rows[1].source", "rows[1].amount"] {
            assert!(body.contains(f), "{f}: {body}");
        }
        assert!(!body.contains("rows[0]"), "{body}");
        assert_eq!(
            read_spend("application/json", br#"{"rows":[]}"#)
                .unwrap_err()
                .status(),
            422
        );
        assert_eq!(read_spend("text/plain", b"x").unwrap_err().status(), 415);
    }

    #[test]
    fn a_csv_error_names_its_line() {
        let e = read_spend(
            "text/csv",
            b"day,source,medium,campaign,amount\n2026-12-01,y,cpc,c,abc\n",
        )
        .unwrap_err();
        assert!(e.body().contains("line 2"), "{}", e.body());
        assert_eq!(read_spend("text/csv", b"\xff").unwrap_err().status(), 400);
    }
}
