//! The persistence gate (see the module's notes in `object/mod.rs`): every
//! change of the site goes through [`SiteObject::mutate`], the page's
//! requests through [`SiteObject::mutate_batched`], a group commit. Writes
//! are made through the [`Tx`] that the gate alone hands out.

use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{js_sys, Delay};

use super::{Loaded, SiteObject, R};
use crate::error::ApiError;
use crate::routes::Handler;
use crate::store::{self, Tx, Write};

/// Writes of the page's requests waiting for one shared commit.
pub(super) struct Batch {
    pub(super) writes: Vec<Write>,
    /// The injected failure one of them armed (test builds only).
    pub(super) fault: Option<u32>,
    /// Settles with `true` once the batch is stored, `false` if it failed.
    pub(super) done: js_sys::Promise,
    settle: js_sys::Function,
}

impl Batch {
    pub(super) fn new() -> Batch {
        let mut settle = None;
        let done = js_sys::Promise::new(&mut |resolve, _reject| settle = Some(resolve));
        Batch {
            writes: Vec::new(),
            fault: None,
            done,
            settle: settle.unwrap_or_else(|| js_sys::Function::new_no_args("")),
        }
    }

    pub(super) fn finish(self, stored: bool) {
        // Resolving a promise created here cannot throw.
        let _ = self
            .settle
            .call1(&JsValue::NULL, &JsValue::from_bool(stored));
    }
}

impl SiteObject {
    /// The persistence gate: applies `f` to the loaded site and stores what
    /// it wrote and what changed in the pools, all in one transaction. On
    /// any error nothing is stored and the memory is dropped, so the next
    /// request reloads the state from before this one.
    pub(super) fn mutate<T>(
        &self,
        handler: Option<Handler>,
        f: impl FnOnce(&mut Loaded, &Tx) -> R<T>,
    ) -> R<T> {
        self.require_site()?;
        let db = self.ready()?;
        self.flush_batch();
        if let Some(h) = handler {
            self.arm(h);
        }
        let result = {
            let mut guard = self.loaded.borrow_mut();
            let loaded = guard.as_mut().ok_or(ApiError::Internal)?;
            let r = db.atomically(|tx| {
                let v = f(loaded, tx)?;
                store::write_site(tx, &mut loaded.site)?;
                Ok(v)
            });
            if r.is_err() {
                *guard = None;
            }
            r
        };
        self.fault.set(None);
        result
    }

    /// The gate for the page's requests, with a group commit (see the
    /// module's notes): `f` changes the loaded site and writes through a
    /// deferred handle ([`Db::deferred`]); the reply waits until the batch it joined is stored.
    pub(super) async fn mutate_batched<T>(
        &self,
        handler: Handler,
        f: impl FnOnce(&mut Loaded, &Tx) -> R<T>,
    ) -> R<T> {
        self.require_site()?;
        let db = self.ready()?;
        let (value, writes) = {
            let mut guard = self.loaded.borrow_mut();
            let loaded = guard.as_mut().ok_or(ApiError::Internal)?;
            match db.deferred(|tx| f(loaded, tx)) {
                (Ok(v), writes) => (v, writes),
                (Err(e), _) => {
                    // The memory holds the batch's changes too: it goes, and the batch with it.
                    *guard = None;
                    if let Some(b) = self.batch.borrow_mut().take() {
                        b.finish(false);
                    }
                    return Err(e);
                }
            }
        };
        let (done, first) = {
            let mut slot = self.batch.borrow_mut();
            let first = slot.is_none();
            let batch = slot.get_or_insert_with(Batch::new);
            batch.writes.extend(writes);
            if let Some(n) = self.armed_for(handler) {
                batch.fault = Some(n);
            }
            (batch.done.clone(), first)
        };
        if first {
            // One turn of the event loop: the requests that arrived meanwhile join.
            Delay::from(std::time::Duration::ZERO).await;
            self.flush_batch();
        }
        let stored = JsFuture::from(done).await.ok().and_then(|v| v.as_bool());
        if stored == Some(true) {
            Ok(value)
        } else {
            Err(ApiError::Internal)
        }
    }

    /// Stores the pending batch, if any, in one transaction with the pools'
    /// changed rows, and answers its requests.
    pub(super) fn flush_batch(&self) {
        let Some(mut batch) = self.batch.borrow_mut().take() else {
            return;
        };
        let writes = std::mem::take(&mut batch.writes);
        let fault = batch.fault;
        let stored = (|| -> R<()> {
            let db = self.ready()?;
            let mut guard = self.loaded.borrow_mut();
            let loaded = guard.as_mut().ok_or(ApiError::Internal)?;
            self.fault.set(fault);
            let r = db.atomically(|tx| {
                tx.replay(writes)?;
                store::write_site(tx, &mut loaded.site)?;
                Ok(())
            });
            self.fault.set(None);
            if r.is_err() {
                *guard = None;
            }
            r
        })();
        batch.finish(stored.is_ok());
    }

    /// Arms the injected failure when this change is the one asked for.
    pub(super) fn arm(&self, handler: Handler) {
        if let Some(n) = self.armed_for(handler) {
            self.fault.set(Some(n));
        }
    }

    /// The injected failure armed for this handler's next change, disarmed.
    pub(super) fn armed_for(&self, handler: Handler) -> Option<u32> {
        match self.armed.get() {
            Some((h, n)) if h == handler => {
                self.armed.set(None);
                Some(n)
            }
            _ => None,
        }
    }
}
