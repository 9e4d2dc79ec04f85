//! Tables written as an Excel workbook (one sheet per table: real number and date cells, a bold
//! frozen header row with filters) or as CSV (UTF-8 with a byte-order mark so Excel opens Chinese
//! correctly, CRLF line ends, RFC 4180 quoting, and text that a spreadsheet would run as a
//! formula neutralised with a leading apostrophe).

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook};

use crate::error::{CoreError, Result};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A plain number.
    Number(f64),
    /// A whole number.
    Int(i64),
    /// A share 0–1 shown as a percentage.
    Percent(f64),
    /// Hours with two decimals.
    Hours(f64),
    /// A local date and time.
    DateTime(NaiveDateTime),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_percent(v: Option<f64>) -> Cell {
        v.map(Cell::Percent).unwrap_or(Cell::Empty)
    }

    /// Seconds shown as hours.
    pub fn opt_hours(secs: Option<f64>) -> Cell {
        secs.map(|s| Cell::Hours(s / 3600.0)).unwrap_or(Cell::Empty)
    }

    pub fn opt_number(v: Option<f64>) -> Cell {
        v.map(Cell::Number).unwrap_or(Cell::Empty)
    }

    pub fn local(t: Option<DateTime<Utc>>, tz: chrono_tz::Tz) -> Cell {
        t.map(|t| Cell::DateTime(t.with_timezone(&tz).naive_local())).unwrap_or(Cell::Empty)
    }
}

/// A titled table: the header row and rows of cells.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub headers: Vec<String>,
    /// Column widths in characters (missing ones are 14).
    pub widths: Vec<f64>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(name: &str, headers: &[&str], widths: &[f64]) -> Table {
        Table { name: name.to_string(), headers: headers.iter().map(|h| h.to_string()).collect(), widths: widths.to_vec(), rows: Vec::new() }
    }
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> CoreError {
    CoreError::Integrity(format!("writing the workbook: {e}"))
}

/// A valid, unique sheet name: at most 31 characters, none of []:*?/\.
fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).collect();
    let clean = clean.trim_matches('\'').trim();
    let base: String = clean.chars().take(28).collect();
    let base = if base.is_empty() { "Sheet".to_string() } else { base };
    let mut candidate = base.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{base} {n}");
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}

/// The tables as an .xlsx workbook, one sheet each.
pub fn workbook(tables: &[Table]) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color(Color::RGB(0xE8EEF4)).set_border_bottom(FormatBorder::Thin).set_text_wrap();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let percent = Format::new().set_num_format("0.0%");
    let hours = Format::new().set_num_format("0.00");
    let number = Format::new().set_num_format("0.00");
    let wrap = Format::new();
    let mut used = Vec::new();
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.name, &mut used)).map_err(xlsx_err)?;
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &head).map_err(xlsx_err)?;
            ws.set_column_width(c as u16, t.widths.get(c).copied().unwrap_or(14.0)).map_err(xlsx_err)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) if s.is_empty() => Ok(&mut *ws),
                    Cell::Text(s) => ws.write_string_with_format(r, c, s, &wrap),
                    Cell::Number(v) => ws.write_number_with_format(r, c, *v, &number),
                    Cell::Int(v) => ws.write_number(r, c, *v as f64),
                    Cell::Percent(v) => ws.write_number_with_format(r, c, *v, &percent),
                    Cell::Hours(v) => ws.write_number_with_format(r, c, *v, &hours),
                    Cell::DateTime(t) => ws.write_datetime_with_format(r, c, t, &date),
                    Cell::Empty => Ok(&mut *ws),
                }
                .map_err(xlsx_err)?;
            }
        }
        if !t.headers.is_empty() {
            ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
            ws.autofilter(0, 0, t.rows.len() as u32, t.headers.len() as u16 - 1).map_err(xlsx_err)?;
        }
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

/// Text a spreadsheet would evaluate (=, +, -, @, tab, CR at the start) gets a leading
/// apostrophe in CSV, so an exported description can never run as a formula.
fn guard(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// One table as CSV: UTF-8 with BOM, CRLF, header row first. Percentages are written as
/// fractions (0.875), hours with up to four decimals, times as "YYYY-MM-DD HH:MM:SS" local.
pub fn csv(t: &Table) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(t.headers.iter().map(|h| quote(&guard(h))).collect()));
    for row in &t.rows {
        out.push_str(&line(
            row.iter()
                .map(|c| match c {
                    Cell::Text(s) => quote(&guard(s)),
                    Cell::Number(v) | Cell::Percent(v) | Cell::Hours(v) => num(*v),
                    Cell::Int(v) => v.to_string(),
                    Cell::DateTime(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                    Cell::Empty => String::new(),
                })
                .collect(),
        ));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_guards_formulas_and_starts_with_a_bom() {
        let mut t = Table::new("x", &["编号", "内容"], &[]);
        t.rows.push(vec![Cell::text("A,1"), Cell::text("他说\"好\"\n第二行")]);
        t.rows.push(vec![Cell::text("=HYPERLINK(\"x\")"), Cell::Percent(0.5)]);
        let s = String::from_utf8(csv(&t)).unwrap();
        assert!(s.starts_with('\u{feff}'));
        assert_eq!(
            s,
            "\u{feff}编号,内容\r\n\"A,1\",\"他说\"\"好\"\"\n第二行\"\r\n\"'=HYPERLINK(\"\"x\"\")\",0.5\r\n"
        );
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut used = Vec::new();
        assert_eq!(sheet_name("a/b", &mut used), "a_b");
        assert_eq!(sheet_name("A_B", &mut used), "A_B 2");
        assert!(sheet_name(&"x".repeat(40), &mut used).chars().count() <= 31);
    }
}
