// What the dashboard was showing (range, conditions, chart KPI), kept for the session so that
// coming back from a complaint opened from a list finds the same view.
import { reactive } from 'vue'
import type { Category, Channel, Dimension, KpiKey, Nature, ReportFilter, Tier } from '../../api/types.gen'
import { addMonths, lastDayOf } from './util'

export interface DashForm {
  mode: 'month' | 'range'
  month: string
  range: [string, string] | null
  category: Category | ''
  sub_category: string
  channel: Channel | ''
  tier: Tier | ''
  nature: Nature | ''
  department: string
  worker: string
}

export function emptyDashForm(month: string): DashForm {
  return { mode: 'month', month, range: null, category: '', sub_category: '', channel: '', tier: '', nature: '', department: '', worker: '' }
}

/** The conditions without the range. */
export function conditions(f: DashForm): ReportFilter {
  const r: ReportFilter = {}
  if (f.category) r.category = f.category
  if (f.sub_category) r.sub_category = f.sub_category
  if (f.channel) r.channel = f.channel
  if (f.tier) r.tier = f.tier
  if (f.nature) r.nature = f.nature
  if (f.department) r.department = f.department
  if (f.worker) r.worker = f.worker
  return r
}

export function toReportFilter(f: DashForm): ReportFilter {
  const r = conditions(f)
  if (f.mode === 'range' && f.range?.[0] && f.range?.[1]) {
    r.from_date = f.range[0]
    r.until_date = f.range[1]
  } else {
    r.month = f.month
  }
  return r
}

/** The twelve months that end with the range's last month, with the same conditions. */
export function trendFilter(f: DashForm): ReportFilter {
  const until = f.mode === 'range' && f.range?.[1] ? f.range[1] : lastDayOf(f.month)
  const endMonth = until.slice(0, 7)
  return { ...conditions(f), from_date: `${addMonths(endMonth, -11)}-01`, until_date: until }
}

export const dashState = reactive({
  owner: '' as string,
  form: null as DashForm | null,
  chartKpi: 'volume' as KpiKey,
  tab: 'category' as Dimension,
})
