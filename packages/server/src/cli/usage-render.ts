import type { IdList, SkippedLine, UsageSummary } from '@tally/sdk';
import type { Metrics } from '../analytics/native.js';
import type { DayPoint, UsageRow } from './usage-backend.js';

type UsageTotals = UsageSummary['overall_stats'];
type Breakdown = UsageTotals['by_model'][string];

/** One line of a breakdown table, whichever source it came from. */
export interface GroupLine {
  name: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost: number;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const usd = (n: number) => `$${n.toFixed(6)}`;
const num = (v: number | null | undefined) => v ?? 0;

/** Columns padded to their widest cell; columns after the first are right-aligned (they hold numbers). */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function pairs(rows: Array<[string, string]>): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

export function groupTable(title: string, lines: GroupLine[]): string {
  if (lines.length === 0) return `${title}: none`;
  const rows = lines.map((l) => [
    l.name,
    int(l.calls),
    int(l.input_tokens),
    int(l.output_tokens),
    int(l.total_tokens),
    usd(l.cost),
  ]);
  return table([title, 'calls', 'input tokens', 'output tokens', 'total tokens', 'cost'], rows);
}

/** Lines of an analyzer breakdown, most calls first. */
export function fromBreakdown(map: Record<string, Breakdown>): GroupLine[] {
  return Object.entries(map)
    .map(([name, b]) => ({ name, ...b, cost: b.cost_estimate }))
    .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
}

/** Lines of server breakdown rows (already ordered). */
export function fromRows(rows: UsageRow[]): GroupLine[] {
  return rows.map((r) => ({
    name: r.value ?? '(none)',
    calls: num(r['calls']),
    input_tokens: num(r['input_tokens']),
    output_tokens: num(r['output_tokens']),
    total_tokens: num(r['total_tokens']),
    cost: num(r['cost_usd']),
  }));
}

/** Seed 002's UsageStats, as the analyzer computes them from a file. */
export function totalsBlock(t: UsageTotals): string {
  return [
    pairs([
      ['calls', `${int(t.total_calls)} (${int(t.successful_calls)} succeeded, ${int(t.failed_calls)} failed)`],
      ['input tokens', int(t.total_input_tokens)],
      ['output tokens', int(t.total_output_tokens)],
      ['total tokens', int(t.total_tokens)],
      ['avg latency', `${t.avg_latency_ms.toFixed(1)} ms`],
      ['cost estimate', usd(t.total_cost_estimate)],
    ]),
    groupTable('model', fromBreakdown(t.by_model)),
    groupTable('operation', fromBreakdown(t.by_operation)),
  ].join('\n\n');
}

/** The same figures from the analytics API's metrics. */
export function metricsBlock(m: Metrics): string {
  const calls = num(m['calls']);
  const errors = num(m['errors']);
  const avg = m['avg_duration_ms'];
  return pairs([
    ['calls', `${int(calls)} (${int(calls - errors)} succeeded, ${int(errors)} failed)`],
    ['input tokens', int(num(m['input_tokens']))],
    ['output tokens', int(num(m['output_tokens']))],
    ['total tokens', int(num(m['total_tokens']))],
    ['avg latency', avg === null || avg === undefined ? '-' : `${avg.toFixed(1)} ms`],
    ['p95 latency', m['p95_duration_ms'] == null ? '-' : `${m['p95_duration_ms'].toFixed(1)} ms`],
    ['cost', usd(num(m['cost_usd']))],
  ]);
}

export function dailyTable(points: DayPoint[]): string {
  const rows = points.map((p) => [
    p.date,
    int(num(p['calls'])),
    int(num(p['errors'])),
    int(num(p['total_tokens'])),
    usd(num(p['cost_usd'])),
  ]);
  return table(['day (UTC)', 'calls', 'errors', 'total tokens', 'cost'], rows);
}

export function idTable(title: string, list: IdList): string {
  if (list.ids.length === 0) return `no ${title}s`;
  return table(
    [title, 'calls'],
    list.ids.map((i) => [i.id, int(i.calls)]),
  );
}

/** Which lines of a file were skipped (or counted without some fields), and why. */
export function skippedReport(skipped: SkippedLine[], total: number, path: string): string | null {
  if (total === 0) return null;
  const shown = skipped.slice(0, 20).map((s) => `  line ${s.line}: ${s.reason}`);
  const more = total > shown.length ? [`  … and ${total - shown.length} more`] : [];
  return [`${path}: ${total} line${total === 1 ? '' : 's'} skipped or read in part:`, ...shown, ...more].join('\n');
}
