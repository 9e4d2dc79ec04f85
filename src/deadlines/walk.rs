//! Enumerates the instants that count toward a limit as UTC intervals, in order (R4.5).
//!
//! The counting rules are stated in local time, but local time is not monotonic in UTC (DST).
//! So the walk cuts UTC into stretches of constant UTC offset: inside one, local time is UTC
//! shifted by a constant, the local counting intervals map back exactly, and nonexistent or
//! repeated local times need no special case — an hour that does not exist is simply never
//! reached, an hour that happens twice is counted twice, exactly as the per-instant rule says.

use std::ops::ControlFlow;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::calendar::BusinessCalendar;
use super::clock::BusinessHours;

/// How far a calendar walk goes before giving up (100 years): guarantees termination for any
/// budget or calendar, and no real complaint deadline is that far out.
pub(crate) const MAX_WALK_DAYS: i64 = 36_525;

/// Longest stretch examined at once. Real time zones change offset at most once in it, which
/// is what lets one probe at the end of the stretch detect a transition.
const STRETCH: TimeDelta = TimeDelta::days(1);

/// Everything is computed inside this window, so local dates never approach chrono's limits.
pub(crate) fn far_past() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(-62_135_596_800, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    // 0001-01-01
}

/// The stand-in for "never" (9999-12-31T23:59:59Z): still an ordinary RFC 3339 timestamp, so
/// it stores and sorts like any other deadline.
pub fn far_future() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub(crate) fn clamp(t: DateTime<Utc>) -> DateTime<Utc> {
    t.clamp(far_past(), far_future())
}

/// Which local instants count, before pauses.
#[derive(Clone, Copy)]
pub(crate) enum Shape {
    /// Every instant.
    Wall,
    /// Opening hours of working days.
    Hours,
    /// Whole working days strictly after the event's local date.
    Days { event_date: NaiveDate },
}

pub(crate) struct Walk<'a> {
    pub tz: Tz,
    pub calendar: &'a BusinessCalendar,
    pub shape: Shape,
    /// Opening hours as disjoint, ordered (open, close) pairs of one day.
    pub day_template: Vec<(NaiveTime, NaiveTime)>,
    /// Set once a working-day decision had to use a year the calendar does not hold.
    pub warning: bool,
}

fn offset_secs(tz: Tz, t: DateTime<Utc>) -> i64 {
    i64::from(tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc())
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_else(far_future)
}

/// The literal union [open, lunch_start) ∪ [lunch_end, close), merged, so even invalid hours
/// (overlapping or reversed) never count an instant twice.
pub(crate) fn day_template(h: &BusinessHours) -> Vec<(NaiveTime, NaiveTime)> {
    let mut parts = match (h.lunch_start, h.lunch_end) {
        (Some(ls), Some(le)) => vec![(h.open, ls), (le, h.close)],
        _ => vec![(h.open, h.close)],
    };
    parts.retain(|(a, b)| a < b);
    parts.sort();
    let mut merged: Vec<(NaiveTime, NaiveTime)> = Vec::with_capacity(2);
    for (a, b) in parts {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

impl Walk<'_> {
    /// The latest instant a walk from `from` may look at.
    pub fn horizon(&self, from: DateTime<Utc>) -> DateTime<Utc> {
        match self.shape {
            Shape::Wall => far_future(),
            _ => from.checked_add_signed(TimeDelta::days(MAX_WALK_DAYS)).map_or_else(far_future, clamp),
        }
    }

    fn working(&mut self, d: NaiveDate) -> bool {
        if !self.calendar.has_year(d.year()) {
            self.warning = true;
        }
        self.calendar.is_working_day(d)
    }

    /// Calls `f` with each counted interval inside [from, until), in increasing order. Both
    /// bounds must already be clamped.
    pub fn run(
        &mut self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        f: &mut dyn FnMut(DateTime<Utc>, DateTime<Utc>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if from >= until {
            return ControlFlow::Continue(());
        }
        if let Shape::Wall = self.shape {
            return f(from, until);
        }
        let mut cur = from;
        while cur < until {
            let offset = offset_secs(self.tz, cur);
            let stretch_end = self.stretch_end(cur, until, offset);
            let shift = TimeDelta::seconds(offset);
            self.local_stretch(cur.naive_utc() + shift, stretch_end.naive_utc() + shift, shift, f)?;
            cur = stretch_end;
        }
        ControlFlow::Continue(())
    }

    /// End of the constant-offset stretch starting at `cur`. Offsets change on whole seconds,
    /// so bisecting over whole seconds finds the exact change.
    fn stretch_end(&self, cur: DateTime<Utc>, until: DateTime<Utc>, offset: i64) -> DateTime<Utc> {
        let end = (cur + STRETCH).min(until);
        let mut lo = cur.timestamp();
        let ceil_end = end.timestamp() + i64::from(end.timestamp_subsec_nanos() > 0);
        let mut hi = ceil_end - 1;
        if hi <= lo || offset_secs(self.tz, at(hi)) == offset {
            return end;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if offset_secs(self.tz, at(mid)) == offset {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        at(hi)
    }

    /// Emits the counted part of the local range [la, lb), where UTC = local − `shift`.
    fn local_stretch(
        &mut self,
        la: NaiveDateTime,
        lb: NaiveDateTime,
        shift: TimeDelta,
        f: &mut dyn FnMut(DateTime<Utc>, DateTime<Utc>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if let Shape::Wall = self.shape {
            return f((la - shift).and_utc(), (lb - shift).and_utc());
        }
        let mut day = la.date();
        while day.and_time(NaiveTime::MIN) < lb {
            let next = match day.succ_opt() {
                Some(n) => n,
                None => break,
            };
            let parts: Vec<(NaiveDateTime, NaiveDateTime)> = match self.shape {
                Shape::Wall => Vec::new(),
                Shape::Hours => self.day_template.iter().map(|(a, b)| (day.and_time(*a), day.and_time(*b))).collect(),
                Shape::Days { event_date } if day > event_date => {
                    vec![(day.and_time(NaiveTime::MIN), next.and_time(NaiveTime::MIN))]
                }
                Shape::Days { .. } => Vec::new(),
            };
            let mut decided: Option<bool> = None;
            for (a, b) in parts {
                let (a, b) = (a.max(la), b.min(lb));
                if a >= b {
                    continue;
                }
                let working = match decided {
                    Some(w) => w,
                    None => *decided.insert(self.working(day)),
                };
                if !working {
                    break;
                }
                f((a - shift).and_utc(), (b - shift).and_utc())?;
            }
            day = next;
        }
        ControlFlow::Continue(())
    }
}

/// Pauses (R3.9) as sorted, disjoint intervals, subtracted from the counted intervals as they
/// stream past; the cursor only moves forward because the walk does.
pub(crate) struct Pauses {
    list: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    next: usize,
}

impl Pauses {
    pub fn new(raw: &[super::clock::Interval]) -> Self {
        let mut spans: Vec<_> = raw.iter().filter(|p| p.start < p.end).map(|p| (p.start, p.end)).collect();
        spans.sort();
        let mut list: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(spans.len());
        for (a, b) in spans {
            match list.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => list.push((a, b)),
            }
        }
        Pauses { list, next: 0 }
    }

    /// Calls `f` with the parts of [a, b) outside every pause. Calls must come in increasing order.
    pub fn subtract(
        &mut self,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
        f: &mut dyn FnMut(DateTime<Utc>, DateTime<Utc>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        while self.next < self.list.len() && self.list[self.next].1 <= a {
            self.next += 1;
        }
        let mut cur = a;
        let mut i = self.next;
        while cur < b {
            match self.list.get(i) {
                Some(&(ps, pe)) if ps < b => {
                    if ps > cur {
                        f(cur, ps)?;
                    }
                    cur = cur.max(pe);
                    i += 1;
                }
                _ => {
                    f(cur, b)?;
                    cur = b;
                }
            }
        }
        ControlFlow::Continue(())
    }
}
