//! Type-ahead pickers for the intake form. A company can have tens of thousands of workers, so
//! the form asks for matches instead of loading everyone.

use rusqlite::params;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{text, Ctx};
use crate::error::Result;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FindWorkersArgs {
    /// Part of the worker's name or code; empty lists the first workers by code.
    pub text: String,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WorkerOption {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
}

pub fn find_workers(ctx: &Ctx, a: &FindWorkersArgs) -> Result<Vec<WorkerOption>> {
    ctx.begin(None)?;
    let q = text("text", &a.text, false, 50)?;
    let like = format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let limit = a.limit.unwrap_or(20).clamp(1, 200);
    let mut stmt = ctx.conn.prepare_cached(
        "SELECT id, code, name, kind FROM workers WHERE active = 1 AND (name LIKE ?1 ESCAPE '\\' OR code LIKE ?1 ESCAPE '\\')
         ORDER BY code LIMIT ?2",
    )?;
    let rows =
        stmt.query_map(params![like, limit], |r| Ok(WorkerOption { id: r.get(0)?, code: r.get(1)?, name: r.get(2)?, kind: r.get(3)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
