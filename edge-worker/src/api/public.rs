//! What the page may read of the site (`GET /v1/sites/{site}/public`).

use super::*;

/// `POST /v1/sites/{site}/public`: the page's address, to learn the
/// visit's channel before consent. Nothing of it is stored.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicVisit {
    /// The page's URL.
    #[serde(default)]
    pub url: Option<String>,
    /// The referrer, if any.
    #[serde(default)]
    pub referrer: Option<String>,
    /// The tag's region, for the numbering line.
    #[serde(default)]
    pub region: Option<String>,
}

impl PublicVisit {
    /// Checks the fields; lists every bad one. Gives the tag's region.
    pub fn check(&self) -> Result<Option<Region>, ApiError> {
        let long = |v: &Option<String>| v.as_ref().is_some_and(|s| s.len() > MAX_URL);
        let mut bad = Vec::new();
        if long(&self.url) {
            bad.push(("url", format!("at most {MAX_URL} bytes")));
        }
        if long(&self.referrer) {
            bad.push(("referrer", format!("at most {MAX_URL} bytes")));
        }
        let region = page_region(self.region.as_deref(), "region", &mut bad);
        fields(bad)?;
        Ok(region)
    }
}

/// What the page script needs to show static numbers before consent, with
/// no session: `GET /v1/sites/{site}/public`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicConfig {
    /// The site's default region for written numbers.
    pub region: Option<String>,
    /// That region's numbering line for the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbering: Option<String>,
    /// The visit's channel, when the page asked with its address (`POST`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// CSS selectors of page regions the script leaves alone.
    pub ignore_selectors: Vec<String>,
    /// The site's target numbers and their static numbers by channel.
    pub targets: Vec<PublicTarget>,
}

impl PublicConfig {
    /// The public part of a config.
    pub fn of(c: &Config) -> PublicConfig {
        PublicConfig {
            region: c.region.map(|r| r.as_str().to_string()),
            numbering: page_numbering(c.region),
            channel: None,
            ignore_selectors: c.ignore_selectors.clone(),
            targets: c
                .targets
                .iter()
                .map(|t| PublicTarget {
                    number: t.number.to_string(),
                    static_numbers: t
                        .static_numbers
                        .iter()
                        .map(|(ch, n)| (ch.as_str().to_string(), n.to_string()))
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One target number of [`PublicConfig`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicTarget {
    /// The number printed on the site (E.164).
    pub number: String,
    /// Channel name to static tracking number (E.164).
    pub static_numbers: BTreeMap<String, String>,
}
