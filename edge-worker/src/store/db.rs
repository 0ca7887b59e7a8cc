//! The site's SQLite database: every statement goes through [`Db::exec`]
//! (reads) or [`Db::write`], and every change through [`Db::atomically`],
//! which runs inside the storage's `transactionSync`: all of a change's
//! writes are stored, or none is.
//!
//! A [`Db::recording`] handle keeps its writes instead of running them, so
//! the writes of many requests can run later in one transaction, one commit
//! ([`Db::replay`]); it refuses to run a write of any other kind.
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

/// A handle on the site's database.
#[derive(Clone)]
pub struct Db {
    sql: SqlStorage,
    storage: Rc<RawStorage>,
    /// Statements left before an injected failure (test builds only).
    fault: Rc<Cell<Option<u32>>>,
    /// Where a recording handle keeps its writes.
    recorded: Option<Rc<RefCell<Vec<Write>>>>,
}

/// A write kept by a recording handle: a statement and its values.
pub struct Write {
    query: &'static str,
    params: Vec<SqlStorageValue>,
}

impl Db {
    /// The database of the object with `state`.
    pub fn new(state: &State, fault: Rc<Cell<Option<u32>>>) -> Db {
        let raw: &RawState = state.as_raw().unchecked_ref();
        Db {
            sql: state.storage().sql(),
            storage: Rc::new(raw.storage()),
            fault,
            recorded: None,
        }
    }

    /// A handle that keeps its writes (see [`Db::take_recorded`]) and runs its reads.
    pub fn recording(&self) -> Db {
        Db {
            recorded: Some(Rc::default()),
            ..self.clone()
        }
    }

    /// The writes a recording handle kept, oldest first.
    pub fn take_recorded(&self) -> Vec<Write> {
        self.recorded
            .as_ref()
            .map(|r| std::mem::take(&mut *r.borrow_mut()))
            .unwrap_or_default()
    }

    /// Runs one write (a recording handle keeps it instead).
    pub fn write(&self, query: &'static str, params: Vec<SqlStorageValue>) -> worker::Result<()> {
        if let Some(r) = &self.recorded {
            r.borrow_mut().push(Write { query, params });
            return Ok(());
        }
        self.run(query, params).map(|_| ())
    }

    /// Runs kept writes, in order (inside [`Db::atomically`]).
    pub fn replay(&self, writes: Vec<Write>) -> worker::Result<()> {
        for w in writes {
            self.run(w.query, w.params)?;
        }
        Ok(())
    }

    /// Runs one statement. A recording handle runs reads only: a write
    /// here would escape the transaction its other writes run in.
    pub fn exec(
        &self,
        query: &str,
        params: impl Into<Option<Vec<SqlStorageValue>>>,
    ) -> worker::Result<SqlCursor> {
        if self.recorded.is_some() && !is_read(query) {
            return Err(worker::Error::RustError(
                "a recording handle runs reads only; use Db::write".into(),
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

    /// Runs `f` as one transaction: when it fails, or the commit does, no
    /// write of it is stored.
    pub fn atomically<T>(&self, f: impl FnOnce() -> Result<T, ApiError>) -> Result<T, ApiError> {
        let mut f = Some(f);
        let mut out: Option<Result<T, ApiError>> = None;
        let mut body = || -> Result<JsValue, JsValue> {
            let r = f.take().map(|f| f()).unwrap_or(Err(ApiError::Internal));
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
    q.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("select"))
}
