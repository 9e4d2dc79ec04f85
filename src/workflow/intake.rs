//! Intake (受理): registering a complaint (R3.1), with the customer's signature or the recorded
//! reason it was not obtained (R3.2), derived classification (R2.1, R2.2), repeat detection
//! (R3.6), batch linking (R2.1) and the deadlines it gets (R3.3, R4.1–R4.3).

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::load::{self, BranchEnv, ComplaintState};
use super::{past_instant, steps, text, Ctx};
use crate::clock::{new_id, ts};
use crate::error::{CoreError, Result};
use crate::model::{Category, Channel, LinkKind, Nature, ReplyMethod, SignaturePurpose, Stage, StepKind, Tier, TransferSource};
use crate::signature::{self, SignatureInput};

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterArgs {
    pub customer_name: String,
    pub phone: String,
    /// The customer's tier; for a known customer, omitting it keeps their profile's tier.
    #[serde(default)]
    pub tier: Option<Tier>,
    pub channel: Channel,
    /// Required when the channel is `transferred` (R2.1 转办/协办).
    #[serde(default)]
    pub transfer_source: Option<TransferSource>,
    pub category: Category,
    #[serde(default)]
    pub sub_category: String,
    pub description: String,
    /// Defaults to now; may be earlier (letters, transfers), never in the future (R3.1).
    #[serde(default)]
    pub received_at: Option<String>,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub incident_at: Option<String>,
    #[serde(default)]
    pub incident_place: String,
    #[serde(default)]
    pub service_order_no: String,
    /// Worker id or code.
    #[serde(default)]
    pub worker: Option<String>,
    #[serde(default)]
    pub expected_outcome: String,
    #[serde(default)]
    pub reply_method: Option<ReplyMethod>,
    /// Households affected; two or more makes it a batch complaint (R2.1).
    #[serde(default = "one")]
    pub households: u32,
    /// Number of an earlier complaint about the same matter (batch linking, R2.1).
    #[serde(default)]
    pub same_matter_as: Option<String>,
    #[serde(default = "one_u8")]
    pub warning_level: u8,
    #[serde(default)]
    pub signature: Option<SignatureInput>,
    /// Why the customer did not sign (R3.2); required without a signature.
    #[serde(default)]
    pub signature_missing_reason: Option<String>,
}

fn one() -> u32 {
    1
}
fn one_u8() -> u8 {
    1
}

/// What the intake screen shows before saving, and what saving returns.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RegistrationPlan {
    pub number: Option<String>,
    pub id: Option<String>,
    pub nature: Nature,
    pub major_reasons: Vec<String>,
    pub tier: Tier,
    pub existing_customer_id: Option<String>,
    pub repeat_of: Option<String>,
    pub deadlines: Vec<PlannedDeadline>,
    pub calendar_warning: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PlannedDeadline {
    pub kind: StepKind,
    pub due_at: String,
}

/// Digits only: the form in which phones are stored and looked up.
pub fn normalize_phone(raw: &str) -> Result<String> {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    let junk = raw.chars().any(|c| !(c.is_ascii_digit() || " -+()".contains(c)));
    if raw.trim().is_empty() {
        return Err(CoreError::invalid("phone", "required"));
    }
    if junk || !(5..=20).contains(&digits.len()) {
        return Err(CoreError::invalid("phone", "bad_phone"));
    }
    Ok(digits)
}

struct Checked {
    name: String,
    phone: String,
    description: String,
    sub_category: String,
    expected_outcome: String,
    address: String,
    incident_place: String,
    service_order_no: String,
    received_at: DateTime<Utc>,
    incident_at: Option<DateTime<Utc>>,
    worker_id: Option<String>,
    signature: Option<signature::CheckedSignature>,
    missing_reason: String,
}

fn check_args(conn: &Connection, a: &RegisterArgs, now: DateTime<Utc>) -> Result<Checked> {
    let name = text("customer_name", &a.customer_name, true, 100)?;
    let phone = normalize_phone(&a.phone)?;
    let description = text("description", &a.description, true, 10_000)?;
    let received_at = match &a.received_at {
        Some(s) if !s.trim().is_empty() => past_instant("received_at", s, now)?,
        _ => now,
    };
    let incident_at = match &a.incident_at {
        Some(s) if !s.trim().is_empty() => Some(past_instant("incident_at", s, now)?),
        _ => None,
    };
    if a.channel == Channel::Transferred && a.transfer_source.is_none() {
        return Err(CoreError::invalid("transfer_source", "required"));
    }
    if !(1..=3).contains(&a.warning_level) {
        return Err(CoreError::invalid("warning_level", "out_of_range"));
    }
    if a.households == 0 || a.households > 100_000 {
        return Err(CoreError::invalid("households", "out_of_range"));
    }
    let worker_id = match a.worker.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        None => None,
        Some(w) => Some(
            conn.prepare_cached("SELECT id FROM workers WHERE id = ?1 OR code = ?1")?
                .query_row(params![w], |r| r.get::<_, String>(0))
                .optional()?
                .ok_or_else(|| CoreError::NotFound { what: "worker", key: w.to_string() })?,
        ),
    };
    let signature = a.signature.as_ref().map(SignatureInput::check).transpose()?;
    let missing_reason = match (&signature, &a.signature_missing_reason) {
        (Some(_), _) => String::new(),
        (None, Some(r)) => text("signature_missing_reason", r, true, 200)?,
        (None, None) => return Err(CoreError::invalid("signature", "signature_or_reason_required")),
    };
    Ok(Checked {
        name,
        phone,
        description,
        sub_category: text("sub_category", &a.sub_category, false, 100)?,
        expected_outcome: text("expected_outcome", &a.expected_outcome, false, 2000)?,
        address: text("address", &a.address, false, 300)?,
        incident_place: text("incident_place", &a.incident_place, false, 300)?,
        service_order_no: text("service_order_no", &a.service_order_no, false, 64)?,
        received_at,
        incident_at,
        worker_id,
        signature,
        missing_reason,
    })
}

/// The customer known by this phone number, if any: (id, tier).
fn customer_by_phone(conn: &Connection, phone: &str) -> Result<Option<(String, Tier)>> {
    Ok(conn
        .prepare_cached(
            "SELECT c.id, c.tier FROM customer_phones p JOIN customers c ON c.id = p.customer_id
             WHERE p.phone = ?1 ORDER BY c.created_at DESC LIMIT 1",
        )?
        .query_row(params![phone], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// R3.6: an earlier complaint of the same customer about the same worker, service order or
/// sub-category within the window.
fn find_repeat(conn: &Connection, customer_id: &str, ch: &Checked, window_days: i64) -> Result<Option<(String, String)>> {
    let since = ts(ch.received_at - Duration::days(window_days));
    Ok(conn
        .prepare_cached(
            "SELECT id, number FROM complaints
             WHERE customer_id = ?1 AND received_at >= ?2 AND received_at <= ?3
               AND ((?4 IS NOT NULL AND worker_id = ?4) OR (?5 <> '' AND service_order_no = ?5) OR (?6 <> '' AND sub_category = ?6))
             ORDER BY received_at DESC LIMIT 1",
        )?
        .query_row(params![customer_id, since, ts(ch.received_at), ch.worker_id, ch.service_order_no, ch.sub_category], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// R2.1: the reasons a complaint is major by itself (VIP, batch, transfer, media exposure).
pub fn derived_major_reasons(tier: Tier, channel: Channel, households: u32, batch_group: usize, batch_threshold: usize) -> Vec<String> {
    let mut r = Vec::new();
    if tier == Tier::Vip {
        r.push("vip".to_string());
    }
    if households >= 2 || (batch_group > 1 && batch_group >= batch_threshold) {
        r.push("batch".to_string());
    }
    if channel == Channel::Transferred {
        r.push("transferred".to_string());
    }
    if channel == Channel::MediaExposure {
        r.push("media_exposure".to_string());
    }
    r
}

/// The root complaint of a batch group and the group's size.
fn batch_group(conn: &Connection, number: &str) -> Result<(String, usize)> {
    let id: String = conn
        .query_row("SELECT id FROM complaints WHERE number = ?1 OR id = ?1", params![number.trim()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| CoreError::NotFound { what: "complaint", key: number.to_string() })?;
    // Links always point from a member to the root, so the root is one hop away.
    let root: String = conn
        .query_row("SELECT to_id FROM complaint_links WHERE from_id = ?1 AND kind = 'batch'", params![id], |r| r.get(0))
        .optional()?
        .unwrap_or(id);
    let members: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM complaint_links WHERE to_id = ?1 AND kind = 'batch'")?
        .query_row(params![root], |r| r.get(0))?;
    Ok((root, members as usize + 1))
}

fn actor_branch(ctx: &Ctx) -> Result<String> {
    if let Some(b) = &ctx.actor.branch_id {
        return Ok(b.clone());
    }
    ctx.conn
        .query_row("SELECT id FROM branches ORDER BY created_at LIMIT 1", [], |r| r.get(0))
        .optional()?
        .ok_or_else(|| CoreError::NotFound { what: "branch", key: "default".into() })
}

/// Works out everything registration would do, without writing: the intake preview.
pub fn preview(ctx: &Ctx, a: &RegisterArgs) -> Result<RegistrationPlan> {
    ctx.begin(None)?;
    plan(ctx, a).map(|(p, _, _)| p)
}

fn plan(ctx: &Ctx, a: &RegisterArgs) -> Result<(RegistrationPlan, Checked, BranchEnv)> {
    let ch = check_args(ctx.conn, a, ctx.now)?;
    let branch_id = actor_branch(ctx)?;
    let env = load::branch_env(ctx.conn, &branch_id, None)?;
    let existing = customer_by_phone(ctx.conn, &ch.phone)?;
    let tier = a.tier.or(existing.as_ref().map(|e| e.1)).unwrap_or(Tier::Regular);
    let threshold = load::setting_i64(ctx.conn, "batch_threshold", 3)?.max(2) as usize;
    let group = match &a.same_matter_as {
        Some(n) if !n.trim().is_empty() => batch_group(ctx.conn, n)?.1 + 1,
        _ => 1,
    };
    let reasons = derived_major_reasons(tier, a.channel, a.households, group, threshold);
    let nature = if reasons.is_empty() { Nature::General } else { Nature::Major };
    let window = load::setting_i64(ctx.conn, "repeat_window_days", 30)?;
    let repeat = match &existing {
        Some((cid, _)) => find_repeat(ctx.conn, cid, &ch, window)?,
        None => None,
    };
    let major = nature == Nature::Major;
    let ps = [];
    let mut deadlines = Vec::new();
    let mut warn = false;
    let mut plan_step = |kind: StepKind, start: DateTime<Utc>| {
        if let Some(limit) = env.policy.limit_for(kind, tier, major) {
            let (due, w) = steps::compute_due(&env, &ps, start, &limit);
            warn |= w;
            deadlines.push(PlannedDeadline { kind, due_at: ts(due) });
        }
    };
    if major {
        plan_step(StepKind::ReportMajor, ctx.now);
    }
    plan_step(StepKind::Dispatch, ctx.now);
    plan_step(StepKind::StageReply, ch.received_at);
    plan_step(StepKind::FinalHandling, ch.received_at);
    let p = RegistrationPlan {
        number: None,
        id: None,
        nature,
        major_reasons: reasons,
        tier,
        existing_customer_id: existing.map(|e| e.0),
        repeat_of: repeat.map(|r| r.1),
        deadlines,
        calendar_warning: warn,
    };
    Ok((p, ch, env))
}

/// R3.1–R3.3, R3.6, R2.1, R2.2: registers a complaint in one transaction.
pub fn register(ctx: &Ctx, a: &RegisterArgs) -> Result<RegistrationPlan> {
    ctx.begin(None)?;
    let (mut p, ch, env) = plan(ctx, a)?;
    let now = ts(ctx.now);

    let customer_id = match &p.existing_customer_id {
        Some(id) => {
            let old: Tier = ctx.conn.prepare_cached("SELECT tier FROM customers WHERE id = ?1")?.query_row(params![id], |r| r.get(0))?;
            if old != p.tier {
                ctx.conn.prepare_cached("UPDATE customers SET tier = ?1 WHERE id = ?2")?.execute(params![p.tier, id])?;
                ctx.event(None, "customer_tier_changed", json!({"customer_id": id, "from": old, "to": p.tier}))?;
            }
            id.clone()
        }
        None => {
            let id = new_id();
            ctx.conn
                .prepare_cached("INSERT INTO customers (id, name, tier, address, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![id, ch.name, p.tier, ch.address, now])?;
            ctx.conn.prepare_cached("INSERT INTO customer_phones (phone, customer_id) VALUES (?1, ?2)")?.execute(params![ch.phone, id])?;
            id
        }
    };

    let number = next_number(ctx, &env)?;
    let id = new_id();
    let signature_status = if ch.signature.is_some() { "signed" } else { "not_obtained" };
    ctx.conn
        .prepare_cached(
            "INSERT INTO complaints (id, number, branch_id, customer_id, customer_name, contact_phone, tier, nature, major_reasons,
            channel, transfer_source, category, sub_category, description, households, received_at, registered_at, owner_id,
            address, incident_at, incident_place, service_order_no, worker_id, expected_outcome, reply_method, warning_level,
            stage, is_repeat, policy_code, signature_status, signature_note, updated_at)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?17)",
        )?
        .execute(params![
            id,
            number,
            env.id,
            customer_id,
            ch.name,
            ch.phone,
            p.tier,
            p.nature,
            serde_json::to_string(&p.major_reasons).unwrap_or_default(),
            a.channel,
            a.transfer_source,
            a.category,
            ch.sub_category,
            ch.description,
            a.households,
            ts(ch.received_at),
            now,
            ctx.actor.id,
            ch.address,
            ch.incident_at.map(ts),
            ch.incident_place,
            ch.service_order_no,
            ch.worker_id,
            ch.expected_outcome,
            a.reply_method,
            a.warning_level,
            Stage::Registered,
            p.repeat_of.is_some(),
            env.policy.code,
            signature_status,
            ch.missing_reason
        ])?;
    let c = load::complaint(ctx.conn, &id)?;
    debug_assert_eq!(c.stage, Stage::Registered);
    crate::store::search::index_new_complaint(ctx.conn, c.rowid)?;
    ctx.event(
        Some(&id),
        "registered",
        json!({
            "number": number, "nature": p.nature, "major_reasons": p.major_reasons, "tier": p.tier,
            "channel": a.channel, "owner": ctx.actor.name, "signature": signature_status,
            "signature_missing_reason": ch.missing_reason,
        }),
    )?;

    if let Some(sig) = &ch.signature {
        store_signature(ctx, &c, SignaturePurpose::Registration, sig, &registration_content(ctx.conn, &id)?)?;
    }
    if let Some(rep) = &p.repeat_of {
        let earlier = load::complaint(ctx.conn, rep)?;
        link(ctx, &id, &earlier.id, LinkKind::Repeat)?;
        ctx.event(Some(&id), "repeat_detected", json!({ "repeat_of": rep }))?;
    }
    if let Some(n) = a.same_matter_as.as_deref().filter(|n| !n.trim().is_empty()) {
        let (root, size) = batch_group(ctx.conn, n)?;
        link(ctx, &id, &root, LinkKind::Batch)?;
        let threshold = load::setting_i64(ctx.conn, "batch_threshold", 3)?.max(2) as usize;
        if size + 1 >= threshold {
            mark_batch_group_major(ctx, &root)?;
        }
    }

    let mut opening = Vec::with_capacity(4);
    if p.nature == Nature::Major {
        opening.push((StepKind::ReportMajor, ctx.now));
    }
    opening.extend([(StepKind::Dispatch, ctx.now), (StepKind::StageReply, ch.received_at), (StepKind::FinalHandling, ch.received_at)]);
    steps::open_policy_steps(ctx, &env, &c, &opening)?;
    if a.warning_level >= 3 {
        super::acceptance::notify_escalation_chain(ctx, &c)?;
    }
    p.number = Some(number);
    p.id = Some(id);
    Ok(p)
}

/// Branch code + local date + daily sequence: readable, and unique across branches.
fn next_number(ctx: &Ctx, env: &BranchEnv) -> Result<String> {
    let day = ctx.now.with_timezone(&env.tz).format("%Y%m%d").to_string();
    let n: i64 = ctx
        .conn
        .prepare_cached(
            "INSERT INTO number_sequences (branch_id, day, last) VALUES (?1, ?2, 1)
         ON CONFLICT (branch_id, day) DO UPDATE SET last = last + 1 RETURNING last",
        )?
        .query_row(params![env.id, day], |r| r.get(0))?;
    Ok(format!("{}-{}-{:04}", env.code, day, n))
}

pub fn link(ctx: &Ctx, from: &str, to: &str, kind: LinkKind) -> Result<()> {
    ctx.conn
        .prepare_cached("INSERT OR IGNORE INTO complaint_links (from_id, to_id, kind, created_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![from, to, kind, ts(ctx.now)])?;
    Ok(())
}

/// R2.1: once a batch group reaches the threshold, every member is major.
fn mark_batch_group_major(ctx: &Ctx, root: &str) -> Result<()> {
    let mut ids: Vec<String> = ctx
        .conn
        .prepare("SELECT from_id FROM complaint_links WHERE to_id = ?1 AND kind = 'batch'")?
        .query_map(params![root], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.push(root.to_string());
    for id in ids {
        let c = load::complaint(ctx.conn, &id)?;
        super::acceptance::make_major(ctx, &c, "batch")?;
    }
    Ok(())
}

/// The canonical content a registration signature attests (R7.11): what the customer said and
/// signed. The classification (category, sub-category, tier) is the staff's and may be corrected
/// at review (R3.5) without invalidating the customer's signature. Recomputed by `verify`.
pub fn registration_content(conn: &Connection, complaint_id: &str) -> Result<Value> {
    Ok(conn
        .prepare_cached(
            "SELECT number, customer_name, contact_phone, channel, description, received_at,
                expected_outcome, incident_place, service_order_no FROM complaints WHERE id = ?1",
        )?
        .query_row(params![complaint_id], |r| {
            Ok(json!({
                "number": r.get::<_, String>(0)?, "customer_name": r.get::<_, String>(1)?,
                "contact_phone": r.get::<_, String>(2)?, "channel": r.get::<_, String>(3)?,
                "description": r.get::<_, String>(4)?, "received_at": r.get::<_, String>(5)?,
                "expected_outcome": r.get::<_, String>(6)?, "incident_place": r.get::<_, String>(7)?,
                "service_order_no": r.get::<_, String>(8)?,
            }))
        })?)
}

/// Stores a signature with the digest over what it attests (R7.11) and returns its id.
pub fn store_signature(
    ctx: &Ctx,
    c: &ComplaintState,
    purpose: SignaturePurpose,
    sig: &signature::CheckedSignature,
    content: &Value,
) -> Result<String> {
    let content_json = signature::canonical(content);
    let digest = signature::digest(&content_json, &sig.strokes_json);
    let id = new_id();
    ctx.conn.prepare_cached("INSERT INTO signatures (id, complaint_id, purpose, signer_name, strokes_json, png, content_json, digest, signed_at, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")?.execute(params![id, c.id, purpose, sig.signer_name, sig.strokes_json, sig.png, content_json, digest, ts(ctx.now), ctx.actor.id],
    )?;
    ctx.event(Some(&c.id), "signed", json!({ "purpose": purpose, "signer": sig.signer_name, "digest": digest, "signature_id": id }))?;
    Ok(id)
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddSignatureArgs {
    pub complaint: String,
    pub signature: SignatureInput,
}

/// The stored registration signature, for the receipt to cite (R7.11).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SignatureAdded {
    pub signature_id: String,
}

/// R3.2: a registration signature can be added later (e.g. when the customer visits).
pub fn add_signature(ctx: &Ctx, a: &AddSignatureArgs) -> Result<SignatureAdded> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let status: String =
        ctx.conn.prepare_cached("SELECT signature_status FROM complaints WHERE id = ?1")?.query_row(params![c.id], |r| r.get(0))?;
    if status == "signed" {
        return Err(CoreError::precondition("R3.2", "already_signed"));
    }
    let sig = a.signature.check()?;
    let id = store_signature(ctx, &c, SignaturePurpose::Registration, &sig, &registration_content(ctx.conn, &c.id)?)?;
    ctx.conn
        .prepare_cached("UPDATE complaints SET signature_status = 'signed', updated_at = ?1 WHERE id = ?2")?
        .execute(params![ts(ctx.now), c.id])?;
    Ok(SignatureAdded { signature_id: id })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupCustomerArgs {
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CustomerProfile {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub tier: Tier,
    pub address: String,
    pub complaints_total: i64,
    pub recent: Vec<RecentComplaint>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RecentComplaint {
    pub number: String,
    pub received_at: String,
    pub stage: Stage,
    pub category: Category,
    pub sub_category: String,
    pub worker_id: Option<String>,
    pub service_order_no: String,
    pub summary: String,
}

/// R3.6: the customer's profile and recent complaints, looked up by phone; logged (R7.1).
pub fn lookup_customer(ctx: &Ctx, a: &LookupCustomerArgs) -> Result<Option<CustomerProfile>> {
    ctx.begin(None)?;
    let phone = normalize_phone(&a.phone)?;
    let Some((id, tier)) = customer_by_phone(ctx.conn, &phone)? else {
        // R7.1 / R7.8: a look-up by phone that finds no one is logged too (probing numbers).
        ctx.event(None, "personal_data_search", json!({ "phone": phone, "via": "lookup_customer", "results": 0 }))?;
        return Ok(None);
    };
    let (name, address): (String, String) = ctx
        .conn
        .prepare_cached("SELECT name, address FROM customers WHERE id = ?1")?
        .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let total: i64 =
        ctx.conn.prepare_cached("SELECT COUNT(*) FROM complaints WHERE customer_id = ?1")?.query_row(params![id], |r| r.get(0))?;
    let mut stmt = ctx.conn.prepare_cached(
        "SELECT number, received_at, stage, category, sub_category, worker_id, service_order_no, substr(description, 1, 80)
         FROM complaints WHERE customer_id = ?1 ORDER BY received_at DESC LIMIT 10",
    )?;
    let recent = stmt
        .query_map(params![id], |r| {
            Ok(RecentComplaint {
                number: r.get(0)?,
                received_at: r.get(1)?,
                stage: r.get(2)?,
                category: r.get(3)?,
                sub_category: r.get(4)?,
                worker_id: r.get(5)?,
                service_order_no: r.get(6)?,
                summary: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    ctx.event(None, "personal_data_viewed", json!({ "customer_id": id, "via": "lookup_customer" }))?;
    Ok(Some(CustomerProfile { id, name, phone, tier, address, complaints_total: total, recent }))
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddAttachmentArgs {
    pub complaint: String,
    /// A file on this machine; it is copied into the app's data folder.
    pub path: String,
    #[serde(default)]
    pub file_name: Option<String>,
}

/// The largest evidence file accepted (photos, recordings of a phone call).
pub const MAX_ATTACHMENT_BYTES: u64 = 100 * 1024 * 1024;

/// The stored evidence file: its id and the SHA-256 it is kept under, which the window shows so
/// a copy can be checked against it (R3.1).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AttachmentAdded {
    pub attachment_id: String,
    pub sha256: String,
}

/// Evidence files (R3.1): copied into the data folder, stored by SHA-256.
pub fn add_attachment(ctx: &Ctx, a: &AddAttachmentArgs) -> Result<AttachmentAdded> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let path = std::path::Path::new(&a.path);
    let meta = std::fs::metadata(path).map_err(|_| CoreError::invalid("path", "file_not_found"))?;
    if !meta.is_file() {
        return Err(CoreError::invalid("path", "file_not_found"));
    }
    if meta.len() > MAX_ATTACHMENT_BYTES {
        return Err(CoreError::invalid("path", "file_too_large"));
    }
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let sha = hex::encode(h.finalize());
    std::fs::create_dir_all(ctx.attachments_dir)?;
    let dest = ctx.attachments_dir.join(&sha);
    if !dest.exists() {
        let tmp = ctx.attachments_dir.join(format!("{sha}.part"));
        std::fs::copy(path, &tmp)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, &dest)?;
    }
    let name = a.file_name.clone().or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned())).unwrap_or_else(|| "file".into());
    let name = text("file_name", &name, true, 255)?;
    let mime = mime_of(&name);
    let id = new_id();
    ctx.conn.prepare_cached("INSERT INTO attachments (id, complaint_id, file_name, sha256, size, mime, added_by, added_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)")?.execute(params![id, c.id, name, sha, meta.len() as i64, mime, ctx.actor.id, ts(ctx.now)],
    )?;
    ctx.event(Some(&c.id), "attachment_added", json!({ "file_name": name, "sha256": sha, "size": meta.len() }))?;
    Ok(AttachmentAdded { attachment_id: id, sha256: sha })
}

fn mime_of(name: &str) -> &'static str {
    let lower = name.to_lowercase();
    match lower.rsplit('.').next().unwrap_or("") {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "wav" => "audio/wav",
        "mp4" => "video/mp4",
        "txt" => "text/plain",
        _ => "application/octet-stream",
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealArgs {
    /// The closed complaint whose handling result is appealed.
    pub complaint: String,
    pub description: String,
    #[serde(default)]
    pub channel: Option<Channel>,
    #[serde(default)]
    pub signature: Option<SignatureInput>,
    #[serde(default)]
    pub signature_missing_reason: Option<String>,
}

/// R6.3: an appeal is a new complaint linked to the original, at least warning level 2 and
/// major, that goes through review again.
pub fn appeal(ctx: &Ctx, a: &AppealArgs) -> Result<RegistrationPlan> {
    let orig = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&orig))?;
    let (name, phone, category, sub, worker, order): (String, String, Category, String, Option<String>, String) = ctx
        .conn
        .prepare_cached(
            "SELECT customer_name, contact_phone, category, sub_category, worker_id, service_order_no FROM complaints WHERE id = ?1",
        )?
        .query_row(params![orig.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?;
    let args = RegisterArgs {
        customer_name: name,
        phone,
        tier: None,
        channel: a.channel.unwrap_or(orig.channel),
        transfer_source: None,
        category,
        sub_category: sub,
        description: a.description.clone(),
        received_at: None,
        address: String::new(),
        incident_at: None,
        incident_place: String::new(),
        service_order_no: order,
        worker,
        expected_outcome: String::new(),
        reply_method: None,
        households: 1,
        same_matter_as: None,
        warning_level: 2,
        signature: a.signature.clone(),
        signature_missing_reason: a.signature_missing_reason.clone(),
    };
    let args = RegisterArgs {
        transfer_source: if args.channel == Channel::Transferred { Some(TransferSource::SupervisoryDepartment) } else { None },
        ..args
    };
    let mut p = register(ctx, &args)?;
    let id = p.id.clone().unwrap_or_default();
    let new = load::complaint(ctx.conn, &id)?;
    link(ctx, &id, &orig.id, LinkKind::Appeal)?;
    super::acceptance::make_major(ctx, &new, "appeal")?;
    ctx.event(Some(&orig.id), "appealed", json!({ "appeal": p.number }))?;
    ctx.event(Some(&id), "appeal_of", json!({ "original": orig.number }))?;
    p.nature = Nature::Major;
    if !p.major_reasons.iter().any(|r| r == "appeal") {
        p.major_reasons.push("appeal".into());
    }
    Ok(p)
}
