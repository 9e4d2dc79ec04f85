//! Issue 8, case 7: the desktop app against a bare Tauri window of the same version: cold start to
//! the board (under Xvfb, from the process start to the markers the UI sets) and the memory of the
//! app with its WebKit processes once the board shows. The measuring is done by
//! `benches/desktop/measure.py` (WebDriver through tauri-driver, as the end-to-end tests do: it is
//! how the app can be signed in to); this module finds what it needs, builds the floor
//! (`benches/minimal-window`) and returns the runner's JSON.
//!
//! Used by `benches/suite.rs` as `#[path = "desktop.rs"] mod desktop;`. Cargo also takes this file
//! for a bench target of its own (benches/*.rs), with the test harness and no benchmarks in it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A dataset bigger than this is used in place (its only change: the sign-in events), not copied.
const COPY_LIMIT: u64 = 2 << 30;
/// What must stay free on the disk after the copy.
const KEEP_FREE: u64 = 8 << 30;

/// Measures `runs` cold starts of the release app on `dataset` (a demo database; cs01 signs in)
/// and of the minimal window, in turn. `Err("skipped: …")` when the release app, the WebDriver
/// tools or the display server are missing; `Err(…)` when a measurement failed.
pub fn measure(dataset: &Path, runs: usize) -> Result<serde_json::Value, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_relative() { root.join(t) } else { t })
        .unwrap_or_else(|| root.join("target"));
    let app = target.join("release/complaint-desk");
    // A missing (or stale) release app is built below with the floor, from the window's built
    // files; without them there is nothing to build it from.
    if !app.exists() && !root.join("ui/dist/index.html").exists() {
        return Err(format!(
            "skipped: the release app {} is not built and ui/dist is missing (./scripts/test or ./scripts/package build both)",
            app.display()
        ));
    }
    let python = root.join("target/tools/venv/bin/python");
    if !python.exists() {
        return Err(format!("skipped: {} is missing (./scripts/test makes it, with selenium)", python.display()));
    }
    let driver = find_tool("tauri-driver", &[root.join("target/tools/bin"), home_cargo_bin()]);
    if driver.is_none() {
        return Err("skipped: tauri-driver is not installed (./scripts/test installs it)".into());
    }
    if !Path::new("/usr/bin/WebKitWebDriver").exists() || find_tool("Xvfb", &[]).is_none() {
        return Err("skipped: /usr/bin/WebKitWebDriver or Xvfb is missing (webkit2gtk-driver, xvfb)".into());
    }
    if !dataset.exists() {
        return Err(format!("the dataset {} does not exist", dataset.display()));
    }

    let floor = build_floor(&root, &target)?;

    let size = std::fs::metadata(dataset).map(|m| m.len()).unwrap_or(0);
    let in_place = size > COPY_LIMIT || free_bytes(&std::env::temp_dir()).is_some_and(|f| f < size + KEEP_FREE);
    let stem = dataset.file_stem().unwrap_or_default().to_string_lossy().into_owned();
    let out = target.join(format!("bench/desktop-{stem}.json"));
    let _ = std::fs::remove_file(&out);

    let mut cmd = Command::new(&python);
    cmd.arg(root.join("benches/desktop/measure.py"))
        .arg("--app")
        .arg(&app)
        .arg("--floor")
        .arg(&floor)
        .arg("--db")
        .arg(dataset)
        .args(["--runs", &runs.max(1).to_string()])
        .arg("--out")
        .arg(&out);
    if in_place {
        cmd.arg("--in-place");
    }
    if let Some(parent) = driver.as_deref().and_then(Path::parent) {
        // The runner looks for tauri-driver on PATH.
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![parent.to_path_buf()];
        dirs.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(dirs).map_err(|e| e.to_string())?);
    }
    // Its table and progress go to stderr, beside the suite's own progress.
    cmd.stdout(std::io::stderr()).stderr(Stdio::inherit());
    run_with_limit(cmd, Duration::from_secs(300 + 90 * runs as u64))?;

    let text = std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", out.display()))
}

/// `cargo build --release` of the minimal window together with the app: built in one go, the two
/// share their dependencies' features, so after ./scripts/package only the small crate compiles
/// (the app is fresh; a stale one is brought up to date, which is what should be measured).
fn build_floor(root: &Path, target: &Path) -> Result<PathBuf, String> {
    eprintln!("desktop: building the minimal window (cargo build --release -p minimal-window) …");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "--locked", "--quiet", "-p", "complaint-desk-app", "-p", "minimal-window"])
        .output()
        .map_err(|e| format!("cargo: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(15).collect();
        return Err(format!("building the minimal window failed:\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n")));
    }
    let floor = target.join("release/minimal-window");
    floor.exists().then_some(floor).ok_or_else(|| "the minimal window was built but is not in target/release".into())
}

/// Runs the measurement in its own process group, killed whole if it outlives `limit` (a hung
/// WebDriver session must not hang the suite).
fn run_with_limit(mut cmd: Command, limit: Duration) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let mut child = cmd.process_group(0).spawn().map_err(|e| format!("measure.py: {e}"))?;
    let start = Instant::now();
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(s) if s.success() => return Ok(()),
            Some(s) => return Err(format!("benches/desktop/measure.py failed ({s})")),
            None if start.elapsed() > limit => {
                let _ = Command::new("kill").args(["-KILL", &format!("-{}", child.id())]).status();
                let _ = child.wait();
                return Err(format!("benches/desktop/measure.py took more than {} s; stopped", limit.as_secs()));
            }
            None => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

fn home_cargo_bin() -> PathBuf {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin")).unwrap_or_default()
}

/// The program on PATH, or else in one of `extra`.
fn find_tool(name: &str, extra: &[PathBuf]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).chain(extra.iter().cloned()).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Free space (bytes) where `dir` is, per `df`; None if it cannot be read (also the suite's).
pub fn free_bytes(dir: &Path) -> Option<u64> {
    let out = Command::new("df").args(["--output=avail", "-k"]).arg(dir).output().ok()?;
    String::from_utf8_lossy(&out.stdout).lines().nth(1)?.trim().parse::<u64>().ok().map(|kb| kb * 1024)
}

/// The case alone, on the dataset in `CDESK_DESKTOP_DATASET` (`CDESK_DESKTOP_RUNS`, default 5):
/// `cargo test --release --bench desktop -- --ignored --nocapture`.
#[cfg(test)]
mod tests {
    #[test]
    #[ignore = "starts the release app under Xvfb for a minute or more; needs CDESK_DESKTOP_DATASET"]
    fn desktop_case() {
        let dataset = std::env::var_os("CDESK_DESKTOP_DATASET").expect("CDESK_DESKTOP_DATASET=<demo database>");
        let runs = std::env::var("CDESK_DESKTOP_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
        match super::measure(std::path::Path::new(&dataset), runs) {
            Ok(v) => println!("{}", serde_json::to_string_pretty(&v).unwrap()),
            Err(e) if e.starts_with("skipped:") => println!("{e}"),
            Err(e) => panic!("{e}"),
        }
    }
}
