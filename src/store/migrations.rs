//! Forward-only numbered migrations, applied in one transaction at open. `user_version` records
//! the schema; a database from a newer program is refused so that an old binary never writes to a
//! schema it does not understand.

use rusqlite::Connection;

use crate::error::{CoreError, Result};

/// Every migration, in order. Never edit a shipped one: add the next number.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_drafts_and_sign_in.sql")),
    (3, include_str!("migrations/0003_reports.sql")),
    (4, include_str!("migrations/0004_backups_and_retention.sql")),
    (5, include_str!("migrations/0005_performance_indexes.sql")),
    (6, include_str!("migrations/0006_report_month_figures.sql")),
    (7, include_str!("migrations/0007_report_covering_indexes.sql")),
    (8, include_str!("migrations/0008_open_complaint_search.sql")),
    (9, include_str!("migrations/0009_closed_at_index.sql")),
    (10, include_str!("migrations/0010_report_month_zone.sql")),
    (11, include_str!("migrations/0011_report_month_index.sql")),
    (12, include_str!("migrations/0012_drop_covered_indexes.sql")),
    (13, include_str!("migrations/0013_accounts_and_demo_marks.sql")),
    (14, include_str!("migrations/0014_anonymise_everything.sql")),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

pub fn migrate(conn: &Connection) -> Result<()> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Whether `version` is one this program's migrations produce: a backup claiming any other
/// `user_version` has no reference schema to be compared with.
pub fn is_known_version(version: i64) -> bool {
    MIGRATIONS.iter().any(|(v, _)| *v == version)
}

/// Brings `conn` up to `target` (not beyond): restore builds the schema a backup of an older
/// version must have from these migrations, never from the backup's own SQL text.
pub fn migrate_to(conn: &Connection, target: i64) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(CoreError::SchemaTooNew { found: current, supported: SCHEMA_VERSION });
    }
    if current >= target {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let applied = (|| -> Result<()> {
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current && *v <= target) {
            conn.execute_batch(sql)?;
            conn.execute_batch(&format!("PRAGMA user_version = {version}"))?;
        }
        Ok(())
    })();
    match applied {
        Ok(()) => {
            conn.execute_batch("COMMIT")?;
            Ok(())
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_newer_schema() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1)).unwrap();
        let err = migrate(&conn).unwrap_err();
        assert!(matches!(err, CoreError::SchemaTooNew { .. }), "an old binary must not touch a newer schema");
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        migrate(&conn).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }

    /// An index whose key is the leading part of another index on the same table serves no
    /// query the wider one does not, and costs one more B-tree write on every insert (issue 8:
    /// a registration writes a complaint and three or four steps). Unique indexes are kept:
    /// they enforce something. An expression column never matches, so the check errs on
    /// keeping an index (it would not flag 0012's `complaints_stage`, whose wider index
    /// continues with `next_due_at IS NULL`).
    #[test]
    fn no_index_is_the_leading_part_of_another() {
        let conn = Connection::open_in_memory().unwrap();
        migrate(&conn).unwrap();
        type Key = Vec<(Option<String>, bool)>;
        let mut indexes: Vec<(String, String, bool, Key)> = Vec::new();
        let mut stmt = conn
            .prepare("SELECT m.tbl_name, m.name, il.\"unique\" FROM sqlite_master m JOIN pragma_index_list(m.tbl_name) il ON il.name = m.name WHERE m.type = 'index'")
            .unwrap();
        let rows: Vec<(String, String, bool)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect();
        for (table, name, unique) in rows {
            let key: Key = conn
                .prepare("SELECT name, \"desc\" FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno")
                .unwrap()
                .query_map([&name], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            indexes.push((table, name, unique, key));
        }
        assert!(indexes.iter().any(|i| i.1 == "complaints_board"), "the check must see the schema's indexes");
        for (table, name, _, key) in indexes.iter().filter(|i| !i.2) {
            for (t2, other, _, wider) in &indexes {
                let covered =
                    t2 == table && other != name && wider.len() >= key.len() && key.iter().zip(wider).all(|(a, b)| a.0.is_some() && a == b);
                assert!(!covered, "index {name} is the leading part of {other}: drop it");
            }
        }
    }
}
