import type { ChartOption } from '../../charts/echarts.js';
import { countShort, dateTime, ms, usd } from '../../format.js';
import { toMs } from './session-list.js';
import type { SessionCall } from './types.js';

/** What a call's bar measures on the timeline. */
export const PLOTS = [
  { key: 'duration', label: 'Duration' },
  { key: 'tokens', label: 'Tokens' },
] as const;
export type Plot = (typeof PLOTS)[number]['key'];

/** Colours that read on the light and the dark theme alike. */
const OK = '#4f86e8';
const FAILED = '#e5534b';

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Model names and texts are the callers' data: keep them text inside the tooltip's HTML. */
const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The session's calls over time: one bar per call at its start time (in the browser's time zone), as tall as its
 * duration or its tokens; failed calls in their own colour. Each bar is named by the call's id, so a click on it
 * says which call to open.
 */
export function timelineOption(calls: readonly SessionCall[], plot: Plot): ChartOption {
  const byId = new Map(calls.map((c) => [c.id, c]));
  const measure = (c: SessionCall) => (plot === 'tokens' ? num(c.total_tokens) : num(c.duration_ms)) ?? 0;
  const bar = (c: SessionCall) => ({ name: c.id, value: [toMs(c.timestamp), measure(c)] });
  const format = plot === 'tokens' ? countShort : ms;
  const series = (name: string, color: string, rows: SessionCall[]) => ({
    name,
    type: 'bar',
    barMaxWidth: 14,
    barMinHeight: 2,
    // Both series share the time axis: a failed bar stands where its call happened, not beside a neighbour.
    barGap: '-100%',
    itemStyle: { color },
    data: rows.map(bar),
  });
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p: { name?: string }) => {
        const c = p.name ? byId.get(p.name) : undefined;
        if (!c) return '';
        return [
          `<strong>${escapeHtml(dateTime(c.timestamp))}</strong>`,
          escapeHtml(String(c.model ?? '')),
          `${countShort(num(c.total_tokens))} tokens · ${usd(num(c.cost_usd))} · ${ms(num(c.duration_ms))}`,
          escapeHtml(String(c.status ?? '')),
        ].join('<br>');
      },
    },
    legend: { top: 0 },
    grid: { left: 56, right: 20, top: 32, bottom: 60 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => format(v) } },
    dataZoom: [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 8 }],
    series: [
      series(
        'Succeeded',
        OK,
        calls.filter((c) => c.status === 'success'),
      ),
      series(
        'Failed',
        FAILED,
        calls.filter((c) => c.status !== 'success'),
      ),
    ],
  };
}
