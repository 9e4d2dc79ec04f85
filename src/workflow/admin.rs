//! Administration: branch, departments, staff and roles, workers, policies, calendars, templates
//! (R3.7) and thresholds. Every change is recorded on the timeline.

use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::load;
use super::{text, Ctx};
use crate::clock::{new_id, ts};
use crate::deadlines::{BusinessCalendar, BusinessHours, DeadlinePolicy};
use crate::error::{CoreError, Result};
use crate::model::Role;
use crate::reply::{Code, Created, Done, Login};

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentArgs {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub is_cs: bool,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn code(field: &str, v: &str) -> Result<String> {
    let v = text(field, v, true, 32)?;
    if !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(CoreError::invalid(field, "bad_code"));
    }
    Ok(v)
}

pub fn upsert_department(ctx: &Ctx, a: &DepartmentArgs) -> Result<Code> {
    ctx.begin(None)?;
    let c = code("code", &a.code)?;
    let name = text("name", &a.name, true, 100)?;
    ctx.conn.execute(
        "INSERT INTO departments (id, code, name, is_cs, active) VALUES (?1,?2,?3,?4,?5)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, is_cs = excluded.is_cs, active = excluded.active",
        params![new_id(), c, name, a.is_cs, a.active],
    )?;
    ctx.event(None, "department_saved", json!({ "code": c, "name": name, "active": a.active }))?;
    Ok(Code { code: c })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserArgs {
    pub login: String,
    pub name: String,
    pub role: Role,
    /// Department code; required for department handlers.
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    /// Initial or reset password (hashed with Argon2id; never stored as given).
    #[serde(default)]
    pub password: Option<String>,
}

pub fn upsert_user(ctx: &Ctx, a: &UserArgs) -> Result<Login> {
    ctx.begin(None)?;
    let login = code("login", &a.login)?;
    let name = text("name", &a.name, true, 100)?;
    let dept = match a.department.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => Some(super::dispatch::department_id(ctx, d)?),
        None => None,
    };
    if a.role == Role::DeptHandler && dept.is_none() {
        return Err(CoreError::invalid("department", "required"));
    }
    if login == ctx.actor.login && (!a.active || a.role != Role::Admin) {
        return Err(CoreError::precondition("R7.7", "cannot_demote_self"));
    }
    let branch: Option<String> = ctx.actor.branch_id.clone();
    ctx.conn.execute(
        "INSERT INTO users (id, login, name, role, department_id, branch_id, active, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)
         ON CONFLICT (login) DO UPDATE SET name = excluded.name, role = excluded.role, department_id = excluded.department_id,
            active = excluded.active",
        params![new_id(), login, name, a.role, dept, branch, a.active, ts(ctx.now)],
    )?;
    if let Some(pw) = a.password.as_deref().filter(|p| !p.is_empty()) {
        let hash = crate::auth::hash_password(pw)?;
        // The administrator knows the password they typed: the account's owner must choose
        // their own at the first sign-in (R7.7).
        let must_change = login != ctx.actor.login;
        ctx.conn.execute(
            "UPDATE users SET password_hash = ?1, must_change_password = ?2 WHERE login = ?3",
            params![hash, must_change, login],
        )?;
    }
    ctx.event(None, "user_saved", json!({ "login": login, "role": a.role, "active": a.active, "password_set": a.password.is_some() }))?;
    Ok(Login { login })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerArgs {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default = "yes")]
    pub active: bool,
}

pub fn upsert_worker(ctx: &Ctx, a: &WorkerArgs) -> Result<Code> {
    ctx.begin(None)?;
    let c = code("code", &a.code)?;
    let name = text("name", &a.name, true, 100)?;
    let kind = text("kind", &a.kind, false, 50)?;
    let phone = text("phone", &a.phone, false, 30)?;
    ctx.conn.execute(
        "INSERT INTO workers (id, code, name, kind, branch_id, phone, active) VALUES (?1,?2,?3,?4,?5,?6,?7)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, phone = excluded.phone, active = excluded.active",
        params![new_id(), c, name, kind, ctx.actor.branch_id, phone, a.active],
    )?;
    ctx.event(None, "worker_saved", json!({ "code": c, "name": name }))?;
    Ok(Code { code: c })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateArgs {
    #[serde(default)]
    pub id: Option<String>,
    /// description | dispatch_note | reply | decision
    pub kind: String,
    pub title: String,
    pub body: String,
    #[serde(default = "yes")]
    pub active: bool,
}

/// R3.7: common phrases and templates.
pub fn upsert_template(ctx: &Ctx, a: &TemplateArgs) -> Result<Created> {
    ctx.begin(None)?;
    if !["description", "dispatch_note", "reply", "decision"].contains(&a.kind.as_str()) {
        return Err(CoreError::invalid("kind", "unknown_template_kind"));
    }
    let title = text("title", &a.title, true, 100)?;
    let body = text("body", &a.body, true, 4000)?;
    let id = a.id.clone().unwrap_or_else(new_id);
    ctx.conn.execute(
        "INSERT INTO templates (id, kind, title, body, active, created_by, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, body = excluded.body, active = excluded.active",
        params![id, a.kind, title, body, a.active, ctx.actor.id, ts(ctx.now)],
    )?;
    ctx.event(None, "template_saved", json!({ "id": id, "kind": a.kind, "title": title }))?;
    Ok(Created { id })
}

#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct BranchArgs {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// IANA time zone, e.g. Asia/Shanghai or Europe/Madrid.
    pub tz: Option<String>,
    pub hours: Option<BusinessHours>,
}

fn own_branch(ctx: &Ctx) -> Result<String> {
    match &ctx.actor.branch_id {
        Some(b) => Ok(b.clone()),
        None => Ok(ctx.conn.query_row("SELECT id FROM branches ORDER BY created_at LIMIT 1", [], |r| r.get(0))?),
    }
}

pub fn update_branch(ctx: &Ctx, a: &BranchArgs) -> Result<Done> {
    ctx.begin(None)?;
    let b = own_branch(ctx)?;
    if let Some(n) = &a.name {
        ctx.conn.execute("UPDATE branches SET name = ?1 WHERE id = ?2", params![text("name", n, true, 100)?, b])?;
    }
    if let Some(p) = &a.phone {
        ctx.conn.execute("UPDATE branches SET phone = ?1 WHERE id = ?2", params![text("phone", p, false, 30)?, b])?;
    }
    if let Some(p) = &a.address {
        ctx.conn.execute("UPDATE branches SET address = ?1 WHERE id = ?2", params![text("address", p, false, 300)?, b])?;
    }
    if let Some(tz) = &a.tz {
        tz.parse::<chrono_tz::Tz>().map_err(|_| CoreError::invalid("tz", "unknown_time_zone"))?;
        ctx.conn.execute("UPDATE branches SET tz = ?1 WHERE id = ?2", params![tz, b])?;
    }
    if let Some(h) = &a.hours {
        h.validate().map_err(|_| CoreError::invalid("hours", "bad_business_hours"))?;
        ctx.conn.execute("UPDATE branches SET hours_json = ?1 WHERE id = ?2", params![serde_json::to_string(h).unwrap_or_default(), b])?;
    }
    ctx.event(
        None,
        "branch_updated",
        serde_json::to_value(json!({ "name": a.name, "tz": a.tz, "hours": a.hours })).unwrap_or(Value::Null),
    )?;
    Ok(Done::OK)
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPolicyArgs {
    pub policy: DeadlinePolicy,
}

/// R4.4: policies are data; an administrator may add or change one.
pub fn set_policy(ctx: &Ctx, a: &SetPolicyArgs) -> Result<Code> {
    ctx.begin(None)?;
    a.policy.validate().map_err(|e| CoreError::Invalid { field: "policy".into(), reason: format!("bad_policy: {e}") })?;
    let json = serde_json::to_string(&a.policy).map_err(|e| CoreError::BadArguments(e.to_string()))?;
    ctx.conn.execute(
        "INSERT INTO deadline_policies (code, json, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (code) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
        params![a.policy.code, json, ts(ctx.now)],
    )?;
    ctx.event(None, "policy_saved", serde_json::to_value(&a.policy).unwrap_or(Value::Null))?;
    Ok(Code { code: a.policy.code.clone() })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectPolicyArgs {
    pub code: String,
}

/// The branch's policy for complaints registered from now on (existing ones keep theirs).
pub fn select_policy(ctx: &Ctx, a: &SelectPolicyArgs) -> Result<Code> {
    ctx.begin(None)?;
    load::policy(ctx.conn, &a.code)?;
    let b = own_branch(ctx)?;
    ctx.conn.execute("UPDATE branches SET policy_code = ?1 WHERE id = ?2", params![a.code, b])?;
    ctx.event(None, "policy_selected", json!({ "code": a.code }))?;
    Ok(Code { code: a.code.clone() })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportCalendarArgs {
    /// CSV text: date,kind,name (kind = holiday | workday).
    pub csv: String,
}

/// What a calendar import loaded: the years now counted as complete (R4.5: a deadline in a year
/// without data carries a warning) and how many exception days they hold.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CalendarImported {
    pub years: Vec<i32>,
    pub days: usize,
}

/// R4.5: loads or replaces whole years of the branch's business calendar.
pub fn import_calendar(ctx: &Ctx, a: &ImportCalendarArgs) -> Result<CalendarImported> {
    ctx.begin(None)?;
    if a.csv.len() > 1_000_000 {
        return Err(CoreError::invalid("csv", "too_long"));
    }
    let cal = BusinessCalendar::from_csv(&a.csv)
        .map_err(|e| CoreError::Invalid { field: "csv".into(), reason: format!("bad_calendar_csv: {e}") })?;
    let code = branch_calendar(ctx)?;
    super::settings::store_calendar(ctx.conn, &code, &cal, true)?;
    recompute_open_deadlines(ctx, &code)?;
    let years: Vec<i32> = cal.loaded_years.iter().copied().collect();
    ctx.event(None, "calendar_imported", json!({ "calendar": code, "years": years, "days": cal.days.len() }))?;
    Ok(CalendarImported { years, days: cal.days.len() })
}

/// R4.5: a deadline computed without a year's data is shown with a warning only until the year
/// is loaded, so the open steps on calendar clocks follow the newly imported calendar.
pub(crate) fn recompute_open_deadlines(ctx: &Ctx, calendar_code: &str) -> Result<()> {
    let ids: Vec<String> = ctx
        .conn
        .prepare(
            "SELECT DISTINCT s.complaint_id FROM steps s JOIN complaints c ON c.id = s.complaint_id
             JOIN branches b ON b.id = c.branch_id
             WHERE b.calendar_code = ?1 AND s.completed_at IS NULL AND s.limit_json NOT LIKE '%\"wall\"%'",
        )?
        .query_map(params![calendar_code], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut envs: std::collections::HashMap<(String, String), load::BranchEnv> = std::collections::HashMap::new();
    for id in ids {
        let c = load::complaint(ctx.conn, &id)?;
        let key = (c.branch_id.clone(), c.policy_code.clone());
        if !envs.contains_key(&key) {
            envs.insert(key.clone(), load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?);
        }
        super::steps::recompute_open(ctx, &envs[&key], &c)?;
    }
    Ok(())
}

fn branch_calendar(ctx: &Ctx) -> Result<String> {
    let b = own_branch(ctx)?;
    Ok(ctx.conn.query_row("SELECT calendar_code FROM branches WHERE id = ?1", params![b], |r| r.get(0))?)
}

/// The branch's calendar as the CSV that `import_calendar` reads, so it can be edited in a
/// spreadsheet and loaded back.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CalendarCsv {
    /// The calendar's code.
    pub calendar: String,
    pub csv: String,
}

pub fn export_calendar(ctx: &Ctx) -> Result<CalendarCsv> {
    ctx.begin(None)?;
    let code = branch_calendar(ctx)?;
    let cal = load::calendar(ctx.conn, &code)?;
    Ok(CalendarCsv { calendar: code, csv: cal.to_csv() })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSettingArgs {
    pub key: String,
    pub value: String,
}

/// A numeric setting as stored after `set_setting` (parsed and range-checked).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SettingSet {
    pub key: String,
    pub value: i64,
}

pub fn set_setting(ctx: &Ctx, a: &SetSettingArgs) -> Result<SettingSet> {
    ctx.begin(None)?;
    let range = match a.key.as_str() {
        "batch_threshold" => 2..=1000,
        "repeat_window_days" => 1..=3650,
        "compensation_approval_threshold_cents" => 0..=1_000_000_000,
        "idle_lock_minutes" => 1..=1440,
        _ => return Err(CoreError::invalid("key", "unknown_setting")),
    };
    let v: i64 = a.value.trim().parse().map_err(|_| CoreError::invalid("value", "not_a_number"))?;
    if !range.contains(&v) {
        return Err(CoreError::invalid("value", "out_of_range"));
    }
    let old: Option<String> = ctx.conn.query_row("SELECT value FROM settings WHERE key = ?1", params![a.key], |r| r.get(0)).optional()?;
    ctx.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![a.key, v.to_string()],
    )?;
    ctx.event(None, "setting_changed", json!({ "key": a.key, "from": old, "to": v }))?;
    Ok(SettingSet { key: a.key.clone(), value: v })
}

/// The settings screen and the intake form's defaults in one read: the numeric settings, the
/// branch as configured and every deadline policy (R4.4).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Settings {
    /// Every stored setting, key → its text as stored (numbers are stored as text).
    pub settings: std::collections::BTreeMap<String, String>,
    pub branch: BranchSettings,
    pub policies: Vec<DeadlinePolicy>,
}

/// The caller's branch as `update_branch` and friends configure it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BranchSettings {
    pub code: String,
    pub name: String,
    /// IANA time zone of the branch, e.g. `Asia/Shanghai`.
    pub tz: String,
    pub phone: String,
    pub address: String,
    /// The policy new complaints get (R4.4).
    pub policy_code: String,
    pub calendar_code: String,
    /// Null only if the stored hours cannot be read (the deadline clock then uses the defaults).
    pub hours: Option<BusinessHours>,
}

pub fn get_settings(ctx: &Ctx) -> Result<Settings> {
    ctx.begin(None)?;
    let mut stmt = ctx.conn.prepare("SELECT key, value FROM settings ORDER BY key")?;
    let settings = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let b = own_branch(ctx)?;
    let branch = ctx.conn.query_row(
        "SELECT code, name, tz, phone, address, policy_code, calendar_code, hours_json FROM branches WHERE id = ?1",
        params![b],
        |r| {
            Ok(BranchSettings {
                code: r.get(0)?,
                name: r.get(1)?,
                tz: r.get(2)?,
                phone: r.get(3)?,
                address: r.get(4)?,
                policy_code: r.get(5)?,
                calendar_code: r.get(6)?,
                hours: serde_json::from_str(&r.get::<_, String>(7)?).ok(),
            })
        },
    )?;
    let mut stmt = ctx.conn.prepare("SELECT json FROM deadline_policies ORDER BY code")?;
    let policies: Vec<DeadlinePolicy> =
        stmt.query_map([], |r| r.get::<_, String>(0))?.filter_map(|s| s.ok().and_then(|s| serde_json::from_str(&s).ok())).collect();
    Ok(Settings { settings, branch, policies })
}

/// The pickers' data: departments, staff, workers and templates, as stored. The flags stay the
/// 0/1 integers SQLite keeps, as the window has always read them.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReferenceData {
    pub departments: Vec<RefDepartment>,
    pub users: Vec<RefUser>,
    pub workers: Vec<RefWorker>,
    /// Active templates only (R3.7).
    pub templates: Vec<RefTemplate>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RefDepartment {
    pub id: String,
    pub code: String,
    pub name: String,
    /// 1 for the customer-service department itself.
    pub is_cs: i64,
    pub active: i64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RefUser {
    pub id: String,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub department_id: Option<String>,
    pub active: i64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RefWorker {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub active: i64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RefTemplate {
    pub id: String,
    /// description | dispatch_note | reply | decision
    pub kind: String,
    pub title: String,
    pub body: String,
}

/// Pickers' data: departments, staff, workers, templates.
pub fn reference_data(ctx: &Ctx) -> Result<ReferenceData> {
    ctx.begin(None)?;
    fn list<T>(ctx: &Ctx, sql: &str, f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>) -> Result<Vec<T>> {
        let mut stmt = ctx.conn.prepare(sql)?;
        let rows = stmt.query_map([], f)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
    Ok(ReferenceData {
        departments: list(ctx, "SELECT id, code, name, is_cs, active FROM departments ORDER BY code", |r| {
            Ok(RefDepartment { id: r.get(0)?, code: r.get(1)?, name: r.get(2)?, is_cs: r.get(3)?, active: r.get(4)? })
        })?,
        users: list(ctx, "SELECT id, login, name, role, department_id, active FROM users ORDER BY login", |r| {
            Ok(RefUser { id: r.get(0)?, login: r.get(1)?, name: r.get(2)?, role: r.get(3)?, department_id: r.get(4)?, active: r.get(5)? })
        })?,
        workers: list(ctx, "SELECT id, code, name, kind, active FROM workers ORDER BY code", |r| {
            Ok(RefWorker { id: r.get(0)?, code: r.get(1)?, name: r.get(2)?, kind: r.get(3)?, active: r.get(4)? })
        })?,
        templates: list(ctx, "SELECT id, kind, title, body FROM templates WHERE active = 1 ORDER BY kind, title", |r| {
            Ok(RefTemplate { id: r.get(0)?, kind: r.get(1)?, title: r.get(2)?, body: r.get(3)? })
        })?,
    })
}
