//! 不予受理告知书: the printable notice a customer gets when a complaint is not accepted, stating
//! which of the four permitted reasons applies (R3.4).

use super::layout::{Canvas, INK, MUTED};
use super::Doc;
use crate::error::{CoreError, Result};

pub fn draw(c: &mut Canvas, d: &Doc) -> Result<()> {
    let t = d.t;
    let x = &d.data.detail;
    let na = d.data.not_accepted.as_ref().ok_or_else(|| CoreError::precondition("R3.4", "document_needs_not_accepted"))?;
    let date = d.data.local(&x.received_at);
    let date = date.split(' ').next().unwrap_or(&date).to_string();

    c.gap(4.0);
    c.paragraph(&t.dear.replace("{name}", &x.customer_name), 11.0, 0.0, INK);
    c.gap(4.0);
    let intro = t.na_intro.replace("{date}", &date).replace("{channel}", t.channel(x.channel)).replace("{number}", &x.number);
    c.paragraph(&intro, 10.5, 0.0, INK);
    c.gap(4.0);
    c.paragraph(&x.description, 10.0, 18.0, MUTED);
    c.gap(8.0);
    c.paragraph(t.na_decision, 10.5, 0.0, INK);

    let (short, explained) = t.not_accepted(na.reason);
    c.section(t.na_reason);
    c.ensure(20.0);
    let y = c.y;
    c.text_bold(c.left, y + 11.0, short, 11.0, INK);
    c.y = y + 18.0;
    c.paragraph(explained, 10.0, 0.0, INK);
    if !na.note.trim().is_empty() {
        c.gap(4.0);
        c.fields(&[(t.na_note, &na.note, 1.0)], t.continued);
    }
    c.gap(6.0);
    c.fields(&[(t.received_at, &d.data.local(&x.received_at), 0.5), (t.channel, t.channel(x.channel), 0.5)], t.continued);
    c.fields(&[(t.decided_at, &d.data.local(&na.at), 0.5), (t.handled_by, &na.by, 0.5)], t.continued);
    c.gap(10.0);
    c.paragraph(t.na_closing, 9.5, 0.0, MUTED);
    c.gap(14.0);
    c.sign_lines(&[(t.handled_by, &na.by), (t.customer_ack, "")], t.date);
    // The branch, right-aligned, where the seal goes.
    c.ensure(40.0);
    let name = d.data.branch.name.clone();
    let w = c.font.width(&name, 10.5);
    let y = c.y + 24.0;
    c.text(c.right - w, y, &name, 10.5, INK);
    let when = d.data.local(&na.at);
    let when = when.split(' ').next().unwrap_or(&when).to_string();
    let ww = c.font.width(&when, 10.0);
    c.text(c.right - ww, y + 16.0, &when, 10.0, INK);
    c.y = y + 24.0;
    Ok(())
}
