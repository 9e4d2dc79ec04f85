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
use super::range::{local_midnight, month_of, Days, Month};
use super::thresholds::{self, ReportSettings};
use super::trend;
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

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
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

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
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
    /// Its complaints of the month, in order of receipt. In `monthly_report`'s reply only the
    /// first [`FIRST_ROWS`]; the others come page by page from `monthly_register`.
    pub register: Vec<RegisterRow>,
    /// How many complaints the whole register has.
    pub register_total: usize,
    /// The surveys of the month it was responsible for (R6.4). In the reply only the first
    /// [`FIRST_ROWS`]; the others come from `monthly_surveys`.
    pub surveys: Vec<SurveyRow>,
    pub surveys_total: usize,
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
    departments: Vec<DepartmentHead<'a>>,
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
        let departments = departments.iter().map(DepartmentHead::of).collect();
        Body { month, previous_month, range, branch_name, kpis, trend, breakdowns, departments, flags, ledger, settings }
    }
}

/// Rows of each department's register and surveys that travel with the report; at a million
/// complaints the whole lists are ~45 MB of the report's 47 (a month of 50,000 complaints and
/// 57,000 surveys), which the window would parse to show 50 of them.
pub const FIRST_ROWS: usize = 50;

/// A department's section as the reply carries it: its lists cut to [`FIRST_ROWS`].
#[derive(Serialize)]
struct DepartmentHead<'a> {
    id: &'a str,
    code: &'a str,
    name: &'a str,
    figures: &'a [Figure],
    register: &'a [RegisterRow],
    register_total: usize,
    surveys: &'a [SurveyRow],
    surveys_total: usize,
    survey_counts: &'a [i64],
}

impl<'a> DepartmentHead<'a> {
    fn of(d: &'a DepartmentSection) -> Self {
        let DepartmentSection { id, code, name, figures, register, register_total, surveys, surveys_total, survey_counts } = d;
        DepartmentHead {
            id,
            code,
            name,
            figures,
            register: &register[..register.len().min(FIRST_ROWS)],
            register_total: *register_total,
            surveys: &surveys[..surveys.len().min(FIRST_ROWS)],
            surveys_total: *surveys_total,
            survey_counts,
        }
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
    ctx.begin(None)?;
    let m = month_arg(ctx, a.month.as_deref())?;
    if let Some(body) = trend::stored_report(ctx, m)? {
        if let Some(r) = reply(&ts(ctx.now), &status_of(ctx, m)?, &body)? {
            return Ok(r);
        }
    }
    let (report, body) = build_and_keep(ctx, m, trend::LIST_CHUNK)?;
    let r = reply(&report.generated_at, &report.status, &body)?
        .ok_or_else(|| CoreError::Integrity("monthly report: its own text is not JSON".into()));
    drop_elsewhere(report);
    r
}

/// Frees a large value on another thread: the ~1 M allocations of a month's report at a million
/// complaints took ~30 ms to free, after the reply was ready.
fn drop_elsewhere<T: Send + 'static>(v: T) {
    // Without a thread to spare, `v` is freed here with the closure the spawn hands back.
    let _ = std::thread::Builder::new().name("report-drop".into()).spawn(move || drop(v));
}

/// Builds month `m`'s report and keeps it (a month that is over): the reply's text and every
/// department's whole lists, in chunks. Returns the report and the reply's body.
fn build_and_keep(ctx: &Ctx, m: Month, chunk: usize) -> Result<(MonthlyReport, String)> {
    let (report, chunks) = build_parts(ctx, m, None, Some(chunk))?;
    let body = serde_json::to_string(&Body::of(&report)).map_err(|e| CoreError::Integrity(format!("monthly report: {e}")))?;
    trend::store_report(ctx, m, &body, &chunks)?;
    Ok((report, body))
}

const REGISTER: &str = "register";
const SURVEYS: &str = "surveys";

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRowsArgs {
    /// "YYYY-MM"; default: last month.
    #[serde(default)]
    pub month: Option<String>,
    /// The department's id (`DepartmentSection.id`).
    pub department: String,
    #[serde(default)]
    pub offset: u32,
    /// 1–500; default 50.
    #[serde(default = "default_rows")]
    pub limit: u32,
}

fn default_rows() -> u32 {
    FIRST_ROWS as u32
}

/// A page of a department's register in a month's report.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RegisterPage {
    /// Rows in the whole register.
    pub total: usize,
    pub offset: usize,
    pub rows: Vec<RegisterRow>,
}

/// A page of the surveys of a department in a month's report.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SurveyPage {
    /// Surveys in the whole list.
    pub total: usize,
    pub offset: usize,
    pub rows: Vec<SurveyRow>,
}

/// `monthly_register`: a page of a department's register in month `month`'s report (R7.3).
pub fn monthly_register(ctx: &Ctx, a: &ReportRowsArgs) -> Result<RegisterPage> {
    ctx.begin(None)?;
    let (total, offset, rows) = rows_page(ctx, a, REGISTER, |d| &d.register, trend::LIST_CHUNK)?;
    Ok(RegisterPage { total, offset, rows })
}

/// `monthly_surveys`: a page of the surveys a department was responsible for in month `month`.
pub fn monthly_surveys(ctx: &Ctx, a: &ReportRowsArgs) -> Result<SurveyPage> {
    ctx.begin(None)?;
    let (total, offset, rows) = rows_page(ctx, a, SURVEYS, |d| &d.surveys, trend::LIST_CHUNK)?;
    Ok(SurveyPage { total, offset, rows })
}

/// The page from the kept report when it is current (a chunk or two read), else from the report
/// built now (and kept, when the month is over): the same rows either way.
fn rows_page<T: Clone + serde::de::DeserializeOwned>(
    ctx: &Ctx,
    a: &ReportRowsArgs,
    list: &str,
    pick: impl Fn(&DepartmentSection) -> &Vec<T>,
    chunk: usize,
) -> Result<(usize, usize, Vec<T>)> {
    let m = month_arg(ctx, a.month.as_deref())?;
    if !(1..=500).contains(&a.limit) {
        return Err(CoreError::invalid("limit", "out_of_range"));
    }
    let known: Option<i64> =
        ctx.conn.query_row("SELECT 1 FROM departments WHERE id = ?1", params![a.department], |r| r.get(0)).optional()?;
    if known.is_none() {
        return Err(CoreError::NotFound { what: "department", key: a.department.clone() });
    }
    let (offset, limit) = (a.offset as usize, a.limit as usize);
    if let Some((total, rows)) = trend::stored_list::<T>(ctx, m, &a.department, list, offset, limit, chunk)? {
        return Ok((total, offset, rows));
    }
    let (report, _) = build_and_keep(ctx, m, chunk)?;
    // A department the report leaves out (inactive, nothing that month) has empty lists.
    let all = report.departments.iter().find(|d| d.id == a.department).map(&pick).map(Vec::as_slice).unwrap_or(&[]);
    Ok((all.len(), offset, all.iter().skip(offset).take(limit).cloned().collect()))
}

/// `clock::ts` for the register's tens of thousands of instants: the same text
/// ("YYYY-MM-DDTHH:MM:SSZ"), written without the general formatter.
fn ts_fast(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    if !(0..=9999).contains(&t.year()) {
        return ts(t);
    }
    // Digits put in place: `write!` with its padding was ~2 % of a rebuild at a million.
    let mut b = *b"0000-00-00T00:00:00Z";
    let two = |b: &mut [u8; 20], at: usize, v: u32| {
        b[at] = b'0' + (v / 10 % 10) as u8;
        b[at + 1] = b'0' + (v % 10) as u8;
    };
    let y = t.year() as u32;
    two(&mut b, 0, y / 100);
    two(&mut b, 2, y % 100);
    two(&mut b, 5, t.month());
    two(&mut b, 8, t.day());
    two(&mut b, 11, t.hour());
    two(&mut b, 14, t.minute());
    two(&mut b, 17, t.second().min(59));
    b.iter().map(|&c| c as char).collect()
}

fn change(cur: Option<f64>, prev: Option<f64>) -> Option<f64> {
    Some(cur? - prev?)
}

/// Builds the report of month `m` as the context's user; `draft` replaces the filed suggestions.
pub fn build(ctx: &Ctx, m: Month, draft: Option<&str>) -> Result<MonthlyReport> {
    Ok(build_parts(ctx, m, draft, None)?.0)
}

/// The report, and with `chunk` each department's whole lists cut for keeping
/// (`trend::list_chunks`). At a million complaints a rebuild was ~1.5 s on one core, so it uses
/// two: the month's facts are read on two connections when keeping (`facts::load_with`), then
/// the parts made from the loaded facts alone (breakdowns, department sections, the kept
/// lists' text) are made on a second thread while this one, which alone uses `ctx.conn`, reads
/// the trend, the ratings (handed over for the registers) and what the flags and ledger need.
fn build_parts(ctx: &Ctx, m: Month, draft: Option<&str>, chunk: Option<usize>) -> Result<(MonthlyReport, Vec<(String, Vec<u8>)>)> {
    // The report goes round the monthly review, departments included: customer names are
    // masked whoever produces it (R7.8), phones always.
    let personal = false;
    // ~100k rows read from all over the file: through a map (`store::MMAP_BYTES`).
    let _mapped = crate::store::MappedReads::on(ctx.conn);
    let base = ReportFilter::default();
    let month_filter = base.with_days(Days::month(m));
    // The month alone, for its trend row, breakdowns and department sections; the eleven months
    // before it come stored or one by one (`trend`), never twelve months of facts at once.
    // Kept reports are built inside `monthly_report`'s transaction before it writes anything
    // they read: a second reader sees the same rows (`store::second_reader`).
    let second = if chunk.is_some() { crate::store::second_reader(ctx.conn) } else { None };
    let (month_ds, second) = facts::load_with(ctx, month_filter.resolve(ctx)?, second)?;
    let names = Names::load(ctx)?;
    let settings = thresholds::load(ctx.conn)?;

    let trend_from = m.minus(11).first_day();
    let department_rows: Vec<(String, String, String, bool)> = ctx
        .conn
        .prepare_cached("SELECT id, code, name, active FROM departments ORDER BY is_cs DESC, rowid")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;

    // Each complaint counted once for the eight groupings below (`kpi::Tally`). A month's
    // cutoffs are its end in every branch, whichever way a breakdown asks (by month or not).
    let scores = kpi::Scores::of(&month_ds, false);
    let (ds, names_ref, filter_ref, scores_ref) = (&month_ds, &names, &month_filter, &scores);
    let (latest_tx, latest_rx) = std::sync::mpsc::channel::<super::fasthash::FastMap<String, Satisfaction>>();
    // The six breakdowns are shared out: the second thread makes them while the ratings its
    // registers need are being read, then its departments, then any left; this one, after its
    // reads, takes what is left (the two threads' own work differs by run and by database).
    let queue = BreakdownQueue::default();
    let (trend, breakdowns, departments, chunks, (flags, ledger)) = std::thread::scope(|s| {
        let queue = &queue;
        let from_facts = s.spawn(move || -> Result<_> {
            let mut made = Vec::new();
            let latest = loop {
                match latest_rx.try_recv() {
                    Ok(latest) => break Some(latest),
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => break None,
                    Err(std::sync::mpsc::TryRecvError::Empty) => {}
                }
                match queue.make_one(ds, scores_ref, names_ref, filter_ref) {
                    Some(b) => made.push(b),
                    None => break latest_rx.recv().ok(),
                }
            };
            // Without the ratings (reading them failed) there is nothing to make.
            let Some(latest) = latest else { return Ok(None) };
            let departments = department_sections(ds, scores_ref, names_ref, &latest, department_rows, personal);
            let mut chunks = Vec::new();
            if let Some(chunk) = chunk {
                for d in &departments {
                    chunks.extend(trend::list_chunks(m, &d.id, REGISTER, &d.register, chunk)?);
                    chunks.extend(trend::list_chunks(m, &d.id, SURVEYS, &d.surveys, chunk)?);
                }
            }
            while let Some(b) = queue.make_one(ds, scores_ref, names_ref, filter_ref) {
                made.push(b);
            }
            Ok(Some((made, departments, chunks)))
        });
        let here = (|| -> Result<_> {
            // Latest rating of each complaint before the end of the month (surveys from the
            // first day of the trend on, as the report has always counted them): first, so
            // the registers are made while a month of the trend may be computed again.
            let _ = latest_tx.send(facts::latest_ratings(ctx, ds, trend_from)?);
            let trend = trend::twelve_months(ctx, ds, names_ref, m, Some(scores_ref), second)?;
            // Flags compare with the previous month; the ledger looks back its window: both
            // count only what is on the complaint rows, read light over just those days
            // (within the trend's).
            // The month's own are its facts (whole company, cancelled ones left out, as read
            // from the index); only the days before it are read, whole months kept
            // (`kept_entries`).
            let needed = ledger::days_needed(ds, m, &settings, trend_from);
            let mut entries = super::kept_entries::load(ctx, ds, Days { from: needed.from, to: needed.to.min(m.first_day()) })?;
            entries.extend(ledger::entries_by_rowid(ds));
            let flags = ledger::flags_of(ctx, ds, &entries, names_ref, m, &settings)?;
            let ledger = ledger::ledger_of(ds, &entries, names_ref, m, &settings, personal, |rowid| facts::shown(ctx, rowid))?;
            Ok((trend, flags, ledger))
        })();
        drop(latest_tx);
        let mut made_here = Vec::new();
        if here.is_ok() {
            while let Some(b) = queue.make_one(ds, scores_ref, names_ref, filter_ref) {
                made_here.push(b);
            }
        }
        let made =
            from_facts.join().map_err(|_| CoreError::Integrity("monthly report: the department sections could not be made".into()))??;
        let (trend, flags, ledger) = here?;
        let (made_there, departments, chunks) =
            made.ok_or_else(|| CoreError::Integrity("monthly report: the department sections could not be made".into()))?;
        let mut breakdowns: Vec<(usize, Breakdown)> = made_there.into_iter().chain(made_here).collect();
        breakdowns.sort_by_key(|(i, _)| *i);
        if breakdowns.len() != BreakdownQueue::DIMENSIONS.len() {
            return Err(CoreError::Integrity("monthly report: a breakdown is missing".into()));
        }
        let breakdowns = breakdowns.into_iter().map(|(_, b)| b).collect();
        Ok::<_, CoreError>((trend, breakdowns, departments, chunks, (flags, ledger)))
    })?;
    let row = |key: &str| trend.iter().find(|r| r.key == key).map(|r| r.figures.clone()).unwrap_or_default();
    let (cur, prev) = (row(&m.key()), row(&m.prev().key()));
    let kpis = cur
        .iter()
        .zip(prev.iter())
        .map(|(c, p)| KpiComparison { kpi: c.kpi, change: change(c.value, p.value), current: c.clone(), previous: p.clone() })
        .collect();

    let status = status_of(ctx, m)?;
    let suggestions = draft.map(str::to_string).unwrap_or_else(|| status.suggestions.clone());
    let branch_name = month_ds.branches.first().map(|b| b.name.clone()).unwrap_or_default();
    let report = MonthlyReport {
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
    };
    drop_elsewhere(month_ds);
    Ok((report, chunks))
}

/// The report's six breakdowns, made by whichever thread is free (`build_parts`).
#[derive(Default)]
struct BreakdownQueue {
    next: std::sync::atomic::AtomicUsize,
}

impl BreakdownQueue {
    const DIMENSIONS: [Dimension; 6] =
        [Dimension::Category, Dimension::Channel, Dimension::Tier, Dimension::Department, Dimension::Worker, Dimension::Branch];

    /// The next breakdown not yet taken, with its place; None when all are taken.
    fn make_one(&self, ds: &facts::Dataset, scores: &kpi::Scores, names: &Names, filter: &ReportFilter) -> Option<(usize, Breakdown)> {
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d = *Self::DIMENSIONS.get(i)?;
        Some((i, kpi::breakdown_scored(ds, scores, names, filter, d, if d == Dimension::Worker { 20 } else { 200 })))
    }
}

/// One section per department (the customer-service one first), with its figures, its whole
/// register and survey list; inactive departments only when the month has something of theirs.
fn department_sections(
    month_ds: &facts::Dataset,
    scores: &kpi::Scores,
    names: &Names,
    latest: &super::fasthash::FastMap<String, Satisfaction>,
    rows: Vec<(String, String, String, bool)>,
    personal: bool,
) -> Vec<DepartmentSection> {
    let mut departments: Vec<DepartmentSection> = Vec::new();
    // Each complaint and survey put with its department in one pass (in order).
    let mut facts_of: super::fasthash::FastMap<&str, Vec<usize>> = Default::default();
    for (i, f) in month_ds.facts.iter().enumerate() {
        facts_of.entry(f.department_id.as_str()).or_default().push(i);
    }
    let mut surveys_of: super::fasthash::FastMap<&str, Vec<&SurveyFact>> = Default::default();
    for s in &month_ds.surveys {
        surveys_of.entry(s.department_id.as_str()).or_default().push(s);
    }
    for (id, code, name, active) in rows {
        let at: Vec<usize> = facts_of.remove(id.as_str()).unwrap_or_default();
        let facts: Vec<&facts::Fact> = at.iter().map(|&i| &month_ds.facts[i]).collect();
        let surveys: Vec<&SurveyFact> = surveys_of.remove(id.as_str()).unwrap_or_default();
        if !active && facts.is_empty() && surveys.is_empty() {
            continue;
        }
        let figures = kpi::figures_of(at.iter().map(|&i| scores.at(month_ds, i, false)), &surveys);
        let register: Vec<RegisterRow> = facts
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
        let survey_rows: Vec<SurveyRow> = surveys
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
        let (register_total, surveys_total) = (register.len(), survey_rows.len());
        departments.push(DepartmentSection {
            id,
            code,
            name,
            figures,
            register,
            register_total,
            surveys: survey_rows,
            surveys_total,
            survey_counts,
        });
    }
    departments
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
    ctx.begin(None)?;
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
    ctx.begin(None)?;
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
    ctx.event(
        None,
        "monthly_report_filed",
        json!({ "month": m.key(), "revision": status.revision, "suggestions_chars": suggestions.chars().count() }),
    )?;
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

    fn ids<T: Serialize>(rows: &[T]) -> Vec<serde_json::Value> {
        rows.iter().map(|r| serde_json::to_value(r).unwrap()).collect()
    }

    /// Pages read from the kept chunks (cut small here, so pages cross chunk edges) are the
    /// report's own lists; once something in the month changes, nothing stale is served.
    #[test]
    fn pages_of_the_kept_lists_are_the_report_lists() {
        crate::report::testing::with_demo_month(pages_are_the_report_lists);
    }

    fn pages_are_the_report_lists(ctx: &Ctx, m: Month) {
        let tx = ctx.conn;
        let chunk = 7;
        let (report, body) = build_and_keep(ctx, m, chunk).unwrap();
        let head: serde_json::Value = serde_json::from_str(&body).unwrap();
        let mut crossed = 0;
        for (d, h) in report.departments.iter().zip(head["departments"].as_array().unwrap()) {
            assert_eq!(h["register"].as_array().unwrap().len(), d.register.len().min(FIRST_ROWS));
            assert_eq!(h["register_total"], d.register.len());
            assert_eq!(h["surveys_total"], d.surveys.len());
            for (offset, limit) in [(0, 5), (0, 7), (3, 9), (6, 1), (7, 7), (12, 30), (0, 500)] {
                let got = trend::stored_list::<RegisterRow>(ctx, m, &d.id, REGISTER, offset, limit, chunk).unwrap();
                let (total, rows) = got.expect("kept register");
                assert_eq!(total, d.register.len());
                let want: Vec<_> = d.register.iter().skip(offset).take(limit).cloned().collect();
                assert_eq!(ids(&rows), ids(&want), "{} register {offset}+{limit}", d.code);
                crossed += (offset % chunk + limit > chunk && want.len() > chunk - offset % chunk) as usize;
                let (total, rows) =
                    trend::stored_list::<SurveyRow>(ctx, m, &d.id, SURVEYS, offset, limit, chunk).unwrap().expect("kept surveys");
                assert_eq!(total, d.surveys.len());
                let want: Vec<_> = d.surveys.iter().skip(offset).take(limit).cloned().collect();
                assert_eq!(ids(&rows), ids(&want), "{} surveys {offset}+{limit}", d.code);
            }
            let past = trend::stored_list::<RegisterRow>(ctx, m, &d.id, REGISTER, d.register.len() + 3, 5, chunk).unwrap();
            assert_eq!(past.map(|(t, r)| (t, r.len())), Some((d.register.len(), 0)), "past the end: an empty page");
        }
        assert!(crossed > 3, "pages crossed chunk edges ({crossed})");
        // A write to one February complaint: the kept report and its lists are no longer current.
        let d = report.departments.iter().find(|d| !d.register.is_empty()).unwrap();
        tx.execute("UPDATE complaints SET updated_at = updated_at WHERE id = ?1", [&d.register[0].id]).unwrap();
        assert!(trend::stored_list::<RegisterRow>(ctx, m, &d.id, REGISTER, 0, 5, chunk).unwrap().is_none());
        // A chunk deleted behind the report's back: built again, not a short page.
        let (report, _) = build_and_keep(ctx, m, chunk).unwrap();
        let d = report.departments.iter().max_by_key(|d| d.register.len()).unwrap();
        assert!(d.register.len() > 2 * chunk);
        tx.execute("DELETE FROM report_month_figures WHERE month = ?1", [trend::list_key(m, &d.id, REGISTER, 1)]).unwrap();
        assert!(trend::stored_list::<RegisterRow>(ctx, m, &d.id, REGISTER, 5, 5, chunk).unwrap().is_none());
        assert!(trend::stored_list::<RegisterRow>(ctx, m, &d.id, REGISTER, 0, 5, chunk).unwrap().is_some(), "chunk 0 alone");
    }
}
