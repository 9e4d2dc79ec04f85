//! The Tauri commands: each locks the desk, calls the core, and returns its JSON or its
//! `{code, message_key, details}` error for the window to translate.

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
fn with_desk<T>(state: &State<'_, AppState>, f: impl FnOnce(&mut Desk) -> Reply<T>) -> Reply<T> {
    let mut guard = state.desk.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut guard)
}

fn api(e: CoreError) -> ApiError {
    e.to_api()
}

#[tauri::command(async)]
pub fn desk_status(state: State<'_, AppState>) -> Reply<DeskStatus> {
    with_desk(&state, |d| d.status(Utc::now()).map_err(api))
}

#[tauri::command(async)]
pub fn desk_setup(state: State<'_, AppState>, admin_password: String, demo_complaints: usize) -> Reply<DeskStatus> {
    with_desk(&state, |d| d.setup(Utc::now(), &admin_password, demo_complaints).map_err(api))
}

#[tauri::command(async)]
pub fn desk_login(state: State<'_, AppState>, login: String, password: String) -> Reply<Actor> {
    with_desk(&state, |d| d.login(Utc::now(), &login, &password).map_err(api))
}

#[tauri::command(async)]
pub fn desk_logout(state: State<'_, AppState>) -> Reply<()> {
    with_desk(&state, |d| d.logout(Utc::now()).map_err(api))
}

#[tauri::command(async)]
pub fn desk_lock(state: State<'_, AppState>) -> Reply<()> {
    with_desk(&state, |d| {
        d.lock();
        Ok(())
    })
}

#[tauri::command(async)]
pub fn desk_unlock(state: State<'_, AppState>, password: String) -> Reply<Actor> {
    with_desk(&state, |d| d.unlock(Utc::now(), &password).map_err(api))
}

#[tauri::command(async)]
pub fn desk_touch(state: State<'_, AppState>) -> Reply<()> {
    with_desk(&state, |d| d.touch(Utc::now()).map_err(api))
}

/// Every operation of the core, by name, as the signed-in user.
#[tauri::command(async)]
pub fn call(state: State<'_, AppState>, name: String, args: Value) -> Reply<Response> {
    with_desk(&state, |d| d.call_json(Utc::now(), &name, args)).map(Response::new)
}

/// A background read (notifications, countdown refresh) that must not count as user activity.
#[tauri::command(async)]
pub fn peek(state: State<'_, AppState>, name: String, args: Value) -> Reply<Response> {
    with_desk(&state, |d| d.peek_json(Utc::now(), &name, args)).map(Response::new)
}
