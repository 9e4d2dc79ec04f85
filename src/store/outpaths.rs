//! Where the core may write a file at a path its caller chose (a document, a complaint export,
//! the monthly report): never among the desk's own files. A "save as PDF" onto the database,
//! into `attachments/`, a safety copy or a backup folder would destroy or forge exactly what
//! `verify` and a restore rely on, and the window (or a hostile script talking to it, or a
//! `cdesk` call) chooses the path. The check lives here, in the core, so the CLI is held to it
//! as well as the window (issue 25, item 6).
//!
//! Both sides are resolved through the file system before they are compared (`..`, a symlinked
//! folder, a symlink planted at the file name), so a path that merely looks elsewhere is still
//! refused. A protected folder that does not exist yet is compared as written (made absolute).

use std::path::{Component, Path, PathBuf};

use rusqlite::Connection;

use crate::error::{CoreError, Result};
use crate::store::backup;

/// Refuses `target` when it lies inside the data folder (database, evidence files, safety
/// copies, the default backup folder), the evidence folder of this store, the configured backup
/// folder, or any folder a backup was ever written to or restored from (`backup_runs`).
pub fn refuse_protected(conn: &Connection, attachments_dir: &Path, target: &Path) -> Result<()> {
    let resolved = resolve_target(target)?;
    let data_dir = backup::data_dir_of(conn);
    let mut folders: Vec<(PathBuf, &'static str)> = Vec::new();
    if let Some(d) = &data_dir {
        folders.push((d.clone(), "inside_data_folder"));
    }
    folders.push((attachments_dir.to_path_buf(), "inside_data_folder"));
    if let Some(f) = backup::read_settings(conn, data_dir.as_deref())?.folder {
        folders.push((PathBuf::from(f), "inside_backup_folder"));
    }
    let mut stmt = conn.prepare("SELECT DISTINCT folder FROM backup_runs WHERE folder <> ''")?;
    let used: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
    folders.extend(used.into_iter().map(|f| (PathBuf::from(f), "inside_backup_folder")));
    for (folder, reason) in folders {
        let folder = resolve_folder(&folder);
        if resolved.iter().any(|t| is_within(t, &folder)) {
            return Err(CoreError::invalid("path", reason));
        }
    }
    Ok(())
}

/// The places a write to `target` can end up: its folder resolved plus its name, and, when
/// something already exists under that name, where that leads (a symlink planted there).
fn resolve_target(target: &Path) -> Result<Vec<PathBuf>> {
    let name = match target.file_name() {
        Some(n) => n.to_os_string(),
        None => return Err(CoreError::invalid("path", "is_a_directory")),
    };
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let dir = std::fs::canonicalize(parent).map_err(|_| CoreError::invalid("path", "directory_not_found"))?;
    let mut out = vec![dir.join(name)];
    if std::fs::symlink_metadata(target).is_ok() {
        match std::fs::canonicalize(target) {
            Ok(p) => out.push(p),
            // A dangling symlink: where it points is still where a careless writer would go.
            Err(_) => {
                if let Ok(link) = std::fs::read_link(target) {
                    let to = lexical(&dir.join(link));
                    let resolved = match (to.parent().and_then(|p| std::fs::canonicalize(p).ok()), to.file_name()) {
                        (Some(p), Some(n)) => p.join(n),
                        _ => to,
                    };
                    out.push(resolved);
                }
            }
        }
    }
    Ok(out)
}

/// A protected folder as the file system sees it, or made absolute and cleaned of `.`/`..` when
/// it does not exist (yet).
fn resolve_folder(folder: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(folder) {
        return p;
    }
    let abs = if folder.is_absolute() { folder.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(folder) };
    lexical(&abs)
}

fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Windows and macOS compare names without regard to case by default: `C:\Data` and `c:\data`
/// are the same folder there, so the comparison must not be fooled by case either.
fn is_within(path: &Path, folder: &Path) -> bool {
    if cfg!(any(windows, target_os = "macos")) {
        let low = |p: &Path| PathBuf::from(p.to_string_lossy().to_lowercase());
        low(path).starts_with(low(folder))
    } else {
        path.starts_with(folder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_compared_by_whole_components() {
        assert!(is_within(Path::new("/a/data/x.pdf"), Path::new("/a/data")));
        assert!(is_within(Path::new("/a/data"), Path::new("/a/data")));
        assert!(!is_within(Path::new("/a/data-old/x.pdf"), Path::new("/a/data")), "a sibling with a longer name is not inside");
    }

    #[test]
    fn dots_are_cleaned_before_comparing() {
        assert_eq!(lexical(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
    }
}
