//! Data at rest (issue 7, item 6; README "Data at rest"): what protects the data on a shared or
//! stolen PC today is the operating-system account. The data folder and the database the program
//! creates are private to that account (0700 / 0600 on Unix), and so are the backup folders it
//! creates; folders the user chose are left as they are.
#![cfg(unix)]

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::json;

use complaint_desk::desk::Desk;
use complaint_desk::store::Store;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_new_data_folder_database_and_backups_are_private_to_the_user() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("profile/complaintdesk");
    let db = data.join("complaint-desk.sqlite3");
    let now = common::t("2026-03-10T02:00:00Z");
    let mut desk = Desk::open(&db, now).unwrap();
    assert_eq!(mode(&tmp.path().join("profile")), 0o700, "every folder the program creates is private");
    assert_eq!(mode(&data), 0o700, "the data folder: only this OS account may open it");
    assert_eq!(mode(&db), 0o600, "the database file: owner read/write only");
    // SQLite gives its write-ahead log the database file's mode.
    // A write through the registry (a table of its own would now make the backup's schema differ
    // from the migrations, and a backup of it is rightly refused).
    complaint_desk::api::call(&mut desk.store, now, "admin", "set_setting", json!({ "key": "batch_threshold", "value": "4" })).unwrap();
    let wal = data.join("complaint-desk.sqlite3-wal");
    assert!(wal.exists());
    assert_eq!(mode(&wal), 0o600, "the -wal file holds recent changes in clear: private too");

    // A backup folder the program creates, and each backup in it, are private as well.
    let usb = tmp.path().join("usb/backups");
    let r = complaint_desk::api::call(&mut desk.store, now, "admin", "backup_now", json!({ "folder": usb.display().to_string() })).unwrap();
    assert_eq!(mode(&usb), 0o700);
    assert_eq!(mode(Path::new(r["path"].as_str().unwrap())), 0o700);
    // The default folder beside the database.
    let r = complaint_desk::api::call(&mut desk.store, now, "admin", "backup_now", json!({})).unwrap();
    assert_eq!(mode(&data.join("backups")), 0o700);
    assert!(r["path"].as_str().unwrap().starts_with(data.join("backups").to_str().unwrap()));
}

#[test]
fn a_folder_the_user_chose_keeps_its_permissions_but_a_new_database_in_it_is_private() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = shared.join("desk.sqlite3");
    let store = Store::open(&db).unwrap();
    drop(store);
    assert_eq!(mode(&shared), 0o755, "not the program's folder: left as the user set it");
    assert_eq!(mode(&db), 0o600);
    // An existing database is opened as it is (its mode is the user's business).
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o640)).unwrap();
    drop(Store::open(&db).unwrap());
    assert_eq!(mode(&db), 0o640);
}
