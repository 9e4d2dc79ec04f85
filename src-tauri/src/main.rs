// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Linux: WebKitGTK's accelerated compositing costs ~170 MB per window (software GL where
    // there is no GPU, as on many office PCs and under Xvfb) and slows the first paint, for
    // forms and lists that gain nothing from it (issue 8 case 7: memory 1.8× a bare Tauri window
    // with it, 1.2× without). Also the usual cure for blank windows on some GPU drivers. Set
    // before any thread starts; a value the user set wins.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    complaint_desk_app::run();
}
