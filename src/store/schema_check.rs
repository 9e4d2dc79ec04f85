//! The schema a database must have, and how a foreign database file is read (issue 25, item 2).
//!
//! A backup on a USB stick is input from anyone: its `sqlite_master` can hold any text (SQLite
//! lets a file carry a trigger that deletes audit events, a view, a second statement after the
//! first, a schema without the append-only triggers) and still pass `PRAGMA integrity_check`.
//! So the program never runs SQL text taken from such a file. The schema a database of version
//! N must have is made here, by this program's own migrations 1..=N in a private in-memory
//! database, and the file's `sqlite_master` is compared with it object by object (type, name,
//! table, SQL text up to whitespace, comments and letter case outside quotes). A restore then
//! builds its tables from the reference and copies only row values.
//!
//! Files are read through [`harden`]ed connections: read-only, SQLite's defensive mode (no
//! writable schema, no shadow-table writes), untrusted schema (functions and virtual tables used
//! inside the file's views and triggers must be harmless), no database may be attached, and an
//! authorizer that allows reading and nothing else.

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::Connection;

use crate::error::Result;
use crate::store::migrations;
use rusqlite::config::DbConfig;

/// One row of `sqlite_master`, its SQL normalised (see [`normalise`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemaObject {
    pub kind: String,
    pub name: String,
    pub table: String,
    pub sql: Option<String>,
}

impl SchemaObject {
    fn label(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }
}

/// A difference between a database's schema and the one this program's migrations make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// The migrations make it, the file does not have it (e.g. an append-only trigger left out).
    Missing(SchemaObject),
    /// The file has an object the migrations do not make (e.g. a trigger of its own).
    Unexpected(SchemaObject),
    /// Same name, other definition (other SQL, other table or other type).
    Altered { expected: SchemaObject, found: SchemaObject },
}

impl Difference {
    /// `type name`, e.g. "trigger events_no_delete": what the error and `verify` name.
    pub fn object(&self) -> String {
        match self {
            Difference::Missing(o) | Difference::Unexpected(o) => o.label(),
            Difference::Altered { expected, .. } => expected.label(),
        }
    }

    /// missing | unexpected | altered
    pub fn problem(&self) -> &'static str {
        match self {
            Difference::Missing(_) => "missing",
            Difference::Unexpected(_) => "unexpected",
            Difference::Altered { .. } => "altered",
        }
    }

    /// One line for reports: "missing trigger events_no_delete".
    pub fn describe(&self) -> String {
        format!("{} {}", self.problem(), self.object())
    }
}

/// SQL text as compared: comments dropped, runs of whitespace made one space and removed next
/// to punctuation, letters outside quotes lower-cased. Quoted text ('…', "…", `…`, […]) is kept
/// exactly: a different string literal or identifier is a different definition.
pub fn normalise(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let mut pending_space = false;
    let punct = |c: char| "(),;=<>+-*/|.".contains(c);
    while i < chars.len() {
        let c = chars[i];
        if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            pending_space = true;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i = (i + 2).min(chars.len());
            pending_space = true;
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            i += 1;
            continue;
        }
        if pending_space {
            let last = out.chars().last();
            if last.is_some_and(|l| !punct(l)) && !punct(c) {
                out.push(' ');
            }
            pending_space = false;
        }
        let close = match c {
            '\'' => Some('\''),
            '"' => Some('"'),
            '`' => Some('`'),
            '[' => Some(']'),
            _ => None,
        };
        if let Some(close) = close {
            out.push(c);
            i += 1;
            while i < chars.len() {
                out.push(chars[i]);
                if chars[i] == close {
                    // A doubled quote inside a literal is the quote itself, not its end.
                    if close != ']' && chars.get(i + 1) == Some(&close) {
                        out.push(close);
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        out.extend(c.to_lowercase());
        i += 1;
    }
    out
}

/// Every object of `conn`'s main schema, sorted.
pub fn schema_of(conn: &Connection) -> Result<Vec<SchemaObject>> {
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM main.sqlite_master")?;
    let rows = stmt.query_map([], |r| {
        let sql: Option<String> = r.get(3)?;
        Ok(SchemaObject { kind: r.get(0)?, name: r.get(1)?, table: r.get(2)?, sql: sql.as_deref().map(normalise) })
    })?;
    let mut out: Vec<SchemaObject> = rows.collect::<rusqlite::Result<_>>()?;
    out.sort();
    Ok(out)
}

/// A private in-memory database with this program's schema of `version` (see
/// `migrations::migrate_to`); `None` when no migration has that number.
pub fn reference_database(version: i64) -> Result<Option<Connection>> {
    if !migrations::is_known_version(version) {
        return Ok(None);
    }
    let conn = Connection::open_in_memory()?;
    migrations::migrate_to(&conn, version)?;
    Ok(Some(conn))
}

/// What differs between `found` and `expected`, in a stable order (by name, then type), only
/// for objects whose type passes `kinds`.
pub fn differences(found: &[SchemaObject], expected: &[SchemaObject], kinds: impl Fn(&str) -> bool) -> Vec<Difference> {
    use std::collections::BTreeMap;
    let by_name = |v: &[SchemaObject]| -> BTreeMap<String, SchemaObject> {
        v.iter().filter(|o| kinds(&o.kind)).map(|o| (o.name.to_lowercase(), o.clone())).collect()
    };
    let (found, expected) = (by_name(found), by_name(expected));
    let mut out = Vec::new();
    for (name, e) in &expected {
        match found.get(name) {
            None => out.push(Difference::Missing(e.clone())),
            Some(f) if f != e => out.push(Difference::Altered { expected: e.clone(), found: f.clone() }),
            Some(_) => {}
        }
    }
    for (name, f) in &found {
        if !expected.contains_key(name) {
            out.push(Difference::Unexpected(f.clone()));
        }
    }
    out.sort_by_key(|d| (d.object().split_once(' ').map(|(_, n)| n.to_lowercase()).unwrap_or_default(), d.problem()));
    out
}

/// `conn`'s schema against the one its `user_version` must have: every object of every type.
/// `None` when the version is not one of this program's (nothing to compare with).
pub fn full_differences(conn: &Connection, version: i64) -> Result<Option<Vec<Difference>>> {
    let Some(reference) = reference_database(version)? else { return Ok(None) };
    let expected = schema_of(&reference)?;
    let mut diff = differences(&schema_of(conn)?, &expected, |_| true);
    // The shadow tables of a full-text index are written by SQLite's FTS5 itself, whose text may
    // vary between SQLite versions; they are never created from this text (a restore recreates
    // the index from the migrations), so only their presence counts.
    diff.retain(|d| !matches!(d, Difference::Altered { expected: e, found: f } if e.kind == "table" && f.kind == "table" && is_fts_shadow(&e.name, &expected)));
    Ok(Some(diff))
}

fn is_fts_shadow(name: &str, expected: &[SchemaObject]) -> bool {
    ["_data", "_idx", "_content", "_docsize", "_config"].iter().any(|suffix| {
        name.strip_suffix(suffix).is_some_and(|vtab| {
            expected
                .iter()
                .any(|o| o.name == vtab && o.sql.as_deref().is_some_and(|s| s.starts_with("create virtual table") && s.contains("fts5")))
        })
    })
}

/// For `verify`: the protective triggers (append-only timeline, kept signatures and records …)
/// and the views of a live database against its migrations: one that was dropped, rewritten or
/// added behind the program's back. Tables and indexes are left to SQLite's integrity check and
/// the other checks of `verify`.
pub fn trigger_and_view_differences(conn: &Connection) -> Result<Vec<String>> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let Some(reference) = reference_database(version)? else {
        return Ok(vec![format!("unknown schema version {version}")]);
    };
    let kinds = |k: &str| k == "trigger" || k == "view";
    Ok(differences(&schema_of(conn)?, &schema_of(&reference)?, kinds).iter().map(Difference::describe).collect())
}

/// Makes `conn`, a connection to a file this program did not necessarily write, safe to read:
/// defensive mode, untrusted schema, no attached databases, and an authorizer that permits
/// reading (SELECT, reads, functions, a few read-only pragmas) and refuses everything else,
/// ATTACH and DETACH first of all.
pub fn harden(conn: &Connection) -> Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false)?;
    conn.execute_batch("PRAGMA trusted_schema = OFF")?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    conn.authorizer(Some(read_only_authorizer));
    Ok(())
}

/// Pragmas a hardened connection may run: reading facts, never changing anything.
const READ_PRAGMAS: &[&str] = &[
    "integrity_check",
    "quick_check",
    "user_version",
    "schema_version",
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_check",
    "foreign_key_list",
    "page_size",
    "page_count",
    "data_version",
    "encoding",
    "freelist_count",
];

fn read_only_authorizer(ctx: AuthContext<'_>) -> Authorization {
    match ctx.action {
        AuthAction::Select | AuthAction::Read { .. } | AuthAction::Recursive => Authorization::Allow,
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => Authorization::Allow,
        AuthAction::Function { function_name } => {
            if ["load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"].iter().any(|f| f.eq_ignore_ascii_case(function_name)) {
                Authorization::Deny
            } else {
                Authorization::Allow
            }
        }
        AuthAction::Pragma { pragma_name, pragma_value } => {
            let known = READ_PRAGMAS.iter().any(|p| p.eq_ignore_ascii_case(pragma_name));
            // table_info(x) and friends take their table as the "value"; a setter like
            // user_version = 5 is refused (the file is read-only anyway).
            let setter = pragma_value.is_some() && matches!(pragma_name.to_ascii_lowercase().as_str(), "user_version" | "schema_version");
            if known && !setter {
                Authorization::Allow
            } else {
                Authorization::Deny
            }
        }
        _ => Authorization::Deny,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_keeps_quoted_text_and_drops_layout() {
        assert_eq!(
            normalise("CREATE  TRIGGER t BEFORE DELETE ON events\n-- why\nBEGIN SELECT RAISE(ABORT, 'The  timeline'); END"),
            "create trigger t before delete on events begin select raise(abort,'The  timeline');end"
        );
        assert_ne!(normalise("SELECT 'a''b'"), normalise("SELECT 'a' 'b'"));
        assert_eq!(normalise("CREATE TABLE \"T x\" ( a TEXT , b )"), "create table \"T x\"(a text,b)");
    }

    #[test]
    fn the_reference_of_this_version_is_this_programs_schema() {
        let conn = Connection::open_in_memory().unwrap();
        migrations::migrate(&conn).unwrap();
        assert_eq!(full_differences(&conn, migrations::SCHEMA_VERSION).unwrap(), Some(vec![]));
        assert!(trigger_and_view_differences(&conn).unwrap().is_empty());
        conn.execute_batch("DROP TRIGGER events_no_delete; CREATE VIEW v AS SELECT 1;").unwrap();
        assert_eq!(trigger_and_view_differences(&conn).unwrap(), vec!["missing trigger events_no_delete", "unexpected view v"]);
        assert!(reference_database(0).unwrap().is_none());
    }

    #[test]
    fn a_hardened_connection_cannot_attach() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open_in_memory().unwrap();
        harden(&conn).unwrap();
        let target = dir.path().join("x.sqlite3");
        let r = conn.execute_batch(&format!("ATTACH DATABASE '{}' AS y", target.display()));
        assert!(r.is_err());
        assert!(!target.exists(), "no file may be created by an ATTACH");
        assert_eq!(conn.query_row("SELECT 1 + 1", [], |r| r.get::<_, i64>(0)).unwrap(), 2);
    }
}
