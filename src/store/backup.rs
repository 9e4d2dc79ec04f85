//! Online backup and restore through SQLite's backup API: consistent while the app is running,
//! verified after writing, and a restore refuses a corrupt file or one from a newer program.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, MAIN_DB as MAIN, OpenFlags};
use serde::Serialize;

use super::migrations::SCHEMA_VERSION;
use crate::error::{CoreError, Result};

#[derive(Debug, Serialize)]
pub struct BackupReport {
    pub file: String,
    pub bytes: u64,
    pub complaints: i64,
    pub events: u64,
    pub attachments_copied: usize,
}

/// Checks a database file: SQLite integrity, schema version and the timeline chain.
pub fn check_file(path: &Path) -> Result<(i64, u64)> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|_| CoreError::Integrity("not a readable database file".into()))?;
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|_| CoreError::Integrity("not a database file".into()))?;
    if ok != "ok" {
        return Err(CoreError::Integrity(format!("integrity_check: {ok}")));
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(CoreError::SchemaTooNew { found: version, supported: SCHEMA_VERSION });
    }
    if version < 1 {
        return Err(CoreError::Integrity("not a Complaint Desk database".into()));
    }
    let complaints: i64 = conn.query_row("SELECT COUNT(*) FROM complaints", [], |r| r.get(0))?;
    let chain = crate::timeline::verify_chain(&conn)?;
    if let Some(seq) = chain.broken_at_seq {
        return Err(CoreError::Integrity(format!("timeline chain broken at event {seq}")));
    }
    Ok((complaints, chain.events))
}

fn attachments_beside(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".attachments");
    PathBuf::from(s)
}

/// Writes a verified copy of the open database to `dest` (and the evidence files beside it).
pub fn backup(conn: &Connection, attachments: &Path, dest: &Path) -> Result<BackupReport> {
    let tmp = dest.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    conn.backup(MAIN, &tmp, None)?;
    let (complaints, events) = check_file(&tmp)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, dest)?;
    let mut copied = 0;
    if attachments.is_dir() {
        let dir = attachments_beside(dest);
        std::fs::create_dir_all(&dir)?;
        for entry in std::fs::read_dir(attachments)? {
            let entry = entry?;
            let target = dir.join(entry.file_name());
            if entry.file_type()?.is_file() && !target.exists() {
                std::fs::copy(entry.path(), &target)?;
                copied += 1;
            }
        }
    }
    let bytes = std::fs::metadata(dest)?.len();
    Ok(BackupReport { file: dest.display().to_string(), bytes, complaints, events, attachments_copied: copied })
}

/// Replaces the open database's content with a verified backup (and restores evidence files).
pub fn restore(conn: &mut Connection, attachments: &Path, src: &Path) -> Result<BackupReport> {
    if !src.is_file() {
        return Err(CoreError::invalid("file", "file_not_found"));
    }
    let (complaints, events) = check_file(src)?;
    conn.restore(MAIN, src, None::<fn(rusqlite::backup::Progress)>)?;
    super::migrations::migrate(conn)?;
    let mut copied = 0;
    let dir = attachments_beside(src);
    if dir.is_dir() {
        std::fs::create_dir_all(attachments)?;
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let target = attachments.join(entry.file_name());
            if entry.file_type()?.is_file() && !target.exists() {
                std::fs::copy(entry.path(), &target)?;
                copied += 1;
            }
        }
    }
    let bytes = std::fs::metadata(src)?.len();
    Ok(BackupReport { file: src.display().to_string(), bytes, complaints, events, attachments_copied: copied })
}
