//! The complaints behind a figure (the dashboard's click-through): `kpi_complaints { filter,
//! kpi, part }` lists exactly the complaints a figure counts, decided by the same
//! `count_fact`/`count_survey` as the figure itself, so the list's `count` always equals the
//! figure's numerator (or denominator, or their difference).

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::facts::Dataset;
use super::filter::ReportFilter;
use super::kpi::{count_fact, count_survey, dataset, KpiKey, Unit};
use crate::error::Result;
use crate::workflow::views::ComplaintCard;
use crate::workflow::Ctx;

/// Which part of a figure to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Those meeting the KPI: resolved, on time, overdue, satisfied, repeat … (for durations,
    /// volume and the mean rating: every complaint measured).
    #[default]
    Numerator,
    /// Every complaint the KPI is taken over.
    Denominator,
    /// Denominator minus numerator: still unresolved at the end of the range, late steps of an
    /// on-time rate, surveys not satisfied …
    Rest,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KpiComplaintsArgs {
    /// A figure's filter: `KpiReport.filter` for the totals, `BreakdownRow.filter` for a row.
    #[serde(default)]
    pub filter: ReportFilter,
    pub kpi: KpiKey,
    #[serde(default)]
    pub part: Part,
    #[serde(default = "default_limit")]
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
}

fn default_limit() -> u32 {
    200
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DrillItem {
    pub complaint: ComplaintCard,
    /// How many times this complaint counts (steps of an on-time rate, surveys of CSAT; else 1).
    pub count: i64,
    /// What was measured: seconds for durations, 1–5 for ratings.
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DrillResult {
    pub kpi: KpiKey,
    pub part: Part,
    /// Complaints in the list.
    pub total: usize,
    /// Sum of `count` over the whole list: the figure's numerator / denominator / difference.
    pub count: i64,
    /// The page asked for: longest durations (lowest ratings) first, otherwise newest first.
    pub items: Vec<DrillItem>,
}

/// A member of a figure: complaint id, how often it counts, its measured value, received time.
pub struct Member {
    pub id: String,
    pub count: i64,
    pub value: Option<f64>,
    pub received: chrono::DateTime<chrono::Utc>,
}

fn pick(part: Part, unit: Unit, den: i64, num: i64) -> i64 {
    match (part, unit) {
        // A sum of ratings is not a number of surveys: list the surveys.
        (Part::Numerator, Unit::Score) => den,
        (Part::Numerator, _) => num,
        (Part::Denominator, _) => den,
        (Part::Rest, Unit::Score) => 0,
        (Part::Rest, _) => den - num,
    }
}

/// Every complaint behind `kpi` in the dataset, sorted for display.
pub fn members(ds: &Dataset, kpi: KpiKey, part: Part) -> Vec<Member> {
    let unit = kpi.unit();
    let mut out: Vec<Member> = Vec::new();
    if kpi.is_survey() {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let received: HashMap<&str, chrono::DateTime<chrono::Utc>> = ds.facts.iter().map(|f| (f.id.as_str(), f.received_at)).collect();
        for s in &ds.surveys {
            let c = count_survey(kpi, s);
            let n = pick(part, unit, c.den, c.num);
            if n <= 0 {
                continue;
            }
            match index.get(s.complaint_id.as_str()) {
                Some(&i) => {
                    out[i].count += n;
                    out[i].value = c.value;
                }
                None => {
                    index.insert(&s.complaint_id, out.len());
                    let at = received.get(s.complaint_id.as_str()).copied().unwrap_or(s.surveyed_at);
                    out.push(Member { id: s.complaint_id.clone(), count: n, value: c.value, received: at });
                }
            }
        }
        // Lowest rating first: the ones to look at.
        out.sort_by(|a, b| a.value.partial_cmp(&b.value).unwrap_or(std::cmp::Ordering::Equal).then(b.received.cmp(&a.received)));
        return out;
    }
    for f in &ds.facts {
        let c = count_fact(kpi, f, ds.cutoff(f.branch));
        let n = pick(part, unit, c.den, c.num);
        if n > 0 {
            out.push(Member { id: f.id.clone(), count: n, value: c.value, received: f.received_at });
        }
    }
    if unit == Unit::Seconds {
        out.sort_by(|a, b| b.value.partial_cmp(&a.value).unwrap_or(std::cmp::Ordering::Equal).then(b.received.cmp(&a.received)));
    } else {
        out.sort_by_key(|m| std::cmp::Reverse(m.received));
    }
    out
}

/// `kpi_complaints`: the complaints behind a figure, as board cards (masked per role, R7.8).
pub fn kpi_complaints(ctx: &Ctx, a: &KpiComplaintsArgs) -> Result<DrillResult> {
    ctx.begin(None)?;
    let (ds, _) = dataset(ctx, &a.filter)?;
    let all = members(&ds, a.kpi, a.part);
    let count = all.iter().map(|m| m.count).sum();
    let page: Vec<&Member> = all.iter().skip(a.offset as usize).take(a.limit.clamp(1, 1000) as usize).collect();
    let ids: Vec<String> = page.iter().map(|m| m.id.clone()).collect();
    let cards = super::select::cards(ctx, &ids)?;
    let by_id: HashMap<&str, &Member> = page.iter().map(|m| (m.id.as_str(), *m)).collect();
    let items = cards
        .into_iter()
        .filter_map(|complaint| {
            let m = by_id.get(complaint.id.as_str())?;
            Some(DrillItem { count: m.count, value: m.value, complaint })
        })
        .collect();
    Ok(DrillResult { kpi: a.kpi, part: a.part, total: all.len(), count, items })
}
