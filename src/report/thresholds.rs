//! The thresholds of the monthly report: when a worker or a branch is flagged (R7.5) and what
//! the bad-record ledger tracks (R7.9). Stored as settings, changed by an administrator, every
//! change recorded on the timeline (R7.1); the report prints the thresholds it used.

use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{CoreError, Result};
use crate::workflow::load::setting_i64;
use crate::workflow::Ctx;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReportSettings {
    /// R7.5: a worker is flagged at this many complaints received in the month.
    pub worker_flag_min: i64,
    /// R7.5: a branch is flagged at this many complaints in the month per 100 active workers.
    pub branch_flag_per_100_workers: i64,
    /// R7.9: customers / workers with this many complaints in the window enter the ledger.
    pub ledger_min: i64,
    /// R7.9: the window, in days before the end of the month (at most 365).
    pub ledger_window_days: i64,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings { worker_flag_min: 3, branch_flag_per_100_workers: 100, ledger_min: 2, ledger_window_days: 90 }
    }
}

const KEYS: [(&str, std::ops::RangeInclusive<i64>); 4] = [
    ("report_worker_flag_min", 1..=10_000),
    ("report_branch_flag_per_100_workers", 1..=100_000),
    ("report_ledger_min", 2..=1000),
    ("report_ledger_window_days", 7..=365),
];

impl ReportSettings {
    fn values(&self) -> [i64; 4] {
        [self.worker_flag_min, self.branch_flag_per_100_workers, self.ledger_min, self.ledger_window_days]
    }
}

pub fn load(conn: &rusqlite::Connection) -> Result<ReportSettings> {
    let d = ReportSettings::default();
    let v = d.values();
    let get = |i: usize| -> Result<i64> {
        let (k, range) = &KEYS[i];
        Ok(setting_i64(conn, k, v[i])?.clamp(*range.start(), *range.end()))
    };
    Ok(ReportSettings { worker_flag_min: get(0)?, branch_flag_per_100_workers: get(1)?, ledger_min: get(2)?, ledger_window_days: get(3)? })
}

/// `report_settings`: the thresholds in force.
pub fn report_settings(ctx: &Ctx) -> Result<ReportSettings> {
    ctx.begin(None)?;
    load(ctx.conn)
}

/// `set_report_settings` (administrator): changes the thresholds; each change is recorded.
pub fn set_report_settings(ctx: &Ctx, a: &ReportSettings) -> Result<ReportSettings> {
    ctx.begin(None)?;
    let new = a.values();
    for (i, (key, range)) in KEYS.iter().enumerate() {
        if !range.contains(&new[i]) {
            return Err(CoreError::invalid(key.trim_start_matches("report_"), "out_of_range"));
        }
    }
    for (i, (key, _)) in KEYS.iter().enumerate() {
        let old: Option<String> = ctx.conn.query_row("SELECT value FROM settings WHERE key = ?1", params![key], |r| r.get(0)).optional()?;
        if old.as_deref() == Some(new[i].to_string().as_str()) {
            continue;
        }
        ctx.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, new[i].to_string()],
        )?;
        ctx.event(None, "setting_changed", json!({ "key": key, "from": old, "to": new[i] }))?;
    }
    load(ctx.conn)
}
