//! Acceptance decisions after registration: review (R3.5), refusal (R3.4), the 30-minute report
//! of a major complaint (R3.3), classification changes (R2.1, R2.5) and the escalation chain (R3.8).

use rusqlite::params;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::load::{self, ComplaintState};
use super::{past_instant, steps, text, Ctx};
use crate::clock::{new_id, ts};
use crate::error::{CoreError, Result};
use crate::model::{Category, EscalationLevel, InvalidReason, Nature, NotAcceptedReason, Role, Stage, StepKind};
use crate::reply::{Done, StageNow};

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewArgs {
    pub complaint: String,
    /// The reviewer's opinion (复核意见).
    pub opinion: String,
    /// A corrected category, if the registration got it wrong (recorded).
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub sub_category: Option<String>,
}

/// R3.5: the reviewer confirms validity and classification and writes an opinion.
pub fn review(ctx: &Ctx, a: &ReviewArgs) -> Result<StageNow> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let opinion = text("opinion", &a.opinion, true, 2000)?;
    let mut changes = serde_json::Map::new();
    if let Some(cat) = a.category.filter(|cat| *cat != c.category) {
        ctx.conn.execute("UPDATE complaints SET category = ?1 WHERE id = ?2", params![cat, c.id])?;
        changes.insert("category".into(), json!({ "from": c.category, "to": cat }));
    }
    if let Some(sub) = &a.sub_category {
        let sub = text("sub_category", sub, false, 100)?;
        ctx.conn.execute("UPDATE complaints SET sub_category = ?1 WHERE id = ?2", params![sub, c.id])?;
        changes.insert("sub_category".into(), json!(sub));
    }
    ctx.conn.execute("UPDATE complaints SET review_opinion = ?1 WHERE id = ?2", params![opinion, c.id])?;
    ctx.set_stage(&mut c, Stage::Reviewed)?;
    ctx.event(Some(&c.id), "reviewed", json!({ "opinion": opinion, "changes": changes }))?;
    Ok(StageNow { stage: c.stage })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelArgs {
    pub complaint: String,
    pub reason: InvalidReason,
    pub note: String,
}

/// R3.5: an invalid complaint is cancelled with a reason and kept for audit.
pub fn cancel(ctx: &Ctx, a: &CancelArgs) -> Result<StageNow> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let note = text("note", &a.note, true, 2000)?;
    ctx.set_stage(&mut c, Stage::Cancelled)?;
    ctx.conn.execute("UPDATE complaints SET close_reason = ?1, closed_at = ?2 WHERE id = ?3", params![note, ts(ctx.now), c.id])?;
    steps::end_all(ctx, &c, "cancelled")?;
    ctx.event(Some(&c.id), "cancelled", json!({ "reason": a.reason, "note": note }))?;
    Ok(StageNow { stage: c.stage })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotAcceptArgs {
    pub complaint: String,
    pub reason: NotAcceptedReason,
    /// Required for a malicious complaint; shown on the notice.
    #[serde(default)]
    pub note: String,
}

/// R3.4: refusal only for the listed reasons; malicious only by a supervisor with a note.
pub fn not_accept(ctx: &Ctx, a: &NotAcceptArgs) -> Result<StageNow> {
    let mut c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let note = text("note", &a.note, a.reason == NotAcceptedReason::Malicious, 2000)?;
    if a.reason == NotAcceptedReason::Malicious && ctx.actor.role != Role::CsManager {
        return Err(CoreError::Forbidden { op: "not_accept.malicious".into(), role: ctx.actor.role });
    }
    ctx.set_stage(&mut c, Stage::NotAccepted)?;
    ctx.conn.execute(
        "UPDATE complaints SET close_reason = ?1, closed_at = ?2 WHERE id = ?3",
        params![format!("{}: {}", a.reason, note), ts(ctx.now), c.id],
    )?;
    steps::end_all(ctx, &c, "not_accepted")?;
    ctx.event(Some(&c.id), "not_accepted", json!({ "reason": a.reason, "note": note }))?;
    Ok(StageNow { stage: c.stage })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportMajorArgs {
    pub complaint: String,
    /// Who was informed (the supervising manager).
    pub informed: String,
    /// When they were informed; defaults to now.
    #[serde(default)]
    pub informed_at: Option<String>,
    #[serde(default)]
    pub overdue_reason: Option<String>,
}

/// R3.3: records who was informed of a major complaint, and when.
pub fn report_major(ctx: &Ctx, a: &ReportMajorArgs) -> Result<Done> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    if c.nature != Nature::Major {
        return Err(CoreError::precondition("R3.3", "not_major"));
    }
    let informed = text("informed", &a.informed, true, 100)?;
    let at = match &a.informed_at {
        Some(s) if !s.trim().is_empty() => past_instant("informed_at", s, ctx.now)?,
        _ => ctx.now,
    };
    steps::complete(ctx, &c, &[StepKind::ReportMajor], a.overdue_reason.as_deref(), &informed)?;
    ctx.conn.execute(
        "INSERT INTO major_reports (id, complaint_id, informed, informed_at, reported_by, recorded_at) VALUES (?1,?2,?3,?4,?5,?6)",
        params![new_id(), c.id, informed, ts(at), ctx.actor.id, ts(ctx.now)],
    )?;
    ctx.event(Some(&c.id), "major_reported", json!({ "informed": informed, "informed_at": ts(at) }))?;
    Ok(Done::OK)
}

/// Makes a complaint major for `reason` (R2.1): deadlines switch to the VIP-or-major column and
/// the 30-minute report step opens (R3.3). Adding a reason to an already major complaint only
/// records it, so the derived reasons stay complete.
pub fn make_major(ctx: &Ctx, c: &ComplaintState, reason: &str) -> Result<()> {
    let mut reasons = c.major_reasons.clone();
    if reasons.iter().any(|r| r == reason) {
        return Ok(());
    }
    reasons.push(reason.to_string());
    let was_major = c.nature == Nature::Major;
    ctx.conn.execute(
        "UPDATE complaints SET nature = 'major', major_reasons = ?1, updated_at = ?2 WHERE id = ?3",
        params![serde_json::to_string(&reasons).unwrap_or_default(), ts(ctx.now), c.id],
    )?;
    ctx.event(Some(&c.id), "nature_raised", json!({ "reason": reason, "was_major": was_major }))?;
    if !was_major && c.stage.is_open() {
        let updated = load::complaint(ctx.conn, &c.id)?;
        let env = load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?;
        retier_open_steps(ctx, &env, &updated)?;
        steps::open_policy_step(ctx, &env, &updated, StepKind::ReportMajor, ctx.now, None)?;
    }
    Ok(())
}

/// Replaces the limits of the open customer-facing steps by those of the complaint's current
/// classification (R4.2, R4.3), keeping their start.
fn retier_open_steps(ctx: &Ctx, env: &load::BranchEnv, c: &ComplaintState) -> Result<()> {
    let major = c.nature == Nature::Major;
    for kind in [StepKind::StageReply, StepKind::FinalHandling] {
        if let Some(limit) = env.policy.limit_for(kind, c.tier, major) {
            ctx.conn.execute(
                "UPDATE steps SET limit_json = ?1 WHERE complaint_id = ?2 AND kind = ?3 AND completed_at IS NULL",
                params![serde_json::to_string(&limit).unwrap_or_default(), c.id, kind],
            )?;
        }
    }
    steps::recompute_open(ctx, env, c)
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetNatureArgs {
    pub complaint: String,
    pub nature: Nature,
    pub reason: String,
}

/// The classification after `set_nature`, which the window shows in place of the old one.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct NatureNow {
    pub nature: Nature,
}

/// R2.1: a supervisor may raise a general complaint to major with a reason; a derived major
/// cannot be lowered (only one raised by hand can).
pub fn set_nature(ctx: &Ctx, a: &SetNatureArgs) -> Result<NatureNow> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let reason = text("reason", &a.reason, true, 500)?;
    match (c.nature, a.nature) {
        (Nature::General, Nature::Major) => {
            make_major(ctx, &c, "supervisor")?;
            ctx.event(Some(&c.id), "nature_changed", json!({ "to": "major", "reason": reason }))?;
        }
        (Nature::Major, Nature::General) => {
            if c.major_reasons.iter().any(|r| r != "supervisor") {
                return Err(CoreError::precondition("R2.1", "derived_major_cannot_be_lowered"));
            }
            ctx.conn.execute(
                "UPDATE complaints SET nature = 'general', major_reasons = '[]', updated_at = ?1 WHERE id = ?2",
                params![ts(ctx.now), c.id],
            )?;
            // No longer major: the 30-minute report (R3.3) no longer applies — `report_major`
            // refuses a general complaint, so an open report step could never be completed — and
            // the customer-facing steps go back to the tier's limits (R4.2, R4.3).
            ctx.conn.execute(
                "UPDATE steps SET completed_at = ?1, completed_by = ?2, note = 'nature_lowered'
                 WHERE complaint_id = ?3 AND kind = 'report_major' AND completed_at IS NULL",
                params![ts(ctx.now), ctx.actor.id, c.id],
            )?;
            let updated = load::complaint(ctx.conn, &c.id)?;
            let env = load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?;
            retier_open_steps(ctx, &env, &updated)?;
            ctx.event(Some(&c.id), "nature_changed", json!({ "to": "general", "reason": reason }))?;
        }
        _ => return Err(CoreError::invalid("nature", "unchanged")),
    }
    Ok(NatureNow { nature: a.nature })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseWarningArgs {
    pub complaint: String,
    pub level: u8,
    pub reason: String,
}

/// The warning level after `raise_warning` (R2.5): it only rises, so the window can drop the
/// levels at or below it from its choices.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct WarningLevelNow {
    pub warning_level: u8,
}

/// R2.5: the warning level only goes up; reaching 3 notifies the escalation chain (R3.8).
pub fn raise_warning(ctx: &Ctx, a: &RaiseWarningArgs) -> Result<WarningLevelNow> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    let reason = text("reason", &a.reason, true, 500)?;
    if !(1..=3).contains(&a.level) {
        return Err(CoreError::invalid("level", "out_of_range"));
    }
    if a.level <= c.warning_level {
        return Err(CoreError::precondition("R2.5", "warning_level_only_rises"));
    }
    ctx.conn.execute("UPDATE complaints SET warning_level = ?1, updated_at = ?2 WHERE id = ?3", params![a.level, ts(ctx.now), c.id])?;
    ctx.event(Some(&c.id), "warning_raised", json!({ "from": c.warning_level, "to": a.level, "reason": reason }))?;
    if a.level == 3 {
        notify_escalation_chain(ctx, &c)?;
    }
    Ok(WarningLevelNow { warning_level: a.level })
}

/// R3.8: the whole chain is notified, top first; acknowledgements are recorded per level.
pub fn notify_escalation_chain(ctx: &Ctx, c: &ComplaintState) -> Result<()> {
    let chain: Vec<&str> = EscalationLevel::ALL.iter().map(|l| l.as_str()).collect();
    ctx.event(Some(&c.id), "escalation_notified", json!({ "chain": chain }))
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeArgs {
    pub complaint: String,
    pub level: EscalationLevel,
    #[serde(default)]
    pub note: String,
}

/// Which roles may acknowledge which level of the chain (R3.8).
pub(crate) fn may_acknowledge(role: Role, level: EscalationLevel) -> bool {
    use EscalationLevel::*;
    match level {
        GeneralManager | OfficeDirector => role == Role::BranchManager,
        CsManager => role == Role::CsManager,
        CsDepartment => matches!(role, Role::CsAgent | Role::CsManager),
    }
}

pub fn acknowledge_escalation(ctx: &Ctx, a: &AcknowledgeArgs) -> Result<Done> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(Some(&c))?;
    if c.nature != Nature::Major && c.warning_level < 2 {
        return Err(CoreError::precondition("R3.8", "not_escalated"));
    }
    if !may_acknowledge(ctx.actor.role, a.level) {
        return Err(CoreError::Forbidden { op: format!("acknowledge_escalation.{}", a.level), role: ctx.actor.role });
    }
    let note = text("note", &a.note, false, 500)?;
    let inserted = ctx.conn.execute(
        "INSERT OR IGNORE INTO escalation_acks (id, complaint_id, level, acked_by, acked_at, note) VALUES (?1,?2,?3,?4,?5,?6)",
        params![new_id(), c.id, a.level, ctx.actor.id, ts(ctx.now), note],
    )?;
    if inserted == 0 {
        return Err(CoreError::precondition("R3.8", "already_acknowledged"));
    }
    ctx.event(Some(&c.id), "escalation_acknowledged", json!({ "level": a.level, "note": note }))?;
    Ok(Done::OK)
}
