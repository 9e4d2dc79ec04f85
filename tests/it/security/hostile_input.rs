//! Hostile input (issue 7, "nobody in"): every command of the registry is fed generated JSON —
//! structure-aware (valid sample arguments with values replaced, keys dropped or added, types
//! flipped) and random — as random staff members, with over-long strings, emoji and
//! right-to-left text, SQL- and FTS-looking text, control characters, invalid UTF-8 and garbage in
//! the files it is pointed at, huge files, a signature of a million points, and dates far in the
//! past and future. After every case:
//! - nothing panicked (a caught panic comes back as `integrity` "internal error …");
//! - a refusal is typed: a known code other than `integrity`/`storage`/`io` (those would be a
//!   raw database or file error leaking through), with an `error.*` message key;
//! - `PRAGMA integrity_check` is ok and the timeline's hash chain is intact (R7.1).
//!
//! Each case starts from the same snapshot (a small world with complaints at several stages), so
//! a failure shrinks to a minimal reproduction; a second test walks one database through many
//! random commands in a row. Paths in arguments always point into a sandbox folder.
//!
//! Budget: `CDESK_FUZZ_CASES` (default 1500) and `CDESK_FUZZ_WALK` (default 400 steps).
//! R7.7 (roles are drawn at random), R7.1, R7.2.

use crate::common;
use common::*;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rusqlite::Connection;
use serde_json::{json, Map, Value};

use complaint_desk::maintenance::verify::verify_database;
use complaint_desk::{api, ApiError, Store};

const USERS: &[&str] = &["admin", "cs01", "cs02", "manager", "bm", "hs01", "tr01", "qa01", "audit", "nobody"];
const TYPED: &[&str] = &[
    "invalid",
    "not_found",
    "illegal_transition",
    "forbidden",
    "precondition",
    "unauthenticated",
    "locked",
    "unknown_command",
    "bad_arguments",
    "schema_too_new",
    "storage_unavailable",
];

fn env_n(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// Files the fuzzer points path arguments at.
struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
    paths: Vec<PathBuf>,
}

fn sandbox() -> Sandbox {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let mut paths = Vec::new();
    let mut add = |name: &str, bytes: &[u8]| {
        let p = root.join(name);
        std::fs::write(&p, bytes).unwrap();
        paths.push(p);
    };
    // Invalid UTF-8 where text is expected (imports, CSV, receipts).
    add("invalid-utf8.csv", b"date,kind,name\n2027-01-01,holiday,\xff\xfe\xc3\x28 \xed\xa0\x80 bad\n\x80\x81\x82");
    add("invalid-utf8.txt", &(0x80u8..=0xff).collect::<Vec<u8>>());
    add("utf16.csv", b"\xff\xfed\x00a\x00t\x00e\x00,\x00k\x00i\x00n\x00d\x00");
    add("garbage.pdf", &[b"%PDF-1.7\n".as_slice(), &[0u8, 159, 146, 150, 255, 0, 1]].concat());
    add("garbage.xlsx", b"PK\x03\x04\x14\x00\x00\x00garbage not a zip");
    add("empty.bin", b"");
    add("not-a-db.sqlite3", "SQLite format 3\0 but not really 🍎".as_bytes());
    add("emoji-😀-مرحبا.txt", "证据 📷 עברית".as_bytes());
    let big: Vec<u8> = (0..5 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    add("big-5mb.bin", &big);
    // Over the attachment limit, sparse (no disk space used).
    let huge = root.join("huge-101mb.bin");
    std::fs::File::create(&huge).unwrap().set_len(101 * 1024 * 1024).unwrap();
    paths.push(huge);
    let d = root.join("a-directory");
    std::fs::create_dir_all(&d).unwrap();
    paths.push(d);
    paths.push(root.join("does-not-exist.txt"));
    paths.push(root.join("out").join("new-file.pdf"));
    paths.push(root.join("usb"));
    Sandbox { _dir: dir, root, paths }
}

/// Every string under a key that names a file or folder is replaced by one of the sandbox's
/// paths, so nothing is read or written outside it.
fn sandbox_paths(v: &mut Value, sb: &Sandbox, under_path_key: bool) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let k = k.to_ascii_lowercase();
                let pathish = ["path", "file", "folder", "dir", "output", "dest", "target"].iter().any(|p| k.contains(p));
                sandbox_paths(x, sb, under_path_key || pathish);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| sandbox_paths(x, sb, under_path_key)),
        Value::String(s) if under_path_key && !s.is_empty() => {
            let h = s.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
            *s = sb.paths[(h % sb.paths.len() as u64) as usize].display().to_string();
        }
        _ => {}
    }
}

/// The snapshot every case starts from.
struct World {
    fx: Fx,
    registered: String,
    dispatched: String,
    closed: String,
    customer: String,
}

fn world(sb: &Sandbox) -> World {
    let mut fx = Fx::new();
    let (registered, _) = fx.register(json!({ "customer_name": "赵六", "phone": "13700000001" }));
    let dispatched = fx.dispatched(json!({ "customer_name": "钱七", "phone": "13700000002" }));
    let (closed, _) = fx.register(json!({ "customer_name": "孙八", "phone": "13700000003" }));
    fx.ok(AGENT, "cancel", json!({ "complaint": closed, "reason": "duplicate", "note": "重复" }));
    // Content unique to this sandbox: in-memory stores of one process share an attachments folder.
    let evidence = sb.root.join("evidence.txt");
    std::fs::write(&evidence, format!("现场照片说明 {}", sb.root.display())).unwrap();
    fx.ok(AGENT, "add_attachment", json!({ "complaint": dispatched, "path": evidence.display().to_string() }));
    fx.ok(AGENT, "save_draft", json!({ "form": "intake", "draft": { "customer_name": "草稿" } }));
    fx.ok(ADMIN, "set_backup_settings", json!({ "folder": sb.root.join("usb").display().to_string() }));
    let customer: String =
        fx.store.conn.query_row("SELECT customer_id FROM complaints WHERE id = ?1", [&registered], |r| r.get(0)).unwrap();
    World { fx, registered, dispatched, closed, customer }
}

/// Plausible arguments per command (anything else starts from `{}`).
fn sample(name: &str, w: &World) -> Value {
    let (r, d, c) = (w.registered.as_str(), w.dispatched.as_str(), w.closed.as_str());
    match name {
        "lookup_customer" => json!({ "phone": "13700000001" }),
        "preview_registration" | "register" => base_registration(),
        "add_signature" => json!({ "complaint": r, "signature": signature("赵六") }),
        "add_attachment" => json!({ "complaint": d, "path": "x" }),
        "review" => json!({ "complaint": r, "opinion": "属实", "category": "service", "sub_category": "守时" }),
        "cancel" => json!({ "complaint": r, "reason": "duplicate", "note": "重复" }),
        "not_accept" => json!({ "complaint": r, "reason": "already_settled", "note": "已调解" }),
        "report_major" => json!({ "complaint": r, "informed": "刘强", "informed_at": "2026-03-10T02:00:00Z" }),
        "set_nature" => json!({ "complaint": r, "nature": "major", "reason": "影响较大" }),
        "raise_warning" => json!({ "complaint": r, "level": 2, "reason": "情绪激动" }),
        "acknowledge_escalation" => json!({ "complaint": r, "level": "cs_manager", "note": "已知悉" }),
        "dispatch" => json!({ "complaint": r, "department": "HS", "note": "请核实" }),
        "accept_dispatch" | "close" | "get_complaint" | "timeline" => json!({ "complaint": d }),
        "return_dispatch" => json!({ "complaint": d, "reason": "不属本部门" }),
        "transfer" => json!({ "complaint": d, "department": "QA", "reason": "质检部负责" }),
        "urge" => json!({ "complaint": d, "note": "请加快" }),
        "record_findings" => json!({ "complaint": d, "finding": "true", "root_cause": "迟到", "solution": "道歉" }),
        "reply_to_customer" => json!({ "complaint": d, "content": "处理中", "plan_and_schedule": "明日答复", "method": "phone" }),
        "record_customer_decision" => json!({ "complaint": d, "agreed": true, "signature": signature("钱七") }),
        "approve_compensation" => json!({ "complaint": d, "max_amount_cents": 100000, "note": "同意" }),
        "implement" => {
            json!({ "complaint": d, "actions": "已道歉", "done_by": "赵磊", "compensations": [{ "kind": "cash", "amount_cents": 5000 }] })
        }
        "pause_for_holiday" => json!({
            "complaint": d, "from": "2026-04-04T00:00:00+08:00", "until": "2026-04-07T00:00:00+08:00",
            "reason": "客户清明外出", "signature": signature("钱七"),
        }),
        "record_contact_attempt" => json!({ "complaint": d, "note": "无人接听" }),
        "survey" => json!({ "complaint": d, "overall": "satisfied", "method": "visit", "comment": "好", "signature": signature("钱七") }),
        "supervisor_close" | "reopen" => json!({ "complaint": c, "reason": "客户三次联系不上" }),
        "appeal" => json!({ "complaint": c, "description": "对处理结果不满", "signature_missing_reason": "电话申诉" }),
        "add_case" => json!({ "complaint": c, "title": "迟到案例", "analysis": "分析", "lessons": "教训" }),
        "file_duty_roster" => {
            json!({ "department": "HS", "holiday_name": "国庆节", "start_date": "2026-10-01", "end_date": "2026-10-07", "content": "赵磊值班" })
        }
        "board" | "search" => {
            json!({ "filter": { "text": "空调", "phone": "0001", "stages": ["registered"], "received_from": "2026-01-01T00:00:00Z" }, "limit": 50 })
        }
        "cases" => json!({ "text": "迟到" }),
        "save_view" => json!({ "name": "我的视图", "filter": { "open_only": true } }),
        "verify_signatures" => json!({ "complaint": d }),
        "upsert_department" => json!({ "code": "LG", "name": "后勤部" }),
        "upsert_user" => json!({ "login": "newbie", "name": "新同事", "role": "cs_agent", "password": "s3cret-pass" }),
        "upsert_worker" => json!({ "code": "W9999", "name": "钱多多" }),
        "upsert_template" => json!({ "kind": "reply", "title": "模板", "body": "您好" }),
        "update_branch" => json!({ "name": "总部客服中心", "tz": "Asia/Shanghai" }),
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
        "due_alerts" => json!({ "limit": 10 }),
        "find_workers" => json!({ "text": "W" }),
        "list_workers" => json!({ "text": "W", "limit": 10 }),
        "calendar_year" => json!({ "year": 2026 }),
        "set_calendar_day" => json!({ "date": "2027-01-01", "kind": "holiday", "name": "元旦" }),
        "set_branch_code" => json!({ "code": "SH" }),
        "set_branch_logo" => json!({ "png_base64": null }),
        "set_sub_categories" => json!({ "category": "service", "items": ["服务态度", "服务质量"] }),
        "render_document" => json!({ "complaint": d, "form": "dispatch_sheet", "lang": "zh-CN", "paper": "a4" }),
        "export_document" => json!({ "complaint": d, "form": "receipt", "path": "out.pdf" }),
        "verify_receipt" => json!({ "payload": "CDESK1|HQ-19990101-0001|-" }),
        "backup_now" => json!({ "folder": "usb" }),
        "list_backups" => json!({ "folder": "usb" }),
        "verify_backup" | "restore_backup" | "preview_restore" => json!({ "path": "usb" }),
        "set_backup_settings" => {
            json!({ "folder": "usb", "schedule": "daily", "at_exit": true, "keep_daily": 7, "keep_weekly": 4, "keep_monthly": 12 })
        }
        // Reports (issue 6): the imports take the file's bytes, here invalid UTF-8.
        "kpis" => json!({ "filter": { "month": "2026-03" }, "group_by": ["department"] }),
        "kpi_complaints" => json!({ "filter": { "month": "2026-03" }, "kpi": "volume" }),
        "kpi_definitions" => json!({ "lang": "en" }),
        "monthly_report" | "report_status" => json!({ "month": "2026-02" }),
        "export_monthly_report" => json!({ "month": "2026-02", "xlsx_path": "r.xlsx", "pdf_path": "r.pdf" }),
        "file_report" => json!({ "month": "2026-02", "suggestions": "加强培训" }),
        "export_complaints" => json!({ "format": "csv", "path": "c.csv", "filter": { "text": "空调" } }),
        "import_customers" | "import_workers" => json!({ "content_base64": b64(INVALID_UTF8_CSV), "file_name": "c.csv" }),
        "set_report_settings" => {
            json!({ "worker_flag_min": 3, "branch_flag_per_100_workers": 100, "ledger_min": 2, "ledger_window_days": 90 })
        }
        "retention_status" => json!({ "customer": w.customer }),
        "anonymise_customer" => json!({ "customer": w.customer, "reason": "申请" }),
        "set_retention_years" => json!({ "years": 3 }),
        _ => json!({}),
    }
}

const INVALID_UTF8_CSV: &[u8] = b"name,phone\n\xff\xfe\xc3\x28,13700000009\n\xed\xa0\x80,\x80\x81\n";

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

const STRINGS: &[&str] = &[
    "",
    " ",
    "\t\n",
    "0",
    "-1",
    "1e309",
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
    "😀👨‍👩‍👧‍👦🏳️‍🌈",
    "مرحبا بالعالم",
    "שלום עולם",
    "\u{202E}gnp.exe\u{202C}",
    "e\u{301}\u{301}\u{301}",
    "\u{200B}\u{FEFF}",
    "'; DROP TABLE complaints; --",
    "\" OR 1=1 --",
    "1; DELETE FROM events",
    "%' OR '%'='",
    "\\' \\\" \\\\",
    "\"",
    "NEAR(a b)",
    "a AND OR NOT b",
    "*",
    "^",
    "col:val",
    "\"unterminated",
    "(",
    ")",
    "\u{0}",
    "a\u{0}b",
    "\u{1b}[31mred",
    "\r\n\r\n",
    "../../../../etc/passwd",
    "C:\\Windows\\System32",
    "%s%n%x",
    "${jndi:ldap://x}",
    "<script>alert(1)</script>",
    "空调",
    "空",
    "HQ-20260310-0001",
    "13812345678",
    "138****5678",
    "cs01",
    "admin",
    "HS",
    "registered",
    "closed",
    "major",
    "vip",
    "satisfied",
    "phone",
];

const DATES: &[&str] = &[
    "0001-01-01T00:00:00Z",
    "1000-01-01T00:00:00Z",
    "1677-09-21T00:12:43Z",
    "1900-02-28T23:59:59+14:00",
    "1970-01-01T00:00:00Z",
    "1999-12-31T23:59:60Z",
    "2026-02-30T00:00:00Z",
    "2026-03-10T02:00:00Z",
    "2026-03-10T10:00:00+08:00",
    "2026-03-10",
    "2026-03-10T25:00:00Z",
    "2038-01-19T03:14:08Z",
    "2262-04-11T23:47:17Z",
    "9999-12-31T23:59:59Z",
    "+275760-09-13T00:00:00Z",
    "-000001-01-01T00:00:00Z",
    "2026-W11-2",
    "20260310T020000Z",
    "0000-00-00",
    "9999-12-31",
];

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => proptest::sample::select(STRINGS).prop_map(|s| json!(s)),
        3 => proptest::sample::select(DATES).prop_map(|s| json!(s)),
        3 => "\\PC{0,30}".prop_map(Value::String),
        1 => ".{0,12}".prop_map(Value::String),
        1 => (1usize..20).prop_map(|k| json!("字".repeat(k * 5_000))),
        1 => Just(json!("𝕏".repeat(100_001))),
        2 => prop_oneof![
            Just(json!(0)), Just(json!(-1)), Just(json!(1)), Just(json!(2)), Just(json!(3)), Just(json!(i32::MAX)),
            Just(json!(i32::MIN)), Just(json!(i64::MAX)), Just(json!(i64::MIN)), Just(json!(u64::MAX)),
            Just(json!(1e308)), Just(json!(-1e308)), Just(json!(0.5)), Just(json!(9007199254740993u64)),
        ],
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => any::<bool>().prop_map(|b| json!(b)),
        1 => Just(Value::Null),
    ]
    .boxed()
}

fn value() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
        .boxed()
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replaces a string with a hostile string, a number with a hostile number … (the arguments
    /// still parse, so the rules behind them are what is tested).
    Typed(u32, String, Value, bool),
    Replace(u32, Value),
    Remove(u32),
    AddKey(u32, String, Value),
    Wrap(u32),
}

fn hostile_string() -> BoxedStrategy<String> {
    prop_oneof![
        4 => proptest::sample::select(STRINGS).prop_map(str::to_string),
        3 => proptest::sample::select(DATES).prop_map(str::to_string),
        3 => "\\PC{0,30}",
        1 => ".{0,12}",
        1 => (1usize..20).prop_map(|k| "字".repeat(k * 5_000)),
        1 => Just("𝕏".repeat(100_001)),
    ]
    .boxed()
}

fn hostile_number() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => prop_oneof![
            Just(json!(0)), Just(json!(-1)), Just(json!(1)), Just(json!(2)), Just(json!(3)), Just(json!(i32::MAX)),
            Just(json!(i32::MIN)), Just(json!(i64::MAX)), Just(json!(i64::MIN)), Just(json!(u64::MAX)), Just(json!(u32::MAX)),
            Just(json!(1e308)), Just(json!(-1e308)), Just(json!(0.5)), Just(json!(9007199254740993u64)), Just(json!(100_000)),
        ],
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => (0u32..400).prop_map(|n| json!(n)),
    ]
    .boxed()
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        8 => (any::<u32>(), hostile_string(), hostile_number(), any::<bool>()).prop_map(|(i, s, n, b)| Mutation::Typed(i, s, n, b)),
        2 => (any::<u32>(), value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        2 => any::<u32>().prop_map(Mutation::Remove),
        1 => (any::<u32>(), "[a-z_]{1,10}", value()).prop_map(|(i, k, v)| Mutation::AddKey(i, k, v)),
        1 => any::<u32>().prop_map(Mutation::Wrap),
    ]
}

/// JSON pointers of every node (the root first).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| pointers(x, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out)),
        Value::Array(a) => a.iter().enumerate().take(8).for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
        _ => {}
    }
}

fn apply(v: &mut Value, m: &Mutation) {
    let mut ps = Vec::new();
    pointers(v, String::new(), &mut ps);
    let pick = |i: u32| ps[i as usize % ps.len()].clone();
    match m {
        Mutation::Typed(i, s, n, b) => {
            // Only leaves: pick among them so that the mutation lands on a value.
            let leaves: Vec<String> =
                ps.iter().filter(|p| v.pointer(p).is_some_and(|x| !x.is_object() && !x.is_array())).cloned().collect();
            if leaves.is_empty() {
                return;
            }
            if let Some(t) = v.pointer_mut(&leaves[*i as usize % leaves.len()]) {
                *t = match t {
                    Value::String(_) => json!(s),
                    Value::Number(_) => n.clone(),
                    Value::Bool(_) => json!(b),
                    _ => json!(s),
                };
            }
        }
        Mutation::Replace(i, x) => {
            if let Some(t) = v.pointer_mut(&pick(*i)) {
                *t = x.clone();
            }
        }
        Mutation::Remove(i) => {
            let p = pick(*i);
            if let Some((parent, key)) = p.rsplit_once('/') {
                match v.pointer_mut(parent) {
                    Some(Value::Object(o)) => {
                        o.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(a)) => {
                        if let Ok(k) = key.parse::<usize>() {
                            if k < a.len() {
                                a.remove(k);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Mutation::AddKey(i, k, x) => {
            if let Some(Value::Object(o)) = v.pointer_mut(&pick(*i)) {
                o.insert(k.clone(), x.clone());
            }
        }
        Mutation::Wrap(i) => {
            if let Some(t) = v.pointer_mut(&pick(*i)) {
                *t = json!([t.clone()]);
            }
        }
    }
}

/// A generated call: command index, user index, clock choice, and how its arguments are made.
#[derive(Debug, Clone)]
struct Case {
    cmd: usize,
    user: usize,
    clock: u8,
    random: Option<Value>,
    mutations: Vec<Mutation>,
    keys: Vec<(u32, Value)>,
}

fn case(n_cmds: usize) -> impl Strategy<Value = Case> {
    (
        0..n_cmds,
        0..USERS.len(),
        0u8..20,
        prop_oneof![6 => Just(None), 1 => value().prop_map(Some)],
        proptest::collection::vec(mutation(), 0..4),
        proptest::collection::vec((any::<u32>(), value()), 0..3),
    )
        .prop_map(|(cmd, user, clock, random, mutations, keys)| Case { cmd, user, clock, random, mutations, keys })
}

fn property_names(schema: &Value) -> Vec<String> {
    let mut names: Vec<String> = schema["properties"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    if let Some(defs) = schema["$defs"].as_object() {
        for d in defs.values() {
            names.extend(d["properties"].as_object().into_iter().flat_map(|m| m.keys().cloned()));
        }
    }
    names
}

/// Builds the arguments of a case; `None` for the user means "a user allowed to run it".
fn build(c: &Case, w: &World, sb: &Sandbox) -> (String, String, Value, DateTime<Utc>) {
    let cmds = api::commands();
    let cmd = &cmds[c.cmd];
    let mut args = match &c.random {
        // Random: an object whose keys are the command's own field names (so the values are
        // actually looked at) filled with hostile values.
        Some(v) => {
            let names = property_names(&(cmd.schema)().to_value());
            let mut o = Map::new();
            for (i, (k, x)) in c.keys.iter().enumerate() {
                let key = if names.is_empty() { format!("k{i}") } else { names[*k as usize % names.len()].clone() };
                o.insert(key, x.clone());
            }
            if o.is_empty() {
                v.clone()
            } else {
                Value::Object(o)
            }
        }
        None => {
            let mut a = sample(cmd.name, w);
            for m in &c.mutations {
                apply(&mut a, m);
            }
            a
        }
    };
    sandbox_paths(&mut args, sb, false);
    // Mostly someone allowed to run it (so the arguments are what decides), sometimes anyone.
    let allowed = complaint_desk::auth::allowed_roles(cmd.name).unwrap_or(&[]);
    let login = if !c.user.is_multiple_of(8) {
        let staff: Vec<&str> = USERS
            .iter()
            .copied()
            .filter(|u| complaint_desk::auth::actor_by_login(&w.fx.store.conn, u).is_ok_and(|a| allowed.contains(&a.role)))
            .collect();
        if staff.is_empty() {
            USERS[c.user]
        } else {
            staff[c.user % staff.len()]
        }
    } else {
        USERS[c.user]
    };
    let base = w.fx.now;
    let now = match c.clock {
        0 => DateTime::parse_from_rfc3339("2999-12-31T15:59:59Z").unwrap().with_timezone(&Utc),
        1 => DateTime::parse_from_rfc3339("1971-01-01T00:00:00Z").unwrap().with_timezone(&Utc),
        2 => base + Duration::days(400),
        _ => base + Duration::minutes(c.clock as i64),
    };
    (cmd.name.to_string(), login.to_string(), args, now)
}

/// The checks after every case. Returns a description of what is wrong, if anything.
fn problems(name: &str, r: &Result<Value, ApiError>, conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    if let Err(e) = r {
        if e.message.contains("internal error") {
            out.push(format!("PANIC in {name}: {}", e.message));
        } else if !TYPED.contains(&e.code) {
            out.push(format!("untyped error from {name}: {} {} {}", e.code, e.message_key, e.message));
        }
        if !e.message_key.starts_with("error.") {
            out.push(format!("bad message key from {name}: {e:?}"));
        }
    }
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap_or_else(|e| e.to_string());
    if ok != "ok" {
        out.push(format!("integrity_check after {name}: {ok}"));
    }
    match complaint_desk::timeline::verify_chain(conn) {
        Ok(c) if c.broken_at_seq.is_none() => {}
        other => out.push(format!("timeline chain after {name}: {other:?}")),
    }
    out
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 600 {
        format!("{}… ({} bytes)", s.chars().take(600).collect::<String>(), s.len())
    } else {
        s
    }
}

struct Snapshot {
    sb: Sandbox,
    w: World,
}

thread_local! {
    static SNAPSHOT: RefCell<Option<Snapshot>> = const { RefCell::new(None) };
    static TALLY: RefCell<BTreeMap<String, (u32, u32)>> = const { RefCell::new(BTreeMap::new()) };
    static CODES: RefCell<BTreeMap<String, u32>> = const { RefCell::new(BTreeMap::new()) };
}

/// A fresh copy of the snapshot world.
fn fresh(w: &World) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    {
        let b = rusqlite::backup::Backup::new(&w.fx.store.conn, &mut s.conn).unwrap();
        b.run_to_completion(1000, std::time::Duration::ZERO, None).unwrap();
    }
    s
}

#[test]
fn every_command_survives_hostile_arguments() {
    let n_cmds = api::commands().len();
    let cases = env_n("CDESK_FUZZ_CASES", 1500);
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 300, ..Config::default() };
    let seed = env_n("CDESK_FUZZ_SEED", 7) as u8;
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]));
    let started = std::time::Instant::now();
    let result = runner.run(&case(n_cmds), |c| {
        SNAPSHOT.with(|snap| {
            let mut snap = snap.borrow_mut();
            if snap.is_none() {
                let sb = sandbox();
                let w = world(&sb);
                *snap = Some(Snapshot { sb, w });
            }
            let Snapshot { sb, w } = snap.as_ref().unwrap();
            let (name, login, args, now) = build(&c, w, sb);
            let mut store = fresh(w);
            let shown = short(&args);
            let r = api::call(&mut store, now, &login, &name, args);
            TALLY.with(|t| {
                let mut t = t.borrow_mut();
                let e = t.entry(name.clone()).or_default();
                e.0 += 1;
                e.1 += r.is_ok() as u32;
            });
            CODES.with(|t| *t.borrow_mut().entry(r.as_ref().map(|_| "ok").unwrap_or_else(|e| e.code).to_string()).or_default() += 1);
            let p = problems(&name, &r, &store.conn);
            prop_assert!(p.is_empty(), "{} as {login} at {now} with {shown}:\n{}", name, p.join("\n"));
            Ok(())
        })
    });
    let tally = TALLY.with(|t| t.borrow().clone());
    let total: u32 = tally.values().map(|v| v.0).sum();
    let accepted: u32 = tally.values().map(|v| v.1).sum();
    eprintln!(
        "hostile input: {total} cases over {} commands in {:.1}s, {accepted} accepted, the rest refused with a typed error",
        tally.len(),
        started.elapsed().as_secs_f64()
    );
    eprintln!("hostile input: outcomes {:?}", CODES.with(|t| t.borrow().clone()));
    if let Err(e) = result {
        panic!("{e}");
    }
    let missing: Vec<&str> = api::commands().iter().map(|c| c.name).filter(|n| !tally.contains_key(*n)).collect();
    assert!(missing.is_empty() || cases < 500, "commands never exercised: {missing:?}");
}

#[test]
fn a_long_random_walk_leaves_a_sound_database() {
    // State accumulates here (a file database in WAL mode, as installed): hundreds of hostile
    // commands in a row, then the full `verify`.
    let sb = sandbox();
    let w = world(&sb);
    let steps = env_n("CDESK_FUZZ_WALK", 400);
    let db = sb.root.join("walk.sqlite3");
    w.fx.store.conn.backup(rusqlite::MAIN_DB, &db, None).unwrap();
    let mut store = Store::open(&db).unwrap();
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &[11u8; 32]));
    let strat = case(api::commands().len());
    let mut accepted = 0;
    for step in 0..steps {
        let c = strat.new_tree(&mut runner).unwrap().current();
        let (name, login, args, now) = build(&c, &w, &sb);
        let shown = short(&args);
        let r = api::call(&mut store, now, &login, &name, args);
        accepted += r.is_ok() as u32;
        let p = problems(&name, &r, &store.conn);
        assert!(p.is_empty(), "step {step}: {name} as {login} with {shown}:\n{}", p.join("\n"));
    }
    let v = verify_database(&store.conn, None).unwrap();
    assert!(v.integrity_check == "ok" && v.foreign_key_violations == 0 && v.timeline.broken_at_seq.is_none(), "{v:?}");
    eprintln!("random walk: {steps} commands in a row, {accepted} accepted; database sound");
}

#[test]
fn the_classics_each_get_a_typed_answer() {
    // Deterministic versions of the list, so they are always covered.
    let sb = sandbox();
    let mut w = world(&sb);
    let dispatched = w.dispatched.clone();
    let fx = &mut w.fx;
    let chain_ok = |fx: &Fx| complaint_desk::timeline::verify_chain(&fx.store.conn).unwrap().broken_at_seq.is_none();

    // A signature of a million points: refused as too large, quickly, without panicking.
    let stroke: Vec<Value> = (0..1_000_000u64).map(|i| json!({ "x": (i % 500) as f64, "y": (i % 300) as f64, "t": i, "p": 0.5 })).collect();
    let mut reg = base_registration();
    reg["signature"] = json!({ "signer_name": "王芳", "strokes": [stroke] });
    let t0 = std::time::Instant::now();
    let e = fx.err(AGENT, "register", reg);
    assert_eq!(e.message_key, "error.invalid.signature_too_large", "{e:?}");
    eprintln!("a million-point signature refused in {:.2}s", t0.elapsed().as_secs_f64());

    // Over-long text in every field of a registration: refused field by field, nothing stored.
    let before = fx.count("complaints");
    for field in ["customer_name", "description", "expected_outcome", "address", "incident_place", "service_order_no", "sub_category"] {
        let mut a = base_registration();
        a[field] = json!("长".repeat(200_000));
        let e = fx.err(AGENT, "register", a);
        assert_eq!((e.code, e.details["field"].as_str()), ("invalid", Some(field)), "{field}: {e:?}");
    }
    assert_eq!(fx.count("complaints"), before);

    // Emoji, right-to-left text and SQL-looking text are stored verbatim and found again.
    let text = "客户说：'; DROP TABLE complaints; -- 😀👨‍👩‍👧‍👦 مرحبا \u{202E}txt.exe \" OR 1=1 --";
    let (id, number) = fx.register(json!({ "description": text, "customer_name": "Zoë 😀 אבי", "phone": "13799998888" }));
    assert_eq!(fx.detail(&id)["description"], text);
    for q in ["DROP TABLE", "😀👨", "مرحبا", "\" OR 1=1", "Zoë"] {
        let found = fx.ok(MANAGER, "search", json!({ "filter": { "text": q } }));
        assert!(found["items"].as_array().unwrap().iter().any(|i| i["number"] == number.as_str()), "search {q:?}: {found}");
    }
    for q in ["\"", "NEAR(", "*", "a AND OR", "(", "^", "col:x", "\u{0}"] {
        let r = fx.call(MANAGER, "search", json!({ "filter": { "text": q } }));
        assert!(r.is_ok() || TYPED.contains(&r.as_ref().unwrap_err().code), "search {q:?}: {r:?}");
    }

    // Files: invalid UTF-8, garbage, a directory, a huge file, a 5 MB one.
    let path = |name: &str| sb.root.join(name).display().to_string();
    let e = fx.err(AGENT, "add_attachment", json!({ "complaint": id, "path": path("huge-101mb.bin") }));
    assert_eq!(e.message_key, "error.invalid.file_too_large");
    let e = fx.err(AGENT, "add_attachment", json!({ "complaint": id, "path": path("a-directory") }));
    assert_eq!(e.message_key, "error.invalid.file_not_found");
    let ok = fx.ok(AGENT, "add_attachment", json!({ "complaint": id, "path": path("big-5mb.bin") }));
    assert!(ok["sha256"].is_string());
    fx.ok(AGENT, "add_attachment", json!({ "complaint": id, "path": path("invalid-utf8.txt") }));
    for f in ["invalid-utf8.csv", "garbage.pdf", "empty.bin", "huge-101mb.bin", "a-directory"] {
        for (cmd, args) in [
            ("verify_receipt", json!({ "path": path(f) })),
            ("verify_backup", json!({ "path": path(f) })),
            ("restore_backup", json!({ "path": path(f) })),
        ] {
            let login = if cmd == "verify_receipt" { MANAGER } else { ADMIN };
            let r = fx.call(login, cmd, args);
            if let Err(e) = &r {
                assert!(TYPED.contains(&e.code), "{cmd} of {f}: {e:?}");
            }
        }
    }
    let e = fx.err(ADMIN, "import_calendar", json!({ "csv": "date,kind,name\n\u{FFFD}\u{0}\n9999-99-99,holiday,x\n" }));
    assert!(TYPED.contains(&e.code), "{e:?}");
    // Imported files (issue 6's customer and worker imports) with invalid UTF-8, UTF-16, garbage
    // posing as a workbook, a huge file: a typed refusal or a preview listing the bad rows.
    let huge = vec![b'a'; 12 * 1024 * 1024];
    for (bytes, file) in [
        (INVALID_UTF8_CSV.to_vec(), "c.csv"),
        (b"\xff\xfen\x00a\x00m\x00e\x00".to_vec(), "utf16.csv"),
        (b"PK\x03\x04garbage".to_vec(), "c.xlsx"),
        (std::fs::read(sb.root.join("garbage.pdf")).unwrap(), "c.xls"),
        (Vec::new(), "empty.csv"),
        (huge, "huge.csv"),
    ] {
        for cmd in ["import_customers", "import_workers"] {
            if complaint_desk::auth::allowed_roles(cmd).is_none() {
                continue;
            }
            let r = fx.call(ADMIN, cmd, json!({ "content_base64": b64(&bytes), "file_name": file }));
            if let Err(e) = &r {
                assert!(TYPED.contains(&e.code) && !e.message.contains("internal error"), "{cmd} of {file}: {e:?}");
            }
        }
    }

    // Dates far in the past and the future, wherever a date is taken.
    for d in DATES {
        for (cmd, args) in [
            ("register", {
                let mut a = base_registration();
                a["received_at"] = json!(d);
                a
            }),
            ("register", {
                let mut a = base_registration();
                a["incident_at"] = json!(d);
                a
            }),
            (
                "pause_for_holiday",
                json!({ "complaint": dispatched, "from": d, "until": d, "reason": "外出", "signature": signature("钱七") }),
            ),
            ("search", json!({ "filter": { "received_from": d, "received_to": d, "closed_from": d } })),
            ("set_calendar_day", json!({ "date": d, "kind": "holiday", "name": "x" })),
            ("report_major", json!({ "complaint": id, "informed": "刘强", "informed_at": d })),
        ] {
            let login = if cmd == "set_calendar_day" { ADMIN } else { AGENT };
            let r = fx.call(login, cmd, args);
            if let Err(e) = &r {
                assert!(TYPED.contains(&e.code) && !e.message.contains("internal error"), "{cmd} with {d}: {e:?}");
            }
        }
    }
    for y in [i32::MIN, -1, 0, 1, 1582, 9999, 10_000, 262_143, i32::MAX] {
        let r = fx.call(MANAGER, "calendar_year", json!({ "year": y }));
        if let Err(e) = &r {
            assert!(TYPED.contains(&e.code), "calendar_year {y}: {e:?}");
        }
    }
    // The clock itself far away (a PC with a broken battery): still answers, typed.
    for now in ["1970-01-02T00:00:00Z", "2999-12-31T00:00:00Z", "9999-12-30T00:00:00Z"] {
        fx.set_now(now);
        for (cmd, args) in [("register", base_registration()), ("board", json!({ "filter": {} })), ("due_alerts", json!({}))] {
            let r = fx.call(AGENT, cmd, args);
            if let Err(e) = &r {
                assert!(TYPED.contains(&e.code) && !e.message.contains("internal error"), "{cmd} at {now}: {e:?}");
            }
        }
    }
    assert!(chain_ok(fx));
    let v = verify_database(&fx.store.conn, None).unwrap();
    assert!(v.integrity_check == "ok" && v.timeline.broken_at_seq.is_none(), "{v:?}");
}
