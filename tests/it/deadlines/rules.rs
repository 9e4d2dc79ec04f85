//! Deadlines (rule book §4) and statutory holidays (R3.9), proved through the command registry
//! with an injected clock, plus a few direct checks of the pure deadline functions.
//!
//! All instants are written in Shanghai local time (the default branch's time zone) and compared
//! as UTC, which is how they are stored.

use crate::common;
use common::*;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::{json, Value};

use complaint_desk::deadlines::{due_at, BusinessCalendar, BusinessHours, ClockContext, Interval, Limit};

// ---------------------------------------------------------------------------------------------
// helpers

/// A Shanghai wall-clock instant as UTC.
fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Shanghai.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("valid Shanghai time").with_timezone(&Utc)
}

/// A distinct phone per complaint, so no complaint becomes a repeat of another (R3.6).
fn phone(n: u32) -> String {
    format!("1390000{n:04}")
}

fn register(fx: &mut Fx, n: u32, extra: Value) -> String {
    let mut args = json!({ "phone": phone(n) });
    if let (Some(a), Some(e)) = (args.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            a.insert(k.clone(), v.clone());
        }
    }
    fx.register(args).0
}

fn steps_of<'a>(d: &'a Value, kind: &str) -> Vec<&'a Value> {
    d["steps"].as_array().expect("detail has steps").iter().filter(|s| s["kind"] == kind).collect()
}

/// The single open step of `kind`.
fn open_step<'a>(d: &'a Value, kind: &str) -> &'a Value {
    let open: Vec<&Value> = steps_of(d, kind).into_iter().filter(|s| s["completed_at"].is_null()).collect();
    assert_eq!(open.len(), 1, "expected exactly one open {kind} step, steps are {}", d["steps"]);
    open[0]
}

fn due_of(step: &Value) -> DateTime<Utc> {
    let s = step["due_at"].as_str().expect("due_at is a string");
    assert!(s.ends_with('Z'), "R4.5: deadlines are stored in UTC, got {s}");
    t(s)
}

fn open_due(fx: &mut Fx, id: &str, kind: &str) -> DateTime<Utc> {
    let d = fx.detail(id);
    due_of(open_step(&d, kind))
}

fn admin_select(fx: &mut Fx, code: &str) {
    let r = fx.ok(ADMIN, "select_policy", json!({ "code": code }));
    assert_eq!(r["code"], code, "select_policy should echo the chosen policy");
}

fn timeline(fx: &mut Fx, id: &str) -> Vec<Value> {
    fx.ok(MANAGER, "timeline", json!({ "complaint": id })).as_array().expect("timeline is a list").clone()
}

fn search_numbers(fx: &mut Fx, filter: Value) -> Vec<String> {
    let r = fx.ok(MANAGER, "search", json!({ "filter": filter }));
    r["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
}

fn drive_to_follow_up(fx: &mut Fx, id: &str) {
    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    fx.ok(
        HS_HANDLER,
        "record_findings",
        json!({ "complaint": id, "finding": "true", "root_cause": "保洁员排班冲突", "solution": "道歉并免费重新服务一次" }),
    );
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true }));
    fx.ok(AGENT, "implement", json!({ "complaint": id, "actions": "已上门重新清洗空调并致歉", "done_by": "赵磊" }));
    assert_eq!(fx.stage(id), "follow_up", "implementation leads to the follow-up visit");
}

// ---------------------------------------------------------------------------------------------
// R4.1 dispatch

#[test]
fn dispatch_step_is_due_thirty_minutes_after_acceptance() {
    // R4.1: the dispatch limit is 30 minutes from acceptance (registration), for every tier.
    let mut fx = Fx::new();
    for (n, tier) in [(1, "vip"), (2, "regular"), (3, "temporary")] {
        let id = register(&mut fx, n, json!({ "tier": tier }));
        let d = fx.detail(&id);
        let step = open_step(&d, "dispatch");
        assert_eq!(due_of(step), fx.now + Duration::minutes(30), "R4.1: dispatch due 30 min after acceptance ({tier})");
        assert_eq!(t(step["started_at"].as_str().unwrap()), fx.now, "R4.1: the dispatch clock starts at acceptance");
        assert_eq!(step["urgency"], "on_time", "a fresh dispatch step is on time");
        assert_eq!(step["remaining_seconds"], 30 * 60, "R4.6: remaining time of a fresh dispatch step is 30 minutes");
    }

    // Late on a Friday night the 30 minutes still run (wall clock, R4.5 a).
    fx.now = sh(2026, 3, 13, 23, 45);
    let id = register(&mut fx, 4, json!({}));
    assert_eq!(open_due(&mut fx, &id, "dispatch"), sh(2026, 3, 14, 0, 15), "R4.1: 30 wall minutes across midnight");

    // Dispatching within the 30 minutes completes the step on time, without any overdue reason.
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "情况属实，受理" }));
    fx.advance(Duration::minutes(29));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请核实处理" }));
    let d = fx.detail(&id);
    let step = steps_of(&d, "dispatch")[0];
    assert!(!step["completed_at"].is_null(), "R4.1: dispatch completes the dispatch step");
    assert_eq!(step["overdue_reason"], "", "an on-time dispatch needs no overdue reason");
    assert_eq!(step["remaining_seconds"], 60, "completed one minute before the deadline");
    assert_ne!(step["urgency"], "overdue", "completed within 30 minutes is not overdue");
}

// ---------------------------------------------------------------------------------------------
// R4.2 stage reply, R4.3 final handling

#[test]
fn stage_reply_limits_by_tier_and_nature() {
    // R4.2: VIP or major 6 h, regular 12 h, temporary 20 h, counted from receipt.
    let mut fx = Fx::new();
    let cases = [
        (1, json!({ "tier": "vip" }), 6, "VIP"),
        (2, json!({ "tier": "regular" }), 12, "regular"),
        (3, json!({ "tier": "temporary" }), 20, "temporary"),
        (4, json!({ "tier": "regular", "households": 2 }), 6, "major (batch) regular"),
        (5, json!({ "tier": "temporary", "channel": "media_exposure" }), 6, "major (media exposure) temporary"),
    ];
    for (n, extra, hours, what) in cases {
        let id = register(&mut fx, n, extra);
        let d = fx.detail(&id);
        let step = open_step(&d, "stage_reply");
        assert_eq!(due_of(step), fx.now + Duration::hours(hours), "R4.2: stage reply for {what} is due after {hours} h");
        if hours == 6 && n >= 4 {
            assert_eq!(d["nature"], "major", "{what} should have been registered as major");
        }
    }

    // A letter received three hours ago: the reply clock runs from receipt, not from data entry.
    let received = fx.now - Duration::hours(3);
    let id = register(
        &mut fx,
        6,
        json!({
            "channel": "letter", "received_at": complaint_desk::clock::ts(received),
            "signature": null, "signature_missing_reason": "信函投诉，客户不在场",
        }),
    );
    assert_eq!(open_due(&mut fx, &id, "stage_reply"), received + Duration::hours(12), "R4.2: counted from the received time");
}

#[test]
fn final_handling_limits_by_tier_and_nature() {
    // R4.3: VIP or major 8 h, regular 24 h, temporary 48 h, counted from receipt.
    let mut fx = Fx::new();
    let cases = [
        (1, json!({ "tier": "vip" }), 8, "VIP"),
        (2, json!({ "tier": "regular" }), 24, "regular"),
        (3, json!({ "tier": "temporary" }), 48, "temporary"),
        (4, json!({ "tier": "regular", "households": 3 }), 8, "major (batch) regular"),
        (
            5,
            json!({ "tier": "temporary", "channel": "transferred", "transfer_source": "consumer_association" }),
            8,
            "major (transferred) temporary",
        ),
    ];
    for (n, extra, hours, what) in cases {
        let id = register(&mut fx, n, extra);
        assert_eq!(
            open_due(&mut fx, &id, "final_handling"),
            fx.now + Duration::hours(hours),
            "R4.3: final handling for {what} is due after {hours} h"
        );
    }
}

#[test]
fn raising_a_complaint_to_major_moves_its_reply_and_final_deadlines_to_the_vip_column() {
    // R4.2, R4.3 (VIP-or-major column), R2.1: a supervisor raises a regular complaint to major an
    // hour after receipt; its limits become 6 h and 8 h from the same receipt time.
    let mut fx = Fx::new();
    let received = fx.now;
    let id = register(&mut fx, 1, json!({ "tier": "regular" }));
    assert_eq!(open_due(&mut fx, &id, "stage_reply"), received + Duration::hours(12), "regular before raising");
    fx.advance(Duration::hours(1));
    fx.ok(MANAGER, "set_nature", json!({ "complaint": id, "nature": "major", "reason": "客户情绪激动，可能媒体曝光" }));
    assert_eq!(open_due(&mut fx, &id, "stage_reply"), received + Duration::hours(6), "R4.2: major → 6 h from receipt");
    assert_eq!(open_due(&mut fx, &id, "final_handling"), received + Duration::hours(8), "R4.3: major → 8 h from receipt");
}

// ---------------------------------------------------------------------------------------------
// R4.4 working-day preset

#[test]
fn working_day_preset_is_selectable_per_branch_and_sets_working_day_limits() {
    // R4.4, R4.5 (c): acknowledge within 5 working days, department within 3 working days,
    // follow-up within 5 working days after implementation; around the 2026 中秋/国庆 holidays
    // (25–27 Sep and 1–7 Oct off, Sat 10 Oct worked).
    let mut fx = Fx::at("2026-09-24T02:00:00Z"); // Thu 24 Sep 2026 10:00 Shanghai
    let before = register(&mut fx, 1, json!({}));
    admin_select(&mut fx, "working_days");
    let id = register(&mut fx, 2, json!({}));

    // Existing complaints keep the policy they were registered under.
    let old = fx.detail(&before);
    assert_eq!(old["policy_code"], "hourly", "R4.4: selecting a policy does not change existing complaints");
    assert_eq!(due_of(open_step(&old, "stage_reply")), fx.now + Duration::hours(12), "old complaint keeps its 12 h reply");

    let d = fx.detail(&id);
    assert_eq!(d["policy_code"], "working_days", "R4.4: new complaints of the branch use the selected policy");
    assert_eq!(d["branch_tz"], "Asia/Shanghai", "R4.5: deadlines are shown in the branch's time zone");
    // Working days after Thu 24 Sep: Mon 28, Tue 29, Wed 30, Thu 8 Oct, Fri 9 Oct → 24:00 Fri 9 Oct.
    let ack = due_of(open_step(&d, "stage_reply"));
    assert_eq!(ack, sh(2026, 10, 10, 0, 0), "R4.4: acknowledgement within 5 working days ends 24:00 Fri 9 Oct local");
    assert_eq!(ack, t("2026-10-09T16:00:00Z"), "R4.5: stored as UTC");
    assert!(steps_of(&d, "final_handling").is_empty(), "R4.4: the working-day preset has no hour-based final handling limit");
    // Dispatch runs on business hours in this preset: 30 minutes inside opening hours.
    assert_eq!(due_of(open_step(&d, "dispatch")), sh(2026, 9, 24, 10, 30), "dispatch (business hours) 30 minutes");

    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "情况属实，受理" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请核实处理" }));
    let d = fx.detail(&id);
    let dept = due_of(open_step(&d, "department"));
    assert_eq!(dept, sh(2026, 10, 1, 0, 0), "R4.4: department answers within 3 working days (Mon 28, Tue 29, Wed 30)");
    assert_eq!(dept.with_timezone(&Shanghai).time(), NaiveTime::MIN, "R4.5 (c): a working-day deadline ends at 24:00 local");

    // The department answers, the customer agrees and it is implemented on Wed 30 Sep 15:00.
    fx.now = sh(2026, 9, 30, 15, 0);
    drive_to_follow_up(&mut fx, &id);
    // Working days after Wed 30 Sep: Thu 8, Fri 9, Sat 10 (调休), Mon 12, Tue 13 Oct.
    assert_eq!(
        open_due(&mut fx, &id, "follow_up"),
        sh(2026, 10, 14, 0, 0),
        "R4.4: follow-up within 5 working days after implementation, counting the 调休 Saturday 10 Oct"
    );
}

#[test]
fn hourly_policy_is_the_default_and_switching_back_works() {
    // R4.4: the hour-based policy is the default; the branch can switch presets either way.
    let mut fx = Fx::new();
    let id = register(&mut fx, 1, json!({}));
    assert_eq!(fx.detail(&id)["policy_code"], "hourly", "R4.4: the default policy is the hour-based one");
    admin_select(&mut fx, "working_days");
    admin_select(&mut fx, "hourly");
    let id = register(&mut fx, 2, json!({}));
    assert_eq!(fx.detail(&id)["policy_code"], "hourly", "switching back applies to new complaints");
    let e = fx.err(AGENT, "select_policy", json!({ "code": "working_days" }));
    assert_eq!(e.code, "forbidden", "R7.7: only an administrator selects the branch policy");
    let e = fx.err(ADMIN, "select_policy", json!({ "code": "no_such_policy" }));
    assert_eq!(e.code, "not_found", "an unknown policy cannot be selected");
}

// ---------------------------------------------------------------------------------------------
// R4.5 clocks

#[test]
fn wall_clock_counts_nights_and_weekends() {
    // R4.5 (a): the hour limits of R4.1–R4.3 run on the wall clock.
    let mut fx = Fx::new();
    fx.now = sh(2026, 3, 13, 20, 0); // Friday 20:00
    let id = register(&mut fx, 1, json!({ "tier": "regular" }));
    assert_eq!(open_due(&mut fx, &id, "stage_reply"), sh(2026, 3, 14, 8, 0), "R4.5 (a): 12 h from Fri 20:00 is Sat 08:00");
    let id = register(&mut fx, 2, json!({ "tier": "temporary" }));
    assert_eq!(open_due(&mut fx, &id, "final_handling"), sh(2026, 3, 15, 20, 0), "R4.5 (a): 48 h over the weekend");
    // Even over the Spring Festival holiday the wall clock runs.
    fx.now = sh(2026, 2, 16, 9, 0);
    let id = register(&mut fx, 3, json!({ "tier": "regular" }));
    assert_eq!(open_due(&mut fx, &id, "final_handling"), sh(2026, 2, 17, 9, 0), "R4.5 (a): holidays count on the wall clock");
}

#[test]
fn business_hours_skip_lunch_nights_weekends_and_holidays() {
    // R4.5 (b): only opening hours of working days count (09:00–18:00, lunch 12:00–13:30); a
    // limit starting outside them starts at the next opening. The working-day preset's dispatch
    // limit is 30 business minutes.
    let mut fx = Fx::new();
    admin_select(&mut fx, "working_days");
    let cases = [
        (sh(2026, 3, 10, 11, 50), sh(2026, 3, 10, 13, 50), "10 min before lunch, 20 after it"),
        (sh(2026, 3, 10, 12, 10), sh(2026, 3, 10, 14, 0), "starting in the lunch break starts at its end"),
        (sh(2026, 3, 10, 7, 0), sh(2026, 3, 10, 9, 30), "starting before opening starts at opening"),
        (sh(2026, 3, 10, 19, 0), sh(2026, 3, 11, 9, 30), "starting after closing starts next morning"),
        (sh(2026, 3, 13, 17, 50), sh(2026, 3, 16, 9, 20), "Friday 17:50: 10 min Friday, 20 min Monday"),
        (sh(2026, 3, 14, 10, 0), sh(2026, 3, 16, 9, 30), "Saturday: starts Monday at opening"),
        (sh(2026, 2, 13, 17, 50), sh(2026, 2, 14, 9, 20), "Fri 13 Feb: Sat 14 Feb 2026 is a 调休 working day"),
        (sh(2026, 2, 14, 17, 50), sh(2026, 2, 24, 9, 20), "Sat 14 Feb: Spring Festival 15–23 Feb is skipped"),
        (sh(2026, 9, 30, 17, 45), sh(2026, 10, 8, 9, 15), "Wed 30 Sep: National Day 1–7 Oct is skipped"),
    ];
    for (n, (start, due, what)) in cases.into_iter().enumerate() {
        fx.now = start;
        let id = register(&mut fx, n as u32 + 1, json!({}));
        assert_eq!(open_due(&mut fx, &id, "dispatch"), due, "R4.5 (b): {what}");
    }

    // Opening hours are configurable per branch: 08:00–17:00 without a lunch break.
    fx.ok(ADMIN, "update_branch", json!({ "hours": { "open": "08:00:00", "close": "17:00:00", "lunch_start": null, "lunch_end": null } }));
    fx.now = sh(2026, 3, 10, 16, 50);
    let id = register(&mut fx, 50, json!({}));
    assert_eq!(open_due(&mut fx, &id, "dispatch"), sh(2026, 3, 11, 8, 20), "R4.5 (b): the branch's own hours are used");
    fx.now = sh(2026, 3, 11, 11, 50);
    let id = register(&mut fx, 51, json!({}));
    assert_eq!(open_due(&mut fx, &id, "dispatch"), sh(2026, 3, 11, 12, 20), "R4.5 (b): no lunch break configured, none skipped");

    // The pure clock agrees for a longer limit: 240 min from 09:00 is 09–12 plus 13:30–14:30.
    let cal = BusinessCalendar::china_mainland();
    let hours = BusinessHours::default();
    let ctx = ClockContext { tz: Shanghai, calendar: &cal, hours: &hours, pauses: &[] };
    let info = due_at(sh(2026, 3, 10, 9, 0), &Limit::BusinessHours { minutes: 240 }, &ctx);
    assert_eq!(info.due_at, sh(2026, 3, 10, 14, 30), "R4.5 (b): the lunch break does not count");
    assert!(!info.calendar_warning, "2026 is loaded: no warning");
}

#[test]
fn working_days_exclude_the_event_day_and_end_at_midnight_local() {
    // R4.5 (c): the event day does not count; N working days end at 24:00 local of the Nth
    // working day after it; weekends, statutory holidays and 调休 working days from the calendar.
    let cal = BusinessCalendar::china_mainland();
    let hours = BusinessHours::default();
    let ctx = ClockContext { tz: Shanghai, calendar: &cal, hours: &hours, pauses: &[] };
    let wd = |start: DateTime<Utc>, days: u32| due_at(start, &Limit::WorkingDays { days }, &ctx);
    // Event day does not count, whatever the hour.
    for (h, m) in [(0, 1), (9, 0), (23, 59)] {
        let info = wd(sh(2026, 3, 9, h, m), 1);
        assert_eq!(info.due_at, sh(2026, 3, 11, 0, 0), "R4.5 (c): Mon event, 1 working day = 24:00 Tue ({h:02}:{m:02})");
        assert!(!info.calendar_warning, "2026 is loaded");
    }
    // An event on a Saturday: Monday is the first working day.
    assert_eq!(wd(sh(2026, 3, 14, 10, 0), 1).due_at, sh(2026, 3, 17, 0, 0), "R4.5 (c): weekend event → Monday");
    // 24:00 local is 16:00 UTC the same day in Shanghai.
    assert_eq!(wd(sh(2026, 3, 9, 10, 0), 3).due_at, t("2026-03-12T16:00:00Z"), "R4.5: stored in UTC");
    // Spring Festival 2026: Fri 13 Feb, Sat 14 Feb (调休), then Tue 24 Feb onwards.
    assert_eq!(wd(sh(2026, 2, 12, 15, 0), 2).due_at, sh(2026, 2, 15, 0, 0), "R4.5 (c): 调休 Saturday 14 Feb counts");
    assert_eq!(wd(sh(2026, 2, 12, 15, 0), 3).due_at, sh(2026, 2, 25, 0, 0), "R4.5 (c): 15–23 Feb is a holiday");
    // Labour Day 2026: 1–5 May off, Sat 9 May worked.
    assert_eq!(wd(sh(2026, 4, 30, 9, 0), 1).due_at, sh(2026, 5, 7, 0, 0), "R4.5 (c): 1–5 May off, Wed 6 May first");
    assert_eq!(wd(sh(2026, 4, 30, 9, 0), 4).due_at, sh(2026, 5, 10, 0, 0), "R4.5 (c): Sat 9 May is a 调休 working day");
    // Paused intervals do not count (R3.9): a whole working day paused pushes by a working day.
    let pause = [Interval { start: sh(2026, 3, 10, 0, 0), end: sh(2026, 3, 11, 0, 0) }];
    let pctx = ClockContext { pauses: &pause, ..ctx };
    assert_eq!(
        due_at(sh(2026, 3, 9, 10, 0), &Limit::WorkingDays { days: 1 }, &pctx).due_at,
        sh(2026, 3, 12, 0, 0),
        "R4.5, R3.9: a paused working day does not count"
    );
}

#[test]
fn working_day_deadlines_through_the_workflow_over_spring_festival() {
    // R4.4, R4.5 (c): registered Thu 12 Feb 2026 15:00 under the working-day preset.
    let mut fx = Fx::at("2026-02-12T07:00:00Z");
    admin_select(&mut fx, "working_days");
    let id = register(&mut fx, 1, json!({}));
    let d = fx.detail(&id);
    let ack = open_step(&d, "stage_reply");
    // Fri 13, Sat 14 (调休), Tue 24, Wed 25, Thu 26 Feb.
    assert_eq!(due_of(ack), sh(2026, 2, 27, 0, 0), "R4.5 (c): 5 working days across Spring Festival end 24:00 Thu 26 Feb");
    assert_eq!(ack["due_at"], "2026-02-26T16:00:00Z", "R4.5: stored in UTC, i.e. 24:00 Shanghai = 16:00 UTC");
    assert_eq!(ack["calendar_warning"], false, "2026 is in the calendar: no warning");
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "情况属实，受理" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请核实处理" }));
    assert_eq!(open_due(&mut fx, &id, "department"), sh(2026, 2, 25, 0, 0), "R4.5 (c): Fri 13, Sat 14, Tue 24 Feb");
}

#[test]
fn a_year_without_calendar_data_falls_back_to_weekends_with_a_warning() {
    // R4.5 (c): 2027 is not in the shipped calendar: weekends alone are used, with a warning.
    let mut fx = Fx::at("2026-12-31T02:00:00Z"); // Thu 31 Dec 2026 10:00 Shanghai
    admin_select(&mut fx, "working_days");
    let plan = fx.ok(AGENT, "register", {
        let mut a = base_registration();
        a["phone"] = json!(phone(1));
        a
    });
    assert_eq!(plan["calendar_warning"], true, "R4.5: the registration shows the deadline warning");
    let id = plan["id"].as_str().unwrap().to_string();
    let d = fx.detail(&id);
    let ack = open_step(&d, "stage_reply");
    // Fri 1 Jan 2027 counts as a plain Friday: Fri 1, Mon 4, Tue 5, Wed 6, Thu 7.
    assert_eq!(due_of(ack), sh(2027, 1, 8, 0, 0), "R4.5 (c): weekends-only fallback for 2027");
    assert_eq!(ack["calendar_warning"], true, "R4.5 (c): a deadline in an unloaded year is shown with a warning");
    // A deadline that stays inside 2026 carries no warning.
    fx.now = sh(2026, 12, 1, 10, 0);
    let id2 = register(&mut fx, 2, json!({}));
    let d2 = fx.detail(&id2);
    assert_eq!(open_step(&d2, "stage_reply")["calendar_warning"], false, "R4.5: loaded year, no warning");
    // Wall-clock limits never depend on the calendar.
    admin_select(&mut fx, "hourly");
    fx.now = sh(2026, 12, 31, 10, 0);
    let id3 = register(&mut fx, 3, json!({}));
    let d3 = fx.detail(&id3);
    assert_eq!(open_step(&d3, "stage_reply")["calendar_warning"], false, "R4.5 (a): the wall clock needs no calendar");
}

#[test]
fn loading_the_missing_year_removes_the_warning_and_corrects_the_deadline() {
    // R4.5 (c): "shown with a warning until the year is loaded": once the administrator imports
    // 2027, the open deadline is recomputed with the real holidays and the warning goes away.
    let mut fx = Fx::at("2026-12-31T02:00:00Z");
    admin_select(&mut fx, "working_days");
    let id = register(&mut fx, 1, json!({}));
    assert_eq!(open_due(&mut fx, &id, "stage_reply"), sh(2027, 1, 8, 0, 0), "fallback before the import");
    let r = fx.ok(ADMIN, "import_calendar", json!({ "csv": "date,kind,name\n2027-01-01,holiday,元旦\n" }));
    assert_eq!(r["years"], json!([2027]), "the import loads 2027");
    // A new complaint at the same instant gets the corrected deadline without a warning.
    let id2 = register(&mut fx, 2, json!({}));
    let d2 = fx.detail(&id2);
    let ack2 = open_step(&d2, "stage_reply");
    assert_eq!(due_of(ack2), sh(2027, 1, 9, 0, 0), "R4.5 (c): 1 Jan 2027 is now a holiday: Mon 4 … Fri 8 Jan");
    assert_eq!(ack2["calendar_warning"], false, "R4.5 (c): loaded year, no warning");
    // The complaint registered before the import.
    let d = fx.detail(&id);
    let ack = open_step(&d, "stage_reply");
    assert_eq!(ack["calendar_warning"], false, "R4.5 (c): the warning is shown only until the year is loaded");
    assert_eq!(due_of(ack), sh(2027, 1, 9, 0, 0), "R4.5 (c): the open deadline follows the loaded calendar");
}

// ---------------------------------------------------------------------------------------------
// R4.6 due soon, overdue, overdue reason

#[test]
fn remaining_time_due_soon_at_80_percent_and_overdue_past_the_deadline() {
    // R4.6: every open step shows its remaining time; due soon from 80 % elapsed; overdue at the
    // deadline. Regular stage reply: 12 h from 10:00, so due soon from 19:36, due at 22:00.
    let mut fx = Fx::new();
    let start = fx.now;
    let id = register(&mut fx, 1, json!({ "tier": "regular" }));
    let check = |fx: &mut Fx, at: DateTime<Utc>, urgency: &str| {
        fx.now = at;
        let d = fx.detail(&id);
        let step = open_step(&d, "stage_reply");
        assert_eq!(step["urgency"], urgency, "R4.6: stage reply at {} should be {urgency}", at.with_timezone(&Shanghai));
        assert_eq!(
            step["remaining_seconds"].as_i64().unwrap(),
            (start + Duration::hours(12) - at).num_seconds(),
            "R4.6: remaining time shown at {at}"
        );
    };
    check(&mut fx, start + Duration::minutes(9 * 60 + 35), "on_time");
    check(&mut fx, start + Duration::minutes(9 * 60 + 36), "due_soon");
    check(&mut fx, start + Duration::hours(12) - Duration::seconds(1), "due_soon");
    check(&mut fx, start + Duration::hours(12), "overdue");
    check(&mut fx, start + Duration::hours(13), "overdue");

    // The board filters agree (R4.6, R7.10): the dispatch step (30 min) is the most urgent.
    let mut fx = Fx::new();
    let start = fx.now;
    let id = register(&mut fx, 1, json!({}));
    fx.now = start + Duration::minutes(23);
    assert!(!search_numbers(&mut fx, json!({ "due": "due_soon" })).contains(&id), "23 of 30 min: not yet due soon");
    fx.now = start + Duration::minutes(24);
    assert!(search_numbers(&mut fx, json!({ "due": "due_soon" })).contains(&id), "R4.6: 24 of 30 min (80 %) is due soon");
    assert!(!search_numbers(&mut fx, json!({ "due": "overdue" })).contains(&id), "not overdue before 30 min");
    fx.now = start + Duration::minutes(31);
    assert!(search_numbers(&mut fx, json!({ "due": "overdue" })).contains(&id), "R4.6: past the deadline it is overdue");
}

#[test]
fn completing_an_overdue_step_needs_an_overdue_reason() {
    // R4.6: whoever completes an overdue step gives the overdue reason; without it the operation
    // is refused with `precondition` and nothing changes; with it, it succeeds and is recorded.
    let mut fx = Fx::new();
    let start = fx.now;
    let id = register(&mut fx, 1, json!({}));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "情况属实，受理" }));
    fx.now = start + Duration::minutes(31);
    let dispatch = json!({ "complaint": id, "department": "HS", "note": "请核实处理" });

    let counts = |fx: &Fx| ["events", "steps", "dispatches"].map(|t| fx.count(t));
    for reason in [None, Some(""), Some("   ")] {
        let before = counts(&fx);
        let mut args = dispatch.clone();
        if let Some(r) = reason {
            args["overdue_reason"] = json!(r);
        }
        let e = fx.err(AGENT, "dispatch", args);
        assert_eq!(e.code, "precondition", "R4.6: overdue without a reason ({reason:?}) is a precondition failure");
        assert_eq!(e.details["rule"], "R4.6", "the error names the rule");
        assert_eq!(counts(&fx), before, "R4.6: a refused completion changes nothing (events, steps, dispatches)");
        let d = fx.detail(&id);
        assert_eq!(d["stage"], "reviewed", "R4.6: the complaint stays where it was");
        let step = open_step(&d, "dispatch");
        assert_eq!(step["urgency"], "overdue", "the dispatch step is still open and overdue");
        assert!(steps_of(&d, "department").is_empty(), "no department step was opened");
    }

    let mut args = dispatch.clone();
    args["overdue_reason"] = json!("客户电话占线，核实信息耗时");
    fx.ok(AGENT, "dispatch", args);
    let d = fx.detail(&id);
    assert_eq!(d["stage"], "dispatched", "with a reason the overdue dispatch succeeds");
    let step = steps_of(&d, "dispatch")[0];
    assert_eq!(step["overdue_reason"], "客户电话占线，核实信息耗时", "R4.6: the overdue reason is recorded on the step");
    assert_eq!(step["urgency"], "overdue", "R4.6: the step stays marked as completed late");
    assert_eq!(step["remaining_seconds"], -60, "completed one minute late");
    let tl = timeline(&mut fx, &id);
    let ev = tl.iter().find(|e| e["kind"] == "step_completed_overdue").expect("R4.6: the late completion is on the timeline");
    assert_eq!(ev["data"]["overdue_reason"], "客户电话占线，核实信息耗时", "R4.6, R7.1: reason on the timeline");
    assert_eq!(ev["data"]["step"], "dispatch", "the timeline names the late step");
}

#[test]
fn a_step_completed_exactly_at_its_deadline_is_overdue_and_needs_a_reason() {
    // R4.6: at the deadline the whole budget is spent and the step shows as overdue; completing a
    // step shown as overdue needs an overdue reason, also at that very second.
    let mut fx = Fx::new();
    let start = fx.now;
    let id = register(&mut fx, 1, json!({}));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "情况属实，受理" }));
    fx.now = start + Duration::minutes(30);
    let d = fx.detail(&id);
    assert_eq!(open_step(&d, "dispatch")["urgency"], "overdue", "R4.6: at the deadline the step shows overdue");
    let e = fx.err(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请核实处理" }));
    assert_eq!(e.code, "precondition", "R4.6: a step shown as overdue cannot be completed without a reason");
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请核实处理", "overdue_reason": "系统培训" }));
}

#[test]
fn overdue_reason_is_required_for_other_steps_too() {
    // R4.6: the stage reply (R4.2) past its 12 h needs a reason as well.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({ "phone": phone(1) }));
    fx.advance(Duration::hours(13));
    let reply = json!({ "complaint": id, "content": "您的问题正在处理", "plan_and_schedule": "明日上门", "method": "phone" });
    let e = fx.err(AGENT, "reply_to_customer", reply.clone());
    assert_eq!(e.code, "precondition", "R4.6: late stage reply without a reason is refused");
    let mut with = reply;
    with["overdue_reason"] = json!("客户出差无法联系");
    fx.ok(AGENT, "reply_to_customer", with);
    let d = fx.detail(&id);
    assert_eq!(steps_of(&d, "stage_reply")[0]["overdue_reason"], "客户出差无法联系", "R4.6: reason recorded");
}

// ---------------------------------------------------------------------------------------------
// R4.7 urging

#[test]
fn urging_is_recorded_on_the_timeline() {
    // R4.7: staff urge the handling department on an open complaint; each urge is recorded with
    // who and when; R1.2: the owner is named with it.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({ "phone": phone(1) }));
    let r = fx.ok(AGENT, "urge", json!({ "complaint": id, "note": "客户再次来电催促" }));
    assert_eq!(r["urges"], 1, "R4.7: first urge counted");
    fx.advance(Duration::hours(1));
    let r = fx.ok(BRANCH_MANAGER, "urge", json!({ "complaint": id, "note": "请今天内答复" }));
    assert_eq!(r["urges"], 2, "R4.7: second urge counted");

    let tl = timeline(&mut fx, &id);
    let urges: Vec<&Value> = tl.iter().filter(|e| e["kind"] == "urged").collect();
    assert_eq!(urges.len(), 2, "R4.7: both urges are on the timeline");
    assert_eq!(urges[0]["data"]["note"], "客户再次来电催促", "R4.7: the note is recorded");
    assert_eq!(urges[0]["actor_name"], "张敏", "R4.7, R7.1: who urged is recorded");
    assert_eq!(urges[1]["actor_name"], "刘强", "R4.7: the branch manager's urge is recorded");
    assert!(!urges[0]["data"]["department_id"].is_null(), "R4.7: the urged department is recorded");
    assert!(!urges[0]["data"]["owner_id"].is_null(), "R1.2: the owner is named with the urge");
    assert_eq!(t(urges[1]["at"].as_str().unwrap()), fx.now, "R4.7: when it was urged");
    let d = fx.detail(&id);
    assert_eq!(d["records"]["urges"].as_array().unwrap().len(), 2, "R4.7: urges are kept as records");

    let e = fx.err(AGENT, "urge", json!({ "complaint": id, "note": "  " }));
    assert_eq!(e.code, "invalid", "an urge needs a note");
    let e = fx.err(HS_HANDLER, "urge", json!({ "complaint": id, "note": "x" }));
    assert_eq!(e.code, "forbidden", "R7.7: the handling department does not urge itself");
}

// ---------------------------------------------------------------------------------------------
// R3.9 statutory holidays

#[test]
fn duty_roster_filed_two_days_before_a_holiday_is_on_time_later_is_flagged() {
    // R3.9: each department files its duty roster at least 2 days before a holiday (local dates).
    let mut fx = Fx::new();
    let roster = |dept: &str| {
        json!({
            "department": dept, "holiday_name": "国庆节", "start_date": "2026-10-01", "end_date": "2026-10-07",
            "content": "10/1-10/3 赵磊 值班；10/4-10/7 孙丽 值班",
        })
    };
    let on_time = |fx: &Fx| -> Vec<bool> {
        let mut stmt = fx.store.conn.prepare("SELECT on_time FROM duty_rosters ORDER BY rowid").unwrap();
        stmt.query_map([], |r| r.get::<_, bool>(0)).unwrap().map(|r| r.unwrap()).collect()
    };

    fx.now = sh(2026, 9, 28, 10, 0);
    assert_eq!(fx.ok(HS_HANDLER, "file_duty_roster", roster("HS"))["on_time"], true, "R3.9: 3 days before is on time");
    fx.now = sh(2026, 9, 29, 23, 30); // still 29 Sep locally (15:30 UTC)
    assert_eq!(fx.ok(MANAGER, "file_duty_roster", roster("CS"))["on_time"], true, "R3.9: 2 days before is on time");
    fx.now = sh(2026, 9, 30, 0, 30); // 30 Sep locally although still 29 Sep in UTC
    assert_eq!(fx.ok(TR_HANDLER, "file_duty_roster", roster("TR"))["on_time"], false, "R3.9: 1 day before is late (local date)");
    fx.now = sh(2026, 10, 2, 9, 0);
    assert_eq!(fx.ok(QA_HANDLER, "file_duty_roster", roster("QA"))["on_time"], false, "R3.9: during the holiday is late");
    assert_eq!(on_time(&fx), vec![true, true, false, false], "R3.9: the lateness flag is stored with each roster");

    let flagged: Vec<bool> = {
        let mut stmt = fx
            .store
            .conn
            .prepare("SELECT json_extract(data, '$.on_time') FROM events WHERE kind = 'duty_roster_filed' ORDER BY seq")
            .unwrap();
        stmt.query_map([], |r| r.get::<_, bool>(0)).unwrap().map(|r| r.unwrap()).collect()
    };
    assert_eq!(flagged, vec![true, true, false, false], "R3.9, R7.1: filings and their lateness are on the timeline");

    let e = fx.err(HS_HANDLER, "file_duty_roster", roster("TR"));
    assert_eq!(e.code, "forbidden", "R7.7: a department files only its own roster");
}

#[test]
fn holiday_postponement_signed_by_the_customer_pauses_the_clock() {
    // R3.9, R4.5: postponed over National Day with the customer's signed consent: every open
    // step's deadline moves later by the paused interval; completed steps keep theirs.
    let mut fx = Fx::new();
    fx.now = sh(2026, 9, 30, 20, 0);
    let id = register(&mut fx, 1, json!({ "tier": "regular" }));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "情况属实，受理" }));
    fx.now = sh(2026, 9, 30, 20, 10);
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请核实处理" }));
    let before = fx.detail(&id);
    let due_before = |kind: &str| due_of(open_step(&before, kind));
    assert_eq!(due_before("stage_reply"), sh(2026, 10, 1, 8, 0), "12 h reply before the pause");
    assert_eq!(due_before("final_handling"), sh(2026, 10, 1, 20, 0), "24 h final handling before the pause");
    assert_eq!(due_before("department"), sh(2026, 10, 1, 20, 10), "24 h department step before the pause");
    let dispatch_due = due_of(steps_of(&before, "dispatch")[0]);

    // A postponement outside any holiday is refused (R3.9 applies during holidays only).
    let e = fx.err(
        AGENT,
        "pause_for_holiday",
        json!({ "complaint": id, "from": "2026-09-21T00:00:00+08:00", "until": "2026-09-24T00:00:00+08:00",
                "reason": "客户外出", "signature": signature("王芳") }),
    );
    assert_eq!(e.code, "precondition", "R3.9: a pause must cover a statutory holiday");
    // Without the customer's signature there is no pause.
    let e = fx.err(
        AGENT,
        "pause_for_holiday",
        json!({ "complaint": id, "from": "2026-10-01T00:00:00+08:00", "until": "2026-10-08T00:00:00+08:00", "reason": "国庆假期" }),
    );
    assert_eq!(e.code, "bad_arguments", "R3.9: the customer's signature is required");
    let e = fx.err(
        AGENT,
        "pause_for_holiday",
        json!({ "complaint": id, "from": "2026-10-01T00:00:00+08:00", "until": "2026-10-08T00:00:00+08:00", "reason": "国庆假期",
                "signature": { "signer_name": "王芳", "strokes": [] } }),
    );
    assert_eq!(e.code, "invalid", "R3.9: an empty signature is no consent");
    assert!(fx.detail(&id)["records"]["pauses"].as_array().unwrap().is_empty(), "refused pauses leave nothing behind");

    fx.now = sh(2026, 9, 30, 20, 15);
    fx.ok(
        AGENT,
        "pause_for_holiday",
        json!({ "complaint": id, "from": "2026-10-01T00:00:00+08:00", "until": "2026-10-08T00:00:00+08:00",
                "reason": "客户同意国庆假期后处理", "signature": signature("王芳") }),
    );
    let paused = Duration::days(7);
    let after = fx.detail(&id);
    for kind in ["stage_reply", "final_handling", "department"] {
        assert_eq!(
            due_of(open_step(&after, kind)),
            due_before(kind) + paused,
            "R3.9: the open {kind} deadline moves later by the 7 paused days"
        );
    }
    assert_eq!(due_of(steps_of(&after, "dispatch")[0]), dispatch_due, "R3.9: a completed step keeps its deadline");
    let pauses = after["records"]["pauses"].as_array().unwrap();
    assert_eq!(pauses.len(), 1, "R3.9: the pause is recorded");
    assert!(!pauses[0]["signature_id"].is_null(), "R3.9: the customer's signature is the evidence for the pause");
    let sigs = after["records"]["signatures"].as_array().unwrap();
    assert!(sigs.iter().any(|s| s["purpose"] == "pause"), "R3.9: the consent signature is stored");
    assert!(timeline(&mut fx, &id).iter().any(|e| e["kind"] == "paused"), "R3.9, R7.1: the pause is on the timeline");

    // During the holiday nothing runs: on 3 Oct the reply is not overdue, and the remaining time
    // equals what was left when the pause began (4 h of 12 h were used on 30 Sep).
    fx.now = sh(2026, 10, 3, 12, 0);
    let d = fx.detail(&id);
    let reply = open_step(&d, "stage_reply");
    assert_eq!(reply["urgency"], "on_time", "R3.9: a paused step does not become overdue during the holiday");
    let ratio = reply["elapsed_ratio"].as_f64().unwrap();
    assert!((ratio - 4.0 / 12.0).abs() < 1e-9, "R3.9: elapsed time stays at 4 of 12 h during the pause, got {ratio}");
    // After the holiday the clock runs again and the step falls due 8 h after the pause ends.
    fx.now = sh(2026, 10, 8, 8, 0);
    let d = fx.detail(&id);
    assert_eq!(open_step(&d, "stage_reply")["urgency"], "overdue", "R3.9: after the pause the clock runs again");
    assert_eq!(due_of(open_step(&d, "stage_reply")).with_timezone(&Shanghai).hour(), 8, "shown as 08:00 Shanghai");
}

#[test]
fn a_pause_taken_after_a_deadline_already_passed_does_not_revive_it() {
    // R3.9, R4.6: a pause only moves deadlines by the counted time it removes; a step already due
    // before the pause starts stays due at the same instant.
    let mut fx = Fx::new();
    fx.now = sh(2026, 9, 30, 9, 0);
    let id = register(&mut fx, 1, json!({}));
    let dispatch_due = open_due(&mut fx, &id, "dispatch");
    fx.now = sh(2026, 9, 30, 12, 0);
    fx.ok(
        AGENT,
        "pause_for_holiday",
        json!({ "complaint": id, "from": "2026-10-01T00:00:00+08:00", "until": "2026-10-08T00:00:00+08:00",
                "reason": "客户同意国庆假期后处理", "signature": signature("王芳") }),
    );
    assert_eq!(open_due(&mut fx, &id, "dispatch"), dispatch_due, "R3.9: a deadline before the pause does not move");
    assert_eq!(open_due(&mut fx, &id, "stage_reply"), sh(2026, 9, 30, 21, 0), "R3.9: a reply due before the pause does not move");
    // The final handling (24 h) had 15 h counted before the pause; the other 9 h follow it.
    assert_eq!(open_due(&mut fx, &id, "final_handling"), sh(2026, 10, 8, 9, 0), "R3.9: 24 h final handling moves by the 7 days");
}
