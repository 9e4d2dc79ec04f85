//! Issue 25, item 3: integrity that survives a direct edit of the database file. Each test edits
//! the file the way someone with any SQLite tool could (triggers dropped and restored where they
//! are in the way) and asserts that `verify` reports it. On the code before this change every one
//! of these databases verified `ok`: the hash chain covers only the events, and the survey,
//! compensation, step and signature rows (what the KPIs and documents are made of) were not
//! compared with them; the chain's head was kept nowhere outside the file.

use crate::common;

use common::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use complaint_desk::maintenance::verify::{verify_database, VerifyReport};

/// A complaint walked to closed: signed registration, a cash compensation, a survey.
fn closed(fx: &mut Fx) -> (String, String) {
    let (id, number) = fx.register(json!({}));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "属实" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请核实" }));
    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    fx.advance(chrono::Duration::minutes(30));
    fx.ok(HS_HANDLER, "record_findings", json!({ "complaint": id, "finding": "true", "root_cause": "排班失误", "solution": "道歉并赔偿" }));
    fx.advance(chrono::Duration::minutes(30));
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true, "signature": signature("王芳") }));
    fx.advance(chrono::Duration::minutes(30));
    fx.ok(
        HS_HANDLER,
        "implement",
        json!({
            "complaint": id, "actions": "当面道歉并退款", "done_by": "李主管",
            "compensations": [{ "kind": "apology" }, { "kind": "cash", "amount_cents": 20000, "note": " 现金赔偿 " }],
        }),
    );
    fx.advance(chrono::Duration::hours(2));
    fx.ok(AGENT, "survey", json!({ "complaint": id, "overall": "satisfied", "method": "phone" }));
    fx.ok(AGENT, "close", json!({ "complaint": id }));
    (id, number)
}

fn verify(fx: &Fx) -> VerifyReport {
    verify_database(&fx.store.conn, None).unwrap()
}

fn clean(fx: &mut Fx) -> (String, String) {
    let c = closed(fx);
    let v = verify(fx);
    assert!(v.ok, "an untouched database verifies: {v:?}");
    c
}

#[test]
fn an_edited_survey_on_a_closed_complaint_is_reported() {
    // R6.1, R7.1: the satisfaction figures come from `surveys`; the event recorded the answer.
    let mut fx = Fx::new();
    let (id, number) = clean(&mut fx);
    fx.store.conn.execute("UPDATE surveys SET overall = 'very_satisfied' WHERE complaint_id = ?1", [&id]).unwrap();
    let v = verify(&fx);
    assert!(!v.ok);
    let m: Vec<_> = v.state_mismatches.iter().filter(|m| m.table == "surveys").collect();
    assert_eq!(m.len(), 1, "{:?}", v.state_mismatches);
    assert_eq!((m[0].field.as_str(), &m[0].row_value, &m[0].event_value), ("overall", &json!("very_satisfied"), &json!("satisfied")));
    assert_eq!(m[0].complaint_number, number);
}

#[test]
fn an_edited_compensation_amount_and_step_completion_time_are_reported() {
    // R5.5 (compensation), R4.6 (a step's completion decides whether it was on time).
    let mut fx = Fx::new();
    let (id, _) = clean(&mut fx);
    fx.store.conn.execute("UPDATE compensations SET amount_cents = 2000 WHERE complaint_id = ?1 AND kind = 'cash'", [&id]).unwrap();
    let v = verify(&fx);
    assert!(!v.ok);
    assert!(
        v.state_mismatches.iter().any(|m| m.table == "compensations"
            && m.field == "amount_cents"
            && m.row_value == json!(2000)
            && m.event_value == json!(20000)),
        "{:?}",
        v.state_mismatches
    );

    let mut fx = Fx::new();
    let (id, _) = clean(&mut fx);
    fx.store
        .conn
        .execute("UPDATE steps SET completed_at = '2026-03-10T02:05:00Z' WHERE complaint_id = ?1 AND kind = 'final_handling'", [&id])
        .unwrap();
    let v = verify(&fx);
    assert!(!v.ok);
    let m: Vec<_> = v.state_mismatches.iter().filter(|m| m.table == "steps").collect();
    assert_eq!(m.len(), 1, "{:?}", v.state_mismatches);
    assert_eq!((m[0].field.as_str(), &m[0].row_value), ("completed_at", &json!("2026-03-10T02:05:00Z")));
}

#[test]
fn an_edited_approval_decision_and_implementation_are_reported() {
    // R5.5 approvals, R5.6 the written decision, R5.4 the customer's answer.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    fx.ok(HS_HANDLER, "record_findings", json!({ "complaint": id, "finding": "true", "root_cause": "排班失误", "solution": "赔偿" }));
    fx.ok(MANAGER, "approve_compensation", json!({ "complaint": id, "max_amount_cents": 80000, "note": "同意赔偿" }));
    let v = verify(&fx);
    assert!(v.ok, "{v:?}");
    let c = &fx.store.conn;
    c.execute("UPDATE compensation_approvals SET max_cents = 8000000 WHERE complaint_id = ?1", [&id]).unwrap();
    let v = verify(&fx);
    assert!(v.state_mismatches.iter().any(|m| m.table == "compensation_approvals" && m.field == "max_cents"), "{:?}", v.state_mismatches);

    let mut fx = Fx::new();
    let (id, _) = clean(&mut fx);
    let c = &fx.store.conn;
    c.execute("UPDATE decisions SET decision_text = '不予赔偿', objection = '' WHERE complaint_id = ?1", [&id]).unwrap();
    c.execute("UPDATE implementations SET done_at = '2026-03-10T02:01:00Z' WHERE complaint_id = ?1", [&id]).unwrap();
    let v = verify(&fx);
    let fields: Vec<(&str, &str)> = v.state_mismatches.iter().map(|m| (m.table.as_str(), m.field.as_str())).collect();
    assert!(fields.contains(&("decisions", "decision_text")) && fields.contains(&("implementations", "done_at")), "{fields:?}");
    assert!(!v.ok);
}

/// The SQL of a trigger, to put it back after the edit.
fn trigger_sql(fx: &Fx, name: &str) -> String {
    fx.store.conn.query_row("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1", [name], |r| r.get(0)).unwrap()
}

#[test]
fn a_forged_signature_is_reported_by_verify_and_a_new_receipt_does_not_match() {
    // R7.11: drop the trigger, rewrite the signed content and its digest with the public
    // algorithm, restore the trigger: the digest no longer equals the one its `signed` event pinned.
    let mut fx = Fx::new();
    let (id, number) = clean(&mut fx);
    let trigger = trigger_sql(&fx, "signatures_no_update");
    let c = &fx.store.conn;
    c.execute("UPDATE complaints SET description = '客户表示对服务非常满意，没有投诉。' WHERE id = ?1", [&id]).unwrap();
    let content = complaint_desk::signature::canonical(&complaint_desk::workflow::intake::registration_content(c, &id).unwrap());
    let strokes: String = c
        .query_row("SELECT strokes_json FROM signatures WHERE complaint_id = ?1 AND purpose = 'registration'", [&id], |r| r.get(0))
        .unwrap();
    let forged = complaint_desk::signature::digest(&content, &strokes);
    c.execute_batch("DROP TRIGGER signatures_no_update").unwrap();
    c.execute(
        "UPDATE signatures SET content_json = ?1, digest = ?2 WHERE complaint_id = ?3 AND purpose = 'registration'",
        rusqlite::params![content, forged, id],
    )
    .unwrap();
    c.execute_batch(&trigger).unwrap();

    let v = verify(&fx);
    assert!(v.signatures_bad.is_empty(), "the forgery is self-consistent, the old check passes it: {:?}", v.signatures_bad);
    assert!(!v.ok);
    let m: Vec<_> = v.state_mismatches.iter().filter(|m| m.table == "signatures").collect();
    assert_eq!(m.len(), 1, "{:?}", v.state_mismatches);
    assert_eq!((m[0].field.as_str(), &m[0].row_value), ("digest", &json!(forged)));
    assert_eq!(m[0].complaint_number, number);

    // A receipt printed now carries the forged digest; checking it must not say "matches".
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("receipt.pdf");
    fx.ok(AGENT, "export_document", json!({ "complaint": id, "form": "receipt", "path": path.to_str().unwrap() }));
    let r = fx.ok(MANAGER, "verify_receipt", json!({ "path": path.to_str().unwrap() }));
    assert_eq!((&r["status"], &r["reason"]), (&json!("mismatch"), &json!("digest_not_on_timeline")), "{r}");
}

#[test]
fn a_state_row_without_its_event_is_reported() {
    // R7.1: a survey inserted by hand (to lift the satisfaction rate) has no `surveyed` event.
    let mut fx = Fx::new();
    let (id, number) = clean(&mut fx);
    fx.store
        .conn
        .execute(
            "INSERT INTO surveys (id, complaint_id, overall, comment, method, department_id, surveyed_by, surveyed_at)
             SELECT 'forged-survey', complaint_id, 'very_satisfied', '', 'phone', department_id, surveyed_by, '2026-03-11T01:00:00Z'
             FROM surveys WHERE complaint_id = ?1",
            [&id],
        )
        .unwrap();
    let v = verify(&fx);
    assert!(!v.ok);
    assert_eq!(v.rows_without_event.len(), 1, "{:?}", v.rows_without_event);
    let r = &v.rows_without_event[0];
    assert_eq!(
        (r.table.as_str(), r.id.as_str(), r.complaint_number.as_str(), r.expected_event.as_str()),
        ("surveys", "forged-survey", number.as_str(), "surveyed")
    );
}

#[test]
fn a_backdated_action_shows_as_a_time_reversal() {
    // R7.1: an action recorded with a clock set back (here: a day) goes back along the chain.
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    assert!(verify(&fx).ok);
    fx.advance(chrono::Duration::days(-1));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "属实" }));
    let v = verify(&fx);
    assert!(!v.ok);
    assert_eq!(v.time_reversals.len(), 1, "{:?}", v.time_reversals);
    assert_eq!(v.time_reversals[0].kind, "reviewed");
}

/// Same construction as the timeline's (public: anyone can recompute a chain).
fn event_hash(prev: &str, id: &str, complaint: Option<&str>, at: &str, actor: Option<&str>, kind: &str, data: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, id, complaint.unwrap_or(""), at, actor.unwrap_or(""), kind, data] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// Rewrites event `from` (its data) and re-chains everything after it, as a forger would.
fn rewrite_tail(fx: &Fx, from: i64, new_data: &str) {
    let c = &fx.store.conn;
    let (upd, del) = (trigger_sql(fx, "events_no_update"), trigger_sql(fx, "events_no_delete"));
    c.execute_batch("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;").unwrap();
    c.execute("UPDATE events SET data = ?1 WHERE seq = ?2", rusqlite::params![new_data, from]).unwrap();
    let mut prev: String = c.query_row("SELECT prev_hash FROM events WHERE seq = ?1", [from], |r| r.get(0)).unwrap();
    let rows: Vec<(i64, String, Option<String>, String, Option<String>, String, String)> = c
        .prepare("SELECT seq, id, complaint_id, at, actor_id, kind, data FROM events WHERE seq >= ?1 ORDER BY seq")
        .unwrap()
        .query_map([from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (seq, id, complaint, at, actor, kind, data) in rows {
        let h = event_hash(&prev, &id, complaint.as_deref(), &at, actor.as_deref(), &kind, &data);
        c.execute("UPDATE events SET prev_hash = ?1, hash = ?2 WHERE seq = ?3", rusqlite::params![prev, h, seq]).unwrap();
        prev = h;
    }
    c.execute_batch(&format!("{upd};{del};")).unwrap();
}

#[test]
fn a_rewritten_timeline_tail_is_reported_against_a_printed_document_and_a_backup_manifest() {
    // R7.1: the chain alone can be recomputed by anyone; the heads kept outside the file cannot.
    let mut fx = Fx::new();
    let (id, number) = clean(&mut fx);
    let surveyed: i64 =
        fx.store.conn.query_row("SELECT seq FROM events WHERE complaint_id = ?1 AND kind = 'surveyed'", [&id], |r| r.get(0)).unwrap();
    let head = |fx: &Fx| -> (i64, String) {
        fx.store.conn.query_row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap()
    };

    // A receipt printed now carries the head (the event before its own `document_generated`)
    // in its footer and its Keywords.
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("receipt.pdf");
    fx.ok(AGENT, "export_document", json!({ "complaint": id, "form": "receipt", "lang": "zh-CN", "path": pdf.to_str().unwrap() }));
    let (seq, hash): (i64, String) = fx
        .store
        .conn
        .query_row(
            "SELECT seq, hash FROM events WHERE seq < (SELECT MAX(seq) FROM events WHERE kind = 'document_generated') ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let bytes = std::fs::read(&pdf).unwrap();
    let anchor = complaint_desk::docs::verify::anchor_from_pdf(&bytes).expect("the receipt carries the chain anchor");
    assert_eq!((anchor.seq, anchor.hash.as_str()), (seq, hash.as_str()));
    let footer = complaint_desk::docs::anchor_line(complaint_desk::docs::labels::texts(complaint_desk::docs::Lang::ZhCn), Some(&anchor));
    assert_eq!(footer, format!("记录链 第 {seq} 条 · 校验 {}…", hash[..12].to_uppercase()));

    // A backup manifest (written here by hand, as the backup code writes `timeline_head`).
    let backups = dir.path().join("backups");
    let b = backups.join("cdesk-backup-20260310T120000Z");
    std::fs::create_dir_all(&b).unwrap();
    let (bseq, bhash) = head(&fx);
    let manifest = json!({ "format": "complaint-desk-backup/1", "created_at": "2026-03-10T12:00:00Z", "timeline_head": { "seq": bseq, "hash": bhash } });
    std::fs::write(b.join("manifest.json"), serde_json::to_vec(&manifest).unwrap()).unwrap();
    fx.store
        .conn
        .execute(
            "INSERT INTO settings (key, value) VALUES ('backup_folder', ?1)",
            [serde_json::to_string(&backups.display().to_string()).unwrap()],
        )
        .unwrap();
    let v = verify(&fx);
    assert!(v.ok, "{v:?}");
    assert_eq!(v.anchors_checked, 2, "the document's and the manifest's anchor");
    assert_eq!(fx.ok(MANAGER, "verify_receipt", json!({ "path": pdf.to_str().unwrap() }))["chain_anchor_in_live_chain"], true);

    // The survey's event is rewritten to match an edited row, and the chain recomputed after it.
    let c = &fx.store.conn;
    let data: String = c.query_row("SELECT data FROM events WHERE seq = ?1", [surveyed], |r| r.get(0)).unwrap();
    let mut data: Value = serde_json::from_str(&data).unwrap();
    data["overall"] = json!("very_satisfied");
    c.execute("UPDATE surveys SET overall = 'very_satisfied' WHERE complaint_id = ?1", [&id]).unwrap();
    rewrite_tail(&fx, surveyed, &serde_json::to_string(&data).unwrap());
    let v = verify(&fx);
    assert_eq!(v.timeline.broken_at_seq, None, "the recomputed chain is consistent in itself");
    assert!(v.state_mismatches.is_empty() && v.signatures_bad.is_empty(), "{v:?}");
    assert!(!v.ok, "{v:?}");
    assert_eq!(v.anchors_broken.len(), 2, "{:?}", v.anchors_broken);
    assert!(v.anchors_broken.iter().any(|a| a.source.contains(&number) && a.seq == seq && a.hash == hash));
    assert!(v
        .anchors_broken
        .iter()
        .any(|a| a.source.ends_with("manifest.json") && a.seq == bseq && a.live_hash.as_deref() != Some(bhash.as_str())));
    // The saved copy says so too.
    let r = fx.ok(MANAGER, "verify_receipt", json!({ "path": pdf.to_str().unwrap() }));
    assert_eq!(
        (&r["status"], &r["reason"], &r["chain_anchor_in_live_chain"]),
        (&json!("mismatch"), &json!("timeline_rewritten"), &json!(false)),
        "{r}"
    );
}

#[test]
fn an_older_manifest_format_and_a_rolled_back_file_are_checked() {
    // Manifests made before `timeline_head` was {seq, hash} carry the hash and the event count.
    let mut fx = Fx::new();
    let (_, _) = clean(&mut fx);
    let (seq, hash): (i64, String) =
        fx.store.conn.query_row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, m: Value| {
        let b = dir.path().join(name);
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(b.join("manifest.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    };
    write("cdesk-backup-20260310T120000Z", json!({ "created_at": "2026-03-10T12:00:00Z", "events": seq, "timeline_head": hash }));
    // A backup from a later history than the live file holds (the file was copied back over).
    write(
        "cdesk-backup-20260311T120000Z",
        json!({ "created_at": "2026-03-11T12:00:00Z", "timeline_head": { "seq": seq + 40, "hash": "ab".repeat(32) } }),
    );
    // Junk is ignored, not a crash.
    write("cdesk-backup-20260312T120000Z", json!({ "timeline_head": { "seq": "x" } }));
    let r = complaint_desk::store::anchors::check(&fx.store.conn, &[dir.path().to_path_buf()]).unwrap();
    assert_eq!(r.checked, 2, "{r:?}");
    assert_eq!(r.broken.len(), 1, "{r:?}");
    assert_eq!((r.broken[0].seq, r.broken[0].live_hash.as_deref()), (seq + 40, None));
}

#[test]
fn events_written_before_ids_were_recorded_still_reconcile() {
    // Old data must not be flagged: strip the ids (and the stored notes) from the survey's and
    // the implementation's events, as events written before this change look, re-chained.
    let mut fx = Fx::new();
    let (id, _) = clean(&mut fx);
    for kind in ["surveyed", "implemented", "signed", "findings_recorded", "customer_decision"] {
        let rows: Vec<(i64, String)> = fx
            .store
            .conn
            .prepare("SELECT seq, data FROM events WHERE complaint_id = ?1 AND kind = ?2")
            .unwrap()
            .query_map([&id, kind], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for (seq, data) in rows {
            let mut v: Value = serde_json::from_str(&data).unwrap();
            let o = v.as_object_mut().unwrap();
            for k in ["survey_id", "implementation_id", "approval_id", "approval_created", "signature_id", "decision_id"] {
                o.remove(k);
            }
            if let Some(Value::Array(comps)) = o.get_mut("compensations") {
                for c in comps {
                    let c = c.as_object_mut().unwrap();
                    c.remove("id");
                    c.insert("note".into(), json!(" 现金赔偿 (as typed) "));
                }
            }
            rewrite_tail(&fx, seq, &serde_json::to_string(&v).unwrap());
        }
    }
    let v = verify(&fx);
    assert!(v.ok, "old-format events reconcile: {v:?}");
    fx.store.conn.execute("UPDATE surveys SET overall = 'very_satisfied' WHERE complaint_id = ?1", [&id]).unwrap();
    fx.store.conn.execute("UPDATE compensations SET amount_cents = 1 WHERE complaint_id = ?1 AND kind = 'cash'", [&id]).unwrap();
    let v = verify(&fx);
    let fields: Vec<(&str, &str)> = v.state_mismatches.iter().map(|m| (m.table.as_str(), m.field.as_str())).collect();
    assert_eq!(fields, vec![("surveys", "overall"), ("compensations", "amount_cents")], "{:?}", v.state_mismatches);
}

#[test]
fn actions_run_with_an_injected_clock_are_listed_by_verify() {
    // Issue 25, item 9 (R7.1): `cdesk --now` may backdate an action; verify names every such event.
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    assert_eq!(verify(&fx).clock_injected_count, 0, "nothing marked yet");
    complaint_desk::timeline::set_clock_injected(true);
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "属实" }));
    complaint_desk::timeline::set_clock_injected(false);
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请核实" }));
    let v = verify(&fx);
    assert_eq!(v.clock_injected_count, 1, "{:?}", v.clock_injected);
    assert_eq!(v.clock_injected.len(), 1);
    let e = &v.clock_injected[0];
    assert!(e.wall_at.is_some(), "the real time is kept beside the given one: {e:?}");
    let kinds: Vec<String> = fx
        .store
        .conn
        .prepare("SELECT kind FROM events WHERE seq = ?1")
        .unwrap()
        .query_map([e.seq], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(kinds, vec![e.kind.clone()]);
    assert_ne!(e.kind, "dispatched", "only the marked action is listed");
}
