//! Thumbnails of evidence photos the clerk dropped on the intake form, before they are saved:
//! the window cannot read local files itself (no asset protocol is granted), so it asks here.

use base64::Engine;
use complaint_desk::{ApiError, CoreError};

/// Photos larger than this are not previewed (they are still attached).
const MAX_PREVIEW_BYTES: u64 = 15 * 1024 * 1024;

#[tauri::command(async)]
pub fn image_preview(path: String) -> Result<Option<String>, ApiError> {
    let lower = path.to_lowercase();
    let mime = match lower.rsplit('.').next().unwrap_or("") {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        _ => return Ok(None),
    };
    let meta = std::fs::metadata(&path).map_err(|_| CoreError::invalid("path", "file_not_found").to_api())?;
    if !meta.is_file() || meta.len() > MAX_PREVIEW_BYTES {
        return Ok(None);
    }
    let bytes = std::fs::read(&path).map_err(|e| CoreError::Io(e).to_api())?;
    Ok(Some(format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))))
}
