//! Plain data shared by every layer: the vocabulary of the rule book (`domain-rules.md` §2–§6).
//!
//! Enums serialise as snake_case strings, both in JSON and in SQLite columns, so a database row
//! reads the same as the API and the UI can translate the code (`channel.walk_in` …).

mod enums;

pub use enums::*;
