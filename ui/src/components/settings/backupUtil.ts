// Helpers of the Backups and Data retention tabs: their error sentences, sizes, paths, and which
// role may do what (read from the core's role matrix, so the window does not offer a button
// the core would refuse).
import { currentLocale, has, t } from '../../i18n'
import type { Role } from '../../api/types.gen'
import { mayCall } from '../../api/roles'
import { settingsErrorText } from './util'
import { isApiError } from '../../api/ipc'

export const can = {
  /** list_backups, verify_backup, backup_settings, retention_status. */
  read: (r: Role | null) => mayCall(r, 'list_backups'),
  /** backup_now to the configured folder. */
  backUpNow: (r: Role | null) => mayCall(r, 'backup_now'),
  /** set_backup_settings, restore_backup, set_retention_years, anonymise_customer. */
  change: (r: Role | null) => mayCall(r, 'set_backup_settings'),
}

/**
 * A core error (or a logged backup failure, which has the same shape) as a sentence: the
 * backup and retention reasons of settings.err, a backup from a newer program, then the
 * Settings and shared vocabularies.
 */
export function backupErrorText(e: unknown): string {
  if (isApiError(e)) {
    const err = e
    if (err.code === 'schema_too_new') {
      return t('settings.err.backupSchemaTooNew', { found: err.details?.found ?? '?', supported: err.details?.supported ?? '?' })
    }
    if (err.code === 'precondition' && has(`settings.err.${err.details?.reason}`)) return t(`settings.err.${err.details.reason}`)
    if (err.code === 'invalid' && err.details?.reason === 'backup_schema_differs') {
      // The core names the first object that differs ("trigger events_no_delete") and how.
      const problem = String(err.details?.problem ?? 'altered')
      const how = has(`settings.backup.schemaProblem.${problem}`) ? t(`settings.backup.schemaProblem.${problem}`) : problem
      return t('settings.err.backup_schema_differs', { object: String(err.details?.object ?? '?'), problem: how })
    }
  }
  return settingsErrorText(e)
}

/** "12.3 MB" in the user's number format. */
export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  const nf = new Intl.NumberFormat(currentLocale(), { maximumFractionDigits: i === 0 ? 0 : 1 })
  return `${nf.format(v)} ${units[i]}`
}

/** The folder of a file path and a child of it, with the path's own separator (Windows or not). */
export function siblingFolder(filePath: string, name: string): string | null {
  const cut = Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\'))
  if (cut <= 0) return null
  const sep = filePath[cut]
  return `${filePath.slice(0, cut)}${sep}${name}`
}

/** The problems of a backup check as one translated phrase. */
export function problemsText(problems: string[]): string {
  const sep = currentLocale().startsWith('zh') ? '；' : '; '
  return problems.map((p) => (has(`settings.backup.problems.${p}`) ? t(`settings.backup.problems.${p}`) : t('settings.backup.verifyBad'))).join(sep)
}
