//! The timeline (R7.1): every action with operator and time, append-only (enforced by triggers)
//! and hash-chained across the whole database, so a row edited behind the program's back is found
//! by `verify`.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::clock::{new_id, ts};
use crate::error::Result;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One timeline entry as shown to users.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Event {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub kind: String,
    pub data: Value,
}

fn event_hash(prev: &str, id: &str, complaint: Option<&str>, at: &str, actor: Option<&str>, kind: &str, data: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, id, complaint.unwrap_or(""), at, actor.unwrap_or(""), kind, data] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// A random value added to every payload that holds text (names, notes, searched phones): the
/// event's hash covers it, so once an anonymisation has removed the text and the nonce together
/// (R7.2), the hash kept in the chain cannot be used to confirm a guess of what the text was.
/// Never shown: `for_complaint` leaves it out.
pub const NONCE: &str = "nonce";

thread_local! {
    /// Set by a caller that runs operations with a clock it was given (`cdesk --now`): their
    /// events then carry `clock_injected` and the real wall time, so a backdated action is
    /// visible in the timeline, to `verify` and to auditors. Per thread, because the CLI runs its
    /// one command on its main thread while the desktop shell and tests run many on theirs.
    static CLOCK_INJECTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks every event this thread appends from now on as made with an injected clock.
pub fn set_clock_injected(on: bool) {
    CLOCK_INJECTED.with(|c| c.set(on));
}

/// The payload as stored: with the injected-clock mark and the real time when one applies.
fn marked(data: &Value) -> std::borrow::Cow<'_, Value> {
    if !CLOCK_INJECTED.with(|c| c.get()) {
        return std::borrow::Cow::Borrowed(data);
    }
    let wall = serde_json::Value::String(ts(chrono::Utc::now()));
    let mut obj = match data {
        Value::Object(m) => m.clone(),
        other => {
            let mut m = serde_json::Map::new();
            m.insert("data".into(), other.clone());
            m
        }
    };
    obj.insert("clock_injected".into(), Value::Bool(true));
    obj.insert("wall_at".into(), wall);
    std::borrow::Cow::Owned(Value::Object(obj))
}

/// Appends one event. Must run inside the operation's transaction so the event and the change
/// it records land together or not at all.
pub fn append(
    conn: &Connection,
    complaint_id: Option<&str>,
    at: DateTime<Utc>,
    actor_id: Option<&str>,
    kind: &str,
    data: &Value,
) -> Result<()> {
    let prev: String = conn
        .query_row("SELECT hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| GENESIS.to_string());
    let id = new_id();
    let at = ts(at);
    let data = marked(data);
    let data = data.as_ref();
    let data = if data.is_object() && holds_text(data, "") {
        let mut salted = data.clone();
        salted[NONCE] = Value::String(hex::encode(rand::random::<[u8; 12]>()));
        serde_json::to_string(&salted)
    } else {
        serde_json::to_string(data)
    }
    .unwrap_or_else(|_| "null".into());
    let hash = event_hash(&prev, &id, complaint_id, &at, actor_id, kind, &data);
    conn.prepare_cached(
        "INSERT INTO events (id, complaint_id, at, actor_id, kind, data, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![id, complaint_id, at, actor_id, kind, data, prev, hash])?;
    Ok(())
}

/// The events of one complaint, oldest first.
pub fn for_complaint(conn: &Connection, complaint_id: &str) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.seq, e.at, e.actor_id, u.name, e.kind, e.data FROM events e
         LEFT JOIN users u ON u.id = e.actor_id WHERE e.complaint_id = ?1 ORDER BY e.seq",
    )?;
    let rows = stmt.query_map(params![complaint_id], |r| {
        let data: String = r.get(5)?;
        Ok(Event {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor_id: r.get(2)?,
            actor_name: r.get(3)?,
            kind: r.get(4)?,
            data: {
                let mut v: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
                if let Some(o) = v.as_object_mut() {
                    o.remove(NONCE);
                }
                v
            },
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ChainReport {
    pub events: u64,
    /// The first event whose hash or link does not match, if any.
    pub broken_at_seq: Option<i64>,
}

/// The seal of an event whose payload an anonymisation replaced (R7.2): the chain hash
/// recomputed over the new payload, from the event's stored link. The `customer_anonymised`
/// event that redacted it records this seal, so the redacted event is bound to the chain through
/// that later event — its own hash, kept unchanged, still links its neighbours but can no longer
/// be recomputed from its payload (the original is gone, by design).
pub fn redaction_seal(prev: &str, id: &str, complaint: Option<&str>, at: &str, actor: Option<&str>, kind: &str, data: &str) -> String {
    event_hash(prev, id, complaint, at, actor, kind, &format!("redacted\u{1f}{data}"))
}

/// The kind of the event that records which events an anonymisation redacted.
pub const REDACTING_KIND: &str = "customer_anonymised";

/// Redacted events → (seal, seq of the event that recorded it).
fn redaction_seals(conn: &Connection) -> Result<std::collections::HashMap<i64, (String, i64)>> {
    let mut out = std::collections::HashMap::new();
    let mut stmt = conn.prepare("SELECT seq, data FROM events WHERE kind = ?1")?;
    let rows = stmt.query_map(params![REDACTING_KIND], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (by, data) = row?;
        let v: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
        for e in v["redacted_events"].as_array().into_iter().flatten() {
            if let (Some(seq), Some(seal)) = (e["seq"].as_i64(), e["seal"].as_str()) {
                out.insert(seq, (seal.to_string(), by));
            }
        }
    }
    Ok(out)
}

/// Walks the whole chain recomputing every hash. An event redacted by an anonymisation is
/// accepted when its current content matches the seal recorded for it by a later
/// `customer_anonymised` event (and, for an event of a complaint, that complaint's customer is
/// anonymised); see `redaction_seal`.
pub fn verify_chain(conn: &Connection) -> Result<ChainReport> {
    // A database from before schema 14 (an old backup being checked) has no redaction column.
    let has_redactions: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM pragma_table_info('events') WHERE name = 'redacted_at')", [], |r| r.get(0))?;
    let seals = if has_redactions { redaction_seals(conn)? } else { Default::default() };
    let redacted_col = if has_redactions { "redacted_at IS NOT NULL" } else { "0" };
    let mut anonymised_complaint = conn.prepare(
        "SELECT EXISTS (SELECT 1 FROM complaints c JOIN customers u ON u.id = c.customer_id WHERE c.id = ?1 AND u.anonymised_at IS NOT NULL)",
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT seq, id, complaint_id, at, actor_id, kind, data, prev_hash, hash, {redacted_col} FROM events ORDER BY seq"
    ))?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS.to_string();
    let mut n = 0u64;
    while let Some(r) = rows.next()? {
        n += 1;
        let seq: i64 = r.get(0)?;
        let id: String = r.get(1)?;
        let complaint: Option<String> = r.get(2)?;
        let at: String = r.get(3)?;
        let actor: Option<String> = r.get(4)?;
        let kind: String = r.get(5)?;
        let data: String = r.get(6)?;
        let stored_prev: String = r.get(7)?;
        let hash: String = r.get(8)?;
        let redacted: bool = r.get(9)?;
        let expected = event_hash(&prev, &id, complaint.as_deref(), &at, actor.as_deref(), &kind, &data);
        let mut sealed = || -> Result<bool> {
            let Some((seal, by)) = seals.get(&seq) else { return Ok(false) };
            let customer_gone = match complaint.as_deref() {
                Some(c) => anonymised_complaint.query_row(params![c], |r| r.get::<_, bool>(0))?,
                None => true,
            };
            Ok(*by > seq
                && customer_gone
                && *seal == redaction_seal(&stored_prev, &id, complaint.as_deref(), &at, actor.as_deref(), &kind, &data))
        };
        if stored_prev != prev || (hash != expected && !(redacted && sealed()?)) {
            return Ok(ChainReport { events: n, broken_at_seq: Some(seq) });
        }
        prev = hash;
    }
    // Deleting the newest events leaves a valid chain behind; AUTOINCREMENT remembers the
    // highest sequence ever handed out, so a truncated tail shows as a gap at the end.
    let issued: Option<i64> =
        conn.prepare_cached("SELECT seq FROM sqlite_sequence WHERE name = 'events'")?.query_row([], |r| r.get(0)).optional()?;
    let last: Option<i64> = conn.prepare_cached("SELECT MAX(seq) FROM events")?.query_row([], |r| r.get(0))?;
    if let Some(issued) = issued {
        if last.unwrap_or(0) < issued {
            return Ok(ChainReport { events: n, broken_at_seq: Some(last.unwrap_or(0) + 1) });
        }
    }
    Ok(ChainReport { events: n, broken_at_seq: None })
}

/// Keys whose values are identifiers, digests, instants or codes, never free text.
pub(crate) fn structural_key(k: &str) -> bool {
    k == "id"
        || k.ends_with("_id")
        || k.ends_with("_ids")
        || k.ends_with("_at")
        || k.ends_with("digest")
        || k == "sha256"
        || k == "hash"
        || k == "number"
        || k == "complaints"
        || k == NONCE
}

/// A value that is a code, not something a person wrote or said: short ASCII of letters, digits
/// and `_-.:/+`, with no run of five or more digits (a phone, an order number).
pub fn is_code(s: &str) -> bool {
    s.len() <= 64
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "_-.:/+".contains(c))
        && !s.split(|c: char| !c.is_ascii_digit()).any(|run| run.len() >= 5)
}

/// Whether a JSON payload holds text that may be personal data (a string that is not a code,
/// outside identifier, instant and digest keys).
pub fn holds_text(v: &serde_json::Value, key: &str) -> bool {
    use serde_json::Value;
    match v {
        Value::String(s) => !structural_key(key) && !s.is_empty() && !is_code(s),
        Value::Array(a) => a.iter().any(|x| holds_text(x, key)),
        Value::Object(m) => m.iter().any(|(k, x)| holds_text(x, k)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_timeline_is_append_only_and_chained() {
        // R7.1
        let s = crate::store::Store::open_in_memory().unwrap();
        let now = Utc::now();
        append(&s.conn, None, now, None, "a", &json!({"n": 1})).unwrap();
        append(&s.conn, None, now, None, "b", &json!({"n": 2})).unwrap();
        assert_eq!(verify_chain(&s.conn).unwrap().broken_at_seq, None);
        assert!(s.conn.execute("UPDATE events SET kind = 'x'", []).is_err(), "updates must be refused");
        assert!(s.conn.execute("DELETE FROM events", []).is_err(), "deletes must be refused");
        // Someone bypassing the triggers is caught by the chain.
        s.conn.execute_batch("DROP TRIGGER events_no_update; UPDATE events SET data = '{\"n\":9}' WHERE seq = 1;").unwrap();
        assert_eq!(verify_chain(&s.conn).unwrap().broken_at_seq, Some(1), "an edited event must break the chain");
    }

    #[test]
    fn events_made_with_an_injected_clock_say_so() {
        // R7.1: a backdated action (`cdesk --now`) shows as such, with the real time beside it.
        let s = crate::store::Store::open_in_memory().unwrap();
        let back = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
        append(&s.conn, None, back, None, "plain", &json!({"n": 1})).unwrap();
        set_clock_injected(true);
        append(&s.conn, None, back, None, "backdated", &json!({"n": 2})).unwrap();
        set_clock_injected(false);
        let data = |kind: &str| -> Value {
            let d: String = s.conn.query_row("SELECT data FROM events WHERE kind = ?1", [kind], |r| r.get(0)).unwrap();
            serde_json::from_str(&d).unwrap()
        };
        assert_eq!(data("plain"), json!({"n": 1}), "an ordinary event is unchanged");
        let d = data("backdated");
        assert_eq!((d["n"].clone(), d["clock_injected"].clone()), (json!(2), json!(true)));
        let wall = crate::clock::stored_ts(d["wall_at"].as_str().unwrap());
        assert!(wall > back + chrono::Duration::days(365), "the real time is recorded: {d}");
        assert_eq!(verify_chain(&s.conn).unwrap().broken_at_seq, None, "the mark is part of the chained payload");
    }

    #[test]
    fn deleting_the_newest_events_is_detected() {
        // R7.1: the tail of the timeline cannot be cut off unnoticed.
        let s = crate::store::Store::open_in_memory().unwrap();
        let now = Utc::now();
        for i in 0..3 {
            append(&s.conn, None, now, None, "e", &json!({ "n": i })).unwrap();
        }
        assert_eq!(verify_chain(&s.conn).unwrap().broken_at_seq, None);
        s.conn.execute_batch("DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq = 3;").unwrap();
        assert_eq!(verify_chain(&s.conn).unwrap().broken_at_seq, Some(3), "a missing last event must be reported");
    }
}
