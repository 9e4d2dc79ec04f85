//! Read side: the board and search lists (R7.10), the complaint detail with its live deadlines
//! and the actions the current user may take (R4.6), the escalation view (R3.8), the case
//! library (R7.6), saved views, and signature verification (R7.11). Personal data is masked for
//! roles that need not see it and in every list (R7.8); revealing it is logged (R7.1).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::load;
use super::steps::{self, StepView};
use super::{text, Ctx};
use crate::auth::{self, mask_name, mask_phone};
use crate::clock::{new_id, ts};
use crate::deadlines::Urgency;
use crate::error::{CoreError, Result};
use crate::model::{Category, Channel, LinkKind, Nature, Role, Stage, Tier};
use crate::ops::Op;
use crate::timeline::{self, Event};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DueFilter {
    DueSoon,
    Overdue,
}

/// Every search condition of R7.10; all optional and combinable.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SearchFilter {
    /// Any substring of number, phone, customer or worker name, service order or description.
    pub text: Option<String>,
    pub number: Option<String>,
    /// Matches phones ending with these digits.
    pub phone: Option<String>,
    pub stages: Vec<Stage>,
    pub open_only: bool,
    /// Department id or code.
    pub department: Option<String>,
    /// Owner user id or login.
    pub owner: Option<String>,
    pub tier: Option<Tier>,
    pub nature: Option<Nature>,
    pub category: Option<Category>,
    pub channel: Option<Channel>,
    pub min_warning_level: Option<u8>,
    pub received_from: Option<String>,
    pub received_to: Option<String>,
    pub due: Option<DueFilter>,
    pub repeat_only: bool,
    /// Closed at or after this instant (the board's "closed today" column).
    pub closed_from: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    #[serde(default)]
    pub filter: SearchFilter,
    #[serde(default = "default_limit")]
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
    /// Also count all matches (costs a second query).
    #[serde(default)]
    pub with_total: bool,
}

fn default_limit() -> u32 {
    200
}

/// A board card / table row.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ComplaintCard {
    pub id: String,
    pub number: String,
    pub stage: Stage,
    pub customer_name: String,
    pub phone_masked: String,
    pub category: Category,
    pub sub_category: String,
    pub nature: Nature,
    pub tier: Tier,
    pub warning_level: u8,
    pub is_repeat: bool,
    pub owner_name: String,
    pub department_name: Option<String>,
    pub received_at: String,
    pub next_due_at: Option<String>,
    /// When the most urgent open step becomes due soon (R4.6), so a countdown can turn amber
    /// on its own without asking again.
    pub next_soon_at: Option<String>,
    pub urgency: Option<Urgency>,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SearchResult {
    pub items: Vec<ComplaintCard>,
    pub total: Option<i64>,
}

/// The columns `card_from_row` reads, over `complaints c` joined with `CARD_JOINS`.
pub const CARD_COLUMNS: &str = "c.id, c.number, c.stage, c.customer_name, c.contact_phone, c.category, c.sub_category, c.nature, c.tier,
    c.warning_level, c.is_repeat, u.name, d.name, c.received_at, c.next_due_at, c.next_soon_at, substr(c.description, 1, 80)";
pub const CARD_JOINS: &str = "JOIN users u ON u.id = c.owner_id LEFT JOIN departments d ON d.id = c.department_id";

/// R7.10: the board and every list. Open complaints first — repeat complaints first (R3.6), then
/// by urgency — then finished ones, newest first (`listing`).
pub fn search(ctx: &Ctx, a: &SearchArgs) -> Result<SearchResult> {
    let personal = auth::may_see_personal_data(ctx.actor.role);
    let (items, total) = search_rows(ctx, a, |r| card_from_row(r, ctx.now, personal))?;
    Ok(SearchResult { items, total })
}

/// The same reply as `search`, as JSON text written straight from the rows: the board asks for
/// up to 1,000 cards at a time, and building owned cards only to serialise them was half of a
/// board page's cost (issue 8 profile). `tests::search_json_is_search_serialised` holds the two
/// to the same bytes.
pub fn search_json(ctx: &Ctx, a: &SearchArgs) -> Result<String> {
    let personal = auth::may_see_personal_data(ctx.actor.role);
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    buf.extend_from_slice(b"{\"items\":[");
    let mut first = true;
    let (_, total) = search_rows(ctx, a, |r| {
        if !std::mem::take(&mut first) {
            buf.push(b',');
        }
        let card = card_ref(r, ctx.now, personal)?;
        serde_json::to_writer(&mut buf, &card).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
    })?;
    buf.extend_from_slice(b"],\"total\":");
    serde_json::to_writer(&mut buf, &total).map_err(|e| CoreError::Integrity(format!("serialising a reply: {e}")))?;
    buf.push(b'}');
    String::from_utf8(buf).map_err(|e| CoreError::Integrity(format!("serialising a reply: {e}")))
}

/// The rows of a search, each mapped by `map`, and the total when asked; logs the look at
/// personal data (R7.1).
fn search_rows<T>(ctx: &Ctx, a: &SearchArgs, map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>) -> Result<(Vec<T>, Option<i64>)> {
    ctx.begin(None)?;
    let f = &a.filter;
    let listing = super::listing::Listing::compile(ctx, f)?;
    let limit = a.limit.clamp(1, 1000);
    let items = listing.page(ctx, CARD_COLUMNS, CARD_JOINS, limit, a.offset, map)?;
    let total = if a.with_total { Some(listing.count(ctx)?) } else { None };
    // R7.10 / R7.1: a search by text or phone that returns people is logged.
    // The same search repeated by the same person within ten minutes (the board asks once per
    // column and refreshes every minute) is one look at the data, logged once.
    // A search by phone is logged even when it finds nothing: probing numbers is a look at
    // personal data too (R7.8).
    let by_phone = f.phone.as_deref().is_some_and(|p| !p.trim().is_empty());
    if by_phone || (f.text.as_deref().is_some_and(|t| !t.trim().is_empty()) && !items.is_empty()) {
        let data = json!({ "text": f.text, "phone": f.phone });
        let since = ts(ctx.now - chrono::Duration::minutes(10));
        // Walks the events without a complaint newest first (the `events_complaint` index, NULL
        // part) and stops at the first one older than ten minutes. The earlier form filtered by
        // kind over the whole timeline: a full scan, ~80 ms at 10k complaints and seconds at 1M
        // (issue 8). Events are appended in time order; if a clock step broke that, the worst
        // outcome is one extra log entry, never a missing one.
        let mut stmt = ctx.conn.prepare_cached(
            "SELECT kind, actor_id, at, json_extract(data, '$.text') IS ?1 AND json_extract(data, '$.phone') IS ?2
             FROM events WHERE complaint_id IS NULL ORDER BY seq DESC",
        )?;
        let mut rows = stmt.query(params![f.text, f.phone])?;
        let mut logged = false;
        while let Some(r) = rows.next()? {
            let at: String = r.get(2)?;
            if at < since {
                break;
            }
            let (kind, actor, same): (String, Option<String>, bool) = (r.get(0)?, r.get(1)?, r.get(3)?);
            if kind == "personal_data_search" && actor.as_deref() == Some(ctx.actor.id.as_str()) && same {
                logged = true;
                break;
            }
        }
        drop(rows);
        drop(stmt);
        if !logged {
            let mut d = data;
            d["results"] = json!(items.len());
            ctx.event(None, "personal_data_search", d)?;
        }
    }
    Ok((items, total))
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ComplaintDetail {
    pub id: String,
    pub number: String,
    pub branch_code: String,
    pub branch_name: String,
    pub branch_tz: String,
    pub stage: Stage,
    pub customer_id: String,
    pub customer_name: String,
    /// Full for roles that need it (logged), masked otherwise (R7.8).
    pub contact_phone: String,
    pub phone_masked: bool,
    pub tier: Tier,
    pub nature: Nature,
    pub major_reasons: Vec<String>,
    pub channel: Channel,
    pub transfer_source: Option<String>,
    pub category: Category,
    pub sub_category: String,
    pub description: String,
    pub households: i64,
    pub received_at: String,
    pub registered_at: String,
    pub owner_id: String,
    pub owner_name: String,
    pub address: String,
    pub incident_at: Option<String>,
    pub incident_place: String,
    pub service_order_no: String,
    pub worker_id: Option<String>,
    pub worker_name: Option<String>,
    pub expected_outcome: String,
    pub reply_method: Option<String>,
    pub warning_level: u8,
    pub department_id: Option<String>,
    pub department_name: Option<String>,
    pub is_repeat: bool,
    pub signature_status: String,
    pub signature_note: String,
    pub finding: Option<String>,
    pub review_opinion: String,
    pub closed_at: Option<String>,
    pub close_reason: String,
    pub policy_code: String,
    pub steps: Vec<StepView>,
    pub links: Vec<LinkView>,
    pub records: super::records::DetailRecords,
    pub allowed_actions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LinkView {
    pub kind: LinkKind,
    /// "to": this complaint points at the other (e.g. it is the repeat); "from": the other points here.
    pub direction: String,
    pub number: String,
    pub stage: Stage,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetArgs {
    pub complaint: String,
}

/// Operations the role may start from the stage (the lifecycle graph × the role matrix).
pub fn allowed_actions(role: Role, stage: Stage) -> Vec<String> {
    actions(role, stage).map(|op| op.name().to_string()).collect()
}

fn actions(role: Role, stage: Stage) -> impl Iterator<Item = Op> {
    Op::ALL.iter().copied().filter(move |op| op.from_stages().is_some_and(|from| from.contains(&stage)) && op.allows(role))
}

/// Operations this user may take on this complaint now, decided by the core (the UI only shows
/// them): the graph and the role matrix, then the facts of the complaint, so that no button is
/// offered that its operation would refuse for a reason known in advance.
fn allowed_now(ctx: &Ctx, c: &load::ComplaintState) -> Result<Vec<String>> {
    let exists = |sql: &str| -> Result<bool> { Ok(ctx.conn.query_row(sql, params![c.id], |r| r.get::<_, bool>(0))?) };
    let escalated = c.nature == Nature::Major || c.warning_level >= 2;
    let own_department = ctx.actor.role != Role::DeptHandler || (c.department_id.is_some() && c.department_id == ctx.actor.department_id);
    let mut out = Vec::new();
    for op in actions(ctx.actor.role, c.stage) {
        let ok = match op {
            _ if !own_department => false,
            // R3.3: only a major complaint is reported, once.
            Op::ReportMajor => c.nature == Nature::Major && !exists("SELECT EXISTS (SELECT 1 FROM major_reports WHERE complaint_id = ?1)")?,
            // R3.8: only escalated complaints, and only while a level this role keeps is open.
            Op::AcknowledgeEscalation => {
                escalated
                    && crate::model::EscalationLevel::ALL.iter().any(|l| {
                        super::acceptance::may_acknowledge(ctx.actor.role, *l)
                            && !ctx
                                .conn
                                .query_row(
                                    "SELECT EXISTS (SELECT 1 FROM escalation_acks WHERE complaint_id = ?1 AND level = ?2)",
                                    params![c.id, l],
                                    |r| r.get::<_, bool>(0),
                                )
                                .unwrap_or(true)
                    })
            }
            // R2.5: the warning level only rises, up to 3.
            Op::RaiseWarning => c.warning_level < 3,
            // R3.2: a registration is signed once.
            Op::AddSignature => !exists("SELECT EXISTS (SELECT 1 FROM complaints WHERE id = ?1 AND signature_status = 'signed')")?,
            // R7.6: a complaint enters the case library once.
            Op::AddCase => !exists("SELECT EXISTS (SELECT 1 FROM cases WHERE complaint_id = ?1)")?,
            _ => true,
        };
        if ok {
            out.push(op.name().to_string());
        }
    }
    Ok(out)
}

pub fn get_complaint(ctx: &Ctx, a: &GetArgs) -> Result<ComplaintDetail> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(None)?;
    if ctx.actor.role == Role::DeptHandler && c.department_id != ctx.actor.department_id {
        return Err(CoreError::Forbidden { op: "get_complaint".into(), role: ctx.actor.role });
    }
    let env = load::branch_env(ctx.conn, &c.branch_id, Some(&c.policy_code))?;
    let personal = auth::may_see_personal_data(ctx.actor.role);
    let mut d = ctx.conn.query_row(
        "SELECT c.customer_name, c.contact_phone, c.transfer_source, c.sub_category, c.description, c.households, c.registered_at,
                u.name, c.address, c.incident_at, c.incident_place, c.service_order_no, c.worker_id, w.name, c.expected_outcome,
                c.reply_method, dp.name, c.is_repeat, c.signature_status, c.signature_note, c.review_opinion, c.closed_at, c.close_reason
         FROM complaints c JOIN users u ON u.id = c.owner_id LEFT JOIN workers w ON w.id = c.worker_id
         LEFT JOIN departments dp ON dp.id = c.department_id WHERE c.id = ?1",
        params![c.id],
        |r| {
            let name: String = r.get(0)?;
            let phone: String = r.get(1)?;
            Ok(ComplaintDetail {
                id: c.id.clone(),
                number: c.number.clone(),
                branch_code: env.code.clone(),
                branch_name: env.name.clone(),
                branch_tz: env.tz.name().to_string(),
                stage: c.stage,
                customer_id: c.customer_id.clone(),
                customer_name: if personal { name } else { mask_name(&name) },
                contact_phone: if personal { phone } else { mask_phone(&phone) },
                phone_masked: !personal,
                tier: c.tier,
                nature: c.nature,
                major_reasons: c.major_reasons.clone(),
                channel: c.channel,
                transfer_source: r.get(2)?,
                category: c.category,
                sub_category: r.get(3)?,
                description: r.get(4)?,
                households: r.get(5)?,
                received_at: ts(c.received_at),
                registered_at: r.get(6)?,
                owner_id: c.owner_id.clone(),
                owner_name: r.get(7)?,
                address: if personal { r.get(8)? } else { String::new() },
                incident_at: r.get(9)?,
                incident_place: r.get(10)?,
                service_order_no: r.get(11)?,
                worker_id: r.get(12)?,
                worker_name: r.get(13)?,
                expected_outcome: r.get(14)?,
                reply_method: r.get(15)?,
                warning_level: c.warning_level,
                department_id: c.department_id.clone(),
                department_name: r.get(16)?,
                is_repeat: r.get(17)?,
                signature_status: r.get(18)?,
                signature_note: r.get(19)?,
                finding: c.finding.map(|f| f.as_str().to_string()),
                review_opinion: r.get(20)?,
                closed_at: r.get(21)?,
                close_reason: r.get(22)?,
                policy_code: c.policy_code.clone(),
                steps: Vec::new(),
                links: Vec::new(),
                records: Default::default(),
                allowed_actions: Vec::new(),
            })
        },
    )?;
    d.steps = steps::views(ctx.conn, &env, &c.id, ctx.now)?;
    d.links = links(ctx, &c.id)?;
    d.records = super::records::load(ctx, &c.id)?;
    if !personal {
        // R7.8: the signer is the customer; masked like the customer's name above.
        for sig in d.records.signatures.iter_mut() {
            sig.signer_name = mask_name(&sig.signer_name);
        }
    }
    if !personal {
        // R7.8: phones, ID-card numbers and addresses typed into the free texts are masked too.
        let known = crate::privacy::known_for(ctx.conn, &c.id)?;
        let m = |s: &mut String| {
            if let std::borrow::Cow::Owned(x) = crate::privacy::mask_text(s, &known) {
                *s = x;
            }
        };
        for f in [
            &mut d.description,
            &mut d.incident_place,
            &mut d.expected_outcome,
            &mut d.review_opinion,
            &mut d.signature_note,
            &mut d.close_reason,
        ] {
            m(f);
        }
        if let Some(t) = d.transfer_source.as_mut() {
            m(t);
        }
        crate::privacy::mask_typed(&mut d.records, &known)?;
    }
    d.allowed_actions = allowed_now(ctx, &c)?;
    if personal {
        ctx.event(Some(&c.id), "personal_data_viewed", json!({ "customer_id": c.customer_id, "via": "get_complaint" }))?;
    }
    Ok(d)
}

fn links(ctx: &Ctx, id: &str) -> Result<Vec<LinkView>> {
    let mut stmt = ctx.conn.prepare_cached(
        "SELECT l.kind, 'to', c.number, c.stage FROM complaint_links l JOIN complaints c ON c.id = l.to_id WHERE l.from_id = ?1
         UNION ALL
         SELECT l.kind, 'from', c.number, c.stage FROM complaint_links l JOIN complaints c ON c.id = l.from_id WHERE l.to_id = ?1",
    )?;
    let rows =
        stmt.query_map(params![id], |r| Ok(LinkView { kind: r.get(0)?, direction: r.get(1)?, number: r.get(2)?, stage: r.get(3)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn timeline(ctx: &Ctx, a: &GetArgs) -> Result<Vec<Event>> {
    let c = load::complaint(ctx.conn, &a.complaint)?;
    ctx.begin(None)?;
    if ctx.actor.role == Role::DeptHandler && c.department_id != ctx.actor.department_id {
        return Err(CoreError::Forbidden { op: "timeline".into(), role: ctx.actor.role });
    }
    let mut events = timeline::for_complaint(ctx.conn, &c.id)?;
    if !auth::may_see_personal_data(ctx.actor.role) {
        // R7.8: a signature event names the customer who signed; masked for roles without access.
        for e in events.iter_mut().filter(|e| e.kind == "signed") {
            if let Some(n) = e.data["signer"].as_str().map(mask_name) {
                e.data["signer"] = json!(n);
            }
        }
        // …and the texts recorded in the events (notes, findings, decisions) like the detail's.
        let known = crate::privacy::known_for(ctx.conn, &c.id)?;
        for e in events.iter_mut() {
            crate::privacy::mask_json(&mut e.data, &known);
        }
    }
    Ok(events)
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EscalationRow {
    pub number: String,
    pub stage: Stage,
    pub nature: Nature,
    pub warning_level: u8,
    pub received_at: String,
    pub major_reported: bool,
    /// Level → who acknowledged it, in chain order (R3.8).
    pub acknowledgements: Vec<(String, Option<String>)>,
}

/// R3.8: open major complaints and warning levels 2–3 with who acknowledged.
pub fn escalations(ctx: &Ctx) -> Result<Vec<EscalationRow>> {
    ctx.begin(None)?;
    let mut stmt = ctx.conn.prepare_cached(
        "SELECT id, number, stage, nature, warning_level, received_at,
                EXISTS (SELECT 1 FROM major_reports m WHERE m.complaint_id = c.id)
         FROM complaints c WHERE (nature = 'major' OR warning_level >= 2)
           AND stage NOT IN ('closed','not_accepted','cancelled')
         ORDER BY warning_level DESC, received_at LIMIT 1000",
    )?;
    let rows: Vec<(String, EscalationRow)> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                EscalationRow {
                    number: r.get(1)?,
                    stage: r.get(2)?,
                    nature: r.get(3)?,
                    warning_level: r.get(4)?,
                    received_at: r.get(5)?,
                    major_reported: r.get(6)?,
                    acknowledgements: Vec::new(),
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(rows.len());
    let mut ack = ctx.conn.prepare_cached(
        "SELECT u.name FROM escalation_acks a JOIN users u ON u.id = a.acked_by WHERE a.complaint_id = ?1 AND a.level = ?2",
    )?;
    for (id, mut row) in rows {
        for level in crate::model::EscalationLevel::ALL {
            let who: Option<String> = ack.query_row(params![id, level], |r| r.get(0)).optional()?;
            row.acknowledgements.push((level.as_str().to_string(), who));
        }
        out.push(row);
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CasesArgs {
    pub text: Option<String>,
}

/// An entry of the case library as the training screen lists it (R7.6); its texts are masked
/// for everyone.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CaseRow {
    pub id: String,
    /// The complaint's number.
    pub number: String,
    pub title: String,
    pub analysis: String,
    pub lessons: String,
    /// The category code as stored.
    pub category: String,
    pub sub_category: String,
    pub description: String,
    pub added_at: String,
}

/// R7.6: the case library, searchable, with customer data anonymised.
pub fn cases(ctx: &Ctx, a: &CasesArgs) -> Result<Vec<CaseRow>> {
    ctx.begin(None)?;
    let like = format!("%{}%", a.text.as_deref().unwrap_or("").trim());
    let mut stmt = ctx.conn.prepare_cached(
        "SELECT k.id, c.number, k.title, k.analysis, k.lessons, c.category, c.sub_category, c.description, k.added_at, c.id
         FROM cases k JOIN complaints c ON c.id = k.complaint_id
         WHERE k.title LIKE ?1 OR k.analysis LIKE ?1 OR k.lessons LIKE ?1 OR c.description LIKE ?1
         ORDER BY k.added_at DESC LIMIT 500",
    )?;
    let rows = stmt.query_map(params![like], |r| {
        Ok((
            r.get::<_, String>(9)?,
            CaseRow {
                id: r.get(0)?,
                number: r.get(1)?,
                title: r.get(2)?,
                analysis: r.get(3)?,
                lessons: r.get(4)?,
                category: r.get(5)?,
                sub_category: r.get(6)?,
                description: r.get(7)?,
                added_at: r.get(8)?,
            },
        ))
    })?;
    let found: Vec<(String, CaseRow)> = rows.collect::<rusqlite::Result<_>>()?;
    // R7.6 / R7.8: a case is for training, whoever reads it: the customer's data typed into its
    // texts is masked for everyone.
    let mut out = Vec::with_capacity(found.len());
    for (complaint_id, mut case) in found {
        let known = crate::privacy::known_for(ctx.conn, &complaint_id)?;
        crate::privacy::mask_typed(&mut case, &known)?;
        out.push(case);
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveViewArgs {
    pub name: String,
    pub filter: SearchFilter,
}

/// The name a view was saved under (trimmed), for the picker to select it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ViewSaved {
    pub name: String,
}

/// A saved view (R7.10). `filter` is null only if what was stored no longer reads as a filter
/// (a field this version does not know), rather than failing the whole list.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SavedView {
    pub name: String,
    pub filter: Option<SearchFilter>,
}

/// R7.10: named views, per user; saving under an existing name replaces it.
pub fn save_view(ctx: &Ctx, a: &SaveViewArgs) -> Result<ViewSaved> {
    ctx.begin(None)?;
    let name = text("name", &a.name, true, 100)?;
    let json = serde_json::to_string(&a.filter).map_err(|e| CoreError::BadArguments(e.to_string()))?;
    ctx.conn.execute(
        "INSERT INTO saved_views (id, user_id, name, filter_json, created_at) VALUES (?1,?2,?3,?4,?5)
         ON CONFLICT (user_id, name) DO UPDATE SET filter_json = excluded.filter_json",
        params![new_id(), ctx.actor.id, name, json, ts(ctx.now)],
    )?;
    Ok(ViewSaved { name })
}

pub fn list_views(ctx: &Ctx) -> Result<Vec<SavedView>> {
    ctx.begin(None)?;
    let mut stmt = ctx.conn.prepare_cached("SELECT name, filter_json FROM saved_views WHERE user_id = ?1 ORDER BY name")?;
    let rows = stmt.query_map(params![ctx.actor.id], |r| {
        let f: String = r.get(1)?;
        Ok(SavedView { name: r.get(0)?, filter: serde_json::from_str(&f).ok() })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SignatureCheck {
    pub signature_id: String,
    pub complaint_number: String,
    pub purpose: String,
    pub digest: String,
    /// The stored digest matches the stored content and strokes.
    pub digest_ok: bool,
    /// For a registration signature: the complaint's current fields still equal what was signed.
    pub content_matches_record: bool,
}

#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct VerifySignaturesArgs {
    pub complaint: Option<String>,
}

/// R7.11: recomputes every signature digest (of one complaint, or all).
pub fn verify_signatures(ctx: &Ctx, a: &VerifySignaturesArgs) -> Result<Vec<SignatureCheck>> {
    ctx.begin(None)?;
    let only = match &a.complaint {
        Some(k) => Some(load::complaint(ctx.conn, k)?.id),
        None => None,
    };
    check_signatures(ctx.conn, only.as_deref())
}

pub fn check_signatures(conn: &rusqlite::Connection, only: Option<&str>) -> Result<Vec<SignatureCheck>> {
    let mut stmt = conn.prepare(
        "SELECT s.id, c.id, c.number, s.purpose, s.content_json, s.strokes_json, s.digest FROM signatures s
         JOIN complaints c ON c.id = s.complaint_id WHERE ?1 IS NULL OR s.complaint_id = ?1 ORDER BY s.rowid",
    )?;
    let rows: Vec<(String, String, String, String, String, String, String)> = stmt
        .query_map(params![only], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (sid, cid, number, purpose, content, strokes, digest) in rows {
        let digest_ok = crate::signature::digest(&content, &strokes) == digest;
        let content_matches_record = if purpose == "registration" {
            // Every field of the registration as recorded now must equal what was signed. Fields
            // an older version also put in the signed content (the classification) are not
            // compared: they are the staff's to correct, not the customer's statement.
            let now = super::intake::registration_content(conn, &cid)?;
            let signed: Value = serde_json::from_str(&content).unwrap_or(Value::Null);
            now.as_object().is_some_and(|fields| fields.iter().all(|(k, v)| signed.get(k) == Some(v)))
        } else {
            true
        };
        out.push(SignatureCheck { signature_id: sid, complaint_number: number, purpose, digest, digest_ok, content_matches_record });
    }
    Ok(out)
}

pub use crate::clock::local;

/// A board card from a row selected with the board's column list (id, number, stage,
/// customer_name, contact_phone, category, sub_category, nature, tier, warning_level, is_repeat,
/// owner name, department name, received_at, next_due_at, next_soon_at, summary) — shared by the
/// board and the report's drill-down lists so both mask and rank the same way (R4.6, R7.8).
pub(crate) fn card_from_row(r: &rusqlite::Row<'_>, now: DateTime<Utc>, personal: bool) -> rusqlite::Result<ComplaintCard> {
    let c = card_ref(r, now, personal)?;
    Ok(ComplaintCard {
        id: c.id.to_string(),
        number: c.number.to_string(),
        stage: c.stage,
        customer_name: c.customer_name.into_owned(),
        phone_masked: c.phone_masked,
        category: c.category,
        sub_category: c.sub_category.to_string(),
        nature: c.nature,
        tier: c.tier,
        warning_level: c.warning_level,
        is_repeat: c.is_repeat,
        owner_name: c.owner_name.to_string(),
        department_name: c.department_name.map(str::to_string),
        received_at: c.received_at.to_string(),
        next_due_at: c.next_due_at.map(str::to_string),
        next_soon_at: c.next_soon_at.map(str::to_string),
        urgency: c.urgency,
        summary: c.summary.into_owned(),
    })
}

/// A card borrowing its text from the row: the same fields, in the same order, as
/// `ComplaintCard`, so both serialise to the same JSON.
#[derive(Serialize)]
pub(crate) struct CardRef<'a> {
    id: &'a str,
    number: &'a str,
    stage: Stage,
    customer_name: std::borrow::Cow<'a, str>,
    phone_masked: String,
    category: Category,
    sub_category: &'a str,
    nature: Nature,
    tier: Tier,
    warning_level: u8,
    is_repeat: bool,
    owner_name: &'a str,
    department_name: Option<&'a str>,
    received_at: &'a str,
    next_due_at: Option<&'a str>,
    next_soon_at: Option<&'a str>,
    urgency: Option<Urgency>,
    summary: std::borrow::Cow<'a, str>,
}

/// Characters of the description a card shows.
const SUMMARY_CHARS: usize = 60;

/// A card's summary: the description's start, with personal data masked for roles without access
/// (R7.8). The row holds 20 characters more than shown, so a phone or address crossing the cut
/// is masked whole before the cut, never shown in part.
fn summary<'a>(text: &'a str, name: &str, phone: &str, personal: bool) -> std::borrow::Cow<'a, str> {
    use std::borrow::Cow;
    let cut = |s: &str| s.char_indices().nth(SUMMARY_CHARS).map_or(s.len(), |(i, _)| i);
    if personal {
        return Cow::Borrowed(&text[..cut(text)]);
    }
    match crate::privacy::mask_text(text, &crate::privacy::Known::new(&[name], &[phone], &[])) {
        Cow::Borrowed(t) => Cow::Borrowed(&t[..cut(t)]),
        Cow::Owned(mut t) => {
            t.truncate(cut(&t));
            Cow::Owned(t)
        }
    }
}

/// Reads a card from a row of `CARD_COLUMNS` (R7.8: the name masked for roles without access,
/// the phone always masked in lists).
pub(crate) fn card_ref<'a>(r: &'a rusqlite::Row<'_>, now: DateTime<Utc>, personal: bool) -> rusqlite::Result<CardRef<'a>> {
    let text = |i: usize| -> rusqlite::Result<&'a str> {
        r.get_ref(i)?.as_str().map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
    };
    let opt = |i: usize| -> rusqlite::Result<Option<&'a str>> {
        r.get_ref(i)?.as_str_or_null().map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
    };
    let name = text(3)?;
    let due = opt(14)?;
    let soon = opt(15)?;
    let urgency = due.map(|d| {
        if now >= crate::clock::fast_ts(d) {
            Urgency::Overdue
        } else if soon.is_some_and(|s| now >= crate::clock::fast_ts(s)) {
            Urgency::DueSoon
        } else {
            Urgency::OnTime
        }
    });
    Ok(CardRef {
        id: text(0)?,
        number: text(1)?,
        stage: r.get(2)?,
        customer_name: if personal { std::borrow::Cow::Borrowed(name) } else { std::borrow::Cow::Owned(mask_name(name)) },
        phone_masked: mask_phone(text(4)?),
        category: r.get(5)?,
        sub_category: text(6)?,
        nature: r.get(7)?,
        tier: r.get(8)?,
        warning_level: r.get(9)?,
        is_repeat: r.get(10)?,
        owner_name: text(11)?,
        department_name: opt(12)?,
        received_at: text(13)?,
        next_due_at: due,
        next_soon_at: soon,
        urgency,
        summary: summary(text(16)?, name, text(4)?, personal),
    })
}
