// ECharts options of the report screens: one KPI across the rows of a breakdown (bars), or across
// months (a line, with the complaint volume as pale bars behind it). Values are plotted in the
// chart's unit (%, hours, 1–5, count); the tooltip shows the figure as the tiles write it.
import type { EChartsCoreOption } from './echarts'
import type { Figure, KpiKey, Unit } from '../../api/types.gen'
import { currentLocale } from '../../i18n'
import { chartUnit, chartValue, figureDetail, fmtFigure } from './util'

const BLUE = '#409eff'
const PALE = '#c6e2ff'

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
}

/** What ECharts hands a tooltip or label formatter: only the fields read here. */
interface FormatterParam {
  dataIndex: number
  value?: unknown
}

/** Axis ticks: "80%" for ratios; the unit of the others is the axis' name. */
function axisFormatter(unit: Unit) {
  return (v: number) => (unit === 'ratio' ? `${v}%` : `${v}`)
}

/** "投诉量：17" in Chinese, "Volume: 17" elsewhere. */
const colon = () => (currentLocale().startsWith('zh') ? '：' : ': ')

function tip(label: string, name: string, f: Figure | undefined): string {
  const d = figureDetail(f)
  return `<b>${esc(label)}</b><br/>${esc(name)}${colon()}${esc(fmtFigure(f))}${d ? `<br/><span style="color:#8a919f">${esc(d)}</span>` : ''}`
}

export interface BarInput {
  labels: string[]
  figures: (Figure | undefined)[]
  kpi: KpiKey
  unit: Unit
  /** The KPI's name (tooltip, axis). */
  name: string
  horizontal?: boolean
}

/** One KPI per row of a breakdown. */
export function barOption(o: BarInput): EChartsCoreOption {
  const data = o.figures.map((f) => chartValue(o.unit, f?.value))
  const many = o.labels.length > 6
  const valueAxis = {
    type: 'value',
    name: o.unit === 'ratio' ? '' : chartUnit(o.unit, o.kpi),
    nameTextStyle: { color: '#8a919f' },
    axisLabel: { formatter: axisFormatter(o.unit) },
    splitLine: { lineStyle: { color: '#eef0f3' } },
    ...(o.unit === 'score' ? { min: 1, max: 5 } : {}),
    // Counts are whole: no 0.5 ticks on a worker ranking of ones and twos.
    ...(o.unit === 'count' ? { minInterval: 1 } : {}),
  }
  const categoryAxis = {
    type: 'category',
    data: o.labels,
    inverse: !!o.horizontal,
    axisTick: { alignWithLabel: true },
    axisLabel: o.horizontal
      ? { width: 110, overflow: 'truncate' }
      : { interval: 0, rotate: many ? 30 : 0, width: many ? 90 : 120, overflow: 'truncate' },
  }
  return {
    animationDuration: 300,
    grid: o.horizontal ? { left: 120, right: 48, top: 24, bottom: 24 } : { left: 56, right: 16, top: 30, bottom: many ? 70 : 40 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
      formatter: (ps: FormatterParam | FormatterParam[]) => {
        const p = Array.isArray(ps) ? ps[0] : ps
        return tip(o.labels[p.dataIndex] ?? '', o.name, o.figures[p.dataIndex])
      },
    },
    xAxis: o.horizontal ? valueAxis : categoryAxis,
    yAxis: o.horizontal ? categoryAxis : valueAxis,
    series: [
      {
        id: o.kpi,
        type: 'bar',
        name: o.name,
        data,
        barMaxWidth: 36,
        itemStyle: { color: BLUE, borderRadius: o.horizontal ? [0, 3, 3, 0] : [3, 3, 0, 0] },
        cursor: 'pointer',
        label: { show: o.labels.length <= 20, position: o.horizontal ? 'right' : 'top', fontSize: 11, color: '#646a73', formatter: (p: FormatterParam) => (p.value === null || p.value === undefined ? '' : o.unit === 'ratio' ? `${p.value}%` : `${p.value}`) },
      },
    ],
  }
}

export interface TrendInput {
  months: string[]
  figures: (Figure | undefined)[]
  kpi: KpiKey
  unit: Unit
  name: string
  /** The volume per month, drawn as pale bars behind the KPI when it is not the volume. */
  volume?: (Figure | undefined)[]
  volumeName?: string
}

/** One KPI month by month; series 0 is the KPI, series 1 (when given) the volume. */
export function trendOption(o: TrendInput): EChartsCoreOption {
  const withVolume = o.kpi !== 'volume' && !!o.volume
  const series: Record<string, unknown>[] = [
    {
      id: o.kpi,
      type: o.kpi === 'volume' ? 'bar' : 'line',
      name: o.name,
      data: o.figures.map((f) => chartValue(o.unit, f?.value)),
      yAxisIndex: 0,
      z: 3,
      barMaxWidth: 36,
      symbolSize: 8,
      connectNulls: false,
      itemStyle: { color: BLUE },
      lineStyle: { width: 2 },
      cursor: 'pointer',
    },
  ]
  const yAxis: Record<string, unknown>[] = [
    {
      type: 'value',
      name: o.unit === 'ratio' ? '' : chartUnit(o.unit, o.kpi),
      nameTextStyle: { color: '#8a919f' },
      axisLabel: { formatter: axisFormatter(o.unit) },
      splitLine: { lineStyle: { color: '#eef0f3' } },
      ...(o.unit === 'score' ? { min: 1, max: 5 } : {}),
      ...(o.unit === 'count' ? { minInterval: 1 } : {}),
    },
  ]
  if (withVolume) {
    series.push({
      id: 'volume',
      type: 'bar',
      name: o.volumeName ?? 'volume',
      data: o.volume!.map((f) => f?.value ?? null),
      yAxisIndex: 1,
      z: 1,
      barMaxWidth: 30,
      itemStyle: { color: PALE },
      cursor: 'pointer',
    })
    yAxis.push({ type: 'value', name: chartUnit('count', 'volume'), minInterval: 1, nameTextStyle: { color: '#8a919f' }, splitLine: { show: false } })
  }
  return {
    animationDuration: 300,
    grid: { left: 56, right: withVolume ? 56 : 16, top: 40, bottom: 30 },
    legend: withVolume ? { top: 0, data: [o.name, o.volumeName ?? 'volume'] } : undefined,
    tooltip: {
      trigger: 'axis',
      confine: true,
      formatter: (ps: FormatterParam | FormatterParam[]) => {
        const list = Array.isArray(ps) ? ps : [ps]
        const i = list[0]?.dataIndex ?? 0
        let s = tip(o.months[i] ?? '', o.name, o.figures[i])
        if (withVolume) s += `<br/>${esc(o.volumeName ?? '')}${colon()}${esc(fmtFigure(o.volume![i]))}`
        return s
      },
    },
    xAxis: { type: 'category', data: o.months, axisTick: { alignWithLabel: true } },
    yAxis,
    series,
  }
}
