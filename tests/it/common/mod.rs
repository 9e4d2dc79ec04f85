//! Shared fixture for the core's integration tests: an in-memory database with the shipped
//! defaults and the demo staff (no complaints), driven through the same command registry the
//! desktop app and `cdesk call` use, with an injected clock.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use complaint_desk::{api, demo, store::Store, workflow::settings, ApiError};

/// Staff created by the fixture (from `demo::ensure_people`): login → role.
pub const AGENT: &str = "cs01";
pub const AGENT2: &str = "cs02";
pub const MANAGER: &str = "manager";
pub const BRANCH_MANAGER: &str = "bm";
pub const HS_HANDLER: &str = "hs01";
pub const TR_HANDLER: &str = "tr01";
pub const QA_HANDLER: &str = "qa01";
pub const FI_HANDLER: &str = "fi01";
pub const AUDITOR: &str = "audit";
pub const ADMIN: &str = "admin";
/// The password of every demo account the tests create (`CDESK_DEMO_PASSWORD` for `cdesk demo`,
/// `CDESK_PASSWORD` when `cdesk` acts as one of them): random ones would cost eleven Argon2
/// hashes per fixture.
pub const PASSWORD: &str = "Tea-Garden-2026";

pub struct Fx {
    pub store: Store,
    pub now: DateTime<Utc>,
}

/// Parses an RFC 3339 instant (test input, so a bad literal is a test bug).
pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("test timestamp").with_timezone(&Utc)
}

impl Fx {
    /// A fresh database at a fixed Tuesday morning in Shanghai (2026-03-10 10:00 +08:00).
    pub fn new() -> Fx {
        Fx::at("2026-03-10T02:00:00Z")
    }

    pub fn at(now: &str) -> Fx {
        let now = t(now);
        let mut store = Store::open_in_memory().expect("in-memory store");
        settings::init_defaults(&store.conn, now).expect("defaults");
        demo::generate_with_password(&mut store, now, 0, 7, Some(PASSWORD)).expect("demo staff");
        Fx { store, now }
    }

    pub fn advance(&mut self, d: Duration) {
        self.now += d;
    }

    pub fn set_now(&mut self, s: &str) {
        self.now = t(s);
    }

    pub fn call(&mut self, login: &str, name: &str, args: Value) -> Result<Value, ApiError> {
        api::call(&mut self.store, self.now, login, name, args)
    }

    /// Runs a command that must succeed; a failure shows the whole error.
    #[track_caller]
    pub fn ok(&mut self, login: &str, name: &str, args: Value) -> Value {
        match self.call(login, name, args) {
            Ok(v) => v,
            Err(e) => panic!("{name} as {login} failed: {e:?}"),
        }
    }

    /// Runs a command that must fail; returns the error.
    #[track_caller]
    pub fn err(&mut self, login: &str, name: &str, args: Value) -> ApiError {
        match self.call(login, name, args) {
            Ok(v) => panic!("{name} as {login} should have failed but returned {v}"),
            Err(e) => e,
        }
    }

    /// Registers a complaint with sensible defaults; `extra` overrides or adds fields.
    /// Returns (id, number).
    #[track_caller]
    pub fn register(&mut self, extra: Value) -> (String, String) {
        let mut args = base_registration();
        if let (Some(a), Some(e)) = (args.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                a.insert(k.clone(), v.clone());
            }
        }
        let p = self.ok(AGENT, "register", args);
        (p["id"].as_str().unwrap().to_string(), p["number"].as_str().unwrap().to_string())
    }

    pub fn detail(&mut self, complaint: &str) -> Value {
        self.ok(MANAGER, "get_complaint", json!({ "complaint": complaint }))
    }

    pub fn stage(&mut self, complaint: &str) -> String {
        self.detail(complaint)["stage"].as_str().unwrap().to_string()
    }

    pub fn timeline_kinds(&mut self, complaint: &str) -> Vec<String> {
        let ev = self.ok(MANAGER, "timeline", json!({ "complaint": complaint }));
        ev.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap_or("").to_string()).collect()
    }

    /// Counts rows of a table (for "nothing changed" assertions).
    pub fn count(&self, table: &str) -> i64 {
        self.store.conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    }

    /// Drives a fresh complaint to `reviewed` and dispatches it to the home-service department.
    pub fn dispatched(&mut self, extra: Value) -> String {
        let (id, _) = self.register(extra);
        self.ok(AGENT, "review", json!({ "complaint": id, "opinion": "情况属实，受理" }));
        self.ok(AGENT, "dispatch", json!({ "complaint": id, "department": "HS", "note": "请核实处理" }));
        id
    }
}

/// A walk-in regular customer about a late cleaner, signed on screen.
pub fn base_registration() -> Value {
    json!({
        "customer_name": "王芳",
        "phone": "13812345678",
        "tier": "regular",
        "channel": "walk_in",
        "category": "service",
        "sub_category": "守时/爽约",
        "description": "保洁员约定上午9点上门，迟到两个小时且未通知，空调也没有清洗。",
        "expected_outcome": "道歉并重新服务",
        "signature": signature("王芳"),
    })
}

/// A plausible two-stroke signature.
pub fn signature(name: &str) -> Value {
    let stroke = |y: f64, t0: u64| -> Value {
        Value::Array((0..20).map(|i| json!({ "x": 10.0 + i as f64 * 5.0, "y": y + (i % 3) as f64, "t": t0 + i * 16, "p": 0.6 })).collect())
    };
    json!({ "signer_name": name, "strokes": [stroke(30.0, 0), stroke(60.0, 500)] })
}

/// Path of the `cdesk` binary built for integration tests.
pub fn cdesk_bin() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_cdesk"))
}

/// Every row of every table (in the order of its first column), hashed per table, with its count:
/// "the database holds exactly the same content" for tests of refusals that must change nothing.
pub fn table_contents(conn: &rusqlite::Connection) -> std::collections::BTreeMap<String, (i64, String)> {
    use sha2::{Digest, Sha256};
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = std::collections::BTreeMap::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1")).unwrap();
        let n = stmt.column_count();
        let mut h = Sha256::new();
        let mut count = 0;
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            count += 1;
            for c in 0..n {
                let v: rusqlite::types::Value = r.get(c).unwrap();
                h.update(format!("{v:?}\u{1f}").as_bytes());
            }
        }
        out.insert(t, (count, hex::encode(h.finalize())));
    }
    out
}

/// The harness's name for the test `name` of the module `module` (its `module_path!()`), for a
/// child process that re-runs this binary with `--exact` to run that test alone.
pub fn this_test(module: &str, name: &str) -> String {
    let path = module.split_once("::").map_or("", |(_, m)| m);
    format!("{path}::{name}")
}
