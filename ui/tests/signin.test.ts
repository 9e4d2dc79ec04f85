// The sign-in screen's faces (issue 25, items 1 and 9): a first run loads no demo data unless
// asked, the demo accounts' random passwords are shown once after set-up and never on the
// sign-in screen, a permanent banner marks a demo database, and an account whose password an
// administrator set is sent to choose its own before anything else.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { flush, mountApp } from './helpers'

const calls: { name: string; args: any }[] = []
let setupReply: any = null
let signedIn: any = null
vi.mock('../src/api/ipc', () => ({
  desk: {
    status: async () => ({ first_run: false, user: signedIn, locked: false, demo: true, database: '/tmp/d.sqlite3', idle_lock_minutes: 15 }),
    setup: async (adminPassword: string, demoComplaints: number) => {
      calls.push({ name: 'desk_setup', args: { adminPassword, demoComplaints } })
      return setupReply
    },
    login: async (login: string, password: string) => {
      calls.push({ name: 'desk_login', args: { login, password } })
      signedIn = { id: login, login, name: login, role: 'cs_agent', must_change_password: login === 'newbie', branch_id: null, department_id: null }
      return signedIn
    },
    logout: async () => undefined,
  },
  call: async (name: string, args: any) => {
    calls.push({ name, args })
    if (name === 'set_password' && signedIn) signedIn = { ...signedIn, must_change_password: false }
    return {}
  },
  onSessionLost: () => undefined,
}))

import SignIn from '../src/views/SignIn.vue'
import { useSession } from '../src/stores/session'

// Element Plus puts a field's attributes on its <input>.
const input = (w: any, test: string) => w.find(`input[data-test=${test}]`)

describe('first-run set-up and sign-in (issue 25)', () => {
  beforeEach(() => {
    calls.length = 0
    signedIn = null
    setActivePinia(createPinia())
  })

  it('loads no demo data by default', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    useSession().status = { first_run: true, user: null, locked: false, demo: false, database: '', idle_lock_minutes: 15 }
    setupReply = { status: { first_run: false, user: null, locked: false, demo: false, database: '', idle_lock_minutes: 15 }, demo_accounts: [] }
    const w = mountApp(SignIn, { props: { mode: 'setup' }, pinia })
    await input(w, 'password').setValue('Admin-pass-2026')
    await input(w, 'password2').setValue('Admin-pass-2026')
    await w.find('form').trigger('submit')
    await flush()
    await flush()
    const setup = calls.find((c) => c.name === 'desk_setup')
    expect(setup, 'the form sent the set-up').toBeTruthy()
    expect(setup!.args.demoComplaints).toBe(0)
    expect(calls.some((c) => c.name === 'desk_login' && c.args.login === 'admin')).toBe(true)
    w.unmount()
  })

  it('shows the demo accounts once after a demo set-up, then signs the administrator in', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const session = useSession()
    session.status = { first_run: true, user: null, locked: false, demo: false, database: '', idle_lock_minutes: 15 }
    setupReply = {
      status: { first_run: false, user: null, locked: false, demo: true, database: '', idle_lock_minutes: 15 },
      demo_accounts: [{ login: 'cs01', name: '李娜', role: 'cs_agent', password: 'k7Qp-x2Rm-9vTa' }],
    }
    const w = mountApp(SignIn, { props: { mode: 'setup' }, pinia })
    await w.find('[data-test=demo] input[type=checkbox]').setValue(true)
    await input(w, 'password').setValue('Admin-pass-2026')
    await input(w, 'password2').setValue('Admin-pass-2026')
    await w.find('form').trigger('submit')
    await flush()
    await flush()
    expect(calls.find((c) => c.name === 'desk_setup')!.args.demoComplaints).toBeGreaterThan(0)
    expect(w.find('[data-test=demo-accounts]').text()).toContain('k7Qp-x2Rm-9vTa')
    expect(w.find('[data-test=demo-banner]').exists()).toBe(true)
    expect(calls.some((c) => c.name === 'desk_login'), 'not signed in before the accounts were seen').toBe(false)
    await w.find('[data-test=demo-accounts-done]').trigger('click')
    await flush()
    await flush()
    expect(calls.find((c) => c.name === 'desk_login')!.args).toEqual({ login: 'admin', password: 'Admin-pass-2026' })
    expect(session.demoAccounts).toEqual([])
    w.unmount()
  })

  it('never shows a password on the sign-in screen of a demo database, and shows the banner', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    useSession().status = { first_run: false, user: null, locked: false, demo: true, database: '/tmp/d.sqlite3', idle_lock_minutes: 15 }
    const w = mountApp(SignIn, { props: { mode: 'login' }, pinia })
    await flush()
    expect(w.find('[data-test=demo-banner]').text()).toContain('演示数据')
    expect(w.text()).not.toContain('123456')
    expect(w.find('[data-test=demo-hint]').exists()).toBe(false)
    w.unmount()
  })

  it('sends an account an administrator set up to choose its own password, with the one it signed in with', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const session = useSession()
    session.status = { first_run: false, user: null, locked: false, demo: false, database: '', idle_lock_minutes: 15 }
    await session.login('newbie', 'Given-by-admin-1')
    expect(session.user?.must_change_password).toBe(true)
    const w = mountApp(SignIn, { props: { mode: 'change' }, pinia })
    await flush()
    expect(w.find('[data-test=current-password]').exists(), 'the password just typed is not asked again').toBe(false)
    await input(w, 'password').setValue('My-own-secret-7')
    await input(w, 'password2').setValue('My-own-secret-8')
    await w.find('form').trigger('submit')
    await flush()
    expect(w.find('[data-test=signin-error]').text()).toContain('不一致')
    expect(calls.some((c) => c.name === 'set_password')).toBe(false)
    await input(w, 'password2').setValue('My-own-secret-7')
    await w.find('form').trigger('submit')
    await flush()
    expect(calls.find((c) => c.name === 'set_password')!.args).toEqual({ current_password: 'Given-by-admin-1', new_password: 'My-own-secret-7' })
    expect(session.pendingPassword).toBe('')
    expect(session.user?.must_change_password, 'the desk lets the account work now').toBe(false)
    w.unmount()
  })
})
