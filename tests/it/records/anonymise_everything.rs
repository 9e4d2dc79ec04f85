//! Anonymisation that leaves nothing behind (issue 25 item 8, R7.2, PIPL Art. 47): after a
//! customer is anonymised, neither the database file nor its WAL holds their name, phone,
//! address, free text or service-order number — not in the records, not in the timeline's
//! payloads, not in the search index — their evidence files are gone, and `verify` is still ok.
//! The records past their retention period are listed, so nobody has to remember them.

use crate::common;
use common::*;

use chrono::Duration;
use serde_json::{json, Value};

use complaint_desk::maintenance::verify::verify_database;
use complaint_desk::store::Store;
use complaint_desk::{demo, workflow::settings};

const NAME: &str = "欧阳娜娜";
const PHONE: &str = "13655554444";
const ADDRESS: &str = "杭州市西湖区文三路88号2栋1201室";
const ORDER: &str = "SO-77889911";
/// Free text typed by staff about this customer's case, each distinctive.
const TEXTS: &[&str] = &[
    "紫色沙发被划破三道口子",   // description
    "赔偿沙发修补费用并道歉",   // expected outcome
    "客厅靠窗的紫色沙发旁",     // incident place
    "情况属实请尽快上门核查",   // review opinion
    "请带修补工具上门查看沙发", // dispatch note
    "保洁员挪动家具时未铺垫",   // root cause
    "赔付三百元修补沙发费用",   // solution
    "已上门当面致歉并修补好",   // implementation
    "修补师傅手艺很好很满意",   // survey comment
];
const EVIDENCE: &[u8] = b"EVIDENCE-PHOTO-BYTES-sofa-scratch-0xC0FFEE";

fn file_fx(dir: &std::path::Path, now: &str) -> Fx {
    let now = t(now);
    let mut store = Store::open(&dir.join("complaint-desk.sqlite3")).unwrap();
    settings::init_defaults(&store.conn, now).unwrap();
    demo::generate(&mut store, now, 0, 7).unwrap();
    Fx { store, now }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    hay.windows(n.len()).any(|w| w == n)
}

/// Every secret found in the database file and its WAL (after a checkpoint).
fn leaks_on_disk(fx: &Fx, dir: &std::path::Path, secrets: &[&str]) -> Vec<String> {
    let _ = fx.store.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    let mut found = Vec::new();
    for f in ["complaint-desk.sqlite3", "complaint-desk.sqlite3-wal"] {
        let Ok(bytes) = std::fs::read(dir.join(f)) else { continue };
        for s in secrets {
            if contains(&bytes, s) {
                found.push(format!("{s} in {f}"));
            }
        }
    }
    found
}

#[test]
fn anonymisation_leaves_no_trace_in_the_database_file_the_index_or_the_evidence_folder_and_verify_passes() {
    // R7.2
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let mut fx = file_fx(&dir, "2023-05-10T02:00:00Z");
    let evidence = tmp.path().join("photo.jpg");
    std::fs::write(&evidence, EVIDENCE).unwrap();

    let (id, number) = fx.register(json!({
        "customer_name": NAME, "phone": PHONE, "signature": signature(NAME), "address": ADDRESS,
        "service_order_no": ORDER, "description": format!("{}，客户{NAME}电话{PHONE}", TEXTS[0]),
        "expected_outcome": TEXTS[1], "incident_place": TEXTS[2],
    }));
    fx.ok(AGENT, "add_attachment", json!({ "complaint": id, "path": evidence.to_str(), "file_name": format!("{NAME}的沙发.jpg") }));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": TEXTS[3] }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": format!("{}，联系{NAME} {PHONE}", TEXTS[4]) }));
    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    fx.ok(HS_HANDLER, "record_findings", json!({ "complaint": id, "finding": "true", "root_cause": TEXTS[5], "solution": TEXTS[6] }));
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true, "signature": signature(NAME) }));
    fx.ok(
        HS_HANDLER,
        "implement",
        json!({ "complaint": id, "actions": TEXTS[7], "done_by": "李主管", "compensations": [{ "kind": "apology" }] }),
    );
    fx.ok(
        AGENT,
        "survey",
        json!({ "complaint": id, "overall": "satisfied", "method": "visit", "comment": TEXTS[8], "signature": signature(NAME) }),
    );
    fx.ok(AGENT, "close", json!({ "complaint": id }));
    // Searches for the customer are logged with what was searched (R7.1), a view saved with it.
    fx.ok(MANAGER, "search", json!({ "filter": { "phone": PHONE } }));
    fx.ok(MANAGER, "search", json!({ "filter": { "text": NAME } }));
    fx.ok(MANAGER, "save_view", json!({ "name": "回访", "filter": { "phone": PHONE } }));
    // Someone else, closed at the same time: must keep everything.
    let (other, _) = fx.register(json!({ "customer_name": "李雷", "phone": "13900001111", "description": "另一位客户的投诉内容完整保留" }));
    fx.ok(AGENT, "cancel", json!({ "complaint": other, "reason": "duplicate", "note": "重复登记" }));

    let mut secrets: Vec<&str> = vec![NAME, PHONE, ADDRESS, "文三路88号", ORDER, "的沙发.jpg"];
    secrets.extend(TEXTS);
    assert!(!leaks_on_disk(&fx, &dir, &secrets).is_empty(), "the test data is on disk before");
    let stored: Vec<String> = {
        let mut s = fx.store.conn.prepare("SELECT sha256 FROM attachments").unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let files = dir.join("attachments");
    assert!(stored.iter().all(|sha| files.join(sha).exists()));

    // Not yet due: not listed. Past the period: listed, for the people who act on it.
    fx.advance(Duration::days(365));
    let due = fx.ok(ADMIN, "retention_due", json!({}));
    assert_eq!(due["total"], 0, "{due}");
    fx.advance(Duration::days(365 * 2));
    let due = fx.ok(ADMIN, "retention_due", json!({}));
    let customers = due["customers"].as_array().unwrap();
    assert_eq!(due["total"].as_i64(), Some(customers.len() as i64));
    let listed = customers.iter().find(|c| c["complaints"] == 1 && c["phone_masked"] == "136****4444").expect("the customer is listed");
    assert_eq!(listed["customer_name"], "欧***", "masked for the administrator (R7.8)");
    assert!(customers.iter().any(|c| c["phone_masked"] == "139****1111"), "the cancelled one's customer is due too");
    assert_eq!(fx.ok(MANAGER, "retention_due", json!({}))["customers"].as_array().unwrap().len(), customers.len());
    assert_eq!(fx.err(HS_HANDLER, "retention_due", json!({})).code, "forbidden");
    let customer = listed["customer_id"].as_str().unwrap().to_string();

    // Events with text carry a random nonce (never shown), so that once the text is gone the
    // kept hash cannot confirm a guess of it.
    let salted = |fx: &Fx, cond: &str| -> i64 {
        fx.store
            .conn
            .query_row(&format!("SELECT COUNT(*) FROM events WHERE json_extract(data, '$.nonce') IS NOT NULL AND {cond}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(salted(&fx, &format!("kind = 'signed' AND complaint_id = '{id}'")), 3, "the signer's name is text: salted");
    assert!(!fx.ok(MANAGER, "timeline", json!({ "complaint": id })).to_string().contains("nonce"));
    let r = fx.ok(ADMIN, "anonymise_customer", json!({ "customer": customer, "reason": format!("{NAME}本人书面申请") }));
    assert_eq!(salted(&fx, "redacted_at IS NOT NULL"), 0, "the nonce goes with the text");
    assert!(r["events_redacted"].as_u64().unwrap() >= 10, "{r}");
    let due = fx.ok(ADMIN, "retention_due", json!({}));
    assert!(!due["customers"].as_array().unwrap().iter().any(|c| c["customer_id"] == customer.as_str()), "no longer due");

    // Nothing of them in the file, the WAL, the search index, the evidence folder.
    assert_eq!(leaks_on_disk(&fx, &dir, &secrets), Vec::<String>::new());
    for table in ["complaint_fts", "complaint_fts_cjk"] {
        for q in [PHONE, TEXTS[0], ORDER] {
            let q = if table == "complaint_fts" {
                format!("\"{q}\"")
            } else {
                format!("\"{}\"", q.chars().map(String::from).collect::<Vec<_>>().join(" "))
            };
            let n: i64 =
                fx.store.conn.query_row(&format!("SELECT COUNT(*) FROM {table} WHERE {table} MATCH ?1"), [&q], |r| r.get(0)).unwrap();
            assert_eq!(n, 0, "{table} still finds {q}");
        }
    }
    for sha in &stored {
        assert!(!files.join(sha).exists(), "evidence file {sha} is still on disk");
    }
    let (erased, name): (Option<String>, String) =
        fx.store.conn.query_row("SELECT erased_at, file_name FROM attachments", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert!(erased.is_some() && name == "***", "the evidence row is kept and marked");
    let d = fx.detail(&number);
    assert_eq!((d["description"].as_str(), d["service_order_no"].as_str()), (Some("***"), Some("***")));
    // …while the other customer keeps everything and the statistics their classification.
    assert_eq!(fx.detail(&other)["description"], "另一位客户的投诉内容完整保留");
    assert_eq!(d["sub_category"], "守时/爽约");

    // The timeline was anonymised too, and the chain and every signature still verify.
    let tl = fx.ok(MANAGER, "timeline", json!({ "complaint": id })).to_string();
    for s in &secrets {
        assert!(!tl.contains(s), "{s} in the timeline: {tl}");
    }
    let v = verify_database(&fx.store.conn, None).unwrap();
    assert!(v.ok, "{v:?}");
    // A redacted event changed afterwards is caught (the seal), so redaction is no way in.
    fx.store
        .conn
        .execute_batch("DROP TRIGGER events_no_update; UPDATE events SET data = '{\"note\":\"改过\"}' WHERE redacted_at IS NOT NULL AND kind = 'dispatched';")
        .unwrap();
    let v = verify_database(&fx.store.conn, None).unwrap();
    assert!(!v.ok, "an edited redacted event must break verify: {v:?}");
}

#[test]
fn a_redaction_is_only_possible_as_the_schema_allows() {
    // R7.1: the timeline stays append-only; the only permitted change is one redaction of a
    // payload, keeping every other column (and so the hash and the link).
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    let c = &fx.store.conn;
    for sql in [
        "UPDATE events SET data = '{}' WHERE complaint_id = ?1",
        "UPDATE events SET data = '{}', redacted_at = 'x', hash = 'h' WHERE complaint_id = ?1",
        "UPDATE events SET redacted_at = 'x', kind = 'other' WHERE complaint_id = ?1",
    ] {
        assert!(c.execute(sql, [&id]).is_err(), "refused: {sql}");
    }
    c.execute("UPDATE events SET data = '{}', redacted_at = 'x' WHERE complaint_id = ?1", [&id]).unwrap();
    assert!(c.execute("UPDATE events SET data = '{\"a\":1}', redacted_at = 'y' WHERE complaint_id = ?1", [&id]).is_err(), "only once");
    // Without a seal recorded by an anonymisation, a redacted event breaks the chain.
    let v = verify_database(c, None).unwrap();
    assert!(!v.ok, "{v:?}");
    let _: Value = Value::Null;
}
