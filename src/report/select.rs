//! Complaint lists for reports: board cards for given ids (the list behind a figure), the ids a
//! board/search filter selects (R7.10, for exports), and the wide rows an export writes. Personal
//! data is masked here for roles without access (R7.8), never by the caller.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::params_from_iter;

use crate::auth::{self, mask_name, mask_phone};
use crate::clock::{parse_ts, stored_ts, ts};
use crate::error::{CoreError, Result};
use crate::model::{Category, Channel, Nature, Role, Stage, Tier};
use crate::workflow::views::{ComplaintCard, DueFilter, SearchFilter};
use crate::workflow::{text, Ctx};

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(",")
}

/// Board cards of the given complaints, in the given order (R7.8: names masked for roles
/// without personal-data access, phones always masked in lists).
pub fn cards(ctx: &Ctx, ids: &[String]) -> Result<Vec<ComplaintCard>> {
    let mut out: HashMap<String, ComplaintCard> = HashMap::new();
    let personal = auth::may_see_personal_data(ctx.actor.role);
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT c.id, c.number, c.stage, c.customer_name, c.contact_phone, c.category, c.sub_category, c.nature, c.tier,
                    c.warning_level, c.is_repeat, u.name, d.name, c.received_at, c.next_due_at, c.next_soon_at, substr(c.description, 1, 60)
             FROM complaints c JOIN users u ON u.id = c.owner_id LEFT JOIN departments d ON d.id = c.department_id
             WHERE c.id IN ({})",
            placeholders(chunk.len())
        );
        let mut stmt = ctx.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(chunk.iter()), |r| crate::workflow::views::card_from_row(r, ctx.now, personal))?;
        for card in rows {
            let card = card?;
            out.insert(card.id.clone(), card);
        }
    }
    Ok(ids.iter().filter_map(|id| out.remove(id)).collect())
}

/// The WHERE clause of a board/search filter (R7.10), as `views::search` applies it, including
/// a department handler's scope (R7.7).
fn search_where(ctx: &Ctx, f: &SearchFilter) -> Result<(String, Vec<SqlValue>)> {
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    if let Some(t) = f.text.as_deref() {
        let t = text("text", t, false, 200)?;
        if let Some((sql, p)) = crate::store::search::text_condition(&t) {
            conds.push(sql);
            args.push(SqlValue::Text(p));
        }
    }
    if let Some(n) = f.number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        conds.push("c.number LIKE ? ESCAPE '\\'".into());
        args.push(SqlValue::Text(format!("{}%", n.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))));
    }
    if let Some(p) = f.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let digits: String = p.chars().filter(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            return Err(CoreError::invalid("phone", "bad_phone"));
        }
        conds.push("c.contact_phone LIKE ?".into());
        args.push(SqlValue::Text(format!("%{digits}")));
    }
    if !f.stages.is_empty() {
        conds.push(format!("c.stage IN ({})", placeholders(f.stages.len())));
        args.extend(f.stages.iter().map(|s| SqlValue::Text(s.as_str().into())));
    } else if f.open_only {
        let open: Vec<String> = Stage::ALL.iter().filter(|s| s.is_open()).map(|s| format!("'{}'", s.as_str())).collect();
        conds.push(format!("c.stage IN ({})", open.join(",")));
    }
    if ctx.actor.role == Role::DeptHandler {
        conds.push("c.department_id = ?".into());
        args.push(SqlValue::Text(ctx.actor.department_id.clone().unwrap_or_default()));
    }
    if let Some(d) = f.department.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        conds.push("c.department_id IN (SELECT id FROM departments WHERE id = ? OR code = ?)".into());
        args.push(SqlValue::Text(d.into()));
        args.push(SqlValue::Text(d.into()));
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
    for (col, op, name, v) in [
        ("c.received_at", ">=", "received_from", &f.received_from),
        ("c.received_at", "<", "received_to", &f.received_to),
        ("c.closed_at", ">=", "closed_from", &f.closed_from),
    ] {
        if let Some(s) = v.as_deref().filter(|s| !s.trim().is_empty()) {
            conds.push(format!("{col} {op} ?"));
            args.push(SqlValue::Text(ts(parse_ts(name, s)?)));
        }
    }
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
    let where_sql = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
    Ok((where_sql, args))
}

/// The ids a board/search filter selects, in the board's order (repeat first, then by urgency),
/// at most `cap`.
pub fn search_ids(ctx: &Ctx, f: &SearchFilter, cap: usize) -> Result<Vec<String>> {
    let (where_sql, args) = search_where(ctx, f)?;
    let sql = format!(
        "SELECT c.id FROM complaints c {where_sql}
         ORDER BY c.is_repeat DESC, c.next_due_at IS NULL, c.next_due_at, c.received_at DESC LIMIT {cap}"
    );
    let mut stmt = ctx.conn.prepare(&sql)?;
    let ids = stmt.query_map(params_from_iter(args.iter()), |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// One complaint as an export writes it.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub number: String,
    pub received_at: DateTime<Utc>,
    pub registered_at: DateTime<Utc>,
    pub stage: Stage,
    pub channel: Channel,
    pub category: Category,
    pub sub_category: String,
    pub tier: Tier,
    pub nature: Nature,
    pub warning_level: u8,
    pub is_repeat: bool,
    pub customer_name: String,
    pub phone: String,
    pub address: String,
    pub department: String,
    pub owner: String,
    pub worker_code: String,
    pub worker_name: String,
    pub service_order_no: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub description: String,
    /// Time zone of the complaint's branch, for local times.
    pub tz: chrono_tz::Tz,
}

/// Export rows of the given complaints, in the given order. `personal` shows the customer's
/// name, full phone and address (R7.8); otherwise name and phone are masked and the address left
/// out.
pub fn export_rows(ctx: &Ctx, ids: &[String], personal: bool) -> Result<Vec<ExportRow>> {
    let mut out: HashMap<String, ExportRow> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT c.id, c.number, c.received_at, c.registered_at, c.stage, c.channel, c.category, c.sub_category, c.tier, c.nature,
                    c.warning_level, c.is_repeat, c.customer_name, c.contact_phone, c.address, COALESCE(d.name, ''), u.name,
                    COALESCE(w.code, ''), COALESCE(w.name, ''), c.service_order_no, c.closed_at, c.description, b.tz
             FROM complaints c JOIN users u ON u.id = c.owner_id JOIN branches b ON b.id = c.branch_id
             LEFT JOIN departments d ON d.id = c.department_id LEFT JOIN workers w ON w.id = c.worker_id
             WHERE c.id IN ({})",
            placeholders(chunk.len())
        );
        let mut stmt = ctx.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(chunk.iter()), |r| {
            let name: String = r.get(12)?;
            let phone: String = r.get(13)?;
            let tz: String = r.get(22)?;
            Ok((
                r.get::<_, String>(0)?,
                ExportRow {
                    number: r.get(1)?,
                    received_at: stored_ts(&r.get::<_, String>(2)?),
                    registered_at: stored_ts(&r.get::<_, String>(3)?),
                    stage: r.get(4)?,
                    channel: r.get(5)?,
                    category: r.get(6)?,
                    sub_category: r.get(7)?,
                    tier: r.get(8)?,
                    nature: r.get(9)?,
                    warning_level: r.get(10)?,
                    is_repeat: r.get(11)?,
                    customer_name: if personal { name } else { mask_name(&name) },
                    phone: if personal { phone } else { mask_phone(&phone) },
                    address: if personal { r.get(14)? } else { String::new() },
                    department: r.get(15)?,
                    owner: r.get(16)?,
                    worker_code: r.get(17)?,
                    worker_name: r.get(18)?,
                    service_order_no: r.get(19)?,
                    closed_at: r.get::<_, Option<String>>(20)?.as_deref().map(stored_ts),
                    description: r.get(21)?,
                    tz: tz.parse().unwrap_or(chrono_tz::Asia::Shanghai),
                },
            ))
        })?;
        for row in rows {
            let (id, row) = row?;
            out.insert(id, row);
        }
    }
    Ok(ids.iter().filter_map(|id| out.remove(id)).collect())
}
