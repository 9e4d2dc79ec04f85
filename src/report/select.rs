//! Complaint lists for reports: board cards for given ids (the list behind a figure), the ids a
//! board/search filter selects (R7.10, for exports), and the wide rows an export writes. Personal
//! data is masked here for roles without access (R7.8), never by the caller.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::params_from_iter;

use crate::auth::{self, mask_name, mask_phone};
use crate::clock::stored_ts;
use crate::error::Result;
use crate::model::{Category, Channel, Nature, Stage, Tier};
use crate::workflow::views::{ComplaintCard, SearchFilter};
use crate::workflow::Ctx;

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
            "SELECT {} FROM complaints c {} WHERE c.id IN ({})",
            crate::workflow::views::CARD_COLUMNS,
            crate::workflow::views::CARD_JOINS,
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

/// The ids a board/search filter selects, in the board's order (`workflow::listing`: the same
/// conditions, the same department scope for handlers, R7.7), at most `cap`.
pub fn search_ids(ctx: &Ctx, f: &SearchFilter, cap: usize) -> Result<Vec<String>> {
    let cap = u32::try_from(cap).unwrap_or(u32::MAX);
    crate::workflow::listing::Listing::compile(ctx, f)?.page(ctx, "c.id", "", cap, 0, |r| r.get(0))
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
/// name, full phone and address (R7.8); otherwise name and phone are masked, the address left
/// out and the personal data inside the description masked (`privacy::mask_text`).
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
                    customer_name: if personal { name.clone() } else { mask_name(&name) },
                    phone: if personal { phone.clone() } else { mask_phone(&phone) },
                    address: if personal { r.get(14)? } else { String::new() },
                    department: r.get(15)?,
                    owner: r.get(16)?,
                    worker_code: r.get(17)?,
                    worker_name: r.get(18)?,
                    service_order_no: r.get(19)?,
                    closed_at: r.get::<_, Option<String>>(20)?.as_deref().map(stored_ts),
                    description: {
                        let d: String = r.get(21)?;
                        if personal {
                            d
                        } else {
                            // R7.8: a masked export masks what was typed into the description too.
                            let address: String = r.get(14)?;
                            let known = crate::privacy::Known::new(&[&name], &[&phone], &[&address]);
                            crate::privacy::mask_text(&d, &known).into_owned()
                        }
                    },
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
