//! Printing a document through the platform, and opening it in the default PDF viewer as the
//! fallback. The document itself is made by the core (`export_document`) into a file of the
//! private print spool (`crate::spool`); this module only hands that file to the operating
//! system, as an argument, never inside a command line or a script (issue 25, item 6). Each
//! platform's code sits behind `cfg`.

use std::path::Path;
#[cfg(not(target_os = "windows"))]
use std::process::Command;
use std::time::Instant;

use complaint_desk::{ApiError, CoreError};
use serde::Serialize;
use tauri::State;

use crate::spool::Spool;
use crate::AppState;

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

/// A new private file in the spool folder for one document (`crate::spool`): the window passes
/// it to `export_document` and then to `print_pdf` or `open_pdf`.
#[tauri::command(async)]
pub fn print_spool_path(state: State<'_, AppState>, file_name: String) -> Result<String, ApiError> {
    let actor = crate::commands::signed_in(&state, "print_spool_path")?;
    state.spool.issue(&actor.login, &file_name, Instant::now()).map(|p| p.display().to_string())
}

/// The printers the platform knows, the default first.
#[tauri::command(async)]
pub fn list_printers(state: State<'_, AppState>) -> Result<Vec<Printer>, ApiError> {
    crate::commands::signed_in(&state, "list_printers")?;
    Ok(platform::printers())
}

/// Sends a PDF to a printer (or the default one) without further dialogs. When the platform
/// cannot print it (no CUPS, no PDF program with a print verb on Windows), the PDF is opened in
/// the default viewer instead, so the clerk can print from there; the error then says so in
/// `details.fallback = "opened_in_viewer"`. Only a file of this session's spool is accepted, and
/// only a printer the platform lists.
#[tauri::command(async)]
pub fn print_pdf(state: State<'_, AppState>, path: String, printer: Option<String>, copies: Option<u32>) -> Result<(), ApiError> {
    let actor = crate::commands::signed_in(&state, "print_pdf")?;
    let printer = printer.filter(|s| !s.is_empty());
    if let Some(p) = &printer {
        if !platform::printers().iter().any(|known| &known.name == p) {
            return Err(CoreError::invalid("printer", "unknown_printer").to_api());
        }
    }
    let platform = Platform { print: platform::print, open: platform::open, print_reads_later: platform::PRINT_READS_LATER };
    print_spooled(&state.spool, &actor.login, &path, printer.as_deref(), copies.unwrap_or(1), &platform, Instant::now())
}

/// Opens the PDF in the platform's default viewer, where the user can print it.
#[tauri::command(async)]
pub fn open_pdf(state: State<'_, AppState>, path: String) -> Result<(), ApiError> {
    let actor = crate::commands::signed_in(&state, "open_pdf")?;
    let p = state.spool.claim(&actor.login, &path)?;
    platform::open(&p)?;
    state.spool.handed_over(&p, Instant::now());
    Ok(())
}

/// What printing needs from the platform, apart so that the spool's handling is tested here.
pub(crate) struct Platform {
    pub print: fn(&Path, Option<&str>, u32) -> Result<(), ApiError>,
    pub open: fn(&Path) -> Result<(), ApiError>,
    /// The print call returns before the file has been read (the Windows print verb starts the
    /// PDF program and returns), so the file must stay a while.
    pub print_reads_later: bool,
}

pub(crate) fn print_spooled(
    spool: &Spool,
    login: &str,
    path: &str,
    printer: Option<&str>,
    copies: u32,
    platform: &Platform,
    now: Instant,
) -> Result<(), ApiError> {
    let p = spool.claim(login, path)?;
    match (platform.print)(&p, printer, copies.clamp(1, 99)) {
        Ok(()) if platform.print_reads_later => {
            spool.handed_over(&p, now);
            Ok(())
        }
        Ok(()) => {
            spool.printed(&p);
            Ok(())
        }
        Err(mut e) => {
            crate::applog::error(&format!("printing failed: {}", e.details));
            if (platform.open)(&p).is_ok() {
                e.details["fallback"] = serde_json::Value::String("opened_in_viewer".into());
                spool.handed_over(&p, now);
            } else {
                spool.printed(&p);
            }
            Err(e)
        }
    }
}

/// Waits for a launched helper (xdg-open, open) in the background so it leaves no zombie.
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
fn reap(mut child: std::process::Child) {
    std::thread::spawn(move || {
        let _ = child.wait();
    });
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
fn run(cmd: &mut Command) -> Result<String, ApiError> {
    let out = cmd.output().map_err(|e| printing_failed(e.to_string()))?;
    if !out.status.success() {
        return Err(printing_failed(String::from_utf8_lossy(&out.stderr).trim().to_string()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// One argument for a Windows program's command line, by the rules its C runtime (and
/// `CommandLineToArgvW`) reads them back: always in double quotes, a quote inside escaped, and
/// the backslashes before a quote (or before the closing one) doubled. A printer named
/// `HP "x" /t` reaches the PDF program as that one name, never as extra switches.
#[cfg(any(target_os = "windows", test))]
pub(crate) fn quote_windows_arg(s: &str) -> String {
    let mut out = String::from("\"");
    let mut backslashes = 0usize;
    for c in s.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.extend(std::iter::repeat('\\').take(backslashes * 2 + 1));
                out.push('"');
                backslashes = 0;
            }
            c => {
                out.extend(std::iter::repeat('\\').take(backslashes));
                out.push(c);
                backslashes = 0;
            }
        }
    }
    out.extend(std::iter::repeat('\\').take(backslashes * 2));
    out.push('"');
    out
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
mod platform {
    //! CUPS, on Linux and macOS alike: `lpstat` lists, `lp` prints. Paths and printer names are
    //! separate arguments of the program (no shell), and `lp` has sent the whole file to the
    //! CUPS server when it returns, so the spooled file can go at once.
    use super::*;

    pub const PRINT_READS_LATER: bool = false;

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
        let mut v: Vec<Printer> = names
            .lines()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| Printer { name: n.to_string(), is_default: n == default })
            .collect();
        v.sort_by_key(|p| !p.is_default);
        v
    }

    pub fn print(path: &Path, printer: Option<&str>, copies: u32) -> Result<(), ApiError> {
        let mut cmd = host("lp");
        if let Some(p) = printer {
            cmd.arg("-d").arg(p);
        }
        cmd.arg("-n").arg(copies.to_string()).arg("-t").arg("Complaint Desk").arg("--").arg(path);
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
    //! Windows, through the platform's API with arguments, never a `cmd /C` line or a
    //! PowerShell script built from a path or a printer name: `EnumPrintersW` and
    //! `GetDefaultPrinterW` list the printers; `ShellExecuteExW` runs the installed PDF
    //! program's "printto" verb (the printer name as its one quoted parameter) or "print" (the
    //! default printer), and "open" for the viewer. The verbs start the PDF program and return
    //! before it has read the file, so the spool keeps it a while (`PRINT_READS_LATER`); a
    //! missing verb fails at once, which falls back to the viewer.
    use super::*;
    use std::ffi::OsStr;
    use std::os::windows::ffi::OsStrExt;

    use windows_sys::Win32::Foundation::GetLastError;
    use windows_sys::Win32::Graphics::Printing::{
        EnumPrintersW, GetDefaultPrinterW, PRINTER_ENUM_CONNECTIONS, PRINTER_ENUM_LOCAL, PRINTER_INFO_4W,
    };
    use windows_sys::Win32::System::Com::{CoInitializeEx, CoUninitialize, COINIT_APARTMENTTHREADED, COINIT_DISABLE_OLE1DDE};
    use windows_sys::Win32::UI::Shell::{ShellExecuteExW, SEE_MASK_FLAG_NO_UI, SEE_MASK_NOASYNC, SHELLEXECUTEINFOW};
    use windows_sys::Win32::UI::WindowsAndMessaging::{SW_HIDE, SW_SHOWNORMAL};

    pub const PRINT_READS_LATER: bool = true;

    fn wide(s: &OsStr) -> Vec<u16> {
        s.encode_wide().chain(Some(0)).collect()
    }

    /// A NUL-terminated UTF-16 string the API returned.
    ///
    /// SAFETY: `p` is null or points to a NUL-terminated UTF-16 string that outlives the call.
    unsafe fn from_wide(p: *const u16) -> String {
        if p.is_null() {
            return String::new();
        }
        let mut n = 0;
        while *p.add(n) != 0 {
            n += 1;
        }
        String::from_utf16_lossy(std::slice::from_raw_parts(p, n))
    }

    fn default_printer() -> Option<String> {
        let mut len: u32 = 0;
        // SAFETY: a null buffer with length 0 asks for the needed length (in characters).
        unsafe { GetDefaultPrinterW(std::ptr::null_mut(), &mut len) };
        if len == 0 {
            return None;
        }
        let mut buf = vec![0u16; len as usize];
        // SAFETY: `buf` holds `len` characters, as the first call asked for.
        if unsafe { GetDefaultPrinterW(buf.as_mut_ptr(), &mut len) } == 0 {
            return None;
        }
        // SAFETY: the call succeeded and wrote a NUL-terminated name into `buf`.
        Some(unsafe { from_wide(buf.as_ptr()) })
    }

    pub fn printers() -> Vec<Printer> {
        let flags = PRINTER_ENUM_LOCAL | PRINTER_ENUM_CONNECTIONS;
        let (mut needed, mut count) = (0u32, 0u32);
        // SAFETY: a null buffer of size 0 asks for the size needed; the call fails with
        // ERROR_INSUFFICIENT_BUFFER and sets `needed`.
        unsafe { EnumPrintersW(flags, std::ptr::null(), 4, std::ptr::null_mut(), 0, &mut needed, &mut count) };
        if needed == 0 {
            return Vec::new();
        }
        // 8-byte aligned: the buffer holds PRINTER_INFO_4W structs (pointers) and their strings.
        let mut buf = vec![0u64; (needed as usize).div_ceil(8)];
        let size = (buf.len() * 8) as u32;
        // SAFETY: `buf` is `size` bytes, at least `needed`, and suitably aligned.
        let ok = unsafe { EnumPrintersW(flags, std::ptr::null(), 4, buf.as_mut_ptr().cast(), size, &mut needed, &mut count) };
        if ok == 0 {
            crate::applog::error(&format!("EnumPrintersW failed (error {})", unsafe { GetLastError() }));
            return Vec::new();
        }
        // SAFETY: on success the buffer starts with `count` PRINTER_INFO_4W whose strings point
        // into the same buffer, which lives until the end of this function.
        let infos = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<PRINTER_INFO_4W>(), count as usize) };
        let default = default_printer();
        let mut v: Vec<Printer> = infos
            .iter()
            .map(|i| unsafe { from_wide(i.pPrinterName) })
            .filter(|n| !n.is_empty())
            .map(|name| Printer { is_default: default.as_deref() == Some(name.as_str()), name })
            .collect();
        v.sort_by_key(|p| !p.is_default);
        v
    }

    fn shell_execute(verb: &str, file: &Path, parameters: Option<&str>, show: i32) -> Result<(), ApiError> {
        let verb_w = wide(OsStr::new(verb));
        let file_w = wide(file.as_os_str());
        let params_w = parameters.map(|p| wide(OsStr::new(p)));
        // SAFETY: all-zero is a valid SHELLEXECUTEINFOW (null pointers, no flags).
        let mut info: SHELLEXECUTEINFOW = unsafe { std::mem::zeroed() };
        info.cbSize = std::mem::size_of::<SHELLEXECUTEINFOW>() as u32;
        // NOASYNC: this thread has no message loop, so the call must finish before it returns;
        // FLAG_NO_UI: an error comes back to us instead of a dialog box.
        info.fMask = SEE_MASK_NOASYNC | SEE_MASK_FLAG_NO_UI;
        info.lpVerb = verb_w.as_ptr();
        info.lpFile = file_w.as_ptr();
        info.lpParameters = params_w.as_ref().map_or(std::ptr::null(), |p| p.as_ptr());
        info.nShow = show;
        // Shell verbs may be COM handlers; the thread needs COM (in the mode the docs ask for).
        // SAFETY: plain initialisation of this thread; undone below only if it succeeded.
        let com = unsafe { CoInitializeEx(std::ptr::null(), (COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE) as u32) };
        // SAFETY: `info` and the strings it points to live until the call returns.
        let ok = unsafe { ShellExecuteExW(&mut info) };
        let code = if ok == 0 { unsafe { GetLastError() } } else { 0 };
        if com >= 0 {
            // SAFETY: balances the successful CoInitializeEx above.
            unsafe { CoUninitialize() };
        }
        if ok == 0 {
            return Err(printing_failed(format!("ShellExecuteExW \"{verb}\" failed (error {code})")));
        }
        Ok(())
    }

    pub fn print(path: &Path, printer: Option<&str>, copies: u32) -> Result<(), ApiError> {
        for _ in 0..copies {
            match printer {
                Some(p) => shell_execute("printto", path, Some(&quote_windows_arg(p)), SW_HIDE)?,
                None => shell_execute("print", path, None, SW_HIDE)?,
            }
        }
        Ok(())
    }

    pub fn open(path: &Path) -> Result<(), ApiError> {
        shell_execute("open", path, None, SW_SHOWNORMAL)
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "freebsd", target_os = "windows")))]
mod platform {
    //! Any other platform: no printer list and no printing; documents can still be saved.
    use super::*;

    pub const PRINT_READS_LATER: bool = false;

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::path::PathBuf;

    thread_local! {
        /// What the fake platform was handed on this test's thread, and whether it could read
        /// the file then.
        static SEEN: RefCell<Vec<(String, bool)>> = const { RefCell::new(Vec::new()) };
    }

    fn seen() -> Vec<(String, bool)> {
        SEEN.with(|s| s.borrow().clone())
    }

    fn fake_print(p: &Path, _: Option<&str>, _: u32) -> Result<(), ApiError> {
        SEEN.with(|s| s.borrow_mut().push(("print".into(), std::fs::read(p).is_ok_and(|b| b.starts_with(b"%PDF")))));
        Ok(())
    }
    fn failing_print(_: &Path, _: Option<&str>, _: u32) -> Result<(), ApiError> {
        Err(printing_failed("no CUPS"))
    }
    fn fake_open(p: &Path) -> Result<(), ApiError> {
        SEEN.with(|s| s.borrow_mut().push(("open".into(), p.exists())));
        Ok(())
    }

    fn spool(name: &str) -> (PathBuf, Spool) {
        let root = std::env::temp_dir().join(format!("cdesk-printing-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let s = Spool::new(root.join("print"));
        (root, s)
    }

    #[test]
    fn a_printed_document_is_gone_after_printing() {
        let (root, spool) = spool("printed");
        let now = Instant::now();
        let file = spool.issue("cs01", "CD-1-receipt.pdf", now).unwrap();
        complaint_desk::docs::write_atomically(&file, b"%PDF-1.7 receipt").unwrap();
        let platform = Platform { print: fake_print, open: fake_open, print_reads_later: false };
        print_spooled(&spool, "cs01", &file.display().to_string(), None, 1, &platform, now).unwrap();
        assert!(seen().contains(&("print".into(), true)), "the printer got the document");
        assert!(!file.exists(), "the spooled document is deleted once lp has returned");
        assert_eq!(std::fs::read_dir(spool.dir()).unwrap().count(), 0);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn without_a_printer_the_viewer_gets_it_and_it_goes_later() {
        let (root, spool) = spool("fallback");
        let now = Instant::now();
        let file = spool.issue("cs01", "x.pdf", now).unwrap();
        complaint_desk::docs::write_atomically(&file, b"%PDF-1.7").unwrap();
        let platform = Platform { print: failing_print, open: fake_open, print_reads_later: false };
        let e = print_spooled(&spool, "cs01", &file.display().to_string(), None, 1, &platform, now).unwrap_err();
        assert_eq!(e.details["fallback"], "opened_in_viewer");
        assert!(file.exists(), "the viewer still has to read it");
        spool.expire(now + crate::spool::VIEWER_GRACE);
        assert!(!file.exists(), "deleted after the viewer's grace period");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_file_the_spool_did_not_hand_out_is_never_printed() {
        let (root, spool) = spool("foreign");
        let secret = root.join("secret.pdf");
        std::fs::write(&secret, b"%PDF-").unwrap();
        let platform = Platform { print: fake_print, open: fake_open, print_reads_later: false };
        let e = print_spooled(&spool, "cs01", &secret.display().to_string(), None, 1, &platform, Instant::now()).unwrap_err();
        assert_eq!(e.message_key, "error.invalid.not_a_spool_file");
        assert!(seen().is_empty(), "neither the printer nor the viewer was called");
        assert!(secret.exists());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_printer_name_stays_one_argument_on_windows() {
        assert_eq!(quote_windows_arg("HP LaserJet"), r#""HP LaserJet""#);
        assert_eq!(quote_windows_arg(r#"x" /t "evil"#), r#""x\" /t \"evil""#);
        assert_eq!(quote_windows_arg(r"\\server\share\"), r#""\\server\share\\""#);
        assert_eq!(quote_windows_arg(r#"a\"b"#), r#""a\\\"b""#);
    }
}
