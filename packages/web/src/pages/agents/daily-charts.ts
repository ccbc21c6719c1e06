import type { ChartOption } from '../../charts/echarts.js';
import { countShort } from '../../format.js';

/**
 * Seed 000's answers count per calendar date (`2024-11-28`) of the time zone the page asked for, the browser's.
 * Read as a date, not as an instant: `new Date('2024-11-28')` would be UTC midnight, the day before in America.
 */
export function dateLabel(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m || !d) return date;
  return new Date(y, m - 1, d).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

export interface DailyDef {
  key: string;
  label: string;
}

/** Bars per date, one series per figure; stacked when several figures add up to a whole (prompt + completion). */
export function dailyBars(days: readonly Record<string, unknown>[], defs: DailyDef[], stacked = false): ChartOption {
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => countShort(v) },
    legend: { top: 0, show: defs.length > 1 },
    grid: { left: 56, right: 16, top: defs.length > 1 ? 32 : 12, bottom: 28 },
    xAxis: { type: 'category', data: days.map((d) => dateLabel(String(d['date']))) },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => countShort(v) } },
    series: defs.map((def) => ({
      name: def.label,
      type: 'bar',
      ...(stacked ? { stack: 'total' } : {}),
      data: days.map((d) => Number(d[def.key] ?? 0)),
    })),
  };
}
