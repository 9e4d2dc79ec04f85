//! Crash safety (issue 7, "nothing lost"): the core, in a child process, writes complaints in a
//! loop and prints each operation's result only after its transaction committed; the child is
//! killed with SIGKILL at random (seeded) moments, restarted, killed again … Afterwards `cdesk
//! verify` passes, every acknowledged operation is there with all its rows, nothing half-written
//! is visible, and the timeline's hash chain is intact (R7.1, R7.2).
//!
//! The child is this test binary itself (`writer_child`, which does nothing unless the
//! environment asks for it), opening the database exactly as the desktop app does (`Desk::open`,
//! sign-in, `Desk::call`).
//!
//! Rounds: `CDESK_KILL_ROUNDS` (default 40; e.g. 1000 for a long run), seed `CDESK_KILL_SEED`.
//!
//! What this does not simulate: a power cut (the OS's page cache is lost too). That is what
//! `synchronous=FULL` with WAL is for; proving it needs a VM or a fault-injecting block device.

use crate::common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use complaint_desk::desk::Desk;
use complaint_desk::{demo, store::Store, workflow::settings};

const CHILD_DB: &str = "CDESK_CRASH_CHILD_DB";
const WRITER: &str = "cs01";

fn rounds(default: usize) -> usize {
    std::env::var("CDESK_KILL_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn seed() -> u64 {
    std::env::var("CDESK_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20260310)
}

/// The child: writes until killed. A no-op when run as an ordinary test.
#[test]
fn writer_child() {
    let Ok(db) = std::env::var(CHILD_DB) else { return };
    let db = PathBuf::from(db);
    let mut out = std::io::stdout().lock();
    let mut ack = |line: String| {
        // Printed (and flushed) only after the command's transaction committed.
        out.write_all(line.as_bytes()).unwrap();
        out.write_all(b"\n").unwrap();
        out.flush().unwrap();
    };
    let mut desk = Desk::open(&db, Utc::now()).expect("open");
    desk.login(Utc::now(), WRITER, common::PASSWORD).expect("sign in");
    let incoming = db.parent().unwrap().join("incoming");
    std::fs::create_dir_all(&incoming).unwrap();
    // Continue the draft counter where the previous (killed) run left it.
    let mut i = desk.call(Utc::now(), "get_draft", json!({ "form": "crash" })).ok().and_then(|d| d["draft"]["n"].as_u64()).unwrap_or(0) + 1;
    let mut rng = rand::rngs::SmallRng::seed_from_u64(std::process::id() as u64);
    loop {
        let mut reg = common::base_registration();
        reg["phone"] = json!(format!("139{:08}", rng.gen_range(0..100_000_000u64)));
        reg["customer_name"] = json!(format!("客户{i}"));
        reg["description"] = json!(format!("第{i}次写入：保洁员迟到，空调未清洗。"));
        reg["signature"] = common::signature(&format!("客户{i}"));
        let r = desk.call(Utc::now(), "register", reg).expect("register");
        let number = r["number"].as_str().unwrap().to_string();
        ack(format!("R {number}"));
        if i.is_multiple_of(3) {
            desk.call(Utc::now(), "review", json!({ "complaint": number, "opinion": "属实" })).expect("review");
            ack(format!("V {number}"));
        }
        if i.is_multiple_of(5) {
            let f = incoming.join(format!("evidence-{}-{i}.bin", std::process::id()));
            let bytes: Vec<u8> = (0..20_000).map(|_| rng.gen()).collect();
            std::fs::write(&f, bytes).unwrap();
            let a =
                desk.call(Utc::now(), "add_attachment", json!({ "complaint": number, "path": f.display().to_string() })).expect("attach");
            ack(format!("A {number} {}", a["sha256"].as_str().unwrap()));
        }
        if i.is_multiple_of(4) {
            desk.call(Utc::now(), "save_draft", json!({ "form": "crash", "draft": { "n": i } })).expect("draft");
            ack(format!("D {i}"));
        }
        i += 1;
    }
}

/// Runs the child for `delay`, SIGKILLs it, and returns the complete lines it printed.
fn run_and_kill(db: &Path, delay: Duration) -> Vec<String> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg(common::this_test(module_path!(), "writer_child"))
        .args(["--exact", "--nocapture", "--test-threads=1", "-q"])
        .env(CHILD_DB, db)
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    std::thread::sleep(delay);
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().ok(); // SIGKILL
    let status = child.wait().unwrap();
    let buf = reader.join().unwrap();
    assert!(still_running, "the writer stopped by itself ({status}): it must only end by being killed");
    // Only complete lines count: a line cut by the kill was not acknowledged.
    let text = String::from_utf8_lossy(&buf);
    let complete = match text.rfind('\n') {
        Some(end) => &text[..end],
        None => "",
    };
    complete.lines().filter(|l| l.starts_with(['R', 'V', 'A', 'D'])).map(str::to_string).collect()
}

fn setup(db: &Path) {
    let now = Utc::now();
    let mut store = Store::open(db).unwrap();
    settings::init_defaults(&store.conn, now).unwrap();
    demo::generate_with_password(&mut store, now, 0, 7, Some(common::PASSWORD)).unwrap();
}

fn count(conn: &Connection, sql: &str, p: &str) -> i64 {
    conn.query_row(sql, params![p], |r| r.get(0)).unwrap()
}

#[test]
fn killed_at_random_moments_nothing_acknowledged_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("complaint-desk.sqlite3");
    setup(&db);
    let n = rounds(40);
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed());
    let mut acked: Vec<String> = Vec::new();
    let started = Instant::now();
    for round in 0..n {
        // Mostly while writing; sometimes right at start-up (open, sign-in).
        let ms = if round % 5 == 0 { rng.gen_range(5..80) } else { rng.gen_range(80..500) };
        acked.extend(run_and_kill(&db, Duration::from_millis(ms)));
        // Every restart must find a sound database.
        let c = Connection::open(&db).unwrap();
        let quick: String = c.query_row("PRAGMA quick_check", [], |r| r.get(0)).unwrap();
        assert_eq!(quick, "ok", "after kill {round}");
    }

    // `cdesk verify`: integrity, foreign keys, the hash chain, every signature, every evidence file.
    let out = Command::new(common::cdesk_bin()).env_remove("CDESK_DB").arg("--db").arg(&db).arg("verify").output().unwrap();
    assert!(out.status.success(), "cdesk verify after {n} kills: {}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["timeline"]["broken_at_seq"], Value::Null);

    let c = Connection::open(&db).unwrap();
    let attachments = tmp.path().join("attachments");
    let (mut registered, mut reviewed, mut attached, mut max_draft) = (0, 0, 0, 0u64);
    for line in &acked {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts[0] {
            "R" => {
                registered += 1;
                let id: String = c
                    .query_row("SELECT id FROM complaints WHERE number = ?1", params![parts[1]], |r| r.get(0))
                    .optional()
                    .unwrap()
                    .unwrap_or_else(|| panic!("acknowledged complaint {} is missing", parts[1]));
                assert_eq!(count(&c, "SELECT COUNT(*) FROM events WHERE complaint_id = ?1 AND kind = 'registered'", &id), 1);
            }
            "V" => {
                reviewed += 1;
                let stage: String = c.query_row("SELECT stage FROM complaints WHERE number = ?1", params![parts[1]], |r| r.get(0)).unwrap();
                assert_eq!(stage, "reviewed", "acknowledged review of {}", parts[1]);
            }
            "A" => {
                attached += 1;
                let n = count(
                    &c,
                    "SELECT COUNT(*) FROM attachments a JOIN complaints c ON c.id = a.complaint_id WHERE a.sha256 = ?1",
                    parts[2],
                );
                assert!(n >= 1, "acknowledged attachment {} of {}", parts[2], parts[1]);
                let bytes = std::fs::read(attachments.join(parts[2])).expect("evidence file on disk");
                assert_eq!(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)), parts[2]);
            }
            "D" => max_draft = max_draft.max(parts[1].parse().unwrap()),
            _ => unreachable!(),
        }
    }
    let draft: Option<String> = c.query_row("SELECT json FROM drafts WHERE form = 'crash'", [], |r| r.get(0)).optional().unwrap();
    if max_draft > 0 {
        let n = serde_json::from_str::<Value>(&draft.unwrap()).unwrap()["n"].as_u64().unwrap();
        assert!(n >= max_draft, "the saved draft ({n}) is at least the last acknowledged one ({max_draft})");
    }

    // Nothing half-written: EVERY complaint (acknowledged or committed just before a kill) has
    // all its rows, and every row belongs to a whole complaint.
    let ids: Vec<(String, String, String)> = c
        .prepare("SELECT id, stage, rowid FROM complaints")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.to_string())))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (id, stage, rowid) in &ids {
        let ev = |k: &str| count(&c, &format!("SELECT COUNT(*) FROM events WHERE complaint_id = ?1 AND kind = '{k}'"), id);
        assert_eq!(ev("registered"), 1, "complaint {id} without its registration event");
        assert_eq!(ev("signed"), 1, "complaint {id} without its signature event");
        assert_eq!(count(&c, "SELECT COUNT(*) FROM signatures WHERE complaint_id = ?1", id), 1);
        assert_eq!(count(&c, "SELECT COUNT(*) FROM steps WHERE complaint_id = ?1", id), 3, "{id}: dispatch, stage reply, final handling");
        assert_eq!(count(&c, "SELECT COUNT(*) FROM complaint_fts WHERE rowid = CAST(?1 AS INTEGER)", rowid), 1, "{id} is searchable");
        assert_eq!(count(&c, "SELECT COUNT(*) FROM customers WHERE id = (SELECT customer_id FROM complaints WHERE id = ?1)", id), 1);
        assert_eq!(stage == "reviewed", ev("reviewed") == 1, "{id}: stage {stage} and its event go together");
    }
    let orphans: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM events e WHERE e.complaint_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM complaints WHERE id = e.complaint_id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    let numbers: std::collections::HashSet<&str> = acked.iter().filter(|l| l.starts_with("R ")).map(|l| &l[2..]).collect();
    assert!(ids.len() >= numbers.len());
    assert!(registered >= n / 4, "the writer made progress ({registered} complaints in {n} rounds)");
    eprintln!(
        "crash safety: {n} SIGKILLs survived in {:.1}s; {} operations acknowledged and found ({registered} registrations, {reviewed} reviews, {attached} attachments, drafts up to {max_draft}); {} complaints in the database, each complete",
        started.elapsed().as_secs_f64(),
        acked.len(),
        ids.len()
    );
}

fn cdesk(db: &Path, args: &[&str]) -> std::process::Child {
    Command::new(common::cdesk_bin())
        .env_remove("CDESK_DB")
        .env_remove("CDESK_USER")
        .env("CDESK_PASSWORD", common::PASSWORD)
        .env("CDESK_DEMO_PASSWORD", common::PASSWORD)
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_first_start_or_a_backup_killed_half_way_leaves_no_trace() {
    // The very first start creates the schema and the shipped defaults (branch, departments,
    // calendar, settings …): killed half-way, the next start must find either nothing or all of it.
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed() ^ 1);
    let n = (rounds(40) / 3).max(8);
    let mut partial_seen = 0;
    for k in 0..n {
        let db = tmp.path().join(format!("first-{k}/complaint-desk.sqlite3"));
        let mut child = cdesk(&db, &["init"]);
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..250)));
        let _ = child.kill();
        let _ = child.wait();
        if db.exists() {
            let c = Connection::open(&db).unwrap();
            let branches: i64 = c.query_row("SELECT COUNT(*) FROM branches", [], |r| r.get(0)).unwrap_or(0);
            if branches > 0 {
                let settings: i64 = c.query_row("SELECT COUNT(*) FROM settings", [], |r| r.get(0)).unwrap();
                let days: i64 = c.query_row("SELECT COUNT(*) FROM calendar_days", [], |r| r.get(0)).unwrap();
                let init: i64 = c.query_row("SELECT COUNT(*) FROM events WHERE kind = 'initialised'", [], |r| r.get(0)).unwrap();
                assert!(settings >= 4 && days > 0 && init == 1, "first start {k} left half its defaults behind");
            } else {
                partial_seen += 1;
            }
        }
        let out = Command::new(common::cdesk_bin()).env_remove("CDESK_DB").arg("--db").arg(&db).arg("verify").output().unwrap();
        assert!(out.status.success(), "verify after a killed first start {k}: {}", String::from_utf8_lossy(&out.stderr));
    }
    eprintln!("first start: {n} kills, {partial_seen} before the defaults were committed");

    // A backup killed half-way never shows up as a backup.
    let (db, usb) = (tmp.path().join("office/complaint-desk.sqlite3"), tmp.path().join("usb"));
    setup(&db);
    let mut store = Store::open(&db).unwrap();
    demo::generate(&mut store, Utc::now(), 40, 3).unwrap();
    drop(store);
    let mut completed = 0;
    for k in 0..(n / 2).max(5) {
        // Backups are named by their time: a distinct second each.
        let now = format!("2026-03-10T02:{:02}:00Z", k % 60);
        let mut child = cdesk(&db, &["--now", &now, "backup", "-o", usb.to_str().unwrap()]);
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..150)));
        let _ = child.kill();
        let _ = child.wait();
    }
    for b in complaint_desk::store::backup::list_backups(&usb) {
        let check = complaint_desk::store::backup::verify_backup(Path::new(&b.path)).unwrap();
        assert!(check.ok, "a listed backup is complete: {check:?}");
        completed += 1;
    }
    eprintln!("backups: {completed} completed before their kill, every one verifies; interrupted ones are not listed");
}
