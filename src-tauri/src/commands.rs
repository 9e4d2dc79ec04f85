//! The Tauri commands: each locks the desk, calls the core, and returns its JSON or its
//! `{code, message_key, details}` error for the window to translate. Only the commands of the
//! sign-in and lock screens (`crate::OPEN_COMMANDS`) run without a signed-in, unlocked session;
//! every other one passes `Desk::require_active` or the registry's own check first.

use chrono::Utc;
use complaint_desk::auth::Actor;
use complaint_desk::desk::{Desk, DeskStatus};
use complaint_desk::{ApiError, CoreError};
use serde_json::Value;
use tauri::ipc::Response;
use tauri::State;

use crate::AppState;

type Reply<T> = Result<T, ApiError>;

/// A poisoned lock means an earlier call panicked; the core is transactional, so the data is
/// intact and the desk can still be used.
pub(crate) fn with_desk<T>(state: &State<'_, AppState>, what: &str, f: impl FnOnce(&mut Desk) -> Reply<T>) -> Reply<T> {
    let asked = std::time::Instant::now();
    let mut guard = state.desk.lock().unwrap_or_else(|p| p.into_inner());
    let started = std::time::Instant::now();
    let r = f(&mut guard);
    drop(guard);
    crate::calltrace::record(what, asked, started);
    r
}

fn api(e: CoreError) -> ApiError {
    e.to_api()
}

/// The session check of the registry (`Desk::require_active`: signed in, not locked, counts as
/// activity) for a command the shell carries out itself: printing, previews, the app's paths.
/// The desk is released before the command's own work (a printer can take seconds), so that
/// work never holds up the other commands.
pub fn signed_in(state: &State<'_, AppState>, what: &str) -> Reply<Actor> {
    with_desk(state, what, |d| d.require_active(Utc::now()).map_err(api))
}

/// Where this desk keeps its things (settings, "about"): for a signed-in, unlocked session only.
#[tauri::command(async)]
pub fn app_paths(state: State<'_, AppState>) -> Reply<crate::AppPaths> {
    signed_in(&state, "app_paths")?;
    Ok(state.paths.clone())
}

#[tauri::command(async)]
pub fn desk_status(state: State<'_, AppState>) -> Reply<DeskStatus> {
    with_desk(&state, "desk_status", |d| d.status(Utc::now()).map_err(api))
}

#[tauri::command(async)]
pub fn desk_setup(state: State<'_, AppState>, admin_password: String, demo_complaints: usize) -> Reply<complaint_desk::desk::SetupReply> {
    with_desk(&state, "desk_setup", |d| d.setup(Utc::now(), &admin_password, demo_complaints).map_err(api))
}

#[tauri::command(async)]
pub fn desk_login(state: State<'_, AppState>, login: String, password: String) -> Reply<Actor> {
    with_desk(&state, "desk_login", |d| d.login(Utc::now(), &login, &password).map_err(api))
}

#[tauri::command(async)]
pub fn desk_logout(state: State<'_, AppState>) -> Reply<()> {
    with_desk(&state, "desk_logout", |d| d.logout(Utc::now()).map_err(api))
}

#[tauri::command(async)]
pub fn desk_lock(state: State<'_, AppState>) -> Reply<()> {
    with_desk(&state, "desk_lock", |d| {
        d.lock();
        Ok(())
    })
}

#[tauri::command(async)]
pub fn desk_unlock(state: State<'_, AppState>, password: String) -> Reply<Actor> {
    with_desk(&state, "desk_unlock", |d| d.unlock(Utc::now(), &password).map_err(api))
}

#[tauri::command(async)]
pub fn desk_touch(state: State<'_, AppState>) -> Reply<()> {
    with_desk(&state, "desk_touch", |d| d.touch(Utc::now()).map_err(api))
}

/// Every operation of the core, by name, as the signed-in user.
#[tauri::command(async)]
pub fn call(state: State<'_, AppState>, name: String, args: Value) -> Reply<Response> {
    with_desk(&state, &name, |d| d.call_json(Utc::now(), &name, args)).map(Response::new)
}

/// A background read (notifications, countdown refresh) that must not count as user activity.
#[tauri::command(async)]
pub fn peek(state: State<'_, AppState>, name: String, args: Value) -> Reply<Response> {
    with_desk(&state, &name, |d| d.peek_json(Utc::now(), &name, args)).map(Response::new)
}
