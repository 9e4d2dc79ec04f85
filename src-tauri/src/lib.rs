//! The desktop shell of Complaint Desk: a window, three plugins and one `Desk`. Every command here
//! is a one-line adapter into the core (`complaint_desk::desk::Desk`); no rule lives in this crate.

mod applog;
mod backups;
mod calltrace;
mod commands;
mod preview;
mod printing;

use std::path::PathBuf;
use std::sync::Mutex;

use chrono::Utc;
use complaint_desk::desk::Desk;
use tauri::Manager;

/// The one desk of this window. A std `Mutex` held only for the length of a core call (never
/// across an `.await`), so commands from the window are applied one at a time, in order.
pub struct AppState {
    pub desk: Mutex<Desk>,
    pub paths: AppPaths,
}

/// Where this desk keeps its things, for the window (settings, "about") and the logs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AppPaths {
    /// The SQLite database (`CDESK_DB`, or the per-user data folder of the core).
    pub database: String,
    /// The folder of the database; evidence files live beside it in `attachments/`.
    pub data_dir: String,
    /// The log file of start-up and errors, when one could be opened.
    pub log_file: Option<String>,
}

/// `CDESK_DB` lets tests and the CLI point the app at another database (empty counts as unset);
/// otherwise the per-user data folder that `cdesk` uses too (`store::default_db_path`, the one
/// place that knows it: Linux `~/.local/share/complaintdesk`, macOS
/// `~/Library/Application Support/com.ComplaintDesk.ComplaintDesk`, Windows
/// `%APPDATA%\ComplaintDesk\ComplaintDesk\data`).
///
/// A relative `CDESK_DB` is taken from the folder the app was started in (`OWD`, set by the
/// AppImage, whose start-up script changes folder).
fn database_path() -> PathBuf {
    match std::env::var_os("CDESK_DB").filter(|v| !v.is_empty()).map(PathBuf::from) {
        Some(p) if p.is_relative() => std::env::var_os("OWD").map(|owd| PathBuf::from(owd).join(&p)).unwrap_or(p),
        Some(p) => p,
        None => complaint_desk::store::default_db_path(),
    }
}

#[tauri::command]
fn app_paths(state: tauri::State<'_, AppState>) -> AppPaths {
    state.paths.clone()
}

pub fn run() {
    let started = std::time::Instant::now();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            // A second launch focuses the running window instead of opening a second desk.
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(tauri::generate_handler![
            commands::desk_status,
            commands::desk_setup,
            commands::desk_login,
            commands::desk_logout,
            commands::desk_lock,
            commands::desk_unlock,
            commands::desk_touch,
            commands::call,
            commands::peek,
            preview::image_preview,
            printing::print_spool_path,
            printing::list_printers,
            printing::print_pdf,
            printing::open_pdf,
            app_paths,
        ])
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("Complaint Desk could not start: {e}");
            std::process::exit(3);
        });

    // The log folder comes from the platform's conventions through Tauri's path API.
    let log_file = applog::init(app.path().app_log_dir().ok());
    applog::info(&format!(
        "Complaint Desk {} starting ({} {}, {})",
        app.package_info().version,
        std::env::consts::OS,
        std::env::consts::ARCH,
        if cfg!(debug_assertions) { "debug build" } else { "release build" }
    ));

    calltrace::step("tauri_built", started);
    let path = database_path();
    let opening = std::time::Instant::now();
    let desk = match Desk::open(&path, Utc::now()) {
        Ok(d) => d,
        Err(e) => {
            // The window cannot do anything useful without its database; say why and where.
            applog::error(&format!("cannot open the database at {}: {e}", path.display()));
            std::process::exit(2);
        }
    };
    calltrace::step("database_opened", opening);
    applog::info(&format!("database {}", path.display()));
    let paths = AppPaths {
        database: path.display().to_string(),
        data_dir: path.parent().map(|p| p.display().to_string()).unwrap_or_default(),
        log_file: log_file.map(|p| p.display().to_string()),
    };
    app.manage(AppState { desk: Mutex::new(desk), paths });
    // The daily backup (and the one at exit): the core decides what is due, this is the clock.
    backups::start(app.handle());
    exit_on_terminate(app.handle());
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            backups::at_exit(handle);
            applog::info("stopped");
        }
    });
}

/// A system shutdown or logout ends programs with SIGTERM (then SIGKILL after a grace period):
/// the app closes as when its window is closed, so what was recorded since the newest backup is
/// backed up at exit (`backups::at_exit`) instead of the process just dying.
#[cfg(unix)]
fn exit_on_terminate(app: &tauri::AppHandle) {
    use tokio::signal::unix::{signal, SignalKind};
    for (kind, name) in [(SignalKind::terminate(), "SIGTERM"), (SignalKind::interrupt(), "SIGINT")] {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let Ok(mut s) = signal(kind) else {
                applog::error(&format!("cannot listen for {name}; it would end the app without the backup at exit"));
                return;
            };
            if s.recv().await.is_some() {
                applog::info(&format!("{name}: closing"));
                app.exit(0);
            }
        });
    }
}

#[cfg(not(unix))]
fn exit_on_terminate(_: &tauri::AppHandle) {}
