import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks'
import { emptyForm, toRegisterArgs } from '../src/components/intake/form'
import { flush, mountApp, sleep } from './helpers'
import Intake from '../src/views/Intake.vue'

type Call = { name: string; args: any }

function backend(registerError: any | null) {
  const calls: Call[] = []
  mockIPC((cmd, payload: any) => {
    if (cmd !== 'call') return null
    calls.push({ name: payload.name, args: payload.args })
    switch (payload.name) {
      case 'sub_categories':
        return { service: ['守时/爽约'], business: [], comprehensive: [], other: [] }
      case 'reference_data':
        return { templates: [{ id: 't1', kind: 'description', title: '迟到', body: '服务人员迟到' }] }
      case 'get_settings':
        return { settings: { repeat_window_days: '30' } }
      case 'get_draft':
        return null
      case 'find_workers':
        return []
      case 'save_draft':
        return { saved_at: '2026-03-10T02:00:00Z' }
      case 'preview_registration':
        throw { code: 'invalid', message_key: 'error.invalid.required', message: 'x', details: { field: 'phone', reason: 'required' } }
      case 'register':
        if (registerError) throw registerError
        return { id: 'c1', number: 'HQ-20260310-0001', nature: 'general', tier: 'regular', major_reasons: [], deadlines: [], calendar_warning: false }
      default:
        return null
    }
  })
  return calls
}

describe('intake form mapping', () => {
  it('sends the signature when the customer signs, the reason otherwise (R3.2)', () => {
    const f = emptyForm()
    Object.assign(f, { customer_name: '王芳', phone: '13812345678', category: 'service', description: '迟到' })
    f.not_present = true
    f.not_present_reason = '客户未到场（电话）'
    let a: any = toRegisterArgs(f)
    expect(a.signature).toBeUndefined()
    expect(a.signature_missing_reason).toBe('客户未到场（电话）')
    f.not_present = false
    f.signature = { strokes: [[{ x: 1, y: 1, t: 0, p: 0.5 }, { x: 2, y: 2, t: 10, p: 0.5 }]], png_base64: 'AAA' }
    a = toRegisterArgs(f)
    expect(a.signature.signer_name).toBe('王芳')
    expect(a.signature_missing_reason).toBeUndefined()
  })
})

describe('<Intake> validation comes from the core', () => {
  beforeEach(() => mockWindows('main'))
  afterEach(() => clearMocks())

  it('shows the core\'s error in Chinese, names the field and keeps the input', async () => {
    const calls = backend({ code: 'invalid', message_key: 'error.invalid.required', message: 'invalid phone: required', details: { field: 'phone', reason: 'required' } })
    const w = mountApp(Intake)
    await sleep(20)
    await w.get('[data-test=intake-name]').setValue('王芳')
    await w.get('[data-test=intake-description]').setValue('保洁员迟到')
    await w.get('[data-test=intake-save]').trigger('click')
    await sleep(20)
    expect(calls.some((c) => c.name === 'register'), 'the form asks the core; it does not decide').toBe(true)
    const alert = w.get('[data-test=intake-error]').text()
    expect(alert).toContain('联系电话为必填项')
    expect(alert).not.toContain('invalid phone')
    expect(w.find('.el-form-item.is-error').exists()).toBe(true)
    expect((w.get('[data-test=intake-description]').element as HTMLTextAreaElement).value).toBe('保洁员迟到')
    w.unmount()
  })

  it('a date in the future is refused with a translated message in English', async () => {
    backend({ code: 'invalid', message_key: 'error.invalid.in_the_future', message: 'x', details: { field: 'received_at', reason: 'in_the_future' } })
    const w = mountApp(Intake, { locale: 'en' })
    await sleep(20)
    await w.get('[data-test=intake-save]').trigger('click')
    await sleep(20)
    expect(w.get('[data-test=intake-error]').text()).toContain('Received at cannot be in the future')
    w.unmount()
  })

  it('leaves no draft behind when saving right after typing', async () => {
    const calls = backend(null)
    const w = mountApp(Intake)
    await sleep(20)
    await w.get('[data-test=intake-name]').setValue('王芳')
    // Saved within the draft's 400 ms: the draft must not be written after it was discarded.
    await w.get('[data-test=intake-save]').trigger('click')
    await sleep(600)
    const names = calls.map((c) => c.name).filter((n) => ['register', 'discard_draft', 'save_draft'].includes(n))
    expect(names.at(-1), names.join(' ')).toBe('discard_draft')
    expect(names).toContain('register')
    await flush()
    w.unmount()
  })

  it('saves a draft as the clerk types', async () => {
    const calls = backend(null)
    const w = mountApp(Intake)
    await sleep(20)
    await w.get('[data-test=intake-name]').setValue('草稿客户')
    await sleep(500)
    const drafts = calls.filter((c) => c.name === 'save_draft')
    expect(drafts.length).toBeGreaterThan(0)
    expect(drafts.at(-1)!.args.draft.customer_name).toBe('草稿客户')
    await flush()
    w.unmount()
  })
})
