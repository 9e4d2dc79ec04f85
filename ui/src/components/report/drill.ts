// What a click on a figure (tile, bar, breakdown cell) asks the drawer to list.
import type { Figure, KpiKey, Part, ReportFilter } from '../../api/types.gen'

export interface DrillTarget {
  kpi: KpiKey
  filter: ReportFilter
  /** The figure clicked, for the sizes of its parts. */
  figure?: Figure
  /** Which part of the figure to list first. */
  part?: Part
  /** What the figure is of: "2026年10月", "服务类", "家政服务部" … */
  context?: string
}
