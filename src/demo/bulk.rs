//! Bulk history for large demo databases (issue 8: a million complaints in minutes).
//!
//! Driving every complaint through the real operations costs ~2 ms each (statement preparation,
//! deadline arithmetic, the FTS flush per savepoint), i.e. half an hour for a million. So a large
//! demo runs the real operations for a pool of *prototype* complaints and for every recent one,
//! and fills the older history with copies of closed prototypes: every row of the prototype's
//! family (steps, dispatches, handlings, decisions, surveys …) gets a new id, a new customer and
//! number, and all its instants shifted by a whole number of weeks (so working days stay working
//! days); its timeline events are re-chained with fresh hashes, so `cdesk verify` holds.
//! Prototypes with signatures, links, attachments or repeat flags are not copied (their evidence
//! is tied to the original record).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use rand::rngs::SmallRng;
use rand::Rng;
use rusqlite::types::Value;
use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};

use crate::clock::{new_id, ts};
use crate::error::Result;

/// Tables holding a complaint's own rows, copied with it (events are re-chained separately).
fn family_tables(conn: &Connection) -> Result<Vec<(String, Vec<String>)>> {
    let skip = ["events", "signatures", "complaint_links", "attachments", "cases", "complaints"];
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%complaint_id%' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // Parents first: a child row written before its parent would be a (deferred) violation, and
    // every later parent insert would then scan the child table for it.
    let first = ["handlings", "implementations", "compensation_approvals"];
    let mut names = names;
    names.sort_by_key(|t| (first.iter().position(|f| f == t).unwrap_or(first.len()), t.clone()));
    let mut out = Vec::new();
    for t in names.into_iter().filter(|t| !skip.contains(&t.as_str()) && !t.starts_with("complaint_fts")) {
        let cols = columns(conn, &t)?;
        if cols.iter().any(|c| c == "complaint_id") {
            out.push((t, cols));
        }
    }
    Ok(out)
}

fn columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
    Ok(conn
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// One prototype: its complaint row and every family row, read once.
struct Prototype {
    id: String,
    number: String,
    complaint: Vec<Value>,
    rows: Vec<(usize, Vec<Value>)>,
    events: Vec<(String, Option<String>, String, String)>,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
}

/// A complaint to add: when it arrived and which customer (index as in `demo::one`) it is from.
pub struct Target {
    pub at: DateTime<Utc>,
    pub customer: usize,
}

fn is_ts(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
        && b[0].is_ascii_digit()
}

fn parse(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ").ok().map(|n| n.and_utc())
}

/// Shifts every RFC 3339 instant inside a text (JSON payloads carry due times).
fn shift_inside(s: &str, by: Duration) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s.is_char_boundary(i) && i + 20 <= s.len() && s.is_char_boundary(i + 20) && is_ts(&s[i..i + 20]) {
            match parse(&s[i..i + 20]) {
                Some(t) => out.push_str(&ts(t + by)),
                None => out.push_str(&s[i..i + 20]),
            }
            i += 20;
        } else {
            let c = s[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn event_hash(prev: &str, id: &str, complaint: &str, at: &str, actor: Option<&str>, kind: &str, data: &str) -> String {
    // Same construction as `timeline::append`, so the copied events verify.
    let mut h = Sha256::new();
    for part in [prev, id, complaint, at, actor.unwrap_or(""), kind, data] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// Adds one copied complaint per target. Runs in the caller's transaction(s) (batches of `batch`).
pub fn fill(
    conn: &mut Connection,
    targets: &[Target],
    now: DateTime<Utc>,
    rng: &mut SmallRng,
    customer: &dyn Fn(usize) -> (String, String, String, String),
) -> Result<usize> {
    let tables = family_tables(conn)?;
    let ccols = columns(conn, "complaints")?;
    let ci = |name: &str| ccols.iter().position(|c| c == name).expect("complaints column");
    let protos = load_prototypes(conn, &tables, &ccols)?;
    if protos.is_empty() {
        return Ok(0);
    }
    let (branch_id, branch_code, tz): (String, String, String) =
        conn.query_row("SELECT id, code, tz FROM branches ORDER BY created_at LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let mut seqs: HashMap<String, i64> = conn
        .prepare("SELECT day, last FROM number_sequences WHERE branch_id = ?1")?
        .query_map(params![branch_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut phones: HashMap<String, String> = conn
        .prepare("SELECT phone, customer_id FROM customer_phones")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut prev: String = conn.query_row("SELECT hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))?;
    let week = Duration::weeks(1);
    let mut made = 0;
    for chunk in targets.chunks(2000) {
        let tx = conn.transaction()?;
        {
            let insert_sql = |t: &str, cols: &[String]| {
                format!(
                    "INSERT INTO {t} ({}) VALUES ({})",
                    cols.join(","),
                    (1..=cols.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(",")
                )
            };
            let mut ins_c = tx.prepare_cached(&insert_sql("complaints", &ccols))?;
            let mut ins_t: Vec<_> = tables.iter().map(|(t, c)| tx.prepare_cached(&insert_sql(t, c))).collect::<rusqlite::Result<_>>()?;
            let mut ins_e = tx.prepare_cached(
                "INSERT INTO events (id, complaint_id, at, actor_id, kind, data, prev_hash, hash) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
            )?;
            let mut ins_cu = tx.prepare_cached("INSERT INTO customers (id, name, tier, address, created_at) VALUES (?1,?2,?3,?4,?5)")?;
            let mut ins_ph = tx.prepare_cached("INSERT INTO customer_phones (phone, customer_id) VALUES (?1,?2)")?;
            for target in chunk {
                let p = &protos[rng.gen_range(0..protos.len())];
                // Whole weeks, and never past `now`.
                let mut weeks = (target.at - p.first).num_seconds().div_euclid(week.num_seconds());
                while p.last + week * weeks as i32 > now {
                    weeks -= 1;
                }
                let by = week * weeks as i32;
                let registered = p.first + by;
                let (cname, phone, tier, address) = customer(target.customer);
                let cust_id = match phones.get(&phone) {
                    Some(id) => id.clone(),
                    None => {
                        let id = new_id();
                        ins_cu.execute(params![id, cname, tier.clone(), address, ts(registered)])?;
                        ins_ph.execute(params![phone, id])?;
                        phones.insert(phone.clone(), id.clone());
                        id
                    }
                };
                let day = registered.with_timezone(&tz).format("%Y%m%d").to_string();
                let seq = seqs.entry(day.clone()).or_insert(0);
                *seq += 1;
                let number = format!("{branch_code}-{day}-{:04}", *seq);
                let mut ids: HashMap<&str, String> = HashMap::new();
                let new_cid = new_id();
                ids.insert(p.id.as_str(), new_cid.clone());
                let rewrite = |v: &Value, ids: &HashMap<&str, String>| -> Value {
                    match v {
                        Value::Text(s) => {
                            if let Some(n) = ids.get(s.as_str()) {
                                Value::Text(n.clone())
                            } else if *s == p.number {
                                Value::Text(number.clone())
                            } else if is_ts(s) {
                                Value::Text(parse(s).map(|t| ts(t + by)).unwrap_or_else(|| s.clone()))
                            } else if s.starts_with('{') || s.starts_with('[') {
                                let mut out = shift_inside(s, by).replace(&p.number, &number);
                                for (old, new) in ids {
                                    if out.contains(old) {
                                        out = out.replace(old, new);
                                    }
                                }
                                Value::Text(out)
                            } else {
                                v.clone()
                            }
                        }
                        other => other.clone(),
                    }
                };
                let mut row: Vec<Value> = p.complaint.iter().map(|v| rewrite(v, &ids)).collect();
                row[ci("customer_id")] = Value::Text(cust_id);
                row[ci("customer_name")] = Value::Text(cname);
                row[ci("contact_phone")] = Value::Text(phone);
                row[ci("address")] = Value::Text(address);
                row[ci("tier")] = Value::Text(tier);
                row[ci("branch_id")] = Value::Text(branch_id.clone());
                ins_c.execute(rusqlite::params_from_iter(row.iter()))?;
                let rowid = tx.last_insert_rowid();
                // Fresh ids for the family first, so rows that point at each other follow.
                for (ti, r) in &p.rows {
                    let idc = tables[*ti].1.iter().position(|c| c == "id");
                    if let Some(Value::Text(old)) = idc.map(|i| &r[i]) {
                        ids.insert(old.as_str(), new_id());
                    }
                }
                for (ti, r) in &p.rows {
                    let row: Vec<Value> = r.iter().map(|v| rewrite(v, &ids)).collect();
                    ins_t[*ti].execute(rusqlite::params_from_iter(row.iter()))?;
                }
                for (at, actor, kind, data) in &p.events {
                    let id = new_id();
                    let at = parse(at).map(|t| ts(t + by)).unwrap_or_else(|| at.clone());
                    let data = match rewrite(&Value::Text(data.clone()), &ids) {
                        Value::Text(s) => s,
                        _ => unreachable!(),
                    };
                    let hash = event_hash(&prev, &id, &new_cid, &at, actor.as_deref(), kind, &data);
                    ins_e.execute(params![id, new_cid, at, actor, kind, data, prev, hash])?;
                    prev = hash;
                }
                crate::store::search::index_complaint(&tx, rowid)?;
                made += 1;
            }
            let mut up = tx.prepare_cached(
                "INSERT INTO number_sequences (branch_id, day, last) VALUES (?1, ?2, ?3)
                 ON CONFLICT (branch_id, day) DO UPDATE SET last = excluded.last",
            )?;
            for (day, last) in &seqs {
                up.execute(params![branch_id, day, last])?;
            }
            drop(ins_t);
        }
        tx.commit()?;
    }
    Ok(made)
}

fn load_prototypes(conn: &Connection, tables: &[(String, Vec<String>)], ccols: &[String]) -> Result<Vec<Prototype>> {
    let ids: Vec<(String, String)> = conn
        .prepare(
            "SELECT c.id, c.number FROM complaints c WHERE c.stage = 'closed' AND c.is_repeat = 0
               AND c.signature_status = 'not_obtained'
               AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.complaint_id = c.id)
               AND NOT EXISTS (SELECT 1 FROM complaint_links l WHERE l.from_id = c.id OR l.to_id = c.id)
               AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.complaint_id = c.id)
               AND NOT EXISTS (SELECT 1 FROM cases k WHERE k.complaint_id = c.id)
             ORDER BY c.rowid",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    let mut cstmt = conn.prepare(&format!("SELECT {} FROM complaints WHERE id = ?1", ccols.join(",")))?;
    let mut tstmts: Vec<_> = tables
        .iter()
        .map(|(t, c)| conn.prepare(&format!("SELECT {} FROM {t} WHERE complaint_id = ?1 ORDER BY rowid", c.join(","))))
        .collect::<rusqlite::Result<_>>()?;
    let mut estmt = conn.prepare("SELECT at, actor_id, kind, data FROM events WHERE complaint_id = ?1 ORDER BY seq")?;
    let width = ccols.len();
    for (id, number) in ids {
        let complaint: Vec<Value> = cstmt.query_row(params![id], |r| (0..width).map(|i| r.get::<_, Value>(i)).collect())?;
        let mut rows = Vec::new();
        for (ti, st) in tstmts.iter_mut().enumerate() {
            let w = tables[ti].1.len();
            let rs: Vec<Vec<Value>> =
                st.query_map(params![id], |r| (0..w).map(|i| r.get::<_, Value>(i)).collect())?.collect::<rusqlite::Result<_>>()?;
            rows.extend(rs.into_iter().map(|r| (ti, r)));
        }
        let events: Vec<(String, Option<String>, String, String)> =
            estmt.query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?;
        // The span of every instant the family carries, so a copy can be kept in the past.
        let mut first: Option<DateTime<Utc>> = None;
        let mut last: Option<DateTime<Utc>> = None;
        let mut see = |s: &str| {
            for t in scan(s) {
                first = Some(first.map_or(t, |f| f.min(t)));
                last = Some(last.map_or(t, |l| l.max(t)));
            }
        };
        for v in complaint.iter().chain(rows.iter().flat_map(|(_, r)| r.iter())) {
            if let Value::Text(s) = v {
                see(s);
            }
        }
        for (at, _, _, data) in &events {
            see(at);
            see(data);
        }
        let ri = ccols.iter().position(|c| c == "received_at").expect("received_at");
        let received = match &complaint[ri] {
            Value::Text(s) => parse(s),
            _ => None,
        };
        if let (Some(f), Some(l)) = (received.or(first), last) {
            out.push(Prototype { id, number, complaint, rows, events, first: f, last: l.max(f) });
        }
    }
    Ok(out)
}

/// Every RFC 3339 instant inside a text.
fn scan(s: &str) -> Vec<DateTime<Utc>> {
    let mut v = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i + 20 <= b.len() {
        if s.is_char_boundary(i) && s.is_char_boundary(i + 20) && is_ts(&s[i..i + 20]) {
            if let Some(t) = parse(&s[i..i + 20]) {
                v.push(t);
            }
            i += 20;
        } else {
            i += 1;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_instants_inside_json() {
        let s = r#"{"due_at":"2025-01-06T08:00:00Z","n":"空调"}"#;
        let out = shift_inside(s, Duration::weeks(2));
        assert_eq!(out, r#"{"due_at":"2025-01-20T08:00:00Z","n":"空调"}"#);
        assert_eq!(scan(s).len(), 1);
    }
}
