//! The monthly report's twelve-month trend (R7.3, R7.4), one month at a time.
//!
//! Each month of the trend is measured at its own end, so the figures of a month that has ended
//! (in every branch's time zone) depend on the stored rows only, not on the time of asking.
//! Those are kept in `report_month_figures` (migration 0006): the report then loads the facts
//! of the month it reports, not of twelve (issue 8, case 5: 25 s → well under 1 s at a million
//! complaints). Two things keep a stored month from ever being stale:
//! - SQLite triggers (0006) delete the stored months a write can touch, on every write path;
//! - rows carry [`FIGURES_VERSION`]: a row written under other KPI definitions is not served.
//!
//! Only the whole-company, unfiltered figures are stored: that is what the report's trend and
//! its comparison with the previous month show. The whole report of a month that is over is kept
//! as well (below), so asking again for last month's report reads one row.
//!
//! Measured at a million complaints (2026-02: 50,446 complaints; benches/suite.rs case 5):
//! 22–28 s before; 1.8 s when the month itself is computed with the other eleven months stored;
//! 0.32 s served from the stored report.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::facts::Dataset;
use super::filter::ReportFilter;
use super::kpi::{self, BreakdownRow, Dimension, Figure, KpiKey, Names};
use super::range::{local_midnight, Days, Month};
use crate::clock::ts;
use crate::error::Result;
use crate::workflow::Ctx;

/// Bump whenever a change of code changes what a month's figures are (a KPI's definition, how
/// facts are read, how durations are measured): stored rows of another version are recomputed.
pub const FIGURES_VERSION: i64 = 1;

/// Bump whenever the shape of the kept report changes (its JSON, the lists beside it): a report
/// kept by another version is built again. 2: registers and surveys cut to their first rows,
/// the rest in chunks. 3: the chunks' rows written as arrays of their values. 4: the chunks
/// compressed (LZ4).
pub const REPORT_VERSION: i64 = 4;

/// One figure as stored. The value is kept as its bits, so a figure read back is exactly the
/// one computed (a decimal round trip of a ratio could differ in the last bit).
#[derive(Serialize, Deserialize)]
struct Stored {
    k: KpiKey,
    v: Option<u64>,
    n: i64,
    d: i64,
}

fn encode(figures: &[Figure]) -> Result<String> {
    let rows: Vec<Stored> =
        figures.iter().map(|f| Stored { k: f.kpi, v: f.value.map(f64::to_bits), n: f.numerator, d: f.denominator }).collect();
    serde_json::to_string(&rows).map_err(|e| crate::error::CoreError::Integrity(format!("month figures: {e}")))
}

/// None when the text is not a complete set of figures of this program's KPIs.
fn decode(text: &str) -> Option<Vec<Figure>> {
    let rows: Vec<Stored> = serde_json::from_str(text).ok()?;
    let figures: Vec<Figure> = rows
        .into_iter()
        .map(|s| Figure { kpi: s.k, unit: s.k.unit(), value: s.v.map(f64::from_bits), numerator: s.n, denominator: s.d })
        .collect();
    (figures.iter().map(|f| f.kpi).eq(KpiKey::ALL.iter().copied())).then_some(figures)
}

/// True when month `m` is over in every branch's time zone (no branch: never).
pub fn month_ended(ds: &Dataset, m: Month) -> bool {
    let end = m.next().first_day();
    !ds.branches.is_empty() && ds.branches.iter().all(|b| local_midnight(b.tz, end) <= ds.now)
}

/// The filter a trend row carries: the month, whole company.
fn row_filter(m: Month) -> ReportFilter {
    ReportFilter::default().with_days(Days::month(m))
}

/// The trend row of month `m` computed from `ds`, the dataset of exactly that month (whole
/// company): the same row the report's breakdown by month gives. Stored when the month is over.
/// `scores`: its complaints' tallies, when worked out already.
pub fn row_of(ctx: &Ctx, ds: &Dataset, names: &Names, m: Month, scores: Option<&kpi::Scores>) -> Result<BreakdownRow> {
    let filter = row_filter(m);
    let row = match scores {
        Some(s) => kpi::breakdown_scored(ds, s, names, &filter, Dimension::Month, 12),
        None => kpi::breakdown(ds, names, &filter, Dimension::Month, 12),
    };
    let row = row.rows.into_iter().find(|r| r.key == m.key());
    let row = row.unwrap_or_else(|| BreakdownRow { key: m.key(), label: m.key(), filter, figures: Vec::new() });
    if month_ended(ds, m) && row.figures.len() == KpiKey::ALL.len() {
        // Storing only saves time: a database that cannot be written (read-only, full) still
        // gets its report, computed. The command's transaction keeps the row (read-only
        // commands commit too, `api::run`); were it rolled back, the row would just be computed
        // again next time.
        // The triggers that drop the month again read the zones' offsets: recorded first.
        let _ = record_zone_offsets(ctx);
        let _ = ctx.conn.execute(
            "INSERT INTO report_month_figures (month, version, figures, computed_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (month) DO UPDATE SET version = excluded.version, figures = excluded.figures, computed_at = excluded.computed_at",
            params![m.key(), FIGURES_VERSION, encode(&row.figures)?, ts(ctx.now)],
        );
    }
    Ok(row)
}

/// Records in `report_month_zone` the smallest and largest UTC offset the branches' zones have
/// had, so that the triggers of migration 0010 drop only the month an edited instant is in
/// instead of the months one day either side. Nothing is recorded when it is there already
/// (any change to a branch deletes it) or when a zone is unknown (the triggers then keep to
/// one day either side).
fn record_zone_offsets(ctx: &Ctx) -> Result<()> {
    let have: Option<i64> = ctx.conn.query_row("SELECT 1 FROM report_month_zone", [], |r| r.get(0)).optional()?;
    if have.is_some() {
        return Ok(());
    }
    let zones: Vec<String> =
        ctx.conn.prepare_cached("SELECT DISTINCT tz FROM branches")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut range: Option<(i32, i32)> = None;
    for z in &zones {
        let Ok(tz) = z.parse::<chrono_tz::Tz>() else { return Ok(()) };
        let (lo, hi) = offset_range(tz);
        range = Some(range.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
    }
    if let Some((lo, hi)) = range {
        ctx.conn.execute("INSERT OR REPLACE INTO report_month_zone (id, lo, hi) VALUES (1, ?1, ?2)", params![lo, hi])?;
    }
    Ok(())
}

/// The smallest and largest offset east of UTC, in seconds, that zone `tz` has had from 1800
/// to 2200, sampled twice a day (only an offset that lasted less than half a day could escape
/// that; the database's offsets last months). Before 1800 zones keep their local mean time,
/// seen in 1800; after 2200 their rules repeat, seen before.
pub fn offset_range(tz: chrono_tz::Tz) -> (i32, i32) {
    use chrono::{Offset, TimeZone};
    let start = chrono::NaiveDate::from_ymd_opt(1800, 1, 1).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default();
    let (mut lo, mut hi) = (i32::MAX, i32::MIN);
    for half_days in 0..(400 * 366 * 2) {
        let t = start + chrono::Duration::hours(12 * half_days);
        let off = tz.offset_from_utc_datetime(&t).fix().local_minus_utc();
        lo = lo.min(off);
        hi = hi.max(off);
    }
    (lo, hi)
}

/// The stored figures of month `m`, if it is over and they were stored by this version.
fn stored(ctx: &Ctx, like: &Dataset, m: Month) -> Result<Option<Vec<Figure>>> {
    if !month_ended(like, m) {
        return Ok(None);
    }
    let got: Option<(i64, String)> = ctx
        .conn
        .query_row("SELECT version, figures FROM report_month_figures WHERE month = ?1", params![m.key()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(got.filter(|(v, _)| *v == FIGURES_VERSION).and_then(|(_, text)| decode(&text)))
}

/// The trend row of month `m`: stored, or computed from that month's facts alone (and stored
/// when the month is over). `like` is any dataset of this request (its branches and now).
pub fn month_row(ctx: &Ctx, like: &Dataset, names: &Names, m: Month) -> Result<BreakdownRow> {
    month_row_with(ctx, like, names, m, &mut None)
}

/// [`month_row`], a month's facts read with `second` when given (`facts::load_with`).
fn month_row_with(ctx: &Ctx, like: &Dataset, names: &Names, m: Month, second: &mut Option<rusqlite::Connection>) -> Result<BreakdownRow> {
    if let Some(figures) = stored(ctx, like, m)? {
        return Ok(BreakdownRow { key: m.key(), label: m.key(), filter: row_filter(m), figures });
    }
    let (ds, back) = super::facts::load_with(ctx, row_filter(m).resolve(ctx)?, second.take())?;
    *second = back;
    row_of(ctx, &ds, names, m, None)
}

/// The trend of the twelve months ending with `m`, oldest first; `month_ds` is the dataset of
/// month `m` itself (whole company), whose row is computed from it. A month that is not stored
/// is read with `second` (see `facts::load_with`) when given.
pub fn twelve_months(
    ctx: &Ctx,
    month_ds: &Dataset,
    names: &Names,
    m: Month,
    scores: Option<&kpi::Scores>,
    mut second: Option<rusqlite::Connection>,
) -> Result<Vec<BreakdownRow>> {
    (0..12u32)
        .rev()
        .map(
            |i| {
                if i == 0 {
                    row_of(ctx, month_ds, names, m, scores)
                } else {
                    month_row_with(ctx, month_ds, names, m.minus(i), &mut second)
                }
            },
        )
        .collect()
}

// ---- The whole report of a month that is over ----------------------------------------------
//
// At a million complaints a month is ~50,000 complaints: even read once, its facts, register
// and ledger take over a second. Everything the report shows of a month that is over, except
// when it was generated and its filing status, is fixed by the rows it was computed from, so
// the report's JSON text is kept too (row "body:YYYY-MM" of the same table; no trigger range
// ever names it, a wipe deletes it) and served while it is provably current:
// - its twelve months' figure rows are all still there, of this version, and none was written
//   after it (a lower rowid: a row deleted by a trigger and computed again gets a higher one).
//   Every write that can touch what the report shows of month m — its complaints, their steps,
//   events, dispatches, pauses, surveys, the ledger's window and the ratings' surveys (all
//   within the twelve months), branches, calendars, settings (thresholds) — deletes one of
//   those rows;
// - the departments and workers (names, codes, active, branch: labels, sections, flags' rates)
//   hash to the same fingerprint as when it was stored.

/// The key of month `m`'s stored report.
fn body_key(m: Month) -> String {
    format!("body:{}", m.key())
}

/// A fingerprint of the departments and workers as the report shows and counts them.
fn people_fingerprint(ctx: &Ctx) -> Result<String> {
    use std::hash::Hasher;
    let mut h = super::fasthash::FxHasher::default();
    let mut n = 0u64;
    for sql in [
        "SELECT rowid, id, code, name, is_cs, active, '' FROM departments ORDER BY rowid",
        "SELECT rowid, id, code, name, active, 0, COALESCE(branch_id, '') FROM workers ORDER BY rowid",
    ] {
        let mut stmt = ctx.conn.prepare_cached(sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            h.write_i64(r.get(0)?);
            for i in 1..=3 {
                let s: String = r.get(i)?;
                h.write(s.as_bytes());
                h.write_u8(0xff);
            }
            h.write_i64(r.get(4)?);
            h.write_i64(r.get(5)?);
            let b: String = r.get(6)?;
            h.write(b.as_bytes());
            n += 1;
        }
        h.write_u8(0xfe);
    }
    Ok(format!("{n}:{:016x}", h.finish()))
}

/// True when month `m` is over in every branch's zone (no branch: never).
fn over(ctx: &Ctx, m: Month) -> Result<bool> {
    let zones: Vec<String> =
        ctx.conn.prepare_cached("SELECT tz FROM branches")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let end = m.next().first_day();
    Ok(!zones.is_empty() && zones.iter().all(|z| z.parse::<chrono_tz::Tz>().is_ok_and(|tz| local_midnight(tz, end) <= ctx.now)))
}

/// The fields of a stored report that are computed on every request instead.
pub const FRESH_FIELDS: [&str; 3] = ["generated_at", "status", "suggestions"];

/// Month `m`'s stored report as JSON text (an object without [`FRESH_FIELDS`]), if current.
pub fn stored_report(ctx: &Ctx, m: Month) -> Result<Option<String>> {
    let Some(rowid) = stored_report_current(ctx, m)? else { return Ok(None) };
    let text: String = ctx.conn.query_row("SELECT figures FROM report_month_figures WHERE rowid = ?1", params![rowid], |r| r.get(0))?;
    let Some((fingerprint, body)) = text.split_once('\n') else { return Ok(None) };
    if fingerprint != people_fingerprint(ctx)? || !body.starts_with('{') || !body.ends_with('}') {
        return Ok(None);
    }
    Ok(Some(body.to_string()))
}

/// The rowid of month `m`'s stored report if it is current (its text is not read: ~3 MB at a
/// million complaints), checking everything but the people's fingerprint, which is in the text.
pub fn stored_report_current(ctx: &Ctx, m: Month) -> Result<Option<i64>> {
    if !over(ctx, m)? {
        return Ok(None);
    }
    let got: Option<(i64, i64)> = ctx
        .conn
        .query_row("SELECT rowid, version FROM report_month_figures WHERE month = ?1", params![body_key(m)], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((rowid, version)) = got else { return Ok(None) };
    if version != REPORT_VERSION {
        return Ok(None);
    }
    let keys: Vec<String> = (0..12u32).map(|i| m.minus(i).key()).collect();
    let mut current = 0;
    for k in &keys {
        let ok: Option<i64> = ctx
            .conn
            .query_row(
                "SELECT 1 FROM report_month_figures WHERE month = ?1 AND version = ?2 AND rowid < ?3",
                params![k, FIGURES_VERSION, rowid],
                |r| r.get(0),
            )
            .optional()?;
        current += ok.is_some() as usize;
    }
    if current != keys.len() {
        return Ok(None);
    }
    // The people's fingerprint heads the text: checked by `stored_report`, and for the lists by
    // their own fingerprint line.
    Ok(Some(rowid))
}

/// Keeps month `m`'s report (`body`: its JSON text without [`FRESH_FIELDS`]) and the chunks of
/// its departments' whole lists (`chunks`: [`list_chunks`]) when the month is over. Best effort,
/// like the figures. The chunks are written after the report, so a chunk is current exactly
/// when the report is and its rowid is higher than the report's.
pub fn store_report(ctx: &Ctx, m: Month, body: &str, chunks: &[(String, Vec<u8>)]) -> Result<()> {
    if !over(ctx, m)? {
        return Ok(());
    }
    let fingerprint = people_fingerprint(ctx)?;
    let text = format!("{fingerprint}\n{body}");
    let _ = ctx.conn.execute("DELETE FROM report_month_figures WHERE month = ?1 OR month LIKE ?2", params![body_key(m), list_prefix(m)]);
    let inserted = ctx.conn.execute(
        "INSERT INTO report_month_figures (month, version, figures, computed_at) VALUES (?1, ?2, ?3, ?4)",
        params![body_key(m), REPORT_VERSION, text, ts(ctx.now)],
    );
    if inserted.is_err() {
        return Ok(());
    }
    let Ok(mut insert) =
        ctx.conn.prepare_cached("INSERT INTO report_month_figures (month, version, figures, computed_at) VALUES (?1, ?2, ?3, ?4)")
    else {
        return Ok(());
    };
    let mut blob = Vec::new();
    for (key, packed) in chunks {
        blob.clear();
        blob.extend_from_slice(fingerprint.as_bytes());
        blob.push(b'\n');
        blob.extend_from_slice(packed);
        let _ = insert.execute(params![key, REPORT_VERSION, blob, ts(ctx.now)]);
    }
    Ok(())
}

// ---- The departments' whole lists of a kept report --------------------------------------------
//
// The reply carries the first rows of each department's register and surveys; the rest are
// kept beside the report in chunks ("list:YYYY-MM:<department>:<list>:<n>", n = 0, 1, …; every
// list has chunk 0, an empty list's is `[]`), each a blob "fingerprint\n" followed by the LZ4
// block (its length first) of "total\n[rows]", so a page reads one or two texts of ~0.5 MB
// (about half that stored) instead of the ~45 MB of all of them.

/// Rows per stored chunk of a list.
pub const LIST_CHUNK: usize = 1000;

fn list_prefix(m: Month) -> String {
    format!("list:{}:%", m.key())
}

/// The key of chunk `n` of a department's `list` ("register" or "surveys") in month `m`.
pub fn list_key(m: Month, department: &str, list: &str, n: usize) -> String {
    format!("list:{}:{department}:{list}:{n}", m.key())
}

/// The stored chunks of one list: `rows` cut in chunks of `chunk`, as (key, compressed text
/// without the fingerprint line).
pub fn list_chunks<T: serde::Serialize>(
    m: Month,
    department: &str,
    list: &str,
    rows: &[T],
    chunk: usize,
) -> Result<Vec<(String, Vec<u8>)>> {
    let total = rows.len();
    let mut out = Vec::with_capacity(total / chunk + 1);
    let parts: Vec<&[T]> = if rows.is_empty() { vec![rows] } else { rows.chunks(chunk).collect() };
    for (n, part) in parts.into_iter().enumerate() {
        let mut text = format!("{total}\n").into_bytes();
        part.serialize(&mut serde_json::Serializer::with_formatter(&mut text, ValuesOnly::default()))
            .map_err(|e| crate::error::CoreError::Integrity(format!("stored report: {e}")))?;
        out.push((list_key(m, department, list, n), lz4_flex::compress_prepend_size(&text)));
    }
    Ok(out)
}

/// Writes each object as an array of its values in field order: the keys were half of the kept
/// lists' 40 MB at a million complaints (writing them was ~0.2 s of a rebuild). serde's derived
/// `Deserialize` reads a struct from the array of its fields in declaration order, so the rows
/// read back as they were (the rows have no skipped or flattened fields).
#[derive(Default)]
struct ValuesOnly {
    in_key: bool,
}

impl serde_json::ser::Formatter for ValuesOnly {
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b"[")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b"]")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.in_key = true;
        if first {
            Ok(())
        } else {
            w.write_all(b",")
        }
    }
    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.in_key = false;
        Ok(())
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        Ok(())
    }
    fn begin_string<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        if self.in_key {
            Ok(())
        } else {
            w.write_all(b"\"")
        }
    }
    fn end_string<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.begin_string(w)
    }
    fn write_string_fragment<W: ?Sized + std::io::Write>(&mut self, w: &mut W, fragment: &str) -> std::io::Result<()> {
        if self.in_key {
            Ok(())
        } else {
            w.write_all(fragment.as_bytes())
        }
    }
    fn write_char_escape<W: ?Sized + std::io::Write>(&mut self, w: &mut W, e: serde_json::ser::CharEscape) -> std::io::Result<()> {
        if self.in_key {
            Ok(())
        } else {
            serde_json::ser::CompactFormatter.write_char_escape(w, e)
        }
    }
}

/// Rows `offset..offset + limit` of a department's list in month `m`'s kept report (cut in
/// chunks of `chunk`), with the list's length; None when the report is not current or a chunk
/// it needs is missing or unreadable (then the report is built again).
pub fn stored_list<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    m: Month,
    department: &str,
    list: &str,
    offset: usize,
    limit: usize,
    chunk: usize,
) -> Result<Option<(usize, Vec<T>)>> {
    let Some(report) = stored_report_current(ctx, m)? else { return Ok(None) };
    let fingerprint = people_fingerprint(ctx)?;
    // Chunk n holds rows n·chunk … and says how long the whole list is.
    let read = |n: usize| -> Result<Option<(usize, Vec<T>)>> {
        // Read as bytes whatever the type: a row of an older version (text) is refused below.
        let got: Option<(i64, i64, Vec<u8>)> = ctx
            .conn
            .query_row(
                "SELECT rowid, version, CAST(figures AS BLOB) FROM report_month_figures WHERE month = ?1",
                params![list_key(m, department, list, n)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((rowid, version, blob)) = got else { return Ok(None) };
        if rowid < report || version != REPORT_VERSION {
            return Ok(None);
        }
        let Some(cut) = blob.iter().position(|b| *b == b'\n') else { return Ok(None) };
        if &blob[..cut] != fingerprint.as_bytes() {
            return Ok(None);
        }
        // The length comes first; a damaged one must not ask for gigabytes (a chunk is < 1 MB).
        let packed = &blob[cut + 1..];
        match packed.get(..4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])) {
            Some(len) if len <= 64 << 20 => {}
            _ => return Ok(None),
        }
        let Ok(text) = lz4_flex::decompress_size_prepended(packed) else { return Ok(None) };
        let Ok(text) = std::str::from_utf8(&text) else { return Ok(None) };
        let Some((total, rows)) = text.split_once('\n') else { return Ok(None) };
        Ok(total.parse().ok().zip(serde_json::from_str(rows).ok()))
    };
    let first = offset / chunk.max(1);
    let Some((total, rows)) = read(first)? else {
        // Past the end of the list there is no chunk: an empty page if chunk 0 says so.
        return Ok(match read(0)? {
            Some((total, _)) if offset >= total => Some((total, Vec::new())),
            _ => None,
        });
    };
    let mut page: Vec<T> = rows.into_iter().skip(offset % chunk.max(1)).take(limit).collect();
    let mut n = first + 1;
    while page.len() < limit && n * chunk < total {
        let Some((_, rows)) = read(n)? else { return Ok(None) };
        page.extend(rows.into_iter().take(limit - page.len()));
        n += 1;
    }
    Ok(Some((total, page)))
}
