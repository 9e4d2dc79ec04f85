//! "My" steps that are due soon or overdue (R4.6), for the desktop notifications: a clerk hears
//! about the complaints they own (R1.2 first-contact ownership), a department handler about the
//! complaints currently with their department.

use rusqlite::params;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::clock::{stored_ts, ts};
use crate::deadlines::Urgency;
use crate::error::Result;
use crate::model::{Role, StepKind};

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DueAlertsArgs {
    /// At most this many alerts, most urgent first (default 100).
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DueAlert {
    pub step_id: String,
    pub complaint_id: String,
    pub number: String,
    pub kind: StepKind,
    pub due_at: String,
    pub urgency: Urgency,
}

pub fn due_alerts(ctx: &Ctx, a: &DueAlertsArgs) -> Result<Vec<DueAlert>> {
    ctx.begin(None)?;
    let limit = a.limit.unwrap_or(100).clamp(1, 1000);
    let now = ts(ctx.now);
    let (scope, key) = match ctx.actor.role {
        Role::DeptHandler => ("c.department_id = ?2", ctx.actor.department_id.clone().unwrap_or_default()),
        _ => ("c.owner_id = ?2", ctx.actor.id.clone()),
    };
    let sql = format!(
        "SELECT s.id, c.id, c.number, s.kind, s.due_at FROM steps s JOIN complaints c ON c.id = s.complaint_id
         WHERE s.completed_at IS NULL AND s.soon_at <= ?1 AND {scope}
         ORDER BY s.due_at LIMIT {limit}"
    );
    let mut stmt = ctx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![now, key], |r| {
        let due: String = r.get(4)?;
        let urgency = if ctx.now >= stored_ts(&due) { Urgency::Overdue } else { Urgency::DueSoon };
        Ok(DueAlert { step_id: r.get(0)?, complaint_id: r.get(1)?, number: r.get(2)?, kind: r.get(3)?, due_at: due, urgency })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
