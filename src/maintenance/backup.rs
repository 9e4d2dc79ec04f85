//! The backup commands of the registry (`api::commands`): what the window's backup screen and
//! `cdesk backup` / `cdesk restore` call. Each runs inside the API's transaction, so a backup is
//! read through a second, read-only connection (the last committed state), and a restore replaces
//! the content in that same transaction.

use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{CoreError, Result};
use crate::model::Role;
use crate::store::backup::*;
use crate::workflow::Ctx;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupNowArgs {
    /// Back up to this folder (absolute) instead of the configured one, e.g. a USB drive just
    /// plugged in. Administrator only.
    #[serde(default)]
    pub folder: Option<String>,
}

/// Makes a verified backup now (to the configured folder, or `folder`), applies the rotation
/// there, and records it on the timeline (R7.1).
pub fn backup_now(ctx: &Ctx, a: &BackupNowArgs) -> Result<BackupReport> {
    ctx.begin(None)?;
    let data_dir = data_dir_of(ctx.conn);
    let s = read_settings(ctx.conn, data_dir.as_deref())?;
    let named_now = a.folder.as_deref().is_some_and(|f| !f.trim().is_empty());
    let root = match a.folder.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(f) => {
            // A copy of everyone's personal data to a folder of one's choice is an administrator's call.
            if ctx.actor.role != Role::Admin {
                return Err(CoreError::Forbidden { op: "backup_now.folder".into(), role: ctx.actor.role });
            }
            fsx::absolute("folder", f)?
        }
        None => s.folder_path()?,
    };
    let db = db_path_of(ctx.conn).ok_or_else(|| CoreError::invalid("database", "in_memory_database"))?;
    let installation = installation_id(ctx.conn)?;
    let reader = open_readonly(&db)?;
    let req = BackupRequest {
        root: &root,
        attachments_dir: ctx.attachments_dir,
        now: ctx.now,
        trigger: "manual",
        keep: s.keep(),
        tz: branch_tz(ctx.conn),
        link_attachments: false,
        create_folder: named_now || s.folder_is_default,
        installation_id: &installation,
    };
    let r = make_backup(&reader, &req)?;
    log_run(ctx.conn, ctx.now, "manual", &root, Ok(&r))?;
    ctx.event(
        None,
        "backup_made",
        json!({
            "folder": r.folder, "name": r.name, "complaints": r.complaints, "events": r.events,
            "attachments": r.attachments, "attachments_missing": r.attachments_missing.len(),
            "removed_by_rotation": r.removed_by_rotation.len(),
        }),
    )?;
    Ok(r)
}

/// Logs a failed `backup_now` in `backup_runs` (trigger "manual"), as a failed scheduled backup
/// is, so the backup screen's "last failure" and IT see it too. It is the command's
/// `after_failure` (`api`): called once its transaction, which would have taken the row with
/// it, is rolled back; best effort. Refusals (a role without the right, arguments that do not
/// parse) are not backup attempts.
pub fn log_failed_backup_now(conn: &rusqlite::Connection, now: chrono::DateTime<chrono::Utc>, args: &Value, e: &CoreError) {
    if matches!(e, CoreError::Forbidden { .. } | CoreError::Unauthenticated) {
        return;
    }
    let Ok(a) = serde_json::from_value::<BackupNowArgs>(args.clone()) else { return };
    let root = match a.folder.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(f) => std::path::PathBuf::from(f.trim()),
        None => match read_settings(conn, data_dir_of(conn).as_deref()).and_then(|s| s.folder_path()) {
            Ok(p) => p,
            Err(_) => return,
        },
    };
    let _ = log_run(conn, now, "manual", &root, Err(e));
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListBackupsArgs {
    /// List this folder (absolute) instead of the configured one.
    #[serde(default)]
    pub folder: Option<String>,
}

/// The backups of the configured folder (or `folder`), newest first, with the settings and the
/// last successful and failed runs.
pub fn list_backups(ctx: &Ctx, a: &ListBackupsArgs) -> Result<BackupList> {
    ctx.begin(None)?;
    let settings = read_settings(ctx.conn, data_dir_of(ctx.conn).as_deref())?;
    let folder = match a.folder.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(f) => Some(fsx::absolute("folder", f)?),
        None => settings.folder.as_ref().map(PathBuf::from),
    };
    let folder_available = folder.as_ref().is_some_and(|f| std::fs::read_dir(f).is_ok());
    let backups = folder.as_deref().map(list_backups_in).unwrap_or_default();
    Ok(BackupList {
        settings,
        folder: folder.map(|f| f.display().to_string()),
        folder_available,
        backups,
        last_success: last_run(ctx.conn, true)?,
        last_failure: last_run(ctx.conn, false)?,
    })
}

fn list_backups_in(root: &Path) -> Vec<BackupInfo> {
    crate::store::backup::list_backups(root)
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupPathArgs {
    /// A backup directory (as listed), its manifest.json, or a bare database file. Absolute.
    pub path: String,
}

/// Checks a backup completely without restoring it (every evidence file is hashed).
pub fn verify_backup(ctx: &Ctx, a: &BackupPathArgs) -> Result<BackupCheck> {
    ctx.begin(None)?;
    let p = fsx::absolute("path", &a.path)?;
    crate::store::backup::verify_backup(&p)
}

/// The backup settings with their defaults.
pub fn backup_settings(ctx: &Ctx) -> Result<BackupSettings> {
    ctx.begin(None)?;
    read_settings(ctx.conn, data_dir_of(ctx.conn).as_deref())
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetBackupSettingsArgs {
    /// An absolute folder (it must exist or be creatable, and be writable now), or "" for the
    /// default (`backups` beside the database).
    #[serde(default)]
    pub folder: Option<String>,
    #[serde(default)]
    pub schedule: Option<Schedule>,
    #[serde(default)]
    pub at_exit: Option<bool>,
    /// 1–3650 daily backups kept.
    #[serde(default)]
    pub keep_daily: Option<u32>,
    /// 0–520 weekly backups kept.
    #[serde(default)]
    pub keep_weekly: Option<u32>,
    /// 0–1200 monthly backups kept.
    #[serde(default)]
    pub keep_monthly: Option<u32>,
}

fn write_setting(ctx: &Ctx, key: &str, value: Value) -> Result<()> {
    let old: Option<String> = ctx.conn.query_row("SELECT value FROM settings WHERE key = ?1", params![key], |r| r.get(0)).optional()?;
    let new = value.to_string();
    if old.as_deref() == Some(new.as_str()) {
        return Ok(());
    }
    ctx.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, new],
    )?;
    ctx.event(None, "setting_changed", json!({ "key": key, "from": old, "to": value }))
}

/// Changes the backup settings (only the fields given); each change is on the timeline.
pub fn set_backup_settings(ctx: &Ctx, a: &SetBackupSettingsArgs) -> Result<BackupSettings> {
    ctx.begin(None)?;
    let range = |field: &str, v: Option<u32>, lo: u32, hi: u32| -> Result<()> {
        match v {
            Some(n) if n < lo || n > hi => Err(CoreError::invalid(field, "out_of_range")),
            _ => Ok(()),
        }
    };
    range("keep_daily", a.keep_daily, 1, 3650)?;
    range("keep_weekly", a.keep_weekly, 0, 520)?;
    range("keep_monthly", a.keep_monthly, 0, 1200)?;
    if let Some(f) = &a.folder {
        if f.trim().is_empty() {
            write_setting(ctx, KEY_FOLDER, json!(""))?;
        } else {
            let p = fsx::absolute("folder", f)?;
            // The folder must take a backup now: a typo or an unplugged drive is caught here,
            // not at tonight's backup.
            fsx::create_private_dir(&p).map_err(|e| fsx::folder_error(&p, e))?;
            let probe = p.join(".cdesk-write-test");
            fsx::write_durably(&probe, b"ok").map_err(|e| fsx::folder_error(&p, e))?;
            let _ = std::fs::remove_file(&probe);
            write_setting(ctx, KEY_FOLDER, json!(p.display().to_string()))?;
        }
    }
    if let Some(s) = a.schedule {
        write_setting(ctx, KEY_SCHEDULE, json!(s))?;
    }
    if let Some(b) = a.at_exit {
        write_setting(ctx, KEY_AT_EXIT, json!(b))?;
    }
    if let Some(n) = a.keep_daily {
        write_setting(ctx, KEY_KEEP_DAILY, json!(n))?;
    }
    if let Some(n) = a.keep_weekly {
        write_setting(ctx, KEY_KEEP_WEEKLY, json!(n))?;
    }
    if let Some(n) = a.keep_monthly {
        write_setting(ctx, KEY_KEEP_MONTHLY, json!(n))?;
    }
    read_settings(ctx.conn, data_dir_of(ctx.conn).as_deref())
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreBackupArgs {
    /// A backup directory (as listed), its manifest.json, or a bare database file. Absolute.
    pub path: String,
    /// Restore although some evidence files cannot be found (listed in the report).
    #[serde(default)]
    pub allow_missing_attachments: bool,
    /// Restore a backup made by another installation (or of unknown origin): the caller has
    /// shown its `preview_restore` and the administrator confirmed it.
    #[serde(default)]
    pub confirm_foreign: bool,
}

/// What restoring a backup would bring in, shown before the restore is confirmed.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RestorePreview {
    /// The full check of the backup (counts, administrators, its installation and timeline head).
    pub backup: BackupCheck,
    /// Made by another installation, or its manifest does not say which: restoring it needs
    /// `confirm_foreign`.
    pub foreign: bool,
    pub this_installation_id: String,
}

/// The check of a backup as the restore dialog shows it before going on (administrator only:
/// it names the backup's administrators).
pub fn preview_restore(ctx: &Ctx, a: &BackupPathArgs) -> Result<RestorePreview> {
    ctx.begin(None)?;
    let p = fsx::absolute("path", &a.path)?;
    // The restore also finds evidence files already on this PC: so does its preview.
    let backup = crate::store::backup::check_located(&p, &[ctx.attachments_dir.to_path_buf()])?.0;
    let this_installation_id = installation_id(ctx.conn)?;
    let foreign = backup.installation_id.as_deref() != Some(this_installation_id.as_str());
    Ok(RestorePreview { backup, foreign, this_installation_id })
}

/// Replaces the whole database with a verified backup (administrator only). Refused with
/// `schema_too_new`, or `invalid` + backup_corrupt / backup_not_complaint_desk /
/// backup_schema_differs (naming the object) / backup_timeline_broken /
/// backup_attachments_missing, or `precondition` backup_foreign_unconfirmed, before anything
/// changes. The database
/// as it was is kept as a safety copy (a restorable backup directory, see the report).
pub fn restore_backup(ctx: &Ctx, a: &RestoreBackupArgs) -> Result<RestoreReport> {
    ctx.begin(None)?;
    let p = fsx::absolute("path", &a.path)?;
    let opts = RestoreOptions { allow_missing_attachments: a.allow_missing_attachments, confirm_foreign: a.confirm_foreign };
    crate::store::backup::restore(ctx.conn, ctx.attachments_dir, &p, ctx.now, Some(&ctx.actor.login), &opts)
}
