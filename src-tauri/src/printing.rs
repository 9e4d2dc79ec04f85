//! Printing a document through the platform, and opening it in the default PDF viewer as the
//! fallback. The document itself is made by the core (`export_document`) into a file; this
//! module only hands that file to the operating system. Each platform's code sits behind `cfg`.

use std::path::{Path, PathBuf};
use std::process::Command;

use complaint_desk::{ApiError, CoreError};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Printer {
    pub name: String,
    pub is_default: bool,
}

fn io_error(e: std::io::Error) -> ApiError {
    CoreError::Io(e).to_api()
}

fn printing_failed(detail: impl Into<String>) -> ApiError {
    CoreError::Precondition { rule: "print", reason: "printing_failed".into() }.to_api().with_detail(detail.into())
}

trait WithDetail {
    fn with_detail(self, d: String) -> Self;
}

impl WithDetail for ApiError {
    fn with_detail(mut self, d: String) -> Self {
        self.details["detail"] = serde_json::Value::String(d);
        self
    }
}

/// Where documents are written before printing: the system's temporary folder, one file per
/// document, overwritten next time.
#[tauri::command(async)]
pub fn print_spool_path(file_name: String) -> Result<String, ApiError> {
    let safe: String = file_name.chars().map(|c| if c.is_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let dir = std::env::temp_dir().join("complaint-desk-print");
    std::fs::create_dir_all(&dir).map_err(io_error)?;
    Ok(dir.join(if safe.is_empty() { "document.pdf".into() } else { safe }).to_string_lossy().into_owned())
}

/// The printers the platform knows, the default first.
#[tauri::command(async)]
pub fn list_printers() -> Result<Vec<Printer>, ApiError> {
    Ok(platform::printers())
}

/// Sends a PDF to a printer (or the default one) without further dialogs. When the platform
/// cannot print it (no CUPS, no PDF program with a print verb on Windows), the PDF is opened in
/// the default viewer instead, so the clerk can print from there; the error then says so in
/// `details.fallback = "opened_in_viewer"`.
#[tauri::command(async)]
pub fn print_pdf(path: String, printer: Option<String>, copies: Option<u32>) -> Result<(), ApiError> {
    let p = PathBuf::from(&path);
    if !p.is_file() {
        return Err(CoreError::invalid("path", "file_not_found").to_api());
    }
    match platform::print(&p, printer.as_deref().filter(|s| !s.is_empty()), copies.unwrap_or(1).clamp(1, 99)) {
        Ok(()) => Ok(()),
        Err(mut e) => {
            crate::applog::error(&format!("printing failed: {}", e.details));
            if platform::open(&p).is_ok() {
                e.details["fallback"] = serde_json::Value::String("opened_in_viewer".into());
            }
            Err(e)
        }
    }
}

/// Opens the PDF in the platform's default viewer, where the user can print it.
#[tauri::command(async)]
pub fn open_pdf(path: String) -> Result<(), ApiError> {
    let p = PathBuf::from(&path);
    if !p.is_file() {
        return Err(CoreError::invalid("path", "file_not_found").to_api());
    }
    platform::open(&p)
}

/// Waits for a launched helper (xdg-open, open, start) in the background so it leaves no zombie.
fn reap(mut child: std::process::Child) {
    std::thread::spawn(move || {
        let _ = child.wait();
    });
}

fn run(cmd: &mut Command) -> Result<String, ApiError> {
    let out = cmd.output().map_err(|e| printing_failed(e.to_string()))?;
    if !out.status.success() {
        return Err(printing_failed(String::from_utf8_lossy(&out.stderr).trim().to_string()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
mod platform {
    //! CUPS, on Linux and macOS alike: `lpstat` lists, `lp` prints.
    use super::*;

    /// A program of the host system. Started from the AppImage, the app runs with its own
    /// libraries on the search path; the host's `lp` or `xdg-open` must not get them.
    fn host(program: &str) -> Command {
        let mut cmd = Command::new(program);
        if std::env::var_os("APPIMAGE").is_some() {
            for var in ["LD_LIBRARY_PATH", "GDK_PIXBUF_MODULE_FILE", "GIO_MODULE_DIR", "GSETTINGS_SCHEMA_DIR"] {
                cmd.env_remove(var);
            }
        }
        cmd
    }

    pub fn printers() -> Vec<Printer> {
        let default = host("lpstat").arg("-d").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
        let default = default.rsplit(':').next().map(|s| s.trim().to_string()).unwrap_or_default();
        let names = host("lpstat").arg("-e").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
        let mut v: Vec<Printer> =
            names.lines().map(str::trim).filter(|n| !n.is_empty()).map(|n| Printer { name: n.to_string(), is_default: n == default }).collect();
        v.sort_by_key(|p| !p.is_default);
        v
    }

    pub fn print(path: &Path, printer: Option<&str>, copies: u32) -> Result<(), ApiError> {
        let mut cmd = host("lp");
        if let Some(p) = printer {
            cmd.arg("-d").arg(p);
        }
        cmd.arg("-n").arg(copies.to_string()).arg("-t").arg("Complaint Desk").arg(path);
        run(&mut cmd).map(|_| ())
    }

    pub fn open(path: &Path) -> Result<(), ApiError> {
        #[cfg(target_os = "macos")]
        let mut cmd = host("open");
        #[cfg(not(target_os = "macos"))]
        let mut cmd = host("xdg-open");
        cmd.arg(path).spawn().map(reap).map_err(io_error)
    }
}

#[cfg(target_os = "windows")]
mod platform {
    //! Windows: the printer list from PowerShell (`Get-CimInstance Win32_Printer`); printing
    //! through the shell's "PrintTo"/"Print" verb of the installed PDF program (not waited for:
    //! some PDF programs stay open after printing; a missing verb fails at once, which falls
    //! back to the viewer); opening with the default viewer. PowerShell runs without a console window (`CREATE_NO_WINDOW`), since the
    //! app itself has none.
    use super::*;
    use std::os::windows::process::CommandExt;

    const CREATE_NO_WINDOW: u32 = 0x0800_0000;

    fn powershell(script: &str) -> Command {
        let mut cmd = Command::new("powershell");
        cmd.args(["-NoProfile", "-NonInteractive", "-Command", script]).creation_flags(CREATE_NO_WINDOW);
        cmd
    }

    pub fn printers() -> Vec<Printer> {
        let out = powershell("Get-CimInstance Win32_Printer | ForEach-Object { \"$($_.Default)|$($_.Name)\" }").output();
        let text = out.ok().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
        let mut v: Vec<Printer> = text
            .lines()
            .filter_map(|l| l.split_once('|'))
            .map(|(d, n)| Printer { name: n.trim().to_string(), is_default: d.trim().eq_ignore_ascii_case("true") })
            .collect();
        v.sort_by_key(|p| !p.is_default);
        v
    }

    pub fn print(path: &Path, printer: Option<&str>, copies: u32) -> Result<(), ApiError> {
        let file = path.to_string_lossy().replace('\'', "''");
        for _ in 0..copies {
            let script = match printer {
                Some(p) => format!("Start-Process -FilePath '{file}' -Verb PrintTo -ArgumentList '\"{}\"'", p.replace('\'', "''")),
                None => format!("Start-Process -FilePath '{file}' -Verb Print"),
            };
            run(&mut powershell(&script))?;
        }
        Ok(())
    }

    pub fn open(path: &Path) -> Result<(), ApiError> {
        Command::new("cmd").args(["/C", "start", ""]).arg(path).creation_flags(CREATE_NO_WINDOW).spawn().map(reap).map_err(io_error)
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "freebsd", target_os = "windows")))]
mod platform {
    //! Any other platform: no printer list and no printing; documents can still be saved.
    use super::*;

    pub fn printers() -> Vec<Printer> {
        Vec::new()
    }

    pub fn print(_path: &Path, _printer: Option<&str>, _copies: u32) -> Result<(), ApiError> {
        Err(printing_failed("printing is not supported on this platform"))
    }

    pub fn open(_path: &Path) -> Result<(), ApiError> {
        Err(printing_failed("no default viewer on this platform"))
    }
}
