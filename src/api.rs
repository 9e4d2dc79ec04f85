//! The command registry: name → typed handler. The CLI (`cdesk call`) and the desktop shell go
//! through `call`, so everything the UI can do runs through exactly the same code, in one
//! transaction per command: a failed command changes nothing.

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::auth::{self, Actor};
use crate::error::{ApiError, CoreError, Result};
use crate::ops::Op;
use crate::store::Store;
use crate::workflow::{
    acceptance as acc, accounts, admin, admin_views as adv, alerts, dispatch as dis, drafts, followup as fol, handling as han, intake,
    pickers, taxonomy, views, Ctx,
};

pub struct Command {
    pub op: Op,
    /// The operation's name and read-only flag, copied from the table in `ops`.
    pub name: &'static str,
    pub read_only: bool,
    pub schema: fn() -> schemars::Schema,
    /// The JSON schema of a successful reply (for the generated TypeScript types).
    pub result: fn() -> schemars::Schema,
    /// Replies are serialised straight to JSON text: building a `Value` tree first cost more than
    /// the query itself for a 200-card board page (issue 8 profile: malloc and map inserts).
    pub run: fn(&Ctx, Value) -> Result<String>,
    /// Called with the arguments and the error after a failed command was rolled back, for what
    /// must be recorded even so (a failed manual backup in the backup log).
    pub after_failure: Option<AfterFailure>,
}

pub type AfterFailure = fn(&rusqlite::Connection, DateTime<Utc>, &Value, &CoreError);

fn parse<T: DeserializeOwned>(v: Value) -> Result<T> {
    let v = if v.is_null() { json!({}) } else { v };
    serde_json::from_value(v).map_err(|e| {
        let msg = e.to_string();
        match missing_field(&msg) {
            Some(field) => CoreError::MissingField(field.to_string()),
            None => CoreError::BadArguments(msg),
        }
    })
}

/// The field serde names in "missing field `x`": a form left a required choice empty (no
/// category picked), which the user should hear as "category is required", not "bad data".
fn missing_field(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("missing field `")?;
    let name = &rest[..rest.find('`')?];
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(name)
}

fn out<T: Serialize>(v: T) -> Result<String> {
    // Sized for a board page up front (~600 bytes a card): growing from a few bytes showed as
    // reallocations and page faults in the profile.
    let mut buf = Vec::with_capacity(64 * 1024);
    serde_json::to_writer(&mut buf, &v).map_err(|e| CoreError::Integrity(format!("serialising a reply: {e}")))?;
    String::from_utf8(buf).map_err(|e| CoreError::Integrity(format!("serialising a reply: {e}")))
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

/// What a command may answer with: a named wire type whose schema says what the window gets.
/// It is implemented type by type (below), not for everything serialisable, so that a handler
/// cannot answer with `serde_json::Value` (or a map of anything): `cmd!` requires it, and the
/// reply schemas are checked for holes by `tests::no_reply_schema_is_unconstrained`.
pub trait Reply: Serialize + schemars::JsonSchema {}

impl<T: Reply> Reply for Vec<T> {}
impl<T: Reply> Reply for Option<T> {}

macro_rules! replies {
    ($($t:ty),* $(,)?) => { $(impl Reply for $t {})* };
}

replies!(
    crate::reply::Done,
    crate::reply::StageNow,
    crate::reply::Dispatched,
    crate::reply::Code,
    crate::reply::Login,
    crate::reply::Created,
    Actor,
    crate::timeline::Event,
    crate::model::EscalationLevel,
    intake::CustomerProfile,
    intake::RegistrationPlan,
    intake::SignatureAdded,
    intake::AttachmentAdded,
    acc::NatureNow,
    acc::WarningLevelNow,
    dis::Urged,
    han::Approved,
    fol::ContactAttempts,
    fol::Surveyed,
    fol::CaseAdded,
    fol::RosterFiled,
    views::ComplaintDetail,
    views::SearchResult,
    views::EscalationRow,
    views::CaseRow,
    views::ViewSaved,
    views::SavedView,
    views::SignatureCheck,
    admin::Settings,
    admin::ReferenceData,
    admin::CalendarImported,
    admin::CalendarCsv,
    admin::SettingSet,
    drafts::Draft,
    drafts::DraftSaved,
    drafts::DraftDiscarded,
    alerts::DueAlert,
    pickers::WorkerOption,
    adv::WorkerPage,
    adv::TemplateRow,
    adv::CalendarYear,
    adv::CalendarDaySet,
    adv::RosterRow,
    adv::BranchLogo,
    taxonomy::SubCategories,
    taxonomy::SubCategoriesSet,
    crate::docs::RenderedDocument,
    crate::docs::ExportedDocument,
    crate::docs::verify::ReceiptCheck,
    crate::report::kpi::KpiReport,
    crate::report::kpi::KpiDefinition,
    crate::report::drill::DrillResult,
    crate::report::monthly::MonthlyReply,
    crate::report::monthly::RegisterPage,
    crate::report::monthly::SurveyPage,
    crate::report::monthly::ReportStatus,
    crate::report::export::MonthlyReportFiles,
    crate::report::export::ExportedFile,
    crate::report::import::ImportResult,
    crate::report::cases::CaseEntry,
    crate::report::thresholds::ReportSettings,
    crate::store::backup::BackupReport,
    crate::store::backup::BackupList,
    crate::store::backup::BackupCheck,
    crate::store::backup::BackupSettings,
    crate::maintenance::backup::RestorePreview,
    crate::store::backup::RestoreReport,
    crate::retention::RetentionStatus,
    crate::retention::RetentionDue,
    crate::retention::RetentionSettings,
    crate::retention::AnonymiseReport,
);

/// The reply schema of a handler, read off its signature so it can never drift from the code.
fn result_schema<A, R: Reply>(_: fn(&Ctx, &A) -> Result<R>) -> schemars::Schema {
    reply_schema::<R>()
}

fn result_schema0<R: Reply>(_: fn(&Ctx) -> Result<R>) -> schemars::Schema {
    reply_schema::<R>()
}

/// Replies are described as they are serialised (an `Option` field is always present, as null).
fn reply_schema<R: schemars::JsonSchema>() -> schemars::Schema {
    schemars::generate::SchemaSettings::draft2020_12().for_serialize().into_generator().into_root_schema_for::<R>()
}

/// A command for `$op`, its arguments parsed into `$args` (none when omitted) and its reply
/// serialised from `$f`'s typed result.
macro_rules! cmd {
    ($op:expr, $args:ty, $f:path) => {
        Command {
            op: $op,
            name: $op.name(),
            read_only: $op.read_only(),
            schema: || schemars::schema_for!($args),
            result: || result_schema($f),
            run: |ctx, v| {
                let a: $args = parse(v)?;
                out($f(ctx, &a)?)
            },
            after_failure: None,
        }
    };
    ($op:expr, $f:path) => {
        Command {
            op: $op,
            name: $op.name(),
            read_only: $op.read_only(),
            schema: || schemars::schema_for!(NoArgs),
            result: || result_schema0($f),
            run: |ctx, v| {
                let _: NoArgs = parse(v)?;
                out($f(ctx)?)
            },
            after_failure: None,
        }
    };
}

/// A read command with a hand-written JSON writer (`json`) beside its typed form (`typed`), which
/// gives the reply's schema; a test holds the two to the same output.
macro_rules! json_cmd {
    ($op:expr, $args:ty, $typed:path, $json:path) => {
        Command {
            op: $op,
            name: $op.name(),
            read_only: $op.read_only(),
            schema: || schemars::schema_for!($args),
            result: || result_schema($typed),
            run: |ctx, v| {
                let a: $args = parse(v)?;
                $json(ctx, &a)
            },
            after_failure: None,
        }
    };
}

fn whoami(ctx: &Ctx) -> Result<Actor> {
    ctx.begin(None)?;
    Ok(ctx.actor.clone())
}

/// Every command, in the order of the table in `ops` (the order a complaint meets them).
pub fn commands() -> Vec<Command> {
    Op::ALL.iter().map(|&op| command(op)).collect()
}

/// The handler of each operation: a `match` over every `Op`, so an operation without a handler
/// does not compile.
fn command(op: Op) -> Command {
    use Op::*;
    match op {
        LookupCustomer => cmd!(op, intake::LookupCustomerArgs, intake::lookup_customer),
        PreviewRegistration => cmd!(op, intake::RegisterArgs, intake::preview),
        Register => cmd!(op, intake::RegisterArgs, intake::register),
        AddSignature => cmd!(op, intake::AddSignatureArgs, intake::add_signature),
        AddAttachment => cmd!(op, intake::AddAttachmentArgs, intake::add_attachment),
        Review => cmd!(op, acc::ReviewArgs, acc::review),
        Cancel => cmd!(op, acc::CancelArgs, acc::cancel),
        NotAccept => cmd!(op, acc::NotAcceptArgs, acc::not_accept),
        ReportMajor => cmd!(op, acc::ReportMajorArgs, acc::report_major),
        SetNature => cmd!(op, acc::SetNatureArgs, acc::set_nature),
        RaiseWarning => cmd!(op, acc::RaiseWarningArgs, acc::raise_warning),
        AcknowledgeEscalation => cmd!(op, acc::AcknowledgeArgs, acc::acknowledge_escalation),
        Dispatch => cmd!(op, dis::DispatchArgs, dis::dispatch),
        AcceptDispatch => cmd!(op, dis::ComplaintRef, dis::accept_dispatch),
        ReturnDispatch => cmd!(op, dis::ReturnArgs, dis::return_dispatch),
        Transfer => cmd!(op, dis::TransferArgs, dis::transfer),
        Urge => cmd!(op, dis::UrgeArgs, dis::urge),
        RecordFindings => cmd!(op, han::FindingsArgs, han::record_findings),
        ReplyToCustomer => cmd!(op, han::ReplyArgs, han::reply_to_customer),
        RecordCustomerDecision => cmd!(op, han::DecisionArgs, han::record_customer_decision),
        ApproveCompensation => cmd!(op, han::ApproveArgs, han::approve_compensation),
        Implement => cmd!(op, han::ImplementArgs, han::implement),
        PauseForHoliday => cmd!(op, fol::PauseArgs, fol::pause_for_holiday),
        RecordContactAttempt => cmd!(op, fol::ContactAttemptArgs, fol::record_contact_attempt),
        Survey => cmd!(op, fol::SurveyArgs, fol::survey),
        Close => cmd!(op, dis::ComplaintRef, fol::close),
        SupervisorClose => cmd!(op, fol::ReasonArgs, fol::supervisor_close),
        Reopen => cmd!(op, fol::ReasonArgs, fol::reopen),
        Appeal => cmd!(op, intake::AppealArgs, intake::appeal),
        AddCase => cmd!(op, fol::AddCaseArgs, fol::add_case),
        FileDutyRoster => cmd!(op, fol::DutyRosterArgs, fol::file_duty_roster),
        GetComplaint => cmd!(op, views::GetArgs, views::get_complaint),
        Timeline => cmd!(op, views::GetArgs, views::timeline),
        Board => json_cmd!(op, views::SearchArgs, views::search, views::search_json),
        Search => json_cmd!(op, views::SearchArgs, views::search, views::search_json),
        Escalations => cmd!(op, views::escalations),
        Cases => cmd!(op, views::CasesArgs, views::cases),
        SaveView => cmd!(op, views::SaveViewArgs, views::save_view),
        ListViews => cmd!(op, views::list_views),
        VerifySignatures => cmd!(op, views::VerifySignaturesArgs, views::verify_signatures),
        ReferenceData => cmd!(op, admin::reference_data),
        Whoami => cmd!(op, whoami),
        GetSettings => cmd!(op, admin::get_settings),
        UpsertDepartment => cmd!(op, admin::DepartmentArgs, admin::upsert_department),
        UpsertUser => cmd!(op, admin::UserArgs, admin::upsert_user),
        UpsertWorker => cmd!(op, admin::WorkerArgs, admin::upsert_worker),
        UpsertTemplate => cmd!(op, admin::TemplateArgs, admin::upsert_template),
        UpdateBranch => cmd!(op, admin::BranchArgs, admin::update_branch),
        SetPolicy => cmd!(op, admin::SetPolicyArgs, admin::set_policy),
        SelectPolicy => cmd!(op, admin::SelectPolicyArgs, admin::select_policy),
        ImportCalendar => cmd!(op, admin::ImportCalendarArgs, admin::import_calendar),
        ExportCalendar => cmd!(op, admin::export_calendar),
        SetSetting => cmd!(op, admin::SetSettingArgs, admin::set_setting),
        SetPassword => cmd!(op, accounts::SetPasswordArgs, accounts::set_password),
        SaveDraft => cmd!(op, drafts::SaveDraftArgs, drafts::save_draft),
        GetDraft => cmd!(op, drafts::DraftRef, drafts::get_draft),
        DiscardDraft => cmd!(op, drafts::DraftRef, drafts::discard_draft),
        DueAlerts => cmd!(op, alerts::DueAlertsArgs, alerts::due_alerts),
        FindWorkers => cmd!(op, pickers::FindWorkersArgs, pickers::find_workers),
        ListWorkers => cmd!(op, adv::ListWorkersArgs, adv::list_workers),
        ListTemplates => cmd!(op, adv::list_templates),
        CalendarYear => cmd!(op, adv::CalendarYearArgs, adv::calendar_year),
        SetCalendarDay => cmd!(op, adv::SetCalendarDayArgs, adv::set_calendar_day),
        DutyRosters => cmd!(op, adv::duty_rosters),
        SetBranchCode => cmd!(op, adv::SetBranchCodeArgs, adv::set_branch_code),
        BranchLogo => cmd!(op, adv::branch_logo),
        SetBranchLogo => cmd!(op, adv::SetBranchLogoArgs, adv::set_branch_logo),
        AcknowledgeableLevels => cmd!(op, adv::acknowledgeable_levels),
        SubCategories => cmd!(op, taxonomy::sub_categories),
        SetSubCategories => cmd!(op, taxonomy::SetSubCategoriesArgs, taxonomy::set_sub_categories),
        RenderDocument => cmd!(op, crate::docs::DocumentArgs, crate::docs::render_document),
        ExportDocument => cmd!(op, crate::docs::ExportDocumentArgs, crate::docs::export_document),
        VerifyReceipt => cmd!(op, crate::docs::VerifyReceiptArgs, crate::docs::verify_receipt),
        Kpis => cmd!(op, crate::report::kpi::KpisArgs, crate::report::kpi::kpis),
        KpiComplaints => cmd!(op, crate::report::drill::KpiComplaintsArgs, crate::report::drill::kpi_complaints),
        KpiDefinitions => cmd!(op, crate::report::kpi::DefinitionsArgs, crate::report::kpi::kpi_definitions),
        MonthlyReport => cmd!(op, crate::report::monthly::MonthlyReportArgs, crate::report::monthly::monthly_report),
        MonthlyRegister => cmd!(op, crate::report::monthly::ReportRowsArgs, crate::report::monthly::monthly_register),
        MonthlySurveys => cmd!(op, crate::report::monthly::ReportRowsArgs, crate::report::monthly::monthly_surveys),
        ExportMonthlyReport => cmd!(op, crate::report::export::ExportMonthlyReportArgs, crate::report::export::export_monthly_report),
        ReportStatus => cmd!(op, crate::report::monthly::ReportStatusArgs, crate::report::monthly::report_status),
        FileReport => cmd!(op, crate::report::monthly::FileReportArgs, crate::report::monthly::file_report),
        ExportComplaints => cmd!(op, crate::report::export::ExportComplaintsArgs, crate::report::export::export_complaints),
        ImportCustomers => cmd!(op, crate::report::import::ImportArgs, crate::report::import::import_customers),
        ImportWorkers => cmd!(op, crate::report::import::ImportArgs, crate::report::import::import_workers),
        CaseLibrary => cmd!(op, crate::report::cases::CaseLibraryArgs, crate::report::cases::case_library),
        ReportSettings => cmd!(op, crate::report::thresholds::report_settings),
        SetReportSettings => cmd!(op, crate::report::thresholds::ReportSettings, crate::report::thresholds::set_report_settings),
        BackupNow => Command {
            after_failure: Some(crate::maintenance::backup::log_failed_backup_now),
            ..cmd!(op, crate::maintenance::backup::BackupNowArgs, crate::maintenance::backup::backup_now)
        },
        ListBackups => cmd!(op, crate::maintenance::backup::ListBackupsArgs, crate::maintenance::backup::list_backups),
        VerifyBackup => cmd!(op, crate::maintenance::backup::BackupPathArgs, crate::maintenance::backup::verify_backup),
        BackupSettings => cmd!(op, crate::maintenance::backup::backup_settings),
        SetBackupSettings => cmd!(op, crate::maintenance::backup::SetBackupSettingsArgs, crate::maintenance::backup::set_backup_settings),
        PreviewRestore => cmd!(op, crate::maintenance::backup::BackupPathArgs, crate::maintenance::backup::preview_restore),
        RestoreBackup => cmd!(op, crate::maintenance::backup::RestoreBackupArgs, crate::maintenance::backup::restore_backup),
        RetentionStatus => cmd!(op, crate::retention::CustomerArgs, crate::retention::retention_status),
        RetentionDue => cmd!(op, crate::retention::RetentionDueArgs, crate::retention::retention_due),
        RetentionSettings => cmd!(op, crate::retention::retention_settings),
        SetRetentionYears => cmd!(op, crate::retention::SetRetentionArgs, crate::retention::set_retention_years),
        AnonymiseCustomer => cmd!(op, crate::retention::AnonymiseArgs, crate::retention::anonymise_customer),
    }
}

/// Runs one command as `login` at `now`, in one transaction, and returns its reply as a value
/// (the CLI and tests, which look inside the reply).
pub fn call(store: &mut Store, now: DateTime<Utc>, login: &str, name: &str, args: Value) -> std::result::Result<Value, ApiError> {
    let raw = call_raw(store, now, login, name, args)?;
    serde_json::from_str(&raw).map_err(|e| CoreError::Integrity(format!("reading a reply: {e}")).to_api())
}

/// The same as [`call`], with the reply as JSON text: what the desktop window receives, passed
/// on without being parsed and serialised again.
pub fn call_raw(store: &mut Store, now: DateTime<Utc>, login: &str, name: &str, args: Value) -> std::result::Result<String, ApiError> {
    run(store, now, login, name, args).map_err(|e| e.to_api())
}

/// The registry, built once, indexed by `Op` (building the list of commands per call showed in
/// the board's profile).
pub fn registry() -> &'static [Command] {
    static REGISTRY: std::sync::OnceLock<Vec<Command>> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(commands)
}

/// What an account that must change its password may still do: change it, and say who it is.
/// (Signing out is the desk's, not a command.)
pub const BEFORE_PASSWORD_CHANGE: &[Op] = &[Op::SetPassword, Op::Whoami];

fn run(store: &mut Store, now: DateTime<Utc>, login: &str, name: &str, args: Value) -> Result<String> {
    let op = Op::from_name(name).ok_or_else(|| CoreError::UnknownCommand(name.to_string()))?;
    let cmd = &registry()[op as usize];
    let dir = store.attachments_dir();
    let tx = store.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let actor = auth::actor_by_login(&tx, login).map_err(|_| CoreError::Unauthenticated)?;
    if actor.must_change_password && !BEFORE_PASSWORD_CHANGE.contains(&op) {
        return Err(CoreError::PasswordChangeRequired);
    }
    let ctx = Ctx { conn: &tx, now, actor: &actor, attachments_dir: &dir, op };
    let kept_args = cmd.after_failure.map(|_| args.clone());
    let result = catch_unwind(AssertUnwindSafe(|| (cmd.run)(&ctx, args)))
        .unwrap_or_else(|_| Err(CoreError::Integrity(format!("internal error in {name}; nothing was changed"))));
    match result {
        Ok(v) => {
            tx.commit()?;
            if op == Op::AnonymiseCustomer {
                // Files and freed pages can only be erased once the change is durable (R7.2).
                crate::retention::after_anonymise(&store.conn, &dir);
            }
            Ok(v)
        }
        Err(e) => {
            drop(tx); // rolls back
            if let (Some(after), Some(a)) = (cmd.after_failure, kept_args) {
                after(&store.conn, now, &a, &e);
            }
            Err(e)
        }
    }
}

/// `cdesk commands`: every command with the JSON schema of its arguments.
pub fn describe() -> Value {
    Value::Array(
        commands()
            .iter()
            .map(|c| json!({ "name": c.name, "read_only": c.read_only, "args": (c.schema)(), "roles": c.op.roles() }))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_argument_is_named_and_anything_else_stays_a_bad_shape() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct A {
            category: crate::model::Category,
            description: String,
        }
        let e = parse::<A>(json!({ "description": "x" })).unwrap_err().to_api();
        assert_eq!((e.code, e.message_key.as_str()), ("bad_arguments", "error.invalid.required"));
        assert_eq!((e.details["field"].as_str(), e.details["reason"].as_str()), (Some("category"), Some("required")));
        let e = parse::<A>(json!({ "category": "nonsense", "description": "x" })).unwrap_err().to_api();
        assert_eq!((e.code, e.message_key.as_str()), ("bad_arguments", "error.bad_arguments"));
        assert!(e.details.get("field").is_none(), "an unknown value is not a missing field: {e:?}");
        assert_eq!(missing_field("missing field `a b`"), None);
        assert_eq!(missing_field("missing field ``"), None);
        assert_eq!(missing_field("missing field `sub_category` at line 1"), Some("sub_category"));
    }

    /// Where a schema leaves a value open (`true`, `{}`, an object of anything, an array of
    /// anything): what the generated TypeScript can only call `any`. Paths are JSON pointers.
    fn holes(s: &Value, path: &str, out: &mut Vec<String>) {
        const META: &[&str] =
            &["description", "title", "default", "examples", "readOnly", "writeOnly", "deprecated", "$comment", "$schema"];
        let o = match s {
            Value::Bool(true) => return out.push(path.to_string()),
            Value::Object(o) => o,
            _ => return,
        };
        if o.keys().all(|k| META.contains(&k.as_str())) {
            return out.push(path.to_string());
        }
        let is = |t: &str| match o.get("type") {
            Some(Value::String(x)) => x == t,
            Some(Value::Array(xs)) => xs.iter().any(|x| x == t),
            _ => false,
        };
        if is("object") && !o.contains_key("properties") && !o.contains_key("additionalProperties") && !o.contains_key("patternProperties")
        {
            out.push(path.to_string());
        }
        if is("array") && !o.contains_key("items") && !o.contains_key("prefixItems") {
            out.push(path.to_string());
        }
        for key in ["properties", "$defs", "patternProperties"] {
            if let Some(Value::Object(m)) = o.get(key) {
                for (k, v) in m {
                    holes(v, &format!("{path}/{key}/{k}"), out);
                }
            }
        }
        for key in ["anyOf", "oneOf", "allOf", "prefixItems"] {
            if let Some(Value::Array(a)) = o.get(key) {
                for (i, v) in a.iter().enumerate() {
                    holes(v, &format!("{path}/{key}/{i}"), out);
                }
            }
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(v @ Value::Object(_)) | Some(v @ Value::Bool(true)) = o.get(key) {
                holes(v, &format!("{path}/{key}"), out);
            }
        }
    }

    /// The values left open on purpose, each with why: a form draft is the window's own
    /// unfinished form, kept as it sends it; an error's details are the parameters of its message
    /// text, whatever that message needs; a timeline event's data is typed per kind elsewhere.
    const OPEN_BY_DESIGN: &[&str] =
        &["/$defs/Draft/properties/draft", "/$defs/RunFailure/properties/details", "/$defs/Event/properties/data"];

    #[test]
    fn no_reply_schema_is_unconstrained() {
        let reg = registry();
        assert!(!reg.is_empty(), "the registry lists no commands");
        let mut found = Vec::new();
        for c in reg {
            let schema = (c.result)().to_value();
            let mut h = Vec::new();
            holes(&schema, "", &mut h);
            for p in h {
                if !OPEN_BY_DESIGN.contains(&p.as_str()) {
                    found.push(format!("{}: {}", c.name, if p.is_empty() { "the whole reply" } else { p.as_str() }));
                }
            }
        }
        found.sort();
        found.dedup();
        assert!(found.is_empty(), "replies with values of any shape (give them a type):\n{}", found.join("\n"));
    }

    #[test]
    fn the_hole_finder_finds_holes() {
        // The check above can only fail if this finds what it must.
        let mut h = Vec::new();
        holes(&json!(true), "", &mut h);
        holes(&json!({ "description": "x" }), "/a", &mut h);
        holes(&json!({ "type": "object" }), "/b", &mut h);
        holes(&json!({ "type": "array" }), "/c", &mut h);
        holes(&json!({ "type": "object", "properties": { "d": true, "e": { "type": "string" } } }), "", &mut h);
        holes(&json!({ "anyOf": [{ "type": "null" }, {}] }), "/f", &mut h);
        assert_eq!(h, ["", "/a", "/b", "/c", "/properties/d", "/f/anyOf/1"]);
        let mut none = Vec::new();
        holes(&reply_schema::<crate::reply::StageNow>().to_value(), "", &mut none);
        assert!(none.is_empty(), "{none:?}");
    }
}
