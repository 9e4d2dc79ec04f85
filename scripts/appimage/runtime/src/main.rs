//! The runtime of Complaint Desk's AppImage as built offline by `scripts/package`.
//!
//! An AppImage (type 2) is an ELF executable, marked `AI\x02` at byte 8, followed by a SquashFS
//! image of the application's folder (the AppDir). The official runtime mounts that image with
//! FUSE; this one, written because the official runtime cannot be downloaded on the machines that
//! build and test Complaint Desk, does what the official one does with `--appimage-extract-and-run`:
//! it extracts the image once into the user's cache (`$XDG_CACHE_HOME/complaint-desk-appimage/<id>`)
//! and starts its `AppRun`. No FUSE is needed on the office PC.
//!
//! Options understood, as in the official runtime:
//!   --appimage-extract [PATTERN]  extract into ./squashfs-root (PATTERN: a path prefix)
//!   --appimage-offset             print where the image starts
//! Environment handed to AppRun: APPIMAGE, APPDIR, ARGV0, OWD.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{exit, Command};

use backhand::{FilesystemReader, InnerNode};

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("Complaint Desk AppImage: {msg}");
    exit(127)
}

/// The end of this ELF file (its section header table comes last), where the image begins.
fn elf_end(f: &mut File) -> io::Result<u64> {
    let mut h = [0u8; 64];
    f.seek(SeekFrom::Start(0))?;
    f.read_exact(&mut h)?;
    if &h[..4] != b"\x7fELF" || h[4] != 2 || h[5] != 1 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "not a little-endian 64-bit ELF file"));
    }
    let u64_at = |o: usize| u64::from_le_bytes(h[o..o + 8].try_into().unwrap());
    let u16_at = |o: usize| u16::from_le_bytes(h[o..o + 2].try_into().unwrap()) as u64;
    let (shoff, shentsize, shnum) = (u64_at(0x28), u16_at(0x3A), u16_at(0x3C));
    let phoff_end = u64_at(0x20) + u16_at(0x36) * u16_at(0x38);
    Ok((shoff + shentsize * shnum).max(phoff_end))
}

/// A name for this build of the image: its creation time and size from the SquashFS superblock.
fn image_id(f: &mut File, offset: u64) -> io::Result<String> {
    let mut sb = [0u8; 96];
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(&mut sb)?;
    if &sb[..4] != b"hsqs" {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "no SquashFS image after the runtime"));
    }
    let mkfs_time = u32::from_le_bytes(sb[8..12].try_into().unwrap());
    let bytes_used = u64::from_le_bytes(sb[40..48].try_into().unwrap());
    Ok(format!("{mkfs_time:08x}-{bytes_used:x}"))
}

/// Writes every node of the image under `dest` (only those under `prefix`, when given).
fn extract(path: &Path, offset: u64, dest: &Path, prefix: Option<&str>) -> Result<usize, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let fs = FilesystemReader::from_reader_with_offset(BufReader::new(file), offset).map_err(|e| e.to_string())?;
    fs::create_dir_all(dest).map_err(|e| e.to_string())?;
    let mut count = 0;
    let mut dirs = Vec::new();
    for node in fs.files() {
        let rel = node.fullpath.strip_prefix("/").unwrap_or(&node.fullpath);
        if rel.as_os_str().is_empty() {
            continue;
        }
        if let Some(p) = prefix {
            if !rel.to_string_lossy().starts_with(p) {
                continue;
            }
        }
        let target = dest.join(rel);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let mode = u32::from(node.header.permissions) & 0o7777;
        match &node.inner {
            InnerNode::Dir(_) => {
                fs::create_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
                dirs.push((target, mode));
            }
            InnerNode::File(f) => {
                let mut out = File::create(&target).map_err(|e| format!("{}: {e}", target.display()))?;
                io::copy(&mut fs.file(f).reader(), &mut out).map_err(|e| format!("{}: {e}", target.display()))?;
                out.flush().map_err(|e| e.to_string())?;
                fs::set_permissions(&target, fs::Permissions::from_mode(mode)).map_err(|e| e.to_string())?;
            }
            InnerNode::Symlink(s) => {
                let _ = fs::remove_file(&target);
                symlink(&s.link, &target).map_err(|e| format!("{}: {e}", target.display()))?;
            }
            // Devices, pipes and sockets have no place in an AppDir.
            _ => continue,
        }
        count += 1;
    }
    for (d, mode) in dirs {
        let _ = fs::set_permissions(&d, fs::Permissions::from_mode(mode | 0o700));
    }
    Ok(count)
}

fn cache_root() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(h) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(h).join(".cache");
    }
    std::env::temp_dir()
}

fn main() {
    let me = std::env::current_exe().unwrap_or_else(|e| fail(format!("cannot find myself: {e}")));
    let mut f = File::open(&me).unwrap_or_else(|e| fail(format!("{}: {e}", me.display())));
    let offset = elf_end(&mut f).unwrap_or_else(|e| fail(e));
    let args: Vec<OsString> = std::env::args_os().collect();
    let first = args.get(1).map(|a| a.as_bytes().to_vec()).unwrap_or_default();

    if first == b"--appimage-offset" {
        println!("{offset}");
        return;
    }
    if first == b"--appimage-extract" {
        let prefix = args.get(2).map(|p| p.to_string_lossy().into_owned());
        let dest = PathBuf::from("squashfs-root");
        match extract(&me, offset, &dest, prefix.as_deref()) {
            Ok(n) => println!("{n} entries extracted into {}", dest.display()),
            Err(e) => fail(e),
        }
        return;
    }

    let id = image_id(&mut f, offset).unwrap_or_else(|e| fail(e));
    drop(f);
    let base = cache_root().join("complaint-desk-appimage");
    let appdir = base.join(&id);
    if !appdir.join("AppRun").exists() {
        // Extract beside the final place and rename, so a crash never leaves half a copy in use.
        let tmp = base.join(format!(".{id}.{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        if let Err(e) = extract(&me, offset, &tmp, None) {
            let _ = fs::remove_dir_all(&tmp);
            fail(format!("cannot extract into {}: {e}", tmp.display()));
        }
        if fs::rename(&tmp, &appdir).is_err() {
            // Another start extracted the same image meanwhile: use that one.
            let _ = fs::remove_dir_all(&tmp);
        }
        // Older extracted versions of the app are no longer needed.
        if let Ok(entries) = fs::read_dir(&base) {
            for e in entries.flatten() {
                let name = e.file_name();
                if name != id.as_str() && !name.to_string_lossy().starts_with('.') {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
    }

    let owd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let err = Command::new(appdir.join("AppRun"))
        .args(&args[1..])
        .env("APPIMAGE", &me)
        .env("APPDIR", &appdir)
        .env("ARGV0", args.first().cloned().unwrap_or_default())
        .env("OWD", owd)
        .exec();
    fail(format!("cannot start {}: {err}", appdir.join("AppRun").display()));
}
