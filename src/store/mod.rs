//! The SQLite store: the single source of truth. Opened with WAL, `foreign_keys=ON` and
//! `synchronous=FULL` because a branch PC may lose power mid-save and nothing the user saved may
//! be lost. Migrations are numbered SQL files embedded in the binary and applied at open in one
//! transaction; a database newer than the binary is refused rather than guessed at.

pub mod anchors;
pub mod backup;
pub mod checkpoint;
pub mod migrations;
pub mod outpaths;
pub mod reconcile;
pub mod schema_check;
pub mod search;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::error::{CoreError, Result};

/// An open database plus the folder beside it where evidence files live.
pub struct Store {
    /// First, so it stops before the store's connection closes (the last one to close copies
    /// what is left of the log into the file and removes it).
    _checkpointer: Option<checkpoint::Checkpointer>,
    pub conn: Connection,
    /// `None` for in-memory databases (tests): attachments then go to a temporary folder.
    pub data_dir: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                private_data_folder(parent)?;
            }
        }
        private_database_file(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn, true)?;
        migrations::migrate(&conn)?;
        backup::installation_id(&conn)?;
        let checkpointer = checkpoint::Checkpointer::start(path);
        if checkpointer.is_some() {
            conn.execute_batch(&format!("PRAGMA wal_autocheckpoint={}", checkpoint::BACKSTOP_PAGES))?;
        }
        let data_dir = path.parent().map(|p| p.to_path_buf());
        Ok(Store { _checkpointer: checkpointer, conn, data_dir })
    }

    /// A private in-memory database, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        configure(&conn, false)?;
        migrations::migrate(&conn)?;
        backup::installation_id(&conn)?;
        Ok(Store { _checkpointer: None, conn, data_dir: None })
    }

    /// Where evidence files are kept, content-addressed by SHA-256.
    pub fn attachments_dir(&self) -> PathBuf {
        match &self.data_dir {
            Some(d) => d.join("attachments"),
            None => std::env::temp_dir().join(format!("cdesk-attachments-{}", std::process::id())),
        }
    }
}

/// Data at rest (see README, "Data at rest"): the folder that holds the database and the evidence
/// files is created so that only the current OS account can open it (0700 on Unix; on Windows
/// the per-user profile folders already are). A folder that exists already is the user's choice
/// (`CDESK_DB=/srv/shared/x.sqlite3`) and is left alone, except the app's own default data
/// folder, which is tightened if an older version made it readable by others.
fn private_data_folder(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(backup::fsx::create_private_dir(dir)?);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ours = default_db_path().parent().is_some_and(|d| d == dir);
        let meta = std::fs::metadata(dir)?;
        if ours && meta.is_dir() && meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// A new database file is created readable and writable by its owner only (0600 on Unix) before
/// SQLite opens it; SQLite gives its -wal and -shm files the same mode.
fn private_database_file(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e.into()),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
    }
    Ok(())
}

/// How much of the database file a long read (a month's report) reads through a memory map
/// instead of `pread`: an upper bound, not memory taken (pages are mapped as they are read and
/// the OS can drop them). At a million complaints a month's report reads ~100k rows scattered
/// over a 14 GB file, and ~10 % of the rebuild was the kernel copying pages out of its cache
/// (perf); mapped, the rebuild after an edit went from ~1,250 to 1,110–1,170 ms (issue 8, case
/// 5b; ~1,070 with the map kept on between reports). Short reads stay on SQLite's page cache:
/// with the map on every connection the board's page at 1M took 1.27 ms against 0.69 without
/// (same machine and day), and the desktop app's memory after the board grew ~40 MB (mapped
/// pages). The compiled-in cap (2 GB) is raised to match in `.cargo/config.toml`. Writes never
/// go through the map.
pub const MMAP_BYTES: i64 = 64 << 30;

/// Memory-mapped reads on `conn` while this lives (see [`MMAP_BYTES`]).
pub struct MappedReads<'a>(&'a Connection);

impl<'a> MappedReads<'a> {
    pub fn on(conn: &'a Connection) -> MappedReads<'a> {
        // A database without a file (tests) has no map to make; the pragma is then a no-op.
        let _ = conn.execute_batch(&format!("PRAGMA mmap_size={MMAP_BYTES}"));
        MappedReads(conn)
    }
}

impl Drop for MappedReads<'_> {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("PRAGMA mmap_size=0");
    }
}

fn configure(conn: &Connection, file: bool) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // One registration runs ~40 distinct statements; with rusqlite's default of 16 cached ones
    // they evicted each other and every call parsed its SQL and compiled the triggers again
    // (~20 % of a registration in the issue 8 profile).
    conn.set_prepared_statement_cache_capacity(256);
    if file {
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(CoreError::Integrity(format!("could not enable WAL (got {mode})")));
        }
    }
    conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;")?;
    Ok(())
}

/// A second, read-only connection to the database file of `conn`, for a long read-only
/// command (the monthly report) to read part of what it needs on another core. None for an
/// in-memory database or when the file cannot be opened (the caller then reads it all itself).
///
/// It reads what `conn`'s transaction reads only while `conn` holds the write lock without
/// having changed the tables it reads: every command runs in an IMMEDIATE transaction
/// (`api::run`), so no other connection can commit between the two snapshots; the caller
/// must not have written the rows it reads here (the report writes only its own cache rows).
pub fn second_reader(conn: &Connection) -> Option<Connection> {
    let path = conn.path().filter(|p| !p.is_empty())?;
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX).ok()?;
    c.busy_timeout(std::time::Duration::from_secs(10)).ok()?;
    c.set_prepared_statement_cache_capacity(32);
    c.execute_batch(&format!("PRAGMA mmap_size={MMAP_BYTES}")).ok()?;
    Some(c)
}

/// The default database location: the per-user data folder the desktop app uses too.
pub fn default_db_path() -> PathBuf {
    match directories::ProjectDirs::from("com", "ComplaintDesk", "ComplaintDesk") {
        Some(d) => d.data_dir().join("complaint-desk.sqlite3"),
        None => PathBuf::from("complaint-desk.sqlite3"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mmap_size(c: &Connection) -> i64 {
        c.query_row("PRAGMA mmap_size", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn long_reads_go_through_a_map_of_the_whole_size_and_short_ones_do_not() {
        // SQLite silently lowers the size to its compiled-in cap (2 GB by default): this fails
        // when `.cargo/config.toml` did not reach the bundled SQLite's build.
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("desk.sqlite3")).unwrap();
        assert_eq!(mmap_size(&store.conn), 0);
        store.conn.execute_batch("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('客诉');").unwrap();
        let read = |c: &Connection| c.query_row("SELECT x FROM t", [], |r| r.get::<_, String>(0)).unwrap();
        {
            let _mapped = MappedReads::on(&store.conn);
            assert_eq!(mmap_size(&store.conn), MMAP_BYTES);
            assert_eq!(read(&store.conn), "客诉");
        }
        assert_eq!(mmap_size(&store.conn), 0);
        let second = second_reader(&store.conn).expect("a second reader of a file database");
        assert_eq!(mmap_size(&second), MMAP_BYTES);
        assert_eq!(read(&second), "客诉");
    }
}
