//! The desktop shell of Complaint Desk: a window, three plugins and one `Desk`. Every command here
//! is a one-line adapter into the core (`complaint_desk::desk::Desk`); no rule lives in this crate.

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
}

/// `CDESK_DB` lets tests and the CLI point the app at another database; otherwise the per-user
/// data folder that `cdesk` uses too.
fn database_path() -> PathBuf {
    std::env::var_os("CDESK_DB").map(PathBuf::from).unwrap_or_else(complaint_desk::store::default_db_path)
}

pub fn run() {
    let path = database_path();
    let desk = match Desk::open(&path, Utc::now()) {
        Ok(d) => d,
        Err(e) => {
            // The window cannot do anything useful without its database; say why and where.
            eprintln!("Complaint Desk cannot open its database at {}: {e}", path.display());
            std::process::exit(2);
        }
    };
    tauri::Builder::default()
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
        .manage(AppState { desk: Mutex::new(desk) })
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
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("Complaint Desk could not start its window: {e}");
            std::process::exit(3);
        });
}
