// Who is at the desk: the signed-in staff member, the idle lock and the first-run state. The
// backend enforces all of it (core `Desk`); this store only mirrors it for the window.
import { defineStore } from 'pinia'
import { desk, onSessionLost, call } from '../api/ipc'
import type { Actor, DemoAccount, DeskStatus } from '../api/types.gen'
import { setBranchTz } from '../utils/format'

/** Bumped by every sign-in, sign-out, lock and unlock. A status asked for before one of them
 *  describes a desk that no longer exists: sign-out's own refresh, or the 20-second check, can
 *  answer after the next clerk has signed in, and would put the sign-in screen back over their
 *  work (or the previous clerk's name in the header). */
let epoch = 0

export const useSession = defineStore('session', {
  state: () => ({
    status: null as DeskStatus | null,
    user: null as Actor | null,
    locked: false,
    branchName: '',
    /** The demo accounts the first-run setup just created, with their passwords: shown once. */
    demoAccounts: [] as DemoAccount[],
    /** The password just used to sign in to an account that must change it (set by an
     *  administrator): the change screen sends it as the current one instead of asking again.
     *  Only in memory, dropped once changed or on sign-out. */
    pendingPassword: '',
  }),
  getters: {
    role: (s) => s.user?.role ?? null,
    isAdmin: (s) => s.user?.role === 'admin',
    isCs: (s) => s.user?.role === 'cs_agent' || s.user?.role === 'cs_manager' || s.user?.role === 'branch_manager',
  },
  actions: {
    async refresh() {
      const asked = epoch
      const status = await desk.status()
      if (asked !== epoch) return
      this.status = status
      this.user = this.status.user
      this.locked = this.status.locked
      if (this.user && !this.locked) await this.loadBranch()
    },
    async loadBranch() {
      try {
        const s = await call('get_settings', {})
        setBranchTz(s?.branch?.tz ?? 'Asia/Shanghai')
        this.branchName = s?.branch?.name ?? ''
      } catch {
        /* the screens report their own errors */
      }
    },
    async login(login: string, password: string) {
      const user = await desk.login(login, password)
      epoch++
      this.pendingPassword = user.must_change_password ? password : ''
      this.user = user
      this.locked = false
      await this.refresh()
    },
    async setup(password: string, demo: number) {
      const reply = await desk.setup(password, demo)
      this.status = reply.status
      this.demoAccounts = reply.demo_accounts
    },
    /** The own password, replacing one an administrator set: the core then lets the account work. */
    async changePassword(current: string, next: string) {
      await call('set_password', { current_password: current, new_password: next })
      this.pendingPassword = ''
      await this.refresh()
    },
    async logout() {
      await desk.logout()
      epoch++
      this.pendingPassword = ''
      this.user = null
      this.locked = false
      await this.refresh()
    },
    async lock() {
      await desk.lock()
      epoch++
      this.locked = true
    },
    async unlock(password: string) {
      const user = await desk.unlock(password)
      epoch++
      this.user = user
      this.locked = false
    },
    /** Keeps the backend session alive while the user is actually working. */
    startActivityTracking() {
      let last = 0
      const ping = () => {
        const now = Date.now()
        if (!this.user || this.locked || now - last < 30_000) return
        last = now
        desk.touch().catch(() => {})
      }
      for (const ev of ['keydown', 'mousedown', 'pointermove', 'wheel', 'touchstart']) {
        window.addEventListener(ev, ping, { passive: true })
      }
      // Ask the backend regularly whether the idle time has run out.
      setInterval(() => {
        if (this.user && !this.locked) this.refresh().catch(() => {})
      }, 20_000)
      onSessionLost((e) => {
        if (e.code === 'locked') this.locked = true
        else this.refresh().catch(() => {})
      })
    },
  },
})
