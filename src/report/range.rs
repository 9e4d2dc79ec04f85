//! Months and date ranges in the branch's time zone (R4.5: times are stored in UTC and shown in
//! the branch's zone). A complaint received at 2026-03-31T23:30+08:00 belongs to March in a
//! Shanghai branch even though it is 15:30 UTC: every branch's range is cut at its own local
//! midnights.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{CoreError, Result};

/// A calendar month, "YYYY-MM".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn parse(field: &str, s: &str) -> Result<Month> {
        let s = s.trim();
        let bad = || CoreError::invalid(field, "not_a_month");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(2000..=2200).contains(&year) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    pub fn of(d: NaiveDate) -> Month {
        Month { year: d.year(), month: d.month() }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month { year: self.year - 1, month: 12 }
        } else {
            Month { year: self.year, month: self.month - 1 }
        }
    }

    /// `n` months earlier.
    pub fn minus(self, n: u32) -> Month {
        (0..n).fold(self, |m, _| m.prev())
    }

    pub fn key(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

/// The instant local midnight starts `d` in `tz`. Where midnight does not exist (a DST gap at
/// 00:00) the day starts at the first local instant after the gap.
pub fn local_midnight(tz: Tz, d: NaiveDate) -> DateTime<Utc> {
    let mut t = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    for _ in 0..48 {
        if let Some(x) = tz.from_local_datetime(&t).earliest() {
            return x.with_timezone(&Utc);
        }
        t += Duration::minutes(30);
    }
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The local month an instant falls in.
pub fn month_of(t: DateTime<Utc>, tz: Tz) -> Month {
    Month::of(t.with_timezone(&tz).date_naive())
}

/// Local dates [from, to): the days a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    pub from: NaiveDate,
    /// Exclusive.
    pub to: NaiveDate,
}

impl Days {
    pub fn month(m: Month) -> Days {
        Days { from: m.first_day(), to: m.next().first_day() }
    }

    /// [from, until] with both days included.
    pub fn inclusive(from: NaiveDate, until: NaiveDate) -> Result<Days> {
        if until < from {
            return Err(CoreError::invalid("until_date", "before_start"));
        }
        if (until - from).num_days() > 3660 {
            return Err(CoreError::invalid("until_date", "range_too_long"));
        }
        Ok(Days { from, to: until + Duration::days(1) })
    }

    pub fn until_inclusive(&self) -> NaiveDate {
        self.to - Duration::days(1)
    }

    /// UTC bounds of the days in `tz`.
    pub fn bounds(&self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (local_midnight(tz, self.from), local_midnight(tz, self.to))
    }

    /// Every month the days touch, in order.
    pub fn months(&self) -> Vec<Month> {
        let mut out = Vec::new();
        let mut m = Month::of(self.from);
        let last = Month::of(self.until_inclusive());
        while m <= last {
            out.push(m);
            m = m.next();
        }
        out
    }

    /// True when the range is exactly one calendar month.
    pub fn as_month(&self) -> Option<Month> {
        let m = Month::of(self.from);
        (Days::month(m) == *self).then_some(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_step() {
        let m = Month::parse("month", "2026-01").unwrap();
        assert_eq!(m.prev().key(), "2025-12");
        assert_eq!(m.next().key(), "2026-02");
        assert_eq!(m.minus(13).key(), "2024-12");
        for bad in ["2026-13", "2026-1", "26-01", "2026/01", "", "2026-00"] {
            assert!(Month::parse("month", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_last_half_hour_of_march_in_shanghai_is_march() {
        // R7.3 / R4.5: 2026-03-31T23:30+08:00 is 15:30 UTC on the 31st; March ends at 16:00 UTC.
        let tz = chrono_tz::Asia::Shanghai;
        let (from, to) = Days::month(Month { year: 2026, month: 3 }).bounds(tz);
        assert_eq!(crate::clock::ts(from), "2026-02-28T16:00:00Z");
        assert_eq!(crate::clock::ts(to), "2026-03-31T16:00:00Z");
        let t = crate::clock::parse_ts("t", "2026-03-31T23:30:00+08:00").unwrap();
        assert!(t >= from && t < to);
        assert_eq!(month_of(t, tz).key(), "2026-03");
    }

    #[test]
    fn a_midnight_in_a_dst_gap_starts_the_day_after_the_gap() {
        // America/Santiago skipped 2022-09-11 00:00–01:00.
        let tz: Tz = "America/Santiago".parse().unwrap();
        let d = NaiveDate::from_ymd_opt(2022, 9, 11).unwrap();
        let t = local_midnight(tz, d);
        assert_eq!(t.with_timezone(&tz).date_naive(), d);
    }
}
