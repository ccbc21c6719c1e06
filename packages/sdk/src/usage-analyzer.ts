import { writeFile } from 'node:fs/promises';
import type { CallRecord } from './call-record.js';
import { toRecord } from './call-record.js';
import { readLines } from './read-lines.js';
import { currentConfig } from './runtime.js';
import type { Breakdown, UsageTotals } from './usage-stats.js';
import { UsageAccumulator } from './usage-stats.js';

export type { Breakdown, UsageTotals } from './usage-stats.js';

export interface AnalyzerOptions {
  /** JSONL file to read; defaults to the SDK's file (configure() or `LLM_TRACKING_DIR`/`LLM_TRACKING_FILE`). */
  path?: string;
  /** Lines longer than this are skipped and reported (default 1 MiB). */
  maxLineBytes?: number;
  /** Clock for `getUsageByTimePeriod` and `last_30_days`. */
  now?: () => Date;
}

/** A line the analyzer did not count (or counted without some fields), and why. */
export interface SkippedLine {
  line: number;
  reason: string;
}

export interface Skips {
  /** The first 1000 reports. */
  skipped: SkippedLine[];
  /** All reports, including those past the first 1000. */
  skipped_total: number;
}

export type UsageStats = UsageTotals & Skips;

export interface DateRange {
  /** Inclusive. */
  start_date?: Date | string;
  /** Inclusive. */
  end_date?: Date | string;
}

export interface UsageSummary extends Skips {
  overall_stats: UsageTotals;
  unique_counts: { users: number; sessions: number; sources: number };
  by_provider: Record<string, Breakdown>;
  by_api_type: Record<string, Breakdown>;
  time_range: { first_call: string | null; last_call: string | null };
}

export interface PeriodTotals {
  total_calls: number;
  total_tokens: number;
  total_cost_estimate: number;
}

/** The distinct ids of one field, sorted, with the calls of each. */
export interface IdList extends Skips {
  ids: Array<{ id: string; calls: number }>;
}

export interface UserReport extends Skips {
  user_id: string;
  generated_at: string;
  overall_stats: UsageTotals;
  last_30_days: PeriodTotals;
  total_sessions: number;
  sessions: Record<string, PeriodTotals>;
}

const MAX_REPORTED = 1000;
const DAY_MS = 86_400_000;

function toMs(d: Date | string | undefined, name: string): number | undefined {
  if (d === undefined) return undefined;
  const ms = d instanceof Date ? d.getTime() : Date.parse(d);
  if (!Number.isFinite(ms)) throw new RangeError(`${name} must be a Date or an ISO 8601 date-time; got ${String(d)}`);
  return ms;
}

function inRange(range: DateRange): (r: CallRecord) => boolean {
  const from = toMs(range.start_date, 'start_date') ?? -Infinity;
  const to = toMs(range.end_date, 'end_date') ?? Infinity;
  return (r) => r.timestampMs >= from && r.timestampMs <= to;
}

function addPeriod(p: PeriodTotals, r: CallRecord): void {
  p.total_calls++;
  p.total_tokens += r.total_tokens;
  p.total_cost_estimate += r.cost;
}

const newPeriod = (): PeriodTotals => ({ total_calls: 0, total_tokens: 0, total_cost_estimate: 0 });

/**
 * Reads a Tally (or seed 002) JSONL file, streamed line by line, and answers usage questions. Every method reads
 * the file afresh, so it sees lines written since. Broken JSON, a truncated last line, over-long lines and lines
 * with badly typed fields are skipped; unknown fields are ignored; each is reported in `skipped`.
 *
 * @example const stats = await new UsageAnalyzer().getUserUsage('user_123');
 *   console.log(stats.total_tokens, stats.by_model, stats.skipped);
 */
export class UsageAnalyzer {
  readonly path: string;
  readonly #maxLineBytes: number;
  readonly #now: () => Date;

  constructor(options: AnalyzerOptions = {}) {
    this.path = options.path ?? currentConfig().path;
    this.#maxLineBytes = options.maxLineBytes ?? 1 << 20;
    this.#now = options.now ?? (() => new Date());
  }

  /** @example await analyzer.getUserUsage('user_123', { start_date: '2025-01-01T00:00:00Z' }) */
  async getUserUsage(userId: string, range: DateRange = {}): Promise<UsageStats> {
    const within = inRange(range);
    return this.#totals((r) => r.user_id === userId && within(r));
  }

  /** @example await analyzer.getSessionUsage('session_456') */
  async getSessionUsage(sessionId: string, range: DateRange = {}): Promise<UsageStats> {
    const within = inRange(range);
    return this.#totals((r) => r.session_id === sessionId && within(r));
  }

  /** @example await analyzer.getSourceUsage('doc_789') */
  async getSourceUsage(sourceId: string, range: DateRange = {}): Promise<UsageStats> {
    const within = inRange(range);
    return this.#totals((r) => r.source_id === sourceId && within(r));
  }

  /** Usage of the last `days` days (calls at or after now minus `days`). @example await analyzer.getUsageByTimePeriod(7) */
  async getUsageByTimePeriod(days: number): Promise<UsageStats> {
    if (!Number.isFinite(days) || days <= 0) throw new RangeError(`days must be a positive number; got ${days}`);
    const from = this.#now().getTime() - days * DAY_MS;
    return this.#totals((r) => r.timestampMs >= from);
  }

  /** Totals, unique users/sessions/sources, per-provider and per-API-type figures. @example (await analyzer.getUsageSummary()).unique_counts.users */
  async getUsageSummary(): Promise<UsageSummary> {
    const all = new UsageAccumulator();
    const providers = new UsageAccumulator();
    const apiTypes = new UsageAccumulator();
    const users = new Set<string>();
    const sessions = new Set<string>();
    const sources = new Set<string>();
    let first = Infinity;
    let last = -Infinity;
    const skips = await this.#scan((r) => {
      all.add(r);
      // by_model of these two accumulators, keyed by provider or API type instead of model.
      providers.add({ ...r, model: r.provider });
      apiTypes.add({ ...r, model: r.api_type });
      if (r.user_id !== null) users.add(r.user_id);
      if (r.session_id !== null) sessions.add(r.session_id);
      if (r.source_id !== null) sources.add(r.source_id);
      first = Math.min(first, r.timestampMs);
      last = Math.max(last, r.timestampMs);
    });
    const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
    return {
      overall_stats: all.result(),
      unique_counts: { users: users.size, sessions: sessions.size, sources: sources.size },
      by_provider: providers.result().by_model,
      by_api_type: apiTypes.result().by_model,
      time_range: { first_call: iso(first), last_call: iso(last) },
      ...skips,
    };
  }

  /**
   * A user's totals, last 30 days and per-session totals; written as indented JSON to `outputFile` when given.
   *
   * @example await analyzer.exportUserReport('user_123', 'user_report.json')
   */
  async exportUserReport(userId: string, outputFile?: string): Promise<UserReport> {
    const now = this.#now();
    const since = now.getTime() - 30 * DAY_MS;
    const all = new UsageAccumulator();
    const recent = newPeriod();
    const sessions: Record<string, PeriodTotals> = {};
    const skips = await this.#scan((r) => {
      if (r.user_id !== userId) return;
      all.add(r);
      if (r.timestampMs >= since) addPeriod(recent, r);
      if (r.session_id !== null) addPeriod((sessions[r.session_id] ??= newPeriod()), r);
    });
    const report: UserReport = {
      user_id: userId,
      generated_at: now.toISOString(),
      overall_stats: all.result(),
      last_30_days: recent,
      total_sessions: Object.keys(sessions).length,
      sessions,
      ...skips,
    };
    if (outputFile !== undefined) await writeFile(outputFile, JSON.stringify(report, null, 2) + '\n');
    return report;
  }

  /** Users that made calls. @example (await analyzer.listUsers()).ids.map((u) => u.id) */
  listUsers(): Promise<IdList> {
    return this.#ids((r) => r.user_id);
  }

  /** Sessions, of one user when `userId` is given. @example await analyzer.listSessions('user_123') */
  listSessions(userId?: string): Promise<IdList> {
    return this.#ids((r) => (userId === undefined || r.user_id === userId ? r.session_id : null));
  }

  /** Sources (documents) that calls were made for. @example await analyzer.listSources() */
  listSources(): Promise<IdList> {
    return this.#ids((r) => r.source_id);
  }

  async #ids(idOf: (r: CallRecord) => string | null): Promise<IdList> {
    const calls = new Map<string, number>();
    const skips = await this.#scan((r) => {
      const id = idOf(r);
      if (id !== null) calls.set(id, (calls.get(id) ?? 0) + 1);
    });
    const ids = [...calls]
      .map(([id, n]) => ({ id, calls: n }))
      .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    return { ids, ...skips };
  }

  async #totals(keep: (r: CallRecord) => boolean): Promise<UsageStats> {
    const acc = new UsageAccumulator();
    const skips = await this.#scan((r) => {
      if (keep(r)) acc.add(r);
    });
    return { ...acc.result(), ...skips };
  }

  /** Streams the file once, passing each countable line to `visit`. A missing file reads as empty. */
  async #scan(visit: (r: CallRecord) => void): Promise<Skips> {
    const skips: Skips = { skipped: [], skipped_total: 0 };
    const report = (line: number, reason: string) => {
      if (skips.skipped.length < MAX_REPORTED) skips.skipped.push({ line, reason });
      skips.skipped_total++;
    };
    for await (const l of readLines(this.path, this.#maxLineBytes)) {
      if ('oversized' in l) {
        report(l.line, `line of ${l.oversized} bytes exceeds the ${this.#maxLineBytes}-byte limit; skipped`);
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(l.text);
      } catch (err) {
        const why = l.terminated ? `invalid JSON (${(err as Error).message})` : 'truncated last line (no newline)';
        report(l.line, `${why}; skipped`);
        continue;
      }
      const parsed = toRecord(value);
      if ('error' in parsed) {
        report(l.line, `${parsed.error}; skipped`);
        continue;
      }
      if (parsed.unknown.length > 0)
        report(l.line, `unknown fields ignored (line counted): ${parsed.unknown.join(', ')}`);
      visit(parsed.record);
    }
    return skips;
  }
}
