//! The one route table of a site's API: (method, path) -> who may call it
//! and which handler answers. CORS (the page's routes), the 405 answers and
//! the list of public routes all follow from it.
//!
//! Paths are those under `/v1/sites/{site}/`; `{}` matches one segment.

use crate::error::ApiError;

/// HTTP methods the API answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// GET (and HEAD).
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Verb {
    /// The method's name (`GET`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Patch => "PATCH",
            Verb::Delete => "DELETE",
        }
    }

    /// The verb of a method name; `None` for OPTIONS and anything unknown.
    pub fn parse(method: &str) -> Option<Verb> {
        Some(match method {
            "GET" | "HEAD" => Verb::Get,
            "POST" => Verb::Post,
            "PUT" => Verb::Put,
            "PATCH" => Verb::Patch,
            "DELETE" => Verb::Delete,
            _ => return None,
        })
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, browsers of the site's origins included (CORS): the page script.
    Page,
    /// No key; the request proves itself (Twilio's signature).
    Signed,
    /// A `server` or `admin` key of the site, or the deployment's key.
    Server,
    /// An `admin` key of the site, or the deployment's key.
    Admin,
    /// The deployment's admin key only.
    Deployment,
    /// Another object of the same site (its coordinator or a shard), at
    /// `/_shard/{site}/...`: never a request from outside, which the Worker
    /// does not forward there, and which is not found at `/v1/sites/...`.
    Shard,
}

/// The handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// `PUT /`: create or replace the site's config.
    PutSite,
    /// `GET /`: the site's config (secrets hidden).
    GetSite,
    /// `DELETE /`: the site and everything it stored.
    DeleteSite,
    /// `GET /public`: what a page needs before consent.
    GetPublic,
    PostPublic,
    /// `POST /sessions`: a visit starts or comes back.
    CreateSession,
    /// `POST /sessions/{id}/heartbeat`: a sign of life, or the leave beacon.
    Heartbeat,
    /// `POST /sessions/{id}/release`: the visitor left.
    Release,
    /// `POST /sessions/{id}/trail`: pages seen and the site's events.
    Trail,
    /// `GET /pools`.
    GetPools,
    /// `GET /pools/{target}/leases`.
    PoolLeases,
    /// `POST /pools/{target}/numbers`.
    AddNumbers,
    /// `DELETE /pools/{target}/numbers/{number}`.
    RemoveNumber,
    /// `POST /keys`.
    CreateKey,
    /// `GET /keys`.
    ListKeys,
    /// `DELETE /keys/{id}`.
    RevokeKey,
    /// `GET /journal`.
    GetJournal,
    /// `GET /coverage`.
    GetCoverage,
    /// `POST /calls`: a call from any PBX.
    PostCall,
    /// `GET /calls`: the call log.
    ListCalls,
    /// `GET /calls/{id}`.
    GetCall,
    /// `PATCH /calls/{id}`.
    PatchCall,
    /// `POST /twilio/voice`.
    TwilioVoice,
    /// `POST /twilio/status`.
    TwilioStatus,
    /// `POST /callbacks`: a visitor asks to be called back.
    PostCallback,
    /// `GET /callbacks`.
    ListCallbacks,
    /// `POST /twilio/callback/{id}`: the office answered a call-back.
    TwilioCallback,
    /// `POST /twilio/callback/{id}/status`: the office leg's progress.
    TwilioCallbackStatus,
    /// `POST /twilio/callback/{id}/dial`: the visitor's leg and the Dial's end.
    TwilioCallbackDial,
    /// `POST /crm/pipedrive`: Pipedrive's webhook (a deal won or lost).
    PipedriveWebhook,
    /// `GET /calls/{id}/recording`: the call's recording, fetched by the edge.
    CallRecording,
    /// `POST /crm/amocrm/{secret}`: amoCRM's webhook (a deal's status changed).
    AmoCrmWebhook,
    /// `POST /pbx/zadarma`: Zadarma's call events (signed).
    ZadarmaEvent,
    /// `GET /pbx/zadarma?zd_echo=`: Zadarma's check of the address.
    ZadarmaEcho,
    /// `GET /leads`.
    ListLeads,
    /// `POST /leads`.
    PostLead,
    /// `GET /reports/calls`.
    CallReport,
    /// `PUT /costs`: ad spend in (JSON rows or a CSV export).
    PutCosts,
    /// `GET /costs`: the spend of some days.
    GetCosts,
    /// `DELETE /costs`: spend taken back.
    DeleteCosts,
    /// `GET /reports/pools`.
    PoolReport,
    /// `DELETE /callers/{number}`.
    EraseCaller,
    /// `GET /deliveries`.
    Deliveries,
    /// `POST /deliveries/{id}/retry`.
    RetryDelivery,
    /// `GET /sizing`.
    Sizing,
    /// `GET /overview`.
    Overview,
    /// `POST /demo/call`.
    DemoCall,
    /// `POST /_test/fault`: arms an injected storage fault (test builds only).
    ArmFault,
    /// `POST /_test/clock`: moves the test clock on (test builds only).
    MoveClock,
    /// `GET /_test/tables`: rows per table (test builds only).
    CountRows,
    /// Shard: `PUT _shard/config`, the coordinator's config and keys.
    ShardConfig,
    /// Shard: `DELETE _shard/config`, the site is gone: everything goes.
    ShardDelete,
    /// Shard: `POST _shard/attribute`, who held a number at a call.
    ShardAttribute,
    /// Shard: `GET _shard/session/{}`, a session's stored row.
    ShardSession,
    /// Shard: `GET _shard/numbers/{}`, a pool's numbers here.
    ShardNumbers,
    /// Shard: `GET _shard/samples/{}/{}`, the pools' hourly samples.
    ShardSamples,
    /// Shard: `GET _shard/visits/{}/{}`, the visits of a period, for reports.
    ShardVisitsBetween,
    /// Shard: `POST _shard/visits`, visits and call delays, for the sizing.
    ShardVisits,
    /// Shard: `GET _shard/signals`, the health alerts' signals here.
    ShardSignals,
    /// Shard: `POST _shard/alarm`, run what fell due (the test clock moved; test builds only).
    ShardAlarm,
}

impl Handler {
    /// The page's own changes, many at once on a busy site: they share
    /// commits (the object's group commit); every other request first
    /// stores what they left pending.
    pub fn batched(self) -> bool {
        matches!(
            self,
            Handler::CreateSession | Handler::Heartbeat | Handler::Release | Handler::Trail
        )
    }
}

/// One route.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The method.
    pub verb: Verb,
    /// The path under the site, `{}` for a parameter.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// What answers.
    pub handler: Handler,
}

const fn r(verb: Verb, path: &'static str, access: Access, handler: Handler) -> Route {
    Route {
        verb,
        path,
        access,
        handler,
    }
}

use Access::*;
use Handler::*;
use Verb::*;

/// Every route of a site.
pub const ROUTES: &[Route] = &[
    r(Put, "", Admin, PutSite),
    r(Get, "", Admin, GetSite),
    r(Delete, "", Deployment, DeleteSite),
    r(Get, "public", Page, GetPublic),
    r(Post, "public", Page, PostPublic),
    r(Post, "sessions", Page, CreateSession),
    r(Post, "sessions/{}/heartbeat", Page, Heartbeat),
    r(Post, "sessions/{}/release", Page, Release),
    r(Post, "sessions/{}/trail", Page, Trail),
    r(Get, "pools", Admin, GetPools),
    r(Get, "pools/{}/leases", Admin, PoolLeases),
    r(Post, "pools/{}/numbers", Admin, AddNumbers),
    r(Delete, "pools/{}/numbers/{}", Admin, RemoveNumber),
    r(Post, "keys", Admin, CreateKey),
    r(Get, "keys", Admin, ListKeys),
    r(Delete, "keys/{}", Admin, RevokeKey),
    r(Get, "journal", Admin, GetJournal),
    r(Get, "coverage", Admin, GetCoverage),
    r(Post, "calls", Server, PostCall),
    r(Get, "calls", Admin, ListCalls),
    r(Get, "calls/{}", Admin, GetCall),
    r(Patch, "calls/{}", Server, PatchCall),
    r(Get, "calls/{}/recording", Admin, CallRecording),
    r(Post, "twilio/voice", Signed, TwilioVoice),
    r(Post, "twilio/status", Signed, TwilioStatus),
    r(Post, "callbacks", Page, PostCallback),
    r(Get, "callbacks", Admin, ListCallbacks),
    r(Post, "twilio/callback/{}", Signed, TwilioCallback),
    r(
        Post,
        "twilio/callback/{}/status",
        Signed,
        TwilioCallbackStatus,
    ),
    r(Post, "twilio/callback/{}/dial", Signed, TwilioCallbackDial),
    r(Post, "crm/pipedrive", Signed, PipedriveWebhook),
    r(Post, "crm/amocrm/{}", Signed, AmoCrmWebhook),
    r(Post, "pbx/zadarma", Signed, ZadarmaEvent),
    r(Get, "pbx/zadarma", Signed, ZadarmaEcho),
    r(Post, "leads", Page, PostLead),
    r(Get, "leads", Admin, ListLeads),
    r(Get, "reports/calls", Admin, CallReport),
    r(Put, "costs", Server, PutCosts),
    r(Get, "costs", Admin, GetCosts),
    r(Delete, "costs", Admin, DeleteCosts),
    r(Get, "reports/pools", Admin, PoolReport),
    r(Delete, "callers/{}", Admin, EraseCaller),
    r(Get, "deliveries", Admin, Deliveries),
    r(Post, "deliveries/{}/retry", Admin, RetryDelivery),
    r(Get, "sizing", Admin, Sizing),
    r(Get, "overview", Admin, Overview),
    r(Post, "demo/call", Page, DemoCall),
    #[cfg(feature = "test-faults")]
    r(Post, "_test/fault", Deployment, ArmFault),
    #[cfg(feature = "test-faults")]
    r(Post, "_test/clock", Deployment, MoveClock),
    #[cfg(feature = "test-faults")]
    r(Get, "_test/tables", Deployment, CountRows),
    // Between the objects of one site.
    r(Put, "_shard/config", Shard, ShardConfig),
    r(Delete, "_shard/config", Shard, ShardDelete),
    r(Post, "_shard/attribute", Shard, ShardAttribute),
    r(Get, "_shard/session/{}", Shard, ShardSession),
    r(Get, "_shard/numbers/{}", Shard, ShardNumbers),
    r(Get, "_shard/samples/{}/{}", Shard, ShardSamples),
    r(Get, "_shard/visits/{}/{}", Shard, ShardVisitsBetween),
    r(Post, "_shard/visits", Shard, ShardVisits),
    r(Get, "_shard/signals", Shard, ShardSignals),
    #[cfg(feature = "test-faults")]
    r(Post, "_shard/alarm", Shard, ShardAlarm),
];

/// What a path is, whatever the method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<'a> {
    /// The route, with the path's parameters in order.
    Route(Route, Vec<&'a str>),
    /// The path exists with other methods; `page` when it is the page's (CORS).
    WrongMethod {
        /// Whether the path belongs to the page script (preflights answer).
        page: bool,
        /// The methods it takes, for the `Allow` header (`GET, HEAD, POST`).
        allow: String,
    },
}

impl PartialEq for Route {
    fn eq(&self, other: &Route) -> bool {
        self.verb == other.verb && self.path == other.path
    }
}
impl Eq for Route {}

/// The parameters of `segments` under `pattern`, if it matches.
fn params<'a>(pattern: &str, segments: &[&'a str]) -> Option<Vec<&'a str>> {
    let pat: Vec<&str> = if pattern.is_empty() {
        Vec::new()
    } else {
        pattern.split('/').collect()
    };
    if pat.len() != segments.len() {
        return None;
    }
    let mut out = Vec::new();
    for (p, s) in pat.iter().zip(segments) {
        if *p == "{}" {
            if s.is_empty() {
                return None;
            }
            out.push(*s);
        } else if p != s {
            return None;
        }
    }
    Some(out)
}

/// Finds the route for `verb` (`None`: OPTIONS or an unknown method) and
/// the path's `segments`, among the routes for requests from outside
/// (`shard: false`) or between the objects of a site (`shard: true`).
pub fn find<'a>(
    verb: Option<Verb>,
    segments: &[&'a str],
    shard: bool,
) -> Result<Found<'a>, ApiError> {
    let mut page = false;
    let mut allow: Vec<&str> = Vec::new();
    for route in ROUTES
        .iter()
        .filter(|r| (r.access == Access::Shard) == shard)
    {
        if let Some(p) = params(route.path, segments) {
            page |= route.access == Access::Page;
            if Some(route.verb) == verb {
                return Ok(Found::Route(*route, p));
            }
            allow.push(route.verb.name());
            if route.verb == Verb::Get {
                allow.push("HEAD");
            }
        }
    }
    if !allow.is_empty() {
        if page {
            allow.push("OPTIONS");
        }
        Ok(Found::WrongMethod {
            page,
            allow: allow.join(", "),
        })
    } else {
        Err(ApiError::NotFound("no such route".into()))
    }
}

/// Whether the path is the page script's (it answers CORS).
pub fn is_page_path(segments: &[&str]) -> bool {
    ROUTES
        .iter()
        .any(|r| r.access == Access::Page && params(r.path, segments).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(p: &str) -> Vec<&str> {
        if p.is_empty() {
            Vec::new()
        } else {
            p.split('/').collect()
        }
    }

    #[test]
    fn routes_are_found_with_their_parameters() {
        let s = seg("sessions/abc/heartbeat");
        match find(Some(Verb::Post), &s, false).unwrap() {
            Found::Route(r, p) => {
                assert_eq!(r.handler, Handler::Heartbeat);
                assert_eq!(r.access, Access::Page);
                assert_eq!(p, ["abc"]);
            }
            other => panic!("{other:?}"),
        }
        let s = seg("pools/+7495/numbers/+7499");
        let Found::Route(r, p) = find(Some(Verb::Delete), &s, false).unwrap() else {
            panic!()
        };
        assert_eq!(
            (r.handler, p),
            (Handler::RemoveNumber, vec!["+7495", "+7499"])
        );
        let Found::Route(r, _) = find(Some(Verb::Get), &[], false).unwrap() else {
            panic!()
        };
        assert_eq!(r.handler, Handler::GetSite);
    }

    #[test]
    fn a_known_path_with_another_method_is_405_and_an_unknown_one_404() {
        let wrong = |page, allow: &str| {
            Ok(Found::WrongMethod {
                page,
                allow: allow.into(),
            })
        };
        assert_eq!(
            find(Some(Verb::Get), &seg("sessions"), false),
            wrong(true, "POST, OPTIONS")
        );
        assert_eq!(
            find(Some(Verb::Put), &seg("calls"), false),
            wrong(false, "POST, GET, HEAD")
        );
        assert_eq!(
            find(None, &seg("leads"), false),
            wrong(true, "POST, GET, HEAD, OPTIONS")
        );
        assert!(matches!(
            find(Some(Verb::Get), &seg("nothing"), false),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            find(Some(Verb::Post), &seg("sessions//heartbeat"), false),
            Err(ApiError::NotFound(_))
        ));
    }

    #[test]
    fn only_the_page_scripts_routes_answer_cors() {
        for p in [
            "sessions",
            "sessions/x/release",
            "public",
            "leads",
            "demo/call",
        ] {
            assert!(is_page_path(&seg(p)), "{p}");
        }
        for p in ["", "calls", "twilio/voice", "keys", "reports/calls"] {
            assert!(!is_page_path(&seg(p)), "{p}");
        }
    }

    #[test]
    fn every_route_is_listed_once() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(!(a.verb == b.verb && a.path == b.path), "{a:?} twice");
            }
        }
    }

    #[test]
    fn the_routes_between_shards_are_not_found_from_outside() {
        assert!(find(Some(Verb::Put), &seg("_shard/config"), false).is_err());
        assert!(find(Some(Verb::Get), &seg("pools"), true).is_err());
        let Found::Route(r, p) = find(Some(Verb::Get), &seg("_shard/samples/1/2"), true).unwrap()
        else {
            panic!("a shard route");
        };
        assert_eq!(
            (r.handler, r.access, p),
            (Handler::ShardSamples, Access::Shard, vec!["1", "2"])
        );
    }

    #[cfg(not(feature = "test-faults"))]
    #[test]
    fn the_fault_switch_is_not_in_a_normal_build() {
        assert!(find(Some(Verb::Post), &seg("_test/fault"), false).is_err());
    }
}
