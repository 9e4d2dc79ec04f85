//! The handling records of a complaint as the detail screen shows them: one typed row per table
//! that the lifecycle writes. The field names are the columns' (the window and the printed
//! documents have always read them so), but each row is a type here, so a column renamed in a
//! migration breaks the build and the generated bindings instead of an empty cell on screen.
//! Codes (kinds, purposes, satisfaction levels) stay the text stored, and flags the 0/1 integers
//! SQLite keeps, exactly as the reply carried them before it was typed.

use rusqlite::params;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::Result;

/// Declares a record row and how it is read: the fields in the order of the query's columns.
macro_rules! record {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident: $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
        pub struct $name {
            $($(#[$fm])* pub $field: $ty,)*
        }

        impl $name {
            fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                let mut i = 0usize..;
                Ok($name { $($field: r.get(i.next().unwrap_or_default())?,)* })
            }
        }
    };
}

record!(
    /// A dispatch to a department, a transfer or a re-dispatch (R4.1, R5.2), with how it ended.
    DispatchRecord {
        /// dispatch | transfer | redispatch
        kind: String,
        department_id: String,
        department_name: String,
        note: String,
        due_at: String,
        dispatched_at: String,
        /// returned | transferred | answered; null while the department has it.
        outcome: Option<String>,
        outcome_reason: String,
        ended_at: Option<String>,
    }
);

record!(
    /// The department's findings (R5.3).
    HandlingRecord { finding: String, root_cause: String, solution: String, recorded_at: String }
);

record!(
    /// A written handling decision and the customer's answer to it (R5.6).
    DecisionRecord {
        decision_text: String,
        /// 1 agreed, 0 objected, null while the customer has not answered.
        agreed: Option<i64>,
        objection: String,
        signature_id: Option<String>,
        proposed_at: String,
        answered_at: Option<String>,
    }
);

record!(
    /// What was done for the customer (R5.7).
    ImplementationRecord { id: String, actions: String, done_by: String, done_at: String }
);

record!(
    /// A compensation paid with an implementation (R5.5).
    CompensationRecord {
        kind: String,
        amount_cents: i64,
        note: String,
        /// The supervisor's approval when the amount is above the threshold.
        approval_id: Option<String>,
    }
);

record!(
    /// A supervisor's approval of compensation above the threshold (R5.5).
    ApprovalRecord { max_cents: i64, note: String, approved_by: String, approved_at: String }
);

record!(
    /// A follow-up survey (R6.1); the levels are the stored satisfaction codes.
    SurveyRecord {
        overall: String,
        speed: Option<String>,
        attitude: Option<String>,
        result: Option<String>,
        comment: String,
        method: String,
        signature_id: Option<String>,
        surveyed_at: String,
    }
);

record!(
    /// An urge of the handling department (R4.7).
    UrgeRecord { note: String, urged_by: String, urged_at: String }
);

record!(
    /// A holiday postponement the customer agreed to (R3.9).
    PauseRecord { start_at: String, end_at: String, reason: String, signature_id: Option<String> }
);

record!(
    /// Who was told of a major complaint, and when (R3.3).
    MajorReportRecord { informed: String, informed_at: String, recorded_at: String }
);

record!(
    /// One level of the escalation chain acknowledged (R3.8); `acked_by` is the person's name.
    EscalationAckRecord { level: String, acked_by: String, acked_at: String, note: String }
);

record!(
    /// A customer's signature (R7.11); the strokes stay in the database.
    SignatureRecord { id: String, purpose: String, signer_name: String, digest: String, signed_at: String }
);

record!(
    /// An evidence file (R3.1).
    AttachmentRecord { id: String, file_name: String, sha256: String, size: i64, mime: String, added_at: String }
);

record!(
    /// A failed attempt to reach the customer for the follow-up (R6.2).
    ContactAttemptRecord { note: String, made_at: String }
);

/// Every handling record of one complaint, one list per table, oldest first where order matters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct DetailRecords {
    pub dispatches: Vec<DispatchRecord>,
    pub handlings: Vec<HandlingRecord>,
    pub decisions: Vec<DecisionRecord>,
    pub implementations: Vec<ImplementationRecord>,
    pub compensations: Vec<CompensationRecord>,
    pub approvals: Vec<ApprovalRecord>,
    pub surveys: Vec<SurveyRecord>,
    pub urges: Vec<UrgeRecord>,
    pub pauses: Vec<PauseRecord>,
    pub major_reports: Vec<MajorReportRecord>,
    pub escalation_acks: Vec<EscalationAckRecord>,
    pub signatures: Vec<SignatureRecord>,
    pub attachments: Vec<AttachmentRecord>,
    pub contact_attempts: Vec<ContactAttemptRecord>,
}

fn rows<T>(ctx: &Ctx, id: &str, sql: &str, f: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>) -> Result<Vec<T>> {
    let mut stmt = ctx.conn.prepare_cached(sql)?;
    let out = stmt.query_map(params![id], f)?.collect::<rusqlite::Result<_>>()?;
    Ok(out)
}

/// The records of complaint `id`, unmasked (the caller masks them for roles without access).
pub fn load(ctx: &Ctx, id: &str) -> Result<DetailRecords> {
    Ok(DetailRecords {
        dispatches: rows(ctx, id, "SELECT d.kind, d.department_id, dp.name AS department_name, d.note, d.due_at, d.dispatched_at, d.outcome, d.outcome_reason, d.ended_at
                         FROM dispatches d JOIN departments dp ON dp.id = d.department_id WHERE d.complaint_id = ?1 ORDER BY d.dispatched_at, d.rowid", DispatchRecord::from_row)?,
        handlings: rows(ctx, id, "SELECT finding, root_cause, solution, recorded_at FROM handlings WHERE complaint_id = ?1 ORDER BY recorded_at, rowid", HandlingRecord::from_row)?,
        decisions: rows(ctx, id, "SELECT decision_text, agreed, objection, signature_id, proposed_at, answered_at FROM decisions WHERE complaint_id = ?1 ORDER BY proposed_at, rowid", DecisionRecord::from_row)?,
        implementations: rows(ctx, id, "SELECT id, actions, done_by, done_at FROM implementations WHERE complaint_id = ?1 ORDER BY done_at", ImplementationRecord::from_row)?,
        compensations: rows(ctx, id, "SELECT kind, amount_cents, note, approval_id FROM compensations WHERE complaint_id = ?1", CompensationRecord::from_row)?,
        approvals: rows(ctx, id, "SELECT max_cents, note, approved_by, approved_at FROM compensation_approvals WHERE complaint_id = ?1", ApprovalRecord::from_row)?,
        surveys: rows(ctx, id, "SELECT overall, speed, attitude, result, comment, method, signature_id, surveyed_at FROM surveys WHERE complaint_id = ?1 ORDER BY surveyed_at, rowid", SurveyRecord::from_row)?,
        urges: rows(ctx, id, "SELECT note, urged_by, urged_at FROM urges WHERE complaint_id = ?1 ORDER BY urged_at", UrgeRecord::from_row)?,
        pauses: rows(ctx, id, "SELECT start_at, end_at, reason, signature_id FROM pauses WHERE complaint_id = ?1", PauseRecord::from_row)?,
        major_reports: rows(ctx, id, "SELECT informed, informed_at, recorded_at FROM major_reports WHERE complaint_id = ?1", MajorReportRecord::from_row)?,
        escalation_acks: rows(ctx, id, "SELECT a.level, u.name AS acked_by, a.acked_at, a.note FROM escalation_acks a JOIN users u ON u.id = a.acked_by WHERE a.complaint_id = ?1", EscalationAckRecord::from_row)?,
        signatures: rows(ctx, id, "SELECT id, purpose, signer_name, digest, signed_at FROM signatures WHERE complaint_id = ?1 ORDER BY signed_at, rowid", SignatureRecord::from_row)?,
        attachments: rows(ctx, id, "SELECT id, file_name, sha256, size, mime, added_at FROM attachments WHERE complaint_id = ?1", AttachmentRecord::from_row)?,
        contact_attempts: rows(ctx, id, "SELECT note, made_at FROM contact_attempts WHERE complaint_id = ?1", ContactAttemptRecord::from_row)?,
    })
}
