//! The case library (R7.6): typical closed complaints with their analysis and lessons, for
//! training, searchable, and anonymised for everyone — no customer name, phone or address, and
//! workers' names masked, in the fields and inside the free texts (R7.8).

use std::collections::HashMap;

use rusqlite::params;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::auth::mask_name;
use crate::clock::stored_ts;
use crate::error::Result;
use crate::model::{Category, Channel, CompensationKind, Finding, Nature, Satisfaction, Tier};
use crate::workflow::{text, Ctx};

#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CaseLibraryArgs {
    /// Words to find in the title, analysis, lessons, description, root cause, solution or
    /// sub-category (all words must occur; case-insensitive; searched in the anonymised text).
    pub text: Option<String>,
    pub category: Option<Category>,
    pub sub_category: Option<String>,
    /// Department id or code that handled it.
    pub department: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CaseEntry {
    pub case_id: String,
    pub complaint_number: String,
    pub title: String,
    pub analysis: String,
    pub lessons: String,
    pub category: Category,
    pub sub_category: String,
    pub channel: Channel,
    pub tier: Tier,
    pub nature: Nature,
    pub warning_level: u8,
    pub department: Option<String>,
    /// Masked: 王芳 → 王*.
    pub worker: Option<String>,
    pub worker_kind: Option<String>,
    /// The complaint as told, with the customer's and worker's names, phones and address
    /// replaced.
    pub description: String,
    pub finding: Option<Finding>,
    pub root_cause: String,
    pub solution: String,
    pub compensations: Vec<CompensationKind>,
    pub satisfaction: Option<Satisfaction>,
    pub received_at: String,
    pub closed_at: Option<String>,
    /// Wall-clock seconds from receipt to closing.
    pub resolution_seconds: Option<i64>,
    pub added_by: String,
    pub added_at: String,
}

/// Replaces personal data inside a free text: the given names and address by masks, and any
/// run of seven or more digits (a phone number) by its masked form.
pub fn anonymise(s: &str, names: &[&str], address: &str) -> String {
    let mut out = s.to_string();
    let mut names: Vec<&str> = names.iter().copied().filter(|n| n.chars().count() >= 2).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    for n in names {
        out = out.replace(n, &mask_name(n));
    }
    if address.chars().count() >= 4 {
        out = out.replace(address, "***");
    }
    let mut res = String::with_capacity(out.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, res: &mut String| {
        if digits.len() >= 7 {
            res.push_str(&crate::auth::mask_phone(digits));
        } else {
            res.push_str(digits);
        }
        digits.clear();
    };
    for ch in out.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
        } else {
            flush(&mut digits, &mut res);
            res.push(ch);
        }
    }
    flush(&mut digits, &mut res);
    res
}

/// `case_library`: searchable, anonymised cases for training (R7.6).
pub fn case_library(ctx: &Ctx, a: &CaseLibraryArgs) -> Result<Vec<CaseEntry>> {
    ctx.begin(None)?;
    let words: Vec<String> = match a.text.as_deref() {
        Some(t) => text("text", t, false, 200)?.to_lowercase().split_whitespace().map(str::to_string).collect(),
        None => Vec::new(),
    };
    let dept = a.department.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let sub = a.sub_category.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let mut stmt = ctx.conn.prepare_cached(
        "SELECT k.id, c.number, k.title, k.analysis, k.lessons, c.category, c.sub_category, c.channel, c.tier, c.nature, c.warning_level,
                d.name, w.name, w.kind, c.description, c.finding, c.received_at, c.closed_at, u.name, k.added_at,
                c.customer_name, c.contact_phone, c.address, c.id,
                (SELECT h.root_cause FROM handlings h WHERE h.complaint_id = c.id ORDER BY h.recorded_at DESC, h.rowid DESC LIMIT 1),
                (SELECT h.solution FROM handlings h WHERE h.complaint_id = c.id ORDER BY h.recorded_at DESC, h.rowid DESC LIMIT 1),
                (SELECT s.overall FROM surveys s WHERE s.complaint_id = c.id ORDER BY s.surveyed_at DESC, s.rowid DESC LIMIT 1)
         FROM cases k JOIN complaints c ON c.id = k.complaint_id JOIN users u ON u.id = k.added_by
         LEFT JOIN departments d ON d.id = c.department_id LEFT JOIN workers w ON w.id = c.worker_id
         WHERE (?1 IS NULL OR c.category = ?1) AND (?2 IS NULL OR c.sub_category = ?2)
           AND (?3 IS NULL OR d.id = ?3 OR d.code = ?3)
         ORDER BY k.added_at DESC, k.rowid DESC",
    )?;
    struct Raw {
        entry: CaseEntry,
        complaint_id: String,
    }
    let rows = stmt.query_map(params![a.category, sub, dept], |r| {
        let worker: Option<String> = r.get(12)?;
        let customer: String = r.get(20)?;
        let phone: String = r.get(21)?;
        let address: String = r.get(22)?;
        let names: Vec<&str> = [Some(customer.as_str()), worker.as_deref()].into_iter().flatten().collect();
        let anon = |s: String| anonymise(&s.replace(&phone, &crate::auth::mask_phone(&phone)), &names, &address);
        let received: String = r.get(16)?;
        let closed: Option<String> = r.get(17)?;
        let finding: Option<String> = r.get(15)?;
        Ok(Raw {
            complaint_id: r.get(23)?,
            entry: CaseEntry {
                case_id: r.get(0)?,
                complaint_number: r.get(1)?,
                title: anon(r.get(2)?),
                analysis: anon(r.get(3)?),
                lessons: anon(r.get(4)?),
                category: r.get(5)?,
                sub_category: r.get(6)?,
                channel: r.get(7)?,
                tier: r.get(8)?,
                nature: r.get(9)?,
                warning_level: r.get(10)?,
                department: r.get(11)?,
                worker: worker.as_deref().map(mask_name),
                worker_kind: r.get(13)?,
                description: anon(r.get(14)?),
                finding: finding.as_deref().and_then(Finding::parse),
                root_cause: anon(r.get::<_, Option<String>>(24)?.unwrap_or_default()),
                solution: anon(r.get::<_, Option<String>>(25)?.unwrap_or_default()),
                compensations: Vec::new(),
                satisfaction: r.get(26)?,
                resolution_seconds: closed.as_deref().map(|c| (stored_ts(c) - stored_ts(&received)).num_seconds()),
                received_at: received,
                closed_at: closed,
                added_by: r.get(18)?,
                added_at: r.get(19)?,
            },
        })
    })?;
    let limit = a.limit.unwrap_or(200).clamp(1, 1000) as usize;
    let mut out: Vec<Raw> = Vec::new();
    for row in rows {
        let row = row?;
        let e = &row.entry;
        let hay = [&e.title, &e.analysis, &e.lessons, &e.description, &e.root_cause, &e.solution, &e.sub_category]
            .iter()
            .map(|s| s.to_lowercase())
            .collect::<Vec<_>>()
            .join("\n");
        if words.iter().all(|w| hay.contains(w.as_str())) {
            out.push(row);
            if out.len() >= limit {
                break;
            }
        }
    }
    let mut comp = ctx.conn.prepare_cached("SELECT kind FROM compensations WHERE complaint_id = ?1 ORDER BY rowid")?;
    let mut kinds: HashMap<String, Vec<CompensationKind>> = HashMap::new();
    for r in &out {
        let v: Vec<CompensationKind> = comp.query_map(params![r.complaint_id], |x| x.get(0))?.collect::<rusqlite::Result<_>>()?;
        kinds.insert(r.complaint_id.clone(), v);
    }
    Ok(out
        .into_iter()
        .map(|mut r| {
            r.entry.compensations = kinds.remove(&r.complaint_id).unwrap_or_default();
            r.entry
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_is_anonymised() {
        // R7.6 / R7.8
        let s = anonymise("王芳说保洁员赵磊迟到，电话13812345678，地址朝阳区望京西园3号。", &["王芳", "赵磊"], "朝阳区望京西园3号");
        assert_eq!(s, "王*说保洁员赵*迟到，电话138****5678，地址***。");
    }
}
