//! The fuzz input as the database file of a backup folder with a manifest made for it the way
//! `make_backup` writes one (checksum, size, schema version, this installation's id), so that
//! neither the checksum nor the foreign-installation question stops it and the file itself is
//! what is judged: `verify_backup` (integrity, schema against our own migrations, timeline,
//! evidence files), then `restore` into a fresh store. Every outcome is `Ok` or a typed error,
//! never a panic, and a refused restore leaves the live database as it was.
#![no_main]
#[path = "alloc_limit.rs"]
mod alloc_limit;
use complaint_desk::store::backup::{
    installation_id, restore, verify_backup, Manifest, ManifestFile, RestoreOptions, DB_FILE, FORMAT, MANIFEST,
};
use complaint_desk::store::migrations::SCHEMA_VERSION;
use complaint_desk::Store;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fn count(s: &Store) -> i64 {
    s.conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)).unwrap()
}

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backups").join("cdesk-backup-fuzz");
    std::fs::create_dir_all(&backup).unwrap();
    std::fs::write(backup.join(DB_FILE), data).unwrap();
    let live = Store::open_in_memory().unwrap();
    let m = Manifest {
        format: FORMAT.into(),
        name: "cdesk-backup-fuzz".into(),
        created_at: "2026-03-10T02:00:00Z".into(),
        trigger: "manual".into(),
        app_version: "fuzz".into(),
        schema_version: SCHEMA_VERSION,
        database: ManifestFile { sha256: hex::encode(Sha256::digest(data)), bytes: data.len() as u64 },
        complaints: 0,
        events: 0,
        timeline_head: None,
        installation_id: Some(installation_id(&live.conn).unwrap()),
        attachments: vec![],
        attachments_missing: vec![],
    };
    std::fs::write(backup.join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
    let check = verify_backup(&backup).expect("a folder with a manifest is a backup to check");
    let before = count(&live);
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-10T02:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let attachments = dir.path().join("attachments");
    match restore(&live.conn, &attachments, &backup, now, Some("admin"), &RestoreOptions::default()) {
        Ok(_) => assert!(check.ok, "restored a backup that verify refuses: {:?}", check.problems),
        Err(e) => {
            let api = e.to_api();
            assert!(!api.message_key.is_empty() && !matches!(api.code, "storage" | "io"), "untyped: {api:?}");
            assert_eq!(count(&live), before, "a refused restore changed the live database");
        }
    }
});
