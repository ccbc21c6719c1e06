import type { CommitInfo, GroupWriter } from '@tally/storage';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BulkHistogram } from './bulk-histogram.js';

const CALL_LABELS = ['project', 'provider', 'model'] as const;
interface SeriesSums {
  labels: Record<(typeof CALL_LABELS)[number], string>;
  calls: number;
  errors: number;
  input: number;
  output: number;
  cost: number;
  durations: number[];
}

/** Call durations, in seconds: from a cached completion to a long agent step. */
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Group commits, in seconds. */
const COMMIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** A series' project label, at a label boundary; project ids are [a-z0-9_-], so no escaping is involved. */
const PROJECT_LABEL = /[{,]project="([^"\\]*)"/;

/**
 * The Prometheus metrics of one Tally server: what the calls it stored contain (counted as the writer commits them,
 * from every path; duplicates are not counted twice), and its own health. Counters start at 0 when the server
 * starts, as Prometheus expects; `rate()` and `increase()` read across restarts.
 */
export class TallyMetrics {
  readonly registry = new Registry();
  private readonly calls: Counter<(typeof CALL_LABELS)[number]>;
  private readonly errors: Counter<(typeof CALL_LABELS)[number]>;
  private readonly tokens: Counter<(typeof CALL_LABELS)[number] | 'direction'>;
  private readonly cost: Counter<(typeof CALL_LABELS)[number]>;
  private readonly duration: BulkHistogram;
  private readonly commitSeconds: Histogram;
  readonly refusals: Counter<'project' | 'budget'>;
  readonly deliveries: Counter<'outcome'>;

  constructor(writer: GroupWriter) {
    const registers = [this.registry];
    const labelNames = CALL_LABELS;
    this.calls = new Counter({ name: 'tally_calls_total', help: 'LLM calls stored', labelNames, registers });
    this.errors = new Counter({
      name: 'tally_call_errors_total',
      help: 'Stored calls whose status is not success (error, timeout, cancelled)',
      labelNames,
      registers,
    });
    this.tokens = new Counter({
      name: 'tally_tokens_total',
      help: 'Tokens of stored calls; direction is input (the whole prompt, cached included) or output',
      labelNames: [...CALL_LABELS, 'direction'],
      registers,
    });
    this.cost = new Counter({
      name: 'tally_cost_usd_total',
      help: 'Cost of stored calls in USD (unpriced calls add nothing)',
      labelNames,
      registers,
    });
    this.duration = new BulkHistogram(
      'tally_call_duration_seconds',
      'Duration of stored calls that have one',
      DURATION_BUCKETS,
      this.registry,
    );
    this.commitSeconds = new Histogram({
      name: 'tally_store_commit_duration_seconds',
      help: 'Time the store took to commit one group of writes',
      buckets: COMMIT_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'tally_ingest_queue_records',
      help: 'Records accepted by ingest and waiting for the next commit',
      registers,
      collect() {
        this.set(writer.pending);
      },
    });
    this.refusals = new Counter({
      name: 'tally_budget_refusals_total',
      help: 'Requests the proxy refused because a hard budget was used up',
      labelNames: ['project', 'budget'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'tally_webhook_deliveries_total',
      help: 'Webhook delivery tries by outcome: delivered, retry (failed, tried again later) or failed (gave up)',
      labelNames: ['outcome'],
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
    writer.onCommit((_projects, info) => this.committed(info));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text; with `projectId`, the series of other projects are left out. */
  async text(projectId: string | null = null): Promise<string> {
    const all = await this.registry.metrics();
    if (projectId === null) return all;
    return all
      .split('\n')
      .filter((line) => {
        if (line.startsWith('#')) return true;
        const m = PROJECT_LABEL.exec(line);
        return m === null || m[1] === projectId;
      })
      .join('\n');
  }

  /**
   * Runs on the ingest path: one pass adds each call to the sums of its series, and each counter is then told once
   * per series rather than once per call.
   */
  private committed(info: CommitInfo): void {
    const groups = new Map<string, SeriesSums>();
    for (const c of info.calls) {
      const key = `${c.project_id}\u0000${c.provider ?? ''}\u0000${c.model ?? ''}`;
      let g = groups.get(key);
      if (!g) {
        const labels = { project: c.project_id, provider: c.provider ?? '', model: c.model ?? '' };
        groups.set(key, (g = { labels, calls: 0, errors: 0, input: 0, output: 0, cost: 0, durations: [] }));
      }
      g.calls++;
      if (c.status !== 'success') g.errors++;
      g.input += c.input_tokens ?? 0;
      g.output += c.output_tokens ?? 0;
      g.cost += c.cost_usd ?? 0;
      if (c.duration_ms !== null) g.durations.push(c.duration_ms / 1000);
    }
    for (const [key, g] of groups) {
      this.calls.inc(g.labels, g.calls);
      if (g.errors > 0) this.errors.inc(g.labels, g.errors);
      if (g.input > 0) this.tokens.inc({ ...g.labels, direction: 'input' }, g.input);
      if (g.output > 0) this.tokens.inc({ ...g.labels, direction: 'output' }, g.output);
      if (g.cost > 0) this.cost.inc(g.labels, g.cost);
      if (g.durations.length > 0) this.duration.observeMany(key, g.labels, g.durations);
    }
    this.commitSeconds.observe(info.durationMs / 1000);
  }
}
