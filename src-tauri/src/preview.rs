//! Thumbnails of evidence photos the clerk dropped on the intake form, before they are saved:
//! the window cannot read local files itself (no asset protocol is granted), so it asks here.
//!
//! This reads a file the window names, so it is held to what a preview needs (issue 25, item
//! 6): a signed-in, unlocked session; a file that is an image by its content, not only by its
//! name (a script in the window cannot read a key file or a database renamed `.png`); and
//! nothing inside the data or backup folders, whose evidence files are shown through the
//! registry's own permission checks (R7.8), not around them.

use std::io::Read;
use std::path::Path;

use base64::Engine;
use chrono::Utc;
use complaint_desk::{ApiError, CoreError};
use tauri::State;

use crate::AppState;

/// Photos larger than this are not previewed (they are still attached).
const MAX_PREVIEW_BYTES: u64 = 15 * 1024 * 1024;

#[tauri::command(async)]
pub fn image_preview(state: State<'_, AppState>, path: String) -> Result<Option<String>, ApiError> {
    crate::commands::with_desk(&state, "image_preview", |d| {
        d.require_active(Utc::now()).map_err(|e| e.to_api())?;
        let attachments = d.store.attachments_dir();
        complaint_desk::store::outpaths::refuse_protected(&d.store.conn, &attachments, Path::new(&path)).map_err(|e| e.to_api())
    })?;
    preview(Path::new(&path))
}

fn mime_of(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_string_lossy().to_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        _ => return None,
    })
}

/// Whether the bytes start as an image of that type does.
fn looks_like(mime: &str, b: &[u8]) -> bool {
    match mime {
        "image/png" => b.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => b.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/gif" => b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a"),
        "image/webp" => b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP",
        "image/bmp" => b.starts_with(b"BM"),
        _ => false,
    }
}

pub(crate) fn preview(path: &Path) -> Result<Option<String>, ApiError> {
    let Some(mime) = mime_of(path) else { return Ok(None) };
    let meta = std::fs::metadata(path).map_err(|_| CoreError::invalid("path", "file_not_found").to_api())?;
    if !meta.is_file() || meta.len() > MAX_PREVIEW_BYTES {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path).and_then(|f| f.take(MAX_PREVIEW_BYTES + 1).read_to_end(&mut bytes)).map_err(|e| CoreError::Io(e).to_api())?;
    if bytes.len() as u64 > MAX_PREVIEW_BYTES || !looks_like(mime, &bytes) {
        return Ok(None);
    }
    Ok(Some(format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_images_are_previewed() {
        let dir = std::env::temp_dir().join(format!("cdesk-preview-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let png = dir.join("photo.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
        assert!(preview(&png).unwrap().unwrap().starts_with("data:image/png;base64,"));
        // A private key or a database renamed to look like a photo is not read out.
        let fake = dir.join("id_ed25519.png");
        std::fs::write(&fake, b"-----BEGIN OPENSSH PRIVATE KEY-----").unwrap();
        assert_eq!(preview(&fake).unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
