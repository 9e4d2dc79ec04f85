//! On-screen signatures (R3.2) and tamper evidence (R7.11). A signature keeps its strokes (points
//! with time and pressure) and a SHA-256 digest over the canonical JSON of what was signed together
//! with the strokes, so a printed copy can be checked against the record later.

use base64::Engine;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{CoreError, Result};

/// Upper bound on points: a real signature has a few thousand; more is an attack or a stuck pen.
pub const MAX_POINTS: usize = 100_000;
const MAX_PNG_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StrokePoint {
    pub x: f64,
    pub y: f64,
    /// Milliseconds since the first point of the signature.
    pub t: u64,
    /// Pen pressure 0..=1 (0.5 for a mouse).
    #[serde(default = "half")]
    pub p: f64,
}

fn half() -> f64 {
    0.5
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureInput {
    pub signer_name: String,
    pub strokes: Vec<Vec<StrokePoint>>,
    /// The rendered image as base64 PNG, kept for printing.
    #[serde(default)]
    pub png_base64: Option<String>,
}

/// A validated signature ready to store.
pub struct CheckedSignature {
    pub signer_name: String,
    pub strokes_json: String,
    pub png: Option<Vec<u8>>,
}

impl SignatureInput {
    pub fn check(&self) -> Result<CheckedSignature> {
        let name = self.signer_name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CoreError::invalid("signature.signer_name", "required"));
        }
        let points: usize = self.strokes.iter().map(Vec::len).sum();
        if points < 2 {
            return Err(CoreError::invalid("signature.strokes", "signature_empty"));
        }
        if points > MAX_POINTS {
            return Err(CoreError::invalid("signature.strokes", "signature_too_large"));
        }
        let bad = self.strokes.iter().flatten().any(|p| {
            !(p.x.is_finite() && p.y.is_finite() && p.p.is_finite())
                || p.x.abs() > 100_000.0
                || p.y.abs() > 100_000.0
                || !(0.0..=1.0).contains(&p.p)
        });
        if bad {
            return Err(CoreError::invalid("signature.strokes", "signature_bad_point"));
        }
        let png = match &self.png_base64 {
            None => None,
            Some(b64) => {
                let b64 = b64.strip_prefix("data:image/png;base64,").unwrap_or(b64);
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|_| CoreError::invalid("signature.png_base64", "not_png"))?;
                if bytes.len() > MAX_PNG_BYTES || !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
                    return Err(CoreError::invalid("signature.png_base64", "not_png"));
                }
                Some(bytes)
            }
        };
        // Strokes are stored as JSON; the stored text is what the digest covers.
        let strokes_json =
            serde_json::to_string(&self.strokes).map_err(|_| CoreError::invalid("signature.strokes", "signature_bad_point"))?;
        Ok(CheckedSignature { signer_name: name.to_string(), strokes_json, png })
    }
}

/// Canonical JSON: serde_json's map keeps keys sorted, and no whitespace is emitted.
pub fn canonical(content: &Value) -> String {
    serde_json::to_string(content).unwrap_or_default()
}

/// The digest printed on documents (R7.11).
pub fn digest(content_json: &str, strokes_json: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"complaint-desk/signature/v1\n");
    h.update(content_json.as_bytes());
    h.update(b"\n");
    h.update(strokes_json.as_bytes());
    hex::encode(h.finalize())
}

/// The short form printed under the QR code.
pub fn short_digest(d: &str) -> String {
    d.chars().take(16).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pt(x: f64, y: f64, t: u64) -> StrokePoint {
        StrokePoint { x, y, t, p: 0.5 }
    }

    #[test]
    fn digest_changes_when_content_or_strokes_change() {
        // R7.11
        let c1 = canonical(&json!({"b": 1, "a": "投诉"}));
        let c2 = canonical(&json!({"a": "投诉", "b": 2}));
        assert_eq!(c1, r#"{"a":"投诉","b":1}"#, "canonical form sorts keys");
        let s = r#"[[{"x":1.0,"y":2.0,"t":0,"p":0.5}]]"#;
        assert_ne!(digest(&c1, s), digest(&c2, s));
        assert_ne!(digest(&c1, s), digest(&c1, r#"[[{"x":1.5,"y":2.0,"t":0,"p":0.5}]]"#));
    }

    #[test]
    fn rejects_empty_oversized_and_non_finite_signatures() {
        // R3.2: a signature is never faked, so an empty pad is not a signature.
        let empty = SignatureInput { signer_name: "李".into(), strokes: vec![vec![pt(1.0, 1.0, 0)]], png_base64: None };
        assert!(empty.check().is_err());
        let huge = SignatureInput {
            signer_name: "李".into(),
            strokes: vec![(0..MAX_POINTS as u64 + 1).map(|i| pt(1.0, 1.0, i)).collect()],
            png_base64: None,
        };
        assert!(huge.check().is_err());
        let nan =
            SignatureInput { signer_name: "李".into(), strokes: vec![vec![pt(f64::NAN, 1.0, 0), pt(1.0, 1.0, 5)]], png_base64: None };
        assert!(nan.check().is_err());
        let not_png = SignatureInput {
            signer_name: "李".into(),
            strokes: vec![vec![pt(1.0, 1.0, 0), pt(2.0, 2.0, 5)]],
            png_base64: Some("aGVsbG8=".into()),
        };
        assert!(not_png.check().is_err());
    }
}
