//! Loading what an operation needs: the complaint's current state and its branch's clock setup
//! (time zone, business calendar, opening hours, deadline policy).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection, OptionalExtension};

use crate::clock::stored_ts;
use crate::deadlines::{BusinessCalendar, BusinessHours, DeadlinePolicy};
use crate::error::{CoreError, Result};
use crate::model::{Category, Channel, Finding, Nature, Stage, Tier};

/// The fields of a complaint that rules look at.
#[derive(Debug, Clone)]
pub struct ComplaintState {
    pub rowid: i64,
    pub id: String,
    pub number: String,
    pub branch_id: String,
    pub customer_id: String,
    pub stage: Stage,
    pub tier: Tier,
    pub nature: Nature,
    pub major_reasons: Vec<String>,
    pub warning_level: u8,
    pub department_id: Option<String>,
    pub owner_id: String,
    pub received_at: DateTime<Utc>,
    pub channel: Channel,
    pub category: Category,
    pub finding: Option<Finding>,
    pub policy_code: String,
}

impl ComplaintState {
    pub fn is_vip_or_major(&self) -> bool {
        self.tier == Tier::Vip || self.nature == Nature::Major
    }
}

/// Finds a complaint by id or by its human-readable number.
pub fn complaint(conn: &Connection, key: &str) -> Result<ComplaintState> {
    let mut stmt = conn.prepare_cached(
        "SELECT rowid, id, number, branch_id, customer_id, stage, tier, nature, major_reasons, warning_level,
                department_id, owner_id, received_at, channel, category, finding, policy_code
         FROM complaints WHERE id = ?1 OR number = ?1",
    )?;
    stmt.query_row(params![key.trim()], |r| {
        let reasons: String = r.get(8)?;
        let received: String = r.get(12)?;
        let finding: Option<String> = r.get(15)?;
        Ok(ComplaintState {
            rowid: r.get(0)?,
            id: r.get(1)?,
            number: r.get(2)?,
            branch_id: r.get(3)?,
            customer_id: r.get(4)?,
            stage: r.get(5)?,
            tier: r.get(6)?,
            nature: r.get(7)?,
            major_reasons: serde_json::from_str(&reasons).unwrap_or_default(),
            warning_level: r.get(9)?,
            department_id: r.get(10)?,
            owner_id: r.get(11)?,
            received_at: stored_ts(&received),
            channel: r.get(13)?,
            category: r.get(14)?,
            finding: finding.as_deref().and_then(Finding::parse),
            policy_code: r.get(16)?,
        })
    })
    .optional()?
    .ok_or_else(|| CoreError::NotFound { what: "complaint", key: key.to_string() })
}

/// Everything the deadline clocks of one branch need.
pub struct BranchEnv {
    pub id: String,
    pub code: String,
    pub name: String,
    pub tz: Tz,
    pub hours: BusinessHours,
    pub calendar: BusinessCalendar,
    pub policy: DeadlinePolicy,
}

pub fn branch_env(conn: &Connection, branch_id: &str, policy_code: Option<&str>) -> Result<BranchEnv> {
    let (id, code, name, tz, hours, calendar_code, branch_policy): (String, String, String, String, String, String, String) = conn
        .prepare_cached("SELECT id, code, name, tz, hours_json, calendar_code, policy_code FROM branches WHERE id = ?1")?
        .query_row(params![branch_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .optional()?
        .ok_or_else(|| CoreError::NotFound { what: "branch", key: branch_id.to_string() })?;
    let tz: Tz = tz.parse().map_err(|_| CoreError::Integrity(format!("branch {code} has an unknown time zone")))?;
    let hours: BusinessHours = serde_json::from_str(&hours).unwrap_or_default();
    let calendar = calendar(conn, &calendar_code)?;
    let policy = policy(conn, policy_code.unwrap_or(&branch_policy))?;
    Ok(BranchEnv { id, code, name, tz, hours, calendar, policy })
}

pub fn calendar(conn: &Connection, code: &str) -> Result<BusinessCalendar> {
    let mut stmt = conn.prepare_cached("SELECT date, kind, name FROM calendar_days WHERE calendar = ?1 ORDER BY date")?;
    let rows: Vec<(String, String, String)> =
        stmt.query_map(params![code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut cal = BusinessCalendar::from_rows(rows.iter().map(|(d, k, n)| (d.as_str(), k.as_str(), n.as_str())))
        .map_err(|e| CoreError::Integrity(format!("calendar {code}: {e}")))?;
    let mut stmt = conn.prepare_cached("SELECT year FROM calendar_years WHERE calendar = ?1")?;
    cal.loaded_years = stmt.query_map(params![code], |r| r.get::<_, i32>(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(cal)
}

pub fn policy(conn: &Connection, code: &str) -> Result<DeadlinePolicy> {
    let json: String = conn
        .prepare_cached("SELECT json FROM deadline_policies WHERE code = ?1")?
        .query_row(params![code], |r| r.get(0))
        .optional()?
        .ok_or_else(|| CoreError::NotFound { what: "policy", key: code.to_string() })?;
    serde_json::from_str(&json).map_err(|e| CoreError::Integrity(format!("policy {code}: {e}")))
}

/// Typed settings with their defaults (administrators change them; changes are recorded).
pub fn setting_i64(conn: &Connection, key: &str, default: i64) -> Result<i64> {
    let v: Option<String> =
        conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?.query_row(params![key], |r| r.get(0)).optional()?;
    Ok(v.and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or(default))
}
