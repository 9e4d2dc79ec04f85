// The arithmetic of a countdown, apart from Vue so it can be tested on its own (R4.6).
export type Urgency = 'on_time' | 'due_soon' | 'overdue'

export function urgencyAt(nowMs: number, dueIso: string, soonIso?: string | null): Urgency {
  const due = Date.parse(dueIso)
  if (nowMs >= due) return 'overdue'
  if (soonIso && nowMs >= Date.parse(soonIso)) return 'due_soon'
  return 'on_time'
}

/** Splits a duration into the two largest units: 2天3小时, 5小时12分, 12分30秒. */
export function parts(ms: number): { unit: 'days' | 'hours' | 'minutes' | 'seconds'; n: number }[] {
  const s = Math.floor(Math.abs(ms) / 1000)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  if (d > 0) return [{ unit: 'days', n: d }, { unit: 'hours', n: h }]
  if (h > 0) return [{ unit: 'hours', n: h }, { unit: 'minutes', n: m }]
  if (m > 0) return [{ unit: 'minutes', n: m }, { unit: 'seconds', n: sec }]
  return [{ unit: 'seconds', n: sec }]
}
