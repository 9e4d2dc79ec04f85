// The backup and data-retention tabs' error sentences: every refusal the core's backup, restore
// and retention code can give has a sentence in every language, and none shows a raw code.
import { describe, expect, it } from 'vitest'
import { errorText, i18n, setLocale, LOCALES } from '../src/i18n'
import { BACKUP_ERRORS, fmtBytes, problemsText, siblingFolder } from '../src/components/settings/backupUtil'

const backupErrorText = (e: unknown) => errorText(e, BACKUP_ERRORS)

// Reasons raised by src/store/backup/** and src/retention.rs (grep CoreError::invalid / precondition).
const INVALID: [string, string][] = [
  ['backup_folder', 'folder_not_found'], ['backup_folder', 'folder_not_writable'], ['backup_folder', 'folder_full'],
  ['backup_folder', 'folder_not_usable'], ['backup_folder', 'folder_not_configured'], ['folder', 'path_not_absolute'],
  ['path', 'bad_path'], ['backup', 'database_busy'], ['database', 'in_memory_database'], ['backup', 'backup_corrupt'],
  ['backup', 'backup_not_complaint_desk'], ['backup', 'backup_timeline_broken'], ['backup', 'backup_attachments_missing'],
  ['keep_daily', 'out_of_range'], ['years', 'out_of_range'], ['reason', 'required'],
]
const PRECONDITION = ['retention_period_not_over', 'complaint_open', 'already_anonymised', 'signature_does_not_verify', 'backup_foreign_unconfirmed']
const PROBLEMS = ['manifest_unreadable', 'unknown_format', 'database_missing', 'database_checksum_mismatch', 'not_a_database',
  'database_corrupt', 'schema_too_new', 'not_a_complaint_desk_database', 'schema_differs', 'timeline_broken', 'attachments_missing', 'attachments_corrupt']
const RAW = /\b(?:settings|error|field)\.[a-z_]+|_[a-z]+_|\bbackup_folder\b/

describe('backup and retention errors', () => {
  for (const l of LOCALES) {
    it(`are sentences in ${l}`, () => {
      setLocale(l)
      const g = i18n.global as any
      for (const [field, reason] of INVALID) {
        const s = backupErrorText({ code: 'invalid', message_key: `error.invalid.${reason}`, message: 'x', details: { field, reason } })
        expect(s, `${field}/${reason}`).not.toMatch(RAW)
        expect(s, `${field}/${reason}`).not.toContain(g.t('error.unknown'))
      }
      for (const reason of PRECONDITION) {
        const s = backupErrorText({ code: 'precondition', message_key: `error.precondition.${reason}`, message: 'x', details: { rule: 'R7.2', reason } })
        expect(s).toBe(g.t(`settings.err.${reason}`))
      }
      const newer = backupErrorText({ code: 'schema_too_new', message_key: 'error.schema_too_new', message: 'x', details: { found: 9, supported: 4 } })
      expect(newer).toContain('9')
      expect(newer).toContain('4')
      for (const what of ['backup', 'customer']) {
        expect(backupErrorText({ code: 'not_found', message_key: `error.not_found.${what}`, message: 'x', details: { what, key: 'k' } })).toBe(g.t(`settings.err.notFound_${what}`))
      }
      const problems = problemsText(PROBLEMS)
      expect(problems).not.toMatch(RAW)
      for (const p of PROBLEMS) expect(problems).toContain(g.t(`settings.backup.problems.${p}`))
      for (const tr of ['manual', 'scheduled', 'exit', 'before_restore']) expect(g.te(`settings.backup.trigger.${tr}`, l)).toBe(true)
      // A crafted backup (issue 25): the sentence names the object that differs and how, translated.
      for (const problem of ['missing', 'unexpected', 'altered']) {
        const s = backupErrorText({ code: 'invalid', message_key: 'error.invalid.backup_schema_differs', message: 'x',
          details: { field: 'backup', reason: 'backup_schema_differs', object: 'trigger events_no_delete', problem } })
        expect(s).toContain('trigger events_no_delete')
        expect(s).toContain(g.t(`settings.backup.schemaProblem.${problem}`))
        expect(s).not.toContain('{')
        expect(s.replace('events_no_delete', '')).not.toMatch(RAW)
      }
      for (const k of ['foreignTitle', 'foreignText', 'foreignUnknown', 'foreignAgree', 'previewMadeAt', 'previewInstallation',
        'previewInstallationUnknown', 'previewHolds', 'previewAdmins']) expect(g.te(`settings.backup.${k}`, l), k).toBe(true)
      const counts = g.t('settings.backup.previewCounts', { complaints: 12, customers: 7, events: 345, attachments: 3 })
      for (const n of ['12', '7', '345', '3']) expect(counts).toContain(n)
    })
  }
  it('says in Chinese that the USB drive must be plugged in', () => {
    setLocale('zh-CN')
    const s = backupErrorText({ code: 'invalid', message_key: 'error.invalid.folder_not_found', message: 'x', details: { field: 'backup_folder', reason: 'folder_not_found' } })
    expect(s).toContain('U盘')
  })
})

describe('helpers', () => {
  it('formats sizes and finds the safety-copy folder beside the database', () => {
    setLocale('en')
    expect(fmtBytes(1536)).toBe('1.5 KB')
    expect(fmtBytes(1_200_000)).toBe('1.1 MB')
    expect(fmtBytes(null)).toBe('—')
    expect(siblingFolder('/home/u/.local/share/complaintdesk/complaint-desk.sqlite3', 'safety-copies')).toBe('/home/u/.local/share/complaintdesk/safety-copies')
    expect(siblingFolder('C:\\Users\\u\\AppData\\Roaming\\ComplaintDesk\\data\\complaint-desk.sqlite3', 'safety-copies')).toBe('C:\\Users\\u\\AppData\\Roaming\\ComplaintDesk\\data\\safety-copies')
    expect(siblingFolder('', 'x')).toBeNull()
  })
})
