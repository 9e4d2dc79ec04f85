//! Deadline-bearing steps (R3.3, R4.1–R4.6). A step stores its limit, so its due time can be
//! recomputed when a pause is added (R3.9); completing an overdue step needs a reason (R4.6).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;

use super::load::{BranchEnv, ComplaintState};
use super::Ctx;
use crate::clock::{new_id, stored_ts, ts};
use crate::deadlines::{counted_seconds, due_at, step_clock, ClockContext, Interval, Limit, Urgency};
use crate::error::{CoreError, Result};
use crate::model::StepKind;

/// A step with its live clock, as the board and detail show it (R4.6).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StepView {
    pub id: String,
    pub kind: StepKind,
    pub department_id: Option<String>,
    pub started_at: String,
    pub due_at: String,
    /// When the step becomes due soon (R4.6), so a live countdown turns amber on time.
    pub soon_at: String,
    pub completed_at: Option<String>,
    pub overdue_reason: String,
    pub note: String,
    /// Seconds from now until due (negative when overdue); for completed steps, how early (positive)
    /// or late (negative) it was completed.
    pub remaining_seconds: i64,
    pub elapsed_ratio: f64,
    pub urgency: Urgency,
    /// The business calendar has no data for a year this deadline spans (R4.5).
    pub calendar_warning: bool,
}

pub fn pauses(conn: &Connection, complaint_id: &str) -> Result<Vec<Interval>> {
    let mut stmt = conn.prepare_cached("SELECT start_at, end_at FROM pauses WHERE complaint_id = ?1")?;
    let rows = stmt.query_map(params![complaint_id], |r| {
        Ok(Interval { start: stored_ts(&r.get::<_, String>(0)?), end: stored_ts(&r.get::<_, String>(1)?) })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The due instant of `limit` started at `start` for this complaint, honouring its pauses.
pub fn compute_due(env: &BranchEnv, pauses: &[Interval], start: DateTime<Utc>, limit: &Limit) -> (DateTime<Utc>, bool) {
    let cx = ClockContext { tz: env.tz, calendar: &env.calendar, hours: &env.hours, pauses };
    let d = due_at(start, limit, &cx);
    (d.due_at, d.calendar_warning)
}

/// The instant at which `ratio` of the limit's counted time has elapsed (R4.6 "due soon"),
/// found by bisection over the monotone counted time.
pub fn soon_instant(
    env: &BranchEnv,
    pauses: &[Interval],
    start: DateTime<Utc>,
    limit: &Limit,
    due: DateTime<Utc>,
    ratio: f64,
) -> DateTime<Utc> {
    let cx = ClockContext { tz: env.tz, calendar: &env.calendar, hours: &env.hours, pauses };
    let budget = counted_seconds(start, due, limit, &cx);
    let target = (budget as f64 * ratio).ceil() as i64;
    let (mut lo, mut hi) = (start, due);
    // Whole-second steps from the start: `counted_seconds` truncates, so a fractional midpoint
    // could stop the search up to a second after the 80 % instant (R4.6).
    while hi - lo > chrono::TimeDelta::seconds(1) {
        let mid = lo + chrono::TimeDelta::seconds(((hi - lo).num_seconds() / 2).max(1));
        if counted_seconds(start, mid, limit, &cx) >= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// Keeps the complaint's board ordering columns equal to its most urgent open step.
pub fn sync_next_due(conn: &Connection, complaint_id: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE complaints SET
            next_due_at = (SELECT MIN(due_at) FROM steps WHERE complaint_id = ?1 AND completed_at IS NULL),
            next_soon_at = (SELECT MIN(soon_at) FROM steps WHERE complaint_id = ?1 AND completed_at IS NULL)
         WHERE id = ?1",
    )?
    .execute(params![complaint_id])?;
    Ok(())
}

/// Opens a step and returns its due time.
pub fn open_step(
    ctx: &Ctx,
    env: &BranchEnv,
    c: &ComplaintState,
    kind: StepKind,
    start: DateTime<Utc>,
    limit: Limit,
    department_id: Option<&str>,
) -> Result<DateTime<Utc>> {
    let due = insert_step(ctx, env, c, &pauses(ctx.conn, &c.id)?, kind, start, limit, department_id)?;
    sync_next_due(ctx.conn, &c.id)?;
    Ok(due)
}

/// Writes one step row; the caller keeps the complaint's board columns in step (`sync_next_due`).
#[allow(clippy::too_many_arguments)]
fn insert_step(
    ctx: &Ctx,
    env: &BranchEnv,
    c: &ComplaintState,
    ps: &[Interval],
    kind: StepKind,
    start: DateTime<Utc>,
    limit: Limit,
    department_id: Option<&str>,
) -> Result<DateTime<Utc>> {
    let (due, warn) = compute_due(env, ps, start, &limit);
    let soon = soon_instant(env, ps, start, &limit, due, env.policy.due_soon_ratio);
    ctx.conn
        .prepare_cached(
            "INSERT INTO steps (id, complaint_id, kind, department_id, started_at, limit_json, due_at, soon_at, calendar_warning)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            new_id(),
            c.id,
            kind,
            department_id,
            ts(start),
            serde_json::to_string(&limit).unwrap_or_default(),
            ts(due),
            ts(soon),
            warn
        ])?;
    Ok(due)
}

/// The limit the complaint's policy gives a step of `kind` (none: the step is not opened), one
/// place for the tier and the major-complaint flag both openers pass.
fn policy_limit(env: &BranchEnv, c: &ComplaintState, kind: StepKind) -> Option<Limit> {
    env.policy.limit_for(kind, c.tier, c.nature == crate::model::Nature::Major)
}

/// Opens, for each (kind, start), the step its policy gives a limit to, then brings the
/// complaint's board columns up to date once: a registration opens three or four steps, and
/// each update of the complaint row also runs its indexes and the report triggers.
pub fn open_policy_steps(ctx: &Ctx, env: &BranchEnv, c: &ComplaintState, steps: &[(StepKind, DateTime<Utc>)]) -> Result<()> {
    let ps = pauses(ctx.conn, &c.id)?;
    let mut opened = false;
    for &(kind, start) in steps {
        if let Some(limit) = policy_limit(env, c, kind) {
            insert_step(ctx, env, c, &ps, kind, start, limit, None)?;
            opened = true;
        }
    }
    if opened {
        sync_next_due(ctx.conn, &c.id)?;
    }
    Ok(())
}

/// Opens the step `kind` with the limit the complaint's policy gives it, if the policy has one.
pub fn open_policy_step(
    ctx: &Ctx,
    env: &BranchEnv,
    c: &ComplaintState,
    kind: StepKind,
    start: DateTime<Utc>,
    department_id: Option<&str>,
) -> Result<Option<DateTime<Utc>>> {
    match policy_limit(env, c, kind) {
        Some(limit) => Ok(Some(open_step(ctx, env, c, kind, start, limit, department_id)?)),
        None => Ok(None),
    }
}

/// Completes the open steps of the given kinds. R4.6: whoever completes an overdue step gives the
/// overdue reason; without one the whole operation is refused and nothing changes.
pub fn complete(ctx: &Ctx, c: &ComplaintState, kinds: &[StepKind], overdue_reason: Option<&str>, note: &str) -> Result<()> {
    let reason = overdue_reason.map(str::trim).unwrap_or("");
    let mut stmt = ctx.conn.prepare_cached("SELECT id, kind, due_at FROM steps WHERE complaint_id = ?1 AND completed_at IS NULL")?;
    let open: Vec<(String, StepKind, String)> =
        stmt.query_map(params![c.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    for (id, kind, due) in open.into_iter().filter(|(_, k, _)| kinds.contains(k)) {
        // Overdue from the deadline itself, as `step_clock` and the board show it (R4.6).
        let overdue = ctx.now >= stored_ts(&due);
        if overdue && reason.is_empty() {
            return Err(CoreError::Precondition { rule: "R4.6", reason: "overdue_reason_required".into() });
        }
        let reason = if overdue { super::text("overdue_reason", reason, true, 500)? } else { String::new() };
        ctx.conn
            .prepare_cached("UPDATE steps SET completed_at = ?1, completed_by = ?2, overdue_reason = ?3, note = ?4 WHERE id = ?5")?
            .execute(params![ts(ctx.now), ctx.actor.id, reason, note, id])?;
        if overdue {
            ctx.event(Some(&c.id), "step_completed_overdue", json!({ "step": kind, "overdue_reason": reason }))?;
        }
    }
    sync_next_due(ctx.conn, &c.id)
}

/// Ends every open step without an overdue reason: used when the complaint itself ends
/// (not accepted, cancelled, closed), where the reason is the ending itself.
pub fn end_all(ctx: &Ctx, c: &ComplaintState, note: &str) -> Result<()> {
    ctx.conn
        .prepare_cached(
            "UPDATE steps SET completed_at = ?1, completed_by = ?2, note = ?3 WHERE complaint_id = ?4 AND completed_at IS NULL",
        )?
        .execute(params![ts(ctx.now), ctx.actor.id, note, c.id])?;
    sync_next_due(ctx.conn, &c.id)
}

/// Recomputes the due times of open steps after a pause was added.
pub fn recompute_open(ctx: &Ctx, env: &BranchEnv, c: &ComplaintState) -> Result<()> {
    let ps = pauses(ctx.conn, &c.id)?;
    let mut stmt =
        ctx.conn.prepare_cached("SELECT id, started_at, limit_json FROM steps WHERE complaint_id = ?1 AND completed_at IS NULL")?;
    let open: Vec<(String, String, String)> =
        stmt.query_map(params![c.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    for (id, started, limit) in open {
        let limit: Limit = serde_json::from_str(&limit).map_err(|e| CoreError::Integrity(format!("step limit: {e}")))?;
        let start = stored_ts(&started);
        let (due, warn) = compute_due(env, &ps, start, &limit);
        let soon = soon_instant(env, &ps, start, &limit, due, env.policy.due_soon_ratio);
        ctx.conn.prepare_cached("UPDATE steps SET due_at = ?1, soon_at = ?2, calendar_warning = ?3 WHERE id = ?4")?.execute(params![
            ts(due),
            ts(soon),
            warn,
            id
        ])?;
    }
    sync_next_due(ctx.conn, &c.id)
}

/// Every step of a complaint with its clock at `now`.
pub fn views(conn: &Connection, env: &BranchEnv, complaint_id: &str, now: DateTime<Utc>) -> Result<Vec<StepView>> {
    let ps = pauses(conn, complaint_id)?;
    let cx = ClockContext { tz: env.tz, calendar: &env.calendar, hours: &env.hours, pauses: &ps };
    let ratio = env.policy.due_soon_ratio;
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, department_id, started_at, limit_json, due_at, completed_at, overdue_reason, note, calendar_warning, soon_at
         FROM steps WHERE complaint_id = ?1 ORDER BY started_at, rowid",
    )?;
    let rows = stmt.query_map(params![complaint_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, StepKind>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, String>(8)?,
            r.get::<_, bool>(9)?,
            r.get::<_, String>(10)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, dept, started, limit, due, completed, reason, note, warn, soon) = row?;
        let limit: Option<Limit> = serde_json::from_str(&limit).ok();
        let due_t = stored_ts(&due);
        let at = completed.as_deref().map(stored_ts).unwrap_or(now);
        let (remaining, elapsed, urgency) = match limit {
            Some(l) => {
                let sc = step_clock(stored_ts(&started), &l, at, &cx, ratio);
                (sc.remaining_seconds, sc.elapsed_ratio, sc.urgency)
            }
            None => ((due_t - at).num_seconds(), 0.0, if at > due_t { Urgency::Overdue } else { Urgency::OnTime }),
        };
        out.push(StepView {
            id,
            kind,
            department_id: dept,
            started_at: started,
            due_at: due,
            soon_at: soon,
            completed_at: completed,
            overdue_reason: reason,
            note,
            remaining_seconds: remaining,
            elapsed_ratio: elapsed,
            urgency,
            calendar_warning: warn,
        });
    }
    Ok(out)
}
