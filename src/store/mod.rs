//! The SQLite store: the single source of truth. Opened with WAL, `foreign_keys=ON` and
//! `synchronous=FULL` because a branch PC may lose power mid-save and nothing the user saved may
//! be lost. Migrations are numbered SQL files embedded in the binary and applied at open in one
//! transaction; a database newer than the binary is refused rather than guessed at.

pub mod backup;
pub mod migrations;
pub mod search;
pub mod verify;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::error::{CoreError, Result};

/// An open database plus the folder beside it where evidence files live.
pub struct Store {
    pub conn: Connection,
    /// `None` for in-memory databases (tests): attachments then go to a temporary folder.
    pub data_dir: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)?;
            }
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn, true)?;
        migrations::migrate(&conn)?;
        let data_dir = path.parent().map(|p| p.to_path_buf());
        Ok(Store { conn, data_dir })
    }

    /// A private in-memory database, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        configure(&conn, false)?;
        migrations::migrate(&conn)?;
        Ok(Store { conn, data_dir: None })
    }

    /// Where evidence files are kept, content-addressed by SHA-256.
    pub fn attachments_dir(&self) -> PathBuf {
        match &self.data_dir {
            Some(d) => d.join("attachments"),
            None => std::env::temp_dir().join(format!("cdesk-attachments-{}", std::process::id())),
        }
    }
}

fn configure(conn: &Connection, file: bool) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    if file {
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(CoreError::Integrity(format!("could not enable WAL (got {mode})")));
        }
    }
    conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;")?;
    Ok(())
}

/// The default database location: the per-user data folder the desktop app uses too.
pub fn default_db_path() -> PathBuf {
    match directories::ProjectDirs::from("com", "ComplaintDesk", "ComplaintDesk") {
        Some(d) => d.data_dir().join("complaint-desk.sqlite3"),
        None => PathBuf::from("complaint-desk.sqlite3"),
    }
}
