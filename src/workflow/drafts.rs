//! Form drafts: the intake form is saved as the clerk types, so closing the window, a crash or a
//! power cut loses nothing. A draft belongs to one user and one form and is not a record of the
//! complaint (it is not on the timeline); registering the complaint discards it.

use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Ctx;
use crate::clock::ts;
use crate::error::{CoreError, Result};

/// A draft's JSON may hold a signature and a long description, but never megabytes.
pub const MAX_DRAFT_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveDraftArgs {
    /// Which form, e.g. "intake".
    pub form: String,
    pub draft: Value,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftRef {
    pub form: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Draft {
    pub form: String,
    pub draft: Value,
    pub updated_at: String,
}

/// When the draft was saved, so the form can say "saved 10:42" and the user trusts it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DraftSaved {
    pub saved_at: String,
}

/// Which form's draft is gone (its name as normalised).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DraftDiscarded {
    pub discarded: String,
}

fn form_name(form: &str) -> Result<String> {
    let f = form.trim();
    if f.is_empty() || f.len() > 40 || !f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(CoreError::invalid("form", "bad_code"));
    }
    Ok(f.to_string())
}

pub fn save_draft(ctx: &Ctx, a: &SaveDraftArgs) -> Result<DraftSaved> {
    ctx.begin(None)?;
    let form = form_name(&a.form)?;
    let json = serde_json::to_string(&a.draft).map_err(|e| CoreError::BadArguments(e.to_string()))?;
    if json.len() > MAX_DRAFT_BYTES {
        return Err(CoreError::invalid("draft", "too_long"));
    }
    ctx.conn.execute(
        "INSERT INTO drafts (user_id, form, json, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, form) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
        params![ctx.actor.id, form, json, ts(ctx.now)],
    )?;
    Ok(DraftSaved { saved_at: ts(ctx.now) })
}

pub fn get_draft(ctx: &Ctx, a: &DraftRef) -> Result<Option<Draft>> {
    ctx.begin(None)?;
    let form = form_name(&a.form)?;
    let row: Option<(String, String)> = ctx
        .conn
        .query_row("SELECT json, updated_at FROM drafts WHERE user_id = ?1 AND form = ?2", params![ctx.actor.id, form], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(row.map(|(j, at)| Draft { form, draft: serde_json::from_str(&j).unwrap_or(Value::Null), updated_at: at }))
}

pub fn discard_draft(ctx: &Ctx, a: &DraftRef) -> Result<DraftDiscarded> {
    ctx.begin(None)?;
    let form = form_name(&a.form)?;
    ctx.conn.execute("DELETE FROM drafts WHERE user_id = ?1 AND form = ?2", params![ctx.actor.id, form])?;
    Ok(DraftDiscarded { discarded: form })
}
