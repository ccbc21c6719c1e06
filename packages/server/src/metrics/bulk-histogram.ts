import type { Registry } from 'prom-client';

interface Series {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram fed on the ingest path. prom-client's `observe` validates and hashes the labels on every
 * value (measured: ~5 µs each, 250 ms for a 50,000-call commit); here a commit's calls are grouped by series once
 * and each value costs a bucket search. It registers itself in the registry like prom-client's own metrics.
 */
export class BulkHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** Adds values to the series of `labels`; `key` names that series (the labels joined). */
  observeMany(key: string, labels: Record<string, string>, values: Iterable<number>): void {
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: new Array<number>(this.upperBounds.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (const v of values) {
      let i = 0;
      while (i < this.upperBounds.length && v > this.upperBounds[i]!) i++;
      s.counts[i]!++;
      s.sum += v;
      s.count++;
    }
  }

  /** The samples in the shape prom-client's registry writes out. */
  get() {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      s.counts.forEach((n, i) => {
        cumulative += n;
        const le = i < this.upperBounds.length ? this.upperBounds[i]! : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...s.labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
