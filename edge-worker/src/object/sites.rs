//! The site itself: its config (create, read, replace, delete), the public
//! part a page needs before consent, API keys, and the test-only fault switch.

use worker::{Request, Response};

use pool_core::channel::classify;
use pool_core::site::{Site, Spec};

use super::{check_body, empty, json, now, random_key, random_u64, Caller, Loaded, SiteObject, R};
use crate::api::{self, NewKey};
use crate::error::ApiError;
use crate::guard;
use crate::routes::Handler;
use crate::sealed::Keys;
use crate::store::{self, Tx};

impl SiteObject {
    pub(super) async fn put_site(
        &self,
        caller: Caller,
        req: &Request,
        body: &[u8],
        site: &str,
    ) -> R<Response> {
        let body = check_body(req, body, api::MAX_BODY, false)?;
        let mut value: serde_json::Value = serde_json::from_slice(body)?;
        api::strip_comments(&mut value);
        let mut spec: Spec = serde_json::from_value(value)?;
        let keys = self.keys()?;
        let exists = self.load()?;
        // Secrets shown as hidden and sent back unchanged keep the stored ones.
        if let Some(stored) = self.loaded.borrow().as_ref() {
            spec.integrations.keep_secrets(&stored.spec.integrations);
        }
        // A site's own key points an integration only at its vendor.
        if caller != Caller::Deployment {
            let stored = self
                .loaded
                .borrow()
                .as_ref()
                .map(|l| l.spec.integrations.clone());
            let foreign = spec.integrations.foreign_vendors(stored.as_ref());
            if !foreign.is_empty() {
                return Err(ApiError::Invalid(foreign));
            }
        }
        let config = spec.validate().map_err(|e| ApiError::Invalid(e.errors))?;
        if !exists && caller != Caller::Deployment {
            return Err(ApiError::Forbidden(
                "only the deployment's admin key creates sites".into(),
            ));
        }
        let spec = config.to_spec();
        let reply = spec.redacted();
        // A new count of shards: the numbers whose shard changes drain first.
        let resize = match self.loaded.borrow().as_ref() {
            Some(l) if l.site.config().shards != config.shards => {
                if let Some(m) = &l.moving {
                    return Err(ApiError::Conflict(format!(
                        "the site is still moving from {} shards: change shards again once it is done",
                        m.from
                    )));
                }
                Some(pool_core::shard::Move {
                    from: l.site.config().shards,
                    arrived: Vec::new(),
                    done_at: None,
                })
            }
            _ => None,
        };
        if exists {
            self.mutate(Some(Handler::PutSite), |l, db| {
                if resize.is_some() {
                    l.moving = resize.clone();
                    store::set_meta(db, "moving", &super::encode(&l.moving)?)?;
                }
                let mine = config.shard_moving(l.shard, l.moving.as_ref());
                let gone = l.site.reconfigure(mine, random_u64());
                l.spec = spec;
                store_config(&keys, db, &l.spec, site)?;
                store::drop_targets(db, &gone)?;
                Ok(())
            })?;
        } else {
            let db = self.ready()?;
            // The coordinator is shard 0: it holds the numbers shard 0 owns.
            let mut site_state = Site::new(config.shard(0), random_u64());
            db.atomically(|tx| {
                store_config(&keys, tx, &spec, site)?;
                store::write_site(tx, &mut site_state)?;
                Ok(())
            })?;
            *self.loaded.borrow_mut() = Some(Loaded {
                spec,
                site: site_state,
                shard: 0,
                moving: None,
            });
        }
        // The first utilisation sample: the baseline of the hour.
        self.sample_pools();
        // Waiting call-backs follow the office's new hours.
        self.reschedule_callbacks()?;
        self.schedule().await?;
        self.push_config(site).await?;
        json(if exists { 200 } else { 201 }, &reply)
    }

    pub(super) fn get_site(&self) -> R<Response> {
        self.require_site()?;
        let spec = self.with_loaded(|l| l.spec.redacted())?;
        json(200, &spec)
    }

    pub(super) async fn delete_site(&self, site: &str) -> R<Response> {
        self.require_site()?;
        self.delete_shards(site).await?;
        self.state.storage().delete_alarm().await?;
        self.state.storage().delete_all().await?;
        *self.loaded.borrow_mut() = None;
        self.schema_ready.set(false);
        self.alarm_at.set(None);
        empty(204)
    }

    /// `GET /v1/sites/{site}/public`: what the page script needs before
    /// consent (static numbers by channel), with no session and nothing stored.
    pub(super) fn get_public(&self) -> R<Response> {
        self.require_site()?;
        let body = self.with_loaded(|l| api::PublicConfig::of(l.site.config()))?;
        let mut r = json(200, &body)?;
        // Pages may keep it a few minutes: it changes when the config does.
        r.headers_mut()
            .set("cache-control", "public, max-age=300")?;
        Ok(r)
    }

    /// The public settings with the visit's channel, classified here from
    /// the page's address (before consent: nothing is stored, no id given).
    pub(super) fn post_public(&self, req: &Request, body: &[u8]) -> R<Response> {
        self.require_site()?;
        let body = check_body(req, body, api::MAX_PUBLIC_BODY, false)?;
        let visit: api::PublicVisit = api::json_body(body)?;
        let region = visit.check()?;
        let body = self.with_loaded(|l| {
            let config = l.site.config();
            let mut public = api::PublicConfig::of(config);
            if let Some(line) = api::page_numbering(region) {
                public.numbering = Some(line);
            }
            let seen = classify(
                visit.url.as_deref().unwrap_or(""),
                visit.referrer.as_deref(),
                &config.own_hosts(),
            );
            public.channel = Some(seen.channel.as_str().to_string());
            public
        })?;
        let mut r = json(200, &body)?;
        r.headers_mut().set("cache-control", "no-store")?;
        Ok(r)
    }

    /// `POST /keys`: a new key, shown once. Only the deployment's key
    /// issues `admin` keys; a site admin issues `server` keys.
    pub(super) async fn create_key(
        &self,
        caller: Caller,
        req: &Request,
        body: &[u8],
        site: &str,
    ) -> R<Response> {
        self.require_site()?;
        let body = check_body(req, body, api::MAX_BODY, false)?;
        let new: NewKey = api::json_body(body)?;
        if new.scope != "admin" && new.scope != "server" {
            return Err(ApiError::field("scope", "admin or server"));
        }
        if new.scope == "admin" && caller != Caller::Deployment {
            return Err(ApiError::Forbidden(
                "only the deployment's admin key issues admin keys".into(),
            ));
        }
        if new.label.as_ref().is_some_and(|l| l.chars().count() > 200) {
            return Err(ApiError::field("label", "at most 200 characters"));
        }
        if new
            .expires_in_days
            .is_some_and(|d| !(1..=3650).contains(&d))
        {
            return Err(ApiError::field("expires_in_days", "from 1 to 3650 days"));
        }
        let key = random_key()?;
        let at = now();
        let expires_at = new
            .expires_in_days
            .map(|d| at + pool_core::time::Duration::from_days(u64::from(d)));
        let hash = guard::sha256_hex(&key);
        self.mutate(Some(Handler::CreateKey), |_, db| {
            store::put_key(db, &hash, &new.scope, new.label.as_deref(), at, expires_at)?;
            Ok(())
        })?;
        // The other shards check keys too (a server key leases there).
        self.push_config(site).await?;
        json(
            201,
            &serde_json::json!({
                "key": key, "id": &hash[..16], "scope": new.scope, "label": new.label,
                "created": at.millis(), "expires_at": expires_at.map(|t| t.millis()),
            }),
        )
    }

    /// `GET /keys`: the site's keys (never the keys themselves): id,
    /// scope, label, when issued, when they expire, when last used.
    pub(super) fn list_keys(&self) -> R<Response> {
        self.require_site()?;
        let at = now().millis();
        let keys: Vec<serde_json::Value> = store::keys(&self.ready()?)?
            .iter()
            .map(|k| {
                serde_json::json!({
                    "id": k.id(), "scope": k.scope, "label": k.label, "created": k.created,
                    "expires_at": k.expires_at, "last_used": k.last_used,
                    "expired": k.expires_at.is_some_and(|t| t <= at),
                })
            })
            .collect();
        json(200, &serde_json::json!({ "keys": keys }))
    }

    /// `DELETE /keys/{id}`: the key stops working at once, on every shard.
    pub(super) async fn revoke_key(&self, id: &str, site: &str) -> R<Response> {
        self.require_site()?;
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::NotFound("no such key".into()));
        }
        let id = id.to_ascii_lowercase();
        let gone = self.mutate(None, |_, db| Ok(store::revoke_key(db, &id)?))?;
        if gone == 0 {
            return Err(ApiError::NotFound("no such key".into()));
        }
        self.push_config(site).await?;
        empty(204)
    }

    /// `POST /_test/fault` (test builds only, and there only where the
    /// worker's `TEST_FAULTS` variable is `on`: a test build deployed by
    /// mistake has no switch): the next change made by `handler` fails at
    /// its `statement`th SQL statement.
    #[cfg(feature = "test-faults")]
    pub(super) fn arm_fault(&self, req: &Request, body: &[u8]) -> R<Response> {
        if self.var("TEST_FAULTS").as_deref() != Some("on") {
            return Err(ApiError::NotFound("no such route".into()));
        }
        #[derive(serde::Deserialize)]
        struct Arm {
            handler: String,
            statement: u32,
        }
        let body = check_body(req, body, api::MAX_BODY, false)?;
        let arm: Arm = serde_json::from_slice(body)?;
        let handler = match arm.handler.as_str() {
            "create_session" => Handler::CreateSession,
            "heartbeat" => Handler::Heartbeat,
            "release" => Handler::Release,
            "post_call" => Handler::PostCall,
            "patch_call" => Handler::PatchCall,
            "twilio_status" => Handler::TwilioStatus,
            "twilio_voice" => Handler::TwilioVoice,
            "post_lead" => Handler::PostLead,
            "put_site" => Handler::PutSite,
            "add_numbers" => Handler::AddNumbers,
            "remove_number" => Handler::RemoveNumber,
            other => {
                return Err(ApiError::field(
                    "handler",
                    format!("{other:?} is no change"),
                ))
            }
        };
        if arm.statement == 0 {
            return Err(ApiError::field("statement", "from 1"));
        }
        self.armed.set(Some((handler, arm.statement)));
        empty(204)
    }

    #[cfg(not(feature = "test-faults"))]
    pub(super) fn arm_fault(&self, _req: &Request, _body: &[u8]) -> R<Response> {
        Err(ApiError::NotFound("no such route".into()))
    }

    /// `POST /v1/sites/{site}/_test/clock` (test builds with
    /// `TEST_FAULTS=on`): moves the objects' clock on by `advance_ms`
    /// (at most a year at a time; it never goes back). The clock is the
    /// runtime's: every object of it moves.
    #[cfg(feature = "test-faults")]
    pub(super) fn move_clock(&self, req: &Request, body: &[u8]) -> R<Response> {
        if self.var("TEST_FAULTS").as_deref() != Some("on") {
            return Err(ApiError::NotFound("no such route".into()));
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Move {
            advance_ms: i64,
        }
        let m: Move = serde_json::from_slice(check_body(req, body, api::MAX_BODY, false)?)?;
        if !(0..=366 * 86_400_000).contains(&m.advance_ms) {
            return Err(ApiError::field("advance_ms", "from 0 to a year"));
        }
        super::SKEW.with(|s| s.set(s.get() + m.advance_ms));
        super::json(200, &serde_json::json!({"now": super::now().millis()}))
    }

    #[cfg(not(feature = "test-faults"))]
    pub(super) fn move_clock(&self, _req: &Request, _body: &[u8]) -> R<Response> {
        Err(ApiError::NotFound("no such route".into()))
    }

    /// `GET /v1/sites/{site}/_test/tables` (test builds with
    /// `TEST_FAULTS=on`): how many rows each table holds, and how many
    /// sessions still carry a trail: what the storage tests measure.
    #[cfg(feature = "test-faults")]
    pub(super) fn count_rows(&self) -> R<Response> {
        if self.var("TEST_FAULTS").as_deref() != Some("on") {
            return Err(ApiError::NotFound("no such route".into()));
        }
        self.require_site()?;
        let out: serde_json::Map<String, serde_json::Value> = store::table_counts(&self.ready()?)?
            .into_iter()
            .map(|(k, n)| (k.to_string(), n.into()))
            .collect();
        super::json(200, &serde_json::json!({ "tables": out }))
    }

    #[cfg(not(feature = "test-faults"))]
    pub(super) fn count_rows(&self) -> R<Response> {
        Err(ApiError::NotFound("no such route".into()))
    }
}

/// Writes the config, its secrets sealed with the deployment's key
/// (`sealed.rs`), and the site's name.
pub(super) fn store_config(keys: &Keys, db: &Tx, spec: &Spec, site: &str) -> R<()> {
    let mut sealed = spec.clone();
    sealed.integrations = keys
        .seal_all(site, &spec.integrations)
        .map_err(super::internal)?;
    store::set_meta(db, "config", &super::encode(&sealed)?)?;
    store::set_meta(db, "site", site)?;
    Ok(())
}
