//! A backup folder whose manifest.json is the fuzz input, beside a real (empty, current-schema)
//! database: `read_manifest`, then `verify_backup` of the folder as given, and once more with
//! the database's true checksum put into the manifest, so that the checks behind the checksum
//! (schema version, integrity, timeline, evidence files) are reached too.
#![no_main]
#[path = "alloc_limit.rs"]
mod alloc_limit;
use std::path::PathBuf;
use std::sync::OnceLock;

use complaint_desk::store::backup::{read_manifest, verify_backup, DB_FILE, MANIFEST};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

struct Fixture {
    _dir: tempfile::TempDir,
    db: Vec<u8>,
    work: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src").join(DB_FILE);
        // Closing the store checkpoints its log into the file: the file alone is the database.
        drop(complaint_desk::Store::open(&src).unwrap());
        let db = std::fs::read(&src).unwrap();
        let work = dir.path().join("cdesk-backup-fuzz");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(work.join(DB_FILE), &db).unwrap();
        Fixture { _dir: dir, db, work }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    std::fs::write(f.work.join(MANIFEST), data).unwrap();
    let parsed = read_manifest(&f.work);
    let check = verify_backup(&f.work).expect("a folder with a manifest is a backup to check");
    assert_eq!(check.ok, check.problems.is_empty());
    if let Ok(mut m) = parsed {
        assert!(!check.ok || m.database.sha256 == hex::encode(Sha256::digest(&f.db)), "a wrong checksum passed");
        m.database.sha256 = hex::encode(Sha256::digest(&f.db));
        m.database.bytes = f.db.len() as u64;
        std::fs::write(f.work.join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
        let _ = verify_backup(&f.work).expect("still a backup");
    }
});
