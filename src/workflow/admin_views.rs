//! What the Settings and escalation screens need besides `admin.rs`: paged lists an administrator
//! edits from (workers, templates, filed duty rosters), one year of the business calendar with
//! single-day edits (R4.5), the branch code and logo (printed on every document), and which
//! levels of the escalation chain the signed-in user may acknowledge (R3.8).

use base64::Engine;
use chrono::{Datelike, NaiveDate, Weekday};
use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{text, Ctx};
use crate::deadlines::DayKind;
use crate::error::{CoreError, Result};
use crate::model::EscalationLevel;
use crate::reply::{Code, Done};

fn own_branch(ctx: &Ctx) -> Result<String> {
    match &ctx.actor.branch_id {
        Some(b) => Ok(b.clone()),
        None => Ok(ctx.conn.query_row("SELECT id FROM branches ORDER BY created_at LIMIT 1", [], |r| r.get(0))?),
    }
}

fn like_pattern(q: &str) -> String {
    format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

// --- workers -------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ListWorkersArgs {
    /// Part of the name, code, kind or phone; empty lists everyone.
    pub text: String,
    /// Also list workers marked inactive (to reactivate them).
    pub include_inactive: bool,
    pub offset: u32,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WorkerRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub phone: String,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WorkerPage {
    /// How many workers match, for the pager.
    pub total: u32,
    pub rows: Vec<WorkerRow>,
}

/// A company may have tens of thousands of workers: the administrator pages and searches.
pub fn list_workers(ctx: &Ctx, a: &ListWorkersArgs) -> Result<WorkerPage> {
    ctx.begin(None)?;
    let q = text("text", &a.text, false, 50)?;
    let like = like_pattern(&q);
    let limit = a.limit.unwrap_or(50).clamp(1, 200);
    let filter = "(?1 OR active = 1) AND (name LIKE ?2 ESCAPE '\\' OR code LIKE ?2 ESCAPE '\\' OR kind LIKE ?2 ESCAPE '\\' OR phone LIKE ?2 ESCAPE '\\')";
    let total: u32 =
        ctx.conn.query_row(&format!("SELECT COUNT(*) FROM workers WHERE {filter}"), params![a.include_inactive, like], |r| r.get(0))?;
    let mut stmt = ctx
        .conn
        .prepare_cached(&format!("SELECT code, name, kind, phone, active FROM workers WHERE {filter} ORDER BY code LIMIT ?3 OFFSET ?4"))?;
    let rows = stmt
        .query_map(params![a.include_inactive, like, limit, a.offset], |r| {
            Ok(WorkerRow { code: r.get(0)?, name: r.get(1)?, kind: r.get(2)?, phone: r.get(3)?, active: r.get(4)? })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(WorkerPage { total, rows })
}

// --- templates -----------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TemplateRow {
    pub id: String,
    /// description | dispatch_note | reply | decision
    pub kind: String,
    pub title: String,
    pub body: String,
    pub active: bool,
}

/// R3.7: every common phrase, retired ones included, for the people who maintain them.
pub fn list_templates(ctx: &Ctx) -> Result<Vec<TemplateRow>> {
    ctx.begin(None)?;
    let mut stmt = ctx.conn.prepare_cached("SELECT id, kind, title, body, active FROM templates ORDER BY kind, title LIMIT 5000")?;
    let rows = stmt
        .query_map([], |r| Ok(TemplateRow { id: r.get(0)?, kind: r.get(1)?, title: r.get(2)?, body: r.get(3)?, active: r.get(4)? }))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

// --- business calendar ---------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarYearArgs {
    pub year: i32,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CalendarDay {
    /// YYYY-MM-DD, branch local.
    pub date: String,
    pub kind: DayKind,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CalendarYear {
    pub calendar: String,
    pub year: i32,
    /// False: deadlines in this year use weekends alone and carry a warning (R4.5).
    pub loaded: bool,
    pub loaded_years: Vec<i32>,
    /// Holidays and adjusted working days (调休) of the year, in date order.
    pub days: Vec<CalendarDay>,
}

fn branch_calendar(ctx: &Ctx) -> Result<String> {
    let b = own_branch(ctx)?;
    Ok(ctx.conn.query_row("SELECT calendar_code FROM branches WHERE id = ?1", params![b], |r| r.get(0))?)
}

/// R4.5: one year of the branch's business calendar.
pub fn calendar_year(ctx: &Ctx, a: &CalendarYearArgs) -> Result<CalendarYear> {
    ctx.begin(None)?;
    if !(1970..=2200).contains(&a.year) {
        return Err(CoreError::invalid("year", "out_of_range"));
    }
    let code = branch_calendar(ctx)?;
    let loaded_years: Vec<i32> = ctx
        .conn
        .prepare_cached("SELECT year FROM calendar_years WHERE calendar = ?1 ORDER BY year")?
        .query_map(params![code], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = ctx
        .conn
        .prepare_cached("SELECT date, kind, name FROM calendar_days WHERE calendar = ?1 AND date >= ?2 AND date <= ?3 ORDER BY date")?;
    let days = stmt
        .query_map(params![code, format!("{:04}-01-01", a.year), format!("{:04}-12-31", a.year)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?
        .filter_map(|row| match row {
            Ok((date, kind, name)) => DayKind::parse(&kind).map(|kind| Ok(CalendarDay { date, kind, name })),
            Err(e) => Some(Err(e)),
        })
        .collect::<rusqlite::Result<_>>()?;
    Ok(CalendarYear { calendar: code, year: a.year, loaded: loaded_years.contains(&a.year), loaded_years, days })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCalendarDayArgs {
    pub date: NaiveDate,
    /// holiday | workday; null removes the date's row (it becomes an ordinary weekday or weekend).
    pub kind: Option<DayKind>,
    /// The festival it belongs to (春节, 国庆节 …).
    #[serde(default)]
    pub name: String,
}

/// The exception day as it now stands; `kind` is null when the day was removed and follows the
/// week again.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CalendarDaySet {
    pub date: String,
    pub kind: Option<DayKind>,
}

/// R4.5: adds, changes or removes one exception day. Which years count as loaded is left to the
/// import of a whole year, so a single early entry cannot silence the missing-year warning.
pub fn set_calendar_day(ctx: &Ctx, a: &SetCalendarDayArgs) -> Result<CalendarDaySet> {
    ctx.begin(None)?;
    let name = text("name", &a.name, false, 100)?;
    let code = branch_calendar(ctx)?;
    let date = a.date.format("%Y-%m-%d").to_string();
    let before: Option<(String, String)> = ctx
        .conn
        .query_row("SELECT kind, name FROM calendar_days WHERE calendar = ?1 AND date = ?2", params![code, date], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match a.kind {
        Some(kind) => {
            if kind == DayKind::Workday && !matches!(a.date.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(CoreError::invalid("date", "workday_not_on_weekend"));
            }
            ctx.conn.execute(
                "INSERT OR REPLACE INTO calendar_days (calendar, date, kind, name) VALUES (?1, ?2, ?3, ?4)",
                params![code, date, kind.as_str(), name],
            )?;
        }
        None => {
            if before.is_none() {
                return Err(CoreError::NotFound { what: "calendar_day", key: date });
            }
            ctx.conn.execute("DELETE FROM calendar_days WHERE calendar = ?1 AND date = ?2", params![code, date])?;
        }
    }
    super::admin::recompute_open_deadlines(ctx, &code)?;
    ctx.event(
        None,
        "calendar_day_set",
        json!({ "calendar": code, "date": date, "kind": a.kind, "name": name, "before": before.map(|(k, n)| json!({ "kind": k, "name": n })) }),
    )?;
    Ok(CalendarDaySet { date, kind: a.kind })
}

// --- duty rosters (R3.9) ---------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RosterRow {
    pub id: String,
    pub department_code: String,
    pub department_name: String,
    pub holiday_name: String,
    pub start_date: String,
    pub end_date: String,
    pub content: String,
    pub filed_by: String,
    pub filed_at: String,
    /// Filed at least 2 days before the holiday (R3.9).
    pub on_time: bool,
}

/// R3.9: the duty rosters filed so far, newest first.
pub fn duty_rosters(ctx: &Ctx) -> Result<Vec<RosterRow>> {
    ctx.begin(None)?;
    let mut stmt = ctx.conn.prepare_cached(
        "SELECT r.id, d.code, d.name, r.holiday_name, r.start_date, r.end_date, r.content, u.name, r.filed_at, r.on_time
         FROM duty_rosters r JOIN departments d ON d.id = r.department_id JOIN users u ON u.id = r.filed_by
         ORDER BY r.start_date DESC, d.code, r.filed_at DESC LIMIT 500",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(RosterRow {
                id: r.get(0)?,
                department_code: r.get(1)?,
                department_name: r.get(2)?,
                holiday_name: r.get(3)?,
                start_date: r.get(4)?,
                end_date: r.get(5)?,
                content: r.get(6)?,
                filed_by: r.get(7)?,
                filed_at: r.get(8)?,
                on_time: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

// --- branch code and logo --------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetBranchCodeArgs {
    /// Letters, digits, - and _; the prefix of new complaint numbers.
    pub code: String,
}

/// The branch code prefixes complaint numbers; numbers already given keep theirs.
pub fn set_branch_code(ctx: &Ctx, a: &SetBranchCodeArgs) -> Result<Code> {
    ctx.begin(None)?;
    let code = text("code", &a.code, true, 16)?;
    if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(CoreError::invalid("code", "bad_code"));
    }
    let b = own_branch(ctx)?;
    let old: String = ctx.conn.query_row("SELECT code FROM branches WHERE id = ?1", params![b], |r| r.get(0))?;
    if old == code {
        return Ok(Code { code });
    }
    let taken: bool = ctx.conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM branches WHERE code = ?1 AND id <> ?2)
             OR EXISTS (SELECT 1 FROM complaints WHERE number LIKE ?3 ESCAPE '\\' AND branch_id <> ?2)",
        params![code, b, format!("{}-%", code.replace('_', "\\_"))],
        |r| r.get(0),
    )?;
    if taken {
        return Err(CoreError::invalid("code", "code_taken"));
    }
    ctx.conn.execute("UPDATE branches SET code = ?1 WHERE id = ?2", params![code, b])?;
    ctx.event(None, "branch_updated", json!({ "code": { "from": old, "to": code } }))?;
    Ok(Code { code })
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BranchLogo {
    /// The logo as PNG, base64; null when the branch has none.
    pub png_base64: Option<String>,
}

pub fn branch_logo(ctx: &Ctx) -> Result<BranchLogo> {
    ctx.begin(None)?;
    let b = own_branch(ctx)?;
    let png: Option<Vec<u8>> = ctx.conn.query_row("SELECT logo_png FROM branches WHERE id = ?1", params![b], |r| r.get(0))?;
    Ok(BranchLogo { png_base64: png.map(|p| base64::engine::general_purpose::STANDARD.encode(p)) })
}

/// The logo is printed in the header of every document; keep it small.
const MAX_LOGO_BYTES: usize = 512 * 1024;
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetBranchLogoArgs {
    /// PNG, base64 (at most 512 KiB); null removes the logo.
    pub png_base64: Option<String>,
}

pub fn set_branch_logo(ctx: &Ctx, a: &SetBranchLogoArgs) -> Result<Done> {
    ctx.begin(None)?;
    let b = own_branch(ctx)?;
    let png = match a.png_base64.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            if s.len() > MAX_LOGO_BYTES * 4 / 3 + 8 {
                return Err(CoreError::invalid("logo", "logo_too_large"));
            }
            let bytes = base64::engine::general_purpose::STANDARD.decode(s).map_err(|_| CoreError::invalid("logo", "logo_not_png"))?;
            if bytes.len() > MAX_LOGO_BYTES {
                return Err(CoreError::invalid("logo", "logo_too_large"));
            }
            if !bytes.starts_with(PNG_MAGIC) {
                return Err(CoreError::invalid("logo", "logo_not_png"));
            }
            Some(bytes)
        }
    };
    let bytes = png.as_ref().map(|p| p.len()).unwrap_or(0);
    ctx.conn.execute("UPDATE branches SET logo_png = ?1 WHERE id = ?2", params![png, b])?;
    ctx.event(None, "branch_logo_set", json!({ "bytes": bytes, "removed": png.is_none() }))?;
    Ok(Done::OK)
}

// --- escalation chain --------------------------------------------------------------------------

/// R3.8: the levels of the chain the signed-in user may acknowledge, in chain order.
pub fn acknowledgeable_levels(ctx: &Ctx) -> Result<Vec<EscalationLevel>> {
    ctx.begin(None)?;
    Ok(EscalationLevel::ALL.iter().copied().filter(|l| super::acceptance::may_acknowledge(ctx.actor.role, *l)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use chrono::{DateTime, Utc};
    use serde_json::Value;

    fn setup() -> (Store, DateTime<Utc>) {
        let store = Store::open_in_memory().unwrap();
        let now = DateTime::parse_from_rfc3339("2026-03-10T02:00:00Z").unwrap().with_timezone(&Utc);
        crate::workflow::settings::init_defaults(&store.conn, now).unwrap();
        (store, now)
    }

    fn call(
        store: &mut Store,
        now: DateTime<Utc>,
        login: &str,
        name: &str,
        args: Value,
    ) -> std::result::Result<Value, crate::error::ApiError> {
        crate::api::call(store, now, login, name, args)
    }

    #[test]
    fn workers_are_paged_and_searched() {
        let (mut s, now) = setup();
        for i in 0..75 {
            call(
                &mut s,
                now,
                "admin",
                "upsert_worker",
                json!({ "code": format!("W{i:04}"), "name": format!("工{i}"), "phone": "13900000000" }),
            )
            .unwrap();
        }
        call(&mut s, now, "admin", "upsert_worker", json!({ "code": "X1", "name": "钱多多", "active": false })).unwrap();
        let p = call(&mut s, now, "admin", "list_workers", json!({ "limit": 20, "offset": 60 })).unwrap();
        assert_eq!(p["total"], 75, "inactive workers are left out by default");
        assert_eq!(p["rows"].as_array().unwrap().len(), 15);
        assert_eq!(p["rows"][0]["phone"], "13900000000");
        let p = call(&mut s, now, "admin", "list_workers", json!({ "text": "钱", "include_inactive": true })).unwrap();
        assert_eq!(p["total"], 1);
        assert_eq!(p["rows"][0]["active"], false);
        let p = call(&mut s, now, "admin", "list_workers", json!({ "text": "%" })).unwrap();
        assert_eq!(p["total"], 0, "LIKE wildcards are literal");
    }

    #[test]
    fn calendar_days_are_listed_added_and_removed() {
        // R4.5: holidays and adjusted working days of a year, editable one by one.
        let (mut s, now) = setup();
        let y = call(&mut s, now, "admin", "calendar_year", json!({ "year": 2026 })).unwrap();
        assert_eq!(y["loaded"], true);
        assert!(y["days"].as_array().unwrap().iter().any(|d| d["kind"] == "workday"), "调休 days are listed");
        let e = call(&mut s, now, "admin", "set_calendar_day", json!({ "date": "2027-03-03", "kind": "workday" })).unwrap_err();
        assert_eq!(e.code, "invalid");
        assert_eq!(e.details["reason"], "workday_not_on_weekend");
        call(&mut s, now, "admin", "set_calendar_day", json!({ "date": "2027-01-01", "kind": "holiday", "name": "元旦" })).unwrap();
        let y = call(&mut s, now, "cs01x", "calendar_year", json!({ "year": 2027 }));
        assert_eq!(y.unwrap_err().code, "unauthenticated");
        let y = call(&mut s, now, "admin", "calendar_year", json!({ "year": 2027 })).unwrap();
        assert_eq!(y["days"], json!([{ "date": "2027-01-01", "kind": "holiday", "name": "元旦" }]));
        assert_eq!(y["loaded"], false, "one day does not make a year loaded");
        call(&mut s, now, "admin", "set_calendar_day", json!({ "date": "2027-01-01", "kind": null })).unwrap();
        let y = call(&mut s, now, "admin", "calendar_year", json!({ "year": 2027 })).unwrap();
        assert!(y["days"].as_array().unwrap().is_empty());
        let e = call(&mut s, now, "admin", "set_calendar_day", json!({ "date": "2027-01-01", "kind": null })).unwrap_err();
        assert_eq!(e.code, "not_found");
    }

    #[test]
    fn branch_code_and_logo() {
        let (mut s, now) = setup();
        call(&mut s, now, "admin", "set_branch_code", json!({ "code": "SH" })).unwrap();
        assert_eq!(call(&mut s, now, "admin", "get_settings", json!({})).unwrap()["branch"]["code"], "SH");
        assert_eq!(call(&mut s, now, "admin", "set_branch_code", json!({ "code": "上海" })).unwrap_err().code, "invalid");
        assert_eq!(call(&mut s, now, "admin", "branch_logo", json!({})).unwrap()["png_base64"], Value::Null);
        let e = call(&mut s, now, "admin", "set_branch_logo", json!({ "png_base64": "aGVsbG8=" })).unwrap_err();
        assert_eq!(e.details["reason"], "logo_not_png");
        let png = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nrest");
        call(&mut s, now, "admin", "set_branch_logo", json!({ "png_base64": png })).unwrap();
        assert_eq!(call(&mut s, now, "admin", "branch_logo", json!({})).unwrap()["png_base64"], png.as_str());
        call(&mut s, now, "admin", "set_branch_logo", json!({ "png_base64": null })).unwrap();
        assert_eq!(call(&mut s, now, "admin", "branch_logo", json!({})).unwrap()["png_base64"], Value::Null);
    }

    #[test]
    fn rosters_and_templates_are_listed() {
        let (mut s, now) = setup();
        call(
            &mut s,
            now,
            "admin",
            "file_duty_roster",
            json!({
                "department": "HS", "holiday_name": "劳动节", "start_date": "2026-05-01", "end_date": "2026-05-05", "content": "赵磊",
            }),
        )
        .unwrap();
        let r = call(&mut s, now, "admin", "duty_rosters", json!({})).unwrap();
        assert_eq!(r[0]["department_code"], "HS");
        assert_eq!(r[0]["on_time"], true);
        call(&mut s, now, "admin", "upsert_template", json!({ "kind": "reply", "title": "旧", "body": "x", "active": false })).unwrap();
        let t = call(&mut s, now, "admin", "list_templates", json!({})).unwrap();
        assert!(t.as_array().unwrap().iter().any(|t| t["title"] == "旧" && t["active"] == false), "retired templates are listed");
    }

    #[test]
    fn acknowledgeable_levels_follow_the_chain_rules() {
        // R3.8: the administrator acknowledges nothing; levels come in chain order.
        let (mut s, now) = setup();
        assert_eq!(call(&mut s, now, "admin", "acknowledgeable_levels", json!({})).unwrap(), json!([]));
        call(&mut s, now, "admin", "upsert_user", json!({ "login": "bm", "name": "刘强", "role": "branch_manager" })).unwrap();
        assert_eq!(call(&mut s, now, "bm", "acknowledgeable_levels", json!({})).unwrap(), json!(["general_manager", "office_director"]));
    }
}
