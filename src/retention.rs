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
//! # What anonymisation changes
//! - `customers`: name → `***`, address and note emptied, `anonymised_at` set; their phone numbers
//!   are removed (so a new complaint from the same number starts a new customer).
//! - each of their `complaints`: customer name and contact phone → `***`, address and incident
//!   place emptied, and the customer's name and phone numbers replaced by `***` wherever they
//!   appear in the description and the expected outcome; the search index is rebuilt with SQLite's
//!   secure delete on, so the old text is not left in free pages.
//! - their `signatures` (the only permitted change of a signature, enforced by a trigger):
//!   signer name → `***`; a registration signature's signed content is replaced by the anonymised
//!   registration content. The strokes and the digest are kept.
//! - Kept as they were: everything the statistics need (tier, channel, category, stages, dates,
//!   departments, workers, deadlines, surveys, compensations), and the timeline, which is
//!   append-only and hash-chained (R7.1) — see "limits" below.
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
//! # Limits
//! The timeline cannot be rewritten: events recorded before the anonymisation keep what they
//! recorded (e.g. the signer's name in `signed` events, the phone searched for in
//! `personal_data_search`). Backups made before the anonymisation keep the data until the
//! rotation removes them (12 months with the default settings).

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
/// What personal data is replaced with.
pub const ANONYMISED: &str = "***";

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
    ctx.begin("retention_status", None)?;
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
    pub retention_years: i64,
}

/// Replaces the customer's personal data in `s`: their name (two characters or more) and phone
/// numbers, wherever they occur.
fn redact(s: &str, names: &[String], phones: &[String]) -> String {
    let mut out = s.to_string();
    for n in names.iter().filter(|n| n.chars().count() >= 2 && n.as_str() != ANONYMISED) {
        out = out.replace(n.as_str(), ANONYMISED);
    }
    for p in phones.iter().filter(|p| p.len() >= 5) {
        out = out.replace(p.as_str(), ANONYMISED);
    }
    out
}

/// R7.2: anonymises a customer's personal data after the retention period, on request; logged.
pub fn anonymise_customer(ctx: &Ctx, a: &AnonymiseArgs) -> Result<AnonymiseReport> {
    ctx.begin("anonymise_customer", None)?;
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
    let mut stmt = conn.prepare("SELECT id, number, rowid, customer_name, contact_phone FROM complaints WHERE customer_id = ?1 ORDER BY rowid")?;
    let complaints: Vec<(String, String, i64, String, String)> = stmt
        .query_map(params![cust.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
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

    let mut names = vec![cust.name.clone()];
    let mut phones: Vec<String> = conn
        .prepare("SELECT phone FROM customer_phones WHERE customer_id = ?1")?
        .query_map(params![cust.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for (_, _, _, n, p) in &complaints {
        names.push(n.clone());
        phones.push(p.clone());
    }
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    names.dedup();
    phones.sort_by_key(|p| std::cmp::Reverse(p.len()));
    phones.dedup();

    // The old text must not linger in freed pages or in the search index's segments.
    conn.execute_batch("PRAGMA secure_delete = ON")?;
    for fts in ["complaint_fts", "complaint_fts_cjk", "complaint_fts_open", "complaint_fts_open_cjk"] {
        conn.execute(&format!("INSERT INTO {fts} ({fts}, rank) VALUES ('secure-delete', 1)"), [])?;
    }
    let at = ts(ctx.now);
    let mut signatures = 0;
    for (id, number, rowid, ..) in &complaints {
        let (description, expected): (String, String) =
            conn.query_row("SELECT description, expected_outcome FROM complaints WHERE id = ?1", params![id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        conn.execute(
            "UPDATE complaints SET customer_name = ?1, contact_phone = ?1, address = '', incident_place = '',
                description = ?2, expected_outcome = ?3, updated_at = ?4 WHERE id = ?5",
            params![ANONYMISED, redact(&description, &names, &phones), redact(&expected, &names, &phones), at, id],
        )?;
        let registration = crate::signature::canonical(&intake::registration_content(conn, id)?);
        let mut pinned = Vec::new();
        for (sid, purpose, digest) in sigs.remove(id).unwrap_or_default() {
            if purpose == "registration" {
                conn.execute(
                    "UPDATE signatures SET signer_name = ?1, content_json = ?2, anonymised_at = ?3 WHERE id = ?4",
                    params![ANONYMISED, registration, at, sid],
                )?;
            } else {
                conn.execute(
                    "UPDATE signatures SET signer_name = ?1, anonymised_at = ?2 WHERE id = ?3",
                    params![ANONYMISED, at, sid],
                )?;
            }
            signatures += 1;
            pinned.push(json!({ "id": sid, "purpose": purpose, "digest": digest }));
        }
        crate::store::search::index_complaint(conn, *rowid)?;
        ctx.event(
            Some(id),
            "anonymised",
            json!({ "customer_id": cust.id, "reason": reason, "retention_years": st.retention_years, "signatures": pinned, "number": number }),
        )?;
    }
    conn.execute("UPDATE customers SET name = ?1, address = '', note = '', anonymised_at = ?2 WHERE id = ?3", params![ANONYMISED, at, cust.id])?;
    let phones_removed = conn.execute("DELETE FROM customer_phones WHERE customer_id = ?1", params![cust.id])?;
    for fts in ["complaint_fts", "complaint_fts_cjk", "complaint_fts_open", "complaint_fts_open_cjk"] {
        conn.execute(&format!("INSERT INTO {fts} ({fts}, rank) VALUES ('secure-delete', 0)"), [])?;
    }
    conn.execute_batch("PRAGMA secure_delete = OFF")?;
    let numbers: Vec<String> = complaints.iter().map(|c| c.1.clone()).collect();
    ctx.event(
        None,
        "customer_anonymised",
        json!({
            "customer_id": cust.id, "reason": reason, "complaints": numbers, "signatures": signatures,
            "phones_removed": phones_removed, "retention_years": st.retention_years,
        }),
    )?;
    Ok(AnonymiseReport {
        customer_id: cust.id,
        anonymised_at: at,
        complaints: numbers,
        signatures,
        phones_removed,
        retention_years: st.retention_years,
    })
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
    ctx.begin("retention_settings", None)?;
    Ok(RetentionSettings { retention_years: retention_years(ctx.conn)? })
}

/// Sets the retention period (R7.2: never below two years); logged.
pub fn set_retention_years(ctx: &Ctx, a: &SetRetentionArgs) -> Result<RetentionSettings> {
    ctx.begin("set_retention_years", None)?;
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
    let anonymised: HashMap<String, String> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut n = 0;
    for c in checks.iter_mut() {
        if let Some(complaint) = anonymised.get(&c.signature_id) {
            n += 1;
            let pinned = pinned_digest(conn, complaint, &c.signature_id)?;
            c.digest_ok = pinned.as_deref() == Some(c.digest.as_str()) && (c.digest_ok || c.purpose == "registration");
        }
    }
    Ok((checks, n))
}
