//! The `pool_samples` table: each pool's counters once an hour.

use serde::Deserialize;
use worker::SqlStorageValue as V;

use pool_core::report::PoolSample;

use super::{Db, Tx};

/// The pool samples table.
pub const SAMPLES_TABLE: &str = "CREATE TABLE IF NOT EXISTS pool_samples ( hour INTEGER NOT NULL, target TEXT NOT NULL, total INTEGER NOT NULL, leased INTEGER NOT NULL, requests INTEGER NOT NULL, fallbacks INTEGER NOT NULL, PRIMARY KEY (hour, target))";

/// Stores one sample (the first of the hour wins).
pub fn put_sample(db: &Tx, target: &str, s: &PoolSample) -> worker::Result<()> {
    db.write(
        "INSERT INTO pool_samples (hour, target, total, leased, requests, fallbacks)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hour, target) DO NOTHING",
        vec![
            V::Integer(s.hour),
            target.into(),
            V::Integer(i64::from(s.total)),
            V::Integer(i64::from(s.leased)),
            V::Integer(s.requests as i64),
            V::Integer(s.fallbacks as i64),
        ],
    )?;
    Ok(())
}

/// The samples of hours in `[from, to)`, with their targets.
pub fn samples(db: &Db, from: i64, to: i64) -> worker::Result<Vec<(String, PoolSample)>> {
    #[derive(Deserialize)]
    struct Row {
        hour: i64,
        target: String,
        total: i64,
        leased: i64,
        requests: i64,
        fallbacks: i64,
    }
    let rows: Vec<Row> = db
        .read(
            "SELECT hour, target, total, leased, requests, fallbacks FROM pool_samples
             WHERE hour >= ? AND hour < ? ORDER BY target, hour",
            vec![V::Integer(from), V::Integer(to)],
        )?
        .to_array()?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.target,
                PoolSample {
                    hour: r.hour,
                    total: r.total.clamp(0, i64::from(u32::MAX)) as u32,
                    leased: r.leased.clamp(0, i64::from(u32::MAX)) as u32,
                    requests: r.requests.max(0) as u64,
                    fallbacks: r.fallbacks.max(0) as u64,
                },
            )
        })
        .collect())
}
