//! Printable documents (PDF): the signed registration receipt (R3.2, R7.11), the not-accepted
//! notice (R3.4), the dispatch sheet (R5.1), the written handling decision (R5.4–R5.6) and the
//! satisfaction survey form, blank or filled (R6.1). A4 portrait (the receipt also A5), in the
//! user's language, with the branch's name, logo and contact in a header repeated on every page.
//!
//! Text is real text in the built-in font (selectable, searchable, subset on save); signatures are
//! drawn as vector paths from the stored pen strokes; signed documents carry the digest in short
//! form, a QR code of number + digest, and the same payload in the PDF's Keywords so that
//! `verify_receipt` can read a saved copy back. Documents are produced under the same rules as the
//! complaint detail (roles R7.7, masking R7.8) and every one produced is logged on the complaint's
//! timeline (R7.1).
//!
//! Entry points: [`render`] (library), and the registry commands `render_document`,
//! `export_document` and `verify_receipt` (the app's print / save buttons, `cdesk pdf`,
//! `cdesk verify-receipt`).

pub mod data;
pub mod font;
pub mod labels;
pub mod layout;
pub mod parts;
pub mod qr;
pub mod text;
pub mod verify;

mod decision;
mod dispatch_sheet;
mod not_accepted;
mod receipt;
mod survey;

use std::path::{Path, PathBuf};

use base64::Engine;
use chrono::{DateTime, Utc};
use printpdf::{PdfDocument, PdfSaveOptions, RawImage};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{self, actor_by_login};
use crate::error::{CoreError, Result};
use crate::model::Role;
use crate::store::Store;
use crate::workflow::Ctx;

pub use crate::lang::Lang;
pub use verify::{verify_receipt, ReceiptCheck, ReceiptStatus, VerifyReceiptArgs};

/// First field of the QR payload and of the PDF Keywords entry: "CDESK1|number|digest".
pub const PAYLOAD_TAG: &str = "CDESK1";

/// The printable forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// 投诉登记回执: the signed registration receipt for the customer (R3.2, R7.11).
    Receipt,
    /// 不予受理告知书 (R3.4).
    NotAccepted,
    /// 投诉转办单 for the responsible department (R5.1).
    DispatchSheet,
    /// 书面处理意见 (R5.4–R5.6).
    Decision,
    /// 满意度调查表, blank, to fill in on paper (R6.1).
    SurveyBlank,
    /// 满意度调查表 with the recorded answers and signature (R6.1).
    Survey,
}

impl Form {
    pub const ALL: &'static [Form] =
        &[Form::Receipt, Form::NotAccepted, Form::DispatchSheet, Form::Decision, Form::SurveyBlank, Form::Survey];

    pub fn as_str(self) -> &'static str {
        match self {
            Form::Receipt => "receipt",
            Form::NotAccepted => "not_accepted",
            Form::DispatchSheet => "dispatch_sheet",
            Form::Decision => "decision",
            Form::SurveyBlank => "survey_blank",
            Form::Survey => "survey",
        }
    }

    pub fn parse(s: &str) -> Option<Form> {
        Form::ALL.iter().copied().find(|f| f.as_str() == s)
    }

    fn title(self, t: &labels::Texts) -> &'static str {
        match self {
            Form::Receipt => t.title_receipt,
            Form::NotAccepted => t.title_not_accepted,
            Form::DispatchSheet => t.title_dispatch,
            Form::Decision => t.title_decision,
            Form::SurveyBlank | Form::Survey => t.title_survey,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    #[default]
    A4,
    /// Only for the receipt.
    A5,
}

impl Paper {
    fn size(self) -> layout::PageSize {
        match self {
            Paper::A4 => layout::PageSize { w_mm: 210.0, h_mm: 297.0 },
            Paper::A5 => layout::PageSize { w_mm: 148.0, h_mm: 210.0 },
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::A5 => "a5",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocOptions {
    pub lang: Lang,
    pub paper: Paper,
}

const CS_SIDE: &[Role] = &[Role::CsAgent, Role::CsManager, Role::BranchManager, Role::Auditor];
const WITH_DEPT: &[Role] = &[Role::CsAgent, Role::CsManager, Role::BranchManager, Role::DeptHandler, Role::Auditor];

/// Who may produce which document (R7.7), on top of the `get_complaint` rules (a department
/// handler only for complaints with their department). Customer-facing documents come from
/// customer service; the department's documents (dispatch sheet, decision, survey result, R6.4)
/// also from the department. The administrator runs the system, not complaints. The auditor
/// gets them masked like everything it reads (R7.8).
pub const FORM_ROLES: &[(Form, &[Role])] = &[
    (Form::Receipt, CS_SIDE),
    (Form::NotAccepted, CS_SIDE),
    (Form::DispatchSheet, WITH_DEPT),
    (Form::Decision, WITH_DEPT),
    (Form::SurveyBlank, CS_SIDE),
    (Form::Survey, WITH_DEPT),
];

pub fn may_produce(role: Role, form: Form) -> bool {
    FORM_ROLES.iter().any(|(f, roles)| *f == form && roles.contains(&role))
}

/// What a document is drawn from.
pub struct Doc<'a> {
    pub t: &'static labels::Texts,
    pub lang: Lang,
    pub data: &'a data::DocData,
    pub now: DateTime<Utc>,
    pub actor_name: String,
}

impl Doc<'_> {
    /// "label：value" in Chinese, "label: value" otherwise.
    pub fn kv(&self, k: &str, v: &str) -> String {
        if self.lang.is_chinese() {
            format!("{k}：{v}")
        } else {
            format!("{k}: {v}")
        }
    }

    pub fn money(&self, cents: i64) -> String {
        format!("¥{}.{:02}", cents / 100, (cents % 100).abs())
    }
}

/// A produced document.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub pages: usize,
    /// A file name to suggest in the save dialog.
    pub file_name: String,
    /// The QR / Keywords payload (number and digest of what was signed), for signed forms.
    pub payload: Option<String>,
    pub digest: Option<String>,
}

/// Produces `form` for `complaint` as the context's user, and logs it on the timeline (R7.1).
/// The context's operation is the registry command it runs under (role matrix row).
pub fn generate(ctx: &Ctx, complaint: &str, form: Form, opts: DocOptions) -> Result<Rendered> {
    ctx.begin(None)?;
    if !may_produce(ctx.actor.role, form) {
        return Err(CoreError::Forbidden { op: format!("{}.{}", ctx.op, form.as_str()), role: ctx.actor.role });
    }
    if opts.paper == Paper::A5 && form != Form::Receipt {
        return Err(CoreError::invalid("paper", "a5_only_for_receipt"));
    }
    let data = data::load(ctx, complaint)?;
    let r = build(&data, form, opts, ctx.now, &ctx.actor.name)?;
    ctx.event(
        Some(&data.detail.id),
        "document_generated",
        json!({
            "form": form, "lang": opts.lang, "paper": opts.paper, "pages": r.pages, "bytes": r.bytes.len(),
            "personal_data": data.personal, "digest": r.digest, "via": ctx.op.name(), "chain_anchor": data.chain,
        }),
    )?;
    Ok(r)
}

/// Draws the document (no database access: everything comes from `data`).
pub fn build(data: &data::DocData, form: Form, opts: DocOptions, now: DateTime<Utc>, actor_name: &str) -> Result<Rendered> {
    let t = labels::texts(opts.lang);
    let d = Doc { t, lang: opts.lang, data, now, actor_name: actor_name.to_string() };
    let font = font::font()?;
    let title = form.title(t);
    let number = data.detail.number.clone();
    let mut pdf = PdfDocument::new(&format!("{title} {number}"));
    let font_id = pdf.add_font(&font.parsed);
    let logo = data.branch.logo_png.as_deref().and_then(|png| {
        let img = RawImage::decode_from_bytes(png, &mut Vec::new()).ok()?;
        let (pw, ph) = (img.width.max(1) as f32, img.height.max(1) as f32);
        // At most 40 pt high and 110 pt wide, never enlarged past 96 dpi.
        let scale = (40.0 / ph).min(110.0 / pw).min(72.0 / 96.0);
        let (w, h) = (pw * scale, ph * scale);
        let id = pdf.add_image(&img);
        Some(layout::Logo { id, w, h, dpi: 72.0 / scale })
    });
    let mut contact = Vec::new();
    if !data.branch.phone.trim().is_empty() {
        contact.push(d.kv(t.phone, data.branch.phone.trim()));
    }
    if !data.branch.address.trim().is_empty() {
        contact.push(d.kv(t.address, data.branch.address.trim()));
    }
    let header = layout::Header {
        branch: data.branch.name.clone(),
        contact: contact.join("    "),
        title: title.to_string(),
        number_label: t.number_label.to_string(),
        number: number.clone(),
        continued: t.continued.to_string(),
        logo,
    };
    let footer = layout::Footer {
        left: t
            .footer
            .replace("{app}", t.app)
            .replace("{time}", &crate::clock::local(&crate::clock::ts(now), data.branch.tz))
            .replace("{who}", actor_name),
        page_of: t.page_of.to_string(),
        anchor: anchor_line(t, data.chain.as_ref()),
    };
    let size = opts.paper.size();
    let mut c = layout::Canvas::new(font, font_id, size, header, footer);
    let payload = match form {
        Form::Receipt => Some(receipt::draw(&mut c, &d)?),
        Form::NotAccepted => not_accepted::draw(&mut c, &d).map(|_| None)?,
        Form::DispatchSheet => dispatch_sheet::draw(&mut c, &d).map(|_| None)?,
        Form::Decision => decision::draw(&mut c, &d)?,
        Form::SurveyBlank => survey::draw(&mut c, &d, false)?,
        Form::Survey => survey::draw(&mut c, &d, true)?,
    };
    let pages = c.page_count();
    pdf.with_pages(c.finish(size));
    let info = &mut pdf.metadata.info;
    info.author = data.branch.name.clone();
    info.creator = format!("{} (Complaint Desk)", t.app);
    info.producer = "Complaint Desk".to_string();
    info.subject = format!("{title} {number}");
    if let Ok(when) = printpdf::OffsetDateTime::from_unix_timestamp(now.timestamp()) {
        info.creation_date = when;
        info.modification_date = when;
        info.metadata_date = when;
    }
    if let Some(p) = &payload {
        info.keywords = vec![p.clone()];
        info.identifier = p.clone();
    }
    if let Some(h) = &data.chain {
        info.keywords.push(h.pdf_keyword());
    }
    let mut warnings = Vec::new();
    let bytes = pdf.save(&PdfSaveOptions::default(), &mut warnings);
    let digest = payload.as_deref().and_then(|p| p.rsplit('|').next()).filter(|d| *d != "-").map(str::to_string);
    Ok(Rendered { bytes, pages, file_name: file_name(&number, form, opts.lang), payload, digest })
}

/// "记录链 第 812 条 · 校验 3F2A9B1C0D4E": the chain anchor in words, in the document's language
/// (empty when the timeline has no event yet).
pub fn anchor_line(t: &labels::Texts, head: Option<&crate::store::anchors::ChainHead>) -> String {
    head.map(|h| t.chain_anchor.replace("{seq}", &h.seq.to_string()).replace("{hash}", &format!("{}…", h.short()))).unwrap_or_default()
}

/// "投诉登记回执-HQ-20260310-0001.pdf": a name without characters file systems refuse.
pub fn file_name(number: &str, form: Form, lang: Lang) -> String {
    let t = labels::texts(lang);
    let title = form.title(t);
    let safe = |s: &str| s.chars().map(|c| if "/\\:*?\"<>| ".contains(c) { '_' } else { c }).collect::<String>();
    let suffix = if form == Form::SurveyBlank { "-blank" } else { "" };
    format!("{}-{}{}.pdf", safe(title), safe(number), suffix)
}

/// The library entry point: produces a document as `login` at `now`, in its own transaction
/// (the timeline entry and the document go together), like a command of the registry.
pub fn render(store: &mut Store, now: DateTime<Utc>, login: &str, complaint: &str, form: Form, opts: DocOptions) -> Result<Rendered> {
    let dir = store.attachments_dir();
    let tx = store.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let actor = actor_by_login(&tx, login).map_err(|_| CoreError::Unauthenticated)?;
    let ctx = Ctx { conn: &tx, now, actor: &actor, attachments_dir: &dir, op: crate::ops::Op::RenderDocument };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| generate(&ctx, complaint, form, opts)))
        .unwrap_or_else(|_| Err(CoreError::Integrity("internal error while producing a document; nothing was changed".into())))?;
    tx.commit()?;
    Ok(r)
}

// ---- registry commands --------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentArgs {
    /// Complaint id or number.
    pub complaint: String,
    pub form: Form,
    #[serde(default)]
    pub lang: Lang,
    #[serde(default)]
    pub paper: Paper,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RenderedDocument {
    pub file_name: String,
    pub pages: usize,
    pub bytes: usize,
    /// The PDF, base64 (for printing from the window).
    pub pdf_base64: String,
    /// Full digest of what was signed, when the document carries one (R7.11).
    pub digest: Option<String>,
}

/// `render_document`: the PDF as base64, for the print button.
pub fn render_document(ctx: &Ctx, a: &DocumentArgs) -> Result<RenderedDocument> {
    let r = generate(ctx, &a.complaint, a.form, DocOptions { lang: a.lang, paper: a.paper })?;
    Ok(RenderedDocument {
        file_name: r.file_name,
        pages: r.pages,
        bytes: r.bytes.len(),
        pdf_base64: base64::engine::general_purpose::STANDARD.encode(&r.bytes),
        digest: r.digest,
    })
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportDocumentArgs {
    /// Complaint id or number.
    pub complaint: String,
    pub form: Form,
    #[serde(default)]
    pub lang: Lang,
    #[serde(default)]
    pub paper: Paper,
    /// Where to write the PDF (the path chosen in the native save dialog); ".pdf" is added when
    /// the name has no extension. An existing file is replaced.
    pub path: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ExportedDocument {
    pub path: String,
    pub file_name: String,
    pub pages: usize,
    pub bytes: usize,
    pub digest: Option<String>,
}

/// `export_document`: writes the PDF where the user chose ('save as PDF', or a temporary file
/// the window hands to the platform's print dialog) and returns the path.
pub fn export_document(ctx: &Ctx, a: &ExportDocumentArgs) -> Result<ExportedDocument> {
    let path = export_path(&a.path)?;
    let r = generate(ctx, &a.complaint, a.form, DocOptions { lang: a.lang, paper: a.paper })?;
    crate::store::outpaths::refuse_protected(ctx.conn, ctx.attachments_dir, &path)?;
    write_atomically(&path, &r.bytes)?;
    Ok(ExportedDocument {
        path: path.display().to_string(),
        file_name: r.file_name,
        pages: r.pages,
        bytes: r.bytes.len(),
        digest: r.digest,
    })
}

fn export_path(raw: &str) -> Result<PathBuf> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(CoreError::invalid("path", "required"));
    }
    let mut p = PathBuf::from(raw);
    if p.extension().is_none() {
        p.set_extension("pdf");
    }
    if p.is_dir() {
        return Err(CoreError::invalid("path", "is_a_directory"));
    }
    match p.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(CoreError::invalid("path", "directory_not_found")),
        _ => Ok(p),
    }
}

/// Writes beside the target and renames, so a failed write never leaves half a PDF behind.
///
/// The temporary file is always a new one (`create_new`, and on Unix `O_NOFOLLOW`), under a name
/// with a random part, so a file or symlink planted beside the target is never written through.
/// It is created with the mode of the file it replaces: a document written over the print
/// spool's 0600 placeholder stays private (issue 25, item 4); a new file gets the usual mode.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "document.pdf".into());
    let tmp = dir.join(format!(".{name}.{:016x}.part", rand::random::<u64>()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let mode = std::fs::symlink_metadata(path).ok().filter(|m| m.is_file()).map(|m| m.permissions().mode() & 0o777).unwrap_or(0o666);
        options.mode(mode).custom_flags(libc::O_NOFOLLOW);
    }
    let mut created = false;
    let result = (|| {
        let mut f = options.open(&tmp)?;
        created = true;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() && created {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(result?)
}

/// Whether `role` may see the customer's name and signature on a document (R7.8).
pub fn shows_personal_data(role: Role) -> bool {
    auth::may_see_personal_data(role)
}
