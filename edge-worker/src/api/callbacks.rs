//! A visitor's request to be called back, as the page sends it.

use super::*;

/// `POST /v1/sites/{site}/callbacks`: what the page sends.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCallback {
    /// The visitor's session: the request is attributed through it.
    pub session_id: String,
    /// The number to call back, as the visitor typed it.
    pub phone: String,
    /// How to greet them.
    #[serde(default)]
    pub name: Option<String>,
    /// Which office (a target number); the first by default.
    #[serde(default)]
    pub target: Option<String>,
}
