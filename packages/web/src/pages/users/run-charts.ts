import type { ChartOption } from '../../charts/echarts.js';
import { timeOption } from '../../charts/options.js';
import { localDay } from './days.js';
import type { UserAgentRuns } from './types.js';

/** Outcome colours that read on the light and the dark theme alike. */
const OUTCOME_COLORS: Record<string, string> = {
  success: '#2da44e',
  error: '#e5534b',
  timeout: '#d4a72c',
  cancelled: '#8c959f',
};

/** Cost per UTC day as bars, with the runs of each day as a line on a second axis. */
export function dailyCostOption(runs: UserAgentRuns): ChartOption {
  const points = runs.daily_costs.map((d) => ({ time: localDay(d.date), cost: d.cost, runs: d.run_count }));
  return timeOption(points, 'day', [
    { metric: 'cost', label: 'Cost (USD)', kind: 'bar', money: true },
    { metric: 'runs', label: 'Runs', right: true },
  ]);
}

/** Agent runs per outcome as a ring. */
export function outcomeOption(outcomes: Record<string, number>): ChartOption {
  return {
    tooltip: { trigger: 'item' },
    legend: { bottom: 0 },
    series: [
      {
        name: 'Agent runs',
        type: 'pie',
        radius: ['45%', '70%'],
        center: ['50%', '45%'],
        label: { show: false },
        data: Object.entries(outcomes).map(([name, value]) => ({
          name,
          value,
          ...(OUTCOME_COLORS[name] ? { itemStyle: { color: OUTCOME_COLORS[name] } } : {}),
        })),
      },
    ],
  };
}

/** The period as UTC dates, end inclusive: the API's `end` is the start of the day after. */
export function periodLabel(period: UserAgentRuns['period']): string {
  const fmt = (ms: number) =>
    new Date(ms).toLocaleDateString(undefined, { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' });
  return `${fmt(Date.parse(period.start))} – ${fmt(Date.parse(period.end) - 1)}`;
}
