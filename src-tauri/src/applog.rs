//! A small log file of start-up and errors, in the platform's log folder (Tauri's path API,
//! `app_log_dir`): Linux `~/.local/share/com.complaintdesk.app/logs`, macOS
//! `~/Library/Logs/com.complaintdesk.app`, Windows `%LOCALAPPDATA%\com.complaintdesk.app\logs`.
//! Office staff can send this one file when something goes wrong; nothing personal is written
//! into it (no complaint contents, no passwords), only what started, where, and what failed.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

const FILE_NAME: &str = "complaint-desk.log";
/// Past this size the log is moved to `complaint-desk.log.1` (one old file is kept).
const MAX_BYTES: u64 = 1024 * 1024;

struct Log {
    file: Option<File>,
}

static LOG: OnceLock<Mutex<Log>> = OnceLock::new();

/// Opens (creating the folder if needed) the log file in `dir`, and sends panics to it too.
/// When the folder cannot be written, lines still go to standard error.
pub fn init(dir: Option<PathBuf>) -> Option<PathBuf> {
    let path = dir.map(|d| d.join(FILE_NAME));
    let file = path.as_deref().and_then(open);
    let shown = file.as_ref().and(path);
    let _ = LOG.set(Mutex::new(Log { file }));
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        write("PANIC", &info.to_string());
        previous(info);
    }));
    shown
}

fn open(path: &Path) -> Option<File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).ok()?;
    }
    if std::fs::metadata(path).map(|m| m.len() > MAX_BYTES).unwrap_or(false) {
        let mut old = path.as_os_str().to_owned();
        old.push(".1");
        let _ = std::fs::rename(path, PathBuf::from(old));
    }
    OpenOptions::new().create(true).append(true).open(path).ok()
}

/// Appends one line `TIME LEVEL message` (UTC, RFC 3339) and mirrors it on standard error.
pub fn write(level: &str, message: &str) {
    let line =
        format!("{} {level} {}\n", chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true), message.replace('\n', " | "));
    eprint!("{line}");
    if let Some(log) = LOG.get() {
        let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = log.file.as_mut() {
            if f.write_all(line.as_bytes()).and_then(|_| f.flush()).is_err() {
                log.file = None;
            }
        }
    }
}

pub fn info(message: &str) {
    write("INFO", message);
}

pub fn error(message: &str) {
    write("ERROR", message);
}
