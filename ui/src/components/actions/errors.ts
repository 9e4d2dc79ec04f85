// Core errors in the user's language. `errorText` (i18n/index.ts) does the work; for argument
// names of the action forms that the shared `field.*` vocabulary does not name, the form's own
// label is used so a user never reads a raw argument name such as "plan_and_schedule".
import { errorText, i18n } from '../../i18n'

const g = i18n.global as any
const has = (k: string) => g.te(k, g.locale.value) || g.te(k, 'zh-CN')

export function actionErrorText(e: any): string {
  if (e && e.code === 'invalid' && e.details?.field) {
    const f = String(e.details.field)
    const own = `action.errField.${f.replace(/\./g, '__')}`
    const reasonKey = `error.invalid.${e.details.reason}`
    if (!has(`field.${f}`) && has(own) && has(reasonKey)) return g.t(reasonKey, { field: g.t(own) })
  }
  return errorText(e)
}
