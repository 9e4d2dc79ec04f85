//! Deadlines (domain rules §4): which limit applies to a step, which instants count toward it,
//! and when it is due, due soon or overdue.
//!
//! Pure functions of their inputs — no clock reads, no storage — so the workflow can recompute a
//! deadline whenever a pause, the calendar or the policy changes, and tests can pin any instant.

pub mod calendar;
pub mod clock;
pub mod policy;
mod walk;

pub use calendar::{BusinessCalendar, CalendarCsvError, DayEntry, DayKind};
pub use clock::{
    counted_seconds, due_at, far_future, step_clock, BusinessHours, ClockContext, DueInfo, Interval, Limit, StepClock, Urgency,
};
pub use policy::{DeadlinePolicy, TieredLimit};
