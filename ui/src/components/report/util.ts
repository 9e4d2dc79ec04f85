// Shared by the dashboard, the monthly report, the exports, the imports and the case library:
// how figures, durations, months and the core's report errors read in the user's language.
// Nothing here decides a figure: every number comes from the core (src/report/*.rs).
import { currentLocale, errorText, has, t, type ErrorScope } from '../../i18n'
import type { BreakdownRow, Dimension, Figure, KpiKey, Unit } from '../../api/types.gen'
import { getBranchTz } from '../../utils/format'


/** Field names the shared vocabulary does not know (report.field.*), then field.*. */
export function reportFieldName(f: string): string {
  if (has(`report.field.${f}`)) return t(`report.field.${f}`)
  if (has(`field.${f}`)) return t(`field.${f}`)
  return f
}

/**
 * A reason an import row was refused, in the words of an error about that argument: the
 * reasons use the same vocabulary (a precondition's when only that one has it).
 */
export function reasonText(reason: string, field: string): string {
  const code = !has(`error.invalid.${reason}`) && has(`error.precondition.${reason}`) ? 'precondition' : 'invalid'
  return errorText({ code, message_key: '', message: '', details: { field, reason } }, { ...REPORT_ERRORS, labels: { [field]: reportFieldName(field) } })
}

/** The report screens' words for errors: reasons only their commands give (csv_not_utf8, missing_column …). */
export const REPORT_ERRORS: ErrorScope = { reasons: ['report.err'], preconditions: ['report.err'], fields: ['report.field'] }

// ---- numbers ---------------------------------------------------------------------------------

function num(n: number, digits = 1): string {
  return new Intl.NumberFormat(currentLocale(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n)
}

export function fmtCount(n: number): string {
  return new Intl.NumberFormat(currentLocale()).format(n)
}

/** "家政服务部（4）" in Chinese, "Meeting it (12)" elsewhere. */
export function withCount(label: string, n: number): string {
  return currentLocale().startsWith('zh') ? `${label}（${fmtCount(n)}）` : `${label} (${fmtCount(n)})`
}

export function fmtPercent(v: number): string {
  return new Intl.NumberFormat(currentLocale(), { style: 'percent', maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(v)
}

/** Working-time KPIs count business hours only (R4.5 b): they read in working hours. */
export const isWorkTime = (kpi: KpiKey) => kpi.includes('_work_')

/** A duration in seconds: minutes, hours or days (wall clock), or working hours. */
export function fmtDuration(seconds: number, work = false): string {
  const s = Math.abs(seconds)
  if (work) return t('report.unit.workHours', { n: num(s / 3600) })
  if (s < 3600) return t('report.unit.minutes', { n: fmtCount(Math.round(s / 60)) })
  if (s < 48 * 3600) return t('report.unit.hours', { n: num(s / 3600) })
  return t('report.unit.days', { n: num(s / 86400) })
}

export function fmtValue(unit: Unit, kpi: KpiKey, value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  switch (unit) {
    case 'count':
      return fmtCount(value)
    case 'ratio':
      return fmtPercent(value)
    case 'seconds':
      return fmtDuration(value, isWorkTime(kpi))
    case 'score':
      return t('report.unit.score', { n: num(value, 2) })
  }
}

export function fmtFigure(f: Figure | null | undefined): string {
  return f ? fmtValue(f.unit, f.kpi, f.value) : '—'
}

/** What the figure was taken over: "136 / 283", "250 件", "177 份回访". */
export function figureDetail(f: Figure | null | undefined): string {
  if (!f) return ''
  switch (f.unit) {
    case 'ratio':
      return t('report.detail.ratio', { n: fmtCount(f.numerator), d: fmtCount(f.denominator) })
    case 'seconds':
      return t('report.detail.measured', { n: fmtCount(f.denominator) })
    case 'score':
      return t('report.detail.surveys', { n: fmtCount(f.denominator) })
    default:
      return ''
  }
}

/** current − previous, signed: "+12", "−1.9 个百分点", "+0.5 小时". */
export function fmtChange(unit: Unit, kpi: KpiKey, change: number | null | undefined): string {
  if (change === null || change === undefined || Number.isNaN(change)) return '—'
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±'
  const a = Math.abs(change)
  switch (unit) {
    case 'count':
      return sign + fmtCount(a)
    case 'ratio':
      return sign + t('report.unit.pp', { n: num(a * 100) })
    case 'seconds':
      return sign + fmtDuration(a, isWorkTime(kpi))
    case 'score':
      return sign + num(a, 2)
  }
}

/** The number a chart plots: ratios in %, durations in hours. */
export function chartValue(unit: Unit, value: number | null | undefined): number | null {
  if (value === null || value === undefined || Number.isNaN(value)) return null
  if (unit === 'ratio') return Math.round(value * 1000) / 10
  if (unit === 'seconds') return Math.round((value / 3600) * 10) / 10
  if (unit === 'score') return Math.round(value * 100) / 100
  return value
}

/** The axis' unit of a chart: "%", "小时", "工作小时", "分" (1–5), "件". */
export function chartUnit(unit: Unit, kpi: KpiKey): string {
  if (unit === 'ratio') return '%'
  if (unit === 'seconds') return t(isWorkTime(kpi) ? 'report.unit.workHoursAxis' : 'report.unit.hoursAxis')
  if (unit === 'score') return t('report.unit.scoreAxis')
  return t('report.unit.countAxis')
}

export function figureOf(figures: Figure[] | undefined, kpi: KpiKey): Figure | undefined {
  return figures?.find((f) => f.kpi === kpi)
}

// ---- months and dates ------------------------------------------------------------------------

/** "YYYY-MM" of an instant in the branch's time zone. */
export function monthOf(d: Date = new Date(), tz = getBranchTz()): string {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit' }).formatToParts(d)
  const y = p.find((x) => x.type === 'year')?.value ?? '1970'
  const m = p.find((x) => x.type === 'month')?.value ?? '01'
  return `${y}-${m}`
}

export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number)
  const idx = y * 12 + (m - 1) + n
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`
}

/** Last day of a "YYYY-MM" month, "YYYY-MM-DD". */
export function lastDayOf(month: string): string {
  const [y, m] = month.split('-').map(Number)
  const d = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return `${month}-${String(d).padStart(2, '0')}`
}

/** "2026年10月" / "Oct 2026" / "octubre de 2026". */
export function fmtMonth(month: string | null | undefined, short = false): string {
  if (!month || !/^\d{4}-\d{2}$/.test(month)) return month ?? '—'
  const [y, m] = month.split('-').map(Number)
  return new Intl.DateTimeFormat(currentLocale(), { timeZone: 'UTC', year: 'numeric', month: short ? 'short' : 'long' }).format(new Date(Date.UTC(y, m - 1, 15)))
}

/** A plain calendar date ("YYYY-MM-DD", no zone) in the user's locale. */
export function fmtDay(day: string | null | undefined): string {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return day ?? '—'
  const [y, m, d] = day.split('-').map(Number)
  return new Intl.DateTimeFormat(currentLocale(), { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.UTC(y, m - 1, d)))
}

// ---- breakdown rows --------------------------------------------------------------------------

export const NONE_KEY = '(none)'

/** A breakdown row's name: enum codes and months translated, names as the core gives them. */
export function rowLabel(dim: Dimension, row: Pick<BreakdownRow, 'key' | 'label'>): string {
  if (row.key === NONE_KEY) return t(dim === 'worker' ? 'report.noWorker' : 'report.none')
  switch (dim) {
    case 'category':
    case 'channel':
    case 'tier':
      return has(`${dim}.${row.key}`) ? t(`${dim}.${row.key}`) : row.label
    case 'month':
      return fmtMonth(row.key)
    default:
      return row.label || row.key
  }
}

// ---- files -----------------------------------------------------------------------------------

/** A picked file's content as base64 (no data: prefix), read in the window. */
export function readAsBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => {
      const s = String(r.result ?? '')
      const i = s.indexOf(',')
      resolve(i >= 0 ? s.slice(i + 1) : s)
    }
    r.onerror = () => reject(r.error)
    r.readAsDataURL(file)
  })
}

/** A file name without the characters Windows refuses. */
export function safeFileName(s: string): string {
  return s.replace(/[\\/:*?"<>|]+/g, '-').trim()
}
