//! The monthly report reads a month of a million-complaint database in well under a second
//! (issue 8, case 5) only because its queries stay on covering indexes (migrations 0006,
//! 0007, 0011): the wide complaint, step and survey rows are never read for the month's
//! facts, the flags, the ledger, the steps or the ratings. SQLite's planner decides that; this
//! pins its decisions.

use crate::common;

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
             FROM complaints c INDEXED BY complaints_month
             WHERE c.received_at >= ?1 AND c.received_at < ?2 AND c.stage <> 'cancelled'
             ORDER BY c.received_at, c.rowid",
            &["COVERING INDEX complaints_month"][..],
        ),
        (
            "complaints of the month (facts::complaints_and_surveys)",
            "SELECT c.id, c.received_at, c.stage, c.closed_at, c.warning_level, c.is_repeat,
                    COALESCE(c.department_id, (SELECT d.department_id FROM dispatches d WHERE d.complaint_id = c.id ORDER BY d.dispatched_at DESC, d.rowid DESC LIMIT 1)),
                    c.customer_id, c.customer_name, c.contact_phone, c.owner_id,
                    c.number, c.branch_id, c.category, c.sub_category, c.channel, c.tier, c.nature, c.worker_id, c.rowid
             FROM complaints c INDEXED BY complaints_month
             WHERE c.received_at >= ?1 AND c.received_at < ?2 AND c.stage <> 'cancelled'
             ORDER BY c.received_at",
            &["COVERING INDEX complaints_month"][..],
        ),
        (
            "surveys of the month (facts::complaints_and_surveys)",
            "SELECT s.complaint_id, s.surveyed_at, s.overall, s.speed, s.attitude, s.result, s.method, s.comment, s.department_id
             FROM surveys s INDEXED BY surveys_month WHERE s.surveyed_at >= ?1 AND s.surveyed_at < ?2 ORDER BY s.surveyed_at, s.rowid",
            &["COVERING INDEX surveys_month"][..],
        ),
        (
            "steps of the month",
            "SELECT c.rowid, s.kind, s.due_at, s.completed_at FROM complaints c JOIN steps s ON s.complaint_id = c.id
             WHERE c.received_at >= ?1 AND c.received_at < ?2",
            &["COVERING INDEX complaints_month", "COVERING INDEX steps_report"][..],
        ),
        (
            "earlier ratings",
            "SELECT s.complaint_id, s.surveyed_at, s.overall, s.rowid FROM complaints c JOIN surveys s ON s.complaint_id = c.id AND s.surveyed_at < ?3
             WHERE c.received_at >= ?1 AND c.received_at < ?2",
            &["COVERING INDEX complaints_month", "COVERING INDEX surveys_report"][..],
        ),
        (
            "kept entries of an earlier month (report::kept_entries)",
            "SELECT e.figures FROM report_month_figures e
             WHERE e.month = ?1 AND e.version = ?2
               AND EXISTS (SELECT 1 FROM report_month_figures f WHERE f.month = ?3 AND f.version = ?4 AND f.rowid < e.rowid)",
            &["SEARCH e USING INDEX sqlite_autoindex_report_month_figures_1 (month=?)", "SEARCH f USING INDEX sqlite_autoindex_report_month_figures_1 (month=?)"][..],
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
        // Nothing the size of a month is sorted by SQLite (the order comes from an index, or
        // is not needed): the ledger's entries sort only the rowids of one received_at, the
        // last dispatch (a complaint's few) its last term.
        if !what.starts_with("entries") {
            assert!(!p.contains("TEMP B-TREE FOR ORDER BY") && !p.contains("RIGHT PART OF ORDER BY"), "{what}: sorts: {p}");
        }
    }
}

/// VM instructions SQLite executed for `sql` (its triggers' programs included).
fn vm_steps(store: &Store, sql: &str, id: &str) -> i32 {
    let mut stmt = store.conn.prepare(sql).unwrap();
    stmt.execute([id]).unwrap();
    stmt.get_status(rusqlite::StatementStatus::VmStep)
}

/// Migration 0010: the triggers that drop stored months on a write look the months up by key
/// instead of comparing every stored row. Kept reports put hundreds of list chunks in the
/// table at a million complaints, and with 0006's triggers every timeline event and step of a
/// registration paid for each of them (half of a registration's time, issue 8 case 4). Counted
/// in SQLite's instructions, not timed: a write costs the same with 12 rows stored or 2,012.
#[test]
fn a_write_costs_the_same_however_many_rows_the_report_keeps() {
    let mut fx = common::Fx::new();
    let (id, _) = fx.register(serde_json::json!({ "received_at": "2026-02-01T00:20:00+08:00" }));
    let store = &fx.store;
    let keep = |extra: usize| {
        store.conn.execute("DELETE FROM report_month_figures", []).unwrap();
        for m in 1..=12 {
            store
                .conn
                .execute(
                    "INSERT INTO report_month_figures (month, version, figures, computed_at) VALUES (?1, 1, '[]', '')",
                    [format!("2025-{m:02}")],
                )
                .unwrap();
        }
        for n in 0..extra {
            store
                .conn
                .execute(
                    "INSERT INTO report_month_figures (month, version, figures, computed_at) VALUES (?1, 4, x'00', '')",
                    [format!("list:2026-02:d{n}:register:0")],
                )
                .unwrap();
        }
        store.conn.execute("INSERT OR REPLACE INTO report_month_zone (id, lo, hi) VALUES (1, 28800, 32400)", []).unwrap();
    };
    for (what, sql) in [
        ("a complaint's row", "UPDATE complaints SET updated_at = updated_at WHERE id = ?1"),
        ("its steps", "UPDATE steps SET completed_at = completed_at WHERE complaint_id = ?1"),
        ("its timeline", "INSERT INTO events (id, complaint_id, at, actor_id, kind, data, prev_hash, hash) SELECT id || '-x', complaint_id, at, actor_id, 'note', data, hash, hash || 'x' FROM events WHERE complaint_id = ?1 ORDER BY seq DESC LIMIT 1"),
    ] {
        keep(0);
        let few = vm_steps(store, sql, &id);
        keep(2000);
        let many = vm_steps(store, sql, &id);
        assert!(many < few + 500, "{what}: {few} instructions with 12 stored rows, {many} with 2,012");
    }
}
