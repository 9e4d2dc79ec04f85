//! The KPIs of R7.4 for any range and filter, with breakdowns by category, channel, tier,
//! department, worker, branch and month. Each figure is a KPI key (its exact definition is
//! `texts::Texts::definition`, shown next to it everywhere) plus its numbers; each breakdown row
//! carries the filter that selects exactly its complaints, so the complaints behind any figure
//! are `kpi_complaints { filter: row.filter, kpi: figure.kpi }`.
//!
//! How one complaint or survey counts towards a KPI is decided in one place, [`count_fact`] and
//! [`count_survey`], used both for the figures and for the lists behind them: the list behind a
//! figure always has exactly the figure's numbers.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::facts::{self, Dataset, Fact, SurveyFact};
use super::filter::{ReportFilter, NONE_KEY};
use super::range::Days;
use crate::error::Result;
use crate::lang::Lang;
use crate::model::{Category, Channel, StepKind, Tier};
use crate::workflow::Ctx;

macro_rules! kpi_keys {
    ($($variant:ident = $text:literal),+ $(,)?) => {
        /// The KPIs of R7.4.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum KpiKey { $($variant),+ }

        impl KpiKey {
            /// Every KPI, in the order reports show them.
            pub const ALL: [KpiKey; 21] = [$(KpiKey::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(KpiKey::$variant => $text),+ }
            }
        }
    };
}

kpi_keys! {
    Volume = "volume",
    ResolutionRate = "resolution_rate",
    FirstResponseMedian = "first_response_median",
    FirstResponseP90 = "first_response_p90",
    FirstResponseWorkMedian = "first_response_work_median",
    FirstResponseWorkP90 = "first_response_work_p90",
    ResolutionMedian = "resolution_median",
    ResolutionP90 = "resolution_p90",
    ResolutionWorkMedian = "resolution_work_median",
    ResolutionWorkP90 = "resolution_work_p90",
    OnTimeReportMajor = "on_time_report_major",
    OnTimeDispatch = "on_time_dispatch",
    OnTimeStageReply = "on_time_stage_reply",
    OnTimeFinalHandling = "on_time_final_handling",
    OnTimeDepartment = "on_time_department",
    OnTimeFollowUp = "on_time_follow_up",
    OverdueRate = "overdue_rate",
    CsatShare = "csat_share",
    CsatMean = "csat_mean",
    RepeatRate = "repeat_rate",
    EscalationRate = "escalation_rate",
}

/// What a figure's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A number of complaints.
    Count,
    /// A share between 0 and 1 (numerator / denominator).
    Ratio,
    /// A duration in seconds.
    Seconds,
    /// A mean on the five-level satisfaction scale (1–5).
    Score,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    FirstResponse,
    Resolution,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    Median,
    P90,
}

impl KpiKey {
    pub fn unit(self) -> Unit {
        use KpiKey::*;
        match self {
            Volume => Unit::Count,
            CsatMean => Unit::Score,
            _ if self.timing().is_some() => Unit::Seconds,
            _ => Unit::Ratio,
        }
    }

    /// For duration KPIs: what is measured, which statistic, and whether in working time.
    pub fn timing(self) -> Option<(Timing, Stat, bool)> {
        use KpiKey::*;
        use Stat::*;
        use Timing::*;
        Some(match self {
            FirstResponseMedian => (FirstResponse, Median, false),
            FirstResponseP90 => (FirstResponse, P90, false),
            FirstResponseWorkMedian => (FirstResponse, Median, true),
            FirstResponseWorkP90 => (FirstResponse, P90, true),
            ResolutionMedian => (Resolution, Median, false),
            ResolutionP90 => (Resolution, P90, false),
            ResolutionWorkMedian => (Resolution, Median, true),
            ResolutionWorkP90 => (Resolution, P90, true),
            _ => return None,
        })
    }

    /// For on-time rates: the deadline stage.
    pub fn step_kind(self) -> Option<StepKind> {
        use KpiKey::*;
        Some(match self {
            OnTimeReportMajor => StepKind::ReportMajor,
            OnTimeDispatch => StepKind::Dispatch,
            OnTimeStageReply => StepKind::StageReply,
            OnTimeFinalHandling => StepKind::FinalHandling,
            OnTimeDepartment => StepKind::Department,
            OnTimeFollowUp => StepKind::FollowUp,
            _ => return None,
        })
    }

    /// Counted over surveys rather than complaints.
    pub fn is_survey(self) -> bool {
        matches!(self, KpiKey::CsatShare | KpiKey::CsatMean)
    }
}

/// The value of one KPI over a set of complaints.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Figure {
    pub kpi: KpiKey,
    pub unit: Unit,
    /// Null when nothing was measured (an empty month, no survey, no closed complaint …).
    pub value: Option<f64>,
    /// Ratios: the complaints (steps, surveys) meeting the KPI; scores: the sum of the ratings;
    /// durations and volume: the number measured.
    pub numerator: i64,
    /// The complaints (steps, surveys) the KPI is taken over.
    pub denominator: i64,
}

/// How one complaint or survey counts towards a KPI.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Count {
    pub den: i64,
    pub num: i64,
    /// The measured value (seconds for durations, 1–5 for ratings).
    pub value: Option<f64>,
}

/// How the complaint `f` counts towards `k` as of `cutoff` (the end of the range, or now).
pub fn count_fact(k: KpiKey, f: &Fact, cutoff: DateTime<Utc>) -> Count {
    let one = |yes: bool| Count { den: 1, num: yes as i64, value: None };
    use KpiKey::*;
    match k {
        Volume => one(true),
        ResolutionRate if f.accepted() => one(f.resolved(cutoff)),
        OverdueRate => one(f.overdue(cutoff)),
        RepeatRate => one(f.is_repeat),
        EscalationRate => one(f.escalated()),
        _ if k.is_survey() => Count::default(),
        _ => {
            if let Some((timing, _, work)) = k.timing() {
                let measured = match timing {
                    Timing::FirstResponse if f.accepted() && f.first_response_at.is_some_and(|t| t < cutoff) => {
                        if work {
                            f.first_response_work
                        } else {
                            f.first_response_wall
                        }
                    }
                    Timing::Resolution if f.resolved(cutoff) => {
                        if work {
                            f.resolution_work
                        } else {
                            f.resolution_wall
                        }
                    }
                    _ => None,
                };
                return match measured {
                    Some(v) => Count { den: 1, num: 1, value: Some(v as f64) },
                    None => Count::default(),
                };
            }
            if let Some(kind) = k.step_kind() {
                let mut c = Count::default();
                for s in f.steps.iter().filter(|s| s.kind == kind) {
                    if let Some(on_time) = s.on_time(cutoff) {
                        c.den += 1;
                        c.num += on_time as i64;
                    }
                }
                return c;
            }
            Count::default()
        }
    }
}

/// How a survey counts towards a survey KPI (CSAT).
pub fn count_survey(k: KpiKey, s: &SurveyFact) -> Count {
    let score = s.overall.score() as i64;
    match k {
        KpiKey::CsatShare => Count { den: 1, num: s.overall.is_satisfied() as i64, value: Some(score as f64) },
        KpiKey::CsatMean => Count { den: 1, num: score, value: Some(score as f64) },
        _ => Count::default(),
    }
}

/// The nearest-rank percentile of ascending values: the ⌈p·n⌉-th smallest (integer arithmetic,
/// so 90 % of 10 values is exactly the 9th).
pub fn nearest_rank(sorted: &[i64], stat: Stat) -> Option<i64> {
    rank_index(sorted.len(), stat).map(|i| sorted[i])
}

/// The 0-based position of the nearest-rank percentile among `n` ascending values.
fn rank_index(n: usize, stat: Stat) -> Option<usize> {
    let k = match stat {
        Stat::Median => n.div_ceil(2),
        Stat::P90 => (9 * n).div_ceil(10),
    };
    (n > 0).then(|| k.clamp(1, n) - 1)
}

/// Every KPI over complaints (each with its cutoff) and surveys. One pass over the complaints
/// for all the KPIs (a month of a million-complaint database is tens of megabytes of facts:
/// reading them once per KPI cost more than the counting).
pub fn figures(facts: &[(&Fact, DateTime<Utc>)], surveys: &[&SurveyFact]) -> Vec<Figure> {
    figures_of(facts.iter().map(|(f, cut)| Tally::of(f, *cut)), surveys)
}

const KPIS: usize = KpiKey::ALL.len();
/// A [`Tally`] value slot with nothing measured.
const UNMEASURED: i64 = i64::MIN;

/// What one complaint adds to every complaint KPI at its cutoff ([`count_fact`] for each),
/// worked out once: a month's report groups the same ~50,000 complaints eight ways (six
/// breakdowns, the department sections, the trend row), and counting every complaint in every
/// group was most of the time of its breakdowns (issue 8).
#[derive(Clone)]
pub struct Tally {
    den: [u32; KPIS],
    num: [u32; KPIS],
    /// The measured duration of the timed KPIs, in seconds; [`UNMEASURED`] otherwise.
    value: [i64; KPIS],
}

impl Tally {
    pub fn of(f: &Fact, cutoff: DateTime<Utc>) -> Tally {
        let mut t = Tally { den: [0; KPIS], num: [0; KPIS], value: [UNMEASURED; KPIS] };
        for (i, &k) in KpiKey::ALL.iter().enumerate() {
            if k.is_survey() {
                continue;
            }
            let c = count_fact(k, f, cutoff);
            // Counts of one complaint's steps: never near u32::MAX.
            t.den[i] = u32::try_from(c.den).unwrap_or(u32::MAX);
            t.num[i] = u32::try_from(c.num).unwrap_or(u32::MAX);
            if let (Some(v), Some(_)) = (c.value, k.timing()) {
                t.value[i] = v as i64;
            }
        }
        t
    }
}

/// Every complaint's [`Tally`] in a dataset, each taken at the cutoff a breakdown would use
/// (`by_month`: its month's end, see [`with_cutoffs`]).
pub struct Scores {
    tallies: Vec<Tally>,
    cutoffs: Vec<DateTime<Utc>>,
    by_month: bool,
    /// The range is exactly one month: it ends where its month does, in every branch, so both
    /// ways give the same cutoffs (the monthly report's trend row asks by month).
    one_month: bool,
}

impl Scores {
    /// Worked out on two threads when there are many: at a million complaints it is a month's
    /// ~50,000 complaints, while the report waits.
    pub fn of(ds: &Dataset, by_month: bool) -> Scores {
        let cutoffs: Vec<DateTime<Utc>> = with_cutoffs(ds, ds.facts.iter(), by_month).into_iter().map(|(_, c)| c).collect();
        let tally = |(f, c): (&Fact, &DateTime<Utc>)| Tally::of(f, *c);
        let tallies = if ds.facts.len() < 8192 {
            ds.facts.iter().zip(&cutoffs).map(tally).collect()
        } else {
            let half = ds.facts.len() / 2;
            std::thread::scope(|s| {
                let back = s.spawn(|| ds.facts[half..].iter().zip(&cutoffs[half..]).map(tally).collect::<Vec<_>>());
                let mut front: Vec<Tally> = ds.facts[..half].iter().zip(&cutoffs[..half]).map(tally).collect();
                match back.join() {
                    Ok(b) => front.extend(b),
                    // Not expected (counting does not panic); counted here then.
                    Err(_) => front.extend(ds.facts[half..].iter().zip(&cutoffs[half..]).map(tally)),
                }
                front
            })
        };
        let one_month = matches!(ds.filter.days.months().as_slice(), [m] if super::range::Days::month(*m) == ds.filter.days);
        Scores { tallies, cutoffs, by_month, one_month }
    }

    /// The tally of `ds.facts[i]` at the cutoff a breakdown `by_month` or not uses: the one
    /// worked out, unless that cutoff differs (a range of several months, the other way).
    pub fn at<'s>(&'s self, ds: &Dataset, i: usize, by_month: bool) -> std::borrow::Cow<'s, Tally> {
        if by_month == self.by_month || self.one_month {
            if let Some(t) = self.tallies.get(i) {
                return std::borrow::Cow::Borrowed(t);
            }
        }
        let f = &ds.facts[i];
        let cut = if by_month { ds.month_cutoff(f.branch, f.month) } else { ds.cutoff(f.branch) };
        match (self.cutoffs.get(i), self.tallies.get(i)) {
            (Some(c), Some(t)) if *c == cut => std::borrow::Cow::Borrowed(t),
            _ => std::borrow::Cow::Owned(Tally::of(f, cut)),
        }
    }
}

/// [`figures`] from the complaints' tallies.
pub fn figures_of<T: std::borrow::Borrow<Tally>>(tallies: impl IntoIterator<Item = T>, surveys: &[&SurveyFact]) -> Vec<Figure> {
    let mut den = [0i64; KPIS];
    let mut num = [0i64; KPIS];
    let mut values: Vec<Vec<i64>> = (0..KPIS).map(|_| Vec::new()).collect();
    let timed: Vec<usize> = KpiKey::ALL.iter().enumerate().filter(|(_, k)| k.timing().is_some()).map(|(i, _)| i).collect();
    for t in tallies {
        let t = t.borrow();
        for i in 0..KPIS {
            den[i] += t.den[i] as i64;
            num[i] += t.num[i] as i64;
        }
        for &i in &timed {
            if t.value[i] != UNMEASURED {
                values[i].push(t.value[i]);
            }
        }
    }
    let on_surveys: Vec<(usize, KpiKey)> = KpiKey::ALL.iter().copied().enumerate().filter(|(_, k)| k.is_survey()).collect();
    for s in surveys {
        for &(i, k) in &on_surveys {
            let c = count_survey(k, s);
            den[i] += c.den;
            num[i] += c.num;
        }
    }
    KpiKey::ALL
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (&k, mut values))| {
            let (den, num) = (den[i], num[i]);
            let value = match k.unit() {
                Unit::Count => Some(num as f64),
                Unit::Ratio | Unit::Score => (den > 0).then(|| num as f64 / den as f64),
                Unit::Seconds => k.timing().and_then(|(_, stat, _)| nearest_rank_unsorted(&mut values, stat)).map(|v| v as f64),
            };
            Figure { kpi: k, unit: k.unit(), value, numerator: num, denominator: den }
        })
        .collect()
}

/// [`nearest_rank`] of values in any order (reordered): a selection instead of a sort, since a
/// report takes eight percentiles of up to a month's complaints per group.
pub fn nearest_rank_unsorted(values: &mut [i64], stat: Stat) -> Option<i64> {
    rank_index(values.len(), stat).map(|i| *values.select_nth_unstable(i).1)
}

/// The breakdown dimensions of R7.4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Category,
    Channel,
    Tier,
    /// The department a complaint was last dispatched to (customer service when never
    /// dispatched); for surveys the department responsible when surveyed (R6.4).
    Department,
    /// The household-service worker named on the complaint: sorted by volume, a ranking.
    Worker,
    Branch,
    /// Month of receipt (of the survey, for CSAT), each measured at its own end.
    Month,
}

impl Dimension {
    pub const ALL: [Dimension; 7] = [
        Dimension::Category,
        Dimension::Channel,
        Dimension::Tier,
        Dimension::Department,
        Dimension::Worker,
        Dimension::Branch,
        Dimension::Month,
    ];

    pub fn index(self) -> usize {
        Dimension::ALL.iter().position(|d| *d == self).unwrap_or(0)
    }

    pub fn fact_key(self, ds: &Dataset, f: &Fact) -> String {
        match self {
            Dimension::Category => f.category.as_str().into(),
            Dimension::Channel => f.channel.as_str().into(),
            Dimension::Tier => f.tier.as_str().into(),
            Dimension::Department => f.department_id.clone(),
            Dimension::Worker => f.worker_id.clone().unwrap_or_else(|| NONE_KEY.into()),
            Dimension::Branch => ds.branches[f.branch].id.clone(),
            Dimension::Month => f.month.key(),
        }
    }

    /// [`Dimension::fact_key`], borrowed where the fact holds it.
    pub fn fact_key_ref<'a>(self, ds: &'a Dataset, f: &'a Fact) -> std::borrow::Cow<'a, str> {
        use std::borrow::Cow::Borrowed;
        match self {
            Dimension::Category => Borrowed(f.category.as_str()),
            Dimension::Channel => Borrowed(f.channel.as_str()),
            Dimension::Tier => Borrowed(f.tier.as_str()),
            Dimension::Department => Borrowed(&f.department_id),
            Dimension::Worker => Borrowed(f.worker_id.as_deref().unwrap_or(NONE_KEY)),
            Dimension::Branch => Borrowed(&ds.branches[f.branch].id),
            Dimension::Month => self.fact_key(ds, f).into(),
        }
    }

    /// [`Dimension::survey_key`], borrowed where the survey holds it.
    pub fn survey_key_ref<'a>(self, ds: &'a Dataset, s: &'a SurveyFact) -> std::borrow::Cow<'a, str> {
        use std::borrow::Cow::Borrowed;
        match self {
            Dimension::Category => Borrowed(s.category.as_str()),
            Dimension::Channel => Borrowed(s.channel.as_str()),
            Dimension::Tier => Borrowed(s.tier.as_str()),
            Dimension::Department => Borrowed(&s.department_id),
            Dimension::Worker => Borrowed(s.worker_id.as_deref().unwrap_or(NONE_KEY)),
            Dimension::Branch => Borrowed(&ds.branches[s.branch].id),
            Dimension::Month => self.survey_key(ds, s).into(),
        }
    }

    pub fn survey_key(self, ds: &Dataset, s: &SurveyFact) -> String {
        match self {
            Dimension::Category => s.category.as_str().into(),
            Dimension::Channel => s.channel.as_str().into(),
            Dimension::Tier => s.tier.as_str().into(),
            Dimension::Department => s.department_id.clone(),
            Dimension::Worker => s.worker_id.clone().unwrap_or_else(|| NONE_KEY.into()),
            Dimension::Branch => ds.branches[s.branch].id.clone(),
            Dimension::Month => s.month.key(),
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BreakdownRow {
    /// The value of the dimension: an enum code, a department / worker / branch id, "YYYY-MM",
    /// or "(none)" for complaints without a worker.
    pub key: String,
    /// A readable name: department, worker ("name code") or branch name; the key itself for
    /// enum codes and months (the window translates those).
    pub label: String,
    /// Selects exactly this row's complaints: pass it to `kpi_complaints` with a figure's KPI.
    pub filter: ReportFilter,
    pub figures: Vec<Figure>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Breakdown {
    pub dimension: Dimension,
    pub rows: Vec<BreakdownRow>,
    /// Rows there were before `max_rows` cut the list.
    pub rows_total: usize,
}

/// Names of departments, workers and branches for row labels.
pub struct Names {
    pub departments: HashMap<String, (String, String)>,
    pub workers: HashMap<String, (String, String)>,
}

impl Names {
    pub fn load(ctx: &Ctx) -> Result<Names> {
        let pairs = |sql: &str| -> Result<HashMap<String, (String, String)>> {
            let mut stmt = ctx.conn.prepare_cached(sql)?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get::<_, String>(1)?, r.get::<_, String>(2)?))))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        Ok(Names { departments: pairs("SELECT id, code, name FROM departments")?, workers: pairs("SELECT id, code, name FROM workers")? })
    }

    pub fn department(&self, id: &str) -> String {
        self.departments.get(id).map(|(_, n)| n.clone()).unwrap_or_else(|| id.to_string())
    }

    pub fn worker(&self, id: &str) -> String {
        match self.workers.get(id) {
            Some((code, name)) => format!("{name} {code}"),
            None => id.to_string(),
        }
    }
}

fn label(ds: &Dataset, names: &Names, d: Dimension, key: &str) -> String {
    match d {
        Dimension::Department => names.department(key),
        Dimension::Worker if key == NONE_KEY => key.to_string(),
        Dimension::Worker => names.worker(key),
        Dimension::Branch => ds.branches.iter().find(|b| b.id == key).map(|b| b.name.clone()).unwrap_or_else(|| key.to_string()),
        _ => key.to_string(),
    }
}

fn row_filter(base: &ReportFilter, days: Days, d: Dimension, key: &str) -> ReportFilter {
    let mut f = base.clone();
    match d {
        Dimension::Category => f.category = Category::parse(key),
        Dimension::Channel => f.channel = Channel::parse(key),
        Dimension::Tier => f.tier = Tier::parse(key),
        Dimension::Department => f.department = Some(key.to_string()),
        Dimension::Worker => f.worker = Some(key.to_string()),
        Dimension::Branch => f.branch = Some(key.to_string()),
        Dimension::Month => {
            if let Ok(m) = super::range::Month::parse("month", key) {
                let md = Days::month(m);
                let inter = Days { from: md.from.max(days.from), to: md.to.min(days.to) };
                return base.with_days(inter);
            }
        }
    }
    f
}

/// Complaints of the dataset, each with the cutoff it is measured at: the end of the range,
/// or with `by_month` the end of its own month.
pub fn with_cutoffs<'a>(ds: &'a Dataset, facts: impl Iterator<Item = &'a Fact>, by_month: bool) -> Vec<(&'a Fact, DateTime<Utc>)> {
    facts.map(|f| (f, if by_month { ds.month_cutoff(f.branch, f.month) } else { ds.cutoff(f.branch) })).collect()
}

/// One breakdown: rows in a stable order (months chronologically, every month of the range
/// present; the small vocabularies complete; departments, workers and branches by volume).
pub fn breakdown(ds: &Dataset, names: &Names, base: &ReportFilter, d: Dimension, max_rows: usize) -> Breakdown {
    breakdown_scored(ds, &Scores::of(ds, d == Dimension::Month), names, base, d, max_rows)
}

/// [`breakdown`] with the complaints' tallies worked out already (several breakdowns of one
/// dataset share them).
pub fn breakdown_scored(ds: &Dataset, scores: &Scores, names: &Names, base: &ReportFilter, d: Dimension, max_rows: usize) -> Breakdown {
    use std::borrow::Cow;
    // A group's complaints by their index in `ds.facts` (their tallies are in `scores`).
    type Group<'a> = (Cow<'a, str>, Vec<usize>, Vec<&'a SurveyFact>);
    let by_month = d == Dimension::Month;
    // Grouped by borrowed keys (a key string per complaint per breakdown was most of the time
    // at a million complaints), then in key order as a sorted map would give them.
    let mut groups: Vec<Group> = Vec::new();
    let mut at: super::fasthash::FastMap<Cow<str>, usize> = Default::default();
    fn slot<'a>(groups: &mut Vec<Group<'a>>, at: &mut super::fasthash::FastMap<Cow<'a, str>, usize>, key: Cow<'a, str>) -> usize {
        if let Some(&i) = at.get(&key) {
            return i;
        }
        groups.push((key.clone(), Vec::new(), Vec::new()));
        at.insert(key, groups.len() - 1);
        groups.len() - 1
    }
    // Every month of the range and the whole small vocabularies are rows, even when empty; a
    // filter fixing the dimension leaves one of them.
    let vocabulary: Vec<Cow<str>> = match d {
        Dimension::Month => ds.filter.days.months().iter().map(|m| Cow::Owned(m.key())).collect(),
        Dimension::Category => Category::ALL.iter().map(|c| Cow::Borrowed(c.as_str())).collect(),
        Dimension::Channel => Channel::ALL.iter().map(|c| Cow::Borrowed(c.as_str())).collect(),
        Dimension::Tier => Tier::ALL.iter().map(|c| Cow::Borrowed(c.as_str())).collect(),
        _ => Vec::new(),
    };
    let fixed: Option<&str> = match d {
        Dimension::Category => base.category.map(|c| c.as_str()),
        Dimension::Channel => base.channel.map(|c| c.as_str()),
        Dimension::Tier => base.tier.map(|c| c.as_str()),
        _ => None,
    };
    for key in vocabulary {
        if fixed.is_none_or(|k| k == key) {
            slot(&mut groups, &mut at, key);
        }
    }
    for (n, f) in ds.facts.iter().enumerate() {
        let i = slot(&mut groups, &mut at, d.fact_key_ref(ds, f));
        groups[i].1.push(n);
    }
    for s in &ds.surveys {
        let i = slot(&mut groups, &mut at, d.survey_key_ref(ds, s));
        groups[i].2.push(s);
    }
    drop(at);
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let row = |(key, fs, ss): Group, label: String| {
        let figures = figures_of(fs.into_iter().map(|i| scores.at(ds, i, by_month)), &ss);
        BreakdownRow { label, filter: row_filter(base, ds.filter.days, d, &key), figures, key: key.into_owned() }
    };
    let rows_total = groups.len();
    let rows: Vec<BreakdownRow> = match d {
        Dimension::Month => groups
            .into_iter()
            .take(max_rows)
            .map(|g| {
                let l = label(ds, names, d, &g.0);
                row(g, l)
            })
            .collect(),
        Dimension::Category | Dimension::Channel | Dimension::Tier => {
            let pos = |k: &str| match d {
                Dimension::Category => Category::parse(k).map(|c| Category::ALL.iter().position(|x| *x == c)),
                Dimension::Channel => Channel::parse(k).map(|c| Channel::ALL.iter().position(|x| *x == c)),
                _ => Tier::parse(k).map(|c| Tier::ALL.iter().position(|x| *x == c)),
            };
            groups.sort_by_key(|g| pos(&g.0));
            groups
                .into_iter()
                .take(max_rows)
                .map(|g| {
                    let l = label(ds, names, d, &g.0);
                    row(g, l)
                })
                .collect()
        }
        _ => {
            // By volume (then surveys, then name): the volume is the number of complaints and
            // the CSAT denominator the number of surveys, so only the rows kept are measured.
            let mut ranked: Vec<((i64, i64), String, Group)> =
                groups.into_iter().map(|g| ((g.1.len() as i64, g.2.len() as i64), label(ds, names, d, &g.0), g)).collect();
            ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            ranked.into_iter().take(max_rows).map(|(_, l, g)| row(g, l)).collect()
        }
    };
    Breakdown { dimension: d, rows, rows_total }
}

// ---- commands -------------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KpisArgs {
    #[serde(default)]
    pub filter: ReportFilter,
    /// Breakdowns to compute, e.g. ["month", "category", "department", "worker"].
    #[serde(default)]
    pub group_by: Vec<Dimension>,
    /// Rows per breakdown (default 100, at most 5000); `rows_total` tells how many there were.
    #[serde(default)]
    pub max_rows: Option<u32>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RangeView {
    pub from_date: NaiveDate,
    /// Last day included.
    pub until_date: NaiveDate,
    /// The time zone the days are cut in (of the first branch; each branch uses its own).
    pub time_zone: String,
    /// The instant the figures are measured at: the end of the range, or now if earlier (UTC).
    pub measured_at: String,
    pub complaints: usize,
    pub surveys: usize,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KpiReport {
    pub range: RangeView,
    /// The filter with its range made explicit: `kpi_complaints { filter, kpi }` lists the
    /// complaints behind a total figure.
    pub filter: ReportFilter,
    /// Every KPI, in the order of their definitions (`kpi_definitions`).
    pub figures: Vec<Figure>,
    pub breakdowns: Vec<Breakdown>,
}

/// Resolves the filter and loads its facts.
pub fn dataset(ctx: &Ctx, filter: &ReportFilter) -> Result<(Dataset, ReportFilter)> {
    let resolved = filter.resolve(ctx)?;
    let explicit = filter.with_days(resolved.days);
    Ok((facts::load(ctx, resolved)?, explicit))
}

pub fn range_view(ds: &Dataset) -> RangeView {
    RangeView {
        from_date: ds.filter.days.from,
        until_date: ds.filter.days.until_inclusive(),
        time_zone: ds.branches.first().map(|b| b.tz.name().to_string()).unwrap_or_default(),
        measured_at: crate::clock::ts(if ds.branches.is_empty() { ds.now } else { ds.cutoff(0) }),
        complaints: ds.facts.len(),
        surveys: ds.surveys.len(),
    }
}

/// `kpis` (R7.4): every KPI over the filter's range, with the requested breakdowns.
pub fn kpis(ctx: &Ctx, a: &KpisArgs) -> Result<KpiReport> {
    ctx.begin(None)?;
    let (ds, filter) = dataset(ctx, &a.filter)?;
    let names = Names::load(ctx)?;
    let scores = Scores::of(&ds, false);
    let surveys: Vec<&SurveyFact> = ds.surveys.iter().collect();
    let max_rows = a.max_rows.unwrap_or(100).clamp(1, 5000) as usize;
    let mut seen = Vec::new();
    let breakdowns = a
        .group_by
        .iter()
        .filter(|d| {
            let new = !seen.contains(*d);
            seen.push(**d);
            new
        })
        .map(|d| breakdown_scored(&ds, &scores, &names, &filter, *d, max_rows))
        .collect();
    let figures = figures_of((0..ds.facts.len()).map(|i| scores.at(&ds, i, false)), &surveys);
    Ok(KpiReport { range: range_view(&ds), figures, filter, breakdowns })
}

#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DefinitionsArgs {
    pub lang: Lang,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KpiDefinition {
    pub kpi: KpiKey,
    pub unit: Unit,
    pub name: String,
    /// The exact definition (R7.4), with the rule ids it rests on.
    pub definition: String,
}

/// `kpi_definitions`: the name and exact definition of every KPI in one of the four languages.
pub fn kpi_definitions(ctx: &Ctx, a: &DefinitionsArgs) -> Result<Vec<KpiDefinition>> {
    ctx.begin(None)?;
    Ok(definitions(a.lang))
}

pub fn definitions(lang: Lang) -> Vec<KpiDefinition> {
    let t = super::texts::texts(lang);
    KpiKey::ALL
        .iter()
        .map(|&k| KpiDefinition { kpi: k, unit: k.unit(), name: t.kpi_name(k).to_string(), definition: t.definition(k) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        // R7.4: the median and the 90th percentile are observed values (nearest rank).
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&v, Stat::Median), Some(5));
        assert_eq!(nearest_rank(&v, Stat::P90), Some(9));
        assert_eq!(nearest_rank(&[7], Stat::P90), Some(7));
        assert_eq!(nearest_rank(&[], Stat::Median), None);
        let v: Vec<i64> = (1..=11).collect();
        assert_eq!(nearest_rank(&v, Stat::Median), Some(6));
        assert_eq!(nearest_rank(&v, Stat::P90), Some(10));
    }

    #[test]
    fn a_percentile_selected_from_unsorted_values_is_the_nearest_rank_of_the_sorted_ones() {
        // R7.4: the report's percentiles select instead of sorting; same observed value.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for n in [0usize, 1, 2, 3, 9, 10, 11, 100, 1001] {
            let v: Vec<i64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x % 50) as i64
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_unstable();
            for stat in [Stat::Median, Stat::P90] {
                assert_eq!(nearest_rank_unsorted(&mut v.clone(), stat), nearest_rank(&sorted, stat), "n = {n}");
            }
        }
    }

    #[test]
    fn every_kpi_has_a_name_and_definition_in_four_languages() {
        // R7.4: each KPI is shown with its exact definition.
        for lang in Lang::ALL {
            for d in definitions(*lang) {
                assert!(!d.name.is_empty() && d.definition.chars().count() > 30, "{lang:?} {:?}", d.kpi);
                assert!(!d.definition.contains('{'), "unreplaced placeholder in {:?}: {}", d.kpi, d.definition);
            }
        }
        let font = crate::docs::font::font().unwrap();
        for lang in Lang::ALL {
            for d in definitions(*lang) {
                assert!(font.covers(&d.definition), "{:?} misses {:?}", d.kpi, font.missing(&d.definition));
            }
        }
    }
}
