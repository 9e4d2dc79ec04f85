//! A small page builder over printpdf's operations: positioned text in the built-in font, rules,
//! boxes, check boxes, signature strokes and a QR code, with a cursor that flows down the page and
//! breaks onto a new page (the header repeated) when the content does not fit.
//!
//! Coordinates here run from the top-left corner in points; printpdf's bottom-left origin is
//! applied only when an operation is emitted.

use printpdf::{
    Color, FontId, Greyscale, Line, LineCapStyle, LineJoinStyle, LinePoint, Mm, Op, PaintMode, PdfFontHandle, PdfPage, Point, Polygon,
    PolygonRing, Pt, Rect, TextItem, TextRenderingMode, WindingOrder, XObjectId, XObjectTransform,
};

use super::font::Font;
use super::text;

pub const MM: f32 = 72.0 / 25.4;

/// Paper sizes in millimetres.
#[derive(Debug, Clone, Copy)]
pub struct PageSize {
    pub w_mm: f32,
    pub h_mm: f32,
}

/// What the repeated page header shows.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub branch: String,
    pub contact: String,
    pub title: String,
    pub number_label: String,
    pub number: String,
    /// Shown after the title on the pages after the first: （续） / (continued).
    pub continued: String,
    pub logo: Option<Logo>,
}

/// An image placed in the header: its XObject, its size on the page, and the resolution that
/// gives that size (printpdf sizes an image by its pixels at a dpi).
#[derive(Debug, Clone)]
pub struct Logo {
    pub id: XObjectId,
    pub w: f32,
    pub h: f32,
    pub dpi: f32,
}

/// What the footer of every page shows (the page numbers are added at the end).
#[derive(Debug, Clone, Default)]
pub struct Footer {
    pub left: String,
    /// "第 {n} 页 / 共 {total} 页" with `{n}` and `{total}` replaced.
    pub page_of: String,
    /// A second, smaller line: the timeline's head when the document was made (see
    /// `store::anchors`), so that the paper pins the history it was printed from.
    pub anchor: String,
}

pub const INK: f32 = 0.0;
pub const MUTED: f32 = 0.38;
pub const RULE: f32 = 0.55;
pub const SHADE: f32 = 0.93;

pub struct Canvas<'f> {
    pub font: &'f Font,
    font_id: FontId,
    pub page_w: f32,
    pub page_h: f32,
    pub left: f32,
    pub right: f32,
    top: f32,
    bottom: f32,
    pages: Vec<Vec<Op>>,
    /// The page being drawn on.
    cur: usize,
    /// The cursor: the top of the next thing to draw.
    pub y: f32,
    pub header: Header,
    pub footer: Footer,
    /// Tighter spacing for small paper (A5).
    pub dense: bool,
}

fn grey(v: f32) -> Color {
    Color::Greyscale(Greyscale { percent: v, icc_profile: None })
}

impl<'f> Canvas<'f> {
    pub fn new(font: &'f Font, font_id: FontId, size: PageSize, header: Header, footer: Footer) -> Canvas<'f> {
        let page_w = size.w_mm * MM;
        let page_h = size.h_mm * MM;
        let margin = if size.w_mm < 180.0 { 13.0 * MM } else { 18.0 * MM };
        let mut c = Canvas {
            font,
            font_id,
            page_w,
            page_h,
            left: margin,
            right: page_w - margin,
            top: margin * 0.8,
            bottom: page_h - margin * 0.8 - 16.0,
            pages: Vec::new(),
            cur: 0,
            y: 0.0,
            header,
            footer,
            dense: size.w_mm < 180.0,
        };
        c.new_page();
        c
    }

    pub fn width(&self) -> f32 {
        self.right - self.left
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        &mut self.pages[self.cur]
    }

    fn pt(&self, x: f32, y: f32) -> Point {
        Point { x: Pt(x), y: Pt(self.page_h - y) }
    }

    /// Starts a new page and draws the header on it.
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.cur = self.pages.len() - 1;
        self.draw_header();
    }

    /// Room left on this page below the cursor.
    pub fn room(&self) -> f32 {
        self.bottom - self.y
    }

    /// Breaks the page unless `h` points still fit below the cursor.
    pub fn ensure(&mut self, h: f32) -> bool {
        if self.y + h > self.bottom {
            self.new_page();
            true
        } else {
            false
        }
    }

    pub fn gap(&mut self, h: f32) {
        self.y += h;
    }

    fn draw_header(&mut self) {
        let h = self.header.clone();
        let first = self.cur == 0;
        let top = self.top;
        let mut x = self.left;
        if let Some(logo) = &h.logo {
            self.image(logo, x, top);
            x += logo.w + 8.0;
        }
        let branch = fit(self.font, &h.branch, 13.0, self.right - x - 150.0);
        self.text_bold(x, top + 14.0, &branch, 13.0, INK);
        if !h.contact.is_empty() {
            let lines = text::wrap(&h.contact, self.right - x - 150.0, &|s| self.font.width(s, 8.0));
            for (i, l) in lines.iter().take(2).enumerate() {
                self.text(x, top + 27.0 + i as f32 * 10.0, l, 8.0, MUTED);
            }
        }
        if !h.number.is_empty() {
            let label_w = self.font.width(&h.number_label, 8.0);
            self.text(self.right - label_w, top + 10.0, &h.number_label, 8.0, MUTED);
            let w = self.font.width(&h.number, 11.0);
            self.text_bold(self.right - w, top + 25.0, &h.number, 11.0, INK);
        }
        let logo_h = h.logo.as_ref().map(|l| l.h + 4.0).unwrap_or(0.0);
        let rule_y = top + logo_h.max(if self.dense { 38.0 } else { 44.0 });
        self.line(self.left, rule_y, self.right, rule_y, 1.2, INK);
        self.line(self.left, rule_y + 2.2, self.right, rule_y + 2.2, 0.4, INK);
        let title = if first { h.title.clone() } else { format!("{}{}", h.title, h.continued) };
        let size = if self.dense { 15.0 } else { 17.0 };
        let tw = self.font.width(&title, size);
        let tx = self.left + ((self.width() - tw) / 2.0).max(0.0);
        self.text_bold(tx, rule_y + size + 12.0, &title, size, INK);
        self.y = rule_y + size + (if self.dense { 20.0 } else { 27.0 });
    }

    /// Adds the footers ("page n of N" needs the final count) and builds the pages.
    pub fn finish(mut self, size: PageSize) -> Vec<PdfPage> {
        let total = self.pages.len();
        let fy = self.page_h - self.top * 0.9;
        let f = self.footer.clone();
        for i in 0..total {
            self.cur = i;
            let page_of = f.page_of.replace("{n}", &(i + 1).to_string()).replace("{total}", &total.to_string());
            let pw = self.font.width(&page_of, 7.5);
            let (left, right) = (self.left, self.right);
            self.line(left, fy - 10.0, right, fy - 10.0, 0.4, RULE);
            let left_text = fit(self.font, &f.left, 7.5, right - left - pw - 12.0);
            self.text(left, fy, &left_text, 7.5, MUTED);
            self.text(right - pw, fy, &page_of, 7.5, MUTED);
            if !f.anchor.is_empty() {
                let anchor = fit(self.font, &f.anchor, 6.5, right - left);
                self.text(left, fy + 9.0, &anchor, 6.5, MUTED);
            }
        }
        self.pages.into_iter().map(|ops| PdfPage::new(Mm(size.w_mm), Mm(size.h_mm), ops)).collect()
    }

    // ---- primitives ---------------------------------------------------------------------

    /// One line of text with its baseline at `y`.
    pub fn text(&mut self, x: f32, y: f32, s: &str, size: f32, shade: f32) {
        if s.is_empty() {
            return;
        }
        let p = self.pt(x, y);
        let id = self.font_id.clone();
        let ops = self.ops();
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFillColor { col: grey(shade) });
        ops.push(Op::SetFont { font: PdfFontHandle::External(id), size: Pt(size) });
        ops.push(Op::SetTextCursor { pos: p });
        ops.push(Op::ShowText { items: vec![TextItem::Text(s.to_string())] });
        ops.push(Op::EndTextSection);
    }

    /// Bold by fill-and-stroke of the regular face (the document ships one font file).
    pub fn text_bold(&mut self, x: f32, y: f32, s: &str, size: f32, shade: f32) {
        if s.is_empty() {
            return;
        }
        let p = self.pt(x, y);
        let id = self.font_id.clone();
        let ops = self.ops();
        ops.push(Op::SaveGraphicsState);
        ops.push(Op::SetOutlineColor { col: grey(shade) });
        ops.push(Op::SetOutlineThickness { pt: Pt(size * 0.035) });
        ops.push(Op::StartTextSection);
        ops.push(Op::SetTextRenderingMode { mode: TextRenderingMode::FillStroke });
        ops.push(Op::SetFillColor { col: grey(shade) });
        ops.push(Op::SetFont { font: PdfFontHandle::External(id), size: Pt(size) });
        ops.push(Op::SetTextCursor { pos: p });
        ops.push(Op::ShowText { items: vec![TextItem::Text(s.to_string())] });
        ops.push(Op::EndTextSection);
        ops.push(Op::RestoreGraphicsState);
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, shade: f32) {
        let (a, b) = (self.pt(x1, y1), self.pt(x2, y2));
        let ops = self.ops();
        ops.push(Op::SetOutlineColor { col: grey(shade) });
        ops.push(Op::SetOutlineThickness { pt: Pt(width) });
        ops.push(Op::DrawLine {
            line: Line { points: vec![LinePoint { p: a, bezier: false }, LinePoint { p: b, bezier: false }], is_closed: false },
        });
    }

    pub fn dashed_line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, shade: f32) {
        // Short segments instead of a dash pattern: the state never leaks into later strokes.
        let mut x = x1;
        while x < x2 {
            let e = (x + 2.5).min(x2);
            self.line(x, y1, e, y2, 0.5, shade);
            x += 5.0;
        }
    }

    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, shade: f32) {
        let ops_y = self.page_h - y - h;
        let ops = self.ops();
        ops.push(Op::SetFillColor { col: grey(shade) });
        ops.push(Op::DrawRectangle {
            rectangle: Rect { x: Pt(x), y: Pt(ops_y), width: Pt(w), height: Pt(h), mode: Some(PaintMode::Fill), winding_order: None },
        });
    }

    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32, shade: f32) {
        let ops_y = self.page_h - y - h;
        let ops = self.ops();
        ops.push(Op::SetOutlineColor { col: grey(shade) });
        ops.push(Op::SetOutlineThickness { pt: Pt(width) });
        ops.push(Op::DrawRectangle {
            rectangle: Rect { x: Pt(x), y: Pt(ops_y), width: Pt(w), height: Pt(h), mode: Some(PaintMode::Stroke), winding_order: None },
        });
    }

    /// A check box whose top-left corner is at (x, y); a checked one gets a drawn tick.
    pub fn checkbox(&mut self, x: f32, y: f32, size: f32, checked: bool) {
        self.stroke_rect(x, y, size, size, 0.7, INK);
        if checked {
            let pts = [(0.18, 0.52), (0.42, 0.78), (0.86, 0.2)];
            let pts: Vec<LinePoint> =
                pts.iter().map(|(fx, fy)| LinePoint { p: self.pt(x + fx * size, y + fy * size), bezier: false }).collect();
            let ops = self.ops();
            ops.push(Op::SaveGraphicsState);
            ops.push(Op::SetLineCapStyle { cap: LineCapStyle::Round });
            ops.push(Op::SetLineJoinStyle { join: LineJoinStyle::Round });
            ops.push(Op::SetOutlineColor { col: grey(INK) });
            ops.push(Op::SetOutlineThickness { pt: Pt(size * 0.16) });
            ops.push(Op::DrawLine { line: Line { points: pts, is_closed: false } });
            ops.push(Op::RestoreGraphicsState);
        }
    }

    /// Places an image with its top-left corner at (x, y).
    pub fn image(&mut self, logo: &Logo, x: f32, y: f32) {
        let p = self.pt(x, y + logo.h);
        self.ops().push(Op::UseXobject {
            id: logo.id.clone(),
            transform: XObjectTransform { translate_x: Some(p.x), translate_y: Some(p.y), dpi: Some(logo.dpi), ..Default::default() },
        });
    }

    /// Filled polygons (one ring each), e.g. the dark modules of a QR code, in page coordinates.
    pub fn fill_rings(&mut self, rings: Vec<Vec<(f32, f32)>>, shade: f32) {
        if rings.is_empty() {
            return;
        }
        let rings = rings
            .into_iter()
            .map(|r| PolygonRing { points: r.into_iter().map(|(x, y)| LinePoint { p: self.pt(x, y), bezier: false }).collect() })
            .collect();
        let ops = self.ops();
        ops.push(Op::SetFillColor { col: grey(shade) });
        ops.push(Op::DrawPolygon { polygon: Polygon { rings, mode: PaintMode::Fill, winding_order: WindingOrder::NonZero } });
    }

    /// Pen strokes (polylines in page coordinates), drawn with round caps and joins.
    pub fn strokes(&mut self, strokes: Vec<Vec<(f32, f32)>>, width: f32) {
        let lines: Vec<Vec<LinePoint>> =
            strokes.into_iter().map(|s| s.into_iter().map(|(x, y)| LinePoint { p: self.pt(x, y), bezier: false }).collect()).collect();
        let ops = self.ops();
        ops.push(Op::SaveGraphicsState);
        ops.push(Op::SetLineCapStyle { cap: LineCapStyle::Round });
        ops.push(Op::SetLineJoinStyle { join: LineJoinStyle::Round });
        ops.push(Op::SetOutlineColor { col: grey(INK) });
        ops.push(Op::SetOutlineThickness { pt: Pt(width) });
        for points in lines {
            ops.push(Op::DrawLine { line: Line { points, is_closed: false } });
        }
        ops.push(Op::RestoreGraphicsState);
    }

    // ---- flowing content ----------------------------------------------------------------

    pub fn wrap(&self, s: &str, size: f32, width: f32) -> Vec<String> {
        text::wrap(s, width, &|t| self.font.width(t, size))
    }

    /// A section heading: a bar, the title, and a hairline to the right margin.
    pub fn section(&mut self, title: &str) {
        self.ensure(46.0);
        self.gap(if self.dense { 3.0 } else { 6.0 });
        let y = self.y;
        self.fill_rect(self.left, y, 3.0, 13.0, INK);
        self.text_bold(self.left + 8.0, y + 11.0, title, 11.0, INK);
        let tw = self.font.width(title, 11.0);
        self.line(self.left + 16.0 + tw, y + 7.0, self.right, y + 7.0, 0.4, RULE);
        self.y = y + if self.dense { 18.0 } else { 20.0 };
    }

    /// A paragraph at the cursor, `indent` from the left margin, flowing onto new pages.
    pub fn paragraph(&mut self, s: &str, size: f32, indent: f32, shade: f32) {
        let lh = size * 1.55;
        let lines = self.wrap(s, size, self.width() - indent);
        for l in lines {
            self.ensure(lh);
            let x = self.left + indent;
            let y = self.y + size;
            self.text(x, y, &l, size, shade);
            self.y += lh;
        }
    }

    /// A row of labelled fields side by side (label above value), column widths in fractions
    /// of the text width. Values wrap inside their column. A row taller than what is left on
    /// the page moves to the next one, except a single full-width field, which flows line by
    /// line over as many pages as it needs (the label repeated with "continued").
    pub fn fields(&mut self, fields: &[(&str, &str, f32)], continued: &str) {
        const LABEL: f32 = 8.0;
        let value_size = if self.dense { 10.0 } else { 10.5 };
        let lh = value_size * 1.5;
        let pad = 6.0;
        let total = self.width();
        let mut cols = Vec::new();
        let mut x = self.left;
        for (label, value, frac) in fields {
            let w = total * frac;
            let value = if value.trim().is_empty() { "—" } else { value };
            let lines = self.wrap(value, value_size, w - pad);
            cols.push((x, w, *label, lines));
            x += w;
        }
        let rows = cols.iter().map(|c| c.3.len()).max().unwrap_or(1) as f32;
        let height = 14.0 + rows * lh + 4.0;
        if fields.len() == 1 && height > self.room() {
            let (x, _, label, lines) = cols.into_iter().next().unwrap();
            if self.room() < 14.0 + 2.0 * lh {
                self.new_page();
            }
            let mut first = true;
            let mut i = 0;
            while i < lines.len() {
                let start = self.y;
                let l = if first { label.to_string() } else { format!("{label}{continued}") };
                self.text(x, start + 9.0, &l, LABEL, MUTED);
                let mut y = start + 14.0;
                while i < lines.len() && y + lh <= self.bottom {
                    self.text(x, y + value_size, &lines[i], value_size, INK);
                    y += lh;
                    i += 1;
                }
                self.y = y + 4.0;
                first = false;
                if i < lines.len() {
                    self.new_page();
                } else {
                    self.line(self.left, self.y, self.right, self.y, 0.3, RULE);
                }
            }
            return;
        }
        self.ensure(height);
        let start = self.y;
        for (x, _, label, lines) in &cols {
            self.text(*x, start + 9.0, label, LABEL, MUTED);
            for (i, l) in lines.iter().enumerate() {
                self.text(*x, start + 14.0 + i as f32 * lh + value_size, l, value_size, INK);
            }
        }
        self.y = start + height;
        self.line(self.left, self.y, self.right, self.y, 0.3, RULE);
    }

    /// A ruled table: a shaded header row, then rows of wrapped cells; the header is repeated
    /// when the table continues on a new page.
    pub fn table(&mut self, headers: &[&str], fracs: &[f32], rows: &[Vec<String>]) {
        const SIZE: f32 = 8.5;
        const LH: f32 = SIZE * 1.45;
        let pad = 4.0;
        let widths: Vec<f32> = fracs.iter().map(|f| f * self.width()).collect();
        let head_lines: Vec<Vec<String>> = headers.iter().zip(&widths).map(|(h, w)| self.wrap(h, SIZE, w - 2.0 * pad)).collect();
        let head_h = head_lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * LH + 2.0 * pad;
        let draw_head = |c: &mut Canvas| {
            let y = c.y;
            c.fill_rect(c.left, y, c.width(), head_h, SHADE);
            let mut x = c.left;
            for (lines, w) in head_lines.iter().zip(&widths) {
                for (i, l) in lines.iter().enumerate() {
                    c.text(x + pad, y + pad + SIZE + i as f32 * LH, l, SIZE, MUTED);
                }
                x += w;
            }
            c.line(c.left, y, c.right, y, 0.6, INK);
            c.line(c.left, y + head_h, c.right, y + head_h, 0.4, RULE);
            c.y = y + head_h;
        };
        self.ensure(head_h + LH + 2.0 * pad);
        draw_head(self);
        for row in rows {
            let cells: Vec<Vec<String>> = row.iter().zip(&widths).map(|(s, w)| self.wrap(s, SIZE, w - 2.0 * pad)).collect();
            let h = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * LH + 2.0 * pad;
            if self.ensure(h) {
                draw_head(self);
            }
            let y = self.y;
            let mut x = self.left;
            for (lines, w) in cells.iter().zip(&widths) {
                for (i, l) in lines.iter().enumerate() {
                    self.text(x + pad, y + pad + SIZE + i as f32 * LH, l, SIZE, INK);
                }
                x += w;
            }
            self.y = y + h;
            self.line(self.left, self.y, self.right, self.y, 0.3, RULE);
        }
        self.gap(4.0);
    }

    /// Lines to write on by hand, with a label before the first one.
    pub fn writing_lines(&mut self, label: &str, count: usize) {
        let lh = 22.0;
        self.ensure(16.0 + lh * count as f32);
        self.text(self.left, self.y + 10.0, label, 9.0, MUTED);
        self.y += 12.0;
        for _ in 0..count {
            self.y += lh;
            self.line(self.left, self.y, self.right, self.y, 0.4, RULE);
        }
        self.y += 6.0;
    }

    /// Signature lines side by side: each a label, a line to sign on, and a date line. A label
    /// too long to leave room for a signature goes above its line.
    pub fn sign_lines(&mut self, items: &[(&str, &str)], date_label: &str) {
        let n = items.len().max(1) as f32;
        let gap = 18.0;
        let w = (self.width() - gap * (n - 1.0)) / n;
        let date_w = 80.0 + self.font.width(date_label, 9.0);
        let above = items.iter().any(|(label, _)| self.font.width(label, 9.0) + 6.0 + 80.0 > w - date_w - 6.0);
        let h = if above { 48.0 } else { 40.0 };
        self.ensure(h + 6.0);
        let y = self.y + h - 14.0;
        for (i, (label, prefilled)) in items.iter().enumerate() {
            let x = self.left + i as f32 * (w + gap);
            let lw = if above {
                self.text(x, y - 16.0, label, 9.0, MUTED);
                0.0
            } else {
                self.text(x, y, label, 9.0, MUTED);
                self.font.width(label, 9.0) + 6.0
            };
            let line_end = x + w - date_w - 6.0;
            self.line(x + lw, y + 3.0, line_end, y + 3.0, 0.6, INK);
            if !prefilled.is_empty() {
                self.text(x + lw + 4.0, y - 2.0, prefilled, 10.0, INK);
            }
            let dx = line_end + 6.0;
            self.text(dx + 8.0, y, date_label, 9.0, MUTED);
            let dlw = self.font.width(date_label, 9.0) + 12.0;
            self.line(dx + dlw, y + 3.0, x + w, y + 3.0, 0.6, INK);
        }
        self.y += h;
    }
}

/// Shortens `s` with an ellipsis so that it fits in `max` points.
pub fn fit(font: &Font, s: &str, size: f32, max: f32) -> String {
    if font.width(s, size) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for ch in s.chars() {
        if font.width(&out, size) + font.char_width(ch, size) + font.width("…", size) > max {
            break;
        }
        out.push(ch);
    }
    out.push('…');
    out
}
