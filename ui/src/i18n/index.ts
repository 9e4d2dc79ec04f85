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

/** Turns a core error into a sentence in the user's language; never shows a Rust string. */
export function errorText(e: unknown): string {
  const err = e as ApiError
  if (!err || typeof err !== 'object' || !('code' in err)) return t('error.unknown')
  const d = err.details ?? {}
  // Nested fields (signature.signer_name, compensations.0.amount_cents) are labelled by their
  // path without indices, joined with '_' (vue-i18n reads dots as nesting).
  const fieldKey = (f: string): string | null => {
    const key = f.split('.').filter((p) => !/^\d+$/.test(p)).join('_')
    if (has(`field.${key}`)) return `field.${key}`
    const last = f.split('.').pop() ?? f
    return has(`field.${last}`) ? `field.${last}` : null
  }
  const fieldName = (f: string) => {
    const key = fieldKey(f)
    return key ? t(key) : f
  }
  switch (err.code) {
    case 'bad_arguments':
      // A required argument left out (no category picked) is named by the core; said as "X is
      // required" when the window has a label for X, else (and for any other shape) in general.
      if (!d.field || !d.reason || !fieldKey(String(d.field))) return t('error.bad_arguments')
    // falls through
    case 'invalid': {
      const key = `error.invalid.${d.reason}`
      return has(key) ? t(key, { field: fieldName(String(d.field ?? '')) }) : `${fieldName(String(d.field ?? ''))}: ${t('error.unknown')}`
    }
    case 'precondition': {
      const key = `error.precondition.${d.reason}`
      return has(key) ? t(key) : t('error.unknown')
    }
    case 'not_found': {
      const key = `error.not_found.${d.what}`
      return has(key) ? t(key) : t('error.unknown')
    }
    case 'illegal_transition':
      return t('error.illegal_transition', { stage: t(`stage.${d.stage}`) })
    default:
      return has(`error.${err.code}`) ? t(`error.${err.code}`) : t('error.unknown')
  }
}

/** The field an `invalid` error is about, so a form can mark it. */
export function errorField(e: unknown): string | null {
  const err = e as ApiError
  return err && (err.code === 'invalid' || err.code === 'bad_arguments') && err.details?.field ? String(err.details.field) : null
}
