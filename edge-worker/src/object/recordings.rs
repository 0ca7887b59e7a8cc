//! A call's recording, played through the edge: the edge fetches it from
//! Twilio with the site's account SID and auth token (Twilio's "HTTP Basic
//! Authentication for media access"), or from Zadarma through its API with
//! the account's key and secret (`zadarma.rs`), so the browser never sees
//! them and the recording's address needs no public access. Only the
//! recordings of the site's own accounts are fetched (never any address a
//! call's `recording_url` names: no request to a host of someone's
//! choosing); nothing is kept at the edge.

use worker::{Method, Response};

use pool_core::site::TWILIO_API;

use super::{SiteObject, R};
use crate::error::ApiError;
use crate::store;
use crate::telephony::twilio_media;

impl SiteObject {
    /// `GET /v1/sites/{site}/calls/{id}/recording` (admin): the audio.
    pub(super) async fn call_recording(&self, id: &str) -> R<Response> {
        use base64::Engine;
        self.require_site()?;
        let row = store::call(&self.ready()?, id)?
            .ok_or_else(|| ApiError::NotFound("no such call".into()))?;
        let link = row
            .recording_url
            .ok_or_else(|| ApiError::NotFound("this call has no recording".into()))?;
        if row.id.starts_with("zd-") {
            let z = self.with_loaded(|l| l.site.config().integrations.zadarma.clone())?;
            if let Some(z) = z {
                return self.zadarma_recording(&z, &link).await;
            }
        }
        let twilio = self.with_loaded(|l| l.site.config().integrations.twilio.clone())?;
        let Some((url, sid, token)) = twilio.and_then(|t| {
            let sid = t.account_sid.clone()?;
            let base = t.api_base.as_deref().unwrap_or(TWILIO_API);
            Some((twilio_media(base, &sid, &link)?, sid, t.auth_token))
        }) else {
            return Err(ApiError::Conflict(
                "the recording is not one of the site's Twilio account: open its link".into(),
            ));
        };
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{sid}:{token}"));
        let auth = format!("Basic {basic}");
        let mut resp = crate::outbound::send(
            Method::Get,
            &url,
            &[("authorization", auth.as_str())],
            None,
            20,
        )
        .await
        .map_err(|e| ApiError::Upstream(format!("Twilio did not answer: {e}")))?;
        let code = resp.status_code();
        if !(200..300).contains(&code) {
            let v: serde_json::Value = resp.json().await.unwrap_or_default();
            return Err(ApiError::Upstream(format!(
                "Twilio answered {code}: {}",
                v["message"].as_str().unwrap_or("")
            )));
        }
        audio(&mut resp).await
    }
}

/// The audio of a vendor's answer, for the dashboard: its own type when it
/// says audio (MP3 otherwise), never cached.
pub(super) async fn audio(resp: &mut Response) -> R<Response> {
    let kind = resp
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .filter(|t| t.starts_with("audio/"))
        .unwrap_or_else(|| "audio/mpeg".into());
    let bytes = resp.bytes().await?;
    let mut out = Response::from_bytes(bytes)?;
    let h = out.headers_mut();
    h.set("content-type", &kind)?;
    h.set("cache-control", "private, no-store")?;
    Ok(out)
}
