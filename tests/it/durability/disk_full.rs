//! Disk full and read-only (issue 7): saving when the disk is full or the database is read-only
//! gives a clear message (`storage_unavailable`), changes nothing, and loses no draft (R7.2); the
//! desk keeps working once there is room again.
//!
//! How the conditions are made, honestly:
//! - Full disk: a real, tiny tmpfs (ENOSPC from the kernel), mounted in a private mount
//!   namespace by a child process (`unshare -rm`, i.e. a user namespace, no root needed; or
//!   `unshare -m` as root). Where neither is allowed (some CI containers), the child instead
//!   limits its file size with `setrlimit(RLIMIT_FSIZE)` and ignores SIGXFSZ: the kernel then
//!   refuses writes with EFBIG, which SQLite reports as an I/O error rather than "full" (see the
//!   note at `fallback_code_ok`).
//! - Read-only: the database file's permissions (0444), enforced by the kernel for a process that
//!   is not root: when the test runs as root, `cdesk` runs as `nobody` (chmod does not stop root,
//!   and a read-only open flag or `PRAGMA query_only` would only test SQLite's own bookkeeping).
#![cfg(unix)]

use crate::common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use complaint_desk::desk::Desk;
use complaint_desk::{demo, maintenance::verify::verify_database, ApiError};

const CHILD_DIR: &str = "CDESK_DISKFULL_DIR";
const CHILD_MODE: &str = "CDESK_DISKFULL_MODE";

/// Every row of every table, hashed: "unchanged" means byte for byte.
fn content_hash(conn: &Connection) -> String {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut h = Sha256::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        h.update(t.as_bytes());
        while let Some(r) = rows.next().unwrap() {
            for c in 0..n {
                let v: rusqlite::types::Value = r.get(c).unwrap();
                h.update(format!("{v:?}\u{1f}").as_bytes());
            }
        }
    }
    hex::encode(h.finalize())
}

fn registration(k: usize) -> Value {
    let mut a = common::base_registration();
    a["phone"] = json!(format!("1380000{k:04}"));
    a["customer_name"] = json!(format!("客户{k}"));
    // Long enough to need new pages of the database (and of the search index).
    a["description"] = json!("保洁员迟到两个小时，空调未清洗，地板有划痕。".repeat(300));
    a
}

/// SQLite reports EFBIG (the file-size limit) as SQLITE_IOERR_WRITE, not SQLITE_FULL; the core
/// maps only FULL / READONLY / CANTOPEN to `storage_unavailable` (src/error.rs), so under the
/// fallback the code may be `storage`. A real full disk (the tmpfs) must give
/// `storage_unavailable`.
fn fallback_code_ok(code: &str) -> bool {
    code == "storage_unavailable" || code == "storage"
}

fn expect_unavailable(mode: &str, what: &str, r: Result<Value, ApiError>) -> String {
    let e = r.expect_err(&format!("{what} must fail on a full disk"));
    if mode == "tmpfs" {
        assert_eq!(e.code, "storage_unavailable", "{what}: {e:?}");
        assert_eq!(e.message_key, "error.storage_unavailable");
    } else {
        assert!(fallback_code_ok(e.code), "{what}: {e:?}");
    }
    e.code.to_string()
}

/// The child: the whole scenario inside the small filesystem (or under the size limit).
#[test]
fn disk_full_child() {
    let (Ok(dir), Ok(mode)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_MODE)) else { return };
    let dir = PathBuf::from(dir);
    let office = dir.join("office");
    let usb = dir.join("usb");
    if mode == "tmpfs" {
        for (d, size) in [(&office, "6m"), (&usb, "256k")] {
            std::fs::create_dir_all(d).unwrap();
            let st = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(d).status().unwrap();
            assert!(st.success(), "mount tmpfs in the namespace");
        }
    }
    let db = office.join("complaint-desk.sqlite3");
    let mut now: DateTime<Utc> = common::t("2026-03-10T02:00:00Z");
    let mut desk = Desk::open(&db, now).unwrap();
    demo::generate_with_password(&mut desk.store, now, 0, 7, Some(common::PASSWORD)).unwrap();
    desk.login(now, "cs01", common::PASSWORD).unwrap();
    let draft = json!({ "customer_name": "王芳", "phone": "13812345678", "description": "客户口述：保洁员迟到" });
    desk.call(now, "save_draft", json!({ "form": "intake", "draft": draft })).unwrap();
    desk.call(now, "register", registration(1)).unwrap();
    desk.store.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let before = content_hash(&desk.store.conn);

    // The disk fills up while the desk is open.
    let filler = office.join("filler.bin");
    if mode == "tmpfs" {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0x55u8; 16 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    } else {
        unsafe {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit { rlim_cur: 16 * 1024, rlim_max: libc::RLIM_INFINITY };
            assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
        }
    }
    now += Duration::minutes(1);
    let code = expect_unavailable(&mode, "register", desk.call(now, "register", registration(2)));
    let newer =
        json!({ "customer_name": "王芳", "phone": "13812345678", "description": "客户口述：保洁员迟到，又补充了很多内容".repeat(200) });
    expect_unavailable(&mode, "save_draft", desk.call(now, "save_draft", json!({ "form": "intake", "draft": newer })));
    // The message is translatable and says which condition it is.
    // Nothing changed, nothing is broken, the saved draft is still there (reads work on a full disk).
    assert_eq!(content_hash(&desk.store.conn), before, "a failed save changed the database");
    let v = verify_database(&desk.store.conn, Some(&desk.store.attachments_dir())).unwrap();
    assert!(v.ok, "{v:?}");
    let d = desk.call(now, "get_draft", json!({ "form": "intake" })).expect("the draft can be read on a full disk");
    assert_eq!(d["draft"], draft, "the draft saved before the disk filled up is intact");

    if mode == "tmpfs" {
        // A backup to a full USB stick: refused with its own code, no half-written backup left.
        let e = complaint_desk::api::call(&mut desk.store, now, "admin", "backup_now", json!({ "folder": usb.display().to_string() }))
            .expect_err("backup to a 256 KB stick");
        assert_eq!((e.code, e.message_key.as_str()), ("invalid", "error.invalid.folder_full"), "{e:?}");
        let names: Vec<String> = std::fs::read_dir(&usb).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert!(names.iter().all(|n| !n.starts_with("cdesk-backup-") && !n.starts_with(".partial")), "{names:?}");
    }

    // Room again (the filler is deleted / the limit lifted): the same save now succeeds.
    if mode == "tmpfs" {
        std::fs::remove_file(&filler).unwrap();
    } else {
        unsafe {
            let lim = libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
            assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
        }
    }
    now += Duration::minutes(1);
    let r = desk.call(now, "register", registration(2)).expect("saving works again once there is room");
    assert!(r["number"].is_string());
    let v = verify_database(&desk.store.conn, Some(&desk.store.attachments_dir())).unwrap();
    assert!(v.ok, "{v:?}");
    println!("RESULT mode={mode} code={code}");
}

fn try_run(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd).args(args).output().map(|o| o.status.success()).unwrap_or(false)
}

#[test]
fn saving_on_a_full_disk_is_refused_clearly_and_loses_nothing() {
    // R7.2 (nothing saved is lost) and issue 7: a clear message, not a crash or a corrupt file.
    let tmp = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let child = common::this_test(module_path!(), "disk_full_child");
    let child_args = [child.as_str(), "--exact", "--nocapture", "--test-threads=1", "-q"];
    let (program, prefix, mode): (&str, Vec<&str>, &str) =
        if try_run("unshare", &["-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /tmp"]) {
            ("unshare", vec!["-rm"], "tmpfs")
        } else if try_run("unshare", &["-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /tmp"]) {
            ("unshare", vec!["-m"], "tmpfs")
        } else {
            ("", vec![], "rlimit")
        };
    let out: Output = if mode == "tmpfs" {
        Command::new(program).args(&prefix).arg(&exe).args(child_args).env(CHILD_DIR, tmp.path()).env(CHILD_MODE, mode).output().unwrap()
    } else {
        Command::new(&exe).args(child_args).env(CHILD_DIR, tmp.path()).env(CHILD_MODE, mode).output().unwrap()
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the {mode} scenario failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let result = stdout.lines().find(|l| l.starts_with("RESULT")).unwrap_or_else(|| panic!("the child did not run the scenario: {stdout}"));
    eprintln!("disk full: {result}");
    if mode == "rlimit" {
        eprintln!("note: no tmpfs could be mounted here (no user namespaces, not root); tested with RLIMIT_FSIZE instead");
    }
}

/// Runs `cdesk` as `nobody` when this test runs as root (root ignores file permissions).
fn cdesk(db: &Path, as_root: bool, user: &str, args: &[&str]) -> Output {
    let mut c = Command::new(common::cdesk_bin());
    c.env_remove("CDESK_DB")
        .env_remove("CDESK_USER")
        .env("CDESK_PASSWORD", common::PASSWORD)
        .env("CDESK_DEMO_PASSWORD", common::PASSWORD)
        .env("HOME", "/tmp");
    c.arg("--db").arg(db).args(["--now", "2026-03-10T02:00:00Z", "--user", user]).args(args);
    if as_root {
        c.uid(65534).gid(65534);
    }
    c.output().unwrap()
}

#[test]
fn saving_to_a_read_only_database_is_refused_clearly_and_loses_nothing() {
    // A database on write-protected media, or whose file lost its write permission.
    let tmp = tempfile::tempdir().unwrap();
    let probe = tmp.path().join("probe");
    std::fs::write(&probe, "").unwrap();
    let as_root = std::fs::metadata(&probe).unwrap().uid() == 0;
    let dir = tmp.path().join("office");
    std::fs::create_dir_all(&dir).unwrap();
    if as_root {
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
    }
    let db = dir.join("complaint-desk.sqlite3");
    let ok = |o: Output| -> Value {
        assert!(o.status.success(), "cdesk failed: {}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap_or(Value::Null)
    };
    ok(cdesk(&db, as_root, "admin", &["init"]));
    ok(cdesk(&db, as_root, "admin", &["call", "upsert_user", r#"{"login":"cs01","name":"张敏","role":"cs_agent"}"#]));
    let draft = json!({ "customer_name": "王芳", "phone": "13812345678" });
    ok(cdesk(&db, as_root, "cs01", &["call", "save_draft", &json!({ "form": "intake", "draft": draft }).to_string()]));
    ok(cdesk(&db, as_root, "cs01", &["call", "register", &registration(1).to_string()]));
    let before = content_hash(&Connection::open(&db).unwrap());

    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = cdesk(&db, as_root, "cs01", &["call", "register", &registration(2).to_string()]);
    assert!(!out.status.success(), "saving to a read-only database must fail");
    let e: Value = serde_json::from_slice(&out.stderr).unwrap_or_else(|_| panic!("a JSON error: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(e["code"], "storage_unavailable", "{e}");
    assert_eq!(e["message_key"], "error.storage_unavailable");
    let out = cdesk(&db, as_root, "cs01", &["call", "save_draft", &json!({ "form": "intake", "draft": { "x": 1 } }).to_string()]);
    assert!(!out.status.success());
    assert_eq!(serde_json::from_slice::<Value>(&out.stderr).unwrap()["code"], "storage_unavailable");

    // Unchanged, and the draft is where it was.
    let c = Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    assert_eq!(content_hash(&c), before, "a refused save changed the read-only database");
    let saved: String = c.query_row("SELECT json FROM drafts WHERE form = 'intake'", [], |r| r.get(0)).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&saved).unwrap(), draft);
    drop(c);
    // Writable again. The read-only attempts left -wal/-shm files with the database's read-only
    // mode (SQLite gives them the database file's permissions): they are made writable too, as
    // `chmod 644 complaint-desk.sqlite3*` would.
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.clone().into_os_string();
        p.push(suffix);
        if Path::new(&p).exists() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let d = ok(cdesk(&db, as_root, "cs01", &["call", "get_draft", r#"{"form":"intake"}"#]));
    assert_eq!(d["draft"], draft);
    let v = ok(cdesk(&db, as_root, "admin", &["verify"]));
    assert_eq!(v["ok"], true);
    ok(cdesk(&db, as_root, "cs01", &["call", "register", &registration(2).to_string()]));
}
