//! The pure engine of call tracking with dynamic number insertion.
//!
//! A business shows its phone number (the *target number*) on its web site.
//! Each visitor is shown a *tracking number* leased from a *pool*, so that a
//! call to that number can be traced back to the visit: its channel,
//! campaign, keyword and landing page. This crate makes every decision and
//! holds every piece of state for that, with no clock, no randomness and no
//! I/O: the shells (the browser module, the edge worker) read the clock and
//! storage, then call these functions with plain values.
//!
//! The layers, bottom up:
//!
//! * [`time`]: `Instant` and `Duration` in milliseconds; every call that
//!   changes state takes `now`. [`calendar`]: weekdays, civil dates and
//!   office hours in a site's local time.
//! * [`numbering`]: regions and their numbering plans (data generated from
//!   libphonenumber's metadata). [`number`]: E.164 numbers, parsing what
//!   people type (with a default region), and written-form templates to
//!   write a number the way the page wrote the original.
//! * [`channel`]: where a visit came from (utm tags, click ids, referrer).
//! * [`site`]: a site's configuration, validated with every bad field reported.
//! * [`pool`]: the allocation engine. Invariants: no number is held by two
//!   live sessions; every number is free, leased, cooling or draining exactly
//!   once; a session that comes back gets its own number while it lives.
//! * [`journal`]: who held which number when; a call at time *t* is
//!   attributed to the holder at *t* (with a grace window).
//! * [`site`] also holds the site aggregate, [`site::Site`]: the config and
//!   its pools, with what a shell calls (visit, heartbeat, release, expire,
//!   next deadline) answering with what is shown and why.
//! * [`attribution`]: a call attributed, as a pure function of the config,
//!   the journal, the number dialled and the time.
//! * [`call`]: a call's status, its candidate sessions with scores and a
//!   confidence, and the target-call rule.
//! * [`report`]: calls, answered, missed, target, unique callers, average
//!   duration and PTR, grouped by channel, campaign, keyword, day, ...
//! * [`sim`]: a seeded traffic simulator that drives the pool and measures
//!   attribution accuracy, for pool sizing.
//!
//! ```
//! use pool_core::pool::{Config, Pool, Assignment};
//! use pool_core::session::SessionId;
//! use pool_core::time::{Duration, Instant};
//!
//! let numbers = ["+74990000001", "+74990000002"].map(|n| n.parse().unwrap());
//! let config = Config { fixation: Duration::from_mins(30), ..Config::default() };
//! let mut pool = Pool::with_numbers(config, 42, numbers).unwrap();
//!
//! let visitor = SessionId::from_u128(1);
//! let t0 = Instant::from_secs(1_700_000_000);
//! let Assignment::Leased { lease, .. } = pool.lease(visitor, t0) else { panic!() };
//!
//! // The shell sets an alarm for the next deadline ...
//! assert_eq!(pool.next_deadline(), Some(t0 + Duration::from_mins(30)));
//! // ... and a call ten minutes later is the visitor's.
//! assert_eq!(pool.attribute(lease.number, t0 + Duration::from_mins(10)), Some(visitor));
//! ```
//!
//! Features: `std` (off by default; the crate is `no_std` + `alloc`) and
//! `serde` (configs, numbers and pool snapshots as data).
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(unsafe_code, missing_docs)]

extern crate alloc;

pub mod attribution;
pub mod calendar;
pub mod call;
pub mod callback;
pub mod channel;
pub mod client;
pub mod conversion;
pub mod coverage;
pub mod crm;
pub mod delivery;
pub mod journal;
pub mod notify;
pub mod number;
pub mod numbering;
pub mod pbx;
pub mod pool;
pub mod report;
pub mod retention;
pub mod session;
pub mod shard;
pub mod sim;
pub mod site;
pub mod sizing;
pub mod spend;
pub mod text;
pub mod time;
pub mod trail;
