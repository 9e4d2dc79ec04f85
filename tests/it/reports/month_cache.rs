//! The monthly report's stored month figures (issue 8, case 5; src/report/trend.rs): the trend
//! and the comparison with the previous month (R7.3, R7.4) come from `report_month_figures` for
//! months that are over. A stored figure must never differ from a freshly computed one: after
//! every kind of write that can change a past month — a backdated registration, raising a
//! warning, cancelling, reopening, a survey, dispatching, a calendar day, the branch's business
//! hours and time zone, a setting, the demo generator, a raw SQL write — the report built with
//! what is stored equals the report built with the store emptied. And the report equals the
//! figures, flags (R7.5), ledger (R7.9) and ratings computed the way it was before the store
//! existed: from twelve months of facts at once.

use crate::common;
use common::*;

use std::collections::HashMap;

use serde_json::{json, Value};

use chrono::Duration;
use chrono::{DateTime, Utc};
use complaint_desk::auth::actor_by_login;
use complaint_desk::auth::{mask_name, mask_phone};
use complaint_desk::clock::ts;
use complaint_desk::demo;
use complaint_desk::model::{Category, Channel, Tier};
use complaint_desk::report::facts::SurveyFact;
use complaint_desk::report::facts::{Dataset, Fact};
use complaint_desk::report::filter::ReportFilter;
use complaint_desk::report::filter::NONE_KEY;
use complaint_desk::report::kpi::{
    self, count_fact, count_survey, nearest_rank, Breakdown, BreakdownRow, Count, Dimension, Figure, KpiKey, Names, Unit,
};
use complaint_desk::report::ledger::{Ledger, LedgerKind, LedgerRow};
use complaint_desk::report::range::local_midnight;
use complaint_desk::report::range::{Days, Month};
use complaint_desk::report::thresholds::ReportSettings;
use complaint_desk::report::{ledger, thresholds};
use complaint_desk::workflow::Ctx;
use std::collections::BTreeMap;

const NOW: &str = "2026-03-10T02:00:00Z";
const MONTH: &str = "2026-02";

fn demo_fx() -> Fx {
    let mut fx = Fx::at(NOW);
    let now = fx.now;
    demo::generate(&mut fx.store, now, 1500, 42).unwrap();
    fx
}

fn report(fx: &mut Fx) -> Value {
    fx.ok(MANAGER, "monthly_report", json!({ "month": MONTH }))
}

fn stored_months(fx: &Fx) -> Vec<String> {
    let mut stmt = fx.store.conn.prepare("SELECT month FROM report_month_figures WHERE month NOT LIKE 'body:%' AND month NOT LIKE 'list:%' AND month NOT LIKE 'entries:%' ORDER BY month").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

/// The report computed from scratch: nothing stored.
fn fresh(fx: &mut Fx) -> Value {
    fx.store.conn.execute("DELETE FROM report_month_figures", []).unwrap();
    report(fx)
}

/// The report as served right after `what` equals the report computed from scratch, section by
/// section (so a failure names the section).
#[track_caller]
fn assert_cached_is_fresh(fx: &mut Fx, what: &str) {
    let cached = report(fx);
    let fresh = fresh(fx);
    assert_same(&cached, &fresh, &format!("after {what}, the report from stored figures differs from a fresh one"));
}

fn month_figures(r: &Value, month: &str) -> Value {
    r["trend"].as_array().unwrap().iter().find(|row| row["key"] == month).unwrap()["figures"].clone()
}

fn figure(figures: &Value, kpi: &str) -> Value {
    figures.as_array().unwrap().iter().find(|f| f["kpi"] == kpi).unwrap().clone()
}

/// Runs `f` with the manager's context on a transaction of the fixture's database (rolled back:
/// what `f` computes is only read).
fn as_manager<T>(fx: &mut Fx, f: impl FnOnce(&Ctx, Month) -> T) -> T {
    let now = fx.now;
    let dir = fx.store.attachments_dir();
    let tx = fx.store.conn.transaction().unwrap();
    let actor = actor_by_login(&tx, MANAGER).unwrap();
    let ctx = Ctx { conn: &tx, now, actor: &actor, attachments_dir: &dir, op: complaint_desk::ops::Op::MonthlyReport };
    f(&ctx, Month::parse("month", MONTH).unwrap())
}

/// The report's trend, flags, ledger and register ratings computed as before the store: one
/// dataset of the twelve months (this is what `monthly::build` did).
fn reference(fx: &mut Fx) -> Reference {
    as_manager(fx, |ctx, m| {
        let days = Days { from: m.minus(11).first_day(), to: m.next().first_day() };
        let (ds, filter) = kpi::dataset(ctx, &ReportFilter::default().with_days(days)).unwrap();
        let names = Names::load(ctx).unwrap();
        let settings = thresholds::load(ctx.conn).unwrap();
        let trend = old_breakdown(&ds, &names, &filter, Dimension::Month, 12).rows;
        let flags = ledger::flags(ctx, &ds, &names, m, &settings).unwrap();
        let book = old_ledger(&ds, &names, m, &settings, false);
        assert_eq!(
            serde_json::to_value(&book).unwrap(),
            serde_json::to_value(ledger::ledger(&ds, &names, m, &settings, false)).unwrap(),
            "the ledger as computed before the store, and now, from the same facts"
        );
        let mut latest: HashMap<String, &SurveyFact> = HashMap::new();
        for s in &ds.surveys {
            if s.surveyed_at < ds.month_cutoff(s.branch, m) {
                latest.insert(s.complaint_id.clone(), s);
            }
        }
        let ratings = latest.into_iter().map(|(k, s)| (k, serde_json::to_value(s.overall).unwrap())).collect();
        // Through JSON text, as a reply is (a decimal read back may differ in the last bit).
        fn text<T: serde::Serialize>(v: T) -> Value {
            serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap()
        }
        // The month's own breakdowns and department figures, from the month's facts.
        let month_filter = ReportFilter::default().with_days(Days::month(m));
        let (month_ds, _) = kpi::dataset(ctx, &month_filter).unwrap();
        let breakdowns: Vec<Breakdown> =
            [Dimension::Category, Dimension::Channel, Dimension::Tier, Dimension::Department, Dimension::Worker, Dimension::Branch]
                .iter()
                .map(|d| old_breakdown(&month_ds, &names, &month_filter, *d, if *d == Dimension::Worker { 20 } else { 200 }))
                .collect();
        let mut departments = HashMap::new();
        for id in names.departments.keys() {
            let facts: Vec<&Fact> = month_ds.facts.iter().filter(|f| &f.department_id == id).collect();
            let surveys: Vec<&SurveyFact> = month_ds.surveys.iter().filter(|s| &s.department_id == id).collect();
            let with_cut = kpi::with_cutoffs(&month_ds, facts.into_iter(), false);
            departments.insert(id.clone(), text(old_figures(&with_cut, &surveys)));
        }
        Reference { trend: text(trend), flags: text(flags), ledger: text(book), ratings, breakdowns: text(breakdowns), departments }
    })
}

struct Reference {
    trend: Value,
    flags: Value,
    ledger: Value,
    ratings: HashMap<String, Value>,
    breakdowns: Value,
    departments: HashMap<String, Value>,
}

/// The bad-record ledger (R7.9) exactly as `report::ledger::ledger` computed it before the
/// report read its complaints from an index (kept here as the oracle).
fn old_ledger(ds: &Dataset, names: &Names, m: Month, s: &ReportSettings, personal: bool) -> Ledger {
    #[derive(Default)]
    struct Tally<'a> {
        month: i64,
        window: i64,
        repeats: i64,
        month_repeats: i64,
        last: Option<&'a Fact>,
    }
    let days = Duration::days(s.ledger_window_days);
    let mut tallies: HashMap<(LedgerKind, String), Tally> = HashMap::new();
    for f in &ds.facts {
        let end = ds.month_cutoff(f.branch, m);
        let month_start = local_midnight(ds.branches[f.branch].tz, m.first_day());
        if f.received_at >= end || f.received_at < end - days {
            continue;
        }
        let is_month = f.received_at >= month_start;
        let mut keys = vec![(LedgerKind::Customer, f.customer_id.clone())];
        if let Some(w) = &f.worker_id {
            keys.push((LedgerKind::Worker, w.clone()));
        }
        if f.is_repeat && !f.sub_category.is_empty() {
            keys.push((LedgerKind::Issue, format!("{}/{}", f.category.as_str(), f.sub_category)));
        }
        for k in keys {
            let t = tallies.entry(k).or_default();
            t.window += 1;
            t.month += is_month as i64;
            t.repeats += f.is_repeat as i64;
            t.month_repeats += (is_month && f.is_repeat) as i64;
            if t.last.is_none_or(|l| l.received_at <= f.received_at) {
                t.last = Some(f);
            }
        }
    }
    let mut rows: Vec<LedgerRow> = tallies
        .into_iter()
        .filter(|((kind, _), t)| match kind {
            LedgerKind::Issue => t.month_repeats > 0 && t.repeats >= s.ledger_min,
            _ => t.month > 0 && t.window >= s.ledger_min,
        })
        .filter_map(|((kind, key), t)| {
            let last = t.last?;
            let (label, category) = match kind {
                LedgerKind::Customer => {
                    let name = if personal { last.customer_name.clone() } else { mask_name(&last.customer_name) };
                    (format!("{name} {}", mask_phone(&last.phone)), None)
                }
                LedgerKind::Worker => (names.worker(&key), None),
                LedgerKind::Issue => (last.sub_category.clone(), Some(last.category)),
            };
            Some(LedgerRow {
                kind,
                key,
                label,
                category,
                in_month: t.month,
                in_window: t.window,
                repeats: t.repeats,
                last_number: last.number.clone(),
                last_received_at: ts(last.received_at),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.kind as u8).cmp(&(b.kind as u8)).then(b.in_window.cmp(&a.in_window)).then(b.in_month.cmp(&a.in_month)).then(a.key.cmp(&b.key))
    });
    let rows_total = rows.len();
    let mut per_kind: HashMap<u8, usize> = HashMap::new();
    rows.retain(|r| {
        let n = per_kind.entry(r.kind as u8).or_default();
        *n += 1;
        *n <= 200
    });
    let tz = ds.branches.first().map(|b| b.tz).unwrap_or(chrono_tz::Asia::Shanghai);
    let end = ds.branches.first().map(|_| ds.month_cutoff(0, m)).unwrap_or(ds.now);
    let window_from = (end - days).with_timezone(&tz).date_naive().to_string();
    Ledger { min: s.ledger_min, window_days: s.ledger_window_days, window_from, rows, rows_total }
}

// ---- The KPI code as it was before the report was made fast (commit 9705840), as the oracle.

/// Every KPI over complaints (each with its cutoff) and surveys.
fn old_figures(facts: &[(&Fact, DateTime<Utc>)], surveys: &[&SurveyFact]) -> Vec<Figure> {
    KpiKey::ALL
        .iter()
        .map(|&k| {
            let (mut den, mut num, mut values) = (0i64, 0i64, Vec::new());
            let mut add = |c: Count| {
                den += c.den;
                num += c.num;
                if k.timing().is_some() {
                    if let Some(v) = c.value {
                        values.push(v as i64);
                    }
                }
            };
            if k.is_survey() {
                surveys.iter().for_each(|s| add(count_survey(k, s)));
            } else {
                facts.iter().for_each(|(f, cut)| add(count_fact(k, f, *cut)));
            }
            let value = match k.unit() {
                Unit::Count => Some(num as f64),
                Unit::Ratio | Unit::Score => (den > 0).then(|| num as f64 / den as f64),
                Unit::Seconds => {
                    values.sort_unstable();
                    k.timing().and_then(|(_, stat, _)| nearest_rank(&values, stat)).map(|v| v as f64)
                }
            };
            Figure { kpi: k, unit: k.unit(), value, numerator: num, denominator: den }
        })
        .collect()
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
            if let Ok(m) = Month::parse("month", key) {
                let md = Days::month(m);
                let inter = Days { from: md.from.max(days.from), to: md.to.min(days.to) };
                return base.with_days(inter);
            }
        }
    }
    f
}

/// One breakdown: rows in a stable order (months chronologically, every month of the range
/// present; the small vocabularies complete; departments, workers and branches by volume).
fn old_breakdown(ds: &Dataset, names: &Names, base: &ReportFilter, d: Dimension, max_rows: usize) -> Breakdown {
    let by_month = d == Dimension::Month;
    let mut groups: BTreeMap<String, (Vec<&Fact>, Vec<&SurveyFact>)> = BTreeMap::new();
    match d {
        Dimension::Month => ds.filter.days.months().iter().for_each(|m| {
            groups.entry(m.key()).or_default();
        }),
        Dimension::Category => Category::ALL.iter().for_each(|c| {
            groups.entry(c.as_str().into()).or_default();
        }),
        Dimension::Channel => Channel::ALL.iter().for_each(|c| {
            groups.entry(c.as_str().into()).or_default();
        }),
        Dimension::Tier => Tier::ALL.iter().for_each(|c| {
            groups.entry(c.as_str().into()).or_default();
        }),
        _ => {}
    }
    // A filter fixing the dimension leaves one row.
    let fixed: Option<String> = match d {
        Dimension::Category => base.category.map(|c| c.as_str().to_string()),
        Dimension::Channel => base.channel.map(|c| c.as_str().to_string()),
        Dimension::Tier => base.tier.map(|c| c.as_str().to_string()),
        _ => None,
    };
    if let Some(k) = &fixed {
        groups.retain(|key, _| key == k);
    }
    for f in &ds.facts {
        groups.entry(d.fact_key(ds, f)).or_default().0.push(f);
    }
    for s in &ds.surveys {
        groups.entry(d.survey_key(ds, s)).or_default().1.push(s);
    }
    let mut rows: Vec<BreakdownRow> = groups
        .into_iter()
        .map(|(key, (fs, ss))| {
            let facts = kpi::with_cutoffs(ds, fs.into_iter(), by_month);
            BreakdownRow {
                label: label(ds, names, d, &key),
                filter: row_filter(base, ds.filter.days, d, &key),
                figures: old_figures(&facts, &ss),
                key,
            }
        })
        .collect();
    let order = |r: &BreakdownRow| {
        (r.figures[0].numerator, r.figures.iter().find(|f| f.kpi == KpiKey::CsatShare).map(|f| f.denominator).unwrap_or(0))
    };
    match d {
        Dimension::Month => {}
        Dimension::Category | Dimension::Channel | Dimension::Tier => {
            let pos = |k: &str| match d {
                Dimension::Category => Category::parse(k).map(|c| Category::ALL.iter().position(|x| *x == c)),
                Dimension::Channel => Channel::parse(k).map(|c| Channel::ALL.iter().position(|x| *x == c)),
                _ => Tier::parse(k).map(|c| Tier::ALL.iter().position(|x| *x == c)),
            };
            rows.sort_by_key(|r| pos(&r.key));
        }
        _ => rows.sort_by(|a, b| order(b).cmp(&order(a)).then_with(|| a.label.cmp(&b.label))),
    }
    let rows_total = rows.len();
    rows.truncate(max_rows);
    Breakdown { dimension: d, rows, rows_total }
}

/// The first place two values differ, as a path ("trend/3/figures/2/value: 1 vs 2").
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x.keys().chain(y.keys()).find_map(|k| {
            first_difference(&x.get(k).cloned().unwrap_or(Value::Null), &y.get(k).cloned().unwrap_or(Value::Null), &format!("{path}/{k}"))
        }),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}/{i}")))
        }
        _ => (a != b).then(|| format!("{path}: {a} vs {b}")),
    }
}

#[track_caller]
fn assert_same(a: &Value, b: &Value, what: &str) {
    if let Some(d) = first_difference(a, b, "") {
        panic!("{what}: first difference at {d}");
    }
}

#[track_caller]
fn assert_as_before(fx: &mut Fx, r: &Value) {
    let Reference { trend, flags, ledger: book, ratings, breakdowns, departments } = reference(fx);
    assert_same(&r["trend"], &trend, "the trend is the twelve-month breakdown by month");
    assert_same(&r["flags"], &flags, "flags (R7.5) as from twelve months of facts");
    assert_same(&r["ledger"], &book, "the ledger (R7.9) as from twelve months of facts");
    assert_same(&r["breakdowns"], &breakdowns, "the month's breakdowns as computed before");
    for d in r["departments"].as_array().unwrap() {
        assert_same(&d["figures"], &departments[d["id"].as_str().unwrap()], "a department's figures as computed before");
    }
    let mut rated = 0;
    for d in r["departments"].as_array().unwrap() {
        let register = whole_list(fx, "monthly_register", d["id"].as_str().unwrap());
        assert_eq!(register.len() as u64, d["register_total"].as_u64().unwrap());
        for row in &register {
            let want = ratings.get(row["id"].as_str().unwrap()).cloned().unwrap_or(Value::Null);
            assert_eq!(row["satisfaction"], want, "latest rating of {}", row["number"]);
            rated += (!want.is_null()) as usize;
        }
    }
    assert!(rated > 0, "the demo month has rated complaints");
}

/// A department's whole register or survey list of the month, page by page as the window reads it.
fn whole_list(fx: &mut Fx, command: &str, department: &str) -> Vec<Value> {
    let mut rows: Vec<Value> = Vec::new();
    loop {
        let page = fx.ok(MANAGER, command, json!({ "month": MONTH, "department": department, "offset": rows.len(), "limit": 37 }));
        let got = page["rows"].as_array().unwrap().clone();
        assert_eq!(page["offset"], rows.len());
        let total = page["total"].as_u64().unwrap() as usize;
        rows.extend(got.iter().cloned());
        if got.is_empty() || rows.len() >= total {
            assert_eq!(rows.len(), total, "{command} pages add up to the total");
            return rows;
        }
    }
}

/// The code of a worker named on a complaint of the reported month.
fn worker_code(fx: &Fx) -> String {
    fx.store
        .conn
        .query_row(
            "SELECT w.code FROM complaints c JOIN workers w ON w.id = c.worker_id
             WHERE c.received_at >= '2026-02-01T00:00:00Z' AND c.received_at < '2026-02-27T00:00:00Z' ORDER BY c.received_at LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// A complaint received in `month` (local) in `stage`, if any.
fn complaint_in(fx: &Fx, from: &str, to: &str, stage: &str) -> Option<String> {
    fx.store
        .conn
        .query_row(
            "SELECT id FROM complaints WHERE received_at >= ?1 AND received_at < ?2 AND stage = ?3 ORDER BY received_at LIMIT 1",
            [from, to, stage],
            |r| r.get(0),
        )
        .ok()
}

#[test]
fn stored_month_figures_equal_fresh_ones_after_every_kind_of_write() {
    let mut fx = demo_fx();
    assert!(stored_months(&fx).is_empty());
    let first = report(&mut fx);
    // At 2026-03-10 the twelve months 2025-03 … 2026-02 are all over: all stored.
    let months: Vec<String> = first["trend"].as_array().unwrap().iter().map(|r| r["key"].as_str().unwrap().to_string()).collect();
    assert_eq!(months.len(), 12);
    assert_eq!(stored_months(&fx), months);
    assert_as_before(&mut fx, &first);
    let second = report(&mut fx);
    assert_eq!(second, first, "served from the store, the report is the same");

    // The whole report of the month is kept too, and served while current.
    let body_rows: i64 =
        fx.store.conn.query_row("SELECT COUNT(*) FROM report_month_figures WHERE month = 'body:2026-02'", [], |r| r.get(0)).unwrap();
    assert_eq!(body_rows, 1, "the report of a month that is over is stored");
    // Damaged by hand into something that is not JSON: computed again.
    fx.store
        .conn
        .execute("UPDATE report_month_figures SET figures = replace(figures, '\"complaints\":', '\"complaints\":1000000+0*') WHERE month = 'body:2026-02'", [])
        .unwrap();
    assert_eq!(report(&mut fx), first, "a damaged stored report is computed again");
    fx.store
        .conn
        .execute(
            "UPDATE report_month_figures SET figures = replace(figures, '\"window_days\":', '\"window_days\":4') WHERE month = 'body:2026-02'",
            [],
        )
        .unwrap();
    let shown = report(&mut fx);
    assert_ne!(shown["ledger"]["window_days"], first["ledger"]["window_days"], "the stored report is what is served");
    assert_eq!(shown["status"], first["status"], "the filing status is read fresh");
    // A newer figure row than the stored report (written after it) makes it stale.
    fx.store
        .conn
        .execute_batch(
            "INSERT INTO report_month_figures (month, version, figures, computed_at) SELECT month, version, figures, computed_at FROM report_month_figures WHERE month = '2025-05';
             DELETE FROM report_month_figures WHERE month = '2025-05' AND rowid <> (SELECT MAX(rowid) FROM report_month_figures WHERE month = '2025-05');",
        )
        .ok();
    fx.store.conn.execute("DELETE FROM report_month_figures WHERE month = '2025-05'", []).unwrap();
    assert_eq!(report(&mut fx), first, "a stored report whose months changed is computed again");

    // The store is really read: a tampered row shows (which is why writes must delete rows) …
    let stored: String =
        fx.store.conn.query_row("SELECT figures FROM report_month_figures WHERE month = '2026-01'", [], |r| r.get(0)).unwrap();
    let mut tampered: Vec<Value> = serde_json::from_str(&stored).unwrap();
    tampered[0]["n"] = json!(999_999);
    fx.store
        .conn
        .execute("UPDATE report_month_figures SET figures = ?1 WHERE month = '2026-01'", [serde_json::to_string(&tampered).unwrap()])
        .unwrap();
    fx.store.conn.execute("DELETE FROM report_month_figures WHERE month LIKE 'body:%'", []).unwrap();
    let shown = report(&mut fx);
    assert_eq!(figure(&month_figures(&shown, "2026-01"), "volume")["numerator"], 999_999);
    // … unless it was written by another version of the figures, which is never served.
    fx.store.conn.execute("UPDATE report_month_figures SET version = version + 1 WHERE month = '2026-01'", []).unwrap();
    fx.store.conn.execute("DELETE FROM report_month_figures WHERE month LIKE 'body:%'", []).unwrap();
    assert_eq!(report(&mut fx), first, "a row of another FIGURES_VERSION is recomputed");
    fx.store.conn.execute("UPDATE report_month_figures SET version = version + 1 WHERE month = 'body:2026-02'", []).unwrap();
    assert_eq!(report(&mut fx), first, "a stored report of another FIGURES_VERSION is computed again");

    // 1. A complaint registered today but received in January (backdated receipt).
    fx.set_now("2026-03-10T03:00:00Z");
    let (late, _) = fx.register(json!({ "received_at": "2026-01-31T23:30:00+08:00", "phone": "13955550001", "customer_name": "李雷" }));
    let after = report(&mut fx);
    assert_cached_is_fresh(&mut fx, "a backdated registration");
    assert_ne!(month_figures(&after, "2026-01"), month_figures(&first, "2026-01"), "January gained a complaint");
    assert_eq!(month_figures(&after, "2025-12"), month_figures(&first, "2025-12"));

    // 2. Raising its warning level (the escalation rate of January).
    fx.ok(MANAGER, "raise_warning", json!({ "complaint": late, "level": 2, "reason": "客户情绪激动" }));
    assert_cached_is_fresh(&mut fx, "raising a warning level");

    // 3. Reviewing and dispatching it (steps, dispatches, events of a January complaint).
    fx.ok(AGENT, "review", json!({ "complaint": late, "opinion": "情况属实，受理" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": late, "department": "HS", "note": "请核实处理" }));
    assert_cached_is_fresh(&mut fx, "a dispatch");
    fx.ok(
        AGENT,
        "reply_to_customer",
        json!({ "complaint": late, "content": "已收到", "plan_and_schedule": "核实中", "method": "phone", "overdue_reason": "人手紧张" }),
    );
    assert_cached_is_fresh(&mut fx, "a first reply");

    // 4. Cancelling a January complaint (cancelled ones count nowhere, R3.5).
    let (dup, _) = fx.register(json!({ "received_at": "2026-01-15T10:00:00+08:00", "phone": "13955550002", "customer_name": "韩梅梅" }));
    report(&mut fx);
    fx.ok(AGENT, "cancel", json!({ "complaint": dup, "reason": "duplicate", "note": "重复登记" }));
    assert_cached_is_fresh(&mut fx, "a cancellation");

    // 5. Reopening a complaint closed in a past month (its resolution no longer counts).
    let closed = complaint_in(&fx, "2025-12-01T00:00:00Z", "2026-01-31T00:00:00Z", "closed").expect("a closed complaint of a past month");
    fx.ok(MANAGER, "reopen", json!({ "complaint": closed, "reason": "客户再次投诉" }));
    assert_cached_is_fresh(&mut fx, "a reopening");

    // 6. A survey (taken now; the month of its complaint and of the survey).
    if let Some(open) = complaint_in(&fx, "2025-06-01T00:00:00Z", "2026-02-28T00:00:00Z", "follow_up") {
        fx.ok(AGENT, "survey", json!({ "complaint": open, "overall": "satisfied", "method": "phone" }));
        assert_cached_is_fresh(&mut fx, "a survey");
    }

    // 7. A holiday in January (business-hours durations, R4.5 b).
    for day in 12..=16 {
        fx.ok(ADMIN, "set_calendar_day", json!({ "date": format!("2026-01-{day}"), "kind": "holiday", "name": "测试" }));
    }
    assert_cached_is_fresh(&mut fx, "a calendar day");

    // 8. The branch's business hours, then its time zone (months are cut at local midnights).
    fx.ok(ADMIN, "update_branch", json!({ "hours": { "open": "08:00:00", "close": "17:00:00", "lunch_start": null, "lunch_end": null } }));
    assert_cached_is_fresh(&mut fx, "business hours");
    fx.ok(ADMIN, "update_branch", json!({ "tz": "Asia/Tokyo" }));
    assert_cached_is_fresh(&mut fx, "the branch's time zone");
    fx.ok(ADMIN, "update_branch", json!({ "tz": "Asia/Shanghai" }));

    // 8b. Names and activity of departments and workers (labels, sections, the flags' rates).
    fx.ok(ADMIN, "upsert_worker", json!({ "code": worker_code(&fx), "name": "改名师傅" }));
    assert_cached_is_fresh(&mut fx, "a worker renamed");
    fx.ok(ADMIN, "upsert_department", json!({ "code": "HS", "name": "家政服务二部" }));
    assert_cached_is_fresh(&mut fx, "a department renamed");

    // 9. The report thresholds (settings; they change flags and the ledger, never stored).
    fx.ok(
        ADMIN,
        "set_report_settings",
        json!({ "worker_flag_min": 1, "branch_flag_per_100_workers": 5, "ledger_min": 2, "ledger_window_days": 365 }),
    );
    let r = report(&mut fx);
    assert_as_before(&mut fx, &r);
    assert_cached_is_fresh(&mut fx, "report settings");

    // 10. The demo generator writes past months too. It refuses a database with real complaints
    // (issue 25), so this one's test complaints are marked as the demo's first.
    let now = fx.now;
    fx.store.conn.execute("INSERT OR IGNORE INTO demo_complaints (complaint_id) SELECT id FROM complaints", []).unwrap();
    demo::generate(&mut fx.store, now, 120, 7).unwrap();
    assert_cached_is_fresh(&mut fx, "the demo generator");

    // 11. Raw writes (another program, a repair by hand): steps completed late, a survey moved
    //     to another month, a complaint's receipt moved across months.
    fx.store
        .conn
        .execute_batch(
            "UPDATE steps SET completed_at = NULL WHERE complaint_id IN
                 (SELECT id FROM complaints WHERE received_at >= '2025-11-01T00:00:00Z' AND received_at < '2025-11-08T00:00:00Z');",
        )
        .unwrap();
    assert_cached_is_fresh(&mut fx, "steps reopened by hand");
    fx.store
        .conn
        .execute_batch(
            "UPDATE surveys SET surveyed_at = '2025-08-15T03:00:00Z' WHERE rowid = (SELECT rowid FROM surveys WHERE surveyed_at >= '2025-10-01T00:00:00Z' ORDER BY rowid LIMIT 1);",
        )
        .unwrap();
    assert_cached_is_fresh(&mut fx, "a survey moved by hand");
    fx.store
        .conn
        .execute_batch(
            "UPDATE complaints SET received_at = '2025-04-10T03:00:00Z' WHERE rowid = (SELECT rowid FROM complaints WHERE received_at >= '2025-09-01T00:00:00Z' AND stage <> 'cancelled' ORDER BY received_at LIMIT 1);",
        )
        .unwrap();
    assert_cached_is_fresh(&mut fx, "a receipt moved by hand");

    let last = report(&mut fx);
    assert_as_before(&mut fx, &last);
}

fn zone_offsets(fx: &Fx) -> Option<(i64, i64)> {
    use rusqlite::OptionalExtension;
    fx.store.conn.query_row("SELECT lo, hi FROM report_month_zone", [], |r| Ok((r.get(0)?, r.get(1)?))).optional().unwrap()
}

/// R7.3 (months cut at the branch's local midnight), issue 8 case 5c: with the branches' zone
/// offsets recorded (migration 0010), a write to a complaint received in the first minutes of
/// 1 February (local) drops February only, not January with it; without them (a branch just
/// changed) one day either side is dropped, as before. Either way the report served equals a
/// fresh one.
#[test]
fn an_edit_at_a_months_edge_drops_only_the_month_it_is_in() {
    let mut fx = demo_fx();
    fx.set_now("2026-03-10T03:00:00Z");
    let (edge, _) = fx.register(json!({ "received_at": "2026-02-01T00:20:00+08:00", "phone": "13955550009", "customer_name": "李雷" }));
    let first = report(&mut fx);
    // Asia/Shanghai: +8, and +9 in the summers of 1986-91 (its local mean time, +8:05:43, between).
    assert_eq!(zone_offsets(&fx), Some((8 * 3600, 9 * 3600)), "the branch's offsets are recorded with the stored months");
    assert!(stored_months(&fx).contains(&"2026-01".to_string()) && stored_months(&fx).contains(&"2026-02".to_string()));

    fx.ok(MANAGER, "raise_warning", json!({ "complaint": edge, "level": 2, "reason": "客户情绪激动" }));
    let months = stored_months(&fx);
    assert!(!months.contains(&"2026-02".to_string()), "February, the month of the complaint, is dropped: {months:?}");
    assert!(months.contains(&"2026-01".to_string()), "January is kept: {months:?}");
    let after = report(&mut fx);
    assert_eq!(month_figures(&after, "2026-01"), month_figures(&first, "2026-01"));
    assert_cached_is_fresh(&mut fx, "an edit at a month's edge");

    // Within the width of the recorded range of a midnight (23:30 local, +9 is past midnight),
    // both months go: the triggers do not know the complaint's branch.
    let (late, _) = fx.register(json!({ "received_at": "2026-01-31T23:30:00+08:00", "phone": "13955550008", "customer_name": "韩梅梅" }));
    report(&mut fx);
    fx.ok(MANAGER, "raise_warning", json!({ "complaint": late, "level": 2, "reason": "客户情绪激动" }));
    let months = stored_months(&fx);
    assert!(!months.contains(&"2026-01".to_string()) && !months.contains(&"2026-02".to_string()), "{months:?}");
    assert_cached_is_fresh(&mut fx, "an edit within the offsets' width of a midnight");

    // Any change to a branch deletes the recorded offsets (and every stored month): until a
    // month is stored again, one day either side.
    report(&mut fx);
    fx.ok(ADMIN, "update_branch", json!({ "hours": { "open": "08:00:00", "close": "17:00:00", "lunch_start": null, "lunch_end": null } }));
    assert_eq!(zone_offsets(&fx), None);
    assert!(stored_months(&fx).is_empty());
    report(&mut fx);
    assert_eq!(zone_offsets(&fx), Some((8 * 3600, 9 * 3600)));
    fx.store.conn.execute("DELETE FROM report_month_zone", []).unwrap();
    fx.store.conn.execute("UPDATE complaints SET description = description || '。' WHERE id = ?1", [&edge]).unwrap();
    let months = stored_months(&fx);
    assert!(
        !months.contains(&"2026-01".to_string()) && !months.contains(&"2026-02".to_string()),
        "without offsets, a day either side: {months:?}"
    );
    assert_cached_is_fresh(&mut fx, "an edit at a month's edge without recorded offsets");

    // A branch in another zone widens the range to both zones' offsets.
    fx.ok(ADMIN, "update_branch", json!({ "tz": "America/Los_Angeles" }));
    report(&mut fx);
    let (lo, hi) = zone_offsets(&fx).expect("recorded again");
    assert!(lo <= -8 * 3600 && (-7 * 3600..0).contains(&hi), "Los Angeles: {lo}..{hi}");
}

#[test]
fn a_month_not_over_is_never_stored() {
    // Each month is measured at its own end (R7.4): the running month's figures still change
    // with time, so it is computed every time.
    let mut fx = demo_fx();
    let r = fx.ok(MANAGER, "monthly_report", json!({ "month": "2026-03" }));
    let stored = stored_months(&fx);
    assert_eq!(stored.len(), 11, "2025-04 … 2026-02 stored: {stored:?}");
    assert!(!stored.contains(&"2026-03".to_string()));
    assert_eq!(r["trend"].as_array().unwrap().len(), 12);
    // A month over in Shanghai but not yet in a branch further west is not over.
    fx.set_now("2026-02-28T16:30:00Z"); // 1 March 00:30 in Shanghai
    fx.store.conn.execute("DELETE FROM report_month_figures", []).unwrap();
    fx.ok(ADMIN, "update_branch", json!({ "tz": "Europe/London" }));
    fx.ok(MANAGER, "monthly_report", json!({ "month": "2026-02" }));
    assert!(!stored_months(&fx).contains(&"2026-02".to_string()), "February is not over in London yet");
}

#[test]
fn a_restored_backup_serves_no_stale_month() {
    // R7.1: a restore replaces every table at once; what is served afterwards is the restored
    // database's report, never the one stored before the restore.
    let tmp = tempfile::tempdir().unwrap();
    let now = common::t(NOW);
    let mut store = complaint_desk::store::Store::open(&tmp.path().join("complaint-desk.sqlite3")).unwrap();
    complaint_desk::workflow::settings::init_defaults(&store.conn, now).unwrap();
    demo::generate(&mut store, now, 400, 42).unwrap();
    let mut fx = Fx { store, now };
    let before = report(&mut fx);
    let r = fx.ok(ADMIN, "backup_now", json!({ "folder": tmp.path().join("usb").display().to_string() }));
    let path = r["path"].as_str().unwrap().to_string();

    fx.set_now("2026-03-10T03:00:00Z");
    fx.register(json!({ "received_at": "2026-01-20T10:00:00+08:00", "phone": "13955550009", "customer_name": "赵六" }));
    let edited = report(&mut fx);
    assert_ne!(month_figures(&edited, "2026-01"), month_figures(&before, "2026-01"));
    assert!(stored_months(&fx).contains(&"2026-01".to_string()));

    fx.ok(ADMIN, "restore_backup", json!({ "path": path }));
    let restored = report(&mut fx);
    assert_eq!(month_figures(&restored, "2026-01"), month_figures(&before, "2026-01"), "January as backed up");
    assert_cached_is_fresh(&mut fx, "a restore");
}

/// The reply is written as text once (stored body + fresh fields, `monthly::Body`): built or
/// served from the store, it is the whole typed report, field for field, except that each
/// department's register and surveys carry their first 50 rows and their totals; the pages of
/// `monthly_register` / `monthly_surveys` add up to the whole lists, kept or built.
#[test]
fn the_reply_text_is_the_whole_typed_report() {
    use complaint_desk::report::monthly::FIRST_ROWS;
    // Big enough for a department's month to run past the first rows.
    let mut fx = Fx::at(NOW);
    let now = fx.now;
    demo::generate(&mut fx.store, now, 6000, 42).unwrap();
    fx.store.conn.execute("DELETE FROM report_month_figures", []).unwrap();
    let built = report(&mut fx);
    let kept = report(&mut fx);
    let typed =
        as_manager(&mut fx, |ctx, m| serde_json::to_string(&complaint_desk::report::monthly::build(ctx, m, None).unwrap()).unwrap());
    let mut typed: Value = serde_json::from_str(&typed).unwrap();
    let mut whole: Vec<(String, Value, Value)> = Vec::new();
    let mut cut = 0;
    for d in typed["departments"].as_array_mut().unwrap() {
        whole.push((d["id"].as_str().unwrap().to_string(), d["register"].clone(), d["surveys"].clone()));
        for list in ["register", "surveys"] {
            let rows = d[list].as_array_mut().unwrap();
            cut += (rows.len() > FIRST_ROWS) as usize;
            rows.truncate(FIRST_ROWS);
        }
    }
    assert!(cut > 0, "a list longer than the first rows");
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&built), keys(&typed), "every field of the report, no more");
    assert_same(&built, &typed, "the built reply is the typed report");
    assert_same(&kept, &typed, "the stored reply is the typed report");
    for (id, register, surveys) in &whole {
        assert_same(&Value::Array(whole_list(&mut fx, "monthly_register", id)), register, "the kept register");
        assert_same(&Value::Array(whole_list(&mut fx, "monthly_surveys", id)), surveys, "the kept surveys");
    }
    // Built on demand when nothing is kept (and kept again).
    let (id, register, _) = whole.iter().max_by_key(|w| w.1.as_array().unwrap().len()).unwrap().clone();
    fx.store.conn.execute("DELETE FROM report_month_figures", []).unwrap();
    assert_same(&Value::Array(whole_list(&mut fx, "monthly_register", &id)), &register, "the register built on demand");
    let kept_lists: i64 =
        fx.store.conn.query_row("SELECT COUNT(*) FROM report_month_figures WHERE month LIKE 'list:%'", [], |r| r.get(0)).unwrap();
    assert!(kept_lists > 0, "asking for a page kept the report and its lists");
    // Refused: an unknown department, a page size out of range; nobody but the report's readers.
    let e = fx.err(MANAGER, "monthly_register", json!({ "month": MONTH, "department": "nope" }));
    assert_eq!(e.code, "not_found", "{e:?}");
    let e = fx.err(MANAGER, "monthly_surveys", json!({ "month": MONTH, "department": id, "limit": 0 }));
    assert_eq!(e.code, "invalid", "{e:?}");
    let e = fx.err(AGENT, "monthly_register", json!({ "month": MONTH, "department": id }));
    assert_eq!(e.code, "forbidden", "{e:?}");
}

/// A report kept by an older version (its whole lists inside, no totals) is built again, not
/// served: the window would read `register_total` from it.
#[test]
fn a_report_kept_by_an_older_version_is_built_again() {
    let mut fx = demo_fx();
    let first = report(&mut fx);
    let old_shape = {
        let mut r = first.clone();
        for k in ["generated_at", "status", "suggestions"] {
            r.as_object_mut().unwrap().remove(k);
        }
        for d in r["departments"].as_array_mut().unwrap() {
            let d = d.as_object_mut().unwrap();
            d.remove("register_total");
            d.remove("surveys_total");
        }
        r
    };
    let changed = fx
        .store
        .conn
        .execute(
            "UPDATE report_month_figures SET version = 1, figures = substr(figures, 1, instr(figures, char(10))) || ?1 WHERE month = 'body:' || ?2",
            rusqlite::params![old_shape.to_string(), MONTH],
        )
        .unwrap();
    assert_eq!(changed, 1, "the kept report's row");
    let again = report(&mut fx);
    assert!(again["departments"][0]["register_total"].is_u64(), "{}", again["departments"][0]);
    assert_same(&again, &first, "built again, the same report");
}

/// On a database file a kept report reads its month's first responses, steps and pauses on a
/// second connection, on another core (`store::second_reader`, `facts::load_with`), and writes
/// its lists' rows as arrays of values: the facts, the reply and every page of the kept lists
/// are the same as on one connection (an in-memory copy of the same rows).
#[test]
fn a_report_read_on_two_connections_is_the_one_read_on_one() {
    use complaint_desk::report::facts;
    use complaint_desk::store::{second_reader, Store};
    let mut one = demo_fx();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("desk.sqlite3");
    one.store.conn.execute("VACUUM INTO ?1", [path.to_str().unwrap()]).unwrap();
    let mut two = Fx { store: Store::open(&path).unwrap(), now: one.now };

    let serial = as_manager(&mut one, |ctx, m| {
        assert!(second_reader(ctx.conn).is_none(), "an in-memory database has no second reader");
        let f = ReportFilter::default().with_days(Days::month(m)).resolve(ctx).unwrap();
        let (ds, _) = facts::load_with(ctx, f, None).unwrap();
        format!("{:?}{:?}", ds.facts, ds.surveys)
    });
    let parallel = as_manager(&mut two, |ctx, m| {
        let second = second_reader(ctx.conn);
        assert!(second.is_some(), "a database file has a second reader");
        let f = ReportFilter::default().with_days(Days::month(m)).resolve(ctx).unwrap();
        let (ds, back) = facts::load_with(ctx, f, second).unwrap();
        assert!(back.is_some(), "the second reader is handed back");
        assert!(ds.facts.iter().any(|f| f.first_response_at.is_some()) && ds.facts.iter().any(|f| !f.steps.is_empty()));
        format!("{:?}{:?}", ds.facts, ds.surveys)
    });
    assert!(serial == parallel, "the facts read on two connections are the ones read on one");

    for fx in [&mut one, &mut two] {
        fx.store.conn.execute("DELETE FROM report_month_figures", []).unwrap();
    }
    let (built_one, built_two) = (report(&mut one), report(&mut two));
    assert_same(&built_two, &built_one, "the report built on two connections");
    let kept: i64 =
        two.store.conn.query_row("SELECT COUNT(*) FROM report_month_figures WHERE month LIKE 'list:%'", [], |r| r.get(0)).unwrap();
    assert!(kept > 0, "the file's report was kept with its lists");
    let (key, blob): (String, Vec<u8>) = two
        .store
        .conn
        .query_row("SELECT month, figures FROM report_month_figures WHERE month LIKE 'list:%:register:0' LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let cut = blob.iter().position(|b| *b == b'\n').unwrap();
    let text = String::from_utf8(lz4_flex::decompress_size_prepended(&blob[cut + 1..]).unwrap()).unwrap();
    assert!(blob.len() - cut - 1 < text.len() * 3 / 4, "kept lists are compressed: {} bytes for {}", blob.len() - cut - 1, text.len());
    assert!(
        text.split('\n').nth(1).is_some_and(|rows| rows.starts_with("[[")),
        "kept rows are arrays of values: {}",
        &text[..80.min(text.len())]
    );
    // A damaged chunk (here: a length that asks for 4 GB) is not served: the list is built again.
    let department = key.split(':').nth(2).unwrap().to_string();
    let want = whole_list(&mut two, "monthly_register", &department);
    let mut damaged = blob.clone();
    damaged[cut + 1..cut + 5].copy_from_slice(&u32::MAX.to_le_bytes());
    two.store.conn.execute("UPDATE report_month_figures SET figures = ?1 WHERE month = ?2", rusqlite::params![damaged, key]).unwrap();
    assert_same(&Value::Array(whole_list(&mut two, "monthly_register", &department)), &Value::Array(want), "a damaged chunk");
    assert_same(&report(&mut two), &built_one, "the report kept on two connections");
    assert!(!built_one["departments"].as_array().unwrap().is_empty(), "the report has departments");
    for d in built_one["departments"].as_array().unwrap() {
        let id = d["id"].as_str().unwrap();
        for command in ["monthly_register", "monthly_surveys"] {
            assert_same(&Value::Array(whole_list(&mut two, command, id)), &Value::Array(whole_list(&mut one, command, id)), command);
        }
    }
}
