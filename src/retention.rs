//! Retention and anonymisation (R7.2): complaint records are kept at least `retention_years`
//! (default 2, never less); nothing of a record is ever deleted (triggers refuse it, for everyone,
//! whatever its age); after the retention period a customer's personal data can be anonymised on
//! request, and that is logged on the timeline (R7.1).
//!
//! # When the period is over
//! It runs from the moment a complaint was finished: `closed_at`, which closing, a supervisor's
//! closing, cancelling (R3.5) and refusing (R3.4) all set, and reopening clears. A complaint that
//! is still open is never "past retention", however old: it is still being handled, and staff can
//! always bring a stale one to an end (cancel, supervisor close) first. A customer can be
//! anonymised only when EVERY one of their complaints is finished and past the period; the
//! customer is one person, so anonymising some of their complaints and not others would only
//! leave the data findable through the rest.
//!
//! # What anonymisation changes (issue 25 item 8, PIPL Art. 47)
//! - `customers`: name → `***`, address and note emptied, `anonymised_at` set; their phone numbers
//!   are removed (so a new complaint from the same number starts a new customer); their
//!   `service_orders` lose their number (`***-<id>`, it is unique) and service type.
//! - each of their `complaints`: every free-text field (customer name, contact phone, address,
//!   incident place, description, expected outcome, service-order number, signature note, review opinion, close reason) → `***` (an empty one stays empty), and every
//!   free-text column of its child records (step notes, pauses, dispatch notes, findings,
//!   decisions, objections, approvals, implementations, compensations, survey comments, contact
//!   attempts, urges, major-report notes, escalation notes). Free text is replaced whole: no
//!   pattern can promise to find every detail that identifies a person in a sentence.
//! - their evidence files: the rows stay, named `***` and marked `erased_at`; the files are
//!   deleted from disk after the commit (`after_anonymise`), unless a kept record of someone else
//!   holds the same content.
//! - their `signatures`: signer name → `***`, the signed content anonymised like the record, the
//!   strokes and the image (the customer's handwriting) cleared; the digest is kept.
//! - the timeline (R7.1): events of their complaints keep identifiers, instants, codes and the
//!   complaint number, every other text becomes `***`; other events (searches, exports) lose
//!   the customer's name, phones (also searched fragments of four digits or more), addresses and
//!   service-order numbers. See "the timeline stays verifiable".
//! - shared records: the case library's title, analysis and lessons and saved views lose what
//!   identifies the customer; drafts holding it are dropped.
//! - the search index is rebuilt with SQLite's and FTS5's secure delete on, and after the commit
//!   the file is rewritten (VACUUM) and the WAL emptied, so the old text is not left in free
//!   pages or old page images.
//! - Kept as they were: everything the statistics need (tier, channel, category, stages, dates,
//!   departments, workers, deadlines, survey scores, compensation kinds and amounts).
//!
//! # Signatures stay verifiable (R7.11)
//! Before anything changes, every signature of the customer is checked (its digest recomputed
//! from its content and strokes); one that does not verify blocks the anonymisation (it would
//! hide tampering). Each complaint then gets an `anonymised` event listing its signatures with
//! their digests; that event is part of the hash chain, so it cannot be altered unnoticed. After
//! anonymisation `verify` (see [`signature_checks`]) accepts an anonymised signature when its
//! stored digest still equals the digest pinned in that event: "this digest verified against the
//! original content on the day it was anonymised, and has not changed since". A printed receipt
//! still carries the same digest, so it can still be matched to its record by digest.
//!
//! # The timeline stays verifiable
//! An event's hash covers its payload, so a redacted payload can no longer reproduce it. The hash
//! column is kept (it still links the neighbours, and every chain head recorded elsewhere stays
//! valid); the closing `customer_anonymised` event lists every redacted event with a seal over
//! its new content (`timeline::redaction_seal`), and `verify_chain` accepts a redacted event only
//! when its content matches that seal, the sealing event comes after it, and (for an event of a
//! complaint) the complaint's customer is anonymised. A later change to a redacted event breaks
//! the seal; a change to the sealing event breaks the chain.
//!
//! # Limits
//! The kept hash of a redacted event is a SHA-256 over its old payload and known fields. Events
//! with text carry a random 96-bit nonce in their payload since schema 14 (`timeline::NONCE`),
//! removed with the text, so the hash cannot be used to confirm a guess; for events recorded
//! before, a payload of little entropy (a name alone) could be confirmed by someone holding the
//! database and trying candidates. Events of OTHER customers' complaints are not
//! searched for this customer's data. Backups made before the anonymisation keep the data until
//! the rotation removes them (12 months with the default settings). The monthly reports already
//! filed keep the masked forms (王*, 138****5678) they were filed with.

use std::collections::HashMap;

use chrono::{DateTime, Months, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::clock::{stored_ts, ts};
use crate::error::{CoreError, Result};
use crate::model::Stage;
use crate::workflow::views::{self, SignatureCheck};
use crate::workflow::{intake, load, text, Ctx};

/// R7.2: "kept at least 2 years".
pub const MIN_RETENTION_YEARS: i64 = 2;
pub const MAX_RETENTION_YEARS: i64 = 30;
pub const KEY_RETENTION_YEARS: &str = "retention_years";
pub use crate::privacy::ANONYMISED;

/// The configured retention period, never below the rule book's two years.
pub fn retention_years(conn: &Connection) -> Result<i64> {
    Ok(load::setting_i64(conn, KEY_RETENTION_YEARS, MIN_RETENTION_YEARS)?.clamp(MIN_RETENTION_YEARS, MAX_RETENTION_YEARS))
}

fn plus_years(t: DateTime<Utc>, years: i64) -> DateTime<Utc> {
    t.checked_add_months(Months::new((years * 12) as u32)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// One complaint of the customer and when it leaves the retention period.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RetentionComplaint {
    pub number: String,
    pub stage: Stage,
    pub closed_at: Option<String>,
    /// closed_at + the retention period; null while the complaint is open.
    pub retained_until: Option<String>,
    pub past_retention: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RetentionStatus {
    pub customer_id: String,
    pub retention_years: i64,
    pub anonymised_at: Option<String>,
    /// The customer's personal data may be anonymised now.
    pub may_anonymise: bool,
    /// Why not: already_anonymised | complaint_open | retention_period_not_over.
    pub blocked_by: Option<String>,
    /// When the last of their complaints leaves the retention period (null while one is open).
    pub retained_until: Option<String>,
    pub complaints: Vec<RetentionComplaint>,
}

struct Customer {
    id: String,
    name: String,
    created_at: String,
    anonymised_at: Option<String>,
}

/// A customer by id, or by one of their phone numbers.
fn customer(conn: &Connection, key: &str) -> Result<Customer> {
    let key = key.trim();
    let by = |sql: &str, k: &str| -> Result<Option<Customer>> {
        Ok(conn
            .query_row(sql, params![k], |r| {
                Ok(Customer { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)?, anonymised_at: r.get(3)? })
            })
            .optional()?)
    };
    if key.is_empty() || key.chars().count() > 100 {
        return Err(CoreError::invalid("customer", "required"));
    }
    if let Some(c) = by("SELECT id, name, created_at, anonymised_at FROM customers WHERE id = ?1", key)? {
        return Ok(c);
    }
    if let Ok(phone) = intake::normalize_phone(key) {
        let sql = "SELECT c.id, c.name, c.created_at, c.anonymised_at FROM customer_phones p JOIN customers c ON c.id = p.customer_id
                   WHERE p.phone = ?1 ORDER BY c.created_at DESC LIMIT 1";
        if let Some(c) = by(sql, &phone)? {
            return Ok(c);
        }
    }
    Err(CoreError::NotFound { what: "customer", key: key.to_string() })
}

fn status_of(conn: &Connection, c: &Customer, now: DateTime<Utc>) -> Result<RetentionStatus> {
    let years = retention_years(conn)?;
    let mut stmt = conn.prepare("SELECT number, stage, closed_at FROM complaints WHERE customer_id = ?1 ORDER BY received_at, number")?;
    let rows: Vec<(String, Stage, Option<String>)> =
        stmt.query_map(params![c.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut complaints = Vec::new();
    let mut open = false;
    let mut until = plus_years(stored_ts(&c.created_at), years);
    for (number, stage, closed_at) in rows {
        let retained_until = match (&closed_at, stage.is_open()) {
            (Some(t), false) => Some(plus_years(stored_ts(t), years)),
            _ => None,
        };
        match retained_until {
            Some(u) => until = until.max(u),
            None => open = true,
        }
        complaints.push(RetentionComplaint {
            number,
            stage,
            closed_at,
            retained_until: retained_until.map(ts),
            past_retention: retained_until.is_some_and(|u| u <= now),
        });
    }
    let blocked_by = if c.anonymised_at.is_some() {
        Some("already_anonymised")
    } else if open {
        Some("complaint_open")
    } else if until > now {
        Some("retention_period_not_over")
    } else {
        None
    };
    Ok(RetentionStatus {
        customer_id: c.id.clone(),
        retention_years: years,
        anonymised_at: c.anonymised_at.clone(),
        may_anonymise: blocked_by.is_none(),
        blocked_by: blocked_by.map(str::to_string),
        retained_until: if open { None } else { Some(ts(until)) },
        complaints,
    })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerArgs {
    /// The customer's id, or one of their phone numbers.
    pub customer: String,
}

/// Whether (and from when) a customer's personal data may be anonymised.
pub fn retention_status(ctx: &Ctx, a: &CustomerArgs) -> Result<RetentionStatus> {
    ctx.begin(None)?;
    let c = customer_logged(ctx, &a.customer, "retention_status")?;
    status_of(ctx.conn, &c, ctx.now)
}

/// `customer`, logging a look-up by phone number whatever its outcome (R7.1, R7.8): it tells
/// whether a number belongs to a customer, and the roles asking include some that may not see
/// phone numbers. Only whole numbers are looked up here, never fragments.
fn customer_logged(ctx: &Ctx, key: &str, via: &str) -> Result<Customer> {
    let found = customer(ctx.conn, key);
    let by_id = found.as_ref().is_ok_and(|c| c.id == key.trim());
    if !by_id {
        if let Ok(phone) = intake::normalize_phone(key) {
            let results = usize::from(found.is_ok());
            ctx.event(None, "personal_data_search", json!({ "phone": phone, "via": via, "results": results }))?;
        }
    }
    found
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionDueArgs {
    /// At most this many customers (default 200, at most 1000), those past the period longest first.
    pub limit: Option<u32>,
}

/// A customer whose records are past the retention period and not anonymised yet.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DueCustomer {
    pub customer_id: String,
    /// Masked for roles that may not see personal data (R7.8).
    pub customer_name: String,
    /// Always masked: enough to match a written request, not to call.
    pub phone_masked: String,
    pub complaints: i64,
    pub last_closed_at: Option<String>,
    /// When the retention period ended.
    pub retained_until: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RetentionDue {
    pub retention_years: i64,
    /// How many customers are due in all (the list may be shorter).
    pub total: i64,
    pub customers: Vec<DueCustomer>,
}

/// R7.2: the customers whose every complaint is finished and past the retention period (or who
/// have none and were recorded before it) and who are not anonymised yet, so that nobody has to
/// remember whom a request could now be granted for. The same rule as `retention_status`.
pub fn retention_due(ctx: &Ctx, a: &RetentionDueArgs) -> Result<RetentionDue> {
    ctx.begin(None)?;
    let years = retention_years(ctx.conn)?;
    let cutoff = ts(ctx.now.checked_sub_months(Months::new((years * 12) as u32)).unwrap_or(DateTime::<Utc>::MIN_UTC));
    let limit = a.limit.unwrap_or(200).clamp(1, 1000);
    let personal = crate::auth::may_see_personal_data(ctx.actor.role);
    let due = "FROM customers cu LEFT JOIN complaints c ON c.customer_id = cu.id
         WHERE cu.anonymised_at IS NULL AND cu.created_at <= ?1
         GROUP BY cu.id
         HAVING SUM(c.id IS NOT NULL AND (c.stage NOT IN ('closed', 'not_accepted', 'cancelled') OR c.closed_at IS NULL)) = 0
            AND (MAX(c.closed_at) IS NULL OR MAX(c.closed_at) <= ?1)";
    let total: i64 = ctx.conn.query_row(&format!("SELECT COUNT(*) FROM (SELECT cu.id {due})"), params![cutoff], |r| r.get(0))?;
    let mut stmt = ctx.conn.prepare(&format!(
        "SELECT cu.id, cu.name, cu.created_at, MAX(c.closed_at), COUNT(c.id),
                (SELECT p.phone FROM customer_phones p WHERE p.customer_id = cu.id ORDER BY p.phone LIMIT 1)
         {due} ORDER BY MAX(c.closed_at), cu.created_at, cu.id LIMIT ?2"
    ))?;
    let customers = stmt
        .query_map(params![cutoff, limit], |r| {
            let name: String = r.get(1)?;
            let created: String = r.get(2)?;
            let last: Option<String> = r.get(3)?;
            let base = last.as_deref().map(stored_ts).unwrap_or_else(|| stored_ts(&created)).max(stored_ts(&created));
            Ok(DueCustomer {
                customer_id: r.get(0)?,
                customer_name: if personal { name } else { crate::auth::mask_name(&name) },
                phone_masked: crate::auth::mask_phone(&r.get::<_, Option<String>>(5)?.unwrap_or_default()),
                complaints: r.get(4)?,
                last_closed_at: last,
                retained_until: ts(plus_years(base, years)),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(RetentionDue { retention_years: years, total, customers })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnonymiseArgs {
    /// The customer's id, or one of their phone numbers.
    pub customer: String,
    /// Why (e.g. the customer's written request and its date); recorded on the timeline.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AnonymiseReport {
    pub customer_id: String,
    pub anonymised_at: String,
    /// The numbers of the complaints whose personal data was replaced.
    pub complaints: Vec<String>,
    pub signatures: usize,
    pub phones_removed: usize,
    /// Timeline events whose payload was anonymised (sealed in the `customer_anonymised` event).
    pub events_redacted: usize,
    pub retention_years: i64,
}

/// What identifies the customer, to be found as literal strings where records are shared with
/// others (searches and exports on the timeline, saved views, the case library, drafts).
struct Literals {
    /// Names, phones, addresses, service-order numbers; longest first.
    all: Vec<String>,
    phones: Vec<String>,
}

impl Literals {
    fn new(names: Vec<String>, phones: Vec<String>, addresses: Vec<String>, orders: Vec<String>) -> Literals {
        let mut all: Vec<String> = Vec::new();
        all.extend(names.into_iter().filter(|n| n.chars().count() >= 2 && n != ANONYMISED));
        all.extend(phones.iter().filter(|p| p.len() >= 5).cloned());
        all.extend(addresses.into_iter().filter(|a| a.chars().count() >= 4));
        all.extend(orders.into_iter().filter(|o| o.chars().count() >= 3 && o != ANONYMISED));
        all.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
        all.dedup();
        Literals { all, phones }
    }

    fn found_in(&self, s: &str) -> bool {
        self.all.iter().any(|l| s.contains(l.as_str())) || {
            // A phone written with spaces or dashes.
            let d = crate::privacy::digits_of(s);
            d.len() >= 5 && self.phones.iter().any(|p| p.len() >= 5 && d.contains(p.as_str()))
        }
    }

    /// Replaces every literal in `s`; a text that still holds one of the customer's phones
    /// written another way is replaced whole.
    fn replace(&self, s: &str) -> String {
        let mut out = s.to_string();
        for l in &self.all {
            out = out.replace(l.as_str(), ANONYMISED);
        }
        if self.found_in(&out) {
            return ANONYMISED.to_string();
        }
        out
    }
}

/// Anonymises a JSON payload in place; true when it changed. `whole`: the payload belongs to
/// the customer's own complaint, so every text in it (names, phones, addresses, notes,
/// findings) is replaced, and only identifiers, instants, codes and the complaint number are
/// kept. Otherwise only what identifies the customer is replaced.
fn redact_json(v: &mut Value, lits: &Literals, whole: bool, key: &str) -> bool {
    match v {
        Value::String(s) => {
            let keep_whole = crate::privacy::structural_key(key) || crate::privacy::is_code(s);
            // Two reasons to blank a text whole, kept apart so that each reads as its own rule.
            #[allow(clippy::if_same_then_else)]
            let new = if s.is_empty() || s == ANONYMISED {
                return false;
            } else if whole && !keep_whole {
                ANONYMISED.to_string()
            } else if !whole && key == "phone" && {
                // A searched phone fragment of four or more digits that is part of one of theirs.
                let d = crate::privacy::digits_of(s);
                d.len() >= 4 && lits.phones.iter().any(|p| p.contains(d.as_str()))
            } {
                ANONYMISED.to_string()
            } else {
                lits.replace(s)
            };
            if new != *s {
                *s = new;
                true
            } else {
                false
            }
        }
        Value::Array(a) => a.iter_mut().fold(false, |ch, x| redact_json(x, lits, whole, key) || ch),
        Value::Object(m) => m.iter_mut().fold(false, |ch, (k, x)| redact_json(x, lits, whole, k) || ch),
        _ => false,
    }
}

/// The free-text columns of a complaint's child records (table, columns).
const CHILD_TEXTS: &[(&str, &[&str])] = &[
    ("steps", &["overdue_reason", "note"]),
    ("pauses", &["reason"]),
    ("dispatches", &["note", "outcome_reason"]),
    ("handlings", &["root_cause", "solution"]),
    ("decisions", &["decision_text", "objection"]),
    ("compensation_approvals", &["note"]),
    ("implementations", &["actions", "done_by"]),
    ("compensations", &["note"]),
    ("surveys", &["comment"]),
    ("contact_attempts", &["note"]),
    ("urges", &["note"]),
    ("major_reports", &["informed"]),
    ("escalation_acks", &["note"]),
];

/// The free-text columns of the complaint itself, replaced whole.
const COMPLAINT_TEXTS: &[&str] = &[
    "customer_name",
    "contact_phone",
    "address",
    "incident_place",
    "description",
    "expected_outcome",
    "service_order_no",
    "signature_note",
    "review_opinion",
    "close_reason",
];

/// R7.2: anonymises a customer's personal data after the retention period, on request; logged.
pub fn anonymise_customer(ctx: &Ctx, a: &AnonymiseArgs) -> Result<AnonymiseReport> {
    ctx.begin(None)?;
    let reason = text("reason", &a.reason, true, 500)?;
    let cust = customer_logged(ctx, &a.customer, "anonymise_customer")?;
    let st = status_of(ctx.conn, &cust, ctx.now)?;
    if let Some(b) = &st.blocked_by {
        let reason: &'static str = match b.as_str() {
            "already_anonymised" => "already_anonymised",
            "complaint_open" => "complaint_open",
            _ => "retention_period_not_over",
        };
        return Err(CoreError::precondition("R7.2", reason));
    }
    let conn = ctx.conn;
    let mut stmt = conn.prepare(
        "SELECT id, number, rowid, customer_name, contact_phone, address, incident_place, service_order_no
         FROM complaints WHERE customer_id = ?1 ORDER BY rowid",
    )?;
    type Row = (String, String, i64, String, String, String, String, String);
    let complaints: Vec<Row> = stmt
        .query_map(params![cust.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))?
        .collect::<rusqlite::Result<_>>()?;
    drop(stmt);

    // R7.11: every signature must verify before its content is replaced.
    let mut sigs: HashMap<String, Vec<(String, String, String)>> = HashMap::new();
    for (id, ..) in &complaints {
        for s in views::check_signatures(conn, Some(id))? {
            if !s.digest_ok || !s.content_matches_record {
                return Err(CoreError::precondition("R7.11", "signature_does_not_verify"));
            }
            sigs.entry(id.clone()).or_default().push((s.signature_id, s.purpose, s.digest));
        }
    }

    let strings = |sql: &str| -> Result<Vec<String>> {
        Ok(conn.prepare(sql)?.query_map(params![cust.id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
    };
    let mut names = vec![cust.name.clone()];
    names.extend(strings("SELECT s.signer_name FROM signatures s JOIN complaints c ON c.id = s.complaint_id WHERE c.customer_id = ?1")?);
    let mut phones = strings("SELECT phone FROM customer_phones WHERE customer_id = ?1")?;
    let mut addresses = strings("SELECT address FROM customers WHERE id = ?1")?;
    let mut orders = strings("SELECT number FROM service_orders WHERE customer_id = ?1")?;
    for (_, _, _, n, p, addr, place, order) in &complaints {
        names.push(n.clone());
        phones.push(p.clone());
        addresses.push(addr.clone());
        addresses.push(place.clone());
        orders.push(order.clone());
    }
    phones.retain(|p| p.len() >= 5);
    phones.sort_by_key(|p| std::cmp::Reverse(p.len()));
    phones.dedup();
    let lits = Literals::new(names, phones.clone(), addresses, orders);
    let reason = lits.replace(&reason);

    // The old text must not linger in freed pages or in the search index's segments.
    conn.execute_batch("PRAGMA secure_delete = ON")?;
    for fts in ["complaint_fts", "complaint_fts_cjk", "complaint_fts_open", "complaint_fts_open_cjk"] {
        conn.execute(&format!("INSERT INTO {fts} ({fts}, rank) VALUES ('secure-delete', 1)"), [])?;
    }
    let at = ts(ctx.now);
    let mut signatures = 0;
    let mut pins: HashMap<String, Vec<Value>> = HashMap::new();
    for (id, _, rowid, ..) in &complaints {
        let sets: Vec<String> = COMPLAINT_TEXTS
            .iter()
            .map(|c| format!("{c} = CASE WHEN trim(COALESCE({c}, '')) = '' THEN {c} ELSE '{ANONYMISED}' END"))
            .collect();
        conn.execute(&format!("UPDATE complaints SET {}, updated_at = ?1 WHERE id = ?2", sets.join(", ")), params![at, id])?;
        // The contact phone and name are required fields: never left empty.
        conn.execute("UPDATE complaints SET customer_name = ?1, contact_phone = ?1 WHERE id = ?2", params![ANONYMISED, id])?;
        for (table, cols) in CHILD_TEXTS {
            let sets: Vec<String> =
                cols.iter().map(|c| format!("{c} = CASE WHEN trim({c}) = '' THEN {c} ELSE '{ANONYMISED}' END")).collect();
            conn.execute(&format!("UPDATE {table} SET {} WHERE complaint_id = ?1", sets.join(", ")), params![id])?;
        }
        // Evidence files: the rows stay (records are kept, R7.2), the files go after the commit.
        conn.execute(
            "UPDATE attachments SET file_name = ?1, erased_at = ?2 WHERE complaint_id = ?3 AND erased_at IS NULL",
            params![ANONYMISED, at, id],
        )?;
        let registration = crate::signature::canonical(&intake::registration_content(conn, id)?);
        for (sid, purpose, digest) in sigs.remove(id).unwrap_or_default() {
            let content = if purpose == "registration" {
                registration.clone()
            } else {
                let old: String = conn.query_row("SELECT content_json FROM signatures WHERE id = ?1", params![sid], |r| r.get(0))?;
                let mut v: Value = serde_json::from_str(&old).unwrap_or(Value::Null);
                redact_json(&mut v, &lits, true, "");
                crate::signature::canonical(&v)
            };
            // The handwriting goes too; the digest, pinned below, stays (R7.11).
            conn.execute(
                "UPDATE signatures SET signer_name = ?1, content_json = ?2, strokes_json = '[]', png = NULL, anonymised_at = ?3 WHERE id = ?4",
                params![ANONYMISED, content, at, sid],
            )?;
            signatures += 1;
            pins.entry(id.clone()).or_default().push(json!({ "id": sid, "purpose": purpose, "digest": digest }));
        }
        crate::store::search::index_complaint(conn, *rowid)?;
    }
    conn.execute(
        "UPDATE customers SET name = ?1, address = '', note = '', anonymised_at = ?2 WHERE id = ?3",
        params![ANONYMISED, at, cust.id],
    )?;
    let phones_removed = conn.execute("DELETE FROM customer_phones WHERE customer_id = ?1", params![cust.id])?;
    conn.execute(
        "UPDATE service_orders SET number = ?1 || '-' || id, service_type = '' WHERE customer_id = ?2",
        params![ANONYMISED, cust.id],
    )?;

    // Records shared with other people's work: only what identifies the customer goes.
    let redact_rows = |sql_select: &str, sql_update: &str| -> Result<()> {
        let rows: Vec<(String, String)> =
            conn.prepare(sql_select)?.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        for (key, text) in rows {
            if lits.found_in(&text) {
                conn.execute(sql_update, params![lits.replace(&text), key])?;
            }
        }
        Ok(())
    };
    redact_rows("SELECT id, title FROM cases", "UPDATE cases SET title = ?1 WHERE id = ?2")?;
    redact_rows("SELECT id, analysis FROM cases", "UPDATE cases SET analysis = ?1 WHERE id = ?2")?;
    redact_rows("SELECT id, lessons FROM cases", "UPDATE cases SET lessons = ?1 WHERE id = ?2")?;
    redact_rows("SELECT id, filter_json FROM saved_views", "UPDATE saved_views SET filter_json = ?1 WHERE id = ?2")?;
    // A draft is a form someone has not sent yet; one holding the customer's data is dropped.
    let drafts: Vec<(String, String, String)> = conn
        .prepare("SELECT user_id, form, json FROM drafts")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (user, form, json) in drafts {
        if lits.found_in(&json) {
            conn.execute("DELETE FROM drafts WHERE user_id = ?1 AND form = ?2", params![user, form])?;
        }
    }

    // The timeline (R7.1): payloads of the customer's complaints lose every text, the other
    // events (searches, exports) what identifies the customer. Each redacted event is sealed
    // in the closing `customer_anonymised` event so `verify` still accepts the chain.
    let ids: Vec<&str> = complaints.iter().map(|c| c.0.as_str()).collect();
    let mut redacted = Vec::new();
    {
        let mut select = conn.prepare(
            "SELECT seq, id, complaint_id, at, actor_id, kind, data, prev_hash FROM events
             WHERE redacted_at IS NULL AND (complaint_id IS NULL OR complaint_id IN (SELECT value FROM json_each(?1))) ORDER BY seq",
        )?;
        let ids_json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
        type Ev = (i64, String, Option<String>, String, Option<String>, String, String, String);
        let events: Vec<Ev> = select
            .query_map(params![ids_json], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut update = conn.prepare("UPDATE events SET data = ?1, redacted_at = ?2 WHERE seq = ?3")?;
        for (seq, id, complaint, ev_at, actor, kind, data, prev) in events {
            let mut v: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
            if !redact_json(&mut v, &lits, complaint.is_some(), "") {
                continue;
            }
            // Without its nonce the kept hash can no longer be used to confirm a guess of what
            // the payload said (see `timeline::NONCE`).
            if let Some(o) = v.as_object_mut() {
                o.remove(crate::timeline::NONCE);
            }
            let new = serde_json::to_string(&v).unwrap_or_else(|_| "null".into());
            update.execute(params![new, at, seq])?;
            let seal = crate::timeline::redaction_seal(&prev, &id, complaint.as_deref(), &ev_at, actor.as_deref(), &kind, &new);
            redacted.push(json!({ "seq": seq, "seal": seal }));
        }
    }
    for (id, number, ..) in &complaints {
        ctx.event(
            Some(id),
            "anonymised",
            json!({ "customer_id": cust.id, "reason": reason, "retention_years": st.retention_years,
                    "signatures": pins.remove(id).unwrap_or_default(), "number": number }),
        )?;
    }
    for fts in ["complaint_fts", "complaint_fts_cjk", "complaint_fts_open", "complaint_fts_open_cjk"] {
        // Entries deleted earlier without secure delete (an edit re-indexed, a complaint leaving
        // the open tables when it was closed) stay in old segments until a merge: FTS5 keeps
        // positions, so the text could be rebuilt from them. Merging every segment drops them.
        conn.execute(&format!("INSERT INTO {fts} ({fts}) VALUES ('optimize')"), [])?;
        conn.execute(&format!("INSERT INTO {fts} ({fts}, rank) VALUES ('secure-delete', 0)"), [])?;
    }
    conn.execute_batch("PRAGMA secure_delete = OFF")?;
    let numbers: Vec<String> = complaints.iter().map(|c| c.1.clone()).collect();
    let events_redacted = redacted.len();
    ctx.event(
        None,
        crate::timeline::REDACTING_KIND,
        json!({
            "customer_id": cust.id, "reason": reason, "complaints": numbers, "signatures": signatures,
            "phones_removed": phones_removed, "retention_years": st.retention_years, "redacted_events": redacted,
        }),
    )?;
    Ok(AnonymiseReport {
        customer_id: cust.id,
        anonymised_at: at,
        complaints: numbers,
        signatures,
        phones_removed,
        events_redacted,
        retention_years: st.retention_years,
    })
}

/// After an anonymisation has been committed (`api::run`): deletes the evidence files no longer
/// referenced by a kept record, then rewrites the database file (VACUUM) and empties the WAL, so
/// the replaced text survives neither in free pages nor in old page images. Best effort: a file
/// that cannot be deleted now is deleted after the next anonymisation, and a VACUUM refused
/// because another connection is reading leaves what secure_delete already zeroed.
pub fn after_anonymise(conn: &Connection, attachments_dir: &std::path::Path) -> usize {
    let shas: Vec<String> = conn
        .prepare(
            "SELECT DISTINCT sha256 FROM attachments a WHERE erased_at IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM attachments b WHERE b.sha256 = a.sha256 AND b.erased_at IS NULL)",
        )
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .unwrap_or_default();
    let mut deleted = 0;
    for sha in shas {
        // Content-addressed names are hex digests; anything else is not ours to delete.
        if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        let path = attachments_dir.join(&sha);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) && std::fs::remove_file(&path).is_ok() {
            deleted += 1;
        }
    }
    let _ = conn.execute_batch("VACUUM");
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    deleted
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRetentionArgs {
    /// 2–30 years (R7.2: at least 2).
    pub years: i64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RetentionSettings {
    pub retention_years: i64,
}

pub fn retention_settings(ctx: &Ctx) -> Result<RetentionSettings> {
    ctx.begin(None)?;
    Ok(RetentionSettings { retention_years: retention_years(ctx.conn)? })
}

/// Sets the retention period (R7.2: never below two years); logged.
pub fn set_retention_years(ctx: &Ctx, a: &SetRetentionArgs) -> Result<RetentionSettings> {
    ctx.begin(None)?;
    if !(MIN_RETENTION_YEARS..=MAX_RETENTION_YEARS).contains(&a.years) {
        return Err(CoreError::invalid("years", "out_of_range"));
    }
    let old: Option<String> =
        ctx.conn.query_row("SELECT value FROM settings WHERE key = ?1", params![KEY_RETENTION_YEARS], |r| r.get(0)).optional()?;
    ctx.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![KEY_RETENTION_YEARS, a.years.to_string()],
    )?;
    ctx.event(None, "setting_changed", json!({ "key": KEY_RETENTION_YEARS, "from": old, "to": a.years }))?;
    Ok(RetentionSettings { retention_years: a.years })
}

/// The digest pinned on the timeline when signature `sig` of complaint `complaint_id` was
/// anonymised (see the module documentation).
pub fn pinned_digest(conn: &Connection, complaint_id: &str, sig: &str) -> Result<Option<String>> {
    let mut stmt = conn.prepare_cached("SELECT data FROM events WHERE complaint_id = ?1 AND kind = 'anonymised' ORDER BY seq")?;
    let rows: Vec<String> = stmt.query_map(params![complaint_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    for data in rows {
        let v: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
        for s in v["signatures"].as_array().into_iter().flatten() {
            if s["id"] == sig {
                return Ok(s["digest"].as_str().map(str::to_string));
            }
        }
    }
    Ok(None)
}

/// The signature checks of `views::check_signatures`, aware of anonymisation: an anonymised
/// signature is good when its digest equals the one pinned on the (hash-chained) timeline when it
/// was anonymised — its content can no longer reproduce the digest, by design. Returns the
/// checks and how many signatures are anonymised.
pub fn signature_checks(conn: &Connection, only: Option<&str>) -> Result<(Vec<SignatureCheck>, usize)> {
    let mut checks = views::check_signatures(conn, only)?;
    let mut stmt = conn.prepare("SELECT id, complaint_id FROM signatures WHERE anonymised_at IS NOT NULL")?;
    let anonymised: HashMap<String, String> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut n = 0;
    for c in checks.iter_mut() {
        if let Some(complaint) = anonymised.get(&c.signature_id) {
            n += 1;
            let pinned = pinned_digest(conn, complaint, &c.signature_id)?;
            // The strokes are cleared with the rest (schema 14), so the content can no longer
            // reproduce the digest: the pin on the hash-chained timeline is what holds it.
            c.digest_ok = pinned.as_deref() == Some(c.digest.as_str());
        }
    }
    Ok((checks, n))
}
