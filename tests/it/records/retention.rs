//! Retention and anonymisation (R7.2): records younger than the retention period cannot be
//! deleted by anyone — in fact nothing of a record is ever deleted; after the period a customer's
//! personal data can be anonymised on request, logged on the timeline (R7.1), the statistics
//! kept, and the signatures still verifiable (R7.11) so `cdesk verify` still passes.

use crate::common;
use common::*;

use chrono::Duration;
use serde_json::{json, Value};

use complaint_desk::maintenance::verify::verify_database;

/// A complaint walked all the way to closed, with a signed agreement and a signed on-site survey.
fn closed_signed(fx: &mut Fx, name: &str, phone: &str) -> (String, String) {
    let (id, number) = fx.register(json!({
        "customer_name": name, "phone": phone, "signature": signature(name),
        "description": format!("{name}（电话{phone}）反映：保洁员迟到两个小时，空调未清洗。"),
        "expected_outcome": format!("请联系{name}，电话{phone}"),
        "address": "上海市浦东新区世纪大道100号", "incident_place": "客户家中",
    }));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "属实" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请核实" }));
    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    fx.ok(
        HS_HANDLER,
        "record_findings",
        json!({ "complaint": id, "finding": "true", "root_cause": "排班失误", "solution": "道歉并重新服务" }),
    );
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true, "signature": signature(name) }));
    fx.ok(
        HS_HANDLER,
        "implement",
        json!({ "complaint": id, "actions": "当面道歉并重新安排保洁", "done_by": "李主管", "compensations": [{ "kind": "apology" }] }),
    );
    fx.ok(AGENT, "survey", json!({ "complaint": id, "overall": "satisfied", "method": "visit", "signature": signature(name) }));
    fx.ok(AGENT, "close", json!({ "complaint": id }));
    (id, number)
}

/// What the statistics are made of (R7.4): must not change when personal data is anonymised.
fn statistics(fx: &Fx) -> Vec<(String, i64)> {
    let mut stmt = fx
        .store
        .conn
        .prepare(
            "SELECT category || '/' || sub_category || '/' || tier || '/' || nature || '/' || channel || '/' || stage || '/' ||
                    COALESCE(department_id, '') || '/' || COALESCE(worker_id, '') || '/' || received_at || '/' || COALESCE(closed_at, ''),
                    COUNT(*) FROM complaints GROUP BY 1 ORDER BY 1",
        )
        .unwrap();
    let mut v: Vec<(String, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap();
    for t in ["steps", "surveys", "dispatches", "handlings", "decisions", "implementations", "compensations", "signatures"] {
        v.push((t.into(), fx.count(t)));
    }
    v
}

#[test]
fn nothing_of_a_record_can_be_deleted_by_anyone() {
    // R7.2: deletion is refused by the database itself, whatever the caller and the age.
    let mut fx = Fx::at("2022-01-10T02:00:00Z");
    let file = std::env::temp_dir().join(format!("cdesk-retention-{}.txt", std::process::id()));
    std::fs::write(&file, "证据").unwrap();
    let (id, _) = closed_signed(&mut fx, "王芳", "13812345678");
    fx.ok(AGENT, "add_attachment", json!({ "complaint": id, "path": file.display().to_string() }));
    fx.set_now("2026-03-10T02:00:00Z"); // long past the retention period: still not deletable
    for table in [
        "complaints",
        "customers",
        "signatures",
        "surveys",
        "events",
        "steps",
        "dispatches",
        "handlings",
        "decisions",
        "implementations",
        "compensations",
        "attachments",
    ] {
        let before = fx.count(table);
        assert!(before > 0, "{table} has rows");
        assert!(fx.store.conn.execute(&format!("DELETE FROM {table}"), []).is_err(), "DELETE FROM {table} must be refused");
        assert_eq!(fx.count(table), before);
    }
    // …and no command of the registry deletes a record: the only removals are of drafts,
    // sign-in failures and calendar days, none of which are records of a complaint.
    for c in complaint_desk::api::commands() {
        assert!(!c.name.contains("delete") && !c.name.contains("purge"), "{} looks like a deletion", c.name);
    }
    std::fs::remove_file(&file).ok();
}

#[test]
fn personal_data_is_anonymised_only_after_the_retention_period_on_request_and_logged() {
    // R7.2 with the default period of 2 years, counted from the closing of the customer's last
    // complaint; an open complaint blocks it whatever its age.
    let mut fx = Fx::at("2023-05-10T02:00:00Z");
    let (a1, n1) = closed_signed(&mut fx, "王芳", "13812345678");
    fx.advance(Duration::days(20));
    let (a2, n2) = closed_signed(&mut fx, "王芳", "13812345678"); // the same customer, later
    let closed_at = fx.now;
    let (b, nb) = closed_signed(&mut fx, "李雷", "13900001111"); // someone else
    let customer: String = fx.store.conn.query_row("SELECT customer_id FROM complaints WHERE id = ?1", [&a1], |r| r.get(0)).unwrap();

    // Too young: refused, for everyone including the administrator.
    fx.now = closed_at + Duration::days(365 * 2 - 1);
    let st = fx.ok(ADMIN, "retention_status", json!({ "customer": "13812345678" }));
    assert_eq!(st["may_anonymise"], false);
    assert_eq!(st["blocked_by"], "retention_period_not_over");
    assert_eq!(st["retention_years"], 2);
    assert_eq!(st["complaints"].as_array().unwrap().len(), 2);
    let until = st["retained_until"].as_str().unwrap().to_string();
    let e = fx.err(ADMIN, "anonymise_customer", json!({ "customer": customer, "reason": "客户书面申请" }));
    assert_eq!((e.code, e.message_key.as_str()), ("precondition", "error.precondition.retention_period_not_over"), "{e:?}");
    assert_eq!(e.details["rule"], "R7.2");
    for who in [AGENT, MANAGER, BRANCH_MANAGER, AUDITOR, HS_HANDLER] {
        assert_eq!(fx.err(who, "anonymise_customer", json!({ "customer": customer, "reason": "x" })).code, "forbidden", "{who}");
    }
    // A longer period set by the administrator pushes the date back; less than 2 years is refused.
    assert_eq!(fx.err(ADMIN, "set_retention_years", json!({ "years": 1 })).message_key, "error.invalid.out_of_range");
    fx.ok(ADMIN, "set_retention_years", json!({ "years": 3 }));
    let st3 = fx.ok(MANAGER, "retention_status", json!({ "customer": customer }));
    assert!(st3["retained_until"].as_str().unwrap() > until.as_str());
    fx.ok(ADMIN, "set_retention_years", json!({ "years": 2 }));

    // An open complaint of the same customer blocks it, however old the others are.
    fx.now = closed_at + Duration::days(365 * 2 + 2);
    assert!(fx.now.to_rfc3339() > until);
    let (open_id, _) = fx.register(json!({ "customer_name": "王芳", "phone": "13812345678", "signature": signature("王芳") }));
    let e = fx.err(ADMIN, "anonymise_customer", json!({ "customer": customer, "reason": "客户书面申请" }));
    assert_eq!(e.message_key, "error.precondition.complaint_open");
    // Staff finish it (an invalid duplicate is cancelled, R3.5); its own period then runs.
    fx.ok(AGENT, "cancel", json!({ "complaint": open_id, "reason": "duplicate", "note": "重复登记" }));
    assert_eq!(
        fx.err(ADMIN, "anonymise_customer", json!({ "customer": customer, "reason": "申请" })).message_key,
        "error.precondition.retention_period_not_over"
    );
    fx.now += Duration::days(365 * 2 + 1);

    let stats = statistics(&fx);
    let other_before = fx.detail(&b);
    let events_before = fx.count("events");
    assert_eq!(fx.err(ADMIN, "anonymise_customer", json!({ "customer": customer, "reason": "  " })).message_key, "error.invalid.required");
    let r = fx.ok(ADMIN, "anonymise_customer", json!({ "customer": "138-1234-5678", "reason": "客户2026年3月书面申请删除个人信息" }));
    assert_eq!(r["customer_id"], customer.as_str());
    assert_eq!(r["complaints"].as_array().unwrap().len(), 3);
    assert_eq!(r["signatures"], 7, "registration, agreement and survey of two complaints, and the cancelled one's registration");

    // The personal data is gone: profile, phones, complaints, signatures, search.
    let (name, address, anonymised_at): (String, String, Option<String>) = fx
        .store
        .conn
        .query_row("SELECT name, address, anonymised_at FROM customers WHERE id = ?1", [&customer], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((name.as_str(), address.as_str()), ("***", ""));
    assert!(anonymised_at.is_some());
    assert_eq!(fx.ok(AGENT, "lookup_customer", json!({ "phone": "13812345678" })), Value::Null, "the phone no longer finds anyone");
    for number in [&n1, &n2] {
        let d = fx.ok(AGENT, "get_complaint", json!({ "complaint": number }));
        assert_eq!(d["customer_name"], "***");
        let all = d.to_string();
        assert!(
            !all.contains("王芳") && !all.contains("13812345678") && !all.contains("世纪大道"),
            "{number} still shows personal data: {all}"
        );
        // Free text is replaced whole (issue 25 item 8); the classification is kept.
        assert!(!all.contains("空调未清洗"), "the free text is gone: {all}");
        assert_eq!(d["description"], "***");
        assert_eq!(d["sub_category"], "守时/爽约");
    }
    let leaks: i64 = fx
        .store
        .conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM signatures WHERE signer_name = '王芳' OR content_json LIKE '%王芳%' OR content_json LIKE '%13812345678%')
                  + (SELECT COUNT(*) FROM complaints WHERE customer_name = '王芳' OR description LIKE '%13812345678%' OR description LIKE '%王芳%')
                  + (SELECT COUNT(*) FROM customer_phones WHERE phone = '13812345678')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(leaks, 0);
    for q in ["王芳", "13812345678", "5678"] {
        let found = fx.ok(MANAGER, "search", json!({ "filter": { "text": q } }));
        assert!(found["items"].as_array().unwrap().iter().all(|i| i["number"] == nb.as_str()), "search {q}: {found}");
    }
    // The statistics and the other customer are untouched.
    assert_eq!(statistics(&fx), stats);
    let mut other_after = fx.detail(&b);
    other_after["allowed_actions"] = other_before["allowed_actions"].clone();
    assert_eq!(other_after["customer_name"], other_before["customer_name"]);
    assert_eq!(other_after["contact_phone"], other_before["contact_phone"]);

    // Logged (R7.1): one event per complaint pinning its signatures' digests, and one overall.
    assert!(fx.timeline_kinds(&a2).contains(&"anonymised".to_string()));
    let ev = fx.ok(MANAGER, "timeline", json!({ "complaint": a1 }));
    let logged = ev.as_array().unwrap().iter().find(|e| e["kind"] == "anonymised").unwrap().clone();
    assert_eq!(logged["data"]["reason"], "客户2026年3月书面申请删除个人信息");
    assert_eq!(logged["actor_name"], "系统管理员");
    assert_eq!(logged["data"]["signatures"].as_array().unwrap().len(), 3);
    let logged: i64 = fx
        .store
        .conn
        .query_row("SELECT COUNT(*) FROM events WHERE seq > ?1 AND kind IN ('anonymised', 'customer_anonymised')", [events_before], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(logged, 4, "one per complaint and one for the customer");

    // Verify still passes: the chain is intact and every signature checks out, the anonymised
    // ones against the digest pinned on the timeline (R7.11).
    let v = verify_database(&fx.store.conn, None).unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.signatures_anonymised, 7);
    // The digests are unchanged, so a printed receipt can still be matched to its record.
    let digests: i64 = fx
        .store
        .conn
        .query_row(
            "SELECT COUNT(*) FROM signatures s WHERE anonymised_at IS NOT NULL AND digest IN
               (SELECT json_extract(value, '$.digest') FROM events, json_each(json_extract(events.data, '$.signatures')) WHERE kind = 'anonymised')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(digests, 7);
    // Only an anonymisation may touch a signature, and only once.
    assert!(fx.store.conn.execute("UPDATE signatures SET signer_name = 'x'", []).is_err());
    assert!(fx
        .store
        .conn
        .execute("UPDATE signatures SET digest = 'x', anonymised_at = '2030-01-01T00:00:00Z' WHERE anonymised_at IS NULL", [])
        .is_err());

    // Twice is refused; the customer can come back as a new customer.
    assert_eq!(
        fx.err(ADMIN, "anonymise_customer", json!({ "customer": customer, "reason": "again" })).message_key,
        "error.precondition.already_anonymised"
    );
    let (_, again) = fx.register(json!({ "customer_name": "王芳", "phone": "13812345678", "signature": signature("王芳") }));
    let d = fx.detail(&again);
    assert_eq!(d["customer_name"], "王芳");

    // `cdesk verify`, the real binary, on a copy of this database.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.sqlite3");
    fx.store.conn.backup(rusqlite::MAIN_DB, &path, None).unwrap();
    let out = std::process::Command::new(cdesk_bin()).env_remove("CDESK_DB").arg("--db").arg(&path).arg("verify").output().unwrap();
    assert!(out.status.success(), "cdesk verify after an anonymisation: {}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["signatures_anonymised"], 7);
}

#[test]
fn a_signature_that_does_not_verify_blocks_anonymisation() {
    // R7.11: anonymising would hide the evidence of tampering, so it is refused.
    let mut fx = Fx::at("2022-01-10T02:00:00Z");
    let (id, _) = closed_signed(&mut fx, "韩梅梅", "13700002222");
    fx.store
        .conn
        .execute_batch(&format!(
            "DROP TRIGGER signatures_no_update; UPDATE signatures SET strokes_json = '[]' WHERE complaint_id = '{id}' AND purpose = 'survey';"
        ))
        .unwrap();
    fx.set_now("2026-03-10T02:00:00Z");
    let before = fx.count("events");
    let e = fx.err(ADMIN, "anonymise_customer", json!({ "customer": "13700002222", "reason": "申请" }));
    assert_eq!((e.message_key.as_str(), &e.details["rule"]), ("error.precondition.signature_does_not_verify", &json!("R7.11")));
    assert_eq!(fx.count("events"), before, "nothing changed");
    let name: String = fx.store.conn.query_row("SELECT customer_name FROM complaints WHERE id = ?1", [&id], |r| r.get(0)).unwrap();
    assert_eq!(name, "韩梅梅");
}
