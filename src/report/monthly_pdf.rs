//! 月度投诉报告: the monthly report (R7.3) as a printable PDF in the user's language — the KPIs
//! against the previous month with their definitions (R7.4), charts drawn as vector bars and
//! lines (trend by month, by category, by department, worker ranking), flagged workers and
//! branches with the thresholds (R7.5), the bad-record ledger (R7.9), one section per department
//! with its register and survey results, and the suggestions with the filing record.

use printpdf::{PdfDocument, PdfSaveOptions, RawImage};

use crate::clock::local;
use crate::docs::layout::{self, Canvas, INK, MUTED, RULE};
use crate::docs::{font, labels};
use crate::error::Result;
use crate::lang::Lang;
use crate::report::kpi::{BreakdownRow, Dimension, Figure, KpiKey, Unit};
use crate::report::monthly::MonthlyReport;
use crate::report::texts::{self, Texts};
use crate::workflow::Ctx;

pub struct RenderedReport {
    pub bytes: Vec<u8>,
    pub pages: usize,
}

/// A figure's value as printed: counts whole, rates in %, durations in hours, ratings 1–5.
pub fn fmt_value(t: &Texts, unit: Unit, v: Option<f64>) -> String {
    match v {
        None => "—".to_string(),
        Some(v) => match unit {
            Unit::Count => format!("{}", v.round() as i64),
            Unit::Ratio => format!("{:.1}%", v * 100.0),
            Unit::Seconds => format!("{:.1} {}", v / 3600.0, if t.hours == "hours" { "h" } else { t.hours }),
            Unit::Score => format!("{v:.2}"),
        },
    }
}

fn fmt_change(t: &Texts, unit: Unit, v: Option<f64>) -> String {
    match v {
        None => "—".to_string(),
        Some(v) => {
            let sign = if v > 0.0 { "+" } else { "" };
            match unit {
                Unit::Count => format!("{sign}{}", v.round() as i64),
                Unit::Ratio => format!("{sign}{:.1} pp", v * 100.0),
                Unit::Seconds => format!("{sign}{:.1} {}", v / 3600.0, if t.hours == "hours" { "h" } else { t.hours }),
                Unit::Score => format!("{sign}{v:.2}"),
            }
        }
    }
}

fn fig(figures: &[Figure], k: KpiKey) -> Option<&Figure> {
    figures.iter().find(|f| f.kpi == k)
}

/// 1, 2, 5 × 10ⁿ at or above `v`.
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    // Steps whose quarters are round numbers too (the axis has four intervals).
    for m in [1.0, 1.2, 1.6, 2.0, 2.4, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * p >= v {
            return m * p;
        }
    }
    10.0 * p
}

fn chart_title(c: &mut Canvas, title: &str, x: f32, y: f32) {
    c.text_bold(x, y + 9.0, title, 9.0, INK);
}

/// Vertical bars (volume) with a line on a 0–100 % axis (resolution rate), one per month.
fn trend_chart(c: &mut Canvas, t: &Texts, rows: &[BreakdownRow]) {
    let h = 170.0;
    c.ensure(h + 20.0);
    let (x0, y0, w) = (c.left, c.y, c.width());
    chart_title(c, t.chart_trend, x0, y0);
    let (px, py, pw, ph) = (x0 + 34.0, y0 + 22.0, w - 68.0, h - 56.0);
    let vols: Vec<f64> = rows.iter().map(|r| fig(&r.figures, KpiKey::Volume).and_then(|f| f.value).unwrap_or(0.0)).collect();
    let max = nice_ceiling(vols.iter().cloned().fold(0.0, f64::max));
    for i in 0..=4 {
        let gy = py + ph - ph * i as f32 / 4.0;
        c.line(px, gy, px + pw, gy, if i == 0 { 0.6 } else { 0.3 }, if i == 0 { INK } else { RULE });
        let v = format!("{}", (max * i as f64 / 4.0).round() as i64);
        c.text(px - 4.0 - c.font.width(&v, 6.5), gy + 2.3, &v, 6.5, MUTED);
        let p = format!("{}%", 25 * i);
        c.text(px + pw + 4.0, gy + 2.3, &p, 6.5, MUTED);
    }
    let n = rows.len().max(1) as f32;
    let slot = pw / n;
    let mut line: Vec<(f32, f32)> = Vec::new();
    let mut marks = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let cx = px + slot * (i as f32 + 0.5);
        let bh = (vols[i] / max) as f32 * ph;
        let bw = slot * 0.56;
        if bh > 0.0 {
            c.fill_rect(cx - bw / 2.0, py + ph - bh, bw, bh, 0.62);
        }
        let vtxt = format!("{}", vols[i] as i64);
        c.text(cx - c.font.width(&vtxt, 6.0) / 2.0, py + ph - bh - 2.5, &vtxt, 6.0, MUTED);
        let label = r.key.get(2..).unwrap_or(&r.key).to_string();
        c.text(cx - c.font.width(&label, 6.5) / 2.0, py + ph + 10.0, &label, 6.5, MUTED);
        if let Some(rate) = fig(&r.figures, KpiKey::ResolutionRate).and_then(|f| f.value) {
            let ly = py + ph - rate as f32 * ph;
            line.push((cx, ly));
            marks.push((cx, ly));
        } else if line.len() > 1 {
            c.strokes(vec![std::mem::take(&mut line)], 1.2);
        } else {
            line.clear();
        }
    }
    if line.len() > 1 {
        c.strokes(vec![line], 1.2);
    }
    for (mx, my) in marks {
        c.fill_rect(mx - 1.8, my - 1.8, 3.6, 3.6, INK);
    }
    // Legend.
    let ly = py + ph + 24.0;
    c.fill_rect(px, ly - 6.0, 9.0, 7.0, 0.62);
    c.text(px + 13.0, ly, t.legend_volume, 7.5, MUTED);
    let lx = px + 22.0 + c.font.width(t.legend_volume, 7.5) + 16.0;
    c.line(lx, ly - 2.5, lx + 14.0, ly - 2.5, 1.2, INK);
    c.fill_rect(lx + 5.2, ly - 4.3, 3.6, 3.6, INK);
    c.text(lx + 19.0, ly, t.legend_resolution, 7.5, MUTED);
    c.y = y0 + h;
}

/// Horizontal bars with labels on the left and values on the right.
fn hbar_chart(c: &mut Canvas, title: &str, x: f32, y: f32, w: f32, items: &[(String, f64)]) -> f32 {
    chart_title(c, title, x, y);
    let row_h = 13.0;
    let label_w = (w * 0.38).min(120.0);
    let max = items.iter().map(|i| i.1).fold(0.0, f64::max).max(1.0);
    let bar_w = w - label_w - 34.0;
    let mut yy = y + 18.0;
    for (label, v) in items {
        let l = layout::fit(c.font, label, 7.5, label_w - 6.0);
        c.text(x, yy + 8.0, &l, 7.5, INK);
        let bw = (*v / max) as f32 * bar_w;
        c.fill_rect(x + label_w, yy + 1.5, bw.max(0.0), row_h - 4.0, 0.62);
        let vt = format!("{}", *v as i64);
        c.text(x + label_w + bw + 4.0, yy + 8.0, &vt, 7.0, MUTED);
        yy += row_h;
    }
    c.line(x + label_w, y + 17.0, x + label_w, yy, 0.5, INK);
    yy - y
}

fn breakdown_items(r: &MonthlyReport, lang: Lang, d: Dimension, top: usize) -> Vec<(String, f64)> {
    r.breakdowns
        .iter()
        .find(|b| b.dimension == d)
        .map(|b| {
            b.rows
                .iter()
                .filter(|row| d != Dimension::Worker || row.key != crate::report::filter::NONE_KEY)
                .filter(|row| d != Dimension::Department || row.figures[0].numerator > 0)
                .take(top)
                .map(|row| (crate::report::export::row_label(lang, d, row), row.figures[0].numerator as f64))
                .collect()
        })
        .unwrap_or_default()
}

/// Renders the report as the context's user (names in it are already masked per role).
pub fn render(ctx: &Ctx, r: &MonthlyReport, lang: Lang) -> Result<RenderedReport> {
    let (name, phone, address, tz, logo_png): (String, String, String, String, Option<Vec<u8>>) =
        ctx.conn.query_row("SELECT name, phone, address, tz, logo_png FROM branches ORDER BY created_at, rowid LIMIT 1", [], |x| {
            Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?, x.get(4)?))
        })?;
    let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let t = texts::texts(lang);
    let l = labels::texts(lang);
    let f = font::font()?;
    let title = format!("{} {}", t.title, r.month);
    let mut pdf = PdfDocument::new(&title);
    let font_id = pdf.add_font(&f.parsed);
    let logo = logo_png.as_deref().and_then(|png| {
        let img = RawImage::decode_from_bytes(png, &mut Vec::new()).ok()?;
        let (pw, ph) = (img.width.max(1) as f32, img.height.max(1) as f32);
        let scale = (40.0 / ph).min(110.0 / pw).min(72.0 / 96.0);
        let id = pdf.add_image(&img);
        Some(layout::Logo { id, w: pw * scale, h: ph * scale, dpi: 72.0 / scale })
    });
    let kv = |k: &str, v: &str| if lang.is_chinese() { format!("{k}：{v}") } else { format!("{k}: {v}") };
    let mut contact = Vec::new();
    if !phone.trim().is_empty() {
        contact.push(kv(l.phone, phone.trim()));
    }
    if !address.trim().is_empty() {
        contact.push(kv(l.address, address.trim()));
    }
    let header = layout::Header {
        branch: name.clone(),
        contact: contact.join("    "),
        title: t.title.to_string(),
        number_label: t.month.to_string(),
        number: r.month.clone(),
        continued: l.continued.to_string(),
        logo,
    };
    let footer = layout::Footer {
        left: l.footer.replace("{app}", l.app).replace("{time}", &local(&r.generated_at, tz)).replace("{who}", &ctx.actor.name),
        page_of: l.page_of.to_string(),
        anchor: crate::docs::anchor_line(l, crate::store::anchors::head(ctx.conn)?.as_ref()),
    };
    let size = layout::PageSize { w_mm: 210.0, h_mm: 297.0 };
    let mut c = Canvas::new(f, font_id, size, header, footer);

    // Filing status (R7.3).
    let status = if r.status.filed {
        t.filed_by
            .replace("{who}", r.status.filed_by.as_deref().unwrap_or(""))
            .replace("{time}", &r.status.filed_at.as_deref().map(|s| local(s, tz)).unwrap_or_default())
            .replace("{rev}", &r.status.revision.to_string())
    } else {
        format!("{} {}", t.not_filed, t.due_by.replace("{date}", &r.status.due_date.to_string()))
    };
    c.paragraph(&status, 9.0, 0.0, MUTED);
    c.paragraph(&kv(t.month, &format!("{} – {} ({})", r.range.from_date, r.range.until_date, r.range.time_zone)), 9.0, 0.0, MUTED);

    // KPIs against the previous month (R7.4).
    c.section(t.section_kpis);
    let rows: Vec<Vec<String>> = r
        .kpis
        .iter()
        .map(|k| {
            let u = k.current.unit;
            vec![
                t.kpi_name(k.kpi).to_string(),
                fmt_value(t, u, k.current.value),
                fmt_value(t, u, k.previous.value),
                fmt_change(t, u, k.change),
                match u {
                    Unit::Ratio => format!("{} / {}", k.current.numerator, k.current.denominator),
                    _ => k.current.denominator.to_string(),
                },
            ]
        })
        .collect();
    c.table(&[t.kpi, t.value, t.previous_month, t.change, "n"], &[0.42, 0.14, 0.14, 0.13, 0.17], &rows);
    c.paragraph(&format!("{}：{}", t.notes, t.note_text).replace("：", if lang.is_chinese() { "：" } else { ": " }), 8.0, 0.0, MUTED);

    // Charts: the section title stays with the first chart.
    c.ensure(240.0);
    c.section(t.section_charts);
    trend_chart(&mut c, t, &r.trend);
    c.gap(10.0);
    let cats = breakdown_items(r, lang, Dimension::Category, 10);
    let depts = breakdown_items(r, lang, Dimension::Department, 10);
    let rows_needed = cats.len().max(depts.len()) as f32 * 13.0 + 26.0;
    c.ensure(rows_needed);
    let half = (c.width() - 20.0) / 2.0;
    let y = c.y;
    let left = c.left;
    let h1 = hbar_chart(&mut c, t.chart_category, left, y, half, &cats);
    let h2 = hbar_chart(&mut c, t.chart_department, left + half + 20.0, y, half, &depts);
    c.y = y + h1.max(h2) + 10.0;
    let workers = breakdown_items(r, lang, Dimension::Worker, 10);
    c.ensure(workers.len() as f32 * 13.0 + 26.0);
    let y = c.y;
    let (left, width) = (c.left, c.width());
    let h = hbar_chart(&mut c, t.chart_workers, left, y, width, &workers);
    c.y = y + h + 6.0;

    // Flagged workers and branches (R7.5), with the thresholds.
    c.section(t.section_flags);
    c.paragraph(&t.flag_worker_rule.replace("{n}", &r.flags.worker_flag_min.to_string()), 8.5, 0.0, MUTED);
    if r.flags.workers.is_empty() {
        c.paragraph(t.no_flags, 9.0, 0.0, INK);
    } else {
        // The most complained-about first; the workbook has them all.
        const SHOWN: usize = 30;
        let mut rows: Vec<Vec<String>> = r
            .flags
            .workers
            .iter()
            .take(SHOWN)
            .map(|w| {
                vec![
                    w.code.clone(),
                    w.name.clone(),
                    w.complaints.to_string(),
                    w.previous_month.to_string(),
                    w.repeats.to_string(),
                    w.escalated.to_string(),
                ]
            })
            .collect();
        if r.flags.workers.len() > SHOWN {
            rows.push(vec![
                String::new(),
                format!("… +{}", r.flags.workers.len() - SHOWN),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        c.table(
            &[t.worker_code, t.worker, t.complaints, t.previous_month, t.repeats, t.escalated],
            &[0.14, 0.24, 0.14, 0.16, 0.14, 0.18],
            &rows,
        );
    }
    c.paragraph(&t.flag_branch_rule.replace("{n}", &r.flags.branch_flag_per_100_workers.to_string()), 8.5, 0.0, MUTED);
    let rows: Vec<Vec<String>> = r
        .flags
        .branches
        .iter()
        .map(|b| {
            vec![
                b.name.clone(),
                b.complaints.to_string(),
                b.workers.map(|n| n.to_string()).unwrap_or_default(),
                b.per_100_workers.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into()),
                if b.flagged { t.flagged.to_string() } else { String::new() },
            ]
        })
        .collect();
    c.table(&[t.dimensions[5], t.complaints, t.workers_active, t.per_100_workers, t.flagged], &[0.32, 0.16, 0.18, 0.18, 0.16], &rows);

    // Bad-record ledger (R7.9).
    c.section(t.section_ledger);
    c.paragraph(
        &t.ledger_rule.replace("{n}", &r.ledger.min.to_string()).replace("{days}", &r.ledger.window_days.to_string()),
        8.5,
        0.0,
        MUTED,
    );
    if r.ledger.rows.is_empty() {
        c.paragraph(t.no_entries, 9.0, 0.0, INK);
    } else {
        const SHOWN: usize = 15;
        let mut rows = Vec::new();
        for kind in 0..3u8 {
            let of_kind: Vec<_> = r.ledger.rows.iter().filter(|e| e.kind as u8 == kind).collect();
            for e in of_kind.iter().take(SHOWN) {
                let label = match e.category {
                    Some(cat) => format!("{} · {}", l.category(cat), e.label),
                    None => e.label.clone(),
                };
                rows.push(vec![
                    t.ledger_kinds[kind as usize].to_string(),
                    label,
                    e.in_month.to_string(),
                    e.in_window.to_string(),
                    e.repeats.to_string(),
                    e.last_number.clone(),
                ]);
            }
            if of_kind.len() > SHOWN {
                rows.push(vec![
                    String::new(),
                    format!("… +{}", of_kind.len() - SHOWN),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
        }
        c.table(&[t.kind, t.name, t.in_month, t.in_window, t.repeats, t.last_complaint], &[0.12, 0.34, 0.1, 0.1, 0.1, 0.24], &rows);
    }

    // One section per department: its KPIs, register and surveys (R7.3, R6.4).
    for d in &r.departments {
        c.new_page();
        c.section(&t.section_department.replace("{name}", &d.name));
        let summary =
            [KpiKey::Volume, KpiKey::ResolutionRate, KpiKey::ResolutionMedian, KpiKey::OverdueRate, KpiKey::CsatShare, KpiKey::CsatMean]
                .iter()
                .filter_map(|k| fig(&d.figures, *k).map(|f| format!("{} {}", t.kpi_name(*k), fmt_value(t, f.unit, f.value))))
                .collect::<Vec<_>>()
                .join("  ·  ");
        c.paragraph(&summary, 8.5, 0.0, INK);
        c.gap(3.0);
        c.text_bold(c.left, c.y + 10.0, &format!("{} ({})", t.register, d.register.len()), 9.5, INK);
        c.gap(15.0);
        let hours = |v: Option<i64>| v.map(|s| format!("{:.1}", s as f64 / 3600.0)).unwrap_or_else(|| "—".into());
        let hours_head = format!("{} / {}", t.first_response_h, t.resolution_h);
        let people_head = format!("{} / {}", t.customer, t.worker);
        if d.register.is_empty() {
            c.paragraph(t.no_complaints, 9.0, 0.0, MUTED);
        } else {
            let rows: Vec<Vec<String>> = d
                .register
                .iter()
                .map(|x| {
                    let cat = if x.sub_category.is_empty() {
                        l.category(x.category).to_string()
                    } else {
                        format!("{}·{}", l.category(x.category), x.sub_category)
                    };
                    // Repeat (R3.6), major (R2.1) and overdue (R4.6) go with the stage.
                    let flags = [
                        x.is_repeat.then_some(t.repeat),
                        (x.nature == crate::model::Nature::Major).then_some(l.nature(x.nature)),
                        x.overdue.then_some(t.overdue),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                    let people = match &x.worker_name {
                        Some(w) => format!("{} / {w}", x.customer_name),
                        None => x.customer_name.clone(),
                    };
                    vec![
                        x.number.clone(),
                        local(&x.received_at, tz).get(5..).unwrap_or("").to_string(),
                        cat,
                        if flags.is_empty() { t.stage(x.stage).to_string() } else { format!("{} · {flags}", t.stage(x.stage)) },
                        people,
                        format!("{} / {}", hours(x.first_response_seconds), hours(x.resolution_seconds)),
                        x.satisfaction.map(|s| l.satisfaction(s).to_string()).unwrap_or_default(),
                    ]
                })
                .collect();
            c.table(
                &[t.number, t.received, l.category, t.stage, &people_head, &hours_head, t.satisfaction],
                &[0.18, 0.115, 0.175, 0.145, 0.12, 0.13, 0.135],
                &rows,
            );
        }
        c.gap(4.0);
        c.ensure(40.0);
        let counts = d
            .survey_counts
            .iter()
            .zip(crate::model::Satisfaction::ALL)
            .map(|(n, s)| format!("{} {n}", l.satisfaction(*s)))
            .collect::<Vec<_>>()
            .join(" · ");
        c.text_bold(c.left, c.y + 10.0, &format!("{} ({})", t.surveys, d.surveys.len()), 9.5, INK);
        c.gap(15.0);
        if d.surveys.is_empty() {
            c.paragraph(t.no_surveys, 9.0, 0.0, MUTED);
        } else {
            c.paragraph(&counts, 8.5, 0.0, MUTED);
            let sat = |s: Option<crate::model::Satisfaction>| s.map(|s| l.satisfaction(s).to_string()).unwrap_or_default();
            let rows: Vec<Vec<String>> = d
                .surveys
                .iter()
                .map(|s| {
                    vec![
                        s.number.clone(),
                        local(&s.surveyed_at, tz).get(5..).unwrap_or("").to_string(),
                        l.satisfaction(s.overall).to_string(),
                        sat(s.speed),
                        sat(s.attitude),
                        sat(s.result),
                        l.survey_method(s.method).to_string(),
                        s.comment.clone(),
                    ]
                })
                .collect();
            c.table(
                &[t.number, t.surveyed_at, t.satisfaction, l.speed, l.attitude, l.result, l.method, l.comment],
                &[0.18, 0.115, 0.12, 0.11, 0.11, 0.11, 0.08, 0.175],
                &rows,
            );
        }
    }

    // Definitions (R7.4) and suggestions (R7.3).
    c.new_page();
    c.section(t.section_definitions);
    for k in KpiKey::ALL {
        c.ensure(30.0);
        c.text_bold(c.left, c.y + 9.0, t.kpi_name(k), 9.0, INK);
        c.gap(12.0);
        c.paragraph(&t.definition(k), 8.0, 8.0, MUTED);
        c.gap(2.0);
    }
    c.section(t.section_suggestions);
    if r.suggestions.trim().is_empty() {
        c.writing_lines("", 6);
    } else {
        let text = if r.status.filed && r.status.suggestions == r.suggestions {
            r.suggestions.clone()
        } else {
            format!("{}{}", r.suggestions, t.draft)
        };
        c.fields(&[(t.section_suggestions, &text, 1.0)], l.continued);
    }
    c.paragraph(&status, 8.5, 0.0, MUTED);
    c.gap(8.0);
    c.sign_lines(&[(t.filer, r.status.filed_by.as_deref().unwrap_or(""))], l.date);

    let pages = c.page_count();
    pdf.with_pages(c.finish(size));
    let info = &mut pdf.metadata.info;
    info.author = name;
    info.creator = format!("{} (Complaint Desk)", l.app);
    info.producer = "Complaint Desk".to_string();
    info.subject = title;
    if let Some(h) = crate::store::anchors::head(ctx.conn)? {
        info.keywords = vec![h.pdf_keyword()];
    }

    if let Ok(when) = printpdf::OffsetDateTime::from_unix_timestamp(ctx.now.timestamp()) {
        info.creation_date = when;
        info.modification_date = when;
        info.metadata_date = when;
    }
    let mut warnings = Vec::new();
    let bytes = pdf.save(&PdfSaveOptions::default(), &mut warnings);
    Ok(RenderedReport { bytes, pages })
}
