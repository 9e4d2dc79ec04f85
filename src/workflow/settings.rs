//! First-run defaults: a branch, the usual departments of a household-service company, an
//! administrator, both deadline policies, mainland China's business calendar and the rule
//! book's thresholds. Idempotent: running it on a set-up database changes nothing.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde_json::json;

use crate::clock::{new_id, ts};
use crate::deadlines::{BusinessCalendar, BusinessHours, DeadlinePolicy};
use crate::error::Result;
use crate::timeline;

/// Settings with their shipped defaults (all configurable by an administrator).
pub const DEFAULT_SETTINGS: &[(&str, &str)] = &[
    ("batch_threshold", "3"),
    ("repeat_window_days", "30"),
    ("compensation_approval_threshold_cents", "50000"),
    ("idle_lock_minutes", "15"),
];

pub const DEFAULT_DEPARTMENTS: &[(&str, &str, bool)] =
    &[("CS", "客服部", true), ("HS", "家政服务部", false), ("TR", "培训部", false), ("FI", "财务部", false), ("QA", "质检部", false)];

pub fn init_defaults(conn: &Connection, now: DateTime<Utc>) -> Result<bool> {
    let has_branch: i64 = conn.query_row("SELECT COUNT(*) FROM branches", [], |r| r.get(0))?;
    if has_branch > 0 {
        return Ok(false);
    }
    let t = ts(now);
    let hours = serde_json::to_string(&BusinessHours::default()).unwrap_or_default();
    let branch = new_id();
    conn.execute(
        "INSERT INTO branches (id, code, name, tz, phone, address, policy_code, calendar_code, hours_json, created_at)
         VALUES (?1, 'HQ', '总部客服中心', 'Asia/Shanghai', '400-800-1234', '', 'hourly', 'cn-mainland', ?2, ?3)",
        params![branch, hours, t],
    )?;
    for (code, name, is_cs) in DEFAULT_DEPARTMENTS {
        conn.execute("INSERT INTO departments (id, code, name, is_cs) VALUES (?1, ?2, ?3, ?4)", params![new_id(), code, name, is_cs])?;
    }
    conn.execute(
        "INSERT INTO users (id, login, name, role, branch_id, created_at) VALUES (?1, 'admin', '系统管理员', 'admin', ?2, ?3)",
        params![new_id(), branch, t],
    )?;
    for p in [DeadlinePolicy::household_default(), DeadlinePolicy::working_day_preset()] {
        conn.execute(
            "INSERT INTO deadline_policies (code, json, updated_at) VALUES (?1, ?2, ?3)",
            params![p.code, serde_json::to_string(&p).unwrap_or_default(), t],
        )?;
    }
    store_calendar(conn, "cn-mainland", &BusinessCalendar::china_mainland(), true)?;
    for (k, v) in DEFAULT_SETTINGS {
        conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)", params![k, v])?;
    }
    timeline::append(conn, None, now, None, "initialised", &json!({ "branch": "HQ" }))?;
    Ok(true)
}

/// Writes a calendar; with `replace_years`, the years it covers are replaced wholesale.
pub fn store_calendar(conn: &Connection, code: &str, cal: &BusinessCalendar, replace_years: bool) -> Result<()> {
    if replace_years {
        for y in &cal.loaded_years {
            conn.execute(
                "DELETE FROM calendar_days WHERE calendar = ?1 AND date >= ?2 AND date <= ?3",
                params![code, format!("{y:04}-01-01"), format!("{y:04}-12-31")],
            )?;
        }
    }
    for (date, entry) in &cal.days {
        let kind = match entry.kind {
            crate::deadlines::DayKind::Holiday => "holiday",
            crate::deadlines::DayKind::Workday => "workday",
        };
        conn.execute(
            "INSERT OR REPLACE INTO calendar_days (calendar, date, kind, name) VALUES (?1, ?2, ?3, ?4)",
            params![code, date.to_string(), kind, entry.name],
        )?;
    }
    for y in &cal.loaded_years {
        conn.execute("INSERT OR IGNORE INTO calendar_years (calendar, year) VALUES (?1, ?2)", params![code, y])?;
    }
    Ok(())
}
