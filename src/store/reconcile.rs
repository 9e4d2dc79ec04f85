//! Reconciliation of the state tables with the timeline (issue 25, item 3).
//!
//! The hash chain (R7.1) proves that the *events* were not edited; the KPIs, the documents and
//! the board are computed from the *state rows* (surveys, compensations, approvals, decisions,
//! implementations, step completions, signatures). Someone who edits a state row in any SQLite
//! tool leaves the chain intact, so the chain alone proved nothing about the figures. Here every
//! state row that an operation writes together with its event is compared with that event's
//! payload; a row that differs, and a row no event accounts for, make `verify` fail.
//!
//! How a row finds its event: events written since this change carry the row's id
//! (`survey_id`, `implementation_id`, `approval_id`, `approval_created`, `decision_id`,
//! `signature_id`, and ids inside `compensations`). Older events do not, and are matched by what
//! the operation wrote identically to both: the complaint, the kind of event and the instant
//! (`surveyed_at` = the event's `at`, …). A row is accepted when SOME event it matches carries
//! exactly its values (two operations on one complaint in the same second stay correct). Fields
//! an old payload does not carry are not compared (compensation notes: old events kept the note
//! as typed, before trimming), so old data is never flagged for what it could not record.
//!
//! A step completion has no event of its own: it is written by the operation that completes it
//! (survey, implement, close …), at that operation's instant and by its user. So a completed
//! step must have an event of its complaint at exactly `completed_at` by `completed_by`.
//!
//! Set-based: one query per table finds the suspects (a correlated `NOT EXISTS` over the
//! complaint's events, through the `events_complaint` index), and only the suspects are
//! explained field by field in Rust. Lists are capped at [`MAX_LISTED`] entries each; `ok` is
//! false whenever any is found.
//!
//! The chain anchors (documents and backup manifests, see `anchors`) are checked here too, so
//! `verify_database` makes one call.

use rusqlite::{params, Connection, OptionalExtension};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::anchors::{self, AnchorReport};
use crate::error::Result;

/// At most this many entries per list (a systematic problem in a million rows would otherwise
/// make a report nobody can read); the problem is reported either way.
pub const MAX_LISTED: usize = 1000;

/// Event times may go back by this much without being reported: a PC's clock corrected by the
/// time service moves by seconds, not minutes. A backdated action moves by hours or days.
pub const CLOCK_TOLERANCE_SECONDS: i64 = 120;

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct StateMismatch {
    pub table: String,
    pub id: String,
    pub complaint_number: String,
    pub field: String,
    pub row_value: Value,
    /// What the event recorded (null: no event at the row's time, for step completions).
    pub event_value: Value,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct RowWithoutEvent {
    pub table: String,
    pub id: String,
    pub complaint_number: String,
    /// The event kind(s) that should account for the row.
    pub expected_event: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct TimeReversal {
    pub seq: i64,
    pub kind: String,
    pub at: String,
    /// The `at` of the event just before it in the chain.
    pub previous_at: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Reconciliation {
    pub state_mismatches: Vec<StateMismatch>,
    pub rows_without_event: Vec<RowWithoutEvent>,
    pub time_reversals: Vec<TimeReversal>,
    pub anchors: AnchorReport,
}

impl Reconciliation {
    pub fn ok(&self) -> bool {
        self.state_mismatches.is_empty()
            && self.rows_without_event.is_empty()
            && self.time_reversals.is_empty()
            && self.anchors.broken.is_empty()
    }
}

/// How the rows of one table are matched with their events. SQL fragments over the row alias
/// `r` and the event alias `e`; `row` and `event` are `json_object(...)` with the same keys in
/// the same order, so equal values give equal text.
struct Spec {
    table: &'static str,
    from: &'static str,
    filter: &'static str,
    /// The event kinds, as an SQL list; empty: any kind.
    kinds: &'static str,
    key: &'static str,
    row: &'static str,
    event: &'static str,
    /// For step completions: no event at all is a mismatch of this field, not a missing event.
    missing_is_mismatch_of: Option<&'static str>,
}

const SPECS: &[Spec] = &[
    Spec {
        table: "surveys",
        from: "surveys r",
        filter: "1",
        kinds: "'surveyed'",
        key: "(json_extract(e.data, '$.survey_id') = r.id OR (json_extract(e.data, '$.survey_id') IS NULL AND e.at = r.surveyed_at))",
        row: "json_object('overall', r.overall, 'speed', r.speed, 'attitude', r.attitude, 'result', r.result, 'comment', r.comment,
              'method', r.method, 'department_id', r.department_id, 'surveyed_by', r.surveyed_by, 'surveyed_at', r.surveyed_at)",
        event: "json_object('overall', json_extract(e.data, '$.overall'), 'speed', json_extract(e.data, '$.speed'),
              'attitude', json_extract(e.data, '$.attitude'), 'result', json_extract(e.data, '$.result'),
              'comment', json_extract(e.data, '$.comment'), 'method', json_extract(e.data, '$.method'),
              'department_id', json_extract(e.data, '$.department_id'), 'surveyed_by', e.actor_id, 'surveyed_at', e.at)",
        missing_is_mismatch_of: None,
    },
    Spec {
        table: "implementations",
        from: "implementations r",
        filter: "1",
        kinds: "'implemented'",
        key: "(json_extract(e.data, '$.implementation_id') = r.id OR (json_extract(e.data, '$.implementation_id') IS NULL AND e.at = r.recorded_at))",
        row: "json_object('actions', r.actions, 'done_by', r.done_by, 'done_at', r.done_at, 'recorded_by', r.recorded_by,
              'recorded_at', r.recorded_at,
              'compensations', (SELECT COUNT(*) FROM compensations k WHERE k.complaint_id = r.complaint_id AND k.implementation_id = r.id))",
        event: "json_object('actions', json_extract(e.data, '$.actions'), 'done_by', json_extract(e.data, '$.done_by'),
              'done_at', json_extract(e.data, '$.done_at'), 'recorded_by', e.actor_id, 'recorded_at', e.at,
              'compensations', COALESCE(json_array_length(e.data, '$.compensations'), 0))",
        missing_is_mismatch_of: None,
    },
    Spec {
        table: "compensations",
        from: "(SELECT k.*, ROW_NUMBER() OVER (PARTITION BY k.implementation_id ORDER BY k.rowid) - 1 AS idx FROM compensations k) r
               JOIN implementations i ON i.id = r.implementation_id",
        filter: "1",
        kinds: "'implemented'",
        key: "(json_extract(e.data, '$.implementation_id') = i.id OR (json_extract(e.data, '$.implementation_id') IS NULL AND e.at = i.recorded_at))",
        row: "json_object('kind', r.kind, 'amount_cents', r.amount_cents, 'note', r.note, 'id', r.id)",
        // Old events have no ids and the note as typed: those two are compared only when the event has them.
        event: "json_object('kind', json_extract(e.data, '$.compensations[' || r.idx || '].kind'),
              'amount_cents', json_extract(e.data, '$.compensations[' || r.idx || '].amount_cents'),
              'note', CASE WHEN json_extract(e.data, '$.compensations[' || r.idx || '].id') IS NULL THEN r.note
                           ELSE json_extract(e.data, '$.compensations[' || r.idx || '].note') END,
              'id', COALESCE(json_extract(e.data, '$.compensations[' || r.idx || '].id'), r.id))",
        missing_is_mismatch_of: None,
    },
    Spec {
        table: "compensation_approvals",
        from: "compensation_approvals r",
        filter: "1",
        kinds: "'compensation_approved', 'implemented'",
        // A CS manager's implementation approves its own amount (R5.5): recorded in `implemented`.
        key: "((e.kind = 'compensation_approved' AND (json_extract(e.data, '$.approval_id') = r.id
                   OR (json_extract(e.data, '$.approval_id') IS NULL AND e.at = r.approved_at)))
               OR (e.kind = 'implemented' AND (json_extract(e.data, '$.approval_created') = r.id
                   OR (json_extract(e.data, '$.implementation_id') IS NULL AND e.at = r.approved_at))))",
        row: "json_object('max_cents', r.max_cents, 'note', r.note, 'approved_by', r.approved_by, 'approved_at', r.approved_at)",
        event: "CASE e.kind WHEN 'compensation_approved' THEN
                 json_object('max_cents', json_extract(e.data, '$.max_amount_cents'), 'note', json_extract(e.data, '$.note'),
                             'approved_by', e.actor_id, 'approved_at', e.at)
               ELSE json_object('max_cents', json_extract(e.data, '$.monetary_total_cents'), 'note', 'approved while implementing',
                             'approved_by', e.actor_id, 'approved_at', e.at) END",
        missing_is_mismatch_of: None,
    },
    Spec {
        table: "decisions",
        from: "decisions r",
        filter: "1",
        kinds: "'findings_recorded'",
        key: "(json_extract(e.data, '$.decision_id') = r.id OR (json_extract(e.data, '$.decision_id') IS NULL AND e.at = r.proposed_at))",
        row: "json_object('decision_text', r.decision_text, 'proposed_by', r.proposed_by, 'proposed_at', r.proposed_at)",
        event: "json_object('decision_text', json_extract(e.data, '$.solution'), 'proposed_by', e.actor_id, 'proposed_at', e.at)",
        missing_is_mismatch_of: None,
    },
    Spec {
        table: "decisions",
        from: "decisions r",
        filter: "r.answered_at IS NOT NULL OR r.agreed IS NOT NULL",
        kinds: "'customer_decision'",
        key: "(json_extract(e.data, '$.decision_id') = r.id OR (json_extract(e.data, '$.decision_id') IS NULL AND e.at = r.answered_at))",
        row: "json_object('agreed', r.agreed, 'objection', r.objection, 'signed', r.signature_id IS NOT NULL, 'answered_at', r.answered_at)",
        event: "json_object('agreed', json_extract(e.data, '$.agreed'), 'objection', json_extract(e.data, '$.objection'),
              'signed', json_extract(e.data, '$.signed'), 'answered_at', e.at)",
        missing_is_mismatch_of: None,
    },
    Spec {
        table: "signatures",
        from: "signatures r",
        filter: "1",
        kinds: "'signed'",
        key: "(json_extract(e.data, '$.signature_id') = r.id
               OR (json_extract(e.data, '$.signature_id') IS NULL AND e.at = r.signed_at AND json_extract(e.data, '$.purpose') = r.purpose))",
        // The digest pinned on the hash-chained timeline (R7.11): rewriting content and digest
        // together with the public algorithm no longer goes unnoticed.
        row: "json_object('purpose', r.purpose, 'digest', r.digest, 'signed_at', r.signed_at, 'recorded_by', r.recorded_by)",
        event: "json_object('purpose', json_extract(e.data, '$.purpose'), 'digest', json_extract(e.data, '$.digest'),
              'signed_at', e.at, 'recorded_by', e.actor_id)",
        missing_is_mismatch_of: None,
    },
    Spec {
        table: "steps",
        from: "steps r",
        filter: "r.completed_at IS NOT NULL",
        kinds: "",
        key: "e.at = r.completed_at",
        row: "json_object('completed_at', r.completed_at, 'completed_by', r.completed_by)",
        event: "json_object('completed_at', e.at, 'completed_by', e.actor_id)",
        missing_is_mismatch_of: Some("completed_at"),
    },
];

fn check_table(conn: &Connection, s: &Spec, mismatches: &mut Vec<StateMismatch>, missing: &mut Vec<RowWithoutEvent>) -> Result<()> {
    // An empty list: any event (a step completion belongs to whichever operation completed it).
    let kinds = if s.kinds.is_empty() { "1".to_string() } else { format!("e.kind IN ({})", s.kinds) };
    let suspects_sql = format!(
        "SELECT r.id, c.number, {row} FROM {from} JOIN complaints c ON c.id = r.complaint_id
         WHERE ({filter}) AND NOT EXISTS (SELECT 1 FROM events e WHERE e.complaint_id = r.complaint_id AND {kinds} AND {key} AND {event} = {row})
         LIMIT {limit}",
        row = s.row,
        from = s.from,
        filter = s.filter,
        key = s.key,
        event = s.event,
        limit = MAX_LISTED + 1,
    );
    let mut stmt = conn.prepare(&suspects_sql)?;
    let suspects: Vec<(String, String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    if suspects.is_empty() {
        return Ok(());
    }
    let candidate_sql = format!(
        "SELECT {event} FROM {from} JOIN events e ON e.complaint_id = r.complaint_id AND {kinds} AND {key}
         WHERE r.id = ?1 ORDER BY e.seq LIMIT 1",
        event = s.event,
        from = s.from,
        key = s.key,
    );
    let mut cand = conn.prepare(&candidate_sql)?;
    for (id, number, row) in suspects {
        let row: Value = serde_json::from_str(&row).unwrap_or(Value::Null);
        let event: Option<String> = cand.query_row(params![id], |r| r.get(0)).optional()?;
        match (event.and_then(|e| serde_json::from_str::<Value>(&e).ok()), s.missing_is_mismatch_of) {
            (Some(ev), _) => {
                for (field, rv) in row.as_object().into_iter().flatten() {
                    let evv = ev.get(field).cloned().unwrap_or(Value::Null);
                    if !same(rv, &evv) && mismatches.len() < MAX_LISTED {
                        mismatches.push(StateMismatch {
                            table: s.table.into(),
                            id: id.clone(),
                            complaint_number: number.clone(),
                            field: field.clone(),
                            row_value: rv.clone(),
                            event_value: evv,
                        });
                    }
                }
            }
            (None, Some(field)) => {
                if mismatches.len() < MAX_LISTED {
                    mismatches.push(StateMismatch {
                        table: s.table.into(),
                        id,
                        complaint_number: number,
                        field: field.into(),
                        row_value: row.get(field).cloned().unwrap_or(Value::Null),
                        event_value: Value::Null,
                    });
                }
            }
            (None, None) => {
                if missing.len() < MAX_LISTED {
                    missing.push(RowWithoutEvent {
                        table: s.table.into(),
                        id,
                        complaint_number: number,
                        expected_event: s.kinds.replace(['\'', ' '], ""),
                    });
                }
            }
        }
    }
    Ok(())
}

/// JSON equality that takes 1 and 1.0 as equal (SQLite may hand back either for a number).
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Events whose time goes back along the chain by more than [`CLOCK_TOLERANCE_SECONDS`].
/// The history `cdesk demo` generates (up to its `demo_loaded` event) is exempt: it drives each
/// demo complaint through its whole life with a simulated clock, one complaint after another.
fn time_reversals(conn: &Connection) -> Result<Vec<TimeReversal>> {
    let demo: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM events WHERE kind = 'demo_loaded'", [], |r| r.get(0))?;
    let mut stmt = conn.prepare(
        "SELECT seq, kind, at, prev_at FROM (SELECT seq, kind, at, LAG(at) OVER (ORDER BY seq) AS prev_at FROM events)
         WHERE seq > ?1 AND prev_at > at AND (julianday(prev_at) - julianday(at)) * 86400.0 > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![demo, CLOCK_TOLERANCE_SECONDS, MAX_LISTED as i64], |r| {
        Ok(TimeReversal { seq: r.get(0)?, kind: r.get(1)?, at: r.get(2)?, previous_at: r.get(3)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Everything of this module, for `verify_database`.
pub fn run(conn: &Connection) -> Result<Reconciliation> {
    let mut state_mismatches = Vec::new();
    let mut rows_without_event = Vec::new();
    for s in SPECS {
        check_table(conn, s, &mut state_mismatches, &mut rows_without_event)?;
    }
    let time_reversals = time_reversals(conn)?;
    let anchors = anchors::check(conn, &anchors::manifest_folders(conn))?;
    Ok(Reconciliation { state_mismatches, rows_without_event, time_reversals, anchors })
}
