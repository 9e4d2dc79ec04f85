//! Dispatch (R4.1, R5.1), return and transfer by the department (R5.2), urging (R4.7).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::load::{self, BranchEnv, ComplaintState};
use super::{steps, text, Ctx};
use crate::clock::{new_id, parse_ts, ts};
use crate::deadlines::Limit;
use crate::error::{CoreError, Result};
use crate::model::{Stage, StepKind};
use crate::reply::{Dispatched, StageNow};

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchArgs {
    pub complaint: String,
    /// Department id or code.
    pub department: String,
    /// Optional handler (user id or login) within the department.
    #[serde(default)]
    pub assignee: Option<String>,
    /// The dispatch note (派送意见).
    pub note: String,
    /// Deadline for the department; defaults to the policy's department limit.
    #[serde(default)]
    pub due_at: Option<String>,
    #[serde(default)]
    pub overdue_reason: Option<String>,
}

pub(crate) fn department_id(ctx: &Ctx, key: &str) -> Result<String> {
    ctx.conn
        .query_row("SELECT id FROM departments WHERE (id = ?1 OR code = ?1) AND active = 1", params![key.trim()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| CoreError::NotFound { what: "department", key: key.to_string() })
}

fn assignee_id(ctx: &Ctx, key: Option<&str>, dept: &str) -> Result<Option<String>> {
    let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) else { return Ok(None) };
    let (id, d): (String, Option<String>) = ctx
        .conn
        .query_row("SELECT id, department_id FROM users WHERE (id = ?1 OR login = ?1) AND active = 1", params![key], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .ok_or_else(|| CoreError::NotFound { what: "user", key: key.to_string() })?;
    if d.as_deref() != Some(dept) {
        return Err(CoreError::invalid("assignee", "not_in_department"));
    }
    Ok(Some(id))
}

/// The department's limit: an explicit deadline (which must lie ahead) or the policy default.
fn department_limit(ctx: &Ctx, env: &BranchEnv, c: &ComplaintState, due_at: Option<&str>) -> Result<Limit> {
    match due_at.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            let due: DateTime<Utc> = parse_ts("due_at", s)?;
            let minutes = (due - ctx.now).num_minutes();
            if minutes <= 0 {
                return Err(CoreError::invalid("due_at", "not_in_the_future"));
            }
            if minutes > 366 * 24 * 60 {
                return Err(CoreError::invalid("due_at", "too_far_in_the_future"));
            }
            Ok(Limit::Wall { minutes: minutes as u32 })
        }
        None => env
            .policy
            .limit_for(StepKind::Department, c.tier, c.is_vip_or_major())
            .ok_or_else(|| CoreError::Integrity("policy has no department limit".into())),
    }
}

/// Hands the complaint to a department with a new department step. Shared by dispatch, transfer
/// and the re-dispatches of R5.4 / R6.2.
pub(crate) fn send_to_department(
    ctx: &Ctx,
    c: &ComplaintState,
    kind: &str,
    dept: &str,
    assignee: Option<&str>,
    note: &str,
    limit: Limit,
) -> Result<DateTime<Utc>> {
    let env = load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?;
    let due = steps::open_step(ctx, &env, c, StepKind::Department, ctx.now, limit, Some(dept))?;
    ctx.conn.execute(
        "INSERT INTO dispatches (id, complaint_id, kind, department_id, assignee_id, note, due_at, dispatched_by, dispatched_at)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
        params![new_id(), c.id, kind, dept, assignee, note, ts(due), ctx.actor.id, ts(ctx.now)],
    )?;
    ctx.conn.execute(
        "UPDATE complaints SET department_id = ?1, assignee_id = ?2, updated_at = ?3 WHERE id = ?4",
        params![dept, assignee, ts(ctx.now), c.id],
    )?;
    Ok(due)
}

/// Ends the department's current dispatch with an outcome.
pub(crate) fn end_current_dispatch(ctx: &Ctx, c: &ComplaintState, outcome: &str, reason: &str) -> Result<()> {
    ctx.conn.execute(
        "UPDATE dispatches SET outcome = ?1, outcome_reason = ?2, ended_at = ?3
         WHERE complaint_id = ?4 AND ended_at IS NULL",
        params![outcome, reason, ts(ctx.now), c.id],
    )?;
    Ok(())
}

/// The policy limit of the department step for the re-dispatches of R5.4 / R6.2.
pub(crate) fn policy_department_limit(ctx: &Ctx, c: &ComplaintState) -> Result<Limit> {
    let env = load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?;
    department_limit(ctx, &env, c, None)
}

/// R5.1 / R4.1: dispatch to the responsible department with a note and deadline.
pub fn dispatch(ctx: &Ctx, a: &DispatchArgs) -> Result<Dispatched> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let note = text("note", &a.note, true, 2000)?;
    let dept = department_id(ctx, &a.department)?;
    let assignee = assignee_id(ctx, a.assignee.as_deref(), &dept)?;
    let env = load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?;
    let limit = department_limit(ctx, &env, &c, a.due_at.as_deref())?;
    steps::complete(ctx, &c, &[StepKind::Dispatch], a.overdue_reason.as_deref(), "dispatched")?;
    let due = send_to_department(ctx, &c, "dispatch", &dept, assignee.as_deref(), &note, limit)?;
    ctx.set_stage(&mut c, Stage::Dispatched)?;
    ctx.event(Some(&c.id), "dispatched", json!({ "department_id": dept, "assignee_id": assignee, "note": note, "due_at": ts(due) }))?;
    Ok(Dispatched { stage: c.stage, due_at: ts(due) })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintRef {
    pub complaint: String,
}

/// The department signs for the complaint (签收) and starts handling it.
pub fn accept_dispatch(ctx: &Ctx, a: &ComplaintRef) -> Result<StageNow> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    ctx.set_stage(&mut c, Stage::InHandling)?;
    ctx.event(Some(&c.id), "dispatch_accepted", json!({ "department_id": c.department_id }))?;
    Ok(StageNow { stage: c.stage })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnArgs {
    pub complaint: String,
    pub reason: String,
    #[serde(default)]
    pub overdue_reason: Option<String>,
}

/// R5.2: the department returns the complaint to CS (退单) with a reason; CS must dispatch again
/// within the dispatch limit.
pub fn return_dispatch(ctx: &Ctx, a: &ReturnArgs) -> Result<StageNow> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let reason = text("reason", &a.reason, true, 2000)?;
    steps::complete(ctx, &c, &[StepKind::Department], a.overdue_reason.as_deref(), "returned")?;
    end_current_dispatch(ctx, &c, "returned", &reason)?;
    let from = c.department_id.clone();
    ctx.conn.execute("UPDATE complaints SET department_id = NULL, assignee_id = NULL WHERE id = ?1", params![c.id])?;
    c.department_id = None;
    ctx.set_stage(&mut c, Stage::Reviewed)?;
    let env = load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?;
    steps::open_policy_step(ctx, &env, &c, StepKind::Dispatch, ctx.now, None)?;
    ctx.event(Some(&c.id), "returned", json!({ "department_id": from, "reason": reason }))?;
    Ok(StageNow { stage: c.stage })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferArgs {
    pub complaint: String,
    /// Target department id or code.
    pub department: String,
    pub reason: String,
    #[serde(default)]
    pub due_at: Option<String>,
    #[serde(default)]
    pub overdue_reason: Option<String>,
}

/// R5.2: transfer (转派) to another department with a reason, the target and a deadline.
pub fn transfer(ctx: &Ctx, a: &TransferArgs) -> Result<Dispatched> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let reason = text("reason", &a.reason, true, 2000)?;
    let dept = department_id(ctx, &a.department)?;
    if c.department_id.as_deref() == Some(dept.as_str()) {
        return Err(CoreError::invalid("department", "same_department"));
    }
    let env = load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?;
    let limit = department_limit(ctx, &env, &c, a.due_at.as_deref())?;
    steps::complete(ctx, &c, &[StepKind::Department], a.overdue_reason.as_deref(), "transferred")?;
    end_current_dispatch(ctx, &c, "transferred", &reason)?;
    let from = c.department_id.clone();
    let due = send_to_department(ctx, &c, "transfer", &dept, None, &reason, limit)?;
    c.department_id = Some(dept.clone());
    ctx.set_stage(&mut c, Stage::Dispatched)?;
    ctx.event(Some(&c.id), "transferred", json!({ "from": from, "to": dept, "reason": reason, "due_at": ts(due) }))?;
    Ok(Dispatched { stage: c.stage, due_at: ts(due) })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UrgeArgs {
    pub complaint: String,
    pub note: String,
}

/// How often the complaint has been urged so far, this time included (R4.7): the window says
/// "urged 3 times" without reloading the records.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct Urged {
    pub urges: i64,
}

/// R4.7: urging the handling department is recorded; R1.2: the owner is named with it.
pub fn urge(ctx: &Ctx, a: &UrgeArgs) -> Result<Urged> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let note = text("note", &a.note, true, 1000)?;
    ctx.conn.execute(
        "INSERT INTO urges (id, complaint_id, department_id, note, urged_by, urged_at) VALUES (?1,?2,?3,?4,?5,?6)",
        params![new_id(), c.id, c.department_id, note, ctx.actor.id, ts(ctx.now)],
    )?;
    let count: i64 = ctx.conn.query_row("SELECT COUNT(*) FROM urges WHERE complaint_id = ?1", params![c.id], |r| r.get(0))?;
    ctx.event(Some(&c.id), "urged", json!({ "department_id": c.department_id, "owner_id": c.owner_id, "note": note, "count": count }))?;
    Ok(Urged { urges: count })
}
