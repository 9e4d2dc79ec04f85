//! Who and what keeps coming back: workers and branches flagged for training or reassignment
//! (R7.5), and the bad-record ledger of recurring customers, workers and issues (R7.9). Both are
//! computed from the monthly report's facts with the thresholds of `thresholds`, which the report
//! prints next to them.

use std::collections::HashMap;

use chrono::Duration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::facts::{Dataset, Fact};
use super::fasthash::FastMap;
use super::kpi::Names;
use super::range::Month;
use super::thresholds::ReportSettings;
use crate::auth::{mask_name, mask_phone};
use crate::clock::ts;
use crate::error::Result;
use crate::model::Category;
use crate::workflow::Ctx;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FlagRow {
    /// Worker or branch id.
    pub key: String,
    pub code: String,
    pub name: String,
    /// Complaints received in the month.
    pub complaints: i64,
    pub previous_month: i64,
    /// Of the month's complaints: repeat complaints (R3.6) and escalated ones (major or level ≥ 2).
    pub repeats: i64,
    pub escalated: i64,
    /// Branches: active workers, and complaints per 100 of them.
    pub workers: Option<i64>,
    pub per_100_workers: Option<f64>,
    pub flagged: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Flags {
    pub worker_flag_min: i64,
    pub branch_flag_per_100_workers: i64,
    /// Flagged workers only, most complaints first.
    pub workers: Vec<FlagRow>,
    /// Every branch, flagged or not, so the rate can be compared.
    pub branches: Vec<FlagRow>,
}

/// What the flags and the ledger count of one complaint: only what is on its row (read from a
/// covering index, see `facts::load_entries`, without the complaint's wide row).
#[derive(Debug, Clone)]
pub struct Entry {
    /// The complaint's rowid (to read the few details shown of the ledger's last complaints).
    pub rowid: i64,
    /// Index into `Dataset::branches`.
    pub branch: usize,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub month: Month,
    pub customer_id: String,
    pub worker_id: Option<String>,
    pub is_repeat: bool,
    pub escalated: bool,
    pub category: Category,
    pub sub_category: String,
}

/// Shown of a ledger row's last complaint: its number, customer name and phone (unmasked here).
pub struct Shown {
    pub number: String,
    pub customer_name: String,
    pub phone: String,
}

/// The entries of a dataset's complaints (rowid = position), in the dataset's order.
pub fn entries_of(ds: &Dataset) -> Vec<Entry> {
    ds.facts
        .iter()
        .enumerate()
        .map(|(i, f)| Entry {
            rowid: i as i64,
            branch: f.branch,
            received_at: f.received_at,
            month: f.month,
            customer_id: f.customer_id.clone(),
            worker_id: f.worker_id.clone(),
            is_repeat: f.is_repeat,
            escalated: f.escalated(),
            category: f.category,
            sub_category: f.sub_category.clone(),
        })
        .collect()
}

/// The entries of the complaints of `ds` by their rowids, in order of receipt: a month's report
/// reads the days before the month ([`days_needed`]) and takes the month's own from its facts,
/// read already (a third of the entries at a million complaints, ~90 ms).
pub fn entries_by_rowid(ds: &Dataset) -> Vec<Entry> {
    let mut out: Vec<Entry> = entries_of(ds).into_iter().zip(&ds.facts).map(|(e, f)| Entry { rowid: f.rowid, ..e }).collect();
    out.sort_by_key(|e| (e.received_at, e.rowid));
    out
}

/// The local days whose complaints [`flags`] and [`ledger`] count for month `m`: the previous
/// month and the ledger's window before the month's end (in every branch's zone), never before
/// `earliest` (the first day of the report's twelve months), up to the month's end.
pub fn days_needed(month_ds: &Dataset, m: Month, s: &ReportSettings, earliest: chrono::NaiveDate) -> super::range::Days {
    let window = Duration::days(s.ledger_window_days);
    let mut from = m.prev().first_day();
    for (b, env) in month_ds.branches.iter().enumerate() {
        let start = (month_ds.month_cutoff(b, m) - window).with_timezone(&env.tz).date_naive();
        from = from.min(start);
    }
    super::range::Days { from: from.max(earliest), to: m.next().first_day() }
}

/// R7.5: workers with at least `worker_flag_min` complaints in the month; branches with at
/// least `branch_flag_per_100_workers` complaints per 100 active workers.
pub fn flags(ctx: &Ctx, ds: &Dataset, names: &Names, m: Month, s: &ReportSettings) -> Result<Flags> {
    flags_of(ctx, ds, &entries_of(ds), names, m, s)
}

/// [`flags`] over entries (the complaints of at least month `m` and the one before); `ds` gives
/// the branches.
pub fn flags_of(ctx: &Ctx, ds: &Dataset, entries: &[Entry], names: &Names, m: Month, s: &ReportSettings) -> Result<Flags> {
    #[derive(Default)]
    struct Tally {
        now: i64,
        prev: i64,
        repeats: i64,
        escalated: i64,
    }
    let mut by_worker: FastMap<&str, Tally> = FastMap::default();
    let mut by_branch: FastMap<usize, Tally> = FastMap::default();
    for f in entries {
        let is_now = f.month == m;
        if !is_now && f.month != m.prev() {
            continue;
        }
        let add = |t: &mut Tally| {
            if is_now {
                t.now += 1;
                t.repeats += f.is_repeat as i64;
                t.escalated += f.escalated as i64;
            } else {
                t.prev += 1;
            }
        };
        if let Some(w) = &f.worker_id {
            add(by_worker.entry(w.as_str()).or_default());
        }
        add(by_branch.entry(f.branch).or_default());
    }
    let mut workers: Vec<FlagRow> = by_worker
        .into_iter()
        .filter(|(_, t)| t.now >= s.worker_flag_min)
        .map(|(id, t)| {
            let (code, name) = names.workers.get(id).cloned().unwrap_or_else(|| (id.to_string(), id.to_string()));
            FlagRow {
                key: id.to_string(),
                code,
                name,
                complaints: t.now,
                previous_month: t.prev,
                repeats: t.repeats,
                escalated: t.escalated,
                workers: None,
                per_100_workers: None,
                flagged: true,
            }
        })
        .collect();
    workers.sort_by(|a, b| b.complaints.cmp(&a.complaints).then_with(|| a.code.cmp(&b.code)));
    let mut active: HashMap<String, i64> = HashMap::new();
    {
        let mut stmt = ctx
            .conn
            .prepare_cached("SELECT branch_id, COUNT(*) FROM workers WHERE active = 1 AND branch_id IS NOT NULL GROUP BY branch_id")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (b, n) = row?;
            active.insert(b, n);
        }
    }
    let branches = ds
        .branches
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let t = by_branch.remove(&i).unwrap_or_default();
            let n = active.get(&b.id).copied().unwrap_or(0);
            let rate = (n > 0).then(|| t.now as f64 * 100.0 / n as f64);
            FlagRow {
                key: b.id.clone(),
                code: b.code.clone(),
                name: b.name.clone(),
                complaints: t.now,
                previous_month: t.prev,
                repeats: t.repeats,
                escalated: t.escalated,
                workers: Some(n),
                per_100_workers: rate,
                flagged: rate.is_some_and(|r| r >= s.branch_flag_per_100_workers as f64),
            }
        })
        .collect();
    Ok(Flags { worker_flag_min: s.worker_flag_min, branch_flag_per_100_workers: s.branch_flag_per_100_workers, workers, branches })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    Customer,
    Worker,
    /// A sub-category of complaint that keeps recurring.
    Issue,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LedgerRow {
    pub kind: LedgerKind,
    /// Customer id, worker id, or "category/sub-category".
    pub key: String,
    /// Customer: masked name and masked phone (R7.8);
    /// worker: "name code"; issue: the sub-category.
    pub label: String,
    pub category: Option<Category>,
    pub in_month: i64,
    pub in_window: i64,
    /// Repeat complaints (R3.6) in the window.
    pub repeats: i64,
    pub last_number: String,
    pub last_received_at: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Ledger {
    pub min: i64,
    pub window_days: i64,
    /// First day of the window (local).
    pub window_from: String,
    pub rows: Vec<LedgerRow>,
    /// Entries before the list was cut to 200 per kind.
    pub rows_total: usize,
}

/// R7.9: customers and workers with at least `ledger_min` complaints in the window and one in
/// the month; issues (sub-categories) with a repeat complaint in the month and at least
/// `ledger_min` repeat complaints in the window.
pub fn ledger(ds: &Dataset, names: &Names, m: Month, s: &ReportSettings, personal: bool) -> Ledger {
    let entries = entries_of(ds);
    let shown = |i: i64| -> Result<Shown> {
        let f: &Fact = &ds.facts[i as usize];
        Ok(Shown { number: f.number.clone(), customer_name: f.customer_name.clone(), phone: f.phone.clone() })
    };
    match ledger_of(ds, &entries, names, m, s, personal, shown) {
        Ok(l) => l,
        Err(_) => unreachable!("the facts are all in memory"),
    }
}

/// [`ledger`] over entries (at least those of the window), in order of receipt; `shown` reads
/// what is shown of an entry's complaint (by its rowid), asked only for the rows kept.
pub fn ledger_of<'a>(
    ds: &Dataset,
    entries: &'a [Entry],
    names: &Names,
    m: Month,
    s: &ReportSettings,
    personal: bool,
    mut shown: impl FnMut(i64) -> Result<Shown>,
) -> Result<Ledger> {
    #[derive(Default)]
    struct Tally<'e> {
        month: i64,
        window: i64,
        repeats: i64,
        month_repeats: i64,
        /// The latest complaint, and its place in `entries` (the later of two received at the
        /// same instant).
        last: Option<(&'e Entry, usize)>,
    }
    let days = Duration::days(s.ledger_window_days);
    // Per branch: the end of the month (or now) and its start, in the branch's zone.
    let ends: Vec<_> = (0..ds.branches.len()).map(|b| ds.month_cutoff(b, m)).collect();
    let starts: Vec<_> = ds.branches.iter().map(|b| super::range::local_midnight(b.tz, m.first_day())).collect();
    let in_window = |f: &Entry| f.received_at < ends[f.branch] && f.received_at >= ends[f.branch] - days;
    let is_month = |f: &Entry| f.received_at >= starts[f.branch];
    let add = |t: &mut Tally<'a>, f: &'a Entry, at: usize, is_month: bool| {
        t.window += 1;
        t.month += is_month as i64;
        t.repeats += f.is_repeat as i64;
        t.month_repeats += (is_month && f.is_repeat) as i64;
        if t.last.is_none_or(|(l, l_at)| (l.received_at, l_at) <= (f.received_at, at)) {
            t.last = Some((f, at));
        }
    };
    // Only customers, workers and issues of the month are shown (below): the month's complaints
    // make the keys, the window's earlier ones only add to them. Sized for the month at once
    // (grown from empty, most of the counting was rehashing), and a third of the size of a map
    // of every customer of the window (~150,000 at a million complaints).
    let month_count = entries.iter().filter(|f| in_window(f) && is_month(f)).count();
    let mut customers: FastMap<&str, Tally> = FastMap::with_capacity_and_hasher(month_count, Default::default());
    let mut workers: FastMap<&str, Tally> = FastMap::with_capacity_and_hasher(month_count / 4, Default::default());
    let mut issues: FastMap<(Category, &str), Tally> = FastMap::default();
    for (at, f) in entries.iter().enumerate() {
        if !in_window(f) || !is_month(f) {
            continue;
        }
        add(customers.entry(f.customer_id.as_str()).or_default(), f, at, true);
        if let Some(w) = &f.worker_id {
            add(workers.entry(w.as_str()).or_default(), f, at, true);
        }
        if f.is_repeat && !f.sub_category.is_empty() {
            add(issues.entry((f.category, f.sub_category.as_str())).or_default(), f, at, true);
        }
    }
    for (at, f) in entries.iter().enumerate() {
        if !in_window(f) || is_month(f) {
            continue;
        }
        if let Some(t) = customers.get_mut(f.customer_id.as_str()) {
            add(t, f, at, false);
        }
        if let Some(t) = f.worker_id.as_deref().and_then(|w| workers.get_mut(w)) {
            add(t, f, at, false);
        }
        if f.is_repeat && !f.sub_category.is_empty() {
            if let Some(t) = issues.get_mut(&(f.category, f.sub_category.as_str())) {
                add(t, f, at, false);
            }
        }
    }
    fn people<'e>(kind: LedgerKind, map: FastMap<&'e str, Tally<'e>>, min: i64) -> impl Iterator<Item = ((LedgerKind, String), Tally<'e>)> {
        map.into_iter().filter(move |(_, t)| t.month > 0 && t.window >= min).map(move |(k, t)| ((kind, k.to_string()), t))
    }
    // Sorted and cut before anything is read for the labels: the order rests on counts and keys.
    let mut kept: Vec<((LedgerKind, String), Tally)> = people(LedgerKind::Customer, customers, s.ledger_min)
        .chain(people(LedgerKind::Worker, workers, s.ledger_min))
        .chain(
            issues
                .into_iter()
                .filter(|(_, t)| t.month_repeats > 0 && t.repeats >= s.ledger_min)
                .map(|((c, sub), t)| ((LedgerKind::Issue, format!("{}/{}", c.as_str(), sub)), t)),
        )
        .filter(|(_, t)| t.last.is_some())
        .collect();
    kept.sort_by(|((ka, a_key), a), ((kb, b_key), b)| {
        (*ka as u8).cmp(&(*kb as u8)).then(b.window.cmp(&a.window)).then(b.month.cmp(&a.month)).then(a_key.cmp(b_key))
    });
    let rows_total = kept.len();
    let mut per_kind: HashMap<u8, usize> = HashMap::new();
    kept.retain(|((kind, _), _)| {
        let n = per_kind.entry(*kind as u8).or_default();
        *n += 1;
        *n <= 200
    });
    let mut rows: Vec<LedgerRow> = Vec::with_capacity(kept.len());
    for ((kind, key), t) in kept {
        let Some((last, _)) = t.last else { continue };
        let details = shown(last.rowid)?;
        let (label, category) = match kind {
            LedgerKind::Customer => {
                let name = if personal { details.customer_name.clone() } else { mask_name(&details.customer_name) };
                (format!("{name} {}", mask_phone(&details.phone)), None)
            }
            LedgerKind::Worker => (names.worker(&key), None),
            LedgerKind::Issue => (last.sub_category.clone(), Some(last.category)),
        };
        rows.push(LedgerRow {
            kind,
            key,
            label,
            category,
            in_month: t.month,
            in_window: t.window,
            repeats: t.repeats,
            last_number: details.number,
            last_received_at: ts(last.received_at),
        });
    }
    let tz = ds.branches.first().map(|b| b.tz).unwrap_or(chrono_tz::Asia::Shanghai);
    let end = ds.branches.first().map(|_| ds.month_cutoff(0, m)).unwrap_or(ds.now);
    let window_from = (end - days).with_timezone(&tz).date_naive().to_string();
    Ok(Ledger { min: s.ledger_min, window_days: s.ledger_window_days, window_from, rows, rows_total })
}
