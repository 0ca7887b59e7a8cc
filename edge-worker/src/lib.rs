//! The edge shell: HTTP API and Durable Objects on Cloudflare's runtime.
//!
//! This first cut answers `GET /healthz`; the leasing API comes with its own issue.
#![deny(unsafe_code)]

/// The body of `GET /healthz`.
pub fn health_body() -> &'static str {
    concat!(
        "{\"status\":\"ok\",\"version\":\"",
        env!("CARGO_PKG_VERSION"),
        "\"}"
    )
}

#[cfg(target_arch = "wasm32")]
mod entry {
    use worker::*;

    #[event(fetch)]
    async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
        Router::new()
            .get("/healthz", |_, _| {
                let mut r = Response::ok(super::health_body())?;
                r.headers_mut().set("content-type", "application/json")?;
                Ok(r)
            })
            .run(req, env)
            .await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn health_is_json() {
        assert!(super::health_body().starts_with("{\"status\":\"ok\""));
    }
}
