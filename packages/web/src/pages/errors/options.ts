import type { SeriesPoint } from '../../api/types.js';
import type { ChartOption } from '../../charts/echarts.js';
import { countShort, pct, shortTime } from '../../format.js';

/** Failed calls as bars and the error rate as a line on its own percent axis, x labels in the browser's zone. */
export function errorsOverTimeOption(points: readonly SeriesPoint[], interval: string): ChartOption {
  const num = (p: SeriesPoint, m: string) => (p[m] as number | null) ?? 0;
  return {
    // Red for failures; a blue line that reads on the light and the dark background alike.
    color: ['#e05a4f', '#5b8ff0'],
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 56, top: 32, bottom: 28 },
    xAxis: { type: 'category', data: points.map((p) => shortTime(p.time, interval)) },
    yAxis: [
      { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => countShort(v) } },
      { type: 'value', min: 0, axisLabel: { formatter: (v: number) => pct(v, 0) }, splitLine: { show: false } },
    ],
    series: [
      {
        name: 'Errors',
        type: 'bar',
        yAxisIndex: 0,
        data: points.map((p) => num(p, 'errors')),
        tooltip: { valueFormatter: (v: number) => countShort(v) },
      },
      {
        name: 'Error rate',
        type: 'line',
        yAxisIndex: 1,
        showSymbol: points.length < 40,
        data: points.map((p) => num(p, 'error_rate')),
        tooltip: { valueFormatter: (v: number) => pct(v, 1) },
      },
    ],
  };
}
