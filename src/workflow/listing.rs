//! One board/search filter (R7.10) compiled to SQL, used by the board, the search lists and the
//! exports, so they select the same complaints in the same order.
//!
//! Order: open complaints first — repeat complaints first (R3.6), then by the most urgent
//! deadline — then finished ones (closed, not accepted, cancelled), newest registered first.
//!
//! Why two parts (issue 8, a million complaints): a common word such as 空调 is in ~15% of all
//! complaints. Sorting every match by urgency meant producing and sorting 150,000 rows (~300 ms).
//! Open complaints are few (~10,000 at a million), and have their own small full-text tables
//! (`complaint_fts_open*`, kept by triggers, migration 0008), so the first part reads only them;
//! the finished part walks the full-text index newest first and stops once the page is full.

use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Row};

use super::views::{DueFilter, SearchFilter};
use super::{text, Ctx};
use crate::clock::{parse_ts, ts};
use crate::error::{CoreError, Result};
use crate::model::{Role, Stage};
use crate::store::search::TextMatch;

/// The board's order inside the open part: R3.6 repeat first, then the most urgent deadline.
pub const URGENCY_ORDER: &str = "c.is_repeat DESC, c.next_due_at IS NULL, c.next_due_at, c.received_at DESC";

/// A filter compiled once, read in pages.
pub struct Listing {
    /// Every condition but the stage and the full-text ones, over `complaints c`.
    conds: Vec<String>,
    args: Vec<SqlValue>,
    /// Full-text conditions (text, then phone digits); the first one drives the finished part.
    texts: Vec<TextMatch>,
    open: Vec<Stage>,
    finished: Vec<Stage>,
    /// "Closed since": few complaints, found through their closing time (migration 0009).
    closed_since: bool,
    /// With a text condition too: the complaints closed since are few enough to lead, each
    /// checked against the text's matches (see `FEW_CLOSED`).
    closed_leads: bool,
    /// No text, not "closed since", and the finished stages asked for hold at least
    /// `COMMON_FINISHED` complaints: a page is looked for among the newest first
    /// (`newest_floor`), else its rowids are found before its rows are read (`page`).
    finished_common: bool,
    /// With `finished_common`: the received period holds fewer than `FEW_RECEIVED` complaints,
    /// so its rowids are read from `complaints_month` without looking among the newest first.
    period_leads: bool,
    /// See `NEWEST_WINDOW`; a field so that the tests can take each way at a small size.
    newest_window: i64,
}

/// When at least this many complaints are in the finished stages asked for (bounded count on the
/// stage index), a page of them without a text is first looked for among the newest complaints
/// (`NEWEST_WINDOW`). Without it the planner answered "closed, newest first" by reading every
/// closed complaint from the stage index and sorting them (~1 M at a million complaints: 2.3 s
/// a page), since `complaints_board` does not keep a stage's complaints in rowid order (schema
/// 12 dropped the plain stage index that did; it never helped for two or more stages).
const COMMON_FINISHED: i64 = 20_000;

/// How many of the newest complaints (by rowid, i.e. registration) a page of common finished
/// complaints is looked for in first, at least: 8 times the rows the page needs, so a condition
/// that keeps one complaint in eight still fills it there. If it does not, the whole query runs as
/// before, having spent a bounded walk (~10–20 ms at a million).
const NEWEST_WINDOW: i64 = 20_000;

/// Up to this many complaints closed since the instant asked, they lead a text search instead of
/// the full-text index. The board's "closed today" column with a common word (空调, in ~15% of a
/// million complaints) otherwise walked every match newest first — ~150,000 — looking for the few
/// closed today (~0.2 s); a few thousand closings checked against the word's matches take ~15–50
/// ms. Over many closings (a search "closed since last year") the index leads again: its walk
/// stops as soon as a page is full, where collecting every closing would not.
const FEW_CLOSED: i64 = 5000;

/// Up to this many complaints received in the period asked for (a month of a million holds
/// ~60,000), a page of common finished complaints of that period is read through the period's
/// range of `complaints_month` (~15 ms for a month) rather than first looked for among the
/// newest complaints: an older period is not there, and for a deep page (the table loads up to
/// 20,000 rows) that walk was 8 × the rows needed, ~160,000, before the period was read anyway.
const FEW_RECEIVED: i64 = 100_000;

fn list(stages: &[Stage]) -> String {
    stages.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(",")
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

impl Listing {
    pub fn compile(ctx: &Ctx, f: &SearchFilter) -> Result<Listing> {
        let mut conds: Vec<String> = Vec::new();
        let mut args: Vec<SqlValue> = Vec::new();
        let mut texts = Vec::new();
        let personal = crate::auth::may_see_personal_data(ctx.actor.role);
        if let Some(t) = f.text.as_deref() {
            let t = text("text", t, false, 200)?;
            if let Some(m) = TextMatch::of(&t) {
                texts.push(m);
                // R7.8: the text index holds the phone (and free text that may hold phones) so
                // that staff who may see it can find a customer by it. For everyone else a text
                // with digits in it matches only where digits are not personal data — the
                // complaint number, the service order, the worker's code — so a phone cannot be
                // recovered digit by digit from which complaints a fragment finds.
                if !personal && crate::privacy::digits_of(&t).len() >= 2 {
                    conds.push(
                        "(instr(lower(c.number), lower(?)) > 0 OR instr(lower(c.service_order_no), lower(?)) > 0
                          OR EXISTS (SELECT 1 FROM workers pw WHERE pw.id = c.worker_id AND instr(lower(pw.code), lower(?)) > 0))"
                            .into(),
                    );
                    let q = t.trim().to_string();
                    args.extend([SqlValue::Text(q.clone()), SqlValue::Text(q.clone()), SqlValue::Text(q)]);
                }
            }
        }
        if let Some(n) = f.number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // The number is in the indexed text: three or more characters narrow through the
            // trigram index first (case-insensitive, as LIKE). The prefix LIKE alone cannot use
            // the number's index (LIKE ignores case) and read every complaint: ~2 s at a million.
            if n.chars().count() >= 3 {
                texts.push(TextMatch::Trigram(format!("\"{}\"", n.replace('"', "\"\""))));
            }
            conds.push("c.number LIKE ? ESCAPE '\\'".into());
            args.push(SqlValue::Text(format!("{}%", escape_like(n))));
        }
        if let Some(p) = f.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // R7.8: a search by phone (or its last digits) reveals whose number it is; only roles
            // that may see phone numbers may run it (and it is logged, see `views::search_rows`).
            if !personal {
                return Err(CoreError::Forbidden { op: "search.phone".into(), role: ctx.actor.role });
            }
            let digits: String = p.chars().filter(|c| c.is_ascii_digit()).collect();
            if digits.is_empty() {
                return Err(CoreError::invalid("phone", "bad_phone"));
            }
            // Three or more digits are narrowed by the trigram index first (the indexed text holds
            // the phone), so a suffix search does not read every complaint.
            if digits.len() >= 3 {
                texts.push(TextMatch::Trigram(format!("\"{digits}\"")));
            }
            conds.push("c.contact_phone LIKE ?".into());
            args.push(SqlValue::Text(format!("%{digits}")));
        }
        // R7.7: a department handler sees only what is with their department. Added to (not in
        // place of) the requested department, so asking for another department finds nothing.
        if ctx.actor.role == Role::DeptHandler {
            conds.push("c.department_id = ?".into());
            args.push(SqlValue::Text(ctx.actor.department_id.clone().unwrap_or_default()));
        }
        if let Some(d) = f.department.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            conds.push("c.department_id = ?".into());
            args.push(SqlValue::Text(super::dispatch::department_id(ctx, d)?));
        }
        if let Some(o) = f.owner.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            conds.push("c.owner_id IN (SELECT id FROM users WHERE id = ? OR login = ?)".into());
            args.push(SqlValue::Text(o.into()));
            args.push(SqlValue::Text(o.into()));
        }
        for (col, v) in [
            ("c.tier", f.tier.map(|x| x.as_str())),
            ("c.nature", f.nature.map(|x| x.as_str())),
            ("c.category", f.category.map(|x| x.as_str())),
            ("c.channel", f.channel.map(|x| x.as_str())),
        ] {
            if let Some(v) = v {
                conds.push(format!("{col} = ?"));
                args.push(SqlValue::Text(v.into()));
            }
        }
        if let Some(w) = f.min_warning_level {
            conds.push("c.warning_level >= ?".into());
            args.push(SqlValue::Integer(w as i64));
        }
        // The received period's conditions alone (see `period_leads`).
        let mut period: Vec<(String, SqlValue)> = Vec::new();
        for (col, op, name, v) in [
            ("c.received_at", ">=", "received_from", &f.received_from),
            ("c.received_at", "<", "received_to", &f.received_to),
            ("c.closed_at", ">=", "closed_from", &f.closed_from),
        ] {
            if let Some(s) = v.as_deref().filter(|s| !s.trim().is_empty()) {
                conds.push(format!("{col} {op} ?"));
                args.push(SqlValue::Text(ts(parse_ts(name, s)?)));
                if col == "c.received_at" {
                    period.push((format!("received_at {op} ?"), SqlValue::Text(ts(parse_ts(name, s)?))));
                }
            }
        }
        let received_bound = !period.is_empty();
        let now = ts(ctx.now);
        match f.due {
            Some(DueFilter::Overdue) => {
                conds.push("c.next_due_at IS NOT NULL AND c.next_due_at <= ?".into());
                args.push(SqlValue::Text(now));
            }
            Some(DueFilter::DueSoon) => {
                conds.push("c.next_soon_at <= ? AND c.next_due_at > ?".into());
                args.push(SqlValue::Text(now.clone()));
                args.push(SqlValue::Text(now));
            }
            None => {}
        }
        if f.repeat_only {
            conds.push("c.is_repeat = 1".into());
        }
        let wanted: Vec<Stage> = if !f.stages.is_empty() {
            Stage::ALL.iter().copied().filter(|s| f.stages.contains(s)).collect()
        } else if f.open_only {
            Stage::ALL.iter().copied().filter(|s| s.is_open()).collect()
        } else {
            Stage::ALL.to_vec()
        };
        let (open, finished): (Vec<Stage>, Vec<Stage>) = wanted.into_iter().partition(|s| s.is_open());
        let closed_since = f.closed_from.as_deref().filter(|s| !s.trim().is_empty());
        // Counting stops at the limit: a few hundred microseconds however long ago `since` is.
        // A one- or two-letter Latin text is matched by LIKE over every indexed text, which
        // leading or not costs the same scan, so it keeps the index's walk.
        let closed_leads =
            match closed_since {
                Some(since) if !texts.is_empty() && !texts.iter().any(|t| matches!(t, TextMatch::Like(_))) => {
                    let n: i64 = ctx.conn.prepare_cached(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM complaints INDEXED BY complaints_closed_at WHERE closed_at >= ?1 LIMIT ?2)",
                )?
                .query_row(rusqlite::params![ts(parse_ts("closed_from", since)?), FEW_CLOSED], |r| r.get(0))?;
                    n < FEW_CLOSED
                }
                _ => false,
            };
        // Counting stops at the limit (reading ~20,000 entries of the stage index at most).
        let finished_common = !finished.is_empty() && texts.is_empty() && closed_since.is_none() && {
            let n: i64 = ctx
                .conn
                .prepare_cached(&format!("SELECT COUNT(*) FROM (SELECT 1 FROM complaints WHERE stage IN ({}) LIMIT ?1)", list(&finished)))?
                .query_row([COMMON_FINISHED], |r| r.get(0))?;
            n >= COMMON_FINISHED
        };
        let period_leads = finished_common && received_bound && {
            let (conds, args): (Vec<String>, Vec<SqlValue>) = period.into_iter().unzip();
            let n: i64 = ctx
                .conn
                .prepare_cached(&format!(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM complaints INDEXED BY complaints_month {} LIMIT {FEW_RECEIVED})",
                    where_clause(&conds)
                ))?
                .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
            n < FEW_RECEIVED
        };
        Ok(Listing {
            conds,
            args,
            texts,
            open,
            finished,
            closed_since: closed_since.is_some(),
            closed_leads,
            finished_common,
            period_leads,
            newest_window: NEWEST_WINDOW,
        })
    }

    /// The open part: small, read whole through the open-complaint text tables, in urgency order.
    fn open_sql(&self, cols: &str, joins: &str, tail: &str) -> (String, Vec<SqlValue>) {
        let mut conds = vec![format!("c.stage IN ({})", list(&self.open))];
        let mut args = Vec::new();
        for t in &self.texts {
            let (sql, p) = t.rowid_condition(true);
            conds.push(sql);
            args.push(SqlValue::Text(p));
        }
        conds.extend(self.conds.iter().cloned());
        args.extend(self.args.iter().cloned());
        (format!("SELECT {cols} FROM complaints c {joins} {} {tail}", where_clause(&conds)), args)
    }

    /// The finished part, newest first. With a text condition the full-text table leads (CROSS
    /// JOIN keeps it outermost, and it yields rowids newest first), so a page stops reading once
    /// it is full instead of collecting every match.
    ///
    /// `from_rowid`: only complaints from that rowid up, walking the table itself newest first
    /// (no text, not "closed since"; see `newest_floor`).
    fn finished_sql(&self, cols: &str, joins: &str, tail: &str, ordered: bool, from_rowid: Option<i64>) -> (String, Vec<SqlValue>) {
        let mut conds = Vec::new();
        let mut args = Vec::new();
        let from = match self.texts.split_first() {
            None if from_rowid.is_some() => {
                conds.push("c.rowid >= ?".to_string());
                args.push(SqlValue::Integer(from_rowid.unwrap_or_default()));
                format!("complaints c NOT INDEXED {joins}")
            }
            Some(_) if self.closed_leads => {
                for t in &self.texts {
                    let (sql, p) = t.rowid_condition(false);
                    conds.push(sql);
                    args.push(SqlValue::Text(p));
                }
                format!("complaints c INDEXED BY complaints_closed_at {joins}")
            }
            Some((lead, rest)) => {
                let (table, cond, p) = lead.driving();
                conds.push(cond);
                args.push(SqlValue::Text(p));
                for t in rest {
                    let (sql, p) = t.rowid_condition(false);
                    conds.push(sql);
                    args.push(SqlValue::Text(p));
                }
                format!("{table} f CROSS JOIN complaints c ON c.rowid = f.rowid {joins}")
            }
            // The planner would rather walk the stage index of ~all complaints newest first than
            // sort the few closed since a time: tell it (the board's "closed today" column).
            None if self.closed_since => format!("complaints c INDEXED BY complaints_closed_at {joins}"),
            // Common finished stages received in a period (a month of a million complaints:
            // ~57,000 of 990,000 finished): without statistics the planner read every finished
            // complaint from the stage index and kept those of the period; the period's range of
            // `complaints_month`, which holds the stage and every column a condition names, is
            // a tenth of it (1M, one month: the total 107 -> 14 ms). Not for a long period: the
            // month index's entries are wider (1M, since a year ago: 150 -> 300 ms).
            None if self.period_leads => format!("complaints c INDEXED BY complaints_month {joins}"),
            None => format!("complaints c {joins}"),
        };
        conds.push(format!("c.stage IN ({})", list(&self.finished)));
        conds.extend(self.conds.iter().cloned());
        args.extend(self.args.iter().cloned());
        let order = match (ordered, self.texts.is_empty() || self.closed_leads) {
            (false, _) => "",
            (true, false) => "ORDER BY f.rowid DESC",
            (true, true) => "ORDER BY c.rowid DESC",
        };
        (format!("SELECT {cols} FROM {from} {} {order} {tail}", where_clause(&conds)), args)
    }

    /// One page of rows: `cols` over `complaints c` (with `joins`, e.g. the owner's name),
    /// each mapped by `map`.
    pub fn page<T>(
        &self,
        ctx: &Ctx,
        cols: &str,
        joins: &str,
        limit: u32,
        offset: u32,
        mut map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut skip = offset as i64;
        if !self.open.is_empty() {
            let tail = format!("ORDER BY {URGENCY_ORDER} LIMIT {limit} OFFSET {skip}");
            let (sql, args) = self.open_sql(cols, joins, &tail);
            let mut stmt = ctx.conn.prepare_cached(&sql)?;
            out = stmt.query_map(params_from_iter(args.iter()), &mut map)?.collect::<rusqlite::Result<Vec<_>>>()?;
            // The page may start inside the finished part: skip what the open part holds.
            skip = if skip > 0 && out.is_empty() { skip - self.count_open(ctx)?.min(skip) } else { 0 };
        }
        let left = (limit as usize).saturating_sub(out.len());
        if left > 0 && !self.finished.is_empty() {
            let floor = self.newest_floor(ctx, skip + left as i64)?;
            let tail = format!("LIMIT {left} OFFSET {skip}");
            let (sql, args) = if floor.is_none() && self.finished_common {
                // The page's rowids first, sorted from the index alone, then only their rows:
                // otherwise every complaint of the period was read from the table to be sorted
                // (1M, one month's finished complaints, a page of 1,000: 240 -> 60 ms).
                let (rowids, args) = self.finished_sql("c.rowid", "", &tail, true, None);
                (format!("SELECT {cols} FROM complaints c {joins} WHERE c.rowid IN ({rowids}) ORDER BY c.rowid DESC"), args)
            } else {
                self.finished_sql(cols, joins, &tail, true, floor)
            };
            let mut stmt = ctx.conn.prepare_cached(&sql)?;
            let rest = stmt.query_map(params_from_iter(args.iter()), &mut map)?.collect::<rusqlite::Result<Vec<_>>>()?;
            out.extend(rest);
        }
        Ok(out)
    }

    /// For a page of finished complaints without a text that needs `want` rows from the top:
    /// the rowid of the `want`-th among the newest complaints, if they hold that many — the page
    /// is then read from that rowid up and gives the same rows as the whole query. `None`: read
    /// the whole query (rare stages, where the planner's index and sort are cheap, or a page the
    /// newest complaints do not fill).
    fn newest_floor(&self, ctx: &Ctx, want: i64) -> Result<Option<i64>> {
        if !self.finished_common || self.period_leads || want <= 0 {
            return Ok(None);
        }
        let top: i64 = ctx.conn.prepare_cached("SELECT COALESCE(MAX(rowid), 0) FROM complaints")?.query_row([], |r| r.get(0))?;
        let window = self.newest_window.max(want.saturating_mul(8));
        let (sql, args) =
            self.finished_sql("c.rowid", "", &format!("LIMIT 1 OFFSET {}", want - 1), true, Some(top.saturating_sub(window) + 1));
        let mut stmt = ctx.conn.prepare_cached(&sql)?;
        let floor = stmt.query_row(params_from_iter(args.iter()), |r| r.get(0));
        match floor {
            Ok(rowid) => Ok(Some(rowid)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn count_open(&self, ctx: &Ctx) -> Result<i64> {
        let (sql, args) = self.open_sql("COUNT(*)", "", "");
        Ok(ctx.conn.prepare_cached(&sql)?.query_row(params_from_iter(args.iter()), |r| r.get(0))?)
    }

    /// Every match (costs reading them all; asked for only where a list shows its total).
    pub fn count(&self, ctx: &Ctx) -> Result<i64> {
        let mut n = 0;
        if !self.open.is_empty() {
            n += self.count_open(ctx)?;
        }
        if !self.finished.is_empty() {
            let (sql, args) = self.finished_sql("COUNT(*)", "", "", false, None);
            n += ctx.conn.prepare_cached(&sql)?.query_row(params_from_iter(args.iter()), |r| r.get::<_, i64>(0))?;
        }
        Ok(n)
    }
}

fn where_clause(conds: &[String]) -> String {
    if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use std::path::Path;

    fn demo() -> (Store, chrono::DateTime<chrono::Utc>, crate::auth::Actor) {
        let mut store = Store::open_in_memory().unwrap();
        let now = parse_ts("now", "2026-03-10T02:00:00Z").unwrap();
        crate::workflow::settings::init_defaults(&store.conn, now).unwrap();
        crate::demo::generate_with_password(&mut store, now, 400, 11, Some("Listing-Test-2026")).unwrap();
        let actor = crate::auth::actor_by_login(&store.conn, "manager").unwrap();
        (store, now, actor)
    }

    fn filter(v: serde_json::Value) -> SearchFilter {
        serde_json::from_value(v).unwrap()
    }

    /// Pages of 7 at the given offsets, and the total.
    fn read(ctx: &Ctx, l: &Listing, offsets: &[u32]) -> (Vec<Vec<String>>, i64) {
        (offsets.iter().map(|&o| l.page(ctx, "c.id", "", 7, o, |r| r.get(0)).unwrap()).collect(), l.count(ctx).unwrap())
    }

    /// Both ways of reading "closed since" with a text give the same complaints, in the same
    /// order, page by page, and the same total: which one leads is a question of speed only.
    /// (The lists against a slow reference: `tests/search_listing.rs`.)
    #[test]
    fn closed_since_with_text_reads_the_same_whichever_leads() {
        let (store, now, actor) = demo();
        let ctx = Ctx { conn: &store.conn, now, actor: &actor, attachments_dir: Path::new("."), op: crate::ops::Op::Search };
        let since: String = store
            .conn
            .query_row("SELECT closed_at FROM complaints WHERE closed_at IS NOT NULL ORDER BY closed_at DESC LIMIT 1 OFFSET 60", [], |r| {
                r.get(0)
            })
            .unwrap();
        let mut compared = 0;
        for text in ["空调", "上门", "没有提前告知", "保洁"] {
            let f = filter(serde_json::json!({ "text": text, "stages": ["closed", "cancelled"], "closed_from": since }));
            let mut l = Listing::compile(&ctx, &f).unwrap();
            assert!(l.closed_leads, "a few closings lead ({text})");
            let led = read(&ctx, &l, &[0, 7, 14, 21]);
            l.closed_leads = false;
            let walked = read(&ctx, &l, &[0, 7, 14, 21]);
            assert_eq!(led, walked, "text {text}");
            compared += led.1;
        }
        assert!(compared > 10, "the texts match some of the recent closings ({compared})");
    }

    /// Finished complaints without a text: a page found among the newest complaints, or through
    /// its rowids first (past the window; from `complaints_month` with a received period), equals
    /// the page of the whole query, for pages inside the window, across its edge and past it.
    #[test]
    fn finished_pages_from_the_newest_equal_the_whole_query() {
        let (store, now, actor) = demo();
        let ctx = Ctx { conn: &store.conn, now, actor: &actor, attachments_dir: Path::new("."), op: crate::ops::Op::Search };
        let dept: String = store
            .conn
            .query_row("SELECT department_id FROM complaints WHERE stage = 'closed' AND department_id IS NOT NULL LIMIT 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        let offsets = [0, 7, 20, 35, 60, 120, 250, 380];
        let mut from_window = 0;
        let mut by_rowids = 0;
        let mut periods = 0;
        for f in [
            serde_json::json!({ "stages": ["closed"] }),
            serde_json::json!({ "stages": ["closed", "cancelled", "not_accepted"] }),
            serde_json::json!({}),
            serde_json::json!({ "stages": ["follow_up", "closed"] }),
            serde_json::json!({ "stages": ["closed"], "department": dept }),
            serde_json::json!({ "stages": ["closed"], "received_from": "2025-06-01T00:00:00Z", "received_to": "2025-12-01T00:00:00Z" }),
            serde_json::json!({ "stages": ["closed", "cancelled", "not_accepted"], "received_from": "2025-05-31T16:00:00Z", "received_to": "2025-09-30T16:00:00Z" }),
            serde_json::json!({ "received_to": "2025-10-01T00:00:00Z" }),
            serde_json::json!({ "stages": ["closed"], "received_from": "2025-11-01T00:00:00Z", "category": "service" }),
        ] {
            let mut l = Listing::compile(&ctx, &filter(f.clone())).unwrap();
            l.finished_common = false;
            l.period_leads = false;
            let whole = read(&ctx, &l, &offsets);
            assert!(whole.0[0].len() == 7, "{f}: the demo fills a page");
            let ways: &[bool] = if f.get("received_from").is_some() || f.get("received_to").is_some() { &[false, true] } else { &[false] };
            for window in [1, 30, 100] {
                for &leads in ways {
                    l.finished_common = true;
                    l.period_leads = leads;
                    l.newest_window = window;
                    let found = offsets.iter().filter(|&&o| l.newest_floor(&ctx, o as i64 + 7).unwrap().is_some()).count();
                    from_window += found;
                    by_rowids += offsets.len() - found;
                    periods += usize::from(leads);
                    assert_eq!(read(&ctx, &l, &offsets), whole, "{f}, window {window}, period leads {leads}");
                }
            }
        }
        assert!(from_window > 20, "pages were read from the newest complaints ({from_window})");
        assert!(by_rowids > 20, "pages were read through their rowids ({by_rowids})");
        assert!(periods >= 12, "the received period led ({periods})");
    }

    /// A number prefix narrowed through the trigram index finds what the prefix alone finds,
    /// whatever the case typed.
    #[test]
    fn number_prefix_finds_the_same_through_the_text_index() {
        let (store, now, actor) = demo();
        let ctx = Ctx { conn: &store.conn, now, actor: &actor, attachments_dir: Path::new("."), op: crate::ops::Op::Search };
        let one: String =
            store.conn.query_row("SELECT number FROM complaints ORDER BY rowid DESC LIMIT 1 OFFSET 17", [], |r| r.get(0)).unwrap();
        let day = &one[..one.len() - 2];
        // The last one is inside the number, not at its start: found by the text index, not a prefix.
        assert!(one.starts_with("HQ-"), "{one}");
        for (i, prefix) in
            [one.as_str(), &one.to_lowercase(), day, &day.to_lowercase(), &one[..2], "-2", "zz-9", &one[3..]].into_iter().enumerate()
        {
            let mut want: Vec<String> = store
                .conn
                .prepare("SELECT id FROM complaints WHERE number LIKE ?1 || '%'")
                .unwrap()
                .query_map([prefix], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(want.is_empty(), i >= 5, "the demo's numbers start with the branch code ({prefix})");
            let l = Listing::compile(&ctx, &filter(serde_json::json!({ "number": prefix }))).unwrap();
            assert_eq!(l.texts.is_empty(), prefix.chars().count() < 3, "{prefix}");
            let mut got: Vec<String> = l.page(&ctx, "c.id", "", 1000, 0, |r| r.get(0)).unwrap();
            assert_eq!(l.count(&ctx).unwrap(), got.len() as i64, "{prefix}");
            got.sort();
            want.sort();
            assert_eq!(got, want, "number {prefix}");
        }
    }
}
