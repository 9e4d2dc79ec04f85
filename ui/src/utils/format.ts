// Dates are stored in UTC and shown in the branch's time zone (R4.5), in the user's locale.
import { currentLocale } from '../i18n'

let branchTz = 'Asia/Shanghai'
export function setBranchTz(tz: string) {
  branchTz = tz || 'Asia/Shanghai'
}
export function getBranchTz() {
  return branchTz
}

export function fmtDateTime(iso: string | null | undefined, withSeconds = false): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (isNaN(d.getTime())) return '—'
  return new Intl.DateTimeFormat(currentLocale(), {
    timeZone: branchTz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    second: withSeconds ? '2-digit' : undefined, hour12: false,
  }).format(d)
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (isNaN(d.getTime())) return '—'
  return new Intl.DateTimeFormat(currentLocale(), { timeZone: branchTz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d)
}

/** Money is kept in cents (分) in the core. */
export function fmtMoney(cents: number): string {
  return new Intl.NumberFormat(currentLocale(), { style: 'currency', currency: 'CNY' }).format(cents / 100)
}

export function fmtNumber(n: number): string {
  return new Intl.NumberFormat(currentLocale()).format(n)
}

/** A local date-time picked in the form (in the branch zone) as an RFC 3339 UTC instant. */
export function localInputToUtc(value: string | Date | null | undefined): string | null {
  if (!value) return null
  const d = value instanceof Date ? value : new Date(value)
  return isNaN(d.getTime()) ? null : d.toISOString()
}
