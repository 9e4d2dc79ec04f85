//! Reports (issue 6): the KPIs of R7.4 for any range and filter with the complaints behind every
//! figure, the monthly report of R7.3 (PDF with charts and an Excel workbook) with its filing and
//! reminder, flagged workers and branches (R7.5), the bad-record ledger (R7.9), complaint exports
//! to XLSX / CSV masked per role (R7.8), imports of customers and workers from XLSX / CSV with a
//! preview, and the anonymised case library (R7.6).
//!
//! Commands (see `api::commands`): `kpis`, `kpi_complaints`, `kpi_definitions`,
//! `monthly_report`, `export_monthly_report`, `report_status`, `file_report`,
//! `export_complaints`, `import_customers`, `import_workers`, `case_library`,
//! `report_settings`, `set_report_settings`.
//!
//! Every date range is cut in the branch's time zone (`range`); every figure is computed from
//! the facts of `facts` by `kpi::count_fact` / `kpi::count_survey`, which also decide the lists
//! behind the figures (`drill`), so a list and its figure can never disagree.

pub mod cases;
pub mod drill;
pub mod export;
pub mod facts;
pub mod fasthash;
pub mod filter;
pub mod import;
pub mod kept_entries;
pub mod kpi;
pub mod ledger;
pub mod monthly;
pub mod monthly_pdf;
pub mod range;
pub mod select;
pub mod sheet;
pub mod texts;
pub mod thresholds;
pub mod trend;

pub use filter::ReportFilter;
pub use kpi::{Dimension, Figure, KpiKey};

/// What the report modules' unit tests share: a demo company at 2026-03-10 (so February is over).
#[cfg(test)]
pub(crate) mod testing {
    use crate::workflow::Ctx;

    use super::range::Month;

    /// Runs `f` as the manager on a transaction of a demo database of 900 complaints, with
    /// February 2026, the month every report test builds.
    pub fn with_demo_month(f: impl FnOnce(&Ctx, Month)) {
        let now = crate::clock::parse_ts("now", "2026-03-10T02:00:00Z").unwrap();
        let mut store = crate::store::Store::open_in_memory().unwrap();
        crate::workflow::settings::init_defaults(&store.conn, now).unwrap();
        crate::demo::generate_with_password(&mut store, now, 900, 42, Some("Report-Test-2026")).unwrap();
        let dir = store.attachments_dir();
        let tx = store.conn.transaction().unwrap();
        let actor = crate::auth::actor_by_login(&tx, "manager").unwrap();
        let ctx = Ctx { conn: &tx, now, actor: &actor, attachments_dir: &dir, op: crate::ops::Op::MonthlyReport };
        f(&ctx, Month::parse("month", "2026-02").unwrap());
    }
}
