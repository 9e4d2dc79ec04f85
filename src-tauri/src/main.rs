// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    without_accelerated_compositing();
    complaint_desk_app::run();
}

/// Linux: WebKitGTK draws the page without accelerated compositing, unless the user set
/// `WEBKIT_DISABLE_COMPOSITING_MODE` themselves (their value wins; WebKit reads "0" as "on").
///
/// Why (issue 8, case 7b; WebKitGTK 2.50, no GPU, as under Xvfb and on many office PCs): with
/// compositing, the web process's compositor and Skia painting threads keep the layers' tiles
/// and GL textures in ordinary malloc'd memory (software GL, llvmpipe): ~160 MB of pixel
/// buffers for this app's screens (web process anonymous memory 250 MB → 85 MB without).
/// Measured with benches/desktop/measure.py, PSS summed over the app and its WebKit processes
/// on the board, against a bare Tauri window (benches/minimal-window): 10k complaints 489 →
/// 305 MB (1.75× → 1.09×), 1M complaints 552 → 344 MB (1.98× → 1.24×); the board also shows
/// sooner. Forms and lists gain nothing from compositing. (`WEBKIT_DISABLE_DMABUF_RENDERER=1`
/// turned compositing off here too; the Skia knobs saved at most 60 MB.)
///
/// What it costs: WebKitWebDriver takes a screenshot after the page's next paint, and a page
/// that does not change is not painted again without compositing, so the screenshot of a
/// still screen waited forever; the end-to-end harness keeps the page repainting while it
/// takes one (tests/e2e/harness.py, `App.shot`). Users are not affected.
///
/// Set first thing in `main`, before any thread starts (only then is changing the environment
/// sound); the web process inherits it.
fn without_accelerated_compositing() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}
