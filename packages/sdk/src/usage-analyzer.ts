import { writeFile } from 'node:fs/promises';
import { currentConfig } from './runtime.js';
import { defaultThreads, scanParts, splitFile } from './usage-parts.js';
import type { PartResult, PeriodTotals, Question, SkippedLine, SummaryState, UserReportState } from './usage-scan.js';
import { collectorFor, MAX_REPORTED, scanPart } from './usage-scan.js';
import type { AccumulatorState, Breakdown, UsageTotals } from './usage-stats.js';
import { BreakdownAccumulator, UsageAccumulator } from './usage-stats.js';

export type { Breakdown, UsageTotals } from './usage-stats.js';

export interface AnalyzerOptions {
  /** JSONL file to read; defaults to the SDK's file (configure() or `LLM_TRACKING_DIR`/`LLM_TRACKING_FILE`). */
  path?: string;
  /** Lines longer than this are skipped and reported (default 1 MiB). */
  maxLineBytes?: number;
  /** Clock for `getUsageByTimePeriod` and `last_30_days`. */
  now?: () => Date;
  /** Threads that read a large file in parts at once (default: the CPUs available); 1 reads on this thread only. */
  threads?: number;
  /** Files at least this large are read in parts, one per thread (default 64 MiB). */
  minParallelBytes?: number;
}

export type { PeriodTotals, SkippedLine } from './usage-scan.js';

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

const DAY_MS = 86_400_000;

function toMs(d: Date | string | undefined, name: string): number | undefined {
  if (d === undefined) return undefined;
  const ms = d instanceof Date ? d.getTime() : Date.parse(d);
  if (!Number.isFinite(ms)) throw new RangeError(`${name} must be a Date or an ISO 8601 date-time; got ${String(d)}`);
  return ms;
}

/** The `totals` question for one user, session or source within a date range. */
function totalsOf(field: 'user_id' | 'session_id' | 'source_id', id: string, range: DateRange): Question {
  const from = toMs(range.start_date, 'start_date') ?? -Infinity;
  const to = toMs(range.end_date, 'end_date') ?? Infinity;
  return { kind: 'totals', field, id, from, to };
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);

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
  readonly #threads: number;
  readonly #minParallelBytes: number;

  constructor(options: AnalyzerOptions = {}) {
    this.path = options.path ?? currentConfig().path;
    this.#maxLineBytes = options.maxLineBytes ?? 1 << 20;
    this.#now = options.now ?? (() => new Date());
    const { threads, minParallelBytes } = options;
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
      throw new RangeError(`threads must be a whole number of at least 1; got ${threads}`);
    if (minParallelBytes !== undefined && !(minParallelBytes >= 0))
      throw new RangeError(`minParallelBytes must be a number of bytes, 0 or more; got ${minParallelBytes}`);
    this.#threads = threads ?? defaultThreads();
    this.#minParallelBytes = minParallelBytes ?? 64 << 20;
  }

  /** @example await analyzer.getUserUsage('user_123', { start_date: '2025-01-01T00:00:00Z' }) */
  async getUserUsage(userId: string, range: DateRange = {}): Promise<UsageStats> {
    return this.#totals(totalsOf('user_id', userId, range));
  }

  /** @example await analyzer.getSessionUsage('session_456') */
  async getSessionUsage(sessionId: string, range: DateRange = {}): Promise<UsageStats> {
    return this.#totals(totalsOf('session_id', sessionId, range));
  }

  /** @example await analyzer.getSourceUsage('doc_789') */
  async getSourceUsage(sourceId: string, range: DateRange = {}): Promise<UsageStats> {
    return this.#totals(totalsOf('source_id', sourceId, range));
  }

  /** Usage of the last `days` days (calls at or after now minus `days`). @example await analyzer.getUsageByTimePeriod(7) */
  async getUsageByTimePeriod(days: number): Promise<UsageStats> {
    if (!Number.isFinite(days) || days <= 0) throw new RangeError(`days must be a positive number; got ${days}`);
    const from = this.#now().getTime() - days * DAY_MS;
    return this.#totals({ kind: 'totals', field: null, id: null, from, to: Infinity });
  }

  /** Totals, unique users/sessions/sources, per-provider and per-API-type figures. @example (await analyzer.getUsageSummary()).unique_counts.users */
  async getUsageSummary(): Promise<UsageSummary> {
    const { state, skips } = await this.#scan<SummaryState>({ kind: 'summary' });
    const all = new UsageAccumulator();
    all.merge(state.all);
    const providers = new BreakdownAccumulator();
    providers.merge(state.providers);
    const apiTypes = new BreakdownAccumulator();
    apiTypes.merge(state.apiTypes);
    return {
      overall_stats: all.result(),
      unique_counts: { users: state.users.size, sessions: state.sessions.size, sources: state.sources.size },
      by_provider: providers.result(),
      by_api_type: apiTypes.result(),
      time_range: { first_call: iso(state.first), last_call: iso(state.last) },
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
    const { state, skips } = await this.#scan<UserReportState>({ kind: 'user-report', userId, since });
    const all = new UsageAccumulator();
    all.merge(state.all);
    const report: UserReport = {
      user_id: userId,
      generated_at: now.toISOString(),
      overall_stats: all.result(),
      last_30_days: state.recent,
      total_sessions: state.sessions.size,
      sessions: Object.fromEntries(state.sessions),
      ...skips,
    };
    if (outputFile !== undefined) await writeFile(outputFile, JSON.stringify(report, null, 2) + '\n');
    return report;
  }

  /** Users that made calls. @example (await analyzer.listUsers()).ids.map((u) => u.id) */
  listUsers(): Promise<IdList> {
    return this.#ids({ kind: 'ids', field: 'user_id', userId: null });
  }

  /** Sessions, of one user when `userId` is given. @example await analyzer.listSessions('user_123') */
  listSessions(userId?: string): Promise<IdList> {
    return this.#ids({ kind: 'ids', field: 'session_id', userId: userId ?? null });
  }

  /** Sources (documents) that calls were made for. @example await analyzer.listSources() */
  listSources(): Promise<IdList> {
    return this.#ids({ kind: 'ids', field: 'source_id', userId: null });
  }

  async #ids(q: Question): Promise<IdList> {
    const { state, skips } = await this.#scan<Map<string, number>>(q);
    const ids = [...state]
      .map(([id, n]) => ({ id, calls: n }))
      .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    return { ids, ...skips };
  }

  async #totals(q: Question): Promise<UsageStats> {
    const { state, skips } = await this.#scan<AccumulatorState>(q);
    const acc = new UsageAccumulator();
    acc.merge(state);
    return { ...acc.result(), ...skips };
  }

  /**
   * Reads the file once and answers `q`: a large file in parts, one per thread, whose states and skipped lines are
   * merged in file order (line numbers count from the file's start). A missing file reads as empty.
   */
  async #scan<S>(q: Question): Promise<{ state: S; skips: Skips }> {
    const ranges = await splitFile(this.path, { threads: this.#threads, minParallelBytes: this.#minParallelBytes });
    const parts: PartResult[] = ranges
      ? await scanParts(this.path, ranges, this.#maxLineBytes, q)
      : [await scanPart(this.path, undefined, this.#maxLineBytes, q)];
    if (parts.length === 1) return { state: parts[0]!.state as S, skips: skipsOf(parts[0]!) };
    const collector = collectorFor(q);
    const skips: Skips = { skipped: [], skipped_total: 0 };
    let before = 0; // lines in the parts before this one
    for (const part of parts) {
      collector.merge(part.state);
      for (const s of part.skipped) {
        if (skips.skipped.length < MAX_REPORTED) skips.skipped.push({ line: s.line + before, reason: s.reason });
      }
      skips.skipped_total += part.skipped_total;
      before += part.lines;
    }
    return { state: collector.state() as S, skips };
  }
}

const skipsOf = (p: PartResult): Skips => ({ skipped: p.skipped, skipped_total: p.skipped_total });
