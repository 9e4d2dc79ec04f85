//! Time is injected: every operation receives "now" from its caller, so tests and `cdesk --now`
//! can move time, and rules are never checked against a hidden system clock.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::{CoreError, Result};

/// The stored form of an instant: RFC 3339 UTC with a `Z`, which also sorts as text.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn parse_ts(field: &str, s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|_| CoreError::invalid(field, "not_a_timestamp"))
}

/// Reads a stored instant; a malformed one is a corrupted database, not user error.
pub fn stored_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Reads a stored instant; the stored form is always "YYYY-MM-DDTHH:MM:SSZ" (`ts`), read
/// here without the general RFC 3339 parser because a year of reports reads millions of them.
pub fn fast_ts(s: &str) -> DateTime<Utc> {
    let b = s.as_bytes();
    if b.len() == 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':' && b[19] == b'Z' {
        let n = |i: usize, l: usize| -> Option<u32> {
            b[i..i + l].iter().try_fold(0u32, |v, c| c.is_ascii_digit().then(|| v * 10 + (c - b'0') as u32))
        };
        if let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(se)) = (n(0, 4), n(5, 2), n(8, 2), n(11, 2), n(14, 2), n(17, 2)) {
            if let Some(t) = chrono::NaiveDate::from_ymd_opt(y as i32, mo, d).and_then(|d| d.and_hms_opt(h, mi, se)) {
                return t.and_utc();
            }
        }
    }
    stored_ts(s)
}

/// Due instants as local strings for display, used by the CLI listing.
pub fn local(t: &str, tz: chrono_tz::Tz) -> String {
    let t: DateTime<Utc> = stored_ts(t);
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
