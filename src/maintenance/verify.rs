//! `cdesk verify`: is the database whole? SQLite's integrity check, foreign keys, the timeline's
//! hash chain (R7.1), every signature digest (R7.11, anonymisation-aware: see
//! `retention::signature_checks`), the presence of every evidence file and the open-complaint
//! search tables against the stages, and (see `reconcile`, `anchors`) every state row against
//! its event, the order of event times and the chain anchors kept outside the file.

use std::path::Path;

use rusqlite::Connection;
use schemars::JsonSchema;
use serde::Serialize;

use crate::error::Result;
use crate::timeline::{self, ChainReport};
use crate::workflow::views::SignatureCheck;

#[derive(Debug, Serialize, JsonSchema)]
pub struct VerifyReport {
    pub ok: bool,
    pub integrity_check: String,
    pub foreign_key_violations: i64,
    pub timeline: ChainReport,
    pub signatures_checked: usize,
    /// Of those, anonymised under R7.2 (checked against the digest pinned on the timeline).
    pub signatures_anonymised: usize,
    pub signatures_bad: Vec<SignatureCheck>,
    pub attachments_checked: usize,
    /// Evidence files the database refers to that are missing or of the wrong size.
    pub attachments_missing: Vec<String>,
    /// Complaints the open-complaint search tables hold wrongly (see `search::open_index_mismatches`).
    pub search_index_out_of_step: i64,
    /// State rows whose values differ from the event that recorded them (see `reconcile`).
    pub state_mismatches: Vec<crate::store::reconcile::StateMismatch>,
    /// State rows no event accounts for.
    pub rows_without_event: Vec<crate::store::reconcile::RowWithoutEvent>,
    /// Events whose time goes back along the chain (a backdated or inserted action).
    pub time_reversals: Vec<crate::store::reconcile::TimeReversal>,
    /// Chain anchors (printed documents, backup manifests, safety copies) compared with the live chain.
    pub anchors_checked: usize,
    /// Anchors the live chain contradicts: its history was rewritten (or rolled back) since.
    pub anchors_broken: Vec<crate::store::anchors::AnchorProblem>,
    /// Anchors of a history a restore replaced (expected after a restore; not an error).
    pub anchors_superseded_by_restore: Vec<crate::store::anchors::AnchorProblem>,
    /// Backup manifests of other installations found in the backup folders (not compared).
    pub anchors_other_installations: usize,
    /// Protective triggers (append-only timeline, kept records and signatures …) and views that
    /// differ from what the migrations make: "missing trigger events_no_delete", "altered …",
    /// "unexpected view …" (see `schema_check`).
    pub schema_differences: Vec<String>,
    /// Events made with an injected clock (`cdesk --now`): their `at` is what the caller said,
    /// `wall_at` the real time. Declared, so not an error; listed so that an auditor sees every
    /// backdated action (issue 25, item 9). At most `reconcile::MAX_LISTED`; the count is whole.
    pub clock_injected_count: i64,
    pub clock_injected: Vec<InjectedClockEvent>,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct InjectedClockEvent {
    pub seq: i64,
    pub kind: String,
    /// The time the caller gave.
    pub at: String,
    /// The machine's time when the event was written.
    pub wall_at: Option<String>,
}

/// The events `timeline::set_clock_injected` marked. The text test is a cheap prefilter (no JSON
/// parse of a million payloads); `json_extract` then confirms the mark is the payload's own key.
fn injected_clock_events(conn: &Connection) -> Result<(i64, Vec<InjectedClockEvent>)> {
    const MARKED: &str = "instr(data, '\"clock_injected\":true') > 0 AND json_valid(data) AND json_extract(data, '$.clock_injected') = 1";
    let count: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM events WHERE {MARKED}"), [], |r| r.get(0))?;
    if count == 0 {
        return Ok((0, Vec::new()));
    }
    let mut stmt =
        conn.prepare(&format!("SELECT seq, kind, at, json_extract(data, '$.wall_at') FROM events WHERE {MARKED} ORDER BY seq LIMIT ?1"))?;
    let rows = stmt.query_map([crate::store::reconcile::MAX_LISTED as i64], |r| {
        Ok(InjectedClockEvent { seq: r.get(0)?, kind: r.get(1)?, at: r.get(2)?, wall_at: r.get(3)? })
    })?;
    Ok((count, rows.collect::<rusqlite::Result<_>>()?))
}

/// Checks everything; `attachments_dir` = where the evidence files are (None: not checked).
pub fn verify_database(conn: &Connection, attachments_dir: Option<&Path>) -> Result<VerifyReport> {
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    let fk: i64 = conn.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
    let chain = timeline::verify_chain(conn)?;
    let (sigs, anonymised) = crate::retention::signature_checks(conn, None)?;
    let checked = sigs.len();
    let bad: Vec<SignatureCheck> = sigs.into_iter().filter(|s| !s.digest_ok || !s.content_matches_record).collect();
    let mut attachments_checked = 0;
    let mut missing = Vec::new();
    if let Some(dir) = attachments_dir {
        let mut stmt = conn.prepare("SELECT DISTINCT sha256, size FROM attachments ORDER BY sha256")?;
        let rows: Vec<(String, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        for (sha, size) in rows {
            attachments_checked += 1;
            let ok = crate::store::backup::fsx::is_sha256(&sha)
                && std::fs::metadata(dir.join(&sha)).is_ok_and(|m| m.is_file() && m.len() as i64 == size);
            if !ok {
                missing.push(sha);
            }
        }
    }
    let search_index_out_of_step = crate::store::search::open_index_mismatches(conn)?;
    let rec = crate::store::reconcile::run(conn)?;
    let schema_differences = crate::store::schema_check::trigger_and_view_differences(conn)?;
    let (clock_injected_count, clock_injected) = injected_clock_events(conn)?;
    let ok = integrity == "ok"
        && fk == 0
        && chain.broken_at_seq.is_none()
        && bad.is_empty()
        && missing.is_empty()
        && search_index_out_of_step == 0
        && rec.ok()
        && schema_differences.is_empty();
    Ok(VerifyReport {
        ok,
        integrity_check: integrity,
        foreign_key_violations: fk,
        timeline: chain,
        signatures_checked: checked,
        signatures_anonymised: anonymised,
        signatures_bad: bad,
        attachments_checked,
        attachments_missing: missing,
        search_index_out_of_step,
        state_mismatches: rec.state_mismatches,
        rows_without_event: rec.rows_without_event,
        time_reversals: rec.time_reversals,
        anchors_checked: rec.anchors.checked,
        anchors_broken: rec.anchors.broken,
        anchors_superseded_by_restore: rec.anchors.superseded_by_restore,
        anchors_other_installations: rec.anchors.other_installations,
        schema_differences,
        clock_injected_count,
        clock_injected,
    })
}
