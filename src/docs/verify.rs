//! Checking a printed or saved document against the record (R7.11). A document carries
//! "CDESK1|number|digest" in its QR code and in the PDF's Keywords. The check recomputes the
//! digest from the complaint's CURRENT record (the registration fields, the decision or the survey
//! the signature belongs to) and the stored pen strokes: if anything the customer signed was
//! changed since, the digest differs and the copy no longer matches.

use rusqlite::{params, Connection, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::PAYLOAD_TAG;
use crate::error::{CoreError, Result};
use crate::model::SignaturePurpose;
use crate::signature::{canonical, digest, short_digest};
use crate::store::anchors::{self, ChainHead};
use crate::workflow::{intake, load, Ctx};

/// Our documents are tens of kilobytes; anything this large is not one of them.
const MAX_PDF_BYTES: u64 = 50 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// The digest on the copy is that of a signature of this complaint, and recomputing it from
    /// the current record gives the same value.
    Matches,
    /// The record (or the stored signature) changed since the copy was made, or the copy's
    /// digest was altered.
    Mismatch,
    /// The copy carries no signature (R3.2 "signature not obtained").
    Unsigned,
    /// No complaint has that number.
    UnknownNumber,
    /// The file carries no Complaint Desk payload (not one of our documents, or a scan).
    NoPayload,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReceiptCheck {
    pub status: ReceiptStatus,
    pub number: Option<String>,
    /// The full digest printed on the copy.
    pub digest: Option<String>,
    pub short_digest: Option<String>,
    /// What the signature attests (registration, agreement, survey, pause).
    pub purpose: Option<SignaturePurpose>,
    pub signed_at: Option<String>,
    /// For `unsigned`: whether the record has a registration signature by now (added later).
    pub record_signed: Option<bool>,
    /// Why it does not match: digest_unknown | record_changed | digest_not_on_timeline (the
    /// stored digest is not the one its `signed` event pinned: content and digest were
    /// rewritten together) | timeline_rewritten (the copy's chain anchor is no longer in the
    /// live timeline).
    pub reason: Option<String>,
    /// The timeline head printed on the copy (saved PDFs made since chain anchors exist).
    pub chain_anchor: Option<ChainHead>,
    /// Whether the live timeline still has that head at that sequence number.
    pub chain_anchor_in_live_chain: Option<bool>,
    /// One line for people: "matches" / "mismatch: …".
    pub message: String,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct VerifyReceiptArgs {
    /// A saved PDF produced by Complaint Desk.
    pub path: Option<String>,
    /// Or the text of its QR code ("CDESK1|number|digest"), e.g. from a scanner.
    pub payload: Option<String>,
}

/// `verify_receipt`: reads the number and digest of a saved document (or a scanned QR payload)
/// and says whether it still matches the record.
pub fn verify_receipt(ctx: &Ctx, a: &VerifyReceiptArgs) -> Result<ReceiptCheck> {
    ctx.begin(None)?;
    let mut anchor = None;
    let payload = match (&a.payload, &a.path) {
        (Some(p), _) if !p.trim().is_empty() => Some(p.trim().to_string()),
        (_, Some(path)) if !path.trim().is_empty() => {
            let path = std::path::Path::new(path.trim());
            let meta = std::fs::metadata(path).map_err(|_| CoreError::invalid("path", "file_not_found"))?;
            if !meta.is_file() {
                return Err(CoreError::invalid("path", "file_not_found"));
            }
            if meta.len() > MAX_PDF_BYTES {
                return Err(CoreError::invalid("path", "file_too_large"));
            }
            let bytes = std::fs::read(path)?;
            let keywords = keywords_of_pdf(&bytes);
            anchor = keywords.iter().find_map(|k| ChainHead::parse_pdf_keyword(k));
            keywords.into_iter().find(|p| p.starts_with(PAYLOAD_TAG))
        }
        _ => return Err(CoreError::invalid("path", "required")),
    };
    let mut out = match payload.as_deref().and_then(parse_payload) {
        None => no_payload(),
        Some((number, digest)) => check(ctx.conn, &number, digest.as_deref())?,
    };
    if let Some(a) = anchor {
        let in_chain = anchors::in_live_chain(ctx.conn, &a)?;
        if !in_chain && out.status == ReceiptStatus::Matches {
            out.status = ReceiptStatus::Mismatch;
            out.reason = Some("timeline_rewritten".into());
            out.message = format!(
                "mismatch: the timeline no longer holds entry {} as this copy printed it (history rewritten or rolled back)",
                a.seq
            );
        }
        out.chain_anchor_in_live_chain = Some(in_chain);
        out.chain_anchor = Some(a);
    }
    Ok(out)
}

fn no_payload() -> ReceiptCheck {
    ReceiptCheck {
        status: ReceiptStatus::NoPayload,
        number: None,
        digest: None,
        short_digest: None,
        purpose: None,
        signed_at: None,
        record_signed: None,
        reason: None,
        chain_anchor: None,
        chain_anchor_in_live_chain: None,
        message: "no Complaint Desk number and digest found".into(),
    }
}

/// "CDESK1|number|digest" → (number, Some(digest)); a digest of "-" means unsigned.
pub fn parse_payload(s: &str) -> Option<(String, Option<String>)> {
    let mut parts = s.trim().split('|');
    if parts.next()? != PAYLOAD_TAG {
        return None;
    }
    let number = parts.next()?.trim().to_string();
    let digest = parts.next()?.trim().to_lowercase();
    if number.is_empty() || parts.next().is_some() {
        return None;
    }
    if digest == "-" {
        return Some((number, None));
    }
    if digest.len() != 64 || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    Some((number, Some(digest)))
}

/// The payload stored in a PDF's document information (Keywords), if any.
pub fn payload_from_pdf(bytes: &[u8]) -> Option<String> {
    keywords_of_pdf(bytes).into_iter().find(|p| p.starts_with(PAYLOAD_TAG))
}

/// The chain anchor stored in a PDF's Keywords, if any.
pub fn anchor_from_pdf(bytes: &[u8]) -> Option<ChainHead> {
    keywords_of_pdf(bytes).iter().find_map(|k| ChainHead::parse_pdf_keyword(k))
}

/// The comma-separated entries of the Keywords and Identifier of a PDF's document information.
fn keywords_of_pdf(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(doc) = lopdf::Document::load_mem(bytes) else { return out };
    let Ok(info) = doc.trailer.get(b"Info") else { return out };
    let info = match info {
        lopdf::Object::Reference(id) => match doc.get_object(*id) {
            Ok(o) => o,
            Err(_) => return out,
        },
        other => other,
    };
    let Ok(dict) = info.as_dict() else { return out };
    for key in [b"Keywords".as_slice(), b"Identifier".as_slice()] {
        if let Ok(obj) = dict.get(key) {
            if let Ok(s) = lopdf::decode_text_string(obj) {
                out.extend(s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_string));
            }
        }
    }
    out
}

/// What a signature of `purpose` attests, rebuilt from the current record (as signed, see the
/// operations that store signatures).
fn current_content(conn: &Connection, complaint_id: &str, number: &str, purpose: SignaturePurpose, sig_id: &str) -> Result<Option<Value>> {
    Ok(match purpose {
        SignaturePurpose::Registration => Some(intake::registration_content(conn, complaint_id)?),
        SignaturePurpose::Agreement => conn
            .query_row("SELECT decision_text, agreed, objection FROM decisions WHERE signature_id = ?1", params![sig_id], |r| {
                Ok(json!({
                    "number": number, "decision": r.get::<_, String>(0)?,
                    "agreed": r.get::<_, Option<bool>>(1)?, "objection": r.get::<_, String>(2)?,
                }))
            })
            .optional()?,
        SignaturePurpose::Survey => conn
            .query_row("SELECT overall, speed, attitude, result, comment FROM surveys WHERE signature_id = ?1", params![sig_id], |r| {
                Ok(json!({
                    "number": number, "overall": r.get::<_, String>(0)?, "speed": r.get::<_, Option<String>>(1)?,
                    "attitude": r.get::<_, Option<String>>(2)?, "result": r.get::<_, Option<String>>(3)?,
                    "comment": r.get::<_, String>(4)?,
                }))
            })
            .optional()?,
        SignaturePurpose::Pause => conn
            .query_row("SELECT start_at, end_at, reason FROM pauses WHERE signature_id = ?1", params![sig_id], |r| {
                Ok(json!({ "number": number, "from": r.get::<_, String>(0)?, "until": r.get::<_, String>(1)?, "reason": r.get::<_, String>(2)? }))
            })
            .optional()?,
    })
}

/// Compares a copy's number and digest with the record.
pub fn check(conn: &Connection, number: &str, printed: Option<&str>) -> Result<ReceiptCheck> {
    let mut out = ReceiptCheck {
        status: ReceiptStatus::UnknownNumber,
        number: Some(number.to_string()),
        digest: printed.map(str::to_string),
        short_digest: printed.map(short_digest),
        purpose: None,
        signed_at: None,
        record_signed: None,
        reason: None,
        chain_anchor: None,
        chain_anchor_in_live_chain: None,
        message: String::new(),
    };
    let c = match load::complaint(conn, number) {
        Ok(c) if c.number == number => c,
        Ok(_) | Err(CoreError::NotFound { .. }) => {
            out.message = format!("unknown number: no complaint {number}");
            return Ok(out);
        }
        Err(e) => return Err(e),
    };
    let Some(printed) = printed else {
        let signed: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM signatures WHERE complaint_id = ?1 AND purpose = 'registration')",
            params![c.id],
            |r| r.get(0),
        )?;
        out.status = ReceiptStatus::Unsigned;
        out.record_signed = Some(signed);
        out.message = if signed {
            format!("unsigned: this copy of {number} carries no signature (the record was signed later)")
        } else {
            format!("unsigned: {number} was registered without the customer's signature")
        };
        return Ok(out);
    };
    let sig: Option<(String, SignaturePurpose, String, String)> = conn
        .query_row(
            "SELECT id, purpose, strokes_json, signed_at FROM signatures WHERE complaint_id = ?1 AND digest = ?2 ORDER BY rowid LIMIT 1",
            params![c.id, printed],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((sid, purpose, strokes, signed_at)) = sig else {
        out.status = ReceiptStatus::Mismatch;
        out.reason = Some("digest_unknown".into());
        out.message = format!("mismatch: no signature of {number} has the digest {}", short_digest(printed));
        return Ok(out);
    };
    out.purpose = Some(purpose);
    out.signed_at = Some(signed_at);
    // R7.11: the digest must be the one pinned on the hash-chained timeline when it was signed;
    // otherwise content and digest were rewritten together with the (public) algorithm.
    let pinned: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM events WHERE complaint_id = ?1 AND kind = 'signed' AND json_extract(data, '$.digest') = ?2
                AND COALESCE(json_extract(data, '$.signature_id'), ?3) = ?3)",
        params![c.id, printed, sid],
        |r| r.get(0),
    )?;
    if !pinned {
        out.status = ReceiptStatus::Mismatch;
        out.reason = Some("digest_not_on_timeline".into());
        out.message = format!(
            "mismatch: the digest {} of {number} is not the one recorded on the timeline when it was signed",
            short_digest(printed)
        );
        return Ok(out);
    }
    let recomputed = current_content(conn, &c.id, &c.number, purpose, &sid)?.map(|v| digest(&canonical(&v), &strokes));
    if recomputed.as_deref() == Some(printed) {
        out.status = ReceiptStatus::Matches;
        out.message = format!("matches: {number}, {} signature, digest {}", purpose.as_str(), short_digest(printed));
    } else {
        out.status = ReceiptStatus::Mismatch;
        out.reason = Some("record_changed".into());
        out.message = format!("mismatch: the {} record of {number} changed since it was signed", purpose.as_str());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_parsed_strictly() {
        let d = "a".repeat(64);
        assert_eq!(parse_payload(&format!("CDESK1|HQ-1|{d}")), Some(("HQ-1".into(), Some(d.clone()))));
        assert_eq!(parse_payload("CDESK1|HQ-1|-"), Some(("HQ-1".into(), None)));
        assert_eq!(parse_payload(&format!("CDESK1|HQ-1|{}", d.to_uppercase())), Some(("HQ-1".into(), Some(d.clone()))));
        for bad in ["", "CDESK1", "CDESK1|HQ-1", "CDESK2|HQ-1|-", "CDESK1||-", "CDESK1|HQ-1|abc", &format!("CDESK1|HQ-1|{d}|x")] {
            assert_eq!(parse_payload(bad), None, "{bad:?}");
        }
    }
}
