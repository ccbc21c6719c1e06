import { describe, expect, it } from 'vitest';
import type { ExportMetricsServiceRequest, Metric } from './otlp-json.js';
import { mapMetrics } from './otlp-metrics.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const T = '1795428000000000000'; // 2026-11-23T10:00:00Z
const AT = Date.parse('2026-11-23T10:00:00Z');
const route = [{ key: 'route', value: { stringValue: '/chat' } }];

function request(metrics: unknown[]): ExportMetricsServiceRequest {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'gateway' } }] },
        scopeMetrics: [{ scope: { name: 'meter' }, metrics: metrics as Metric[] }],
      },
    ],
  };
}

const simple = (out: ReturnType<typeof mapMetrics>) =>
  out.metrics.map((m) => ({ name: m.name, value: m.value, unit: m.unit, timestamp: m.timestamp, tags: m.tags }));

describe('mapMetrics', () => {
  it('maps gauge and sum data points to one sample each', () => {
    const out = mapMetrics(
      request([
        {
          name: 'queue.depth',
          unit: '{item}',
          gauge: { dataPoints: [{ timeUnixNano: T, asInt: '12', attributes: route }] },
        },
        {
          name: 'llm.cost',
          unit: 'USD',
          sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ timeUnixNano: T, asDouble: 0.42 }] },
        },
      ]),
      'p1',
      NOW,
    );
    expect(out).toMatchObject({ dataPoints: 2, rejected: 0, errors: [] });
    expect(simple(out)).toEqual([
      {
        name: 'queue.depth',
        value: 12,
        unit: '{item}',
        timestamp: AT,
        tags: { route: '/chat', 'service.name': 'gateway' },
      },
      { name: 'llm.cost', value: 0.42, unit: 'USD', timestamp: AT, tags: { 'service.name': 'gateway' } },
    ]);
    expect(out.metrics[0]?.project_id).toBe('p1');
  });

  it('maps histogram, exponential histogram and summary points to .count and .sum samples', () => {
    const out = mapMetrics(
      request([
        {
          name: 'http.server.duration',
          unit: 'ms',
          histogram: {
            dataPoints: [
              { timeUnixNano: T, count: '4', sum: 310.5, bucketCounts: ['1', '3'], explicitBounds: [100] },
              { timeUnixNano: T, count: 2, attributes: route },
            ],
          },
        },
        {
          name: 'tokens',
          unit: '{token}',
          exponentialHistogram: { dataPoints: [{ timeUnixNano: T, count: '3', sum: 900 }] },
        },
        { name: 'latency', unit: 's', summary: { dataPoints: [{ timeUnixNano: T, count: '10' }] } },
      ]),
      'p1',
      NOW,
    );
    expect(out).toMatchObject({ dataPoints: 4, rejected: 0 });
    expect(simple(out).map(({ name, value, unit }) => ({ name, value, unit }))).toEqual([
      { name: 'http.server.duration.count', value: 4, unit: null },
      { name: 'http.server.duration.sum', value: 310.5, unit: 'ms' },
      // A histogram may leave out its sum: then only the count is known.
      { name: 'http.server.duration.count', value: 2, unit: null },
      { name: 'tokens.count', value: 3, unit: null },
      { name: 'tokens.sum', value: 900, unit: '{token}' },
      // A summary's sum is a plain double, left out when it is 0.
      { name: 'latency.count', value: 10, unit: null },
      { name: 'latency.sum', value: 0, unit: 's' },
    ]);
  });

  it('turns structured attributes into text tags and keeps a point’s own service.name', () => {
    const out = mapMetrics(
      request([
        {
          name: 'calls',
          sum: {
            dataPoints: [
              {
                asInt: 1,
                attributes: [
                  { key: 'models', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
                  { key: 'service.name', value: { stringValue: 'worker' } },
                  { key: 'ok', value: { boolValue: true } },
                  { key: 'empty', value: {} },
                  { key: 'long', value: { stringValue: 'x'.repeat(300) } },
                ],
              },
            ],
          },
        },
      ]),
      'p1',
      NOW,
    );
    expect(out.metrics[0]?.tags).toEqual({
      models: '["a","b"]',
      'service.name': 'worker',
      ok: true,
      long: 'x'.repeat(256),
    });
    expect(out.metrics[0]?.timestamp).toBe(NOW);
  });

  it('rejects unusable data points with reasons and keeps the rest', () => {
    const out = mapMetrics(
      request([
        { name: 'ok', gauge: { dataPoints: [{ timeUnixNano: T, asDouble: 1 }, { timeUnixNano: T }] } },
        { gauge: { dataPoints: [{ asDouble: 1 }, { asDouble: 2 }] } },
        { name: 'nan', gauge: { dataPoints: [{ asDouble: 'NaN' }] } },
        { name: 'nothing' },
        { name: 'future', gauge: { dataPoints: [{ timeUnixNano: '1900000000000000000000', asInt: 1 }] } },
        { name: 'h', histogram: { dataPoints: [{ count: '-1' }] } },
      ]),
      'p1',
      NOW,
    );
    expect(out.metrics.map((m) => m.name)).toEqual(['ok']);
    expect(out.dataPoints).toBe(8);
    expect(out.rejected).toBe(7);
    expect(out.errors).toEqual([
      'metric ok: a data point has no value (asDouble or asInt)',
      'metric (no name): has no name',
      'metric nan: a data point asDouble is not a finite number',
      'metric nothing: has no gauge, sum, histogram, exponentialHistogram or summary data',
      'metric future: timestamp lies more than a day in the future',
    ]);
  });

  it('rejects a point whose tags exceed the limit', () => {
    const many = Array.from({ length: 70 }, (_, i) => ({ key: `k${i}`, value: { intValue: i } }));
    const out = mapMetrics(
      request([{ name: 'wide', gauge: { dataPoints: [{ asInt: 1, attributes: many }] } }]),
      'p1',
      NOW,
    );
    expect(out.rejected).toBe(1);
    expect(out.errors).toEqual(['metric wide: tags must not have more than 64 keys']);
  });

  it('gives the same point the same ids, so a retried export is stored once', () => {
    const metric = { name: 'h', histogram: { dataPoints: [{ timeUnixNano: T, count: 1, sum: 2 }] } };
    const a = mapMetrics(request([metric]), 'p1', NOW).metrics.map((m) => m.id);
    const b = mapMetrics(request([metric]), 'p1', NOW + 1000).metrics.map((m) => m.id);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(2);
  });
});
