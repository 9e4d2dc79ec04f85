//! Handling: the department's findings and proposed solution (R5.3), the written decision told to
//! the customer (R5.6), the customer's opinion (R5.4), stage replies (R4.2) and implementation
//! with compensation and its approval threshold (R5.5).

use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::load;
use super::{past_instant, steps, text, Ctx};
use crate::clock::{new_id, ts};
use crate::error::{CoreError, Result};
use crate::model::{CompensationKind, Finding, ReplyMethod, Role, SignaturePurpose, Stage, StepKind};
use crate::reply::{Done, StageNow};
use crate::signature::SignatureInput;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingsArgs {
    pub complaint: String,
    pub finding: Finding,
    pub root_cause: String,
    /// The proposed solution; for "not true", the findings to return to the customer (R5.3).
    pub solution: String,
    #[serde(default)]
    pub overdue_reason: Option<String>,
}

/// R5.3: the investigation result becomes the written handling decision (R5.6) that CS tells
/// the customer; the complaint then waits for the customer's answer.
pub fn record_findings(ctx: &Ctx, a: &FindingsArgs) -> Result<StageNow> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let cause = text("root_cause", &a.root_cause, a.finding != Finding::NotTrue, 4000)?;
    let solution = text("solution", &a.solution, true, 4000)?;
    steps::complete(ctx, &c, &[StepKind::Department], a.overdue_reason.as_deref(), "answered")?;
    super::dispatch::end_current_dispatch(ctx, &c, "answered", "")?;
    let hid = new_id();
    let decision_id = new_id();
    ctx.conn.execute(
        "INSERT INTO handlings (id, complaint_id, finding, root_cause, solution, recorded_by, recorded_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
        params![hid, c.id, a.finding, cause, solution, ctx.actor.id, ts(ctx.now)],
    )?;
    ctx.conn.execute(
        "INSERT INTO decisions (id, complaint_id, handling_id, decision_text, proposed_by, proposed_at) VALUES (?1,?2,?3,?4,?5,?6)",
        params![decision_id, c.id, hid, solution, ctx.actor.id, ts(ctx.now)],
    )?;
    ctx.conn.execute("UPDATE complaints SET finding = ?1, awaiting_since = ?2 WHERE id = ?3", params![a.finding, ts(ctx.now), c.id])?;
    ctx.set_stage(&mut c, Stage::AwaitingCustomer)?;
    ctx.event(
        Some(&c.id),
        "findings_recorded",
        json!({ "finding": a.finding, "root_cause": cause, "solution": solution, "decision_id": decision_id }),
    )?;
    Ok(StageNow { stage: c.stage })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyArgs {
    pub complaint: String,
    pub content: String,
    /// R4.2/R4.3: when not solved yet, the plan and schedule told to the customer.
    #[serde(default)]
    pub plan_and_schedule: String,
    pub method: ReplyMethod,
    #[serde(default)]
    pub overdue_reason: Option<String>,
}

/// R4.2: the stage reply to the customer. Until the complaint is implemented it must state the
/// plan and schedule.
pub fn reply_to_customer(ctx: &Ctx, a: &ReplyArgs) -> Result<Done> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let content = text("content", &a.content, true, 4000)?;
    let solved = matches!(c.stage, Stage::FollowUp);
    let plan = text("plan_and_schedule", &a.plan_and_schedule, !solved, 4000)?;
    steps::complete(ctx, &c, &[StepKind::StageReply], a.overdue_reason.as_deref(), "replied")?;
    ctx.event(Some(&c.id), "replied", json!({ "content": content, "plan_and_schedule": plan, "method": a.method }))?;
    Ok(Done::OK)
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionArgs {
    pub complaint: String,
    pub agreed: bool,
    /// Required when the customer disagrees: sent back to the department (R5.4).
    #[serde(default)]
    pub objection: String,
    #[serde(default)]
    pub signature: Option<SignatureInput>,
    /// Needed when agreeing to "not true" findings closes an overdue final-handling step (R4.6).
    #[serde(default)]
    pub overdue_reason: Option<String>,
}

/// R5.4: the customer's opinion on the written decision. Agree → implement (or, when the
/// complaint was found not true, straight to follow-up); disagree → back to the department.
pub fn record_customer_decision(ctx: &Ctx, a: &DecisionArgs) -> Result<StageNow> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let objection = text("objection", &a.objection, !a.agreed, 4000)?;
    let (decision_id, decision_text): (String, String) = ctx
        .conn
        .query_row(
            "SELECT id, decision_text FROM decisions WHERE complaint_id = ?1 AND agreed IS NULL ORDER BY proposed_at DESC, rowid DESC LIMIT 1",
            params![c.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| CoreError::precondition("R5.6", "no_written_decision"))?;
    let sig_id = match &a.signature {
        Some(s) => {
            let checked = s.check()?;
            let content = json!({ "number": c.number, "decision": decision_text, "agreed": a.agreed, "objection": objection });
            Some(super::intake::store_signature(ctx, &c, SignaturePurpose::Agreement, &checked, &content)?)
        }
        None => None,
    };
    ctx.conn.execute(
        "UPDATE decisions SET agreed = ?1, objection = ?2, signature_id = ?3, answered_at = ?4 WHERE id = ?5",
        params![a.agreed, objection, sig_id, ts(ctx.now), decision_id],
    )?;
    ctx.conn.execute("UPDATE complaints SET awaiting_since = NULL WHERE id = ?1", params![c.id])?;
    if a.agreed {
        if c.finding == Some(Finding::NotTrue) {
            // Nothing to implement: the findings were the answer; handling is final.
            steps::complete(ctx, &c, &[StepKind::FinalHandling], a.overdue_reason.as_deref(), "findings returned")?;
            ctx.set_stage(&mut c, Stage::FollowUp)?;
            let env = load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?;
            steps::open_policy_step(ctx, &env, &c, StepKind::FollowUp, ctx.now, None)?;
        } else {
            ctx.set_stage(&mut c, Stage::Implementing)?;
        }
    } else {
        let dept = c.department_id.clone().ok_or_else(|| CoreError::Integrity("no department to send back to".into()))?;
        let limit = super::dispatch::policy_department_limit(ctx, &c)?;
        super::dispatch::send_to_department(ctx, &c, "redispatch", &dept, None, &objection, limit)?;
        ctx.set_stage(&mut c, Stage::Dispatched)?;
    }
    ctx.event(
        Some(&c.id),
        "customer_decision",
        json!({ "agreed": a.agreed, "objection": objection, "signed": sig_id.is_some(), "decision_id": decision_id }),
    )?;
    Ok(StageNow { stage: c.stage })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveArgs {
    pub complaint: String,
    /// The most that may be paid out (yuan cents).
    pub max_amount_cents: i64,
    pub note: String,
}

/// The approval a compensation above the threshold will cite when it is implemented (R5.5).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Approved {
    pub approval_id: String,
}

/// R5.5: a supervisor approves compensation above the threshold.
pub fn approve_compensation(ctx: &Ctx, a: &ApproveArgs) -> Result<Approved> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let note = text("note", &a.note, true, 1000)?;
    if a.max_amount_cents <= 0 || a.max_amount_cents > 100_000_000_00 {
        return Err(CoreError::invalid("max_amount_cents", "out_of_range"));
    }
    let id = new_id();
    ctx.conn.execute(
        "INSERT INTO compensation_approvals (id, complaint_id, max_cents, note, approved_by, approved_at) VALUES (?1,?2,?3,?4,?5,?6)",
        params![id, c.id, a.max_amount_cents, note, ctx.actor.id, ts(ctx.now)],
    )?;
    ctx.event(Some(&c.id), "compensation_approved", json!({ "max_amount_cents": a.max_amount_cents, "note": note, "approval_id": id }))?;
    Ok(Approved { approval_id: id })
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompensationInput {
    pub kind: CompensationKind,
    #[serde(default)]
    pub amount_cents: i64,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImplementArgs {
    pub complaint: String,
    /// What was done.
    pub actions: String,
    /// Who did it.
    pub done_by: String,
    /// When; defaults to now, never in the future.
    #[serde(default)]
    pub done_at: Option<String>,
    #[serde(default)]
    pub compensations: Vec<CompensationInput>,
    #[serde(default)]
    pub overdue_reason: Option<String>,
}

/// Monetary compensation kinds count toward the approval threshold.
fn is_monetary(k: CompensationKind) -> bool {
    matches!(k, CompensationKind::Refund | CompensationKind::PartialRefund | CompensationKind::Voucher | CompensationKind::Cash)
}

/// R5.5: implementation with compensation and apology; amounts above the threshold need a
/// supervisor's approval (a CS manager implementing it approves it by doing so, recorded).
pub fn implement(ctx: &Ctx, a: &ImplementArgs) -> Result<StageNow> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let actions = text("actions", &a.actions, true, 4000)?;
    let done_by = text("done_by", &a.done_by, true, 100)?;
    let done_at = match &a.done_at {
        Some(s) if !s.trim().is_empty() => past_instant("done_at", s, ctx.now)?,
        _ => ctx.now,
    };
    if a.compensations.len() > 20 {
        return Err(CoreError::invalid("compensations", "too_many"));
    }
    let mut total: i64 = 0;
    for comp in &a.compensations {
        if comp.amount_cents < 0 || comp.amount_cents > 100_000_000_00 {
            return Err(CoreError::invalid("compensations.amount_cents", "out_of_range"));
        }
        if is_monetary(comp.kind) && comp.amount_cents == 0 {
            return Err(CoreError::invalid("compensations.amount_cents", "required"));
        }
        if is_monetary(comp.kind) {
            total = total.saturating_add(comp.amount_cents);
        }
    }
    let threshold = load::setting_i64(ctx.conn, "compensation_approval_threshold_cents", 500_00)?;
    // An approval this implementation makes itself (a CS manager's, R5.5): its event is `implemented`.
    let mut approval_created: Option<String> = None;
    let approval_id: Option<String> = if total > threshold {
        let approved: Option<(String, i64)> = ctx
            .conn
            .query_row(
                "SELECT id, max_cents FROM compensation_approvals WHERE complaint_id = ?1 ORDER BY approved_at DESC, rowid DESC LIMIT 1",
                params![c.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match approved {
            Some((id, max)) if max >= total => Some(id),
            _ if ctx.actor.role == Role::CsManager => {
                let id = new_id();
                ctx.conn.execute(
                    "INSERT INTO compensation_approvals (id, complaint_id, max_cents, note, approved_by, approved_at) VALUES (?1,?2,?3,?4,?5,?6)",
                    params![id, c.id, total, "approved while implementing", ctx.actor.id, ts(ctx.now)],
                )?;
                approval_created = Some(id.clone());
                Some(id)
            }
            _ => return Err(CoreError::precondition("R5.5", "compensation_needs_approval")),
        }
    } else {
        None
    };
    steps::complete(ctx, &c, &[StepKind::FinalHandling], a.overdue_reason.as_deref(), "implemented")?;
    let iid = new_id();
    ctx.conn.execute(
        "INSERT INTO implementations (id, complaint_id, actions, done_by, done_at, recorded_by, recorded_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
        params![iid, c.id, actions, done_by, ts(done_at), ctx.actor.id, ts(ctx.now)],
    )?;
    // The event records each compensation as stored (id, trimmed note), so `verify` can
    // reconcile the rows with it.
    let mut recorded = Vec::with_capacity(a.compensations.len());
    for comp in &a.compensations {
        let note = text("compensations.note", &comp.note, false, 500)?;
        let cid = new_id();
        ctx.conn.execute(
            "INSERT INTO compensations (id, complaint_id, implementation_id, kind, amount_cents, note, approval_id) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![cid, c.id, iid, comp.kind, comp.amount_cents, note, approval_id],
        )?;
        recorded.push(json!({ "id": cid, "kind": comp.kind, "amount_cents": comp.amount_cents, "note": note }));
    }
    ctx.set_stage(&mut c, Stage::FollowUp)?;
    let env = load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?;
    let due = steps::open_policy_step(ctx, &env, &c, StepKind::FollowUp, done_at, None)?;
    ctx.event(
        Some(&c.id),
        "implemented",
        json!({
            "actions": actions, "done_by": done_by, "done_at": ts(done_at), "compensations": recorded,
            "monetary_total_cents": total, "follow_up_due": due.map(ts), "implementation_id": iid,
            "approval_id": approval_id, "approval_created": approval_created,
        }),
    )?;
    Ok(StageNow { stage: c.stage })
}
