//! The deployment's directory of sites, a Durable Object of its own (one,
//! named `directory`): the Worker asks it whether a site name has a site
//! before it sends anything to that site's object, so a request naming no
//! site starts no object and opens no database (workerd keeps one file per
//! object it starts). A site is listed when a request with the deployment
//! key succeeds on it (its creation, or any later one: how a deployment
//! from before the directory lists its sites) and unlisted when deleted.
//!
//! Its protocol, the Worker's only: `GET /{site}` (200 listed, 404 not),
//! `PUT /{site}` lists, `DELETE /{site}` unlists.

use std::cell::Cell;
use std::rc::Rc;

use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, State};

use crate::store::{self, Db};

#[durable_object]
pub struct Directory {
    state: State,
    ready: Cell<bool>,
}

impl DurableObject for Directory {
    fn new(state: State, _env: Env) -> Self {
        Directory {
            state,
            ready: Cell::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let db = Db::new(&self.state, Rc::default());
        if !self.ready.get() {
            write(&db, |tx| tx.write(store::DIRECTORY_SCHEMA, Vec::new()))?;
            self.ready.set(true);
        }
        let path = req.path();
        let site = path.trim_start_matches('/');
        if crate::api::check_site_id(site).is_err() {
            return Response::error("not a site id", 400);
        }
        match req.method() {
            Method::Get => {
                if store::listed(&db, site)? {
                    Response::empty()
                } else {
                    Response::error("not listed", 404)
                }
            }
            Method::Put => write(&db, |tx| store::list(tx, site)).and_then(|_| Response::empty()),
            Method::Delete => {
                write(&db, |tx| store::unlist(tx, site)).and_then(|_| Response::empty())
            }
            _ => Response::error("GET, PUT or DELETE", 405),
        }
    }
}

/// Runs one change through the database's gate.
fn write(db: &Db, f: impl FnOnce(&store::Tx) -> Result<()>) -> Result<()> {
    db.atomically(|tx| Ok(f(tx)?))
        .map_err(|e| worker::Error::RustError(e.code().into()))
}
