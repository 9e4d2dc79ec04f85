// Core errors in the user's language. `errorText` (i18n/index.ts) does the work; for argument
// names of the action forms that the shared `field.*` vocabulary does not name, the form's own
// label is used so a user never reads a raw argument name such as "plan_and_schedule".
import { errorText, has, t } from '../../i18n'
import { isApiError } from '../../api/ipc'

export function actionErrorText(e: unknown): string {
  if (isApiError(e) && e.code === 'invalid' && e.details?.field) {
    const f = String(e.details.field)
    const own = `action.errField.${f.replace(/\./g, '__')}`
    const reasonKey = `error.invalid.${e.details.reason}`
    if (!has(`field.${f}`) && has(own) && has(reasonKey)) return t(reasonKey, { field: t(own) })
  }
  return errorText(e)
}
