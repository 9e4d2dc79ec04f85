//! Which backups to keep: grandfather-father-son over the backups' creation times, in the
//! branch's local calendar. Kept are the newest `last` backups, the newest backup of each of the
//! newest `daily` days that have one, of each of the newest `weekly` ISO weeks, and of each of the
//! newest `monthly` months; everything else is removed. A pure function, so a simulated year of
//! backups can be checked in microseconds (tests/backup_restore.rs).

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How many backups of each kind to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Keep {
    /// The newest N backups whatever their dates (at least the newest one is always kept).
    pub last: u32,
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
}

impl Keep {
    /// 7 daily, 4 weekly, 12 monthly: a year back, densest for the last week.
    pub const DEFAULT: Keep = Keep { last: 1, daily: 7, weekly: 4, monthly: 12 };
}

/// The indexes (into `times`) of the backups to keep.
pub fn plan(times: &[DateTime<Utc>], tz: Tz, keep: Keep) -> BTreeSet<usize> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    // Newest first; ties broken by index so the result does not depend on the input order's luck.
    order.sort_by(|&a, &b| times[b].cmp(&times[a]).then(b.cmp(&a)));
    let mut kept = BTreeSet::new();
    for &i in order.iter().take(keep.last.max(1) as usize) {
        kept.insert(i);
    }
    let mut bucket = |limit: u32, key: &dyn Fn(DateTime<Tz>) -> (i32, u32, u32)| {
        let mut seen: HashSet<(i32, u32, u32)> = HashSet::new();
        for &i in &order {
            if seen.len() >= limit as usize {
                break;
            }
            let k = key(times[i].with_timezone(&tz));
            if seen.insert(k) {
                kept.insert(i);
            }
        }
    };
    bucket(keep.daily, &|t| (t.year(), t.month(), t.day()));
    bucket(keep.weekly, &|t| {
        let w = t.iso_week();
        (w.year(), w.week(), 0)
    });
    bucket(keep.monthly, &|t| (t.year(), t.month(), 0));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn keeps_the_newest_of_each_day_week_and_month() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        // Two backups a day for 100 days.
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 1, 0, 0).unwrap();
        let times: Vec<_> = (0..200).map(|i| start + chrono::Duration::hours(12 * i)).collect();
        let kept = plan(&times, tz, Keep::DEFAULT);
        assert!(kept.contains(&199), "the newest backup is always kept");
        // 7 days + up to 4 weeks + up to 12 months, with overlaps.
        assert!(kept.len() <= 7 + 4 + 12 + 1 && kept.len() >= 7, "{kept:?}");
        let kept_days: HashSet<_> = kept.iter().map(|&i| times[i].with_timezone(&tz).date_naive()).collect();
        assert_eq!(kept_days.len(), kept.len(), "never two backups of the same day");
    }
}
