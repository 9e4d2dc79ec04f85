import { afterEach, describe, expect, it } from 'vitest'
import { errorField, errorText, setLocale } from '../src/i18n'

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
