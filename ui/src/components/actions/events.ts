// A timeline entry (R7.1) as a sentence in the user's language, with its details as labelled
// lines and the complaint numbers it mentions as links. Never raw JSON: an unknown kind still
// shows its data as "label: value" lines.
import type { Event } from '../../api/types.gen'
import { fmtDateTime, fmtMoney } from '../../utils/format'
import { departmentName, userName } from './refdata'
import type { RefData } from './registry'

export interface EventView {
  title: string
  lines: { label: string; value: string }[]
  links: { label: string; number: string }[]
  tone: 'primary' | 'success' | 'warning' | 'danger' | 'info' | ''
}

type T = (k: string, p?: Record<string, unknown>) => string
type Te = (k: string) => boolean

/** Punctuation differs between Chinese (：；、（）) and Latin scripts (: ; , ()). */
export function punct(t: T) {
  return {
    colon: t('detail.punct.colon'),
    sep: t('detail.punct.sep'),
    list: t('detail.punct.list'),
    paren: (x: unknown) => t('detail.punct.paren', { x }),
  }
}

export function describeEvent(e: Event, ref: RefData | null, t: T, te: Te): EventView {
  const d: Record<string, any> = e.data && typeof e.data === 'object' ? e.data : {}
  const tr = (prefix: string, v: unknown) => {
    if (v === null || v === undefined || v === '') return '—'
    const k = `${prefix}.${v}`
    return te(k) ? t(k) : String(v)
  }
  const major = (r: string) => (te(`majorReason.${r}`) ? t(`majorReason.${r}`) : te(`detail.majorReason.${r}`) ? t(`detail.majorReason.${r}`) : r)
  const dept = (id: unknown) => departmentName(ref, id as string)
  const lines: EventView['lines'] = []
  const links: EventView['links'] = []
  const line = (labelKey: string, value: unknown) => {
    if (value === null || value === undefined || value === '') return
    lines.push({ label: t(labelKey), value: String(value) })
  }
  const ev = (k: string, p?: Record<string, unknown>) => t(`detail.event.${k}`, p ?? {})
  const pu = punct(t)
  let title = ''
  let tone: EventView['tone'] = ''

  switch (e.kind) {
    case 'registered':
      title = ev('registered', { channel: tr('channel', d.channel), tier: tr('tier', d.tier), nature: tr('nature', d.nature) })
      tone = 'primary'
      if (Array.isArray(d.major_reasons) && d.major_reasons.length) line('detail.label.majorReasons', d.major_reasons.map(major).join(pu.list))
      line('field.signature', d.signature === 'signed' ? t('detail.signatureStatus.signed') : `${t('detail.signatureStatus.not_obtained')}${d.signature_missing_reason ? ' — ' + d.signature_missing_reason : ''}`)
      break
    case 'repeat_detected':
      title = ev('repeat_detected')
      tone = 'warning'
      if (d.repeat_of) links.push({ label: t('linkKind.repeat'), number: d.repeat_of })
      break
    case 'signed':
      title = ev('signed', { signer: d.signer ?? '—', purpose: tr('detail.sigPurpose', d.purpose) })
      if (d.digest) line('detail.label.digest', String(d.digest).slice(0, 16) + '…')
      break
    case 'attachment_added':
      title = ev('attachment_added', { file: d.file_name ?? '' })
      if (typeof d.size === 'number') line('detail.label.size', fmtSize(d.size))
      break
    case 'appealed':
      title = ev('appealed')
      tone = 'warning'
      if (d.appeal) links.push({ label: t('linkKind.appeal'), number: d.appeal })
      break
    case 'appeal_of':
      title = ev('appeal_of')
      tone = 'warning'
      if (d.original) links.push({ label: t('detail.label.original'), number: d.original })
      break
    case 'reviewed':
      title = ev('reviewed')
      tone = 'success'
      line('field.opinion', d.opinion)
      if (d.changes?.category) line('field.category', `${tr('category', d.changes.category.from)} → ${tr('category', d.changes.category.to)}`)
      if (d.changes && 'sub_category' in d.changes) line('field.sub_category', d.changes.sub_category || '—')
      break
    case 'cancelled':
      title = ev('cancelled', { reason: tr('invalidReason', d.reason) })
      tone = 'danger'
      line('field.note', d.note)
      break
    case 'not_accepted':
      title = ev('not_accepted', { reason: tr('notAcceptedReason', d.reason) })
      tone = 'danger'
      line('field.note', d.note)
      break
    case 'major_reported':
      title = ev('major_reported', { informed: d.informed ?? '—', at: fmtDateTime(d.informed_at) })
      break
    case 'nature_raised':
      title = ev('nature_raised', { reason: major(String(d.reason ?? '')) })
      tone = 'warning'
      break
    case 'nature_changed':
      title = ev('nature_changed', { nature: tr('nature', d.to) })
      tone = 'warning'
      line('field.reason', d.reason)
      break
    case 'warning_raised':
      title = ev('warning_raised', { from: d.from, to: d.to })
      tone = 'warning'
      line('field.reason', d.reason)
      break
    case 'escalation_notified':
      title = ev('escalation_notified')
      tone = 'warning'
      if (Array.isArray(d.chain)) line('detail.label.chain', d.chain.map((l: string) => tr('escalationLevel', l)).join(' → '))
      break
    case 'escalation_acknowledged':
      title = ev('escalation_acknowledged', { level: tr('escalationLevel', d.level) })
      line('field.note', d.note)
      break
    case 'dispatched':
      title = ev('dispatched', { department: dept(d.department_id) })
      tone = 'primary'
      line('detail.label.deadline', fmtDateTime(d.due_at))
      if (d.assignee_id) line('detail.label.assignee', userName(ref, d.assignee_id))
      line('detail.label.dispatchNote', d.note)
      break
    case 'dispatch_accepted':
      title = ev('dispatch_accepted', { department: dept(d.department_id) })
      break
    case 'returned':
      title = ev('returned', { department: dept(d.department_id) })
      tone = 'warning'
      line('field.reason', d.reason)
      break
    case 'transferred':
      title = ev('transferred', { from: dept(d.from), to: dept(d.to) })
      tone = 'primary'
      line('detail.label.deadline', fmtDateTime(d.due_at))
      line('field.reason', d.reason)
      break
    case 'urged':
      title = ev('urged', { department: dept(d.department_id), n: d.count ?? 1 })
      tone = 'warning'
      line('field.note', d.note)
      break
    case 'step_completed_overdue':
      title = ev('step_completed_overdue', { step: tr('stepKind', d.step) })
      tone = 'danger'
      line('field.overdue_reason', d.overdue_reason)
      break
    case 'personal_data_viewed':
      title = ev('personal_data_viewed')
      tone = 'info'
      break
    case 'paused':
      title = ev('paused', { from: fmtDateTime(d.from), until: fmtDateTime(d.until) })
      line('field.reason', d.reason)
      break
    case 'contact_attempt':
      title = ev('contact_attempt', { n: d.attempts ?? 1 })
      tone = 'warning'
      line('field.note', d.note)
      break
    case 'surveyed': {
      const ok = d.overall === 'very_satisfied' || d.overall === 'satisfied'
      title = ev('surveyed', { method: tr('surveyMethod', d.method), overall: tr('satisfaction', d.overall) })
      tone = ok ? 'success' : 'danger'
      const aspects = (['speed', 'attitude', 'result'] as const)
        .filter((k) => d[k])
        .map((k) => `${t(`action.field.${k}`)}${pu.colon}${tr('satisfaction', d[k])}`)
      if (aspects.length) line('detail.label.aspects', aspects.join(pu.sep))
      line('field.comment', d.comment)
      break
    }
    case 'redispatched':
      title = ev('redispatched', { department: dept(d.department_id) })
      tone = 'warning'
      break
    case 'closed':
      title = d.by_supervisor ? ev('closed_by_supervisor') : ev('closed')
      tone = 'success'
      line('field.reason', d.reason)
      break
    case 'reopened':
      title = ev('reopened')
      tone = 'warning'
      line('field.reason', d.reason)
      break
    case 'added_to_case_library':
      title = ev('added_to_case_library', { title: d.title ?? '' })
      break
    case 'findings_recorded':
      title = ev('findings_recorded', { finding: tr('finding', d.finding) })
      tone = 'primary'
      line('field.root_cause', d.root_cause)
      line('detail.label.solution', d.solution)
      break
    case 'replied':
      title = ev('replied', { method: tr('replyMethod', d.method) })
      line('detail.label.replyContent', d.content)
      line('detail.label.plan', d.plan_and_schedule)
      break
    case 'customer_decision':
      title = d.agreed ? ev('customer_agreed') : ev('customer_disagreed')
      tone = d.agreed ? 'success' : 'warning'
      line('field.objection', d.objection)
      if (d.signed) line('field.signature', t('detail.signatureStatus.signed'))
      break
    case 'compensation_approved':
      title = ev('compensation_approved', { amount: fmtMoney(Number(d.max_amount_cents ?? 0)) })
      line('field.note', d.note)
      break
    case 'implemented':
      title = ev('implemented', { by: d.done_by ?? '—', at: fmtDateTime(d.done_at) })
      tone = 'success'
      line('detail.label.actions', d.actions)
      if (Array.isArray(d.compensations) && d.compensations.length)
        line('detail.label.compensations', d.compensations.map((c: { kind: string; amount_cents?: number; note?: string }) => compText(c, t, te)).join(pu.sep))
      if (d.follow_up_due) line('detail.label.followUpDue', fmtDateTime(d.follow_up_due))
      break
    default:
      title = te(`detail.event.${e.kind}`) ? ev(e.kind) : e.kind
      for (const [k, v] of Object.entries(d)) {
        lines.push({ label: te(`field.${k}`) ? t(`field.${k}`) : k, value: typeof v === 'object' ? JSON.stringify(v) : String(v) })
      }
  }
  return { title, lines, links, tone }
}

export function compText(c: { kind: string; amount_cents?: number; note?: string }, t: T, te: Te): string {
  const k = te(`compensationKind.${c.kind}`) ? t(`compensationKind.${c.kind}`) : c.kind
  const amount = c.amount_cents ? ` ${fmtMoney(c.amount_cents)}` : ''
  const note = c.note ? punct(t).paren(c.note) : ''
  return `${k}${amount}${note}`
}

export function fmtSize(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}
