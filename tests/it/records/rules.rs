//! Section 7 of the rule book, records side: the timeline (R7.1), retention (R7.2), the role
//! matrix (R7.7), privacy masking (R7.8), search (R7.10) and tamper-evident signatures (R7.11).
//! Everything runs through the command registry, as the desktop app and `cdesk call` do; raw SQL
//! is used only to play the part of someone going behind the program's back.

use crate::common;
use common::*;

use std::collections::BTreeSet;

use complaint_desk::model::Role;
use complaint_desk::{api, auth, signature, timeline, workflow};
use rusqlite::params;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// helpers

fn user_id(fx: &Fx, login: &str) -> String {
    fx.store.conn.query_row("SELECT id FROM users WHERE login = ?1", params![login], |r| r.get(0)).unwrap()
}

/// Events of one kind (any complaint or none), oldest first: (seq, actor_id, at, data).
fn events_of(fx: &Fx, kind: &str) -> Vec<(i64, Option<String>, String, Value)> {
    let mut stmt = fx.store.conn.prepare("SELECT seq, actor_id, at, data FROM events WHERE kind = ?1 ORDER BY seq").unwrap();
    stmt.query_map(params![kind], |r| {
        let d: String = r.get(3)?;
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, serde_json::from_str(&d).unwrap()))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn last_event(fx: &Fx) -> (i64, Option<String>, String, String, Option<String>) {
    fx.store
        .conn
        .query_row("SELECT seq, actor_id, at, kind, complaint_id FROM events ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
}

fn now_str(fx: &Fx) -> String {
    fx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The complaint numbers a search as `login` returns.
fn numbers(fx: &mut Fx, login: &str, filter: Value) -> BTreeSet<String> {
    let r = fx.ok(login, "search", json!({ "filter": filter }));
    r["items"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_string()).collect()
}

fn set<S: AsRef<str>>(items: &[S]) -> BTreeSet<String> {
    items.iter().map(|s| s.as_ref().to_string()).collect()
}

fn none() -> BTreeSet<String> {
    BTreeSet::new()
}

/// Registers, reviews and dispatches a complaint to `dept`; returns (id, number).
fn dispatched_to(fx: &mut Fx, dept: &str, extra: Value) -> (String, String) {
    let (id, number) = fx.register(extra);
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "情况属实，受理" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": dept, "note": "请核实处理" }));
    (id, number)
}

// ---------------------------------------------------------------------------------------------
// R7.1 timeline

#[test]
fn every_action_is_on_the_timeline_with_operator_and_time() {
    // R7.1: each successful operation appends at least one event carrying the operator and the
    // instant the operation ran at; the complaint's timeline lists them in order with names.
    let mut fx = Fx::new();
    let steps: Vec<(&str, &str, Box<dyn Fn(&str) -> Value>)> = vec![
        (AGENT2, "review", Box::new(|id| json!({ "complaint": id, "opinion": "属实" }))),
        (MANAGER, "dispatch", Box::new(|id| json!({ "complaint": id, "department": "HS", "note": "请核实" }))),
        (HS_HANDLER, "accept_dispatch", Box::new(|id| json!({ "complaint": id }))),
        (BRANCH_MANAGER, "urge", Box::new(|id| json!({ "complaint": id, "note": "请加快" }))),
        (HS_HANDLER, "raise_warning", Box::new(|id| json!({ "complaint": id, "level": 2, "reason": "客户情绪激动" }))),
        (
            HS_HANDLER,
            "record_findings",
            Box::new(|id| json!({ "complaint": id, "finding": "true", "root_cause": "未按时上门", "solution": "道歉并免费返工" })),
        ),
        (
            AGENT,
            "reply_to_customer",
            Box::new(|id| json!({ "complaint": id, "content": "已核实", "plan_and_schedule": "明日返工", "method": "phone" })),
        ),
        (AGENT, "record_customer_decision", Box::new(|id| json!({ "complaint": id, "agreed": true }))),
        (AGENT, "implement", Box::new(|id| json!({ "complaint": id, "actions": "已返工", "done_by": "赵磊" }))),
        (AGENT, "survey", Box::new(|id| json!({ "complaint": id, "overall": "satisfied", "method": "phone" }))),
        (AGENT2, "close", Box::new(|id| json!({ "complaint": id }))),
    ];
    let before = fx.count("events");
    let (id, _) = fx.register(json!({}));
    assert!(fx.count("events") > before, "registering must be recorded");
    let (_, actor, at, kind, cid) = last_event(&fx);
    assert_eq!(actor.as_deref(), Some(user_id(&fx, AGENT).as_str()), "the registering operator is recorded");
    assert_eq!(at, now_str(&fx), "the registration time is recorded");
    assert_eq!(cid.as_deref(), Some(id.as_str()), "{kind} must be on the complaint's timeline");

    for (login, op, args) in &steps {
        fx.advance(chrono::Duration::minutes(7));
        let n = fx.count("events");
        fx.ok(login, op, args(&id));
        assert!(fx.count("events") > n, "{op} changed the complaint but left no event on the timeline");
        let (_, actor, at, kind, cid) = last_event(&fx);
        assert_eq!(actor.as_deref(), Some(user_id(&fx, login).as_str()), "{op}: the event ({kind}) must name its operator {login}");
        assert_eq!(at, now_str(&fx), "{op}: the event ({kind}) must carry the time the action was taken");
        assert_eq!(cid.as_deref(), Some(id.as_str()), "{op}: the event ({kind}) must be on this complaint's timeline");
    }

    // The timeline a user reads: every event with operator name and time, in order.
    let tl = fx.ok(AUDITOR, "timeline", json!({ "complaint": id }));
    let tl = tl.as_array().unwrap();
    let kinds: Vec<&str> = tl.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in [
        "registered",
        "signed",
        "reviewed",
        "dispatched",
        "dispatch_accepted",
        "urged",
        "warning_raised",
        "findings_recorded",
        "replied",
        "customer_decision",
        "implemented",
        "surveyed",
        "closed",
    ] {
        assert!(kinds.contains(&k), "timeline lacks {k}: {kinds:?}");
    }
    let mut last_seq = 0;
    let mut last_at = String::new();
    for e in tl {
        assert!(e["actor_name"].as_str().is_some_and(|n| !n.is_empty()), "every event names its operator: {e}");
        let at = e["at"].as_str().unwrap().to_string();
        assert!(at >= last_at, "the timeline is in time order");
        assert!(e["seq"].as_i64().unwrap() > last_seq, "the timeline is in append order");
        last_seq = e["seq"].as_i64().unwrap();
        last_at = at;
    }
    let closed = tl.iter().find(|e| e["kind"] == "closed").unwrap();
    assert_eq!(closed["actor_name"], "李娜", "closing is attributed to cs02 who did it");
}

#[test]
fn a_refused_operation_leaves_no_trace_and_changes_nothing() {
    // R7.1 with the one-transaction rule: only actions that happened are on the timeline.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    let n = fx.count("events");
    let e = fx.err(AUDITOR, "urge", json!({ "complaint": id, "note": "x" }));
    assert_eq!(e.code, "forbidden");
    let e = fx.err(AGENT, "close", json!({ "complaint": id }));
    assert_eq!(e.code, "illegal_transition");
    assert_eq!(fx.count("events"), n, "a refused command must not append to the timeline");
}

#[test]
fn the_database_refuses_to_update_or_delete_timeline_events() {
    // R7.1: append-only is enforced by the database itself, not only by the program.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    let n = fx.count("events");
    let upd = fx.store.conn.execute("UPDATE events SET kind = 'nothing_happened' WHERE complaint_id = ?1", params![id]);
    assert!(upd.is_err(), "UPDATE on events must be refused by a trigger");
    assert!(upd.unwrap_err().to_string().contains("append-only"), "the refusal names the reason");
    let upd = fx.store.conn.execute("UPDATE events SET actor_id = NULL", []);
    assert!(upd.is_err(), "rewriting who did something must be refused");
    let del = fx.store.conn.execute("DELETE FROM events WHERE complaint_id = ?1", params![id]);
    assert!(del.is_err(), "DELETE on events must be refused by a trigger");
    let del = fx.store.conn.execute("DELETE FROM events", []);
    assert!(del.is_err(), "deleting the whole timeline must be refused");
    assert_eq!(fx.count("events"), n, "nothing was removed");
    // And the API offers no way to do it either.
    for c in api::commands() {
        assert!(
            !["delete", "remove", "purge", "erase", "edit_event"].iter().any(|w| c.name.contains(w)),
            "{} looks like a command that removes records",
            c.name
        );
    }
}

#[test]
fn the_hash_chain_finds_an_edited_event_behind_the_programs_back() {
    // R7.1: someone who drops the trigger and edits a row is caught by `verify_chain`.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    fx.advance(chrono::Duration::minutes(5));
    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    let report = timeline::verify_chain(&fx.store.conn).unwrap();
    assert_eq!(report.broken_at_seq, None, "an untouched chain verifies");
    assert_eq!(report.events as i64, fx.count("events"), "every event is checked");

    let (seq, ..) = events_of(&fx, "reviewed")[0].clone();
    fx.store
        .conn
        .execute_batch(&format!(
            "DROP TRIGGER events_no_update;
             UPDATE events SET data = '{{\"opinion\":\"客户无理取闹\"}}' WHERE seq = {seq};"
        ))
        .unwrap();
    let report = timeline::verify_chain(&fx.store.conn).unwrap();
    assert_eq!(report.broken_at_seq, Some(seq), "the edited review opinion must break the chain exactly there");
}

#[test]
fn the_hash_chain_finds_a_deleted_or_rewritten_operator() {
    // R7.1: deleting an event in the middle, or changing who did it, breaks the chain too.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    fx.ok(AGENT, "urge", json!({ "complaint": id, "note": "x" }));
    let (dispatched_seq, ..) = events_of(&fx, "dispatched")[0].clone();
    let (accepted_seq, ..) = events_of(&fx, "dispatch_accepted")[0].clone();
    let admin = user_id(&fx, ADMIN);

    // Copy the state so each tampering is judged on its own.
    let mut copy = rusqlite::Connection::open_in_memory().unwrap();
    {
        let b = rusqlite::backup::Backup::new(&fx.store.conn, &mut copy).unwrap();
        b.run_to_completion(100, std::time::Duration::ZERO, None).unwrap();
    }
    fx.store
        .conn
        .execute_batch(&format!("DROP TRIGGER events_no_update; UPDATE events SET actor_id = '{admin}' WHERE seq = {accepted_seq};"))
        .unwrap();
    assert_eq!(
        timeline::verify_chain(&fx.store.conn).unwrap().broken_at_seq,
        Some(accepted_seq),
        "changing the operator of an event must be detected"
    );

    copy.execute_batch(&format!("DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq = {dispatched_seq};")).unwrap();
    let broken = timeline::verify_chain(&copy).unwrap().broken_at_seq;
    assert!(
        broken.is_some_and(|s| s > dispatched_seq),
        "removing the dispatch event must break the link of the event after it, got {broken:?}"
    );
}

#[test]
fn looking_up_personal_data_is_logged() {
    // R7.1, R7.10: customer lookups and searches that reveal people are on the timeline with
    // the operator; a lookup or search that finds nobody reveals nothing.
    let mut fx = Fx::new();
    let (id, number) = fx.register(json!({}));
    let cs01 = user_id(&fx, AGENT);
    let cs02 = user_id(&fx, AGENT2);
    let bm = user_id(&fx, BRANCH_MANAGER);

    fx.advance(chrono::Duration::minutes(1));
    let p = fx.ok(AGENT2, "lookup_customer", json!({ "phone": "138-1234-5678" }));
    assert_eq!(p["name"], "王芳", "the profile is found by phone (R3.6)");
    let viewed = events_of(&fx, "personal_data_viewed");
    let last = viewed.last().expect("lookup_customer must be logged");
    assert_eq!(last.1.as_deref(), Some(cs02.as_str()), "the log names who looked");
    assert_eq!(last.2, now_str(&fx), "the log says when");
    assert_eq!(last.3["via"], "lookup_customer");
    assert_eq!(last.3["customer_id"], p["id"], "the log says whose data was looked at");

    let n = events_of(&fx, "personal_data_viewed").len();
    assert!(fx.ok(AGENT2, "lookup_customer", json!({ "phone": "13999999999" })).is_null());
    assert_eq!(events_of(&fx, "personal_data_viewed").len(), n, "an unknown number reveals nothing to log");

    // Search by phone suffix.
    fx.advance(chrono::Duration::minutes(1));
    assert_eq!(numbers(&mut fx, AGENT, json!({ "phone": "5678" })), set(&[&number]));
    let s = events_of(&fx, "personal_data_search");
    let last = s.last().expect("a phone search that finds people must be logged");
    assert_eq!(last.1.as_deref(), Some(cs01.as_str()));
    assert_eq!(last.2, now_str(&fx));
    assert_eq!(last.3["phone"], "5678", "the log keeps what was searched for");
    assert_eq!(last.3["results"], 1);

    // Search by free text (a customer name).
    fx.advance(chrono::Duration::minutes(1));
    assert_eq!(numbers(&mut fx, BRANCH_MANAGER, json!({ "text": "王芳" })), set(&[&number]));
    let s = events_of(&fx, "personal_data_search");
    let last = s.last().unwrap();
    assert_eq!(last.1.as_deref(), Some(bm.as_str()));
    assert_eq!(last.3["text"], "王芳");

    let n = events_of(&fx, "personal_data_search").len();
    assert!(numbers(&mut fx, AGENT, json!({ "text": "不存在的内容" })).is_empty());
    assert_eq!(events_of(&fx, "personal_data_search").len(), n, "a search that finds nobody reveals nobody");

    // Opening the detail with the full phone number is logged too.
    fx.ok(AGENT, "get_complaint", json!({ "complaint": id }));
    let last = events_of(&fx, "personal_data_viewed").pop().unwrap();
    assert_eq!(last.1.as_deref(), Some(cs01.as_str()));
    assert_eq!(last.3["via"], "get_complaint");
}

// ---------------------------------------------------------------------------------------------
// R7.2 retention

#[test]
fn complaints_customers_signatures_and_surveys_cannot_be_deleted() {
    // R7.2: records are kept; the database refuses raw deletes (and edits of signatures).
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    fx.ok(HS_HANDLER, "record_findings", json!({ "complaint": id, "finding": "true", "root_cause": "迟到", "solution": "道歉" }));
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true }));
    fx.ok(AGENT, "implement", json!({ "complaint": id, "actions": "已道歉", "done_by": "赵磊" }));
    fx.ok(AGENT, "survey", json!({ "complaint": id, "overall": "very_satisfied", "method": "phone" }));
    fx.ok(AGENT, "close", json!({ "complaint": id }));
    let counts = |fx: &Fx| ["complaints", "customers", "signatures", "surveys", "events"].map(|t| fx.count(t));
    let before = counts(&fx);
    assert!(before.iter().all(|n| *n > 0), "the scenario created a row in each table: {before:?}");

    for sql in [
        "DELETE FROM complaints",
        "DELETE FROM customers",
        "DELETE FROM signatures",
        "DELETE FROM surveys",
        "UPDATE signatures SET signer_name = 'someone else'",
        "UPDATE signatures SET strokes_json = '[]'",
    ] {
        let r = fx.store.conn.execute(sql, []);
        assert!(r.is_err(), "`{sql}` must be refused: records are kept (R7.2) and signatures are evidence (R7.11)");
    }
    let r = fx.store.conn.execute("DELETE FROM complaints WHERE id = ?1", params![id]);
    assert!(r.unwrap_err().to_string().contains("anonymise"), "the refusal points to anonymisation instead");
    assert_eq!(counts(&fx), before, "nothing was deleted");

    // Complaints that end without handling are kept as well, and stay findable.
    let (cancelled, number) = fx.register(json!({ "phone": "13700000001", "customer_name": "赵六" }));
    fx.ok(AGENT, "cancel", json!({ "complaint": cancelled, "reason": "duplicate", "note": "重复登记" }));
    assert_eq!(fx.stage(&cancelled), "cancelled");
    assert_eq!(numbers(&mut fx, AUDITOR, json!({ "stages": ["cancelled"] })), set(&[&number]), "a cancelled complaint is kept for audit");
}

// ---------------------------------------------------------------------------------------------
// R7.7 roles

/// What the per-command test needs to exist before calling.
struct World {
    complaint: String,
    file: std::path::PathBuf,
}

/// Plausible arguments for every command of the registry, so that the role check is what
/// decides. `None` = the command has no row here: the test then fails, so a new command cannot
/// slip past R7.7 unexamined.
fn sample_args(name: &str, role: Role, w: &World) -> Option<Value> {
    let id = w.complaint.as_str();
    Some(match name {
        "lookup_customer" => json!({ "phone": "13812345678" }),
        "preview_registration" | "register" => base_registration(),
        "add_signature" => json!({ "complaint": id, "signature": signature("王芳") }),
        "add_attachment" => json!({ "complaint": id, "path": w.file.to_string_lossy() }),
        "review" => json!({ "complaint": id, "opinion": "属实" }),
        "cancel" => json!({ "complaint": id, "reason": "duplicate", "note": "重复" }),
        "not_accept" => json!({ "complaint": id, "reason": "already_settled", "note": "已调解" }),
        "report_major" => json!({ "complaint": id, "informed": "刘强" }),
        "set_nature" => json!({ "complaint": id, "nature": "major", "reason": "影响较大" }),
        "raise_warning" => json!({ "complaint": id, "level": 2, "reason": "情绪激动" }),
        // Each level of the chain has its own acknowledger (R3.8); pick one the role may take.
        "acknowledge_escalation" => json!({ "complaint": id, "level": match role {
            Role::BranchManager => "office_director",
            Role::CsManager => "cs_manager",
            _ => "cs_department",
        } }),
        "dispatch" => json!({ "complaint": id, "department": "HS", "note": "请核实" }),
        "accept_dispatch" | "close" | "get_complaint" | "timeline" => json!({ "complaint": id }),
        "return_dispatch" => json!({ "complaint": id, "reason": "不属本部门" }),
        "transfer" => json!({ "complaint": id, "department": "QA", "reason": "质检部负责" }),
        "urge" => json!({ "complaint": id, "note": "请加快" }),
        "record_findings" => json!({ "complaint": id, "finding": "true", "root_cause": "迟到", "solution": "道歉" }),
        "reply_to_customer" => json!({ "complaint": id, "content": "处理中", "plan_and_schedule": "明日答复", "method": "phone" }),
        "record_customer_decision" => json!({ "complaint": id, "agreed": true }),
        "approve_compensation" => json!({ "complaint": id, "max_amount_cents": 100000, "note": "同意" }),
        "implement" => json!({ "complaint": id, "actions": "已道歉", "done_by": "赵磊" }),
        "pause_for_holiday" => json!({
            "complaint": id, "from": "2026-04-04T00:00:00+08:00", "until": "2026-04-07T00:00:00+08:00",
            "reason": "客户清明外出", "signature": signature("王芳"),
        }),
        "record_contact_attempt" => json!({ "complaint": id, "note": "无人接听" }),
        "survey" => json!({ "complaint": id, "overall": "satisfied", "method": "phone" }),
        "supervisor_close" | "reopen" => json!({ "complaint": id, "reason": "客户三次联系不上" }),
        "appeal" => json!({ "complaint": id, "description": "对处理结果不满", "signature_missing_reason": "电话申诉" }),
        "add_case" => json!({ "complaint": id, "title": "迟到案例", "analysis": "分析", "lessons": "教训" }),
        "file_duty_roster" => json!({
            "department": "HS", "holiday_name": "国庆节", "start_date": "2026-10-01", "end_date": "2026-10-07", "content": "赵磊值班",
        }),
        "board" | "search" => json!({ "filter": {} }),
        "escalations" | "list_views" | "reference_data" | "whoami" | "get_settings" | "export_calendar" => json!({}),
        "cases" => json!({}),
        "save_view" => json!({ "name": "我的视图", "filter": { "open_only": true } }),
        "verify_signatures" => json!({}),
        "upsert_department" => json!({ "code": "LG", "name": "后勤部" }),
        "upsert_user" => json!({ "login": "newbie", "name": "新同事", "role": "cs_agent" }),
        "upsert_worker" => json!({ "code": "W9999", "name": "钱多多" }),
        "upsert_template" => json!({ "kind": "reply", "title": "模板", "body": "您好" }),
        "update_branch" => json!({ "name": "总部客服中心" }),
        "set_policy" => {
            let mut p = serde_json::to_value(complaint_desk::deadlines::DeadlinePolicy::working_day_preset()).unwrap();
            p["code"] = json!("custom");
            json!({ "policy": p })
        }
        "select_policy" => json!({ "code": "working_days" }),
        "import_calendar" => json!({ "csv": "date,kind,name\n2027-01-01,holiday,元旦\n" }),
        "set_setting" => json!({ "key": "batch_threshold", "value": "4" }),
        "set_password" => json!({ "new_password": "s3cret-pass" }),
        "save_draft" => json!({ "form": "intake", "draft": { "customer_name": "王" } }),
        "get_draft" | "discard_draft" => json!({ "form": "intake" }),
        "due_alerts" => json!({}),
        "find_workers" => json!({ "text": "W" }),
        "list_workers" => json!({ "text": "W", "limit": 10 }),
        "list_templates" | "duty_rosters" | "branch_logo" | "acknowledgeable_levels" => json!({}),
        "calendar_year" => json!({ "year": 2026 }),
        "set_calendar_day" => json!({ "date": "2027-01-01", "kind": "holiday", "name": "元旦" }),
        "set_branch_code" => json!({ "code": "SH" }),
        "set_branch_logo" => json!({ "png_base64": null }),
        "sub_categories" => json!({}),
        "set_sub_categories" => json!({ "category": "service", "items": ["服务态度", "服务质量"] }),
        // Printed documents: the dispatch sheet is the one every role of the row may print (R5.1).
        "render_document" => json!({ "complaint": id, "form": "dispatch_sheet" }),
        "export_document" => json!({ "complaint": id, "form": "dispatch_sheet", "path": w.file.with_extension("pdf").to_string_lossy() }),
        "verify_receipt" => json!({ "payload": "CDESK1|HQ-19990101-0001|-" }),
        // Reports (issue 6): KPIs, the monthly report and its filing, exports, imports, cases.
        "kpis" => json!({ "filter": { "month": "2026-03" }, "group_by": ["department"] }),
        "kpi_complaints" => json!({ "filter": { "month": "2026-03" }, "kpi": "volume" }),
        "kpi_definitions" => json!({ "lang": "en" }),
        "monthly_report" => json!({ "month": "2026-02" }),
        "monthly_register" | "monthly_surveys" => {
            json!({ "month": "2026-02", "department": "no-such-department", "offset": 0, "limit": 50 })
        }
        "export_monthly_report" => json!({ "month": "2026-02", "xlsx_path": w.file.with_extension("xlsx").to_string_lossy() }),
        "report_status" | "case_library" | "report_settings" => json!({}),
        "file_report" => json!({ "month": "2026-02", "suggestions": "加强培训" }),
        "export_complaints" => json!({ "format": "csv", "path": w.file.with_extension("csv").to_string_lossy() }),
        // "name,phone\n王五,13700000009\n" and "code,name\nW9999,钱多多\n", previewed only.
        "import_customers" => json!({ "content_base64": "bmFtZSxwaG9uZQrnjovkupQsMTM3MDAwMDAwMDkK", "file_name": "c.csv" }),
        "import_workers" => json!({ "content_base64": "Y29kZSxuYW1lClc5OTk5LOmSseWkmuWkmgo=", "file_name": "w.csv" }),
        "set_report_settings" => {
            json!({ "worker_flag_min": 3, "branch_flag_per_100_workers": 100, "ledger_min": 2, "ledger_window_days": 90 })
        }
        // Backups and retention (issue 7). In memory there is no backup folder: refused, typed.
        "backup_now" | "list_backups" | "backup_settings" | "retention_settings" | "retention_due" => json!({}),
        "verify_backup" | "preview_restore" => json!({ "path": w.file.to_string_lossy() }),
        "set_backup_settings" => json!({ "keep_daily": 7 }),
        "restore_backup" => json!({ "path": w.file.with_extension("no-such-backup").to_string_lossy() }),
        "retention_status" => json!({ "customer": "13812345678" }),
        "set_retention_years" => json!({ "years": 3 }),
        "anonymise_customer" => json!({ "customer": "13812345678", "reason": "客户书面申请" }),
        _ => return None,
    })
}

/// A fresh world: one user per role (created by the administrator through `upsert_user`, so
/// a role added later gets a user too) and a complaint dispatched to the home-service department.
fn world() -> (Fx, World, Vec<(Role, String)>) {
    let mut fx = Fx::new();
    let mut users = Vec::new();
    for &role in Role::ALL {
        let login = format!("r_{}", role.as_str());
        let dept = if role == Role::DeptHandler { Some("HS") } else { None };
        fx.ok(ADMIN, "upsert_user", json!({ "login": login, "name": format!("测试{}", role.as_str()), "role": role, "department": dept }));
        users.push((role, login));
    }
    let id = fx.dispatched(json!({}));
    let file = std::env::temp_dir().join(format!("cdesk-r77-evidence-{}.txt", std::process::id()));
    std::fs::write(&file, "现场照片说明").unwrap();
    (fx, World { complaint: id, file }, users)
}

#[test]
fn every_command_is_refused_to_every_role_outside_its_matrix_row() {
    // R7.7: a table over EVERY command of the registry × EVERY role. Roles outside the row get
    // `forbidden` (enforced in the backend, whatever the arguments); roles inside it are never
    // refused for their role. A command without a row here fails the test.
    let mut checked = 0;
    for cmd in api::commands() {
        let allowed = auth::allowed_roles(cmd.name).unwrap_or_else(|| panic!("{} has no row in the role matrix", cmd.name));
        for &role in Role::ALL {
            // Every call starts from the same state, so one role's success cannot mask another's check.
            let (mut fx, w, users) = world();
            let login = users.iter().find(|(r, _)| *r == role).unwrap().1.clone();
            let args = sample_args(cmd.name, role, &w)
                .unwrap_or_else(|| panic!("command {} has no row in the R7.7 table of this test: add one", cmd.name));
            let events = fx.count("events");
            let result = fx.call(&login, cmd.name, args);
            if allowed.contains(&role) {
                if let Err(e) = &result {
                    assert_ne!(e.code, "forbidden", "{} must be allowed to {} ({e:?})", role, cmd.name);
                    assert_ne!(e.code, "bad_arguments", "the sample arguments of {} are wrong: {e:?}", cmd.name);
                }
            } else {
                let e = result.expect_err(&format!("{role} must not be able to {}", cmd.name));
                assert_eq!(e.code, "forbidden", "{role} calling {} must get `forbidden`, got {e:?}", cmd.name);
                assert_eq!(e.details["role"], role.as_str(), "the refusal names the role");
                assert_eq!(fx.count("events"), events, "a refused {} must leave no trace", cmd.name);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, api::commands().len() * Role::ALL.len());
}

#[test]
fn the_auditor_reads_everything_but_changes_nothing() {
    // R7.7: the read-only auditor sees the board, the detail (masked, R7.8) and the timeline,
    // can verify signatures, and is refused every operation that changes a record.
    let (mut fx, w, _) = world();
    let number = fx.detail(&w.complaint)["number"].as_str().unwrap().to_string();
    assert!(numbers(&mut fx, AUDITOR, json!({})).contains(&number), "the auditor sees the board");
    let d = fx.ok(AUDITOR, "get_complaint", json!({ "complaint": w.complaint }));
    assert_eq!(d["number"], number.as_str());
    assert_eq!(d["contact_phone"], "138****5678", "the auditor does not need the phone number (R7.8)");
    assert!(d["allowed_actions"].as_array().unwrap().is_empty(), "the detail offers the auditor no action: {}", d["allowed_actions"]);
    assert!(!fx.ok(AUDITOR, "timeline", json!({ "complaint": w.complaint })).as_array().unwrap().is_empty());
    assert!(fx.ok(AUDITOR, "verify_signatures", json!({})).as_array().unwrap().iter().all(|s| s["digest_ok"] == true));
    fx.ok(AUDITOR, "escalations", json!({}));
    fx.ok(AUDITOR, "get_settings", json!({}));

    let stage = fx.stage(&w.complaint);
    let rows = |fx: &Fx| ["complaints", "steps", "dispatches", "users", "departments", "settings", "events"].map(|t| fx.count(t));
    let before = rows(&fx);
    for cmd in api::commands().iter().filter(|c| !c.read_only) {
        // Saving a personal search view and changing one's own password are the writes an
        // auditor may make: neither touches a complaint record or anyone else's data.
        if ["save_view", "set_password"].contains(&cmd.name) {
            continue;
        }
        let e = fx
            .call(AUDITOR, cmd.name, sample_args(cmd.name, Role::Auditor, &w).unwrap())
            .expect_err(&format!("the auditor must not be able to {}", cmd.name));
        assert_eq!(e.code, "forbidden", "auditor calling {}: {e:?}", cmd.name);
    }
    assert_eq!(rows(&fx), before, "the auditor changed nothing");
    assert_eq!(fx.stage(&w.complaint), stage);
}

#[test]
fn a_department_handler_sees_only_their_departments_complaints() {
    // R7.7: the board, search, detail and timeline of a department handler are limited to the
    // complaints currently with their department, whatever filter they send.
    let mut fx = Fx::new();
    let (hs, hs_no) = dispatched_to(&mut fx, "HS", json!({}));
    let (tr, tr_no) = dispatched_to(&mut fx, "TR", json!({ "phone": "13700000002", "customer_name": "钱七" }));
    let (_reg, reg_no) = fx.register(json!({ "phone": "13700000003", "customer_name": "孙八" }));

    assert_eq!(numbers(&mut fx, MANAGER, json!({})), set(&[&hs_no, &tr_no, &reg_no]), "CS sees every complaint");
    assert_eq!(numbers(&mut fx, HS_HANDLER, json!({})), set(&[&hs_no]), "hs01 sees only 家政服务部's complaint");
    assert_eq!(numbers(&mut fx, TR_HANDLER, json!({})), set(&[&tr_no]), "tr01 sees only 培训部's complaint");
    assert_eq!(numbers(&mut fx, HS_HANDLER, json!({ "department": "TR" })), none(), "asking for another department shows nothing");
    assert!(numbers(&mut fx, QA_HANDLER, json!({})).is_empty(), "qa01 has nothing");
    let r = fx.ok(HS_HANDLER, "board", json!({ "filter": {}, "with_total": true }));
    assert_eq!(r["total"], 1, "the total counts only what the handler may see");

    for op in ["get_complaint", "timeline"] {
        assert_eq!(fx.err(HS_HANDLER, op, json!({ "complaint": tr })).code, "forbidden", "{op} of another department's complaint");
        fx.ok(TR_HANDLER, op, json!({ "complaint": tr }));
    }
    let e = fx.err(HS_HANDLER, "record_findings", json!({ "complaint": tr, "finding": "true", "root_cause": "x", "solution": "y" }));
    assert_eq!(e.code, "forbidden", "a handler cannot act on another department's complaint");
    fx.ok(HS_HANDLER, "get_complaint", json!({ "complaint": hs }));

    // After a transfer the complaint leaves the first department's view and enters the second's.
    fx.ok(HS_HANDLER, "transfer", json!({ "complaint": hs, "department": "QA", "reason": "质检部负责" }));
    assert!(numbers(&mut fx, HS_HANDLER, json!({})).is_empty());
    assert_eq!(fx.err(HS_HANDLER, "get_complaint", json!({ "complaint": hs })).code, "forbidden");
    assert_eq!(numbers(&mut fx, QA_HANDLER, json!({})), set(&[&hs_no]));
}

// ---------------------------------------------------------------------------------------------
// R7.8 privacy

#[test]
fn phones_are_masked_in_lists_for_everyone_and_in_the_detail_for_roles_without_access() {
    // R7.8: 13812345678 → 138****5678 in every list; the detail shows the full number only to
    // customer-service roles (and the branch manager), who need it to call back.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({ "address": "朝阳区望京西园3号" }));
    let number = fx.detail(&id)["number"].as_str().unwrap().to_string();
    for login in [AGENT, AGENT2, MANAGER, BRANCH_MANAGER, HS_HANDLER, AUDITOR, ADMIN] {
        let r = fx.ok(login, "board", json!({ "filter": {} }));
        let card = r["items"].as_array().unwrap().iter().find(|c| c["number"] == number.as_str());
        let card = card.unwrap_or_else(|| panic!("{login} should see the complaint on the board"));
        assert_eq!(card["phone_masked"], "138****5678", "{login}: the board masks the phone");
        assert!(!r.to_string().contains("13812345678"), "{login}: no list carries the full phone number");
    }
    for login in [AGENT, AGENT2, MANAGER, BRANCH_MANAGER] {
        let d = fx.ok(login, "get_complaint", json!({ "complaint": id }));
        assert_eq!(d["contact_phone"], "13812345678", "{login} needs the full number");
        assert_eq!(d["phone_masked"], false);
        assert_eq!(d["customer_name"], "王芳");
        assert_eq!(d["records"]["signatures"][0]["signer_name"], "王芳", "{login} sees who signed");
    }
    for login in [HS_HANDLER, AUDITOR, ADMIN] {
        let d = fx.ok(login, "get_complaint", json!({ "complaint": id }));
        assert_eq!(d["contact_phone"], "138****5678", "{login} sees the phone masked");
        assert_eq!(d["phone_masked"], true, "{login}: the UI is told the number is masked");
        assert_eq!(d["customer_name"], "王*", "{login}: the name is masked too");
        assert_eq!(d["address"], "", "{login}: the address is withheld");
        let whole = d.to_string();
        assert!(!whole.contains("13812345678") && !whole.contains("望京西园3号"), "{login}: nothing in the detail leaks it: {whole}");
        assert!(!whole.contains("王芳"), "{login}: the customer's name is not in the detail either: {whole}");
        let tl = fx.ok(login, "timeline", json!({ "complaint": id })).to_string();
        assert!(!tl.contains("13812345678"), "{login}: the timeline does not leak the phone");
        assert!(!tl.contains("王芳"), "{login}: the timeline does not leak the customer's name: {tl}");
    }
    let n = events_of(&fx, "personal_data_viewed").len();
    fx.ok(AUDITOR, "get_complaint", json!({ "complaint": id }));
    assert_eq!(events_of(&fx, "personal_data_viewed").len(), n, "a masked view reveals nothing to log");
}

// ---------------------------------------------------------------------------------------------
// R7.10 search

struct Three {
    a: String,
    b: String,
    c: String,
}

/// A: 王芳, regular, cleaner 赵秀英 (W9001), order SO2026031001, about the air conditioner (空调),
///    dispatched to 家政服务部 at 10:00 by cs01.
/// B: María Peña, VIP (so major), warning level 3, Spanish description, registered by cs02, left
///    at "registered".
/// C: 李强, temporary, a letter received the evening before, dispatched to 培训部 at 10:05.
fn three(fx: &mut Fx) -> Three {
    fx.ok(ADMIN, "upsert_worker", json!({ "code": "W9001", "name": "赵秀英", "kind": "保洁员" }));
    let (a, a_no) = dispatched_to(fx, "HS", json!({ "worker": "W9001", "service_order_no": "SO2026031001" }));
    let _ = a;
    let mut b_args = base_registration();
    for (k, v) in [
        ("customer_name", json!("María Peña")),
        ("phone", json!("139-0000-1111")),
        ("tier", json!("vip")),
        ("channel", json!("phone")),
        ("category", json!("business")),
        ("sub_category", json!("价格")),
        ("description", json!("La limpiadora rompió el jarrón del salón y no avisó.")),
        ("expected_outcome", json!("Reembolso")),
        ("warning_level", json!(3)),
        ("signature_missing_reason", json!("电话投诉，客户不在场")),
    ] {
        b_args[k] = v;
    }
    b_args.as_object_mut().unwrap().remove("signature");
    let b_no = fx.ok(AGENT2, "register", b_args)["number"].as_str().unwrap().to_string();
    fx.advance(chrono::Duration::minutes(5));
    let (_, c_no) = dispatched_to(
        fx,
        "TR",
        json!({
            "customer_name": "李强", "phone": "13700002222", "tier": "temporary", "channel": "letter",
            "sub_category": "专业技能", "description": "月嫂不会给新生儿洗澡，冲奶粉比例也不对。", "expected_outcome": "更换月嫂",
            "received_at": "2026-03-09T12:00:00Z", "signature": null, "signature_missing_reason": "信函投诉",
        }),
    );
    fx.advance(chrono::Duration::minutes(-5));
    Three { a: a_no, b: b_no, c: c_no }
}

#[test]
fn search_by_every_condition_of_the_rule_book() {
    // R7.10: number, phone, customer and worker name, service order, Chinese and Latin
    // substrings (one and two Chinese characters included), stage, department, owner, tier,
    // nature, warning level, date range, due soon and overdue.
    let mut fx = Fx::new();
    let Three { a, b, c } = three(&mut fx);
    let mut q = |f: Value| numbers(&mut fx, MANAGER, f);

    assert_eq!(q(json!({})), set(&[&a, &b, &c]));
    // Number: exact, and by prefix (branch + day).
    assert_eq!(q(json!({ "number": a })), set(&[&a]), "by complaint number");
    assert_eq!(q(json!({ "number": "HQ-20260310" })), set(&[&a, &b, &c]), "by number prefix");
    assert_eq!(q(json!({ "text": a })), set(&[&a]), "the number is in the text index too");
    // Phone: by its last digits, whatever the separators.
    assert_eq!(q(json!({ "phone": "5678" })), set(&[&a]), "phone suffix");
    assert_eq!(q(json!({ "phone": "2222" })), set(&[&c]));
    assert_eq!(q(json!({ "phone": "139-0000-1111" })), set(&[&b]), "a full number typed with dashes");
    assert_eq!(q(json!({ "phone": "1234" })), none(), "a suffix, not any substring");
    // Customer name, Chinese and Latin with an accent.
    assert_eq!(q(json!({ "text": "王芳" })), set(&[&a]), "customer name (two Chinese characters)");
    assert_eq!(q(json!({ "text": "李强" })), set(&[&c]));
    assert_eq!(q(json!({ "text": "Peña" })), set(&[&b]), "customer name with an accent");
    assert_eq!(q(json!({ "text": "María Peña" })), set(&[&b]));
    // Worker name and code, service order.
    assert_eq!(q(json!({ "text": "赵秀英" })), set(&[&a]), "worker name");
    assert_eq!(q(json!({ "text": "W9001" })), set(&[&a]), "worker code");
    assert_eq!(q(json!({ "text": "SO2026031001" })), set(&[&a]), "service order number");
    assert_eq!(q(json!({ "text": "2026031001" })), set(&[&a]), "part of a service order number");
    // Chinese substrings of one, two and three or more characters.
    assert_eq!(q(json!({ "text": "迟" })), set(&[&a]), "one Chinese character");
    assert_eq!(q(json!({ "text": "澡" })), set(&[&c]), "one Chinese character");
    assert_eq!(q(json!({ "text": "空调" })), set(&[&a]), "two Chinese characters: 空调");
    assert_eq!(q(json!({ "text": "调空" })), none(), "characters must be adjacent and in order");
    assert_eq!(q(json!({ "text": "空洗" })), none(), "two characters that are both present but not adjacent do not match");
    assert_eq!(q(json!({ "text": "新生儿" })), set(&[&c]), "three Chinese characters");
    assert_eq!(q(json!({ "text": "空调也没有清洗" })), set(&[&a]), "a longer Chinese phrase");
    assert_eq!(q(json!({ "text": "守时" })), set(&[&a]), "the sub-category is searchable");
    // Latin substrings, inside words and across them, with accents.
    assert_eq!(q(json!({ "text": "jarrón" })), set(&[&b]), "Latin word with an accent");
    assert_eq!(q(json!({ "text": "rompió el" })), set(&[&b]), "across words");
    assert_eq!(q(json!({ "text": "impiador" })), set(&[&b]), "inside a word");
    assert_eq!(q(json!({ "text": "LIMPIADORA" })), set(&[&b]), "Latin search ignores case");
    assert_eq!(q(json!({ "text": "ña" })), set(&[&b]), "two Latin characters");
    // Stage, department, owner, classification, warning level.
    assert_eq!(q(json!({ "stages": ["registered"] })), set(&[&b]), "by stage");
    assert_eq!(q(json!({ "stages": ["dispatched"] })), set(&[&a, &c]));
    assert_eq!(q(json!({ "stages": ["registered", "dispatched"] })), set(&[&a, &b, &c]));
    assert_eq!(q(json!({ "open_only": true })), set(&[&a, &b, &c]));
    assert_eq!(q(json!({ "stages": ["closed"] })), none());
    assert_eq!(q(json!({ "department": "HS" })), set(&[&a]), "by department code");
    assert_eq!(q(json!({ "department": "TR" })), set(&[&c]));
    assert_eq!(q(json!({ "owner": "cs02" })), set(&[&b]), "by owner login");
    assert_eq!(q(json!({ "owner": "cs01" })), set(&[&a, &c]));
    assert_eq!(q(json!({ "tier": "vip" })), set(&[&b]), "by tier");
    assert_eq!(q(json!({ "tier": "temporary" })), set(&[&c]));
    assert_eq!(q(json!({ "tier": "regular" })), set(&[&a]));
    assert_eq!(q(json!({ "nature": "major" })), set(&[&b]), "by nature (VIP makes it major, R2.1)");
    assert_eq!(q(json!({ "nature": "general" })), set(&[&a, &c]));
    assert_eq!(q(json!({ "category": "business" })), set(&[&b]));
    assert_eq!(q(json!({ "min_warning_level": 3 })), set(&[&b]), "by warning level");
    assert_eq!(q(json!({ "min_warning_level": 1 })), set(&[&a, &b, &c]));
    // Date range on the received time: C's letter came the evening before.
    assert_eq!(q(json!({ "received_from": "2026-03-10T00:00:00+08:00" })), set(&[&a, &b]), "received from");
    assert_eq!(q(json!({ "received_to": "2026-03-10T00:00:00+08:00" })), set(&[&c]), "received before");
    assert_eq!(q(json!({ "received_from": "2026-03-09T00:00:00+08:00", "received_to": "2026-03-11T00:00:00+08:00" })), set(&[&a, &b, &c]));

    // Due soon / overdue (R4.6) at 13:00: B's 30-minute report and dispatch are long overdue;
    // C's stage reply (temporary, 20 h from 20:00 the evening before → 16:00) is past 80 % (from
    // 12:00); A's earliest deadline (stage reply, 12 h → 22:00) is not yet due soon (from 19:36).
    fx.advance(chrono::Duration::hours(3));
    let mut q = |f: Value| numbers(&mut fx, MANAGER, f);
    assert_eq!(q(json!({ "due": "overdue" })), set(&[&b]), "overdue");
    assert_eq!(q(json!({ "due": "due_soon" })), set(&[&c]), "due soon");
    // Combinable.
    assert_eq!(q(json!({ "due": "overdue", "nature": "major" })), set(&[&b]));
    assert_eq!(q(json!({ "due": "overdue", "tier": "regular" })), none());
    assert_eq!(q(json!({ "text": "空调", "stages": ["dispatched"], "department": "HS", "tier": "regular" })), set(&[&a]));
    assert_eq!(q(json!({ "text": "空调", "stages": ["registered"] })), none());
    assert_eq!(q(json!({ "phone": "5678", "owner": "cs02" })), none());
    assert_eq!(q(json!({ "owner": "cs01", "received_from": "2026-03-10T00:00:00+08:00" })), set(&[&a]));
    assert_eq!(q(json!({ "text": "Peña", "min_warning_level": 3, "stages": ["registered"] })), set(&[&b]));

    // The card says which deadline is pressing.
    let r = fx.ok(MANAGER, "search", json!({ "filter": {}, "with_total": true }));
    assert_eq!(r["total"], 3);
    let urgency = |n: &str| r["items"].as_array().unwrap().iter().find(|c| c["number"] == n).unwrap()["urgency"].clone();
    assert_eq!(urgency(&b), "overdue");
    assert_eq!(urgency(&c), "due_soon");
    assert_eq!(urgency(&a), "on_time");
}

#[test]
fn searches_are_saved_as_named_views_per_user() {
    // R7.10: a combination of conditions is saved under a name, listed, and can be run again.
    let mut fx = Fx::new();
    let Three { a, .. } = three(&mut fx);
    let filter = json!({ "text": "空调", "stages": ["dispatched"], "department": "HS" });
    fx.ok(AGENT, "save_view", json!({ "name": "家政部空调投诉", "filter": filter }));
    fx.ok(AGENT, "save_view", json!({ "name": "VIP", "filter": { "tier": "vip" } }));
    let views = fx.ok(AGENT, "list_views", json!({}));
    let views = views.as_array().unwrap();
    assert_eq!(views.len(), 2);
    let v = views.iter().find(|v| v["name"] == "家政部空调投诉").expect("the view is listed by name");
    assert_eq!(v["filter"]["text"], "空调");
    assert_eq!(v["filter"]["stages"], json!(["dispatched"]));
    assert_eq!(numbers(&mut fx, AGENT, v["filter"].clone()), set(&[&a]), "running the saved view finds the same complaints");

    // Saving under the same name replaces the view.
    fx.ok(AGENT, "save_view", json!({ "name": "VIP", "filter": { "tier": "vip", "min_warning_level": 3 } }));
    let views = fx.ok(AGENT, "list_views", json!({}));
    assert_eq!(views.as_array().unwrap().len(), 2, "no duplicate view");
    let vip = views.as_array().unwrap().iter().find(|v| v["name"] == "VIP").unwrap();
    assert_eq!(vip["filter"]["min_warning_level"], 3);

    // Views belong to the user who saved them.
    assert!(fx.ok(AGENT2, "list_views", json!({})).as_array().unwrap().is_empty());
    // An unknown condition is refused instead of silently ignored.
    assert_eq!(fx.err(AGENT, "save_view", json!({ "name": "x", "filter": { "colour": "red" } })).code, "bad_arguments");
}

// ---------------------------------------------------------------------------------------------
// R7.11 signatures

fn stored_signature(fx: &Fx, complaint: &str, purpose: &str) -> (String, String, String) {
    fx.store
        .conn
        .query_row(
            "SELECT content_json, strokes_json, digest FROM signatures WHERE complaint_id = ?1 AND purpose = ?2",
            params![complaint, purpose],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

#[test]
fn signature_digests_are_recomputed_and_content_changes_are_detected() {
    // R7.11: the digest covers what was signed together with the strokes; verify_signatures
    // recomputes it and compares the signed registration with the complaint as it is now.
    let mut fx = Fx::new();
    let (id, number) = fx.register(json!({}));
    let (content, strokes, digest) = stored_signature(&fx, &id, "registration");
    assert_eq!(signature::digest(&content, &strokes), digest, "the stored digest is SHA-256 over content and strokes");
    let now_content = workflow::intake::registration_content(&fx.store.conn, &id).unwrap();
    assert_eq!(signature::canonical(&now_content), content, "what was signed is the registration as recorded");
    let signed: Value = serde_json::from_str(&content).unwrap();
    assert_eq!(signed["number"], number.as_str());
    assert_eq!(signed["contact_phone"], "13812345678");
    assert!(signed["description"].as_str().unwrap().contains("空调"));
    assert_eq!(events_of(&fx, "signed")[0].3["digest"], digest.as_str(), "the timeline carries the digest");
    assert_eq!(fx.detail(&id)["records"]["signatures"][0]["digest"], digest.as_str(), "the detail shows the digest to print");

    let check = |fx: &mut Fx| -> Value {
        let r = fx.ok(AUDITOR, "verify_signatures", json!({ "complaint": id }));
        assert_eq!(r.as_array().unwrap().len(), 1);
        r[0].clone()
    };
    let c = check(&mut fx);
    assert_eq!(c["purpose"], "registration");
    assert_eq!(c["complaint_number"], number.as_str());
    assert_eq!(c["digest"], digest.as_str());
    assert_eq!(c["digest_ok"], true);
    assert_eq!(c["content_matches_record"], true);

    // Someone edits the registration in the database: the signed copy no longer matches.
    fx.store.conn.execute("UPDATE complaints SET description = '客户对服务很满意' WHERE id = ?1", params![id]).unwrap();
    let c = check(&mut fx);
    assert_eq!(c["digest_ok"], true, "the signature itself is intact");
    assert_eq!(c["content_matches_record"], false, "but the record differs from what the customer signed");
    let original: String = signed["description"].as_str().unwrap().to_string();
    fx.store.conn.execute("UPDATE complaints SET description = ?1 WHERE id = ?2", params![original, id]).unwrap();
    assert_eq!(check(&mut fx)["content_matches_record"], true, "putting the signed text back matches again");
    for (col, val) in [("contact_phone", "13900000000"), ("customer_name", "王芬"), ("expected_outcome", "赔偿一万元")] {
        fx.store.conn.execute(&format!("UPDATE complaints SET {col} = ?1 WHERE id = ?2"), params![val, id]).unwrap();
        assert_eq!(check(&mut fx)["content_matches_record"], false, "changing {col} is detected");
        fx.store
            .conn
            .execute(&format!("UPDATE complaints SET {col} = ?1 WHERE id = ?2"), params![signed[col].as_str().unwrap(), id])
            .unwrap();
    }
    assert_eq!(check(&mut fx)["content_matches_record"], true);

    // Someone forges the signature itself (triggers dropped): the digest no longer matches.
    fx.store
        .conn
        .execute_batch(
            "DROP TRIGGER signatures_no_update;
             UPDATE signatures SET strokes_json = '[[{\"x\":1.0,\"y\":1.0,\"t\":0,\"p\":0.5},{\"x\":2.0,\"y\":2.0,\"t\":9,\"p\":0.5}]]';",
        )
        .unwrap();
    let c = check(&mut fx);
    assert_eq!(c["digest_ok"], false, "forged strokes break the digest");
}

#[test]
fn agreement_and_survey_signatures_are_verified_too() {
    // R7.11: the agreement to the written decision (R5.4) and the on-site survey (R6.1) are
    // signed records whose digests are recomputed as well.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    fx.ok(HS_HANDLER, "record_findings", json!({ "complaint": id, "finding": "true", "root_cause": "迟到", "solution": "道歉并免费返工" }));
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true, "signature": signature("王芳") }));
    fx.ok(AGENT, "implement", json!({ "complaint": id, "actions": "已返工", "done_by": "赵磊" }));
    fx.ok(AGENT, "survey", json!({ "complaint": id, "overall": "very_satisfied", "method": "visit", "signature": signature("王芳") }));
    let (content, strokes, digest) = stored_signature(&fx, &id, "agreement");
    assert_eq!(signature::digest(&content, &strokes), digest);
    let agreed: Value = serde_json::from_str(&content).unwrap();
    assert_eq!(agreed["decision"], "道歉并免费返工", "the customer signed the written decision (R5.6)");
    assert_eq!(agreed["agreed"], true);
    let r = fx.ok(MANAGER, "verify_signatures", json!({ "complaint": id }));
    let purposes: BTreeSet<&str> = r.as_array().unwrap().iter().map(|s| s["purpose"].as_str().unwrap()).collect();
    assert_eq!(purposes, ["agreement", "registration", "survey"].into_iter().collect());
    assert!(r.as_array().unwrap().iter().all(|s| s["digest_ok"] == true && s["content_matches_record"] == true), "{r}");
    // Without a complaint, every signature in the database is checked.
    let all = fx.ok(MANAGER, "verify_signatures", json!({}));
    assert_eq!(all.as_array().unwrap().len() as i64, fx.count("signatures"));
}

#[test]
fn a_recorded_reclassification_at_review_keeps_the_customers_signature_valid() {
    // R3.5 + R7.11: the reviewer may correct the category; the customer signed what they said,
    // not the staff's classification, so the signature still matches the record.
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "属实，类别更正", "category": "business", "sub_category": "排班" }));
    let r = fx.ok(AUDITOR, "verify_signatures", json!({ "complaint": id }));
    assert_eq!(r[0]["digest_ok"], true);
    assert_eq!(r[0]["content_matches_record"], true, "a legitimate, recorded reclassification must not look like tampering");
    assert_eq!(fx.detail(&id)["category"], "business");
}

#[test]
fn a_repeated_search_is_logged_once_not_once_per_board_column() {
    // R7.10 / R7.1: each look at personal data is logged; the board asking eight columns and
    // refreshing every minute is one look.
    let mut fx = Fx::new();
    fx.register(json!({}));
    let count = |fx: &Fx| {
        fx.store.conn.query_row("SELECT COUNT(*) FROM events WHERE kind = 'personal_data_search'", [], |r| r.get::<_, i64>(0)).unwrap()
    };
    for stage in ["registered", "reviewed", "dispatched"] {
        fx.ok(AGENT, "board", json!({ "filter": { "text": "王芳", "stages": [stage] } }));
    }
    fx.ok(AGENT, "board", json!({ "filter": { "text": "王芳" } }));
    assert_eq!(count(&fx), 1, "one search, one log entry");
    fx.ok(AGENT, "board", json!({ "filter": { "text": "空调" } }));
    assert_eq!(count(&fx), 2, "another search is logged");
    fx.ok(AGENT2, "board", json!({ "filter": { "text": "王芳" } }));
    assert_eq!(count(&fx), 3, "another person's search is logged");
    fx.advance(chrono::Duration::minutes(11));
    fx.ok(AGENT, "board", json!({ "filter": { "text": "王芳" } }));
    assert_eq!(count(&fx), 4, "the same search later is logged again");
}
