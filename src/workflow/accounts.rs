//! Staff passwords (R7.7: every action is taken by a named, signed-in staff member). An
//! administrator sets a colleague's password (a new hire, a forgotten one); everyone else may
//! only change their own, and must prove they know the current one first.

use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::Deserialize;

use super::Ctx;
use crate::auth::{hash_password, verify_password};
use crate::error::{CoreError, Result};
use crate::model::Role;
use crate::reply::Login;
use serde_json::json;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordArgs {
    /// Whose password; defaults to the signed-in user.
    #[serde(default)]
    pub login: Option<String>,
    /// Required when changing one's own password.
    #[serde(default)]
    pub current_password: Option<String>,
    pub new_password: String,
}

pub fn set_password(ctx: &Ctx, a: &SetPasswordArgs) -> Result<Login> {
    ctx.begin(None)?;
    let login = a.login.as_deref().map(str::trim).filter(|l| !l.is_empty()).unwrap_or(&ctx.actor.login).to_string();
    let own = login == ctx.actor.login;
    if !own && ctx.actor.role != Role::Admin {
        return Err(CoreError::Forbidden { op: ctx.op.name().to_string(), role: ctx.actor.role });
    }
    if !own && ctx.actor.must_change_password {
        return Err(CoreError::PasswordChangeRequired);
    }
    let row: Option<(String, Option<String>)> = ctx
        .conn
        .query_row("SELECT id, password_hash FROM users WHERE login = ?1", params![login], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (user_id, old_hash) = row.ok_or_else(|| CoreError::NotFound { what: "user", key: login.clone() })?;
    if own {
        if let Some(h) = old_hash.as_deref() {
            let current = a.current_password.as_deref().unwrap_or("");
            if !verify_password(current, h) {
                return Err(CoreError::invalid("current_password", "wrong_password"));
            }
            // The password an administrator handed out is known to them: keeping it is no change.
            if verify_password(&a.new_password, h) {
                return Err(CoreError::invalid("new_password", "password_unchanged"));
            }
        }
    }
    let hash = hash_password(&a.new_password)?;
    // Set for someone else, the password is known to the administrator who chose it: its owner
    // must replace it at the first sign-in. Set by its owner, it is theirs alone.
    ctx.conn.execute("UPDATE users SET password_hash = ?1, must_change_password = ?2 WHERE id = ?3", params![hash, !own, user_id])?;
    ctx.conn.execute("DELETE FROM sign_in_failures WHERE login = ?1", params![login])?;
    ctx.event(None, "password_set", json!({ "login": login, "by": ctx.actor.login, "must_change": !own }))?;
    Ok(Login { login })
}
