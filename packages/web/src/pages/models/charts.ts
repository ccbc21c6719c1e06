import type { BreakdownRow, SeriesPoint, Timeseries } from '../../api/types.js';
import type { ChartOption } from '../../charts/echarts.js';
import { barOption, timeOption } from '../../charts/options.js';
import { ms, orNone } from '../../format.js';
import type { ModelRow } from './rows.js';

/** One bar per model for one of its figures, largest first; rows without the figure are left out. */
function bars(rows: readonly ModelRow[], pick: (r: ModelRow) => number | null): BreakdownRow[] {
  return rows
    .map((r) => ({ value: r.label, v: pick(r) }))
    .filter((r): r is { value: string; v: number } => r.v !== null)
    .sort((a, b) => b.v - a.v)
    .map((r) => ({ value: r.value, v: r.v }));
}

export function costBars(rows: readonly ModelRow[]): ChartOption {
  return barOption(
    bars(rows, (r) => r.cost),
    'v',
    'Cost',
    true,
  );
}

/** Latency bars read in milliseconds or seconds, not as plain counts. */
export function p95Bars(rows: readonly ModelRow[]): ChartOption {
  const option = barOption(
    bars(rows, (r) => r.p95Ms),
    'v',
    'p95 latency',
  );
  return {
    ...option,
    tooltip: { ...(option['tooltip'] as object), valueFormatter: (v: number) => ms(v) },
    xAxis: { type: 'value', axisLabel: { formatter: (v: number) => ms(v) } },
  };
}

/**
 * Calls over time, one stacked bar per model, so each interval shows its total and its split. The per-model series
 * share the same intervals, so they are laid side by side as the columns of one list of points for the shared time
 * chart.
 */
export function callsPerModel(ts: Timeseries): ChartOption {
  const series = ts.series ?? [];
  const first = series[0]?.points ?? ts.points;
  const points: SeriesPoint[] = first.map((p, i) => {
    const point: SeriesPoint = { time: p.time };
    series.forEach((s, j) => (point[`s${j}`] = (s.points[i]?.['calls'] as number | null) ?? 0));
    return point;
  });
  const option = timeOption(
    points,
    ts.interval,
    series.map((s, j) => ({ metric: `s${j}`, label: orNone(s.value), kind: 'bar' })),
  );
  const bars = option['series'] as object[];
  const axes = option['yAxis'] as object[];
  return {
    ...option,
    series: bars.map((b) => ({ ...b, stack: 'calls' })),
    yAxis: axes.map((a) => ({ ...a, minInterval: 1 })),
  };
}
