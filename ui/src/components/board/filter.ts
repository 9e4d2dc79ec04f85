// The board's filter form (R7.10) and its translation to and from the core's SearchFilter. Dates
// are picked as calendar days in the branch's time zone and sent as UTC instants (R4.5).
import type { Category, Channel, DueFilter, Nature, SearchFilter, Stage, Tier } from '../../api/types.gen'
import { getBranchTz } from '../../utils/format'
import { FINISHED_STAGES, OPEN_STAGES } from './moves'

/**
 * Which complaints a search looks at (R7.10 "status"): the open ones (the board's columns and the
 * table's default), the finished ones (closed, not accepted, cancelled), or all. Without it a
 * complaint closed yesterday could not be found from the board at all.
 */
export type Scope = 'open' | 'finished' | 'all'

/** The stages a scope offers in the stage picker. */
export function scopeStages(scope: Scope): Stage[] {
  return scope === 'open' ? OPEN_STAGES : scope === 'finished' ? FINISHED_STAGES : [...OPEN_STAGES, ...FINISHED_STAGES]
}

export interface FilterForm {
  text: string
  phone: string
  department: string
  owner: string
  tier: Tier | ''
  nature: Nature | ''
  category: Category | ''
  channel: Channel | ''
  minWarning: number | null
  /** Calendar days YYYY-MM-DD in the branch zone, both inclusive. */
  receivedFrom: string
  receivedTo: string
  due: DueFilter | ''
  repeatOnly: boolean
  /** Table view only: open, finished or all complaints (the board's columns are open ones). */
  scope: Scope
  /** Table view only: which stages of the scope (empty = every stage of it). */
  stages: Stage[]
}

export function emptyForm(): FilterForm {
  return {
    text: '', phone: '', department: '', owner: '', tier: '', nature: '', category: '', channel: '',
    minWarning: null, receivedFrom: '', receivedTo: '', due: '', repeatOnly: false, scope: 'open', stages: [],
  }
}

// Calendar arithmetic in the branch zone with formatToParts only: the short date format of a
// locale differs between engines (WebKitGTK formats en-CA as 11/26/2026), so no string of a
// formatted date is parsed back.
function zoneParts(ms: number): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  const p: Record<string, number> = {}
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: getBranchTz(), hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', second: 'numeric',
  })
  for (const x of fmt.formatToParts(new Date(ms))) if (x.type !== 'literal') p[x.type] = Number(x.value)
  return { y: p.year, m: p.month, d: p.day, h: p.hour % 24, mi: p.minute, s: p.second }
}

/** The zone's offset from UTC at an instant, in ms. */
function zoneOffset(ms: number): number {
  const z = zoneParts(ms)
  return Date.UTC(z.y, z.m - 1, z.d, z.h, z.mi, z.s) - Math.floor(ms / 1000) * 1000
}

/** Midnight at the start of a branch-local calendar day (YYYY-MM-DD), as a UTC instant. */
export function dayStartUtc(day: string): string {
  const [y, m, d] = day.split('-').map(Number)
  const wall = Date.UTC(y, m - 1, d)
  // Twice, so a DST change between the guess and the answer is accounted for.
  let t = wall - zoneOffset(wall)
  t = wall - zoneOffset(t)
  return new Date(t).toISOString()
}

/** The branch-local calendar day (YYYY-MM-DD) of an instant. */
export function localDay(iso: string | Date): string {
  const ms = iso instanceof Date ? iso.getTime() : Date.parse(iso)
  if (isNaN(ms)) return ''
  const z = zoneParts(ms)
  return `${z.y}-${String(z.m).padStart(2, '0')}-${String(z.d).padStart(2, '0')}`
}

/** Midnight today in the branch zone, as a UTC instant (the "closed today" column). */
export function todayStartUtc(now = new Date()): string {
  return dayStartUtc(localDay(now))
}

export function nextDay(day: string): string {
  const d = new Date(`${day}T12:00:00Z`)
  d.setUTCDate(d.getUTCDate() + 1)
  return d.toISOString().slice(0, 10)
}

function prevDay(day: string): string {
  const d = new Date(`${day}T12:00:00Z`)
  d.setUTCDate(d.getUTCDate() - 1)
  return d.toISOString().slice(0, 10)
}

const s = (v: string) => (v.trim() ? v.trim() : null)

/**
 * The form as the core's filter. Its stages are the table's: the board drops them and asks each
 * column's own. Stages chosen win; otherwise a finished or whole scope names its stages, and the
 * open scope names none (the table then asks for open complaints only).
 */
export function toSearchFilter(f: FilterForm): SearchFilter {
  const out: SearchFilter = {}
  if (s(f.text)) out.text = s(f.text)
  if (s(f.phone)) out.phone = s(f.phone)
  if (f.department) out.department = f.department
  if (f.owner) out.owner = f.owner
  if (f.tier) out.tier = f.tier
  if (f.nature) out.nature = f.nature
  if (f.category) out.category = f.category
  if (f.channel) out.channel = f.channel
  if (f.minWarning) out.min_warning_level = f.minWarning
  if (f.receivedFrom) out.received_from = dayStartUtc(f.receivedFrom)
  if (f.receivedTo) out.received_to = dayStartUtc(nextDay(f.receivedTo))
  if (f.due) out.due = f.due
  if (f.repeatOnly) out.repeat_only = true
  const allowed = scopeStages(f.scope)
  const chosen = f.stages.filter((st) => allowed.includes(st))
  if (chosen.length) out.stages = chosen
  else if (f.scope !== 'open') out.stages = [...allowed]
  return out
}

/** The scope and stage choice a filter's stages stand for (the inverse of `toSearchFilter`). */
function scopeOf(stages: Stage[]): { scope: Scope; stages: Stage[] } {
  const open = stages.filter((st) => OPEN_STAGES.includes(st))
  const finished = stages.filter((st) => FINISHED_STAGES.includes(st))
  if (!finished.length) return { scope: 'open', stages: open }
  if (!open.length) return { scope: 'finished', stages: finished.length === FINISHED_STAGES.length ? [] : finished }
  const all = open.length === OPEN_STAGES.length && finished.length === FINISHED_STAGES.length
  return { scope: 'all', stages: all ? [] : [...open, ...finished] }
}

/** A saved view's filter back into the form (unknown or board-only fields are ignored). */
export function fromSearchFilter(x: Partial<SearchFilter> | null | undefined): FilterForm {
  const f = emptyForm()
  if (!x || typeof x !== 'object') return f
  f.text = x.text ?? x.number ?? ''
  f.phone = x.phone ?? ''
  f.department = x.department ?? ''
  f.owner = x.owner ?? ''
  f.tier = x.tier ?? ''
  f.nature = x.nature ?? ''
  f.category = x.category ?? ''
  f.channel = x.channel ?? ''
  f.minWarning = x.min_warning_level ?? null
  f.receivedFrom = x.received_from ? localDay(x.received_from) : ''
  f.receivedTo = x.received_to ? prevDay(localDay(x.received_to)) : ''
  f.due = x.due ?? ''
  f.repeatOnly = !!x.repeat_only
  const { scope, stages } = scopeOf(Array.isArray(x.stages) ? x.stages : [])
  f.scope = scope
  f.stages = stages
  return f
}

/** How many conditions are set (shown on the "more filters" toggle). */
export function countSet(f: FilterForm): number {
  return Object.keys(toSearchFilter(f)).length
}

/** A picker option (departments by code, owners by login). */
export interface Option {
  value: string
  label: string
}
