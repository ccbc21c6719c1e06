import type { CallRecord, ParsedLine } from './call-record.js';
import { toRecord } from './call-record.js';
import { makeLineParser } from './line-parser.js';
import { readLineBatches } from './read-lines.js';
import type { ByteRange, FileLine } from './read-lines.js';
import type { AccumulatorState, BreakdownMap } from './usage-stats.js';
import { BreakdownAccumulator, UsageAccumulator } from './usage-stats.js';

/*
 * The analyzer's questions as data, so that a worker thread can answer one over its part of a file: each has a
 * collector that adds records, hands over its state (structured-cloneable) and merges other parts' states in file
 * order. This file is all a worker loads.
 */

/** A line the analyzer did not count (or counted without some fields), and why. */
export interface SkippedLine {
  line: number;
  reason: string;
}

type IdField = 'user_id' | 'session_id' | 'source_id';

export type Question =
  /** Totals of the calls of one user, session or source (or all), from `from` to `to` (ms, inclusive). */
  | { kind: 'totals'; field: IdField | null; id: string | null; from: number; to: number }
  | { kind: 'summary' }
  /** One user's totals, totals since `since`, and per-session totals. */
  | { kind: 'user-report'; userId: string; since: number }
  /** Calls per distinct value of `field`, of one user's calls when `userId` is set. */
  | { kind: 'ids'; field: IdField; userId: string | null };

export interface PeriodTotals {
  total_calls: number;
  total_tokens: number;
  total_cost_estimate: number;
}

export interface SummaryState {
  all: AccumulatorState;
  providers: BreakdownMap;
  apiTypes: BreakdownMap;
  users: Set<string>;
  sessions: Set<string>;
  sources: Set<string>;
  first: number;
  last: number;
}

export interface UserReportState {
  all: AccumulatorState;
  recent: PeriodTotals;
  sessions: Map<string, PeriodTotals>;
}

export const newPeriod = (): PeriodTotals => ({ total_calls: 0, total_tokens: 0, total_cost_estimate: 0 });

function addPeriod(p: PeriodTotals, r: CallRecord): void {
  p.total_calls++;
  p.total_tokens += r.total_tokens;
  p.total_cost_estimate += r.cost;
}

function mergePeriod(p: PeriodTotals, o: PeriodTotals): void {
  p.total_calls += o.total_calls;
  p.total_tokens += o.total_tokens;
  p.total_cost_estimate += o.total_cost_estimate;
}

const union = (into: Set<string>, from: Set<string>) => {
  for (const v of from) into.add(v);
};

/** Adds records of one part of a file, and the states of other parts, in file order. */
export interface Collector<S> {
  add(r: CallRecord): void;
  state(): S;
  merge(s: S): void;
}

function totalsCollector(q: Extract<Question, { kind: 'totals' }>): Collector<AccumulatorState> {
  const acc = new UsageAccumulator();
  const { field, id, from, to } = q;
  return {
    add: (r) => {
      if ((field === null || r[field] === id) && r.timestampMs >= from && r.timestampMs <= to) acc.add(r);
    },
    state: () => acc.state,
    merge: (s) => acc.merge(s),
  };
}

function summaryCollector(): Collector<SummaryState> {
  const all = new UsageAccumulator();
  const providers = new BreakdownAccumulator();
  const apiTypes = new BreakdownAccumulator();
  const s = { users: new Set<string>(), sessions: new Set<string>(), sources: new Set<string>(), first: Infinity };
  let last = -Infinity;
  return {
    add: (r) => {
      all.add(r);
      providers.add(r.provider, r);
      apiTypes.add(r.api_type, r);
      if (r.user_id !== null) s.users.add(r.user_id);
      if (r.session_id !== null) s.sessions.add(r.session_id);
      if (r.source_id !== null) s.sources.add(r.source_id);
      if (r.timestampMs < s.first) s.first = r.timestampMs;
      if (r.timestampMs > last) last = r.timestampMs;
    },
    state: () => ({ ...s, all: all.state, providers: providers.map, apiTypes: apiTypes.map, last }),
    merge: (o) => {
      all.merge(o.all);
      providers.merge(o.providers);
      apiTypes.merge(o.apiTypes);
      union(s.users, o.users);
      union(s.sessions, o.sessions);
      union(s.sources, o.sources);
      s.first = Math.min(s.first, o.first);
      last = Math.max(last, o.last);
    },
  };
}

function userReportCollector(q: Extract<Question, { kind: 'user-report' }>): Collector<UserReportState> {
  const all = new UsageAccumulator();
  const recent = newPeriod();
  const sessions = new Map<string, PeriodTotals>();
  return {
    add: (r) => {
      if (r.user_id !== q.userId) return;
      all.add(r);
      if (r.timestampMs >= q.since) addPeriod(recent, r);
      if (r.session_id === null) return;
      let p = sessions.get(r.session_id);
      if (p === undefined) sessions.set(r.session_id, (p = newPeriod()));
      addPeriod(p, r);
    },
    state: () => ({ all: all.state, recent, sessions }),
    merge: (o) => {
      all.merge(o.all);
      mergePeriod(recent, o.recent);
      for (const [id, p] of o.sessions) {
        const mine = sessions.get(id);
        if (mine === undefined) sessions.set(id, { ...p });
        else mergePeriod(mine, p);
      }
    },
  };
}

function idsCollector(q: Extract<Question, { kind: 'ids' }>): Collector<Map<string, number>> {
  const calls = new Map<string, number>();
  const { field, userId } = q;
  return {
    add: (r) => {
      const id = userId === null || r.user_id === userId ? r[field] : null;
      if (id !== null) calls.set(id, (calls.get(id) ?? 0) + 1);
    },
    state: () => calls,
    merge: (o) => {
      for (const [id, n] of o) calls.set(id, (calls.get(id) ?? 0) + n);
    },
  };
}

/** The collector of a question; `S` is the state type its kind hands over. */
export function collectorFor(q: Question): Collector<unknown> {
  switch (q.kind) {
    case 'totals':
      return totalsCollector(q) as Collector<unknown>;
    case 'summary':
      return summaryCollector() as Collector<unknown>;
    case 'user-report':
      return userReportCollector(q) as Collector<unknown>;
    case 'ids':
      return idsCollector(q) as Collector<unknown>;
  }
}

export const MAX_REPORTED = 1000;

/** What one part of a file gave: its collector's state, its line count and the lines it skipped. */
export interface PartResult {
  state: unknown;
  lines: number;
  /** The first MAX_REPORTED, numbered from the part's first line. */
  skipped: SkippedLine[];
  skipped_total: number;
}

/** JSON.parse, then toRecord; the error of a line that is not JSON says so, or that the file ends mid-line. */
function parseFully(l: Extract<FileLine, { text: string }>): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(l.text);
  } catch (err) {
    const why = l.terminated ? `invalid JSON (${(err as Error).message})` : 'truncated last line (no newline)';
    return { error: why };
  }
  return toRecord(value);
}

/** Answers `question` over one part of the file (all of it without `range`). A missing file reads as empty. */
export async function scanPart(
  path: string,
  range: ByteRange | undefined,
  maxLineBytes: number,
  question: Question,
): Promise<PartResult> {
  const collector = collectorFor(question);
  const skipped: SkippedLine[] = [];
  let skippedTotal = 0;
  const report = (line: number, reason: string) => {
    if (skipped.length < MAX_REPORTED) skipped.push({ line, reason });
    skippedTotal++;
  };
  const parse = makeLineParser();
  const counted = { lines: 0 };
  for await (const batch of readLineBatches(path, maxLineBytes, range, counted)) {
    for (const l of batch) {
      if ('oversized' in l) {
        report(l.line, `line of ${l.oversized} bytes exceeds the ${maxLineBytes}-byte limit; skipped`);
        continue;
      }
      // The fast path answers most lines; the rest, and every line it cannot vouch for, are parsed in full.
      const parsed = parse(l.text) ?? parseFully(l);
      if ('error' in parsed) {
        report(l.line, `${parsed.error}; skipped`);
        continue;
      }
      if (parsed.unknown.length > 0)
        report(l.line, `unknown fields ignored (line counted): ${parsed.unknown.join(', ')}`);
      collector.add(parsed.record);
    }
  }
  return { state: collector.state(), lines: counted.lines, skipped, skipped_total: skippedTotal };
}
