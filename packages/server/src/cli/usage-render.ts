import type { IdList, SkippedLine, UsageSummary, UserReport } from '@tally/sdk';
import type { Breakdown, UsageTotals } from './usage-shapes.js';

/** One line of a breakdown table. */
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

/** Lines of a seed 002 breakdown map, most calls first. */
export function fromBreakdown(map: Record<string, Breakdown>): GroupLine[] {
  return Object.entries(map)
    .map(([name, b]) => ({ name, ...b, cost: b.cost_estimate }))
    .sort((a, b) => b.calls - a.calls || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Seed 002's UsageStats: totals, then the tables per model and per operation. */
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

/** Seed 002's usage summary: time range and distinct ids, the totals, then per provider and per API type. */
export function summaryText(s: UsageSummary): string {
  const u = s.unique_counts;
  const t = s.time_range;
  return [
    `calls from ${t.first_call ?? '-'} to ${t.last_call ?? '-'}; ${u.users} users, ${u.sessions} sessions, ${u.sources} sources`,
    totalsBlock(s.overall_stats),
    groupTable('provider', fromBreakdown(s.by_provider)),
    groupTable('api type', fromBreakdown(s.by_api_type)),
  ].join('\n\n');
}

/** A user's report: totals, the last 30 days and each session. */
export function reportText(r: UserReport, written: string | null): string {
  const sessions = Object.entries(r.sessions).map(([id, p]) => [
    id,
    int(p.total_calls),
    int(p.total_tokens),
    usd(p.total_cost_estimate),
  ]);
  const l = r.last_30_days;
  return [
    written === null ? `user ${r.user_id}` : `user ${r.user_id}: report written to ${written}`,
    totalsBlock(r.overall_stats),
    `last 30 days: ${int(l.total_calls)} calls, ${int(l.total_tokens)} tokens, ${usd(l.total_cost_estimate)}`,
    r.total_sessions === 0 ? 'sessions: none' : table(['session', 'calls', 'total tokens', 'cost'], sessions),
  ].join('\n\n');
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
