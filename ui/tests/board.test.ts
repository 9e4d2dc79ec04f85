import { describe, it, expect, vi } from 'vitest'
// The branch time zone decides what "today" and a received-date range mean (R4.5: shown in the branch's zone).
vi.mock('../src/utils/format', () => ({ getBranchTz: () => (globalThis as any).__tz ?? 'Asia/Shanghai' }))
import { dayStartUtc, localDay, todayStartUtc, toSearchFilter, fromSearchFilter, emptyForm } from '../src/components/board/filter'
import { operationsFor, allowedOperations } from '../src/components/board/moves'
describe('board filters and moves', () => {
  it('days in Shanghai', () => {
    expect(dayStartUtc('2026-11-26')).toBe('2026-11-25T16:00:00.000Z')
    expect(localDay('2026-11-25T16:00:00Z')).toBe('2026-11-26')
    expect(localDay('2026-11-25T15:59:59Z')).toBe('2026-11-25')
    expect(todayStartUtc(new Date('2026-11-26T01:54:00Z'))).toBe('2026-11-25T16:00:00.000Z')
    expect(todayStartUtc(new Date('2026-11-25T17:00:00Z'))).toBe('2026-11-25T16:00:00.000Z')
  })
  it('DST zone', () => {
    ;(globalThis as any).__tz = 'Europe/Madrid'
    expect(dayStartUtc('2026-03-29')).toBe('2026-03-28T23:00:00.000Z')
    expect(dayStartUtc('2026-03-30')).toBe('2026-03-29T22:00:00.000Z')
    expect(localDay('2026-03-29T22:00:00Z')).toBe('2026-03-30')
    ;(globalThis as any).__tz = 'Asia/Shanghai'
  })
  it('round trip', () => {
    const f = { ...emptyForm(), text: ' 空调 ', receivedFrom: '2026-11-01', receivedTo: '2026-11-26', minWarning: 2, repeatOnly: true, department: 'HS' }
    const sf = toSearchFilter(f)
    expect(sf).toEqual({ text: '空调', department: 'HS', min_warning_level: 2, received_from: '2026-10-31T16:00:00.000Z', received_to: '2026-11-26T16:00:00.000Z', repeat_only: true })
    expect(fromSearchFilter(sf)).toEqual({ ...f, text: '空调' })
  })
  it('R7.10 status: finished and all complaints are asked by their stages, and saved views come back to the same choice', () => {
    const base = emptyForm()
    expect(toSearchFilter(base).stages).toBeUndefined() // open: the table adds open_only
    const finished = toSearchFilter({ ...base, scope: 'finished' })
    expect(finished.stages).toEqual(['closed', 'not_accepted', 'cancelled'])
    expect(fromSearchFilter(finished)).toEqual({ ...base, scope: 'finished' })
    const all = toSearchFilter({ ...base, scope: 'all' })
    expect(all.stages).toHaveLength(10)
    expect(fromSearchFilter(all)).toEqual({ ...base, scope: 'all' })
    const oneClosed = { ...base, scope: 'finished' as const, stages: ['closed' as const] }
    expect(fromSearchFilter(toSearchFilter(oneClosed))).toEqual(oneClosed)
    const mixed = { ...base, scope: 'all' as const, stages: ['follow_up' as const, 'closed' as const] }
    expect(fromSearchFilter(toSearchFilter(mixed))).toEqual(mixed)
    // A stage of another scope left in the form is not asked for.
    expect(toSearchFilter({ ...base, scope: 'open', stages: ['closed', 'registered'] }).stages).toEqual(['registered'])
    expect(toSearchFilter({ ...base, scope: 'finished', stages: ['registered'] }).stages).toEqual(['closed', 'not_accepted', 'cancelled'])
    // Views saved before the status existed (open stages only) open in the open scope.
    expect(fromSearchFilter({ stages: ['registered', 'reviewed'] })).toEqual({ ...base, stages: ['registered', 'reviewed'] })
  })
  it('a drag between columns maps only to lifecycle operations, offered only when the core allows them', () => {
    expect(operationsFor('registered', 'dispatched')).toEqual([])
    expect(allowedOperations('follow_up', 'closed_today', ['close', 'survey'])).toEqual(['survey', 'close'])
    expect(operationsFor('in_handling', 'closed_today')).toEqual(['supervisor_close'])
  })
})
