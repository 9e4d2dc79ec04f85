//! Backups (issue 7, "nothing lost"): SQLite's online backup of the live database, verified after
//! writing, with the evidence files, rotated, restorable into a fresh install.
//!
//! # Layout of a backup folder (e.g. a USB drive)
//!
//! ```text
//! <folder>/
//!   cdesk-backup-20260310T100000Z/      one backup = one directory, named by its UTC time
//!     complaint-desk.sqlite3            the online-backup copy (rollback-journal mode, one file)
//!     manifest.json                     format, schema version, counts, SHA-256 of the database
//!                                       file and the SHA-256 + size of every evidence file
//!   attachments/<sha256>                the evidence files, content-addressed and shared by all
//!                                       backups of the folder: a photo is copied once, not daily
//!   .partial-…                          a backup being written (or interrupted: removed later)
//! ```
//!
//! A directory rather than an archive: the copy is a plain SQLite file anyone can open, nothing
//! has to be packed or unpacked through a temporary file the size of the database, the evidence
//! files are deduplicated across backups by their hash (a FAT-formatted USB stick has no hard
//! links), and a backup appears under its final name only once complete, through one rename.
//!
//! Restoring (`restore_backup`, `cdesk restore`) verifies the backup first, keeps a safety copy
//! of the current database, then replaces the content in one transaction (see `restore.rs`).

// The backup commands (who may, what is logged) are in the maintenance wing, `maintenance::backup`.
pub(crate) mod fsx;
mod restore;
pub mod rotation;

use std::path::{Path, PathBuf};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use restore::{restore, RestoreOptions, RestoreReport};
pub use rotation::Keep;

use super::migrations::SCHEMA_VERSION;
use crate::clock::{stored_ts, ts};
use crate::error::{CoreError, Result};

/// The manifest's `format`; a reader refuses formats it does not know.
pub const FORMAT: &str = "complaint-desk-backup/1";
pub const DB_FILE: &str = "complaint-desk.sqlite3";
pub const MANIFEST: &str = "manifest.json";
/// The shared, content-addressed evidence folder of a backup folder.
pub const POOL: &str = "attachments";
pub const PREFIX: &str = "cdesk-backup-";
const PARTIAL: &str = ".partial-";
/// Where safety copies of the database go before a restore (beside the database).
pub const SAFETY_DIR: &str = "safety-copies";
/// Safety copies kept (newest first).
pub const SAFETY_KEEP: u32 = 5;

/// One evidence file in a backup.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ManifestFile {
    pub sha256: String,
    pub bytes: u64,
}

/// `manifest.json`: what a backup holds and how to check it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Manifest {
    pub format: String,
    pub name: String,
    pub created_at: String,
    /// manual | scheduled | exit | before_restore
    pub trigger: String,
    pub app_version: String,
    pub schema_version: i64,
    pub database: ManifestFile,
    pub complaints: i64,
    pub events: u64,
    /// The newest timeline event (its seq and chain hash): "has anything happened since this
    /// backup?", and an anchor of the chain outside the database file. Manifests written before
    /// issue 25 held the hash alone; it is read as unknown (null).
    #[serde(default, deserialize_with = "head_or_legacy")]
    pub timeline_head: Option<TimelineHead>,
    /// The installation that made the backup (settings key `installation_id`); null in
    /// manifests written before issue 25. A restore of a backup from anywhere else, or of
    /// unknown origin, must be confirmed after its preview.
    #[serde(default)]
    pub installation_id: Option<String>,
    pub attachments: Vec<ManifestFile>,
    /// Evidence files the database refers to that were missing (or damaged) in the live data
    /// folder when the backup was made. Normally empty; the window shows a warning otherwise.
    #[serde(default)]
    pub attachments_missing: Vec<String>,
}

/// The newest event of a timeline.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct TimelineHead {
    pub seq: i64,
    pub hash: String,
}

fn head_or_legacy<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<TimelineHead>, D::Error> {
    Ok(match Value::deserialize(d)? {
        // The older manifests' bare hash says nothing about where in the chain it was.
        Value::Null | Value::String(_) => None,
        v => Some(serde_json::from_value(v).map_err(serde::de::Error::custom)?),
    })
}

/// The settings key of this installation's id.
pub const KEY_INSTALLATION: &str = "installation_id";

/// This installation's id: a random UUID made the first time a database is opened by a program
/// that knows it (older databases get theirs then), kept across restores. `conn` must be
/// writable when the id does not exist yet.
pub fn installation_id(conn: &Connection) -> Result<String> {
    if let Some(id) = stored_installation_id(conn)? {
        return Ok(id);
    }
    let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid().to_string();
    conn.execute(
        "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)",
        params![KEY_INSTALLATION, Value::String(id.clone()).to_string()],
    )?;
    stored_installation_id(conn)?.ok_or_else(|| CoreError::Integrity("the installation id was not stored".into()))
}

/// The installation id recorded in a database, if any (a backup's, read-only).
pub fn stored_installation_id(conn: &Connection) -> Result<Option<String>> {
    Ok(setting(conn, KEY_INSTALLATION)?.and_then(|v| v.as_str().map(str::to_string)).filter(|s| !s.is_empty()))
}

/// What `backup_now`, `cdesk backup` and the scheduled backups report.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BackupReport {
    pub folder: String,
    pub name: String,
    /// The backup's directory: what `restore_backup` takes.
    pub path: String,
    pub created_at: String,
    pub trigger: String,
    pub schema_version: i64,
    pub database_bytes: u64,
    pub complaints: i64,
    pub events: u64,
    /// Evidence files in this backup.
    pub attachments: usize,
    /// Of those, copied now (the others were already in the folder from an earlier backup).
    pub attachments_copied: usize,
    pub attachment_bytes_copied: u64,
    /// Evidence files missing or damaged in the live data folder (the backup is still made).
    pub attachments_missing: Vec<String>,
    /// Older backups removed by the rotation.
    pub removed_by_rotation: Vec<String>,
    pub verified: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// One backup per local calendar day, made by the desktop app's timer.
    Daily,
    Off,
}

/// The backup settings, as stored (keys `backup_*` of the settings table) with their defaults.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct BackupSettings {
    /// The folder backups go to (absolute). The default is `backups` beside the database; null
    /// only for an in-memory database without a configured folder.
    pub folder: Option<String>,
    pub folder_is_default: bool,
    pub schedule: Schedule,
    /// Also back up when the app is closed (if anything changed since the newest backup).
    pub at_exit: bool,
    pub keep_daily: u32,
    pub keep_weekly: u32,
    pub keep_monthly: u32,
}

impl BackupSettings {
    pub fn keep(&self) -> Keep {
        Keep { last: 1, daily: self.keep_daily, weekly: self.keep_weekly, monthly: self.keep_monthly }
    }

    pub fn folder_path(&self) -> Result<PathBuf> {
        self.folder.as_ref().map(PathBuf::from).ok_or_else(|| CoreError::invalid("backup_folder", "folder_not_configured"))
    }
}

pub const KEY_FOLDER: &str = "backup_folder";
pub const KEY_SCHEDULE: &str = "backup_schedule";
pub const KEY_AT_EXIT: &str = "backup_at_exit";
pub const KEY_KEEP_DAILY: &str = "backup_keep_daily";
pub const KEY_KEEP_WEEKLY: &str = "backup_keep_weekly";
pub const KEY_KEEP_MONTHLY: &str = "backup_keep_monthly";

fn setting(conn: &Connection, key: &str) -> Result<Option<Value>> {
    let v: Option<String> = conn.query_row("SELECT value FROM settings WHERE key = ?1", params![key], |r| r.get(0)).optional()?;
    // Values are JSON; a bare word (written by hand) is taken as a string.
    Ok(v.map(|s| serde_json::from_str(&s).unwrap_or(Value::String(s))))
}

/// The folder of the database file, `None` for an in-memory database.
pub fn data_dir_of(conn: &Connection) -> Option<PathBuf> {
    db_path_of(conn).and_then(|p| p.parent().map(Path::to_path_buf))
}

pub fn db_path_of(conn: &Connection) -> Option<PathBuf> {
    conn.path().filter(|p| !p.is_empty()).map(PathBuf::from)
}

/// Reads the backup settings; `data_dir` gives the default folder.
pub fn read_settings(conn: &Connection, data_dir: Option<&Path>) -> Result<BackupSettings> {
    let configured = setting(conn, KEY_FOLDER)?.and_then(|v| v.as_str().map(str::to_string)).filter(|s| !s.trim().is_empty());
    let folder_is_default = configured.is_none();
    let folder = configured.or_else(|| data_dir.map(|d| d.join("backups").display().to_string()));
    let schedule = match setting(conn, KEY_SCHEDULE)?.as_ref().and_then(Value::as_str) {
        Some("off") => Schedule::Off,
        _ => Schedule::Daily,
    };
    let at_exit = setting(conn, KEY_AT_EXIT)?.and_then(|v| v.as_bool()).unwrap_or(true);
    let num = |key: &str, default: u32| -> Result<u32> {
        Ok(setting(conn, key)?.and_then(|v| v.as_u64()).map(|n| n.min(100_000) as u32).unwrap_or(default))
    };
    Ok(BackupSettings {
        folder,
        folder_is_default,
        schedule,
        at_exit,
        keep_daily: num(KEY_KEEP_DAILY, Keep::DEFAULT.daily)?.max(1),
        keep_weekly: num(KEY_KEEP_WEEKLY, Keep::DEFAULT.weekly)?,
        keep_monthly: num(KEY_KEEP_MONTHLY, Keep::DEFAULT.monthly)?,
    })
}

/// The branch's time zone: days, weeks and months of the rotation are local ones.
pub fn branch_tz(conn: &Connection) -> Tz {
    conn.query_row("SELECT tz FROM branches ORDER BY created_at LIMIT 1", [], |r| r.get::<_, String>(0))
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(chrono_tz::Asia::Shanghai)
}

/// Opens a database file for reading only, also from write-protected media, hardened against a
/// hostile file (`schema_check::harden`: a backup is input from anyone with the USB stick).
pub(crate) fn open_readonly(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let probe = |c: &Connection| {
        crate::store::schema_check::harden(c).map_err(|_| rusqlite::Error::InvalidQuery)?;
        c.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).map(|_| ())
    };
    match Connection::open_with_flags(path, flags) {
        Ok(c) if probe(&c).is_ok() => Ok(c),
        _ => {
            // A WAL-mode file on read-only media: read it as immutable (nothing can change it).
            #[cfg(unix)]
            {
                let mut uri = String::from("file:");
                for ch in path.display().to_string().chars() {
                    match ch {
                        '%' => uri.push_str("%25"),
                        '?' => uri.push_str("%3f"),
                        '#' => uri.push_str("%23"),
                        c => uri.push(c),
                    }
                }
                uri.push_str("?immutable=1");
                let c = Connection::open_with_flags(&uri, flags | OpenFlags::SQLITE_OPEN_URI)
                    .map_err(|_| CoreError::invalid("backup", "backup_corrupt"))?;
                probe(&c).map_err(|_| CoreError::invalid("backup", "backup_corrupt"))?;
                Ok(c)
            }
            #[cfg(not(unix))]
            {
                Err(CoreError::invalid("backup", "backup_corrupt"))
            }
        }
    }
}

/// What a database file holds, read through `conn`.
struct Facts {
    schema_version: i64,
    complaints: i64,
    events: u64,
    head: Option<TimelineHead>,
    customers: i64,
    admin_logins: Vec<String>,
    installation_id: Option<String>,
    attachments: Vec<ManifestFile>,
}

/// Why `inspect` refused a database: a problem code, and for `schema_differs` what differs.
struct Refused {
    problem: &'static str,
    differences: Vec<crate::store::schema_check::Difference>,
}

impl From<&'static str> for Refused {
    fn from(problem: &'static str) -> Self {
        Refused { problem, differences: Vec::new() }
    }
}

/// Checks a database: SQLite's integrity check, a Complaint Desk schema this program can read
/// and whose every table, index, trigger and view is exactly what this program's migrations
/// make for its version (nothing more, nothing less: see `schema_check`), the timeline chain
/// (R7.1). Problems are returned as codes (see `BackupCheck::problems`). Nothing in the file is
/// read beyond `sqlite_master` and the integrity check before its schema has been found equal.
fn inspect(conn: &Connection) -> std::result::Result<Facts, Refused> {
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|_| "not_a_database")?;
    if ok != "ok" {
        return Err("database_corrupt".into());
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|_| "not_a_database")?;
    if version > SCHEMA_VERSION {
        return Err("schema_too_new".into());
    }
    if version < 1 {
        return Err("not_a_complaint_desk_database".into());
    }
    let differences = match crate::store::schema_check::full_differences(conn, version) {
        Ok(Some(d)) => d,
        Ok(None) | Err(_) => return Err("not_a_complaint_desk_database".into()),
    };
    if !differences.is_empty() {
        // Another program's SQLite file shares nothing with ours: it is not a backup at all.
        let ours = ["complaints", "events"].iter().all(|t| {
            !differences
                .iter()
                .any(|d| matches!(d, crate::store::schema_check::Difference::Missing(o) if o.kind == "table" && o.name == *t))
        });
        if !ours {
            return Err("not_a_complaint_desk_database".into());
        }
        return Err(Refused { problem: "schema_differs", differences });
    }
    let complaints: i64 =
        conn.query_row("SELECT COUNT(*) FROM complaints", [], |r| r.get(0)).map_err(|_| "not_a_complaint_desk_database")?;
    let chain = crate::timeline::verify_chain(conn).map_err(|_| "not_a_complaint_desk_database")?;
    if chain.broken_at_seq.is_some() {
        return Err("timeline_broken".into());
    }
    let head = timeline_head(conn).map_err(|_| "not_a_complaint_desk_database")?;
    let customers: i64 = conn.query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0)).map_err(|_| "not_a_complaint_desk_database")?;
    let admin_logins = (|| -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare("SELECT login FROM users WHERE role = 'admin' ORDER BY login")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect()
    })()
    .map_err(|_| "not_a_complaint_desk_database")?;
    let installation_id = stored_installation_id(conn).map_err(|_| "not_a_complaint_desk_database")?;
    let attachments = (|| -> rusqlite::Result<Vec<ManifestFile>> {
        let mut stmt = conn.prepare("SELECT sha256, MAX(size) FROM attachments GROUP BY sha256 ORDER BY sha256")?;
        let rows = stmt.query_map([], |r| Ok(ManifestFile { sha256: r.get(0)?, bytes: r.get::<_, i64>(1)?.max(0) as u64 }))?;
        rows.collect()
    })()
    .map_err(|_| "not_a_complaint_desk_database")?;
    Ok(Facts { schema_version: version, complaints, events: chain.events, head, customers, admin_logins, installation_id, attachments })
}

/// The newest event's seq and hash.
pub fn timeline_head(conn: &Connection) -> Result<Option<TimelineHead>> {
    Ok(conn
        .query_row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| Ok(TimelineHead { seq: r.get(0)?, hash: r.get(1)? }))
        .optional()?)
}

fn backup_name(root: &Path, now: DateTime<Utc>) -> String {
    let base = format!("{PREFIX}{}", now.format("%Y%m%dT%H%M%SZ"));
    let mut name = base.clone();
    let mut i = 2;
    while root.join(&name).exists() {
        name = format!("{base}-{i}");
        i += 1;
    }
    name
}

/// What to back up where.
pub struct BackupRequest<'a> {
    pub root: &'a Path,
    pub attachments_dir: &'a Path,
    pub now: DateTime<Utc>,
    /// manual | scheduled | exit | before_restore
    pub trigger: &'a str,
    pub keep: Keep,
    pub tz: Tz,
    /// Hard-link evidence files where possible instead of copying (same disk only).
    pub link_attachments: bool,
    /// Create `root` when it does not exist. True for a folder named just now (`cdesk backup -o`,
    /// "back up to this folder") and the default folder beside the database; false for a
    /// configured folder on a USB drive or share: when the drive is not plugged in, its mount
    /// point may still exist and be writable, and recreating the folder there would put the
    /// "backup" on the PC's own disk while everyone believes it is on the drive.
    pub create_folder: bool,
    /// The installation making the backup (`installation_id`), recorded in its manifest.
    pub installation_id: &'a str,
}

/// The backup medium's problems as refusals the window can explain (full, write-protected …),
/// not as a problem of the live database.
fn dest_error(root: &Path, e: CoreError) -> CoreError {
    use rusqlite::ffi::ErrorCode;
    match e {
        CoreError::Io(io) => fsx::folder_error(root, io),
        CoreError::Storage(s) => match s.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => CoreError::invalid("backup_folder", "folder_full"),
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
                CoreError::invalid("backup_folder", "folder_not_writable")
            }
            _ => CoreError::Storage(s),
        },
        other => other,
    }
}

/// Writes one verified backup of `src` into `req.root`, then applies the rotation there.
/// `src` must not be inside a transaction (SQLite's backup would wait for it forever); commands
/// running inside the API's transaction back up from a second, read-only connection instead.
pub fn make_backup(src: &Connection, req: &BackupRequest) -> Result<BackupReport> {
    if !src.is_autocommit() {
        return Err(CoreError::Integrity("a backup cannot be read from inside a transaction".into()));
    }
    if req.create_folder {
        fsx::create_private_dir(req.root).map_err(|e| fsx::folder_error(req.root, e))?;
    } else if !req.root.is_dir() {
        let kind = if req.root.exists() { std::io::ErrorKind::NotADirectory } else { std::io::ErrorKind::NotFound };
        return Err(fsx::folder_error(req.root, std::io::Error::from(kind)));
    }
    clean_partials(req.root);
    let name = backup_name(req.root, req.now);
    let partial = req.root.join(format!("{PARTIAL}{name}"));
    let written = write_backup(src, req, &name, &partial).map_err(|e| dest_error(req.root, e));
    let (manifest, copied, copied_bytes) = match written {
        Ok(w) => w,
        Err(e) => {
            let _ = fsx::remove_tree(&partial);
            return Err(e);
        }
    };
    let final_dir = req.root.join(&name);
    std::fs::rename(&partial, &final_dir).map_err(|e| fsx::folder_error(req.root, e))?;
    fsx::sync_dir(req.root).map_err(|e| fsx::folder_error(req.root, e))?;
    let removed = rotate(req.root, req.tz, req.keep).unwrap_or_default();
    Ok(BackupReport {
        folder: req.root.display().to_string(),
        name: name.clone(),
        path: final_dir.display().to_string(),
        created_at: manifest.created_at.clone(),
        trigger: manifest.trigger.clone(),
        schema_version: manifest.schema_version,
        database_bytes: manifest.database.bytes,
        complaints: manifest.complaints,
        events: manifest.events,
        attachments: manifest.attachments.len(),
        attachments_copied: copied,
        attachment_bytes_copied: copied_bytes,
        attachments_missing: manifest.attachments_missing.clone(),
        removed_by_rotation: removed,
        verified: true,
    })
}

fn write_backup(src: &Connection, req: &BackupRequest, name: &str, partial: &Path) -> Result<(Manifest, usize, u64)> {
    let _ = fsx::remove_tree(partial);
    fsx::create_private_dir(partial)?;
    let db_path = partial.join(DB_FILE);
    {
        let mut dst = Connection::open(&db_path)?;
        {
            let b = rusqlite::backup::Backup::new(src, &mut dst)?;
            let started = Instant::now();
            loop {
                match b.step(-1)? {
                    rusqlite::backup::StepResult::Done => break,
                    rusqlite::backup::StepResult::More => {}
                    _ => {
                        if started.elapsed() > StdDuration::from_secs(60) {
                            return Err(CoreError::invalid("backup", "database_busy"));
                        }
                        std::thread::sleep(StdDuration::from_millis(50));
                    }
                }
            }
        }
        // One self-contained file (no -wal/-shm), readable from write-protected media.
        let mode: String = dst.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(CoreError::Integrity(format!("backup copy stayed in {mode} mode")));
        }
        dst.close().map_err(|(_, e)| e)?;
    }
    std::fs::File::open(&db_path)?.sync_all()?;
    // Verified after writing: the copy on the medium is opened and checked.
    let facts = {
        let c = open_readonly(&db_path)?;
        inspect(&c).map_err(|p| CoreError::Integrity(format!("the backup copy failed its check: {}", p.problem)))?
    };
    let (db_sha, db_bytes) = fsx::sha256_file(&db_path)?;

    let pool = req.root.join(POOL);
    let mut copied = 0usize;
    let mut copied_bytes = 0u64;
    let mut present = Vec::new();
    let mut missing = Vec::new();
    for f in &facts.attachments {
        match fsx::copy_content_addressed(req.attachments_dir, &pool, &f.sha256, req.link_attachments)? {
            Ok(fsx::Copied::Present) => present.push(f.clone()),
            Ok(fsx::Copied::Copied(n)) => {
                copied += 1;
                copied_bytes += n;
                present.push(ManifestFile { sha256: f.sha256.clone(), bytes: n });
            }
            Err(_) => missing.push(f.sha256.clone()),
        }
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        name: name.to_string(),
        created_at: ts(req.now),
        trigger: req.trigger.to_string(),
        app_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: facts.schema_version,
        database: ManifestFile { sha256: db_sha, bytes: db_bytes },
        complaints: facts.complaints,
        events: facts.events,
        timeline_head: facts.head,
        installation_id: Some(req.installation_id.to_string()),
        attachments: present,
        attachments_missing: missing,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| CoreError::Integrity(e.to_string()))?;
    fsx::write_durably(&partial.join(MANIFEST), &json)?;
    fsx::sync_dir(partial)?;
    Ok((manifest, copied, copied_bytes))
}

/// Interrupted backups (a crash, a pulled USB stick) leave `.partial-*` directories; they are
/// never read and are removed once they are an hour old (a younger one may be in progress in
/// another process).
fn clean_partials(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with(PARTIAL) {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .map(|t| t.elapsed().map(|d| d > StdDuration::from_secs(3600)).unwrap_or(false))
            .unwrap_or(true);
        if old {
            let _ = fsx::remove_tree(&e.path());
        }
    }
}

/// Reads the manifest of a backup directory.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let bytes = std::fs::read(dir.join(MANIFEST))?;
    serde_json::from_slice(&bytes).map_err(|_| CoreError::invalid("backup", "manifest_unreadable"))
}

/// The backup directories of a folder with their manifests (unreadable ones as `Err`).
fn scan(root: &Path) -> Vec<(String, PathBuf, Result<Manifest>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(root) else { return out };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(PREFIX) && e.path().is_dir() {
            let m = read_manifest(&e.path());
            out.push((name, e.path(), m));
        }
    }
    out.sort_by(|a, b| age(&b.0).cmp(&age(&a.0)));
    out
}

/// A backup's place in time from its name: its second, then its number within that second
/// (`backup_name`: "…Z", "…Z-2", …, "…Z-10" — compared as numbers, not text).
fn age(name: &str) -> (&str, u64) {
    match name.rsplit_once("Z-") {
        Some((stamp, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => (stamp, n.parse().unwrap_or(u64::MAX)),
        _ => (name.strip_suffix('Z').unwrap_or(name), 1),
    }
}

/// Applies the rotation to a backup folder; returns the names removed. Backups whose manifest
/// cannot be read are left alone (and keep every evidence file, to be safe).
pub fn rotate(root: &Path, tz: Tz, keep: Keep) -> Result<Vec<String>> {
    let all = scan(root);
    // Oldest first: `rotation::plan` takes the later index as the newer of two backups made in the
    // same second (their manifests' times are equal), so an exit backup right after the day's
    // scheduled one is the one kept.
    let dated: Vec<(String, PathBuf, DateTime<Utc>)> =
        all.iter().rev().filter_map(|(n, p, m)| m.as_ref().ok().map(|m| (n.clone(), p.clone(), stored_ts(&m.created_at)))).collect();
    let times: Vec<DateTime<Utc>> = dated.iter().map(|d| d.2).collect();
    let kept = rotation::plan(&times, tz, keep);
    let mut removed = Vec::new();
    for (i, (name, path, _)) in dated.iter().enumerate() {
        if !kept.contains(&i) {
            fsx::remove_tree(path)?;
            removed.push(name.clone());
        }
    }
    if !removed.is_empty() {
        fsx::sync_dir(root)?;
    }
    if all.iter().all(|(_, _, m)| m.is_ok()) {
        let mut referenced = std::collections::HashSet::new();
        for (n, _, m) in &all {
            if let (Ok(m), false) = (m, removed.contains(n)) {
                referenced.extend(m.attachments.iter().map(|f| f.sha256.clone()));
            }
        }
        if let Ok(entries) = std::fs::read_dir(root.join(POOL)) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let stale_part = name.ends_with(".part")
                    && e.metadata()
                        .and_then(|m| m.modified())
                        .map(|t| t.elapsed().map(|d| d.as_secs() > 3600).unwrap_or(false))
                        .unwrap_or(false);
                if (fsx::is_sha256(&name) && !referenced.contains(&name)) || stale_part {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
    removed.sort();
    Ok(removed)
}

/// One backup in a folder, as `list_backups` shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BackupInfo {
    pub name: String,
    pub path: String,
    pub created_at: Option<String>,
    pub trigger: Option<String>,
    pub schema_version: Option<i64>,
    pub complaints: Option<i64>,
    pub events: Option<u64>,
    pub database_bytes: Option<u64>,
    pub attachments: Option<usize>,
    /// Evidence files that were missing when it was made.
    pub attachments_missing: usize,
    /// Its schema is not newer than this program's (restoring it is possible).
    pub restorable: bool,
    /// Why it cannot be read, e.g. manifest_unreadable.
    pub problem: Option<String>,
}

/// The newest first.
pub fn list_backups(root: &Path) -> Vec<BackupInfo> {
    scan(root)
        .into_iter()
        .map(|(name, path, m)| match m {
            Ok(m) => BackupInfo {
                name,
                path: path.display().to_string(),
                created_at: Some(m.created_at),
                trigger: Some(m.trigger),
                schema_version: Some(m.schema_version),
                complaints: Some(m.complaints),
                events: Some(m.events),
                database_bytes: Some(m.database.bytes),
                attachments: Some(m.attachments.len()),
                attachments_missing: m.attachments_missing.len(),
                restorable: m.schema_version <= SCHEMA_VERSION && m.format == FORMAT,
                problem: None,
            },
            Err(_) => BackupInfo {
                name,
                path: path.display().to_string(),
                created_at: None,
                trigger: None,
                schema_version: None,
                complaints: None,
                events: None,
                database_bytes: None,
                attachments: None,
                attachments_missing: 0,
                restorable: false,
                problem: Some("manifest_unreadable".into()),
            },
        })
        .collect()
}

/// The result of checking a backup (`verify_backup`; `restore_backup` runs the same check).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BackupCheck {
    pub path: String,
    /// folder (a backup directory with its manifest) | file (a bare database file, e.g. from an
    /// older version's `cdesk backup -o file`, with its evidence files in `<file>.attachments/`)
    pub kind: String,
    pub ok: bool,
    pub created_at: Option<String>,
    pub schema_version: Option<i64>,
    pub complaints: Option<i64>,
    pub events: Option<u64>,
    /// Evidence files the backed-up database refers to.
    pub attachments: usize,
    pub attachments_missing: Vec<String>,
    pub attachments_corrupt: Vec<String>,
    /// Problem codes: manifest_unreadable, unknown_format, database_missing,
    /// database_checksum_mismatch, not_a_database, database_corrupt, schema_too_new,
    /// not_a_complaint_desk_database, schema_differs, timeline_broken, attachments_missing,
    /// attachments_corrupt.
    pub problems: Vec<String>,
    /// With schema_differs: how the backup's schema differs from the one this program's
    /// migrations make for its version, e.g. "missing trigger events_no_delete" (first first).
    pub schema_differences: Vec<String>,
    /// The installation that made it (the manifest's, else the one recorded in its database).
    pub installation_id: Option<String>,
    pub timeline_head: Option<TimelineHead>,
    pub customers: Option<i64>,
    /// Who could sign in as administrator after restoring it.
    pub admin_logins: Vec<String>,
}

/// A backup found on disk.
pub(crate) struct Located {
    pub db: PathBuf,
    pub manifest: Option<Manifest>,
    /// Where its evidence files may be, in order.
    pub attachment_dirs: Vec<PathBuf>,
    pub kind: &'static str,
}

/// Accepts a backup directory, its manifest.json, or a bare database file.
pub(crate) fn locate(path: &Path) -> Result<std::result::Result<Located, BackupCheck>> {
    let not_found = || CoreError::NotFound { what: "backup", key: path.display().to_string() };
    let meta = std::fs::metadata(path).map_err(|_| not_found())?;
    let dir = if meta.is_dir() {
        Some(path.to_path_buf())
    } else if path.file_name().is_some_and(|n| n == MANIFEST) {
        path.parent().map(Path::to_path_buf)
    } else {
        None
    };
    match dir {
        Some(dir) => {
            let empty = |problem: &str| BackupCheck {
                path: dir.display().to_string(),
                kind: "folder".into(),
                ok: false,
                created_at: None,
                schema_version: None,
                complaints: None,
                events: None,
                attachments: 0,
                attachments_missing: vec![],
                attachments_corrupt: vec![],
                problems: vec![problem.to_string()],
                schema_differences: vec![],
                installation_id: None,
                timeline_head: None,
                customers: None,
                admin_logins: vec![],
            };
            if !dir.join(MANIFEST).is_file() {
                if dir.join(DB_FILE).is_file() {
                    return Ok(Err(empty("manifest_unreadable")));
                }
                return Err(not_found());
            }
            let m = match read_manifest(&dir) {
                Ok(m) => m,
                Err(_) => return Ok(Err(empty("manifest_unreadable"))),
            };
            if m.format != FORMAT {
                let mut c = empty("unknown_format");
                c.created_at = Some(m.created_at);
                return Ok(Err(c));
            }
            let mut dirs = vec![dir.join(POOL)];
            if let Some(parent) = dir.parent() {
                dirs.push(parent.join(POOL));
            }
            Ok(Ok(Located { db: dir.join(DB_FILE), manifest: Some(m), attachment_dirs: dirs, kind: "folder" }))
        }
        None => {
            let mut beside = path.as_os_str().to_owned();
            beside.push(".attachments");
            Ok(Ok(Located { db: path.to_path_buf(), manifest: None, attachment_dirs: vec![PathBuf::from(beside)], kind: "file" }))
        }
    }
}

/// Checks a backup completely: the manifest, the database file's checksum, SQLite's integrity
/// check, the schema version, the timeline chain, and the hash of every evidence file. `Err`
/// only when there is no backup at `path`.
pub fn verify_backup(path: &Path) -> Result<BackupCheck> {
    Ok(check_located(path, &[])?.0)
}

/// The check, also looking for evidence files in `also` (the live data folder, for a restore).
pub(crate) fn check_located(path: &Path, also: &[PathBuf]) -> Result<(BackupCheck, Option<Located>)> {
    let loc = match locate(path)? {
        Ok(l) => l,
        Err(check) => return Ok((check, None)),
    };
    let mut check = BackupCheck {
        path: path.display().to_string(),
        kind: loc.kind.into(),
        ok: false,
        created_at: loc.manifest.as_ref().map(|m| m.created_at.clone()),
        schema_version: loc.manifest.as_ref().map(|m| m.schema_version),
        complaints: None,
        events: None,
        attachments: 0,
        attachments_missing: vec![],
        attachments_corrupt: vec![],
        problems: vec![],
        schema_differences: vec![],
        installation_id: loc.manifest.as_ref().and_then(|m| m.installation_id.clone()),
        timeline_head: None,
        customers: None,
        admin_logins: vec![],
    };
    if let Some(m) = &loc.manifest {
        // A newer program's backup is refused before anything else is read from it.
        if m.schema_version > SCHEMA_VERSION {
            check.problems.push("schema_too_new".into());
            return Ok((check, Some(loc)));
        }
        match fsx::sha256_file(&loc.db) {
            Err(_) => {
                check.problems.push("database_missing".into());
                return Ok((check, Some(loc)));
            }
            Ok((sha, bytes)) if sha != m.database.sha256 || bytes != m.database.bytes => {
                check.problems.push("database_checksum_mismatch".into());
                return Ok((check, Some(loc)));
            }
            Ok(_) => {}
        }
    }
    let facts = match open_readonly(&loc.db) {
        Err(_) => Err(Refused::from("not_a_database")),
        Ok(c) => inspect(&c),
    };
    let facts = match facts {
        Ok(f) => f,
        Err(r) => {
            check.problems.push(r.problem.into());
            check.schema_differences = r.differences.iter().map(|d| d.describe()).collect();
            return Ok((check, Some(loc)));
        }
    };
    if check.installation_id.is_none() {
        check.installation_id = facts.installation_id.clone();
    }
    check.timeline_head = facts.head.clone();
    check.customers = Some(facts.customers);
    check.admin_logins = facts.admin_logins.clone();
    check.schema_version = Some(facts.schema_version);
    check.complaints = Some(facts.complaints);
    check.events = Some(facts.events);
    check.attachments = facts.attachments.len();
    let mut dirs = loc.attachment_dirs.clone();
    dirs.extend(also.iter().cloned());
    for f in &facts.attachments {
        let mut found_corrupt = false;
        let mut ok = false;
        for d in &dirs {
            let p = d.join(&f.sha256);
            if p.is_file() {
                if fsx::content_ok(d, &f.sha256) {
                    ok = true;
                    break;
                }
                found_corrupt = true;
            }
        }
        if !ok {
            if found_corrupt {
                check.attachments_corrupt.push(f.sha256.clone());
            } else {
                check.attachments_missing.push(f.sha256.clone());
            }
        }
    }
    if !check.attachments_missing.is_empty() {
        check.problems.push("attachments_missing".into());
    }
    if !check.attachments_corrupt.is_empty() {
        check.problems.push("attachments_corrupt".into());
    }
    check.ok = check.problems.is_empty();
    Ok((check, Some(loc)))
}

/// One backup attempt as logged in `backup_runs`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BackupRun {
    pub at: String,
    pub trigger: String,
    pub ok: bool,
    pub folder: String,
    pub name: Option<String>,
    pub bytes: Option<i64>,
    /// `code: message` of the failure (for logs and IT).
    pub error: Option<String>,
    /// The failure as the API reports errors (`code`, `message_key`, `details`), so the window
    /// can say in the user's language why the last backup failed (USB drive not plugged in …).
    pub failure: Option<RunFailure>,
}

/// A failed backup's error, in the shape of `error::ApiError`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct RunFailure {
    pub code: String,
    pub message_key: String,
    pub message: String,
    pub details: Value,
}

pub(crate) fn log_run(
    conn: &Connection,
    now: DateTime<Utc>,
    trigger: &str,
    folder: &Path,
    r: std::result::Result<&BackupReport, &CoreError>,
) -> Result<()> {
    let (ok, name, bytes, error) = match r {
        Ok(rep) => (true, Some(rep.name.clone()), Some(rep.database_bytes as i64), None),
        // Stored as the API's error JSON; read back by `last_run` (older rows hold plain text).
        Err(e) => {
            let a = e.to_api();
            let f = RunFailure { code: a.code.into(), message_key: a.message_key, message: a.message, details: a.details };
            (false, None, None, Some(serde_json::to_string(&f).unwrap_or_else(|_| format!("{}: {}", e.code(), e))))
        }
    };
    conn.execute(
        "INSERT INTO backup_runs (at, trigger, ok, folder, name, bytes, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![ts(now), trigger, ok, folder.display().to_string(), name, bytes, error],
    )?;
    Ok(())
}

pub(crate) fn last_run(conn: &Connection, ok: bool) -> Result<Option<BackupRun>> {
    Ok(conn
        .query_row(
            "SELECT at, trigger, ok, folder, name, bytes, error FROM backup_runs WHERE ok = ?1 AND trigger <> 'restore'
             ORDER BY at DESC, id DESC LIMIT 1",
            params![ok],
            |r| {
                let stored: Option<String> = r.get(6)?;
                let failure = stored.as_deref().and_then(|s| serde_json::from_str::<RunFailure>(s).ok());
                let error = match &failure {
                    Some(f) => Some(format!("{}: {}", f.code, f.message)),
                    None => stored,
                };
                Ok(BackupRun {
                    at: r.get(0)?,
                    trigger: r.get(1)?,
                    ok: r.get(2)?,
                    folder: r.get(3)?,
                    name: r.get(4)?,
                    bytes: r.get(5)?,
                    error,
                    failure,
                })
            },
        )
        .optional()?)
}

/// Backs up now to the configured folder, logging the attempt (outside any transaction).
fn run(conn: &Connection, now: DateTime<Utc>, data_dir: &Path, trigger: &str, s: &BackupSettings) -> Result<BackupReport> {
    let root = s.folder_path()?;
    let attachments = data_dir.join("attachments");
    let installation = installation_id(conn)?;
    let req = BackupRequest {
        root: &root,
        attachments_dir: &attachments,
        now,
        trigger,
        keep: s.keep(),
        tz: branch_tz(conn),
        link_attachments: false,
        create_folder: s.folder_is_default,
        installation_id: &installation,
    };
    let r = make_backup(conn, &req);
    // The log is best effort: a full or read-only live disk must not hide the backup's result.
    let _ = log_run(conn, now, trigger, &root, r.as_ref());
    r
}

/// For the desktop shell's timer: makes the daily backup if none was made today (branch-local
/// calendar day) in the configured folder. `Ok(None)` = not due (or backups are off). Call with
/// the desk's connection outside any transaction; `data_dir` is the database's folder.
/// A failure (USB drive not plugged in …) is logged in `backup_runs` and returned; the next call
/// tries again.
pub fn run_scheduled(conn: &Connection, now: DateTime<Utc>, data_dir: &Path) -> Result<Option<BackupReport>> {
    let s = read_settings(conn, Some(data_dir))?;
    if s.schedule == Schedule::Off {
        return Ok(None);
    }
    let tz = branch_tz(conn);
    let today = now.with_timezone(&tz).date_naive();
    let root = s.folder_path()?;
    let made_today =
        scan(&root).iter().any(|(_, _, m)| m.as_ref().is_ok_and(|m| stored_ts(&m.created_at).with_timezone(&tz).date_naive() == today));
    if made_today {
        return Ok(None);
    }
    run(conn, now, data_dir, "scheduled", &s).map(Some)
}

/// For the desktop shell when the window closes: backs up if the setting is on and anything was
/// recorded since the newest backup in the folder (its timeline head differs).
pub fn run_at_exit(conn: &Connection, now: DateTime<Utc>, data_dir: &Path) -> Result<Option<BackupReport>> {
    let s = read_settings(conn, Some(data_dir))?;
    if !s.at_exit {
        return Ok(None);
    }
    let head: Option<String> = conn.query_row("SELECT hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).optional()?;
    let root = s.folder_path()?;
    let newest = scan(&root).into_iter().find_map(|(_, _, m)| m.ok());
    if newest.is_some_and(|m| m.timeline_head.map(|h| h.hash) == head) {
        return Ok(None);
    }
    run(conn, now, data_dir, "exit", &s).map(Some)
}

/// Newest backup first: the folder's backups with the settings and the last runs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BackupList {
    pub settings: BackupSettings,
    /// The folder listed.
    pub folder: Option<String>,
    /// The folder exists and can be read (a USB drive that is not plugged in: false).
    pub folder_available: bool,
    pub backups: Vec<BackupInfo>,
    pub last_success: Option<BackupRun>,
    pub last_failure: Option<BackupRun>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn backups_of_one_second_are_ordered_by_their_number() {
        let mut names = [
            "cdesk-backup-20261126T130449Z-10",
            "cdesk-backup-20261126T130449Z",
            "cdesk-backup-20261126T130450Z",
            "cdesk-backup-20261126T130449Z-2",
        ];
        names.sort_by_key(|n| super::age(n));
        assert_eq!(
            names,
            [
                "cdesk-backup-20261126T130449Z",
                "cdesk-backup-20261126T130449Z-2",
                "cdesk-backup-20261126T130449Z-10",
                "cdesk-backup-20261126T130450Z"
            ]
        );
    }
}
