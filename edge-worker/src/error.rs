//! One error type for the whole API: a status and a JSON body
//! `{"error": {"code", "message"}}`. Internal details never reach the client.

use serde::Serialize;

use pool_core::site::FieldError;

/// Everything that can go wrong in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 400: the body is not JSON, or a path part is malformed.
    BadRequest(String),
    /// 401: no credentials, or credentials that are no key of ours.
    Unauthorized,
    /// 403: a key without the right, or an origin that is not allowed.
    Forbidden(String),
    /// 404: no such site, session or number.
    NotFound(String),
    /// 405: the route exists, the method does not; the methods it takes (`Allow`).
    MethodNotAllowed(String),
    /// 409: the request contradicts the stored state.
    Conflict(String),
    /// 413: the body is over the size cap.
    PayloadTooLarge(usize),
    /// 415: not `application/json` (or `text/plain` where a beacon may send it).
    UnsupportedMediaType,
    /// 422: well-formed JSON with bad fields; every bad field listed.
    Invalid(Vec<FieldError>),
    /// 429: too many requests (new sessions, leads, call-backs) from this client or for this site; retry after this many seconds.
    TooManyRequests(u64),
    /// 500: something of ours failed; the details go to the log only.
    Internal,
    /// 502: another shard of the site did not answer as it should.
    ShardUnavailable(u32),
    /// 502: a vendor (the recording's host) did not give what was asked; in its words.
    Upstream(String),
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a [FieldError]>,
}

impl ApiError {
    /// A 422 for one field.
    pub fn field(path: &str, message: impl Into<String>) -> ApiError {
        ApiError::Invalid(vec![FieldError {
            path: path.into(),
            message: message.into(),
        }])
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest(_) => 400,
            ApiError::Unauthorized => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed(_) => 405,
            ApiError::Conflict(_) => 409,
            ApiError::PayloadTooLarge(_) => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::Invalid(_) => 422,
            ApiError::TooManyRequests(_) => 429,
            ApiError::Internal => 500,
            ApiError::ShardUnavailable(_) | ApiError::Upstream(_) => 502,
        }
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::Invalid(_) => "invalid",
            ApiError::TooManyRequests(_) => "rate_limited",
            ApiError::Internal => "internal",
            ApiError::ShardUnavailable(_) => "shard_unavailable",
            ApiError::Upstream(_) => "upstream_failed",
        }
    }

    /// The header an answer of this error carries besides its type:
    /// `Retry-After` on a 429, `Allow` on a 405 (RFC 9110, 15.5.6).
    pub fn header(&self) -> Option<(&'static str, String)> {
        match self {
            ApiError::TooManyRequests(s) => Some(("retry-after", s.to_string())),
            ApiError::MethodNotAllowed(allow) => Some(("allow", allow.clone())),
            _ => None,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        let message = match self {
            ApiError::BadRequest(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::Upstream(m) => m.clone(),
            ApiError::Unauthorized => {
                "a valid API key is required (Authorization: Bearer <key>)".into()
            }
            ApiError::MethodNotAllowed(allow) => format!("this route takes {allow}"),
            ApiError::PayloadTooLarge(cap) => format!("the body is over {cap} bytes"),
            ApiError::UnsupportedMediaType => "send the body as application/json".into(),
            ApiError::Invalid(f) => format!(
                "{} invalid field(s): {}",
                f.len(),
                f.iter()
                    .map(|e| format!("{}: {}", e.path, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            ApiError::TooManyRequests(s) => format!("too many requests from this client or for this site; retry in {s} s"),
            ApiError::Internal => "internal error; nothing was changed".into(),
            ApiError::ShardUnavailable(k) => format!(
                "shard {k} of this site did not take the change; this object's part is stored: send the request again"
            ),
        };
        let fields = match self {
            ApiError::Invalid(f) => Some(f.as_slice()),
            _ => None,
        };
        serde_json::to_string(&Body {
            error: Inner {
                code: self.code(),
                message,
                fields,
            },
        })
        .unwrap_or_else(|_| {
            String::from("{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}")
        })
    }
}

/// A failure of the runtime (storage, the network): internal, logged, never shown.
#[cfg(target_arch = "wasm32")]
impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> ApiError {
        worker::console_error!("internal error: {e}");
        ApiError::Internal
    }
}

impl From<serde_json::Error> for ApiError {
    /// Syntax errors are 400; JSON of the wrong shape is 422.
    fn from(e: serde_json::Error) -> ApiError {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::field("body", e.to_string()),
            _ => ApiError::BadRequest(format!("malformed JSON: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_json_with_code_and_message() {
        for e in [
            ApiError::BadRequest("x".into()),
            ApiError::Unauthorized,
            ApiError::Forbidden("no".into()),
            ApiError::NotFound("gone".into()),
            ApiError::MethodNotAllowed("GET, HEAD".into()),
            ApiError::Conflict("dup".into()),
            ApiError::PayloadTooLarge(8192),
            ApiError::UnsupportedMediaType,
            ApiError::field("session_id", "bad"),
            ApiError::TooManyRequests(12),
            ApiError::Internal,
            ApiError::ShardUnavailable(2),
        ] {
            let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
            assert_eq!(v["error"]["code"], e.code());
            assert!(v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()));
            assert!((400..=502).contains(&e.status()));
        }
        let v: serde_json::Value = serde_json::from_str(&ApiError::field("a", "b").body()).unwrap();
        assert_eq!(v["error"]["fields"][0]["path"], "a");
    }

    #[test]
    fn json_errors_split_into_400_and_422() {
        let syntax = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        assert_eq!(ApiError::from(syntax).status(), 400);
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            a: u32,
        }
        let data = serde_json::from_str::<S>("{\"a\": \"x\"}").unwrap_err();
        assert_eq!(ApiError::from(data).status(), 422);
    }
}
