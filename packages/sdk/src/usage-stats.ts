import type { CallRecord } from './call-record.js';

/** Calls and tokens of one model or operation. */
export interface Breakdown {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_estimate: number;
}

/** Seed 002's `UsageStats`. */
export interface UsageTotals {
  total_calls: number;
  successful_calls: number;
  failed_calls: number;
  total_input_tokens: number;
  total_output_tokens: number;
  total_tokens: number;
  /** Mean over the calls that carry a latency; 0 when none does. */
  avg_latency_ms: number;
  total_cost_estimate: number;
  by_model: Record<string, Breakdown>;
  by_operation: Record<string, Breakdown>;
}

const UNKNOWN = 'unknown';
const round = (usd: number) => Math.round(usd * 1e10) / 1e10;

/** Breakdowns by key; a Map, so that any key (even "__proto__") is just a key. */
export type BreakdownMap = Map<string, Breakdown>;

function addTo(map: BreakdownMap, key: string, r: CallRecord): void {
  let b = map.get(key);
  if (b === undefined)
    map.set(key, (b = { calls: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost_estimate: 0 }));
  b.calls++;
  b.input_tokens += r.input_tokens;
  b.output_tokens += r.output_tokens;
  b.total_tokens += r.total_tokens;
  b.cost_estimate += r.cost;
}

/** Adds `from`'s breakdowns into `into`; keys new to `into` come after its own, as if read in that order. */
export function mergeBreakdowns(into: BreakdownMap, from: BreakdownMap): void {
  for (const [key, b] of from) {
    const a = into.get(key);
    if (a === undefined) {
      into.set(key, { ...b });
      continue;
    }
    a.calls += b.calls;
    a.input_tokens += b.input_tokens;
    a.output_tokens += b.output_tokens;
    a.total_tokens += b.total_tokens;
    a.cost_estimate += b.cost_estimate;
  }
}

/** A plain object of the breakdowns, costs rounded to the price book's ten decimals. */
function rounded(map: BreakdownMap): Record<string, Breakdown> {
  return Object.fromEntries([...map].map(([key, b]) => [key, { ...b, cost_estimate: round(b.cost_estimate) }]));
}

/** Calls and tokens per key (provider, API type): one `by_model`-like map without the totals around it. */
export class BreakdownAccumulator {
  /** Its whole state; structured-cloneable, so a worker thread can hand it over for `merge`. */
  readonly map: BreakdownMap = new Map();

  /** A null key counts under "unknown". */
  add(key: string | null, r: CallRecord): void {
    addTo(this.map, key ?? UNKNOWN, r);
  }

  merge(map: BreakdownMap): void {
    mergeBreakdowns(this.map, map);
  }

  result(): Record<string, Breakdown> {
    return rounded(this.map);
  }
}

/** What a UsageAccumulator holds: plain numbers and Maps, structured-cloneable. */
export interface AccumulatorState {
  calls: number;
  successful: number;
  input: number;
  output: number;
  total: number;
  cost: number;
  latencySum: number;
  latencyCount: number;
  byModel: BreakdownMap;
  byOperation: BreakdownMap;
}

/** Sums records one at a time, so a file of any size is analysed in constant memory per group. */
export class UsageAccumulator {
  /** Its whole state, for `merge` into another accumulator (e.g. one of another thread). */
  readonly state: AccumulatorState = {
    calls: 0,
    successful: 0,
    input: 0,
    output: 0,
    total: 0,
    cost: 0,
    latencySum: 0,
    latencyCount: 0,
    byModel: new Map(),
    byOperation: new Map(),
  };

  add(r: CallRecord): void {
    const s = this.state;
    s.calls++;
    if (r.status === 'success') s.successful++;
    s.input += r.input_tokens;
    s.output += r.output_tokens;
    s.total += r.total_tokens;
    s.cost += r.cost;
    if (r.latency_ms !== null) {
      s.latencySum += r.latency_ms;
      s.latencyCount++;
    }
    addTo(s.byModel, r.model ?? UNKNOWN, r);
    addTo(s.byOperation, r.operation ?? UNKNOWN, r);
  }

  /** Adds another accumulator's state, as if its records had been added after these. */
  merge(o: AccumulatorState): void {
    const s = this.state;
    s.calls += o.calls;
    s.successful += o.successful;
    s.input += o.input;
    s.output += o.output;
    s.total += o.total;
    s.cost += o.cost;
    s.latencySum += o.latencySum;
    s.latencyCount += o.latencyCount;
    mergeBreakdowns(s.byModel, o.byModel);
    mergeBreakdowns(s.byOperation, o.byOperation);
  }

  result(): UsageTotals {
    const s = this.state;
    return {
      total_calls: s.calls,
      successful_calls: s.successful,
      failed_calls: s.calls - s.successful,
      total_input_tokens: s.input,
      total_output_tokens: s.output,
      total_tokens: s.total,
      avg_latency_ms: s.latencyCount === 0 ? 0 : s.latencySum / s.latencyCount,
      // Float sums drift (0.1 + 0.2); ten decimals is the price book's own precision.
      total_cost_estimate: round(s.cost),
      by_model: rounded(s.byModel),
      by_operation: rounded(s.byOperation),
    };
  }
}
