//! The printed documents' text in the four languages of the app: one table per language, with the
//! rule book's vocabularies (channels, categories, findings, satisfaction levels …) translated the
//! way the window translates them (`ui/src/locales/common.ts`). Enum values are looked up by their
//! position in the enum's `ALL` list, so a new variant fails to compile here (array sizes).

use crate::model::{Category, Channel, CompensationKind, Finding, Nature, NotAcceptedReason, Satisfaction, SurveyMethod, Tier};

use super::Lang;

trait Strs {
    fn push_to(&self, v: &mut Vec<&'static str>);
}

impl Strs for &'static str {
    fn push_to(&self, v: &mut Vec<&'static str>) {
        v.push(self);
    }
}

impl<const N: usize> Strs for [&'static str; N] {
    fn push_to(&self, v: &mut Vec<&'static str>) {
        v.extend_from_slice(self);
    }
}

macro_rules! texts {
    ($($(#[$m:meta])* $field:ident : $ty:ty),* $(,)?) => {
        /// Every text of the printed documents in one language.
        pub struct Texts { $($(#[$m])* pub $field: $ty),* }

        impl Texts {
            /// Every string of the table (for the font-coverage test).
            pub fn strings(&self) -> Vec<&'static str> {
                let mut v = Vec::new();
                $( self.$field.push_to(&mut v); )*
                v
            }
        }
    };
}

texts! {
    app: &'static str,
    number_label: &'static str,
    continued: &'static str,
    /// `{n}` and `{total}` are replaced.
    page_of: &'static str,
    /// `{app}`, `{time}` and `{who}` are replaced.
    footer: &'static str,
    /// The chain anchor under the footer; `{seq}` and `{hash}` are replaced (see `store::anchors`).
    chain_anchor: &'static str,
    phone: &'static str,
    address: &'static str,
    date: &'static str,
    none: &'static str,
    title_receipt: &'static str,
    title_not_accepted: &'static str,
    title_dispatch: &'static str,
    title_decision: &'static str,
    title_survey: &'static str,
    // complaint fields
    received_at: &'static str,
    registered_at: &'static str,
    channel: &'static str,
    customer_name: &'static str,
    contact_phone: &'static str,
    category: &'static str,
    description: &'static str,
    expected_outcome: &'static str,
    registered_by: &'static str,
    nature: &'static str,
    tier: &'static str,
    warning_level: &'static str,
    service_order: &'static str,
    worker: &'static str,
    incident: &'static str,
    // receipt
    section_complaint: &'static str,
    section_deadlines: &'static str,
    stage_reply_by: &'static str,
    final_by: &'static str,
    /// `{tz}` is replaced.
    deadline_note: &'static str,
    section_signature: &'static str,
    signer: &'static str,
    signed_at: &'static str,
    /// `{channel}` is replaced (R3.2).
    signature_not_obtained: &'static str,
    signature_withheld: &'static str,
    signature_pending: &'static str,
    missing_reason: &'static str,
    digest: &'static str,
    qr_note: &'static str,
    receipt_keep: &'static str,
    /// `{phone}` is replaced.
    receipt_call: &'static str,
    // not-accepted notice
    /// `{name}` is replaced.
    dear: &'static str,
    /// `{date}`, `{channel}` and `{number}` are replaced.
    na_intro: &'static str,
    na_decision: &'static str,
    na_reason: &'static str,
    na_note: &'static str,
    na_closing: &'static str,
    decided_at: &'static str,
    handled_by: &'static str,
    customer_ack: &'static str,
    // dispatch sheet
    section_dispatch: &'static str,
    department: &'static str,
    assignee: &'static str,
    dispatch_kind: &'static str,
    dispatched_at: &'static str,
    dispatched_by: &'static str,
    dispatch_note: &'static str,
    due: &'static str,
    history: &'static str,
    outcome_label: &'static str,
    section_dept_handling: &'static str,
    handling_lines: &'static str,
    received_by: &'static str,
    handled_sign: &'static str,
    dept_head: &'static str,
    /// dispatch, transfer, redispatch
    dispatch_kinds: [&'static str; 3],
    /// returned, transferred, answered, still open
    outcomes: [&'static str; 4],
    // written handling decision
    section_findings: &'static str,
    finding: &'static str,
    root_cause: &'static str,
    solution: &'static str,
    proposed_at: &'static str,
    proposed_by: &'static str,
    decision_promise: &'static str,
    section_compensation: &'static str,
    compensation_kind: &'static str,
    amount: &'static str,
    section_implementation: &'static str,
    actions: &'static str,
    done_by: &'static str,
    done_at: &'static str,
    section_customer: &'static str,
    agree: &'static str,
    disagree: &'static str,
    pending: &'static str,
    objection: &'static str,
    answered_at: &'static str,
    customer_sign: &'static str,
    // survey
    survey_intro: &'static str,
    section_overall: &'static str,
    section_aspects: &'static str,
    aspect: &'static str,
    speed: &'static str,
    attitude: &'static str,
    result: &'static str,
    comment: &'static str,
    method: &'static str,
    surveyed_by: &'static str,
    surveyed_at: &'static str,
    not_rated: &'static str,
    // vocabularies, in the order of each enum's ALL
    channels: [&'static str; 9],
    categories: [&'static str; 4],
    tiers: [&'static str; 3],
    natures: [&'static str; 2],
    findings: [&'static str; 3],
    satisfaction: [&'static str; 5],
    survey_methods: [&'static str; 3],
    compensation_kinds: [&'static str; 7],
    not_accepted_reasons: [&'static str; 4],
    not_accepted_explained: [&'static str; 4],
}

pub static ZH_CN: Texts = Texts {
    app: "客诉台",
    number_label: "投诉编号",
    continued: "（续）",
    page_of: "第 {n} 页 / 共 {total} 页",
    footer: "{app} · 生成于 {time} · 制表：{who}",
    chain_anchor: "记录链 第 {seq} 条 · 校验 {hash}",
    phone: "电话",
    address: "地址",
    date: "日期",
    none: "无",
    title_receipt: "投诉登记回执",
    title_not_accepted: "不予受理告知书",
    title_dispatch: "投诉转办单",
    title_decision: "书面处理意见",
    title_survey: "满意度调查表",
    received_at: "受理时间",
    registered_at: "登记时间",
    channel: "投诉渠道",
    customer_name: "客户姓名",
    contact_phone: "联系电话",
    category: "投诉类别",
    description: "投诉内容",
    expected_outcome: "期望结果",
    registered_by: "登记人",
    nature: "投诉性质",
    tier: "客户等级",
    warning_level: "预警等级",
    service_order: "服务单号",
    worker: "涉及服务人员",
    incident: "事发时间 / 地点",
    section_complaint: "投诉信息",
    section_deadlines: "承诺处理时限",
    stage_reply_by: "阶段性回复不晚于",
    final_by: "最终处理不晚于",
    deadline_note: "以上为本分公司当地时间（{tz}）。如届时未能解决，我们将在同一时限内告知您处理计划和进度。",
    section_signature: "客户签名确认",
    signer: "签名人",
    signed_at: "签名时间",
    signature_not_obtained: "未取得客户签名 — {channel}",
    signature_withheld: "已签名（签名图像不向当前角色显示）",
    signature_pending: "尚未签名",
    missing_reason: "未签名原因",
    digest: "签名摘要",
    qr_note: "扫码核验：投诉编号 + 签名摘要",
    receipt_keep: "请妥善保管本回执，查询处理进度时请提供投诉编号。",
    receipt_call: "请妥善保管本回执。查询处理进度请致电 {phone}，并提供投诉编号。",
    dear: "尊敬的 {name}：",
    na_intro: "您于 {date} 通过{channel}反映的投诉（编号 {number}）我们已收悉，内容如下：",
    na_decision: "经审核，根据本公司投诉管理规定，该投诉不予受理，理由如下：",
    na_reason: "不予受理理由",
    na_note: "说明",
    na_closing: "本告知书一式两份，客户与本公司各执一份。该投诉记录将依规保存，不会删除。",
    decided_at: "决定时间",
    handled_by: "经办人",
    customer_ack: "客户签收",
    section_dispatch: "转办信息",
    department: "责任部门",
    assignee: "指定处理人",
    dispatch_kind: "转办类型",
    dispatched_at: "转办时间",
    dispatched_by: "转办人",
    dispatch_note: "派送意见",
    due: "处理时限",
    history: "转办记录",
    outcome_label: "结果",
    section_dept_handling: "处理情况（由责任部门填写）",
    handling_lines: "调查结论、原因及处理结果：",
    received_by: "接收人",
    handled_sign: "处理人",
    dept_head: "部门负责人",
    dispatch_kinds: ["派单", "转派", "重派"],
    outcomes: ["已退单", "已转派", "已答复", "处理中"],
    section_findings: "调查结论",
    finding: "调查结果",
    root_cause: "原因分析",
    solution: "处理方案",
    proposed_at: "提出时间",
    proposed_by: "提出人",
    decision_promise: "本书面处理意见载明本公司对您的全部承诺，未载明的事项不构成承诺。",
    section_compensation: "补偿与道歉",
    compensation_kind: "方式",
    amount: "金额",
    section_implementation: "落实情况",
    actions: "落实措施",
    done_by: "执行人",
    done_at: "完成时间",
    section_customer: "客户意见",
    agree: "同意",
    disagree: "不同意",
    pending: "待客户答复",
    objection: "客户异议",
    answered_at: "答复时间",
    customer_sign: "客户签名",
    survey_intro: "为持续改进服务，请您对本次投诉的处理进行评价，每行勾选一项。",
    section_overall: "总体评价",
    section_aspects: "分项评价",
    aspect: "评价项目",
    speed: "响应速度",
    attitude: "服务态度",
    result: "处理结果",
    comment: "客户意见与建议",
    method: "回访方式",
    surveyed_by: "回访人",
    surveyed_at: "回访时间",
    not_rated: "未评价",
    channels: ["电话", "来访", "信函", "网上（网站/App/微信）", "电子邮件", "社交媒体", "第三方平台", "转办", "媒体曝光"],
    categories: ["业务类", "服务类", "综合类", "其他"],
    tiers: ["VIP", "普通", "临时"],
    natures: ["一般投诉", "重大投诉"],
    findings: ["属实", "不属实", "部分属实"],
    satisfaction: ["非常满意", "满意", "一般", "不满意", "非常不满意"],
    survey_methods: ["电话", "上门", "短信"],
    compensation_kinds: ["道歉", "免费重新服务", "更换服务人员", "退款", "部分退款", "折扣/代金券", "现金补偿"],
    not_accepted_reasons: [
        "已调解并执行完毕后就同一事项再次投诉",
        "法院、仲裁机构或消费者组织已受理或处理",
        "法律法规另有规定",
        "恶意投诉",
    ],
    not_accepted_explained: [
        "双方已就同一事项达成调解并已执行完毕，客户就同一事项再次投诉。",
        "该事项已由人民法院、仲裁机构或消费者组织受理或处理。",
        "该事项依照法律、法规另有规定的程序处理。",
        "经主管审核，认定为恶意投诉。",
    ],
};

pub static ZH_TW: Texts = Texts {
    app: "客訴台",
    number_label: "投訴編號",
    continued: "（續）",
    page_of: "第 {n} 頁 / 共 {total} 頁",
    footer: "{app} · 產生於 {time} · 製表：{who}",
    chain_anchor: "記錄鏈 第 {seq} 條 · 校驗 {hash}",
    phone: "電話",
    address: "地址",
    date: "日期",
    none: "無",
    title_receipt: "投訴登記回執",
    title_not_accepted: "不予受理告知書",
    title_dispatch: "投訴轉辦單",
    title_decision: "書面處理意見",
    title_survey: "滿意度調查表",
    received_at: "受理時間",
    registered_at: "登記時間",
    channel: "投訴管道",
    customer_name: "客戶姓名",
    contact_phone: "聯絡電話",
    category: "投訴類別",
    description: "投訴內容",
    expected_outcome: "期望結果",
    registered_by: "登記人",
    nature: "投訴性質",
    tier: "客戶等級",
    warning_level: "預警等級",
    service_order: "服務單號",
    worker: "涉及服務人員",
    incident: "事發時間 / 地點",
    section_complaint: "投訴資訊",
    section_deadlines: "承諾處理時限",
    stage_reply_by: "階段性回覆不晚於",
    final_by: "最終處理不晚於",
    deadline_note: "以上為本分公司當地時間（{tz}）。如屆時未能解決，我們將在同一時限內告知您處理計畫和進度。",
    section_signature: "客戶簽名確認",
    signer: "簽名人",
    signed_at: "簽名時間",
    signature_not_obtained: "未取得客戶簽名 — {channel}",
    signature_withheld: "已簽名（簽名圖像不向目前角色顯示）",
    signature_pending: "尚未簽名",
    missing_reason: "未簽名原因",
    digest: "簽名摘要",
    qr_note: "掃碼核驗：投訴編號 + 簽名摘要",
    receipt_keep: "請妥善保管本回執，查詢處理進度時請提供投訴編號。",
    receipt_call: "請妥善保管本回執。查詢處理進度請致電 {phone}，並提供投訴編號。",
    dear: "尊敬的 {name}：",
    na_intro: "您於 {date} 透過{channel}反映的投訴（編號 {number}）我們已收悉，內容如下：",
    na_decision: "經審核，依本公司投訴管理規定，該投訴不予受理，理由如下：",
    na_reason: "不予受理理由",
    na_note: "說明",
    na_closing: "本告知書一式兩份，客戶與本公司各執一份。該投訴紀錄將依規保存，不會刪除。",
    decided_at: "決定時間",
    handled_by: "經辦人",
    customer_ack: "客戶簽收",
    section_dispatch: "轉辦資訊",
    department: "責任部門",
    assignee: "指定處理人",
    dispatch_kind: "轉辦類型",
    dispatched_at: "轉辦時間",
    dispatched_by: "轉辦人",
    dispatch_note: "派送意見",
    due: "處理時限",
    history: "轉辦紀錄",
    outcome_label: "結果",
    section_dept_handling: "處理情況（由責任部門填寫）",
    handling_lines: "調查結論、原因及處理結果：",
    received_by: "接收人",
    handled_sign: "處理人",
    dept_head: "部門負責人",
    dispatch_kinds: ["派單", "轉派", "重派"],
    outcomes: ["已退單", "已轉派", "已答覆", "處理中"],
    section_findings: "調查結論",
    finding: "調查結果",
    root_cause: "原因分析",
    solution: "處理方案",
    proposed_at: "提出時間",
    proposed_by: "提出人",
    decision_promise: "本書面處理意見載明本公司對您的全部承諾，未載明的事項不構成承諾。",
    section_compensation: "補償與道歉",
    compensation_kind: "方式",
    amount: "金額",
    section_implementation: "落實情況",
    actions: "落實措施",
    done_by: "執行人",
    done_at: "完成時間",
    section_customer: "客戶意見",
    agree: "同意",
    disagree: "不同意",
    pending: "待客戶答覆",
    objection: "客戶異議",
    answered_at: "答覆時間",
    customer_sign: "客戶簽名",
    survey_intro: "為持續改進服務，請您對本次投訴的處理進行評價，每行勾選一項。",
    section_overall: "總體評價",
    section_aspects: "分項評價",
    aspect: "評價項目",
    speed: "回應速度",
    attitude: "服務態度",
    result: "處理結果",
    comment: "客戶意見與建議",
    method: "回訪方式",
    surveyed_by: "回訪人",
    surveyed_at: "回訪時間",
    not_rated: "未評價",
    channels: ["電話", "來訪", "信函", "網上（網站/App/微信）", "電子郵件", "社群媒體", "第三方平台", "轉辦", "媒體曝光"],
    categories: ["業務類", "服務類", "綜合類", "其他"],
    tiers: ["VIP", "普通", "臨時"],
    natures: ["一般投訴", "重大投訴"],
    findings: ["屬實", "不屬實", "部分屬實"],
    satisfaction: ["非常滿意", "滿意", "一般", "不滿意", "非常不滿意"],
    survey_methods: ["電話", "上門", "簡訊"],
    compensation_kinds: ["道歉", "免費重新服務", "更換服務人員", "退款", "部分退款", "折扣/代金券", "現金補償"],
    not_accepted_reasons: [
        "已調解並執行完畢後就同一事項再次投訴",
        "法院、仲裁機構或消費者組織已受理或處理",
        "法律法規另有規定",
        "惡意投訴",
    ],
    not_accepted_explained: [
        "雙方已就同一事項達成調解並已執行完畢，客戶就同一事項再次投訴。",
        "該事項已由法院、仲裁機構或消費者組織受理或處理。",
        "該事項依照法律、法規另有規定的程序處理。",
        "經主管審核，認定為惡意投訴。",
    ],
};

pub static EN: Texts = Texts {
    app: "Complaint Desk",
    number_label: "Complaint no.",
    continued: " (continued)",
    page_of: "Page {n} of {total}",
    footer: "{app} · generated {time} · by {who}",
    chain_anchor: "Record chain entry {seq} · check {hash}",
    phone: "Phone",
    address: "Address",
    date: "Date",
    none: "None",
    title_receipt: "Complaint Registration Receipt",
    title_not_accepted: "Notice of Non-Acceptance",
    title_dispatch: "Complaint Dispatch Sheet",
    title_decision: "Written Handling Decision",
    title_survey: "Satisfaction Survey",
    received_at: "Received",
    registered_at: "Registered",
    channel: "Channel",
    customer_name: "Customer",
    contact_phone: "Contact phone",
    category: "Category",
    description: "Description",
    expected_outcome: "Expected outcome",
    registered_by: "Registered by",
    nature: "Nature",
    tier: "Customer tier",
    warning_level: "Warning level",
    service_order: "Service order",
    worker: "Worker involved",
    incident: "Incident time / place",
    section_complaint: "Complaint",
    section_deadlines: "Our commitments",
    stage_reply_by: "Stage reply by",
    final_by: "Final handling by",
    deadline_note: "Local time of the branch ({tz}). If the matter cannot be solved by then, we will tell you the plan and schedule within the same limit.",
    section_signature: "Customer's signature",
    signer: "Signer",
    signed_at: "Signed",
    signature_not_obtained: "Signature not obtained — {channel}",
    signature_withheld: "Signed (the signature image is not shown to this role)",
    signature_pending: "Not signed yet",
    missing_reason: "Why not signed",
    digest: "Signature digest",
    qr_note: "Scan to verify: complaint number + digest",
    receipt_keep: "Please keep this receipt and quote the complaint number when you ask about its progress.",
    receipt_call: "Please keep this receipt. To ask about progress, call {phone} and quote the complaint number.",
    dear: "Dear {name},",
    na_intro: "We have received the complaint you made on {date} by {channel} (no. {number}):",
    na_decision: "After review, and under our complaint-handling rules, the complaint is not accepted for the following reason:",
    na_reason: "Reason",
    na_note: "Note",
    na_closing: "This notice is made in two copies, one for the customer and one for the company. The complaint record is kept and is not deleted.",
    decided_at: "Decided",
    handled_by: "Handled by",
    customer_ack: "Received by customer",
    section_dispatch: "Dispatch",
    department: "Responsible department",
    assignee: "Assigned to",
    dispatch_kind: "Type",
    dispatched_at: "Dispatched",
    dispatched_by: "Dispatched by",
    dispatch_note: "Dispatch note",
    due: "Deadline",
    history: "Dispatch history",
    outcome_label: "Outcome",
    section_dept_handling: "Handling (to be filled in by the department)",
    handling_lines: "Findings, cause and result:",
    received_by: "Received by",
    handled_sign: "Handled by",
    dept_head: "Head of department",
    dispatch_kinds: ["Dispatch", "Transfer", "Re-dispatch"],
    outcomes: ["Returned", "Transferred", "Answered", "Open"],
    section_findings: "Findings",
    finding: "Finding",
    root_cause: "Cause",
    solution: "Solution",
    proposed_at: "Proposed",
    proposed_by: "Proposed by",
    decision_promise: "This written decision states everything the company undertakes; nothing that is not written here is promised.",
    section_compensation: "Compensation and apology",
    compensation_kind: "Kind",
    amount: "Amount",
    section_implementation: "Implementation",
    actions: "Actions",
    done_by: "Done by",
    done_at: "Done",
    section_customer: "Customer's decision",
    agree: "Agree",
    disagree: "Disagree",
    pending: "Awaiting the customer's answer",
    objection: "Objection",
    answered_at: "Answered",
    customer_sign: "Customer's signature",
    survey_intro: "To help us improve, please rate how your complaint was handled: tick one box on each line.",
    section_overall: "Overall satisfaction",
    section_aspects: "Ratings by aspect",
    aspect: "Aspect",
    speed: "Response speed",
    attitude: "Attitude",
    result: "Result",
    comment: "Comments and suggestions",
    method: "Method",
    surveyed_by: "Surveyed by",
    surveyed_at: "Survey date",
    not_rated: "Not rated",
    channels: ["Phone", "Walk-in visit", "Letter", "Online (web/app/WeChat)", "Email", "Social media", "Third-party platform", "Transferred", "Media exposure"],
    categories: ["Business", "Service", "Comprehensive", "Other"],
    tiers: ["VIP", "Regular", "Temporary"],
    natures: ["General", "Major"],
    findings: ["True", "Not true", "Partly true"],
    satisfaction: ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"],
    survey_methods: ["Phone", "Visit", "SMS"],
    compensation_kinds: ["Apology", "Free re-service", "Replacement worker", "Refund", "Partial refund", "Discount / voucher", "Cash"],
    not_accepted_reasons: [
        "Already settled and executed; same matter again",
        "Accepted or handled by a court, arbitration body or consumer organisation",
        "Governed by other legal provisions",
        "Malicious complaint",
    ],
    not_accepted_explained: [
        "A settlement on the same matter was reached and has been carried out; the customer has complained again about the same matter.",
        "The matter has already been accepted or handled by a court, an arbitration body or a consumer organisation.",
        "The matter is governed by other provisions of law or regulation.",
        "A supervisor has determined, after review, that the complaint is malicious.",
    ],
};

pub static ES: Texts = Texts {
    app: "Mesa de Quejas",
    number_label: "N.º de queja",
    continued: " (continuación)",
    page_of: "Página {n} de {total}",
    footer: "{app} · generado el {time} · por {who}",
    chain_anchor: "Cadena de registros, entrada {seq} · control {hash}",
    phone: "Teléfono",
    address: "Dirección",
    date: "Fecha",
    none: "Ninguno",
    title_receipt: "Acuse de recibo de la queja",
    title_not_accepted: "Notificación de no admisión",
    title_dispatch: "Hoja de asignación de la queja",
    title_decision: "Resolución escrita",
    title_survey: "Encuesta de satisfacción",
    received_at: "Recibida el",
    registered_at: "Registrada el",
    channel: "Canal",
    customer_name: "Cliente",
    contact_phone: "Teléfono de contacto",
    category: "Categoría",
    description: "Descripción",
    expected_outcome: "Resultado esperado",
    registered_by: "Registrada por",
    nature: "Gravedad",
    tier: "Tipo de cliente",
    warning_level: "Nivel de alerta",
    service_order: "Orden de servicio",
    worker: "Trabajador implicado",
    incident: "Fecha / lugar del incidente",
    section_complaint: "Datos de la queja",
    section_deadlines: "Nuestros compromisos",
    stage_reply_by: "Respuesta intermedia antes de",
    final_by: "Resolución final antes de",
    deadline_note: "Hora local de la sucursal ({tz}). Si no se puede resolver en ese plazo, le comunicaremos el plan y el calendario dentro del mismo plazo.",
    section_signature: "Firma del cliente",
    signer: "Firmante",
    signed_at: "Firmado el",
    signature_not_obtained: "Firma no obtenida — {channel}",
    signature_withheld: "Firmado (la imagen de la firma no se muestra a este rol)",
    signature_pending: "Aún sin firmar",
    missing_reason: "Motivo de la falta de firma",
    digest: "Huella de la firma",
    qr_note: "Escanee para verificar: n.º de queja + huella",
    receipt_keep: "Conserve este acuse e indique el número de queja cuando consulte su estado.",
    receipt_call: "Conserve este acuse. Para consultar el estado, llame al {phone} e indique el número de queja.",
    dear: "Estimado/a {name}:",
    na_intro: "Hemos recibido la queja que presentó el {date} por el canal «{channel}» (n.º {number}):",
    na_decision: "Tras su revisión, y conforme a nuestras normas de tramitación de quejas, la queja no se admite por el siguiente motivo:",
    na_reason: "Motivo",
    na_note: "Observaciones",
    na_closing: "Esta notificación se extiende por duplicado: un ejemplar para el cliente y otro para la empresa. El registro de la queja se conserva y no se elimina.",
    decided_at: "Fecha de la decisión",
    handled_by: "Tramitado por",
    customer_ack: "Recibí (cliente)",
    section_dispatch: "Asignación",
    department: "Departamento responsable",
    assignee: "Asignada a",
    dispatch_kind: "Tipo",
    dispatched_at: "Asignada el",
    dispatched_by: "Asignada por",
    dispatch_note: "Indicaciones",
    due: "Plazo",
    history: "Historial de asignaciones",
    outcome_label: "Resultado",
    section_dept_handling: "Tramitación (a rellenar por el departamento)",
    handling_lines: "Conclusiones, causa y resultado:",
    received_by: "Recibida por",
    handled_sign: "Tramitada por",
    dept_head: "Jefe del departamento",
    dispatch_kinds: ["Asignación", "Traslado", "Reasignación"],
    outcomes: ["Devuelta", "Trasladada", "Respondida", "Abierta"],
    section_findings: "Conclusiones",
    finding: "Resultado de la investigación",
    root_cause: "Causa",
    solution: "Solución",
    proposed_at: "Propuesta el",
    proposed_by: "Propuesta por",
    decision_promise: "Esta resolución escrita recoge todo lo que la empresa se compromete a hacer; nada que no figure en ella constituye un compromiso.",
    section_compensation: "Compensación y disculpa",
    compensation_kind: "Tipo",
    amount: "Importe",
    section_implementation: "Ejecución",
    actions: "Medidas",
    done_by: "Realizado por",
    done_at: "Realizado el",
    section_customer: "Decisión del cliente",
    agree: "Conforme",
    disagree: "No conforme",
    pending: "Pendiente de la respuesta del cliente",
    objection: "Objeción",
    answered_at: "Respondida el",
    customer_sign: "Firma del cliente",
    survey_intro: "Para ayudarnos a mejorar, valore cómo se tramitó su queja: marque una casilla en cada línea.",
    section_overall: "Satisfacción general",
    section_aspects: "Valoración por aspectos",
    aspect: "Aspecto",
    speed: "Rapidez de respuesta",
    attitude: "Actitud",
    result: "Resultado",
    comment: "Comentarios y sugerencias",
    method: "Forma de contacto",
    surveyed_by: "Encuesta realizada por",
    surveyed_at: "Fecha de la encuesta",
    not_rated: "Sin valorar",
    channels: ["Teléfono", "Presencial", "Carta", "En línea (web/app/WeChat)", "Correo electrónico", "Redes sociales", "Plataforma de terceros", "Remitida", "Exposición mediática"],
    categories: ["Comercial", "Servicio", "General", "Otra"],
    tiers: ["VIP", "Habitual", "Ocasional"],
    natures: ["Ordinaria", "Grave"],
    findings: ["Fundada", "Infundada", "Parcialmente fundada"],
    satisfaction: ["Muy satisfecho", "Satisfecho", "Neutral", "Insatisfecho", "Muy insatisfecho"],
    survey_methods: ["Teléfono", "Visita", "SMS"],
    compensation_kinds: ["Disculpa", "Servicio repetido gratuito", "Cambio de trabajador", "Reembolso", "Reembolso parcial", "Descuento / vale", "Compensación en efectivo"],
    not_accepted_reasons: [
        "Ya resuelta y ejecutada; mismo asunto de nuevo",
        "Admitida o resuelta por un tribunal, arbitraje u organización de consumidores",
        "Regulada por otras disposiciones legales",
        "Queja malintencionada",
    ],
    not_accepted_explained: [
        "Ya se alcanzó y ejecutó un acuerdo sobre el mismo asunto, y el cliente ha vuelto a reclamar por el mismo asunto.",
        "El asunto ya ha sido admitido o resuelto por un tribunal, un órgano de arbitraje o una organización de consumidores.",
        "El asunto se rige por otras disposiciones legales o reglamentarias.",
        "Un supervisor ha determinado, tras su revisión, que la queja es malintencionada.",
    ],
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::ZhCn => &ZH_CN,
        Lang::ZhTw => &ZH_TW,
        Lang::En => &EN,
        Lang::Es => &ES,
    }
}

fn pos<T: PartialEq>(all: &[T], v: &T) -> usize {
    all.iter().position(|x| x == v).unwrap_or(0)
}

impl Texts {
    pub fn channel(&self, v: Channel) -> &'static str {
        self.channels[pos(Channel::ALL, &v)]
    }
    pub fn category(&self, v: Category) -> &'static str {
        self.categories[pos(Category::ALL, &v)]
    }
    pub fn tier(&self, v: Tier) -> &'static str {
        self.tiers[pos(Tier::ALL, &v)]
    }
    pub fn nature(&self, v: Nature) -> &'static str {
        self.natures[pos(Nature::ALL, &v)]
    }
    pub fn finding(&self, v: Finding) -> &'static str {
        self.findings[pos(Finding::ALL, &v)]
    }
    pub fn satisfaction(&self, v: Satisfaction) -> &'static str {
        self.satisfaction[pos(Satisfaction::ALL, &v)]
    }
    pub fn survey_method(&self, v: SurveyMethod) -> &'static str {
        self.survey_methods[pos(SurveyMethod::ALL, &v)]
    }
    pub fn compensation(&self, v: CompensationKind) -> &'static str {
        self.compensation_kinds[pos(CompensationKind::ALL, &v)]
    }
    pub fn not_accepted(&self, v: NotAcceptedReason) -> (&'static str, &'static str) {
        let i = pos(NotAcceptedReason::ALL, &v);
        (self.not_accepted_reasons[i], self.not_accepted_explained[i])
    }
    pub fn dispatch_kind(&self, kind: &str) -> &'static str {
        match kind {
            "transfer" => self.dispatch_kinds[1],
            "redispatch" => self.dispatch_kinds[2],
            _ => self.dispatch_kinds[0],
        }
    }
    pub fn outcome(&self, outcome: Option<&str>) -> &'static str {
        match outcome {
            Some("returned") => self.outcomes[0],
            Some("transferred") => self.outcomes[1],
            Some("answered") => self.outcomes[2],
            _ => self.outcomes[3],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_table_is_fully_covered_by_the_built_in_font() {
        let f = super::super::font::font().unwrap();
        for lang in Lang::ALL {
            let t = texts(*lang);
            for s in t.strings() {
                assert!(f.covers(s), "{lang:?}: {s:?} has characters without a glyph: {:?}", f.missing(s));
                assert!(!s.is_empty() || std::ptr::eq(s, t.continued), "{lang:?}: an empty text");
            }
        }
    }

    #[test]
    fn the_tables_differ_per_language_and_keep_their_placeholders() {
        for lang in Lang::ALL {
            let t = texts(*lang);
            assert!(t.page_of.contains("{n}") && t.page_of.contains("{total}"), "{lang:?}");
            assert!(t.signature_not_obtained.contains("{channel}"), "{lang:?}");
            assert!(t.receipt_call.contains("{phone}"), "{lang:?}");
            assert!(t.deadline_note.contains("{tz}"), "{lang:?}");
            for p in ["{date}", "{channel}", "{number}"] {
                assert!(t.na_intro.contains(p), "{lang:?} na_intro lacks {p}");
            }
        }
        assert_ne!(ZH_CN.title_receipt, ZH_TW.title_receipt, "traditional Chinese has its own table");
        assert_eq!(ES.satisfaction[0], "Muy satisfecho");
    }
}
