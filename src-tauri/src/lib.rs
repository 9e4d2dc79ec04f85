//! The desktop shell of Complaint Desk: a window, three plugins and one `Desk`. Every command here
//! is a one-line adapter into the core (`complaint_desk::desk::Desk`); no rule lives in this crate.

mod applog;
mod backups;
mod calltrace;
mod commands;
mod preview;
mod printing;
mod spool;

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
    /// The private folder where documents wait for the printer or the viewer.
    pub spool: spool::Spool,
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

/// Declares the window's commands once: the invoke handler and the list of their names come from
/// the same list, so a command added here is in `SHELL_COMMANDS`, and the test that a locked
/// desk refuses every one of them (`tests::a_locked_desk_refuses_every_shell_command`) cannot
/// miss it.
macro_rules! shell_commands {
    ($($module:ident :: $name:ident),* $(,)?) => {
        /// Every command of the window's invoke handler, by name.
        pub const SHELL_COMMANDS: &[&str] = &[$(stringify!($name)),*];

        fn invoke_handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($module::$name),*]
        }
    };
}

shell_commands![
    commands::desk_status,
    commands::desk_setup,
    commands::desk_login,
    commands::desk_logout,
    commands::desk_lock,
    commands::desk_unlock,
    commands::desk_touch,
    commands::call,
    commands::peek,
    commands::app_paths,
    preview::image_preview,
    printing::print_spool_path,
    printing::list_printers,
    printing::print_pdf,
    printing::open_pdf,
];

/// The commands that run without a signed-in, unlocked session: what the first-run, sign-in and
/// lock screens need. The core still checks each (setup only once, the password for unlock);
/// locking and signing out only ever take rights away. Every other command is refused with
/// `unauthenticated` or `locked` before it does anything (issue 25, item 6).
pub const OPEN_COMMANDS: &[&str] = &["desk_status", "desk_setup", "desk_login", "desk_unlock", "desk_lock", "desk_logout"];

/// How often the spool's janitor deletes documents whose time is up.
const SPOOL_JANITOR: std::time::Duration = std::time::Duration::from_secs(60);

fn start_spool(state: &AppState) {
    let stale = state.spool.sweep_stale(spool::STALE_AFTER);
    if stale > 0 {
        applog::info(&format!("removed {stale} left-over documents from the print folder"));
    }
}

fn spool_janitor(app: &tauri::AppHandle) {
    let app = app.clone();
    let started = std::thread::Builder::new().name("print-spool".into()).spawn(move || loop {
        std::thread::sleep(SPOOL_JANITOR);
        app.state::<AppState>().spool.expire(std::time::Instant::now());
    });
    if let Err(e) = started {
        applog::error(&format!("the print folder's clean-up could not start: {e}; documents go at exit"));
    }
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
        .invoke_handler(invoke_handler())
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
    let state = AppState { desk: Mutex::new(desk), paths, spool: spool::Spool::new(spool::default_for_this_user()) };
    start_spool(&state);
    app.manage(state);
    spool_janitor(app.handle());
    // The daily backup (and the one at exit): the core decides what is due, this is the clock.
    backups::start(app.handle());
    exit_on_terminate(app.handle());
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            handle.state::<AppState>().spool.remove_all();
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

#[cfg(test)]
mod tests {
    use super::*;
    use complaint_desk::store::Store;
    use serde_json::{json, Value};
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
    use tauri::webview::InvokeRequest;

    /// Arguments each command accepts, so that what a refusal tests is the session check, not a
    /// malformed call. A command missing here fails the test: whoever adds one says here how it
    /// is called.
    fn args_of(name: &str, file: &str) -> Value {
        match name {
            "desk_status" | "desk_logout" | "desk_lock" | "desk_touch" | "list_printers" | "app_paths" => json!({}),
            "desk_setup" => json!({ "adminPassword": "another-admin-pass", "demoComplaints": 0 }),
            "desk_login" => json!({ "login": "admin", "password": "not-the-password" }),
            "desk_unlock" => json!({ "password": "not-the-password" }),
            "call" | "peek" => json!({ "name": "whoami", "args": null }),
            "image_preview" | "open_pdf" => json!({ "path": file }),
            "print_spool_path" => json!({ "fileName": "CD-1-receipt.pdf" }),
            "print_pdf" => json!({ "path": file, "printer": null, "copies": 1 }),
            other => panic!("no test arguments for the shell command {other}: add them to args_of"),
        }
    }

    fn invoke(w: &tauri::WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
        let url = if cfg!(windows) { "http://tauri.localhost" } else { "tauri://localhost" };
        get_ipc_response(
            w,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: url.parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap_or(Value::Null))
    }

    #[test]
    fn a_locked_desk_refuses_every_shell_command() {
        // R7.7 on a shared branch PC: the lock holds for what the shell does itself, too.
        let root = std::env::temp_dir().join(format!("cdesk-shell-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let photo = root.join("photo.png");
        std::fs::write(&photo, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();

        let now = chrono::Utc::now();
        let mut desk = Desk::from_store(Store::open_in_memory().unwrap(), now).unwrap();
        desk.setup(now, "admin-pass-2026", 0).unwrap();
        let paths = AppPaths { database: ":memory:".into(), data_dir: String::new(), log_file: None };
        let state = AppState { desk: Mutex::new(desk), paths, spool: spool::Spool::new(root.join("print")) };
        let app = mock_builder().invoke_handler(invoke_handler()).manage(state).build(mock_context(noop_assets())).unwrap();
        let w = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();

        for open in OPEN_COMMANDS {
            assert!(SHELL_COMMANDS.contains(open), "{open} is not a command of the handler");
        }
        let guarded: Vec<&str> = SHELL_COMMANDS.iter().copied().filter(|c| !OPEN_COMMANDS.contains(c)).collect();
        assert!(guarded.len() >= 9, "{guarded:?}");

        // Signed out: nothing but the sign-in screen's commands.
        for cmd in &guarded {
            let e = invoke(&w, cmd, args_of(cmd, &photo.display().to_string())).expect_err(cmd);
            assert_eq!(e["code"], "unauthenticated", "{cmd} ran without a signed-in user: {e}");
        }

        // Signed in and unlocked, the same calls work (so the refusals below are the lock's).
        invoke(&w, "desk_login", json!({ "login": "admin", "password": "admin-pass-2026" })).unwrap();
        let spooled = invoke(&w, "print_spool_path", json!({ "fileName": "CD-1-receipt.pdf" })).unwrap();
        let spooled = spooled.as_str().unwrap().to_string();
        assert!(invoke(&w, "app_paths", json!({})).is_ok());
        assert!(invoke(&w, "image_preview", json!({ "path": photo })).unwrap().as_str().unwrap().starts_with("data:image/png"));

        invoke(&w, "desk_lock", json!({})).unwrap();
        for cmd in &guarded {
            let file = if cmd.ends_with("_pdf") { spooled.clone() } else { photo.display().to_string() };
            let e = invoke(&w, cmd, args_of(cmd, &file)).expect_err(cmd);
            assert_eq!(e["code"], "locked", "{cmd} ran on a locked desk: {e}");
            assert_eq!(e["message_key"], "error.locked");
        }
        assert!(std::path::Path::new(&spooled).exists(), "a refused print_pdf left the document alone");
        let status = invoke(&w, "desk_status", json!({})).unwrap();
        assert_eq!(status["locked"], true, "the lock screen can still ask for the status");

        // Unlocked again with the password: back in business.
        invoke(&w, "desk_unlock", json!({ "password": "admin-pass-2026" })).unwrap();
        assert!(invoke(&w, "app_paths", json!({})).is_ok());
        let _ = std::fs::remove_dir_all(&root);
    }
}
