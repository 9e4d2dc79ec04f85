//! Deadline policies (R4.1–R4.4): the limit of every deadline-bearing step, per customer tier.
//!
//! A policy is data, not code, so an administrator can adopt the working-day preset or tune a
//! number in Settings (R4.4) and the change can be stored and recorded like any other setting.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::clock::Limit;
use crate::model::{StepKind, Tier};

/// One limit per tier column of the rule book. VIP and major complaints share a column because
/// the rules always treat them alike (R4.2, R4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TieredLimit {
    pub vip_or_major: Limit,
    pub regular: Limit,
    pub temporary: Limit,
}

impl TieredLimit {
    pub fn same(limit: Limit) -> Self {
        TieredLimit { vip_or_major: limit, regular: limit, temporary: limit }
    }

    /// A major complaint gets the VIP limit whatever the customer's tier.
    pub fn pick(&self, tier: Tier, major: bool) -> Limit {
        match tier {
            _ if major => self.vip_or_major,
            Tier::Vip => self.vip_or_major,
            Tier::Regular => self.regular,
            Tier::Temporary => self.temporary,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeadlinePolicy {
    /// Stable identifier stored on each complaint, so its deadlines can be explained later.
    pub code: String,
    pub name: String,
    /// R3.3: reporting a major complaint to the supervising manager.
    pub report_major: Limit,
    /// R4.1: dispatching to the responsible department.
    pub dispatch: Limit,
    /// R4.2 / R4.4: the stage reply (or acknowledgement) to the customer.
    pub stage_reply: TieredLimit,
    /// R4.3: final handling. `None` where the policy has no such overall limit (R4.4).
    pub final_handling: Option<TieredLimit>,
    /// The responsible department's answer with a solution.
    pub department: TieredLimit,
    /// R4.4 / R6.1: the follow-up visit after implementation.
    pub follow_up: Limit,
    /// R4.6: share of the budget after which a step is due soon.
    pub due_soon_ratio: f64,
}

const fn wall_h(hours: u32) -> Limit {
    Limit::Wall { minutes: hours * 60 }
}

/// Upper bound for a single limit in Settings: a year. Anything longer is a typo, and would
/// keep a complaint open past the retention horizon of R7.2.
const MAX_MINUTES: u32 = 365 * 24 * 60;
const MAX_DAYS: u32 = 365;

impl Default for DeadlinePolicy {
    fn default() -> Self {
        Self::household_default()
    }
}

impl DeadlinePolicy {
    /// The shipped default: hour limits on the wall clock (R3.3, R4.1–R4.3).
    pub fn household_default() -> Self {
        let final_handling = TieredLimit { vip_or_major: wall_h(8), regular: wall_h(24), temporary: wall_h(48) };
        DeadlinePolicy {
            code: "hourly".into(),
            name: "按小时时限（默认）".into(),
            report_major: Limit::Wall { minutes: 30 },
            dispatch: Limit::Wall { minutes: 30 },
            stage_reply: TieredLimit { vip_or_major: wall_h(6), regular: wall_h(12), temporary: wall_h(20) },
            final_handling: Some(final_handling),
            department: final_handling,
            follow_up: wall_h(24),
            due_soon_ratio: 0.8,
        }
    }

    /// The working-day preset of R4.4. Dispatch stays short but runs on business hours, since a
    /// department cannot take a dispatch at night.
    pub fn working_day_preset() -> Self {
        DeadlinePolicy {
            code: "working_days".into(),
            name: "按工作日时限".into(),
            report_major: Limit::Wall { minutes: 30 },
            dispatch: Limit::BusinessHours { minutes: 30 },
            stage_reply: TieredLimit::same(Limit::WorkingDays { days: 5 }),
            final_handling: None,
            department: TieredLimit::same(Limit::WorkingDays { days: 3 }),
            follow_up: Limit::WorkingDays { days: 5 },
            due_soon_ratio: 0.8,
        }
    }

    /// Both shipped presets, default first (for the Settings picker).
    pub fn presets() -> Vec<Self> {
        vec![Self::household_default(), Self::working_day_preset()]
    }

    /// The limit of a step, or `None` when this policy sets none for it. Whether the step exists
    /// at all (R3.3 reporting only for major complaints) is the workflow's decision.
    pub fn limit_for(&self, step: StepKind, tier: Tier, major: bool) -> Option<Limit> {
        match step {
            StepKind::ReportMajor => Some(self.report_major),
            StepKind::Dispatch => Some(self.dispatch),
            StepKind::StageReply => Some(self.stage_reply.pick(tier, major)),
            StepKind::FinalHandling => self.final_handling.map(|t| t.pick(tier, major)),
            StepKind::Department => Some(self.department.pick(tier, major)),
            StepKind::FollowUp => Some(self.follow_up),
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.code.trim().is_empty() {
            return Err("policy code must not be empty".into());
        }
        if !(self.due_soon_ratio > 0.0 && self.due_soon_ratio < 1.0) {
            return Err(format!("due-soon ratio {} must be strictly between 0 and 1", self.due_soon_ratio));
        }
        check_limit("report_major", self.report_major)?;
        check_limit("dispatch", self.dispatch)?;
        check_tiered("stage_reply", &self.stage_reply)?;
        if let Some(t) = &self.final_handling {
            check_tiered("final_handling", t)?;
        }
        check_tiered("department", &self.department)?;
        check_limit("follow_up", self.follow_up)
    }
}

/// A zero limit would make every step overdue at creation; an enormous one is a typo.
fn check_limit(what: &str, limit: Limit) -> Result<(), String> {
    let (value, max, unit) = match limit {
        Limit::Wall { minutes } | Limit::BusinessHours { minutes } => (minutes, MAX_MINUTES, "minutes"),
        Limit::WorkingDays { days } => (days, MAX_DAYS, "working days"),
    };
    if value == 0 {
        return Err(format!("{what}: a limit must be longer than zero"));
    }
    if value > max {
        return Err(format!("{what}: {value} {unit} exceeds the maximum of {max}"));
    }
    Ok(())
}

/// VIP and major complaints must never wait longer than others (R4.2, R4.3). Limits on
/// different clocks are not comparable, so only same-clock pairs are checked.
fn check_tiered(what: &str, t: &TieredLimit) -> Result<(), String> {
    check_limit(&format!("{what}.vip_or_major"), t.vip_or_major)?;
    check_limit(&format!("{what}.regular"), t.regular)?;
    check_limit(&format!("{what}.temporary"), t.temporary)?;
    for (name, other) in [("regular", t.regular), ("temporary", t.temporary)] {
        let same_clock = std::mem::discriminant(&t.vip_or_major) == std::mem::discriminant(&other);
        if same_clock && t.vip_or_major.budget_seconds() > other.budget_seconds() {
            return Err(format!("{what}: the VIP/major limit must not be longer than the {name} limit"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_hourly_policy() {
        let p = DeadlinePolicy::default();
        assert_eq!(p.code, "hourly");
        assert_eq!(p, DeadlinePolicy::household_default());
        assert_eq!(p.due_soon_ratio, 0.8); // R4.6
        assert!(p.validate().is_ok());
        assert!(DeadlinePolicy::working_day_preset().validate().is_ok());
    }

    #[test]
    fn major_complaints_are_reported_within_30_minutes() {
        // R3.3
        let p = DeadlinePolicy::household_default();
        assert_eq!(p.limit_for(StepKind::ReportMajor, Tier::Regular, true), Some(Limit::Wall { minutes: 30 }));
    }

    #[test]
    fn dispatch_within_30_minutes() {
        // R4.1
        let p = DeadlinePolicy::household_default();
        for &tier in Tier::ALL {
            assert_eq!(p.limit_for(StepKind::Dispatch, tier, false), Some(Limit::Wall { minutes: 30 }));
        }
    }

    #[test]
    fn stage_reply_by_tier_with_major_as_vip() {
        // R4.2
        let p = DeadlinePolicy::household_default();
        let at = |tier, major| p.limit_for(StepKind::StageReply, tier, major);
        assert_eq!(at(Tier::Vip, false), Some(Limit::Wall { minutes: 6 * 60 }));
        assert_eq!(at(Tier::Regular, false), Some(Limit::Wall { minutes: 12 * 60 }));
        assert_eq!(at(Tier::Temporary, false), Some(Limit::Wall { minutes: 20 * 60 }));
        assert_eq!(at(Tier::Regular, true), Some(Limit::Wall { minutes: 6 * 60 }));
        assert_eq!(at(Tier::Temporary, true), Some(Limit::Wall { minutes: 6 * 60 }));
    }

    #[test]
    fn final_handling_by_tier() {
        // R4.3
        let p = DeadlinePolicy::household_default();
        let at = |step, tier, major| p.limit_for(step, tier, major);
        assert_eq!(at(StepKind::FinalHandling, Tier::Vip, false), Some(Limit::Wall { minutes: 8 * 60 }));
        assert_eq!(at(StepKind::FinalHandling, Tier::Regular, false), Some(Limit::Wall { minutes: 24 * 60 }));
        assert_eq!(at(StepKind::FinalHandling, Tier::Temporary, false), Some(Limit::Wall { minutes: 48 * 60 }));
        assert_eq!(at(StepKind::FinalHandling, Tier::Temporary, true), Some(Limit::Wall { minutes: 8 * 60 }));
        assert_eq!(at(StepKind::Department, Tier::Regular, false), Some(Limit::Wall { minutes: 24 * 60 }));
        assert_eq!(at(StepKind::FollowUp, Tier::Regular, false), Some(Limit::Wall { minutes: 24 * 60 }));
    }

    #[test]
    fn working_day_preset() {
        // R4.4
        let p = DeadlinePolicy::working_day_preset();
        assert_eq!(p.code, "working_days");
        for &tier in Tier::ALL {
            for major in [false, true] {
                assert_eq!(p.limit_for(StepKind::StageReply, tier, major), Some(Limit::WorkingDays { days: 5 }));
                assert_eq!(p.limit_for(StepKind::Department, tier, major), Some(Limit::WorkingDays { days: 3 }));
                assert_eq!(p.limit_for(StepKind::FollowUp, tier, major), Some(Limit::WorkingDays { days: 5 }));
                assert_eq!(p.limit_for(StepKind::FinalHandling, tier, major), None);
            }
        }
        assert_eq!(p.limit_for(StepKind::Dispatch, Tier::Vip, false), Some(Limit::BusinessHours { minutes: 30 }));
        assert_eq!(p.limit_for(StepKind::ReportMajor, Tier::Vip, true), Some(Limit::Wall { minutes: 30 }));
        // R3.3
    }

    #[test]
    fn validate_refuses_nonsense() {
        let bad = |f: &dyn Fn(&mut DeadlinePolicy)| {
            let mut p = DeadlinePolicy::household_default();
            f(&mut p);
            p.validate().unwrap_err()
        };
        assert!(bad(&|p| p.code = "  ".into()).contains("code"));
        for r in [0.0, 1.0, -0.5, f64::NAN, f64::INFINITY] {
            assert!(bad(&|p| p.due_soon_ratio = r).contains("ratio")); // R4.6
        }
        assert!(bad(&|p| p.dispatch = Limit::Wall { minutes: 0 }).contains("dispatch"));
        assert!(bad(&|p| p.follow_up = Limit::WorkingDays { days: 10_000 }).contains("follow_up"));
        assert!(bad(&|p| p.stage_reply.vip_or_major = Limit::Wall { minutes: 13 * 60 }).contains("VIP"));
        // Different clocks are not compared.
        let mut p = DeadlinePolicy::household_default();
        p.stage_reply.vip_or_major = Limit::WorkingDays { days: 1 };
        assert!(p.validate().is_ok());
    }

    #[test]
    fn serde_and_schema() {
        let p = DeadlinePolicy::working_day_preset();
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["dispatch"], serde_json::json!({"clock": "business_hours", "minutes": 30}));
        assert_eq!(json["final_handling"], serde_json::Value::Null);
        assert_eq!(serde_json::from_value::<DeadlinePolicy>(json).unwrap(), p);
        let _schema = schemars::schema_for!(DeadlinePolicy);
        assert_eq!(DeadlinePolicy::presets().len(), 2);
    }
}
