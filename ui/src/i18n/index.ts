// One i18n instance for the whole window. Every screen keeps its strings in its own module under
// locales/ (all four languages side by side, so a missing translation shows up in review); they
// are merged here. 简体中文 is the default and the fallback.
import { createI18n } from 'vue-i18n'
import type { ApiError } from '../api/ipc'

export const LOCALES = ['zh-CN', 'zh-TW', 'en', 'es'] as const
export type Locale = (typeof LOCALES)[number]
export const LOCALE_NAMES: Record<Locale, string> = { 'zh-CN': '简体中文', 'zh-TW': '繁體中文', en: 'English', es: 'Español' }

/** A locale module's messages: texts, nested by screen. */
interface Tree {
  [key: string]: string | Tree
}

function merge(into: Tree, from: Tree) {
  for (const [k, v] of Object.entries(from)) {
    if (typeof v === 'object' && !Array.isArray(v)) {
      const sub = into[k]
      const target: Tree = typeof sub === 'object' ? sub : {}
      into[k] = target
      merge(target, v)
    } else {
      into[k] = v
    }
  }
}

const modules = import.meta.glob('../locales/*.ts', { eager: true }) as Record<string, { default: Record<Locale, Tree> }>
const messages: Record<Locale, Tree> = { 'zh-CN': {}, 'zh-TW': {}, en: {}, es: {} }
for (const m of Object.values(modules)) {
  for (const l of LOCALES) if (m.default[l]) merge(messages[l], m.default[l])
}

const STORAGE_KEY = 'complaint-desk.locale'

export function savedLocale(): Locale {
  const s = (typeof localStorage !== 'undefined' && localStorage.getItem(STORAGE_KEY)) || 'zh-CN'
  return (LOCALES as readonly string[]).includes(s) ? (s as Locale) : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: savedLocale(),
  fallbackLocale: 'zh-CN',
  messages,
  missingWarn: false,
  fallbackWarn: false,
})

/**
 * The global composer with plain string keys. The message tree is merged at run time, so the
 * type checker cannot know its keys; this is the one place that says so.
 */
interface PlainComposer {
  t(key: string, params?: Record<string, unknown>): string
  te(key: string, locale?: string): boolean
  locale: { value: string }
}
const g = i18n.global as unknown as PlainComposer

export function setLocale(l: Locale) {
  g.locale.value = l
  localStorage.setItem(STORAGE_KEY, l)
  document.documentElement.lang = l
}

export function currentLocale(): Locale {
  return g.locale.value as Locale
}

/** A message by a key built at run time (a reason code, a field name), in the user's language. */
export const t = (key: string, params?: Record<string, unknown>): string => g.t(key, params ?? {})
/** Whether a message exists in the user's language or the fallback. */
export const has = (key: string): boolean => g.te(key, currentLocale()) || g.te(key, 'zh-CN')

/**
 * What a screen adds to the shared vocabulary for the errors of its own commands, as key prefixes
 * of its locale module (tried in order): sentences for their reasons, labels for their argument
 * names, words for details that are codes themselves.
 */
export interface ErrorScope {
  /**
   * Sentences by the reason of an invalid argument (`<prefix>.<reason>`, the reason up to a ':'
   * that starts the core's detail; `<prefix>.<reason>_line` when that detail names a line of a
   * file), by what was not
   * found (`<prefix>.notFound_<what>`) and by any other error code (`<prefix>.<code>`). They get
   * the error's details as parameters, `field` as the screen's label.
   */
  reasons?: string[]
  /** Sentences for the reasons of refused preconditions (`<prefix>.<reason>`), likewise. */
  preconditions?: string[]
  /** Labels of arguments the shared `field.*` does not name: `<prefix>.<argument>` (dots as `__`). */
  fields?: string[]
  /** Labels the caller knows for an argument (a threshold's name for `value`), before any other. */
  labels?: Record<string, string>
  /** Words for details that are codes (`problem: 'missing'`): detail name → key prefix. */
  detailWords?: Record<string, string>
  /** What a detail the sentences name reads as when the core left it out. */
  absent?: Record<string, string>
}

/**
 * Turns a core error into a sentence in the user's language; never shows a Rust string. A screen
 * passes its `scope` for the reasons and argument names only its commands have.
 */
export function errorText(e: unknown, scope: ErrorScope = {}): string {
  const err = e as ApiError
  if (!err || typeof err !== 'object' || !('code' in err)) return t('error.unknown')
  const d = err.details ?? {}
  const firstKey = (prefixes: string[] | undefined, name: string) => (prefixes ?? []).map((p) => `${p}.${name}`).find(has)
  // Nested fields (signature.signer_name, compensations.0.amount_cents) are labelled by their
  // path without indices, joined with '_' (vue-i18n reads dots as nesting).
  const fieldKey = (f: string): string | null => {
    const key = f.split('.').filter((p) => !/^\d+$/.test(p)).join('_')
    if (has(`field.${key}`)) return `field.${key}`
    const last = f.split('.').pop() ?? f
    return has(`field.${last}`) ? `field.${last}` : null
  }
  const ownLabel = (f: string): string | null => {
    if (scope.labels && f in scope.labels) return scope.labels[f]
    const key = firstKey(scope.fields, f.replace(/\./g, '__'))
    return key ? t(key) : null
  }
  const sharedLabel = (f: string): string | null => {
    const key = fieldKey(f)
    return key ? t(key) : null
  }
  const field = String(d.field ?? '')
  const fullReason = String(d.reason ?? '')
  const reason = fullReason.split(':')[0]
  // A screen's own sentence names the argument in the screen's words first; a shared sentence in
  // the shared words first.
  const params = (): Record<string, unknown> => {
    const shared = has(`field.${field}`) ? t(`field.${field}`) : null
    const out: Record<string, unknown> = { ...d, field: ownLabel(field) ?? shared ?? field }
    for (const [name, absent] of Object.entries(scope.absent ?? {})) out[name] = d[name] ?? absent
    for (const [name, prefix] of Object.entries(scope.detailWords ?? {})) {
      const v = String(out[name] ?? '')
      if (has(`${prefix}.${v}`)) out[name] = t(`${prefix}.${v}`)
    }
    return out
  }
  const fieldName = (f: string) => {
    if (scope.labels && f in scope.labels) return scope.labels[f]
    // The screen's labels are for arguments its commands refused, not for ones left out.
    return (err.code === 'invalid' && !has(`field.${f}`) ? ownLabel(f) : null) ?? sharedLabel(f) ?? f
  }

  if (err.code === 'invalid' || err.code === 'precondition') {
    const prefixes = err.code === 'invalid' ? scope.reasons : scope.preconditions
    // The core names the 1-based line of a file it refuses ("bad_calendar_csv: line 3 …").
    const line = fullReason !== reason ? /line (\d+)/.exec(fullReason) : null
    const lineKey = line ? firstKey(prefixes, `${reason}_line`) : undefined
    if (lineKey && line) return t(lineKey, { ...params(), line: line[1] })
    const own = firstKey(prefixes, reason)
    if (own) return t(own, params())
  } else if (err.code === 'not_found') {
    const own = firstKey(scope.reasons, `notFound_${d.what}`)
    if (own) return t(own, params())
  }

  switch (err.code) {
    case 'bad_arguments':
      // A required argument left out (no category picked) is named by the core; said as "X is
      // required" when the window has a label for X, else (and for any other shape) in general.
      if (!d.field || !d.reason || !(fieldKey(field) || (scope.labels && field in scope.labels))) return t('error.bad_arguments')
    // falls through
    case 'invalid': {
      const key = `error.invalid.${reason}`
      if (has(key)) return t(key, { field: fieldName(field) })
      // A reason the window has no sentence for keeps to the shared labels (and the caller's).
      const plain = scope.labels && field in scope.labels ? scope.labels[field] : sharedLabel(field) ?? field
      return `${plain}: ${t('error.unknown')}`
    }
    case 'precondition': {
      const key = `error.precondition.${reason}`
      return has(key) ? t(key) : t('error.unknown')
    }
    case 'not_found': {
      const key = `error.not_found.${d.what}`
      return has(key) ? t(key) : t('error.unknown')
    }
    case 'illegal_transition':
      return t('error.illegal_transition', { stage: t(`stage.${d.stage}`) })
    default: {
      const own = firstKey(scope.reasons, err.code)
      if (own) return t(own, params())
      return has(`error.${err.code}`) ? t(`error.${err.code}`) : t('error.unknown')
    }
  }
}

/** The field an `invalid` error is about, so a form can mark it. */
export function errorField(e: unknown): string | null {
  const err = e as ApiError
  return err && (err.code === 'invalid' || err.code === 'bad_arguments') && err.details?.field ? String(err.details.field) : null
}
