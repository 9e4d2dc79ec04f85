//! Imports of customers and workers from XLSX or CSV: every row is checked with the same rules
//! as the core's own operations (a worker row goes through `admin::upsert_worker` itself; a
//! customer row through the registration's checks of name, phone and tier), the result is a
//! preview with per-row errors, and rows are written only when none has an error — all in the
//! command's one transaction, so nothing is ever half-imported.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read};

use base64::Engine;
use calamine::{Data, Reader};
use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::{new_id, ts};
use crate::error::{CoreError, Result};
use crate::model::Tier;
use crate::workflow::intake::normalize_phone;
use crate::workflow::{admin, text, Ctx};

/// Largest file accepted, and most data rows.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_ROWS: usize = 50_000;
/// Rows shown in the preview.
pub const PREVIEW_ROWS: usize = 200;

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportArgs {
    /// The file chosen in the open dialog (.xlsx or .csv).
    #[serde(default)]
    pub path: Option<String>,
    /// Or the file's content, base64 (drag and drop), with `file_name` for its type.
    #[serde(default)]
    pub content_base64: Option<String>,
    #[serde(default)]
    pub file_name: Option<String>,
    /// Only check and preview (the default); false writes the rows when none has an error.
    #[serde(default = "yes")]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Xlsx,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Create,
    Update,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ColumnMap {
    /// The header as written in the file.
    pub header: String,
    /// The field it was read as; null when the column is ignored.
    pub field: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RowError {
    /// Row number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub field: String,
    /// A message key the window translates (`error.invalid.<reason>`): required, bad_phone,
    /// too_long, unknown_tier, duplicate_in_file …
    pub reason: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PreviewRow {
    pub row: usize,
    /// Null when the row has an error.
    pub action: Option<RowAction>,
    pub values: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ImportResult {
    pub format: FileFormat,
    /// The sheet read (the first one of a workbook).
    pub sheet: Option<String>,
    pub columns: Vec<ColumnMap>,
    pub total_rows: usize,
    pub valid_rows: usize,
    pub errors: Vec<RowError>,
    /// The first 200 rows as they will be imported.
    pub preview: Vec<PreviewRow>,
    /// True only when the rows were written (not a dry run and no errors).
    pub applied: bool,
    pub created: usize,
    pub updated: usize,
}

/// A parsed file: header cells and data rows with their row numbers.
struct Grid {
    format: FileFormat,
    sheet: Option<String>,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

fn file_bytes(a: &ImportArgs) -> Result<(Vec<u8>, String)> {
    match (&a.path, &a.content_base64) {
        (Some(p), _) if !p.trim().is_empty() => {
            let p = std::path::Path::new(p.trim());
            let meta = std::fs::metadata(p).map_err(|_| CoreError::invalid("path", "file_not_found"))?;
            if meta.len() as usize > MAX_BYTES {
                return Err(CoreError::invalid("file", "file_too_large"));
            }
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Ok((std::fs::read(p)?, name))
        }
        (_, Some(b)) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .map_err(|_| CoreError::invalid("content_base64", "not_base64"))?;
            if bytes.len() > MAX_BYTES {
                return Err(CoreError::invalid("file", "file_too_large"));
            }
            Ok((bytes, a.file_name.clone().unwrap_or_default()))
        }
        _ => Err(CoreError::invalid("path", "required")),
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.trim().to_string(),
        // Phone numbers typed into Excel become numbers: 13812345678.0 → "13812345678".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e16 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

fn parse(bytes: &[u8], name: &str) -> Result<Grid> {
    let lower = name.to_lowercase();
    let xlsx = [".xlsx", ".xlsm"].iter().any(|e| lower.ends_with(e));
    let other_sheet = [".xls", ".xlsb", ".ods"].iter().any(|e| lower.ends_with(e));
    let csv = [".csv", ".txt", ".tsv"].iter().any(|e| lower.ends_with(e));
    let zip = bytes.starts_with(b"PK\x03\x04");
    // Only XLSX has a reader here whose memory is bounded by the file (read_xlsx); calamine's
    // readers of .xls, .xlsb and .ods allocate the bounding box of whatever cells a file
    // names, so those formats are refused with a hint to save as .xlsx.
    let (format, sheet, raw) = if other_sheet || (!xlsx && !csv && bytes.starts_with(b"\xD0\xCF\x11\xE0")) {
        return Err(CoreError::invalid("file", "unsupported_spreadsheet"));
    } else if xlsx || (!csv && zip) {
        let (sheet, rows) = read_xlsx(bytes)?;
        (FileFormat::Xlsx, Some(sheet), rows)
    } else {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // Excel's plain "CSV" in a Chinese Windows is GBK: say so instead of reading garbage.
        let text = std::str::from_utf8(body).map_err(|_| CoreError::invalid("file", "csv_not_utf8"))?;
        let first = text.lines().next().unwrap_or("");
        let delim = if !first.contains(',') && first.contains('\t') {
            b'\t'
        } else if !first.contains(',') && first.contains(';') {
            b';'
        } else {
            b','
        };
        (FileFormat::Csv, None, read_csv(text.as_bytes(), delim)?)
    };
    let mut numbered = raw.into_iter();
    let (_, header) = numbered.next().ok_or_else(|| CoreError::invalid("file", "empty_file"))?;
    let rows: Vec<(usize, Vec<String>)> = numbered.collect();
    Ok(Grid { format, sheet, header, rows })
}

/// Most columns read. The imports know five fields; a few more columns are shown as ignored,
/// a sheet wider than this is not a customer or worker list.
pub const MAX_COLUMNS: usize = 64;
/// Fields a CSV record may have, empty ones included (a sheet saved with formatted empty
/// columns on the right has many trailing separators); beyond MAX_COLUMNS they must be empty.
const MAX_CSV_FIELDS: usize = 1024;
/// Entries of a workbook archive: a real .xlsx has ten to a few dozen.
pub const MAX_ARCHIVE_ENTRIES: usize = 1000;
/// Bytes all entries of a workbook may unpack to: 50,000 rows of 64 columns of XML stay well
/// under it; a deflate bomb (1 GB of zeros in 1 MB) does not.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// How many times larger than its compressed size an entry may be, once it is larger than
/// RATIO_FROM. Spreadsheet XML deflates 5-50x; zeros deflate ~1000x.
pub const MAX_RATIO: u64 = 200;
const RATIO_FROM: u64 = 1024 * 1024;
/// Shared strings a workbook may announce beyond those it has: calamine reserves room for
/// `uniqueCount` of them before reading the first one.
const SHARED_STRINGS_SLACK: u64 = 100_000;

fn unreadable() -> CoreError {
    CoreError::invalid("file", "unreadable_spreadsheet")
}

fn suspicious() -> CoreError {
    CoreError::invalid("file", "archive_suspicious")
}

/// The workbook as a zip archive, checked before any spreadsheet code reads it: the number of
/// entries, the sizes the archive declares (sum and ratio), then the sizes it really unpacks to
/// (an entry may not give more than it declared: the declared sizes are the archive's own
/// claim), and the shared strings' `uniqueCount` against the strings present.
fn check_archive(bytes: &[u8]) -> Result<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    if zip.len() > MAX_ARCHIVE_ENTRIES {
        return Err(suspicious());
    }
    let mut total: u64 = 0;
    let mut declared = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|_| unreadable())?;
        let (size, packed) = (f.size(), f.compressed_size());
        total = total.saturating_add(size);
        if total > MAX_UNPACKED_BYTES {
            return Err(CoreError::invalid("file", "archive_too_large"));
        }
        if size > RATIO_FROM && size / packed.max(1) > MAX_RATIO {
            return Err(suspicious());
        }
        let name = f.name().map(|n| n.to_lowercase()).unwrap_or_default();
        declared.push((size, name.ends_with("sharedstrings.xml")));
    }
    for (i, (size, shared_strings)) in declared.into_iter().enumerate() {
        let f = zip.by_index(i).map_err(|_| unreadable())?;
        let mut counted = Counted { inner: f.take(size.saturating_add(1)), n: 0 };
        if shared_strings {
            check_shared_strings(&mut counted)?;
        }
        // The zip crate itself stops at the declared size (with an error) and checks the CRC;
        // a damaged entry and an entry bigger than declared are both refused as suspicious.
        let read = std::io::copy(&mut counted, &mut std::io::sink());
        if read.is_err() || counted.n > size {
            return Err(suspicious());
        }
    }
    Ok(())
}

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

/// Streams sharedStrings.xml: every `uniqueCount` (its digits, read as generously as any
/// parser could) must stay within the `si` elements present plus SHARED_STRINGS_SLACK.
fn check_shared_strings(r: &mut impl std::io::Read) -> Result<()> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(r));
    let mut buf = Vec::new();
    let (mut announced, mut present) = (0u64, 0u64);
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "sst" => {
                    for a in e.attributes().flatten() {
                        if a.key.local_name().as_ref() == "uniqueCount" {
                            let n = a
                                .value
                                .bytes()
                                .filter(|b| b.is_ascii_digit())
                                .fold(0u64, |n, b| n.saturating_mul(10).saturating_add(u64::from(b - b'0')));
                            announced = announced.max(n);
                        }
                    }
                }
                "si" => present += 1,
                _ => {}
            },
            Ok(Event::Eof) => break,
            // A broken file is for the spreadsheet reader to refuse; the count so far stands.
            Err(_) => break,
            Ok(_) => {}
        }
    }
    if announced > present.saturating_add(SHARED_STRINGS_SLACK) {
        return Err(suspicious());
    }
    Ok(())
}

/// Keeps the rows that have a non-empty cell, in order, with their row numbers (1-based), each
/// at most MAX_COLUMNS wide; at most MAX_ROWS data rows after the header.
struct RowsBuilder {
    rows: BTreeMap<u32, Vec<String>>,
}

impl RowsBuilder {
    fn put(&mut self, row: u32, col: u32, text: String) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        let col = col as usize;
        if col >= MAX_COLUMNS {
            return Err(CoreError::invalid("file", "too_many_columns"));
        }
        if !self.rows.contains_key(&row) && self.rows.len() > MAX_ROWS {
            return Err(CoreError::invalid("file", "too_many_rows"));
        }
        let cells = self.rows.entry(row).or_default();
        if cells.len() <= col {
            cells.resize(col + 1, String::new());
        }
        cells[col] = text;
        Ok(())
    }

    fn finish(self) -> Vec<(usize, Vec<String>)> {
        self.rows.into_iter().map(|(r, cells)| (r as usize + 1, cells)).collect()
    }
}

/// The first sheet of an XLSX workbook, cell by cell (calamine's streaming cells reader: its
/// `worksheet_range` allocates the bounding box of the cells, 17 billion of them for a file
/// with cells in A1 and XFD1048576), after `check_archive`.
fn read_xlsx(bytes: &[u8]) -> Result<(String, Vec<(usize, Vec<String>)>)> {
    check_archive(bytes)?;
    let mut wb = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let sheet = wb.sheet_names().first().cloned().ok_or_else(|| CoreError::invalid("file", "empty_file"))?;
    let mut cells = wb.worksheet_cells_reader(&sheet).map_err(|_| unreadable())?;
    let mut out = RowsBuilder { rows: BTreeMap::new() };
    while let Some(cell) = cells.next_cell().map_err(|_| unreadable())? {
        let (row, col) = cell.get_position();
        out.put(row, col, cell_text(&Data::from(cell.get_value().clone())))?;
    }
    Ok((sheet, out.finish()))
}

/// CSV records with csv-core and fixed room for MAX_CSV_FIELDS field ends (the csv crate keeps
/// every field end of a record, 8 bytes per separator: 160 MB for a 20 MB line of commas).
fn read_csv(text: &[u8], delim: u8) -> Result<Vec<(usize, Vec<String>)>> {
    use csv_core::ReadRecordResult as R;
    let mut rd = csv_core::ReaderBuilder::new().delimiter(delim).build();
    let mut input = text;
    // Field bytes of one record are never more than the input.
    let mut out = vec![0u8; text.len().clamp(1, 64 * 1024)];
    let mut ends = [0usize; MAX_CSV_FIELDS];
    let (mut n_out, mut n_ends) = (0, 0);
    let mut rows = RowsBuilder { rows: BTreeMap::new() };
    let mut record = 0u32;
    loop {
        let (res, n_in, o, e) = rd.read_record(input, &mut out[n_out..], &mut ends[n_ends..]);
        input = &input[n_in..];
        n_out += o;
        n_ends += e;
        match res {
            R::InputEmpty => {}
            R::OutputFull => {
                let grown = (out.len() * 2).min(text.len() + 1).max(out.len() + 1);
                out.resize(grown, 0);
            }
            R::OutputEndsFull => return Err(CoreError::invalid("file", "too_many_columns")),
            R::Record => {
                let mut start = 0;
                for (col, &end) in ends[..n_ends].iter().enumerate() {
                    let field = String::from_utf8_lossy(&out[start..end]).trim().to_string();
                    start = end;
                    rows.put(record, col as u32, field)?;
                }
                record = record.checked_add(1).ok_or_else(|| CoreError::invalid("file", "too_many_rows"))?;
                n_out = 0;
                n_ends = 0;
            }
            R::End => break,
        }
    }
    Ok(rows.finish())
}

/// Reads a file as an import would, without a database: the header's width and the number of
/// data rows. The import's own reader (same bounds, same errors); the fuzz targets drive it.
pub fn read_file(bytes: &[u8], name: &str) -> Result<(usize, usize)> {
    let g = parse(bytes, name)?;
    Ok((g.header.len(), g.rows.len()))
}

/// Header spellings accepted for each field, in the four languages of the app.
type Aliases = &'static [(&'static str, &'static [&'static str])];

const PHONE: &[&str] = &[
    "phone",
    "phones",
    "contact_phone",
    "mobile",
    "tel",
    "telephone",
    "电话",
    "手机",
    "手机号",
    "联系电话",
    "電話",
    "手機",
    "聯絡電話",
    "teléfono",
    "telefono",
    "móvil",
    "movil",
];

const CUSTOMER_FIELDS: Aliases = &[
    ("name", &["name", "customer_name", "customer", "姓名", "客户姓名", "客户", "名称", "客戶姓名", "客戶", "nombre", "cliente"]),
    ("phone", PHONE),
    ("tier", &["tier", "level", "等级", "客户等级", "客戶等級", "等級", "nivel", "nivel de cliente"]),
    ("address", &["address", "地址", "住址", "dirección", "direccion"]),
    ("note", &["note", "notes", "remark", "备注", "備註", "nota", "notas"]),
];

const WORKER_FIELDS: Aliases = &[
    ("code", &["code", "worker_code", "id", "工号", "编号", "工號", "編號", "员工编号", "員工編號", "código", "codigo"]),
    ("name", &["name", "worker", "姓名", "名字", "nombre", "trabajador"]),
    ("kind", &["kind", "type", "role", "工种", "类型", "岗位", "工種", "類型", "崗位", "tipo", "oficio"]),
    ("phone", PHONE),
    ("active", &["active", "status", "在岗", "状态", "在崗", "狀態", "activo", "estado"]),
];

fn map_columns(header: &[String], fields: Aliases, required: &[&str]) -> Result<(Vec<ColumnMap>, HashMap<&'static str, usize>)> {
    let mut at: HashMap<&'static str, usize> = HashMap::new();
    let mut cols = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let norm = h.trim().trim_matches('*').trim().to_lowercase();
        let field = fields.iter().find(|(_, names)| names.iter().any(|n| *n == norm)).map(|(f, _)| *f);
        let field = field.filter(|f| !at.contains_key(f));
        if let Some(f) = field {
            at.insert(f, i);
        }
        cols.push(ColumnMap { header: h.clone(), field: field.map(str::to_string) });
    }
    for r in required {
        if !at.contains_key(r) {
            return Err(CoreError::invalid(*r, "missing_column"));
        }
    }
    Ok((cols, at))
}

fn get<'a>(row: &'a [String], at: &HashMap<&'static str, usize>, f: &str) -> Option<&'a str> {
    at.get(f).and_then(|&i| row.get(i)).map(String::as_str)
}

fn values(row: &[String], at: &HashMap<&'static str, usize>) -> BTreeMap<String, String> {
    at.iter().map(|(f, &i)| (f.to_string(), row.get(i).cloned().unwrap_or_default())).collect()
}

fn row_error(row: usize, e: CoreError, value: &str) -> RowError {
    let (field, reason) = match e {
        CoreError::Invalid { field, reason } => (field, reason),
        CoreError::NotFound { what, .. } => (what.to_string(), "not_found".to_string()),
        CoreError::Precondition { reason, .. } => ("row".to_string(), reason),
        other => ("row".to_string(), other.code().to_string()),
    };
    RowError { row, field, reason, value: value.chars().take(100).collect() }
}

/// R2.2 tiers, as codes or as the app's four languages write them.
fn parse_tier(s: &str) -> Option<Tier> {
    let s = s.trim().to_lowercase();
    Tier::parse(&s).or(match s.as_str() {
        "" | "普通" | "一般" | "habitual" | "normal" => Some(Tier::Regular),
        "vip客户" | "vip客戶" | "贵宾" | "貴賓" => Some(Tier::Vip),
        "临时" | "臨時" | "ocasional" | "temporal" => Some(Tier::Temporary),
        _ => None,
    })
}

fn parse_active(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" | "1" | "yes" | "y" | "true" | "是" | "在岗" | "在崗" | "sí" | "si" | "activo" => Some(true),
        "0" | "no" | "n" | "false" | "否" | "离职" | "離職" | "停用" | "inactivo" => Some(false),
        _ => None,
    }
}

fn savepoint(ctx: &Ctx, sql: &str) -> Result<()> {
    ctx.conn.execute_batch(sql)?;
    Ok(())
}

fn finish(ctx: &Ctx, apply: bool) -> Result<()> {
    if apply {
        savepoint(ctx, "RELEASE import_all")
    } else {
        savepoint(ctx, "ROLLBACK TO import_all; RELEASE import_all")
    }
}

/// `import_workers` (administrator): each row runs through `upsert_worker` itself, in a
/// savepoint, so its errors are exactly the operation's; all are rolled back on a dry run or
/// when any row fails.
pub fn import_workers(ctx: &Ctx, a: &ImportArgs) -> Result<ImportResult> {
    ctx.begin(None)?;
    let (bytes, name) = file_bytes(a)?;
    let g = parse(&bytes, &name)?;
    let (columns, at) = map_columns(&g.header, WORKER_FIELDS, &["code", "name"])?;
    let mut errors = Vec::new();
    let mut preview = Vec::new();
    let (mut created, mut updated, mut valid) = (0, 0, 0);
    let mut seen: HashSet<String> = HashSet::new();
    savepoint(ctx, "SAVEPOINT import_all")?;
    let outcome = (|| -> Result<()> {
        for (n, row) in &g.rows {
            let code = get(row, &at, "code").unwrap_or("").trim().to_string();
            let before = errors.len();
            let active = match parse_active(get(row, &at, "active").unwrap_or("")) {
                Some(v) => v,
                None => {
                    errors.push(RowError {
                        row: *n,
                        field: "active".into(),
                        reason: "not_yes_or_no".into(),
                        value: get(row, &at, "active").unwrap_or("").into(),
                    });
                    true
                }
            };
            if !code.is_empty() && !seen.insert(code.to_lowercase()) {
                errors.push(RowError { row: *n, field: "code".into(), reason: "duplicate_in_file".into(), value: code.clone() });
            }
            let exists: bool = ctx.conn.query_row("SELECT EXISTS (SELECT 1 FROM workers WHERE code = ?1)", params![code], |r| r.get(0))?;
            if errors.len() == before {
                let args = admin::WorkerArgs {
                    code: code.clone(),
                    name: get(row, &at, "name").unwrap_or("").to_string(),
                    kind: get(row, &at, "kind").unwrap_or("").to_string(),
                    phone: get(row, &at, "phone").unwrap_or("").to_string(),
                    active,
                };
                savepoint(ctx, "SAVEPOINT import_row")?;
                match admin::upsert_worker(ctx, &args) {
                    Ok(_) => savepoint(ctx, "RELEASE import_row")?,
                    Err(e) => {
                        savepoint(ctx, "ROLLBACK TO import_row; RELEASE import_row")?;
                        let value = match &e {
                            CoreError::Invalid { field, .. } => get(row, &at, field).unwrap_or("").to_string(),
                            _ => String::new(),
                        };
                        errors.push(row_error(*n, e, &value));
                    }
                }
            }
            let ok = errors.len() == before;
            if ok {
                valid += 1;
                if exists {
                    updated += 1
                } else {
                    created += 1
                }
            }
            if preview.len() < PREVIEW_ROWS {
                let action = ok.then_some(if exists { RowAction::Update } else { RowAction::Create });
                preview.push(PreviewRow { row: *n, action, values: values(row, &at) });
            }
        }
        Ok(())
    })();
    let apply = outcome.is_ok() && !a.dry_run && errors.is_empty();
    finish(ctx, apply)?;
    outcome?;
    if apply {
        ctx.event(None, "workers_imported", json!({ "file": name, "rows": g.rows.len(), "created": created, "updated": updated }))?;
    }
    Ok(ImportResult {
        format: g.format,
        sheet: g.sheet,
        columns,
        total_rows: g.rows.len(),
        valid_rows: valid,
        errors,
        preview,
        applied: apply,
        created: if apply { created } else { 0 },
        updated: if apply { updated } else { 0 },
    })
}

/// A checked customer row.
struct CustomerRow {
    name: String,
    phones: Vec<String>,
    tier: Option<Tier>,
    address: Option<String>,
    note: Option<String>,
    existing: Option<String>,
}

/// `import_customers` (administrator): rows checked with the registration's rules (R3.1 name
/// and phone, R2.2 tier); an existing customer is found by any of the row's phones and updated.
pub fn import_customers(ctx: &Ctx, a: &ImportArgs) -> Result<ImportResult> {
    ctx.begin(None)?;
    let (bytes, name) = file_bytes(a)?;
    let g = parse(&bytes, &name)?;
    let (columns, at) = map_columns(&g.header, CUSTOMER_FIELDS, &["name", "phone"])?;
    let mut errors = Vec::new();
    let mut preview = Vec::new();
    let mut checked: Vec<CustomerRow> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut owner = ctx.conn.prepare_cached("SELECT customer_id FROM customer_phones WHERE phone = ?1")?;
    for (n, row) in &g.rows {
        let before = errors.len();
        let mut fail = |field: &str, e: CoreError| {
            let value = get(row, &at, field).unwrap_or("").to_string();
            errors.push(row_error(*n, e, &value));
        };
        let cname = text("name", get(row, &at, "name").unwrap_or(""), true, 100).map_err(|e| fail("name", e)).ok();
        let raw_phones = get(row, &at, "phone").unwrap_or("");
        let mut phones = Vec::new();
        let parts: Vec<&str> = raw_phones.split([';', '；', '/', '、', ',', '，', '\n']).map(str::trim).filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            fail("phone", CoreError::invalid("phone", "required"));
        }
        for p in parts {
            match normalize_phone(p) {
                Ok(d) if !seen.insert(d.clone()) => fail("phone", CoreError::invalid("phone", "duplicate_in_file")),
                Ok(d) => phones.push(d),
                Err(e) => fail("phone", e),
            }
        }
        let tier_raw = get(row, &at, "tier");
        let tier = match tier_raw {
            Some(t) if !t.trim().is_empty() => match parse_tier(t) {
                Some(t) => Some(t),
                None => {
                    fail("tier", CoreError::invalid("tier", "unknown_tier"));
                    None
                }
            },
            _ => None,
        };
        let address = match get(row, &at, "address") {
            Some(v) => text("address", v, false, 300).map_err(|e| fail("address", e)).ok(),
            None => None,
        };
        let note = match get(row, &at, "note") {
            Some(v) => text("note", v, false, 1000).map_err(|e| fail("note", e)).ok(),
            None => None,
        };
        let mut owners: Vec<String> = Vec::new();
        for p in &phones {
            if let Some(c) = owner.query_row(params![p], |r| r.get::<_, String>(0)).optional()? {
                if !owners.contains(&c) {
                    owners.push(c);
                }
            }
        }
        if owners.len() > 1 {
            fail("phone", CoreError::invalid("phone", "phones_of_different_customers"));
        }
        let ok = errors.len() == before;
        let existing = owners.into_iter().next();
        if preview.len() < PREVIEW_ROWS {
            let action = ok.then_some(if existing.is_some() { RowAction::Update } else { RowAction::Create });
            preview.push(PreviewRow { row: *n, action, values: values(row, &at) });
        }
        if ok {
            if let Some(name) = cname {
                checked.push(CustomerRow { name, phones, tier, address, note, existing });
            }
        }
    }
    let valid = checked.len();
    let apply = !a.dry_run && errors.is_empty();
    let (mut created, mut updated) = (0, 0);
    if apply {
        let now = ts(ctx.now);
        for c in &checked {
            match &c.existing {
                Some(id) => {
                    let old: Tier = ctx.conn.query_row("SELECT tier FROM customers WHERE id = ?1", params![id], |r| r.get(0))?;
                    let tier = c.tier.unwrap_or(old);
                    ctx.conn.execute(
                        "UPDATE customers SET name = ?1, tier = ?2, address = COALESCE(NULLIF(?3, ''), address),
                             note = COALESCE(NULLIF(?4, ''), note) WHERE id = ?5",
                        params![c.name, tier, c.address.as_deref().unwrap_or(""), c.note.as_deref().unwrap_or(""), id],
                    )?;
                    if tier != old {
                        ctx.event(None, "customer_tier_changed", json!({ "customer_id": id, "from": old, "to": tier, "via": "import" }))?;
                    }
                    for p in &c.phones {
                        ctx.conn.execute("INSERT OR IGNORE INTO customer_phones (phone, customer_id) VALUES (?1, ?2)", params![p, id])?;
                    }
                    updated += 1;
                }
                None => {
                    let id = new_id();
                    ctx.conn.execute(
                        "INSERT INTO customers (id, name, tier, address, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![
                            id,
                            c.name,
                            c.tier.unwrap_or(Tier::Regular),
                            c.address.as_deref().unwrap_or(""),
                            c.note.as_deref().unwrap_or(""),
                            now
                        ],
                    )?;
                    for p in &c.phones {
                        ctx.conn.execute("INSERT INTO customer_phones (phone, customer_id) VALUES (?1, ?2)", params![p, id])?;
                    }
                    created += 1;
                }
            }
        }
        // R7.1: who imported which file and how much; the rows themselves are personal data.
        ctx.event(None, "customers_imported", json!({ "file": name, "rows": g.rows.len(), "created": created, "updated": updated }))?;
    }
    Ok(ImportResult {
        format: g.format,
        sheet: g.sheet,
        columns,
        total_rows: g.rows.len(),
        valid_rows: valid,
        errors,
        preview,
        applied: apply,
        created,
        updated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<Grid>) -> String {
        match r {
            Err(CoreError::Invalid { reason, .. }) => reason,
            Err(e) => format!("other: {e}"),
            Ok(g) => format!("ok {} rows", g.rows.len()),
        }
    }

    #[test]
    fn a_csv_line_of_many_separators_is_refused_before_its_fields_are_kept() {
        // Before: the csv crate kept all 200,001 fields and the import went on to the header check.
        let line = format!("name,phone{}x\n", ",".repeat(200_000));
        assert_eq!(code(parse(line.as_bytes(), "c.csv")), "too_many_columns");
        // Within the room for fields, but a value beyond the 64th column.
        let wide = format!("name,phone{}x\n", ",".repeat(100));
        assert_eq!(code(parse(wide.as_bytes(), "c.csv")), "too_many_columns");
    }

    #[test]
    fn trailing_empty_columns_and_quoted_separators_read_as_before() {
        let text = format!("name,phone{}\n\"王, 芳\",\"138 1234 5678\"{}\n\n李四;,13900000000\n", ",".repeat(500), ",".repeat(500));
        let g = parse(text.as_bytes(), "c.csv").unwrap();
        assert_eq!(g.header, vec!["name", "phone"]);
        assert_eq!(
            g.rows,
            vec![(2, vec!["王, 芳".to_string(), "138 1234 5678".into()]), (3, vec!["李四;".to_string(), "13900000000".into()])]
        );
        let tsv = parse("name\tphone\nA\t1\n".as_bytes(), "c.tsv").unwrap();
        assert_eq!(tsv.rows, vec![(2, vec!["A".to_string(), "1".into()])]);
    }

    #[test]
    fn rows_are_bounded_while_reading() {
        let mut text = String::from("name,phone\n");
        for i in 0..MAX_ROWS {
            text.push_str(&format!("n{i},1\n"));
        }
        assert_eq!(code(parse(text.as_bytes(), "c.csv")), format!("ok {MAX_ROWS} rows"));
        text.push_str("one,more\n");
        assert_eq!(code(parse(text.as_bytes(), "c.csv")), "too_many_rows");
        // Blank records in between do not count.
        let blanks = format!("name,phone\n{}a,1\n", ",,\n".repeat(MAX_ROWS + 10));
        assert_eq!(code(parse(blanks.as_bytes(), "c.csv")), "ok 1 rows");
    }

    #[test]
    fn spreadsheet_formats_without_a_bounded_reader_are_refused_with_advice() {
        for name in ["c.xls", "c.XLSB", "c.ods"] {
            assert_eq!(code(parse(b"PK\x03\x04whatever", name)), "unsupported_spreadsheet", "{name}");
        }
        // An old binary .xls under another name is recognised by its signature.
        assert_eq!(code(parse(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", "upload.bin")), "unsupported_spreadsheet");
        assert_eq!(code(parse(b"PK\x03\x04garbage", "c.xlsx")), "unreadable_spreadsheet");
    }

    #[test]
    fn a_valid_workbook_reads_with_the_row_numbers_the_sheet_shows() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz/corpus/import_xlsx/valid-customers.xlsx")).unwrap();
        let g = parse(&bytes, "c.xlsx").unwrap();
        assert_eq!(g.header, vec!["name", "phone", "tier"]);
        assert_eq!(
            g.rows,
            vec![(2, vec!["王芳".to_string(), "13812345678".into(), "VIP".into()]), (3, vec!["李四".to_string(), "021-62345678".into()])]
        );
        let far =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz/corpus/import_xlsx/cells-far-apart-in-bounds.xlsx")).unwrap();
        let g = parse(&far, "c.xlsx").unwrap();
        assert_eq!(g.rows.len(), 1);
        assert_eq!(g.rows[0].0, 1_048_576);
        assert_eq!((g.rows[0].1[0].as_str(), g.rows[0].1[63].as_str(), g.rows[0].1.len()), ("王芳", "x", 64));
    }
}
