//! Scheduled backups (issue 7) in the desktop shell: the core decides whether a backup is due and
//! writes it (`complaint_desk::store::backup::run_scheduled` / `run_at_exit`, which also record
//! every attempt in `backup_runs`); this module only provides the clock.
//!
//! * A background thread checks once shortly after start and then every few minutes, so the
//!   daily backup is made on the first check of each branch-local day, also when the PC was
//!   asleep at midnight or the USB drive is plugged in later in the day.
//! * When the app exits, one more check backs up what changed since the newest backup, waited
//!   for at most `EXIT_LIMIT` so a hanging USB drive cannot keep the program from closing (an
//!   interrupted backup leaves only a `.partial-*` folder, which the core removes later).
//!
//! Each check holds the desk's lock for the length of the backup (SQLite's online backup of the
//! live database, outside any transaction: commands take the same lock, so none is half-way
//! through). A failure (missing USB drive, full or write-protected folder) never ends the app; it
//! goes to the log file once, not every few minutes, and the next check tries again.

use std::sync::{mpsc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use complaint_desk::desk::Desk;
use complaint_desk::store::backup::{self, BackupReport};
use tauri::{AppHandle, Manager};

use crate::{applog, AppState};

/// The first check waits until the window has started and the clerk has had a chance to sign in.
pub const FIRST_CHECK: Duration = Duration::from_secs(60);
/// How often the timer asks the core whether today's backup is still to be made.
pub const INTERVAL: Duration = Duration::from_secs(5 * 60);
/// The longest the exit waits for its backup.
pub const EXIT_LIMIT: Duration = Duration::from_secs(90);

/// Why a check ran: the timer, or the app closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Scheduled,
    Exit,
}

impl Trigger {
    fn label(self) -> &'static str {
        match self {
            Trigger::Scheduled => "scheduled backup",
            Trigger::Exit => "backup at exit",
        }
    }
}

/// What one check did.
#[derive(Debug)]
pub enum Outcome {
    /// A verified backup was written.
    Made(BackupReport),
    /// Nothing to do: today's backup exists, nothing changed since the newest one, or the
    /// setting is off.
    NotDue,
    /// An in-memory database (tests) has no folder to back up beside.
    NoDataFolder,
    /// The backup could not be made; the core has recorded why in `backup_runs`.
    Failed(String),
}

/// Remembers the last failure, so that a USB drive left out all day is one line in the log
/// (and one more when backups work again), not one every `INTERVAL`.
#[derive(Default)]
pub struct Reporter {
    last_failure: Mutex<Option<String>>,
}

impl Reporter {
    fn report(&self, trigger: Trigger, outcome: &Outcome) {
        let mut last = self.last_failure.lock().unwrap_or_else(|p| p.into_inner());
        match outcome {
            Outcome::Made(r) => {
                if last.take().is_some() {
                    applog::info("backups work again");
                }
                applog::info(&format!(
                    "{} {} written to {} ({} complaints, {} events, {} of {} evidence files copied, verified: {}){}",
                    trigger.label(),
                    r.name,
                    r.folder,
                    r.complaints,
                    r.events,
                    r.attachments_copied,
                    r.attachments,
                    r.verified,
                    if r.removed_by_rotation.is_empty() {
                        String::new()
                    } else {
                        format!("; rotation removed {}", r.removed_by_rotation.join(", "))
                    }
                ));
                if !r.attachments_missing.is_empty() {
                    applog::error(&format!("{} evidence files are missing from the data folder", r.attachments_missing.len()));
                }
            }
            Outcome::Failed(e) => {
                if last.as_deref() != Some(e.as_str()) {
                    applog::error(&format!("{} failed: {e} (tried again every {} minutes)", trigger.label(), INTERVAL.as_secs() / 60));
                    *last = Some(e.clone());
                }
            }
            Outcome::NotDue | Outcome::NoDataFolder => {}
        }
    }
}

/// One check of `trigger` at `now`, through the core, with the desk locked for its length.
pub fn check(desk: &Mutex<Desk>, trigger: Trigger, now: DateTime<Utc>, reporter: &Reporter) -> Outcome {
    let outcome = {
        // A poisoned lock means an earlier command panicked; the core is transactional, so the
        // database is intact (as in `commands::with_desk`).
        let desk = desk.lock().unwrap_or_else(|p| p.into_inner());
        match desk.store.data_dir.clone() {
            None => Outcome::NoDataFolder,
            Some(dir) => {
                let conn = &desk.store.conn;
                let result = match trigger {
                    Trigger::Scheduled => backup::run_scheduled(conn, now, &dir),
                    Trigger::Exit => backup::run_at_exit(conn, now, &dir),
                };
                match result {
                    Ok(Some(r)) => Outcome::Made(r),
                    Ok(None) => Outcome::NotDue,
                    Err(e) => Outcome::Failed(format!("{}: {e}", e.code())),
                }
            }
        }
    };
    reporter.report(trigger, &outcome);
    outcome
}

static REPORTER: std::sync::OnceLock<Reporter> = std::sync::OnceLock::new();

fn reporter() -> &'static Reporter {
    REPORTER.get_or_init(Reporter::default)
}

/// `CDESK_BACKUP_TIMER`: unset = the first check after `FIRST_CHECK`; a number = after that
/// many seconds; `off` = no timer. For tests, which start many windows on scratch databases and
/// must not have a backup appear in the middle of what they check (like `CDESK_DB`, not for staff).
fn first_check() -> Option<Duration> {
    match std::env::var("CDESK_BACKUP_TIMER") {
        Err(_) => Some(FIRST_CHECK),
        Ok(v) if v.trim() == "off" => None,
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(secs) => Some(Duration::from_secs(secs)),
            Err(_) => {
                applog::error(&format!("CDESK_BACKUP_TIMER={v} is neither a number of seconds nor off; using {} s", FIRST_CHECK.as_secs()));
                Some(FIRST_CHECK)
            }
        },
    }
}

/// Starts the timer thread; call once the `AppState` is managed.
pub fn start(app: &AppHandle) {
    let Some(first) = first_check() else {
        applog::info("scheduled backups are off for this run (CDESK_BACKUP_TIMER=off)");
        return;
    };
    let app = app.clone();
    let started = std::thread::Builder::new().name("backups".into()).spawn(move || {
        std::thread::sleep(first);
        loop {
            let state = app.state::<AppState>();
            // A panic inside the core must not end the timer: the next check tries again.
            let _ =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&state.desk, Trigger::Scheduled, Utc::now(), reporter())));
            std::thread::sleep(INTERVAL);
        }
    });
    if let Err(e) = started {
        applog::error(&format!("the backup timer could not start: {e}"));
    }
}

/// The backup when the app closes, waited for at most `EXIT_LIMIT`.
pub fn at_exit(app: &AppHandle) {
    let app = app.clone();
    let (done, wait) = mpsc::channel();
    let spawned = std::thread::Builder::new().name("backup-at-exit".into()).spawn(move || {
        let state = app.state::<AppState>();
        let _ = done.send(check(&state.desk, Trigger::Exit, Utc::now(), reporter()));
    });
    if spawned.is_err() {
        return;
    }
    if wait.recv_timeout(EXIT_LIMIT).is_err() {
        applog::error(&format!("backup at exit not finished after {} s; closing without it", EXIT_LIMIT.as_secs()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::path::PathBuf;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cdesk-shell-backups-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn backups_in(folder: &std::path::Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(folder)
            .map(|r| r.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with("cdesk-backup-")).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    #[test]
    fn the_timer_makes_one_backup_a_day_beside_the_database() {
        let dir = temp_dir("daily");
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 2, 0, 0).unwrap();
        let desk = Mutex::new(Desk::open(&dir.join("desk.sqlite3"), now).unwrap());
        let reporter = Reporter::default();

        assert!(matches!(check(&desk, Trigger::Scheduled, now, &reporter), Outcome::Made(r) if r.verified));
        assert_eq!(backups_in(&dir.join("backups")).len(), 1);
        // Five minutes later, the same local day: not due.
        let later = now + chrono::Duration::minutes(5);
        assert!(matches!(check(&desk, Trigger::Scheduled, later, &reporter), Outcome::NotDue));
        // Nothing changed since: the exit has nothing to add either.
        assert!(matches!(check(&desk, Trigger::Exit, later, &reporter), Outcome::NotDue));
        // The next day (Asia/Shanghai by default): the next backup.
        let tomorrow = now + chrono::Duration::days(1);
        assert!(matches!(check(&desk, Trigger::Scheduled, tomorrow, &reporter), Outcome::Made(_)));
        assert_eq!(backups_in(&dir.join("backups")).len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_backup_folder_is_a_recorded_failure_not_a_crash() {
        let dir = temp_dir("missing");
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 2, 0, 0).unwrap();
        let desk = Desk::open(&dir.join("desk.sqlite3"), now).unwrap();
        // The configured folder on a "USB drive" that is not plugged in (a configured folder is
        // never created by a scheduled backup: it would land on the PC's own disk).
        let usb = dir.join("usb").join("backups");
        desk.store
            .conn
            .execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES ('backup_folder', ?1)",
                [serde_json::Value::String(usb.display().to_string()).to_string()],
            )
            .unwrap();
        let desk = Mutex::new(desk);
        let reporter = Reporter::default();

        for minutes in [0, 5] {
            let outcome = check(&desk, Trigger::Scheduled, now + chrono::Duration::minutes(minutes), &reporter);
            assert!(matches!(&outcome, Outcome::Failed(e) if e.contains("backup_folder")), "{outcome:?}");
        }
        assert!(reporter.last_failure.lock().unwrap().is_some());
        let failures: i64 = desk
            .lock()
            .unwrap()
            .store
            .conn
            .query_row("SELECT COUNT(*) FROM backup_runs WHERE ok = 0 AND trigger = 'scheduled'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(failures, 2, "each failed attempt is recorded by the core");

        assert!(!usb.exists());
        // The drive comes back: the next check backs up and the failure is forgotten.
        std::fs::create_dir_all(&usb).unwrap();
        assert!(matches!(check(&desk, Trigger::Scheduled, now + chrono::Duration::minutes(10), &reporter), Outcome::Made(_)));
        assert_eq!(backups_in(&usb).len(), 1);
        assert!(reporter.last_failure.lock().unwrap().is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
