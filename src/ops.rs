//! The one table of operations: each command's name, whether it only reads, the roles that may
//! run it (R7.7) and, for the lifecycle's operations, the stages it starts from and may leave a
//! complaint in, and the board drags it answers. The registry (`api`), the role matrix (`auth`),
//! the lifecycle graph (`workflow::transitions`) and the window's generated tables are read off
//! it, so an operation cannot be in one of them and missing from another. Each `Op` gets its
//! handler in `api::command`, a `match` the compiler holds to every variant; a handler reads its
//! operation from the context it is run with and never names itself.

use crate::model::{Role, Stage};

use Role::*;
use Stage::*;

/// What the table says of one operation.
#[derive(Debug)]
pub struct Spec {
    /// The command's name on the wire (`cdesk call <name>`, the window, error details).
    pub name: &'static str,
    /// True for commands that only read (they still log personal-data access).
    pub read_only: bool,
    /// The roles that may run it; anyone else is refused (R7.7).
    pub roles: &'static [Role],
    /// For an operation on one complaint's lifecycle: the stages it may start from, and the stages
    /// it may leave the complaint in (empty: the stage stays). `None`: not on the graph (reads,
    /// settings), so no stage check.
    pub edges: Option<(&'static [Stage], &'static [Stage])>,
    /// The board drags (from stage, to stage) that open this operation's dialog; for one pair,
    /// the candidates are offered in the order of this table. Closed stands for the board's
    /// "closed today" column.
    pub moves: &'static [(Stage, Stage)],
}

const CS: &[Role] = &[CsAgent, CsManager];
const CS_AND_BRANCH: &[Role] = &[CsAgent, CsManager, BranchManager];
const SUPERVISORS: &[Role] = &[CsManager];
const ALL: &[Role] = &[CsAgent, DeptHandler, CsManager, BranchManager, Admin, Auditor];
const ADMIN: &[Role] = &[Admin];
const DEPT: &[Role] = &[DeptHandler, CsManager];
const REPORTS: &[Role] = &[CsManager, BranchManager, Auditor, Admin];
const DOCUMENTS: &[Role] = &[CsAgent, DeptHandler, CsManager, BranchManager, Auditor];
const BACKUP_READERS: &[Role] = &[Admin, BranchManager, CsManager, Auditor];

const OPEN: &[Stage] = &[Registered, Reviewed, Dispatched, InHandling, AwaitingCustomer, Implementing, FollowUp];
const ANY: &[Stage] =
    &[Registered, Reviewed, Dispatched, InHandling, AwaitingCustomer, Implementing, FollowUp, Closed, NotAccepted, Cancelled];
const HANDLED: &[Stage] = &[Dispatched, InHandling, AwaitingCustomer, Implementing, FollowUp];
const STAYS: &[Stage] = &[];

macro_rules! ops {
    ($($op:ident = $name:literal, $rw:ident, $roles:expr $(, $from:expr => $to:expr)? $(, moves $moves:expr)?;)*) => {
        /// Every operation of the core, in the order a complaint meets them (the registry's order).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Op { $($op),* }

        impl Op {
            pub const ALL: &'static [Op] = &[$(Op::$op),*];

            pub const fn spec(self) -> &'static Spec {
                match self {
                    $(Op::$op => {
                        const S: Spec = Spec {
                            name: $name,
                            read_only: ops!(@ro $rw),
                            roles: $roles,
                            edges: ops!(@edges $($from => $to)?),
                            moves: ops!(@moves $($moves)?),
                        };
                        &S
                    })*
                }
            }

            /// The operation a wire name stands for (`None`: no such command).
            pub fn from_name(name: &str) -> Option<Op> {
                match name {
                    $($name => Some(Op::$op),)*
                    _ => None,
                }
            }
        }
    };
    (@ro read) => { true };
    (@ro write) => { false };
    (@edges) => { None };
    (@edges $from:expr => $to:expr) => { Some(($from, $to)) };
    (@moves) => { &[] };
    (@moves $m:expr) => { $m };
}

ops! {
    LookupCustomer = "lookup_customer", read, CS_AND_BRANCH;
    PreviewRegistration = "preview_registration", read, CS_AND_BRANCH;
    Register = "register", write, CS_AND_BRANCH;
    AddSignature = "add_signature", write, CS, ANY => STAYS;
    AddAttachment = "add_attachment", write, &[CsAgent, CsManager, DeptHandler], ANY => STAYS;
    Review = "review", write, CS, &[Registered] => &[Reviewed], moves &[(Registered, Reviewed)];
    Cancel = "cancel", write, CS, &[Registered, Reviewed] => &[Cancelled];
    NotAccept = "not_accept", write, CS, &[Registered, Reviewed] => &[NotAccepted];
    ReportMajor = "report_major", write, CS, OPEN => STAYS;
    SetNature = "set_nature", write, SUPERVISORS, OPEN => STAYS;
    RaiseWarning = "raise_warning", write, &[CsAgent, CsManager, BranchManager, DeptHandler], OPEN => STAYS;
    AcknowledgeEscalation = "acknowledge_escalation", write, &[CsAgent, CsManager, BranchManager], ANY => STAYS;
    Dispatch = "dispatch", write, CS, &[Reviewed] => &[Dispatched], moves &[(Reviewed, Dispatched)];
    AcceptDispatch = "accept_dispatch", write, DEPT, &[Dispatched] => &[InHandling], moves &[(Dispatched, InHandling)];
    // R5.2: the department returns it to CS.
    ReturnDispatch = "return_dispatch", write, DEPT, &[Dispatched, InHandling] => &[Reviewed],
        moves &[(Dispatched, Reviewed), (InHandling, Reviewed)];
    Transfer = "transfer", write, DEPT, &[Dispatched, InHandling] => &[Dispatched];
    Urge = "urge", write, CS_AND_BRANCH, HANDLED => STAYS;
    RecordFindings = "record_findings", write, DEPT, &[Dispatched, InHandling] => &[AwaitingCustomer],
        moves &[(Dispatched, AwaitingCustomer), (InHandling, AwaitingCustomer)];
    ReplyToCustomer = "reply_to_customer", write, CS, OPEN => STAYS;
    // The customer's answer to the solution: agree → implement (or straight to follow-up when
    // nothing is to be done), disagree → back to the department (R5.4).
    RecordCustomerDecision = "record_customer_decision", write, CS, &[AwaitingCustomer] => &[Implementing, FollowUp, Dispatched],
        moves &[(AwaitingCustomer, Implementing), (AwaitingCustomer, FollowUp), (AwaitingCustomer, Dispatched)];
    ApproveCompensation = "approve_compensation", write, &[CsManager, BranchManager], &[AwaitingCustomer, Implementing] => STAYS;
    Implement = "implement", write, &[CsAgent, CsManager, DeptHandler], &[Implementing] => &[FollowUp], moves &[(Implementing, FollowUp)];
    PauseForHoliday = "pause_for_holiday", write, CS, OPEN => STAYS;
    RecordContactAttempt = "record_contact_attempt", write, CS, &[FollowUp] => STAYS;
    // R6.2: close after a satisfied survey (the survey's dialog offers closing); a supervisor may
    // close with a reason.
    Survey = "survey", write, CS, &[FollowUp] => &[FollowUp, Dispatched], moves &[(FollowUp, Closed)];
    Close = "close", write, CS, &[FollowUp] => &[Closed], moves &[(FollowUp, Closed)];
    SupervisorClose = "supervisor_close", write, SUPERVISORS, HANDLED => &[Closed],
        moves &[(Dispatched, Closed), (InHandling, Closed), (AwaitingCustomer, Closed), (Implementing, Closed), (FollowUp, Closed)];
    Reopen = "reopen", write, SUPERVISORS, &[Closed] => &[Reviewed], moves &[(Closed, Reviewed)];
    Appeal = "appeal", write, CS, &[Closed] => STAYS;
    AddCase = "add_case", write, &[CsManager, BranchManager], &[Closed] => STAYS;
    FileDutyRoster = "file_duty_roster", write, &[DeptHandler, CsManager, Admin];
    GetComplaint = "get_complaint", read, ALL;
    Timeline = "timeline", read, ALL;
    Board = "board", read, ALL;
    Search = "search", read, ALL;
    Escalations = "escalations", read, ALL;
    Cases = "cases", read, ALL;
    SaveView = "save_view", write, ALL;
    ListViews = "list_views", read, ALL;
    VerifySignatures = "verify_signatures", read, &[CsManager, BranchManager, Admin, Auditor];
    ReferenceData = "reference_data", read, ALL;
    Whoami = "whoami", read, ALL;
    GetSettings = "get_settings", read, ALL;
    UpsertDepartment = "upsert_department", write, ADMIN;
    UpsertUser = "upsert_user", write, ADMIN;
    UpsertWorker = "upsert_worker", write, ADMIN;
    UpsertTemplate = "upsert_template", write, &[Admin, CsManager];
    UpdateBranch = "update_branch", write, ADMIN;
    SetPolicy = "set_policy", write, ADMIN;
    SelectPolicy = "select_policy", write, ADMIN;
    ImportCalendar = "import_calendar", write, ADMIN;
    ExportCalendar = "export_calendar", read, ALL;
    SetSetting = "set_setting", write, ADMIN;
    SetPassword = "set_password", write, ALL;
    SaveDraft = "save_draft", write, CS_AND_BRANCH;
    GetDraft = "get_draft", read, CS_AND_BRANCH;
    DiscardDraft = "discard_draft", write, CS_AND_BRANCH;
    DueAlerts = "due_alerts", read, ALL;
    FindWorkers = "find_workers", read, ALL;
    ListWorkers = "list_workers", read, ADMIN;
    ListTemplates = "list_templates", read, &[Admin, CsManager];
    CalendarYear = "calendar_year", read, ALL;
    SetCalendarDay = "set_calendar_day", write, ADMIN;
    DutyRosters = "duty_rosters", read, ALL;
    SetBranchCode = "set_branch_code", write, ADMIN;
    BranchLogo = "branch_logo", read, ALL;
    SetBranchLogo = "set_branch_logo", write, ADMIN;
    AcknowledgeableLevels = "acknowledgeable_levels", read, ALL;
    SubCategories = "sub_categories", read, ALL;
    SetSubCategories = "set_sub_categories", write, ADMIN;
    RenderDocument = "render_document", read, DOCUMENTS;
    ExportDocument = "export_document", read, DOCUMENTS;
    VerifyReceipt = "verify_receipt", read, &[CsAgent, CsManager, BranchManager, Admin, Auditor];
    Kpis = "kpis", read, REPORTS;
    KpiComplaints = "kpi_complaints", read, REPORTS;
    KpiDefinitions = "kpi_definitions", read, ALL;
    MonthlyReport = "monthly_report", read, REPORTS;
    MonthlyRegister = "monthly_register", read, REPORTS;
    MonthlySurveys = "monthly_surveys", read, REPORTS;
    ExportMonthlyReport = "export_monthly_report", read, REPORTS;
    ReportStatus = "report_status", read, ALL;
    FileReport = "file_report", write, &[CsManager, BranchManager];
    ExportComplaints = "export_complaints", read, &[CsAgent, CsManager, BranchManager, Auditor];
    ImportCustomers = "import_customers", write, ADMIN;
    ImportWorkers = "import_workers", write, ADMIN;
    CaseLibrary = "case_library", read, ALL;
    ReportSettings = "report_settings", read, ALL;
    SetReportSettings = "set_report_settings", write, ADMIN;
    BackupNow = "backup_now", write, &[Admin, BranchManager];
    ListBackups = "list_backups", read, BACKUP_READERS;
    VerifyBackup = "verify_backup", read, BACKUP_READERS;
    BackupSettings = "backup_settings", read, BACKUP_READERS;
    SetBackupSettings = "set_backup_settings", write, ADMIN;
    PreviewRestore = "preview_restore", read, ADMIN;
    RestoreBackup = "restore_backup", write, ADMIN;
    RetentionStatus = "retention_status", read, BACKUP_READERS;
    RetentionDue = "retention_due", read, BACKUP_READERS;
    RetentionSettings = "retention_settings", read, ALL;
    SetRetentionYears = "set_retention_years", write, ADMIN;
    AnonymiseCustomer = "anonymise_customer", write, ADMIN;
}

impl Op {
    pub const fn name(self) -> &'static str {
        self.spec().name
    }

    pub const fn read_only(self) -> bool {
        self.spec().read_only
    }

    pub const fn roles(self) -> &'static [Role] {
        self.spec().roles
    }

    /// May `role` run this operation at all (R7.7)?
    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }

    /// The stages it may start from, for an operation on the lifecycle graph.
    pub const fn from_stages(self) -> Option<&'static [Stage]> {
        match self.spec().edges {
            Some((from, _)) => Some(from),
            None => None,
        }
    }
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_read_back() {
        for &op in Op::ALL {
            assert_eq!(Op::from_name(op.name()), Some(op), "{op:?}");
        }
        assert_eq!(Op::from_name("no_such_operation"), None);
    }

    #[test]
    fn a_board_move_starts_where_its_operation_may_start() {
        // A drop that opens a dialog the core must refuse is a broken promise on the board.
        for &op in Op::ALL {
            for (from, _) in op.spec().moves {
                assert!(op.from_stages().is_some_and(|f| f.contains(from)), "{op} is offered from {from:?}");
            }
        }
    }
}
