//! 投诉转办单: the sheet that goes with a complaint to the responsible department (R5.1): the
//! complaint in short, the dispatch note, the deadline, earlier dispatches (returns, transfers,
//! R5.2) and lines for the department to sign for receiving and handling it. The customer's name
//! and phone are masked whoever prints it: the sheet is for the department (R7.8), and so are the
//! phones, ID-card numbers and addresses typed into its texts (`privacy::mask_text`).

use super::layout::Canvas;
use super::Doc;
use crate::auth::{mask_name, mask_phone};
use crate::error::{CoreError, Result};

pub fn draw(c: &mut Canvas, d: &Doc) -> Result<()> {
    let t = d.t;
    let x = &d.data.detail;
    let cont = t.continued;
    let known = crate::privacy::Known::new(&[&x.customer_name], &[&x.contact_phone], &[&x.address]);
    let m = |s: &str| crate::privacy::mask_text(s, &known).into_owned();
    let current = d.data.dispatches.last().ok_or_else(|| CoreError::precondition("R5.1", "document_needs_dispatch"))?;

    c.section(t.section_complaint);
    c.fields(&[(t.received_at, &d.data.local(&x.received_at), 0.5), (t.channel, t.channel(x.channel), 0.5)], cont);
    // The sheet goes to the department, which does not see personal data (R7.8).
    c.fields(&[(t.customer_name, &mask_name(&x.customer_name), 0.5), (t.contact_phone, &mask_phone(&x.contact_phone), 0.5)], cont);
    let category = if x.sub_category.trim().is_empty() {
        t.category(x.category).to_string()
    } else {
        format!("{} · {}", t.category(x.category), x.sub_category)
    };
    let nature = format!("{} · {} · {} {}", t.nature(x.nature), t.tier(x.tier), t.warning_level, x.warning_level);
    c.fields(&[(t.category, &category, 0.5), (t.nature, &nature, 0.5)], cont);
    let incident = [x.incident_at.as_deref().map(|s| d.data.local(s)).unwrap_or_default(), m(&x.incident_place)]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    c.fields(
        &[
            (t.service_order, &x.service_order_no, 0.34),
            (t.worker, x.worker_name.as_deref().unwrap_or(""), 0.26),
            (t.incident, &incident, 0.4),
        ],
        cont,
    );
    c.fields(&[(t.description, &m(&x.description), 1.0)], cont);
    if !x.expected_outcome.trim().is_empty() {
        c.fields(&[(t.expected_outcome, &m(&x.expected_outcome), 1.0)], cont);
    }

    c.section(t.section_dispatch);
    c.fields(&[(t.department, &current.department, 0.5), (t.assignee, current.assignee.as_deref().unwrap_or(""), 0.5)], cont);
    c.fields(
        &[
            (t.dispatch_kind, t.dispatch_kind(&current.kind), 0.25),
            (t.dispatched_at, &d.data.local(&current.dispatched_at), 0.25),
            (t.dispatched_by, &current.dispatched_by, 0.2),
            (t.due, &d.data.local(&current.due_at), 0.3),
        ],
        cont,
    );
    c.fields(&[(t.dispatch_note, &m(&current.note), 1.0)], cont);

    if d.data.dispatches.len() > 1 {
        c.section(t.history);
        let rows: Vec<Vec<String>> = d
            .data
            .dispatches
            .iter()
            .map(|h| {
                let outcome = if h.outcome_reason.trim().is_empty() {
                    t.outcome(h.outcome.as_deref()).to_string()
                } else {
                    d.kv(t.outcome(h.outcome.as_deref()), &m(&h.outcome_reason))
                };
                vec![d.data.local(&h.dispatched_at), t.dispatch_kind(&h.kind).to_string(), h.department.clone(), m(&h.note), outcome]
            })
            .collect();
        c.table(&[t.dispatched_at, t.dispatch_kind, t.department, t.dispatch_note, t.outcome_label], &[0.2, 0.12, 0.18, 0.3, 0.2], &rows);
    }

    c.section(t.section_dept_handling);
    c.sign_lines(&[(t.received_by, "")], t.date);
    c.writing_lines(t.handling_lines, 6);
    c.sign_lines(&[(t.handled_sign, ""), (t.dept_head, "")], t.date);
    Ok(())
}
