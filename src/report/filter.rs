//! What a KPI, a list behind a figure or an export is about: a date range in the branch's time
//! zone plus any of the breakdown dimensions. The same filter value is what every breakdown row
//! carries, so "the complaints behind this figure" is always `kpi_complaints { filter, kpi }`.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::range::{month_of, Days, Month};
use crate::error::{CoreError, Result};
use crate::model::{Category, Channel, Nature, Tier};
use crate::workflow::Ctx;

/// The key of the "no worker named" row of the worker breakdown, and the filter value that
/// selects complaints without a worker (no worker code can contain parentheses).
pub const NONE_KEY: &str = "(none)";

/// Range and conditions of a report. The range is `month`, or `from_date`..=`until_date`, in
/// the branch's time zone; with neither, the current month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReportFilter {
    /// A calendar month, "YYYY-MM".
    pub month: Option<String>,
    /// First day of the range, included (YYYY-MM-DD).
    pub from_date: Option<NaiveDate>,
    /// Last day of the range, included (YYYY-MM-DD).
    pub until_date: Option<NaiveDate>,
    pub category: Option<Category>,
    /// Exact sub-category text.
    pub sub_category: Option<String>,
    pub channel: Option<Channel>,
    /// The tier frozen on the complaint (R2.2).
    pub tier: Option<Tier>,
    pub nature: Option<Nature>,
    /// Department id or code: the department the complaint was last dispatched to (customer
    /// service when never dispatched); for surveys, the department responsible when surveyed.
    pub department: Option<String>,
    /// Worker id or code; "(none)" for complaints that name no worker.
    pub worker: Option<String>,
    /// Branch id or code.
    pub branch: Option<String>,
}

/// A filter with its codes resolved to ids and its range to days.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub days: Days,
    pub category: Option<Category>,
    pub sub_category: Option<String>,
    pub channel: Option<Channel>,
    pub tier: Option<Tier>,
    pub nature: Option<Nature>,
    pub department: Option<String>,
    /// `Some(None)` = complaints without a worker.
    pub worker: Option<Option<String>>,
    pub branch: Option<String>,
}

impl ReportFilter {
    /// The days of the range; the current month of the first branch when none is given.
    pub fn days(&self, ctx: &Ctx) -> Result<Days> {
        match (&self.month, self.from_date, self.until_date) {
            (Some(m), None, None) if !m.trim().is_empty() => Ok(Days::month(Month::parse("month", m)?)),
            (Some(m), _, _) if !m.trim().is_empty() => Err(CoreError::invalid("month", "month_or_dates")),
            (_, Some(f), Some(u)) => Days::inclusive(f, u),
            (_, Some(_), None) => Err(CoreError::invalid("until_date", "required")),
            (_, None, Some(_)) => Err(CoreError::invalid("from_date", "required")),
            _ => Ok(Days::month(month_of(ctx.now, first_branch_tz(ctx)?))),
        }
    }

    pub fn resolve(&self, ctx: &Ctx) -> Result<Resolved> {
        let days = self.days(ctx)?;
        let some = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let department = match some(&self.department) {
            // Inactive departments stay reportable: their past complaints are still theirs.
            Some(d) => Some(lookup(ctx, "SELECT id FROM departments WHERE id = ?1 OR code = ?1", "department", &d)?),
            None => None,
        };
        let worker = match some(&self.worker) {
            Some(w) if w == NONE_KEY => Some(None),
            Some(w) => Some(Some(lookup(ctx, "SELECT id FROM workers WHERE id = ?1 OR code = ?1", "worker", &w)?)),
            None => None,
        };
        let branch = match some(&self.branch) {
            Some(b) => Some(lookup(ctx, "SELECT id FROM branches WHERE id = ?1 OR code = ?1", "branch", &b)?),
            None => None,
        };
        Ok(Resolved {
            days,
            category: self.category,
            sub_category: some(&self.sub_category),
            channel: self.channel,
            tier: self.tier,
            nature: self.nature,
            department,
            worker,
            branch,
        })
    }

    /// The same conditions over other days (a breakdown row of the month dimension, the
    /// previous month of a report).
    pub fn with_days(&self, days: Days) -> ReportFilter {
        let mut f = self.clone();
        match days.as_month() {
            Some(m) => {
                f.month = Some(m.key());
                f.from_date = None;
                f.until_date = None;
            }
            None => {
                f.month = None;
                f.from_date = Some(days.from);
                f.until_date = Some(days.until_inclusive());
            }
        }
        f
    }
}

fn lookup(ctx: &Ctx, sql: &str, what: &'static str, key: &str) -> Result<String> {
    ctx.conn
        .query_row(sql, params![key], |r| r.get::<_, String>(0))
        .optional()?
        .ok_or_else(|| CoreError::NotFound { what, key: key.to_string() })
}

pub fn first_branch_tz(ctx: &Ctx) -> Result<chrono_tz::Tz> {
    let tz: String = ctx.conn.query_row("SELECT tz FROM branches ORDER BY created_at, rowid LIMIT 1", [], |r| r.get(0))?;
    tz.parse().map_err(|_| CoreError::Integrity(format!("unknown time zone {tz}")))
}

/// The month before the one containing `now` in the first branch's zone: the month whose
/// report is due by the 5th (R7.3).
pub fn last_month(ctx: &Ctx, now: DateTime<Utc>) -> Result<Month> {
    Ok(month_of(now, first_branch_tz(ctx)?).prev())
}
