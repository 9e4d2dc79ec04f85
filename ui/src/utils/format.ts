// Dates are stored in UTC and shown in the branch's time zone (R4.5), in the user's locale.
import { currentLocale } from '../i18n'

let branchTz = 'Asia/Shanghai'
export function setBranchTz(tz: string) {
  branchTz = tz || 'Asia/Shanghai'
}
export function getBranchTz() {
  return branchTz
}

// Building an Intl formatter costs far more than using one (ICU loads the zone and the locale's
// patterns): every countdown on the board formats its deadline on each render, once a second. So
// each formatter is built once per locale, zone and shape, and kept.
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>()

function dateFormat(kind: 'datetime' | 'datetimeSeconds' | 'date'): Intl.DateTimeFormat {
  const locale = currentLocale()
  const key = `d|${kind}|${locale}|${branchTz}`
  let f = formatters.get(key) as Intl.DateTimeFormat | undefined
  if (!f) {
    const time = kind === 'date' ? {} : { hour: '2-digit', minute: '2-digit', second: kind === 'datetimeSeconds' ? '2-digit' : undefined, hour12: false }
    f = new Intl.DateTimeFormat(locale, { timeZone: branchTz, year: 'numeric', month: '2-digit', day: '2-digit', ...time } as Intl.DateTimeFormatOptions)
    formatters.set(key, f)
  }
  return f
}

function numberFormat(kind: 'money' | 'number'): Intl.NumberFormat {
  const locale = currentLocale()
  const key = `n|${kind}|${locale}`
  let f = formatters.get(key) as Intl.NumberFormat | undefined
  if (!f) {
    f = new Intl.NumberFormat(locale, kind === 'money' ? { style: 'currency', currency: 'CNY' } : {})
    formatters.set(key, f)
  }
  return f
}

export function fmtDateTime(iso: string | null | undefined, withSeconds = false): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (isNaN(d.getTime())) return '—'
  return dateFormat(withSeconds ? 'datetimeSeconds' : 'datetime').format(d)
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (isNaN(d.getTime())) return '—'
  return dateFormat('date').format(d)
}

/** Money is kept in cents (分) in the core. */
export function fmtMoney(cents: number): string {
  return numberFormat('money').format(cents / 100)
}

export function fmtNumber(n: number): string {
  return numberFormat('number').format(n)
}

/** A local date-time picked in the form (in the branch zone) as an RFC 3339 UTC instant. */
export function localInputToUtc(value: string | Date | null | undefined): string | null {
  if (!value) return null
  const d = value instanceof Date ? value : new Date(value)
  return isNaN(d.getTime()) ? null : d.toISOString()
}
