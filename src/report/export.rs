//! Files out of the core: complaint lists of any board/search filter or behind any KPI figure as
//! XLSX or CSV (personal data masked unless the role may see it and asks, R7.8; every export
//! logged, R7.1), and the monthly report as PDF and as an Excel workbook (R7.3).

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::drill::{self, Part};
use super::filter::ReportFilter;
use super::kpi::{BreakdownRow, Dimension, KpiKey, Unit};
use super::monthly::{self, MonthlyReport};
use super::sheet::{self, Cell, Table};
use super::texts;
use crate::auth;
use crate::clock::stored_ts;
use crate::docs::{labels, write_atomically};
use crate::error::{CoreError, Result};
use crate::lang::Lang;
use crate::model::{Category, Channel, Satisfaction, Tier};
use crate::workflow::views::SearchFilter;
use crate::workflow::Ctx;

/// The most rows one export writes.
pub const MAX_EXPORT_ROWS: usize = 500_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    #[default]
    Xlsx,
    Csv,
}

impl ExportFormat {
    fn ext(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
        }
    }
}

/// The complaints behind a KPI figure (as `kpi_complaints` lists them).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FigureRef {
    #[serde(default)]
    pub filter: ReportFilter,
    pub kpi: KpiKey,
    #[serde(default)]
    pub part: Part,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportComplaintsArgs {
    /// A board/search filter (R7.10); ignored when `figure` is given.
    #[serde(default)]
    pub filter: SearchFilter,
    /// Export the complaints behind a KPI figure instead.
    #[serde(default)]
    pub figure: Option<FigureRef>,
    #[serde(default)]
    pub format: ExportFormat,
    /// Where to write (the native save dialog's path); the format's extension is added when
    /// missing. An existing file is replaced.
    pub path: String,
    /// Column headers and values in this language.
    #[serde(default)]
    pub lang: Lang,
    /// Full names, phones and addresses; only for roles that may see personal data (R7.8).
    #[serde(default)]
    pub unmask: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ExportedFile {
    pub path: String,
    pub format: ExportFormat,
    pub rows: usize,
    pub bytes: usize,
    /// Personal data was masked (R7.8).
    pub masked: bool,
    /// More complaints matched than one export writes (500 000).
    pub truncated: bool,
}

/// Validates the target path: not empty, the format's extension added, its folder exists.
/// A name typed with another extension keeps it and gets the right one after it ("表.csv" for
/// an Excel file becomes "表.csv.xlsx"), so a workbook never sits under a .csv name and
/// "月报-2026.10" does not lose its ".10".
pub fn target(raw: &str, ext: &str) -> Result<PathBuf> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(CoreError::invalid("path", "required"));
    }
    let mut p = PathBuf::from(raw);
    if p.is_dir() {
        return Err(CoreError::invalid("path", "is_a_directory"));
    }
    if !p.extension().is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case(ext)) && p.file_name().is_some() {
        let mut s = p.into_os_string();
        s.push(".");
        s.push(ext);
        p = PathBuf::from(s);
    }
    if p.is_dir() {
        return Err(CoreError::invalid("path", "is_a_directory"));
    }
    match p.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(CoreError::invalid("path", "directory_not_found")),
        _ => Ok(p),
    }
}

fn yes_no(t: &texts::Texts, b: bool) -> Cell {
    Cell::text(if b { t.yes } else { t.no })
}

/// The complaint list table.
pub fn complaints_table(rows: &[super::select::ExportRow], lang: Lang, personal: bool) -> Table {
    let t = texts::texts(lang);
    let l = labels::texts(lang);
    let mut headers = vec![
        t.number,
        t.received,
        l.registered_at,
        t.stage,
        l.channel,
        l.category,
        t.sub_category,
        l.tier,
        l.nature,
        t.warning,
        t.repeat,
        t.customer,
        t.phone,
    ];
    if personal {
        headers.push(t.address);
    }
    headers.extend([l.department, t.owner, t.worker_code, t.worker, t.service_order, t.closed, t.description]);
    let mut widths = vec![18.0, 17.0, 17.0, 12.0, 12.0, 10.0, 14.0, 8.0, 10.0, 6.0, 6.0, 10.0, 14.0];
    if personal {
        widths.push(30.0);
    }
    widths.extend([12.0, 10.0, 10.0, 10.0, 12.0, 17.0, 60.0]);
    let mut table = Table::new(t.sheet_complaints, &headers, &widths);
    for r in rows {
        let mut cells = vec![
            Cell::text(&r.number),
            Cell::local(Some(r.received_at), r.tz),
            Cell::local(Some(r.registered_at), r.tz),
            Cell::text(t.stage(r.stage)),
            Cell::text(l.channel(r.channel)),
            Cell::text(l.category(r.category)),
            Cell::text(&r.sub_category),
            Cell::text(l.tier(r.tier)),
            Cell::text(l.nature(r.nature)),
            Cell::Int(r.warning_level as i64),
            yes_no(t, r.is_repeat),
            Cell::text(&r.customer_name),
            Cell::text(&r.phone),
        ];
        if personal {
            cells.push(Cell::text(&r.address));
        }
        cells.extend([
            Cell::text(&r.department),
            Cell::text(&r.owner),
            Cell::text(&r.worker_code),
            Cell::text(&r.worker_name),
            Cell::text(&r.service_order_no),
            Cell::local(r.closed_at, r.tz),
            Cell::text(&r.description),
        ]);
        table.rows.push(cells);
    }
    table
}

/// `export_complaints`: a complaint list to XLSX or CSV (R7.8 masking, logged).
pub fn export_complaints(ctx: &Ctx, a: &ExportComplaintsArgs) -> Result<ExportedFile> {
    ctx.begin(None)?;
    if a.unmask && !auth::may_see_personal_data(ctx.actor.role) {
        return Err(CoreError::Forbidden { op: "export_complaints.unmask".into(), role: ctx.actor.role });
    }
    let personal = a.unmask;
    let path = target(&a.path, a.format.ext())?;
    crate::store::outpaths::refuse_protected(ctx.conn, ctx.attachments_dir, &path)?;
    let mut ids: Vec<String> = match &a.figure {
        Some(fig) => {
            let (ds, _) = super::kpi::dataset(ctx, &fig.filter)?;
            drill::members(&ds, fig.kpi, fig.part).into_iter().map(|m| m.id).collect()
        }
        None => super::select::search_ids(ctx, &a.filter, MAX_EXPORT_ROWS + 1)?,
    };
    let truncated = ids.len() > MAX_EXPORT_ROWS;
    ids.truncate(MAX_EXPORT_ROWS);
    let rows = super::select::export_rows(ctx, &ids, personal)?;
    let table = complaints_table(&rows, a.lang, personal);
    let bytes = match a.format {
        ExportFormat::Xlsx => sheet::workbook(&[table])?,
        ExportFormat::Csv => sheet::csv(&table),
    };
    write_atomically(&path, &bytes)?;
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    ctx.event(
        None,
        "complaints_exported",
        json!({
            "format": a.format, "rows": rows.len(), "personal_data": personal, "file": file,
            "filter": if a.figure.is_some() { json!(a.figure) } else { json!(a.filter) },
        }),
    )?;
    Ok(ExportedFile {
        path: path.display().to_string(),
        format: a.format,
        rows: rows.len(),
        bytes: bytes.len(),
        masked: !personal,
        truncated,
    })
}

// ---- the monthly report as files ------------------------------------------------------------

fn value_cell(unit: Unit, v: Option<f64>) -> Cell {
    match unit {
        Unit::Count => v.map(|x| Cell::Int(x as i64)).unwrap_or(Cell::Empty),
        Unit::Ratio => Cell::opt_percent(v),
        Unit::Seconds => Cell::opt_hours(v),
        Unit::Score => Cell::opt_number(v),
    }
}

fn unit_text(t: &texts::Texts, u: Unit) -> &'static str {
    match u {
        Unit::Count => t.complaints,
        Unit::Ratio => "%",
        Unit::Seconds => t.hours,
        Unit::Score => "1–5",
    }
}

/// A breakdown key as the reader sees it.
pub fn row_label(lang: Lang, d: Dimension, row: &BreakdownRow) -> String {
    let l = labels::texts(lang);
    let t = texts::texts(lang);
    match d {
        Dimension::Category => Category::parse(&row.key).map(|c| l.category(c).to_string()),
        Dimension::Channel => Channel::parse(&row.key).map(|c| l.channel(c).to_string()),
        Dimension::Tier => Tier::parse(&row.key).map(|c| l.tier(c).to_string()),
        Dimension::Worker if row.key == super::filter::NONE_KEY => Some(t.none.to_string()),
        _ => None,
    }
    .unwrap_or_else(|| row.label.clone())
}

fn breakdown_table(name: &str, lang: Lang, d: Dimension, rows: &[BreakdownRow]) -> Table {
    let t = texts::texts(lang);
    let mut headers = vec![t.dimensions[d.index()]];
    headers.extend(KpiKey::ALL.iter().map(|k| t.kpi_name(*k)));
    let mut widths = vec![22.0];
    widths.extend(KpiKey::ALL.iter().map(|_| 12.0));
    let mut table = Table::new(name, &headers, &widths);
    for r in rows {
        let mut cells = vec![Cell::text(row_label(lang, d, r))];
        cells.extend(r.figures.iter().map(|f| value_cell(f.unit, f.value)));
        table.rows.push(cells);
    }
    table
}

/// The monthly report as tables: KPIs, trend, one per breakdown, register, surveys, flags,
/// ledger, suggestions, definitions.
pub fn monthly_tables(r: &MonthlyReport, lang: Lang, tz: chrono_tz::Tz) -> Vec<Table> {
    let t = texts::texts(lang);
    let l = labels::texts(lang);
    let mut out = Vec::new();

    let mut k = Table::new(
        t.sheet_kpis,
        &[t.kpi, t.value, t.previous_month, t.change, t.numerator, t.denominator, t.unit, t.definition],
        &[30.0, 12.0, 12.0, 10.0, 11.0, 11.0, 8.0, 100.0],
    );
    for c in &r.kpis {
        let u = c.current.unit;
        k.rows.push(vec![
            Cell::text(t.kpi_name(c.kpi)),
            value_cell(u, c.current.value),
            value_cell(u, c.previous.value),
            match u {
                Unit::Count => c.change.map(|x| Cell::Int(x as i64)).unwrap_or(Cell::Empty),
                _ => value_cell(u, c.change),
            },
            Cell::Int(c.current.numerator),
            Cell::Int(c.current.denominator),
            Cell::text(unit_text(t, u)),
            Cell::text(t.definition(c.kpi)),
        ]);
    }
    out.push(k);
    out.push(breakdown_table(t.sheet_trend, lang, Dimension::Month, &r.trend));
    for b in &r.breakdowns {
        out.push(breakdown_table(t.dimensions[b.dimension.index()], lang, b.dimension, &b.rows));
    }

    let mut reg = Table::new(
        t.sheet_register,
        &[
            l.department,
            t.number,
            t.received,
            l.category,
            t.sub_category,
            l.channel,
            l.tier,
            l.nature,
            t.warning,
            t.repeat,
            t.stage,
            t.customer,
            t.phone,
            t.worker_code,
            t.worker,
            t.first_response_h,
            t.resolution_h,
            t.resolved,
            t.overdue,
            t.closed,
            t.satisfaction,
        ],
        &[12.0, 18.0, 17.0, 9.0, 12.0, 12.0, 8.0, 10.0, 6.0, 6.0, 11.0, 9.0, 13.0, 9.0, 9.0, 10.0, 10.0, 7.0, 7.0, 17.0, 10.0],
    );
    let mut sv = Table::new(
        t.sheet_surveys,
        &[l.department, t.number, t.surveyed_at, t.satisfaction, t.score, l.speed, l.attitude, l.result, l.method, l.comment],
        &[12.0, 18.0, 17.0, 11.0, 7.0, 11.0, 11.0, 11.0, 8.0, 50.0],
    );
    let sat = |s: Option<Satisfaction>| s.map(|s| Cell::text(l.satisfaction(s))).unwrap_or(Cell::Empty);
    for d in &r.departments {
        for x in &d.register {
            reg.rows.push(vec![
                Cell::text(&d.name),
                Cell::text(&x.number),
                Cell::local(Some(stored_ts(&x.received_at)), tz),
                Cell::text(l.category(x.category)),
                Cell::text(&x.sub_category),
                Cell::text(l.channel(x.channel)),
                Cell::text(l.tier(x.tier)),
                Cell::text(l.nature(x.nature)),
                Cell::Int(x.warning_level as i64),
                yes_no(t, x.is_repeat),
                Cell::text(t.stage(x.stage)),
                Cell::text(&x.customer_name),
                Cell::text(&x.phone_masked),
                Cell::text(x.worker_code.clone().unwrap_or_default()),
                Cell::text(x.worker_name.clone().unwrap_or_default()),
                Cell::opt_hours(x.first_response_seconds.map(|v| v as f64)),
                Cell::opt_hours(x.resolution_seconds.map(|v| v as f64)),
                yes_no(t, x.resolved),
                yes_no(t, x.overdue),
                Cell::local(x.closed_at.as_deref().map(stored_ts), tz),
                sat(x.satisfaction),
            ]);
        }
        for s in &d.surveys {
            sv.rows.push(vec![
                Cell::text(&d.name),
                Cell::text(&s.number),
                Cell::local(Some(stored_ts(&s.surveyed_at)), tz),
                Cell::text(l.satisfaction(s.overall)),
                Cell::Int(s.score as i64),
                sat(s.speed),
                sat(s.attitude),
                sat(s.result),
                Cell::text(l.survey_method(s.method)),
                Cell::text(&s.comment),
            ]);
        }
    }
    out.push(reg);
    out.push(sv);

    let mut fl = Table::new(
        t.sheet_flags,
        &[
            t.kind,
            t.code,
            t.name,
            t.complaints,
            t.previous_month,
            t.repeats,
            t.escalated,
            t.workers_active,
            t.per_100_workers,
            t.threshold,
            t.flagged,
        ],
        &[12.0, 10.0, 14.0, 9.0, 9.0, 8.0, 9.0, 10.0, 10.0, 9.0, 8.0],
    );
    for (kind, rows, threshold) in [
        (t.ledger_kinds[1], &r.flags.workers, r.flags.worker_flag_min),
        (t.dimensions[5], &r.flags.branches, r.flags.branch_flag_per_100_workers),
    ] {
        for f in rows.iter() {
            fl.rows.push(vec![
                Cell::text(kind),
                Cell::text(&f.code),
                Cell::text(&f.name),
                Cell::Int(f.complaints),
                Cell::Int(f.previous_month),
                Cell::Int(f.repeats),
                Cell::Int(f.escalated),
                f.workers.map(Cell::Int).unwrap_or(Cell::Empty),
                Cell::opt_number(f.per_100_workers),
                Cell::Int(threshold),
                yes_no(t, f.flagged),
            ]);
        }
    }
    out.push(fl);

    let mut lg = Table::new(
        t.sheet_ledger,
        &[t.kind, t.name, l.category, t.in_month, t.in_window, t.repeats, t.last_complaint, t.received],
        &[10.0, 26.0, 10.0, 8.0, 8.0, 8.0, 18.0, 17.0],
    );
    for e in &r.ledger.rows {
        lg.rows.push(vec![
            Cell::text(t.ledger_kinds[e.kind as usize]),
            Cell::text(&e.label),
            e.category.map(|c| Cell::text(l.category(c))).unwrap_or(Cell::Empty),
            Cell::Int(e.in_month),
            Cell::Int(e.in_window),
            Cell::Int(e.repeats),
            Cell::text(&e.last_number),
            Cell::local(Some(stored_ts(&e.last_received_at)), tz),
        ]);
    }
    out.push(lg);

    let mut sg = Table::new(t.sheet_suggestions, &[t.month, t.section_suggestions, t.filer, l.date], &[10.0, 80.0, 14.0, 17.0]);
    sg.rows.push(vec![
        Cell::text(&r.month),
        Cell::text(&r.suggestions),
        Cell::text(r.status.filed_by.clone().unwrap_or_default()),
        Cell::local(r.status.filed_at.as_deref().map(stored_ts), tz),
    ]);
    out.push(sg);

    let mut df = Table::new(t.sheet_definitions, &[t.kpi, t.unit, t.definition], &[30.0, 8.0, 120.0]);
    for k in KpiKey::ALL {
        df.rows.push(vec![Cell::text(t.kpi_name(k)), Cell::text(unit_text(t, k.unit())), Cell::text(t.definition(k))]);
    }
    df.rows.push(vec![Cell::text(t.notes), Cell::Empty, Cell::text(t.note_text)]);
    out.push(df);
    out
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportMonthlyReportArgs {
    /// "YYYY-MM"; default: last month.
    #[serde(default)]
    pub month: Option<String>,
    #[serde(default)]
    pub lang: Lang,
    /// Where to write the PDF (with the charts).
    #[serde(default)]
    pub pdf_path: Option<String>,
    /// Where to write the Excel workbook (one sheet per table).
    #[serde(default)]
    pub xlsx_path: Option<String>,
    /// Draft suggestions to print instead of the filed ones.
    #[serde(default)]
    pub suggestions: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WrittenFile {
    pub path: String,
    pub bytes: usize,
    /// PDF pages, or workbook sheets.
    pub parts: usize,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MonthlyReportFiles {
    pub month: String,
    pub pdf: Option<WrittenFile>,
    pub xlsx: Option<WrittenFile>,
    /// How long producing the report took.
    pub millis: u64,
}

/// `export_monthly_report` (R7.3): the month's report as PDF and/or XLSX.
pub fn export_monthly_report(ctx: &Ctx, a: &ExportMonthlyReportArgs) -> Result<MonthlyReportFiles> {
    ctx.begin(None)?;
    let started = std::time::Instant::now();
    let pdf_path = a.pdf_path.as_deref().filter(|p| !p.trim().is_empty()).map(|p| target(p, "pdf")).transpose()?;
    let xlsx_path = a.xlsx_path.as_deref().filter(|p| !p.trim().is_empty()).map(|p| target(p, "xlsx")).transpose()?;
    if pdf_path.is_none() && xlsx_path.is_none() {
        return Err(CoreError::invalid("pdf_path", "required"));
    }
    let m = monthly::month_arg(ctx, a.month.as_deref())?;
    let draft = match a.suggestions.as_deref() {
        Some(s) => Some(crate::workflow::text("suggestions", s, false, 20_000)?),
        None => None,
    };
    let report = monthly::build(ctx, m, draft.as_deref())?;
    let tz = super::filter::first_branch_tz(ctx)?;
    // The workbook is built on a second thread while the PDF is drawn (they share nothing but
    // the finished report).
    let (pdf_bytes, workbook) = std::thread::scope(|scope| {
        let book = xlsx_path.as_ref().map(|_| {
            scope.spawn(|| {
                let tables = monthly_tables(&report, a.lang, tz);
                sheet::workbook(&tables).map(|b| (b, tables.len()))
            })
        });
        let pdf = pdf_path.as_ref().map(|_| super::monthly_pdf::render(ctx, &report, a.lang)).transpose();
        let book =
            book.map(|h| h.join().unwrap_or_else(|_| Err(CoreError::Integrity("the workbook could not be built".into())))).transpose();
        (pdf, book)
    });
    let (pdf_bytes, workbook) = (pdf_bytes?, workbook?);
    for p in pdf_path.iter().chain(xlsx_path.iter()) {
        crate::store::outpaths::refuse_protected(ctx.conn, ctx.attachments_dir, p)?;
    }
    let mut pdf = None;
    if let (Some(p), Some(r)) = (pdf_path, pdf_bytes) {
        write_atomically(&p, &r.bytes)?;
        pdf = Some(WrittenFile { path: p.display().to_string(), bytes: r.bytes.len(), parts: r.pages });
    }
    let mut xlsx = None;
    if let (Some(p), Some((bytes, sheets))) = (xlsx_path, workbook) {
        write_atomically(&p, &bytes)?;
        xlsx = Some(WrittenFile { path: p.display().to_string(), bytes: bytes.len(), parts: sheets });
    }
    // The head the PDF's footer printed (nothing was appended since it was drawn).
    let chain_anchor = if pdf.is_some() { crate::store::anchors::head(ctx.conn)? } else { None };
    ctx.event(
        None,
        "monthly_report_exported",
        json!({ "month": report.month, "lang": a.lang, "pdf": pdf.is_some(), "xlsx": xlsx.is_some(), "chain_anchor": chain_anchor }),
    )?;
    Ok(MonthlyReportFiles { month: report.month, pdf, xlsx, millis: started.elapsed().as_millis() as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_always_ends_with_the_formats_extension() {
        let dir = std::env::temp_dir();
        let at = |n: &str| dir.join(n).display().to_string();
        let name = |p: PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(name(target(&at("月报"), "xlsx").unwrap()), "月报.xlsx");
        assert_eq!(name(target(&at("月报.xlsx"), "xlsx").unwrap()), "月报.xlsx");
        assert_eq!(name(target(&at("月报.XLSX"), "xlsx").unwrap()), "月报.XLSX");
        assert_eq!(name(target(&at("投诉.csv"), "xlsx").unwrap()), "投诉.csv.xlsx");
        assert_eq!(name(target(&at("月报-2026.10"), "pdf").unwrap()), "月报-2026.10.pdf");
        assert!(target("  ", "csv").is_err());
        assert!(target(&dir.display().to_string(), "csv").is_err(), "a folder is not a file name");
        assert!(target(&dir.join("no-such-folder-cdesk").join("x.csv").display().to_string(), "csv").is_err());
    }
}
