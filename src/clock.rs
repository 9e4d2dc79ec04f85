//! Time is injected: every operation receives "now" from its caller, so tests and `cdesk --now`
//! can move time, and rules are never checked against a hidden system clock.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::{CoreError, Result};

/// The stored form of an instant: RFC 3339 UTC with a `Z`, which also sorts as text.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn parse_ts(field: &str, s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| CoreError::invalid(field, "not_a_timestamp"))
}

/// Reads a stored instant; a malformed one is a corrupted database, not user error.
pub fn stored_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
