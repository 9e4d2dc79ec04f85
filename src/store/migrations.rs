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
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

pub fn migrate(conn: &Connection) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(CoreError::SchemaTooNew { found: current, supported: SCHEMA_VERSION });
    }
    if current == SCHEMA_VERSION {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let applied = (|| -> Result<()> {
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
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
}
