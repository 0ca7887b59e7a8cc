//! The site's SQLite database. Reads go through [`Db::read`]; writes only
//! through a [`Tx`], which [`Db::atomically`] alone hands out, running the
//! change inside the storage's `transactionSync` (all of its writes are
//! stored, or none is), and [`Db::deferred`] for a change whose writes join
//! a later transaction (a group commit: they are kept, and run in order by
//! [`Tx::replay`]). A write outside the gate does not compile: there is no
//! other way to a [`Tx`].
//!
//! With the `test-faults` feature (test builds only, never deployed), the
//! Nth statement of an armed transaction fails, so tests can prove that a
//! failed request changes nothing.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::closure::ScopedClosure;
use wasm_bindgen::prelude::*;
use worker::{SqlCursor, SqlStorage, SqlStorageValue, State};

use crate::error::ApiError;

#[wasm_bindgen]
extern "C" {
    /// `DurableObjectState`, for what `worker` does not bind.
    type RawState;
    #[wasm_bindgen(method, getter)]
    fn storage(this: &RawState) -> RawStorage;

    /// `DurableObjectStorage`.
    type RawStorage;
    /// Runs the callback in a transaction; a throw rolls every write back.
    #[wasm_bindgen(method, catch, js_name = transactionSync)]
    fn transaction_sync(
        this: &RawStorage,
        f: &ScopedClosure<dyn FnMut() -> Result<JsValue, JsValue>>,
    ) -> Result<JsValue, JsValue>;
}

/// A handle on the site's database: reads, and the gate to writes.
#[derive(Clone)]
pub struct Db {
    sql: SqlStorage,
    storage: Rc<RawStorage>,
    /// Statements left before an injected failure (test builds only).
    fault: Rc<Cell<Option<u32>>>,
}

/// A write kept by a deferred change: a statement and its values.
pub struct Write {
    query: String,
    params: Vec<SqlStorageValue>,
}

/// The right to write: handed out by [`Db::atomically`] (the writes run in
/// its transaction) and [`Db::deferred`] (the writes are kept for one). It
/// reads as a [`Db`] does.
pub struct Tx<'a> {
    db: &'a Db,
    kept: Option<RefCell<Vec<Write>>>,
}

impl std::ops::Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Tx<'_> {
    /// Runs one write (a deferred change keeps it instead).
    pub fn write(&self, query: &str, params: Vec<SqlStorageValue>) -> worker::Result<()> {
        if let Some(kept) = &self.kept {
            kept.borrow_mut().push(Write {
                query: query.to_owned(),
                params,
            });
            return Ok(());
        }
        self.db.run(query, params).map(|_| ())
    }

    /// Runs writes a deferred change kept, in order.
    pub fn replay(&self, writes: Vec<Write>) -> worker::Result<()> {
        for w in writes {
            self.write(&w.query, w.params)?;
        }
        Ok(())
    }
}

impl Db {
    /// The database of the object with `state`.
    pub fn new(state: &State, fault: Rc<Cell<Option<u32>>>) -> Db {
        let raw: &RawState = state.as_raw().unchecked_ref();
        Db {
            sql: state.storage().sql(),
            storage: Rc::new(raw.storage()),
            fault,
        }
    }

    /// Runs one statement that reads (`SELECT`); any other is refused.
    pub fn read(
        &self,
        query: &str,
        params: impl Into<Option<Vec<SqlStorageValue>>>,
    ) -> worker::Result<SqlCursor> {
        if !is_read(query) {
            return Err(worker::Error::RustError(
                "a write goes through a Tx (Db::atomically)".into(),
            ));
        }
        self.run(query, params)
    }

    fn run(
        &self,
        query: &str,
        params: impl Into<Option<Vec<SqlStorageValue>>>,
    ) -> worker::Result<SqlCursor> {
        if let Some(left) = self.fault.get() {
            if left <= 1 {
                self.fault.set(None);
                return Err(worker::Error::RustError("injected fault".into()));
            }
            self.fault.set(Some(left - 1));
        }
        self.sql.exec(query, params)
    }

    /// Runs `f` with the writes it makes kept, not run: they are stored when
    /// a later transaction replays them ([`Tx::replay`]), with that
    /// transaction's other writes, or not at all.
    pub fn deferred<T>(
        &self,
        f: impl FnOnce(&Tx) -> Result<T, ApiError>,
    ) -> (Result<T, ApiError>, Vec<Write>) {
        let tx = Tx {
            db: self,
            kept: Some(RefCell::default()),
        };
        let r = f(&tx);
        (r, tx.kept.map(RefCell::into_inner).unwrap_or_default())
    }

    /// Runs `f` as one transaction: when it fails, or the commit does, no
    /// write of it is stored.
    pub fn atomically<T>(&self, f: impl FnOnce(&Tx) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let mut f = Some(f);
        let mut out: Option<Result<T, ApiError>> = None;
        let tx = Tx {
            db: self,
            kept: None,
        };
        let mut body = || -> Result<JsValue, JsValue> {
            let r = f.take().map(|f| f(&tx)).unwrap_or(Err(ApiError::Internal));
            let failed = r.is_err();
            out = Some(r);
            if failed {
                // Thrown back through transactionSync: it rolls the writes back.
                Err(JsValue::from_str("rolled back"))
            } else {
                Ok(JsValue::UNDEFINED)
            }
        };
        let closure: ScopedClosure<dyn FnMut() -> Result<JsValue, JsValue>> =
            ScopedClosure::borrow_mut(&mut body);
        let committed = self.storage.transaction_sync(&closure);
        drop(closure);
        match (out, committed) {
            (Some(Ok(v)), Ok(_)) => Ok(v),
            (Some(Err(e)), _) => Err(e),
            (_, Err(e)) => {
                worker::console_error!("transaction failed: {e:?}");
                Err(ApiError::Internal)
            }
            (None, Ok(_)) => Err(ApiError::Internal),
        }
    }
}

/// A statement that only reads.
fn is_read(query: &str) -> bool {
    let q = query.trim_start();
    let starts = |w: &str| q.get(..w.len()).is_some_and(|p| p.eq_ignore_ascii_case(w));
    starts("select")
}
