//! Follow-up and closing (R6.1–R6.4), holiday postponement with the customer's consent (R3.9),
//! duty rosters (R3.9) and the case library (R7.6).

use chrono::{Duration, NaiveDate};
use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::load;
use super::{steps, text, Ctx};
use crate::clock::{new_id, parse_ts, ts};
use crate::error::{CoreError, Result};
use crate::model::{Satisfaction, SignaturePurpose, Stage, StepKind, SurveyMethod};
use crate::reply::{Done, StageNow};
use crate::signature::SignatureInput;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseArgs {
    pub complaint: String,
    pub from: String,
    pub until: String,
    pub reason: String,
    /// The customer's signed consent (用户签名认可) is the evidence for the pause.
    pub signature: SignatureInput,
}

/// R3.9: during a statutory holiday a complaint may be postponed until after it if the customer
/// agrees and signs; the deadline clocks pause for that period.
pub fn pause_for_holiday(ctx: &Ctx, a: &PauseArgs) -> Result<Done> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let from = parse_ts("from", &a.from)?;
    let until = parse_ts("until", &a.until)?;
    let reason = text("reason", &a.reason, true, 1000)?;
    if until <= from {
        return Err(CoreError::invalid("until", "before_start"));
    }
    if until - from > Duration::days(31) {
        return Err(CoreError::invalid("until", "pause_too_long"));
    }
    let env = load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?;
    let (d0, d1) = (from.with_timezone(&env.tz).date_naive(), until.with_timezone(&env.tz).date_naive());
    let covers_holiday = d0.iter_days().take_while(|d| *d <= d1).any(|d| is_holiday(&env.calendar, d));
    if !covers_holiday {
        return Err(CoreError::precondition("R3.9", "pause_not_during_holiday"));
    }
    let sig = a.signature.check()?;
    let content = json!({ "number": c.number, "from": ts(from), "until": ts(until), "reason": reason });
    let sid = super::intake::store_signature(ctx, &c, SignaturePurpose::Pause, &sig, &content)?;
    ctx.conn.execute(
        "INSERT INTO pauses (id, complaint_id, start_at, end_at, reason, signature_id, created_by, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        params![new_id(), c.id, ts(from), ts(until), reason, sid, ctx.actor.id, ts(ctx.now)],
    )?;
    steps::recompute_open(ctx, &env, &c)?;
    ctx.event(Some(&c.id), "paused", json!({ "from": ts(from), "until": ts(until), "reason": reason }))?;
    Ok(Done::OK)
}

fn is_holiday(cal: &crate::deadlines::BusinessCalendar, d: NaiveDate) -> bool {
    cal.days.get(&d).map(|e| e.kind == crate::deadlines::DayKind::Holiday).unwrap_or(false)
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactAttemptArgs {
    pub complaint: String,
    #[serde(default)]
    pub note: String,
}

/// How many failed attempts to reach the customer are on record, this one included: R6.2's
/// exception needs several, and the window shows the count beside the supervisor's close.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct ContactAttempts {
    pub attempts: i64,
}

/// A failed attempt to reach the customer for the follow-up (evidence for R6.2's exception).
pub fn record_contact_attempt(ctx: &Ctx, a: &ContactAttemptArgs) -> Result<ContactAttempts> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let note = text("note", &a.note, false, 500)?;
    ctx.conn.execute(
        "INSERT INTO contact_attempts (id, complaint_id, note, made_by, made_at) VALUES (?1,?2,?3,?4,?5)",
        params![new_id(), c.id, note, ctx.actor.id, ts(ctx.now)],
    )?;
    let n: i64 = ctx.conn.query_row("SELECT COUNT(*) FROM contact_attempts WHERE complaint_id = ?1", params![c.id], |r| r.get(0))?;
    ctx.event(Some(&c.id), "contact_attempt", json!({ "note": note, "attempts": n }))?;
    Ok(ContactAttempts { attempts: n })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyArgs {
    pub complaint: String,
    pub overall: Satisfaction,
    #[serde(default)]
    pub speed: Option<Satisfaction>,
    #[serde(default)]
    pub attitude: Option<Satisfaction>,
    #[serde(default)]
    pub result: Option<Satisfaction>,
    #[serde(default)]
    pub comment: String,
    pub method: SurveyMethod,
    /// The customer's signature when the visit is on site.
    #[serde(default)]
    pub signature: Option<SignatureInput>,
    #[serde(default)]
    pub overdue_reason: Option<String>,
}

/// After a survey: satisfied leads towards closing, not satisfied back to the department (R6.2),
/// which the window says before it reloads.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct Surveyed {
    pub stage: Stage,
    pub satisfied: bool,
}

/// R6.1, R6.2, R6.4: the follow-up survey. Satisfied → ready to close; otherwise back to the
/// responsible department (重派). The result is recorded for that department.
pub fn survey(ctx: &Ctx, a: &SurveyArgs) -> Result<Surveyed> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let comment = text("comment", &a.comment, !a.overall.is_satisfied(), 4000)?;
    if a.signature.is_some() && a.method != SurveyMethod::Visit {
        return Err(CoreError::invalid("signature", "signature_only_on_site"));
    }
    steps::complete(ctx, &c, &[StepKind::FollowUp], a.overdue_reason.as_deref(), "surveyed")?;
    let sig_id = match &a.signature {
        Some(s) => {
            let checked = s.check()?;
            let content = json!({
                "number": c.number, "overall": a.overall, "speed": a.speed, "attitude": a.attitude,
                "result": a.result, "comment": comment,
            });
            Some(super::intake::store_signature(ctx, &c, SignaturePurpose::Survey, &checked, &content)?)
        }
        None => None,
    };
    let survey_id = new_id();
    ctx.conn.execute(
        "INSERT INTO surveys (id, complaint_id, overall, speed, attitude, result, comment, method, signature_id, department_id, surveyed_by, surveyed_at)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
        params![survey_id, c.id, a.overall, a.speed, a.attitude, a.result, comment, a.method, sig_id, c.department_id, ctx.actor.id, ts(ctx.now)],
    )?;
    ctx.event(
        Some(&c.id),
        "surveyed",
        json!({
            "overall": a.overall, "speed": a.speed, "attitude": a.attitude, "result": a.result,
            "comment": comment, "method": a.method, "department_id": c.department_id, "survey_id": survey_id,
        }),
    )?;
    if !a.overall.is_satisfied() {
        let dept = c.department_id.clone().ok_or_else(|| CoreError::Integrity("no department to send back to".into()))?;
        let limit = super::dispatch::policy_department_limit(ctx, &c)?;
        let note = format!("回访不满意 / survey {}: {}", a.overall, comment);
        super::dispatch::send_to_department(ctx, &c, "redispatch", &dept, None, &note, limit)?;
        ctx.set_stage(&mut c, Stage::Dispatched)?;
        ctx.event(Some(&c.id), "redispatched", json!({ "department_id": dept, "cause": "dissatisfied" }))?;
    }
    Ok(Surveyed { stage: c.stage, satisfied: a.overall.is_satisfied() })
}

/// R6.2: closing needs the latest survey to be satisfied or very satisfied.
pub fn close(ctx: &Ctx, a: &super::dispatch::ComplaintRef) -> Result<StageNow> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let latest: Option<Satisfaction> = ctx
        .conn
        .query_row(
            "SELECT overall FROM surveys WHERE complaint_id = ?1 ORDER BY surveyed_at DESC, rowid DESC LIMIT 1",
            params![c.id],
            |r| r.get(0),
        )
        .optional()?;
    // A survey taken before the complaint was last reopened answers the old handling, not the
    // current one: it does not count (the timeline's sequence orders the two).
    let stale: bool = ctx.conn.query_row(
        "SELECT COALESCE((SELECT MAX(seq) FROM events WHERE complaint_id = ?1 AND kind = 'surveyed'), 0)
              < COALESCE((SELECT MAX(seq) FROM events WHERE complaint_id = ?1 AND kind = 'reopened'), 0)",
        params![c.id],
        |r| r.get(0),
    )?;
    let latest = if stale { None } else { latest };
    match latest {
        Some(s) if s.is_satisfied() => {}
        Some(_) => return Err(CoreError::precondition("R6.2", "customer_not_satisfied")),
        None => return Err(CoreError::precondition("R6.2", "no_survey")),
    }
    finish_close(ctx, &mut c, "")?;
    Ok(StageNow { stage: c.stage })
}

fn finish_close(ctx: &Ctx, c: &mut load::ComplaintState, reason: &str) -> Result<()> {
    ctx.set_stage(c, Stage::Closed)?;
    ctx.conn.execute("UPDATE complaints SET closed_at = ?1, close_reason = ?2 WHERE id = ?3", params![ts(ctx.now), reason, c.id])?;
    steps::end_all(ctx, c, "closed")?;
    ctx.event(Some(&c.id), "closed", json!({ "by_supervisor": ctx.op == crate::ops::Op::SupervisorClose, "reason": reason }))
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonArgs {
    pub complaint: String,
    pub reason: String,
}

/// R6.2: a supervisor may close without satisfaction, only with a recorded reason.
pub fn supervisor_close(ctx: &Ctx, a: &ReasonArgs) -> Result<StageNow> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let reason = text("reason", &a.reason, true, 2000)?;
    if reason.chars().count() < 4 {
        return Err(CoreError::invalid("reason", "too_short"));
    }
    finish_close(ctx, &mut c, &reason)?;
    Ok(StageNow { stage: c.stage })
}

/// Reopening sends the complaint back to CS for a new dispatch (R6.2 重派).
pub fn reopen(ctx: &Ctx, a: &ReasonArgs) -> Result<StageNow> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let reason = text("reason", &a.reason, true, 2000)?;
    ctx.set_stage(&mut c, Stage::Reviewed)?;
    ctx.conn.execute(
        "UPDATE complaints SET closed_at = NULL, close_reason = '', department_id = NULL, assignee_id = NULL WHERE id = ?1",
        params![c.id],
    )?;
    let env = load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?;
    steps::open_policy_step(ctx, &env, &c, StepKind::Dispatch, ctx.now, None)?;
    ctx.event(Some(&c.id), "reopened", json!({ "reason": reason }))?;
    Ok(StageNow { stage: c.stage })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCaseArgs {
    pub complaint: String,
    pub title: String,
    pub analysis: String,
    pub lessons: String,
}

/// The new entry of the case library (R7.6).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CaseAdded {
    pub case_id: String,
}

/// R7.6: a closed complaint becomes a case for training.
pub fn add_case(ctx: &Ctx, a: &AddCaseArgs) -> Result<CaseAdded> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let title = text("title", &a.title, true, 200)?;
    let analysis = text("analysis", &a.analysis, true, 10_000)?;
    let lessons = text("lessons", &a.lessons, true, 10_000)?;
    let id = new_id();
    let n = ctx.conn.execute(
        "INSERT OR IGNORE INTO cases (id, complaint_id, title, analysis, lessons, added_by, added_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
        params![id, c.id, title, analysis, lessons, ctx.actor.id, ts(ctx.now)],
    )?;
    if n == 0 {
        return Err(CoreError::precondition("R7.6", "already_a_case"));
    }
    ctx.event(Some(&c.id), "added_to_case_library", json!({ "title": title }))?;
    Ok(CaseAdded { case_id: id })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DutyRosterArgs {
    /// Department id or code.
    pub department: String,
    pub holiday_name: String,
    /// First and last day of the holiday (YYYY-MM-DD, branch local).
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// Who is on duty when (free text or a table pasted from a spreadsheet).
    pub content: String,
}

/// A filed duty roster (R3.9): `on_time` is false when it came less than 2 days before the
/// holiday, which is accepted but counted as late.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RosterFiled {
    pub roster_id: String,
    pub on_time: bool,
}

/// R3.9: each department files its duty roster at least 2 days before a holiday; a late filing
/// is accepted but marked late.
pub fn file_duty_roster(ctx: &Ctx, a: &DutyRosterArgs) -> Result<RosterFiled> {
    ctx.begin(None)?;
    let dept = super::dispatch::department_id(ctx, &a.department)?;
    if ctx.actor.role == crate::model::Role::DeptHandler && ctx.actor.department_id.as_deref() != Some(dept.as_str()) {
        return Err(CoreError::Forbidden { op: "file_duty_roster".into(), role: ctx.actor.role });
    }
    let name = text("holiday_name", &a.holiday_name, true, 100)?;
    let content = text("content", &a.content, true, 20_000)?;
    if a.end_date < a.start_date || (a.end_date - a.start_date).num_days() > 31 {
        return Err(CoreError::invalid("end_date", "bad_range"));
    }
    let tz = load::branch_env(ctx.conn, &branch_of(ctx)?, None)?.tz;
    let today = ctx.now.with_timezone(&tz).date_naive();
    let on_time = (a.start_date - today).num_days() >= 2;
    let id = new_id();
    ctx.conn.execute(
        "INSERT INTO duty_rosters (id, department_id, holiday_name, start_date, end_date, content, filed_by, filed_at, on_time)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
        params![id, dept, name, a.start_date.to_string(), a.end_date.to_string(), content, ctx.actor.id, ts(ctx.now), on_time],
    )?;
    ctx.event(None, "duty_roster_filed", json!({ "department_id": dept, "holiday": name, "on_time": on_time }))?;
    Ok(RosterFiled { roster_id: id, on_time })
}

fn branch_of(ctx: &Ctx) -> Result<String> {
    match &ctx.actor.branch_id {
        Some(b) => Ok(b.clone()),
        None => Ok(ctx.conn.query_row("SELECT id FROM branches ORDER BY created_at LIMIT 1", [], |r| r.get(0))?),
    }
}
