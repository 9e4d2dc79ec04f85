// The session store mirrors the backend's desk. Its answers can arrive out of order: a status asked
// for before a sign-in must not undo that sign-in.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

type Pending<T> = { resolve: (v: T) => void; promise: Promise<T> }
function pending<T>(): Pending<T> {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { resolve, promise }
}

const statuses: Pending<any>[] = []
vi.mock('../src/api/ipc', () => ({
  desk: {
    status: () => {
      const p = pending<any>()
      statuses.push(p)
      return p.promise
    },
    login: async (login: string) => ({ id: login, login, name: login, role: 'dept_handler' }),
    logout: async () => undefined,
    lock: async () => undefined,
    unlock: async () => ({ id: 'cs01', login: 'cs01', name: 'cs01', role: 'cs_agent' }),
  },
  call: async () => ({ branch: { tz: 'Asia/Shanghai', name: 'HQ' } }),
  onSessionLost: () => undefined,
}))

import { useSession } from '../src/stores/session'

const status = (user: any, locked = false) => ({ first_run: false, user, locked })
const cs01 = { id: 'cs01', login: 'cs01', name: 'cs01', role: 'cs_agent' }
const tick = () => new Promise((r) => setTimeout(r, 0))

describe('session store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    statuses.length = 0
  })

  it('keeps the new sign-in when the sign-out status answers after it', async () => {
    const s = useSession()
    s.user = cs01 as any
    const out = s.logout()
    await tick()
    expect(s.user).toBeNull()
    const staleOut = statuses[0] // sign-out's refresh, answered by a desk with nobody signed in

    const inn = s.login('hs01', '123456')
    await tick()
    expect(s.user?.login).toBe('hs01')
    statuses[1].resolve(status({ id: 'hs01', login: 'hs01', name: 'hs01', role: 'dept_handler' }))
    await inn

    staleOut.resolve(status(null))
    await out
    expect(s.user?.login).toBe('hs01')
  })

  it('ignores a periodic check that was asked before the sign-out', async () => {
    const s = useSession()
    s.user = cs01 as any
    const check = s.refresh() // the 20-second check, still on its way
    const out = s.logout()
    await tick()
    statuses[1].resolve(status(null))
    await out
    statuses[0].resolve(status(cs01)) // answered while cs01 was still signed in
    await check
    expect(s.user).toBeNull()
  })

  it('applies a status nobody overtook', async () => {
    const s = useSession()
    const r = s.refresh()
    statuses[0].resolve(status(cs01, true))
    await r
    expect(s.user?.login).toBe('cs01')
    expect(s.locked).toBe(true)
  })
})
