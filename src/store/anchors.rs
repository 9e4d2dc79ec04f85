//! Chain anchors: the timeline's head (sequence number and hash) written OUTSIDE the database
//! file, so that a history rewritten inside the file is found (issue 25, item 3).
//!
//! The hash chain (R7.1) shows that no event was edited *unless the whole tail after it was
//! recomputed*, which anyone with the file and the (public) algorithm can do. An anchor pins the
//! chain as it was at a moment: "event N had hash H". Anchors are written
//! - on every printed document (footer "记录链 第 N 条 · 校验 …", and in the PDF's Keywords as
//!   `CDESKCHAIN1|N|H`, which `verify_receipt` reads back), and recorded in the document's
//!   `document_generated` / `monthly_report_exported` event (`chain_anchor`);
//! - in every backup manifest and safety copy (`timeline_head`, written by the backup code).
//!
//! `verify` checks that each anchor it can see is still in the live chain. The anchors kept in
//! the file itself (the document events) only catch a rewrite that forgot them; the ones that
//! count are those outside it: backups on another disk, and the paper (checked by
//! `verify_receipt`, or by reading the footer against `cdesk call timeline`). See
//! docs/security-integrity.md for what this proves and what it cannot.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;

/// Tag of the chain anchor in a PDF's Keywords: "CDESKCHAIN1|seq|hash".
pub const PDF_TAG: &str = "CDESKCHAIN1";
/// A manifest is a few kilobytes per thousand evidence files; a bigger file is not one.
const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;
/// Backups looked at per folder (the rotation keeps a few dozen).
const MAX_MANIFESTS: usize = 10_000;

/// The newest event of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

impl ChainHead {
    /// The first twelve hex digits, upper case, as printed (48 bits: enough to tell two
    /// histories apart by eye, short enough to read out on the phone).
    pub fn short(&self) -> String {
        self.hash.chars().take(12).collect::<String>().to_uppercase()
    }

    pub fn pdf_keyword(&self) -> String {
        format!("{PDF_TAG}|{}|{}", self.seq, self.hash)
    }

    pub fn parse_pdf_keyword(s: &str) -> Option<ChainHead> {
        let mut p = s.trim().split('|');
        if p.next()? != PDF_TAG {
            return None;
        }
        let seq: i64 = p.next()?.trim().parse().ok().filter(|n| *n > 0)?;
        let hash = p.next()?.trim().to_lowercase();
        if p.next().is_some() || hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        Some(ChainHead { seq, hash })
    }
}

/// The head of the chain now (None: no event yet).
pub fn head(conn: &Connection) -> Result<Option<ChainHead>> {
    Ok(conn
        .prepare_cached("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok(ChainHead { seq: r.get(0)?, hash: r.get(1)? }))
        .optional()?)
}

/// The hash the live chain has at `seq` (None: no such event).
pub fn live_hash(conn: &Connection, seq: i64) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT hash FROM events WHERE seq = ?1")?.query_row(params![seq], |r| r.get(0)).optional()?)
}

/// Whether the anchor is still part of the live chain.
pub fn in_live_chain(conn: &Connection, a: &ChainHead) -> Result<bool> {
    Ok(live_hash(conn, a.seq)?.as_deref() == Some(a.hash.as_str()))
}

/// One anchor that is not (or no longer) in the live chain.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct AnchorProblem {
    /// Where it was found: "document receipt HQ-20260310-0001 (event 812)", or a manifest's path.
    pub source: String,
    pub seq: i64,
    pub hash: String,
    /// What the live chain has at that sequence number (null: the chain is shorter).
    pub live_hash: Option<String>,
    /// When the anchor was made.
    pub recorded_at: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct AnchorReport {
    /// Anchors compared with the live chain (documents and backup manifests).
    pub checked: usize,
    /// Anchors the live chain contradicts: the history was rewritten (or rolled back by
    /// copying an older database file over the live one) after they were made.
    pub broken: Vec<AnchorProblem>,
    /// Anchors made before a restore (`backup_restored`) that replaced the history they pin:
    /// expected after a restore, listed so that an auditor can see them, not an error.
    pub superseded_by_restore: Vec<AnchorProblem>,
    /// Manifests whose `installation_id` is another installation's (a shared USB stick).
    pub other_installations: usize,
}

/// The folders whose backups (and safety copies) carry anchors of this database: the
/// configured backup folder, the default one beside the database, and `safety-copies`.
pub fn manifest_folders(conn: &Connection) -> Vec<PathBuf> {
    let data_dir = super::backup::data_dir_of(conn);
    let mut out = Vec::new();
    if let Ok(s) = super::backup::read_settings(conn, data_dir.as_deref()) {
        if let Some(f) = s.folder {
            out.push(PathBuf::from(f));
        }
    }
    if let Some(d) = &data_dir {
        out.push(d.join("backups"));
        out.push(d.join(super::backup::SAFETY_DIR));
    }
    out.dedup();
    out
}

/// The anchor a manifest carries: `timeline_head` as `{"seq", "hash"}`, or (older manifests)
/// the head's hash alone with the event count as its sequence number (events are never
/// deleted, so the count is the newest sequence number).
fn manifest_anchor(m: &Value) -> Option<ChainHead> {
    let h = m.get("timeline_head")?;
    let (seq, hash) = match h {
        Value::Object(o) => (o.get("seq")?.as_i64()?, o.get("hash")?.as_str()?.to_string()),
        Value::String(s) => (m.get("events")?.as_i64()?, s.clone()),
        _ => return None,
    };
    (seq > 0 && hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit())).then(|| ChainHead { seq, hash: hash.to_lowercase() })
}

/// Reads the manifests under `folder` (one level: `<folder>/<backup>/manifest.json`). A
/// manifest that cannot be read carries no anchor; it is `list_backups`' business to say so.
fn manifests(folder: &Path) -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(folder) else { return out };
    for e in entries.flatten().take(MAX_MANIFESTS) {
        // Not through links: a planted link must not make verify read files elsewhere.
        let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if !is_dir {
            continue;
        }
        let path = e.path().join(super::backup::MANIFEST);
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if !meta.is_file() || meta.len() > MAX_MANIFEST_BYTES {
            continue;
        }
        if let Some(v) = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice::<Value>(&b).ok()) {
            out.push((path, v));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn this_installation(conn: &Connection) -> Option<String> {
    let v: Option<String> =
        conn.query_row("SELECT value FROM settings WHERE key = 'installation_id'", [], |r| r.get(0)).optional().ok().flatten();
    v.map(|s| serde_json::from_str::<Value>(&s).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or(s))
}

/// Checks every anchor recorded in document events and in the manifests under `folders`.
pub fn check(conn: &Connection, folders: &[PathBuf]) -> Result<AnchorReport> {
    let mut report = AnchorReport::default();
    let cap = super::reconcile::MAX_LISTED;

    // Documents: their events say which head they printed.
    const DOC_KINDS: &str = "('document_generated', 'monthly_report_exported')";
    report.checked += conn.query_row(
        &format!("SELECT COUNT(*) FROM events WHERE kind IN {DOC_KINDS} AND json_extract(data, '$.chain_anchor.hash') IS NOT NULL"),
        [],
        |r| r.get::<_, i64>(0),
    )? as usize;
    let mut stmt = conn.prepare(&format!(
        "SELECT d.seq, d.at, d.kind, COALESCE(json_extract(d.data, '$.form'), json_extract(d.data, '$.month'), ''), COALESCE(c.number, ''),
                json_extract(d.data, '$.chain_anchor.seq'), json_extract(d.data, '$.chain_anchor.hash'), a.hash
         FROM events d
         LEFT JOIN events a ON a.seq = json_extract(d.data, '$.chain_anchor.seq')
         LEFT JOIN complaints c ON c.id = d.complaint_id
         WHERE d.kind IN {DOC_KINDS} AND json_extract(d.data, '$.chain_anchor.hash') IS NOT NULL
           AND (a.hash IS NULL OR a.hash <> json_extract(d.data, '$.chain_anchor.hash') OR a.seq >= d.seq)
         ORDER BY d.seq LIMIT {cap}"
    ))?;
    let rows = stmt.query_map([], |r| {
        let (seq, at, kind, what, number): (i64, String, String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let kind = if kind == "document_generated" { "document" } else { "monthly report" };
        Ok(AnchorProblem {
            source: format!("{kind} {what} {number} (event {seq})").replace("  ", " "),
            seq: r.get::<_, Option<i64>>(5)?.unwrap_or(0),
            hash: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
            live_hash: r.get(7)?,
            recorded_at: Some(at),
        })
    })?;
    for p in rows {
        report.broken.push(p?);
    }

    // Backups and safety copies.
    let restores: Vec<String> = conn
        .prepare("SELECT at FROM events WHERE kind = 'backup_restored' ORDER BY seq")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mine = this_installation(conn);
    let mut seen = std::collections::HashSet::new();
    for folder in folders {
        for (path, m) in manifests(folder) {
            if !seen.insert(path.clone()) {
                continue;
            }
            let Some(anchor) = manifest_anchor(&m) else { continue };
            let theirs = m.get("installation_id").and_then(Value::as_str);
            if let (Some(mine), Some(theirs)) = (mine.as_deref(), theirs) {
                if mine != theirs {
                    report.other_installations += 1;
                    continue;
                }
            }
            report.checked += 1;
            let live = live_hash(conn, anchor.seq)?;
            if live.as_deref() == Some(anchor.hash.as_str()) {
                continue;
            }
            let created_at = m.get("created_at").and_then(Value::as_str).map(str::to_string);
            let problem = AnchorProblem {
                source: path.display().to_string(),
                seq: anchor.seq,
                hash: anchor.hash,
                live_hash: live,
                recorded_at: created_at.clone(),
            };
            // Timestamps are RFC 3339 UTC text of one format: text order is time order.
            let before_a_restore = created_at.as_deref().is_some_and(|c| restores.iter().any(|r| r.as_str() >= c));
            let list = if before_a_restore { &mut report.superseded_by_restore } else { &mut report.broken };
            if list.len() < cap {
                list.push(problem);
            }
        }
    }
    Ok(report)
}
