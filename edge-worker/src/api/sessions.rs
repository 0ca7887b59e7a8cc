//! A visit's session: what the page sends to lease numbers, and what it gets.

use super::*;

/// `POST /v1/sites/{site}/sessions`.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionRequest {
    /// 32 hex digits (or a UUID) made by the browser.
    pub session_id: String,
    /// The landing URL.
    #[serde(default)]
    pub url: Option<String>,
    /// `document.referrer`.
    #[serde(default)]
    pub referrer: Option<String>,
    /// The `_ga` client id, for GA4 export.
    #[serde(default)]
    pub ga_client_id: Option<String>,
    /// Yandex Metrica's ClientID (the `_ym_uid` cookie), for Metrica's call upload.
    #[serde(default)]
    pub ym_client_id: Option<String>,
    /// Server integrations only (with a server key): the visitor's address.
    #[serde(default)]
    pub client_ip: Option<String>,
    /// Server integrations only (with a server key): the visitor's user agent.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// The tag's region (`data-region`), when it names one: the reply's
    /// numbering line is that region's instead of the site's.
    #[serde(default)]
    pub region: Option<String>,
    /// Cloudflare Turnstile's token, when the edge asked for one (`challenge`).
    #[serde(default)]
    pub turnstile_token: Option<String>,
}

/// A region a page named: none when empty, a 422 on `field` when it is no
/// two-letter code.
pub fn page_region(
    raw: Option<&str>,
    field: &'static str,
    bad: &mut Vec<(&'static str, String)>,
) -> Option<Region> {
    let raw = raw.filter(|r| !r.is_empty())?;
    let r = raw.parse::<Region>().ok();
    if r.is_none() {
        bad.push((field, "a two-letter region code, such as UA".into()));
    }
    r
}

/// A checked session request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The session.
    pub id: SessionId,
    /// The landing URL (may be empty).
    pub url: String,
    /// The referrer, if any.
    pub referrer: Option<String>,
    /// The `_ga` client id, if any.
    pub ga_client_id: Option<String>,
    /// Metrica's ClientID, if any.
    pub ym_client_id: Option<String>,
    /// Passed by a server integration.
    pub client_ip: Option<String>,
    /// Passed by a server integration.
    pub user_agent: Option<String>,
    /// The tag's region.
    pub region: Option<Region>,
    /// Turnstile's token, if the page sent one.
    pub turnstile_token: Option<String>,
}

impl SessionRequest {
    /// Checks every field; lists every bad one.
    pub fn check(self) -> Result<NewSession, ApiError> {
        let mut bad = Vec::new();
        let id = self.session_id.parse::<SessionId>().map_err(|e| {
            bad.push(("session_id", e.to_string()));
        });
        let url = self.url.unwrap_or_default();
        if url.len() > MAX_URL {
            bad.push(("url", format!("at most {MAX_URL} bytes")));
        }
        if self.referrer.as_ref().is_some_and(|r| r.len() > MAX_URL) {
            bad.push(("referrer", format!("at most {MAX_URL} bytes")));
        }
        if let Some(ga) = &self.ga_client_id {
            let ok = ga.len() <= 64
                && !ga.is_empty()
                && ga.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            if !ok {
                bad.push((
                    "ga_client_id",
                    "digits and dots, such as 1234567890.1700000000".into(),
                ));
            }
        }
        if let Some(ym) = &self.ym_client_id {
            if ym.is_empty() || ym.len() > 32 || !ym.bytes().all(|b| b.is_ascii_digit()) {
                bad.push(("ym_client_id", "Metrica's ClientID: 1 to 32 digits".into()));
            }
        }
        if self.client_ip.as_ref().is_some_and(|ip| ip.len() > 64) {
            bad.push(("client_ip", "at most 64 bytes".into()));
        }
        if self.user_agent.as_ref().is_some_and(|ua| ua.len() > 1024) {
            bad.push(("user_agent", "at most 1024 bytes".into()));
        }
        if self
            .turnstile_token
            .as_ref()
            .is_some_and(|t| t.len() > 2048)
        {
            bad.push(("turnstile_token", "at most 2048 bytes".into()));
        }
        let region = page_region(self.region.as_deref(), "region", &mut bad);
        fields(bad)?;
        Ok(NewSession {
            // Not Err: a bad id is in `bad`.
            id: id.map_err(|()| ApiError::Internal)?,
            url,
            referrer: self.referrer.filter(|r| !r.is_empty()),
            ga_client_id: self.ga_client_id,
            ym_client_id: self.ym_client_id,
            client_ip: self.client_ip,
            user_agent: self.user_agent,
            region,
            turnstile_token: self.turnstile_token.filter(|t| !t.is_empty()),
        })
    }
}

/// What a session shows in place of one target number.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NumberReply {
    /// The target number (E.164).
    pub target: String,
    /// The number to show (E.164).
    pub number: String,
    /// `dynamic`, `static`, `fallback` or `original`.
    pub kind: String,
    /// When a dynamic lease ends unless renewed (ms since the epoch).
    pub expires_at: Option<i64>,
}

/// The numbering line the page loads for `region`: its prefixes cut to the
/// first digit, what reading the site's own numbers needs (a few dozen bytes).
pub fn page_numbering(region: Option<Region>) -> Option<String> {
    region
        .and_then(pool_core::numbering::plan)
        .map(pool_core::numbering::coarse)
}

/// The reply to session create, resume and heartbeat.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionReply {
    /// The session.
    pub session_id: String,
    /// Where the visit came from.
    pub channel: ChannelReply,
    /// One entry per target number of the site.
    pub numbers: Vec<NumberReply>,
    /// How often to send a heartbeat (ms).
    pub heartbeat_ms: u64,
    /// The site's default region for written numbers.
    pub region: Option<String>,
    /// That region's numbering line for the page (`pool_core::numbering::coarse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbering: Option<String>,
    /// CSS selectors of page regions the script leaves alone.
    pub ignore_selectors: Vec<String>,
    /// On leaving the page: release the lease (true) or say "left now" with
    /// a last heartbeat, keeping the number for the fixation (false).
    pub release_on_leave: bool,
    /// The pool runs low: prove you are a browser (Turnstile) and ask again
    /// with the token; meanwhile the numbers shown take no pool number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<Challenge>,
}

/// What the page must do to be leased a number.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Challenge {
    /// Cloudflare Turnstile: the widget's site key and script.
    pub turnstile: TurnstileChallenge,
}

/// Turnstile's widget, as the page renders it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TurnstileChallenge {
    /// The widget's site key.
    pub site_key: String,
    /// Its script.
    pub script: String,
    /// Why a token sent was not taken (siteverify's error codes), if one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

impl From<&Shown> for NumberReply {
    fn from(s: &Shown) -> NumberReply {
        NumberReply {
            target: s.target.to_string(),
            number: s.number.to_string(),
            kind: s.why.kind().to_string(),
            expires_at: s.why.expires_at().map(|t| t.millis()),
        }
    }
}

impl SessionReply {
    /// With the numbering line of the tag's region, when it named one this
    /// build knows (else the site's stays).
    pub fn for_region(mut self, region: Option<Region>) -> SessionReply {
        if let Some(line) = page_numbering(region) {
            self.numbering = Some(line);
        }
        self
    }

    /// The reply for `session` showing `shown`, with the site's settings for the page.
    pub fn new(
        session: SessionId,
        channel: ChannelReply,
        shown: &[Shown],
        config: &Config,
    ) -> SessionReply {
        SessionReply {
            session_id: session.to_string(),
            channel,
            numbers: shown.iter().map(NumberReply::from).collect(),
            heartbeat_ms: config.heartbeat.millis(),
            region: config.region.map(|r| r.as_str().to_string()),
            numbering: page_numbering(config.region),
            ignore_selectors: config.ignore_selectors.clone(),
            release_on_leave: config.release_on_leave,
            challenge: None,
        }
    }
}
