//! The KPIs of R7.4 against hand-computed values on a fixed dataset driven through the real
//! operations: a month with open complaints at its end, a not-accepted repeat complaint, a
//! cancelled one, complaints on both sides of the Shanghai month boundary (23:30 on 31 March
//! local is 15:30 UTC; 00:30 on 1 April local is still 31 March in UTC), an empty month, and
//! working time on the branch's business-hours clock (R4.5 b). Every list behind a figure
//! (`kpi_complaints`) has exactly the figure's numbers.

use crate::common;
use common::*;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

const H: f64 = 3600.0;

/// The fixed dataset (times are Asia/Shanghai, the branch's zone):
///
/// - A 03-02 09:00 Mon, regular, HS: reply 12:00, implemented 14:00, satisfied 03-03 10:00,
///   closed 03-03 10:30. Every step on time.
/// - B 03-05 20:00 Thu, VIP (so major), HS: reported 20:10 (on time), dispatched 20:40 (late),
///   then nothing: open at the end of March with its stage reply, final handling and
///   department steps overdue.
/// - C 03-31 23:30 (= 15:30 UTC, March), QA: nothing until April; its dispatch step is due at
///   exactly 24:00 (the end of March), so at the end of March it is not yet decided. Closed
///   04-02.
/// - D 04-01 00:30 (= 03-31 16:30 UTC, April): not accepted at once.
/// - E 03-10 10:00, the same customer and sub-category as A: a repeat complaint (R3.6), not
///   accepted (already settled) at 10:20.
/// - F 03-12 cancelled as a duplicate (R3.5): in no KPI.
/// - G 02-27 10:00 (February): replied 11:00, never dispatched.
/// - H 03-03 09:00, TR: replied 10:30, implemented 11:00, dissatisfied 03-04 10:00 → sent back,
///   the department answers late on 03-05 11:00, implemented 12:00, very satisfied 03-06 09:00,
///   closed 09:30.
struct World {
    fx: Fx,
    ids: BTreeMap<&'static str, String>,
    numbers: BTreeMap<String, &'static str>,
}

fn at(fx: &mut Fx, local: &str) {
    fx.set_now(local);
}

fn reg(w: &mut World, name: &'static str, local: &str, phone: &str, extra: Value) -> String {
    at(&mut w.fx, local);
    let mut args = json!({ "phone": phone, "customer_name": format!("客户{name}") });
    for (k, v) in extra.as_object().unwrap() {
        args[k] = v.clone();
    }
    let (id, number) = w.fx.register(args);
    w.ids.insert(name, id.clone());
    w.numbers.insert(number, name);
    id
}

fn op(w: &mut World, local: &str, login: &str, name: &str, args: Value) -> Value {
    at(&mut w.fx, local);
    w.fx.ok(login, name, args)
}

const LATE: &str = "人手紧张";

fn world() -> World {
    let fx = Fx::at("2026-02-01T02:00:00Z");
    let mut w = World { fx, ids: BTreeMap::new(), numbers: BTreeMap::new() };

    // G (February)
    let g = reg(&mut w, "G", "2026-02-27T10:00:00+08:00", "13900000006", json!({}));
    op(
        &mut w,
        "2026-02-27T11:00:00+08:00",
        AGENT,
        "reply_to_customer",
        json!({ "complaint": g, "content": "已收到", "plan_and_schedule": "核实中", "method": "phone" }),
    );

    // A
    let a = reg(&mut w, "A", "2026-03-02T09:00:00+08:00", "13900000001", json!({}));
    op(&mut w, "2026-03-02T09:10:00+08:00", AGENT, "review", json!({ "complaint": a, "opinion": "属实" }));
    op(&mut w, "2026-03-02T09:20:00+08:00", AGENT, "dispatch", json!({ "complaint": a, "department": "HS", "note": "请核实" }));
    op(&mut w, "2026-03-02T10:00:00+08:00", HS_HANDLER, "accept_dispatch", json!({ "complaint": a }));
    op(
        &mut w,
        "2026-03-02T11:00:00+08:00",
        HS_HANDLER,
        "record_findings",
        json!({ "complaint": a, "finding": "true", "root_cause": "迟到", "solution": "道歉并返工" }),
    );
    op(
        &mut w,
        "2026-03-02T12:00:00+08:00",
        AGENT,
        "reply_to_customer",
        json!({ "complaint": a, "content": "已核实", "plan_and_schedule": "今日返工", "method": "phone" }),
    );
    op(&mut w, "2026-03-02T12:00:00+08:00", AGENT, "record_customer_decision", json!({ "complaint": a, "agreed": true }));
    op(&mut w, "2026-03-02T14:00:00+08:00", AGENT, "implement", json!({ "complaint": a, "actions": "已返工", "done_by": "赵磊" }));
    op(&mut w, "2026-03-03T10:00:00+08:00", AGENT, "survey", json!({ "complaint": a, "overall": "satisfied", "method": "phone" }));
    op(&mut w, "2026-03-03T10:30:00+08:00", AGENT, "close", json!({ "complaint": a }));

    // H
    let h = reg(&mut w, "H", "2026-03-03T09:00:00+08:00", "13900000007", json!({ "sub_category": "服务态度" }));
    op(&mut w, "2026-03-03T09:10:00+08:00", AGENT, "review", json!({ "complaint": h, "opinion": "属实" }));
    op(&mut w, "2026-03-03T09:20:00+08:00", AGENT, "dispatch", json!({ "complaint": h, "department": "TR", "note": "请核实" }));
    op(&mut w, "2026-03-03T09:30:00+08:00", TR_HANDLER, "accept_dispatch", json!({ "complaint": h }));
    op(
        &mut w,
        "2026-03-03T10:00:00+08:00",
        TR_HANDLER,
        "record_findings",
        json!({ "complaint": h, "finding": "true", "root_cause": "培训不足", "solution": "道歉" }),
    );
    op(
        &mut w,
        "2026-03-03T10:30:00+08:00",
        AGENT,
        "reply_to_customer",
        json!({ "complaint": h, "content": "已核实", "plan_and_schedule": "道歉", "method": "phone" }),
    );
    op(&mut w, "2026-03-03T10:30:00+08:00", AGENT, "record_customer_decision", json!({ "complaint": h, "agreed": true }));
    op(&mut w, "2026-03-03T11:00:00+08:00", AGENT, "implement", json!({ "complaint": h, "actions": "已道歉", "done_by": "孙丽" }));
    op(
        &mut w,
        "2026-03-04T10:00:00+08:00",
        AGENT,
        "survey",
        json!({ "complaint": h, "overall": "dissatisfied", "method": "phone", "comment": "敷衍" }),
    );
    op(&mut w, "2026-03-04T10:30:00+08:00", TR_HANDLER, "accept_dispatch", json!({ "complaint": h }));
    op(
        &mut w,
        "2026-03-05T11:00:00+08:00",
        TR_HANDLER,
        "record_findings",
        json!({ "complaint": h, "finding": "true", "root_cause": "培训不足", "solution": "上门道歉并补偿", "overdue_reason": LATE }),
    );
    op(&mut w, "2026-03-05T11:30:00+08:00", AGENT, "record_customer_decision", json!({ "complaint": h, "agreed": true }));
    op(&mut w, "2026-03-05T12:00:00+08:00", AGENT, "implement", json!({ "complaint": h, "actions": "已上门道歉", "done_by": "孙丽" }));
    op(&mut w, "2026-03-06T09:00:00+08:00", AGENT, "survey", json!({ "complaint": h, "overall": "very_satisfied", "method": "phone" }));
    op(&mut w, "2026-03-06T09:30:00+08:00", AGENT, "close", json!({ "complaint": h }));

    // B
    let b = reg(&mut w, "B", "2026-03-05T20:00:00+08:00", "13900000002", json!({ "tier": "vip" }));
    op(&mut w, "2026-03-05T20:10:00+08:00", MANAGER, "report_major", json!({ "complaint": b, "informed": "刘强" }));
    op(&mut w, "2026-03-05T20:20:00+08:00", AGENT, "review", json!({ "complaint": b, "opinion": "属实" }));
    op(
        &mut w,
        "2026-03-05T20:40:00+08:00",
        AGENT,
        "dispatch",
        json!({ "complaint": b, "department": "HS", "note": "请核实", "overdue_reason": LATE }),
    );

    // E: the same customer and sub-category as A within 30 days (R3.6), refused (R3.4).
    let e = reg(&mut w, "E", "2026-03-10T10:00:00+08:00", "13900000001", json!({}));
    op(&mut w, "2026-03-10T10:20:00+08:00", AGENT, "not_accept", json!({ "complaint": e, "reason": "already_settled", "note": "已调解" }));

    // F: invalid (R3.5).
    let f = reg(&mut w, "F", "2026-03-12T10:00:00+08:00", "13900000005", json!({}));
    op(&mut w, "2026-03-12T10:05:00+08:00", AGENT, "cancel", json!({ "complaint": f, "reason": "duplicate", "note": "重复登记" }));

    // C: the last half hour of March in Shanghai.
    let c = reg(&mut w, "C", "2026-03-31T23:30:00+08:00", "13900000003", json!({}));
    // D: the first half hour of April in Shanghai, still 31 March in UTC.
    let d = reg(&mut w, "D", "2026-04-01T00:30:00+08:00", "13900000004", json!({}));
    op(&mut w, "2026-04-01T00:40:00+08:00", AGENT, "not_accept", json!({ "complaint": d, "reason": "handled_by_court_or_arbitration" }));
    op(&mut w, "2026-04-01T10:00:00+08:00", AGENT, "review", json!({ "complaint": c, "opinion": "属实" }));
    op(
        &mut w,
        "2026-04-01T10:05:00+08:00",
        AGENT,
        "dispatch",
        json!({ "complaint": c, "department": "QA", "note": "请核实", "overdue_reason": LATE }),
    );
    op(&mut w, "2026-04-01T10:30:00+08:00", QA_HANDLER, "accept_dispatch", json!({ "complaint": c }));
    op(
        &mut w,
        "2026-04-01T11:00:00+08:00",
        QA_HANDLER,
        "record_findings",
        json!({ "complaint": c, "finding": "true", "root_cause": "漏做", "solution": "返工" }),
    );
    op(
        &mut w,
        "2026-04-01T11:10:00+08:00",
        AGENT,
        "reply_to_customer",
        json!({ "complaint": c, "content": "已核实", "plan_and_schedule": "返工", "method": "phone" }),
    );
    op(&mut w, "2026-04-01T11:10:00+08:00", AGENT, "record_customer_decision", json!({ "complaint": c, "agreed": true }));
    op(&mut w, "2026-04-01T12:00:00+08:00", AGENT, "implement", json!({ "complaint": c, "actions": "已返工", "done_by": "吴霞" }));
    op(&mut w, "2026-04-02T11:00:00+08:00", AGENT, "survey", json!({ "complaint": c, "overall": "very_satisfied", "method": "phone" }));
    op(&mut w, "2026-04-02T12:00:00+08:00", AGENT, "close", json!({ "complaint": c }));

    // Everything is measured later, in April.
    at(&mut w.fx, "2026-04-10T10:00:00+08:00");
    w
}

fn figure<'a>(figs: &'a Value, kpi: &str) -> &'a Value {
    figs.as_array().unwrap().iter().find(|f| f["kpi"] == kpi).unwrap_or_else(|| panic!("no figure {kpi}"))
}

/// (value, numerator, denominator) of a figure.
fn fv(figs: &Value, kpi: &str) -> (Option<f64>, i64, i64) {
    let f = figure(figs, kpi);
    (f["value"].as_f64(), f["numerator"].as_i64().unwrap(), f["denominator"].as_i64().unwrap())
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

fn kpis(w: &mut World, filter: Value, group_by: Value) -> Value {
    w.fx.ok(MANAGER, "kpis", json!({ "filter": filter, "group_by": group_by }))
}

/// The complaint letters behind a figure, with how often each counts.
fn behind(w: &mut World, filter: &Value, kpi: &str, part: &str) -> (BTreeMap<&'static str, i64>, i64) {
    let r = w.fx.ok(MANAGER, "kpi_complaints", json!({ "filter": filter, "kpi": kpi, "part": part }));
    let mut m = BTreeMap::new();
    for it in r["items"].as_array().unwrap() {
        let n = it["complaint"]["number"].as_str().unwrap();
        m.insert(*w.numbers.get(n).unwrap_or_else(|| panic!("unknown number {n}")), it["count"].as_i64().unwrap());
    }
    assert_eq!(r["total"].as_u64().unwrap() as usize, m.len());
    (m, r["count"].as_i64().unwrap())
}

fn set(m: &BTreeMap<&'static str, i64>) -> BTreeSet<&'static str> {
    m.keys().copied().collect()
}

fn letters(s: &str) -> BTreeSet<&'static str> {
    ["A", "B", "C", "D", "E", "F", "G", "H"].into_iter().filter(|l| s.contains(l)).collect()
}

#[test]
fn march_kpis_equal_the_hand_computed_values() {
    // R7.4 on the fixed dataset, measured on 10 April for the month of March.
    let mut w = world();
    let r = kpis(&mut w, json!({ "month": "2026-03" }), json!([]));
    let f = &r["figures"];
    assert_eq!(r["range"]["from_date"], "2026-03-01");
    assert_eq!(r["range"]["until_date"], "2026-03-31");
    assert_eq!(r["range"]["measured_at"], "2026-03-31T16:00:00Z", "March is measured at its own end, 24:00 in Shanghai");

    // Volume: A B C E H — C by the Shanghai date, not D; not F (cancelled), not G (February).
    assert_eq!(fv(f, "volume"), (Some(5.0), 5, 5));
    // Resolution: of A B C H (E not accepted), A and H were closed in March; C only in April.
    assert_eq!(fv(f, "resolution_rate"), (Some(0.5), 2, 4));
    // First response: A 3 h (09:00 → 12:00, all within business hours), H 1.5 h. B never
    // answered, C only in April. Nearest rank: median = 1st of 2, P90 = 2nd of 2.
    assert_eq!(fv(f, "first_response_median"), (Some(1.5 * H), 2, 2));
    assert_eq!(fv(f, "first_response_p90"), (Some(3.0 * H), 2, 2));
    assert_eq!(fv(f, "first_response_work_median"), (Some(1.5 * H), 2, 2));
    assert_eq!(fv(f, "first_response_work_p90"), (Some(3.0 * H), 2, 2));
    // Resolution time: A 25.5 h wall = 9 h of business hours (Mon 09–12 and 13:30–18, Tue 09–10:30);
    // H 72.5 h wall = 23 h (Tue, Wed, Thu 7.5 h each, Fri 0.5 h).
    assert_eq!(fv(f, "resolution_median"), (Some(25.5 * H), 2, 2));
    assert_eq!(fv(f, "resolution_p90"), (Some(72.5 * H), 2, 2));
    assert_eq!(fv(f, "resolution_work_median"), (Some(9.0 * H), 2, 2));
    assert_eq!(fv(f, "resolution_work_p90"), (Some(23.0 * H), 2, 2));
    // On time per stage (R4.6), steps decided by the end of March:
    // report major: B on time.
    assert_eq!(fv(f, "on_time_report_major"), (Some(1.0), 1, 1));
    // dispatch: A, E (ended by the refusal), H on time; B late; C due at exactly 24:00 → undecided.
    assert_eq!(fv(f, "on_time_dispatch"), (Some(0.75), 3, 4));
    // stage reply: A, E, H on time; B open past 02:00 on 6 March; C due 1 April 11:30 → undecided.
    assert_eq!(fv(f, "on_time_stage_reply"), (Some(0.75), 3, 4));
    // final handling: A, E, H on time; B open past due; C undecided.
    assert_eq!(fv(f, "on_time_final_handling"), (Some(0.75), 3, 4));
    // department: A, H's first on time; H's second answered late; B open past due.
    assert_eq!(fv(f, "on_time_department"), (Some(0.5), 2, 4));
    // follow-up: A, H's two visits, all on time.
    assert_eq!(fv(f, "on_time_follow_up"), (Some(1.0), 3, 3));
    // Overdue: B and H.
    assert_eq!(fv(f, "overdue_rate"), (Some(0.4), 2, 5));
    // CSAT over March's three surveys: A satisfied, H dissatisfied then very satisfied.
    assert!(close(fv(f, "csat_share").0, 2.0 / 3.0));
    assert_eq!(fv(f, "csat_share").1..=fv(f, "csat_share").2, 2..=3);
    assert!(close(fv(f, "csat_mean").0, 11.0 / 3.0), "(4 + 2 + 5) / 3");
    assert_eq!((fv(f, "csat_mean").1, fv(f, "csat_mean").2), (11, 3));
    // Repeat: E (R3.6). Escalated: B (VIP → major, R2.1).
    assert_eq!(fv(f, "repeat_rate"), (Some(0.2), 1, 5));
    assert_eq!(fv(f, "escalation_rate"), (Some(0.2), 1, 5));
    assert_eq!(f.as_array().unwrap().len(), 21, "every KPI of R7.4 is reported");
}

#[test]
fn the_complaints_behind_each_figure_are_exactly_those_counted() {
    // R7.4 / dashboard: clicking a figure lists its complaints; the list has the figure's numbers.
    let mut w = world();
    let filter = json!({ "month": "2026-03" });
    let r = kpis(&mut w, filter.clone(), json!([]));
    let expect: &[(&str, &str, &str)] = &[
        ("volume", "numerator", "ABCEH"),
        ("resolution_rate", "numerator", "AH"),
        ("resolution_rate", "denominator", "ABCH"),
        ("resolution_rate", "rest", "BC"),
        ("first_response_p90", "numerator", "AH"),
        ("resolution_work_median", "numerator", "AH"),
        ("on_time_dispatch", "rest", "B"),
        ("on_time_dispatch", "denominator", "ABEH"),
        ("on_time_department", "rest", "BH"),
        ("overdue_rate", "numerator", "BH"),
        ("csat_share", "rest", "H"),
        ("csat_mean", "numerator", "AH"),
        ("repeat_rate", "numerator", "E"),
        ("escalation_rate", "numerator", "B"),
    ];
    for (kpi, part, who) in expect {
        let (m, count) = behind(&mut w, &filter, kpi, part);
        assert_eq!(set(&m), letters(who), "{kpi} {part}");
        let (_, num, den) = fv(&r["figures"], kpi);
        let want = match *part {
            "numerator" if *kpi == "csat_mean" => den,
            "numerator" => num,
            "denominator" => den,
            _ => den - num,
        };
        assert_eq!(count, want, "{kpi} {part}: the list counts what the figure counts");
    }
    // Every KPI and part agrees with its figure, whatever the KPI.
    for kpi in r["figures"].as_array().unwrap().iter().map(|f| f["kpi"].as_str().unwrap().to_string()) {
        let (_, num, den) = fv(&r["figures"], &kpi);
        let (_, c) = behind(&mut w, &filter, &kpi, "denominator");
        assert_eq!(c, den, "{kpi} denominator");
        if kpi != "csat_mean" {
            let (_, c) = behind(&mut w, &filter, &kpi, "numerator");
            assert_eq!(c, num, "{kpi} numerator");
        }
    }
    // Durations come with their measure, longest first.
    let d = w.fx.ok(MANAGER, "kpi_complaints", json!({ "filter": filter, "kpi": "resolution_median" }));
    let values: Vec<f64> = d["items"].as_array().unwrap().iter().map(|i| i["value"].as_f64().unwrap()).collect();
    assert_eq!(values, vec![72.5 * H, 25.5 * H]);
}

#[test]
fn the_shanghai_month_boundary_decides_the_month() {
    // R7.3 / R4.5: 23:30 on 31 March in Shanghai is March; 00:30 on 1 April is April, although
    // both are 31 March in UTC.
    let mut w = world();
    let (m, _) = behind(&mut w, &json!({ "from_date": "2026-03-31", "until_date": "2026-03-31" }), "volume", "numerator");
    assert_eq!(set(&m), letters("C"));
    let (m, _) = behind(&mut w, &json!({ "month": "2026-04" }), "volume", "numerator");
    assert_eq!(set(&m), letters("D"));
    let april = kpis(&mut w, json!({ "month": "2026-04" }), json!([]));
    let f = &april["figures"];
    assert_eq!(fv(f, "volume"), (Some(1.0), 1, 1));
    assert_eq!(fv(f, "resolution_rate"), (None, 0, 0), "a refused complaint is not in the resolution rate");
    assert_eq!(fv(f, "overdue_rate"), (Some(0.0), 0, 1));
    // C's survey and closing in April count for April's CSAT, not its resolution.
    assert_eq!(fv(f, "csat_share"), (Some(1.0), 1, 1));
    assert_eq!(april["range"]["measured_at"], "2026-04-10T02:00:00Z", "a month not over is measured now");
}

#[test]
fn an_empty_month_has_no_values_and_no_errors() {
    // R7.4: January has no complaint and no survey.
    let mut w = world();
    let r = kpis(&mut w, json!({ "month": "2026-01" }), json!(["category", "month", "department", "worker"]));
    assert!(!r["figures"].as_array().unwrap().is_empty(), "an empty month still has its figures");
    for fig in r["figures"].as_array().unwrap() {
        let k = fig["kpi"].as_str().unwrap();
        assert_eq!((fig["numerator"].as_i64(), fig["denominator"].as_i64()), (Some(0), Some(0)), "{k}");
        if k == "volume" {
            assert_eq!(fig["value"], 0.0);
        } else {
            assert!(fig["value"].is_null(), "{k} has no value in an empty month: {fig}");
        }
    }
    let month = &r["breakdowns"].as_array().unwrap().iter().find(|b| b["dimension"] == "month").unwrap()["rows"];
    assert_eq!(month.as_array().unwrap().len(), 1, "the empty month is still a row");
    let (m, c) = behind(&mut w, &json!({ "month": "2026-01" }), "volume", "numerator");
    assert!(m.is_empty() && c == 0);
}

#[test]
fn february_has_its_own_open_complaint() {
    // R7.4: G was answered in an hour and never dispatched; at the end of February its dispatch
    // and final-handling deadlines have passed.
    let mut w = world();
    let r = kpis(&mut w, json!({ "month": "2026-02" }), json!([]));
    let f = &r["figures"];
    assert_eq!(fv(f, "volume"), (Some(1.0), 1, 1));
    assert_eq!(fv(f, "resolution_rate"), (Some(0.0), 0, 1));
    assert_eq!(fv(f, "first_response_median"), (Some(H), 1, 1));
    assert_eq!(fv(f, "first_response_work_median"), (Some(H), 1, 1));
    assert_eq!(fv(f, "on_time_dispatch"), (Some(0.0), 0, 1));
    assert_eq!(fv(f, "on_time_stage_reply"), (Some(1.0), 1, 1));
    assert_eq!(fv(f, "overdue_rate"), (Some(1.0), 1, 1));
    assert_eq!(fv(f, "csat_share"), (None, 0, 0));
}

#[test]
fn breakdowns_partition_the_totals_and_each_month_is_measured_at_its_end() {
    // R7.4 by category, channel, tier, department, worker, branch and month.
    let mut w = world();
    let r = kpis(&mut w, json!({ "month": "2026-03" }), json!(["category", "channel", "tier", "department", "worker", "branch", "month"]));
    let total = fv(&r["figures"], "volume").1;
    let mut volumes: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for b in r["breakdowns"].as_array().unwrap() {
        let d = b["dimension"].as_str().unwrap().to_string();
        let rows = b["rows"].as_array().unwrap();
        let sum: i64 = rows.iter().map(|row| fv(&row["figures"], "volume").1).sum();
        assert_eq!(sum, total, "{d}: the rows add up to the total");
        let surveys: i64 = rows.iter().map(|row| fv(&row["figures"], "csat_share").2).sum();
        assert_eq!(surveys, 3, "{d}: every survey is in one row");
        for row in rows {
            volumes.entry(d.clone()).or_default().insert(row["label"].as_str().unwrap().to_string(), fv(&row["figures"], "volume").1);
            // The row's filter selects exactly its complaints.
            let (_, c) = behind(&mut w, &row["filter"], "volume", "numerator");
            assert_eq!(c, fv(&row["figures"], "volume").1, "{d} {}", row["key"]);
        }
    }
    // A, B with 家政服务部; H with 培训部; C with 质检部 (dispatched in April); E never dispatched → 客服部.
    let dept = &volumes["department"];
    assert_eq!((dept["家政服务部"], dept["培训部"], dept["质检部"], dept["客服部"]), (2, 1, 1, 1));
    assert_eq!(volumes["tier"]["vip"], 1);
    assert_eq!(volumes["worker"]["(none)"], 5);
    assert_eq!(volumes["channel"]["walk_in"], 5);
    // CSAT by the department responsible when surveyed (R6.4): A's for HS, H's two for TR.
    let depts = r["breakdowns"].as_array().unwrap().iter().find(|b| b["dimension"] == "department").unwrap();
    let tr = depts["rows"].as_array().unwrap().iter().find(|r| r["label"] == "培训部").unwrap();
    assert_eq!(fv(&tr["figures"], "csat_share"), (Some(0.5), 1, 2));

    // February–April by month: each month row equals that month's own figures, although C was
    // closed before the end of the whole range.
    let q = kpis(&mut w, json!({ "from_date": "2026-02-01", "until_date": "2026-04-30" }), json!(["month"]));
    assert_eq!(fv(&q["figures"], "resolution_rate"), (Some(0.6), 3, 5), "over the range: A, C, H of A, B, C, G, H");
    let rows = q["breakdowns"][0]["rows"].as_array().unwrap();
    let keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(keys, vec!["2026-02", "2026-03", "2026-04"]);
    let march = &rows[1];
    assert_eq!(fv(&march["figures"], "resolution_rate"), (Some(0.5), 2, 4));
    assert_eq!(march["filter"]["month"], "2026-03");
    let own = kpis(&mut w, json!({ "month": "2026-03" }), json!([]));
    assert_eq!(march["figures"], own["figures"], "the month row is the month's own report");
}

#[test]
fn filters_combine_and_definitions_are_given_in_four_languages() {
    // R7.4: any filter; each KPI with its exact definition.
    let mut w = world();
    let r = kpis(&mut w, json!({ "month": "2026-03", "department": "HS" }), json!([]));
    assert_eq!(fv(&r["figures"], "volume").1, 2, "A and B");
    assert_eq!(fv(&r["figures"], "escalation_rate"), (Some(0.5), 1, 2));
    let r = kpis(&mut w, json!({ "month": "2026-03", "tier": "vip" }), json!([]));
    assert_eq!(fv(&r["figures"], "volume").1, 1);
    let e = w.fx.err(MANAGER, "kpis", json!({ "filter": { "month": "2026-13" } }));
    assert_eq!(e.code, "invalid");
    let e = w.fx.err(MANAGER, "kpis", json!({ "filter": { "from_date": "2026-03-02", "until_date": "2026-03-01" } }));
    assert_eq!(e.code, "invalid");
    for lang in ["zh-CN", "zh-TW", "en", "es"] {
        let d = w.fx.ok(AGENT, "kpi_definitions", json!({ "lang": lang }));
        let d = d.as_array().unwrap();
        assert_eq!(d.len(), 21);
        assert!(d.iter().all(|x| x["definition"].as_str().unwrap().len() > 40));
    }
    let en = w.fx.ok(AGENT, "kpi_definitions", json!({ "lang": "en" }));
    let fr = en.as_array().unwrap().iter().find(|d| d["kpi"] == "first_response_work_median").unwrap();
    let text = fr["definition"].as_str().unwrap();
    assert!(text.contains("stage reply (R4.2)") && text.contains("business hours") && text.contains("nearest-rank"), "{text}");
    // R7.7: reports are for managers, the auditor and the administrator.
    assert_eq!(w.fx.err(AGENT, "kpis", json!({})).code, "forbidden");
    assert_eq!(w.fx.err(HS_HANDLER, "kpi_complaints", json!({ "kpi": "volume" })).code, "forbidden");
    w.fx.ok(AUDITOR, "kpis", json!({ "filter": { "month": "2026-03" } }));
    w.fx.ok(ADMIN, "kpis", json!({ "filter": { "month": "2026-03" } }));
}

#[test]
fn lists_behind_figures_mask_names_for_roles_without_personal_data() {
    // R7.8: the auditor sees the list behind a figure with masked names.
    let mut w = world();
    let r = w.fx.ok(AUDITOR, "kpi_complaints", json!({ "filter": { "month": "2026-03" }, "kpi": "volume" }));
    assert!(!r["items"].as_array().unwrap().is_empty(), "March has complaints behind its volume");
    for it in r["items"].as_array().unwrap() {
        let name = it["complaint"]["customer_name"].as_str().unwrap();
        assert!(name.ends_with('*'), "{name}");
        assert!(it["complaint"]["phone_masked"].as_str().unwrap().contains("****"));
    }
    let r = w.fx.ok(MANAGER, "kpi_complaints", json!({ "filter": { "month": "2026-03" }, "kpi": "volume" }));
    assert!(!r["items"].as_array().unwrap().is_empty(), "March has complaints behind its volume");
    assert!(r["items"].as_array().unwrap().iter().all(|i| i["complaint"]["customer_name"].as_str().unwrap().starts_with("客户")));
}
