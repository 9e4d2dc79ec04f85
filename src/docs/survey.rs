//! 满意度调查表: the follow-up survey (R6.1) — blank, to fill in on paper at a visit, or filled
//! with the recorded answers, the visit's method and the customer's signature when on site.

use super::layout::{Canvas, INK, MUTED, RULE, SHADE};
use super::{parts, Doc};
use crate::auth::mask_phone;
use crate::error::{CoreError, Result};
use crate::model::{Satisfaction, SurveyMethod};

/// Draws the survey form; `filled` prints the latest recorded survey. Returns the QR payload
/// when the customer signed the survey.
pub fn draw(c: &mut Canvas, d: &Doc, filled: bool) -> Result<Option<String>> {
    let t = d.t;
    let x = &d.data.detail;
    let cont = t.continued;
    let survey =
        if filled { Some(d.data.survey.as_ref().ok_or_else(|| CoreError::precondition("R6.1", "document_needs_survey"))?) } else { None };

    c.section(t.section_complaint);
    c.fields(&[(t.customer_name, &x.customer_name, 0.5), (t.contact_phone, &mask_phone(&x.contact_phone), 0.5)], cont);
    let dept = d.data.dispatches.last().map(|d| d.department.clone()).or(x.department_name.clone()).unwrap_or_default();
    c.fields(&[(t.received_at, &d.data.local(&x.received_at), 0.5), (t.department, &dept, 0.5)], cont);
    if let Some(dec) = &d.data.decision {
        c.fields(&[(t.solution, &dec.text, 1.0)], cont);
    }
    // What was done (R5.5) is what the customer rates.
    if let Some(i) = &d.data.implementation {
        c.fields(&[(t.actions, &i.actions, 0.7), (t.done_at, &d.data.local(&i.done_at), 0.3)], cont);
    }

    if !filled {
        c.gap(6.0);
        c.paragraph(t.survey_intro, 9.5, 0.0, MUTED);
    }
    c.section(t.section_aspects);
    let rows: [(&str, Option<Satisfaction>); 4] = [
        (t.section_overall, survey.map(|s| s.overall)),
        (t.speed, survey.and_then(|s| s.speed)),
        (t.attitude, survey.and_then(|s| s.attitude)),
        (t.result, survey.and_then(|s| s.result)),
    ];
    grid(c, d, &rows);

    c.gap(4.0);
    c.ensure(24.0);
    let y = c.y;
    c.text(c.left, y + 11.0, t.method, 9.0, MUTED);
    let mut bx = c.left + c.font.width(t.method, 9.0) + 14.0;
    for m in SurveyMethod::ALL {
        let label = t.survey_method(*m);
        c.checkbox(bx, y + 2.0, 10.0, survey.map(|s| s.method) == Some(*m));
        c.text(bx + 15.0, y + 11.0, label, 10.5, INK);
        bx += 15.0 + c.font.width(label, 10.5) + 26.0;
    }
    c.y = y + 24.0;

    match survey {
        Some(s) => {
            c.fields(&[(t.comment, &s.comment, 1.0)], cont);
            c.fields(&[(t.surveyed_by, &s.surveyed_by, 0.5), (t.surveyed_at, &d.data.local(&s.surveyed_at), 0.5)], cont);
            let sig = d.data.signature(s.signature_id.as_deref());
            if sig.is_some() {
                c.section(t.customer_sign);
                return Ok(Some(parts::evidence(c, d, sig, t.signature_pending, None)?));
            }
            Ok(None)
        }
        None => {
            c.writing_lines(t.comment, 4);
            c.gap(4.0);
            c.sign_lines(&[(t.surveyed_by, ""), (t.customer_sign, "")], t.date);
            Ok(None)
        }
    }
}

/// The rating grid: one row per aspect, one column per satisfaction level (best first).
fn grid(c: &mut Canvas, d: &Doc, rows: &[(&str, Option<Satisfaction>)]) {
    let t = d.t;
    let label_w = c.width() * 0.24;
    let col_w = (c.width() - label_w) / Satisfaction::ALL.len() as f32;
    let heads: Vec<Vec<String>> = Satisfaction::ALL.iter().map(|s| c.wrap(t.satisfaction(*s), 8.5, col_w - 6.0)).collect();
    let head_h = heads.iter().map(Vec::len).max().unwrap_or(1) as f32 * 12.0 + 10.0;
    let row_h = 26.0;
    c.ensure(head_h + row_h * rows.len() as f32 + 4.0);
    let y0 = c.y;
    c.fill_rect(c.left, y0, c.width(), head_h, SHADE);
    c.text(c.left + 6.0, y0 + (head_h - 12.0) / 2.0 + 8.5, t.aspect, 8.5, MUTED);
    for (i, lines) in heads.iter().enumerate() {
        let cx = c.left + label_w + col_w * i as f32;
        let top = y0 + (head_h - lines.len() as f32 * 12.0) / 2.0 + 8.5;
        for (j, l) in lines.iter().enumerate() {
            let w = c.font.width(l, 8.5);
            c.text(cx + (col_w - w) / 2.0, top + j as f32 * 12.0, l, 8.5, MUTED);
        }
    }
    c.line(c.left, y0, c.right, y0, 0.6, INK);
    let mut y = y0 + head_h;
    c.line(c.left, y, c.right, y, 0.4, RULE);
    for (label, chosen) in rows {
        c.text(c.left + 6.0, y + row_h / 2.0 + 4.0, label, 10.0, INK);
        for (i, s) in Satisfaction::ALL.iter().enumerate() {
            let cx = c.left + label_w + col_w * i as f32 + col_w / 2.0;
            c.checkbox(cx - 5.5, y + row_h / 2.0 - 5.5, 11.0, *chosen == Some(*s));
        }
        y += row_h;
        c.line(c.left, y, c.right, y, 0.4, RULE);
    }
    c.y = y + 4.0;
}
