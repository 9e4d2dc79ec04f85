//! Printable documents (PDF), read back the way a reader or a printer would: poppler's pdftotext
//! (the Chinese and the accents come back as text), pdffonts (one embedded, subset font), qpdf
//! (structurally sound), pdfinfo (pages), pdftoppm + zbarimg (the QR code decodes to number and
//! digest). The complaint is driven through its whole lifecycle with the shared fixture first.
//! Needs poppler-utils, qpdf and zbar-tools (scripts/setup.sh installs them).

use crate::common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

// ---- reading PDFs back ------------------------------------------------------------------

/// Runs a tool; (success, stdout, or stdout + stderr on failure).
fn tool(cmd: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} must be installed (poppler-utils / qpdf / zbar-tools): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        (true, stdout)
    } else {
        (false, stdout + &String::from_utf8_lossy(&out.stderr))
    }
}

fn text_of(pdf: &Path) -> String {
    let (ok, s) = tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]);
    assert!(ok, "pdftotext failed: {s}");
    s
}

fn page_text(pdf: &Path, page: usize) -> String {
    let p = page.to_string();
    tool("pdftotext", &["-raw", "-f", &p, "-l", &p, pdf.to_str().unwrap(), "-"]).1
}

fn pages(pdf: &Path) -> usize {
    let (_, s) = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    s.lines().find_map(|l| l.strip_prefix("Pages:")).map(|n| n.trim().parse().unwrap()).expect("pdfinfo reports pages")
}

/// The one font is embedded and subset (`emb yes sub yes`) and nothing else is used.
#[track_caller]
fn assert_subset_font(pdf: &Path) {
    let (_, s) = tool("pdffonts", &[pdf.to_str().unwrap()]);
    let rows: Vec<&str> = s.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(rows.len(), 1, "exactly one font: {s}");
    let cols: Vec<&str> = rows[0].split_whitespace().collect();
    assert!(cols[0].contains('+') && cols[0].ends_with("NotoSansSC-Regular"), "a subset tag XXXXXX+ on the built-in font: {s}");
    let n = cols.len();
    assert_eq!(&cols[n - 5..n - 2], &["yes", "yes", "yes"], "emb yes sub yes uni yes: {s}");
}

#[track_caller]
fn assert_qpdf_ok(pdf: &Path) {
    let (ok, s) = tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    assert!(ok, "qpdf --check must pass: {s}");
}

/// Decodes the QR code of page 1 from a 150 dpi render, as a phone or scanner would see it.
fn qr_of(pdf: &Path) -> String {
    let png = pdf.with_extension("qr");
    let (ok, s) =
        tool("pdftoppm", &["-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", pdf.to_str().unwrap(), png.to_str().unwrap()]);
    assert!(ok, "pdftoppm: {s}");
    let (_, s) = tool("zbarimg", &["-q", "--raw", png.with_extension("qr.png").to_str().unwrap()]);
    s.trim().to_string()
}

/// Counts the line segments drawn with round caps (pen strokes and ticks), from the page's
/// content stream.
fn round_cap_segments(pdf: &Path, page: usize) -> usize {
    let doc = lopdf::Document::load(pdf).unwrap();
    let id = *doc.get_pages().get(&(page as u32)).unwrap();
    let content = lopdf::content::Content::decode(&doc.get_page_content(id)).unwrap();
    let (mut round, mut n) = (false, 0);
    for op in content.operations {
        match op.operator.as_str() {
            "J" => round = op.operands.first().and_then(|o| o.as_i64().ok()) == Some(1),
            "Q" => round = false,
            "l" if round => n += 1,
            _ => {}
        }
    }
    n
}

// ---- a complaint driven through its lifecycle ---------------------------------------------

struct Life {
    fx: Fx,
    id: String,
    number: String,
    refused: String,
    refused_number: String,
    dir: tempfile::TempDir,
}

const DESCRIPTION: &str = "保洁员约定上午9点上门，迟到两个小时且未通知，空调也没有清洗。客户称“服务态度差”，要求公司处理（退款）。";

fn life() -> Life {
    let mut fx = Fx::new();
    fx.ok(ADMIN, "update_branch", json!({ "phone": "400-800-1234", "address": "上海市浦东新区世纪大道100号" }));
    let (id, number) = fx.register(json!({
        "description": DESCRIPTION, "service_order_no": "SO-20260301-17", "incident_place": "浦东新区张杨路500弄",
        "expected_outcome": "道歉并重新服务，退还部分费用",
    }));
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "情况属实，受理" }));
    fx.ok(
        AGENT,
        "dispatch",
        json!({ "complaint": id, "department": "HS", "assignee": HS_HANDLER, "note": "请核实保洁员迟到及空调清洗情况，今日内答复" }),
    );
    fx.advance(chrono::Duration::minutes(20));
    fx.ok(HS_HANDLER, "accept_dispatch", json!({ "complaint": id }));
    fx.advance(chrono::Duration::hours(2));
    fx.ok(
        HS_HANDLER,
        "record_findings",
        json!({
            "complaint": id, "finding": "true", "root_cause": "保洁员前一单超时，调度未及时通知客户",
            "solution": "向客户道歉，明日上午免费重新清洗空调，并退还本次服务费的50%（120元）",
        }),
    );
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true, "signature": signature("王芳") }));
    fx.advance(chrono::Duration::hours(18));
    fx.ok(
        HS_HANDLER,
        "implement",
        json!({
            "complaint": id, "actions": "已电话道歉；已重新上门清洗空调；已退款120元", "done_by": "赵磊",
            "compensations": [
                { "kind": "apology", "note": "主管电话致歉" },
                { "kind": "free_reservice" },
                { "kind": "partial_refund", "amount_cents": 12000, "note": "退还50%服务费" },
            ],
        }),
    );
    fx.advance(chrono::Duration::hours(3));
    fx.ok(
        AGENT,
        "survey",
        json!({
            "complaint": id, "overall": "very_satisfied", "speed": "satisfied", "attitude": "very_satisfied", "result": "satisfied",
            "comment": "处理及时，满意", "method": "visit", "signature": signature("王芳"),
        }),
    );
    fx.ok(AGENT, "close", json!({ "complaint": id }));
    // A second complaint, by phone (no signature, R3.2), not accepted (R3.4).
    let (refused, refused_number) = fx.register(json!({
        "customer_name": "李明", "phone": "13900001111", "channel": "phone", "signature": null,
        "signature_missing_reason": "电话投诉，客户不在现场", "description": "对上月已调解并退款的事项再次投诉。",
    }));
    fx.ok(AGENT, "not_accept", json!({ "complaint": refused, "reason": "already_settled", "note": "2026年2月已调解并退款" }));
    Life { fx, id, number, refused, refused_number, dir: tempfile::tempdir().unwrap() }
}

impl Life {
    /// Exports a document through the registry, as the app's save button does.
    #[track_caller]
    fn export(&mut self, login: &str, complaint: &str, form: &str, lang: &str, name: &str) -> (PathBuf, Value) {
        let path = self.dir.path().join(name);
        let r = self.fx.ok(
            login,
            "export_document",
            json!({ "complaint": complaint, "form": form, "lang": lang, "path": path.to_str().unwrap() }),
        );
        assert_eq!(r["path"], path.to_str().unwrap());
        // CDESK_DOCS_OUT=folder keeps a copy of every document, to look at them.
        if let Ok(out) = std::env::var("CDESK_DOCS_OUT") {
            let _ = std::fs::create_dir_all(&out);
            let _ = std::fs::copy(&path, Path::new(&out).join(name));
        }
        (path, r)
    }

    fn digest(&mut self, purpose: &str) -> String {
        let d = self.fx.detail(&self.id);
        d["records"]["signatures"].as_array().unwrap().iter().find(|s| s["purpose"] == purpose).unwrap()["digest"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn verify(&mut self, path: &Path) -> Value {
        self.fx.ok(MANAGER, "verify_receipt", json!({ "path": path.to_str().unwrap() }))
    }
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect()
}

// ---- the five documents -------------------------------------------------------------------

#[test]
fn every_document_renders_in_chinese_and_spanish_as_real_text_in_one_subset_font() {
    let mut l = life();
    let (id, refused) = (l.id.clone(), l.refused.clone());
    let (number, refused_number) = (l.number.clone(), l.refused_number.clone());
    // (form, complaint, texts that must come back from the PDF) per language.
    let cases: Vec<(&str, &str, Vec<&str>, Vec<&str>)> = vec![
        // R3.2, R7.11: the signed registration receipt with the promised deadlines.
        (
            "receipt",
            &id,
            vec!["投诉登记回执", "保洁员约定上午9点上门", "阶段性回复不晚于", "最终处理不晚于", "王芳", "138****5678", "400-800-1234"],
            vec!["Acuse de recibo de la queja", "Descripción", "Resolución final antes de", "Teléfono de contacto", "Categoría"],
        ),
        // R3.4: the not-accepted notice states the reason.
        (
            "not_accepted",
            &refused,
            vec!["不予受理告知书", "已调解并执行完毕后就同一事项再次投诉", "2026年2月已调解并退款", "李明"],
            vec!["Notificación de no admisión", "Ya resuelta y ejecutada; mismo asunto de nuevo", "Observaciones", "duplicado"],
        ),
        // R5.1: dispatch sheet with note, deadline and signature lines for the department.
        (
            "dispatch_sheet",
            &id,
            vec!["投诉转办单", "请核实保洁员迟到及空调清洗情况", "处理时限", "接收人", "处理人", "部门负责人", "SO-20260301-17"],
            vec!["Hoja de asignación de la queja", "Indicaciones", "Plazo", "Recibida por", "Jefe del departamento"],
        ),
        // R5.4–R5.6: written decision with findings, cause, solution, compensation, the customer's decision.
        (
            "decision",
            &id,
            vec!["书面处理意见", "属实", "保洁员前一单超时", "退还本次服务费的50%", "部分退款", "¥120.00", "全部承诺", "同意"],
            vec!["Resolución escrita", "Fundada", "Compensación y disculpa", "Reembolso parcial", "Conforme", "compromiso"],
        ),
        // R6.1: the survey form, blank for paper use …
        (
            "survey_blank",
            &id,
            vec!["满意度调查表", "非常满意", "非常不满意", "响应速度", "服务态度", "回访方式", "客户意见与建议"],
            vec!["Encuesta de satisfacción", "Muy satisfecho", "Muy insatisfecho", "Rapidez de respuesta", "Actitud", "Forma de contacto"],
        ),
        // … and filled with the answers and the signature.
        (
            "survey",
            &id,
            vec!["满意度调查表", "处理及时，满意", "回访人", "签名摘要"],
            vec!["Encuesta de satisfacción", "Fecha de la encuesta", "Huella de la firma"],
        ),
    ];
    for (form, complaint, zh, es) in &cases {
        for (lang, wanted) in [("zh-CN", zh), ("es", es)] {
            let (path, r) = l.export(AGENT, complaint, form, lang, &format!("{form}-{lang}.pdf"));
            assert_subset_font(&path);
            assert_qpdf_ok(&path);
            let text = squash(&text_of(&path));
            for w in wanted.iter() {
                // "duplicado" is the closing sentence of the Spanish notice ("por duplicado").
                assert!(text.contains(&squash(w)), "{form} ({lang}) must contain {w:?}; got:\n{text}");
            }
            let own = if *form == "not_accepted" { &refused_number } else { &number };
            assert!(text.contains(own.as_str()), "{form} ({lang}) carries the complaint number {own}");
            assert!(r["bytes"].as_u64().unwrap() < 300_000, "{form} ({lang}) is {} bytes", r["bytes"]);
            assert_eq!(r["pages"], pages(&path) as u64);
        }
    }
}

#[test]
fn traditional_chinese_and_spanish_accents_come_back_from_the_pdf() {
    let mut l = life();
    let id = l.id.clone();
    let (tw, _) = l.export(AGENT, &id, "receipt", "zh-TW", "tw.pdf");
    let text = squash(&text_of(&tw));
    for w in ["投訴登記回執", "最終處理不晚於", "客戶簽名確認", "聯絡電話"] {
        assert!(text.contains(w), "zh-TW must contain {w}: {text}");
    }
    let (es, _) = l.export(AGENT, &id, "decision", "es", "es.pdf");
    let text = text_of(&es);
    for w in ["Resolución", "Compensación", "Conclusiones", "Decisión del cliente", "Conforme", "Huella de la firma"] {
        assert!(text.contains(w), "accents survive copy-paste: {w} in\n{text}");
    }
}

#[test]
fn the_signed_receipt_draws_the_strokes_and_its_qr_code_holds_number_and_digest() {
    // R3.2: the signature is drawn from the stored strokes; R7.11: the receipt carries the digest
    // (short form in text) and a QR code of number + full digest.
    let mut l = life();
    let (id, number) = (l.id.clone(), l.number.clone());
    let (path, r) = l.export(AGENT, &id, "receipt", "zh-CN", "receipt.pdf");
    let digest = l.digest("registration");
    assert_eq!(r["digest"], digest.as_str());
    // The fixture's signature: two strokes of 20 points = 38 segments, drawn as vector paths.
    assert!(round_cap_segments(&path, 1) >= 38, "the pen strokes are drawn as paths: {}", round_cap_segments(&path, 1));
    let text = text_of(&path);
    assert!(text.contains(&digest[..16]), "the digest is printed in short form");
    assert!(text.contains("签名人：王芳"), "the signer is named: {text}");
    let qr = qr_of(&path);
    assert_eq!(qr, format!("CDESK1|{number}|{digest}"), "the QR code decodes to number and digest");
}

#[test]
fn an_unsigned_receipt_says_why_and_which_channel() {
    // R3.2: "signature not obtained — <channel>", never faked.
    let mut l = life();
    let refused = l.refused.clone();
    let (path, r) = l.export(AGENT, &refused, "receipt", "zh-CN", "unsigned.pdf");
    assert_eq!(r["digest"], Value::Null);
    let text = squash(&text_of(&path));
    assert!(text.contains("未取得客户签名—电话"), "{text}");
    assert!(text.contains("电话投诉，客户不在现场"), "the recorded reason is printed");
    assert_eq!(round_cap_segments(&path, 1), 0, "no signature is drawn");
    assert!(qr_of(&path).ends_with("|-"), "the code says: nothing signed");
    let (path, _) = l.export(AGENT, &refused, "receipt", "en", "unsigned-en.pdf");
    assert!(squash(&text_of(&path)).contains(&squash("Signature not obtained — Phone")));
}

#[test]
fn a_long_description_continues_on_a_second_page_with_the_header_repeated() {
    let mut l = life();
    let long = "保洁员迟到两个小时且未通知，空调也没有清洗，地板留有水渍，客户多次联系客服无人答复。".repeat(45);
    let (id, number) = l.fx.register(json!({ "description": long, "phone": "13700002222", "customer_name": "张伟" }));
    let (path, r) = l.export(AGENT, &id, "receipt", "zh-CN", "long.pdf");
    assert_eq!(pages(&path), 2, "the description spills onto page 2");
    assert_eq!(r["pages"], 2);
    let p2 = squash(&page_text(&path, 2));
    for w in ["总部客服中心", "投诉登记回执（续）", number.as_str(), "投诉内容（续）", "第2页/共2页"] {
        assert!(p2.contains(w), "page 2 repeats the header: {w} in\n{p2}");
    }
    assert_eq!(text_of(&path).matches('渍').count(), 45, "nothing of the description is lost");
    assert!(r["bytes"].as_u64().unwrap() < 300_000);
    assert_qpdf_ok(&path);
}

#[test]
fn a5_receipt_and_sizes() {
    let mut l = life();
    let id = l.id.clone();
    let path = l.dir.path().join("a5.pdf");
    let r = l.fx.ok(AGENT, "export_document", json!({ "complaint": id, "form": "receipt", "paper": "a5", "path": path.to_str().unwrap() }));
    let (_, info) = tool("pdfinfo", &[path.to_str().unwrap()]);
    assert!(info.contains("419.528 x 595.276 pts"), "A5 paper: {info}");
    assert!(r["bytes"].as_u64().unwrap() < 300_000);
    assert_qpdf_ok(&path);
    let (a4, r4) = l.export(AGENT, &id, "receipt", "zh-CN", "a4.pdf");
    let (_, info) = tool("pdfinfo", &[a4.to_str().unwrap()]);
    assert!(info.contains("595.276 x 841.89 pts"), "A4 paper: {info}");
    println!("one-page A4 receipt: {} bytes; A5: {} bytes", r4["bytes"], r["bytes"]);
    assert!(r4["bytes"].as_u64().unwrap() < 300_000, "a one-page receipt stays well under 300 KB");
    let e = l.fx.err(AGENT, "render_document", json!({ "complaint": id, "form": "dispatch_sheet", "paper": "a5" }));
    assert_eq!(e.details["reason"], "a5_only_for_receipt");
}

// ---- R7.11 verification ---------------------------------------------------------------------

#[test]
fn verify_receipt_matches_a_fresh_copy_and_not_after_the_record_is_tampered_with() {
    // R7.11: the app tells whether a printed copy still matches the record.
    let mut l = life();
    let (id, number, refused) = (l.id.clone(), l.number.clone(), l.refused.clone());
    let (receipt, _) = l.export(AGENT, &id, "receipt", "zh-CN", "receipt.pdf");
    let (decision, _) = l.export(AGENT, &id, "decision", "zh-CN", "decision.pdf");
    let (survey, _) = l.export(AGENT, &id, "survey", "zh-CN", "survey.pdf");
    let (unsigned, _) = l.export(AGENT, &refused, "receipt", "zh-CN", "unsigned.pdf");
    let v = l.verify(&receipt);
    assert_eq!(v["status"], "matches", "{v}");
    assert_eq!(v["number"], number.as_str());
    assert_eq!(v["purpose"], "registration");
    // R5.4 and R6.1: the signed decision and survey are checked the same way.
    assert_eq!(l.verify(&decision)["purpose"], "agreement");
    assert_eq!(l.verify(&decision)["status"], "matches");
    assert_eq!(l.verify(&survey)["status"], "matches");
    assert_eq!(l.verify(&unsigned)["status"], "unsigned");
    // The QR text a scanner reads works too.
    let scanned = qr_of(&receipt);
    assert_eq!(l.fx.ok(AUDITOR, "verify_receipt", json!({ "payload": scanned }))["status"], "matches");
    let unknown = format!("CDESK1|HQ-19990101-0001|{}", "0".repeat(64));
    assert_eq!(l.fx.ok(AGENT, "verify_receipt", json!({ "payload": unknown }))["status"], "unknown_number");
    let forged = format!("CDESK1|{number}|{}", "ab".repeat(32));
    let v = l.fx.ok(AGENT, "verify_receipt", json!({ "payload": forged }));
    assert_eq!((v["status"].as_str(), v["reason"].as_str()), (Some("mismatch"), Some("digest_unknown")));
    let notours = l.dir.path().join("notours.pdf");
    std::fs::write(&notours, b"%PDF-1.4\n%%EOF\n").unwrap();
    assert_eq!(l.verify(&notours)["status"], "no_payload");

    // Someone edits the registered description behind the program's back.
    l.fx.store.conn.execute("UPDATE complaints SET description = description || '（已修改）' WHERE id = ?1", [&id]).unwrap();
    let v = l.verify(&receipt);
    assert_eq!(v["status"], "mismatch", "{v}");
    assert_eq!(v["reason"], "record_changed");
    // The decision signed by the customer is a separate record and still matches; changing it is caught.
    assert_eq!(l.verify(&decision)["status"], "matches");
    l.fx.store
        .conn
        .execute("UPDATE decisions SET decision_text = decision_text || '，另赔偿500元' WHERE complaint_id = ?1", [&id])
        .unwrap();
    assert_eq!(l.verify(&decision)["status"], "mismatch");
}

#[test]
fn cdesk_pdf_and_verify_receipt_from_the_command_line() {
    // R7.11 through the CLI: `cdesk pdf NUMBER --form FORM -o FILE`, `cdesk verify-receipt FILE`.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let now = "2026-03-10T02:00:00Z";
    let run = |user: &str, args: &[&str]| {
        Command::new(cdesk_bin())
            .env_remove("CDESK_DB")
            .env_remove("CDESK_NOW")
            .env_remove("CDESK_USER")
            .env("CDESK_PASSWORD", common::PASSWORD)
            .env("CDESK_DEMO_PASSWORD", common::PASSWORD)
            .arg("--db")
            .arg(&db)
            .args(["--now", now, "--user", user])
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run("admin", &["init"]).status.success());
    assert!(run("admin", &["demo", "--complaints", "0"]).status.success());
    let reg = run(AGENT, &["call", "register", &base_registration().to_string()]);
    assert!(reg.status.success(), "{}", String::from_utf8_lossy(&reg.stderr));
    let number = serde_json::from_slice::<Value>(&reg.stdout).unwrap()["number"].as_str().unwrap().to_string();
    // Not beside the database: documents are refused inside the data folder (issue 25, item 6).
    let documents = tempfile::tempdir().unwrap();
    let pdf = documents.path().join("r.pdf");
    let out = run(AGENT, &["pdf", &number, "--form", "receipt", "--lang", "es", "-o", pdf.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text_of(&pdf).contains("Acuse de recibo"));
    let out = run("admin", &["verify-receipt", pdf.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"matches\""));
    let out = run("admin", &["pdf", &number, "--form", "no_such_form", "-o", pdf.to_str().unwrap()]);
    assert!(!out.status.success(), "an unknown form is refused");

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE complaints SET expected_outcome = '全额退款并赔偿' WHERE number = ?1", [&number]).unwrap();
    drop(conn);
    let out = run("admin", &["verify-receipt", pdf.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "a copy that no longer matches exits non-zero");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"mismatch\""));
}

// ---- who may print what (R7.7, R7.8), and the record of it (R7.1) ---------------------------

#[test]
fn documents_follow_the_role_matrix_and_the_masking_rules() {
    let mut l = life();
    let id = l.id.clone();
    // R5.1: the department handler prints the dispatch sheet of a complaint with their department …
    let (path, _) = l.export(HS_HANDLER, &id, "dispatch_sheet", "zh-CN", "dept.pdf");
    let text = squash(&text_of(&path));
    assert!(text.contains("王*"), "R7.8: the department sees the customer's name masked: {text}");
    assert!(!text.contains("王芳"));
    // … but not another department's, and not the customer's receipt.
    assert_eq!(l.fx.err(TR_HANDLER, "render_document", json!({ "complaint": id, "form": "dispatch_sheet" })).code, "forbidden");
    assert_eq!(l.fx.err(HS_HANDLER, "render_document", json!({ "complaint": id, "form": "receipt" })).code, "forbidden");
    assert_eq!(l.fx.err(ADMIN, "render_document", json!({ "complaint": id, "form": "receipt" })).code, "forbidden");
    // R7.8: the auditor's copy masks the name and does not show the signature image.
    let (path, _) = l.export(AUDITOR, &id, "receipt", "zh-CN", "audit.pdf");
    let text = squash(&text_of(&path));
    assert!(text.contains("王*") && !text.contains("王芳"), "{text}");
    assert!(text.contains("签名图像不向当前角色显示"));
    assert_eq!(round_cap_segments(&path, 1), 0, "no strokes for a role without access");
    // R7.1: every document produced is on the timeline, with whether it held personal data.
    let ev = l.fx.ok(MANAGER, "timeline", json!({ "complaint": id }));
    let docs: Vec<&Value> = ev.as_array().unwrap().iter().filter(|e| e["kind"] == "document_generated").collect();
    assert_eq!(docs.len(), 2, "two documents were produced: {docs:?}");
    assert_eq!(docs[0]["data"]["form"], "dispatch_sheet");
    assert_eq!(docs[1]["data"]["personal_data"], false);
    assert_eq!(docs[1]["actor_name"], l.fx.ok(AUDITOR, "whoami", json!({}))["name"]);
    // A refused request leaves no trace.
    let before = l.fx.count("events");
    l.fx.err(
        TR_HANDLER,
        "export_document",
        json!({ "complaint": id, "form": "decision", "path": l.dir.path().join("x.pdf").to_str().unwrap() }),
    );
    assert_eq!(l.fx.count("events"), before);
    assert!(!l.dir.path().join("x.pdf").exists(), "nothing was written");
}

#[test]
fn documents_need_the_record_they_print() {
    let mut l = life();
    let (id, _) = l.fx.register(json!({ "phone": "13600003333", "customer_name": "周杰" }));
    // R3.4: a notice only for a complaint that was not accepted; R5.1 only once dispatched;
    // R5.6 only with a written decision; R6.1 the filled form only after the survey.
    for (form, reason) in [
        ("not_accepted", "document_needs_not_accepted"),
        ("dispatch_sheet", "document_needs_dispatch"),
        ("decision", "no_written_decision"),
        ("survey", "document_needs_survey"),
    ] {
        let e = l.fx.err(AGENT, "render_document", json!({ "complaint": id, "form": form }));
        assert_eq!((e.code, e.details["reason"].as_str()), ("precondition", Some(reason)), "{form}");
    }
    // The blank survey form is for paper use at any time.
    let r = l.fx.ok(AGENT, "render_document", json!({ "complaint": id, "form": "survey_blank", "lang": "en" }));
    assert!(r["pdf_base64"].as_str().unwrap().len() > 1000);
    assert!(r["file_name"].as_str().unwrap().ends_with("-blank.pdf"));
}

#[test]
fn generation_time_and_size() {
    // Measured figures for the report (run with --release -- --nocapture for real numbers).
    let mut l = life();
    let id = l.id.clone();
    let t0 = std::time::Instant::now();
    let r = complaint_desk::docs::render(&mut l.fx.store, l.fx.now, AGENT, &id, complaint_desk::docs::Form::Receipt, Default::default())
        .unwrap();
    let first = t0.elapsed();
    let n = 10;
    let t0 = std::time::Instant::now();
    for _ in 0..n {
        complaint_desk::docs::render(&mut l.fx.store, l.fx.now, AGENT, &id, complaint_desk::docs::Form::Receipt, Default::default())
            .unwrap();
    }
    let each = t0.elapsed() / n;
    println!("receipt: {} bytes, {} page(s); first {:?} (font parsed), then {:?} each", r.bytes.len(), r.pages, first, each);
    for form in complaint_desk::docs::Form::ALL.iter().filter(|f| **f != complaint_desk::docs::Form::NotAccepted) {
        let t0 = std::time::Instant::now();
        let r = complaint_desk::docs::render(&mut l.fx.store, l.fx.now, AGENT, &id, *form, Default::default()).unwrap();
        println!("{:>14}: {:>6} bytes, {} page(s), {:?}", form.as_str(), r.bytes.len(), r.pages, t0.elapsed());
    }
    assert!(r.bytes.len() < 300_000);
}

/// A small PNG (RGB, uncompressed deflate blocks), enough for a branch logo.
fn png(w: u32, h: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in bytes {
            c ^= *b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    let mut z = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, c) in chunks.iter().enumerate() {
        z.push(if i + 1 == chunks.len() { 1 } else { 0 });
        z.extend_from_slice(&(c.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(c.len() as u16)).to_le_bytes());
        z.extend_from_slice(c);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + *byte as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", z), (b"IEND", Vec::new())] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(&data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    out
}

#[test]
fn the_branch_logo_heads_every_page() {
    // Printed documents: branch name and logo in the header, repeated on every page.
    use base64::Engine;
    let mut l = life();
    let logo = png(120, 60, |x, y| if (x / 10 + y / 10) % 2 == 0 { [0x1f, 0x4e, 0x8c] } else { [0xff, 0xff, 0xff] });
    l.fx.ok(ADMIN, "set_branch_logo", json!({ "png_base64": base64::engine::general_purpose::STANDARD.encode(&logo) }));
    let long = "客户反映保洁员多次迟到。".repeat(200);
    let (id, _) = l.fx.register(json!({ "description": long, "phone": "13500004444" }));
    let (path, _) = l.export(AGENT, &id, "receipt", "zh-CN", "logo.pdf");
    assert_eq!(pages(&path), 2);
    let (ok, list) = tool("pdfimages", &["-list", path.to_str().unwrap()]);
    assert!(ok, "{list}");
    let rows: Vec<&str> = list.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(rows.len(), 2, "the logo on both pages: {list}");
    assert!(rows.iter().all(|r| r.split_whitespace().nth(3) == Some("120") && r.split_whitespace().nth(4) == Some("60")), "{list}");
    assert_qpdf_ok(&path);
}

#[test]
fn text_the_font_lacks_does_not_break_the_document() {
    // Customers type what they type: emoji, other scripts, tabs and blank lines.
    let mut l = life();
    let odd = "空调坏了😀\t请尽快处理\n\n第二段：مرحبا — ﬁne — 𠀀。Señora Núñez pidió una solución.";
    let (id, _) = l.fx.register(json!({ "description": odd, "phone": "13300005555", "expected_outcome": "尽快修好🙏" }));
    let (path, _) = l.export(AGENT, &id, "receipt", "es", "odd.pdf");
    assert_qpdf_ok(&path);
    assert_subset_font(&path);
    let text = text_of(&path);
    for w in ["空调坏了", "请尽快处理", "第二段", "Señora Núñez pidió una solución."] {
        assert!(text.contains(w), "{w} in\n{text}");
    }
}
