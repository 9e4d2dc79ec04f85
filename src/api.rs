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

/// The reply schema of a handler, read off its signature so it can never drift from the code.
fn result_schema<A, R: schemars::JsonSchema>(_: fn(&Ctx, &A) -> Result<R>) -> schemars::Schema {
    reply_schema::<R>()
}

fn result_schema0<R: schemars::JsonSchema>(_: fn(&Ctx) -> Result<R>) -> schemars::Schema {
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

    #[test]
    fn every_graph_operation_is_a_command() {
        let names: Vec<&str> = commands().iter().map(|c| c.name).collect();
        for (op, _, _) in crate::workflow::transitions::GRAPH {
            assert!(names.contains(op), "{op} is in the lifecycle graph but not callable");
        }
    }
}
