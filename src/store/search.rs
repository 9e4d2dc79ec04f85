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

/// (Re)indexes one complaint: number, customer, phone, worker, service order and free text.
pub fn index_complaint(conn: &Connection, rowid: i64) -> Result<()> {
    let body: String = conn.query_row(
        "SELECT c.number || ' ' || c.customer_name || ' ' || c.contact_phone || ' ' || COALESCE(w.name, '') || ' ' ||
                COALESCE(w.code, '') || ' ' || c.service_order_no || ' ' || c.sub_category || ' ' || c.incident_place || ' ' ||
                c.description || ' ' || c.expected_outcome
         FROM complaints c LEFT JOIN workers w ON w.id = c.worker_id WHERE c.rowid = ?1",
        params![rowid],
        |r| r.get(0),
    )?;
    let mut del = conn.prepare_cached("DELETE FROM complaint_fts WHERE rowid = ?1")?;
    del.execute(params![rowid])?;
    let mut del = conn.prepare_cached("DELETE FROM complaint_fts_cjk WHERE rowid = ?1")?;
    del.execute(params![rowid])?;
    let mut ins = conn.prepare_cached("INSERT INTO complaint_fts (rowid, body) VALUES (?1, ?2)")?;
    ins.execute(params![rowid, body])?;
    let mut ins = conn.prepare_cached("INSERT INTO complaint_fts_cjk (rowid, body) VALUES (?1, ?2)")?;
    ins.execute(params![rowid, split_cjk(&body)])?;
    Ok(())
}

/// A text condition as SQL over `c.rowid`, with its bound parameter. Returns `None` for blank text.
pub fn text_condition(query: &str) -> Option<(String, String)> {
    let q = query.trim();
    if q.is_empty() {
        return None;
    }
    let n = q.chars().count();
    if n >= 3 {
        // A quoted FTS5 string: the trigram tokenizer turns it into a substring match.
        let phrase = format!("\"{}\"", q.replace('"', "\"\""));
        return Some(("c.rowid IN (SELECT rowid FROM complaint_fts WHERE complaint_fts MATCH ?)".into(), phrase));
    }
    if q.chars().all(is_cjk) {
        let phrase = format!("\"{}\"", split_cjk(q).split_whitespace().collect::<Vec<_>>().join(" "));
        return Some(("c.rowid IN (SELECT rowid FROM complaint_fts_cjk WHERE complaint_fts_cjk MATCH ?)".into(), phrase));
    }
    // One or two Latin characters or digits: rare, and answered by a scan of the indexed text.
    let like = format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    Some(("c.rowid IN (SELECT rowid FROM complaint_fts WHERE body LIKE ? ESCAPE '\\')".into(), like))
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
