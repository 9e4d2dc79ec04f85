//! Issue 25, item 6: a path the caller chooses for a document or an export never lands among the
//! desk's own files (database, evidence, safety copies, backups), however it is spelled. The
//! check is in the core, so the window, `cdesk call` and any script are held to it alike.

use crate::common;

use std::path::{Path, PathBuf};

use common::{Fx, AGENT, MANAGER};
use complaint_desk::{demo, store::Store, workflow::settings};
use serde_json::json;

struct Desk {
    fx: Fx,
    data: PathBuf,
    outside: PathBuf,
    _tmp: tempfile::TempDir,
}

/// A desk on a database file (the data folder is where it is), with one complaint.
fn desk() -> (Desk, String) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let outside = tmp.path().join("documents");
    std::fs::create_dir_all(&outside).unwrap();
    let now = common::t("2026-03-10T02:00:00Z");
    let mut store = Store::open(&data.join("desk.sqlite3")).unwrap();
    settings::init_defaults(&store.conn, now).unwrap();
    demo::generate(&mut store, now, 0, 7).unwrap();
    let mut fx = Fx { store, now };
    let (id, _) = fx.register(json!({}));
    (Desk { fx, data, outside, _tmp: tmp }, id)
}

fn export(d: &mut Desk, id: &str, path: &Path) -> Result<serde_json::Value, complaint_desk::ApiError> {
    d.fx.call(AGENT, "export_document", json!({ "complaint": id, "form": "receipt", "path": path.to_str().unwrap() }))
}

fn refused(d: &mut Desk, id: &str, path: &Path, reason: &str) {
    let e = export(d, id, path).expect_err(&path.display().to_string());
    assert_eq!(e.message_key, format!("error.invalid.{reason}"), "{}: {e:?}", path.display());
    assert_eq!(e.details["field"], "path");
}

#[test]
fn a_document_is_never_written_into_the_data_folder() {
    let (mut d, id) = desk();
    let db = d.data.join("desk.sqlite3");
    std::fs::create_dir_all(d.data.join("attachments")).unwrap();
    std::fs::create_dir_all(d.data.join("safety-copies")).unwrap();

    let data = d.data.clone();
    refused(&mut d, &id, &data.join("receipt.pdf"), "inside_data_folder");
    refused(&mut d, &id, &data.join("attachments").join("receipt.pdf"), "inside_data_folder");
    refused(&mut d, &id, &data.join("safety-copies").join("receipt.pdf"), "inside_data_folder");
    // The database itself, whose name has an extension, so ".pdf" is not added.
    refused(&mut d, &id, &db, "inside_data_folder");
    // Spelled another way: through "..", through a symlinked folder, through a symlink planted
    // at the file name.
    let dotted = d.outside.join("..").join("data").join("receipt.pdf");
    refused(&mut d, &id, &dotted, "inside_data_folder");
    #[cfg(unix)]
    {
        let link = d.outside.join("shortcut");
        std::os::unix::fs::symlink(&d.data, &link).unwrap();
        refused(&mut d, &id, &link.join("receipt.pdf"), "inside_data_folder");
        let planted = d.outside.join("planted.pdf");
        std::os::unix::fs::symlink(&db, &planted).unwrap();
        refused(&mut d, &id, &planted, "inside_data_folder");
        let dangling = d.outside.join("dangling.pdf");
        std::os::unix::fs::symlink(d.data.join("not-yet.pdf"), &dangling).unwrap();
        refused(&mut d, &id, &dangling, "inside_data_folder");
    }

    // (The file itself changes with every checkpoint; what matters is that it is still the database.)
    let head = std::fs::read(&db).unwrap();
    assert!(head.starts_with(b"SQLite format 3\0"), "the database file was replaced");
    assert_eq!(d.fx.count("complaints"), 1);
    let pdfs: Vec<_> = walk(&d.data).into_iter().filter(|p| p.to_string_lossy().contains(".pdf")).collect();
    assert!(pdfs.is_empty(), "nothing was written into the data folder: {pdfs:?}");

    // An ordinary folder of the user's is fine (and R7.11's document is really written).
    let fine = d.outside.join("receipt.pdf");
    let ok = export(&mut d, &id, &fine).unwrap();
    assert!(std::fs::read(ok["path"].as_str().unwrap()).unwrap().starts_with(b"%PDF"));
}

#[test]
fn a_document_is_never_written_into_a_backup_folder() {
    let (mut d, id) = desk();
    // The configured folder (a USB drive), and a folder a backup was once restored from.
    let usb = d.outside.join("usb-backups");
    let hq = d.outside.join("from-hq");
    std::fs::create_dir_all(usb.join("cdesk-backup-x")).unwrap();
    std::fs::create_dir_all(&hq).unwrap();
    d.fx.store
        .conn
        .execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES ('backup_folder', ?1)",
            [serde_json::Value::String(usb.display().to_string()).to_string()],
        )
        .unwrap();
    d.fx.store
        .conn
        .execute(
            "INSERT INTO backup_runs (at, trigger, ok, folder) VALUES ('2026-03-01T02:00:00Z', 'restore', 1, ?1)",
            [hq.display().to_string()],
        )
        .unwrap();

    refused(&mut d, &id, &usb.join("receipt.pdf"), "inside_backup_folder");
    refused(&mut d, &id, &usb.join("cdesk-backup-x").join("..").join("receipt.pdf"), "inside_backup_folder");
    refused(&mut d, &id, &hq.join("receipt.pdf"), "inside_backup_folder");
    // The default folder beside the database is inside the data folder.
    let default = d.data.join("backups");
    std::fs::create_dir_all(&default).unwrap();
    refused(&mut d, &id, &default.join("receipt.pdf"), "inside_data_folder");
    assert!(walk(&usb).is_empty() && walk(&hq).is_empty(), "nothing was written into a backup folder");
}

#[test]
fn exports_and_the_monthly_report_are_held_to_the_same_folders() {
    let (mut d, _) = desk();
    let e =
        d.fx.call(MANAGER, "export_complaints", json!({ "format": "csv", "path": d.data.join("list.csv").to_str().unwrap() })).unwrap_err();
    assert_eq!(e.message_key, "error.invalid.inside_data_folder");
    let e =
        d.fx.call(MANAGER, "export_monthly_report", json!({ "month": "2026-02", "pdf_path": d.data.join("month.pdf").to_str().unwrap() }))
            .unwrap_err();
    assert_eq!(e.message_key, "error.invalid.inside_data_folder");
    assert!(walk(&d.data).iter().all(|p| !p.to_string_lossy().ends_with(".csv") && !p.to_string_lossy().ends_with(".pdf")));
}

#[cfg(unix)]
#[test]
fn a_saved_document_is_written_through_no_planted_temporary_name() {
    // The atomic write's temporary file has a random name and is created new: a symlink planted
    // where the old, predictable name (".name.<pid>.part") would be is never followed.
    let (mut d, id) = desk();
    let victim = d.outside.join("victim.txt");
    std::fs::write(&victim, b"keep").unwrap();
    let target = d.outside.join("receipt.pdf");
    std::os::unix::fs::symlink(&victim, d.outside.join(format!(".receipt.pdf.{}.part", std::process::id()))).unwrap();
    export(&mut d, &id, &target).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    assert!(std::fs::read(&target).unwrap().starts_with(b"%PDF"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() && !std::fs::symlink_metadata(&p).map(|m| m.file_type().is_symlink()).unwrap_or(false) {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
