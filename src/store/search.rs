//! Substring search and the board's list queries (R7.10).
//!
//! Two FTS5 indexes hold the same text: `complaint_fts` with the trigram tokenizer answers any
//! substring of three or more characters, Chinese or Latin; `complaint_fts_cjk` keeps every Han
//! character as its own token so that one- and two-character Chinese queries (空调), which
//! trigram cannot match, run as phrase queries instead of a table scan.

use rusqlite::{params, Connection};

use crate::error::Result;

/// Is this a CJK ideograph (or kana/hangul), i.e. a character that forms a word on its own?
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Puts spaces around every CJK character so unicode61 makes each one a token.
pub fn split_cjk(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if is_cjk(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// The indexed text of one complaint: number, customer, phone, worker, service order, free text.
fn indexed_text(conn: &Connection, rowid: i64) -> Result<String> {
    Ok(conn
        .prepare_cached(
            "SELECT c.number || ' ' || c.customer_name || ' ' || c.contact_phone || ' ' || COALESCE(w.name, '') || ' ' ||
                COALESCE(w.code, '') || ' ' || c.service_order_no || ' ' || c.sub_category || ' ' || c.incident_place || ' ' ||
                c.description || ' ' || c.expected_outcome
         FROM complaints c LEFT JOIN workers w ON w.id = c.worker_id WHERE c.rowid = ?1",
        )?
        .query_row(params![rowid], |r| r.get(0))?)
}

/// Indexes a complaint just registered: it has no entries to remove yet, and a registered
/// complaint is open, so its text goes straight into the open-complaint copies too.
pub fn index_new_complaint(conn: &Connection, rowid: i64) -> Result<()> {
    let body = indexed_text(conn, rowid)?;
    let cjk = split_cjk(&body);
    for (table, text) in
        [("complaint_fts", &body), ("complaint_fts_cjk", &cjk), ("complaint_fts_open", &body), ("complaint_fts_open_cjk", &cjk)]
    {
        conn.prepare_cached(&format!("INSERT INTO {table} (rowid, body) VALUES (?1, ?2)"))?.execute(params![rowid, text])?;
    }
    Ok(())
}

/// (Re)indexes one complaint.
pub fn index_complaint(conn: &Connection, rowid: i64) -> Result<()> {
    let body = indexed_text(conn, rowid)?;
    let mut del = conn.prepare_cached("DELETE FROM complaint_fts WHERE rowid = ?1")?;
    del.execute(params![rowid])?;
    let mut del = conn.prepare_cached("DELETE FROM complaint_fts_cjk WHERE rowid = ?1")?;
    del.execute(params![rowid])?;
    let mut ins = conn.prepare_cached("INSERT INTO complaint_fts (rowid, body) VALUES (?1, ?2)")?;
    ins.execute(params![rowid, body])?;
    let mut ins = conn.prepare_cached("INSERT INTO complaint_fts_cjk (rowid, body) VALUES (?1, ?2)")?;
    ins.execute(params![rowid, split_cjk(&body)])?;
    // The open-complaint copies (migration 0008): the stage trigger moves text in and out on
    // open ↔ finished; the text itself is (re)written here.
    let mut del = conn.prepare_cached("DELETE FROM complaint_fts_open WHERE rowid = ?1")?;
    del.execute(params![rowid])?;
    let mut del = conn.prepare_cached("DELETE FROM complaint_fts_open_cjk WHERE rowid = ?1")?;
    del.execute(params![rowid])?;
    let mut ins = conn.prepare_cached(
        "INSERT INTO complaint_fts_open (rowid, body) SELECT rowid, body FROM complaint_fts
         WHERE rowid = ?1 AND (SELECT stage FROM complaints WHERE rowid = ?1) NOT IN ('closed', 'not_accepted', 'cancelled')",
    )?;
    ins.execute(params![rowid])?;
    let mut ins = conn.prepare_cached(
        "INSERT INTO complaint_fts_open_cjk (rowid, body) SELECT rowid, body FROM complaint_fts_cjk
         WHERE rowid = ?1 AND (SELECT stage FROM complaints WHERE rowid = ?1) NOT IN ('closed', 'not_accepted', 'cancelled')",
    )?;
    ins.execute(params![rowid])?;
    Ok(())
}

/// Complaints whose entry in the open-complaint text tables disagrees with their stage (an open
/// one missing, a finished one present); 0 when the triggers of migration 0008 did their work.
pub fn open_index_mismatches(conn: &Connection) -> Result<i64> {
    let mut n = 0;
    for table in ["complaint_fts_open", "complaint_fts_open_cjk"] {
        n += conn.query_row(
            &format!(
                "SELECT (SELECT COUNT(*) FROM {table} f JOIN complaints c ON c.rowid = f.rowid WHERE c.stage IN ('closed','not_accepted','cancelled'))
                      + (SELECT COUNT(*) FROM complaints c WHERE c.stage NOT IN ('closed','not_accepted','cancelled') AND c.rowid NOT IN (SELECT rowid FROM {table}))"
            ),
            [],
            |r| r.get::<_, i64>(0),
        )?;
    }
    Ok(n)
}

/// How a text query is matched: which full-text table answers it, and the bound parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMatch {
    /// Three or more characters: a quoted FTS5 string, which trigram turns into a substring match.
    Trigram(String),
    /// One or two Chinese characters: a phrase of single-character tokens.
    Cjk(String),
    /// One or two Latin characters or digits: rare, answered by a LIKE scan of the indexed text.
    Like(String),
}

impl TextMatch {
    /// `None` for blank text.
    pub fn of(query: &str) -> Option<TextMatch> {
        let q = query.trim();
        if q.is_empty() {
            return None;
        }
        if q.chars().count() >= 3 {
            return Some(TextMatch::Trigram(format!("\"{}\"", q.replace('"', "\"\""))));
        }
        if q.chars().all(is_cjk) {
            return Some(TextMatch::Cjk(format!("\"{}\"", split_cjk(q).split_whitespace().collect::<Vec<_>>().join(" "))));
        }
        Some(TextMatch::Like(format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))))
    }

    /// The table that answers it: over every complaint, or over the open ones only.
    pub fn table(&self, open: bool) -> &'static str {
        match (self, open) {
            (TextMatch::Cjk(_), false) => "complaint_fts_cjk",
            (TextMatch::Cjk(_), true) => "complaint_fts_open_cjk",
            (_, false) => "complaint_fts",
            (_, true) => "complaint_fts_open",
        }
    }

    fn matcher(&self, table: &str, alias: Option<&str>) -> (String, String) {
        let col = |c: &str| alias.map(|a| format!("{a}.{c}")).unwrap_or_else(|| c.to_string());
        match self {
            TextMatch::Trigram(p) | TextMatch::Cjk(p) => (format!("{} MATCH ?", col(table)), p.clone()),
            TextMatch::Like(p) => (format!("{} LIKE ? ESCAPE '\\'", col("body")), p.clone()),
        }
    }

    /// A condition on `c.rowid`, with its bound parameter.
    pub fn rowid_condition(&self, open: bool) -> (String, String) {
        let table = self.table(open);
        let (cond, p) = self.matcher(table, None);
        (format!("c.rowid IN (SELECT rowid FROM {table} WHERE {cond})"), p)
    }

    /// The table over every complaint, as `f`, to lead a query: (table, condition on `f`, parameter).
    pub fn driving(&self) -> (&'static str, String, String) {
        let table = self.table(false);
        let (cond, p) = self.matcher(table, Some("f"));
        (table, cond, p)
    }
}

/// A text condition over every complaint as SQL over `c.rowid`, with its bound parameter.
/// Returns `None` for blank text.
pub fn text_condition(query: &str) -> Option<(String, String)> {
    TextMatch::of(query).map(|m| m.rowid_condition(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_chinese_queries_use_the_character_index() {
        // R7.10: one- and two-character Chinese queries must be searchable.
        let (sql, param) = text_condition("空调").unwrap();
        assert!(sql.contains("complaint_fts_cjk"));
        assert_eq!(param, "\"空 调\"");
        let (sql, _) = text_condition("空调漏水").unwrap();
        assert!(sql.contains("complaint_fts "), "three or more characters use trigram");
        assert!(text_condition("  ").is_none());
    }

    #[test]
    fn quotes_cannot_break_out_of_the_phrase() {
        let (_, param) = text_condition("a\"b OR c").unwrap();
        assert_eq!(param, "\"a\"\"b OR c\"");
    }
}
