//! The monthly report (R7.3): by the 5th, for the previous month, one section per department
//! with its register of complaints and its survey results, the KPIs against the previous month
//! (R7.4), flagged workers and branches (R7.5), the bad-record ledger (R7.9) and the managers'
//! suggestions; filing it is recorded (who, when, with the suggestions and the figures as filed).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::facts::{self, SurveyFact};
use super::filter::{first_branch_tz, last_month, ReportFilter};
use super::kpi::{self, Breakdown, BreakdownRow, Dimension, Figure, KpiKey, Names, RangeView};
use super::ledger::{self, Flags, Ledger};
use super::trend;
use super::range::{local_midnight, month_of, Days, Month};
use super::thresholds::{self, ReportSettings};
use crate::auth;
use crate::clock::ts;
use crate::error::{CoreError, Result};
use crate::model::{Category, Channel, Nature, Satisfaction, Stage, SurveyMethod, Tier};
use crate::workflow::{text, Ctx};

/// The day of the following month by which a month's report is due (R7.3).
pub const DUE_DAY: u32 = 5;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KpiComparison {
    pub kpi: KpiKey,
    pub current: Figure,
    pub previous: Figure,
    /// current − previous (a ratio's change is in fractions: 0.05 = 5 percentage points).
    pub change: Option<f64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RegisterRow {
    pub id: String,
    pub number: String,
    pub received_at: String,
    pub category: Category,
    pub sub_category: String,
    pub channel: Channel,
    pub tier: Tier,
    pub nature: Nature,
    pub warning_level: u8,
    pub is_repeat: bool,
    pub stage: Stage,
    /// Masked whoever reads the report (R7.8): it goes round the monthly review.
    pub customer_name: String,
    pub phone_masked: String,
    pub worker_code: Option<String>,
    pub worker_name: Option<String>,
    /// Wall-clock seconds from receipt to the first response / to closing, when they happened
    /// before the end of the month.
    pub first_response_seconds: Option<i64>,
    pub resolution_seconds: Option<i64>,
    pub resolved: bool,
    pub overdue: bool,
    pub closed_at: Option<String>,
    /// The latest survey's overall rating before the end of the month.
    pub satisfaction: Option<Satisfaction>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SurveyRow {
    pub complaint_id: String,
    pub number: String,
    pub surveyed_at: String,
    pub overall: Satisfaction,
    /// 5 = very satisfied … 1 = very dissatisfied.
    pub score: u8,
    pub speed: Option<Satisfaction>,
    pub attitude: Option<Satisfaction>,
    pub result: Option<Satisfaction>,
    pub method: SurveyMethod,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DepartmentSection {
    pub id: String,
    pub code: String,
    pub name: String,
    /// The department's KPIs for the month.
    pub figures: Vec<Figure>,
    /// Its complaints of the month, in order of receipt.
    pub register: Vec<RegisterRow>,
    /// The surveys of the month it was responsible for (R6.4).
    pub surveys: Vec<SurveyRow>,
    /// Number of surveys per level, very satisfied first.
    pub survey_counts: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReportStatus {
    /// "YYYY-MM".
    pub month: String,
    /// The 5th of the following month (R7.3).
    pub due_date: NaiveDate,
    /// The month has ended (a report can be filed).
    pub month_over: bool,
    pub filed: bool,
    pub filed_at: Option<String>,
    pub filed_by: Option<String>,
    pub revision: i64,
    pub suggestions: String,
    /// Show the reminder: last month's report is not filed yet (from the 1st until it is).
    pub reminder: bool,
    /// Not filed and the due date has passed.
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MonthlyReport {
    pub month: String,
    pub previous_month: String,
    pub range: RangeView,
    pub generated_at: String,
    pub branch_name: String,
    pub status: ReportStatus,
    /// Suggestions printed in the report: the draft passed in, else the filed text.
    pub suggestions: String,
    pub kpis: Vec<KpiComparison>,
    /// The last twelve months, each measured at its own end.
    pub trend: Vec<BreakdownRow>,
    /// The month by category, channel, tier, department, worker (top 20) and branch.
    pub breakdowns: Vec<Breakdown>,
    pub departments: Vec<DepartmentSection>,
    pub flags: Flags,
    pub ledger: Ledger,
    pub settings: ReportSettings,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthlyReportArgs {
    /// "YYYY-MM"; default: last month.
    #[serde(default)]
    pub month: Option<String>,
}

pub fn month_arg(ctx: &Ctx, m: Option<&str>) -> Result<Month> {
    match m.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Month::parse("month", s),
        None => last_month(ctx, ctx.now),
    }
}

/// The reply of `monthly_report`: the report's JSON text, built now or stored (a month that is
/// over, `trend::stored_report`), with its generation time and filing status filled in now.
/// Either is the same JSON, described by [`MonthlyReport`]'s schema.
pub struct MonthlyReply(Box<serde_json::value::RawValue>);

impl Serialize for MonthlyReply {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl JsonSchema for MonthlyReply {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        MonthlyReport::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        MonthlyReport::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        MonthlyReport::json_schema(generator)
    }
}

/// A report without its [`trend::FRESH_FIELDS`]: the text that is stored, written once. At a
/// million complaints it is ~40 MB (the departments' registers); going through a
/// `serde_json::Value` and serialising the reply again cost ~0.7 s of a rebuilt report.
#[derive(Serialize)]
struct Body<'a> {
    month: &'a str,
    previous_month: &'a str,
    range: &'a RangeView,
    branch_name: &'a str,
    kpis: &'a [KpiComparison],
    trend: &'a [BreakdownRow],
    breakdowns: &'a [Breakdown],
    departments: &'a [DepartmentSection],
    flags: &'a Flags,
    ledger: &'a Ledger,
    settings: &'a ReportSettings,
}

impl<'a> Body<'a> {
    fn of(r: &'a MonthlyReport) -> Self {
        // Destructured, so a field added to the report cannot be forgotten here.
        let MonthlyReport {
            month,
            previous_month,
            range,
            generated_at: _,
            branch_name,
            status: _,
            suggestions: _,
            kpis,
            trend,
            breakdowns,
            departments,
            flags,
            ledger,
            settings,
        } = r;
        Body { month, previous_month, range, branch_name, kpis, trend, breakdowns, departments, flags, ledger, settings }
    }
}

/// The reply: `body` (an object without the fresh fields) with them put in front.
fn reply(generated_at: &str, status: &ReportStatus, body: &str) -> Result<Option<MonthlyReply>> {
    let json_err = |e: serde_json::Error| CoreError::Integrity(format!("monthly report: {e}"));
    let fresh = json!({ "generated_at": generated_at, "suggestions": status.suggestions.clone(), "status": status });
    let mut text = serde_json::to_string(&fresh).map_err(json_err)?;
    text.pop();
    if body.len() > 2 {
        text.push(',');
        text.push_str(&body[1..]);
    } else {
        text.push('}');
    }
    // A stored text that is not JSON (damaged by hand) is computed again.
    Ok(serde_json::value::RawValue::from_string(text).ok().map(MonthlyReply))
}

/// `monthly_report`: the report's content, for the window.
pub fn monthly_report(ctx: &Ctx, a: &MonthlyReportArgs) -> Result<MonthlyReply> {
    ctx.begin("monthly_report", None)?;
    let m = month_arg(ctx, a.month.as_deref())?;
    if let Some(body) = trend::stored_report(ctx, m)? {
        if let Some(r) = reply(&ts(ctx.now), &status_of(ctx, m)?, &body)? {
            return Ok(r);
        }
    }
    let report = build(ctx, m, None)?;
    let body = serde_json::to_string(&Body::of(&report)).map_err(|e| CoreError::Integrity(format!("monthly report: {e}")))?;
    trend::store_report(ctx, m, &body)?;
    reply(&report.generated_at, &report.status, &body)?
        .ok_or_else(|| CoreError::Integrity("monthly report: its own text is not JSON".into()))
}

/// `clock::ts` for the register's tens of thousands of instants: the same text
/// ("YYYY-MM-DDTHH:MM:SSZ"), written without the general formatter.
fn ts_fast(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    if !(0..=9999).contains(&t.year()) {
        return ts(t);
    }
    let mut s = String::with_capacity(20);
    let _ = write!(s, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", t.year(), t.month(), t.day(), t.hour(), t.minute(), t.second());
    s
}

fn change(cur: Option<f64>, prev: Option<f64>) -> Option<f64> {
    Some(cur? - prev?)
}

/// Builds the report of month `m` as the context's user; `draft` replaces the filed suggestions.
pub fn build(ctx: &Ctx, m: Month, draft: Option<&str>) -> Result<MonthlyReport> {
    // The report goes round the monthly review, departments included: customer names are
    // masked whoever produces it (R7.8), phones always.
    let personal = false;
    let base = ReportFilter::default();
    let month_filter = base.with_days(Days::month(m));
    // The month alone, for its trend row, breakdowns and department sections; the eleven months
    // before it come stored or one by one (`trend`), never twelve months of facts at once.
    let (month_ds, _) = kpi::dataset(ctx, &month_filter)?;
    let names = Names::load(ctx)?;
    let settings = thresholds::load(ctx.conn)?;

    let trend = trend::twelve_months(ctx, &month_ds, &names, m)?;
    let row = |key: &str| trend.iter().find(|r| r.key == key).map(|r| r.figures.clone()).unwrap_or_default();
    let (cur, prev) = (row(&m.key()), row(&m.prev().key()));
    let kpis = cur
        .iter()
        .zip(prev.iter())
        .map(|(c, p)| KpiComparison { kpi: c.kpi, change: change(c.value, p.value), current: c.clone(), previous: p.clone() })
        .collect();

    let breakdowns = [Dimension::Category, Dimension::Channel, Dimension::Tier, Dimension::Department, Dimension::Worker, Dimension::Branch]
        .iter()
        .map(|d| kpi::breakdown(&month_ds, &names, &month_filter, *d, if *d == Dimension::Worker { 20 } else { 200 }))
        .collect();

    // Latest rating of each complaint before the end of the month (surveys from the first day
    // of the trend on, as the report has always counted them).
    let trend_from = m.minus(11).first_day();
    let latest = facts::latest_ratings(ctx, &month_ds, trend_from)?;
    let mut departments: Vec<DepartmentSection> = Vec::new();
    {
        let mut stmt = ctx.conn.prepare_cached("SELECT id, code, name, active FROM departments ORDER BY is_cs DESC, rowid")?;
        let rows: Vec<(String, String, String, bool)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?;
        for (id, code, name, active) in rows {
            let facts: Vec<_> = month_ds.facts.iter().filter(|f| f.department_id == id).collect();
            let surveys: Vec<&SurveyFact> = month_ds.surveys.iter().filter(|s| s.department_id == id).collect();
            if !active && facts.is_empty() && surveys.is_empty() {
                continue;
            }
            let with_cut = kpi::with_cutoffs(&month_ds, facts.iter().copied(), false);
            let figures = kpi::figures(&with_cut, &surveys);
            let register = facts
                .iter()
                .map(|f| {
                    let cut = month_ds.cutoff(f.branch);
                    let worker = f.worker_id.as_ref().and_then(|w| names.workers.get(w));
                    RegisterRow {
                        id: f.id.clone(),
                        number: f.number.clone(),
                        received_at: ts_fast(f.received_at),
                        category: f.category,
                        sub_category: f.sub_category.clone(),
                        channel: f.channel,
                        tier: f.tier,
                        nature: f.nature,
                        warning_level: f.warning_level,
                        is_repeat: f.is_repeat,
                        stage: f.stage,
                        customer_name: if personal { f.customer_name.clone() } else { auth::mask_name(&f.customer_name) },
                        phone_masked: auth::mask_phone(&f.phone),
                        worker_code: worker.map(|w| w.0.clone()),
                        worker_name: worker.map(|w| w.1.clone()),
                        first_response_seconds: f.first_response_at.filter(|t| *t < cut).and(f.first_response_wall),
                        resolution_seconds: f.closed_at.filter(|t| *t < cut).and(f.resolution_wall),
                        resolved: f.resolved(cut),
                        overdue: f.overdue(cut),
                        closed_at: f.closed_at.filter(|t| *t < cut).map(ts_fast),
                        satisfaction: latest.get(f.id.as_str()).copied(),
                    }
                })
                .collect();
            let mut survey_counts = vec![0i64; Satisfaction::ALL.len()];
            let survey_rows = surveys
                .iter()
                .map(|s| {
                    if let Some(i) = Satisfaction::ALL.iter().position(|x| *x == s.overall) {
                        survey_counts[i] += 1;
                    }
                    SurveyRow {
                        complaint_id: s.complaint_id.clone(),
                        number: s.number.clone(),
                        surveyed_at: ts_fast(s.surveyed_at),
                        overall: s.overall,
                        score: s.overall.score(),
                        speed: s.speed,
                        attitude: s.attitude,
                        result: s.result,
                        method: s.method,
                        comment: s.comment.clone(),
                    }
                })
                .collect();
            departments.push(DepartmentSection { id, code, name, figures, register, surveys: survey_rows, survey_counts });
        }
    }

    // Flags compare with the previous month; the ledger looks back its window: both count only
    // what is on the complaint rows, read light over just those days (within the trend's).
    let entries = facts::load_entries(ctx, &month_ds, ledger::days_needed(&month_ds, m, &settings, trend_from))?;
    let flags = ledger::flags_of(ctx, &month_ds, &entries, &names, m, &settings)?;
    let ledger = ledger::ledger_of(&month_ds, &entries, &names, m, &settings, personal, |rowid| facts::shown(ctx, rowid))?;
    let status = status_of(ctx, m)?;
    let suggestions = draft.map(str::to_string).unwrap_or_else(|| status.suggestions.clone());
    let branch_name = month_ds.branches.first().map(|b| b.name.clone()).unwrap_or_default();
    Ok(MonthlyReport {
        month: m.key(),
        previous_month: m.prev().key(),
        range: kpi::range_view(&month_ds),
        generated_at: ts(ctx.now),
        branch_name,
        status,
        suggestions,
        kpis,
        trend,
        breakdowns,
        departments,
        flags,
        ledger,
        settings,
    })
}

// ---- filing ---------------------------------------------------------------------------------

fn month_end(ctx: &Ctx, m: Month) -> Result<DateTime<Utc>> {
    Ok(local_midnight(first_branch_tz(ctx)?, m.next().first_day()))
}

/// Whether month `m`'s report is filed, and whether to remind (R7.3).
pub fn status_of(ctx: &Ctx, m: Month) -> Result<ReportStatus> {
    let tz = first_branch_tz(ctx)?;
    let row: Option<(String, String, i64, String)> = ctx
        .conn
        .query_row(
            "SELECT r.filed_at, COALESCE(u.name, r.filed_by), r.revision, r.suggestions FROM monthly_reports r
             LEFT JOIN users u ON u.id = r.filed_by WHERE r.month = ?1",
            params![m.key()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let due_date = NaiveDate::from_ymd_opt(m.next().year, m.next().month, DUE_DAY).unwrap_or(m.next().first_day());
    let today = ctx.now.with_timezone(&tz).date_naive();
    let filed = row.is_some();
    let month_over = ctx.now >= month_end(ctx, m)?;
    let (filed_at, filed_by, revision, suggestions) = match row {
        Some((at, by, rev, s)) => (Some(at), Some(by), rev, s),
        None => (None, None, 0, String::new()),
    };
    Ok(ReportStatus {
        month: m.key(),
        due_date,
        month_over,
        filed,
        filed_at,
        filed_by,
        revision,
        suggestions,
        reminder: !filed && month_of(ctx.now, tz).prev() == m,
        overdue: !filed && month_over && today > due_date,
    })
}

#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ReportStatusArgs {
    /// "YYYY-MM"; default: last month (the one whose report is due by the 5th).
    pub month: Option<String>,
}

/// `report_status`: is the month's report filed? `reminder` drives the app's reminder.
pub fn report_status(ctx: &Ctx, a: &ReportStatusArgs) -> Result<ReportStatus> {
    ctx.begin("report_status", None)?;
    let m = month_arg(ctx, a.month.as_deref())?;
    status_of(ctx, m)
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileReportArgs {
    /// "YYYY-MM": a month that has ended.
    pub month: String,
    /// Free-text suggestions printed in the report.
    #[serde(default)]
    pub suggestions: String,
}

/// `file_report` (R7.3): a CS or branch manager files the month's report with the suggestions;
/// who and when are recorded with the figures as they stood. Filing again amends it.
pub fn file_report(ctx: &Ctx, a: &FileReportArgs) -> Result<ReportStatus> {
    ctx.begin("file_report", None)?;
    let m = Month::parse("month", &a.month)?;
    if ctx.now < month_end(ctx, m)? {
        return Err(CoreError::precondition("R7.3", "month_not_over"));
    }
    let suggestions = text("suggestions", &a.suggestions, false, 20_000)?;
    let (ds, _) = kpi::dataset(ctx, &ReportFilter::default().with_days(Days::month(m)))?;
    let all = kpi::with_cutoffs(&ds, ds.facts.iter(), false);
    let surveys: Vec<&SurveyFact> = ds.surveys.iter().collect();
    let totals = serde_json::to_string(&kpi::figures(&all, &surveys)).map_err(|e| CoreError::Integrity(e.to_string()))?;
    ctx.conn.execute(
        "INSERT INTO monthly_reports (month, filed_by, filed_at, suggestions, revision, totals_json) VALUES (?1, ?2, ?3, ?4, 1, ?5)
         ON CONFLICT (month) DO UPDATE SET filed_by = excluded.filed_by, filed_at = excluded.filed_at,
             suggestions = excluded.suggestions, revision = revision + 1, totals_json = excluded.totals_json",
        params![m.key(), ctx.actor.id, ts(ctx.now), suggestions, totals],
    )?;
    let status = status_of(ctx, m)?;
    ctx.event(None, "monthly_report_filed", json!({ "month": m.key(), "revision": status.revision, "suggestions_chars": suggestions.chars().count() }))?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_timestamp_is_the_stored_form() {
        for s in ["2026-02-01T00:00:00Z", "2025-12-31T23:59:59Z", "0999-01-02T03:04:05Z", "2026-03-10T02:00:07Z"] {
            let t = crate::clock::parse_ts("t", s).unwrap();
            assert_eq!(ts_fast(t), ts(t), "{s}");
            assert_eq!(ts_fast(t), s);
        }
        let t = crate::clock::parse_ts("t", "2026-02-01T00:00:00.999Z").unwrap();
        assert_eq!(ts_fast(t), ts(t), "fractions are cut as by clock::ts");
    }
}
