// The Settings tabs' add/edit dialog (composables/editDialog.ts), through a real tab: a blank or
// copied row opens it, a refusal lands at the field it names (or in a toast), a save closes it and
// reloads the list.
import { afterEach, describe, expect, it, vi } from 'vitest'

const calls: { name: string; args: any }[] = []
let refuse: any = null
vi.mock('../src/api/ipc', () => ({
  call: async (name: string, args: any) => {
    calls.push({ name, args })
    if (name === 'reference_data') {
      return {
        users: [{ id: 'u1', login: 'cs01', name: '客服一', role: 'cs_agent', department_id: 'd1', active: 1 }],
        departments: [{ id: 'd1', code: 'CS', name: '客服部', is_cs: 1, active: 1 }],
      }
    }
    if (refuse) throw refuse
    return { login: args.login }
  },
  isApiError: (e: unknown) => typeof e === 'object' && e !== null && 'code' in e,
  onSessionLost: () => undefined,
}))

import StaffTab from '../src/components/settings/StaffTab.vue'
import { flush, mountApp } from './helpers'

const weakPassword = {
  code: 'invalid', message_key: 'error.invalid.too_short', message: 'too short',
  details: { field: 'new_password', reason: 'too_short' },
}

async function opened(edit: boolean) {
  const w = mountApp(StaffTab)
  await flush()
  await w.find(edit ? '[data-test="settings-edit-user-cs01"]' : '[data-test="settings-add-user"]').trigger('click')
  await flush()
  return w
}

const field = (name: string) => document.querySelector<HTMLInputElement>(`[data-test="settings-field-user-${name}"] input, input[data-test="settings-field-user-${name}"]`)!

describe('useEditDialog (StaffTab)', () => {
  afterEach(() => {
    calls.length = 0
    refuse = null
    document.body.innerHTML = ''
  })

  it('opens an existing row with its values and its key read-only, and saves it', async () => {
    const w = await opened(true)
    expect(field('login').value).toBe('cs01')
    expect(field('login').disabled).toBe(true)
    expect(field('name').value).toBe('客服一')
    await w.find('[data-test="settings-save-user"]').trigger('click')
    await flush()
    const saved = calls.find((c) => c.name === 'upsert_user')!
    expect(saved.args).toEqual({ login: 'cs01', name: '客服一', role: 'cs_agent', department: 'CS', active: true, password: null })
    // Closed, and the list asked for again.
    expect(calls.filter((c) => c.name === 'reference_data').length).toBe(2)
    w.unmount()
  })

  it('opens blank for a new row', async () => {
    const w = await opened(false)
    expect(field('login').value).toBe('')
    expect(field('login').disabled).toBe(false)
    w.unmount()
  })

  it('shows a refusal at the field the core names, under the form\'s own name for it', async () => {
    refuse = weakPassword
    const w = await opened(false)
    await w.find('[data-test="settings-save-user"]').trigger('click')
    await flush()
    expect(field('password').closest('.el-form-item')!.classList.contains('is-error')).toBe(true)
    expect(field('name').closest('.el-form-item')!.classList.contains('is-error')).toBe(false)
    // Still open, the list not reloaded.
    expect(calls.filter((c) => c.name === 'reference_data').length).toBe(1)
    expect(document.querySelector('[data-test="settings-dialog-user"]')).not.toBeNull()
    w.unmount()
  })
})
