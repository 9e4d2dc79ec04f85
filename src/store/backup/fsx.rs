//! File-system helpers for backups: content hashes, copies that are verified by reading back what
//! was written, and durable renames (the file and its directory are synced, so a power cut leaves
//! either the old state or the new one, never a half-written file under the final name).

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{CoreError, Result};

/// SHA-256 (hex) and length of a file's content.
pub fn sha256_file(path: &Path) -> io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

/// Syncs a directory so that a rename or a new entry in it survives a power cut. Windows cannot
/// open directories; there the rename itself is durable enough (NTFS journals metadata).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: temporary file, fsync, rename, fsync of the directory.
pub fn write_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.part", path.file_name().and_then(|n| n.to_str()).unwrap_or("file")));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    sync_dir(dir)
}

/// What happened to one content-addressed file.
#[derive(Debug, PartialEq, Eq)]
pub enum Copied {
    /// Already there (same name = same content; its size was checked).
    Present,
    /// Copied now, and the copy was read back and hashed.
    Copied(u64),
}

/// Why a content-addressed file could not be copied.
#[derive(Debug, PartialEq, Eq)]
pub enum CopyProblem {
    /// The source file does not exist.
    Missing,
    /// The source file's content does not hash to its name (the evidence file was damaged).
    Corrupt,
}

/// Copies the content-addressed file `sha` from `src_dir` into `dst_dir` (named by its hash),
/// checking the source's hash while copying and the copy's hash by reading it back, before it is
/// renamed into place. `Ok(Err(_))` = the source is missing or damaged (not an I/O failure of the
/// destination, which is `Err`).
/// With `link`, a hard link is tried first (same disk, e.g. the safety copy before a restore:
/// evidence files are never changed in place, so sharing the inode is safe and costs nothing).
pub fn copy_content_addressed(src_dir: &Path, dst_dir: &Path, sha: &str, link: bool) -> Result<std::result::Result<Copied, CopyProblem>> {
    if !is_sha256(sha) {
        return Ok(Err(CopyProblem::Corrupt));
    }
    let dst = dst_dir.join(sha);
    let src = src_dir.join(sha);
    let src_len = match fs::metadata(&src) {
        Ok(m) if m.is_file() => m.len(),
        _ => return Ok(Err(CopyProblem::Missing)),
    };
    if let Ok(m) = fs::metadata(&dst) {
        if m.is_file() && m.len() == src_len {
            return Ok(Ok(Copied::Present));
        }
    }
    create_private_dir(dst_dir)?;
    if link && fs::hard_link(&src, &dst).is_ok() {
        sync_dir(dst_dir)?;
        return Ok(Ok(Copied::Present));
    }
    let tmp = dst_dir.join(format!(".{sha}.part"));
    let mut h = Sha256::new();
    let mut n = 0u64;
    {
        let mut input = File::open(&src)?;
        let mut out = File::create(&tmp)?;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let k = input.read(&mut buf)?;
            if k == 0 {
                break;
            }
            h.update(&buf[..k]);
            out.write_all(&buf[..k])?;
            n += k as u64;
        }
        out.sync_all()?;
    }
    if hex::encode(h.finalize()) != sha {
        let _ = fs::remove_file(&tmp);
        return Ok(Err(CopyProblem::Corrupt));
    }
    // Verified after writing: what landed on the (possibly flaky, USB) medium is read back.
    let (written, _) = sha256_file(&tmp)?;
    if written != sha {
        let _ = fs::remove_file(&tmp);
        return Err(CoreError::Io(io::Error::other(format!("the copy of evidence file {sha} does not read back correctly"))));
    }
    fs::rename(&tmp, &dst)?;
    sync_dir(dst_dir)?;
    Ok(Ok(Copied::Copied(n)))
}

pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Does `dir/sha` exist and hash to `sha`?
pub fn content_ok(dir: &Path, sha: &str) -> bool {
    is_sha256(sha) && sha256_file(&dir.join(sha)).map(|(h, _)| h == sha).unwrap_or(false)
}

/// Creates a folder (and any missing parents) that only the current user can open (0700 on Unix;
/// on Windows a new folder inherits its parent's ACL, which is per user under the profile).
/// Folders that already exist are left as they are: they are the user's. Backups hold everyone's
/// personal data, so a backup folder made by the program is as private as the data folder.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new().recursive(true).mode(0o700).create(path)
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(path)
    }
}

/// Removes a directory tree; a missing one is fine.
pub fn remove_tree(path: &Path) -> io::Result<()> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// An I/O failure on the backup folder as a translatable refusal: the folder is the user's to fix
/// (USB stick not plugged in, full, write-protected), so the window must say which.
pub fn folder_error(folder: &Path, e: io::Error) -> CoreError {
    use io::ErrorKind::*;
    let reason = match e.kind() {
        NotFound => "folder_not_found",
        PermissionDenied | ReadOnlyFilesystem => "folder_not_writable",
        StorageFull | QuotaExceeded | FileTooLarge => "folder_full",
        NotADirectory | AlreadyExists | IsADirectory => "folder_not_usable",
        _ => return CoreError::Io(io::Error::new(e.kind(), format!("{}: {e}", folder.display()))),
    };
    CoreError::invalid("backup_folder", reason)
}

/// A path named by the user must be absolute: a relative one would depend on the directory the
/// program happened to be started from.
pub fn absolute(field: &str, p: &str) -> Result<PathBuf> {
    let t = p.trim();
    if t.is_empty() {
        return Err(CoreError::invalid(field, "required"));
    }
    if t.chars().count() > 1000 || t.chars().any(char::is_control) {
        return Err(CoreError::invalid(field, "bad_path"));
    }
    let path = PathBuf::from(t);
    if !path.is_absolute() {
        return Err(CoreError::invalid(field, "path_not_absolute"));
    }
    Ok(path)
}
