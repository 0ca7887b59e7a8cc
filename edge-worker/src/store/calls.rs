//! The `calls` and `leads` tables: each call with its attribution, typed
//! rows in and out.

use serde::{Deserialize, Deserializer};
use worker::SqlStorageValue as V;

use pool_core::attribution::Kind;
use pool_core::call::{Confidence, Status};
use pool_core::number::PhoneNumber;
use pool_core::time::Instant;

use super::{flag, ms, opt, Db, Tx};

/// The calls table.
pub const CALLS_TABLE: &str = "CREATE TABLE IF NOT EXISTS calls ( id TEXT PRIMARY KEY, source TEXT NOT NULL, tracking TEXT NOT NULL, caller TEXT, started_at INTEGER NOT NULL, status TEXT NOT NULL, duration_ms INTEGER NOT NULL, end_reason TEXT, recording_url TEXT, target_number TEXT, kind TEXT NOT NULL, session TEXT, confidence TEXT NOT NULL, candidates TEXT NOT NULL, visit TEXT, channel TEXT NOT NULL, source_name TEXT NOT NULL, medium TEXT NOT NULL, campaign TEXT, term TEXT, landing_page TEXT, ga_client_id TEXT, unique_caller INTEGER NOT NULL, first_call INTEGER NOT NULL, target INTEGER NOT NULL, tags TEXT NOT NULL, updated_at INTEGER NOT NULL, done_sent INTEGER NOT NULL, outcome TEXT, successful INTEGER, value_minor INTEGER, outcome_at INTEGER, agent TEXT, answered_at INTEGER, trail TEXT, direction TEXT, called_back_at INTEGER, missed_reason TEXT)";

/// Columns added to `calls` and `sessions` after their first version
/// (table, column, statement), for databases made before.
pub const CALLS_ADDED: &[(&str, &str, &str)] = &[
    (
        "callbacks",
        "client",
        "ALTER TABLE callbacks ADD COLUMN client TEXT",
    ),
    (
        "keys",
        "expires_at",
        "ALTER TABLE keys ADD COLUMN expires_at INTEGER",
    ),
    (
        "keys",
        "last_used",
        "ALTER TABLE keys ADD COLUMN last_used INTEGER",
    ),
    (
        "outbox",
        "since",
        "ALTER TABLE outbox ADD COLUMN since INTEGER",
    ),
    (
        "sessions",
        "client",
        "ALTER TABLE sessions ADD COLUMN client TEXT",
    ),
    (
        "calls",
        "outcome",
        "ALTER TABLE calls ADD COLUMN outcome TEXT",
    ),
    (
        "calls",
        "successful",
        "ALTER TABLE calls ADD COLUMN successful INTEGER",
    ),
    (
        "calls",
        "value_minor",
        "ALTER TABLE calls ADD COLUMN value_minor INTEGER",
    ),
    (
        "calls",
        "outcome_at",
        "ALTER TABLE calls ADD COLUMN outcome_at INTEGER",
    ),
    ("calls", "agent", "ALTER TABLE calls ADD COLUMN agent TEXT"),
    (
        "calls",
        "answered_at",
        "ALTER TABLE calls ADD COLUMN answered_at INTEGER",
    ),
    ("calls", "trail", "ALTER TABLE calls ADD COLUMN trail TEXT"),
    (
        "calls",
        "direction",
        "ALTER TABLE calls ADD COLUMN direction TEXT",
    ),
    (
        "calls",
        "called_back_at",
        "ALTER TABLE calls ADD COLUMN called_back_at INTEGER",
    ),
    (
        "sessions",
        "trail",
        "ALTER TABLE sessions ADD COLUMN trail TEXT",
    ),
    (
        "calls",
        "missed_reason",
        "ALTER TABLE calls ADD COLUMN missed_reason TEXT",
    ),
];

/// The leads table.
pub const LEADS_TABLE: &str = "CREATE TABLE IF NOT EXISTS leads ( id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, session TEXT, channel TEXT NOT NULL, visit TEXT, name TEXT, phone TEXT, email TEXT, message TEXT, page TEXT)";

fn opt_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(Option::<i64>::deserialize(d)?.map(|v| v != 0))
}

fn status<'de, D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(serde::de::Error::custom)
}

/// A stored call.
#[derive(Debug, Clone, Deserialize)]
pub struct CallRow {
    /// The call's id (the PBX's or Twilio's): the idempotency key.
    pub id: String,
    /// `api`, `twilio`, `demo`.
    pub source: String,
    /// The number dialled (E.164 when it could be read).
    pub tracking: String,
    /// The caller (E.164), unless withheld or erased.
    pub caller: Option<String>,
    /// When the call started (ms since the epoch).
    pub started_at: i64,
    /// Its status.
    #[serde(deserialize_with = "status")]
    pub status: Status,
    /// How long it lasted.
    pub duration_ms: i64,
    /// Why it ended, as the PBX said.
    pub end_reason: Option<String>,
    /// The recording.
    pub recording_url: Option<String>,
    /// The target number it rang through to.
    pub target_number: Option<String>,
    /// What the call was attributed to.
    pub kind: Kind,
    /// The most likely session.
    pub session: Option<String>,
    /// How sure that is.
    pub confidence: Confidence,
    /// Every candidate with its score (JSON).
    pub candidates: String,
    /// The visit of the session (JSON).
    pub visit: Option<String>,
    /// The channel (or `unattributed`).
    pub channel: String,
    /// utm_source or the referrer.
    pub source_name: String,
    /// utm_medium.
    pub medium: String,
    /// utm_campaign.
    pub campaign: Option<String>,
    /// The keyword.
    pub term: Option<String>,
    /// The landing page.
    pub landing_page: Option<String>,
    /// The visitor's GA4 client id.
    pub ga_client_id: Option<String>,
    /// New within the sales cycle.
    #[serde(deserialize_with = "flag")]
    pub unique_caller: bool,
    /// The caller's first call ever.
    #[serde(deserialize_with = "flag")]
    pub first_call: bool,
    /// A target call.
    #[serde(deserialize_with = "flag")]
    pub target: bool,
    /// Tags (JSON array).
    pub tags: String,
    /// Last change (ms since the epoch).
    pub updated_at: i64,
    /// The end-of-call events were queued.
    #[serde(deserialize_with = "flag")]
    pub done_sent: bool,
    /// The outcome's label, once given.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Whether that outcome is a success.
    #[serde(default, deserialize_with = "opt_flag")]
    pub successful: Option<bool>,
    /// The outcome's value, in minor units of the site's currency.
    #[serde(default)]
    pub value_minor: Option<i64>,
    /// When the outcome was given (ms since the epoch).
    #[serde(default)]
    pub outcome_at: Option<i64>,
    /// Who answered (or whose phone rang unanswered): an agent's id, or
    /// what the PBX said when it names none of the site's agents.
    #[serde(default)]
    pub agent: Option<String>,
    /// When it was answered (ms since the epoch), when known.
    #[serde(default)]
    pub answered_at: Option<i64>,
    /// What the caller did on the site before the call (JSON array of
    /// trail steps), when the call is a session's.
    #[serde(default)]
    pub trail: Option<String>,
    /// `outbound` for a call the business made; inbound otherwise.
    #[serde(default)]
    pub direction: Option<String>,
    /// A missed call: when the caller was called back (ms since the epoch).
    #[serde(default)]
    pub called_back_at: Option<i64>,
    /// A missed call: why (`pool_core::call::MissedReason`'s names).
    #[serde(default)]
    pub missed_reason: Option<String>,
}

impl CallRow {
    /// A call the business made (a call back), not one it received.
    pub fn outbound(&self) -> bool {
        self.direction.as_deref() == Some("outbound")
    }
}

/// Calls and leads with their Pipedrive deal (`object::crm`).
pub const CRM_LINKS_TABLE: &str = "CREATE TABLE IF NOT EXISTS crm_links ( item TEXT PRIMARY KEY, deal_id INTEGER NOT NULL, noted INTEGER NOT NULL, created_at INTEGER NOT NULL)";

/// Call-back requests (`object::callbacks`).
pub const CALLBACKS_TABLE: &str = "CREATE TABLE IF NOT EXISTS callbacks ( id TEXT PRIMARY KEY, session TEXT, phone TEXT NOT NULL, name TEXT, target TEXT NOT NULL, requested_at INTEGER NOT NULL, state TEXT NOT NULL, reason TEXT, scheduled_for INTEGER, office_sid TEXT, base TEXT NOT NULL, updated_at INTEGER NOT NULL, client TEXT)";

/// The table of missed calls waiting for their alert.
pub const MISSED_ALERTS_TABLE: &str = "CREATE TABLE IF NOT EXISTS missed_alerts ( call_id TEXT PRIMARY KEY, at INTEGER NOT NULL, sent_at INTEGER)";

/// Marks the missed calls from `caller` before `at` as called back at
/// `at`; returns how many.
pub fn mark_called_back(db: &Tx, caller: &str, at: i64) -> worker::Result<u64> {
    #[derive(Deserialize)]
    struct N {
        n: i64,
    }
    let missed = "caller = ? AND direction IS NOT 'outbound' AND called_back_at IS NULL
        AND status IN ('busy', 'no_answer', 'failed', 'cancelled') AND started_at <= ?";
    let n: Vec<N> = db
        .read(
            &format!("SELECT COUNT(*) AS n FROM calls WHERE {missed}"),
            vec![caller.into(), V::Integer(at)],
        )?
        .to_array()?;
    db.write(
        &format!("UPDATE calls SET called_back_at = ? WHERE {missed}"),
        vec![V::Integer(at), caller.into(), V::Integer(at)],
    )?;
    Ok(n.first().map_or(0, |x| x.n.max(0) as u64))
}

/// One call by id.
pub fn call(db: &Db, id: &str) -> worker::Result<Option<CallRow>> {
    let rows: Vec<CallRow> = db
        .read("SELECT * FROM calls WHERE id = ?", vec![id.into()])?
        .to_array()?;
    Ok(rows.into_iter().next())
}

/// Calls that started in `[from, to)`, newest first.
pub fn calls_between(db: &Db, from: Instant, to: Instant) -> worker::Result<Vec<CallRow>> {
    db.read(
        "SELECT * FROM calls WHERE started_at >= ? AND started_at < ? ORDER BY started_at DESC, id DESC",
        vec![ms(from), ms(to)],
    )?
    .to_array()
}

/// When `caller` called and how each call stands, except call `id`.
pub fn caller_times(db: &Db, caller: &str, id: &str) -> worker::Result<Vec<(Instant, Status)>> {
    #[derive(Deserialize)]
    struct T {
        started_at: i64,
        status: String,
    }
    let rows: Vec<T> = db
        .read(
            "SELECT started_at, status FROM calls WHERE caller = ? AND id != ?",
            vec![caller.into(), id.into()],
        )?
        .to_array()?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                Instant::from_millis(r.started_at),
                r.status.parse().unwrap_or(Status::Ringing),
            )
        })
        .collect())
}

/// Writes a new call.
pub fn insert_call(db: &Tx, r: &CallRow) -> worker::Result<()> {
    db.write(
        "INSERT INTO calls (id, source, tracking, caller, started_at, status, duration_ms, end_reason,
           recording_url, target_number, kind, session, confidence, candidates, visit, channel,
           source_name, medium, campaign, term, landing_page, ga_client_id, unique_caller,
           first_call, target, tags, updated_at, done_sent, outcome, successful, value_minor, outcome_at,
           agent, answered_at, trail, direction, called_back_at, missed_reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            r.id.as_str().into(),
            r.source.as_str().into(),
            r.tracking.as_str().into(),
            opt(r.caller.as_deref()),
            V::Integer(r.started_at),
            r.status.as_str().into(),
            V::Integer(r.duration_ms),
            opt(r.end_reason.as_deref()),
            opt(r.recording_url.as_deref()),
            opt(r.target_number.as_deref()),
            r.kind.as_str().into(),
            opt(r.session.as_deref()),
            r.confidence.as_str().into(),
            r.candidates.as_str().into(),
            opt(r.visit.as_deref()),
            r.channel.as_str().into(),
            r.source_name.as_str().into(),
            r.medium.as_str().into(),
            opt(r.campaign.as_deref()),
            opt(r.term.as_deref()),
            opt(r.landing_page.as_deref()),
            opt(r.ga_client_id.as_deref()),
            V::Integer(i64::from(r.unique_caller)),
            V::Integer(i64::from(r.first_call)),
            V::Integer(i64::from(r.target)),
            r.tags.as_str().into(),
            V::Integer(r.updated_at),
            V::Integer(i64::from(r.done_sent)),
            opt(r.outcome.as_deref()),
            r.successful.map_or(V::Null, |b| V::Integer(i64::from(b))),
            r.value_minor.map_or(V::Null, V::Integer),
            r.outcome_at.map_or(V::Null, V::Integer),
            opt(r.agent.as_deref()),
            r.answered_at.map_or(V::Null, V::Integer),
            opt(r.trail.as_deref()),
            opt(r.direction.as_deref()),
            r.called_back_at.map_or(V::Null, V::Integer),
            opt(r.missed_reason.as_deref()),
        ],
    )?;
    Ok(())
}

/// Writes a changed call: status, duration, end reason, recording, target
/// flag, tags, outcome, agent.
pub fn update_call(db: &Tx, r: &CallRow) -> worker::Result<()> {
    db.write(
        "UPDATE calls SET status = ?, duration_ms = ?, end_reason = ?, recording_url = ?,
           target = ?, tags = ?, updated_at = ?, done_sent = ?, outcome = ?, successful = ?,
           value_minor = ?, outcome_at = ?, agent = ?, answered_at = ?, missed_reason = ? WHERE id = ?",
        vec![
            r.status.as_str().into(),
            V::Integer(r.duration_ms),
            opt(r.end_reason.as_deref()),
            opt(r.recording_url.as_deref()),
            V::Integer(i64::from(r.target)),
            r.tags.as_str().into(),
            V::Integer(r.updated_at),
            V::Integer(i64::from(r.done_sent)),
            opt(r.outcome.as_deref()),
            r.successful.map_or(V::Null, |b| V::Integer(i64::from(b))),
            r.value_minor.map_or(V::Null, V::Integer),
            r.outcome_at.map_or(V::Null, V::Integer),
            opt(r.agent.as_deref()),
            r.answered_at.map_or(V::Null, V::Integer),
            opt(r.missed_reason.as_deref()),
            r.id.as_str().into(),
        ],
    )?;
    Ok(())
}

/// Erases one caller's number and recordings from calls, and their
/// contact details from leads. The number must match whole. Returns the
/// calls and leads touched.
/// What an erasure touched, table by table (rows).
#[derive(Debug, Default, Clone, Copy, serde::Serialize, Deserialize)]
pub struct Erased {
    /// Calls whose caller and recording went (the calls stay in the counts).
    pub calls: u64,
    /// Leads whose contact details went.
    pub leads: u64,
    /// Call-back requests whose phone and name went.
    pub callbacks: u64,
    /// Events (pending, delivered, failed) whose body held the number or address: deleted.
    pub outbox: u64,
}

impl Erased {
    /// Both counts together (a sharded site sums its shards').
    pub fn add(&mut self, o: &Erased) {
        self.calls += o.calls;
        self.leads += o.leads;
        self.callbacks += o.callbacks;
        self.outbox += o.outbox;
    }
}

/// Erases one caller everywhere the site keeps them: calls (caller and
/// recording), leads (every contact detail), call-back requests (phone and
/// name), and every event of the outbox whose body holds the number in any
/// written form ([`pool_core::number::written_in`]), whatever its state.
pub fn erase_caller(db: &Tx, caller: &str) -> worker::Result<Erased> {
    let caller = caller.to_string();
    let digits: Vec<u8> = caller
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    // A valid number in all its forms; any other caller id as its digits.
    let number = PhoneNumber::parse(&caller, None).ok();
    let mut out = Erased {
        calls: count(
            db,
            "SELECT COUNT(*) AS n FROM calls WHERE caller = ?",
            &caller,
        )?,
        leads: count(
            db,
            "SELECT COUNT(*) AS n FROM leads WHERE phone = ?",
            &caller,
        )?,
        callbacks: count(
            db,
            "SELECT COUNT(*) AS n FROM callbacks WHERE phone = ?",
            &caller,
        )?,
        outbox: 0,
    };
    db.write(
        "UPDATE calls SET caller = NULL, recording_url = NULL WHERE caller = ?",
        vec![caller.clone().into()],
    )?;
    db.write(
        "UPDATE leads SET phone = NULL, name = NULL, email = NULL, message = NULL WHERE phone = ?",
        vec![caller.clone().into()],
    )?;
    db.write(
        "UPDATE callbacks SET phone = '', name = NULL WHERE phone = ?",
        vec![caller.clone().into()],
    )?;
    // The events: those holding the number's last two digits (a written
    // number's last group has two at least), each read whole.
    let tail: String = digits[digits.len().saturating_sub(2)..]
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect();
    out.outbox = erase_events(db, &tail, |body| match &number {
        Some(n) => pool_core::number::written_in(body, n),
        None => pool_core::number::digits_written_in(body, core::slice::from_ref(&digits)),
    })?;
    Ok(out)
}

/// Erases a contact known by e-mail only: leads with that address, and the
/// events whose body holds it.
pub fn erase_email(db: &Tx, email: &str) -> worker::Result<Erased> {
    let email = email.trim().to_lowercase();
    let leads = count(
        db,
        "SELECT COUNT(*) AS n FROM leads WHERE lower(email) = ?",
        &email,
    )?;
    db.write(
        "UPDATE leads SET phone = NULL, name = NULL, email = NULL, message = NULL WHERE lower(email) = ?",
        vec![email.clone().into()],
    )?;
    let outbox = erase_events(db, &email, |body| body.to_lowercase().contains(&email))?;
    Ok(Erased {
        leads,
        outbox,
        ..Erased::default()
    })
}

fn count(db: &Db, q: &str, arg: &str) -> worker::Result<u64> {
    #[derive(Deserialize)]
    struct N {
        n: i64,
    }
    let r: Vec<N> = db.read(q, vec![arg.into()])?.to_array()?;
    Ok(r.first().map_or(0, |x| x.n.max(0) as u64))
}

/// Deletes the outbox's events whose body holds `needle` (case aside) and passes `holds`.
fn erase_events(db: &Tx, needle: &str, holds: impl Fn(&str) -> bool) -> worker::Result<u64> {
    #[derive(Deserialize)]
    struct Ev {
        id: i64,
        body: String,
    }
    let rows: Vec<Ev> = db
        .read(
            "SELECT id, body FROM outbox WHERE instr(lower(body), ?) > 0",
            vec![needle.to_lowercase().into()],
        )?
        .to_array()?;
    let mut n = 0;
    for r in rows.iter().filter(|r| holds(&r.body)) {
        db.write("DELETE FROM outbox WHERE id = ?", vec![V::Integer(r.id)])?;
        n += 1;
    }
    Ok(n)
}

/// Deletes what is older than its horizon (every table the site keeps
/// records in); the caller makes it one transaction.
pub fn prune(db: &Tx, h: &pool_core::retention::Horizons) -> worker::Result<()> {
    let statements = [
        ("DELETE FROM calls WHERE started_at < ?", h.records),
        ("DELETE FROM leads WHERE created_at < ?", h.records),
        (
            "DELETE FROM journal WHERE until IS NOT NULL AND until < ?",
            h.records,
        ),
        (
            "DELETE FROM pool_samples WHERE hour * 3600000 < ?",
            h.records,
        ),
        // A session still holding a number is seen (heartbeats): never this old.
        ("DELETE FROM sessions WHERE last_seen < ?", h.records),
        (
            "UPDATE sessions SET trail = NULL WHERE last_seen < ? AND trail IS NOT NULL",
            h.trails,
        ),
        // A call-back waiting for the office's hours is at most a week old.
        (
            "DELETE FROM callbacks WHERE requested_at < ? AND state != 'scheduled'",
            h.records,
        ),
        ("DELETE FROM crm_links WHERE created_at < ?", h.records),
        // A day's spend goes with the day's calls.
        (
            "DELETE FROM spend WHERE (day + 1) * 86400000 < ?",
            h.records,
        ),
        (
            "DELETE FROM missed_alerts WHERE sent_at IS NULL AND at < ?",
            h.records,
        ),
        (
            "DELETE FROM missed_alerts WHERE sent_at IS NOT NULL AND sent_at < ?",
            h.alerts_sent,
        ),
        (
            "DELETE FROM outbox WHERE state = 'delivered' AND done_at < ?",
            h.delivered,
        ),
        (
            "DELETE FROM outbox WHERE state NOT IN ('pending', 'delivered') AND done_at < ?",
            h.failed,
        ),
    ];
    for (q, before) in statements {
        db.write(q, vec![ms(before)])?;
    }
    Ok(())
}
