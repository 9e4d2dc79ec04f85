import { afterEach, describe, expect, it } from 'vitest'
import { errorText, setLocale } from '../src/i18n'

// The refusals of the print spool and of output paths (issue 25, items 4 and 6), as the core and
// the shell send them: each must read as a sentence in every language, never as its key.
const refusals = [
  { code: 'precondition', message_key: 'error.precondition.spool_folder_unsafe', message: 'print: spool_folder_unsafe', details: { rule: 'print', reason: 'spool_folder_unsafe', folder: '/run/user/1000/complaint-desk-print', detail: 'it is a symbolic link' } },
  { code: 'invalid', message_key: 'error.invalid.not_a_spool_file', message: 'invalid path: not_a_spool_file', details: { field: 'path', reason: 'not_a_spool_file' } },
  { code: 'invalid', message_key: 'error.invalid.inside_data_folder', message: 'invalid path: inside_data_folder', details: { field: 'path', reason: 'inside_data_folder' } },
  { code: 'invalid', message_key: 'error.invalid.inside_backup_folder', message: 'invalid path: inside_backup_folder', details: { field: 'path', reason: 'inside_backup_folder' } },
  { code: 'invalid', message_key: 'error.invalid.unknown_printer', message: 'invalid printer: unknown_printer', details: { field: 'printer', reason: 'unknown_printer' } },
]

describe('print and save refusals are translated', () => {
  afterEach(() => setLocale('zh-CN'))

  for (const locale of ['zh-CN', 'zh-TW', 'en', 'es'] as const) {
    it(`in ${locale}`, () => {
      setLocale(locale)
      const texts = refusals.map((e) => errorText(e))
      for (const [i, text] of texts.entries()) {
        expect(text, refusals[i].message_key).not.toContain('error.')
        expect(text, refusals[i].message_key).not.toContain(refusals[i].details.reason)
        expect(text.length).toBeGreaterThan(4)
      }
      expect(new Set(texts).size, 'each refusal says something of its own').toBe(texts.length)
    })
  }
})
