// The complaint detail page: fields, steps, links, records and the timeline's sentences.
import { defineLocales, type LocaleShape } from '../i18n/define'

const zhCN = {
  detail: {
    punct: { colon: '：', sep: '；', list: '、', paren: '（{x}）' },
    back: '返回', actions: '可执行操作', noActions: '当前没有您可执行的操作', info: '投诉信息', masked: '已脱敏', hidden: '（无权查看）',
    appealRegistered: '申诉已登记为新投诉 {number}', leftYourDepartment: '该投诉已不在本部门，已返回看板', warningLevel: '预警{n}级', timeline: '处理时间线', recordsTab: '处理记录',
    newestFirst: '最新在前', showAccess: '显示个人信息查阅记录（{n}）', system: '系统', steps: '时限', links: '关联投诉', pending: '待答复',
    label: {
      registeredAt: '登记时间', owner: '首问责任人', nature: '投诉性质', closedAt: '结案时间', closeReason: '结案/终止原因', branch: '分公司',
      policy: '时限方案', majorReasons: '重大原因', digest: '摘要', size: '大小', original: '原投诉', chain: '报备链', deadline: '时限',
      assignee: '处理人', dispatchNote: '派送意见', aspects: '分项评价', solution: '处理方案', replyContent: '回复内容',
      plan: '处理计划与时间安排', actions: '落实内容', compensations: '补偿', followUpDue: '回访时限',
    },
    step: {
      early: '提前{t}', late: '超时{t}', done: '已完成', started: '开始于 {at}', completedAt: '完成于 {at}', dueWas: '时限 {at}',
      calendarWarning: '该年度工作日历未导入，时限仅按周末计算',
    },
    stepNote: {
      dispatched: '已派单', returned: '已退单', transferred: '已转派', answered: '部门已答复', replied: '已回复客户',
      implemented: '已落实', surveyed: '已回访', closed: '随结案终止', cancelled: '随撤销终止', not_accepted: '随不予受理终止',
      findings_returned: '已反馈调查结果', nature_lowered: '性质已降为一般',
    },
    linkDir: {
      repeat_to: '重复自', repeat_from: '被重复投诉', batch_to: '同批（主投诉）', batch_from: '同批成员',
      appeal_to: '申诉的原投诉', appeal_from: '针对本投诉的申诉',
    },
    records: {
      dispatches: '派单记录', handlings: '调查结果', decisions: '书面处理意见与客户意见', implementations: '落实记录', compensations: '补偿与道歉',
      approvals: '补偿审批', surveys: '回访记录', urges: '催办记录', pauses: '暂停记录', major_reports: '重大投诉上报',
      escalation_acks: '报备确认', signatures: '客户签名', attachments: '附件', contact_attempts: '回访未联系上记录',
    },
    col: { kind: '类型', at: '时间', outcome: '结果', answeredAt: '答复时间', by: '操作人', approved: '已审批', purpose: '用途', type: '类型' },
    dispatchKind: { dispatch: '派单', transfer: '转派', redispatch: '重新派单' },
    dispatchOutcome: { open: '处理中', returned: '退单', transferred: '已转派', answered: '已答复' },
    sigPurpose: { registration: '登记确认', agreement: '处理意见确认', survey: '回访确认', pause: '暂停认可' },
    signatureStatus: { signed: '客户已签名', not_obtained: '未取得签名' },
    majorReason: { supervisor: '主管升级' },
    event: {
      registered: '登记投诉（{channel} · {tier}客户 · {nature}）', repeat_detected: '识别为重复投诉', signed: '{signer} 签名（{purpose}）',
      attachment_added: '添加附件：{file}', appealed: '客户对处理结果提出申诉，已登记新投诉', appeal_of: '本投诉为申诉，原投诉如下',
      reviewed: '复核通过', cancelled: '撤销投诉：{reason}', not_accepted: '不予受理：{reason}',
      major_reported: '已上报重大投诉，告知 {informed}（{at}）', nature_raised: '定为重大投诉：{reason}', nature_changed: '投诉性质改为：{nature}',
      warning_raised: '预警等级由 {from} 级提高到 {to} 级', escalation_notified: '已通知报备链', escalation_acknowledged: '{level} 已确认报备',
      dispatched: '派单至 {department}', dispatch_accepted: '{department} 已签收', returned: '{department} 退单',
      transferred: '由 {from} 转派至 {to}', urged: '催办 {department}（第 {n} 次）', step_completed_overdue: '「{step}」超时完成',
      personal_data_viewed: '查阅了客户个人信息', paused: '暂停计时：{from} 至 {until}', contact_attempt: '回访未联系上客户（第 {n} 次）',
      surveyed: '回访（{method}）：{overall}', redispatched: '客户不满意，退回 {department} 重新处理', closed: '结案',
      closed_by_supervisor: '主管结案', reopened: '重新打开', added_to_case_library: '加入案例库：{title}',
      findings_recorded: '提交调查结果：{finding}', replied: '{method}回复客户', customer_agreed: '客户同意处理意见',
      customer_disagreed: '客户不同意处理意见，退回部门重新处理', compensation_approved: '批准补偿额度 {amount}',
      implemented: '落实处理（{by}，{at}）',
    },
  },
}

type Messages = LocaleShape<typeof zhCN>

const zhTW: Messages = {
  detail: {
    punct: { colon: '：', sep: '；', list: '、', paren: '（{x}）' },
    back: '返回', actions: '可執行操作', noActions: '目前沒有您可執行的操作', info: '投訴資訊', masked: '已遮罩', hidden: '（無權檢視）',
    appealRegistered: '申訴已登記為新投訴 {number}', leftYourDepartment: '該投訴已不在本部門，已返回看板', warningLevel: '預警{n}級', timeline: '處理時間軸', recordsTab: '處理記錄',
    newestFirst: '最新在前', showAccess: '顯示個人資料查閱記錄（{n}）', system: '系統', steps: '時限', links: '關聯投訴', pending: '待答覆',
    label: {
      registeredAt: '登記時間', owner: '首問責任人', nature: '投訴性質', closedAt: '結案時間', closeReason: '結案/終止原因', branch: '分公司',
      policy: '時限方案', majorReasons: '重大原因', digest: '摘要', size: '大小', original: '原投訴', chain: '報備鏈', deadline: '時限',
      assignee: '處理人', dispatchNote: '派送意見', aspects: '分項評價', solution: '處理方案', replyContent: '回覆內容',
      plan: '處理計畫與時間安排', actions: '落實內容', compensations: '補償', followUpDue: '回訪時限',
    },
    step: {
      early: '提前{t}', late: '逾時{t}', done: '已完成', started: '開始於 {at}', completedAt: '完成於 {at}', dueWas: '時限 {at}',
      calendarWarning: '該年度工作日曆未匯入，時限僅依週末計算',
    },
    stepNote: {
      dispatched: '已派單', returned: '已退單', transferred: '已轉派', answered: '部門已答覆', replied: '已回覆客戶',
      implemented: '已落實', surveyed: '已回訪', closed: '隨結案終止', cancelled: '隨撤銷終止', not_accepted: '隨不予受理終止',
      findings_returned: '已回饋調查結果', nature_lowered: '性質已降為一般',
    },
    linkDir: {
      repeat_to: '重複自', repeat_from: '被重複投訴', batch_to: '同批（主投訴）', batch_from: '同批成員',
      appeal_to: '申訴的原投訴', appeal_from: '針對本投訴的申訴',
    },
    records: {
      dispatches: '派單記錄', handlings: '調查結果', decisions: '書面處理意見與客戶意見', implementations: '落實記錄', compensations: '補償與道歉',
      approvals: '補償審批', surveys: '回訪記錄', urges: '催辦記錄', pauses: '暫停記錄', major_reports: '重大投訴上報',
      escalation_acks: '報備確認', signatures: '客戶簽名', attachments: '附件', contact_attempts: '回訪未聯絡上記錄',
    },
    col: { kind: '類型', at: '時間', outcome: '結果', answeredAt: '答覆時間', by: '操作人', approved: '已審批', purpose: '用途', type: '類型' },
    dispatchKind: { dispatch: '派單', transfer: '轉派', redispatch: '重新派單' },
    dispatchOutcome: { open: '處理中', returned: '退單', transferred: '已轉派', answered: '已答覆' },
    sigPurpose: { registration: '登記確認', agreement: '處理意見確認', survey: '回訪確認', pause: '暫停認可' },
    signatureStatus: { signed: '客戶已簽名', not_obtained: '未取得簽名' },
    majorReason: { supervisor: '主管升級' },
    event: {
      registered: '登記投訴（{channel} · {tier}客戶 · {nature}）', repeat_detected: '識別為重複投訴', signed: '{signer} 簽名（{purpose}）',
      attachment_added: '新增附件：{file}', appealed: '客戶對處理結果提出申訴，已登記新投訴', appeal_of: '本投訴為申訴，原投訴如下',
      reviewed: '複核通過', cancelled: '撤銷投訴：{reason}', not_accepted: '不予受理：{reason}',
      major_reported: '已上報重大投訴，告知 {informed}（{at}）', nature_raised: '定為重大投訴：{reason}', nature_changed: '投訴性質改為：{nature}',
      warning_raised: '預警等級由 {from} 級提高到 {to} 級', escalation_notified: '已通知報備鏈', escalation_acknowledged: '{level} 已確認報備',
      dispatched: '派單至 {department}', dispatch_accepted: '{department} 已簽收', returned: '{department} 退單',
      transferred: '由 {from} 轉派至 {to}', urged: '催辦 {department}（第 {n} 次）', step_completed_overdue: '「{step}」逾時完成',
      personal_data_viewed: '查閱了客戶個人資料', paused: '暫停計時：{from} 至 {until}', contact_attempt: '回訪未聯絡上客戶（第 {n} 次）',
      surveyed: '回訪（{method}）：{overall}', redispatched: '客戶不滿意，退回 {department} 重新處理', closed: '結案',
      closed_by_supervisor: '主管結案', reopened: '重新開啟', added_to_case_library: '加入案例庫：{title}',
      findings_recorded: '提交調查結果：{finding}', replied: '{method}回覆客戶', customer_agreed: '客戶同意處理意見',
      customer_disagreed: '客戶不同意處理意見，退回部門重新處理', compensation_approved: '核准補償額度 {amount}',
      implemented: '落實處理（{by}，{at}）',
    },
  },
}

const en: Messages = {
  detail: {
    punct: { colon: ': ', sep: '; ', list: ', ', paren: ' ({x})' },
    back: 'Back', actions: 'Actions', noActions: 'Nothing you can do on this complaint now', info: 'Complaint', masked: 'masked', hidden: '(not shown to your role)',
    appealRegistered: 'The appeal was registered as complaint {number}', leftYourDepartment: 'The complaint is no longer with your department; back to the board', warningLevel: 'Warning {n}', timeline: 'Timeline', recordsTab: 'Records',
    newestFirst: 'Newest first', showAccess: 'Show personal-data views ({n})', system: 'System', steps: 'Deadlines', links: 'Linked complaints', pending: 'Pending',
    label: {
      registeredAt: 'Registered at', owner: 'Owner', nature: 'Nature', closedAt: 'Closed at', closeReason: 'Closing reason', branch: 'Branch',
      policy: 'Deadline policy', majorReasons: 'Major because', digest: 'Digest', size: 'Size', original: 'Original', chain: 'Chain', deadline: 'Deadline',
      assignee: 'Handler', dispatchNote: 'Dispatch note', aspects: 'Aspects', solution: 'Solution', replyContent: 'Reply',
      plan: 'Plan and schedule', actions: 'What was done', compensations: 'Compensation', followUpDue: 'Follow-up due',
    },
    step: {
      early: '{t} early', late: '{t} late', done: 'Done', started: 'Started {at}', completedAt: 'Completed {at}', dueWas: 'Due {at}',
      calendarWarning: 'No business calendar for this year: only weekends are counted',
    },
    stepNote: {
      dispatched: 'dispatched', returned: 'returned', transferred: 'transferred', answered: 'department answered', replied: 'replied',
      implemented: 'implemented', surveyed: 'surveyed', closed: 'ended by closing', cancelled: 'ended by cancellation', not_accepted: 'ended: not accepted',
      findings_returned: 'findings returned', nature_lowered: 'nature lowered to general',
    },
    linkDir: {
      repeat_to: 'repeats', repeat_from: 'repeated by', batch_to: 'batch (root)', batch_from: 'batch member',
      appeal_to: 'appeal of', appeal_from: 'appealed by',
    },
    records: {
      dispatches: 'Dispatches', handlings: 'Findings', decisions: 'Written decisions and customer opinion', implementations: 'Implementation', compensations: 'Compensation and apology',
      approvals: 'Compensation approvals', surveys: 'Follow-up surveys', urges: 'Urges', pauses: 'Pauses', major_reports: 'Major-complaint reports',
      escalation_acks: 'Escalation acknowledgements', signatures: 'Customer signatures', attachments: 'Attachments', contact_attempts: 'Failed contact attempts',
    },
    col: { kind: 'Kind', at: 'When', outcome: 'Outcome', answeredAt: 'Answered', by: 'By', approved: 'Approved', purpose: 'Purpose', type: 'Type' },
    dispatchKind: { dispatch: 'Dispatch', transfer: 'Transfer', redispatch: 'Re-dispatch' },
    dispatchOutcome: { open: 'In progress', returned: 'Returned', transferred: 'Transferred', answered: 'Answered' },
    sigPurpose: { registration: 'registration', agreement: 'agreement', survey: 'survey', pause: 'pause consent' },
    signatureStatus: { signed: 'Signed by the customer', not_obtained: 'Signature not obtained' },
    majorReason: { supervisor: 'Raised by supervisor' },
    event: {
      registered: 'Registered ({channel} · {tier} customer · {nature})', repeat_detected: 'Detected as a repeat complaint', signed: '{signer} signed ({purpose})',
      attachment_added: 'Attachment added: {file}', appealed: 'The customer appealed the result; a new complaint was registered', appeal_of: 'This complaint is an appeal of',
      reviewed: 'Reviewed', cancelled: 'Cancelled: {reason}', not_accepted: 'Not accepted: {reason}',
      major_reported: 'Major complaint reported to {informed} ({at})', nature_raised: 'Made major: {reason}', nature_changed: 'Nature changed to {nature}',
      warning_raised: 'Warning level raised from {from} to {to}', escalation_notified: 'Escalation chain notified', escalation_acknowledged: '{level} acknowledged',
      dispatched: 'Dispatched to {department}', dispatch_accepted: '{department} accepted it', returned: '{department} returned it',
      transferred: 'Transferred from {from} to {to}', urged: 'Urged {department} (#{n})', step_completed_overdue: '“{step}” completed late',
      personal_data_viewed: 'Viewed the customer’s personal data', paused: 'Clock paused from {from} to {until}', contact_attempt: 'Could not reach the customer (attempt {n})',
      surveyed: 'Follow-up ({method}): {overall}', redispatched: 'Customer not satisfied: back to {department}', closed: 'Closed',
      closed_by_supervisor: 'Closed by a supervisor', reopened: 'Reopened', added_to_case_library: 'Added to the case library: {title}',
      findings_recorded: 'Findings recorded: {finding}', replied: 'Replied to the customer ({method})', customer_agreed: 'The customer agreed to the decision',
      customer_disagreed: 'The customer disagreed; back to the department', compensation_approved: 'Compensation approved up to {amount}',
      implemented: 'Implemented ({by}, {at})',
    },
  },
}

const es: Messages = {
  detail: {
    punct: { colon: ': ', sep: '; ', list: ', ', paren: ' ({x})' },
    back: 'Volver', actions: 'Acciones', noActions: 'No puede hacer nada en esta queja ahora', info: 'Queja', masked: 'oculto', hidden: '(no visible para su función)',
    appealRegistered: 'El recurso se registró como la queja {number}', leftYourDepartment: 'La queja ya no está en su departamento; vuelta al tablero', warningLevel: 'Alerta {n}', timeline: 'Historial', recordsTab: 'Registros',
    newestFirst: 'Más recientes primero', showAccess: 'Mostrar consultas de datos personales ({n})', system: 'Sistema', steps: 'Plazos', links: 'Quejas vinculadas', pending: 'Pendiente',
    label: {
      registeredAt: 'Registrada el', owner: 'Responsable', nature: 'Gravedad', closedAt: 'Cerrada el', closeReason: 'Motivo del cierre', branch: 'Sucursal',
      policy: 'Política de plazos', majorReasons: 'Grave por', digest: 'Huella', size: 'Tamaño', original: 'Original', chain: 'Cadena', deadline: 'Plazo',
      assignee: 'Responsable', dispatchNote: 'Nota de asignación', aspects: 'Aspectos', solution: 'Solución', replyContent: 'Respuesta',
      plan: 'Plan y calendario', actions: 'Lo realizado', compensations: 'Compensación', followUpDue: 'Seguimiento antes de',
    },
    step: {
      early: '{t} antes', late: '{t} tarde', done: 'Hecho', started: 'Inicio {at}', completedAt: 'Completado {at}', dueWas: 'Plazo {at}',
      calendarWarning: 'Sin calendario laboral para este año: solo se cuentan los fines de semana',
    },
    stepNote: {
      dispatched: 'asignada', returned: 'devuelta', transferred: 'reasignada', answered: 'respondida por el departamento', replied: 'respondida al cliente',
      implemented: 'ejecutada', surveyed: 'encuestada', closed: 'terminado al cerrar', cancelled: 'terminado al anular', not_accepted: 'terminado: no admitida',
      findings_returned: 'conclusiones comunicadas', nature_lowered: 'rebajada a ordinaria',
    },
    linkDir: {
      repeat_to: 'reitera', repeat_from: 'reiterada por', batch_to: 'colectiva (principal)', batch_from: 'miembro colectivo',
      appeal_to: 'recurso de', appeal_from: 'recurrida por',
    },
    records: {
      dispatches: 'Asignaciones', handlings: 'Investigación', decisions: 'Resoluciones escritas y respuesta del cliente', implementations: 'Ejecución', compensations: 'Compensación y disculpa',
      approvals: 'Aprobaciones de compensación', surveys: 'Encuestas de seguimiento', urges: 'Reclamos', pauses: 'Pausas', major_reports: 'Informes de queja grave',
      escalation_acks: 'Confirmaciones de escalado', signatures: 'Firmas del cliente', attachments: 'Adjuntos', contact_attempts: 'Intentos de contacto fallidos',
    },
    col: { kind: 'Tipo', at: 'Fecha', outcome: 'Resultado', answeredAt: 'Respondida', by: 'Por', approved: 'Aprobada', purpose: 'Finalidad', type: 'Tipo' },
    dispatchKind: { dispatch: 'Asignación', transfer: 'Reasignación', redispatch: 'Nueva asignación' },
    dispatchOutcome: { open: 'En curso', returned: 'Devuelta', transferred: 'Reasignada', answered: 'Respondida' },
    sigPurpose: { registration: 'registro', agreement: 'conformidad', survey: 'encuesta', pause: 'consentimiento de pausa' },
    signatureStatus: { signed: 'Firmada por el cliente', not_obtained: 'Sin firma' },
    majorReason: { supervisor: 'Elevada por un supervisor' },
    event: {
      registered: 'Registrada ({channel} · cliente {tier} · {nature})', repeat_detected: 'Detectada como queja reiterada', signed: '{signer} firmó ({purpose})',
      attachment_added: 'Adjunto añadido: {file}', appealed: 'El cliente recurrió el resultado; se registró una nueva queja', appeal_of: 'Esta queja es un recurso de',
      reviewed: 'Revisada', cancelled: 'Anulada: {reason}', not_accepted: 'No admitida: {reason}',
      major_reported: 'Queja grave informada a {informed} ({at})', nature_raised: 'Declarada grave: {reason}', nature_changed: 'Gravedad cambiada a {nature}',
      warning_raised: 'Nivel de alerta de {from} a {to}', escalation_notified: 'Cadena de escalado avisada', escalation_acknowledged: '{level} confirmó',
      dispatched: 'Asignada a {department}', dispatch_accepted: '{department} la aceptó', returned: '{department} la devolvió',
      transferred: 'Reasignada de {from} a {to}', urged: 'Reclamo a {department} (n.º {n})', step_completed_overdue: '«{step}» completado con retraso',
      personal_data_viewed: 'Consultó los datos personales del cliente', paused: 'Plazo en pausa de {from} a {until}', contact_attempt: 'No se pudo contactar al cliente (intento {n})',
      surveyed: 'Seguimiento ({method}): {overall}', redispatched: 'Cliente insatisfecho: vuelve a {department}', closed: 'Cerrada',
      closed_by_supervisor: 'Cerrada por un supervisor', reopened: 'Reabierta', added_to_case_library: 'Añadida a la biblioteca de casos: {title}',
      findings_recorded: 'Investigación registrada: {finding}', replied: 'Respuesta al cliente ({method})', customer_agreed: 'El cliente aceptó la resolución',
      customer_disagreed: 'El cliente no aceptó; vuelve al departamento', compensation_approved: 'Compensación aprobada hasta {amount}',
      implemented: 'Ejecutada ({by}, {at})',
    },
  },
}

export default defineLocales(zhCN, { 'zh-TW': zhTW, en, es })
