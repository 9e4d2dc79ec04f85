import { describe, expect, it } from 'vitest'
import Countdown from '../src/components/Countdown.vue'
import { parts, urgencyAt } from '../src/components/countdown'
import { setNowForTests } from '../src/composables/now'
import { flush, mountApp } from './helpers'

const due = '2026-03-10T10:00:00Z'
const soon = '2026-03-10T09:36:00Z' // 80% of a 2-hour limit started at 08:00 (R4.6)
const at = (iso: string) => Date.parse(iso)

describe('countdown arithmetic (R4.6)', () => {
  it('is on time, then due soon at 80%, then overdue at the deadline', () => {
    expect(urgencyAt(at('2026-03-10T09:00:00Z'), due, soon)).toBe('on_time')
    expect(urgencyAt(at('2026-03-10T09:36:00Z'), due, soon)).toBe('due_soon')
    expect(urgencyAt(at('2026-03-10T10:00:00Z'), due, soon)).toBe('overdue')
  })

  it('shows the two largest units', () => {
    expect(parts((2 * 86400 + 3 * 3600 + 59) * 1000)).toEqual([{ unit: 'days', n: 2 }, { unit: 'hours', n: 3 }])
    expect(parts(-(5 * 60 + 7) * 1000)).toEqual([{ unit: 'minutes', n: 5 }, { unit: 'seconds', n: 7 }])
  })
})

describe('<Countdown>', () => {
  it('turns amber when due soon and red when overdue, live', async () => {
    setNowForTests(at('2026-03-10T09:00:00Z'))
    const w = mountApp(Countdown, { props: { dueAt: due, soonAt: soon, compact: true } })
    const el = () => w.get('[data-test=countdown]')
    expect(el().attributes('data-urgency')).toBe('on_time')
    expect(el().text()).toBe('剩余 1小时0分')
    setNowForTests(at('2026-03-10T09:40:00Z'))
    await flush()
    expect(el().attributes('data-urgency')).toBe('due_soon')
    expect(el().classes()).toContain('cd-urgency-due_soon')
    setNowForTests(at('2026-03-10T10:05:30Z'))
    await flush()
    expect(el().attributes('data-urgency')).toBe('overdue')
    expect(el().text()).toBe('超时 5分30秒')
    w.unmount()
  })

  it('speaks English too', async () => {
    setNowForTests(at('2026-03-10T07:30:00Z'))
    const w = mountApp(Countdown, { props: { dueAt: due, soonAt: soon, compact: true }, locale: 'en' })
    expect(w.get('[data-test=countdown]').text()).toBe('2h30m left')
    w.unmount()
  })
})
