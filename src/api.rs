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
use crate::store::Store;
use crate::workflow::{acceptance as acc, accounts, admin, admin_views as adv, alerts, drafts, pickers, taxonomy, dispatch as dis, followup as fol, handling as han, intake, views, Ctx};

pub struct Command {
    pub name: &'static str,
    /// True for commands that only read (they still log personal-data access).
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
    crate::reply::Done, crate::reply::StageNow, crate::reply::Dispatched, crate::reply::Code, crate::reply::Login,
    crate::reply::Created,
    Actor, crate::timeline::Event, crate::model::EscalationLevel,
    intake::CustomerProfile, intake::RegistrationPlan, intake::SignatureAdded, intake::AttachmentAdded,
    acc::NatureNow, acc::WarningLevelNow, dis::Urged, han::Approved,
    fol::ContactAttempts, fol::Surveyed, fol::CaseAdded, fol::RosterFiled,
    views::ComplaintDetail, views::SearchResult, views::EscalationRow, views::CaseRow, views::ViewSaved, views::SavedView,
    views::SignatureCheck,
    admin::Settings, admin::ReferenceData, admin::CalendarImported, admin::CalendarCsv, admin::SettingSet,
    drafts::Draft, drafts::DraftSaved, drafts::DraftDiscarded, alerts::DueAlert, pickers::WorkerOption,
    adv::WorkerPage, adv::TemplateRow, adv::CalendarYear, adv::CalendarDaySet, adv::RosterRow, adv::BranchLogo,
    taxonomy::SubCategories, taxonomy::SubCategoriesSet,
    crate::docs::RenderedDocument, crate::docs::ExportedDocument, crate::docs::verify::ReceiptCheck,
    crate::report::kpi::KpiReport, crate::report::kpi::KpiDefinition, crate::report::drill::DrillResult,
    crate::report::monthly::MonthlyReply, crate::report::monthly::RegisterPage, crate::report::monthly::SurveyPage,
    crate::report::monthly::ReportStatus, crate::report::export::MonthlyReportFiles, crate::report::export::ExportedFile,
    crate::report::import::ImportResult, crate::report::cases::CaseEntry, crate::report::thresholds::ReportSettings,
    crate::store::backup::BackupReport, crate::store::backup::BackupList, crate::store::backup::BackupCheck,
    crate::store::backup::BackupSettings, crate::store::backup::commands::RestorePreview, crate::store::backup::RestoreReport,
    crate::retention::RetentionStatus, crate::retention::RetentionDue, crate::retention::RetentionSettings,
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

macro_rules! cmd {
    ($name:literal, $ro:expr, $args:ty, $f:path) => {
        Command {
            name: $name,
            read_only: $ro,
            schema: || schemars::schema_for!($args),
            result: || result_schema($f),
            run: |ctx, v| {
                let a: $args = parse(v)?;
                out($f(ctx, &a)?)
            },
            after_failure: None,
        }
    };
    ($name:literal, $ro:expr, $f:path) => {
        Command {
            name: $name,
            read_only: $ro,
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
    ($name:literal, $args:ty, $typed:path, $json:path) => {
        Command {
            name: $name,
            read_only: true,
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
    ctx.begin("whoami", None)?;
    Ok(ctx.actor.clone())
}

/// Every command, in the order a complaint meets them.
pub fn commands() -> Vec<Command> {
    vec![
        cmd!("lookup_customer", true, intake::LookupCustomerArgs, intake::lookup_customer),
        cmd!("preview_registration", true, intake::RegisterArgs, intake::preview),
        cmd!("register", false, intake::RegisterArgs, intake::register),
        cmd!("add_signature", false, intake::AddSignatureArgs, intake::add_signature),
        cmd!("add_attachment", false, intake::AddAttachmentArgs, intake::add_attachment),
        cmd!("review", false, acc::ReviewArgs, acc::review),
        cmd!("cancel", false, acc::CancelArgs, acc::cancel),
        cmd!("not_accept", false, acc::NotAcceptArgs, acc::not_accept),
        cmd!("report_major", false, acc::ReportMajorArgs, acc::report_major),
        cmd!("set_nature", false, acc::SetNatureArgs, acc::set_nature),
        cmd!("raise_warning", false, acc::RaiseWarningArgs, acc::raise_warning),
        cmd!("acknowledge_escalation", false, acc::AcknowledgeArgs, acc::acknowledge_escalation),
        cmd!("dispatch", false, dis::DispatchArgs, dis::dispatch),
        cmd!("accept_dispatch", false, dis::ComplaintRef, dis::accept_dispatch),
        cmd!("return_dispatch", false, dis::ReturnArgs, dis::return_dispatch),
        cmd!("transfer", false, dis::TransferArgs, dis::transfer),
        cmd!("urge", false, dis::UrgeArgs, dis::urge),
        cmd!("record_findings", false, han::FindingsArgs, han::record_findings),
        cmd!("reply_to_customer", false, han::ReplyArgs, han::reply_to_customer),
        cmd!("record_customer_decision", false, han::DecisionArgs, han::record_customer_decision),
        cmd!("approve_compensation", false, han::ApproveArgs, han::approve_compensation),
        cmd!("implement", false, han::ImplementArgs, han::implement),
        cmd!("pause_for_holiday", false, fol::PauseArgs, fol::pause_for_holiday),
        cmd!("record_contact_attempt", false, fol::ContactAttemptArgs, fol::record_contact_attempt),
        cmd!("survey", false, fol::SurveyArgs, fol::survey),
        cmd!("close", false, dis::ComplaintRef, fol::close),
        cmd!("supervisor_close", false, fol::ReasonArgs, fol::supervisor_close),
        cmd!("reopen", false, fol::ReasonArgs, fol::reopen),
        cmd!("appeal", false, intake::AppealArgs, intake::appeal),
        cmd!("add_case", false, fol::AddCaseArgs, fol::add_case),
        cmd!("file_duty_roster", false, fol::DutyRosterArgs, fol::file_duty_roster),
        cmd!("get_complaint", true, views::GetArgs, views::get_complaint),
        cmd!("timeline", true, views::GetArgs, views::timeline),
        json_cmd!("board", views::SearchArgs, views::search, views::search_json),
        json_cmd!("search", views::SearchArgs, views::search, views::search_json),
        cmd!("escalations", true, views::escalations),
        cmd!("cases", true, views::CasesArgs, views::cases),
        cmd!("save_view", false, views::SaveViewArgs, views::save_view),
        cmd!("list_views", true, views::list_views),
        cmd!("verify_signatures", true, views::VerifySignaturesArgs, views::verify_signatures),
        cmd!("reference_data", true, admin::reference_data),
        cmd!("whoami", true, whoami),
        cmd!("get_settings", true, admin::get_settings),
        cmd!("upsert_department", false, admin::DepartmentArgs, admin::upsert_department),
        cmd!("upsert_user", false, admin::UserArgs, admin::upsert_user),
        cmd!("upsert_worker", false, admin::WorkerArgs, admin::upsert_worker),
        cmd!("upsert_template", false, admin::TemplateArgs, admin::upsert_template),
        cmd!("update_branch", false, admin::BranchArgs, admin::update_branch),
        cmd!("set_policy", false, admin::SetPolicyArgs, admin::set_policy),
        cmd!("select_policy", false, admin::SelectPolicyArgs, admin::select_policy),
        cmd!("import_calendar", false, admin::ImportCalendarArgs, admin::import_calendar),
        cmd!("export_calendar", true, admin::export_calendar),
        cmd!("set_setting", false, admin::SetSettingArgs, admin::set_setting),
        cmd!("set_password", false, accounts::SetPasswordArgs, accounts::set_password),
        cmd!("save_draft", false, drafts::SaveDraftArgs, drafts::save_draft),
        cmd!("get_draft", true, drafts::DraftRef, drafts::get_draft),
        cmd!("discard_draft", false, drafts::DraftRef, drafts::discard_draft),
        cmd!("due_alerts", true, alerts::DueAlertsArgs, alerts::due_alerts),
        cmd!("find_workers", true, pickers::FindWorkersArgs, pickers::find_workers),
        cmd!("list_workers", true, adv::ListWorkersArgs, adv::list_workers),
        cmd!("list_templates", true, adv::list_templates),
        cmd!("calendar_year", true, adv::CalendarYearArgs, adv::calendar_year),
        cmd!("set_calendar_day", false, adv::SetCalendarDayArgs, adv::set_calendar_day),
        cmd!("duty_rosters", true, adv::duty_rosters),
        cmd!("set_branch_code", false, adv::SetBranchCodeArgs, adv::set_branch_code),
        cmd!("branch_logo", true, adv::branch_logo),
        cmd!("set_branch_logo", false, adv::SetBranchLogoArgs, adv::set_branch_logo),
        cmd!("acknowledgeable_levels", true, adv::acknowledgeable_levels),
        cmd!("sub_categories", true, taxonomy::sub_categories),
        cmd!("set_sub_categories", false, taxonomy::SetSubCategoriesArgs, taxonomy::set_sub_categories),
        cmd!("render_document", true, crate::docs::DocumentArgs, crate::docs::render_document),
        cmd!("export_document", true, crate::docs::ExportDocumentArgs, crate::docs::export_document),
        cmd!("verify_receipt", true, crate::docs::VerifyReceiptArgs, crate::docs::verify_receipt),
        cmd!("kpis", true, crate::report::kpi::KpisArgs, crate::report::kpi::kpis),
        cmd!("kpi_complaints", true, crate::report::drill::KpiComplaintsArgs, crate::report::drill::kpi_complaints),
        cmd!("kpi_definitions", true, crate::report::kpi::DefinitionsArgs, crate::report::kpi::kpi_definitions),
        cmd!("monthly_report", true, crate::report::monthly::MonthlyReportArgs, crate::report::monthly::monthly_report),
        cmd!("monthly_register", true, crate::report::monthly::ReportRowsArgs, crate::report::monthly::monthly_register),
        cmd!("monthly_surveys", true, crate::report::monthly::ReportRowsArgs, crate::report::monthly::monthly_surveys),
        cmd!("export_monthly_report", true, crate::report::export::ExportMonthlyReportArgs, crate::report::export::export_monthly_report),
        cmd!("report_status", true, crate::report::monthly::ReportStatusArgs, crate::report::monthly::report_status),
        cmd!("file_report", false, crate::report::monthly::FileReportArgs, crate::report::monthly::file_report),
        cmd!("export_complaints", true, crate::report::export::ExportComplaintsArgs, crate::report::export::export_complaints),
        cmd!("import_customers", false, crate::report::import::ImportArgs, crate::report::import::import_customers),
        cmd!("import_workers", false, crate::report::import::ImportArgs, crate::report::import::import_workers),
        cmd!("case_library", true, crate::report::cases::CaseLibraryArgs, crate::report::cases::case_library),
        cmd!("report_settings", true, crate::report::thresholds::report_settings),
        cmd!("set_report_settings", false, crate::report::thresholds::ReportSettings, crate::report::thresholds::set_report_settings),
        Command {
            after_failure: Some(crate::store::backup::commands::log_failed_backup_now),
            ..cmd!("backup_now", false, crate::store::backup::commands::BackupNowArgs, crate::store::backup::commands::backup_now)
        },
        cmd!("list_backups", true, crate::store::backup::commands::ListBackupsArgs, crate::store::backup::commands::list_backups),
        cmd!("verify_backup", true, crate::store::backup::commands::BackupPathArgs, crate::store::backup::commands::verify_backup),
        cmd!("backup_settings", true, crate::store::backup::commands::backup_settings),
        cmd!("set_backup_settings", false, crate::store::backup::commands::SetBackupSettingsArgs, crate::store::backup::commands::set_backup_settings),
        cmd!("preview_restore", true, crate::store::backup::commands::BackupPathArgs, crate::store::backup::commands::preview_restore),
        cmd!("restore_backup", false, crate::store::backup::commands::RestoreBackupArgs, crate::store::backup::commands::restore_backup),
        cmd!("retention_status", true, crate::retention::CustomerArgs, crate::retention::retention_status),
        cmd!("retention_due", true, crate::retention::RetentionDueArgs, crate::retention::retention_due),
        cmd!("retention_settings", true, crate::retention::retention_settings),
        cmd!("set_retention_years", false, crate::retention::SetRetentionArgs, crate::retention::set_retention_years),
        cmd!("anonymise_customer", false, crate::retention::AnonymiseArgs, crate::retention::anonymise_customer),
    ]
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

/// The registry, built once: every call looks its command up here (building the list of 96
/// commands per call showed in the board's profile).
pub fn registry() -> &'static [Command] {
    static REGISTRY: std::sync::OnceLock<Vec<Command>> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(commands)
}

/// What an account that must change its password may still do: change it, and say who it is.
/// (Signing out is the desk's, not a command.)
pub const BEFORE_PASSWORD_CHANGE: &[&str] = &["set_password", "whoami"];

fn run(store: &mut Store, now: DateTime<Utc>, login: &str, name: &str, args: Value) -> Result<String> {
    let cmd = registry().iter().find(|c| c.name == name).ok_or_else(|| CoreError::UnknownCommand(name.to_string()))?;
    let dir = store.attachments_dir();
    let tx = store.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let actor = auth::actor_by_login(&tx, login).map_err(|_| CoreError::Unauthenticated)?;
    if actor.must_change_password && !BEFORE_PASSWORD_CHANGE.contains(&name) {
        return Err(CoreError::PasswordChangeRequired);
    }
    let ctx = Ctx { conn: &tx, now, actor: &actor, attachments_dir: &dir };
    let kept_args = cmd.after_failure.map(|_| args.clone());
    let result = catch_unwind(AssertUnwindSafe(|| (cmd.run)(&ctx, args)))
        .unwrap_or_else(|_| Err(CoreError::Integrity(format!("internal error in {name}; nothing was changed"))));
    match result {
        Ok(v) => {
            tx.commit()?;
            if name == "anonymise_customer" {
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
            .map(|c| json!({ "name": c.name, "read_only": c.read_only, "args": (c.schema)(), "roles": auth::allowed_roles(c.name) }))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_row_in_the_role_matrix() {
        // R7.7: a new operation without a row would be refused for everyone; catch it here.
        for c in commands() {
            assert!(auth::allowed_roles(c.name).is_some(), "{} has no row in auth::MATRIX", c.name);
        }
    }

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
        const META: &[&str] = &["description", "title", "default", "examples", "readOnly", "writeOnly", "deprecated", "$comment", "$schema"];
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
        if is("object") && !o.contains_key("properties") && !o.contains_key("additionalProperties") && !o.contains_key("patternProperties") {
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
    const OPEN_BY_DESIGN: &[&str] = &["/$defs/Draft/properties/draft", "/$defs/RunFailure/properties/details", "/$defs/Event/properties/data"];

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

    #[test]
    fn every_graph_operation_is_a_command() {
        let names: Vec<&str> = commands().iter().map(|c| c.name).collect();
        for (op, _, _) in crate::workflow::transitions::GRAPH {
            assert!(names.contains(op), "{op} is in the lifecycle graph but not callable");
        }
    }
}
