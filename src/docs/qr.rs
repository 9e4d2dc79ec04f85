//! The QR code printed on signed documents (R7.11): complaint number and digest, drawn as vector
//! rectangles (one per horizontal run of dark modules), so it stays sharp at any print size.

use qrcode::{Color, EcLevel, QrCode};

use crate::error::{CoreError, Result};

/// Dark-module runs as rectangles in module units: (x, y, width), each one module high.
pub struct QrRuns {
    pub modules: usize,
    pub runs: Vec<(usize, usize, usize)>,
}

pub fn encode(payload: &str) -> Result<QrRuns> {
    let code =
        QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).map_err(|e| CoreError::Integrity(format!("QR code: {e}")))?;
    let n = code.width();
    let colors = code.to_colors();
    let mut runs = Vec::new();
    for y in 0..n {
        let mut x = 0;
        while x < n {
            if colors[y * n + x] == Color::Dark {
                let start = x;
                while x < n && colors[y * n + x] == Color::Dark {
                    x += 1;
                }
                runs.push((start, y, x - start));
            } else {
                x += 1;
            }
        }
    }
    Ok(QrRuns { modules: n, runs })
}

impl QrRuns {
    /// Rings (top-left based page coordinates) for a code of `size` points at (x, y),
    /// excluding the quiet zone (the caller leaves white space around it).
    pub fn rings(&self, x: f32, y: f32, size: f32) -> Vec<Vec<(f32, f32)>> {
        let m = size / self.modules as f32;
        self.runs
            .iter()
            .map(|&(cx, cy, w)| {
                let (x0, y0) = (x + cx as f32 * m, y + cy as f32 * m);
                // A hair of overlap with the next row, so no seam shows between rows.
                let (x1, y1) = (x0 + w as f32 * m, y0 + m * if cy + 1 < self.modules { 1.04 } else { 1.0 });
                vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let payload = "CDESK1|HQ-20260310-0001|0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let q = encode(payload).unwrap();
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).unwrap();
        let dark = code.to_colors().iter().filter(|c| **c == Color::Dark).count();
        assert_eq!(q.runs.iter().map(|r| r.2).sum::<usize>(), dark);
        assert!(q.runs.len() < dark, "neighbouring modules are merged into runs");
    }
}
