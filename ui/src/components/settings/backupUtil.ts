// Helpers of the Backups and Data retention tabs: the words of their errors, sizes, paths, and which
// role may do what (read from the core's role matrix, so the window does not offer a button
// the core would refuse).
import { currentLocale, has, t, type ErrorScope } from '../../i18n'
import type { Role } from '../../api/types.gen'
import { mayCall } from '../../api/roles'
import { SETTINGS_ERRORS } from './util'

export const can = {
  /** list_backups, verify_backup, backup_settings, retention_status. */
  read: (r: Role | null) => mayCall(r, 'list_backups'),
  /** backup_now to the configured folder. */
  backUpNow: (r: Role | null) => mayCall(r, 'backup_now'),
  /** set_backup_settings, restore_backup, set_retention_years, anonymise_customer. */
  change: (r: Role | null) => mayCall(r, 'set_backup_settings'),
}

/**
 * The words of the Backups and Data retention tabs for a core error (or a logged backup failure,
 * which has the same shape): a backup from a newer program, the object a backup's schema differs
 * in and how, then the Settings vocabulary.
 */
export const BACKUP_ERRORS: ErrorScope = {
  reasons: ['settings.backup.err', ...(SETTINGS_ERRORS.reasons ?? [])],
  preconditions: ['settings.err'],
  fields: SETTINGS_ERRORS.fields,
  detailWords: { problem: 'settings.backup.schemaProblem' },
  absent: { object: '?', problem: 'altered', found: '?', supported: '?' },
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
