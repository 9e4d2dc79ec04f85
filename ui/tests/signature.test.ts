import { describe, expect, it, vi } from 'vitest'
import { toStrokes } from '../src/components/signature'
import { flush, mountApp } from './helpers'

// The drawing library needs a real canvas; replace it with a fake that keeps point groups, so
// what is tested is our component: what it reports, undo and clear.
const fake = vi.hoisted(() => ({ instance: null as any }))
vi.mock('signature_pad', () => {
  class FakePad {
    groups: any[] = []
    listeners: Record<string, () => void> = {}
    constructor() {
      fake.instance = this
    }
    addEventListener(ev: string, f: () => void) {
      this.listeners[ev] = f
    }
    toData() {
      return JSON.parse(JSON.stringify(this.groups))
    }
    fromData(g: any[]) {
      this.groups = JSON.parse(JSON.stringify(g))
    }
    clear() {
      this.groups = []
    }
    toDataURL() {
      return 'data:image/png;base64,iVBORw0KGgo='
    }
    off() {}
    stroke(points: any[]) {
      this.groups.push({ points })
      this.listeners.endStroke?.()
    }
  }
  return { default: FakePad }
})

import SignaturePad from '../src/components/SignaturePad.vue'

describe('stroke conversion (R3.2, R7.11)', () => {
  it('keeps coordinates, time since the first point and pen pressure', () => {
    const s = toStrokes([
      { points: [{ x: 10.04, y: 20, time: 1000, pressure: 0.8 }, { x: 12, y: 21, time: 1016, pressure: 0 }] },
      { points: [] },
      { points: [{ x: 30, y: 40, time: 1500, pressure: 0.33333 }] },
    ])
    expect(s).toEqual([
      [{ x: 10, y: 20, t: 0, p: 0.8 }, { x: 12, y: 21, t: 16, p: 0.5 }],
      [{ x: 30, y: 40, t: 500, p: 0.33 }],
    ])
  })
})

describe('<SignaturePad>', () => {
  it('reports vectors and a PNG, and supports undo and clear', async () => {
    const w = mountApp(SignaturePad, { props: { modelValue: null } })
    const pad = fake.instance
    pad.stroke([{ x: 1, y: 1, time: 100, pressure: 0.7 }, { x: 2, y: 2, time: 120, pressure: 0.7 }])
    pad.stroke([{ x: 5, y: 5, time: 400, pressure: 0.6 }])
    const events = w.emitted('update:modelValue') as any[][]
    const last = events[events.length - 1][0]
    expect(last.strokes).toHaveLength(2)
    expect(last.strokes[1][0]).toEqual({ x: 5, y: 5, t: 300, p: 0.6 })
    expect(last.png_base64).toBe('iVBORw0KGgo=')

    await w.setProps({ modelValue: last })
    await w.get('[data-test=signature-undo]').trigger('click')
    const afterUndo = (w.emitted('update:modelValue') as any[][]).at(-1)![0]
    expect(afterUndo.strokes).toHaveLength(1)

    await w.get('[data-test=signature-clear]').trigger('click')
    expect((w.emitted('update:modelValue') as any[][]).at(-1)![0]).toBeNull()
    await flush()
    w.unmount()
  })
})
