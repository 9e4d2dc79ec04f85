//! The print spool: where a document waits between the core writing it (`export_document`) and
//! the printer or the PDF viewer reading it (issue 25, item 4).
//!
//! Documents carry customers' names, phone numbers and signatures, so the folder is private to
//! this OS account and nothing in it can be swapped by another one:
//!
//! * Linux/macOS: `$XDG_RUNTIME_DIR/complaint-desk-print` (a per-user tmpfs that the login
//!   session removes at logout) when that is set, else `print/` in the per-user cache folder.
//!   Windows: `print\` under the per-user `%LOCALAPPDATA%` cache folder, private by its ACL.
//! * The folder is made 0700. One that exists already is used only if it is a real folder (not
//!   a symlink) owned by this user; group/other permissions on it are taken away. Anything else
//!   is refused with `spool_folder_unsafe`, never "fixed" by following it.
//! * Each document gets a new file with a random name, created `O_CREAT|O_EXCL|O_NOFOLLOW` with
//!   mode 0600 (the core's atomic write keeps the mode of the file it replaces).
//! * Only a file this spool handed out, to the same signed-in login, can be printed or opened
//!   (`claim`): the window cannot send any other file on disk to the printer or the viewer.
//! * A printed file is deleted as soon as `lp` has returned (CUPS has its own copy then). One
//!   handed to a program that reads it later (the PDF viewer, the Windows print verb) is deleted
//!   `VIEWER_GRACE` after that, or when the app closes, whichever comes first. A reserved file
//!   that was never used goes after `UNUSED_GRACE`. What a crash left behind is removed at the
//!   next start once older than `STALE_AFTER`.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use complaint_desk::{ApiError, CoreError};

/// A file handed to the PDF viewer (or the Windows print verb) stays this long.
pub const VIEWER_GRACE: Duration = Duration::from_secs(10 * 60);
/// A reserved file that was never printed or opened (the export failed) stays this long.
pub const UNUSED_GRACE: Duration = Duration::from_secs(10 * 60);
/// Left-overs of an earlier run (a crash, a power cut) older than this are removed at start.
pub const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The folder's name under `$XDG_RUNTIME_DIR`, which other programs share.
const RUNTIME_NAME: &str = "complaint-desk-print";

struct Issued {
    login: String,
    remove_after: Instant,
}

pub struct Spool {
    dir: PathBuf,
    issued: Mutex<HashMap<PathBuf, Issued>>,
}

fn unsafe_folder(dir: &Path, why: &str) -> ApiError {
    let mut e = CoreError::Precondition { rule: "print", reason: "spool_folder_unsafe".into() }.to_api();
    e.details["folder"] = serde_json::Value::String(dir.display().to_string());
    e.details["detail"] = serde_json::Value::String(why.into());
    e
}

fn not_a_spool_file() -> ApiError {
    CoreError::invalid("path", "not_a_spool_file").to_api()
}

/// Where the spool folder goes, from the environment's `XDG_RUNTIME_DIR` (Unix only; ignored
/// when empty or relative, as the XDG spec asks) and the per-user cache folder.
pub fn default_dir(runtime_dir: Option<&std::ffi::OsStr>, cache_dir: Option<&Path>) -> PathBuf {
    if cfg!(unix) {
        if let Some(r) = runtime_dir.map(PathBuf::from).filter(|p| p.is_absolute()) {
            return r.join(RUNTIME_NAME);
        }
    }
    match cache_dir {
        Some(c) => c.join("print"),
        // No home folder at all: still a folder of this user's, checked like any other.
        None => std::env::temp_dir().join(format!("{RUNTIME_NAME}-{}", user_tag())),
    }
}

/// The spool folder of this process's environment.
pub fn default_for_this_user() -> PathBuf {
    let dirs = directories::ProjectDirs::from("com", "ComplaintDesk", "ComplaintDesk");
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty());
    default_dir(runtime.as_deref(), dirs.as_ref().map(|d| d.cache_dir()))
}

#[cfg(unix)]
fn user_tag() -> String {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }.to_string()
}

#[cfg(not(unix))]
fn user_tag() -> String {
    std::env::var("USERNAME").unwrap_or_default()
}

/// A random file name for one document; `hint` (the window's "CD-2026-0001-receipt.pdf") is
/// kept after it, cleaned, so the viewer's title still says what the document is.
fn file_name(hint: &str) -> String {
    let mut safe: String = hint.chars().filter(|c| c.is_alphanumeric() || "-_.".contains(*c)).take(80).collect();
    safe = safe.trim_start_matches('.').to_string();
    if !safe.to_ascii_lowercase().ends_with(".pdf") {
        safe.push_str(".pdf");
    }
    format!("{:032x}-{safe}", rand::random::<u128>())
}

impl Spool {
    pub fn new(dir: PathBuf) -> Spool {
        Spool { dir, issued: Mutex::new(HashMap::new()) }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn issued(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Issued>> {
        self.issued.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The folder, created or checked (see the module's notes), every time it is used: a folder
    /// swapped while the app runs is caught at the next document.
    pub fn folder(&self) -> Result<PathBuf, ApiError> {
        prepare(&self.dir)?;
        Ok(self.dir.clone())
    }

    /// Reserves a new, empty, private file for one document of `login`.
    pub fn issue(&self, login: &str, hint: &str, now: Instant) -> Result<PathBuf, ApiError> {
        let dir = self.folder()?;
        let path = dir.join(file_name(hint));
        create_private_file(&path).map_err(|e| CoreError::Io(e).to_api())?;
        self.issued().insert(path.clone(), Issued { login: login.to_string(), remove_after: now + UNUSED_GRACE });
        Ok(path)
    }

    /// The file at `path`, if this spool handed it to `login` and it is still a private file of
    /// ours (not replaced by a symlink, not made readable by others).
    pub fn claim(&self, login: &str, path: &str) -> Result<PathBuf, ApiError> {
        let p = PathBuf::from(path);
        match self.issued().get(&p) {
            Some(i) if i.login == login => {}
            _ => return Err(not_a_spool_file()),
        }
        prepare(&self.dir)?;
        let meta = fs::symlink_metadata(&p).map_err(|_| CoreError::invalid("path", "file_not_found").to_api())?;
        if !meta.file_type().is_file() {
            return Err(not_a_spool_file());
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            if meta.uid() != current_uid() || meta.permissions().mode() & 0o077 != 0 {
                return Err(not_a_spool_file());
            }
        }
        Ok(p)
    }

    /// The document went to the printer, which has its own copy: delete it now.
    pub fn printed(&self, path: &Path) {
        self.issued().remove(path);
        remove_quietly(path);
    }

    /// The document was handed to a program that reads it later: keep it `VIEWER_GRACE`.
    pub fn handed_over(&self, path: &Path, now: Instant) {
        if let Some(i) = self.issued().get_mut(path) {
            i.remove_after = now + VIEWER_GRACE;
        }
    }

    /// Deletes the files whose time is up; the janitor calls this every minute.
    pub fn expire(&self, now: Instant) -> usize {
        let mut issued = self.issued();
        let due: Vec<PathBuf> = issued.iter().filter(|(_, i)| i.remove_after <= now).map(|(p, _)| p.clone()).collect();
        for p in &due {
            issued.remove(p);
            remove_quietly(p);
        }
        due.len()
    }

    /// At exit: every file of this run goes.
    pub fn remove_all(&self) {
        for (p, _) in self.issued().drain() {
            remove_quietly(&p);
        }
    }

    /// At start: files (and `.part` left-overs of an interrupted write) older than `older_than`.
    /// Only plain files and symlinks are removed, never followed; a folder that is not safe is
    /// left alone (it is refused when a document is printed).
    pub fn sweep_stale(&self, older_than: Duration) -> usize {
        if fs::symlink_metadata(&self.dir).is_err() || prepare(&self.dir).is_err() {
            return 0;
        }
        let now = SystemTime::now();
        let Ok(entries) = fs::read_dir(&self.dir) else { return 0 };
        let mut removed = 0;
        for e in entries.flatten() {
            let Ok(meta) = fs::symlink_metadata(e.path()) else { continue };
            if meta.is_dir() {
                continue;
            }
            let age = meta.modified().ok().and_then(|m| now.duration_since(m).ok()).unwrap_or_default();
            if age >= older_than && fs::remove_file(e.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

fn remove_quietly(path: &Path) {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            crate::applog::error(&format!("could not delete the spooled document {}: {e}", path.display()))
        }
        _ => {}
    }
}

#[cfg(unix)]
pub(crate) fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// A new file, never an existing one and never through a symlink, readable by its owner only.
pub(crate) fn create_private_file(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    let f = o.open(path)?;
    #[cfg(unix)]
    {
        // The umask can only take bits away; this makes the mode exact whatever it is.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}

/// Creates the spool folder (0700) or checks the one that is there.
#[cfg(unix)]
fn prepare(dir: &Path) -> Result<(), ApiError> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};

    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).ok_or_else(|| unsafe_folder(dir, "no parent folder"))?;
    if fs::symlink_metadata(parent).is_err() {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(parent).map_err(|e| unsafe_folder(dir, &e.to_string()))?;
    }
    // The parent must not let others rename our folder away and put theirs in its place
    // (group/other write without the sticky bit, as /tmp has).
    let pm = fs::metadata(parent).map_err(|e| unsafe_folder(dir, &e.to_string()))?;
    if pm.mode() & 0o022 != 0 && pm.mode() & 0o1000 == 0 {
        return Err(unsafe_folder(dir, "the parent folder is writable by other users"));
    }
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(unsafe_folder(dir, &e.to_string())),
    }
    let link = fs::symlink_metadata(dir).map_err(|e| unsafe_folder(dir, &e.to_string()))?;
    if link.file_type().is_symlink() {
        return Err(unsafe_folder(dir, "it is a symbolic link"));
    }
    // Checked and tightened through one handle opened without following a symlink, so what is
    // checked is what is changed.
    let handle = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(dir)
        .map_err(|e| unsafe_folder(dir, &e.to_string()))?;
    let meta = handle.metadata().map_err(|e| unsafe_folder(dir, &e.to_string()))?;
    if !meta.is_dir() {
        return Err(unsafe_folder(dir, "it is not a folder"));
    }
    if meta.uid() != current_uid() {
        return Err(unsafe_folder(dir, &format!("it belongs to another user (uid {})", meta.uid())));
    }
    if meta.mode() & 0o077 != 0 {
        handle.set_permissions(fs::Permissions::from_mode(0o700)).map_err(|e| unsafe_folder(dir, &e.to_string()))?;
        crate::applog::info(&format!("the print folder {} was readable by others; now private", dir.display()));
    }
    Ok(())
}

/// Windows: the folder lives in the user's own profile (`%LOCALAPPDATA%`), whose ACL admits only
/// that user, the system and administrators; it must still be a real folder, not a link.
#[cfg(not(unix))]
fn prepare(dir: &Path) -> Result<(), ApiError> {
    fs::create_dir_all(dir).map_err(|e| unsafe_folder(dir, &e.to_string()))?;
    let meta = fs::symlink_metadata(dir).map_err(|e| unsafe_folder(dir, &e.to_string()))?;
    if meta.file_type().is_symlink() || !meta.is_dir() {
        return Err(unsafe_folder(dir, "it is a link, not a folder"));
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    /// A scratch folder that a second user may enter (so the checks below fail for the spool's
    /// own reasons, not because the scratch folder is closed).
    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cdesk-spool-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
        d
    }

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    fn is_root() -> bool {
        current_uid() == 0
    }

    /// Runs `argv` as the user `nobody`; `None` when that cannot be done here.
    fn as_nobody(argv: &[&str]) -> Option<bool> {
        if !is_root() {
            eprintln!("not root: the second-user part of this test is skipped (it needs runuser)");
            return None;
        }
        let s = std::process::Command::new("runuser").arg("-u").arg("nobody").arg("--").args(argv).output().ok()?;
        Some(s.status.success())
    }

    #[test]
    fn the_folder_is_0700_and_files_are_0600() {
        let root = scratch("modes");
        let spool = Spool::new(root.join("print"));
        let now = Instant::now();
        let a = spool.issue("cs01", "CD-1-receipt.pdf", now).unwrap();
        let b = spool.issue("cs01", "CD-1-receipt.pdf", now).unwrap();
        assert_eq!(mode(spool.dir()), 0o700);
        assert_eq!(mode(&a), 0o600);
        assert_ne!(a, b, "every document gets its own random name");
        assert!(a.file_name().unwrap().to_string_lossy().ends_with("-CD-1-receipt.pdf"));
        assert_eq!(fs::symlink_metadata(&a).unwrap().uid(), current_uid());
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn a_document_written_by_the_core_into_its_file_stays_0600() {
        let root = scratch("core-write");
        let spool = Spool::new(root.join("print"));
        let file = spool.issue("cs01", "x.pdf", Instant::now()).unwrap();
        complaint_desk::docs::write_atomically(&file, b"%PDF- customer 13800001111").unwrap();
        assert_eq!(mode(&file), 0o600, "the atomic write must keep the placeholder's mode");
        assert_eq!(fs::read_dir(spool.dir()).unwrap().count(), 1, "no temporary file left beside it");
        assert!(spool.claim("cs01", &file.display().to_string()).is_ok());
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn a_folder_made_readable_by_others_is_closed_again() {
        let root = scratch("loose");
        let dir = root.join("print");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        let spool = Spool::new(dir.clone());
        spool.issue("cs01", "x.pdf", Instant::now()).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn a_symlink_planted_at_the_folder_is_refused_not_followed() {
        let root = scratch("link");
        let elsewhere = root.join("attacker");
        fs::create_dir(&elsewhere).unwrap();
        fs::set_permissions(&elsewhere, fs::Permissions::from_mode(0o777)).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("print")).unwrap();
        let spool = Spool::new(root.join("print"));
        let e = spool.issue("cs01", "x.pdf", Instant::now()).unwrap_err();
        assert_eq!(e.message_key, "error.precondition.spool_folder_unsafe");
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0, "nothing was written through the link");
        assert_eq!(mode(&elsewhere), 0o777, "the link's target was not touched");
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn a_symlink_planted_at_a_file_name_is_refused_not_followed() {
        let root = scratch("filelink");
        let victim = root.join("victim.txt");
        fs::write(&victim, b"keep me").unwrap();
        let name = root.join("doc.pdf");
        std::os::unix::fs::symlink(&victim, &name).unwrap();
        assert!(create_private_file(&name).is_err());
        assert_eq!(fs::read(&victim).unwrap(), b"keep me");
        // The core's atomic write onto that name replaces the link, it does not write through it.
        complaint_desk::docs::write_atomically(&name, b"%PDF-").unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"keep me");
        assert!(!fs::symlink_metadata(&name).unwrap().file_type().is_symlink());
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn a_folder_owned_by_another_user_is_refused() {
        if !is_root() {
            eprintln!("not root: cannot give a folder to another user here; skipped");
            return;
        }
        let root = scratch("foreign");
        let dir = root.join("print");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        let spool = Spool::new(dir.clone());
        let e = spool.issue("cs01", "x.pdf", Instant::now()).unwrap_err();
        assert_eq!(e.message_key, "error.precondition.spool_folder_unsafe");
        assert!(e.details["detail"].as_str().unwrap().contains("another user"), "{:?}", e.details);
        assert_eq!(fs::symlink_metadata(&dir).unwrap().uid(), 65534, "the other user's folder was left alone");
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn a_second_user_can_neither_list_the_folder_nor_read_a_document() {
        let root = scratch("second-user");
        let spool = Spool::new(root.join("print"));
        let file = spool.issue("cs01", "x.pdf", Instant::now()).unwrap();
        File::options().write(true).open(&file).unwrap().write_all(b"%PDF- customer 13800001111").unwrap();
        let dir = spool.dir().display().to_string();
        let path = file.display().to_string();
        // The control: the second user can read an ordinary file beside the spool, so the
        // refusals below are the spool's doing, not a broken runuser.
        let open = root.join("ordinary.txt");
        fs::write(&open, b"public").unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o644)).unwrap();
        let Some(control) = as_nobody(&["cat", &open.display().to_string()]) else { return };
        assert!(control, "runuser as nobody cannot read a world-readable file; the test proves nothing here");
        let listed = as_nobody(&["ls", &dir]).unwrap();
        assert!(!listed, "another user listed the spool folder");
        assert_eq!(as_nobody(&["cat", &path]), Some(false), "another user read a spooled document");
        // Even with the folder opened for passing through, the file itself keeps them out.
        fs::set_permissions(spool.dir(), fs::Permissions::from_mode(0o711)).unwrap();
        assert_eq!(as_nobody(&["cat", &path]), Some(false), "the document itself is readable by others");
        assert_eq!(as_nobody(&["sh", "-c", &format!("echo x > {dir}/planted.pdf")]), Some(false), "another user wrote into the spool");
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn only_files_handed_out_to_the_same_login_can_be_claimed() {
        let root = scratch("claim");
        let spool = Spool::new(root.join("print"));
        let file = spool.issue("cs01", "x.pdf", Instant::now()).unwrap();
        let path = file.display().to_string();
        assert_eq!(spool.claim("cs01", &path).unwrap(), file);
        assert_eq!(spool.claim("cs02", &path).unwrap_err().message_key, "error.invalid.not_a_spool_file");
        let other = root.join("secret.pdf");
        fs::write(&other, b"%PDF-").unwrap();
        assert_eq!(spool.claim("cs01", &other.display().to_string()).unwrap_err().message_key, "error.invalid.not_a_spool_file");
        // Same folder, a name this spool never gave out.
        let planted = spool.dir().join("planted.pdf");
        fs::write(&planted, b"%PDF-").unwrap();
        assert!(spool.claim("cs01", &planted.display().to_string()).is_err());
        // A handed-out file later made readable by others is not sent anywhere.
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(spool.claim("cs01", &path).is_err());
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn printed_files_are_gone_and_viewer_files_go_after_the_grace() {
        let root = scratch("cleanup");
        let spool = Spool::new(root.join("print"));
        let t0 = Instant::now();
        let printed = spool.issue("cs01", "a.pdf", t0).unwrap();
        let viewed = spool.issue("cs01", "b.pdf", t0).unwrap();
        let unused = spool.issue("cs01", "c.pdf", t0).unwrap();
        spool.printed(&printed);
        assert!(!printed.exists());
        assert!(spool.claim("cs01", &printed.display().to_string()).is_err(), "a printed file cannot be sent again");
        spool.handed_over(&viewed, t0 + Duration::from_secs(60));
        assert_eq!(spool.expire(t0 + UNUSED_GRACE), 1);
        assert!(!unused.exists() && viewed.exists());
        assert_eq!(spool.expire(t0 + Duration::from_secs(60) + VIEWER_GRACE), 1);
        assert!(!viewed.exists());
        let left = spool.issue("cs01", "d.pdf", t0).unwrap();
        spool.remove_all();
        assert!(!left.exists());
        assert_eq!(fs::read_dir(spool.dir()).unwrap().count(), 0);
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn stale_files_of_an_earlier_run_are_removed_at_start() {
        let root = scratch("stale");
        let spool = Spool::new(root.join("print"));
        spool.folder().unwrap();
        let old = spool.dir().join("old.pdf");
        let part = spool.dir().join(".old.pdf.1234.part");
        let fresh = spool.dir().join("fresh.pdf");
        for p in [&old, &part, &fresh] {
            fs::write(p, b"%PDF-").unwrap();
        }
        let two_days_ago = SystemTime::now() - Duration::from_secs(2 * 24 * 3600);
        for p in [&old, &part] {
            File::options().write(true).open(p).unwrap().set_modified(two_days_ago).unwrap();
        }
        assert_eq!(Spool::new(root.join("print")).sweep_stale(STALE_AFTER), 2);
        assert!(!old.exists() && !part.exists() && fresh.exists());
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn the_folder_is_per_user_and_prefers_the_runtime_dir() {
        let cache = Path::new("/home/u/.cache/complaintdesk");
        assert_eq!(
            default_dir(Some(std::ffi::OsStr::new("/run/user/1000")), Some(cache)),
            PathBuf::from("/run/user/1000/complaint-desk-print")
        );
        assert_eq!(default_dir(None, Some(cache)), cache.join("print"));
        assert_eq!(
            default_dir(Some(std::ffi::OsStr::new("relative/dir")), Some(cache)),
            cache.join("print"),
            "a relative XDG_RUNTIME_DIR is ignored"
        );
        assert!(!default_for_this_user().starts_with(std::env::temp_dir().join("complaint-desk-print")), "not the old shared folder");
    }
}
