//! The flags' and ledger's entries of whole months that are over, kept beside the trend's
//! figures.
//!
//! A month's report counts the ledger's window (90 days by default) before its end: at a million
//! complaints, two earlier months of ~50,000 complaints each read from the `complaints_month`
//! index on every rebuild (~150 ms of the ~1 s a report takes after an edit), although an edit
//! in February changes nothing of December's or January's entries. So the entries of a whole
//! earlier month are kept (row "entries:YYYY-MM" of `report_month_figures`, a compact binary
//! LZ4 block) and served while provably current, by the rule the kept report follows
//! (`trend`): the month's figures row "YYYY-MM" is there, of this version, and was written
//! before the entries. Every write to a complaint received in that month deletes the figures
//! row (migration 0006's triggers, on every write path); the trend writes it again, with a
//! higher rowid than any kept entries, which are then read from the index once more and kept
//! again. The branches (ids and zones: whose local month an entry is in) head the block.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::facts::{self, Dataset};
use super::ledger::Entry;
use super::range::{Days, Month};
use super::trend::FIGURES_VERSION;
use crate::clock::ts;
use crate::error::Result;
use crate::model::Category;
use crate::workflow::Ctx;

/// The layout of the kept block: a block of another layout is never read.
const ENTRIES_VERSION: i64 = 1;

fn key(m: Month) -> String {
    format!("entries:{}", m.key())
}

/// [`facts::load_entries`] over `days`: the whole months in them that are over come kept (or
/// are kept now), the days at either edge are read. Same entries, same order.
pub fn load(ctx: &Ctx, like: &Dataset, days: Days) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    let mut from = days.from;
    for m in days.months() {
        let whole = Days::month(m);
        if whole.from < days.from || whole.to > days.to || !super::trend::month_ended(like, m) {
            continue;
        }
        if from < whole.from {
            out.extend(facts::load_entries(ctx, like, Days { from, to: whole.from })?);
        }
        out.extend(month(ctx, like, m)?);
        from = whole.to;
    }
    if from < days.to {
        out.extend(facts::load_entries(ctx, like, Days { from, to: days.to })?);
    }
    // Months are cut at each branch's midnight: with branches in several zones, the end of one
    // month's entries can come after the start of the next one's. Runs already in order.
    out.sort_by_key(|e| (e.received_at, e.rowid));
    Ok(out)
}

/// The entries of month `m` (over), kept or read and kept.
fn month(ctx: &Ctx, like: &Dataset, m: Month) -> Result<Vec<Entry>> {
    let branches = branches_head(like);
    let kept: Option<Vec<u8>> = ctx
        .conn
        .prepare_cached(
            "SELECT e.figures FROM report_month_figures e
             WHERE e.month = ?1 AND e.version = ?2
               AND EXISTS (SELECT 1 FROM report_month_figures f WHERE f.month = ?3 AND f.version = ?4 AND f.rowid < e.rowid)",
        )?
        .query_row(params![key(m), ENTRIES_VERSION, m.key(), FIGURES_VERSION], |r| r.get(0))
        .optional()?;
    if let Some(entries) = kept.as_deref().and_then(|b| decode(b, &branches, m)) {
        return Ok(entries);
    }
    let entries = facts::load_entries(ctx, like, Days::month(m))?;
    // Keeping only saves time (as the figures): a database that cannot be written still gets
    // its report. Without the month's figures row there is nothing to be current against.
    let figures: Option<i64> = ctx
        .conn
        .query_row("SELECT 1 FROM report_month_figures WHERE month = ?1 AND version = ?2", params![m.key(), FIGURES_VERSION], |r| r.get(0))
        .optional()?;
    if figures.is_some() {
        let _ = ctx.conn.execute("DELETE FROM report_month_figures WHERE month = ?1", params![key(m)]);
        let _ = ctx.conn.execute(
            "INSERT INTO report_month_figures (month, version, figures, computed_at) VALUES (?1, ?2, ?3, ?4)",
            params![key(m), ENTRIES_VERSION, encode(&entries, &branches), ts(ctx.now)],
        );
    }
    Ok(entries)
}

/// The branches as the entries index them: ids and zones, in order.
fn branches_head(like: &Dataset) -> String {
    like.branches.iter().map(|b| format!("{}\t{}\n", b.id, b.tz.name())).collect()
}

fn encode(entries: &[Entry], branches: &str) -> Vec<u8> {
    let mut w = Vec::with_capacity(64 + entries.len() * 96);
    put_str(&mut w, branches);
    w.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    for e in entries {
        w.extend_from_slice(&e.rowid.to_le_bytes());
        w.extend_from_slice(&(e.branch as u32).to_le_bytes());
        w.extend_from_slice(&e.received_at.timestamp().to_le_bytes());
        w.extend_from_slice(&e.received_at.timestamp_subsec_nanos().to_le_bytes());
        put_str(&mut w, &e.customer_id);
        match &e.worker_id {
            Some(id) => {
                w.push(1);
                put_str(&mut w, id);
            }
            None => w.push(0),
        }
        w.push(e.is_repeat as u8 | (e.escalated as u8) << 1);
        w.push(Category::ALL.iter().position(|c| *c == e.category).unwrap_or(0) as u8);
        put_str(&mut w, &e.sub_category);
    }
    lz4_flex::compress_prepend_size(&w)
}

fn put_str(w: &mut Vec<u8>, s: &str) {
    w.extend_from_slice(&(s.len() as u32).to_le_bytes());
    w.extend_from_slice(s.as_bytes());
}

/// The kept entries of month `m`, or None when the block is not one this code wrote for these
/// branches (then they are read again).
fn decode(block: &[u8], branches: &str, m: Month) -> Option<Vec<Entry>> {
    let raw = lz4_flex::decompress_size_prepended(block).ok()?;
    let mut r = Reader { b: &raw, at: 0 };
    if r.str()? != branches {
        return None;
    }
    let n = r.u64()? as usize;
    let branch_count = branches.lines().count();
    let mut out = Vec::with_capacity(n.min(raw.len() / 24));
    for _ in 0..n {
        let rowid = r.u64()? as i64;
        let branch = r.u32()? as usize;
        let secs = r.u64()? as i64;
        let nanos = r.u32()?;
        let customer_id = r.str()?.to_string();
        let worker_id = match r.u8()? {
            0 => None,
            1 => Some(r.str()?.to_string()),
            _ => return None,
        };
        let flags = r.u8()?;
        let category = *Category::ALL.get(r.u8()? as usize)?;
        let sub_category = r.str()?.to_string();
        if branch >= branch_count {
            return None;
        }
        out.push(Entry {
            rowid,
            branch,
            received_at: DateTime::<Utc>::from_timestamp(secs, nanos)?,
            month: m,
            customer_id,
            worker_id,
            is_repeat: flags & 1 != 0,
            escalated: flags & 2 != 0,
            category,
            sub_category,
        });
    }
    (r.at == raw.len()).then_some(out)
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::filter::ReportFilter;

    fn shown(entries: &[Entry]) -> Vec<String> {
        entries.iter().map(|e| format!("{e:?}")).collect()
    }

    fn kept_months(conn: &rusqlite::Connection) -> Vec<String> {
        let mut stmt = conn.prepare("SELECT month FROM report_month_figures WHERE month LIKE 'entries:%' ORDER BY month").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    /// Kept or read, the entries are those of the index; what an edit or a damaged block makes
    /// stale is read again.
    #[test]
    fn kept_entries_are_the_read_ones_until_a_write_drops_them() {
        crate::report::testing::with_demo_month(kept_entries_are_the_read_ones);
    }

    fn kept_entries_are_the_read_ones(ctx: &Ctx, m: Month) {
        let tx = ctx.conn;
        // The figures rows the kept entries are current against: the report's trend writes them.
        crate::report::monthly::build(ctx, m, None).unwrap();
        tx.execute("DELETE FROM report_month_figures WHERE month LIKE 'entries:%'", []).unwrap();
        let (like, _) = crate::report::kpi::dataset(ctx, &ReportFilter::default().with_days(Days::month(m))).unwrap();
        // Mid-November to the end of January: a partial month read, two whole ones kept.
        let days = Days { from: chrono::NaiveDate::from_ymd_opt(2025, 11, 17).unwrap(), to: m.first_day() };
        let read = shown(&facts::load_entries(ctx, &like, days).unwrap());
        assert!(read.len() > 100, "the demo has complaints in those days ({})", read.len());

        assert_eq!(shown(&load(ctx, &like, days).unwrap()), read, "read and kept");
        assert_eq!(kept_months(tx), ["entries:2025-12", "entries:2026-01"], "whole months only");
        assert_eq!(shown(&load(ctx, &like, days).unwrap()), read, "served kept");

        // The block is what is served: a changed one shows …
        let block: Vec<u8> =
            tx.query_row("SELECT figures FROM report_month_figures WHERE month = 'entries:2025-12'", [], |r| r.get(0)).unwrap();
        let mut dec = decode(&block, &branches_head(&like), Month::parse("m", "2025-12").unwrap()).unwrap();
        dec[0].sub_category = "kept, not read".into();
        tx.execute("UPDATE report_month_figures SET figures = ?1 WHERE month = 'entries:2025-12'", [encode(&dec, &branches_head(&like))])
            .unwrap();
        assert!(shown(&load(ctx, &like, days).unwrap()).iter().any(|e| e.contains("kept, not read")));
        // … a damaged one is read again, and kept again.
        tx.execute("UPDATE report_month_figures SET figures = x'0badc0de' WHERE month = 'entries:2025-12'", []).unwrap();
        assert_eq!(shown(&load(ctx, &like, days).unwrap()), read, "a damaged block is read again");
        assert_eq!(shown(&load(ctx, &like, days).unwrap()), read);

        // An edit of a December complaint drops December's figures (a trigger): the kept entries
        // are no longer current, even once the trend has written the figures again.
        let id: String = tx
            .query_row(
                "SELECT id FROM complaints WHERE received_at >= '2025-12-05T00:00:00Z' AND received_at < '2025-12-25T00:00:00Z' AND stage <> 'cancelled' ORDER BY received_at LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        tx.execute("UPDATE complaints SET is_repeat = 1 - is_repeat, sub_category = 'edited' WHERE id = ?1", [&id]).unwrap();
        crate::report::monthly::build(ctx, m, None).unwrap();
        let edited = shown(&facts::load_entries(ctx, &like, days).unwrap());
        assert_ne!(edited, read);
        assert_eq!(shown(&load(ctx, &like, days).unwrap()), edited, "after an edit");
        assert_eq!(shown(&load(ctx, &like, days).unwrap()), edited, "kept again after the edit");

        // Kept under other branches (another zone cuts other months): not served.
        let block: Vec<u8> =
            tx.query_row("SELECT figures FROM report_month_figures WHERE month = 'entries:2026-01'", [], |r| r.get(0)).unwrap();
        let jan = Month::parse("m", "2026-01").unwrap();
        assert!(decode(&block, &branches_head(&like), jan).is_some());
        let elsewhere = branches_head(&like).replace("Asia/Shanghai", "America/Los_Angeles");
        assert_ne!(elsewhere, branches_head(&like));
        assert!(decode(&block, &elsewhere, jan).is_none());
    }
}
