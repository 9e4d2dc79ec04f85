//! Sections 5 (dispatch and handling) and 6 (follow-up and closing) of the rule book, proved
//! through the command API. Each test cites the rule it proves.

use crate::common;
use common::*;

use chrono::Duration;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// helpers

fn dept_id(fx: &Fx, code: &str) -> String {
    fx.store.conn.query_row("SELECT id FROM departments WHERE code = ?1", [code], |r| r.get(0)).expect("department")
}

fn user_id(fx: &Fx, login: &str) -> String {
    fx.store.conn.query_row("SELECT id FROM users WHERE login = ?1", [login], |r| r.get(0)).expect("user")
}

fn records(fx: &mut Fx, id: &str, table: &str) -> Vec<Value> {
    fx.detail(id)["records"][table].as_array().cloned().unwrap_or_default()
}

/// Timeline events of `kind` (read as the manager; reading the timeline appends nothing).
fn events(fx: &mut Fx, id: &str, kind: &str) -> Vec<Value> {
    let ev = fx.ok(MANAGER, "timeline", json!({ "complaint": id }));
    ev.as_array().unwrap().iter().filter(|e| e["kind"] == kind).cloned().collect()
}

fn findings(fx: &mut Fx, id: &str, finding: &str, solution: &str) {
    fx.ok(
        HS_HANDLER,
        "record_findings",
        json!({
            "complaint": id, "finding": finding,
            "root_cause": "保洁员未按排班时间出发，调度未跟进",
            "solution": solution,
        }),
    );
}

const SOLUTION: &str = "向客户书面道歉，安排另一名保洁员免费重新服务一次，并退还本次服务费100元。";

/// registered → reviewed → dispatched (HS) → in_handling → findings "true" → awaiting_customer.
fn awaiting(fx: &mut Fx) -> String {
    let id = fx.dispatched(json!({}));
    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    findings(fx, &id, "true", SOLUTION);
    id
}

/// … → the customer agrees → implementing.
fn implementing(fx: &mut Fx) -> String {
    let id = awaiting(fx);
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true }));
    id
}

/// … → implemented (apology only) → follow_up.
fn follow_up(fx: &mut Fx) -> String {
    let id = implementing(fx);
    fx.ok(
        HS_HANDLER,
        "implement",
        json!({
            "complaint": id, "actions": "当面道歉并重新安排保洁", "done_by": "家政服务部 李主管",
            "compensations": [{ "kind": "apology" }],
        }),
    );
    id
}

fn satisfied_survey(fx: &mut Fx, id: &str) {
    fx.ok(AGENT, "survey", json!({ "complaint": id, "overall": "satisfied", "method": "phone" }));
}

fn closed(fx: &mut Fx) -> String {
    let id = follow_up(fx);
    satisfied_survey(fx, &id);
    fx.ok(AGENT, "close", json!({ "complaint": id }));
    id
}

/// Asserts the command is refused as an illegal transition naming `stage`, and changes nothing.
#[track_caller]
fn assert_illegal(fx: &mut Fx, login: &str, op: &str, args: Value, stage: &str) {
    let events = fx.count("events");
    let stage_before: String =
        fx.store.conn.query_row("SELECT stage FROM complaints WHERE id = ?1", [args["complaint"].as_str().unwrap()], |r| r.get(0)).unwrap();
    let e = fx.err(login, op, args.clone());
    assert_eq!(e.code, "illegal_transition", "{op} in {stage} must be an illegal transition, got {e:?}");
    assert_eq!(e.details["stage"], stage, "the error must name the current stage for {op}");
    assert_eq!(e.details["operation"], op, "the error must name the refused operation");
    assert_eq!(fx.count("events"), events, "a refused {op} must not append to the timeline");
    let stage_after: String =
        fx.store.conn.query_row("SELECT stage FROM complaints WHERE id = ?1", [args["complaint"].as_str().unwrap()], |r| r.get(0)).unwrap();
    assert_eq!(stage_after, stage_before, "a refused {op} must not move the complaint");
}

#[track_caller]
fn assert_code(e: &complaint_desk::ApiError, code: &str, what: &str) {
    assert_eq!(e.code, code, "{what}: expected {code}, got {e:?}");
}

// ---------------------------------------------------------------------------------------------
// R5.1 dispatch

#[test]
fn dispatch_names_department_assignee_note_and_deadline() {
    // R5.1: the dispatch names the department, optionally a person, a note and the deadline.
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "情况属实，受理" }));
    let due = fx.now + Duration::hours(4);
    let due_s = due.to_rfc3339();
    let r = fx.ok(
        AGENT,
        "dispatch",
        json!({
            "complaint": id, "department": "HS", "assignee": HS_HANDLER,
            "note": "请于4小时内联系客户并核实保洁员迟到情况", "due_at": due_s,
        }),
    );
    assert_eq!(r["stage"], "dispatched");
    assert_eq!(t(r["due_at"].as_str().unwrap()), due, "the deadline given at dispatch is the department's deadline");

    let d = fx.detail(&id);
    assert_eq!(d["stage"], "dispatched", "dispatch moves the complaint to the department");
    assert_eq!(d["department_id"], dept_id(&fx, "HS"), "the complaint names the responsible department");
    let disp = d["records"]["dispatches"].as_array().unwrap();
    assert_eq!(disp.len(), 1, "one dispatch is recorded: {disp:?}");
    assert_eq!(disp[0]["kind"], "dispatch");
    assert_eq!(disp[0]["department_name"], "家政服务部", "the dispatch record names the department");
    assert_eq!(disp[0]["note"], "请于4小时内联系客户并核实保洁员迟到情况", "the dispatch note (派送意见) is recorded");
    assert_eq!(t(disp[0]["due_at"].as_str().unwrap()), due, "the dispatch record carries the deadline");
    let dept_steps: Vec<&Value> = d["steps"].as_array().unwrap().iter().filter(|s| s["kind"] == "department").collect();
    assert_eq!(dept_steps.len(), 1, "a department step with its deadline is opened");
    assert_eq!(t(dept_steps[0]["due_at"].as_str().unwrap()), due, "the department step runs to the dispatch deadline");

    let ev = events(&mut fx, &id, "dispatched");
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["data"]["assignee_id"], user_id(&fx, HS_HANDLER), "the named person is recorded with the dispatch");
    let assignee: Option<String> =
        fx.store.conn.query_row("SELECT assignee_id FROM complaints WHERE id = ?1", [&id], |r| r.get(0)).unwrap();
    assert_eq!(assignee, Some(user_id(&fx, HS_HANDLER)), "the complaint is assigned to the named person");
}

#[test]
fn dispatch_without_deadline_takes_the_policy_limit_and_person_is_optional() {
    // R5.1: the person is optional; the deadline defaults to the policy's department limit.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    let disp = records(&mut fx, &id, "dispatches");
    let due = t(disp[0]["due_at"].as_str().expect("a dispatch always has a deadline"));
    assert!(due > fx.now, "the default department deadline lies ahead of the dispatch");
    let ev = events(&mut fx, &id, "dispatched");
    assert!(ev[0]["data"]["assignee_id"].is_null(), "no person named → none recorded");
}

#[test]
fn dispatch_requires_note_a_future_deadline_and_an_assignee_of_that_department() {
    // R5.1
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "受理" }));
    let before = (fx.count("events"), fx.count("dispatches"));

    let e = fx.err(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "  " }));
    assert_code(&e, "invalid", "a dispatch without a note");
    assert_eq!(e.details["field"], "note", "the dispatch note is required");

    let past = (fx.now - Duration::hours(1)).to_rfc3339();
    let e = fx.err(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请处理", "due_at": past }));
    assert_code(&e, "invalid", "a deadline in the past");
    assert_eq!(e.details["field"], "due_at");

    let e = fx.err(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "assignee": TR_HANDLER, "note": "请处理" }));
    assert_code(&e, "invalid", "an assignee from another department");
    assert_eq!(e.details["reason"], "not_in_department", "the named person must belong to the department");

    let e = fx.err(AGENT, "dispatch", json!({ "complaint": id, "department": "NOPE", "note": "请处理" }));
    assert_code(&e, "not_found", "an unknown department");

    assert_eq!((fx.count("events"), fx.count("dispatches")), before, "refused dispatches change nothing");
    assert_eq!(fx.stage(&id), "reviewed");
}

#[test]
fn only_the_responsible_department_acts_on_a_dispatched_complaint() {
    // R5.1 (with R7.7): the dispatch names the department; a handler of another one is refused.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    let before = fx.count("events");
    for (op, args) in [
        ("accept_dispatch", json!({ "complaint": id })),
        ("return_dispatch", json!({ "complaint": id, "reason": "不是我们部门的事" })),
        ("transfer", json!({ "complaint": id, "department": "FI", "reason": "转财务" })),
        ("record_findings", json!({ "complaint": id, "finding": "not_true", "root_cause": "", "solution": "不属实" })),
        ("get_complaint", json!({ "complaint": id })),
    ] {
        let e = fx.err(TR_HANDLER, op, args);
        assert_code(&e, "forbidden", &format!("{op} by a handler of another department"));
    }
    assert_eq!(fx.count("events"), before, "refused operations change nothing");
    let e = fx.err(AGENT, "accept_dispatch", json!({ "complaint": id }));
    assert_code(&e, "forbidden", "a CS agent signing for the department");

    let r = fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    assert_eq!(r["stage"], "in_handling", "the named department signs for it and starts handling");
}

// ---------------------------------------------------------------------------------------------
// R5.2 return and transfer

#[test]
fn department_returns_a_complaint_to_cs_with_a_reason() {
    // R5.2: return (退单) to CS with a reason.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));

    let before = fx.count("events");
    let e = fx.err(HS_HANDLER, "return_dispatch", json!({ "complaint": id, "reason": "" }));
    assert_code(&e, "invalid", "a return without a reason");
    assert_eq!(e.details["field"], "reason");
    assert_eq!(fx.count("events"), before);

    let r = fx.ok(HS_HANDLER, "return_dispatch", json!({ "complaint": id, "reason": "涉及培训问题，非本部门职责" }));
    assert_eq!(r["stage"], "reviewed", "a returned complaint is back with CS, ready to dispatch again");
    let d = fx.detail(&id);
    assert!(d["department_id"].is_null(), "a returned complaint is no longer with the department");
    let disp = d["records"]["dispatches"].as_array().unwrap();
    assert_eq!(disp[0]["outcome"], "returned", "the dispatch ends as returned");
    assert_eq!(disp[0]["outcome_reason"], "涉及培训问题，非本部门职责", "the return reason is recorded");
    assert!(!disp[0]["ended_at"].is_null());
    let ev = events(&mut fx, &id, "returned");
    assert_eq!(ev[0]["data"]["reason"], "涉及培训问题，非本部门职责");
    let open_dispatch_step = d["steps"].as_array().unwrap().iter().any(|s| s["kind"] == "dispatch" && s["completed_at"].is_null());
    assert!(open_dispatch_step, "CS must dispatch it again within the dispatch limit");

    let e = fx.err(HS_HANDLER, "get_complaint", json!({ "complaint": id }));
    assert_code(&e, "forbidden", "the department that returned it no longer has it");
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "TR", "note": "请培训部处理" }));
    assert_eq!(fx.stage(&id), "dispatched");
}

#[test]
fn department_transfers_to_another_department_with_reason_target_and_deadline() {
    // R5.2: transfer (转派) with a reason, the target and a deadline.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));

    let before = fx.count("events");
    let e = fx.err(HS_HANDLER, "transfer", json!({ "complaint": id, "department": "TR", "reason": " " }));
    assert_eq!(e.details["field"], "reason", "a transfer needs a reason: {e:?}");
    let e = fx.err(HS_HANDLER, "transfer", json!({ "complaint": id, "department": "HS", "reason": "自己转自己" }));
    assert_eq!(e.details["reason"], "same_department", "a transfer goes to another department: {e:?}");
    assert_eq!(fx.count("events"), before, "refused transfers change nothing");

    let due = fx.now + Duration::hours(6);
    let r = fx.ok(
        HS_HANDLER,
        "transfer",
        json!({
            "complaint": id, "department": "TR", "reason": "保洁员操作不规范，需培训部处理", "due_at": due.to_rfc3339(),
        }),
    );
    assert_eq!(r["stage"], "dispatched", "the target department must sign for it");
    assert_eq!(t(r["due_at"].as_str().unwrap()), due);

    let d = fx.detail(&id);
    assert_eq!(d["department_id"], dept_id(&fx, "TR"), "the target department is now responsible");
    let disp = d["records"]["dispatches"].as_array().unwrap();
    assert_eq!(disp.len(), 2, "the original dispatch and the transfer are both recorded: {disp:?}");
    assert_eq!(disp[0]["outcome"], "transferred");
    assert_eq!(disp[0]["outcome_reason"], "保洁员操作不规范，需培训部处理");
    assert_eq!(disp[1]["kind"], "transfer");
    assert_eq!(disp[1]["department_name"], "培训部", "the transfer names its target");
    assert_eq!(disp[1]["note"], "保洁员操作不规范，需培训部处理", "the transfer carries its reason");
    assert_eq!(t(disp[1]["due_at"].as_str().unwrap()), due, "the transfer carries its deadline");
    let ev = events(&mut fx, &id, "transferred");
    assert_eq!(ev[0]["data"]["from"], dept_id(&fx, "HS"));
    assert_eq!(ev[0]["data"]["to"], dept_id(&fx, "TR"));

    let e = fx.err(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    assert_code(&e, "forbidden", "the transferring department no longer acts on it");
    let r = fx.ok(TR_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    assert_eq!(r["stage"], "in_handling");
}

// ---------------------------------------------------------------------------------------------
// R5.3 findings

#[test]
fn findings_record_the_result_root_cause_and_solution() {
    // R5.3: true / not true / partly true, with root cause and proposed solution.
    let mut fx = Fx::new();
    for finding in ["true", "partly_true", "not_true"] {
        let id = fx.dispatched(json!({}));
        fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
        let solution = format!("处理意见（{finding}）：向客户说明调查结果");
        let r = fx.ok(
            HS_HANDLER,
            "record_findings",
            json!({
                "complaint": id, "finding": finding, "root_cause": "排班冲突导致迟到", "solution": solution,
            }),
        );
        assert_eq!(r["stage"], "awaiting_customer", "CS now tells the customer ({finding})");
        let d = fx.detail(&id);
        assert_eq!(d["finding"], finding, "the finding is on the complaint");
        let h = d["records"]["handlings"].as_array().unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0]["finding"], finding);
        assert_eq!(h[0]["root_cause"], "排班冲突导致迟到", "the root cause is recorded");
        assert_eq!(h[0]["solution"], solution.as_str(), "the proposed solution is recorded");
        assert_eq!(d["records"]["dispatches"][0]["outcome"], "answered", "the department's dispatch is answered");
    }
}

#[test]
fn findings_need_a_known_result_a_root_cause_and_a_solution() {
    // R5.3
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    let before = (fx.count("events"), fx.count("handlings"), fx.count("decisions"));
    let e = fx.err(HS_HANDLER, "record_findings", json!({ "complaint": id, "finding": "true", "root_cause": "", "solution": "道歉" }));
    assert_eq!(e.details["field"], "root_cause", "a true finding needs its root cause: {e:?}");
    let e = fx.err(HS_HANDLER, "record_findings", json!({ "complaint": id, "finding": "partly_true", "root_cause": "x", "solution": "" }));
    assert_eq!(e.details["field"], "solution", "a finding needs a proposed solution: {e:?}");
    let e = fx.err(HS_HANDLER, "record_findings", json!({ "complaint": id, "finding": "maybe", "root_cause": "x", "solution": "y" }));
    assert_code(&e, "bad_arguments", "a finding outside true/not_true/partly_true");
    assert_eq!((fx.count("events"), fx.count("handlings"), fx.count("decisions")), before, "nothing recorded");
    assert_eq!(fx.stage(&id), "dispatched");
}

#[test]
fn not_true_findings_go_back_to_the_customer_then_reply_and_follow_up() {
    // R5.3: not true → findings returned to the customer, then reply and follow-up (nothing to implement).
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    let findings_text = "经调取打卡记录与客户确认，保洁员8:55已到达，投诉情况不属实。";
    fx.ok(HS_HANDLER, "record_findings", json!({ "complaint": id, "finding": "not_true", "root_cause": "", "solution": findings_text }));
    let d = fx.detail(&id);
    assert_eq!(d["records"]["decisions"][0]["decision_text"], findings_text, "the findings are what the customer is told");

    let r = fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true }));
    assert_eq!(r["stage"], "follow_up", "not true goes straight on to follow-up, not to implementation");
    assert_illegal(&mut fx, AGENT, "implement", json!({ "complaint": id, "actions": "x", "done_by": "y" }), "follow_up");
    fx.ok(AGENT, "reply_to_customer", json!({ "complaint": id, "content": "已向客户反馈调查结果", "method": "phone" }));
    let d = fx.detail(&id);
    assert!(
        d["steps"].as_array().unwrap().iter().any(|s| s["kind"] == "follow_up" && s["completed_at"].is_null()),
        "a follow-up step is open"
    );
    satisfied_survey(&mut fx, &id);
    fx.ok(AGENT, "close", json!({ "complaint": id }));
    assert_eq!(fx.stage(&id), "closed");
    assert!(records(&mut fx, &id, "implementations").is_empty(), "nothing was implemented");
}

// ---------------------------------------------------------------------------------------------
// R5.4 the customer's opinion

#[test]
fn customer_agrees_and_signs_the_agreement() {
    // R5.4: agree → implement; the customer may sign the agreement (digest, R7.11).
    let mut fx = Fx::new();
    let id = awaiting(&mut fx);
    let r = fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true, "signature": signature("王芳") }));
    assert_eq!(r["stage"], "implementing", "agreement moves on to implementation");
    let d = fx.detail(&id);
    let dec = &d["records"]["decisions"][0];
    assert_eq!(dec["agreed"], 1, "the customer's agreement is recorded on the decision");
    let sig_id = dec["signature_id"].as_str().expect("the agreement signature is linked to the decision");
    let sigs = d["records"]["signatures"].as_array().unwrap();
    let sig = sigs.iter().find(|s| s["id"] == sig_id).expect("signature stored with the complaint");
    assert_eq!(sig["purpose"], "agreement");
    assert_eq!(sig["signer_name"], "王芳");
    assert_eq!(sig["digest"].as_str().unwrap().len(), 64, "the agreement carries a SHA-256 digest");
    let checks = fx.ok(MANAGER, "verify_signatures", json!({ "complaint": id }));
    let agreement = checks.as_array().unwrap().iter().find(|c| c["signature_id"] == sig_id).unwrap();
    assert_eq!(agreement["digest_ok"], true, "the agreement digest verifies");
    assert!(events(&mut fx, &id, "customer_decision")[0]["data"]["signed"] == true);
}

#[test]
fn customer_disagrees_and_it_goes_back_to_the_department_with_the_objection() {
    // R5.4: disagree → back to the department (重派) with the objection.
    let mut fx = Fx::new();
    let id = awaiting(&mut fx);
    let before = fx.count("events");
    let e = fx.err(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": false }));
    assert_eq!(e.details["field"], "objection", "a disagreement needs the customer's objection: {e:?}");
    assert_eq!(fx.count("events"), before);
    assert_eq!(fx.stage(&id), "awaiting_customer");

    let objection = "退款金额太少，要求全额退款";
    let r = fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": false, "objection": objection }));
    assert_eq!(r["stage"], "dispatched", "a disagreement sends it back to the department");
    let d = fx.detail(&id);
    assert_eq!(d["department_id"], dept_id(&fx, "HS"), "back to the same responsible department");
    let dec = &d["records"]["decisions"][0];
    assert_eq!(dec["agreed"], 0, "the disagreement is recorded");
    assert_eq!(dec["objection"], objection, "the objection is recorded on the decision");
    let disp = d["records"]["dispatches"].as_array().unwrap();
    let last = disp.last().unwrap();
    assert_eq!(last["kind"], "redispatch", "重派 is recorded as a dispatch");
    assert_eq!(last["note"], objection, "the department receives the objection");

    // The department answers again; the customer answers the new written decision.
    fx.ok(
        HS_HANDLER,
        "record_findings",
        json!({
            "complaint": id, "finding": "true", "root_cause": "同上", "solution": "全额退款200元并道歉",
        }),
    );
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true }));
    let decs = records(&mut fx, &id, "decisions");
    assert_eq!(decs.len(), 2);
    assert_eq!(decs[0]["agreed"], 0, "the first decision stays refused");
    assert_eq!(decs[1]["agreed"], 1, "the agreement applies to the revised decision");
    assert_eq!(fx.stage(&id), "implementing");
}

// ---------------------------------------------------------------------------------------------
// R5.5 implementation and compensation

#[test]
fn implementation_records_who_what_when_and_every_compensation_kind() {
    // R5.5: who did what and when, with compensation and apology of every kind.
    let mut fx = Fx::new();
    let id = implementing(&mut fx);
    let done_at = fx.now - Duration::hours(1);
    let comps = json!([
        { "kind": "apology", "note": "当面道歉" },
        { "kind": "free_reservice" },
        { "kind": "replacement_worker", "note": "更换保洁员" },
        { "kind": "refund", "amount_cents": 10000 },
        { "kind": "partial_refund", "amount_cents": 5000 },
        { "kind": "voucher", "amount_cents": 5000 },
        { "kind": "cash", "amount_cents": 10000 },
    ]);
    let r = fx.ok(
        HS_HANDLER,
        "implement",
        json!({
            "complaint": id, "actions": "上门道歉，更换保洁员重新服务，退款", "done_by": "家政服务部 李主管",
            "done_at": done_at.to_rfc3339(), "compensations": comps,
        }),
    );
    assert_eq!(r["stage"], "follow_up", "after implementation comes the follow-up visit");
    let d = fx.detail(&id);
    let imp = &d["records"]["implementations"][0];
    assert_eq!(imp["actions"], "上门道歉，更换保洁员重新服务，退款", "what was done");
    assert_eq!(imp["done_by"], "家政服务部 李主管", "who did it");
    assert_eq!(t(imp["done_at"].as_str().unwrap()), done_at, "when it was done");
    let kinds: Vec<&str> = d["records"]["compensations"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    for k in ["apology", "free_reservice", "replacement_worker", "refund", "partial_refund", "voucher", "cash"] {
        assert!(kinds.contains(&k), "compensation kind {k} is recorded: {kinds:?}");
    }
    assert_eq!(events(&mut fx, &id, "implemented")[0]["data"]["monetary_total_cents"], 30000);
}

#[test]
fn implementation_rejects_future_times_unknown_kinds_and_unpriced_money() {
    // R5.5
    let mut fx = Fx::new();
    let id = implementing(&mut fx);
    let before = (fx.count("events"), fx.count("implementations"), fx.count("compensations"));
    let base = json!({ "complaint": id, "actions": "退款", "done_by": "财务" });
    let with = |extra: Value| {
        let mut a = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            a[k] = v.clone();
        }
        a
    };
    let e = fx.err(AGENT, "implement", with(json!({ "done_at": (fx.now + Duration::hours(2)).to_rfc3339() })));
    assert_eq!(e.details["field"], "done_at", "implementation is recorded after the fact: {e:?}");
    let e = fx.err(AGENT, "implement", with(json!({ "compensations": [{ "kind": "cash" }] })));
    assert_eq!(e.details["field"], "compensations.amount_cents", "cash needs an amount: {e:?}");
    let e = fx.err(AGENT, "implement", with(json!({ "compensations": [{ "kind": "gift_basket" }] })));
    assert_code(&e, "bad_arguments", "an unknown compensation kind");
    let e = fx.err(AGENT, "implement", with(json!({ "actions": "" })));
    assert_eq!(e.details["field"], "actions");
    let e = fx.err(AGENT, "implement", with(json!({ "done_by": "" })));
    assert_eq!(e.details["field"], "done_by", "who did it is required");
    assert_eq!((fx.count("events"), fx.count("implementations"), fx.count("compensations")), before);
    assert_eq!(fx.stage(&id), "implementing");
}

#[test]
fn compensation_above_the_default_threshold_needs_approval() {
    // R5.5: default threshold 500 yuan (50000 cents); at the threshold no approval, above it one.
    let mut fx = Fx::new();
    let settings = fx.ok(ADMIN, "get_settings", json!({}));
    assert_eq!(settings["settings"]["compensation_approval_threshold_cents"], "50000", "shipped default: {settings}");

    let id = implementing(&mut fx);
    let before = (fx.count("events"), fx.count("implementations"), fx.count("compensations"));
    let e = fx.err(
        AGENT,
        "implement",
        json!({
            "complaint": id, "actions": "退款", "done_by": "财务部",
            "compensations": [{ "kind": "refund", "amount_cents": 30001 }, { "kind": "cash", "amount_cents": 20000 }],
        }),
    );
    assert_code(&e, "precondition", "50001 cents without approval");
    assert_eq!(e.details["rule"], "R5.5");
    assert_eq!(e.details["reason"], "compensation_needs_approval");
    assert_eq!((fx.count("events"), fx.count("implementations"), fx.count("compensations")), before, "nothing implemented");
    assert_eq!(fx.stage(&id), "implementing");

    let id2 = implementing(&mut fx);
    fx.ok(
        AGENT,
        "implement",
        json!({
            "complaint": id2, "actions": "退款", "done_by": "财务部",
            "compensations": [{ "kind": "refund", "amount_cents": 30000 }, { "kind": "cash", "amount_cents": 20000 }],
        }),
    );
    let comps = records(&mut fx, &id2, "compensations");
    assert!(!comps.is_empty(), "both compensations are recorded");
    assert!(comps.iter().all(|c| c["approval_id"].is_null()), "exactly the threshold is not above it");
}

#[test]
fn configurable_threshold_refuses_without_supervisor_approval_and_accepts_after() {
    // R5.5: the threshold is configurable; above it a supervisor approves before implementation.
    let mut fx = Fx::new();
    fx.ok(ADMIN, "set_setting", json!({ "key": "compensation_approval_threshold_cents", "value": "20000" }));
    let id = implementing(&mut fx);
    let args = json!({
        "complaint": id, "actions": "现金补偿", "done_by": "财务部 赵会计",
        "compensations": [{ "kind": "apology" }, { "kind": "cash", "amount_cents": 30000 }],
    });
    let before = (fx.count("events"), fx.count("implementations"), fx.count("compensations"));
    let e = fx.err(AGENT, "implement", args.clone());
    assert_eq!(e.details["reason"], "compensation_needs_approval", "300 yuan is above the configured 200: {e:?}");
    let e = fx.err(HS_HANDLER, "implement", args.clone());
    assert_eq!(e.details["reason"], "compensation_needs_approval", "a department handler cannot approve: {e:?}");
    assert_eq!((fx.count("events"), fx.count("implementations"), fx.count("compensations")), before);

    let e = fx.err(AGENT, "approve_compensation", json!({ "complaint": id, "max_amount_cents": 30000, "note": "同意" }));
    assert_code(&e, "forbidden", "a CS agent approving compensation");
    let e = fx.err(HS_HANDLER, "approve_compensation", json!({ "complaint": id, "max_amount_cents": 30000, "note": "同意" }));
    assert_code(&e, "forbidden", "a department handler approving compensation");

    fx.ok(MANAGER, "approve_compensation", json!({ "complaint": id, "max_amount_cents": 25000, "note": "最多250元" }));
    let e = fx.err(AGENT, "implement", args.clone());
    assert_eq!(e.details["reason"], "compensation_needs_approval", "an approval below the amount does not cover it: {e:?}");

    fx.ok(MANAGER, "approve_compensation", json!({ "complaint": id, "max_amount_cents": 30000, "note": "同意补偿300元" }));
    let r = fx.ok(AGENT, "implement", args);
    assert_eq!(r["stage"], "follow_up");
    let d = fx.detail(&id);
    let cash = d["records"]["compensations"].as_array().unwrap().iter().find(|c| c["kind"] == "cash").unwrap().clone();
    assert_eq!(cash["amount_cents"], 30000);
    assert!(cash["approval_id"].is_string(), "the paid compensation points at its approval");
    let approvals = d["records"]["approvals"].as_array().unwrap();
    assert!(
        approvals.iter().any(|a| a["max_cents"] == 30000 && a["approved_by"] == user_id(&fx, MANAGER)),
        "the supervisor's approval is recorded: {approvals:?}"
    );
}

#[test]
fn supervisor_implementing_above_threshold_records_the_approval() {
    // R5.5: a CS manager implementing approves by doing so, and that approval is recorded.
    let mut fx = Fx::new();
    let id = implementing(&mut fx);
    fx.ok(
        MANAGER,
        "implement",
        json!({
            "complaint": id, "actions": "全额退款", "done_by": "客服经理",
            "compensations": [{ "kind": "refund", "amount_cents": 80000 }],
        }),
    );
    let d = fx.detail(&id);
    let approvals = d["records"]["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 1, "the implicit approval is recorded");
    assert_eq!(approvals[0]["max_cents"], 80000);
    assert_eq!(approvals[0]["approved_by"], user_id(&fx, MANAGER));
    assert!(d["records"]["compensations"][0]["approval_id"].is_string());
}

// ---------------------------------------------------------------------------------------------
// R5.6 the written handling decision

#[test]
fn the_written_decision_is_the_solution_and_what_the_customer_signs() {
    // R5.6: the written decision is stored as proposed, and the customer's agreement is bound
    // (by digest) to exactly that text.
    let mut fx = Fx::new();
    let id = awaiting(&mut fx);
    let d = fx.detail(&id);
    let decisions = d["records"]["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1, "findings produce one written decision");
    assert_eq!(decisions[0]["decision_text"], SOLUTION, "the written decision is the department's solution, verbatim");
    assert!(decisions[0]["agreed"].is_null(), "nobody has answered it yet");

    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true, "signature": signature("王芳") }));
    let (content, strokes, digest): (String, String, String) = fx
        .store
        .conn
        .query_row(
            "SELECT content_json, strokes_json, digest FROM signatures WHERE complaint_id = ?1 AND purpose = 'agreement'",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let signed: Value = serde_json::from_str(&content).unwrap();
    assert_eq!(signed["decision"], SOLUTION, "what the customer signed is the written decision");
    assert_eq!(signed["agreed"], true);
    assert_eq!(complaint_desk::signature::digest(&content, &strokes), digest, "the digest covers the decision text");
    let altered = content.replace("100元", "1000元");
    assert_ne!(complaint_desk::signature::digest(&altered, &strokes), digest, "an altered decision no longer matches");
}

#[test]
fn no_customer_answer_or_implementation_without_a_written_decision() {
    // R5.6: CS records the customer's answer only to a written decision, and implements only an
    // agreed one: before the department's findings these commands are refused.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    assert_illegal(&mut fx, AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true }), "dispatched");
    assert_illegal(&mut fx, AGENT, "implement", json!({ "complaint": id, "actions": "退款", "done_by": "x" }), "dispatched");
    findings(&mut fx, &id, "true", SOLUTION);
    assert_illegal(&mut fx, AGENT, "implement", json!({ "complaint": id, "actions": "退款", "done_by": "x" }), "awaiting_customer");
    assert_eq!(fx.count("implementations"), 0);
}

// ---------------------------------------------------------------------------------------------
// R6.1 follow-up survey

#[test]
fn survey_has_five_levels_aspects_method_and_comment() {
    // R6.1: five overall levels; satisfied ones keep it in follow-up, the others send it back (R6.2).
    let mut fx = Fx::new();
    for (level, stays) in
        [("very_satisfied", true), ("satisfied", true), ("neutral", false), ("dissatisfied", false), ("very_dissatisfied", false)]
    {
        let id = follow_up(&mut fx);
        let r = fx.ok(
            AGENT,
            "survey",
            json!({
                "complaint": id, "overall": level, "speed": "satisfied", "attitude": "very_satisfied", "result": level,
                "comment": format!("回访结果：{level}"), "method": "sms",
            }),
        );
        assert_eq!(r["satisfied"], stays, "{level}");
        assert_eq!(r["stage"], if stays { "follow_up" } else { "dispatched" }, "{level}");
        let s = records(&mut fx, &id, "surveys");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0]["overall"], level, "the overall rating is recorded");
        assert_eq!(s[0]["speed"], "satisfied", "the response-speed rating is recorded");
        assert_eq!(s[0]["attitude"], "very_satisfied", "the attitude rating is recorded");
        assert_eq!(s[0]["result"], level, "the result rating is recorded");
        assert_eq!(s[0]["method"], "sms");
        assert_eq!(s[0]["comment"], format!("回访结果：{level}"));
    }
    let id = follow_up(&mut fx);
    let e = fx.err(AGENT, "survey", json!({ "complaint": id, "overall": "excellent", "method": "phone" }));
    assert_code(&e, "bad_arguments", "a sixth level");
    let e = fx.err(AGENT, "survey", json!({ "complaint": id, "overall": "satisfied", "method": "fax" }));
    assert_code(&e, "bad_arguments", "a method other than phone/visit/SMS");
    let e = fx.err(AGENT, "survey", json!({ "complaint": id, "overall": "neutral", "method": "phone" }));
    assert_eq!(e.details["field"], "comment", "an unsatisfied result needs the customer's comment: {e:?}");
}

#[test]
fn survey_on_site_carries_the_customers_signature() {
    // R6.1: the customer signs the survey when on site (visit); not for phone or SMS.
    let mut fx = Fx::new();
    let id = follow_up(&mut fx);
    let before = fx.count("events");
    let e = fx.err(AGENT, "survey", json!({ "complaint": id, "overall": "satisfied", "method": "phone", "signature": signature("王芳") }));
    assert_eq!(e.details["reason"], "signature_only_on_site", "{e:?}");
    assert_eq!(fx.count("events"), before);

    fx.ok(
        AGENT,
        "survey",
        json!({
            "complaint": id, "overall": "very_satisfied", "speed": "satisfied", "attitude": "very_satisfied",
            "result": "very_satisfied", "comment": "很满意", "method": "visit", "signature": signature("王芳"),
        }),
    );
    let d = fx.detail(&id);
    let s = &d["records"]["surveys"][0];
    let sig_id = s["signature_id"].as_str().expect("the on-site survey is signed");
    let sig = d["records"]["signatures"].as_array().unwrap().iter().find(|x| x["id"] == sig_id).unwrap().clone();
    assert_eq!(sig["purpose"], "survey");
    let checks = fx.ok(MANAGER, "verify_signatures", json!({ "complaint": id }));
    assert!(
        checks.as_array().unwrap().iter().any(|c| c["signature_id"] == sig_id && c["digest_ok"] == true),
        "the survey signature verifies"
    );
}

#[test]
fn survey_belongs_to_follow_up_only() {
    // R6.1: the follow-up visit comes after implementation.
    let mut fx = Fx::new();
    let id = implementing(&mut fx);
    assert_illegal(&mut fx, AGENT, "survey", json!({ "complaint": id, "overall": "satisfied", "method": "phone" }), "implementing");
    assert_eq!(fx.count("surveys"), 0);
}

// ---------------------------------------------------------------------------------------------
// R6.2 closing

#[test]
fn satisfied_or_very_satisfied_closes() {
    // R6.2
    let mut fx = Fx::new();
    for level in ["satisfied", "very_satisfied"] {
        let id = follow_up(&mut fx);
        fx.ok(AGENT, "survey", json!({ "complaint": id, "overall": level, "method": "phone" }));
        let r = fx.ok(AGENT, "close", json!({ "complaint": id }));
        assert_eq!(r["stage"], "closed", "{level} closes");
        let d = fx.detail(&id);
        assert!(d["closed_at"].is_string(), "closing time recorded");
        assert!(d["steps"].as_array().unwrap().iter().all(|s| !s["completed_at"].is_null()), "no step stays open on a closed complaint");
    }
}

#[test]
fn close_without_a_survey_is_refused() {
    // R6.2: closing needs the customer's satisfaction.
    let mut fx = Fx::new();
    let id = follow_up(&mut fx);
    let before = fx.count("events");
    let e = fx.err(AGENT, "close", json!({ "complaint": id }));
    assert_code(&e, "precondition", "close without a survey");
    assert_eq!(e.details["reason"], "no_survey");
    assert_eq!(fx.count("events"), before);
    assert_eq!(fx.stage(&id), "follow_up");
}

#[test]
fn dissatisfied_goes_back_to_the_department_and_cannot_close() {
    // R6.2: otherwise back to the department (重派); close is refused until the customer is satisfied.
    let mut fx = Fx::new();
    let id = follow_up(&mut fx);
    let r = fx.ok(AGENT, "survey", json!({ "complaint": id, "overall": "dissatisfied", "comment": "重新服务质量仍差", "method": "phone" }));
    assert_eq!(r["stage"], "dispatched", "dissatisfied → back to the department");
    let d = fx.detail(&id);
    assert_eq!(d["department_id"], dept_id(&fx, "HS"));
    let last = d["records"]["dispatches"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "redispatch");
    assert!(last["note"].as_str().unwrap().contains("重新服务质量仍差"), "the department gets the survey comment: {last}");
    assert!(events(&mut fx, &id, "redispatched")[0]["data"]["cause"] == "dissatisfied");
    assert_illegal(&mut fx, AGENT, "close", json!({ "complaint": id }), "dispatched");

    // Handled again and implemented, but without a new survey the last word is still "dissatisfied".
    findings(&mut fx, &id, "true", "再次上门重新服务并赔偿");
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true }));
    fx.ok(HS_HANDLER, "implement", json!({ "complaint": id, "actions": "主管带队重新服务", "done_by": "李主管" }));
    assert_eq!(fx.stage(&id), "follow_up");
    let before = fx.count("events");
    let e = fx.err(AGENT, "close", json!({ "complaint": id }));
    assert_eq!(e.details["reason"], "customer_not_satisfied", "the latest survey is not satisfied: {e:?}");
    assert_eq!(fx.count("events"), before);

    satisfied_survey(&mut fx, &id);
    fx.ok(AGENT, "close", json!({ "complaint": id }));
    assert_eq!(fx.stage(&id), "closed");
}

#[test]
fn supervisor_closes_without_satisfaction_only_with_a_reason() {
    // R6.2: a supervisor may close without satisfaction, with a recorded reason.
    let mut fx = Fx::new();
    let id = follow_up(&mut fx);
    for _ in 0..3 {
        fx.ok(AGENT, "record_contact_attempt", json!({ "complaint": id, "note": "电话无人接听" }));
        fx.advance(Duration::hours(2));
    }
    let reason = "回访三次均无法联系到客户";
    let before = fx.count("events");
    let e = fx.err(AGENT, "supervisor_close", json!({ "complaint": id, "reason": reason }));
    assert_code(&e, "forbidden", "a CS agent closing without satisfaction");
    let e = fx.err(HS_HANDLER, "supervisor_close", json!({ "complaint": id, "reason": reason }));
    assert_code(&e, "forbidden", "a department handler closing");
    let e = fx.err(MANAGER, "supervisor_close", json!({ "complaint": id, "reason": "" }));
    assert_eq!(e.details["field"], "reason", "the reason is required: {e:?}");
    let e = fx.err(MANAGER, "supervisor_close", json!({ "complaint": id, "reason": "无" }));
    assert_eq!(e.details["field"], "reason", "a token reason is not a reason: {e:?}");
    let e = fx.err(AGENT, "close", json!({ "complaint": id }));
    assert_code(&e, "precondition", "a normal close without satisfaction");
    assert_eq!(fx.count("events"), before, "refused closes change nothing");

    let r = fx.ok(MANAGER, "supervisor_close", json!({ "complaint": id, "reason": reason }));
    assert_eq!(r["stage"], "closed");
    let d = fx.detail(&id);
    assert_eq!(d["close_reason"], reason, "the reason is recorded on the complaint");
    assert_eq!(d["records"]["contact_attempts"].as_array().unwrap().len(), 3, "the attempts are the evidence");
    let ev = events(&mut fx, &id, "closed");
    assert_eq!(ev[0]["data"]["by_supervisor"], true);
    assert_eq!(ev[0]["data"]["reason"], reason);
    assert_eq!(ev[0]["actor_id"], user_id(&fx, MANAGER), "who closed it is recorded");
}

#[test]
fn supervisor_may_close_a_complaint_still_with_the_department() {
    // R6.2: e.g. dissatisfied but the customer cannot be reached; the supervisor closes with a reason.
    let mut fx = Fx::new();
    let id = follow_up(&mut fx);
    fx.ok(AGENT, "survey", json!({ "complaint": id, "overall": "very_dissatisfied", "comment": "不满意", "method": "phone" }));
    assert_eq!(fx.stage(&id), "dispatched");
    fx.ok(MANAGER, "supervisor_close", json!({ "complaint": id, "reason": "客户诉求超出合同范围，经理决定结案" }));
    assert_eq!(fx.stage(&id), "closed");
}

#[test]
fn reopen_sends_a_closed_complaint_back_to_cs_for_a_new_dispatch() {
    // R6.2: 重派 after closing; supervisors only.
    let mut fx = Fx::new();
    let id = closed(&mut fx);
    let before = fx.count("events");
    let e = fx.err(AGENT, "reopen", json!({ "complaint": id, "reason": "客户再次来电" }));
    assert_code(&e, "forbidden", "a CS agent reopening");
    let e = fx.err(MANAGER, "reopen", json!({ "complaint": id, "reason": "" }));
    assert_eq!(e.details["field"], "reason", "{e:?}");
    assert_eq!(fx.count("events"), before);

    let r = fx.ok(MANAGER, "reopen", json!({ "complaint": id, "reason": "客户反映问题复发" }));
    assert_eq!(r["stage"], "reviewed");
    let d = fx.detail(&id);
    assert!(d["closed_at"].is_null(), "no longer closed");
    assert!(d["department_id"].is_null(), "CS decides the new dispatch");
    assert_eq!(events(&mut fx, &id, "reopened")[0]["data"]["reason"], "客户反映问题复发");
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "QA", "note": "请质检部复核" }));
    assert_eq!(fx.stage(&id), "dispatched");
}

#[test]
fn a_reopened_complaint_needs_a_new_satisfied_survey_to_close() {
    // R6.2 / R6.1: the satisfaction that closes a complaint is the customer's answer to the
    // follow-up after the latest handling; a survey from before reopening does not count.
    let mut fx = Fx::new();
    let id = closed(&mut fx);
    // Same instant on purpose: the old survey must not count even when timestamps tie.
    fx.ok(MANAGER, "reopen", json!({ "complaint": id, "reason": "客户反映问题复发" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "再次处理" }));
    findings(&mut fx, &id, "true", "再次道歉并免费服务");
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true }));
    fx.ok(HS_HANDLER, "implement", json!({ "complaint": id, "actions": "免费服务", "done_by": "李主管" }));
    assert_eq!(fx.stage(&id), "follow_up");
    let before = fx.count("events");
    let e = fx.err(AGENT, "close", json!({ "complaint": id }));
    assert_code(&e, "precondition", "closing a reopened complaint on the old survey");
    assert_eq!(e.details["reason"], "no_survey");
    assert_eq!(fx.count("events"), before);
    satisfied_survey(&mut fx, &id);
    fx.ok(AGENT, "close", json!({ "complaint": id }));
    assert_eq!(fx.stage(&id), "closed");
}

// ---------------------------------------------------------------------------------------------
// R6.3 appeal

#[test]
fn appeal_creates_a_linked_major_complaint_that_is_reviewed_again() {
    // R6.3: linked to the original, at least warning level 2, major, and goes through review again.
    let mut fx = Fx::new();
    let orig = closed(&mut fx);
    let orig_number = fx.detail(&orig)["number"].as_str().unwrap().to_string();
    let p = fx.ok(
        AGENT,
        "appeal",
        json!({
            "complaint": orig, "description": "对处理结果不服：退款金额与承诺不符", "signature": signature("王芳"),
        }),
    );
    let new_id = p["id"].as_str().expect("the appeal is a new complaint").to_string();
    assert_ne!(new_id, orig);
    assert_eq!(p["nature"], "major");

    let d = fx.detail(&new_id);
    assert_eq!(d["stage"], "registered", "an appeal starts from registration and is reviewed again");
    assert_eq!(d["nature"], "major", "an appeal is major");
    assert!(d["major_reasons"].as_array().unwrap().iter().any(|r| r == "appeal"), "{}", d["major_reasons"]);
    assert!(d["warning_level"].as_i64().unwrap() >= 2, "an appeal is at least warning level 2");
    assert_eq!(d["description"], "对处理结果不服：退款金额与承诺不符");
    let links = d["links"].as_array().unwrap();
    assert!(
        links.iter().any(|l| l["kind"] == "appeal" && l["number"] == orig_number.as_str() && l["direction"] == "to"),
        "the appeal links to the original: {links:?}"
    );
    let od = fx.detail(&orig);
    assert_eq!(od["stage"], "closed", "the original stays closed");
    assert!(
        od["links"].as_array().unwrap().iter().any(|l| l["kind"] == "appeal" && l["number"] == d["number"] && l["direction"] == "from"),
        "the original shows its appeal"
    );
    assert!(fx.timeline_kinds(&orig).contains(&"appealed".to_string()));
    assert!(
        d["steps"].as_array().unwrap().iter().any(|s| s["kind"] == "report_major"),
        "a major appeal must be reported to the supervising manager (R3.3)"
    );

    // Review again before it can be dispatched.
    assert_illegal(&mut fx, AGENT, "dispatch", json!({ "complaint": new_id, "department": "HS", "note": "x" }), "registered");
    fx.ok(MANAGER, "review", json!({ "complaint": new_id, "opinion": "申诉受理，重新调查" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": new_id, "department": "QA", "note": "请质检部复查" }));
    assert_eq!(fx.stage(&new_id), "dispatched");
}

#[test]
fn appeal_only_of_a_closed_complaint_and_by_customer_service() {
    // R6.3: an appeal is about a handling result.
    let mut fx = Fx::new();
    let id = follow_up(&mut fx);
    let complaints = fx.count("complaints");
    assert_illegal(
        &mut fx,
        AGENT,
        "appeal",
        json!({ "complaint": id, "description": "不服", "signature": signature("王芳") }),
        "follow_up",
    );
    assert_eq!(fx.count("complaints"), complaints, "no appeal complaint created");
    satisfied_survey(&mut fx, &id);
    fx.ok(AGENT, "close", json!({ "complaint": id }));
    let e = fx.err(HS_HANDLER, "appeal", json!({ "complaint": id, "description": "不服", "signature": signature("王芳") }));
    assert_code(&e, "forbidden", "a department handler registering an appeal");
    assert_eq!(fx.count("complaints"), complaints);
}

// ---------------------------------------------------------------------------------------------
// R6.4 the survey goes back to the responsible department and is archived

#[test]
fn survey_is_attributed_to_the_responsible_department_and_archived() {
    // R6.4: after a transfer, the responsible department is the one that handled it.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    fx.ok(HS_HANDLER, "transfer", json!({ "complaint": id, "department": "TR", "reason": "属培训问题" }));
    fx.ok(TR_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    fx.ok(
        TR_HANDLER,
        "record_findings",
        json!({
            "complaint": id, "finding": "partly_true", "root_cause": "新员工未培训守时要求", "solution": "道歉并对保洁员补训",
        }),
    );
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true }));
    fx.ok(TR_HANDLER, "implement", json!({ "complaint": id, "actions": "补训并道歉", "done_by": "培训部 周老师" }));
    fx.ok(
        AGENT,
        "survey",
        json!({
            "complaint": id, "overall": "satisfied", "speed": "neutral", "attitude": "satisfied", "result": "satisfied",
            "comment": "培训后有改善", "method": "phone",
        }),
    );
    let tr = dept_id(&fx, "TR");
    let survey_dept: Option<String> =
        fx.store.conn.query_row("SELECT department_id FROM surveys WHERE complaint_id = ?1", [&id], |r| r.get(0)).unwrap();
    assert_eq!(survey_dept.as_deref(), Some(tr.as_str()), "the survey is recorded for the department that handled it, not the first one");
    assert_eq!(events(&mut fx, &id, "surveyed")[0]["data"]["department_id"], tr.as_str(), "the timeline names the department");
    fx.ok(AGENT, "close", json!({ "complaint": id }));

    // The responsible department sees the result with the (closed) complaint; others do not.
    let seen = fx.ok(TR_HANDLER, "get_complaint", json!({ "complaint": id }));
    let s = seen["records"]["surveys"].as_array().unwrap();
    assert_eq!(s.len(), 1, "the survey is archived with the closed complaint");
    assert_eq!(s[0]["overall"], "satisfied");
    assert_eq!(s[0]["comment"], "培训后有改善");
    assert_code(&fx.err(HS_HANDLER, "get_complaint", json!({ "complaint": id })), "forbidden", "another department");

    // Archived: the survey record cannot be deleted behind the program's back.
    assert!(fx.store.conn.execute("DELETE FROM surveys WHERE complaint_id = ?1", [&id]).is_err(), "survey records are kept");
    assert_eq!(fx.count("surveys"), 1);
}

#[test]
fn a_dissatisfied_survey_is_sent_to_the_responsible_department() {
    // R6.4: the result goes back to the responsible department (with R6.2's 重派).
    let mut fx = Fx::new();
    let id = follow_up(&mut fx);
    fx.ok(AGENT, "survey", json!({ "complaint": id, "overall": "very_dissatisfied", "comment": "保洁员态度恶劣", "method": "phone" }));
    let seen = fx.ok(HS_HANDLER, "get_complaint", json!({ "complaint": id }));
    assert_eq!(seen["stage"], "dispatched");
    assert_eq!(seen["records"]["surveys"][0]["overall"], "very_dissatisfied", "the department sees the survey");
    let note = seen["records"]["dispatches"].as_array().unwrap().last().unwrap()["note"].as_str().unwrap().to_string();
    assert!(note.contains("very_dissatisfied") && note.contains("保洁员态度恶劣"), "the redispatch carries the result: {note}");
    let hs = dept_id(&fx, "HS");
    let survey_dept: Option<String> =
        fx.store.conn.query_row("SELECT department_id FROM surveys WHERE complaint_id = ?1", [&id], |r| r.get(0)).unwrap();
    assert_eq!(survey_dept.as_deref(), Some(hs.as_str()));
}

// ---------------------------------------------------------------------------------------------
// the stage graph of sections 5–6

#[test]
fn handling_steps_out_of_order_are_illegal_transitions_and_change_nothing() {
    // R5.1–R6.3: each step applies only at its point of the lifecycle.
    let mut fx = Fx::new();
    let (registered, _) = fx.register(json!({}));
    assert_illegal(&mut fx, AGENT, "dispatch", json!({ "complaint": registered, "department": "HS", "note": "x" }), "registered");

    let dispatched = fx.dispatched(json!({}));
    assert_illegal(&mut fx, AGENT, "dispatch", json!({ "complaint": dispatched, "department": "TR", "note": "x" }), "dispatched");
    assert_illegal(&mut fx, AGENT, "survey", json!({ "complaint": dispatched, "overall": "satisfied", "method": "phone" }), "dispatched");
    assert_illegal(&mut fx, AGENT, "close", json!({ "complaint": dispatched }), "dispatched");
    assert_illegal(&mut fx, MANAGER, "reopen", json!({ "complaint": dispatched, "reason": "x" }), "dispatched");
    assert_illegal(
        &mut fx,
        MANAGER,
        "approve_compensation",
        json!({ "complaint": dispatched, "max_amount_cents": 100, "note": "x" }),
        "dispatched",
    );

    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": dispatched }));
    assert_illegal(&mut fx, HS_HANDLER, "accept_dispatch", json!({ "complaint": dispatched }), "in_handling");

    let awaiting = awaiting(&mut fx);
    assert_illegal(&mut fx, HS_HANDLER, "return_dispatch", json!({ "complaint": awaiting, "reason": "x" }), "awaiting_customer");
    assert_illegal(
        &mut fx,
        HS_HANDLER,
        "transfer",
        json!({ "complaint": awaiting, "department": "TR", "reason": "x" }),
        "awaiting_customer",
    );
    assert_illegal(
        &mut fx,
        HS_HANDLER,
        "record_findings",
        json!({ "complaint": awaiting, "finding": "true", "root_cause": "x", "solution": "y" }),
        "awaiting_customer",
    );

    let closed = closed(&mut fx);
    assert_illegal(&mut fx, AGENT, "survey", json!({ "complaint": closed, "overall": "satisfied", "method": "phone" }), "closed");
    assert_illegal(&mut fx, AGENT, "close", json!({ "complaint": closed }), "closed");
    assert_illegal(&mut fx, MANAGER, "supervisor_close", json!({ "complaint": closed, "reason": "再次结案" }), "closed");
    assert_illegal(&mut fx, AGENT, "record_customer_decision", json!({ "complaint": closed, "agreed": true }), "closed");
    assert_illegal(&mut fx, MANAGER, "implement", json!({ "complaint": closed, "actions": "x", "done_by": "y" }), "closed");

    let (reviewed, _) = fx.register(json!({}));
    fx.ok(AGENT, "review", json!({ "complaint": reviewed, "opinion": "受理" }));
    assert_illegal(&mut fx, MANAGER, "supervisor_close", json!({ "complaint": reviewed, "reason": "无法联系客户" }), "reviewed");
}
