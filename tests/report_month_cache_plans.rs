//! The monthly report reads a month of a million-complaint database in well under a second
//! (issue 8, case 5) only because its queries stay on covering indexes (migrations 0006,
//! 0007): the wide complaint, step and survey rows are never read for the flags, the ledger,
//! the steps or the ratings. SQLite's planner decides that; this pins its decisions.

use complaint_desk::store::Store;

fn plan(store: &Store, sql: &str) -> String {
    let mut stmt = store.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let n = stmt.parameter_count();
    let args: Vec<String> = (0..n).map(|_| "2026-01-01T00:00:00Z".to_string()).collect();
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| r.get::<_, String>(3)).unwrap();
    rows.collect::<Result<Vec<_>, _>>().unwrap().join(" / ")
}

#[test]
fn the_report_queries_stay_on_covering_indexes() {
    let store = Store::open_in_memory().unwrap();
    let cases = [
        (
            "entries of the flags and the ledger",
            "SELECT c.rowid, c.received_at, c.branch_id, c.customer_id, c.worker_id, c.is_repeat, c.nature, c.warning_level,
                    c.category, c.sub_category
             FROM complaints c INDEXED BY complaints_report
             WHERE c.received_at >= ?1 AND c.received_at < ?2 AND c.stage <> 'cancelled'
             ORDER BY c.received_at, c.rowid",
            &["COVERING INDEX complaints_report"][..],
        ),
        (
            "steps of the month",
            "SELECT c.rowid, s.kind, s.due_at, s.completed_at FROM complaints c JOIN steps s ON s.complaint_id = c.id
             WHERE c.received_at >= ?1 AND c.received_at < ?2",
            &["COVERING INDEX complaints_report", "COVERING INDEX steps_report"][..],
        ),
        (
            "earlier ratings",
            "SELECT s.complaint_id, s.surveyed_at, s.overall FROM complaints c JOIN surveys s ON s.complaint_id = c.id AND s.surveyed_at < ?3
             WHERE c.received_at >= ?1 AND c.received_at < ?2 ORDER BY s.surveyed_at, s.rowid",
            &["COVERING INDEX complaints_report", "COVERING INDEX surveys_report"][..],
        ),
        (
            "last dispatch",
            "SELECT d.department_id FROM dispatches d WHERE d.complaint_id = ?1 ORDER BY d.dispatched_at DESC, d.rowid DESC LIMIT 1",
            &["COVERING INDEX dispatches_last"][..],
        ),
    ];
    for (what, sql, want) in cases {
        let p = plan(&store, sql);
        for w in want {
            assert!(p.contains(w), "{what}: expected {w} in the plan: {p}");
        }
    }
}
