import type { BreakdownRow } from '../../api/types.js';
import type { ChartOption } from '../../charts/echarts.js';
import { barOption } from '../../charts/options.js';
import { countShort, pct, usd } from '../../format.js';

export interface Rank {
  /** The breakdown metric the API ranks by (`order`). */
  key: string;
  label: string;
  format: (n: number) => string;
}

/** What users can be ranked by: the metrics the list shows. Calls first, the default. */
export const RANKS: readonly Rank[] = [
  { key: 'calls', label: 'Calls', format: countShort },
  { key: 'cost_usd', label: 'Cost', format: usd },
  { key: 'total_tokens', label: 'Tokens', format: countShort },
  { key: 'sessions', label: 'Sessions', format: countShort },
  { key: 'errors', label: 'Errors', format: countShort },
  { key: 'error_rate', label: 'Error rate', format: (n) => pct(n) },
];

export const rankOf = (key: string | null): Rank => RANKS.find((r) => r.key === key) ?? RANKS[0]!;

/** The top users as bars of the ranking metric, labelled the way the table shows it (money, counts or shares). */
export function rankOption(rows: readonly BreakdownRow[], rank: Rank): ChartOption {
  const base = barOption(rows, rank.key, rank.label) as Record<string, unknown>;
  return {
    ...base,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: rank.format },
    xAxis: { type: 'value', axisLabel: { formatter: rank.format } },
  };
}
