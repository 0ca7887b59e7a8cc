//! The `numbers` table (each tracking number's state) and the pools' counters.

use serde::Deserialize;
use worker::SqlStorageValue as V;

use pool_core::journal::Entry;
use pool_core::number::PhoneNumber;
use pool_core::pool::{NumberSnapshot, Pool, SnapState, Stats};
use pool_core::session::SessionId;
use pool_core::time::Instant;

use super::{meta, ms, set_meta, Db, Tx};
#[derive(Deserialize)]
struct NumberRow {
    number: String,
    state: String,
    session: Option<String>,
    since: Option<i64>,
    last_seen: Option<i64>,
    expires_at: Option<i64>,
    until: Option<i64>,
    ord: i64,
    last_holder: Option<String>,
    #[serde(deserialize_with = "super::flag")]
    draining: bool,
}

fn t(ms: Option<i64>) -> Instant {
    Instant::from_millis(ms.unwrap_or(0))
}

/// The stored numbers of one target's pool.
pub fn numbers_of(db: &Db, target: &str) -> worker::Result<Vec<NumberSnapshot>> {
    let rows: Vec<NumberRow> = db
        .read(
            "SELECT number, state, session, since, last_seen, expires_at, until, ord, last_holder, draining
             FROM numbers WHERE target = ?",
            vec![target.into()],
        )?
        .to_array()?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let number: PhoneNumber = r
            .number
            .parse()
            .map_err(|e| format!("stored number {}: {e}", r.number))?;
        let session =
            |s: &Option<String>| -> Option<SessionId> { s.as_deref().and_then(|s| s.parse().ok()) };
        let state = match r.state.as_str() {
            "free" => SnapState::Free,
            "cooling" => SnapState::Cooling {
                until: t(r.until),
                draining: r.draining,
            },
            "leased" => SnapState::Leased {
                lease: pool_core::pool::Lease {
                    number,
                    session: session(&r.session).ok_or("a stored lease has no session")?,
                    since: t(r.since),
                    last_seen: t(r.last_seen),
                    expires_at: t(r.expires_at),
                },
                draining: r.draining,
            },
            other => return Err(format!("stored number {number} has state {other:?}").into()),
        };
        out.push(NumberSnapshot {
            number,
            state,
            order: r.ord.max(0) as u64,
            last_holder: session(&r.last_holder),
        });
    }
    Ok(out)
}

/// Writes what changed in `pool` since the last call: number rows, the
/// newest journal intervals of the numbers whose journal changed, and the
/// pool's counters.
pub fn write_changes(db: &Tx, target: &str, pool: &mut Pool) -> worker::Result<()> {
    for number in pool.take_changes() {
        let n = number.to_string();
        match pool.snapshot_of(number) {
            None => {
                db.write(
                    "DELETE FROM numbers WHERE number = ?",
                    vec![n.clone().into()],
                )?;
            }
            Some(s) => {
                let (state, session, since, last_seen, expires_at, until, draining) = match s.state
                {
                    SnapState::Free => ("free", V::Null, V::Null, V::Null, V::Null, V::Null, 0),
                    SnapState::Cooling { until, draining } => (
                        "cooling",
                        V::Null,
                        V::Null,
                        V::Null,
                        V::Null,
                        ms(until),
                        i64::from(draining),
                    ),
                    SnapState::Leased { lease, draining } => (
                        "leased",
                        V::String(lease.session.to_string()),
                        ms(lease.since),
                        ms(lease.last_seen),
                        ms(lease.expires_at),
                        V::Null,
                        i64::from(draining),
                    ),
                };
                db.write(
                    "INSERT INTO numbers (number, target, state, session, since, last_seen, expires_at, until, ord, last_holder, draining)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                     ON CONFLICT (number) DO UPDATE SET target = excluded.target, state = excluded.state,
                       session = excluded.session, since = excluded.since, last_seen = excluded.last_seen,
                       expires_at = excluded.expires_at, until = excluded.until, ord = excluded.ord,
                       last_holder = excluded.last_holder, draining = excluded.draining",
                    vec![
                        n.clone().into(),
                        target.into(),
                        state.into(),
                        session,
                        since,
                        last_seen,
                        expires_at,
                        until,
                        V::Integer(s.order as i64),
                        s.last_holder.map(|h| h.to_string()).into(),
                        V::Integer(draining),
                    ],
                )?;
            }
        }
    }
    // A renewal changes a number's row only; a lease that starts or ends, its journal too.
    for (number, changed) in pool.take_journal_changes() {
        let n = number.to_string();
        let entries: Vec<Entry> = pool.journal().of(number).collect();
        for e in entries.iter().rev().take(changed) {
            db.write(
                "INSERT INTO journal (number, session, since, until) VALUES (?, ?, ?, ?)
                 ON CONFLICT (number, since) DO UPDATE SET session = excluded.session, until = excluded.until",
                vec![
                    n.clone().into(),
                    e.session.to_string().into(),
                    ms(e.from),
                    e.until.map(ms).unwrap_or(V::Null),
                ],
            )?;
        }
    }
    let stats = pool.stats();
    set_meta(
        db,
        &format!("stats:{target}"),
        &serde_json::to_string(&stats).map_err(|e| e.to_string())?,
    )
}

/// The stored counters of a pool.
pub fn stats_of(db: &Db, target: &str) -> worker::Result<Stats> {
    Ok(meta(db, &format!("stats:{target}"))?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

/// Deletes the rows of pools whose target is gone from the config.
pub fn drop_targets(db: &Tx, gone: &[PhoneNumber]) -> worker::Result<()> {
    for t in gone {
        db.write(
            "DELETE FROM numbers WHERE target = ?",
            vec![t.to_string().into()],
        )?;
        db.write(
            "DELETE FROM meta WHERE k = ?",
            vec![format!("stats:{t}").into()],
        )?;
    }
    Ok(())
}
