//! Who is calling (the deployment's key, a site key of a scope, or anyone),
//! what each route lets them do, and CORS for the page's routes.

use worker::Request;

use super::{now, SiteObject, R};
use crate::error::ApiError;
use crate::guard;
use crate::routes::Access;
use crate::store;

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Caller {
    /// The deployment's admin key: creates sites, issues keys.
    Deployment,
    /// A site key with the `admin` scope.
    SiteAdmin,
    /// A site key with the `server` scope: leasing from a server.
    Server,
    /// No key: a browser or anyone.
    Public,
}

impl SiteObject {
    pub(super) fn caller(&self, req: &Request) -> R<Caller> {
        let header = req.headers().get("authorization").ok().flatten();
        let Some(token) = guard::bearer(header.as_deref()) else {
            return Ok(Caller::Public);
        };
        let hash = guard::sha256_hex(token);
        if let Some(admin) = self.var("ADMIN_KEY") {
            if !admin.is_empty()
                && guard::constant_time_eq(hash.as_bytes(), guard::sha256_hex(&admin).as_bytes())
            {
                return Ok(Caller::Deployment);
            }
        }
        // No site here, no keys: nothing is set up to find that out.
        if !self.has_storage()? {
            return Err(ApiError::Unauthorized);
        }
        let db = self.ready()?;
        let Some(key) = store::key(&db, &hash)? else {
            return Err(ApiError::Unauthorized);
        };
        let at = now().millis();
        if key.expires_at.is_some_and(|t| t <= at) {
            return Err(ApiError::Unauthorized);
        }
        // When it was last used, to the hour: one write an hour per key at most.
        let hour = at - at.rem_euclid(3_600_000);
        if key.last_used.is_none_or(|t| t < hour) {
            if let Err(e) = db.atomically(|tx| Ok(store::key_used(tx, &hash, hour)?)) {
                worker::console_error!("key use: {}", e.body());
            }
        }
        match key.scope.as_str() {
            "admin" => Ok(Caller::SiteAdmin),
            "server" => Ok(Caller::Server),
            _ => Err(ApiError::Unauthorized),
        }
    }

    /// Checks the caller against the route's access rule.
    pub(super) fn authorize(&self, access: Access, req: &Request) -> R<Caller> {
        let caller = self.caller(req)?;
        let ok = match access {
            Access::Page | Access::Signed => true,
            Access::Server => caller != Caller::Public,
            Access::Admin => matches!(caller, Caller::Deployment | Caller::SiteAdmin),
            Access::Deployment => caller == Caller::Deployment,
            // Found only at `/_shard/...`, which has no caller to check.
            Access::Shard => false,
        };
        match (ok, caller) {
            (true, _) => Ok(caller),
            (false, Caller::Public) => Err(ApiError::Unauthorized),
            (false, Caller::Server) => Err(ApiError::Forbidden(
                "a server key may only lease numbers".into(),
            )),
            (false, _) => Err(ApiError::Forbidden(
                "only the deployment's admin key may do this".into(),
            )),
        }
    }

    /// CORS: the page's routes answer browsers of the site's origins only.
    pub(super) fn cors(&self, req: &Request, page: bool) -> R<Option<String>> {
        let Some(origin) = req.headers().get("origin").ok().flatten() else {
            return Ok(None);
        };
        if !page {
            return Ok(None);
        }
        self.require_site()?;
        if self.with_loaded(|l| l.site.config().allows_origin(&origin))? {
            Ok(Some(origin))
        } else {
            Err(ApiError::Forbidden(format!(
                "origin {origin} is not allowed for this site"
            )))
        }
    }
}
