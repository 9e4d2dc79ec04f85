//! Blocks several documents share: the customer's signature drawn from its stored pen strokes
//! (vector paths, crisp at any resolution, R3.2) and the tamper-evidence block with the digest in
//! short form and a QR code of number + digest (R7.11).

use super::data::Signature;
use super::layout::{Canvas, INK, MUTED, RULE, SHADE};
use super::{qr, Doc};
use crate::error::Result;
use crate::signature::{short_digest, StrokePoint};

/// The QR payload of a printed document: format tag, complaint number and the full digest of
/// what was signed ("-" when nothing was signed).
pub fn payload(number: &str, digest: Option<&str>) -> String {
    format!("{}|{}|{}", super::PAYLOAD_TAG, number, digest.unwrap_or("-"))
}

/// Fits pen strokes (canvas pixels, y down) into a box, keeping their proportions.
pub fn fit_strokes(strokes: &[Vec<StrokePoint>], x: f32, y: f32, w: f32, h: f32) -> Vec<Vec<(f32, f32)>> {
    let pts = strokes.iter().flatten();
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in pts {
        x0 = x0.min(p.x);
        y0 = y0.min(p.y);
        x1 = x1.max(p.x);
        y1 = y1.max(p.y);
    }
    if x0 > x1 {
        return Vec::new();
    }
    let (bw, bh) = ((x1 - x0).max(1.0), (y1 - y0).max(1.0));
    let scale = ((w as f64) / bw).min((h as f64) / bh);
    let (ox, oy) = (x as f64 + (w as f64 - bw * scale) / 2.0, y as f64 + (h as f64 - bh * scale) / 2.0);
    strokes
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut v: Vec<(f32, f32)> = s.iter().map(|p| ((ox + (p.x - x0) * scale) as f32, (oy + (p.y - y0) * scale) as f32)).collect();
            if v.len() == 1 {
                // A dot: a zero-length segment with round caps.
                let (px, py) = v[0];
                v.push((px + 0.01, py));
            }
            v
        })
        .collect()
}

/// The signature area: the strokes in a light box with signer and time below, or a text saying
/// why there is no signature image.
fn signature_area(c: &mut Canvas, d: &Doc, sig: Option<&Signature>, missing: &str, (x, y, w, h): (f32, f32, f32, f32)) {
    let t = d.t;
    c.fill_rect(x, y, w, h, SHADE);
    c.stroke_rect(x, y, w, h, 0.5, RULE);
    match sig.and_then(|s| s.strokes.as_ref().map(|st| (s, st))) {
        Some((_, strokes)) => {
            let lines = fit_strokes(strokes, x + 10.0, y + 8.0, w - 20.0, h - 16.0);
            c.strokes(lines, 1.3);
        }
        None => {
            let msg = if sig.is_some() { t.signature_withheld } else { missing };
            let lines = c.wrap(msg, 10.0, w - 20.0);
            let top = y + h / 2.0 - lines.len() as f32 * 7.5 + 10.0;
            for (i, l) in lines.iter().enumerate() {
                let lw = c.font.width(l, 10.0);
                c.text(x + (w - lw) / 2.0, top + i as f32 * 15.0, l, 10.0, MUTED);
            }
        }
    }
    if let Some(s) = sig {
        let info = format!("{}    {}", d.kv(t.signer, &s.signer_name), d.kv(t.signed_at, &d.data.local(&s.signed_at)));
        let info = super::layout::fit(c.font, &info, 8.5, w + 120.0);
        c.text(x, y + h + 12.0, &info, 8.5, MUTED);
    }
}

/// Signature on the left, QR code with the short digest on the right (R7.11). Returns the QR
/// payload. `missing` is what to print when nothing was signed.
pub fn evidence(c: &mut Canvas, d: &Doc, sig: Option<&Signature>, missing: &str, extra: Option<&str>) -> Result<String> {
    let qr_size = 78.0;
    let extra = extra.filter(|e| !e.trim().is_empty());
    let block_h = qr_size + 18.0 + if extra.is_some() { 14.0 } else { 0.0 };
    c.ensure(block_h + 8.0);
    let y = c.y + 4.0;
    let sig_w = (c.width() - qr_size - 140.0).min(260.0);
    let sig_h = qr_size;
    signature_area(c, d, sig, missing, (c.left, y, sig_w, sig_h));
    if let Some(e) = extra {
        let l = super::layout::fit(c.font, e, 8.5, c.width());
        c.text(c.left, y + sig_h + (if sig.is_some() { 26.0 } else { 13.0 }), &l, 8.5, MUTED);
    }
    let number = d.data.detail.number.clone();
    let digest = sig.map(|s| s.digest.as_str());
    let payload = payload(&number, digest);
    let code = qr::encode(&payload)?;
    let qx = c.right - qr_size;
    c.fill_rings(code.rings(qx, y, qr_size), INK);
    // Digest in short form beside the code, with what the code holds.
    let tx = c.left + sig_w + 14.0;
    // Keep the code's quiet zone (four modules) free of text.
    let tw = qx - tx - 12.0;
    let t = d.t;
    let mut ty = y + 10.0;
    c.text(tx, ty, t.digest, 8.0, MUTED);
    ty += 14.0;
    let shown = match digest {
        Some(dg) => short_digest(dg),
        None => "—".to_string(),
    };
    c.text_bold(tx, ty, &shown, 10.0, INK);
    ty += 14.0;
    for l in c.wrap(t.qr_note, 7.5, tw.max(40.0)) {
        c.text(tx, ty, &l, 7.5, MUTED);
        ty += 10.0;
    }
    c.y = y + block_h;
    Ok(payload)
}
