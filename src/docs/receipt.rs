//! 投诉登记回执: what the customer gets at registration (R3.1, R3.2) with the deadlines promised
//! (R4.2, R4.3, in the branch's local time) and the tamper-evidence block (R7.11).

use super::layout::{Canvas, MUTED};
use super::{parts, Doc};
use crate::auth::mask_phone;
use crate::error::Result;
use crate::model::StepKind;

/// Draws the receipt; returns the QR payload.
pub fn draw(c: &mut Canvas, d: &Doc) -> Result<String> {
    let t = d.t;
    let x = &d.data.detail;
    let cont = t.continued;
    let category = if x.sub_category.trim().is_empty() {
        t.category(x.category).to_string()
    } else {
        format!("{} · {}", t.category(x.category), x.sub_category)
    };
    c.section(t.section_complaint);
    c.fields(&[(t.received_at, &d.data.local(&x.received_at), 0.5), (t.channel, t.channel(x.channel), 0.5)], cont);
    c.fields(&[(t.customer_name, &x.customer_name, 0.5), (t.contact_phone, &mask_phone(&x.contact_phone), 0.5)], cont);
    c.fields(
        &[(t.category, &category, 0.5), (t.registered_by, &format!("{}  {}", x.owner_name, d.data.local(&x.registered_at)), 0.5)],
        cont,
    );
    c.fields(&[(t.description, &x.description, 1.0)], cont);
    c.fields(&[(t.expected_outcome, &x.expected_outcome, 1.0)], cont);

    c.section(t.section_deadlines);
    let due = |k: StepKind| d.data.due_of(k).map(|s| d.data.local(s)).unwrap_or_else(|| "—".into());
    c.fields(&[(t.stage_reply_by, &due(StepKind::StageReply), 0.5), (t.final_by, &due(StepKind::FinalHandling), 0.5)], cont);
    c.gap(4.0);
    c.paragraph(&t.deadline_note.replace("{tz}", &x.branch_tz), 8.5, 0.0, MUTED);

    c.section(t.section_signature);
    let sig = d.data.registration_signature();
    let missing = t.signature_not_obtained.replace("{channel}", t.channel(x.channel));
    let reason = match sig {
        None if !x.signature_note.trim().is_empty() => Some(d.kv(t.missing_reason, x.signature_note.trim())),
        _ => None,
    };
    let payload = parts::evidence(c, d, sig, &missing, reason.as_deref())?;

    c.gap(6.0);
    let phone = d.data.branch.phone.trim();
    let note = if phone.is_empty() { t.receipt_keep.to_string() } else { t.receipt_call.replace("{phone}", phone) };
    c.paragraph(&note, 9.0, 0.0, MUTED);
    Ok(payload)
}
