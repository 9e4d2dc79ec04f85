//! Deadline clocks (R4.5) and the due/overdue state of a step (R4.6).
//!
//! The one definition everything here implements: from the step's start, an instant counts iff
//! it is not inside a pause (R3.9) and
//! - wall clock: always;
//! - business hours: its local date is a working day and its local time is in
//!   [open, lunch_start) ∪ [lunch_end, close);
//! - working days: its local date is a working day strictly after the local date of the start.
//!
//! The budget is `minutes × 60` seconds (wall, business hours) or `days × 86 400` seconds
//! (working days), and the step is due at the first instant the counted time reaches it. With no
//! pauses, N working days therefore end at 24:00 local of the Nth working day after the event.
//! On a working day that is 23 or 25 hours long (a DST change falling on a worked day — never the
//! case for weekend changes with a Monday–Friday week) the end moves by that hour, because the
//! budget is a number of seconds.

use std::ops::ControlFlow;

use chrono::{DateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::calendar::BusinessCalendar;
pub use super::walk::far_future;
use super::walk::{clamp, day_template, Pauses, Shape, Walk};

/// One time limit and the clock it runs on; the policy decides the clock per limit (R4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "clock", rename_all = "snake_case")]
pub enum Limit {
    Wall { minutes: u32 },
    BusinessHours { minutes: u32 },
    WorkingDays { days: u32 },
}

impl Limit {
    /// Seconds of counted time the limit grants.
    pub fn budget_seconds(&self) -> i64 {
        match *self {
            Limit::Wall { minutes } | Limit::BusinessHours { minutes } => i64::from(minutes) * 60,
            Limit::WorkingDays { days } => i64::from(days) * 86_400,
        }
    }

    fn budget(&self) -> TimeDelta {
        // At most u32::MAX × 86 400 s, far inside TimeDelta's range.
        TimeDelta::try_seconds(self.budget_seconds()).unwrap_or(TimeDelta::MAX)
    }

    fn uses_calendar(&self) -> bool {
        !matches!(self, Limit::Wall { .. })
    }
}

/// A branch's opening hours (R4.5 b). The lunch break is part of the configuration because
/// nobody answers complaints then, so it must not eat into a business-hours limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BusinessHours {
    pub open: NaiveTime,
    pub close: NaiveTime,
    pub lunch_start: Option<NaiveTime>,
    pub lunch_end: Option<NaiveTime>,
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

impl Default for BusinessHours {
    /// 09:00–18:00 with a 12:00–13:30 lunch break, the shipped default of R4.5.
    fn default() -> Self {
        BusinessHours { open: hm(9, 0), close: hm(18, 0), lunch_start: Some(hm(12, 0)), lunch_end: Some(hm(13, 30)) }
    }
}

impl BusinessHours {
    /// Settings refuse hours that would make business time empty or ambiguous. The clock itself
    /// still accepts anything (it takes the literal union of the two sessions).
    pub fn validate(&self) -> Result<(), String> {
        if self.open >= self.close {
            return Err(format!("opening time {} must be before closing time {}", self.open, self.close));
        }
        match (self.lunch_start, self.lunch_end) {
            (None, None) => Ok(()),
            (Some(ls), Some(le)) => {
                if !(self.open < ls && ls < le && le < self.close) {
                    Err(format!(
                        "lunch break {ls}–{le} must lie strictly inside opening hours {}–{} and end after it starts",
                        self.open, self.close
                    ))
                } else {
                    Ok(())
                }
            }
            _ => Err("lunch break needs both a start and an end, or neither".to_string()),
        }
    }
}

/// A half-open span [start, end) during which the clock is stopped: waiting for the customer,
/// or a postponement over a holiday the customer signed for (R3.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Everything besides the limit that decides which instants count. Borrowed, because the
/// calendar and hours belong to the branch and are shared by every step of every complaint.
#[derive(Clone, Copy, Debug)]
pub struct ClockContext<'a> {
    pub tz: chrono_tz::Tz,
    pub calendar: &'a BusinessCalendar,
    pub hours: &'a BusinessHours,
    /// In any order, possibly overlapping; empty or reversed spans are ignored.
    pub pauses: &'a [Interval],
}

/// When a step is due. `calendar_warning` means a working-day decision fell in a year the
/// calendar holds no data for, so the deadline may move once that year is loaded (R4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DueInfo {
    pub due_at: DateTime<Utc>,
    pub calendar_warning: bool,
}

impl DueInfo {
    /// True when no deadline was found within reach (see [`far_future`]); shown as "no deadline".
    pub fn is_never(&self) -> bool {
        self.due_at >= far_future()
    }
}

fn make_walk<'a>(from: DateTime<Utc>, limit: &Limit, ctx: &ClockContext<'a>) -> Walk<'a> {
    let shape = match limit {
        Limit::Wall { .. } => Shape::Wall,
        Limit::BusinessHours { .. } => Shape::Hours,
        Limit::WorkingDays { .. } => Shape::Days { event_date: ctx.tz.from_utc_datetime(&from.naive_utc()).date_naive() },
    };
    Walk { tz: ctx.tz, calendar: ctx.calendar, shape, day_template: day_template(ctx.hours), warning: false }
}

/// Whether any year a walk over [from, until] would touch is missing from the calendar.
fn any_year_missing(cal: &BusinessCalendar, from: DateTime<Utc>, until: DateTime<Utc>) -> bool {
    use chrono::Datelike;
    // One year of margin on each side covers the local date differing from the UTC date.
    (from.year() - 1..=until.year() + 1).any(|y| !cal.has_year(y))
}

/// The due instant of a limit started at `start` (R4.5). Never panics: a deadline that cannot
/// be reached within 100 years of calendar, or beyond 9999-12-31, is [`far_future`].
pub fn due_at(start: DateTime<Utc>, limit: &Limit, ctx: &ClockContext) -> DueInfo {
    let budget = limit.budget();
    if budget <= TimeDelta::zero() {
        return DueInfo { due_at: start, calendar_warning: false };
    }
    let from = clamp(start);
    let never = start.max(far_future());
    let mut walk = make_walk(from, limit, ctx);
    let horizon = walk.horizon(from);
    if limit.uses_calendar() && budget > horizon - from {
        // More counted time than the whole window holds: no walk needed to know the answer.
        return DueInfo { due_at: never, calendar_warning: any_year_missing(ctx.calendar, from, horizon) };
    }
    let mut pauses = Pauses::new(ctx.pauses);
    let mut remaining = budget;
    let mut found = None;
    let _ = walk.run(from, horizon, &mut |a, b| {
        pauses.subtract(a, b, &mut |x, y| {
            let len = y - x;
            if len >= remaining {
                found = Some(x + remaining);
                ControlFlow::Break(())
            } else {
                remaining -= len;
                ControlFlow::Continue(())
            }
        })
    });
    DueInfo { due_at: found.unwrap_or(never), calendar_warning: walk.warning }
}

fn counted(start: DateTime<Utc>, end: DateTime<Utc>, limit: &Limit, ctx: &ClockContext) -> TimeDelta {
    if end <= start {
        return TimeDelta::zero();
    }
    let from = clamp(start);
    let mut walk = make_walk(from, limit, ctx);
    let until = clamp(end).min(walk.horizon(from));
    let mut pauses = Pauses::new(ctx.pauses);
    let mut total = TimeDelta::zero();
    let _ = walk.run(from, until, &mut |a, b| {
        pauses.subtract(a, b, &mut |x, y| {
            total += y - x;
            ControlFlow::Continue(())
        })
    });
    total
}

/// Whole seconds in [start, end) that count toward `limit`; the measure `due_at` spends.
/// Spans longer than the 100-year walk are counted up to it.
pub fn counted_seconds(start: DateTime<Utc>, end: DateTime<Utc>, limit: &Limit, ctx: &ClockContext) -> i64 {
    counted(start, end, limit, ctx).num_seconds()
}

/// How pressing an open step is (R4.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    OnTime,
    DueSoon,
    Overdue,
}

/// What the UI shows for an open step (R4.6).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepClock {
    pub due_at: DateTime<Utc>,
    /// Wall-clock seconds until `due_at`, negative once overdue: what a person can plan with.
    pub remaining_seconds: i64,
    /// Counted time used over the budget; 1.0 or more when overdue, 1.0 for a zero budget.
    pub elapsed_ratio: f64,
    pub urgency: Urgency,
    /// Refers to the deadline, not to the elapsed ratio: a deadline in a loaded year stays
    /// trustworthy even when it is looked at from a year that is not loaded.
    pub calendar_warning: bool,
}

/// The state of a step at `now` (R4.6). At `due_at` itself the budget is fully spent, so the
/// step is already overdue then (`now >= due_at`); due soon from `due_soon_ratio` of the budget.
pub fn step_clock(start: DateTime<Utc>, limit: &Limit, now: DateTime<Utc>, ctx: &ClockContext, due_soon_ratio: f64) -> StepClock {
    let due = due_at(start, limit, ctx);
    let remaining_seconds = clamp(due.due_at).signed_duration_since(clamp(now)).num_seconds();
    let budget = limit.budget_seconds();
    let elapsed_ratio = if budget == 0 { 1.0 } else { counted_seconds(start, now, limit, ctx) as f64 / budget as f64 };
    let urgency = if now >= due.due_at {
        Urgency::Overdue
    } else if elapsed_ratio >= due_soon_ratio {
        Urgency::DueSoon
    } else {
        Urgency::OnTime
    };
    StepClock { due_at: due.due_at, remaining_seconds, elapsed_ratio, urgency, calendar_warning: due.calendar_warning }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadlines::calendar::{DayEntry, DayKind};
    use crate::deadlines::policy::DeadlinePolicy;
    use crate::model::{StepKind, Tier};
    use chrono::{Datelike, NaiveDate, Timelike};
    use chrono_tz::{Asia::Shanghai, Europe::Madrid, Tz};

    fn local(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        tz.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap().with_timezone(&Utc)
    }

    fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        local(Shanghai, y, mo, d, h, mi)
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn date(y: i32, mo: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap()
    }

    fn due(tz: Tz, cal: &BusinessCalendar, hours: &BusinessHours, pauses: &[Interval], start: DateTime<Utc>, limit: Limit) -> DueInfo {
        due_at(start, &limit, &ClockContext { tz, calendar: cal, hours, pauses })
    }

    fn cn_due(start: DateTime<Utc>, limit: Limit, pauses: &[Interval]) -> DueInfo {
        due(Shanghai, &BusinessCalendar::china_mainland(), &BusinessHours::default(), pauses, start, limit)
    }

    const BH30: Limit = Limit::BusinessHours { minutes: 30 };

    #[test]
    fn twelve_hours_regular_from_friday_evening_is_saturday_morning() {
        // R4.2, R4.5 (a): the stage reply runs on the wall clock, nights and weekends count.
        let limit = DeadlinePolicy::household_default().limit_for(StepKind::StageReply, Tier::Regular, false).unwrap();
        let info = cn_due(sh(2025, 9, 19, 20, 0), limit, &[]);
        assert_eq!(info, DueInfo { due_at: sh(2025, 9, 20, 8, 0), calendar_warning: false });
    }

    #[test]
    fn final_handling_vip_is_eight_wall_hours() {
        // R4.3
        let limit = DeadlinePolicy::household_default().limit_for(StepKind::FinalHandling, Tier::Vip, false).unwrap();
        assert_eq!(cn_due(sh(2025, 10, 1, 22, 0), limit, &[]).due_at, sh(2025, 10, 2, 6, 0));
    }

    #[test]
    fn business_hours_skip_the_lunch_break() {
        // R4.5 (b): 10 minutes before lunch, 20 after it.
        assert_eq!(cn_due(sh(2025, 9, 24, 11, 50), BH30, &[]).due_at, sh(2025, 9, 24, 13, 50));
        // Starting inside lunch starts at its end.
        assert_eq!(cn_due(sh(2025, 9, 24, 12, 10), BH30, &[]).due_at, sh(2025, 9, 24, 14, 0));
    }

    #[test]
    fn business_hours_starting_outside_opening_start_at_the_next_opening() {
        // R4.1, R4.5 (b): dispatch of the working-day preset, registered on a Saturday.
        let limit = DeadlinePolicy::working_day_preset().limit_for(StepKind::Dispatch, Tier::Regular, false).unwrap();
        assert_eq!(cn_due(sh(2025, 9, 20, 10, 0), limit, &[]).due_at, sh(2025, 9, 22, 9, 30));
        assert_eq!(cn_due(sh(2025, 9, 19, 19, 0), limit, &[]).due_at, sh(2025, 9, 22, 9, 30));
        assert_eq!(cn_due(sh(2025, 9, 22, 7, 0), limit, &[]).due_at, sh(2025, 9, 22, 9, 30));
        // 17:50 Friday: 10 minutes now, 20 on Monday.
        assert_eq!(cn_due(sh(2025, 9, 19, 17, 50), limit, &[]).due_at, sh(2025, 9, 22, 9, 20));
        // A 48-hour business limit is 6.4 working days of 7.5 h: from Fri 26 Sep 09:00 that is
        // Fri 26, Sun 28 (调休), Mon 29, Tue 30, Thu 9 and Fri 10 Oct (45 h), then 3 h on
        // Sat 11 Oct (调休) → 12:00.
        let info = cn_due(sh(2025, 9, 26, 9, 0), Limit::BusinessHours { minutes: 48 * 60 }, &[]);
        assert_eq!(info.due_at, sh(2025, 10, 11, 12, 0));
    }

    #[test]
    fn five_working_days_across_national_day_2025() {
        // R4.4, R4.5 (c): event day Wed 24 does not count; Thu 25, Fri 26, Sun 28 (调休), Mon 29,
        // Tue 30 → due at 24:00 on Tue 30 Sep.
        let five = Limit::WorkingDays { days: 5 };
        let info = cn_due(sh(2025, 9, 24, 10, 0), five, &[]);
        assert_eq!(info, DueInfo { due_at: utc(2025, 9, 30, 16, 0), calendar_warning: false });
        assert_eq!(info.due_at, sh(2025, 10, 1, 0, 0));
        // Any instant of the event day gives the same deadline.
        assert_eq!(cn_due(sh(2025, 9, 24, 0, 0), five, &[]).due_at, info.due_at);
        assert_eq!(cn_due(sh(2025, 9, 24, 23, 59), five, &[]).due_at, info.due_at);
        // From Tue 30: 1–8 Oct off; Thu 9, Fri 10, Sat 11 (调休), Mon 13, Tue 14 → 24:00 on 14 Oct.
        assert_eq!(cn_due(sh(2025, 9, 30, 15, 0), five, &[]).due_at, sh(2025, 10, 15, 0, 0));
    }

    #[test]
    fn three_working_days_across_spring_festival_2026() {
        // R4.4, R4.5 (c): Fri 13 Feb is the event day; Sat 14 (调休) is day 1, 15–23 off,
        // Tue 24 day 2, Wed 25 day 3 → 24:00 on Wed 25 Feb.
        let info = cn_due(sh(2026, 2, 13, 16, 30), Limit::WorkingDays { days: 3 }, &[]);
        assert_eq!(info, DueInfo { due_at: sh(2026, 2, 26, 0, 0), calendar_warning: false });
        assert_eq!(info.due_at, utc(2026, 2, 25, 16, 0));
    }

    #[test]
    fn an_unloaded_year_uses_weekends_and_warns() {
        // R4.5: 2030 is not in the calendar, so 1 Jan 2030 (a Tuesday) is only the event day
        // and Wed 2, Thu 3, Fri 4 count.
        let info = cn_due(sh(2030, 1, 1, 9, 0), Limit::WorkingDays { days: 3 }, &[]);
        assert_eq!(info, DueInfo { due_at: sh(2030, 1, 5, 0, 0), calendar_warning: true });
        assert!(cn_due(sh(2030, 1, 2, 9, 0), BH30, &[]).calendar_warning);
        // The wall clock never consults the calendar.
        assert!(!cn_due(sh(2030, 1, 2, 9, 0), Limit::Wall { minutes: 30 }, &[]).calendar_warning);
        // Crossing from a loaded year into an unloaded one warns too.
        let info = cn_due(sh(2026, 12, 30, 9, 0), Limit::WorkingDays { days: 5 }, &[]);
        assert_eq!(info, DueInfo { due_at: sh(2027, 1, 7, 0, 0), calendar_warning: true });
        // Staying inside loaded years does not.
        assert!(!cn_due(sh(2026, 12, 21, 9, 0), Limit::WorkingDays { days: 5 }, &[]).calendar_warning);
    }

    #[test]
    fn a_pause_moves_the_deadline_by_the_paused_counted_time() {
        // R3.9, R4.5: a two-hour pause at night moves a wall deadline by two hours.
        let start = sh(2025, 9, 19, 20, 0);
        let night = [Interval { start: sh(2025, 9, 20, 1, 0), end: sh(2025, 9, 20, 3, 0) }];
        assert_eq!(cn_due(start, Limit::Wall { minutes: 720 }, &night).due_at, sh(2025, 9, 20, 10, 0));

        // Business hours: 240 min from 09:00 ends at 14:30 (09–12, 13:30–14:30). A pause
        // 11:00–14:00 hides 11–12 and 13:30–14:00 = 90 business minutes, so the end moves
        // by 90 business minutes to 16:00.
        let start = sh(2025, 9, 24, 9, 0);
        let bh = Limit::BusinessHours { minutes: 240 };
        let pause = [Interval { start: sh(2025, 9, 24, 11, 0), end: sh(2025, 9, 24, 14, 0) }];
        assert_eq!(cn_due(start, bh, &[]).due_at, sh(2025, 9, 24, 14, 30));
        assert_eq!(cn_due(start, bh, &pause).due_at, sh(2025, 9, 24, 16, 0));
        let ctx_cal = BusinessCalendar::china_mainland();
        let hours = BusinessHours::default();
        let ctx = ClockContext { tz: Shanghai, calendar: &ctx_cal, hours: &hours, pauses: &pause };
        assert_eq!(counted_seconds(start, sh(2025, 9, 24, 14, 30), &bh, &ctx), 150 * 60);

        // Working days: 6 h paused on Mon 29 Sep push the 24:00 Tue 30 deadline by 6 counted
        // hours — across the 国庆 holiday to 06:00 on Thu 9 Oct.
        let pause = [Interval { start: sh(2025, 9, 29, 12, 0), end: sh(2025, 9, 29, 18, 0) }];
        let info = cn_due(sh(2025, 9, 24, 10, 0), Limit::WorkingDays { days: 5 }, &pause);
        assert_eq!(info.due_at, sh(2025, 10, 9, 6, 0));

        // A pause over non-counted time (the weekend) changes nothing for business hours.
        let weekend = [Interval { start: sh(2025, 9, 20, 0, 0), end: sh(2025, 9, 21, 23, 0) }];
        assert_eq!(cn_due(sh(2025, 9, 19, 17, 50), BH30, &weekend).due_at, sh(2025, 9, 22, 9, 20));
    }

    #[test]
    fn pauses_may_overlap_be_unsorted_or_empty() {
        // R3.9
        let start = sh(2025, 9, 19, 20, 0);
        let pauses = [
            Interval { start: sh(2025, 9, 20, 2, 0), end: sh(2025, 9, 20, 3, 0) },
            Interval { start: sh(2025, 9, 20, 1, 0), end: sh(2025, 9, 20, 2, 30) },
            Interval { start: sh(2025, 9, 20, 5, 0), end: sh(2025, 9, 20, 4, 0) },
            Interval { start: sh(2025, 9, 19, 10, 0), end: sh(2025, 9, 19, 11, 0) },
            Interval { start: sh(2025, 9, 20, 1, 30), end: sh(2025, 9, 20, 1, 30) },
        ];
        assert_eq!(cn_due(start, Limit::Wall { minutes: 720 }, &pauses).due_at, sh(2025, 9, 20, 10, 0));
        // A pause straddling the start only counts from the start.
        let straddle = [Interval { start: sh(2025, 9, 19, 19, 0), end: sh(2025, 9, 19, 21, 0) }];
        assert_eq!(cn_due(start, Limit::Wall { minutes: 60 }, &straddle).due_at, sh(2025, 9, 19, 22, 0));
    }

    fn madrid_cal() -> BusinessCalendar {
        BusinessCalendar { loaded_years: [2026].into(), ..Default::default() }
    }

    fn with_workday(mut cal: BusinessCalendar, d: NaiveDate) -> BusinessCalendar {
        cal.days.insert(d, DayEntry { kind: DayKind::Workday, name: "test".into() });
        cal
    }

    fn night_hours() -> BusinessHours {
        BusinessHours {
            open: NaiveTime::from_hms_opt(1, 0, 0).unwrap(),
            close: NaiveTime::from_hms_opt(5, 0, 0).unwrap(),
            lunch_start: None,
            lunch_end: None,
        }
    }

    #[test]
    fn madrid_spring_forward_2026() {
        // R4.5: Europe/Madrid leaves CET for CEST at 01:00 UTC on Sun 29 Mar 2026.
        let cal = madrid_cal();
        let hours = BusinessHours::default();
        let md = |start, limit| due(Madrid, &cal, &hours, &[], start, limit);
        // Wall: twelve real hours; the local clock shows one more.
        let info = md(local(Madrid, 2026, 3, 28, 20, 0), Limit::Wall { minutes: 720 });
        assert_eq!(info.due_at, utc(2026, 3, 29, 7, 0));
        assert_eq!(info.due_at.with_timezone(&Madrid).hour(), 9);
        // Business hours across the change: Fri 17–18 CET, then Mon 09–10 CEST.
        let info = md(local(Madrid, 2026, 3, 27, 17, 0), Limit::BusinessHours { minutes: 120 });
        assert_eq!(info.due_at, local(Madrid, 2026, 3, 30, 10, 0));
        assert_eq!(info.due_at, utc(2026, 3, 30, 8, 0));
        // Working days: Monday is day 1, due at 24:00 Monday local.
        let info = md(local(Madrid, 2026, 3, 27, 12, 0), Limit::WorkingDays { days: 1 });
        assert_eq!(info, DueInfo { due_at: utc(2026, 3, 30, 22, 0), calendar_warning: false });
    }

    #[test]
    fn madrid_nonexistent_local_hour_is_simply_not_counted() {
        // R4.5: on a worked Sunday 29 Mar 2026 with hours 01:00–05:00, local 02:00–03:00 does
        // not exist, so the day holds 3 business hours, not 4.
        let cal = with_workday(madrid_cal(), date(2026, 3, 29));
        let hours = night_hours();
        let start = local(Madrid, 2026, 3, 29, 1, 0);
        let info = due(Madrid, &cal, &hours, &[], start, Limit::BusinessHours { minutes: 180 });
        assert_eq!(info.due_at, utc(2026, 3, 29, 3, 0));
        assert_eq!(info.due_at, local(Madrid, 2026, 3, 29, 5, 0));
        // Hours lying wholly inside the gap count nothing that day.
        let gap = BusinessHours {
            open: NaiveTime::from_hms_opt(2, 15, 0).unwrap(),
            close: NaiveTime::from_hms_opt(2, 45, 0).unwrap(),
            ..night_hours()
        };
        let info = due(Madrid, &cal, &gap, &[], utc(2026, 3, 28, 23, 0), Limit::BusinessHours { minutes: 10 });
        assert_eq!(info.due_at, local(Madrid, 2026, 3, 30, 2, 25));
        // A worked day of 23 hours provides 23 of the 24 counted hours a working day is worth,
        // so the last hour spills into the next working day (see the module notes).
        let info = due(Madrid, &cal, &hours, &[], local(Madrid, 2026, 3, 28, 12, 0), Limit::WorkingDays { days: 1 });
        assert_eq!(info.due_at, local(Madrid, 2026, 3, 30, 1, 0));
    }

    #[test]
    fn madrid_repeated_local_hour_counts_twice() {
        // R4.5: on Sun 25 Oct 2026 local 02:00–03:00 happens twice; both are business time.
        let cal = with_workday(madrid_cal(), date(2026, 10, 25));
        let hours = night_hours();
        let ctx = ClockContext { tz: Madrid, calendar: &cal, hours: &hours, pauses: &[] };
        let day_start = utc(2026, 10, 24, 22, 0); // 00:00 CEST
        let bh = Limit::BusinessHours { minutes: 300 };
        assert_eq!(counted_seconds(day_start, utc(2026, 10, 25, 23, 0), &bh, &ctx), 5 * 3600);
        assert_eq!(due_at(day_start, &bh, &ctx).due_at, utc(2026, 10, 25, 4, 0));
    }

    #[test]
    fn step_clock_due_soon_at_80_percent_and_overdue_at_the_deadline() {
        // R4.6
        let cal = BusinessCalendar::china_mainland();
        let hours = BusinessHours::default();
        let ctx = ClockContext { tz: Shanghai, calendar: &cal, hours: &hours, pauses: &[] };
        let start = sh(2025, 9, 24, 8, 0);
        let ten_h = Limit::Wall { minutes: 600 };
        let at = |h, m| step_clock(start, &ten_h, sh(2025, 9, 24, h, m), &ctx, 0.8);
        let c = at(15, 0);
        assert_eq!((c.urgency, c.remaining_seconds), (Urgency::OnTime, 3 * 3600));
        assert!((c.elapsed_ratio - 0.7).abs() < 1e-9);
        assert_eq!(at(16, 0).urgency, Urgency::DueSoon);
        assert_eq!(at(15, 59).urgency, Urgency::OnTime);
        let c = at(18, 0);
        assert_eq!((c.urgency, c.remaining_seconds, c.due_at), (Urgency::Overdue, 0, sh(2025, 9, 24, 18, 0)));
        assert!((c.elapsed_ratio - 1.0).abs() < 1e-9);
        let c = at(19, 0);
        assert_eq!((c.urgency, c.remaining_seconds), (Urgency::Overdue, -3600));
        assert!(c.elapsed_ratio > 1.0);
        // Before the start nothing has elapsed.
        assert_eq!(at(7, 0).elapsed_ratio, 0.0);
        // A zero budget is due at once.
        let z = step_clock(start, &Limit::Wall { minutes: 0 }, start, &ctx, 0.8);
        assert_eq!((z.urgency, z.elapsed_ratio, z.due_at), (Urgency::Overdue, 1.0, start));
    }

    #[test]
    fn step_clock_ratio_uses_counted_time() {
        // R4.6, R4.5 (b): at 13:30 on a 240-minute business limit from 09:00, 180 minutes
        // (75 %) are used even though 4.5 wall hours have passed.
        let cal = BusinessCalendar::china_mainland();
        let hours = BusinessHours::default();
        let ctx = ClockContext { tz: Shanghai, calendar: &cal, hours: &hours, pauses: &[] };
        let c = step_clock(sh(2025, 9, 24, 9, 0), &Limit::BusinessHours { minutes: 240 }, sh(2025, 9, 24, 13, 30), &ctx, 0.8);
        assert_eq!((c.urgency, c.elapsed_ratio, c.remaining_seconds), (Urgency::OnTime, 0.75, 3600));
        assert!(step_clock(sh(2030, 1, 2, 9, 0), &BH30, sh(2030, 1, 2, 9, 1), &ctx, 0.8).calendar_warning);
    }

    #[test]
    fn counted_seconds_is_zero_for_empty_spans_and_matches_the_budget_at_due() {
        // R4.5
        let cal = BusinessCalendar::china_mainland();
        let hours = BusinessHours::default();
        let ctx = ClockContext { tz: Shanghai, calendar: &cal, hours: &hours, pauses: &[] };
        let start = sh(2025, 9, 24, 10, 0);
        for limit in [Limit::Wall { minutes: 90 }, BH30, Limit::WorkingDays { days: 5 }] {
            assert_eq!(counted_seconds(start, start, &limit, &ctx), 0);
            assert_eq!(counted_seconds(start, start - TimeDelta::hours(1), &limit, &ctx), 0);
            let d = due_at(start, &limit, &ctx).due_at;
            assert_eq!(counted_seconds(start, d, &limit, &ctx), limit.budget_seconds());
        }
    }

    #[test]
    fn extreme_inputs_saturate_instead_of_panicking() {
        // R4.5: the clock must stay usable whatever an administrator or a bug feeds it.
        let cal = BusinessCalendar::china_mainland();
        let hours = BusinessHours::default();
        let forever = [Interval { start: DateTime::<Utc>::MIN_UTC, end: DateTime::<Utc>::MAX_UTC }];
        let limits = [
            Limit::Wall { minutes: u32::MAX },
            Limit::BusinessHours { minutes: u32::MAX },
            Limit::WorkingDays { days: u32::MAX },
            Limit::Wall { minutes: 1 },
            Limit::BusinessHours { minutes: 1 },
            Limit::WorkingDays { days: 1 },
        ];
        let starts = [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, sh(2025, 9, 24, 10, 0), far_future()];
        for tz in [Shanghai, Madrid, chrono_tz::Pacific::Kiritimati, chrono_tz::Etc::GMTPlus12] {
            for pauses in [&[][..], &forever[..]] {
                let ctx = ClockContext { tz, calendar: &cal, hours: &hours, pauses };
                for limit in limits {
                    for start in starts {
                        let info = due_at(start, &limit, &ctx);
                        assert!(info.due_at >= start);
                        for now in starts {
                            let _ = step_clock(start, &limit, now, &ctx, 0.8);
                        }
                    }
                }
            }
        }
        let ctx = ClockContext { tz: Shanghai, calendar: &cal, hours: &hours, pauses: &[] };
        let huge = due_at(sh(2025, 1, 1, 0, 0), &Limit::WorkingDays { days: u32::MAX }, &ctx);
        assert!(huge.is_never() && huge.calendar_warning);
        assert!(due_at(sh(2025, 1, 1, 0, 0), &Limit::Wall { minutes: u32::MAX }, &ctx).is_never());
        // 2^32 minutes is about 8 166 years: from year 1000 it is still representable.
        let early = utc(1000, 1, 1, 0, 0);
        let far = due_at(early, &Limit::Wall { minutes: u32::MAX }, &ctx).due_at;
        assert_eq!(far - early, TimeDelta::minutes(i64::from(u32::MAX)));
    }

    #[test]
    fn calendars_that_never_work_or_hours_that_never_open_end_at_far_future() {
        // R4.5: every day of 2025 a holiday — the walk continues into 2026, then stops.
        let mut cal = BusinessCalendar { loaded_years: [2025].into(), ..Default::default() };
        let mut d = date(2025, 1, 1);
        while d.year() == 2025 {
            cal.days.insert(d, DayEntry { kind: DayKind::Holiday, name: "x".into() });
            d = d.succ_opt().unwrap();
        }
        let hours = BusinessHours::default();
        let info = due(Shanghai, &cal, &hours, &[], sh(2025, 3, 1, 9, 0), Limit::WorkingDays { days: 1 });
        assert_eq!(info, DueInfo { due_at: sh(2026, 1, 2, 0, 0), calendar_warning: true });
        let shut = BusinessHours {
            open: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            close: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            lunch_start: None,
            lunch_end: None,
        };
        assert!(shut.validate().is_err());
        let info = due(Shanghai, &cal, &shut, &[], sh(2025, 3, 1, 9, 0), BH30);
        assert!(info.is_never());
    }

    #[test]
    fn long_limits_compute_quickly() {
        // R4.5: the walk goes a day at a time, so even in a debug build these take well under
        // a millisecond each; the bound here is loose to stay robust on slow machines.
        let cal = BusinessCalendar::china_mainland();
        let hours = BusinessHours::default();
        let ctx = ClockContext { tz: Madrid, calendar: &cal, hours: &hours, pauses: &[] };
        let t = std::time::Instant::now();
        for i in 0..100 {
            let start = sh(2025, 1, 1, 0, 0) + TimeDelta::days(i * 3);
            let _ = due_at(start, &Limit::WorkingDays { days: 30 }, &ctx);
            let _ = due_at(start, &Limit::BusinessHours { minutes: 48 * 60 }, &ctx);
        }
        assert!(t.elapsed() < std::time::Duration::from_secs(2), "{:?}", t.elapsed());
    }

    #[test]
    fn business_hours_validation() {
        // R4.5 (b)
        assert!(BusinessHours::default().validate().is_ok());
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let base = BusinessHours::default();
        assert!(BusinessHours { lunch_end: None, ..base.clone() }.validate().is_err());
        assert!(BusinessHours { lunch_start: None, lunch_end: None, ..base.clone() }.validate().is_ok());
        assert!(BusinessHours { lunch_start: Some(t(8, 0)), ..base.clone() }.validate().is_err());
        assert!(BusinessHours { lunch_end: Some(t(11, 0)), ..base.clone() }.validate().is_err());
        assert!(BusinessHours { close: t(9, 0), ..base }.validate().is_err());
    }

    #[test]
    fn limit_json_names_its_clock() {
        // R4.5: each limit says which clock it runs on.
        let j = |l: Limit| serde_json::to_value(l).unwrap();
        assert_eq!(j(Limit::Wall { minutes: 30 }), serde_json::json!({"clock": "wall", "minutes": 30}));
        assert_eq!(j(BH30), serde_json::json!({"clock": "business_hours", "minutes": 30}));
        assert_eq!(j(Limit::WorkingDays { days: 5 }), serde_json::json!({"clock": "working_days", "days": 5}));
        let back: Limit = serde_json::from_value(serde_json::json!({"clock": "working_days", "days": 3})).unwrap();
        assert_eq!(back, Limit::WorkingDays { days: 3 });
        assert_eq!(serde_json::to_value(Urgency::DueSoon).unwrap(), "due_soon");
        let _ = schemars::schema_for!(StepClock);
        let _ = schemars::schema_for!(BusinessHours);
    }
}
