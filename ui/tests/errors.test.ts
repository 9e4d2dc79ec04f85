import { afterEach, describe, expect, it } from 'vitest'
import { errorField, errorText, setLocale } from '../src/i18n'
import { SETTINGS_ERRORS } from '../src/components/settings/util'
import { REPORT_ERRORS } from '../src/components/report/util'
import { ACTION_ERRORS } from '../src/components/actions/errors'

// What the core sends when a form leaves a required choice empty (the category is an enum, so an
// empty one is left out of the call and serde reports it missing): see `api::parse`.
const missingCategory = {
  code: 'bad_arguments', message_key: 'error.invalid.required', message: 'bad arguments: missing field `category`',
  details: { field: 'category', reason: 'required', detail: 'missing field `category`' },
}
const badShape = { code: 'bad_arguments', message_key: 'error.bad_arguments', message: 'bad arguments: unknown variant', details: { detail: 'unknown variant `x`' } }

describe('errorText / errorField', () => {
  afterEach(() => setLocale('zh-CN'))

  it('names a missing required field and lets the form mark it', () => {
    setLocale('zh-CN')
    expect(errorText(missingCategory)).toBe('投诉类别为必填项')
    expect(errorField(missingCategory)).toBe('category')
    setLocale('es')
    expect(errorText(missingCategory)).toContain('Categoría')
  })

  it('keeps the general message for any other wrong shape, with no field to mark', () => {
    setLocale('es')
    expect(errorText(badShape)).toBe('Los datos no tienen la forma esperada')
    expect(errorField(badShape)).toBeNull()
  })
})

describe('errorText for a missing field the window has no label for', () => {
  it('falls back to the general message instead of showing the argument name', () => {
    setLocale('en')
    const e = { ...missingCategory, details: { field: 'no_such_label', reason: 'required', detail: 'missing field `no_such_label`' } }
    expect(errorText(e)).toBe(errorText(badShape))
    expect(errorText(e)).not.toContain('no_such_label')
    setLocale('zh-CN')
  })
})

describe('errorText with a screen\'s scope', () => {
  afterEach(() => setLocale('zh-CN'))
  const invalid = (field: string, reason: string) => ({ code: 'invalid', message_key: `error.invalid.${reason}`, message: 'x', details: { field, reason } })

  it('says the settings reasons, with the line of a calendar file the core names', () => {
    setLocale('en')
    expect(errorText(invalid('csv', 'bad_calendar_csv: line 7: bad date'), SETTINGS_ERRORS)).toContain('Line 7')
    expect(errorText(invalid('csv', 'bad_calendar_csv: header'), SETTINGS_ERRORS)).toBe(errorText(invalid('csv', 'bad_calendar_csv'), SETTINGS_ERRORS))
    expect(errorText(invalid('policy', 'bad_policy: dispatch is zero'), SETTINGS_ERRORS)).not.toContain('dispatch is zero')
    // Without the scope the same error keeps to the shared words.
    expect(errorText(invalid('csv', 'bad_calendar_csv: line 7: bad date'), {})).not.toContain('Line 7')
  })

  it('names an argument by the screen\'s label, or the caller\'s', () => {
    setLocale('zh-CN')
    // A compensation's note: "补偿说明" in the shared words, "补偿备注" on the action form.
    const tooLong = invalid('compensations.note', 'too_long')
    expect(errorText(tooLong)).toContain('补偿说明')
    expect(errorText(tooLong, ACTION_ERRORS)).toContain('补偿备注')
    expect(errorText(invalid('value', 'out_of_range'), { ...SETTINGS_ERRORS, labels: { value: '批量投诉阈值' } })).toContain('批量投诉阈值')
  })

  it('says a report reason with the report\'s field label', () => {
    setLocale('en')
    const s = errorText(invalid('month', 'not_a_month'), REPORT_ERRORS)
    expect(s).not.toMatch(/report\.|error\./)
    expect(s).not.toContain('not_a_month')
  })
})
