use crate::common;
use common::*;

use chrono::Duration;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Helpers (local to this file)
// ---------------------------------------------------------------------------------------------

/// The step of `kind` on a complaint detail, if any.
fn step<'a>(detail: &'a Value, kind: &str) -> Option<&'a Value> {
    detail["steps"].as_array().expect("steps array").iter().find(|s| s["kind"] == kind)
}

/// The due time of the step of `kind` (panics with a message when the step is missing).
fn due(detail: &Value, kind: &str) -> String {
    step(detail, kind).unwrap_or_else(|| panic!("expected a {kind} step, steps were {}", detail["steps"]))["due_at"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The data of every timeline event of `kind` on a complaint.
fn events(fx: &mut Fx, complaint: &str, kind: &str) -> Vec<Value> {
    let ev = fx.ok(MANAGER, "timeline", json!({ "complaint": complaint }));
    ev.as_array().unwrap().iter().filter(|e| e["kind"] == kind).map(|e| e["data"].clone()).collect()
}

fn user_id(fx: &mut Fx, login: &str) -> String {
    fx.ok(login, "whoami", json!({}))["id"].as_str().unwrap().to_string()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().map(|x| x.as_str().unwrap_or("").to_string()).collect()).unwrap_or_default()
}

/// A complaint for a different customer (own phone), with no sub-category so that it is never a
/// repeat of another test complaint by accident.
fn other_customer(phone: &str) -> Value {
    json!({ "customer_name": "赵六", "phone": phone, "sub_category": "" })
}

/// Row counts of every table a registration writes to.
fn write_counts(fx: &Fx) -> [i64; 5] {
    [fx.count("complaints"), fx.count("events"), fx.count("customers"), fx.count("steps"), fx.count("signatures")]
}

fn board_numbers(fx: &mut Fx) -> Vec<String> {
    let b = fx.ok(MANAGER, "board", json!({}));
    b["items"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Principles
// ---------------------------------------------------------------------------------------------

#[test]
fn r1_1_a_complaint_however_small_is_registered_and_cannot_be_refused_as_trivial() {
    // R1.1: nothing is too small — a one-character description over the phone, without a
    // signature, is still registered and appears on the board.
    let mut fx = Fx::new();
    let p = fx.ok(
        AGENT,
        "register",
        json!({
            "customer_name": "李",
            "phone": "13900000001",
            "channel": "phone",
            "category": "other",
            "description": "脏",
            "signature_missing_reason": "signature not obtained — phone",
        }),
    );
    let id = p["id"].as_str().expect("a registered complaint has an id").to_string();
    assert_eq!(fx.stage(&id), "registered", "R1.1: a tiny complaint must be registered like any other");
    assert_eq!(fx.detail(&id)["description"], "脏", "R1.1: the short description is kept as given");
    assert!(
        board_numbers(&mut fx).contains(&p["number"].as_str().unwrap().to_string()),
        "R1.1: the tiny complaint must be on the board to be followed up"
    );
    // There is no "too small" refusal reason: refusal only knows the four reasons of R3.4.
    for reason in ["too_small", "trivial", "minor"] {
        let e = fx.err(AGENT, "not_accept", json!({ "complaint": id, "reason": reason, "note": "小事" }));
        assert_eq!(e.code, "bad_arguments", "R1.1: '{reason}' must not be a way to refuse a complaint");
    }
    assert_eq!(fx.stage(&id), "registered", "R1.1: the refused refusals changed nothing");
}

#[test]
fn r1_2_the_registering_staff_member_owns_the_complaint_is_shown_and_urged() {
    // R1.2: first-contact ownership.
    let mut fx = Fx::new();
    let cs02 = user_id(&mut fx, AGENT2);
    let p = fx.ok(AGENT2, "register", base_registration());
    let id = p["id"].as_str().unwrap().to_string();
    let number = p["number"].as_str().unwrap().to_string();

    let d = fx.detail(&id);
    assert_eq!(d["owner_id"], cs02.as_str(), "R1.2: the registering user (cs02) must own the complaint");
    assert_eq!(d["owner_name"], "李娜", "R1.2: the owner must be shown on the ticket");
    let board = fx.ok(MANAGER, "board", json!({}));
    let card = board["items"].as_array().unwrap().iter().find(|c| c["number"] == number.as_str()).expect("card on board");
    assert_eq!(card["owner_name"], "李娜", "R1.2: the owner is shown on the board card too");

    // Someone else reviews and dispatches: ownership does not move with the work.
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "情况属实" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请核实" }));
    let d = fx.detail(&id);
    assert_eq!(d["owner_id"], cs02.as_str(), "R1.2: the owner stays the registering user until closed");

    // Searching by owner finds it for cs02 and not for cs01.
    let mine = fx.ok(MANAGER, "search", json!({ "filter": { "owner": "cs02" } }));
    assert!(mine["items"].as_array().unwrap().iter().any(|c| c["number"] == number.as_str()), "R1.2: owner search finds it");
    let theirs = fx.ok(MANAGER, "search", json!({ "filter": { "owner": "cs01" } }));
    assert!(theirs["items"].as_array().unwrap().iter().all(|c| c["number"] != number.as_str()), "R1.2: cs01 is not the owner");

    // When it is late, the urge names the owner.
    fx.advance(Duration::hours(30));
    fx.ok(MANAGER, "urge", json!({ "complaint": id, "note": "已超时，请尽快处理" }));
    let urged = events(&mut fx, &id, "urged");
    assert_eq!(urged.len(), 1, "R1.2: the urge is recorded");
    assert_eq!(urged[0]["owner_id"], cs02.as_str(), "R1.2: the owner is the one named when the complaint is urged");
}

#[test]
fn r1_3_registration_opens_a_30_minute_dispatch_step_and_the_owner_can_act_at_once() {
    // R1.3: handle at the first point, at once; never let it grow.
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    let d = fx.detail(&id);
    assert_eq!(due(&d, "dispatch"), "2026-03-10T02:30:00Z", "R1.3: handling starts at once: a dispatch step due 30 min after registration");
    assert_eq!(step(&d, "dispatch").unwrap()["urgency"], "on_time");

    // The first point (the owning agent) can answer the customer right away, before any dispatch.
    fx.advance(Duration::minutes(5));
    fx.ok(
        AGENT,
        "reply_to_customer",
        json!({ "complaint": id, "content": "已记录，正在处理", "plan_and_schedule": "今天内安排回访", "method": "phone" }),
    );
    let d = fx.detail(&id);
    let reply = step(&d, "stage_reply").unwrap();
    assert!(reply["completed_at"].is_string(), "R1.3: the first point answered the customer at once");
    assert!(reply["remaining_seconds"].as_i64().unwrap() > 0, "R1.3: the first-point reply is on time");
    assert_eq!(d["stage"], "registered", "R1.3: replying did not need a hand-off");

    // Handling locally: CS may hand it to its own department instead of passing it on.
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "客服部可直接处理" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "CS", "note": "本部门处理" }));
    let d = fx.detail(&id);
    assert_eq!(d["department_name"], "客服部", "R1.3: the complaint can stay with the CS department (属地化)");

    // A complaint left alone does not quietly grow: after 30 minutes its dispatch step is overdue
    // and moving it on needs an overdue reason.
    let (late, _) = fx.register(json!({ "phone": "13900000002", "customer_name": "钱七", "sub_category": "" }));
    fx.ok(AGENT, "review", json!({ "complaint": late, "opinion": "属实" }));
    fx.advance(Duration::minutes(31));
    let d = fx.detail(&late);
    assert_eq!(step(&d, "dispatch").unwrap()["urgency"], "overdue", "R1.3: a complaint left >30 min shows overdue");
    let e = fx.err(AGENT, "dispatch", json!({ "complaint": late, "department": "HS", "note": "请处理" }));
    assert_eq!(e.code, "precondition", "R1.3: a late hand-off must be explained");
    assert_eq!(e.details["reason"], "overdue_reason_required");
}

// ---------------------------------------------------------------------------------------------
// 2. Classification
// ---------------------------------------------------------------------------------------------

#[test]
fn r2_1_a_vip_customer_makes_the_complaint_major() {
    // R2.1
    let mut fx = Fx::new();
    let p = fx.ok(AGENT, "register", {
        let mut r = base_registration();
        r["tier"] = json!("vip");
        r
    });
    assert_eq!(p["nature"], "major", "R2.1: a VIP customer's complaint is major");
    assert_eq!(strs(&p["major_reasons"]), vec!["vip"], "R2.1: the reason is recorded as vip");
    let d = fx.detail(p["id"].as_str().unwrap());
    assert_eq!(d["nature"], "major", "R2.1: stored as major");
}

#[test]
fn r2_1_several_households_in_one_complaint_make_it_a_major_batch_complaint() {
    // R2.1
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({ "households": 2 }));
    let d = fx.detail(&id);
    assert_eq!(d["nature"], "major", "R2.1: two households in one complaint is a batch complaint, hence major");
    assert!(strs(&d["major_reasons"]).contains(&"batch".to_string()), "R2.1: reason batch recorded");
    let (single, _) = fx.register(json!({ "households": 1, "phone": "13900000003", "sub_category": "" }));
    assert_eq!(fx.detail(&single)["nature"], "general", "R2.1: a single household alone is not batch");
}

#[test]
fn r2_1_linked_complaints_of_the_same_matter_reaching_the_threshold_become_major() {
    // R2.1: batch threshold default 3.
    let mut fx = Fx::new();
    let (a, na) = fx.register(other_customer("13900000011"));
    let pb = fx.ok(AGENT, "register", {
        let mut r = base_registration();
        r["phone"] = json!("13900000012");
        r["sub_category"] = json!("");
        r["same_matter_as"] = json!(na);
        r
    });
    let b = pb["id"].as_str().unwrap().to_string();
    assert_eq!(pb["nature"], "general", "R2.1: two linked complaints are below the threshold of 3");
    assert_eq!(fx.detail(&a)["nature"], "general", "R2.1: the root stays general below the threshold");

    let pc = fx.ok(AGENT, "register", {
        let mut r = base_registration();
        r["phone"] = json!("13900000013");
        r["sub_category"] = json!("");
        r["same_matter_as"] = json!(pb["number"]);
        r
    });
    let c = pc["id"].as_str().unwrap().to_string();
    assert_eq!(pc["nature"], "major", "R2.1: the third complaint of the same matter reaches the batch threshold");
    assert!(strs(&pc["major_reasons"]).contains(&"batch".to_string()));
    for (who, id) in [("root", &a), ("second", &b), ("third", &c)] {
        let d = fx.detail(id);
        assert_eq!(d["nature"], "major", "R2.1: every member of the batch ({who}) is major once the threshold is reached");
        assert!(strs(&d["major_reasons"]).contains(&"batch".to_string()), "R2.1: {who} records reason batch");
        assert!(step(&d, "report_major").is_some(), "R2.1/R3.3: {who} now has the 30-minute report step");
    }
    // The members are linked to the same root.
    let root = fx.detail(&a);
    let linked: Vec<&Value> = root["links"].as_array().unwrap().iter().filter(|l| l["kind"] == "batch").collect();
    assert_eq!(linked.len(), 2, "R2.1: both later complaints are linked to the root of the batch");
}

#[test]
fn r2_1_the_batch_threshold_is_configurable() {
    // R2.1: "default 3, configurable".
    let mut fx = Fx::new();
    fx.ok(ADMIN, "set_setting", json!({ "key": "batch_threshold", "value": "2" }));
    let (_, na) = fx.register(other_customer("13900000021"));
    let p = fx.ok(AGENT, "register", {
        let mut r = base_registration();
        r["phone"] = json!("13900000022");
        r["sub_category"] = json!("");
        r["same_matter_as"] = json!(na);
        r
    });
    assert_eq!(p["nature"], "major", "R2.1: with the threshold set to 2, the second linked complaint is a batch");
}

#[test]
fn r2_1_a_transferred_complaint_from_any_listed_source_is_major() {
    // R2.1: 转办/协办 from media, supervisory department, industry authority, consumer
    // association or company leadership.
    let mut fx = Fx::new();
    for (i, src) in
        ["news_media", "supervisory_department", "industry_authority", "consumer_association", "company_leadership"].iter().enumerate()
    {
        let (id, _) = fx.register(json!({
            "phone": format!("1390000010{i}"), "sub_category": "", "channel": "transferred",
            "transfer_source": src, "signature": null, "signature_missing_reason": "signature not obtained — transferred",
        }));
        let d = fx.detail(&id);
        assert_eq!(d["nature"], "major", "R2.1: a complaint transferred from {src} is major");
        assert!(strs(&d["major_reasons"]).contains(&"transferred".to_string()), "R2.1: reason transferred for {src}");
        assert_eq!(d["transfer_source"], *src, "R2.1: the transfer source is recorded");
    }
    // Without a source, "transferred" cannot be claimed.
    let before = write_counts(&fx);
    let mut r = base_registration();
    r["channel"] = json!("transferred");
    let e = fx.err(AGENT, "register", r);
    assert_eq!((e.code, e.details["field"].as_str()), ("invalid", Some("transfer_source")), "R2.1: a transfer needs its source");
    assert_eq!(write_counts(&fx), before, "R2.1: a refused transfer writes nothing");
}

#[test]
fn r2_1_media_exposure_is_major() {
    // R2.1
    let mut fx = Fx::new();
    let (id, _) =
        fx.register(json!({ "channel": "media_exposure", "signature": null, "signature_missing_reason": "媒体曝光，客户不在场" }));
    let d = fx.detail(&id);
    assert_eq!(d["nature"], "major", "R2.1: media exposure is major");
    assert_eq!(strs(&d["major_reasons"]), vec!["media_exposure"]);
}

#[test]
fn r2_1_otherwise_a_complaint_is_general() {
    // R2.1: "Otherwise general" — a regular, single-household complaint over an ordinary channel.
    let mut fx = Fx::new();
    for (i, ch) in ["phone", "walk_in", "letter", "online", "email", "social_media", "third_party"].iter().enumerate() {
        let (id, _) = fx.register(json!({ "phone": format!("1390000020{i}"), "sub_category": "", "channel": ch }));
        let d = fx.detail(&id);
        assert_eq!(d["nature"], "general", "R2.1: a regular single-household {ch} complaint is general");
        assert!(strs(&d["major_reasons"]).is_empty(), "R2.1: no major reason for {ch}");
        assert!(step(&d, "report_major").is_none(), "R2.1/R3.3: a general complaint has no report step");
    }
}

#[test]
fn r2_1_a_derived_major_cannot_be_lowered() {
    // R2.1
    let mut fx = Fx::new();
    let (vip, _) = fx.register(json!({ "tier": "vip" }));
    let e = fx.err(MANAGER, "set_nature", json!({ "complaint": vip, "nature": "general", "reason": "客户要求" }));
    assert_eq!(e.code, "precondition", "R2.1: a VIP (derived) major must not be lowered, even by a supervisor");
    assert_eq!(e.details["reason"], "derived_major_cannot_be_lowered");
    assert_eq!(fx.detail(&vip)["nature"], "major", "R2.1: still major after the refused lowering");

    let (media, _) = fx.register(json!({ "phone": "13900000031", "sub_category": "", "channel": "media_exposure" }));
    let e = fx.err(MANAGER, "set_nature", json!({ "complaint": media, "nature": "general", "reason": "误报" }));
    assert_eq!(e.code, "precondition", "R2.1: a media-exposure major must not be lowered");
    assert_eq!(fx.detail(&media)["nature"], "major");
}

#[test]
fn r2_1_a_supervisor_may_raise_general_to_major_with_a_reason_an_agent_may_not() {
    // R2.1
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    assert_eq!(due(&fx.detail(&id), "stage_reply"), "2026-03-10T14:00:00Z", "regular stage reply: 12 h");

    let e = fx.err(AGENT, "set_nature", json!({ "complaint": id, "nature": "major", "reason": "影响大" }));
    assert_eq!(e.code, "forbidden", "R2.1: only a supervisor raises the nature");
    let e = fx.err(MANAGER, "set_nature", json!({ "complaint": id, "nature": "major", "reason": "  " }));
    assert_eq!((e.code, e.details["field"].as_str()), ("invalid", Some("reason")), "R2.1: raising needs a reason");
    assert_eq!(fx.detail(&id)["nature"], "general", "R2.1: refused attempts change nothing");

    fx.advance(Duration::minutes(10));
    fx.ok(MANAGER, "set_nature", json!({ "complaint": id, "nature": "major", "reason": "客户情绪激动，可能投诉至媒体" }));
    let d = fx.detail(&id);
    assert_eq!(d["nature"], "major", "R2.1: the supervisor raised it to major");
    assert!(strs(&d["major_reasons"]).contains(&"supervisor".to_string()));
    assert_eq!(due(&d, "stage_reply"), "2026-03-10T08:00:00Z", "R2.1/R4.2: a major complaint gets the 6 h stage reply");
    assert_eq!(due(&d, "report_major"), "2026-03-10T02:40:00Z", "R2.1/R3.3: raising opens the 30-minute report step");
    let changed = events(&mut fx, &id, "nature_changed");
    assert_eq!(changed.len(), 1, "R2.1: the change is recorded");
    assert_eq!(changed[0]["reason"], "客户情绪激动，可能投诉至媒体", "R2.1: with its reason");
}

#[test]
fn r2_1_only_a_hand_raised_major_can_be_lowered_and_then_no_major_obligations_remain() {
    // R2.1: "a derived major cannot be lowered" — one raised by the supervisor can. Once general
    // again, R3.3's report step must not linger (report_major refuses a general complaint, so it
    // could never be completed) and the customer-facing limits are the tier's again (R4.2).
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    fx.ok(MANAGER, "set_nature", json!({ "complaint": id, "nature": "major", "reason": "先按重大处理" }));
    assert_eq!(due(&fx.detail(&id), "stage_reply"), "2026-03-10T08:00:00Z");
    fx.advance(Duration::minutes(10));
    fx.ok(MANAGER, "set_nature", json!({ "complaint": id, "nature": "general", "reason": "核实后影响有限" }));
    let d = fx.detail(&id);
    assert_eq!(d["nature"], "general", "R2.1: a supervisor-raised major may be lowered");
    assert!(strs(&d["major_reasons"]).is_empty());
    let report = step(&d, "report_major").expect("the report step opened when raised");
    assert!(report["completed_at"].is_string(), "R2.1/R3.3: a general complaint keeps no open major-report step: {report}");
    assert_eq!(due(&d, "stage_reply"), "2026-03-10T14:00:00Z", "R2.1/R4.2: back to the regular 12 h stage reply");
    assert_eq!(due(&d, "final_handling"), "2026-03-11T02:00:00Z", "R2.1/R4.3: back to the regular 24 h final limit");
    fx.advance(Duration::hours(1));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "属实" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请处理", "overdue_reason": "测试" }));
    let over = fx.ok(MANAGER, "search", json!({ "filter": { "due": "overdue" } }));
    assert!(over["items"].as_array().unwrap().is_empty(), "R3.3: no orphaned report step keeps the complaint overdue");
}

#[test]
fn r2_2_the_tier_at_registration_is_frozen_on_the_complaint() {
    // R2.2
    let mut fx = Fx::new();
    let (first, _) = fx.register(json!({ "tier": "vip" }));
    let before = fx.detail(&first);
    assert_eq!(before["tier"], "vip");
    let dues_before: Vec<Value> = before["steps"].as_array().unwrap().iter().map(|s| json!([s["kind"], s["due_at"]])).collect();

    // Later the same customer is registered as temporary: the profile changes, the first
    // complaint does not.
    fx.advance(Duration::hours(1));
    let (second, _) = fx.register(json!({ "tier": "temporary", "sub_category": "价格" }));
    let profile = fx.ok(AGENT, "lookup_customer", json!({ "phone": "13812345678" }));
    assert_eq!(profile["tier"], "temporary", "the customer's profile tier changed");
    assert_eq!(fx.detail(&second)["tier"], "temporary");

    let after = fx.detail(&first);
    assert_eq!(after["tier"], "vip", "R2.2: the earlier complaint keeps the tier it was registered with");
    let dues_after: Vec<Value> = after["steps"].as_array().unwrap().iter().map(|s| json!([s["kind"], s["due_at"]])).collect();
    assert_eq!(dues_after, dues_before, "R2.2: a later tier change does not move the complaint's deadlines");

    // A known customer registered without a tier gets the profile's current tier, frozen again.
    fx.advance(Duration::hours(1));
    let (third, _) = fx.register(json!({ "tier": null, "sub_category": "其他" }));
    assert_eq!(fx.detail(&third)["tier"], "temporary", "R2.2: the tier at registration time is the profile's");
}

#[test]
fn r2_3_every_category_is_accepted_and_unknown_ones_are_rejected() {
    // R2.3
    let mut fx = Fx::new();
    for (i, (cat, sub)) in [("business", "价格"), ("service", "态度"), ("comprehensive", "综合"), ("other", "")].iter().enumerate() {
        let (id, _) = fx.register(json!({ "phone": format!("1390000030{i}"), "category": cat, "sub_category": sub }));
        let d = fx.detail(&id);
        assert_eq!(d["category"], *cat, "R2.3: category {cat} is accepted and stored");
        assert_eq!(d["sub_category"], *sub, "R2.3: the (configurable) sub-category is kept as text");
    }
    for bad in ["quality", "", "Service"] {
        let before = write_counts(&fx);
        let e = fx.err(AGENT, "register", {
            let mut r = base_registration();
            r["category"] = json!(bad);
            r
        });
        assert_eq!(e.code, "bad_arguments", "R2.3: unknown category {bad:?} must be rejected");
        assert_eq!(write_counts(&fx), before, "R2.3: nothing written for {bad:?}");
    }
    // A classification change is recorded (section 2: "changes are recorded").
    let (id, _) = fx.register(json!({ "phone": "13900000399", "category": "other", "sub_category": "" }));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "应为业务类", "category": "business", "sub_category": "合同" }));
    let d = fx.detail(&id);
    assert_eq!((d["category"].as_str(), d["sub_category"].as_str()), (Some("business"), Some("合同")));
    let rev = events(&mut fx, &id, "reviewed");
    assert_eq!(rev[0]["changes"]["category"], json!({ "from": "other", "to": "business" }), "R2.3: the category change is recorded");
}

#[test]
fn r2_4_every_channel_is_accepted_and_unknown_ones_are_rejected() {
    // R2.4
    let mut fx = Fx::new();
    let channels = ["phone", "walk_in", "letter", "online", "email", "social_media", "third_party", "transferred", "media_exposure"];
    for (i, ch) in channels.iter().enumerate() {
        let mut extra = json!({ "phone": format!("1390000040{i}"), "sub_category": "", "channel": ch });
        if *ch == "transferred" {
            extra["transfer_source"] = json!("consumer_association");
        }
        let (id, _) = fx.register(extra);
        assert_eq!(fx.detail(&id)["channel"], *ch, "R2.4: channel {ch} is accepted and stored");
    }
    for bad in ["fax", "wechat", ""] {
        let before = write_counts(&fx);
        let e = fx.err(AGENT, "register", {
            let mut r = base_registration();
            r["channel"] = json!(bad);
            r
        });
        assert_eq!(e.code, "bad_arguments", "R2.4: unknown channel {bad:?} must be rejected");
        assert_eq!(write_counts(&fx), before, "R2.4: nothing written for {bad:?}");
    }
}

#[test]
fn r2_5_raising_the_warning_level_to_3_notifies_the_chain_and_it_never_goes_down() {
    // R2.5
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    assert_eq!(fx.detail(&id)["warning_level"], 1, "default warning level is 1");

    fx.ok(AGENT, "raise_warning", json!({ "complaint": id, "level": 2, "reason": "客户多次来电" }));
    assert!(events(&mut fx, &id, "escalation_notified").is_empty(), "R2.5: level 2 alone does not notify the chain");
    fx.ok(AGENT, "raise_warning", json!({ "complaint": id, "level": 3, "reason": "客户扬言投诉媒体" }));
    assert_eq!(fx.detail(&id)["warning_level"], 3, "R2.5: the level was raised");
    let notified = events(&mut fx, &id, "escalation_notified");
    assert_eq!(notified.len(), 1, "R2.5: reaching 3 notifies the escalation chain");
    assert_eq!(
        strs(&notified[0]["chain"]),
        vec!["general_manager", "office_director", "cs_manager", "cs_department"],
        "R2.5/R3.8: the whole chain, top first"
    );
    let raised = events(&mut fx, &id, "warning_raised");
    assert_eq!(raised.len(), 2, "R2.5: each raise is recorded");

    let e = fx.err(MANAGER, "raise_warning", json!({ "complaint": id, "level": 2, "reason": "客户已平复" }));
    assert_eq!(e.code, "precondition", "R2.5: the level cannot be lowered");
    assert_eq!(e.details["reason"], "warning_level_only_rises");
    let e = fx.err(MANAGER, "raise_warning", json!({ "complaint": id, "level": 3, "reason": "再次" }));
    assert_eq!(e.code, "precondition", "R2.5: re-setting the same level is not a raise");
    let e = fx.err(MANAGER, "raise_warning", json!({ "complaint": id, "level": 4, "reason": "x" }));
    assert_eq!(e.code, "invalid", "R2.5: levels are 1–3");
    assert_eq!(fx.detail(&id)["warning_level"], 3, "R2.5: still 3");

    // Straight from 1 to 3 in one raise also notifies.
    let (jump, _) = fx.register(json!({ "phone": "13900000501", "sub_category": "" }));
    fx.ok(AGENT, "raise_warning", json!({ "complaint": jump, "level": 3, "reason": "强烈投诉" }));
    assert_eq!(events(&mut fx, &jump, "escalation_notified").len(), 1, "R2.5: 1→3 notifies the chain");

    // Registered at level 3: notified at once; level 0 or 4 at registration refused.
    let (at3, _) = fx.register(json!({ "phone": "13900000502", "sub_category": "", "warning_level": 3 }));
    assert_eq!(events(&mut fx, &at3, "escalation_notified").len(), 1, "R2.5: registering at level 3 notifies the chain");
    for bad in [0, 4] {
        let e = fx.err(AGENT, "register", {
            let mut r = base_registration();
            r["warning_level"] = json!(bad);
            r
        });
        assert_eq!(e.code, "invalid", "R2.5: warning level {bad} is out of range");
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Acceptance
// ---------------------------------------------------------------------------------------------

#[test]
fn r3_1_each_required_field_is_refused_when_missing_and_nothing_is_written() {
    // R3.1: customer name, contact phone, channel, category, description.
    let mut fx = Fx::new();
    for (field, value) in [("customer_name", json!("")), ("phone", json!("  ")), ("description", json!(" \n "))] {
        let before = write_counts(&fx);
        let e = fx.err(AGENT, "register", {
            let mut r = base_registration();
            r[field] = value;
            r
        });
        assert_eq!(e.code, "invalid", "R3.1: blank {field} is refused");
        assert_eq!(e.details["field"], field, "R3.1: the error names {field}");
        assert_eq!(e.details["reason"], "required", "R3.1: {field} is required");
        assert_eq!(write_counts(&fx), before, "R3.1: nothing written when {field} is blank");
    }
    for field in ["customer_name", "phone", "channel", "category", "description"] {
        let before = write_counts(&fx);
        let mut r = base_registration();
        r.as_object_mut().unwrap().remove(field);
        let e = fx.err(AGENT, "register", r);
        assert_eq!(e.code, "bad_arguments", "R3.1: a registration without {field} is refused");
        assert!(e.details["detail"].as_str().unwrap_or("").contains(field), "R3.1: the error names the missing {field}: {e:?}");
        assert_eq!(
            (e.details["field"].as_str(), e.details["reason"].as_str()),
            (Some(field), Some("required")),
            "R3.1: the window can mark the missing {field}"
        );
        assert_eq!(write_counts(&fx), before, "R3.1: nothing written when {field} is missing");
    }
    // A phone that is not a phone number is refused too.
    let e = fx.err(AGENT, "register", {
        let mut r = base_registration();
        r["phone"] = json!("call me");
        r
    });
    assert_eq!((e.code, e.details["reason"].as_str()), ("invalid", Some("bad_phone")), "R3.1: a contact phone must be a phone");
    assert_eq!(fx.count("complaints"), 0, "R3.1: no complaint was registered by any refused attempt");
}

#[test]
fn r3_1_received_time_defaults_to_now_may_be_earlier_never_in_the_future() {
    // R3.1
    let mut fx = Fx::new();
    let (now_id, _) = fx.register(json!({}));
    let d = fx.detail(&now_id);
    assert_eq!(d["received_at"], "2026-03-10T02:00:00Z", "R3.1: received time defaults to now");

    let before = write_counts(&fx);
    let e = fx.err(AGENT, "register", {
        let mut r = base_registration();
        r["received_at"] = json!("2026-03-10T03:00:00Z");
        r
    });
    assert_eq!(e.code, "invalid", "R3.1: a received time in the future is refused");
    assert_eq!((e.details["field"].as_str(), e.details["reason"].as_str()), (Some("received_at"), Some("in_the_future")));
    assert_eq!(write_counts(&fx), before, "R3.1: nothing written for a future received time");

    // A letter received two hours ago: accepted, and the customer-facing clocks start then.
    let (letter, _) = fx.register(json!({
        "phone": "13900000601", "sub_category": "", "channel": "letter", "received_at": "2026-03-10T00:00:00Z",
        "signature": null, "signature_missing_reason": "signature not obtained — letter",
    }));
    let d = fx.detail(&letter);
    assert_eq!(d["received_at"], "2026-03-10T00:00:00Z", "R3.1: an earlier received time is kept");
    assert_eq!(d["registered_at"], "2026-03-10T02:00:00Z", "R3.1: registration time is the actual time");
    assert_eq!(due(&d, "stage_reply"), "2026-03-10T12:00:00Z", "R3.1/R4.2: the 12 h stage reply counts from receipt");
}

#[test]
fn r3_1_registering_staff_and_recommended_fields_are_recorded() {
    // R3.1: registering staff = the logged-in user; recommended fields are kept.
    let mut fx = Fx::new();
    let manager_id = user_id(&mut fx, MANAGER);
    let mut r = base_registration();
    for (k, v) in [
        ("address", json!("浦东新区世纪大道100号")),
        ("incident_at", json!("2026-03-09T01:00:00Z")),
        ("incident_place", json!("客户家中")),
        ("service_order_no", json!("SO-2026-0001")),
        ("worker", json!("W00001")),
        ("reply_method", json!("sms")),
    ] {
        r[k] = v;
    }
    let p = fx.ok(MANAGER, "register", r);
    let d = fx.detail(p["id"].as_str().unwrap());
    assert_eq!(d["owner_id"], manager_id.as_str(), "R3.1: the registering staff is the logged-in user");
    assert_eq!(d["address"], "浦东新区世纪大道100号");
    assert_eq!(d["incident_at"], "2026-03-09T01:00:00Z");
    assert_eq!(d["incident_place"], "客户家中");
    assert_eq!(d["service_order_no"], "SO-2026-0001");
    assert!(d["worker_id"].is_string() && d["worker_name"].is_string(), "R3.1: the worker involved is recorded");
    assert_eq!(d["expected_outcome"], "道歉并重新服务");
    assert_eq!(d["reply_method"], "sms");
    let e = fx.err(AGENT, "register", {
        let mut r = base_registration();
        r["worker"] = json!("NO-SUCH-WORKER");
        r
    });
    assert_eq!(e.code, "not_found", "R3.1: an unknown worker is refused, not silently dropped");
}

#[test]
fn r3_2_a_customer_signature_is_stored_with_a_digest() {
    // R3.2 (with R7.11 tamper evidence)
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    let d = fx.detail(&id);
    assert_eq!(d["signature_status"], "signed", "R3.2: a walk-in customer signed on screen");
    let sigs = d["records"]["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 1, "R3.2: the signature is stored");
    assert_eq!(sigs[0]["purpose"], "registration");
    assert_eq!(sigs[0]["signer_name"], "王芳");
    let digest = sigs[0]["digest"].as_str().unwrap();
    assert!(digest.len() == 64 && digest.chars().all(|c| c.is_ascii_hexdigit()), "R3.2: stored with a SHA-256 digest, got {digest}");
    let v = fx.ok(MANAGER, "verify_signatures", json!({ "complaint": id }));
    assert_eq!(v[0]["digest_ok"], true, "R3.2: the digest matches the record");
    assert_eq!(v[0]["content_matches_record"], true);
}

#[test]
fn r3_2_without_a_signature_the_reason_is_required_and_a_signature_can_be_added_later() {
    // R3.2
    let mut fx = Fx::new();
    let mut r = base_registration();
    r.as_object_mut().unwrap().remove("signature");
    r["channel"] = json!("phone");
    let before = write_counts(&fx);
    let e = fx.err(AGENT, "register", r.clone());
    assert_eq!(e.code, "invalid", "R3.2: no signature and no reason is refused — a signature is never silently absent");
    assert_eq!(e.details["reason"], "signature_or_reason_required");
    let e = fx.err(AGENT, "register", {
        let mut r = r.clone();
        r["signature_missing_reason"] = json!("  ");
        r
    });
    assert_eq!((e.code, e.details["field"].as_str()), ("invalid", Some("signature_missing_reason")), "R3.2: a blank reason is no reason");
    assert_eq!(write_counts(&fx), before, "R3.2: refused registrations write nothing");

    r["signature_missing_reason"] = json!("signature not obtained — phone");
    let p = fx.ok(AGENT, "register", r);
    let id = p["id"].as_str().unwrap().to_string();
    let d = fx.detail(&id);
    assert_eq!(d["signature_status"], "not_obtained", "R3.2: the record says the signature was not obtained");
    assert_eq!(d["signature_note"], "signature not obtained — phone", "R3.2: with the reason");
    assert!(d["records"]["signatures"].as_array().unwrap().is_empty(), "R3.2: no signature is faked");
    assert_eq!(events(&mut fx, &id, "registered")[0]["signature_missing_reason"], "signature not obtained — phone");

    // The customer visits later and signs.
    fx.advance(Duration::days(1));
    fx.ok(AGENT, "add_signature", json!({ "complaint": id, "signature": signature("王芳") }));
    let d = fx.detail(&id);
    assert_eq!(d["signature_status"], "signed", "R3.2: a signature can be added later");
    let sigs = d["records"]["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 1);
    assert_eq!(sigs[0]["signed_at"], "2026-03-11T02:00:00Z", "R3.2: signed at the later visit");
    assert!(!sigs[0]["digest"].as_str().unwrap().is_empty());
    let e = fx.err(AGENT, "add_signature", json!({ "complaint": id, "signature": signature("王芳") }));
    assert_eq!(e.code, "precondition", "R3.2: a signed registration is not signed over");
}

#[test]
fn r3_3_a_major_complaint_gets_a_30_minute_report_step_and_the_report_is_recorded() {
    // R3.3
    let mut fx = Fx::new();
    let (general, _) = fx.register(json!({ "phone": "13900000701", "sub_category": "" }));
    assert!(step(&fx.detail(&general), "report_major").is_none(), "R3.3: only major complaints are reported");
    let e = fx.err(AGENT, "report_major", json!({ "complaint": general, "informed": "王建华" }));
    assert_eq!((e.code, e.details["reason"].as_str()), ("precondition", Some("not_major")));

    let p = fx.ok(AGENT, "register", {
        let mut r = base_registration();
        r["tier"] = json!("vip");
        r
    });
    let planned: Vec<&Value> = p["deadlines"].as_array().unwrap().iter().filter(|d| d["kind"] == "report_major").collect();
    assert_eq!(planned.len(), 1, "R3.3: the registration plan shows the report deadline");
    let id = p["id"].as_str().unwrap().to_string();
    let d = fx.detail(&id);
    assert_eq!(due(&d, "report_major"), "2026-03-10T02:30:00Z", "R3.3: report within 30 minutes of registration");

    fx.advance(Duration::minutes(20));
    fx.ok(AGENT, "report_major", json!({ "complaint": id, "informed": "王建华", "informed_at": "2026-03-10T02:15:00Z" }));
    let d = fx.detail(&id);
    let s = step(&d, "report_major").unwrap();
    assert_eq!(s["completed_at"], "2026-03-10T02:20:00Z", "R3.3: the report step is done");
    let reports = d["records"]["major_reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1, "R3.3: the report is recorded");
    assert_eq!(reports[0]["informed"], "王建华", "R3.3: who was informed");
    assert_eq!(reports[0]["informed_at"], "2026-03-10T02:15:00Z", "R3.3: and when");
    let esc = fx.ok(AUDITOR, "escalations", json!({}));
    let row = esc.as_array().unwrap().iter().find(|r| r["number"] == p["number"]).expect("major on escalation view");
    assert_eq!(row["major_reported"], true, "R3.3: the escalation view shows it was reported");
}

#[test]
fn r3_3_a_late_report_needs_an_overdue_reason() {
    // R3.3 (the 30-minute deadline is enforced)
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({ "tier": "vip" }));
    fx.advance(Duration::minutes(31));
    assert_eq!(step(&fx.detail(&id), "report_major").unwrap()["urgency"], "overdue", "R3.3: after 30 min the report is overdue");
    let e = fx.err(AGENT, "report_major", json!({ "complaint": id, "informed": "王建华" }));
    assert_eq!((e.code, e.details["reason"].as_str()), ("precondition", Some("overdue_reason_required")));
    assert!(fx.detail(&id)["records"]["major_reports"].as_array().unwrap().is_empty(), "R3.3: refused report left no record");
    fx.ok(AGENT, "report_major", json!({ "complaint": id, "informed": "王建华", "overdue_reason": "经理在开会" }));
    let d = fx.detail(&id);
    assert_eq!(step(&d, "report_major").unwrap()["overdue_reason"], "经理在开会");
}

#[test]
fn r3_4_not_accepted_only_for_the_listed_reasons_and_the_record_is_kept() {
    // R3.4
    let mut fx = Fx::new();
    for (i, reason) in ["already_settled", "handled_by_court_or_arbitration", "other_legal_provisions"].iter().enumerate() {
        let (id, number) = fx.register(json!({ "phone": format!("1390000080{i}"), "sub_category": "" }));
        let n = fx.count("complaints");
        fx.ok(AGENT, "not_accept", json!({ "complaint": id, "reason": reason }));
        let d = fx.detail(&id);
        assert_eq!(d["stage"], "not_accepted", "R3.4: refused for {reason}");
        assert!(d["close_reason"].as_str().unwrap().starts_with(reason), "R3.4: the reason {reason} is kept for the notice");
        assert!(d["steps"].as_array().unwrap().iter().all(|s| s["completed_at"].is_string()), "R3.4: no clock keeps running");
        assert_eq!(fx.count("complaints"), n, "R3.4: the record is kept, never deleted");
        let found = fx.ok(MANAGER, "search", json!({ "filter": { "number": number } }));
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "R3.4: the refused complaint is still found");
        assert_eq!(events(&mut fx, &id, "not_accepted")[0]["reason"], *reason);
    }
    let (id, _) = fx.register(json!({ "phone": "13900000810", "sub_category": "" }));
    for bad in ["customer_rude", "duplicate", ""] {
        let e = fx.err(AGENT, "not_accept", json!({ "complaint": id, "reason": bad, "note": "x" }));
        assert_eq!(e.code, "bad_arguments", "R3.4: {bad:?} is not a reason to refuse");
    }
    assert_eq!(fx.stage(&id), "registered");
    // Once handling has started, refusal is no longer possible.
    let d = fx.dispatched(json!({ "phone": "13900000811", "sub_category": "" }));
    let e = fx.err(AGENT, "not_accept", json!({ "complaint": d, "reason": "already_settled" }));
    assert_eq!(e.code, "illegal_transition", "R3.4: refusal is an acceptance decision");
}

#[test]
fn r3_4_malicious_complaints_are_refused_only_by_a_supervisor_with_a_note() {
    // R3.4 (d)
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    let e = fx.err(AGENT, "not_accept", json!({ "complaint": id, "reason": "malicious", "note": "多次无理投诉" }));
    assert_eq!(e.code, "forbidden", "R3.4: an agent may not declare a complaint malicious");
    let e = fx.err(MANAGER, "not_accept", json!({ "complaint": id, "reason": "malicious" }));
    assert_eq!((e.code, e.details["field"].as_str()), ("invalid", Some("note")), "R3.4: malicious needs a note");
    assert_eq!(fx.stage(&id), "registered", "R3.4: refused attempts change nothing");

    fx.ok(MANAGER, "not_accept", json!({ "complaint": id, "reason": "malicious", "note": "同一事项已调解结案后反复索要赔偿" }));
    let d = fx.detail(&id);
    assert_eq!(d["stage"], "not_accepted", "R3.4: the supervisor refused it");
    assert!(d["close_reason"].as_str().unwrap().contains("同一事项已调解结案后反复索要赔偿"), "R3.4: the note is kept for the notice");
    let kinds = fx.timeline_kinds(&id);
    assert!(kinds.contains(&"registered".to_string()) && kinds.contains(&"not_accepted".to_string()), "R3.4: the whole record is kept");
    let e = fx.err(AGENT, "review", json!({ "complaint": id, "opinion": "x" }));
    assert_eq!(e.code, "illegal_transition", "R3.4: a refused complaint is not handled further");
}

#[test]
fn r3_5_review_records_the_opinion_and_classification() {
    // R3.5
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    let e = fx.err(AGENT, "review", json!({ "complaint": id, "opinion": "  " }));
    assert_eq!((e.code, e.details["field"].as_str()), ("invalid", Some("opinion")), "R3.5: a review needs an opinion");
    assert_eq!(fx.stage(&id), "registered");
    let e = fx.err(HS_HANDLER, "review", json!({ "complaint": id, "opinion": "属实" }));
    assert_eq!(e.code, "forbidden", "R3.5: review is CS's job");

    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "情况属实，分类确认，一般投诉", "category": "comprehensive" }));
    let d = fx.detail(&id);
    assert_eq!(d["stage"], "reviewed", "R3.5: reviewed");
    assert_eq!(d["review_opinion"], "情况属实，分类确认，一般投诉", "R3.5: the review opinion is stored");
    assert_eq!(d["category"], "comprehensive", "R3.5: the reviewer corrected the category");
    let rev = events(&mut fx, &id, "reviewed");
    assert_eq!(rev[0]["opinion"], "情况属实，分类确认，一般投诉");
    assert_eq!(rev[0]["changes"]["category"]["from"], "service", "R3.5: the correction is recorded");
    let e = fx.err(AGENT, "review", json!({ "complaint": id, "opinion": "再审" }));
    assert_eq!(e.code, "illegal_transition", "R3.5: reviewed once");
}

#[test]
fn r3_5_an_invalid_complaint_is_cancelled_with_a_reason_and_kept() {
    // R3.5
    let mut fx = Fx::new();
    for (i, reason) in ["duplicate", "wrong_party", "not_our_service"].iter().enumerate() {
        let (id, number) = fx.register(json!({ "phone": format!("1390000090{i}"), "sub_category": "" }));
        let e = fx.err(AGENT, "cancel", json!({ "complaint": id, "reason": reason, "note": "" }));
        assert_eq!((e.code, e.details["field"].as_str()), ("invalid", Some("note")), "R3.5: cancelling needs a written reason");
        fx.ok(AGENT, "cancel", json!({ "complaint": id, "reason": reason, "note": format!("撤销：{reason}") }));
        let d = fx.detail(&id);
        assert_eq!(d["stage"], "cancelled", "R3.5: cancelled as {reason}");
        assert_eq!(d["close_reason"], format!("撤销：{reason}"), "R3.5: the reason is kept");
        assert_eq!(events(&mut fx, &id, "cancelled")[0]["reason"], *reason, "R3.5: the invalidity reason is recorded");
        let found = fx.ok(AUDITOR, "search", json!({ "filter": { "number": number, "stages": ["cancelled"] } }));
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "R3.5: kept for audit");
    }
    let (id, _) = fx.register(json!({ "phone": "13900000910", "sub_category": "" }));
    let e = fx.err(AGENT, "cancel", json!({ "complaint": id, "reason": "customer_changed_mind", "note": "x" }));
    assert_eq!(e.code, "bad_arguments", "R3.5: only the listed invalidity reasons");
    let d = fx.dispatched(json!({ "phone": "13900000911", "sub_category": "" }));
    let e = fx.err(AGENT, "cancel", json!({ "complaint": d, "reason": "duplicate", "note": "x" }));
    assert_eq!(e.code, "illegal_transition", "R3.5: cancellation is part of review, not a way to drop handled work");
}

#[test]
fn r3_6_lookup_shows_the_profile_and_recent_complaints() {
    // R3.6
    let mut fx = Fx::new();
    let none = fx.ok(AGENT, "lookup_customer", json!({ "phone": "13812345678" }));
    assert!(none.is_null(), "an unknown phone has no profile");
    let (_, n1) = fx.register(json!({ "address": "静安区1号" }));
    fx.advance(Duration::days(40));
    let (_, n2) = fx.register(json!({ "sub_category": "价格", "category": "business" }));
    let p = fx.ok(AGENT, "lookup_customer", json!({ "phone": "138-1234-5678" }));
    assert_eq!(p["name"], "王芳", "R3.6: the customer's profile is shown");
    assert_eq!(p["tier"], "regular");
    assert_eq!(p["address"], "静安区1号");
    assert_eq!(p["complaints_total"], 2, "R3.6: with their complaints");
    let recent: Vec<&str> = p["recent"].as_array().unwrap().iter().map(|r| r["number"].as_str().unwrap()).collect();
    assert_eq!(recent, vec![n2.as_str(), n1.as_str()], "R3.6: recent complaints, newest first");
    let e = fx.err(HS_HANDLER, "lookup_customer", json!({ "phone": "13812345678" }));
    assert_eq!(e.code, "forbidden", "R3.6/R7.8: the profile is for intake staff");
}

#[test]
fn r3_6_a_repeat_complaint_within_30_days_is_flagged_linked_and_sorted_first() {
    // R3.6: same customer, same worker / service order / sub-category, within 30 days.
    let mut fx = Fx::new();
    let (first, n_first) = fx.register(json!({ "sub_category": "态度", "worker": "W00001", "service_order_no": "SO-1" }));
    fx.advance(Duration::minutes(1));
    // An unrelated complaint of another customer with an earlier deadline than any later one.
    let (_, n_other) = fx.register(other_customer("13900001001"));
    fx.advance(Duration::days(3));

    for (what, extra) in [
        ("worker", json!({ "sub_category": "损坏", "worker": "W00001" })),
        ("service order", json!({ "sub_category": "价格", "service_order_no": "SO-1" })),
        ("sub-category", json!({ "sub_category": "态度" })),
    ] {
        let mut r = base_registration();
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        let p = fx.ok(AGENT, "register", r);
        assert_eq!(p["repeat_of"], n_first.as_str(), "R3.6: same {what} within 30 days is a repeat of the earlier complaint");
        let id = p["id"].as_str().unwrap().to_string();
        let d = fx.detail(&id);
        assert_eq!(d["is_repeat"], true, "R3.6: flagged as repeat ({what})");
        assert!(
            d["links"].as_array().unwrap().iter().any(|l| l["kind"] == "repeat" && l["number"] == n_first.as_str()),
            "R3.6: linked to the earlier complaint ({what}): {}",
            d["links"]
        );
        let board = board_numbers(&mut fx);
        assert_eq!(board[0], p["number"].as_str().unwrap(), "R3.6: the repeat complaint is sorted first ({what})");
        let pos_other = board.iter().position(|n| *n == n_other).unwrap();
        assert!(pos_other > 0, "R3.6: the earlier-due ordinary complaint comes after the repeat");
        // Close this one out of the way so the next case is tested on its own.
        fx.ok(AGENT, "cancel", json!({ "complaint": id, "reason": "duplicate", "note": "测试" }));
        fx.advance(Duration::minutes(1));
    }
    // The earlier complaint shows the link from the repeats.
    let d = fx.detail(&first);
    assert_eq!(d["links"].as_array().unwrap().iter().filter(|l| l["kind"] == "repeat").count(), 3);

    // Nothing in common: not a repeat.
    let p = fx.ok(AGENT, "register", {
        let mut r = base_registration();
        r["sub_category"] = json!("隐私");
        r
    });
    assert!(p["repeat_of"].is_null(), "R3.6: a complaint about something else is not a repeat");
}

#[test]
fn r3_6_outside_the_window_or_for_another_customer_it_is_not_a_repeat() {
    // R3.6
    let mut fx = Fx::new();
    fx.register(json!({}));
    let p = fx.ok(AGENT, "register", {
        let mut r = base_registration();
        r["phone"] = json!("13900001101");
        r
    });
    assert!(p["repeat_of"].is_null(), "R3.6: another customer's complaint about the same sub-category is not a repeat");
    fx.advance(Duration::days(31));
    let p = fx.ok(AGENT, "register", base_registration());
    assert!(p["repeat_of"].is_null(), "R3.6: after 30 days it is no longer a repeat");
    assert_eq!(fx.detail(p["id"].as_str().unwrap())["is_repeat"], false);
    // The window is configurable.
    fx.ok(ADMIN, "set_setting", json!({ "key": "repeat_window_days", "value": "60" }));
    fx.advance(Duration::days(40));
    let p = fx.ok(AGENT, "register", base_registration());
    assert!(p["repeat_of"].is_string(), "R3.6: with a 60-day window, 40 days later is a repeat");
}

#[test]
fn r3_7_administrators_maintain_templates_that_everyone_can_use() {
    // R3.7
    let mut fx = Fx::new();
    let e = fx.err(AGENT, "upsert_template", json!({ "kind": "reply", "title": "x", "body": "y" }));
    assert_eq!(e.code, "forbidden", "R3.7: agents use templates, they do not maintain them");
    let e = fx.err(ADMIN, "upsert_template", json!({ "kind": "greeting", "title": "x", "body": "y" }));
    assert_eq!((e.code, e.details["reason"].as_str()), ("invalid", Some("unknown_template_kind")));
    let e = fx.err(ADMIN, "upsert_template", json!({ "kind": "reply", "title": "空", "body": " " }));
    assert_eq!(e.code, "invalid", "R3.7: a template needs a body");

    let mut ids = Vec::new();
    for kind in ["description", "dispatch_note", "reply", "decision"] {
        let r = fx.ok(ADMIN, "upsert_template", json!({ "kind": kind, "title": format!("测试-{kind}"), "body": format!("正文-{kind}") }));
        ids.push(r["id"].as_str().unwrap().to_string());
    }
    let refd = fx.ok(AGENT, "reference_data", json!({}));
    let templates = refd["templates"].as_array().unwrap();
    for kind in ["description", "dispatch_note", "reply", "decision"] {
        assert!(
            templates.iter().any(|t| t["kind"] == kind && t["title"] == format!("测试-{kind}") && t["body"] == format!("正文-{kind}")),
            "R3.7: the {kind} template is offered to agents"
        );
    }
    // Edit and retire.
    fx.ok(ADMIN, "upsert_template", json!({ "id": ids[2], "kind": "reply", "title": "测试-reply", "body": "新正文" }));
    fx.ok(
        ADMIN,
        "upsert_template",
        json!({ "id": ids[0], "kind": "description", "title": "测试-description", "body": "正文", "active": false }),
    );
    let refd = fx.ok(HS_HANDLER, "reference_data", json!({}));
    let templates = refd["templates"].as_array().unwrap();
    assert!(templates.iter().any(|t| t["id"] == ids[2].as_str() && t["body"] == "新正文"), "R3.7: an edited template shows its new text");
    assert!(templates.iter().all(|t| t["id"] != ids[0].as_str()), "R3.7: a retired template is no longer offered");
}

#[test]
fn r3_8_escalation_view_lists_major_and_warning_complaints_with_acknowledgements() {
    // R3.8
    let mut fx = Fx::new();
    let (major, n_major) = fx.register(json!({ "tier": "vip" }));
    let (warn, n_warn) = fx.register(json!({ "phone": "13900001201", "sub_category": "", "warning_level": 2 }));
    let (plain, n_plain) = fx.register(json!({ "phone": "13900001202", "sub_category": "" }));

    let esc = fx.ok(AUDITOR, "escalations", json!({}));
    let numbers: Vec<&str> = esc.as_array().unwrap().iter().map(|r| r["number"].as_str().unwrap()).collect();
    assert!(numbers.contains(&n_major.as_str()), "R3.8: a major complaint is on the escalation view");
    assert!(numbers.contains(&n_warn.as_str()), "R3.8: a warning-level-2 complaint is on the escalation view");
    assert!(!numbers.contains(&n_plain.as_str()), "R3.8: a general level-1 complaint is not");
    let row = esc.as_array().unwrap().iter().find(|r| r["number"] == n_major.as_str()).unwrap();
    assert_eq!(
        row["acknowledgements"],
        json!([["general_manager", null], ["office_director", null], ["cs_manager", null], ["cs_department", null]]),
        "R3.8: the chain in order, nobody has acknowledged yet"
    );

    let e = fx.err(AGENT, "acknowledge_escalation", json!({ "complaint": major, "level": "general_manager" }));
    assert_eq!(e.code, "forbidden", "R3.8: an agent cannot acknowledge for the general manager");
    let e = fx.err(AUDITOR, "acknowledge_escalation", json!({ "complaint": major, "level": "cs_department" }));
    assert_eq!(e.code, "forbidden", "R3.8: the auditor only reads");
    let e = fx.err(AGENT, "acknowledge_escalation", json!({ "complaint": plain, "level": "cs_department" }));
    assert_eq!((e.code, e.details["reason"].as_str()), ("precondition", Some("not_escalated")));

    fx.ok(BRANCH_MANAGER, "acknowledge_escalation", json!({ "complaint": major, "level": "general_manager", "note": "已知悉" }));
    fx.ok(BRANCH_MANAGER, "acknowledge_escalation", json!({ "complaint": major, "level": "office_director" }));
    fx.ok(MANAGER, "acknowledge_escalation", json!({ "complaint": major, "level": "cs_manager" }));
    fx.ok(AGENT, "acknowledge_escalation", json!({ "complaint": major, "level": "cs_department", "note": "已备案" }));
    let e = fx.err(MANAGER, "acknowledge_escalation", json!({ "complaint": major, "level": "cs_manager" }));
    assert_eq!((e.code, e.details["reason"].as_str()), ("precondition", Some("already_acknowledged")));

    let esc = fx.ok(AUDITOR, "escalations", json!({}));
    let row = esc.as_array().unwrap().iter().find(|r| r["number"] == n_major.as_str()).unwrap();
    assert_eq!(
        row["acknowledgements"],
        json!([["general_manager", "刘强"], ["office_director", "刘强"], ["cs_manager", "王建华"], ["cs_department", "张敏"]]),
        "R3.8: the view shows who acknowledged each level"
    );
    let d = fx.detail(&major);
    assert_eq!(d["records"]["escalation_acks"].as_array().unwrap().len(), 4, "R3.8: acknowledgements are recorded on the complaint");
    fx.ok(AGENT, "acknowledge_escalation", json!({ "complaint": warn, "level": "cs_department" }));

    // A complaint raised to level 2 later joins the view.
    fx.ok(AGENT, "raise_warning", json!({ "complaint": plain, "level": 2, "reason": "客户不满" }));
    let esc = fx.ok(AUDITOR, "escalations", json!({}));
    assert!(esc.as_array().unwrap().iter().any(|r| r["number"] == n_plain.as_str()), "R3.8: raised to 2, it is now escalated");
}
