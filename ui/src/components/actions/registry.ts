// The small form of every core operation a complaint can go through: which fields it shows, their
// starting values, and how the form's values become the command's arguments (read off the Args
// structs in src/workflow/*.rs). Nothing here decides whether an operation is allowed or valid:
// the core does, and its errors are shown on the field it names.
import type { ComplaintDetail, ReferenceData, StepKind } from '../../api/types.gen'
import type { SignatureValue } from '../SignaturePad.vue'
import { localInputToUtc } from '../../utils/format'

/** The pickers' data, as `reference_data` answers it. */
export type RefData = ReferenceData

export interface FormCtx {
  detail: ComplaintDetail
  ref: RefData
  subCategories: Record<string, string[]>
  userName: string
  t: (k: string, p?: Record<string, unknown>) => string
}

export type Model = Record<string, any>

export interface Option {
  value: string | number | boolean
  label: string
  hint?: string
  /** What `data-test` names the option by, when the value is an opaque id. */
  testKey?: string
}

export type FieldType =
  | 'text'
  | 'textarea'
  | 'select'
  | 'radio'
  | 'datetime'
  | 'range'
  | 'money'
  | 'signature'
  | 'file'
  | 'info'
  | 'compensations'
  | 'switch'

export interface FieldSpec {
  /** Model key; also the core's argument name, so an `invalid` error on it marks this field. */
  key: string
  type: FieldType
  /** i18n key of the label. */
  label: string
  /** Other argument names this field answers for (e.g. a range is `from` and `until`). */
  errKeys?: string[]
  /** Shows the asterisk; fields the core cannot even parse without (enums) are also hinted locally. */
  required?: boolean | ((m: Model, c: FormCtx) => boolean)
  /** A value the core cannot parse without: asked for before sending. */
  needed?: boolean
  options?: (c: FormCtx, m: Model) => Option[]
  /** Template kind (R3.7) offered to fill this text field. */
  templates?: 'description' | 'dispatch_note' | 'reply' | 'decision'
  visible?: (m: Model, c: FormCtx) => boolean
  placeholder?: string
  hint?: string | ((m: Model, c: FormCtx) => string)
  rows?: number
  clearable?: boolean
  /** For `info`: the text to show. */
  text?: (c: FormCtx, m: Model) => string
  /** For radios: smaller buttons. */
  small?: boolean
  /** For radios with long labels: one plain radio per line. */
  vertical?: boolean
}

export interface ActionSpec {
  fields: FieldSpec[]
  init: (c: FormCtx) => Model
  args: (m: Model, c: FormCtx) => Record<string, unknown>
  /** Step kinds this operation completes (R4.6: an overdue one needs the overdue reason). */
  completes?: (m: Model, c: FormCtx) => StepKind[]
  /** The dialog asks only for confirmation. */
  confirm?: boolean
  danger?: boolean
  width?: string
}

export interface SignatureModel {
  signer_name: string
  pad: SignatureValue | null
}

const SATISFACTION = ['very_satisfied', 'satisfied', 'neutral', 'dissatisfied', 'very_dissatisfied']
const COMP_KINDS = ['apology', 'free_reservice', 'replacement_worker', 'refund', 'partial_refund', 'voucher', 'cash']
export const MONETARY_KINDS = ['refund', 'partial_refund', 'voucher', 'cash']

const opts = (prefix: string, values: string[]) => (c: FormCtx) => values.map((v) => ({ value: v, label: c.t(`${prefix}.${v}`) }))

function signer(c: FormCtx): SignatureModel {
  // A masked name (张*) is not a name to sign under: leave it for the customer to write.
  return { signer_name: c.detail.phone_masked ? '' : c.detail.customer_name, pad: null }
}

export function signatureArg(s: SignatureModel | null | undefined) {
  if (!s || !s.pad) return null
  return { signer_name: s.signer_name, strokes: s.pad.strokes, png_base64: s.pad.png_base64 }
}

/** Yuan as typed (12.5) → cents (1250), the core's unit for money. */
export function yuanToCents(v: number | null | undefined): number {
  if (v === null || v === undefined || Number.isNaN(v)) return 0
  return Math.round(Number(v) * 100)
}

const utc = (v: unknown) => localInputToUtc(typeof v === 'string' || v instanceof Date ? v : null)
const textOrNull = (v: unknown) => (typeof v === 'string' && v.trim() ? v : null)

function departmentOptions(c: FormCtx): Option[] {
  return c.ref.departments
    .filter((d) => d.active)
    .map((d) => ({
      value: d.id,
      testKey: d.code,
      label: d.name,
      hint: d.id === c.detail.department_id ? c.t('action.current') : d.code,
    }))
}

/** The written decision the customer is answering (R5.6): the latest one not answered yet. */
export function pendingDecision(d: ComplaintDetail): string {
  const list = d.records?.decisions ?? []
  const open = [...list].reverse().find((x) => x.agreed === null || x.agreed === undefined)
  return open?.decision_text ?? ''
}

const reasonOnly = (label = 'field.reason'): ActionSpec => ({
  fields: [{ key: 'reason', type: 'textarea', label, required: true }],
  init: () => ({ reason: '' }),
  args: (m) => ({ reason: m.reason }),
})

export const ACTIONS: Record<string, ActionSpec> = {
  review: {
    fields: [
      { key: 'opinion', type: 'textarea', label: 'field.opinion', required: true, rows: 3 },
      { key: 'category', type: 'select', label: 'field.category', options: opts('category', ['business', 'service', 'comprehensive', 'other']) },
      {
        key: 'sub_category', type: 'select', label: 'field.sub_category', clearable: true,
        options: (c, m) => (c.subCategories[m.category] ?? []).map((s) => ({ value: s, label: s })),
      },
    ],
    init: (c) => ({ opinion: '', category: c.detail.category, sub_category: c.detail.sub_category }),
    args: (m, c) => ({
      opinion: m.opinion,
      category: m.category !== c.detail.category ? m.category : null,
      sub_category: m.sub_category !== c.detail.sub_category ? (m.sub_category ?? '') : null,
    }),
  },
  cancel: {
    danger: true,
    fields: [
      { key: 'reason', type: 'radio', label: 'action.field.invalid_reason', required: true, needed: true, options: opts('invalidReason', ['duplicate', 'wrong_party', 'not_our_service']) },
      { key: 'note', type: 'textarea', label: 'field.note', required: true },
    ],
    init: () => ({ reason: null, note: '' }),
    args: (m) => ({ reason: m.reason, note: m.note }),
  },
  not_accept: {
    danger: true,
    fields: [
      {
        key: 'reason', type: 'radio', label: 'action.field.not_accepted_reason', required: true, needed: true, vertical: true,
        options: opts('notAcceptedReason', ['already_settled', 'handled_by_court_or_arbitration', 'other_legal_provisions', 'malicious']),
      },
      { key: 'note', type: 'textarea', label: 'field.note', required: (m) => m.reason === 'malicious', hint: 'action.hint.not_accept_note' },
    ],
    init: () => ({ reason: null, note: '' }),
    args: (m) => ({ reason: m.reason, note: m.note }),
  },
  report_major: {
    fields: [
      { key: 'informed', type: 'text', label: 'action.field.informed', required: true, placeholder: 'action.placeholder.informed' },
      { key: 'informed_at', type: 'datetime', label: 'field.informed_at', placeholder: 'action.placeholder.now' },
    ],
    init: () => ({ informed: '', informed_at: null }),
    args: (m) => ({ informed: m.informed, informed_at: utc(m.informed_at) }),
    completes: () => ['report_major'],
  },
  set_nature: {
    fields: [
      { key: 'nature', type: 'radio', label: 'action.field.nature', required: true, needed: true, options: opts('nature', ['general', 'major']) },
      { key: 'reason', type: 'textarea', label: 'field.reason', required: true },
    ],
    init: (c) => ({ nature: c.detail.nature === 'general' ? 'major' : 'general', reason: '' }),
    args: (m) => ({ nature: m.nature, reason: m.reason }),
  },
  raise_warning: {
    fields: [
      {
        key: 'level', type: 'radio', label: 'field.warning_level', required: true, needed: true,
        options: (c) => [1, 2, 3].map((n) => ({ value: n, label: c.t('action.level', { n }) })),
        hint: 'action.hint.warning_levels',
      },
      { key: 'reason', type: 'textarea', label: 'field.reason', required: true },
    ],
    init: (c) => ({ level: Math.min(c.detail.warning_level + 1, 3), reason: '' }),
    args: (m) => ({ level: m.level, reason: m.reason }),
  },
  acknowledge_escalation: {
    fields: [
      {
        key: 'level', type: 'radio', label: 'action.field.escalation_level', required: true, needed: true,
        options: (c) => {
          const acks = c.detail.records?.escalation_acks ?? []
          return ['general_manager', 'office_director', 'cs_manager', 'cs_department'].map((l) => {
            const a = acks.find((x) => x.level === l)
            return { value: l, label: c.t(`escalationLevel.${l}`), hint: a ? c.t('action.ackedBy', { name: a.acked_by }) : undefined }
          })
        },
      },
      { key: 'note', type: 'textarea', label: 'field.note' },
    ],
    init: () => ({ level: null, note: '' }),
    args: (m) => ({ level: m.level, note: m.note }),
  },
  dispatch: {
    width: '680px',
    fields: [
      { key: 'department', type: 'select', label: 'field.department', required: true, options: departmentOptions },
      {
        key: 'assignee', type: 'select', label: 'action.field.assignee', clearable: true, placeholder: 'action.placeholder.anyone',
        options: (c, m) =>
          c.ref.users
            .filter((u) => u.active && u.department_id && u.department_id === m.department)
            .map((u) => ({ value: u.id, testKey: u.login, label: u.name, hint: u.login })),
      },
      { key: 'note', type: 'textarea', label: 'action.field.dispatch_note', required: true, templates: 'dispatch_note', rows: 3 },
      { key: 'due_at', type: 'datetime', label: 'field.due_at', placeholder: 'action.placeholder.policyDeadline', hint: 'action.hint.due_at' },
    ],
    init: () => ({ department: null, assignee: null, note: '', due_at: null }),
    args: (m) => ({ department: m.department ?? '', assignee: m.assignee || null, note: m.note, due_at: utc(m.due_at) }),
    completes: () => ['dispatch'],
  },
  accept_dispatch: {
    confirm: true,
    fields: [{ key: '_info', type: 'info', label: '', text: (c) => c.t('action.confirm.accept_dispatch', { department: c.detail.department_name ?? '' }) }],
    init: () => ({}),
    args: () => ({}),
  },
  return_dispatch: {
    ...reasonOnly('action.field.return_reason'),
    completes: () => ['department'],
  },
  transfer: {
    fields: [
      { key: 'department', type: 'select', label: 'action.field.target_department', required: true, options: departmentOptions },
      { key: 'reason', type: 'textarea', label: 'action.field.transfer_reason', required: true },
      { key: 'due_at', type: 'datetime', label: 'field.due_at', placeholder: 'action.placeholder.policyDeadline', hint: 'action.hint.due_at' },
    ],
    init: () => ({ department: null, reason: '', due_at: null }),
    args: (m) => ({ department: m.department ?? '', reason: m.reason, due_at: utc(m.due_at) }),
    completes: () => ['department'],
  },
  urge: {
    fields: [{ key: 'note', type: 'textarea', label: 'action.field.urge_note', required: true, hint: (_m, c) => c.t('action.hint.urge', { department: c.detail.department_name ?? '—', owner: c.detail.owner_name }) }],
    init: () => ({ note: '' }),
    args: (m) => ({ note: m.note }),
  },
  record_findings: {
    width: '680px',
    fields: [
      { key: 'finding', type: 'radio', label: 'action.field.finding', required: true, needed: true, options: opts('finding', ['true', 'partly_true', 'not_true']) },
      { key: 'root_cause', type: 'textarea', label: 'field.root_cause', required: (m) => m.finding !== 'not_true' },
      {
        key: 'solution', type: 'textarea', label: 'action.field.solution', required: true, templates: 'decision', rows: 4,
        hint: (m, c) => (m.finding === 'not_true' ? c.t('action.hint.solution_not_true') : c.t('action.hint.solution')),
      },
    ],
    init: () => ({ finding: null, root_cause: '', solution: '' }),
    args: (m) => ({ finding: m.finding, root_cause: m.root_cause, solution: m.solution }),
    completes: () => ['department'],
  },
  reply_to_customer: {
    width: '680px',
    fields: [
      { key: 'method', type: 'radio', label: 'action.field.reply_method', required: true, needed: true, options: opts('replyMethod', ['phone', 'sms', 'email', 'letter', 'visit', 'wechat']) },
      { key: 'content', type: 'textarea', label: 'action.field.reply_content', required: true, templates: 'reply', rows: 3 },
      {
        key: 'plan_and_schedule', type: 'textarea', label: 'action.field.plan_and_schedule',
        required: (_m, c) => c.detail.stage !== 'follow_up', hint: 'action.hint.plan_and_schedule',
      },
    ],
    init: (c) => ({ method: c.detail.reply_method ?? 'phone', content: '', plan_and_schedule: '' }),
    args: (m) => ({ method: m.method, content: m.content, plan_and_schedule: m.plan_and_schedule }),
    completes: () => ['stage_reply'],
  },
  record_customer_decision: {
    width: '680px',
    fields: [
      { key: '_decision', type: 'info', label: 'action.field.written_decision', text: (c) => pendingDecision(c.detail) || c.t('action.noDecision') },
      {
        key: 'agreed', type: 'radio', label: 'action.field.customer_opinion', required: true,
        options: (c) => [
          { value: true, label: c.t('action.agreed') },
          { value: false, label: c.t('action.disagreed') },
        ],
      },
      {
        key: 'objection', type: 'textarea', label: 'field.objection', required: (m) => !m.agreed, visible: (m) => !m.agreed, templates: 'decision',
        hint: 'action.hint.objection',
      },
      { key: 'sign', type: 'switch', label: 'action.field.customer_signs' },
      { key: 'signature', type: 'signature', label: 'field.signature', visible: (m) => m.sign, required: true },
    ],
    init: (c) => ({ agreed: true, objection: '', sign: false, signature: signer(c) }),
    args: (m) => ({ agreed: m.agreed, objection: m.agreed ? '' : m.objection, signature: m.sign ? signatureArg(m.signature) : null }),
    completes: (m, c) => (m.agreed && c.detail.finding === 'not_true' ? ['final_handling'] : []),
  },
  approve_compensation: {
    fields: [
      { key: 'max_amount_cents', type: 'money', label: 'action.field.max_amount', required: true },
      { key: 'note', type: 'textarea', label: 'field.note', required: true },
    ],
    init: () => ({ max_amount_cents: null, note: '' }),
    args: (m) => ({ max_amount_cents: yuanToCents(m.max_amount_cents), note: m.note }),
  },
  implement: {
    width: '760px',
    fields: [
      { key: '_decision', type: 'info', label: 'action.field.agreed_decision', text: (c) => agreedDecision(c.detail) || '—' },
      { key: 'actions', type: 'textarea', label: 'action.field.actions', required: true, templates: 'decision', rows: 3 },
      { key: 'done_by', type: 'text', label: 'action.field.done_by', required: true },
      { key: 'done_at', type: 'datetime', label: 'action.field.done_at', placeholder: 'action.placeholder.now' },
      { key: 'compensations', type: 'compensations', label: 'action.field.compensations', hint: 'action.hint.compensations' },
    ],
    init: (c) => ({ actions: '', done_by: c.userName, done_at: null, compensations: [] }),
    args: (m) => ({
      actions: m.actions,
      done_by: m.done_by,
      done_at: utc(m.done_at),
      compensations: (m.compensations as { kind: string; amount: number | null; note?: string }[]).map((x) => ({ kind: x.kind, amount_cents: yuanToCents(x.amount), note: x.note ?? '' })),
    }),
    completes: () => ['final_handling'],
  },
  pause_for_holiday: {
    width: '680px',
    fields: [
      { key: 'period', type: 'range', label: 'action.field.pause_period', required: true, needed: true, errKeys: ['from', 'until'] },
      { key: 'reason', type: 'textarea', label: 'field.reason', required: true },
      { key: 'signature', type: 'signature', label: 'action.field.customer_consent', required: true, needed: true },
    ],
    init: (c) => ({ period: null, reason: '', signature: signer(c) }),
    args: (m) => ({
      from: utc(m.period?.[0]) ?? '',
      until: utc(m.period?.[1]) ?? '',
      reason: m.reason,
      signature: signatureArg(m.signature),
    }),
  },
  record_contact_attempt: {
    fields: [
      {
        key: 'note', type: 'textarea', label: 'field.note', placeholder: 'action.placeholder.contact',
        hint: (_m, c) => c.t('action.hint.contact', { n: (c.detail.records?.contact_attempts ?? []).length }),
      },
    ],
    init: () => ({ note: '' }),
    args: (m) => ({ note: m.note }),
  },
  survey: {
    width: '760px',
    fields: [
      { key: 'method', type: 'radio', label: 'action.field.survey_method', required: true, needed: true, options: opts('surveyMethod', ['phone', 'visit', 'sms']) },
      { key: 'overall', type: 'radio', label: 'action.field.overall', required: true, needed: true, options: opts('satisfaction', SATISFACTION) },
      { key: 'speed', type: 'radio', label: 'action.field.speed', small: true, clearable: true, options: opts('satisfaction', SATISFACTION) },
      { key: 'attitude', type: 'radio', label: 'action.field.attitude', small: true, clearable: true, options: opts('satisfaction', SATISFACTION) },
      { key: 'result', type: 'radio', label: 'action.field.result', small: true, clearable: true, options: opts('satisfaction', SATISFACTION) },
      {
        key: 'comment', type: 'textarea', label: 'field.comment',
        required: (m) => !!m.overall && !['very_satisfied', 'satisfied'].includes(m.overall), hint: 'action.hint.survey_comment',
      },
      { key: 'sign', type: 'switch', label: 'action.field.customer_signs', visible: (m) => m.method === 'visit' },
      { key: 'signature', type: 'signature', label: 'field.signature', visible: (m) => m.method === 'visit' && m.sign, required: true },
    ],
    init: (c) => ({ method: 'phone', overall: null, speed: null, attitude: null, result: null, comment: '', sign: false, signature: signer(c) }),
    args: (m) => ({
      method: m.method,
      overall: m.overall,
      speed: m.speed || null,
      attitude: m.attitude || null,
      result: m.result || null,
      comment: m.comment,
      signature: m.method === 'visit' && m.sign ? signatureArg(m.signature) : null,
    }),
    completes: () => ['follow_up'],
  },
  close: {
    confirm: true,
    fields: [{ key: '_info', type: 'info', label: '', text: (c) => c.t('action.confirm.close', { survey: latestSurvey(c) }) }],
    init: () => ({}),
    args: () => ({}),
  },
  supervisor_close: {
    danger: true,
    init: () => ({ reason: '' }),
    args: (m) => ({ reason: m.reason }),
    fields: [
      {
        key: 'reason', type: 'textarea', label: 'action.field.close_reason', required: true,
        hint: (_m, c) => c.t('action.hint.supervisor_close', { n: (c.detail.records?.contact_attempts ?? []).length }),
      },
    ],
  },
  reopen: reasonOnly('action.field.reopen_reason'),
  appeal: {
    width: '680px',
    fields: [
      { key: 'description', type: 'textarea', label: 'action.field.appeal_description', required: true, rows: 4 },
      { key: 'channel', type: 'select', label: 'field.channel', options: opts('channel', ['phone', 'walk_in', 'letter', 'online', 'email', 'social_media', 'third_party', 'transferred', 'media_exposure']) },
      { key: 'sign', type: 'switch', label: 'action.field.customer_signs' },
      { key: 'signature', type: 'signature', label: 'field.signature', visible: (m) => m.sign, required: true },
      { key: 'signature_missing_reason', type: 'text', label: 'field.signature_missing_reason', visible: (m) => !m.sign, required: true, placeholder: 'action.placeholder.missing_signature' },
    ],
    init: (c) => ({ description: '', channel: c.detail.channel, sign: false, signature: signer(c), signature_missing_reason: '' }),
    args: (m) => ({
      description: m.description,
      channel: m.channel,
      signature: m.sign ? signatureArg(m.signature) : null,
      signature_missing_reason: m.sign ? null : textOrNull(m.signature_missing_reason),
    }),
  },
  add_case: {
    width: '680px',
    fields: [
      { key: 'title', type: 'text', label: 'action.field.case_title', required: true },
      { key: 'analysis', type: 'textarea', label: 'action.field.analysis', required: true, rows: 4 },
      { key: 'lessons', type: 'textarea', label: 'action.field.lessons', required: true, rows: 3 },
    ],
    init: (c) => ({ title: c.detail.sub_category ? `${c.detail.sub_category} · ${c.detail.number}` : c.detail.number, analysis: '', lessons: '' }),
    args: (m) => ({ title: m.title, analysis: m.analysis, lessons: m.lessons }),
  },
  add_signature: {
    width: '680px',
    fields: [
      { key: '_info', type: 'info', label: '', text: (c) => c.t('action.hint.add_signature', { note: c.detail.signature_note || '—' }) },
      { key: 'signature', type: 'signature', label: 'field.signature', required: true, needed: true },
    ],
    init: (c) => ({ signature: signer(c) }),
    args: (m) => ({ signature: signatureArg(m.signature) }),
  },
  add_attachment: {
    fields: [
      { key: 'path', type: 'file', label: 'action.field.file', required: true },
      { key: 'file_name', type: 'text', label: 'field.file_name', placeholder: 'action.placeholder.file_name' },
    ],
    init: () => ({ path: '', file_name: '' }),
    args: (m) => ({ path: m.path, file_name: textOrNull(m.file_name) }),
  },
}

function agreedDecision(d: ComplaintDetail): string {
  const list = d.records?.decisions ?? []
  const ok = [...list].reverse().find((x) => x.agreed === 1)
  return ok?.decision_text ?? ''
}

function latestSurvey(c: FormCtx): string {
  const list = c.detail.records?.surveys ?? []
  const s = list[list.length - 1]
  return s ? c.t(`satisfaction.${s.overall}`) : '—'
}

/** Commands whose arguments take an `overdue_reason` (R4.6). */
export const TAKES_OVERDUE_REASON = new Set([
  'report_major', 'dispatch', 'return_dispatch', 'transfer', 'record_findings', 'reply_to_customer',
  'record_customer_decision', 'implement', 'survey',
])

/** The open steps this operation would complete that are already past their deadline. */
export function overdueSteps(action: string, m: Model, c: FormCtx, nowMs: number) {
  const spec = ACTIONS[action]
  const kinds = spec?.completes?.(m, c) ?? []
  if (!kinds.length) return []
  return c.detail.steps.filter((s) => !s.completed_at && kinds.includes(s.kind) && nowMs >= Date.parse(s.due_at))
}

/** Does an `invalid` error on `errField` belong to this field? */
export function fieldHasError(f: FieldSpec, errField: string | null): boolean {
  if (!errField) return false
  if (errField === f.key || errField.startsWith(f.key + '.')) return true
  return !!f.errKeys?.some((k) => errField === k || errField.startsWith(k + '.'))
}

export function isRequired(f: FieldSpec, m: Model, c: FormCtx): boolean {
  return typeof f.required === 'function' ? f.required(m, c) : !!f.required
}

export function isVisible(f: FieldSpec, m: Model, c: FormCtx): boolean {
  return f.visible ? f.visible(m, c) : true
}

/** Fields the core could not even parse without (an enum, a range, a signature): hinted before sending. */
export function missingNeeded(spec: ActionSpec, m: Model, c: FormCtx): FieldSpec | null {
  for (const f of spec.fields) {
    if (!f.needed || !isVisible(f, m, c)) continue
    const v = m[f.key]
    if (v === null || v === undefined || v === '') return f
    if (f.type === 'range' && (!Array.isArray(v) || !v[0] || !v[1])) return f
    if (f.type === 'signature' && !(v as SignatureModel).pad) return f
  }
  // An optional signature that was switched on must have strokes too.
  for (const f of spec.fields) {
    if (f.type === 'signature' && isVisible(f, m, c) && !(m[f.key] as SignatureModel)?.pad) return f
  }
  return null
}

export const COMPENSATION_KINDS = COMP_KINDS
