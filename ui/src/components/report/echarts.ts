// ECharts with only the parts the reports use (bars, lines, grid, tooltip, legend, canvas), so
// the window's bundle stays small. Canvas rendering needs no eval: fine under the app's CSP.
import * as echarts from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer])

export { echarts }
export type { EChartsCoreOption } from 'echarts/core'
