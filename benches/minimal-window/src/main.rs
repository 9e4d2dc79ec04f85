//! A bare Tauri window, the floor of the desktop benchmark (`benches/desktop/measure.py`): the
//! same Tauri as the app, one page, one command. Whatever the app costs beyond this is ours.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The page's one IPC round trip, so the floor includes the IPC start-up the app also pays.
#[tauri::command]
fn ping() -> &'static str {
    "pong"
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ping])
        .run(tauri::generate_context!())
        .expect("the minimal window could not start");
}
