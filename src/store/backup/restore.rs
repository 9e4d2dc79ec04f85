//! Restoring a backup into the live database.
//!
//! 1. The backup is checked completely (manifest, checksum, integrity, schema, timeline chain,
//!    every evidence file); a corrupt backup, one from a newer program or one whose evidence files
//!    are missing is refused with a typed error before anything changes.
//! 2. A safety copy of the live database is written as an ordinary backup beside the database
//!    (`safety-copies/`, the newest five kept), so a restore can itself be undone.
//! 3. A staging database is built from this program's OWN migrations at the backup's schema
//!    version (the check has found the backup's `sqlite_master` equal to what they make, object
//!    by object: see `schema_check`); the backup's rows are copied into it column by column as
//!    bound values, then it is migrated to this program's schema (an older backup comes forward
//!    exactly as an old database would). No SQL text is ever taken from the backup: a file from
//!    a USB stick cannot run its own statements, attach files or install or leave out triggers.
//!    A backup made by another installation (or of unknown origin) must be confirmed, after
//!    its preview (`preview_restore`), before any of this.
//! 4. Missing evidence files are copied into the live data folder (verified, content-addressed;
//!    existing files are never overwritten or removed).
//! 5. The live content is replaced in ONE transaction (the API's): every table is dropped and
//!    recreated from the staging schema (made by the migrations) and its rows copied. A crash, a full disk or any error
//!    before the commit leaves the previous database exactly as it was; after it, the restored one.
//!    Doing it inside the open connection (rather than renaming files under it) means the desktop
//!    app's connection stays valid and no -wal/-shm file of the old database can be mixed with
//!    the new one.
//! 6. The restore is recorded on the restored timeline (R7.1) and in `backup_runs`, which keeps
//!    the replaced database's runs too (the history of backups on this PC).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;

use super::{check_located, db_path_of, fsx, make_backup, BackupRequest, Keep, SAFETY_DIR, SAFETY_KEEP};
use crate::error::{CoreError, Result};
use crate::store::migrations::{self, SCHEMA_VERSION};
use crate::store::schema_check;

#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// Restore even though some evidence files of the backup cannot be found (they are listed in
    /// the report). Off by default: a restore that silently loses evidence is refused.
    pub allow_missing_attachments: bool,
    /// Restore a backup made by another installation (or one whose manifest does not say),
    /// after the caller has shown its preview. Off by default: refused with
    /// `backup_foreign_unconfirmed`.
    pub confirm_foreign: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RestoreReport {
    pub restored_from: String,
    pub backup_created_at: Option<String>,
    pub backup_schema_version: i64,
    /// The schema after the restore (an older backup is migrated forward).
    pub schema_version: i64,
    pub complaints: i64,
    pub events: u64,
    pub attachments: usize,
    pub attachments_copied: usize,
    /// Only when restored with `allow_missing_attachments`.
    pub attachments_missing: Vec<String>,
    /// The database as it was before the restore, as a backup directory (restorable); null for
    /// an in-memory database.
    pub safety_copy: Option<String>,
    /// What the replaced database held.
    pub replaced_complaints: i64,
    pub replaced_events: i64,
    /// The backup was made by another installation (restored with `confirm_foreign`).
    pub foreign: bool,
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Maps the problems of a backup check to one typed refusal.
fn refusal(check: &super::BackupCheck, schema_found: Option<i64>) -> CoreError {
    let problems = &check.problems;
    let has = |p: &str| problems.iter().any(|x| x == p);
    if has("schema_differs") {
        let first = check.schema_differences.first().cloned().unwrap_or_default();
        let (problem, object) = first.split_once(' ').unwrap_or(("altered", first.as_str()));
        return CoreError::BackupSchemaDiffers { object: object.to_string(), problem: problem.to_string() };
    }
    if has("schema_too_new") {
        return CoreError::SchemaTooNew { found: schema_found.unwrap_or(SCHEMA_VERSION + 1), supported: SCHEMA_VERSION };
    }
    if has("not_a_complaint_desk_database") {
        return CoreError::invalid("backup", "backup_not_complaint_desk");
    }
    if has("timeline_broken") {
        return CoreError::invalid("backup", "backup_timeline_broken");
    }
    if (has("attachments_missing") || has("attachments_corrupt"))
        && problems.iter().all(|p| p == "attachments_missing" || p == "attachments_corrupt")
    {
        return CoreError::invalid("backup", "backup_attachments_missing");
    }
    CoreError::invalid("backup", "backup_corrupt")
}

/// Restores the backup at `src` (a backup directory, its manifest, or a bare database file) into
/// `live`. Runs inside the caller's transaction if there is one (the API's), else in its own.
pub fn restore(
    live: &Connection,
    attachments_dir: &Path,
    src: &Path,
    now: DateTime<Utc>,
    actor_login: Option<&str>,
    opts: &RestoreOptions,
) -> Result<RestoreReport> {
    let own_tx = live.is_autocommit();
    if own_tx {
        live.execute_batch("BEGIN IMMEDIATE")?;
    }
    let r = restore_in_tx(live, attachments_dir, src, now, actor_login, opts);
    if own_tx {
        match &r {
            Ok(_) => live.execute_batch("COMMIT")?,
            Err(_) => {
                let _ = live.execute_batch("ROLLBACK");
            }
        }
    }
    r
}

fn restore_in_tx(
    live: &Connection,
    attachments_dir: &Path,
    src: &Path,
    now: DateTime<Utc>,
    actor_login: Option<&str>,
    opts: &RestoreOptions,
) -> Result<RestoreReport> {
    // 1. Check.
    let (check, loc) = check_located(src, &[attachments_dir.to_path_buf()])?;
    let Some(loc) = loc else { return Err(refusal(&check, None)) };
    let only_missing = check.problems.iter().all(|p| p == "attachments_missing" || p == "attachments_corrupt");
    if !(check.ok || only_missing && opts.allow_missing_attachments) {
        let found = loc
            .manifest
            .as_ref()
            .map(|m| m.schema_version)
            .or_else(|| super::open_readonly(&loc.db).ok().and_then(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)).ok()));
        return Err(refusal(&check, found));
    }
    let this_installation = super::installation_id(live)?;
    let foreign = check.installation_id.as_deref() != Some(this_installation.as_str());
    if foreign && !opts.confirm_foreign {
        return Err(CoreError::precondition("R7.2", "backup_foreign_unconfirmed"));
    }
    let backup_schema = check.schema_version.unwrap_or(SCHEMA_VERSION);
    let replaced_complaints: i64 = live.query_row("SELECT COUNT(*) FROM complaints", [], |r| r.get(0)).unwrap_or(0);
    let replaced_events: i64 = live.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)).unwrap_or(0);
    let replaced_head: Option<String> =
        live.query_row("SELECT hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).optional().unwrap_or(None);

    // 2. Safety copy of the live database (its last committed state: nothing is written yet).
    let live_path = db_path_of(live);
    let data_dir = live_path.as_ref().and_then(|p| p.parent().map(Path::to_path_buf));
    let safety_copy = match &live_path {
        Some(p) => {
            let reader = super::open_readonly(p)?;
            let root = data_dir.clone().unwrap_or_default().join(SAFETY_DIR);
            let req = BackupRequest {
                root: &root,
                attachments_dir,
                now,
                trigger: "before_restore",
                keep: Keep { last: SAFETY_KEEP, daily: 0, weekly: 0, monthly: 0 },
                tz: super::branch_tz(live),
                link_attachments: true,
                create_folder: true,
                installation_id: &this_installation,
            };
            Some(make_backup(&reader, &req)?.path)
        }
        None => None,
    };

    // 3. Stage and migrate.
    let staging_dir = data_dir.clone().unwrap_or_else(std::env::temp_dir);
    let staging =
        staging_dir.join(format!(".restore-staging-{}-{}.sqlite3", std::process::id(), now.timestamp_nanos_opt().unwrap_or_default()));
    let result = (|| -> Result<RestoreReport> {
        let st = stage(&loc.db, &staging, backup_schema)?;

        // 4. Evidence files.
        let mut referenced: Vec<(String, i64)> = Vec::new();
        {
            let mut stmt = st.prepare("SELECT sha256, MAX(size) FROM attachments GROUP BY sha256")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for row in rows {
                referenced.push(row?);
            }
        }
        let mut copied = 0;
        let mut missing = Vec::new();
        for (sha, size) in &referenced {
            let live_file = attachments_dir.join(sha);
            if std::fs::metadata(&live_file).is_ok_and(|m| m.is_file() && m.len() as i64 == *size) {
                continue;
            }
            let mut done = false;
            for d in &loc.attachment_dirs {
                if let Ok(c) = fsx::copy_content_addressed(d, attachments_dir, sha, false)? {
                    if matches!(c, fsx::Copied::Copied(_)) {
                        copied += 1;
                    }
                    done = true;
                    break;
                }
            }
            if !done {
                missing.push(sha.clone());
            }
        }
        if !missing.is_empty() && !opts.allow_missing_attachments {
            return Err(CoreError::invalid("backup", "backup_attachments_missing"));
        }

        // 5. Replace the content, in the transaction. The log of backup runs is this PC's
        //    history, not part of the record: it is carried over, so that after a restore the
        //    window still says when the last backup worked (the backup itself never holds its
        //    own run, which is logged after the copy is made).
        let runs = backup_runs(live)?;
        replace_content(live, &st)?;
        drop(st);
        keep_backup_runs(live, &runs)?;
        // This PC stays the installation it was: the restored settings carry the backup's id.
        live.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE settings.value IS NOT excluded.value",
            params![super::KEY_INSTALLATION, serde_json::Value::String(this_installation.clone()).to_string()],
        )?;
        let violations: i64 = live.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
        if violations > 0 {
            return Err(CoreError::invalid("backup", "backup_corrupt"));
        }
        let complaints: i64 = live.query_row("SELECT COUNT(*) FROM complaints", [], |r| r.get(0))?;

        // 6. Record it.
        let actor: Option<String> = match actor_login {
            Some(l) => live.query_row("SELECT id FROM users WHERE login = ?1", params![l], |r| r.get(0)).optional()?,
            None => None,
        };
        crate::timeline::append(
            live,
            None,
            now,
            actor.as_deref(),
            "backup_restored",
            &json!({
                "backup": check.path, "backup_created_at": check.created_at, "backup_schema_version": backup_schema,
                "by_login": actor_login, "safety_copy": safety_copy, "replaced_complaints": replaced_complaints,
                "replaced_events": replaced_events, "replaced_timeline_head": replaced_head,
                "attachments_missing": missing, "foreign": foreign,
                "backup_installation_id": check.installation_id,
            }),
        )?;
        let events: i64 = live.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?;
        live.execute(
            "INSERT INTO backup_runs (at, trigger, ok, folder, name, bytes, error) VALUES (?1, 'restore', 1, ?2, ?3, NULL, NULL)",
            params![
                crate::clock::ts(now),
                Path::new(&check.path).parent().map(|p| p.display().to_string()).unwrap_or_default(),
                Path::new(&check.path).file_name().map(|n| n.to_string_lossy().into_owned()),
            ],
        )?;
        Ok(RestoreReport {
            restored_from: check.path.clone(),
            backup_created_at: check.created_at.clone(),
            backup_schema_version: backup_schema,
            schema_version: SCHEMA_VERSION,
            complaints,
            events: events as u64,
            attachments: referenced.len(),
            attachments_copied: copied,
            attachments_missing: missing,
            safety_copy: safety_copy.clone(),
            replaced_complaints,
            replaced_events,
            foreign,
        })
    })();
    let _ = std::fs::remove_file(&staging);
    let mut j = staging.clone().into_os_string();
    j.push("-journal");
    let _ = std::fs::remove_file(PathBuf::from(j));
    result
}

/// Builds the staging database at `staging` (a new file): the schema of `version` made by this
/// program's migrations, the backup's rows copied into it by named columns, then migrated
/// forward. The backup is read through a hardened read-only connection, and its schema is
/// compared once more on that very connection (the file may have changed since the check).
fn stage(backup_path: &Path, staging: &Path, version: i64) -> Result<Connection> {
    let backup = super::open_readonly(backup_path)?;
    let reference = schema_check::reference_database(version)?.ok_or_else(|| CoreError::invalid("backup", "backup_not_complaint_desk"))?;
    let diff = schema_check::differences(&schema_check::schema_of(&backup)?, &schema_check::schema_of(&reference)?, |_| true);
    if let Some(d) = diff.first() {
        return Err(CoreError::BackupSchemaDiffers { object: d.object(), problem: d.problem().into() });
    }
    let _ = std::fs::remove_file(staging);
    let st = Connection::open(staging)?;
    st.busy_timeout(std::time::Duration::from_secs(5))?;
    let _mode: String = st.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))?;
    // Rows are copied table by table; the live database checks the foreign keys of the whole.
    st.execute_batch("PRAGMA foreign_keys = OFF; BEGIN")?;
    rebuild(&reference, &backup, &st)?;
    st.execute_batch(&format!("PRAGMA user_version = {version}; COMMIT"))?;
    drop(backup);
    migrations::migrate(&st)?;
    if crate::timeline::verify_chain(&st)?.broken_at_seq.is_some() {
        return Err(CoreError::invalid("backup", "backup_timeline_broken"));
    }
    Ok(st)
}

type Run = (String, String, i64, String, Option<String>, Option<i64>, Option<String>);

fn backup_runs(conn: &Connection) -> Result<Vec<Run>> {
    if !table_exists(conn, "backup_runs")? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare("SELECT at, trigger, ok, folder, name, bytes, error FROM backup_runs ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Adds the replaced database's backup runs to the restored ones (a run both know is kept once).
fn keep_backup_runs(conn: &Connection, runs: &[Run]) -> Result<()> {
    let mut stmt = conn.prepare(
        "INSERT INTO backup_runs (at, trigger, ok, folder, name, bytes, error)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE NOT EXISTS (
             SELECT 1 FROM backup_runs WHERE at = ?1 AND trigger = ?2 AND folder = ?4 AND name IS ?5)",
    )?;
    for r in runs {
        stmt.execute(params![r.0, r.1, r.2, r.3, r.4, r.5, r.6])?;
    }
    Ok(())
}

fn names(conn: &Connection, sql: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)", params![name], |r| r.get(0))?)
}

/// Drops every object of `live` and recreates the schema and rows of `staging`, inside the
/// caller's transaction. `staging` was built by `stage`: its schema is this program's own.
fn replace_content(live: &Connection, staging: &Connection) -> Result<()> {
    live.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    for (kind, name) in
        names(live, "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') AND name NOT LIKE 'sqlite@_%' ESCAPE '@'")?
    {
        let kw = if kind == "trigger" { "TRIGGER" } else { "VIEW" };
        live.execute_batch(&format!("DROP {kw} IF EXISTS {}", quote(&name)))?;
    }
    let tables = names(
        live,
        "SELECT name, type FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual')
         AND name NOT LIKE 'sqlite@_%' ESCAPE '@' ORDER BY type = 'table'",
    )?;
    for (name, _) in &tables {
        // A virtual table's shadow tables go with it; it is dropped first (see ORDER BY).
        if table_exists(live, name)? {
            live.execute_batch(&format!("DROP TABLE {}", quote(name)))?;
        }
    }
    for t in ["sqlite_sequence", "sqlite_stat1", "sqlite_stat4"] {
        if table_exists(live, t)? {
            live.execute_batch(&format!("DELETE FROM {t}"))?;
        }
    }

    rebuild(staging, staging, live)
}

/// Creates in `to` (empty) the tables of `schema`, copies the rows of `rows` (whose schema is
/// the same) into them by named columns, then creates the indexes, triggers and views of
/// `schema`: the SQL executed is `schema`'s only. Rowids are kept (the search index refers to
/// complaints by rowid) and so is `sqlite_sequence` (the timeline check reads the highest event
/// number ever issued).
fn rebuild(schema: &Connection, rows: &Connection, to: &Connection) -> Result<()> {
    let staging = schema;
    let shadow: HashSet<String> = names(staging, "SELECT name, type FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'")?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut stmt = staging.prepare(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite@_%' ESCAPE '@' ORDER BY rowid",
    )?;
    let objects: Vec<(String, String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    let tables: Vec<&(String, String, String)> = objects.iter().filter(|(t, n, _)| t == "table" && !shadow.contains(n)).collect();
    for (_, _, sql) in &tables {
        to.execute(sql, [])?;
    }
    for (_, name, sql) in &tables {
        let is_virtual = sql.trim_start().to_ascii_uppercase().starts_with("CREATE VIRTUAL");
        if is_virtual && !sql.to_ascii_lowercase().contains("fts5") {
            return Err(CoreError::Integrity(format!("cannot restore virtual table {name}")));
        }
        copy_rows(staging, rows, to, name, is_virtual)?;
    }
    if table_exists(rows, "sqlite_sequence")? && table_exists(to, "sqlite_sequence")? {
        to.execute_batch("DELETE FROM sqlite_sequence")?;
        let seqs = names(rows, "SELECT name, CAST(seq AS TEXT) FROM sqlite_sequence")?;
        for (name, seq) in seqs {
            to.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?1, CAST(?2 AS INTEGER))", params![name, seq])?;
        }
    }
    for (kind, _, sql) in &objects {
        if kind == "index" || kind == "view" || kind == "trigger" {
            to.execute(sql, [])?;
        }
    }
    Ok(())
}

/// Copies the rows of `table` from `from` to `to`, the columns named as `schema` has them.
fn copy_rows(schema: &Connection, from: &Connection, to: &Connection, table: &str, is_virtual: bool) -> Result<()> {
    let mut stmt = schema.prepare("SELECT name, type, pk FROM pragma_table_info(?1) ORDER BY cid")?;
    let cols: Vec<(String, String, i64)> =
        stmt.query_map(params![table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    if cols.is_empty() {
        return Ok(());
    }
    let pks: Vec<&(String, String, i64)> = cols.iter().filter(|c| c.2 > 0).collect();
    let integer_pk = pks.len() == 1 && pks[0].1.eq_ignore_ascii_case("INTEGER");
    let without_rowid: bool = schema
        .query_row("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1", params![table], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    let with_rowid = is_virtual || (!without_rowid && !integer_pk);
    let mut names: Vec<String> = cols.iter().map(|c| quote(&c.0)).collect();
    if with_rowid {
        names.insert(0, "rowid".into());
    }
    let list = names.join(", ");
    let marks = vec!["?"; names.len()].join(", ");
    let mut read = from.prepare(&format!("SELECT {list} FROM {}", quote(table)))?;
    let mut write = to.prepare(&format!("INSERT INTO {} ({list}) VALUES ({marks})", quote(table)))?;
    let n = names.len();
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let mut values: Vec<SqlValue> = Vec::with_capacity(n);
        for i in 0..n {
            values.push(owned_value(r.get_ref(i)?)?);
        }
        write.execute(params_from_iter(values)).map_err(refuse_constraint)?;
    }
    Ok(())
}

/// A row of the backup that breaks a constraint of our own schema (found by the `restore` fuzz
/// target: a CHECK-violating calendar row that the hardened connection's integrity check lets
/// through): a file this program wrote never holds one, so the backup is refused as corrupt
/// with a typed error rather than a raw storage error.
fn refuse_constraint(e: rusqlite::Error) -> CoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => CoreError::invalid("backup", "backup_corrupt"),
        _ => e.into(),
    }
}

/// A value of the backup as an owned value. rusqlite's own conversion panics on TEXT that is not
/// UTF-8 (found by the `restore` fuzz target); a file this program wrote never holds such text,
/// so the backup is refused as not ours instead.
fn owned_value(v: rusqlite::types::ValueRef<'_>) -> Result<SqlValue> {
    use rusqlite::types::ValueRef;
    Ok(match v {
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(i) => SqlValue::Integer(i),
        ValueRef::Real(f) => SqlValue::Real(f),
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => SqlValue::Text(s.to_owned()),
            Err(_) => return Err(CoreError::invalid("backup", "backup_not_complaint_desk")),
        },
        ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
    })
}

#[cfg(test)]
mod value_tests {
    use super::*;

    #[test]
    fn text_that_is_not_utf8_is_refused_not_a_panic() {
        // Regression of tests/fuzz/regressions/restore/invalid-utf8-text.sqlite3.
        let e = owned_value(rusqlite::types::ValueRef::Text(&[0xff, 0xfe, b'a'])).unwrap_err();
        assert_eq!(e.code(), "invalid", "hostile bytes in a backup get a typed refusal");
        assert_eq!(owned_value(rusqlite::types::ValueRef::Text("客诉".as_bytes())).unwrap(), SqlValue::Text("客诉".into()));
    }
}
