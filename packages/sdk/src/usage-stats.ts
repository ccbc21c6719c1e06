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

function addTo(map: Record<string, Breakdown>, key: string, r: CallRecord): void {
  const b = (map[key] ??= { calls: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost_estimate: 0 });
  b.calls++;
  b.input_tokens += r.input_tokens;
  b.output_tokens += r.output_tokens;
  b.total_tokens += r.total_tokens;
  b.cost_estimate += r.cost;
}

/** Sums records one at a time, so a file of any size is analysed in constant memory per group. */
export class UsageAccumulator {
  readonly #t: UsageTotals = {
    total_calls: 0,
    successful_calls: 0,
    failed_calls: 0,
    total_input_tokens: 0,
    total_output_tokens: 0,
    total_tokens: 0,
    avg_latency_ms: 0,
    total_cost_estimate: 0,
    by_model: {},
    by_operation: {},
  };
  #latencySum = 0;
  #latencyCount = 0;

  add(r: CallRecord): void {
    const t = this.#t;
    t.total_calls++;
    if (r.status === 'success') t.successful_calls++;
    else t.failed_calls++;
    t.total_input_tokens += r.input_tokens;
    t.total_output_tokens += r.output_tokens;
    t.total_tokens += r.total_tokens;
    t.total_cost_estimate += r.cost;
    if (r.latency_ms !== null) {
      this.#latencySum += r.latency_ms;
      this.#latencyCount++;
    }
    addTo(t.by_model, r.model ?? UNKNOWN, r);
    addTo(t.by_operation, r.operation ?? UNKNOWN, r);
  }

  result(): UsageTotals {
    const avg = this.#latencyCount === 0 ? 0 : this.#latencySum / this.#latencyCount;
    const t = structuredClone(this.#t);
    // Float sums drift (0.1 + 0.2); ten decimals is the price book's own precision.
    t.total_cost_estimate = round(t.total_cost_estimate);
    for (const b of [...Object.values(t.by_model), ...Object.values(t.by_operation)])
      b.cost_estimate = round(b.cost_estimate);
    return { ...t, avg_latency_ms: avg };
  }
}
