// Every locale module is written as its Simplified Chinese original plus the other three
// languages typed by it: a key missing from a translation, or one the original does not have, is
// a type error (`npx vue-tsc --noEmit`), not a raw key on a user's screen.
import type { Locale } from './index'

/** The keys of a message tree, with any text at each leaf. */
export type LocaleShape<T> = { [K in keyof T]: T[K] extends string ? string : LocaleShape<T[K]> }

/** A locale module: `zhCN` fixes the keys, `others` must have exactly them. */
export function defineLocales<T extends object>(
  zhCN: T,
  others: { 'zh-TW': NoInfer<LocaleShape<T>>; en: NoInfer<LocaleShape<T>>; es: NoInfer<LocaleShape<T>> },
): Record<Locale, LocaleShape<T>> {
  return { 'zh-CN': zhCN as LocaleShape<T>, ...others }
}
