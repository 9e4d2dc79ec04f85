//! One error type for every caller. At the boundary it becomes `{code, message_key, details}`:
//! the UI translates `message_key` and never has to match on English text, and the CLI prints the
//! same JSON. A panic is a bug, never a reply.

use serde::Serialize;
use serde_json::{json, Value};

use crate::model::{Role, Stage};

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Input that breaks a rule of the rule book or a field constraint.
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("{what} not found: {key}")]
    NotFound { what: &'static str, key: String },
    /// The operation does not apply to the complaint's current stage.
    #[error("operation {op} is not allowed while the complaint is {stage}")]
    IllegalTransition { op: String, stage: Stage },
    #[error("role {role} may not {op}")]
    Forbidden { op: String, role: Role },
    /// A rule needs something first (an overdue reason, an approval, a signature …).
    #[error("{rule}: {reason}")]
    Precondition { rule: &'static str, reason: String },
    #[error("not signed in")]
    Unauthenticated,
    /// The session was locked after idle time; the user must unlock it with their password.
    #[error("session locked")]
    Locked,
    /// The account's password was set by an administrator: its owner must choose their own
    /// before doing anything else (R7.7).
    #[error("the password must be changed first")]
    PasswordChangeRequired,
    #[error("unknown command {0}")]
    UnknownCommand(String),
    #[error("bad arguments: {0}")]
    BadArguments(String),
    /// A required argument left out of the call. Still a call of the wrong shape
    /// (`bad_arguments`), but named, so a form can say which field it needs and mark it.
    #[error("bad arguments: missing field `{0}`")]
    MissingField(String),
    #[error("database is newer (schema {found}) than this program (schema {supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("integrity problem: {0}")]
    Integrity(String),
    /// A backup whose schema is not the one this program's migrations make for its version (an
    /// object of its own, one left out or rewritten): refused, naming the first difference.
    #[error("invalid backup: its schema differs from this program's ({problem} {object})")]
    BackupSchemaDiffers { object: String, problem: String },
    #[error("storage: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// The serialisable shape every caller receives.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ApiError {
    pub code: &'static str,
    pub message_key: String,
    pub message: String,
    pub details: Value,
}

impl CoreError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        CoreError::Invalid { field: field.into(), reason: reason.into() }
    }

    pub fn precondition(rule: &'static str, reason: impl Into<String>) -> Self {
        CoreError::Precondition { rule, reason: reason.into() }
    }

    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Invalid { .. } | CoreError::BackupSchemaDiffers { .. } => "invalid",
            CoreError::NotFound { .. } => "not_found",
            CoreError::IllegalTransition { .. } => "illegal_transition",
            CoreError::Forbidden { .. } => "forbidden",
            CoreError::Precondition { .. } => "precondition",
            CoreError::Unauthenticated => "unauthenticated",
            CoreError::Locked => "locked",
            CoreError::PasswordChangeRequired => "password_change_required",
            CoreError::UnknownCommand(_) => "unknown_command",
            CoreError::BadArguments(_) | CoreError::MissingField(_) => "bad_arguments",
            CoreError::SchemaTooNew { .. } => "schema_too_new",
            CoreError::Integrity(_) => "integrity",
            CoreError::Storage(e) if is_full_or_readonly(e) => "storage_unavailable",
            CoreError::Storage(_) => "storage",
            CoreError::Io(_) => "io",
        }
    }

    pub fn to_api(&self) -> ApiError {
        let code = self.code();
        let (message_key, details) = match self {
            CoreError::Invalid { field, reason } => (format!("error.invalid.{reason}"), json!({ "field": field, "reason": reason })),
            CoreError::BackupSchemaDiffers { object, problem } => (
                "error.invalid.backup_schema_differs".to_string(),
                json!({ "field": "backup", "reason": "backup_schema_differs", "object": object, "problem": problem }),
            ),
            CoreError::NotFound { what, key } => (format!("error.not_found.{what}"), json!({ "what": what, "key": key })),
            CoreError::IllegalTransition { op, stage } => {
                ("error.illegal_transition".to_string(), json!({ "operation": op, "stage": stage.as_str() }))
            }
            CoreError::Forbidden { op, role } => ("error.forbidden".to_string(), json!({ "operation": op, "role": role.as_str() })),
            CoreError::Precondition { rule, reason } => (format!("error.precondition.{reason}"), json!({ "rule": rule, "reason": reason })),
            CoreError::SchemaTooNew { found, supported } => {
                ("error.schema_too_new".to_string(), json!({ "found": found, "supported": supported }))
            }
            CoreError::UnknownCommand(name) => ("error.unknown_command".to_string(), json!({ "command": name })),
            CoreError::BadArguments(msg) => ("error.bad_arguments".to_string(), json!({ "detail": msg })),
            CoreError::MissingField(field) => (
                "error.invalid.required".to_string(),
                json!({ "field": field, "reason": "required", "detail": format!("missing field `{field}`") }),
            ),
            other => (format!("error.{code}"), json!({ "detail": other.to_string() })),
        };
        ApiError { code, message_key, message: self.to_string(), details }
    }
}

/// Disk full and read-only media are the user's to fix, not bugs: they get their own code.
fn is_full_or_readonly(e: &rusqlite::Error) -> bool {
    use rusqlite::ffi::ErrorCode;
    matches!(e.sqlite_error_code(), Some(ErrorCode::DiskFull | ErrorCode::ReadOnly | ErrorCode::CannotOpen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn illegal_transition_names_the_stage() {
        let e = CoreError::IllegalTransition { op: "dispatch".into(), stage: Stage::Closed };
        let api = e.to_api();
        assert_eq!(api.code, "illegal_transition");
        assert_eq!(api.details["stage"], "closed", "the UI must be able to say which stage blocks it");
    }
}
