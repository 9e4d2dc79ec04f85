//! Closed vocabularies of the rule book. Each has `as_str`/`parse` so the store can keep them as
//! readable text and reject anything else.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// Every value, in declaration order (used by pickers and by exhaustive tests).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                $name::parse(s).ok_or_else(|| rusqlite::types::FromSqlError::Other(
                    format!("unknown {} value {s:?}", stringify!($name)).into()))
            }
        }
    };
}

text_enum! {
    /// R2.2: customer tier, frozen on the complaint at registration.
    Tier { Vip = "vip", Regular = "regular", Temporary = "temporary" }
}

text_enum! {
    /// R2.1: nature of a complaint.
    Nature { General = "general", Major = "major" }
}

text_enum! {
    /// R2.3: top-level content category (sub-categories are configurable text).
    Category { Business = "business", Service = "service", Comprehensive = "comprehensive", Other = "other" }
}

text_enum! {
    /// R2.4: how the complaint reached us.
    Channel {
        Phone = "phone", WalkIn = "walk_in", Letter = "letter", Online = "online", Email = "email",
        SocialMedia = "social_media", ThirdParty = "third_party", Transferred = "transferred",
        MediaExposure = "media_exposure",
    }
}

impl Channel {
    /// R3.2: only a walk-in customer is normally in front of the clerk to sign on screen.
    pub fn customer_present_by_default(self) -> bool {
        matches!(self, Channel::WalkIn)
    }
}

text_enum! {
    /// R2.1: the source of a transferred/co-handled complaint (转办/协办). Every one of these makes it major.
    TransferSource {
        NewsMedia = "news_media", SupervisoryDepartment = "supervisory_department",
        IndustryAuthority = "industry_authority", ConsumerAssociation = "consumer_association",
        CompanyLeadership = "company_leadership",
    }
}

text_enum! {
    /// R7.7: what a staff member may do is decided by this.
    Role {
        CsAgent = "cs_agent", DeptHandler = "dept_handler", CsManager = "cs_manager",
        BranchManager = "branch_manager", Admin = "admin", Auditor = "auditor",
    }
}

text_enum! {
    /// The lifecycle stage of a complaint (sections 3–6). See `workflow::transitions` for the graph.
    Stage {
        Registered = "registered", Reviewed = "reviewed", Dispatched = "dispatched",
        InHandling = "in_handling", AwaitingCustomer = "awaiting_customer",
        Implementing = "implementing", FollowUp = "follow_up", Closed = "closed",
        NotAccepted = "not_accepted", Cancelled = "cancelled",
    }
}

impl Stage {
    /// Terminal stages take no more handling steps (a closed complaint can still be reopened).
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Closed | Stage::NotAccepted | Stage::Cancelled)
    }
}

text_enum! {
    /// R3.4: the only reasons a complaint may be refused.
    NotAcceptedReason {
        AlreadySettled = "already_settled", HandledByCourtOrArbitration = "handled_by_court_or_arbitration",
        OtherLegalProvisions = "other_legal_provisions", Malicious = "malicious",
    }
}

text_enum! {
    /// R3.5: why a complaint is invalid and cancelled.
    InvalidReason { Duplicate = "duplicate", WrongParty = "wrong_party", NotOurService = "not_our_service" }
}

text_enum! {
    /// R5.3: outcome of the department's investigation.
    Finding { True = "true", NotTrue = "not_true", PartlyTrue = "partly_true" }
}

text_enum! {
    /// R5.5: forms of compensation and apology.
    CompensationKind {
        Apology = "apology", FreeReservice = "free_reservice", ReplacementWorker = "replacement_worker",
        Refund = "refund", PartialRefund = "partial_refund", Voucher = "voucher", Cash = "cash",
    }
}

text_enum! {
    /// R6.1: the five satisfaction levels, best first.
    Satisfaction {
        VerySatisfied = "very_satisfied", Satisfied = "satisfied", Neutral = "neutral",
        Dissatisfied = "dissatisfied", VeryDissatisfied = "very_dissatisfied",
    }
}

impl Satisfaction {
    /// R6.2: only these two let a complaint close normally.
    pub fn is_satisfied(self) -> bool {
        matches!(self, Satisfaction::VerySatisfied | Satisfaction::Satisfied)
    }

    /// 5 = very satisfied … 1 = very dissatisfied (for means in reports).
    pub fn score(self) -> u8 {
        match self {
            Satisfaction::VerySatisfied => 5,
            Satisfaction::Satisfied => 4,
            Satisfaction::Neutral => 3,
            Satisfaction::Dissatisfied => 2,
            Satisfaction::VeryDissatisfied => 1,
        }
    }
}

text_enum! {
    /// R6.1: how the follow-up visit was made.
    SurveyMethod { Phone = "phone", Visit = "visit", Sms = "sms" }
}

text_enum! {
    /// Preferred way of replying to the customer (R3.1).
    ReplyMethod { Phone = "phone", Sms = "sms", Email = "email", Letter = "letter", Visit = "visit", #[serde(rename = "wechat")] WeChat = "wechat" }
}

text_enum! {
    /// Deadline-bearing steps (R3.3, R4.1–R4.4).
    StepKind {
        ReportMajor = "report_major", Dispatch = "dispatch", StageReply = "stage_reply",
        FinalHandling = "final_handling", Department = "department", FollowUp = "follow_up",
    }
}

text_enum! {
    /// What a signature attests (R7.11).
    SignaturePurpose { Registration = "registration", Agreement = "agreement", Survey = "survey", Pause = "pause" }
}

text_enum! {
    /// Links between complaints (R2.1 batch, R3.6 repeat, R6.3 appeal).
    LinkKind { Repeat = "repeat", Batch = "batch", Appeal = "appeal" }
}

text_enum! {
    /// R3.8: the escalation chain, top first; the CS department keeps the final record.
    EscalationLevel {
        GeneralManager = "general_manager", OfficeDirector = "office_director",
        CsManager = "cs_manager", CsDepartment = "cs_department",
    }
}
