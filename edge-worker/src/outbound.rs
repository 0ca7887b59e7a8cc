//! Requests to vendors (Twilio, Postmark, Pipedrive, Metrica, Google Ads,
//! Yandex Direct, Turnstile, webhooks): one builder, and one fetch that gives
//! up after a deadline, so that a vendor that hangs holds nothing up.

use worker::wasm_bindgen::JsValue;
use worker::{Headers, Method, Request, RequestInit, Response};

/// Sends one request with `headers` and `body`, answered within `secs`.
pub async fn send(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    secs: u64,
) -> Result<Response, String> {
    let h = Headers::new();
    for (k, v) in headers {
        h.set(k, v).map_err(|e| e.to_string())?;
    }
    send_with(method, url, h, body, secs).await
}

/// [`send`], with headers already made.
pub async fn send_with(
    method: Method,
    url: &str,
    headers: Headers,
    body: Option<&str>,
    secs: u64,
) -> Result<Response, String> {
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers);
    if let Some(b) = body {
        init.with_body(Some(JsValue::from_str(b)));
    }
    let req = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    fetch_within(req, secs).await
}

/// Fetches `req`, or says why not: the error, or no answer within `secs`.
pub async fn fetch_within(req: Request, secs: u64) -> Result<Response, String> {
    let request = worker::Fetch::Request(req);
    let fetch = Box::pin(request.send());
    let timeout = Box::pin(worker::Delay::from(std::time::Duration::from_secs(secs)));
    // Bound first: the pending fetch borrows `request` until the match ends.
    let answer = match futures_util::future::select(fetch, timeout).await {
        futures_util::future::Either::Left((Ok(resp), _)) => Ok(resp),
        futures_util::future::Either::Left((Err(e), _)) => Err(e.to_string()),
        futures_util::future::Either::Right(_) => Err(format!("no answer in {secs} s")),
    };
    answer
}

/// POSTs a form to Twilio's REST API (HTTP Basic with the account's SID and
/// token): the new resource's SID, or why not in Twilio's words.
pub async fn twilio_post(url: &str, sid: &str, token: &str, form: &str) -> Result<String, String> {
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{sid}:{token}"));
    let auth = format!("Basic {basic}");
    let headers = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("accept", "application/json"),
        ("authorization", auth.as_str()),
    ];
    let mut resp = send(Method::Post, url, &headers, Some(form), 10).await?;
    let code = resp.status_code();
    let v: serde_json::Value = resp.json().await.unwrap_or_default();
    if (200..300).contains(&code) {
        v["sid"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| "Twilio's answer has no call SID".to_string())
    } else {
        Err(format!(
            "Twilio answered {code}: {}",
            v["message"].as_str().unwrap_or("")
        ))
    }
}
