import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks'
import { createPinia, setActivePinia } from 'pinia'
import { mountApp, sleep } from './helpers'
import Dashboard from '../src/views/Dashboard.vue'
import Imports from '../src/views/Imports.vue'
import ReportReminder from '../src/components/report/ReportReminder.vue'
import { clearDefinitions } from '../src/components/report/definitions'
import { clearReminder } from '../src/components/report/reminder'
import { dashState } from '../src/components/report/state'
import { useSession } from '../src/stores/session'
import { addMonths, fmtChange, fmtValue, lastDayOf } from '../src/components/report/util'
import reportMessages from '../src/locales/report'

type Call = { name: string; args: any }

const RES_DEF = '范围内投诉中除不予受理（R3.4）以外的，在范围结束之前已结案的比例。'
const FILTER = { month: '2026-10', branch: null, category: null, channel: null, department: null, from_date: null, until_date: null, nature: null, sub_category: null, tier: null, worker: null }

function fig(kpi: string, unit: string, numerator: number, denominator: number, value: number | null) {
  return { kpi, unit, numerator, denominator, value }
}
const FIGURES = [fig('volume', 'count', 150, 150, 150), fig('resolution_rate', 'ratio', 128, 148, 128 / 148), fig('first_response_median', 'seconds', 140, 140, 47520)]

function kpiReport(groupBy: string[]) {
  return {
    range: { complaints: 150, surveys: 90, from_date: '2026-10-01', until_date: '2026-10-31', measured_at: '2026-10-31T16:00:00Z', time_zone: 'Asia/Shanghai' },
    filter: FILTER,
    figures: FIGURES,
    breakdowns: groupBy.map((d) => ({
      dimension: d,
      rows_total: 1,
      rows: [{ key: d === 'category' ? 'service' : d === 'month' ? '2026-10' : 'k1', label: d === 'department' ? '家政服务部' : 'x', filter: { ...FILTER, [d === 'month' ? 'month' : d]: 'k1' }, figures: FIGURES }],
    })),
  }
}

function backend(importResult?: any) {
  const calls: Call[] = []
  mockIPC((cmd, payload: any) => {
    if (cmd !== 'call') return null
    calls.push({ name: payload.name, args: payload.args })
    switch (payload.name) {
      case 'kpi_definitions':
        return [
          { kpi: 'volume', unit: 'count', name: '投诉量', definition: '受理时间落在统计范围内的投诉件数。' },
          { kpi: 'resolution_rate', unit: 'ratio', name: '解决率', definition: RES_DEF },
          { kpi: 'first_response_median', unit: 'seconds', name: '首次响应时长（中位数）', definition: '从受理到首次答复的时长，取中位数。' },
        ]
      case 'kpis':
        return kpiReport(payload.args.group_by ?? [])
      case 'reference_data':
        return { departments: [{ code: 'HS', name: '家政服务部', active: 1 }], workers: [] }
      case 'sub_categories':
        return { service: ['守时/爽约'] }
      case 'kpi_complaints':
        return {
          kpi: payload.args.kpi, part: payload.args.part ?? 'numerator', total: 1, count: 1,
          items: [{ count: 1, value: null, complaint: { id: 'c1', number: 'HQ-20261002-0001', customer_name: '王*', phone_masked: '138****5678', category: 'service', sub_category: '守时/爽约', stage: 'closed', department_name: '家政服务部', received_at: '2026-10-02T01:00:00Z', summary: '迟到', is_repeat: false, nature: 'general', tier: 'regular', warning_level: 1, owner_name: '李娜', next_due_at: null, next_soon_at: null, urgency: null } }],
        }
      case 'import_customers':
        return typeof importResult === 'function' ? importResult(payload.args) : importResult
      case 'report_status':
        return { month: '2026-10', due_date: '2026-11-05', month_over: true, filed: false, filed_at: null, filed_by: null, revision: 0, suggestions: '', reminder: true, overdue: false }
      default:
        return null
    }
  })
  return calls
}

function keysOf(o: any, p = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keysOf(v, `${p}${k}.`) : [`${p}${k}`]))
}

describe('report strings', () => {
  it('every key of 简体中文 is in the other three languages, and none is extra', () => {
    const m = reportMessages as Record<string, any>
    const base = keysOf(m['zh-CN']).sort()
    expect(base.length).toBeGreaterThan(100)
    for (const l of ['zh-TW', 'en', 'es']) expect(keysOf(m[l]).sort(), l).toEqual(base)
  })
})

describe('report formatting', () => {
  it('months, ratios, durations and changes', () => {
    expect(addMonths('2026-01', -1)).toBe('2025-12')
    expect(addMonths('2026-11', -11)).toBe('2025-12')
    expect(lastDayOf('2026-02')).toBe('2026-02-28')
    expect(lastDayOf('2028-02')).toBe('2028-02-29')
    expect(fmtValue('ratio', 'resolution_rate', 0.48056)).toBe('48.1%')
    expect(fmtValue('seconds', 'first_response_median', 47520)).toBe('13.2小时')
    expect(fmtValue('seconds', 'first_response_work_median', 13020)).toBe('3.6工作小时')
    expect(fmtValue('count', 'volume', null)).toBe('—')
    expect(fmtChange('ratio', 'resolution_rate', -0.0193)).toBe('−1.9个百分点')
  })
})

describe('<Dashboard>', () => {
  beforeEach(() => {
    mockWindows('main')
    clearDefinitions()
    dashState.form = null
  })
  afterEach(() => clearMocks())

  it('shows each KPI with its definition, and a click lists the complaints behind that figure', async () => {
    const calls = backend()
    const w = mountApp(Dashboard)
    await sleep(80)
    const tile = w.get('[data-test=kpi-tile-resolution_rate]')
    expect(tile.get('[data-test=kpi-value]').text()).toBe('86.5%')
    expect(tile.get('[data-test=kpi-name]').text()).toBe('解决率')
    expect(tile.get('[data-test=kpi-definition]').text()).toBe(RES_DEF)
    expect(tile.get('[data-test=kpi-detail]').text()).toContain('128 / 148')
    expect(calls.find((c) => c.name === 'kpi_definitions')!.args.lang).toBe('zh-CN')

    await tile.trigger('click')
    await sleep(40)
    const drill = calls.filter((c) => c.name === 'kpi_complaints')
    expect(drill.length).toBe(1)
    expect(drill[0].args.kpi).toBe('resolution_rate')
    expect(drill[0].args.filter).toEqual(FILTER)
    expect(document.body.querySelector('[data-test=drill-row]')?.textContent).toContain('HQ-20261002-0001')
    w.unmount()
  })

  it('a breakdown cell lists its row\'s complaints with the row\'s filter', async () => {
    const calls = backend()
    const w = mountApp(Dashboard)
    await sleep(80)
    await w.get('[data-test=breakdown-category] [data-test=breakdown-cell-volume]').trigger('click')
    await sleep(40)
    const drill = calls.filter((c) => c.name === 'kpi_complaints')
    expect(drill.at(-1)!.args).toMatchObject({ kpi: 'volume', filter: { ...FILTER, category: 'k1' } })
    w.unmount()
  })
})

describe('<Imports>', () => {
  beforeEach(() => mockWindows('main'))
  afterEach(() => clearMocks())

  async function pick(w: ReturnType<typeof mountApp>, name: string, content: string) {
    const input = w.get('[data-test=import-file]')
    const file = new File([content], name, { type: 'text/csv' })
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
    await input.trigger('change')
    await sleep(80)
  }

  it('shows the per-row errors and does not offer to apply', async () => {
    const calls = backend({
      format: 'csv', sheet: null, total_rows: 3, valid_rows: 1, applied: false, created: 1, updated: 0,
      columns: [{ header: '姓名', field: 'name' }, { header: '电话', field: 'phone' }, { header: '等级', field: 'tier' }],
      errors: [
        { row: 3, field: 'phone', reason: 'bad_phone', value: 'abc' },
        { row: 4, field: 'tier', reason: 'unknown_tier', value: 'gold' },
      ],
      preview: [
        { row: 2, action: 'create', values: { name: '王芳', phone: '13812345678', tier: 'vip' } },
        { row: 3, action: null, values: { name: '李四', phone: 'abc', tier: '' } },
        { row: 4, action: null, values: { name: '赵五', phone: '13900000000', tier: 'gold' } },
      ],
    })
    const w = mountApp(Imports)
    await pick(w, '客户.csv', '姓名,电话,等级\n王芳,13812345678,vip\n李四,abc,\n赵五,13900000000,gold\n')
    const req = calls.find((c) => c.name === 'import_customers')!
    expect(req.args.dry_run).toBe(true)
    expect(req.args.file_name).toBe('客户.csv')
    expect(atob(req.args.content_base64)).toContain('13812345678')

    const rows = w.findAll('[data-test=import-error-row]').map((r) => r.text())
    expect(rows).toEqual(['3', '4'])
    const reasons = w.findAll('[data-test=import-error-reason]').map((r) => r.text())
    expect(reasons[0]).toContain('格式不正确')
    expect(reasons[1]).toContain('无法识别的客户等级')
    expect(w.get('[data-test=import-error-count]').attributes('data-count')).toBe('2')
    const apply = w.get('button[data-test=import-apply]')
    expect(apply.attributes('disabled')).toBeDefined()
    await apply.trigger('click')
    await sleep(20)
    expect(calls.filter((c) => c.name === 'import_customers').every((c) => c.args.dry_run === true)).toBe(true)
    w.unmount()
  })

  it('a GBK CSV is refused with the advice to save as "CSV UTF-8"', async () => {
    mockIPC((cmd, payload: any) => {
      if (cmd === 'call' && payload.name === 'import_customers') {
        throw { code: 'invalid', message_key: 'error.invalid.csv_not_utf8', message: 'x', details: { field: 'file', reason: 'csv_not_utf8' } }
      }
      return null
    })
    const w = mountApp(Imports)
    await pick(w, 'gbk.csv', 'x')
    expect(w.get('[data-test=import-error]').text()).toContain('CSV UTF-8')
    expect(w.get('button[data-test=import-apply]').attributes('disabled')).toBeDefined()
    w.unmount()
  })

  it('a hostile workbook (zip bomb, huge uniqueCount, too wide) is refused with its own sentence in every language (issue 25)', async () => {
    const m = reportMessages as Record<string, any>
    for (const reason of ['archive_suspicious', 'archive_too_large', 'too_many_columns', 'unsupported_spreadsheet']) {
      for (const l of ['zh-CN', 'zh-TW', 'en', 'es']) expect(m[l].report.err[reason], `${l} ${reason}`).toBeTruthy()
    }
    mockIPC((cmd, payload: any) => {
      if (cmd === 'call' && payload.name === 'import_customers') {
        throw { code: 'invalid', message_key: 'error.invalid.archive_suspicious', message: 'x', details: { field: 'file', reason: 'archive_suspicious' } }
      }
      return null
    })
    const w = mountApp(Imports)
    await pick(w, 'bomb.xlsx', 'PK')
    expect(w.get('[data-test=import-error]').text()).toBe(m['zh-CN'].report.err.archive_suspicious)
    expect(w.get('button[data-test=import-apply]').attributes('disabled')).toBeDefined()
    w.unmount()
  })

  it('offers to apply a clean file, then writes it (dry_run = false)', async () => {
    const clean = (args: any) => ({
      format: 'csv', sheet: null, total_rows: 1, valid_rows: 1, applied: !args.dry_run, created: 1, updated: 0,
      columns: [{ header: 'name', field: 'name' }, { header: 'phone', field: 'phone' }], errors: [],
      preview: [{ row: 2, action: 'create', values: { name: '王芳', phone: '13812345678' } }],
    })
    const calls = backend(clean)
    const w = mountApp(Imports)
    await pick(w, 'c.csv', 'name,phone\n王芳,13812345678\n')
    const apply = w.get('button[data-test=import-apply]')
    expect(apply.attributes('disabled')).toBeUndefined()
    await apply.trigger('click')
    await sleep(30)
    ;(document.body.querySelector('.el-message-box__btns .el-button--primary') as HTMLButtonElement | null)?.click()
    await sleep(60)
    expect(calls.some((c) => c.name === 'import_customers' && c.args.dry_run === false)).toBe(true)
    expect(w.get('[data-test=import-applied]').text()).toContain('新建 1')
    w.unmount()
  })
})

describe('<ReportReminder>', () => {
  beforeEach(() => {
    mockWindows('main')
    clearReminder()
  })
  afterEach(() => clearMocks())

  it('reminds a CS manager until last month\'s report is filed, and links to it', async () => {
    const calls = backend()
    const w = mountApp(ReportReminder)
    const session = useSession()
    session.user = { id: 'u1', login: 'manager', name: '经理', role: 'cs_manager', branch_id: null, department_id: null, must_change_password: false }
    await sleep(30)
    expect(calls.some((c) => c.name === 'report_status')).toBe(true)
    const banner = w.get('[data-test=report-reminder]')
    expect(banner.text()).toContain('2026年10月')
    expect(banner.text()).toContain('尚未提交')
    w.unmount()
  })

  it('says nothing to a CS agent', async () => {
    const calls = backend()
    const w = mountApp(ReportReminder)
    const session = useSession()
    session.user = { id: 'u2', login: 'cs01', name: '专员', role: 'cs_agent', branch_id: null, department_id: null, must_change_password: false }
    await sleep(30)
    expect(calls.some((c) => c.name === 'report_status')).toBe(false)
    expect(w.find('[data-test=report-reminder]').exists()).toBe(false)
    w.unmount()
  })
})

describe('<Reports> department lists', () => {
  beforeEach(() => {
    mockWindows('main')
    clearDefinitions()
  })
  afterEach(() => clearMocks())

  // The report carries the first 50 rows of a department's register; page 2 is asked for.
  const row = (i: number) => ({
    id: `c${i}`, number: `HQ-20261001-${String(i).padStart(4, '0')}`, received_at: '2026-10-01T02:00:00Z', category: 'service', sub_category: '守时/爽约',
    channel: 'phone', tier: 'regular', nature: 'general', warning_level: 1, is_repeat: false, stage: 'closed', customer_name: '王*', phone_masked: '138****5678',
    worker_code: null, worker_name: null, first_response_seconds: 60, resolution_seconds: 3600, resolved: true, overdue: false, closed_at: '2026-10-01T03:00:00Z', satisfaction: null,
  })
  const STATUS = { month: '2026-10', due_date: '2026-11-05', month_over: true, filed: false, filed_at: null, filed_by: null, revision: 0, suggestions: '', reminder: true, overdue: false }
  const report = {
    month: '2026-10', previous_month: '2026-09', generated_at: '2026-11-02T02:00:00Z', branch_name: '总部', status: STATUS, suggestions: '',
    range: { complaints: 120, surveys: 0, from_date: '2026-10-01', until_date: '2026-10-31', measured_at: '2026-10-31T16:00:00Z', time_zone: 'Asia/Shanghai' },
    kpis: [], trend: [], breakdowns: [],
    departments: [{ id: 'd1', code: 'HS', name: '家政服务部', figures: [fig('volume', 'count', 120, 120, 120)], register: Array.from({ length: 50 }, (_, i) => row(i)), register_total: 120, surveys: [], surveys_total: 0, survey_counts: [0, 0, 0, 0, 0] }],
    flags: { branch_flag_per_100_workers: 5, branches: [], worker_flag_min: 3, workers: [] },
    ledger: { min: 3, rows: [], rows_total: 0, window_days: 90, window_from: '2026-08-03' },
    settings: { branch_flag_per_100_workers: 5, ledger_min: 3, ledger_window_days: 90, worker_flag_min: 3 },
  }

  it('shows the whole register count and fetches page 2 from the core', async () => {
    const calls: Call[] = []
    mockIPC((cmd, payload: any) => {
      if (cmd !== 'call') return null
      calls.push({ name: payload.name, args: payload.args })
      switch (payload.name) {
        case 'report_status': return STATUS
        case 'monthly_report': return report
        case 'kpi_definitions': return []
        case 'monthly_register': {
          const { offset, limit } = payload.args
          return { total: 120, offset, rows: Array.from({ length: Math.min(limit, 120 - offset) }, (_, i) => row(offset + i)) }
        }
        default: return null
      }
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    useSession().user = { id: 'u1', login: 'manager', name: '王建华', role: 'cs_manager', branch_id: null, department_id: null, must_change_password: false }
    const { default: Reports } = await import('../src/views/Reports.vue')
    const w = mountApp(Reports, { pinia })
    await sleep(120)
    await w.get('#tab-departments').trigger('click')
    await sleep(60)
    const table = () => w.get('[data-test=report-register]')
    expect(w.text()).toContain('120')
    expect(table().findAll('[data-test=register-row]').length).toBe(50)
    expect(table().text()).toContain('HQ-20261001-0000')
    const next = w.get('[data-test=report-register-pager]').findAll('li.number').find((li) => li.text() === '2')!
    await next.trigger('click')
    await sleep(80)
    const asked = calls.filter((c) => c.name === 'monthly_register')
    expect(asked.length).toBe(1)
    expect(asked[0].args).toEqual({ month: '2026-10', department: 'd1', offset: 50, limit: 50 })
    expect(table().findAll('[data-test=register-row]').length).toBe(50)
    expect(table().text()).toContain('HQ-20261001-0050')
    expect(table().text()).not.toContain('HQ-20261001-0000')
    w.unmount()
  })
})

describe('<DueNotifier>', () => {
  beforeEach(() => mockWindows('main'))
  afterEach(() => clearMocks())

  it('its notices leave the screen when the desk locks and when the user signs out', async () => {
    mockIPC((cmd, payload: any) => {
      if (cmd === 'peek' && payload.name === 'due_alerts')
        return [{ step_id: 's1', complaint_id: 'c1', number: 'HQ-20261001-0001', kind: 'first_response', urgency: 'overdue', due_at: '2026-10-01T03:00:00Z' }]
      return null
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    const session = useSession()
    session.user = { id: 'u2', login: 'cs01', name: '李娜', role: 'cs_agent', branch_id: null, department_id: null, must_change_password: false }
    const { default: DueNotifier } = await import('../src/components/DueNotifier.vue')
    // Shown for 4.5 s unless closed; a closed one is hidden, then removed.
    const shown = () => [...document.body.querySelectorAll<HTMLElement>('.el-notification')].filter((e) => e.style.display !== 'none').length
    const w = mountApp(DueNotifier, { pinia, props: { firstPollDelayMs: 0 } })
    await sleep(150)
    expect(shown()).toBe(1)
    session.locked = true
    await sleep(600)
    expect(shown()).toBe(0)
    session.locked = false
    w.unmount()
    const again = mountApp(DueNotifier, { pinia, props: { firstPollDelayMs: 0 } })
    await sleep(150)
    expect(shown()).toBe(1)
    again.unmount()
    await sleep(600)
    expect(shown()).toBe(0)
  })

  it('asks for due steps only a moment after sign-in, leaving the desk to the board first', async () => {
    const asked: number[] = []
    mockIPC((cmd, payload: any) => {
      if (cmd === 'peek' && payload.name === 'due_alerts') asked.push(Date.now())
      return []
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    useSession().user = { id: 'u2', login: 'cs01', name: '李娜', role: 'cs_agent', branch_id: null, department_id: null, must_change_password: false }
    const { default: DueNotifier } = await import('../src/components/DueNotifier.vue')
    const w = mountApp(DueNotifier, { pinia, props: { firstPollDelayMs: 300 } })
    await sleep(150)
    expect(asked.length).toBe(0)
    await sleep(300)
    expect(asked.length).toBe(1)
    w.unmount()
  })
})
