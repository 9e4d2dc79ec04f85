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
        Table {
            name: name.to_string(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            widths: widths.to_vec(),
            rows: Vec::new(),
        }
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
            ws.write_string_with_format(0, c as u16, guard(h), &head).map_err(xlsx_err)?;
            ws.set_column_width(c as u16, t.widths.get(c).copied().unwrap_or(14.0)).map_err(xlsx_err)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) if s.is_empty() => Ok(&mut *ws),
                    Cell::Text(s) => ws.write_string_with_format(r, c, guard(s), &wrap),
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
/// apostrophe, in CSV and in the workbook's string cells alike, so an exported description can
/// never run as a formula (`=cmd|' /C calc'!A0`) in whichever program and with whichever list
/// separator the file is opened: the check is on the cell's first character, not on the
/// separator.
pub fn guard(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{s}")),
        _ => std::borrow::Cow::Borrowed(s),
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
/// Every field that is not a number is quoted (the `csv` crate's writer): Excel in a locale whose
/// list separator is `;` splits an unquoted `a;b` into two columns, and quoting whatever is not a
/// number keeps the file one table whatever separator the reader assumes.
pub fn csv(t: &Table) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::NonNumeric)
            .flexible(true)
            .from_writer(&mut out);
        let mut record: Vec<String> = t.headers.iter().map(|h| guard(h).into_owned()).collect();
        // Writing into a Vec cannot fail; a failure would be a bug, and an empty file is safer than a panic.
        let mut ok = w.write_record(&record).is_ok();
        for row in &t.rows {
            record.clear();
            record.extend(row.iter().map(|c| match c {
                Cell::Text(s) => guard(s).into_owned(),
                Cell::Number(v) | Cell::Percent(v) | Cell::Hours(v) => num(*v),
                Cell::Int(v) => v.to_string(),
                Cell::DateTime(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                Cell::Empty => String::new(),
            }));
            ok &= w.write_record(&record).is_ok();
        }
        ok &= w.flush().is_ok();
        if !ok {
            drop(w);
            out.truncate(3);
        }
    }
    out
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
        assert_eq!(s, "\u{feff}\"编号\",\"内容\"\r\n\"A,1\",\"他说\"\"好\"\"\n第二行\"\r\n\"'=HYPERLINK(\"\"x\"\")\",0.5\r\n");
    }

    #[test]
    fn csv_is_one_table_whatever_the_separator_and_never_runs_a_formula() {
        // Issue 25 item 10: a `;` reader (Excel in a German or French locale) and a `,` reader
        // both get the same cells, and no cell starts with a character that makes a formula.
        let hostile = ["a;b", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "x,y", "say \"hi\"", "l1\r\nl2"];
        let mut t = Table::new("x", &["=h", "n"], &[]);
        for h in hostile {
            t.rows.push(vec![Cell::text(h), Cell::Int(7)]);
        }
        let bytes = csv(&t);
        for sep in [b',', b';'] {
            let mut rd = csv::ReaderBuilder::new().delimiter(sep).has_headers(false).flexible(true).from_reader(&bytes[3..]);
            let recs: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
            assert_eq!(recs.len(), hostile.len() + 1, "separator {}", sep as char);
            assert!(recs[0][0].starts_with("'=h"), "{:?}", recs[0]);
            for (r, h) in recs[1..].iter().zip(hostile) {
                let cell = if sep == b',' { r[0].to_string() } else { r[0].split(',').next().unwrap().to_string() };
                assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "separator {}: {cell:?}", sep as char);
                if sep == b',' {
                    assert_eq!(r.len(), 2, "{h:?} stays one cell: {r:?}");
                    assert_eq!(cell.trim_start_matches('\''), h);
                }
            }
            if sep == b';' {
                // Read with `;`, a quoted "a;b" is still one cell (not split at its `;`).
                assert!(recs[1][0].starts_with("a;b"), "{:?}", recs[1]);
            }
        }
    }

    #[test]
    fn workbook_string_cells_are_neutralised_too() {
        use calamine::{Reader, Xlsx};
        let mut t = Table::new("x", &["h"], &[]);
        for h in ["=cmd|' /C calc'!A0", "+1", "-1", "@A1", "\tx", "\rx", "plain"] {
            t.rows.push(vec![Cell::text(h)]);
        }
        let bytes = workbook(&[t]).unwrap();
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range("x").unwrap();
        let cells: Vec<String> = range.rows().skip(1).map(|r| r[0].to_string()).collect();
        assert_eq!(cells, ["'=cmd|' /C calc'!A0", "'+1", "'-1", "'@A1", "'\tx", "'\rx", "plain"]);
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut used = Vec::new();
        assert_eq!(sheet_name("a/b", &mut used), "a_b");
        assert_eq!(sheet_name("A_B", &mut used), "A_B 2");
        assert!(sheet_name(&"x".repeat(40), &mut used).chars().count() <= 31);
    }
}
