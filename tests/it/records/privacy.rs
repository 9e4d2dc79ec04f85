//! Privacy that holds in free text and search (issue 25 item 7, R7.8, R7.1): roles that may not
//! see personal data see no phone, ID-card number or address typed into the free texts, masked
//! exports carry none, and a phone number cannot be recovered by searching for its digits.

use crate::common;
use common::*;

use serde_json::{json, Value};

const PHONE: &str = "13812345678";
const OTHER_PHONE: &str = "13987654321";
const LANDLINE: &str = "021-62345678";
const ID_CARD: &str = "11010519491231002X";
const ADDRESS: &str = "上海市浦东新区世纪大道100号3栋502室";

/// Every personal value the complaint's free texts carry, and fragments that must not show.
const SECRETS: &[&str] = &[PHONE, OTHER_PHONE, "13987654321", "62345678", ID_CARD, "19491231", "世纪大道", "502室", "12345678", "87654321"];

/// A complaint whose free texts carry personal data, dispatched to home services and handled.
fn complaint_with_personal_free_text(fx: &mut Fx) -> (String, String) {
    let (id, number) = fx.register(json!({
        "phone": PHONE,
        "address": ADDRESS,
        "description": format!("客户（身份证{ID_CARD}）反映保洁员迟到，住{ADDRESS}，另一联系电话139 8765 4321。"),
        "incident_place": "世纪大道100号3栋502室",
        "expected_outcome": format!("请拨打座机{LANDLINE}或{PHONE}联系后道歉"),
    }));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "属实" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": format!("请联系客户{OTHER_PHONE}") }));
    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    fx.ok(
        HS_HANDLER,
        "record_findings",
        json!({ "complaint": id, "finding": "true", "root_cause": format!("排班失误，已电话{PHONE}联系"), "solution": "上门至世纪大道100号3栋502室道歉" }),
    );
    (id, number)
}

fn leaks(text: &str) -> Vec<&'static str> {
    SECRETS.iter().copied().filter(|s| text.contains(s)).collect()
}

#[test]
fn restricted_roles_see_no_phone_id_or_address_inside_free_text() {
    // R7.8: a department handler, the auditor and the administrator may not see personal data.
    let mut fx = Fx::new();
    let (id, number) = complaint_with_personal_free_text(&mut fx);
    for who in [HS_HANDLER, AUDITOR, ADMIN] {
        let d = fx.ok(who, "get_complaint", json!({ "complaint": id }));
        for field in ["description", "incident_place", "expected_outcome"] {
            assert!(leaks(d[field].as_str().unwrap()).is_empty(), "{who} sees {field}: {}", d[field]);
        }
        let records = d["records"].to_string();
        assert!(leaks(&records).is_empty(), "{who} sees handling records: {records}");
        assert!(d["description"].as_str().unwrap().contains("保洁员迟到"), "the complaint itself is still readable");
        assert!(
            d["description"].as_str().unwrap().contains("138****5678") || d["expected_outcome"].as_str().unwrap().contains("138****5678")
        );
        let all = d.to_string();
        assert!(leaks(&all).is_empty(), "{who}: {:?} in the detail", leaks(&all));
        let tl = fx.ok(who, "timeline", json!({ "complaint": id })).to_string();
        assert!(leaks(&tl).is_empty(), "{who}: {:?} in the timeline", leaks(&tl));
        let board = fx.ok(who, "search", json!({ "filter": { "number": number } })).to_string();
        assert!(board.contains(&number), "{who} finds the complaint");
        assert!(leaks(&board).is_empty(), "{who}: {:?} on the board card", leaks(&board));
    }
    // Roles that need it still see it all (and the look is logged, R7.1).
    let d = fx.ok(MANAGER, "get_complaint", json!({ "complaint": id })).to_string();
    assert!(d.contains(ID_CARD) && d.contains("世纪大道100号3栋502室") && d.contains(PHONE));
}

#[test]
fn a_masked_export_carries_no_personal_data_from_the_description() {
    // R7.8: exports are masked by default; the description used to be written raw.
    let mut fx = Fx::new();
    let (_, number) = complaint_with_personal_free_text(&mut fx);
    let dir = tempfile::tempdir().unwrap();
    for (who, format) in [(AUDITOR, "csv"), (MANAGER, "csv"), (AGENT, "xlsx")] {
        let path = dir.path().join(format!("{who}.{format}"));
        let r = fx.ok(who, "export_complaints", json!({ "filter": { "number": number }, "format": format, "path": path.to_str() }));
        assert_eq!((r["rows"].as_i64(), r["masked"].as_bool()), (Some(1), Some(true)));
        let body = if format == "csv" {
            String::from_utf8(std::fs::read(&path).unwrap()).unwrap()
        } else {
            use calamine::{Reader, Xlsx};
            let mut wb: Xlsx<_> = calamine::open_workbook(&path).unwrap();
            let name = wb.sheet_names()[0].clone();
            wb.worksheet_range(&name).unwrap().rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect::<Vec<_>>().join("\n")
        };
        assert!(body.contains("保洁员迟到"), "{who}: the description is exported");
        assert!(leaks(&body).is_empty(), "{who} {format}: {:?} in the masked export", leaks(&body));
    }
    // Unmasked on request by a role that may see it: all there.
    let path = dir.path().join("full.csv");
    fx.ok(MANAGER, "export_complaints", json!({ "filter": { "number": number }, "format": "csv", "path": path.to_str(), "unmask": true }));
    assert!(std::fs::read_to_string(&path).unwrap().contains(ID_CARD));
}

fn events_of(fx: &Fx, kind: &str) -> Vec<Value> {
    let mut stmt = fx.store.conn.prepare("SELECT data FROM events WHERE kind = ?1 ORDER BY seq").unwrap();
    stmt.query_map([kind], |r| r.get::<_, String>(0)).unwrap().map(|d| serde_json::from_str(&d.unwrap()).unwrap()).collect()
}

#[test]
fn phone_suffix_probing_by_a_restricted_role_finds_nothing_and_phone_searches_are_audited() {
    // R7.8: the complaint is with the handler's department, so it is on their board.
    let mut fx = Fx::new();
    let (_, number) = complaint_with_personal_free_text(&mut fx);
    let mine = |v: &Value| v["items"].as_array().unwrap().iter().any(|i| i["number"] == number.as_str());
    assert!(mine(&fx.ok(HS_HANDLER, "search", json!({ "filter": {} }))), "the handler sees the complaint");
    for who in [HS_HANDLER, AUDITOR, ADMIN] {
        // The phone filter: refused outright.
        let e = fx.err(who, "search", json!({ "filter": { "phone": "5678" } }));
        assert_eq!(e.code, "forbidden", "{who}: {e:?}");
        // The text box: no suffix, fragment or whole number of a phone finds the complaint
        // (from the phone field or from inside the description).
        for probe in ["5678", "678", "45678", "12345678", PHONE, "138 1234 5678", "4321", "87654321", "62345678", "1002X"] {
            let r = fx.ok(who, "search", json!({ "filter": { "text": probe } }));
            assert!(!mine(&r), "{who} found the complaint by probing {probe}");
        }
        // Digits that are not personal data still work: the complaint number.
        let tail: String = number.chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect();
        assert!(mine(&fx.ok(who, "search", json!({ "filter": { "text": tail } }))), "{who} finds by number {tail}");
    }
    // A role that may see phones may search by them; every such search is logged (R7.1), even
    // one that finds nothing.
    let before = events_of(&fx, "personal_data_search").len();
    assert!(mine(&fx.ok(MANAGER, "search", json!({ "filter": { "phone": "5678" } }))));
    let r = fx.ok(AGENT, "search", json!({ "filter": { "phone": "0000" } }));
    assert!(r["items"].as_array().unwrap().is_empty());
    let logged = events_of(&fx, "personal_data_search");
    assert_eq!(logged.len(), before + 2, "{logged:?}");
    assert_eq!(logged[before]["phone"], "5678");
    assert_eq!(logged[before + 1]["phone"], "0000");
    assert_eq!(logged[before + 1]["results"], 0);
    // A look-up by a whole number that belongs to no one is logged as well.
    assert_eq!(fx.ok(AGENT, "lookup_customer", json!({ "phone": "13700000000" })), Value::Null);
    assert_eq!(events_of(&fx, "personal_data_search").last().unwrap()["phone"], "13700000000");
}

#[test]
fn the_dispatch_sheet_and_the_case_library_mask_personal_data_in_their_texts_whoever_reads_them() {
    // R7.8: the dispatch sheet goes to the department; R7.6: cases are for training.
    let mut fx = Fx::new();
    let (id, _) = complaint_with_personal_free_text(&mut fx);
    let dir = tempfile::tempdir().unwrap();
    for who in [AGENT, HS_HANDLER] {
        let path = dir.path().join(format!("{who}.pdf"));
        fx.ok(who, "export_document", json!({ "complaint": id, "form": "dispatch_sheet", "lang": "zh-CN", "path": path.to_str() }));
        let out = std::process::Command::new("pdftotext")
            .args(["-raw", path.to_str().unwrap(), "-"])
            .output()
            .expect("pdftotext (poppler-utils)");
        let text: String = String::from_utf8_lossy(&out.stdout).split_whitespace().collect();
        assert!(text.contains("保洁员迟到"), "{who}: the description is printed: {text}");
        assert!(leaks(&text).is_empty(), "{who}'s dispatch sheet: {:?} in {text}", leaks(&text));
    }
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true, "signature": signature("王芳") }));
    fx.ok(
        HS_HANDLER,
        "implement",
        json!({ "complaint": id, "actions": "当面道歉", "done_by": "李主管", "compensations": [{ "kind": "apology" }] }),
    );
    fx.ok(AGENT, "survey", json!({ "complaint": id, "overall": "satisfied", "method": "visit", "signature": signature("王芳") }));
    fx.ok(AGENT, "close", json!({ "complaint": id }));
    fx.ok(
        MANAGER,
        "add_case",
        json!({ "complaint": id, "title": "迟到案例", "analysis": format!("客户电话{PHONE}，住{ADDRESS}"), "lessons": "提前通知" }),
    );
    for who in [AGENT, MANAGER, HS_HANDLER, AUDITOR] {
        let cases = fx.ok(who, "cases", json!({})).to_string();
        assert!(cases.contains("迟到案例"), "{who}: {cases}");
        assert!(leaks(&cases).is_empty(), "{who}: {:?} in the case library: {cases}", leaks(&cases));
    }
}
