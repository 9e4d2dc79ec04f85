//! Replies that many commands share. Every command answers with a named type, so the window's
//! generated bindings say what comes back and a renamed field breaks the build rather than a
//! screen; these are the small ones that a dozen handlers would otherwise each spell as JSON.

use schemars::JsonSchema;
use serde::Serialize;

use crate::model::Stage;

/// A command that changes something and has nothing to report but that it did. `ok` is always
/// true (a failure is an error, never `ok: false`); it is kept so the reply is an object the
/// window and scripts can test as before.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Done {
    pub ok: bool,
}

impl Done {
    pub const OK: Done = Done { ok: true };
}

/// A lifecycle operation moved the complaint: its stage now, for the window to redraw without
/// asking again.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema, PartialEq, Eq)]
pub struct StageNow {
    pub stage: Stage,
}

/// The complaint went to a department (dispatch, transfer): its stage and when the department's
/// answer falls due (R4.1), shown at once in the confirmation.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Dispatched {
    pub stage: Stage,
    pub due_at: String,
}

/// A setting-like record saved under a code (department, worker, deadline policy, branch): the
/// code as stored, trimmed, for the form to select.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Code {
    pub code: String,
}

/// An account saved or its password changed: the login as stored (trimmed).
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Login {
    pub login: String,
}

/// A record created without a code of its own (a reply template): its new id.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Created {
    pub id: String,
}
