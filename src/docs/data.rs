//! What the documents print, loaded under the same rules as the complaint detail: the core of it
//! IS the `get_complaint` reply (role check, department scope for handlers, masking of personal
//! data for roles without access, R7.7/R7.8), completed with the few names and records the
//! detail does not carry. Signature strokes are loaded only for roles that may see personal data.

use chrono_tz::Tz;
use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use crate::auth;
use crate::error::{CoreError, Result};
use crate::model::{CompensationKind, Finding, NotAcceptedReason, Satisfaction, SignaturePurpose, StepKind, SurveyMethod};
use crate::signature::StrokePoint;
use crate::workflow::views::{self, ComplaintDetail, GetArgs};
use crate::workflow::Ctx;

pub struct Branch {
    pub name: String,
    pub phone: String,
    pub address: String,
    pub logo_png: Option<Vec<u8>>,
    pub tz: Tz,
}

pub struct Signature {
    pub id: String,
    pub purpose: SignaturePurpose,
    pub signer_name: String,
    pub digest: String,
    pub signed_at: String,
    /// None when the current role may not see the customer's signature (R7.8).
    pub strokes: Option<Vec<Vec<StrokePoint>>>,
}

pub struct Dispatch {
    pub kind: String,
    pub department: String,
    pub assignee: Option<String>,
    pub note: String,
    pub due_at: String,
    pub dispatched_at: String,
    pub dispatched_by: String,
    pub outcome: Option<String>,
    pub outcome_reason: String,
}

pub struct Handling {
    pub finding: Finding,
    pub root_cause: String,
    pub solution: String,
    pub recorded_at: String,
    pub recorded_by: String,
}

pub struct Decision {
    pub text: String,
    pub agreed: Option<bool>,
    pub objection: String,
    pub signature_id: Option<String>,
    pub proposed_at: String,
    pub proposed_by: String,
    pub answered_at: Option<String>,
}

pub struct Implementation {
    pub actions: String,
    pub done_by: String,
    pub done_at: String,
}

pub struct Compensation {
    pub kind: CompensationKind,
    pub amount_cents: i64,
    pub note: String,
}

pub struct Survey {
    pub overall: Satisfaction,
    pub speed: Option<Satisfaction>,
    pub attitude: Option<Satisfaction>,
    pub result: Option<Satisfaction>,
    pub comment: String,
    pub method: SurveyMethod,
    pub signature_id: Option<String>,
    pub surveyed_at: String,
    pub surveyed_by: String,
}

pub struct NotAccepted {
    pub reason: NotAcceptedReason,
    pub note: String,
    pub at: String,
    pub by: String,
}

/// Everything one document may print about one complaint, as the current user may see it.
pub struct DocData {
    pub detail: ComplaintDetail,
    /// Whether the user may see personal data (R7.8): names and signatures unmasked.
    pub personal: bool,
    pub branch: Branch,
    pub signatures: Vec<Signature>,
    pub dispatches: Vec<Dispatch>,
    pub handling: Option<Handling>,
    pub decision: Option<Decision>,
    pub implementation: Option<Implementation>,
    pub compensations: Vec<Compensation>,
    pub survey: Option<Survey>,
    pub not_accepted: Option<NotAccepted>,
    /// The timeline's head as the document is made: printed in the footer (chain anchor).
    pub chain: Option<crate::store::anchors::ChainHead>,
}

impl DocData {
    pub fn signature(&self, id: Option<&str>) -> Option<&Signature> {
        id.and_then(|id| self.signatures.iter().find(|s| s.id == id))
    }

    pub fn registration_signature(&self) -> Option<&Signature> {
        self.signatures.iter().find(|s| s.purpose == SignaturePurpose::Registration)
    }

    /// The due instant of the first step of this kind (the promise made at registration,
    /// moved only by a signed holiday pause, R3.9).
    pub fn due_of(&self, kind: StepKind) -> Option<&str> {
        self.detail.steps.iter().find(|s| s.kind == kind).map(|s| s.due_at.as_str())
    }

    pub fn local(&self, t: &str) -> String {
        crate::clock::local(t, self.branch.tz)
    }
}

/// Loads the document data for `complaint` as the context's user. Refusals are those of
/// `get_complaint`.
pub fn load(ctx: &Ctx, complaint: &str) -> Result<DocData> {
    let detail = views::get_complaint(ctx, &GetArgs { complaint: complaint.to_string() })?;
    let personal = auth::may_see_personal_data(ctx.actor.role);
    let conn = ctx.conn;
    let id = detail.id.clone();
    let (name, phone, address, logo_png): (String, String, String, Option<Vec<u8>>) =
        conn.query_row("SELECT name, phone, address, logo_png FROM branches WHERE code = ?1", params![detail.branch_code], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let tz: Tz = detail.branch_tz.parse().map_err(|_| CoreError::Integrity("branch time zone".into()))?;
    let branch = Branch { name, phone, address, logo_png, tz };

    let mut signatures = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT id, purpose, signer_name, digest, signed_at, strokes_json FROM signatures WHERE complaint_id = ?1 ORDER BY signed_at, rowid",
        )?;
        let rows = stmt.query_map(params![id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, SignaturePurpose>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        for row in rows {
            let (sid, purpose, signer, digest, signed_at, strokes) = row?;
            signatures.push(Signature {
                id: sid,
                purpose,
                signer_name: if personal { signer } else { auth::mask_name(&signer) },
                digest,
                signed_at,
                strokes: if personal { serde_json::from_str(&strokes).ok() } else { None },
            });
        }
    }

    let mut dispatches = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT d.kind, dp.name, a.name, d.note, d.due_at, d.dispatched_at, u.name, d.outcome, d.outcome_reason
             FROM dispatches d JOIN departments dp ON dp.id = d.department_id JOIN users u ON u.id = d.dispatched_by
             LEFT JOIN users a ON a.id = d.assignee_id WHERE d.complaint_id = ?1 ORDER BY d.dispatched_at, d.rowid",
        )?;
        let rows = stmt.query_map(params![id], |r| {
            Ok(Dispatch {
                kind: r.get(0)?,
                department: r.get(1)?,
                assignee: r.get(2)?,
                note: r.get(3)?,
                due_at: r.get(4)?,
                dispatched_at: r.get(5)?,
                dispatched_by: r.get(6)?,
                outcome: r.get(7)?,
                outcome_reason: r.get(8)?,
            })
        })?;
        for d in rows {
            dispatches.push(d?);
        }
    }

    let handling = conn
        .query_row(
            "SELECT h.finding, h.root_cause, h.solution, h.recorded_at, u.name FROM handlings h JOIN users u ON u.id = h.recorded_by
             WHERE h.complaint_id = ?1 ORDER BY h.recorded_at DESC, h.rowid DESC LIMIT 1",
            params![id],
            |r| {
                Ok(Handling {
                    finding: r.get(0)?,
                    root_cause: r.get(1)?,
                    solution: r.get(2)?,
                    recorded_at: r.get(3)?,
                    recorded_by: r.get(4)?,
                })
            },
        )
        .optional()?;
    let decision = conn
        .query_row(
            "SELECT d.decision_text, d.agreed, d.objection, d.signature_id, d.proposed_at, u.name, d.answered_at
             FROM decisions d JOIN users u ON u.id = d.proposed_by WHERE d.complaint_id = ?1 ORDER BY d.proposed_at DESC, d.rowid DESC LIMIT 1",
            params![id],
            |r| {
                Ok(Decision {
                    text: r.get(0)?,
                    agreed: r.get(1)?,
                    objection: r.get(2)?,
                    signature_id: r.get(3)?,
                    proposed_at: r.get(4)?,
                    proposed_by: r.get(5)?,
                    answered_at: r.get(6)?,
                })
            },
        )
        .optional()?;
    let implementation = conn
        .query_row(
            "SELECT actions, done_by, done_at FROM implementations WHERE complaint_id = ?1 ORDER BY done_at DESC, rowid DESC LIMIT 1",
            params![id],
            |r| Ok(Implementation { actions: r.get(0)?, done_by: r.get(1)?, done_at: r.get(2)? }),
        )
        .optional()?;
    let mut compensations = Vec::new();
    {
        let mut stmt = conn.prepare_cached("SELECT kind, amount_cents, note FROM compensations WHERE complaint_id = ?1 ORDER BY rowid")?;
        let rows = stmt.query_map(params![id], |r| Ok(Compensation { kind: r.get(0)?, amount_cents: r.get(1)?, note: r.get(2)? }))?;
        for c in rows {
            compensations.push(c?);
        }
    }
    let survey = conn
        .query_row(
            "SELECT s.overall, s.speed, s.attitude, s.result, s.comment, s.method, s.signature_id, s.surveyed_at, u.name
             FROM surveys s JOIN users u ON u.id = s.surveyed_by WHERE s.complaint_id = ?1 ORDER BY s.surveyed_at DESC, s.rowid DESC LIMIT 1",
            params![id],
            |r| {
                Ok(Survey {
                    overall: r.get(0)?,
                    speed: r.get(1)?,
                    attitude: r.get(2)?,
                    result: r.get(3)?,
                    comment: r.get(4)?,
                    method: r.get(5)?,
                    signature_id: r.get(6)?,
                    surveyed_at: r.get(7)?,
                    surveyed_by: r.get(8)?,
                })
            },
        )
        .optional()?;
    let not_accepted = conn
        .query_row(
            "SELECT e.data, e.at, COALESCE(u.name, '') FROM events e LEFT JOIN users u ON u.id = e.actor_id
             WHERE e.complaint_id = ?1 AND e.kind = 'not_accepted' ORDER BY e.seq DESC LIMIT 1",
            params![id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
        )
        .optional()?
        .and_then(|(data, at, by)| {
            let v: Value = serde_json::from_str(&data).ok()?;
            let reason = NotAcceptedReason::parse(v["reason"].as_str()?)?;
            Some(NotAccepted { reason, note: v["note"].as_str().unwrap_or("").to_string(), at, by })
        });
    Ok(DocData {
        detail,
        personal,
        branch,
        signatures,
        dispatches,
        handling,
        decision,
        implementation,
        compensations,
        survey,
        not_accepted,
        chain: crate::store::anchors::head(conn)?,
    })
}
