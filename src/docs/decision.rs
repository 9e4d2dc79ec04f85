//! 书面处理意见: the written handling decision (R5.6) — the department's findings and cause (R5.3),
//! the solution that is everything the customer is promised, compensation and apology (R5.5), and
//! the customer's decision with their signature (R5.4), or boxes and a line to sign on paper.

use super::layout::{Canvas, INK, MUTED};
use super::{parts, Doc};
use crate::error::{CoreError, Result};

/// Draws the decision; returns the QR payload when the customer signed their decision.
pub fn draw(c: &mut Canvas, d: &Doc) -> Result<Option<String>> {
    let t = d.t;
    let x = &d.data.detail;
    let cont = t.continued;
    let decision = d.data.decision.as_ref().ok_or_else(|| CoreError::precondition("R5.6", "no_written_decision"))?;

    c.section(t.section_complaint);
    c.fields(&[(t.received_at, &d.data.local(&x.received_at), 0.5), (t.customer_name, &x.customer_name, 0.5)], cont);
    let category = if x.sub_category.trim().is_empty() {
        t.category(x.category).to_string()
    } else {
        format!("{} · {}", t.category(x.category), x.sub_category)
    };
    let dept = d.data.dispatches.last().map(|d| d.department.clone()).or(x.department_name.clone()).unwrap_or_default();
    c.fields(&[(t.category, &category, 0.5), (t.department, &dept, 0.5)], cont);
    c.fields(&[(t.description, &x.description, 1.0)], cont);

    c.section(t.section_findings);
    if let Some(h) = &d.data.handling {
        c.fields(
            &[
                (t.finding, t.finding(h.finding), 0.5),
                (t.proposed_by, &format!("{}  {}", decision.proposed_by, d.data.local(&decision.proposed_at)), 0.5),
            ],
            cont,
        );
        if !h.root_cause.trim().is_empty() {
            c.fields(&[(t.root_cause, &h.root_cause, 1.0)], cont);
        }
    }
    c.fields(&[(t.solution, &decision.text, 1.0)], cont);
    c.gap(4.0);
    c.paragraph(t.decision_promise, 9.5, 0.0, INK);

    c.section(t.section_compensation);
    if d.data.compensations.is_empty() {
        c.paragraph(t.none, 10.0, 0.0, MUTED);
    } else {
        let rows: Vec<Vec<String>> = d
            .data
            .compensations
            .iter()
            .map(|k| {
                let amount = if k.amount_cents > 0 { d.money(k.amount_cents) } else { "—".into() };
                vec![t.compensation(k.kind).to_string(), amount, k.note.clone()]
            })
            .collect();
        c.table(&[t.compensation_kind, t.amount, t.na_note], &[0.3, 0.18, 0.52], &rows);
    }
    c.section(t.section_customer);
    c.ensure(24.0);
    let y = c.y;
    let mut bx = c.left;
    for (label, checked) in [(t.agree, decision.agreed == Some(true)), (t.disagree, decision.agreed == Some(false))] {
        c.checkbox(bx, y + 2.0, 10.0, checked);
        c.text(bx + 15.0, y + 11.0, label, 10.5, INK);
        bx += 15.0 + c.font.width(label, 10.5) + 28.0;
    }
    let state = match (&decision.agreed, &decision.answered_at) {
        (Some(_), Some(at)) => d.kv(t.answered_at, &d.data.local(at)),
        _ => t.pending.to_string(),
    };
    c.text(bx + 10.0, y + 11.0, &state, 9.0, MUTED);
    c.y = y + 22.0;
    if !decision.objection.trim().is_empty() {
        c.fields(&[(t.objection, &decision.objection, 1.0)], cont);
    } else if decision.agreed.is_none() {
        c.writing_lines(t.objection, 2);
    }
    let sig = d.data.signature(decision.signature_id.as_deref());
    if sig.is_some() {
        c.gap(4.0);
        return Ok(Some(parts::evidence(c, d, sig, t.signature_pending, None)?));
    }
    c.gap(6.0);
    c.sign_lines(&[(t.customer_sign, ""), (t.handled_by, &decision.proposed_by)], t.date);
    Ok(None)
}
