import type { BreakdownRow, SeriesPoint } from '../api/types.js';
import { countShort, shortTime, usd } from '../format.js';
import type { ChartOption } from './echarts.js';

export interface SeriesDef {
  metric: string;
  label: string;
  kind?: 'line' | 'bar';
  /** Plot against a second y axis (cost next to counts). */
  right?: boolean;
  money?: boolean;
}

const axisLabel = (money: boolean) => ({ formatter: (v: number) => (money ? usd(v) : countShort(v)) });

/** Metrics over time, one line (or bar) per metric, x labels in the browser's time zone. */
export function timeOption(points: readonly SeriesPoint[], interval: string, defs: SeriesDef[]): ChartOption {
  const hasRight = defs.some((d) => d.right);
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 56, right: hasRight ? 64 : 16, top: 32, bottom: 28 },
    xAxis: { type: 'category', data: points.map((p) => shortTime(p.time, interval)) },
    yAxis: [
      { type: 'value', axisLabel: axisLabel(defs.some((d) => !d.right && d.money)) },
      ...(hasRight
        ? [{ type: 'value', axisLabel: axisLabel(defs.some((d) => d.right && d.money)), splitLine: { show: false } }]
        : []),
    ],
    series: defs.map((d) => ({
      name: d.label,
      type: d.kind ?? 'line',
      yAxisIndex: d.right ? 1 : 0,
      showSymbol: points.length < 40,
      data: points.map((p) => (p[d.metric] as number | null) ?? 0),
      tooltip: { valueFormatter: (v: number) => (d.money ? usd(v) : countShort(v)) },
    })),
  };
}

/** One bar per row of a breakdown, largest first, labelled with the row's value. */
export function barOption(rows: readonly BreakdownRow[], metric: string, label: string, money = false): ChartOption {
  const data = [...rows].reverse();
  return {
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (v: number) => (money ? usd(v) : countShort(v)),
    },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', axisLabel: axisLabel(money) },
    yAxis: {
      type: 'category',
      data: data.map((r) => (r.value === null ? '(none)' : String(r.value))),
      axisLabel: { width: 140, overflow: 'truncate' },
    },
    series: [{ name: label, type: 'bar', data: data.map((r) => (r[metric] as number | null) ?? 0) }],
  };
}
