// Helpers shared by the Settings tabs and the escalation view: the words of their errors, readable deadline limits, and plain (zone-less) dates.
import { currentLocale, t, type ErrorScope } from '../../i18n'
import type { Limit } from '../../api/types.gen'


/**
 * The Settings tabs' words for errors (errorText's scope): the reasons of the settings commands
 * (a calendar file's line, a policy the core refuses …) and the argument names only Settings has.
 */
export const SETTINGS_ERRORS: ErrorScope = { reasons: ['settings.err'], fields: ['settings.field'] }

/** "8 小时" / "30 分钟" / "5 个工作日", with the clock it runs on when asked. */
export function fmtLimit(l: Limit | null | undefined, withClock = true): string {
  if (!l) return t('settings.policy.none')
  let amount: string
  if (l.clock === 'working_days') {
    amount = t('settings.policy.fmt.days', { n: l.days })
    return amount
  }
  const m = l.minutes
  if (m % 60 === 0) amount = t('settings.policy.fmt.hours', { n: m / 60 })
  else if (m > 60) amount = t('settings.policy.fmt.hoursMinutes', { h: Math.floor(m / 60), m: m % 60 })
  else amount = t('settings.policy.fmt.minutes', { n: m })
  return withClock ? t('settings.policy.fmt.withClock', { amount, clock: t(`settings.policy.clock.${l.clock}`) }) : amount
}

/** A calendar date (YYYY-MM-DD, no zone) in the user's locale. */
export function fmtPlainDate(ymd: string | null | undefined, weekday = false): string {
  if (!ymd) return '—'
  const [y, m, d] = ymd.split('-').map(Number)
  if (!y || !m || !d) return ymd
  const dt = new Date(Date.UTC(y, m - 1, d))
  return new Intl.DateTimeFormat(currentLocale(), {
    timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit', weekday: weekday ? 'short' : undefined,
  }).format(dt)
}

export function weekdayOf(ymd: string): string {
  const [y, m, d] = ymd.split('-').map(Number)
  return new Intl.DateTimeFormat(currentLocale(), { timeZone: 'UTC', weekday: 'short' }).format(new Date(Date.UTC(y, m - 1, d)))
}

/** Local YYYY-MM-DD of a Date picked in a date picker (which gives local midnight). */
export function ymdOf(d: Date | string | null | undefined): string {
  if (!d) return ''
  if (typeof d === 'string') return d.slice(0, 10)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** Reads a user-picked file in the webview (no file-system permission needed). */
export function readFile(file: File, as: 'text' | 'dataUrl'): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => resolve(String(r.result ?? ''))
    r.onerror = () => reject(r.error)
    if (as === 'text') r.readAsText(file, 'utf-8')
    else r.readAsDataURL(file)
  })
}

/**
 * Any image the webview can show, scaled to fit `max` pixels and re-encoded as PNG (the core
 * stores PNG only and prints it in document headers).
 */
export function imageToPngBase64(dataUrl: string, max = 256): Promise<string> {
  return new Promise((resolve, reject) => {
    const img = new Image()
    img.onload = () => {
      const scale = Math.min(1, max / Math.max(img.naturalWidth, img.naturalHeight))
      const w = Math.max(1, Math.round(img.naturalWidth * scale))
      const h = Math.max(1, Math.round(img.naturalHeight * scale))
      const c = document.createElement('canvas')
      c.width = w
      c.height = h
      const ctx = c.getContext('2d')
      if (!ctx) return reject(new Error('canvas'))
      ctx.drawImage(img, 0, 0, w, h)
      resolve(c.toDataURL('image/png').replace(/^data:image\/png;base64,/, ''))
    }
    img.onerror = () => reject(new Error('image'))
    img.src = dataUrl
  })
}

/** Offers text as a file download (falls back silently where the webview has no downloads). */
export function downloadText(name: string, text: string, mime = 'text/csv') {
  const blob = new Blob(['\ufeff' + text], { type: `${mime};charset=utf-8` })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** Copies to the clipboard; true when it worked. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    const ta = document.createElement('textarea')
    ta.value = text
    ta.style.position = 'fixed'
    ta.style.opacity = '0'
    document.body.appendChild(ta)
    ta.select()
    let ok = false
    try {
      ok = document.execCommand('copy')
    } catch {
      ok = false
    }
    ta.remove()
    return ok
  }
}
