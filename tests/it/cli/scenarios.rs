//! End-to-end scenarios driving the `cdesk` binary as a separate process, the way a script or
//! an operator would: `--db` a file in a temporary folder, `--now` moving time forward, `--user`
//! the staff member acting. Replies are JSON on stdout; a refusal exits non-zero with the JSON
//! error on stderr.

use crate::common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

struct Desk {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Desk {
    fn new() -> Desk {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("c.db");
        Desk { _dir: dir, db }
    }

    fn dir(&self) -> &Path {
        self._dir.path()
    }

    fn run_on(db: &Path, now: &str, user: &str, args: &[&str]) -> Output {
        Command::new(cdesk_bin())
            .env_remove("CDESK_DB")
            .env_remove("CDESK_NOW")
            .env_remove("CDESK_USER")
            .env("CDESK_PASSWORD", common::PASSWORD)
            .env("CDESK_DEMO_PASSWORD", common::PASSWORD)
            .arg("--db")
            .arg(db)
            .args(["--now", now, "--user", user])
            .args(args)
            .output()
            .expect("cdesk runs")
    }

    fn run(&self, now: &str, user: &str, args: &[&str]) -> Output {
        Desk::run_on(&self.db, now, user, args)
    }

    /// A subcommand that must succeed; its JSON reply.
    #[track_caller]
    fn ok(&self, now: &str, user: &str, args: &[&str]) -> Value {
        let out = self.run(now, user, args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "cdesk {args:?} as {user} at {now} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        if stdout.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("stdout of {args:?} is not JSON ({e}): {stdout}"))
        }
    }

    /// `cdesk call NAME JSON` that must succeed.
    #[track_caller]
    fn call(&self, now: &str, user: &str, name: &str, args: Value) -> Value {
        self.ok(now, user, &["call", name, &args.to_string()])
    }

    /// `cdesk call NAME JSON` that must fail: non-zero exit, the JSON error on stderr, nothing on stdout.
    #[track_caller]
    fn refused(&self, now: &str, user: &str, name: &str, args: Value) -> Value {
        let out = self.run(now, user, &["call", name, &args.to_string()]);
        assert!(!out.status.success(), "{name} as {user} at {now} should have been refused: {}", String::from_utf8_lossy(&out.stdout));
        assert!(out.stdout.is_empty(), "a refusal prints nothing on stdout");
        let err = String::from_utf8_lossy(&out.stderr);
        serde_json::from_str(&err).unwrap_or_else(|e| panic!("stderr of a refused {name} is not JSON ({e}): {err}"))
    }

    fn detail(&self, now: &str, id: &str) -> Value {
        self.call(now, MANAGER, "get_complaint", json!({ "complaint": id }))
    }
}

fn deadline(plan: &Value, kind: &str) -> String {
    plan["deadlines"].as_array().unwrap().iter().find(|d| d["kind"] == kind).unwrap_or_else(|| panic!("no {kind} deadline in {plan}"))
        ["due_at"]
        .as_str()
        .unwrap()
        .to_string()
}

fn step<'a>(detail: &'a Value, kind: &str) -> Vec<&'a Value> {
    detail["steps"].as_array().unwrap().iter().filter(|s| s["kind"] == kind).collect()
}

fn open_step<'a>(detail: &'a Value, kind: &str) -> &'a Value {
    let open: Vec<_> = step(detail, kind).into_iter().filter(|s| s["completed_at"].is_null()).collect();
    assert_eq!(open.len(), 1, "exactly one open {kind} step expected in {}", detail["steps"]);
    open[0]
}

fn set_up(desk: &Desk, now: &str) {
    let init = desk.ok(now, ADMIN, &["init"]);
    assert_eq!(init["complaints"], 0, "a fresh database");
    // The demo generator with no complaints only creates the staff (cs01, hs01, qa01, manager …),
    // workers and templates the scenario acts as.
    let demo = desk.ok(now, ADMIN, &["demo", "--complaints", "0"]);
    assert_eq!(demo["complaints"], 0);
    assert_eq!(demo["open"], 0);
    let me = desk.call(now, HS_HANDLER, "whoami", json!({}));
    assert_eq!(me["role"], "dept_handler");
}

#[test]
fn household_service_complaint_with_transfer_overdue_step_and_dissatisfied_follow_up() {
    // The default hourly policy (R4.1–R4.3 on the wall clock, R4.5 a), end to end through the CLI.
    let desk = Desk::new();
    // Tuesday 10 March 2026, 10:00 in Shanghai.
    let t0 = "2026-03-10T02:00:00Z";
    set_up(&desk, t0);
    let settings = desk.call(t0, ADMIN, "get_settings", json!({}));
    assert_eq!(settings["branch"]["policy_code"], "hourly", "the hour-based policy is the default (R4.4)");

    // R3.1, R3.2: a walk-in customer signs the registration on screen.
    let mut reg = base_registration();
    reg["worker"] = json!("W00001");
    reg["service_order_no"] = json!("SO2026030901");
    let plan = desk.call(t0, AGENT, "register", reg);
    let id = plan["id"].as_str().unwrap().to_string();
    assert_eq!(plan["nature"], "general");
    // R4.1, R4.2, R4.3, R4.5 (a): 30 min, 12 h and 24 h for a regular customer on the wall clock.
    assert_eq!(deadline(&plan, "dispatch"), "2026-03-10T02:30:00Z", "R4.1: dispatch within 30 minutes");
    assert_eq!(deadline(&plan, "stage_reply"), "2026-03-10T14:00:00Z", "R4.2: stage reply within 12 h (regular)");
    assert_eq!(deadline(&plan, "final_handling"), "2026-03-11T02:00:00Z", "R4.3: final handling within 24 h (regular)");
    assert_eq!(plan["calendar_warning"], false);
    let d = desk.detail(t0, &id);
    assert_eq!(d["signature_status"], "signed");
    assert_eq!(d["owner_name"], "张敏", "R1.2: the registering clerk owns the complaint");

    // R3.5 review, R5.1 dispatch to 家政服务部 with the policy's department limit (24 h, regular).
    let r = desk.call("2026-03-10T02:10:00Z", AGENT, "review", json!({ "complaint": id, "opinion": "情况属实，受理" }));
    assert_eq!(r["stage"], "reviewed");
    let r = desk.call(
        "2026-03-10T02:20:00Z",
        AGENT,
        "dispatch",
        json!({ "complaint": id, "department": "HS", "note": "请核实保洁员迟到情况" }),
    );
    assert_eq!(r["stage"], "dispatched");
    assert_eq!(r["due_at"], "2026-03-11T02:20:00Z");
    desk.call("2026-03-10T03:00:00Z", HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));

    // R5.2: the department handler transfers it to 质检部 with a reason; the new department gets
    // its own deadline from now.
    let r = desk.call(
        "2026-03-10T03:30:00Z",
        HS_HANDLER,
        "transfer",
        json!({ "complaint": id, "department": "QA", "reason": "涉及保洁质量，转质检部核查" }),
    );
    assert_eq!(r["stage"], "dispatched");
    assert_eq!(r["due_at"], "2026-03-11T03:30:00Z", "R5.2: the transfer carries a deadline");
    // R7.7: once transferred, the first department no longer sees it.
    let e = desk.refused("2026-03-10T03:31:00Z", HS_HANDLER, "get_complaint", json!({ "complaint": id }));
    assert_eq!(e["code"], "forbidden");

    // R4.6: 质检部 records its findings a day and a half later. The department step was due at
    // 03:30Z on the 11th; now it is 05:00Z, so it is overdue and shown as such.
    let late = "2026-03-11T05:00:00Z";
    let d = desk.detail(late, &id);
    let dept = open_step(&d, "department");
    assert_eq!(dept["due_at"], "2026-03-11T03:30:00Z");
    assert_eq!(dept["urgency"], "overdue", "R4.6: past the deadline the step is overdue");
    assert!(dept["remaining_seconds"].as_i64().unwrap() < 0);
    assert_eq!(open_step(&d, "stage_reply")["urgency"], "overdue");
    let findings = json!({
        "complaint": id, "finding": "true", "root_cause": "保洁员排班冲突，未提前通知客户",
        "solution": "向客户道歉，免费补做空调清洗，并赔偿误工费800元",
    });
    let e = desk.refused(late, QA_HANDLER, "record_findings", findings.clone());
    assert_eq!(e["code"], "precondition", "R4.6: completing an overdue step without a reason is refused");
    assert_eq!(e["details"]["rule"], "R4.6");
    assert_eq!(e["details"]["reason"], "overdue_reason_required");
    assert_eq!(desk.detail(late, &id)["stage"], "dispatched", "the refused attempt changed nothing");
    let mut findings = findings;
    findings["overdue_reason"] = json!("质检部排期紧张，核查延误");
    let r = desk.call(late, QA_HANDLER, "record_findings", findings);
    assert_eq!(r["stage"], "awaiting_customer", "R5.3: findings and a proposed solution");
    let d = desk.detail(late, &id);
    let done = step(&d, "department").into_iter().find(|s| s["due_at"] == "2026-03-11T03:30:00Z").unwrap().clone();
    assert_eq!(done["overdue_reason"], "质检部排期紧张，核查延误", "R4.6: the overdue reason is kept with the step");

    // R4.2: the (late) stage reply states the plan; R5.4: the customer agrees and signs.
    desk.call(
        "2026-03-11T05:10:00Z",
        AGENT,
        "reply_to_customer",
        json!({ "complaint": id, "content": "已核实属实", "plan_and_schedule": "明日补做清洗并退赔", "method": "phone",
                "overdue_reason": "等待质检部核查结果" }),
    );
    let r = desk.call(
        "2026-03-11T05:20:00Z",
        AGENT,
        "record_customer_decision",
        json!({ "complaint": id, "agreed": true, "signature": signature("王芳") }),
    );
    assert_eq!(r["stage"], "implementing", "R5.4: agree → implement");

    // R5.5: compensation above the 500 yuan threshold needs a supervisor's approval first.
    let implement = json!({
        "complaint": id, "actions": "补做空调清洗，当面道歉", "done_by": "吴霞",
        "compensations": [{ "kind": "apology" }, { "kind": "cash", "amount_cents": 80000, "note": "误工费" }],
        "overdue_reason": "补做服务需客户在家",
    });
    let e = desk.refused("2026-03-11T06:00:00Z", AGENT, "implement", implement.clone());
    assert_eq!(e["code"], "precondition");
    assert_eq!(e["details"]["reason"], "compensation_needs_approval");
    desk.call(
        "2026-03-11T06:05:00Z",
        MANAGER,
        "approve_compensation",
        json!({ "complaint": id, "max_amount_cents": 80000, "note": "同意赔偿误工费" }),
    );
    let r = desk.call("2026-03-11T06:10:00Z", AGENT, "implement", implement);
    assert_eq!(r["stage"], "follow_up");
    let d = desk.detail("2026-03-11T06:10:00Z", &id);
    assert_eq!(open_step(&d, "follow_up")["due_at"], "2026-03-12T06:10:00Z", "follow-up visit within 24 h of implementation");
    let comps = d["records"]["compensations"].as_array().unwrap();
    assert!(comps.iter().any(|c| c["kind"] == "cash" && c["amount_cents"] == 80000 && !c["approval_id"].is_null()));

    // R6.2, R6.4: the customer is dissatisfied → back to the responsible department (质检部).
    let r = desk.call(
        "2026-03-11T10:00:00Z",
        AGENT,
        "survey",
        json!({ "complaint": id, "overall": "dissatisfied", "speed": "dissatisfied", "comment": "误工费还没到账", "method": "phone" }),
    );
    assert_eq!(r["stage"], "dispatched", "R6.2: not satisfied → 重派");
    assert_eq!(r["satisfied"], false);
    let d = desk.detail("2026-03-11T10:00:00Z", &id);
    assert_eq!(d["department_name"], "质检部", "sent back to the department that handled it");
    assert_eq!(open_step(&d, "department")["due_at"], "2026-03-12T10:00:00Z");
    let dispatches = d["records"]["dispatches"].as_array().unwrap();
    assert_eq!(dispatches.last().unwrap()["kind"], "redispatch");
    assert_eq!(d["records"]["surveys"][0]["overall"], "dissatisfied", "R6.4: the survey is archived with the complaint");
    let e = desk.refused("2026-03-11T10:01:00Z", AGENT, "close", json!({ "complaint": id }));
    assert_eq!(e["code"], "illegal_transition", "cannot close while it is back with the department");
    assert!(
        desk.call("2026-03-11T10:01:00Z", QA_HANDLER, "board", json!({}))["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str()),
        "the redispatched complaint is on 质检部's board"
    );

    // The department handles it again, the customer agrees, CS implements.
    let r = desk.call(
        "2026-03-11T12:00:00Z",
        QA_HANDLER,
        "record_findings",
        json!({ "complaint": id, "finding": "true", "root_cause": "财务付款流程慢", "solution": "财务加急支付误工费并回电致歉" }),
    );
    assert_eq!(r["stage"], "awaiting_customer", "on time: no overdue reason needed");
    desk.call("2026-03-11T12:30:00Z", AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true }));
    let r = desk.call(
        "2026-03-11T14:00:00Z",
        AGENT,
        "implement",
        json!({ "complaint": id, "actions": "误工费已到账，客服回电致歉", "done_by": "周涛" }),
    );
    assert_eq!(r["stage"], "follow_up");

    // R6.1, R6.2: very satisfied, signed on site → close.
    let r = desk.call(
        "2026-03-12T02:00:00Z",
        AGENT,
        "survey",
        json!({ "complaint": id, "overall": "very_satisfied", "speed": "satisfied", "attitude": "very_satisfied", "result": "very_satisfied",
                "comment": "处理到位", "method": "visit", "signature": signature("王芳") }),
    );
    assert_eq!(r["stage"], "follow_up");
    assert_eq!(r["satisfied"], true);
    let r = desk.call("2026-03-12T02:10:00Z", AGENT, "close", json!({ "complaint": id }));
    assert_eq!(r["stage"], "closed", "R6.2: closed once the customer is satisfied");
    let d = desk.detail("2026-03-12T02:10:00Z", &id);
    assert_eq!(d["closed_at"], "2026-03-12T02:10:00Z");
    assert!(!d["steps"].as_array().unwrap().is_empty(), "the closed complaint has its steps");
    assert!(d["steps"].as_array().unwrap().iter().all(|s| !s["completed_at"].is_null()), "no step is left open");

    // R7.1: the whole story is on the timeline, with operators.
    let tl = desk.call("2026-03-12T02:11:00Z", AUDITOR, "timeline", json!({ "complaint": id }));
    let tl = tl.as_array().unwrap();
    let count = |k: &str| tl.iter().filter(|e| e["kind"] == k).count();
    assert_eq!(count("transferred"), 1);
    assert_eq!(count("findings_recorded"), 2);
    assert_eq!(count("surveyed"), 2);
    assert_eq!(count("redispatched"), 1);
    assert_eq!(count("closed"), 1);
    assert!(count("step_completed_overdue") >= 3, "department, stage reply and final handling were completed late");
    let transfer = tl.iter().find(|e| e["kind"] == "transferred").unwrap();
    assert_eq!(transfer["actor_name"], "赵磊", "the transfer is attributed to hs01");
    assert_eq!(transfer["at"], "2026-03-10T03:30:00Z");

    // `cdesk verify`: integrity, the timeline chain and all three signature digests are fine.
    let v = desk.ok("2026-03-12T03:00:00Z", ADMIN, &["verify"]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["timeline"]["broken_at_seq"], Value::Null);
    assert_eq!(v["signatures_checked"], 3, "registration, agreement and survey signatures");

    // R7.1, R7.11: a copy of the database edited behind the program's back fails `verify`.
    let copy = desk.dir().join("tampered.db");
    std::fs::copy(&desk.db, &copy).unwrap();
    let closed_seq: i64 = {
        let conn = rusqlite::Connection::open(&copy).unwrap();
        let seq = conn.query_row("SELECT seq FROM events WHERE kind = 'closed'", [], |r| r.get(0)).unwrap();
        conn.execute_batch("DROP TRIGGER events_no_update; UPDATE events SET data = '{\"by_supervisor\":true}' WHERE kind = 'closed';")
            .unwrap();
        seq
    };
    let out = Desk::run_on(&copy, "2026-03-12T03:00:00Z", ADMIN, &["verify"]);
    assert!(!out.status.success(), "verify must fail on a tampered timeline");
    let e: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(e["code"], "integrity");
    assert_eq!(e["details"]["timeline"]["broken_at_seq"], closed_seq, "the edited event is pointed at");
    // The original is untouched.
    assert_eq!(desk.ok("2026-03-12T03:00:00Z", ADMIN, &["verify"])["ok"], true);
}

#[test]
fn working_day_preset_across_spring_festival_and_national_day_2026() {
    // R4.4 with R4.5 (b) and (c): the working-day preset, on the business calendar of
    // data/calendars/cn-mainland-2026.csv:
    //   春节:   Sat 14 Feb workday (调休), 15–23 Feb holiday, Sat 28 Feb workday (调休)
    //   中秋:   25–27 Sep holiday; 国庆: Sun 20 Sep workday, 1–7 Oct holiday, Sat 10 Oct workday
    // Opening hours 09:00–18:00 with lunch 12:00–13:30, Asia/Shanghai (UTC+8, no DST).
    let desk = Desk::new();
    let t0 = "2026-02-13T01:00:00Z"; // Fri 13 Feb, 09:00 local
    set_up(&desk, t0);
    let r = desk.call(t0, ADMIN, "select_policy", json!({ "code": "working_days" }));
    assert_eq!(r["code"], "working_days");
    let s = desk.call(t0, ADMIN, "get_settings", json!({}));
    assert_eq!(s["branch"]["policy_code"], "working_days", "R4.4: the second preset is selected");
    assert_eq!(s["branch"]["tz"], "Asia/Shanghai");
    let cal = desk.call(t0, ADMIN, "export_calendar", json!({}))["csv"].as_str().unwrap().to_string();
    for row in ["2026-02-14,workday", "2026-02-15,holiday", "2026-02-23,holiday", "2026-10-07,holiday", "2026-10-10,workday"] {
        assert!(cal.contains(row), "the branch calendar has {row}");
    }

    // --- Spring Festival: registered Friday 13 Feb at 17:50 local (09:50Z), by phone.
    let mut reg = base_registration();
    reg["channel"] = json!("phone");
    reg.as_object_mut().unwrap().remove("signature");
    reg["signature_missing_reason"] = json!("电话投诉，客户不在场");
    let spring = desk.call("2026-02-13T09:50:00Z", AGENT, "register", reg.clone());
    let spring_id = spring["id"].as_str().unwrap().to_string();
    let kinds: Vec<&str> = spring["deadlines"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["dispatch", "stage_reply"], "R4.4: the working-day preset has no overall final-handling limit");
    // R4.5 (b), dispatch = 30 business minutes: 17:50–18:00 Friday (10 min), then the next
    // opening is Saturday 14 Feb, a 调休 working day: 09:00 + 20 min = 09:20 local = 01:20Z.
    assert_eq!(deadline(&spring, "dispatch"), "2026-02-14T01:20:00Z", "the adjusted working Saturday counts");
    // R4.4, R4.5 (c), acknowledgement/response = 5 working days; Friday 13 (the event day) does
    // not count: Sat 14 (调休) = 1, 15–23 Feb holiday, Tue 24 = 2, Wed 25 = 3, Thu 26 = 4,
    // Fri 27 = 5 → 24:00 local on Fri 27 Feb = 2026-02-27T16:00:00Z.
    assert_eq!(deadline(&spring, "stage_reply"), "2026-02-27T16:00:00Z", "the Spring Festival holiday is skipped");
    assert_eq!(spring["calendar_warning"], false, "2026 is in the calendar (R4.5)");

    // Reviewed and dispatched on the working Saturday at 09:10 local, before the 09:20 deadline.
    desk.call("2026-02-14T01:05:00Z", AGENT, "review", json!({ "complaint": spring_id, "opinion": "受理" }));
    let r = desk.call(
        "2026-02-14T01:10:00Z",
        AGENT,
        "dispatch",
        json!({ "complaint": spring_id, "department": "HS", "note": "节后请尽快核实" }),
    );
    // R4.4: the department answers within 3 working days of Sat 14 Feb: 15–23 Feb holiday,
    // Tue 24 = 1, Wed 25 = 2, Thu 26 = 3 → 24:00 Thu 26 Feb = 2026-02-26T16:00:00Z.
    assert_eq!(r["due_at"], "2026-02-26T16:00:00Z", "three working days after the holiday");
    let d = desk.detail("2026-02-14T01:10:00Z", &spring_id);
    let dispatch_step = &step(&d, "dispatch")[0];
    assert_eq!(dispatch_step["overdue_reason"], "", "dispatched in time");
    // R4.6 during the holiday: on Sat 21 Feb (a holiday) no working time has passed at all.
    let d = desk.detail("2026-02-21T04:00:00Z", &spring_id);
    let dept = open_step(&d, "department");
    assert_eq!(dept["elapsed_ratio"], 0.0, "holidays do not eat into a working-day limit");
    assert_eq!(dept["urgency"], "on_time");

    // --- National Day: a VIP customer (so major, R2.1) registered Wed 30 Sep at 17:45 local.
    reg["customer_name"] = json!("陈静怡");
    reg["phone"] = json!("13600001234");
    reg["tier"] = json!("vip");
    let nd = desk.call("2026-09-30T09:45:00Z", AGENT, "register", reg);
    let nd_id = nd["id"].as_str().unwrap().to_string();
    assert_eq!(nd["nature"], "major");
    // R3.3, R4.5: the 30-minute report runs on the wall clock, holiday or not: 10:15Z.
    assert_eq!(deadline(&nd, "report_major"), "2026-09-30T10:15:00Z", "the report to the manager does not wait for the holiday");
    // R4.5 (b): 17:45–18:00 (15 min); 1–7 Oct are holidays; the next opening is Thu 8 Oct
    // 09:00 + 15 min = 09:15 local = 01:15Z.
    assert_eq!(deadline(&nd, "dispatch"), "2026-10-08T01:15:00Z", "business hours resume after National Day");
    // R4.5 (c): 5 working days after Wed 30 Sep: Thu 8 = 1, Fri 9 = 2, Sat 10 (调休) = 3,
    // Sun 11 off, Mon 12 = 4, Tue 13 = 5 → 24:00 Tue 13 Oct = 2026-10-13T16:00:00Z.
    assert_eq!(deadline(&nd, "stage_reply"), "2026-10-13T16:00:00Z", "National Day skipped, the working Saturday counted");
    desk.call("2026-09-30T09:48:00Z", AGENT, "review", json!({ "complaint": nd_id, "opinion": "VIP客户，受理" }));
    let r = desk.call(
        "2026-09-30T09:50:00Z",
        AGENT,
        "dispatch",
        json!({ "complaint": nd_id, "department": "HS", "note": "节前派单，请节后第一时间处理" }),
    );
    // R4.4: 3 working days after Wed 30 Sep: 1–7 Oct holiday, Thu 8 = 1, Fri 9 = 2,
    // Sat 10 Oct (国庆节调休上班) = 3 → 24:00 Sat 10 Oct = 2026-10-10T16:00:00Z. Without the
    // 调休 Saturday it would have been Mon 12 Oct.
    assert_eq!(r["due_at"], "2026-10-10T16:00:00Z", "the department's deadline falls on the working Saturday");
    // R3.3: reported to the supervising manager within the 30 minutes (at 17:55 local).
    desk.call("2026-09-30T09:55:00Z", MANAGER, "report_major", json!({ "complaint": nd_id, "informed": "刘强" }));

    // R4.6 on the working-day clock: 80 % of 3 days = 2.4 counted days = Thu 8 and Fri 9 in full
    // plus 9 h 36 min of Sat 10 → due soon from 09:36 local (01:36Z).
    let d = desk.detail("2026-10-10T01:00:00Z", &nd_id);
    assert_eq!(open_step(&d, "department")["urgency"], "on_time", "09:00 Saturday: 2.375 of 3 days used");
    let soon_board = |now: &str| -> Vec<String> {
        desk.call(now, MANAGER, "board", json!({ "filter": { "due": "due_soon" } }))["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!soon_board("2026-10-10T01:35:00Z").contains(&nd_id), "09:35: not yet due soon");
    assert!(soon_board("2026-10-10T01:37:00Z").contains(&nd_id), "09:37: due soon");
    let d = desk.detail("2026-10-10T02:00:00Z", &nd_id);
    let dept = open_step(&d, "department");
    assert_eq!(dept["urgency"], "due_soon");
    assert_eq!(dept["due_at"], "2026-10-10T16:00:00Z");
    assert_eq!(dept["calendar_warning"], false);
    assert_eq!(dept["remaining_seconds"], 14 * 3600, "14 hours left at 10:00 on the working Saturday");

    // The department answers on the working Saturday, in time: no overdue reason is needed.
    let r = desk.call(
        "2026-10-10T03:00:00Z",
        HS_HANDLER,
        "record_findings",
        json!({ "complaint": nd_id, "finding": "partly_true", "root_cause": "节前排班紧张", "solution": "道歉并安排优先上门" }),
    );
    assert_eq!(r["stage"], "awaiting_customer");
    desk.call("2026-10-10T05:00:00Z", AGENT, "record_customer_decision", json!({ "complaint": nd_id, "agreed": true }));
    // R4.4: first follow-up visit within 5 working days after implementation on Mon 12 Oct:
    // Tue 13 = 1, Wed 14 = 2, Thu 15 = 3, Fri 16 = 4, (weekend 17–18 off), Mon 19 = 5
    // → 24:00 Mon 19 Oct = 2026-10-19T16:00:00Z.
    desk.call(
        "2026-10-12T02:00:00Z",
        AGENT,
        "implement",
        json!({ "complaint": nd_id, "actions": "上门道歉并优先重新服务", "done_by": "赵磊" }),
    );
    let d = desk.detail("2026-10-12T02:00:00Z", &nd_id);
    assert_eq!(open_step(&d, "follow_up")["due_at"], "2026-10-19T16:00:00Z");
    assert_eq!(d["policy_code"], "working_days", "the complaint keeps the policy it was registered under");
    assert!(step(&d, "final_handling").is_empty(), "no final-handling step under this preset");

    let v = desk.ok("2026-10-12T03:00:00Z", ADMIN, &["verify"]);
    assert_eq!(v["ok"], true, "{v}");
}

/// `cdesk` with exactly the environment given (no CDESK_PASSWORD unless passed), stdin not a
/// terminal, as a script would run it.
fn bare(db: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(cdesk_bin());
    for v in ["CDESK_DB", "CDESK_NOW", "CDESK_USER", "CDESK_PASSWORD", "CDESK_DEMO_PASSWORD"] {
        c.env_remove(v);
    }
    c.envs(env.iter().copied()).arg("--db").arg(db).args(args).output().expect("cdesk runs")
}

fn error_key(out: &Output) -> String {
    let e: Value =
        serde_json::from_slice(&out.stderr).unwrap_or_else(|_| panic!("stderr is JSON: {}", String::from_utf8_lossy(&out.stderr)));
    e["message_key"].as_str().unwrap_or_default().to_string()
}

#[test]
fn cdesk_demo_refuses_a_database_that_holds_real_complaints() {
    // Issue 25 item 1: fake complaints never join a live office's registers and KPIs.
    let desk = Desk::new();
    let t0 = "2026-03-10T02:00:00Z";
    set_up(&desk, t0);
    desk.call(t0, AGENT, "register", base_registration());
    let out = desk.run(t0, ADMIN, &["demo", "--complaints", "5"]);
    assert!(!out.status.success(), "demo on a live database must be refused");
    assert_eq!(error_key(&out), "error.precondition.real_complaints_exist");
    let conn = rusqlite::Connection::open(&desk.db).unwrap();
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM complaints", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1, "the refusal changed nothing");
}

#[test]
fn cdesk_demo_gives_random_passwords_shown_once_and_more_demo_data_is_still_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let now = ["--now", "2026-03-10T02:00:00Z"];
    let out = bare(&db, &[], &[&now[..], &["demo", "--complaints", "3"]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let accounts = r["accounts"].as_array().expect("the new accounts are reported");
    let pw = |login: &str| accounts.iter().find(|a| a["login"] == login).unwrap()["password"].as_str().unwrap().to_string();
    assert_ne!(pw("manager"), pw("cs01"));
    assert!(pw("manager").len() >= 12 && pw("manager") != "123456");
    let who = bare(&db, &[("CDESK_PASSWORD", &pw("manager"))], &["--user", "manager", "call", "whoami"]);
    assert!(who.status.success(), "the reported password works: {}", String::from_utf8_lossy(&who.stderr));
    // Demo data on a demo database is fine; the second run creates no accounts and shows none.
    let again = bare(&db, &[], &[&now[..], &["demo", "--complaints", "2"]].concat());
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["accounts"], json!([]));
}

#[test]
fn cdesk_acting_as_a_user_with_a_password_needs_it() {
    // Issue 25 item 9: `--user manager` alone used to act as the manager.
    let desk = Desk::new();
    let t0 = "2026-03-10T02:00:00Z";
    set_up(&desk, t0);
    let args = ["--user", MANAGER, "call", "set_setting", r#"{"key": "batch_threshold", "value": 4}"#];
    let none = bare(&desk.db, &[], &args);
    assert!(!none.status.success(), "no password, no command");
    assert_eq!(error_key(&none), "error.precondition.password_required");
    let wrong = bare(&desk.db, &[("CDESK_PASSWORD", "not-the-password")], &["--user", MANAGER, "call", "whoami"]);
    assert!(!wrong.status.success());
    assert_eq!(error_key(&wrong), "error.invalid.wrong_login_or_password");
    let pdf = bare(&desk.db, &[], &["--user", ADMIN, "export", "-o", desk.dir().join("x.xlsx").to_str().unwrap()]);
    assert!(!pdf.status.success(), "running as the CS manager on the admin's behalf needs the manager's password too");
    let ok = bare(&desk.db, &[("CDESK_PASSWORD", PASSWORD)], &["--user", MANAGER, "call", "whoami"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    // The administrator of a `cdesk init` database has no password yet and needs none.
    let admin = bare(&desk.db, &[], &["call", "get_settings"]);
    assert!(admin.status.success(), "{}", String::from_utf8_lossy(&admin.stderr));
}

#[test]
fn an_action_with_an_injected_clock_is_marked_on_its_event() {
    // Issue 25 item 9, R7.1: `--now` backdates the record, but the event says so.
    let desk = Desk::new();
    let t0 = "2026-03-10T02:00:00Z";
    set_up(&desk, t0);
    let plan = desk.call(t0, AGENT, "register", base_registration());
    let id = plan["id"].as_str().unwrap();
    let conn = rusqlite::Connection::open(&desk.db).unwrap();
    let (at, data): (String, String) = conn
        .query_row("SELECT at, data FROM events WHERE complaint_id = ?1 ORDER BY seq LIMIT 1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    let data: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(at, t0, "the event keeps the injected time");
    assert_eq!(data["clock_injected"], true, "{data}");
    let wall = t(data["wall_at"].as_str().unwrap());
    assert!(wall > t(t0) + chrono::Duration::days(30), "the real time is beside it: {data}");
    let verify = desk.ok(t0, ADMIN, &["verify"]);
    assert_eq!(verify["ok"], true, "the marked events are part of the chain");
}
