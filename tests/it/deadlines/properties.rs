//! Property tests of the pure deadline functions (R4.5 clocks, R3.9 pauses).
//!
//! (i)   adding a pause never moves a deadline earlier (R3.9, R4.5);
//! (ii)  a working-day deadline always ends inside a working day after the event day, and
//!       without pauses exactly at 24:00 local of the Nth working day (R4.5 c);
//! (iii) `due_at` and `counted_seconds` agree with an independent, naive minute-by-minute
//!       count of the rule book's definition (R4.5 a/b/c, minus R3.9 pauses).
//!
//! Everything is aligned to whole minutes (starts, pauses, opening hours, limits), so counting
//! whole minutes is exact. The shipped mainland-China calendar (2025 and 2026) is used, and
//! starts reach into 2024 and 2027, whose data is not loaded (weekends-only fallback, R4.5).

use std::sync::OnceLock;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::{Asia::Shanghai, Europe::Madrid, Tz};
use proptest::prelude::*;

use complaint_desk::deadlines::{counted_seconds, due_at, BusinessCalendar, BusinessHours, ClockContext, Interval, Limit};

fn cal() -> &'static BusinessCalendar {
    static CAL: OnceLock<BusinessCalendar> = OnceLock::new();
    CAL.get_or_init(BusinessCalendar::china_mainland)
}

fn hm(minutes: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).expect("time of day")
}

fn local_midnight(tz: Tz, y: i32, m: u32, d: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, m, d, 0, 0, 0).single().expect("unambiguous midnight").with_timezone(&Utc)
}

// ---------------------------------------------------------------------------------------------
// strategies

/// Holidays, 调休 working days and the edges of the loaded years: where deadlines are hard.
const ANCHORS: &[(i32, u32, u32)] = &[
    (2025, 1, 1),
    (2025, 1, 28), // 春节 2025
    (2025, 2, 8),  // 调休 Saturday
    (2025, 5, 1),
    (2025, 10, 1),  // 国庆 + 中秋 2025
    (2025, 10, 11), // 调休 Saturday
    (2025, 12, 31), // into 2026
    (2026, 1, 1),
    (2026, 2, 14), // 调休 Saturday before 春节 2026
    (2026, 2, 20),
    (2026, 4, 4),   // 清明
    (2026, 5, 1),   // 劳动节, 调休 9 May
    (2026, 6, 19),  // 端午
    (2026, 9, 25),  // 中秋 2026
    (2026, 10, 1),  // 国庆 2026, 调休 10 Oct
    (2026, 12, 31), // into unloaded 2027
];

fn start_strategy() -> impl Strategy<Value = DateTime<Utc>> {
    let base = Utc.with_ymd_and_hms(2024, 12, 1, 0, 0, 0).unwrap();
    let uniform = (0i64..(800 * 1440)).prop_map(move |m| base + Duration::minutes(m));
    let near = (0..ANCHORS.len(), -10 * 1440i64..10 * 1440).prop_map(|(i, off)| {
        let (y, m, d) = ANCHORS[i];
        local_midnight(Shanghai, y, m, d) + Duration::minutes(off)
    });
    prop_oneof![uniform, near]
}

fn tz_strategy() -> impl Strategy<Value = Tz> {
    // Mostly the default branch's zone; sometimes one with daylight saving time.
    prop_oneof![4 => Just(Shanghai), 1 => Just(Madrid)]
}

/// Valid opening hours on whole minutes: the default, or open 06:00–10:00, 4–10 hours long,
/// with or without a lunch break of 30–90 minutes strictly inside.
fn hours_strategy() -> impl Strategy<Value = BusinessHours> {
    let custom = (0u32..=240, 240u32..=600, any::<bool>(), any::<u32>(), 30u32..=90).prop_map(|(open, len, lunch, r, ll)| {
        let open = 6 * 60 + open;
        let close = open + len;
        let (ls, le) = if lunch {
            let ls = open + 60 + r % (len - 180 + 1);
            (Some(hm(ls)), Some(hm(ls + ll)))
        } else {
            (None, None)
        };
        BusinessHours { open: hm(open), close: hm(close), lunch_start: ls, lunch_end: le }
    });
    prop_oneof![Just(BusinessHours::default()), custom]
}

/// Limits small enough for the naive count to stay fast.
fn small_limit() -> impl Strategy<Value = Limit> {
    prop_oneof![
        (1u32..=3 * 1440).prop_map(|minutes| Limit::Wall { minutes }),
        (1u32..=1350).prop_map(|minutes| Limit::BusinessHours { minutes }),
        (1u32..=4).prop_map(|days| Limit::WorkingDays { days }),
    ]
}

fn any_limit() -> impl Strategy<Value = Limit> {
    prop_oneof![
        (1u32..=30 * 1440).prop_map(|minutes| Limit::Wall { minutes }),
        (1u32..=100 * 60).prop_map(|minutes| Limit::BusinessHours { minutes }),
        (1u32..=20).prop_map(|days| Limit::WorkingDays { days }),
    ]
}

/// Pauses near the start, on whole minutes, possibly overlapping, unsorted, empty or reversed
/// (the clock ignores the last two).
fn pauses_strategy(max: usize) -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((-2 * 1440i64..8 * 1440, -60i64..3 * 1440), 0..=max)
}

fn to_intervals(start: DateTime<Utc>, raw: &[(i64, i64)]) -> Vec<Interval> {
    raw.iter()
        .map(|&(off, len)| {
            let s = start + Duration::minutes(off);
            Interval { start: s, end: s + Duration::minutes(len) }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// the naive reference: the rule book's definition, one minute at a time

struct Naive<'a> {
    tz: Tz,
    cal: &'a BusinessCalendar,
    hours: &'a BusinessHours,
    pauses: &'a [Interval],
    limit: Limit,
    event_date: NaiveDate,
}

/// What the naive walk saw on the way.
#[derive(Debug, Default)]
struct Seen {
    /// An unpaused minute whose counting depended on a date of a year the calendar lacks.
    used_unloaded_year: bool,
}

impl Naive<'_> {
    fn new<'a>(start: DateTime<Utc>, limit: Limit, ctx: &ClockContext<'a>) -> Naive<'a> {
        Naive {
            tz: ctx.tz,
            cal: ctx.calendar,
            hours: ctx.hours,
            pauses: ctx.pauses,
            limit,
            event_date: start.with_timezone(&ctx.tz).date_naive(),
        }
    }

    fn paused(&self, t: DateTime<Utc>) -> bool {
        self.pauses.iter().any(|p| p.start <= t && t < p.end)
    }

    fn in_opening_hours(&self, time: NaiveTime) -> bool {
        let h = self.hours;
        match (h.lunch_start, h.lunch_end) {
            (Some(ls), Some(le)) => (h.open <= time && time < ls) || (le <= time && time < h.close),
            _ => h.open <= time && time < h.close,
        }
    }

    /// R4.5: whether the minute starting at `t` counts, before pauses, and whether that answer
    /// needed the calendar for `t`'s local date.
    fn counts(&self, t: DateTime<Utc>) -> (bool, Option<NaiveDate>) {
        let local = t.with_timezone(&self.tz);
        let date = local.date_naive();
        match self.limit {
            // (a) nights, weekends and holidays count.
            Limit::Wall { .. } => (true, None),
            // (b) opening hours of working days (lunch excluded).
            Limit::BusinessHours { .. } => {
                if self.in_opening_hours(local.time()) {
                    (self.cal.is_working_day(date), Some(date))
                } else {
                    (false, None)
                }
            }
            // (c) whole working days strictly after the event's local date.
            Limit::WorkingDays { .. } => {
                if date > self.event_date {
                    (self.cal.is_working_day(date), Some(date))
                } else {
                    (false, None)
                }
            }
        }
    }

    fn budget_minutes(&self) -> i64 {
        match self.limit {
            Limit::Wall { minutes } | Limit::BusinessHours { minutes } => i64::from(minutes),
            Limit::WorkingDays { days } => i64::from(days) * 1440,
        }
    }

    /// The end of the minute in which the budget's last counted minute falls.
    fn due(&self, start: DateTime<Utc>, seen: &mut Seen) -> Option<DateTime<Utc>> {
        let budget = self.budget_minutes();
        let mut counted = 0;
        let mut t = start;
        for _ in 0..(150 * 1440) {
            if !self.paused(t) {
                let (counts, date) = self.counts(t);
                if let Some(d) = date {
                    if !self.cal.has_year(chrono::Datelike::year(&d)) {
                        seen.used_unloaded_year = true;
                    }
                }
                if counts {
                    counted += 1;
                    if counted == budget {
                        return Some(t + Duration::minutes(1));
                    }
                }
            }
            t += Duration::minutes(1);
        }
        None
    }

    /// Counted seconds in [start, end).
    fn counted_seconds(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
        let mut t = start;
        let mut n = 0;
        while t < end {
            if !self.paused(t) && self.counts(t).0 {
                n += 60;
            }
            t += Duration::minutes(1);
        }
        n
    }
}

fn dates_all_loaded(cal: &BusinessCalendar, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    let (a, b) = (from.with_timezone(&tz).date_naive(), to.with_timezone(&tz).date_naive());
    a.iter_days().take_while(|d| *d <= b).all(|d| cal.has_year(chrono::Datelike::year(&d)))
}

// ---------------------------------------------------------------------------------------------
// (i) pauses never make a deadline earlier

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn adding_a_pause_never_moves_a_deadline_earlier(
        start in start_strategy(),
        limit in any_limit(),
        tz in tz_strategy(),
        hours in hours_strategy(),
        base in pauses_strategy(3),
        extra in (-3 * 1440i64..20 * 1440, 1i64..10 * 1440),
    ) {
        // R3.9, R4.5: paused intervals do not count, so pausing can only postpone.
        let base = to_intervals(start, &base);
        let ctx = ClockContext { tz, calendar: cal(), hours: &hours, pauses: &base };
        let before = due_at(start, &limit, &ctx);
        let extra = to_intervals(start, &[extra])[0];
        let mut more = base.clone();
        more.push(extra);
        let ctx2 = ClockContext { pauses: &more, ..ctx };
        let after = due_at(start, &limit, &ctx2);
        prop_assert!(after.due_at >= before.due_at,
            "R3.9: pause {extra:?} moved the deadline of {limit:?} from {} earlier to {}", before.due_at, after.due_at);
        prop_assert!(before.due_at > start, "R4.5: a positive limit is due after its start");

        // A pause wholly after the deadline, or wholly before the start, changes nothing.
        if extra.start >= before.due_at || extra.end <= start {
            prop_assert_eq!(after.due_at, before.due_at, "R3.9: a pause outside [start, due) does not move the deadline");
        }
        // Wall clock with no other pause: the deadline moves by exactly the paused part of
        // [start, due) — "moved later by the paused interval" (R3.9).
        if matches!(limit, Limit::Wall { .. }) && base.iter().all(|p| p.end <= p.start) && extra.start >= start && extra.start < before.due_at {
            prop_assert_eq!(after.due_at, before.due_at + (extra.end - extra.start),
                "R3.9: a wall-clock deadline moves by the whole pause that starts before it");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (ii) working-day deadlines end inside a working day, at 24:00 local without pauses

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn working_day_deadlines_end_on_a_working_day_at_midnight(
        start in start_strategy(),
        days in 1u32..=20,
        pauses in prop_oneof![Just(Vec::new()), pauses_strategy(3)],
    ) {
        // R4.5 (c): the event day does not count; N working days end at 24:00 local time of the
        // Nth working day after it; working days come from the calendar (weekends, holidays,
        // 调休), or weekends alone for a year without data.
        let c = cal();
        let hours = BusinessHours::default();
        let pauses = to_intervals(start, &pauses);
        let ctx = ClockContext { tz: Shanghai, calendar: c, hours: &hours, pauses: &pauses };
        let info = due_at(start, &Limit::WorkingDays { days }, &ctx);
        let event = start.with_timezone(&Shanghai).date_naive();
        // The last counted instant is one second before the deadline.
        let last = (info.due_at - Duration::seconds(1)).with_timezone(&Shanghai);
        prop_assert!(c.is_working_day(last.date_naive()),
            "R4.5 (c): deadline {} ends on {} which is not a working day", info.due_at, last.date_naive());
        prop_assert!(last.date_naive() > event, "R4.5 (c): the event day {event} does not count");
        if pauses.is_empty() {
            let local = info.due_at.with_timezone(&Shanghai);
            prop_assert_eq!(local.time(), NaiveTime::MIN, "R4.5 (c): ends at 24:00 local, got {}", local);
            let worked = event.succ_opt().unwrap().iter_days().take_while(|d| *d <= last.date_naive())
                .filter(|d| c.is_working_day(*d)).count();
            prop_assert_eq!(worked, days as usize, "R4.5 (c): exactly N working days after the event day");
        }
        if dates_all_loaded(c, Shanghai, start, info.due_at) {
            prop_assert!(!info.calendar_warning, "R4.5: no warning when every year involved is loaded");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (iii) agreement with the naive minute-by-minute count

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn due_at_agrees_with_a_naive_minute_count(
        start in start_strategy(),
        limit in small_limit(),
        tz in tz_strategy(),
        hours in hours_strategy(),
        pauses in pauses_strategy(3),
        probe in 0i64..5 * 1440,
    ) {
        // R4.5 (a) wall, (b) business hours with lunch, (c) working days; R3.9 pauses excluded.
        let pauses = to_intervals(start, &pauses);
        let ctx = ClockContext { tz, calendar: cal(), hours: &hours, pauses: &pauses };
        let naive = Naive::new(start, limit, &ctx);
        let mut seen = Seen::default();
        let expected = naive.due(start, &mut seen);
        prop_assert!(expected.is_some(), "the naive walk found no deadline within 150 days");
        let expected = expected.unwrap();
        let info = due_at(start, &limit, &ctx);
        prop_assert_eq!(info.due_at, expected,
            "R4.5: due_at of {:?} from {} ({}) disagrees with the minute count", limit, start, tz);
        prop_assert_eq!(counted_seconds(start, info.due_at, &limit, &ctx), limit.budget_seconds(),
            "R4.5: at the deadline exactly the budget is spent");
        // Counted time to an arbitrary instant agrees too (what due soon / elapsed use, R4.6).
        let end = start + Duration::minutes(probe);
        prop_assert_eq!(counted_seconds(start, end, &limit, &ctx), naive.counted_seconds(start, end),
            "R4.5: counted_seconds to {} disagrees with the minute count", end);
        // The warning (R4.5): shown when an unloaded year decided counted time, never when every
        // date involved is in a loaded year.
        if seen.used_unloaded_year {
            prop_assert!(info.calendar_warning, "R4.5: a deadline decided by an unloaded year must carry the warning");
        }
        if dates_all_loaded(cal(), tz, start, info.due_at) {
            prop_assert!(!info.calendar_warning, "R4.5: no warning when every year involved is loaded");
        }
    }
}
