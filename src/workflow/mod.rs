//! The complaint lifecycle: one function per operation of sections 3–6 of the rule book.
//!
//! Every operation takes a [`Ctx`] (connection inside the caller's transaction, the injected
//! "now", the signed-in actor), checks the role matrix and the stage graph itself, and appends to
//! the timeline. Callers (API, CLI, desktop, demo generator) never decide what is allowed.

pub mod acceptance;
pub mod accounts;
pub mod admin;
pub mod admin_views;
pub mod alerts;
pub mod dispatch;
pub mod drafts;
pub mod followup;
pub mod handling;
pub mod intake;
pub mod listing;
pub mod load;
pub mod pickers;
pub mod records;
pub mod settings;
pub mod steps;
pub mod taxonomy;
pub mod transitions;
pub mod views;

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde_json::Value;

use crate::auth::{self, Actor};
use crate::error::{CoreError, Result};
use crate::model::Stage;
use crate::ops::Op;
use crate::timeline;

pub use load::ComplaintState;

/// What every operation runs with.
pub struct Ctx<'a> {
    pub conn: &'a Connection,
    pub now: DateTime<Utc>,
    pub actor: &'a Actor,
    pub attachments_dir: &'a Path,
    /// The operation being run, set by whoever runs it (the registry for every command): its
    /// row of the role matrix and its edges of the lifecycle graph are the ones checked, so a
    /// handler never names itself.
    pub op: Op,
}

impl<'a> Ctx<'a> {
    /// The same context, running `op` (the demo generator and tests call handlers directly).
    pub fn with_op(&self, op: Op) -> Ctx<'a> {
        Ctx { conn: self.conn, now: self.now, actor: self.actor, attachments_dir: self.attachments_dir, op }
    }

    /// Role check (R7.7) of the running operation, then the stage check of the lifecycle graph.
    pub fn begin(&self, c: Option<&ComplaintState>) -> Result<()> {
        auth::require(self.actor, self.op)?;
        if let Some(c) = c {
            transitions::check(self.op, c.stage)?;
            self.require_department_scope(c)?;
        }
        Ok(())
    }

    /// A department handler acts only on complaints currently with their department (R7.7).
    fn require_department_scope(&self, c: &ComplaintState) -> Result<()> {
        if self.actor.role == crate::model::Role::DeptHandler && (c.department_id.is_none() || c.department_id != self.actor.department_id)
        {
            return Err(CoreError::Forbidden { op: self.op.name().to_string(), role: self.actor.role });
        }
        Ok(())
    }

    pub fn event(&self, complaint_id: Option<&str>, kind: &str, data: Value) -> Result<()> {
        timeline::append(self.conn, complaint_id, self.now, Some(&self.actor.id), kind, &data)
    }

    /// Moves the complaint to `to`, refusing any edge the lifecycle graph does not have.
    pub fn set_stage(&self, c: &mut ComplaintState, to: Stage) -> Result<()> {
        transitions::check_edge(self.op, c.stage, to)?;
        self.conn.prepare_cached("UPDATE complaints SET stage = ?1, updated_at = ?2 WHERE id = ?3")?.execute(rusqlite::params![
            to,
            crate::clock::ts(self.now),
            c.id
        ])?;
        c.stage = to;
        Ok(())
    }
}

/// Trims and bounds a free-text field; `required` rejects blank input.
pub fn text(field: &str, value: &str, required: bool, max_chars: usize) -> Result<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(CoreError::invalid(field, "required"));
    }
    if v.chars().count() > max_chars {
        return Err(CoreError::invalid(field, "too_long"));
    }
    if v.chars().any(|ch| ch.is_control() && ch != '\n' && ch != '\r' && ch != '\t') {
        return Err(CoreError::invalid(field, "control_characters"));
    }
    Ok(v.to_string())
}

/// A user-supplied instant that may not lie in the future (R3.1).
pub fn past_instant(field: &str, value: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let t = crate::clock::parse_ts(field, value)?;
    if t > now + chrono::Duration::minutes(1) {
        return Err(CoreError::invalid(field, "in_the_future"));
    }
    if t < now - chrono::Duration::days(3650) {
        return Err(CoreError::invalid(field, "too_far_in_the_past"));
    }
    Ok(t)
}
