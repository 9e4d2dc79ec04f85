//! Files of issue 6, read back as a user would: the monthly report of demo data as PDF (checked
//! with poppler) and as an Excel workbook (read back with calamine; its totals equal the KPIs),
//! complaint exports to XLSX and CSV with masking (R7.8) and logging (R7.1), customer and worker
//! imports with a preview and nothing half-imported, the anonymised case library (R7.6) and the
//! filing of the monthly report with its reminder (R7.3).

use crate::common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use calamine::{open_workbook_auto, Data, Reader};
use complaint_desk::demo;
use serde_json::{json, Value};

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cdesk-report-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn tool(cmd: &str, args: &[&str]) -> (bool, String) {
    match Command::new(cmd).args(args).output() {
        Ok(o) => (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))),
        Err(e) => panic!("{cmd} is needed for this test (poppler-utils / unzip): {e}"),
    }
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(name).unwrap_or_else(|e| panic!("sheet {name}: {e:?} (have {:?})", wb.sheet_names()));
    range.rows().map(|r| r.to_vec()).collect()
}

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("expected a number cell, got {other:?}"),
    }
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => format!("{other}"),
    }
}

fn figure(figs: &Value, kpi: &str) -> Value {
    figs.as_array().unwrap().iter().find(|f| f["kpi"] == kpi).unwrap().clone()
}

fn count_events(fx: &Fx, kind: &str) -> i64 {
    fx.store.conn.query_row("SELECT COUNT(*) FROM events WHERE kind = ?1", [kind], |r| r.get(0)).unwrap()
}

/// Demo data (the same generator as `cdesk demo`), measured on 2 April 2026 10:00 in Shanghai.
fn demo_fx() -> Fx {
    let mut fx = Fx::at("2026-04-02T02:00:00Z");
    let now = fx.now;
    demo::generate(&mut fx.store, now, 700, 42).unwrap();
    fx
}

#[test]
fn the_monthly_report_of_demo_data_as_xlsx_and_pdf() {
    // R7.3: a month of demo data as a workbook whose totals equal the KPIs (R7.4), and as a PDF.
    let mut fx = demo_fx();
    let kpis = fx.ok(MANAGER, "kpis", json!({ "filter": { "month": "2026-03" }, "group_by": ["department"] }));
    let f = &kpis["figures"];
    let volume = figure(f, "volume")["value"].as_f64().unwrap();
    assert!(volume >= 20.0, "the demo month has complaints: {volume}");

    let xlsx = tmp("report-2026-03.xlsx");
    let pdf = tmp("report-2026-03.pdf");
    let r = fx.ok(
        MANAGER,
        "export_monthly_report",
        json!({ "month": "2026-03", "lang": "en", "xlsx_path": xlsx.to_str(), "pdf_path": pdf.to_str() }),
    );
    assert_eq!(r["month"], "2026-03");
    assert!(r["xlsx"]["parts"].as_u64().unwrap() >= 10, "one sheet per table");

    // KPIs sheet: this month's figures, in real number cells.
    let rows = sheet(&xlsx, "KPIs");
    assert_eq!(text(&rows[0][0]), "KPI");
    let row = |name: &str| rows.iter().find(|r| text(&r[0]) == name).unwrap_or_else(|| panic!("no row {name}")).clone();
    assert_eq!(num(&row("Volume")[1]), volume);
    let rr = figure(f, "resolution_rate");
    assert!((num(&row("Resolution rate")[1]) - rr["value"].as_f64().unwrap()).abs() < 1e-9);
    assert_eq!(num(&row("Resolution rate")[4]) as i64, rr["numerator"].as_i64().unwrap());
    assert_eq!(num(&row("Resolution rate")[5]) as i64, rr["denominator"].as_i64().unwrap());
    let med = figure(f, "resolution_work_median")["value"].as_f64().unwrap();
    assert!((num(&row("Resolution, working time (median)")[1]) * 3600.0 - med).abs() < 1e-6, "durations in hours");
    let csat = figure(f, "csat_share");
    assert!((num(&row("CSAT (satisfied share)")[1]) - csat["value"].as_f64().unwrap()).abs() < 1e-9);
    assert!(text(&row("Overdue rate")[7]).contains("R4.6"), "the definition is next to the figure");

    // The register has every complaint of the month, with real date cells.
    let reg = sheet(&xlsx, "Register");
    assert_eq!(reg.len() as f64 - 1.0, volume, "one register row per complaint");
    assert!(matches!(reg[1][2], Data::DateTime(_)), "received is a date cell: {:?}", reg[1][2]);
    let surveys = sheet(&xlsx, "Surveys");
    assert_eq!(surveys.len() as i64 - 1, csat["denominator"].as_i64().unwrap(), "one row per survey of the month");

    // By department: the rows add up to the total and equal the KPI breakdown.
    let dept = sheet(&xlsx, "Department");
    let sum: f64 = dept[1..].iter().map(|r| num(&r[1])).sum();
    assert_eq!(sum, volume);
    assert!(!kpis["breakdowns"][0]["rows"].as_array().unwrap().is_empty(), "the department breakdown has rows");
    for row in kpis["breakdowns"][0]["rows"].as_array().unwrap() {
        let v = figure(&row["figures"], "volume")["numerator"].as_f64().unwrap();
        let x = dept.iter().find(|r| text(&r[0]) == row["label"].as_str().unwrap()).map(|r| num(&r[1])).unwrap_or(0.0);
        assert_eq!(x, v, "{}", row["label"]);
    }
    // Trend: twelve months, the last one this month.
    let trend = sheet(&xlsx, "Trend");
    assert_eq!(trend.len(), 13);
    assert_eq!(text(&trend[12][0]), "2026-03");
    assert_eq!(num(&trend[12][1]), volume);
    // Frozen header row on every sheet.
    for i in 1..=3 {
        let (ok, xml) = tool("unzip", &["-p", xlsx.to_str().unwrap(), &format!("xl/worksheets/sheet{i}.xml")]);
        assert!(ok && xml.contains("state=\"frozen\"") && xml.contains("ySplit=\"1\""), "sheet {i} has a frozen header");
    }
    // Customer names are masked in the report whoever prints it (R7.8).
    assert!(reg[1..].iter().all(|r| text(&r[11]).ends_with('*')), "masked customer names");

    // The PDF: pages, text and the charts' labels (poppler).
    let (ok, info) = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(ok, "{info}");
    let pages: usize = info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
    assert_eq!(pages as u64, r["pdf"]["parts"].as_u64().unwrap());
    assert!(pages >= 5);
    let (ok, txt) = tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    assert!(ok);
    for needle in [
        "Monthly complaint report",
        "2026-03",
        "Key figures (R7.4)",
        "Resolution rate",
        "Last 12 months",
        "By department",
        "Flagged workers and branches (R7.5)",
        "Bad-record ledger (R7.9)",
        "Department: 家政服务部",
        "Register",
        "Definitions",
        "Suggestions",
        "nearest-rank",
    ] {
        assert!(txt.contains(needle), "the PDF lacks {needle:?}");
    }
    // The same month in Chinese.
    let zh = tmp("report-zh.pdf");
    fx.ok(MANAGER, "export_monthly_report", json!({ "month": "2026-03", "pdf_path": zh.to_str() }));
    let (_, txt) = tool("pdftotext", &[zh.to_str().unwrap(), "-"]);
    assert!(txt.contains("月度投诉报告") && txt.contains("关键指标") && txt.contains("不良记录台账"), "{}", &txt[..txt.len().min(400)]);
    assert!(count_events(&fx, "monthly_report_exported") >= 2, "every export is logged (R7.1)");
}

#[test]
fn filing_the_report_stops_the_reminder() {
    // R7.3: by the 5th, last month's report is filed by a manager; the app reminds until then.
    let mut fx = Fx::new(); // 10 March 2026
    let s = fx.ok(AGENT, "report_status", json!({}));
    assert_eq!(s["month"], "2026-02");
    assert_eq!((s["filed"].as_bool(), s["reminder"].as_bool(), s["overdue"].as_bool()), (Some(false), Some(true), Some(true)));
    assert_eq!(s["due_date"], "2026-03-05");
    assert_eq!(fx.err(MANAGER, "file_report", json!({ "month": "2026-03" })).details["reason"], "month_not_over");
    assert_eq!(fx.err(AGENT, "file_report", json!({ "month": "2026-02" })).code, "forbidden");
    assert_eq!(fx.err(AUDITOR, "file_report", json!({ "month": "2026-02" })).code, "forbidden");
    let f = fx.ok(MANAGER, "file_report", json!({ "month": "2026-02", "suggestions": "加强守时培训" }));
    assert_eq!((f["filed"].as_bool(), f["revision"].as_i64(), f["filed_by"].as_str()), (Some(true), Some(1), Some("王建华")));
    let s = fx.ok(AGENT, "report_status", json!({}));
    assert_eq!((s["reminder"].as_bool(), s["overdue"].as_bool()), (Some(false), Some(false)));
    assert_eq!(s["suggestions"], "加强守时培训");
    let f = fx.ok(BRANCH_MANAGER, "file_report", json!({ "month": "2026-02", "suggestions": "加强守时培训；复查排班" }));
    assert_eq!(f["revision"], 2, "filing again amends the report");
    assert_eq!(count_events(&fx, "monthly_report_filed"), 2);
    let m = fx.ok(AUDITOR, "monthly_report", json!({ "month": "2026-02" }));
    assert_eq!(m["suggestions"], "加强守时培训；复查排班");
    assert_eq!(m["status"]["filed_by"], "刘强");
    // On 1 April the reminder for March starts.
    fx.set_now("2026-03-31T16:00:00Z");
    let s = fx.ok(MANAGER, "report_status", json!({}));
    assert_eq!((s["month"].as_str(), s["reminder"].as_bool(), s["overdue"].as_bool()), (Some("2026-03"), Some(true), Some(false)));
}

#[test]
fn complaint_exports_are_masked_per_role_and_logged() {
    // R7.8 / R7.1: exports of any filter, masked unless the role may see personal data and asks.
    let mut fx = demo_fx();
    let total = fx.ok(MANAGER, "search", json!({ "filter": { "open_only": true }, "with_total": true }))["total"].as_i64().unwrap();
    assert!(total > 0);

    let csv = tmp("open.csv");
    let before = count_events(&fx, "complaints_exported");
    let r = fx.ok(
        AUDITOR,
        "export_complaints",
        json!({ "filter": { "open_only": true }, "format": "csv", "path": csv.to_str(), "lang": "en" }),
    );
    assert_eq!((r["rows"].as_i64(), r["masked"].as_bool()), (Some(total), Some(true)));
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM so Excel reads Chinese");
    let body = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut rd = csv::ReaderBuilder::new().from_reader(body.as_bytes());
    let headers = rd.headers().unwrap().clone();
    assert!(!headers.iter().any(|h| h == "Address"), "no address for a masked export");
    let phone = headers.iter().position(|h| h == "Phone").unwrap();
    let customer = headers.iter().position(|h| h == "Customer").unwrap();
    let recs: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(recs.len() as i64, total);
    assert!(recs.iter().all(|r| r[phone].contains("****") && r[customer].ends_with('*')), "phones and names masked");
    assert_eq!(count_events(&fx, "complaints_exported"), before + 1, "the export is logged");

    assert_eq!(fx.err(AUDITOR, "export_complaints", json!({ "path": csv.to_str(), "unmask": true })).code, "forbidden");
    assert_eq!(fx.err(HS_HANDLER, "export_complaints", json!({ "path": csv.to_str() })).code, "forbidden");

    // A manager may unmask: full phone numbers, real date cells.
    let xlsx = tmp("open.xlsx");
    let r = fx.ok(
        MANAGER,
        "export_complaints",
        json!({ "filter": { "open_only": true }, "path": xlsx.to_str(), "unmask": true, "lang": "en" }),
    );
    assert_eq!(r["masked"], false);
    let rows = sheet(&xlsx, "Complaints");
    assert_eq!(rows.len() as i64 - 1, total);
    let pcol = rows[0].iter().position(|h| text(h) == "Phone").unwrap();
    assert!(rows[1..].iter().all(|r| text(&r[pcol]).chars().all(|c| c.is_ascii_digit())), "full phones when unmasked");
    assert!(rows[0].iter().any(|h| text(h) == "Address"));
    assert!(matches!(rows[1][1], Data::DateTime(_)));
    let (_, data): (i64, String) = fx
        .store
        .conn
        .query_row("SELECT seq, data FROM events WHERE kind = 'complaints_exported' ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(data.contains("\"personal_data\":true"), "an unmasked export is logged as such: {data}");

    // The complaints behind a figure.
    let k = fx.ok(MANAGER, "kpis", json!({ "filter": { "month": "2026-03" } }));
    let overdue = figure(&k["figures"], "overdue_rate")["numerator"].as_i64().unwrap();
    let fig = tmp("overdue.xlsx");
    let r = fx.ok(
        AGENT,
        "export_complaints",
        json!({ "figure": { "filter": { "month": "2026-03" }, "kpi": "overdue_rate" }, "path": fig.to_str() }),
    );
    assert_eq!(r["rows"].as_i64(), Some(overdue));
    assert_eq!(sheet(&fig, "投诉列表").len() as i64 - 1, overdue);
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn worker_count(fx: &Fx) -> i64 {
    fx.count("workers")
}

#[test]
fn worker_imports_preview_report_row_errors_and_never_half_import() {
    let mut fx = Fx::new();
    let before = worker_count(&fx);
    let bad = "工号,姓名,工种,电话,在岗\r\nW9001,钱多多,保洁员,13900001111,是\r\nW 9002,孙小美,月嫂,,是\r\nW9001,重复,护工,,否\r\nW9003,,护工,,maybe\r\n";
    let r = fx.ok(ADMIN, "import_workers", json!({ "content_base64": b64(bad.as_bytes()), "file_name": "workers.csv", "dry_run": false }));
    assert_eq!(r["applied"], false, "rows with errors: nothing is written");
    assert_eq!(worker_count(&fx), before);
    let errs: Vec<(u64, String, String)> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["field"].as_str().unwrap().into(), e["reason"].as_str().unwrap().into()))
        .collect();
    assert!(errs.contains(&(3, "code".into(), "bad_code".into())), "{errs:?}");
    assert!(errs.contains(&(4, "code".into(), "duplicate_in_file".into())), "{errs:?}");
    assert!(errs.contains(&(5, "active".into(), "not_yes_or_no".into())), "{errs:?}");
    assert_eq!((r["total_rows"].as_u64(), r["valid_rows"].as_u64()), (Some(4), Some(1)));
    assert_eq!(r["columns"][0]["field"], "code");

    let good = "code,name,kind,phone,active\nW9001,钱多多,保洁员,13900001111,yes\nW00001,改名的阿姨,家政员,,1\n";
    let r = fx.ok(ADMIN, "import_workers", json!({ "content_base64": b64(good.as_bytes()), "file_name": "w.csv" }));
    assert_eq!((r["applied"].as_bool(), r["errors"].as_array().unwrap().len()), (Some(false), 0), "a dry run by default");
    assert_eq!(r["preview"][0]["action"], "create");
    assert_eq!(r["preview"][1]["action"], "update");
    assert_eq!(worker_count(&fx), before, "a preview writes nothing");
    let r = fx.ok(ADMIN, "import_workers", json!({ "content_base64": b64(good.as_bytes()), "file_name": "w.csv", "dry_run": false }));
    assert_eq!((r["applied"].as_bool(), r["created"].as_u64(), r["updated"].as_u64()), (Some(true), Some(1), Some(1)));
    assert_eq!(worker_count(&fx), before + 1);
    let name: String = fx.store.conn.query_row("SELECT name FROM workers WHERE code = 'W00001'", [], |r| r.get(0)).unwrap();
    assert_eq!(name, "改名的阿姨");
    assert_eq!(count_events(&fx, "workers_imported"), 1);
    assert_eq!(
        fx.err(MANAGER, "import_workers", json!({ "content_base64": b64(good.as_bytes()), "file_name": "w.csv" })).code,
        "forbidden"
    );
}

#[test]
fn customer_imports_from_xlsx_and_a_clear_error_for_a_gbk_csv() {
    let mut fx = Fx::new();
    // An Excel file as an office clerk makes it: Chinese headers, phones typed as numbers.
    let path = tmp("customers.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["姓名", "电话", "等级", "地址"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "周杰").unwrap();
    ws.write_number(1, 1, 13812349999.0).unwrap();
    ws.write_string(1, 2, "VIP").unwrap();
    ws.write_string(1, 3, "朝阳区望京西园1号").unwrap();
    ws.write_string(2, 0, "吴敏").unwrap();
    ws.write_string(2, 1, "abc").unwrap();
    ws.write_string(2, 2, "至尊").unwrap();
    wb.save(&path).unwrap();
    let customers = fx.count("customers");
    let r = fx.ok(ADMIN, "import_customers", json!({ "path": path.to_str(), "dry_run": false }));
    assert_eq!((r["format"].as_str(), r["applied"].as_bool()), (Some("xlsx"), Some(false)));
    let reasons: Vec<String> =
        r["errors"].as_array().unwrap().iter().map(|e| format!("{}:{}:{}", e["row"], e["field"], e["reason"])).collect();
    assert_eq!(reasons, vec!["3:\"phone\":\"bad_phone\"", "3:\"tier\":\"unknown_tier\""]);
    assert_eq!(fx.count("customers"), customers, "nothing half-imported");

    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["姓名", "电话", "等级"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "周杰").unwrap();
    ws.write_number(1, 1, 13812349999.0).unwrap();
    ws.write_string(1, 2, "VIP").unwrap();
    wb.save(&path).unwrap();
    let r = fx.ok(ADMIN, "import_customers", json!({ "path": path.to_str(), "dry_run": false }));
    assert_eq!((r["applied"].as_bool(), r["created"].as_u64()), (Some(true), Some(1)));
    let p = fx.ok(AGENT, "lookup_customer", json!({ "phone": "13812349999" }));
    assert_eq!((p["name"].as_str(), p["tier"].as_str()), (Some("周杰"), Some("vip")), "the imported customer is found at intake (R3.6)");

    // "投诉" in GBK: a CSV saved by Excel's plain CSV on a Chinese Windows.
    let gbk = b"\xd0\xd5\xc3\xfb,\xb5\xe7\xbb\xb0\r\n\xcd\xf5\xb7\xbc,13800000000\r\n";
    let e = fx.err(ADMIN, "import_customers", json!({ "content_base64": b64(gbk), "file_name": "customers.csv" }));
    assert_eq!((e.code, e.details["field"].as_str(), e.details["reason"].as_str()), ("invalid", Some("file"), Some("csv_not_utf8")));
    let e = fx.err(ADMIN, "import_customers", json!({ "content_base64": b64("电话\n13800000000\n".as_bytes()), "file_name": "c.csv" }));
    assert_eq!((e.details["field"].as_str(), e.details["reason"].as_str()), (Some("name"), Some("missing_column")));
}

#[test]
fn the_case_library_is_anonymised_and_searchable() {
    // R7.6: typical closed complaints with analysis and lessons, for training, without personal data.
    let mut fx = Fx::new();
    let (id, number) = fx.register(json!({
        "customer_name": "王芳", "phone": "13812345678", "worker": "W00001", "address": "朝阳区望京西园3号",
        "description": "王芳反映保洁员迟到两小时，回电13812345678。",
    }));
    let worker: String = fx.store.conn.query_row("SELECT name FROM workers WHERE code = 'W00001'", [], |r| r.get(0)).unwrap();
    fx.ok(AGENT, "review", json!({ "complaint": id, "opinion": "属实" }));
    fx.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请核实" }));
    fx.ok(
        HS_HANDLER,
        "record_findings",
        json!({ "complaint": id, "finding": "true", "root_cause": format!("{worker}未按时出发"), "solution": "道歉并免费返工" }),
    );
    fx.ok(AGENT, "record_customer_decision", json!({ "complaint": id, "agreed": true }));
    fx.ok(
        AGENT,
        "implement",
        json!({ "complaint": id, "actions": "已返工", "done_by": "赵磊", "compensations": [{ "kind": "free_reservice" }] }),
    );
    fx.ok(AGENT, "survey", json!({ "complaint": id, "overall": "satisfied", "method": "phone" }));
    fx.ok(AGENT, "close", json!({ "complaint": id }));
    fx.ok(MANAGER, "add_case", json!({ "complaint": id, "title": "守时问题典型案例", "analysis": format!("{worker}出发晚，未提前告知王芳"), "lessons": "迟到须提前告知客户" }));

    let cases = fx.ok(HS_HANDLER, "case_library", json!({ "text": "迟到" }));
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 1);
    let c = &cases[0];
    assert_eq!(c["complaint_number"], number.as_str());
    let all = c.to_string();
    for secret in ["王芳", "13812345678", "朝阳区望京西园3号", worker.as_str()] {
        assert!(!all.contains(secret), "the case library shows {secret}: {all}");
    }
    assert!(c["worker"].as_str().unwrap().ends_with('*'));
    assert!(c["analysis"].as_str().unwrap().contains("王*"));
    assert_eq!(c["compensations"], json!(["free_reservice"]));
    assert_eq!((c["finding"].as_str(), c["satisfaction"].as_str()), (Some("true"), Some("satisfied")));
    assert!(c["resolution_seconds"].as_i64().is_some());
    assert!(fx.ok(AUDITOR, "case_library", json!({ "text": "王芳" })).as_array().unwrap().is_empty(), "no search by the customer's name");
    assert_eq!(fx.ok(AUDITOR, "case_library", json!({ "category": "business" })).as_array().unwrap().len(), 0);
    assert_eq!(fx.ok(AUDITOR, "case_library", json!({ "department": "HS" })).as_array().unwrap().len(), 1);
}

#[test]
fn report_thresholds_are_settings_an_administrator_changes() {
    // R7.5 / R7.9: the thresholds the report prints, changed by the administrator only.
    let mut fx = Fx::new();
    let s = fx.ok(MANAGER, "report_settings", json!({}));
    assert_eq!(s, json!({ "worker_flag_min": 3, "branch_flag_per_100_workers": 100, "ledger_min": 2, "ledger_window_days": 90 }));
    let new = json!({ "worker_flag_min": 5, "branch_flag_per_100_workers": 80, "ledger_min": 3, "ledger_window_days": 60 });
    assert_eq!(fx.err(MANAGER, "set_report_settings", new.clone()).code, "forbidden");
    assert_eq!(fx.ok(ADMIN, "set_report_settings", new.clone()), new);
    let bad = json!({ "worker_flag_min": 0, "branch_flag_per_100_workers": 80, "ledger_min": 3, "ledger_window_days": 60 });
    assert_eq!(fx.err(ADMIN, "set_report_settings", bad).code, "invalid");
    let m = fx.ok(MANAGER, "monthly_report", json!({ "month": "2026-02" }));
    assert_eq!((m["flags"]["worker_flag_min"].as_i64(), m["ledger"]["window_days"].as_i64()), (Some(5), Some(60)));
}
