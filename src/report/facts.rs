//! The facts every KPI is computed from, loaded once per report: one row per complaint received
//! in the range (cancelled ones excluded, R3.5) with its deadline steps, and one row per
//! follow-up survey taken in the range (R6.1). Durations are measured here, once, on the wall
//! clock and on the branch's business-hours clock (R4.5 b, pauses of R3.9 excluded).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::fasthash::FastMap;
use super::filter::Resolved;
use super::ledger::{Entry, Shown};
use super::range::{local_midnight, month_of, Month};
use crate::clock::{stored_ts, ts};
use crate::deadlines::{counted_seconds, ClockContext, Interval, Limit};
use crate::error::{CoreError, Result};
use crate::model::{Category, Channel, Nature, Satisfaction, Stage, StepKind, SurveyMethod, Tier};
use crate::workflow::load::{branch_env, BranchEnv};
use crate::workflow::Ctx;

pub use crate::clock::fast_ts;

fn text_at<'a>(r: &'a rusqlite::Row, i: usize) -> Result<&'a str> {
    r.get_ref(i)?.as_str().map_err(|e| crate::error::CoreError::Integrity(format!("report column {i}: {e}")))
}

fn opt_text_at<'a>(r: &'a rusqlite::Row, i: usize) -> Result<Option<&'a str>> {
    r.get_ref(i)?.as_str_or_null().map_err(|e| crate::error::CoreError::Integrity(format!("report column {i}: {e}")))
}

/// Timeline events that are a customer-facing answer: the first one is the first response.
pub const FIRST_RESPONSE_EVENTS: &[&str] = &["replied", "customer_decision"];

#[derive(Debug, Clone)]
pub struct StepFact {
    pub kind: StepKind,
    pub due_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl StepFact {
    /// R4.6 at `cutoff`: Some(true) on time, Some(false) overdue, None not decided yet. A step
    /// completed at its deadline is overdue (the budget is spent at `due_at`).
    pub fn on_time(&self, cutoff: DateTime<Utc>) -> Option<bool> {
        match self.completed_at {
            Some(c) if c < cutoff && c < self.due_at => Some(true),
            Some(c) if c < cutoff => Some(false),
            _ if self.due_at < cutoff => Some(false),
            _ => None,
        }
    }
}

/// One complaint of the range.
#[derive(Debug, Clone)]
pub struct Fact {
    /// The complaint row's rowid: what is read beside the complaints (steps, first responses,
    /// pauses) is joined by it, and the ledger reads what it shows of a few by it.
    pub rowid: i64,
    pub id: String,
    pub number: String,
    /// Index into `Dataset::branches`.
    pub branch: usize,
    pub received_at: DateTime<Utc>,
    /// Local month of receipt.
    pub month: Month,
    pub stage: Stage,
    pub closed_at: Option<DateTime<Utc>>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub category: Category,
    pub sub_category: String,
    pub channel: Channel,
    pub tier: Tier,
    pub nature: Nature,
    pub warning_level: u8,
    pub is_repeat: bool,
    /// Last department dispatched to; customer service when never dispatched.
    pub department_id: String,
    pub worker_id: Option<String>,
    pub customer_id: String,
    pub customer_name: String,
    pub phone: String,
    pub owner_id: String,
    pub steps: Vec<StepFact>,
    pub first_response_wall: Option<i64>,
    pub first_response_work: Option<i64>,
    pub resolution_wall: Option<i64>,
    pub resolution_work: Option<i64>,
}

impl Fact {
    pub fn accepted(&self) -> bool {
        self.stage != Stage::NotAccepted
    }

    /// Closed (R6.2) before `cutoff`, by its latest closing: reopening clears `closed_at`, and
    /// only the `closed` stage keeps one here.
    pub fn resolved(&self, cutoff: DateTime<Utc>) -> bool {
        self.closed_at.is_some_and(|c| c < cutoff)
    }

    pub fn escalated(&self) -> bool {
        self.nature == Nature::Major || self.warning_level >= 2
    }

    /// At least one deadline step overdue at `cutoff` (R4.6).
    pub fn overdue(&self, cutoff: DateTime<Utc>) -> bool {
        self.steps.iter().any(|s| s.on_time(cutoff) == Some(false))
    }
}

/// One follow-up survey of the range, with the dimensions of its complaint.
#[derive(Debug, Clone)]
pub struct SurveyFact {
    pub complaint_id: String,
    pub number: String,
    pub branch: usize,
    pub surveyed_at: DateTime<Utc>,
    pub month: Month,
    pub overall: Satisfaction,
    pub speed: Option<Satisfaction>,
    pub attitude: Option<Satisfaction>,
    pub result: Option<Satisfaction>,
    pub method: SurveyMethod,
    pub comment: String,
    /// The department responsible when the survey was taken (R6.4).
    pub department_id: String,
    pub category: Category,
    pub sub_category: String,
    pub channel: Channel,
    pub tier: Tier,
    pub nature: Nature,
    pub worker_id: Option<String>,
}

pub struct Dataset {
    pub now: DateTime<Utc>,
    pub filter: Resolved,
    pub branches: std::sync::Arc<Vec<BranchEnv>>,
    /// UTC bounds of the range per branch.
    pub bounds: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    pub facts: Vec<Fact>,
    pub surveys: Vec<SurveyFact>,
    pub cs_department: String,
}

impl Dataset {
    /// The end of the range for a branch: the range's end, or now if earlier.
    pub fn cutoff(&self, branch: usize) -> DateTime<Utc> {
        self.bounds[branch].1.min(self.now)
    }

    /// The end of a month for a branch, or now if earlier (each month measured at its own end).
    pub fn month_cutoff(&self, branch: usize, m: Month) -> DateTime<Utc> {
        local_midnight(self.branches[branch].tz, m.next().first_day()).min(self.cutoff(branch))
    }
}

fn branches(ctx: &Ctx) -> Result<Vec<BranchEnv>> {
    let ids: Vec<String> = ctx
        .conn
        .prepare_cached("SELECT id FROM branches ORDER BY created_at, rowid")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter().map(|id| branch_env(ctx.conn, id, None)).collect()
}

/// The dimensions a filter looks at, of one complaint (kept for every complaint of the range,
/// so that a survey finds its complaint's without reading it again).
#[derive(Debug, Clone)]
struct Dims {
    number: String,
    branch_id: String,
    category: Category,
    sub_category: String,
    channel: Channel,
    tier: Tier,
    nature: Nature,
    worker_id: Option<String>,
    /// Last department dispatched to, if any.
    department_id: Option<String>,
}

/// A complaint's dimensions borrowed from its fact or its [`Dims`]: a month's ~57,000 surveys
/// look theirs up without copying five strings each.
#[derive(Clone, Copy)]
struct DimsRef<'a> {
    number: &'a str,
    branch_id: &'a str,
    category: Category,
    sub_category: &'a str,
    channel: Channel,
    tier: Tier,
    nature: Nature,
    worker_id: Option<&'a str>,
    department_id: Option<&'a str>,
}

impl Dims {
    fn view(&self) -> DimsRef<'_> {
        DimsRef {
            number: &self.number,
            branch_id: &self.branch_id,
            category: self.category,
            sub_category: &self.sub_category,
            channel: self.channel,
            tier: self.tier,
            nature: self.nature,
            worker_id: self.worker_id.as_deref(),
            department_id: self.department_id.as_deref(),
        }
    }
}

impl Resolved {
    fn matches(&self, d: DimsRef, department: &str) -> bool {
        self.category.is_none_or(|x| x == d.category)
            && self.channel.is_none_or(|x| x == d.channel)
            && self.tier.is_none_or(|x| x == d.tier)
            && self.nature.is_none_or(|x| x == d.nature)
            && self.sub_category.as_deref().is_none_or(|x| x == d.sub_category)
            && self.branch.as_deref().is_none_or(|x| x == d.branch_id)
            && self.worker.as_ref().is_none_or(|x| x.as_deref() == d.worker_id)
            && self.department.as_deref().is_none_or(|x| x == department)
    }
}

const LAST_DISPATCH: &str =
    "(SELECT d.department_id FROM dispatches d WHERE d.complaint_id = c.id ORDER BY d.dispatched_at DESC, d.rowid DESC LIMIT 1)";

const DIMS: &str = "c.number, c.branch_id, c.category, c.sub_category, c.channel, c.tier, c.nature, c.worker_id";

/// The dimensions of a fact's complaint (its department is the last dispatched, or CS).
fn view_of<'a>(f: &'a Fact, branches: &'a [BranchEnv]) -> DimsRef<'a> {
    DimsRef {
        number: &f.number,
        branch_id: &branches[f.branch].id,
        category: f.category,
        sub_category: &f.sub_category,
        channel: f.channel,
        tier: f.tier,
        nature: f.nature,
        worker_id: f.worker_id.as_deref(),
        department_id: Some(&f.department_id),
    }
}

fn dims(r: &rusqlite::Row, at: usize, department_id: Option<String>) -> rusqlite::Result<Dims> {
    Ok(Dims {
        number: r.get(at)?,
        branch_id: r.get(at + 1)?,
        category: r.get(at + 2)?,
        sub_category: r.get(at + 3)?,
        channel: r.get(at + 4)?,
        tier: r.get(at + 5)?,
        nature: r.get(at + 6)?,
        worker_id: r.get(at + 7)?,
        department_id,
    })
}

/// Loads the facts of the filter's range as of `ctx.now`. Each row of the large tables is read
/// once: complaints by the receipt-time index, their steps by complaint, surveys by their time.
pub fn load(ctx: &Ctx, f: Resolved) -> Result<Dataset> {
    Ok(load_with(ctx, f, None)?.0)
}

/// What `load` reads beside the complaint rows, by complaint rowid (first responses, steps,
/// pauses): index-only passes over the range that do not need the complaint rows, so they can
/// be read on a second connection while this one reads the complaints.
#[derive(Default)]
struct Side {
    first_responses: Vec<(i64, DateTime<Utc>)>,
    steps: Vec<(i64, StepFact)>,
    pauses: Vec<(i64, Interval)>,
}

fn read_side(conn: &Connection, lo: &str, hi: &str) -> Result<Side> {
    let mut side = Side::default();
    let mut stmt = conn.prepare_cached(
        "SELECT c.rowid, (SELECT MIN(e.at) FROM events e WHERE e.complaint_id = c.id AND e.kind IN ('replied', 'customer_decision'))
         FROM complaints c WHERE c.received_at >= ?1 AND c.received_at < ?2",
    )?;
    let mut rows = stmt.query(params![lo, hi])?;
    while let Some(r) = rows.next()? {
        if let Some(at) = opt_text_at(r, 1)? {
            side.first_responses.push((r.get(0)?, fast_ts(at)));
        }
    }
    drop(rows);
    // Steps and pauses of the same complaints, one pass each (steps_report covers the steps).
    let mut stmt = conn.prepare_cached(
        "SELECT c.rowid, s.kind, s.due_at, s.completed_at FROM complaints c JOIN steps s ON s.complaint_id = c.id
         WHERE c.received_at >= ?1 AND c.received_at < ?2",
    )?;
    let mut rows = stmt.query(params![lo, hi])?;
    while let Some(r) = rows.next()? {
        side.steps.push((
            r.get(0)?,
            StepFact { kind: r.get(1)?, due_at: fast_ts(text_at(r, 2)?), completed_at: opt_text_at(r, 3)?.map(fast_ts) },
        ));
    }
    drop(rows);
    let mut stmt = conn.prepare_cached(
        "SELECT c.rowid, p.start_at, p.end_at FROM complaints c JOIN pauses p ON p.complaint_id = c.id
         WHERE c.received_at >= ?1 AND c.received_at < ?2",
    )?;
    let mut rows = stmt.query(params![lo, hi])?;
    while let Some(r) = rows.next()? {
        side.pauses.push((r.get(0)?, Interval { start: stored_ts(text_at(r, 1)?), end: stored_ts(text_at(r, 2)?) }));
    }
    Ok(side)
}

/// [`load`], reading the first responses, steps and pauses on `second` (a
/// [`crate::store::second_reader`] of `ctx.conn`) on another thread while this one reads the
/// complaints and surveys; returns `second` for the caller's next reads. The facts are the
/// same either way (`tests`: a file database loaded both ways).
pub fn load_with(ctx: &Ctx, f: Resolved, second: Option<Connection>) -> Result<(Dataset, Option<Connection>)> {
    let branches = branches(ctx)?;
    let index: HashMap<String, usize> = branches.iter().enumerate().map(|(i, b)| (b.id.clone(), i)).collect();
    let bounds: Vec<_> = branches.iter().map(|b| f.days.bounds(b.tz)).collect();
    let lo = bounds.iter().map(|b| b.0).min().unwrap_or(ctx.now);
    let hi = bounds.iter().map(|b| b.1).max().unwrap_or(ctx.now).min(ctx.now + chrono::Duration::days(1));
    let cs_department: String = ctx
        .conn
        .query_row("SELECT id FROM departments WHERE is_cs = 1 ORDER BY active DESC, rowid LIMIT 1", [], |r| r.get(0))
        .or_else(|_| ctx.conn.query_row("SELECT id FROM departments ORDER BY rowid LIMIT 1", [], |r| r.get(0)))?;

    let (lo_ts, hi_ts) = (ts(lo), ts(hi));
    let loaded = std::thread::scope(|s| {
        let beside = second.map(|conn| {
            let (lo, hi) = (lo_ts.as_str(), hi_ts.as_str());
            s.spawn(move || (read_side(&conn, lo, hi), conn))
        });
        let here = complaints_and_surveys(ctx, &f, &branches, &index, &bounds, &cs_department, &lo_ts, &hi_ts);
        let (side, second) = match beside {
            Some(h) => {
                let (side, conn) = h.join().map_err(|_| CoreError::Integrity("report: reading the steps failed".into()))?;
                (side?, Some(conn))
            }
            None => (read_side(ctx.conn, &lo_ts, &hi_ts)?, None),
        };
        let (mut facts, surveys) = here?;
        attach(&mut facts, side, &branches);
        Ok::<_, CoreError>((facts, surveys, second))
    })?;
    let (facts, surveys, second) = loaded;
    let branches = std::sync::Arc::new(branches);
    Ok((Dataset { now: ctx.now, filter: f, branches, bounds, facts, surveys, cs_department }, second))
}

/// The complaints of the range that pass the filter and the surveys taken
/// in it (R6.1), attributed to the department responsible then (R6.4).
#[allow(clippy::too_many_arguments)]
fn complaints_and_surveys(
    ctx: &Ctx,
    f: &Resolved,
    branches: &[BranchEnv],
    index: &HashMap<String, usize>,
    bounds: &[(DateTime<Utc>, DateTime<Utc>)],
    cs_department: &str,
    lo: &str,
    hi: &str,
) -> Result<(Vec<Fact>, Vec<SurveyFact>)> {
    let sql = format!(
        "SELECT c.id, c.received_at, c.stage, c.closed_at, c.warning_level, c.is_repeat,
                COALESCE(c.department_id, {LAST_DISPATCH}), c.customer_id, c.customer_name, c.contact_phone, c.owner_id,
                {DIMS}, c.rowid
         FROM complaints c INDEXED BY complaints_month
         WHERE c.received_at >= ?1 AND c.received_at < ?2 AND c.stage <> 'cancelled'
         ORDER BY c.received_at"
    );
    let mut stmt = ctx.conn.prepare_cached(&sql)?;
    let mut facts: Vec<Fact> = Vec::new();
    // Scanned complaints that are not facts (another branch's day, filtered out), for surveys.
    let mut others: HashMap<String, Dims> = HashMap::new();
    let mut rows = stmt.query(params![lo, hi])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let d = dims(r, 11, r.get(6)?)?;
        let Some(&b) = index.get(&d.branch_id) else { continue };
        let received_at = fast_ts(text_at(r, 1)?);
        let in_range = received_at >= bounds[b].0 && received_at < bounds[b].1;
        let department_id = d.department_id.clone().unwrap_or_else(|| cs_department.to_string());
        if in_range && f.matches(d.view(), &department_id) {
            let stage: Stage = r.get(2)?;
            facts.push(Fact {
                rowid: r.get(19)?,
                id,
                number: d.number,
                branch: b,
                received_at,
                month: month_of(received_at, branches[b].tz),
                stage,
                // Not accepting or cancelling also stamps `closed_at`; only closing resolves (R6.2).
                closed_at: opt_text_at(r, 3)?.map(fast_ts).filter(|_| stage == Stage::Closed),
                first_response_at: None,
                category: d.category,
                sub_category: d.sub_category,
                channel: d.channel,
                tier: d.tier,
                nature: d.nature,
                warning_level: r.get(4)?,
                is_repeat: r.get(5)?,
                department_id,
                worker_id: d.worker_id,
                customer_id: r.get(7)?,
                customer_name: r.get(8)?,
                phone: r.get(9)?,
                owner_id: r.get(10)?,
                steps: Vec::new(),
                first_response_wall: None,
                first_response_work: None,
                resolution_wall: None,
                resolution_work: None,
            });
        } else {
            others.insert(id, d);
        }
    }
    drop(rows);

    // Surveys taken in the range (R6.1), attributed to the department responsible then (R6.4).
    // Their complaints were mostly read above; older ones are looked up one by one.
    let by_id: FastMap<&str, usize> = facts.iter().enumerate().map(|(i, f)| (f.id.as_str(), i)).collect();
    let mut older = ctx
        .conn
        .prepare_cached(&format!("SELECT c.stage, COALESCE(c.department_id, {LAST_DISPATCH}), {DIMS} FROM complaints c WHERE c.id = ?1"))?;
    let mut stmt = ctx.conn.prepare_cached(
        "SELECT s.complaint_id, s.surveyed_at, s.overall, s.speed, s.attitude, s.result, s.method, s.comment, s.department_id
         FROM surveys s INDEXED BY surveys_month WHERE s.surveyed_at >= ?1 AND s.surveyed_at < ?2 ORDER BY s.surveyed_at, s.rowid",
    )?;
    let mut surveys = Vec::new();
    let mut rows = stmt.query(params![lo, hi])?;
    while let Some(r) = rows.next()? {
        let complaint_id: String = r.get(0)?;
        let d: DimsRef = if let Some(&i) = by_id.get(complaint_id.as_str()) {
            view_of(&facts[i], branches)
        } else {
            if !others.contains_key(&complaint_id) {
                let got: Option<(Stage, Dims)> =
                    older.query_row(params![complaint_id], |x| Ok((x.get::<_, Stage>(0)?, dims(x, 2, x.get(1)?)?))).optional()?;
                match got {
                    Some((stage, d)) if stage != Stage::Cancelled => {
                        others.insert(complaint_id.clone(), d);
                    }
                    _ => continue,
                }
            }
            match others.get(&complaint_id) {
                Some(d) => d.view(),
                None => continue,
            }
        };
        let Some(&b) = index.get(d.branch_id) else { continue };
        let at = fast_ts(text_at(r, 1)?);
        if at < bounds[b].0 || at >= bounds[b].1 || at >= ctx.now {
            continue;
        }
        let department_id: &str = opt_text_at(r, 8)?.or(d.department_id).unwrap_or(cs_department);
        if !f.matches(d, department_id) {
            continue;
        }
        surveys.push(SurveyFact {
            complaint_id,
            number: d.number.to_string(),
            branch: b,
            surveyed_at: at,
            month: month_of(at, branches[b].tz),
            overall: r.get(2)?,
            speed: r.get(3)?,
            attitude: r.get(4)?,
            result: r.get(5)?,
            method: r.get(6)?,
            comment: r.get(7)?,
            department_id: department_id.to_string(),
            category: d.category,
            sub_category: d.sub_category.to_string(),
            channel: d.channel,
            tier: d.tier,
            nature: d.nature,
            worker_id: d.worker_id.map(str::to_string),
        });
    }
    drop(rows);
    Ok((facts, surveys))
}

/// Puts what was read beside the complaints on them, in the order read, and measures the
/// durations: wall clock and business hours of the complaint's branch (R4.5 b, pauses of R3.9
/// excluded).
fn attach(facts: &mut [Fact], side: Side, branches: &[BranchEnv]) {
    let by_rowid: FastMap<i64, usize> = facts.iter().enumerate().map(|(i, f)| (f.rowid, i)).collect();
    for (rowid, at) in side.first_responses {
        if let Some(&i) = by_rowid.get(&rowid) {
            facts[i].first_response_at = Some(at);
        }
    }
    for (rowid, step) in side.steps {
        if let Some(&i) = by_rowid.get(&rowid) {
            facts[i].steps.push(step);
        }
    }
    let mut pauses: HashMap<usize, Vec<Interval>> = HashMap::new();
    for (rowid, iv) in side.pauses {
        if let Some(&i) = by_rowid.get(&rowid) {
            pauses.entry(i).or_default().push(iv);
        }
    }

    // Business hours are walked per complaint (~100,000 walks for a month at a million
    // complaints): on two threads when there are many.
    let measure_from = |start: usize, part: &mut [Fact]| {
        let business = Limit::BusinessHours { minutes: 0 };
        for (j, fact) in part.iter_mut().enumerate() {
            let env = &branches[fact.branch];
            let ps = pauses.get(&(start + j)).map(Vec::as_slice).unwrap_or(&[]);
            let cx = ClockContext { tz: env.tz, calendar: &env.calendar, hours: &env.hours, pauses: ps };
            let measure = |end: DateTime<Utc>| {
                let wall = (end - fact.received_at).num_seconds().max(0);
                (wall, counted_seconds(fact.received_at, end, &business, &cx))
            };
            if let Some(t) = fact.first_response_at {
                let (w, b) = measure(t);
                fact.first_response_wall = Some(w);
                fact.first_response_work = Some(b);
            }
            if let Some(t) = fact.closed_at {
                let (w, b) = measure(t);
                fact.resolution_wall = Some(w);
                fact.resolution_work = Some(b);
            }
        }
    };
    if facts.len() < 8192 {
        measure_from(0, facts);
    } else {
        let half = facts.len() / 2;
        let (front, back) = facts.split_at_mut(half);
        std::thread::scope(|s| {
            s.spawn(|| measure_from(half, back));
            measure_from(0, front);
        });
    }
}

/// What the flags (R7.5) and the bad-record ledger (R7.9) count of the complaints received on
/// `days` (whole company, cancelled ones excluded, in order of receipt), with the branches and
/// now of `like`. Read from the `complaints_month` index alone (migration 0011): a quarter of
/// a year at a million complaints, without reading their wide rows.
pub fn load_entries(ctx: &Ctx, like: &Dataset, days: super::range::Days) -> Result<Vec<Entry>> {
    let bounds: Vec<_> = like.branches.iter().map(|b| days.bounds(b.tz)).collect();
    // Where each month of the days starts in each branch, latest first (the local month of an
    // instant without a time-zone conversion per complaint).
    let months = days.months();
    let month_starts: Vec<Vec<(DateTime<Utc>, Month)>> =
        like.branches.iter().map(|b| months.iter().rev().map(|m| (local_midnight(b.tz, m.first_day()), *m)).collect()).collect();
    let lo = bounds.iter().map(|b| b.0).min().unwrap_or(like.now);
    let hi = bounds.iter().map(|b| b.1).max().unwrap_or(like.now).min(like.now + chrono::Duration::days(1));
    let mut stmt = ctx.conn.prepare_cached(
        "SELECT c.rowid, c.received_at, c.branch_id, c.customer_id, c.worker_id, c.is_repeat, c.nature, c.warning_level,
                c.category, c.sub_category
         FROM complaints c INDEXED BY complaints_month
         WHERE c.received_at >= ?1 AND c.received_at < ?2 AND c.stage <> 'cancelled'
         ORDER BY c.received_at, c.rowid",
    )?;
    let mut out = Vec::new();
    let mut rows = stmt.query(params![ts(lo), ts(hi)])?;
    while let Some(r) = rows.next()? {
        let branch_id = text_at(r, 2)?;
        let Some(b) = like.branches.iter().position(|x| x.id == branch_id) else { continue };
        let received_at = fast_ts(text_at(r, 1)?);
        if received_at < bounds[b].0 || received_at >= bounds[b].1 {
            continue;
        }
        let month = match month_starts[b].iter().find(|(start, _)| *start <= received_at) {
            Some((_, m)) => *m,
            None => month_of(received_at, like.branches[b].tz),
        };
        let nature: Nature = r.get(6)?;
        let warning_level: u8 = r.get(7)?;
        out.push(Entry {
            rowid: r.get(0)?,
            branch: b,
            received_at,
            month,
            customer_id: text_at(r, 3)?.to_string(),
            worker_id: opt_text_at(r, 4)?.map(str::to_string),
            is_repeat: r.get(5)?,
            escalated: nature == Nature::Major || warning_level >= 2,
            category: r.get(8)?,
            sub_category: text_at(r, 9)?.to_string(),
        });
    }
    Ok(out)
}

/// What the ledger shows of a complaint, by rowid.
pub fn shown(ctx: &Ctx, rowid: i64) -> Result<Shown> {
    Ok(ctx
        .conn
        .prepare_cached("SELECT number, customer_name, contact_phone FROM complaints WHERE rowid = ?1")?
        .query_row(params![rowid], |r| Ok(Shown { number: r.get(0)?, customer_name: r.get(1)?, phone: r.get(2)? }))?)
}

/// The overall rating of each complaint of `ds` by its latest survey (by time, then entry) taken
/// from the local day `since` until the end of `ds`'s range (or now): what the monthly report's
/// register shows. The surveys of the range are `ds.surveys` already; earlier ones of its
/// complaints (a survey can only predate its complaint's range when entered by hand) are
/// probed by index, one per complaint, without reading any survey row of the range again.
pub fn latest_ratings(ctx: &Ctx, ds: &Dataset, since: chrono::NaiveDate) -> Result<FastMap<String, Satisfaction>> {
    let by_id: FastMap<&str, &Fact> = ds.facts.iter().map(|f| (f.id.as_str(), f)).collect();
    let starts: Vec<DateTime<Utc>> = ds.branches.iter().map(|b| local_midnight(b.tz, since)).collect();
    let lo = ds.bounds.iter().map(|b| b.0).min().unwrap_or(ds.now);
    let hi = ds.bounds.iter().map(|b| b.1).max().unwrap_or(ds.now).min(ds.now + chrono::Duration::days(1));
    let before = ds.bounds.iter().map(|b| b.0).max().unwrap_or(ds.now);
    // The latest is the last by (time, rowid): kept while reading, instead of SQLite sorting
    // every survey of the month's complaints first.
    let mut stmt = ctx.conn.prepare_cached(
        "SELECT s.complaint_id, s.surveyed_at, s.overall, s.rowid FROM complaints c JOIN surveys s ON s.complaint_id = c.id AND s.surveyed_at < ?3
         WHERE c.received_at >= ?1 AND c.received_at < ?2",
    )?;
    let mut earlier: FastMap<&str, (DateTime<Utc>, i64, Satisfaction)> = FastMap::default();
    let mut rows = stmt.query(params![ts(lo), ts(hi), ts(before)])?;
    while let Some(r) = rows.next()? {
        let Some(f) = by_id.get(text_at(r, 0)?) else { continue };
        let at = fast_ts(text_at(r, 1)?);
        if at >= starts[f.branch] && at < ds.bounds[f.branch].0 && at < ds.cutoff(f.branch) {
            let this = (at, r.get::<_, i64>(3)?, r.get(2)?);
            let kept = earlier.entry(f.id.as_str()).or_insert(this);
            if (this.0, this.1) > (kept.0, kept.1) {
                *kept = this;
            }
        }
    }
    drop(rows);
    let mut latest = FastMap::with_capacity_and_hasher(ds.facts.len(), Default::default());
    latest.extend(earlier.into_iter().map(|(id, (_, _, overall))| (id.to_string(), overall)));
    for s in &ds.surveys {
        if let Some(f) = by_id.get(s.complaint_id.as_str()) {
            if s.surveyed_at >= starts[f.branch] && s.surveyed_at < ds.cutoff(f.branch) {
                latest.insert(f.id.clone(), s.overall);
            }
        }
    }
    Ok(latest)
}
