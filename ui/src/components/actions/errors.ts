// The action forms' words for core errors (errorText's scope): argument names the shared
// `field.*` vocabulary does not name are said with the form's own label, so a user never reads a
// raw argument name such as "plan_and_schedule".
import type { ErrorScope } from '../../i18n'

export const ACTION_ERRORS: ErrorScope = { fields: ['action.errField'] }
