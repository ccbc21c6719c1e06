import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits.js';
import { prepareCallEvent, type PrepareContext } from './prepare-call-event.js';
import { PriceBook } from './pricing.js';
import { parseTimestamp } from './time.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const ctx = (over: Partial<PrepareContext> = {}): PrepareContext => ({
  projectId: 'p1',
  now: NOW,
  ingestSource: 'api',
  capturePolicy: 'full',
  priceBook: new PriceBook(),
  ...over,
});
const base = { timestamp: '2026-06-01T11:00:00Z', model: 'gpt-4o-mini' };

function ok(input: Record<string, unknown>, c = ctx()) {
  const r = prepareCallEvent(input, c);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}
function errors(input: unknown) {
  const r = prepareCallEvent(input, ctx());
  if (r.ok) throw new Error('expected a rejection');
  return r.errors;
}

describe('prepareCallEvent', () => {
  it('derives what the client left out: id, status, totals, duration, end time', () => {
    const e = ok({ ...base, input_tokens: 10, output_tokens: 5, duration_ms: 250 });
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(e).toMatchObject({
      status: 'success',
      total_tokens: 15,
      end_time: Date.parse(base.timestamp) + 250,
      project_id: 'p1',
      ingested_at: NOW,
    });
    expect(ok({ ...base, end_time: '2026-06-01T11:00:02Z' }).duration_ms).toBe(2000);
    expect(ok({ ...base, error_message: 'rate limited' }).status).toBe('error');
    expect(ok({ ...base, total_tokens: 99, input_tokens: 1 }).total_tokens).toBe(99);
    expect(ok(base).total_tokens).toBeNull();
  });

  it('keeps a reported cost, prices the rest, and marks unknown models unpriced', () => {
    expect(ok({ ...base, cost_usd: 0 })).toMatchObject({ cost_usd: 0, cost_source: 'reported' });
    expect(ok({ ...base, provider: 'openai', input_tokens: 1_000_000, output_tokens: 0 })).toMatchObject({
      cost_usd: 0.15,
      cost_source: 'computed',
    });
    expect(ok({ ...base, model: 'our-own-finetune-v3', input_tokens: 10 })).toMatchObject({
      cost_usd: null,
      cost_source: 'unpriced',
    });
  });

  it('applies the capture policy to content', () => {
    const text = { ...base, input_text: 'mail me at jane@example.com', output_text: 'ok' };
    expect(ok(text, ctx({ capturePolicy: 'none' }))).toMatchObject({ input_text: null, output_text: null });
    expect(ok(text, ctx({ capturePolicy: 'redacted' })).input_text).toBe('mail me at [REDACTED:email]');
    expect(ok(text).input_text).toBe('mail me at jane@example.com');
  });

  it('moves unknown fields into metadata and ignores fields the server decides', () => {
    const e = ok({
      ...base,
      input_tokens: 5,
      metadata: { a: 1 },
      team: 'blue',
      project_id: 'other',
      cost_source: 'reported',
      ingest_source: 'otlp',
    });
    expect(e.metadata).toEqual({ a: 1, team: 'blue' });
    expect(e).toMatchObject({ project_id: 'p1', cost_source: 'computed', ingest_source: 'api' });
  });

  it("accepts seed 002's field names", () => {
    const e = ok({
      timestamp: base.timestamp,
      api_provider: 'gemini',
      api_type: 'search',
      latency_ms: 12,
      cost_estimate: 0.5,
      prompt_tokens: 3,
      completion_tokens: 4,
    });
    expect(e).toMatchObject({
      provider: 'gemini',
      api_type: 'search',
      duration_ms: 12,
      cost_usd: 0.5,
      input_tokens: 3,
      output_tokens: 4,
      model: null,
    });
  });

  it('names every bad field at once', () => {
    const paths = errors({
      timestamp: 'soon',
      model: 7,
      input_tokens: -1,
      output_tokens: 2.5,
      tags: ['x'.repeat(200)],
      temperature: 'hot',
    })
      .map((e) => e.path)
      .sort();
    expect(paths).toEqual(['input_tokens', 'model', 'output_tokens', 'tags[0]', 'temperature', 'timestamp']);
    expect(errors('x')).toEqual([{ path: '(event)', message: 'must be a JSON object' }]);
    expect(errors({ model: 'm' })).toEqual([{ path: 'timestamp', message: 'is required' }]);
  });

  it('enforces the time and metadata limits', () => {
    expect(errors({ ...base, timestamp: NOW + LIMITS.futureSkewMs + 60_000 })[0]?.message).toContain(
      'more than a day in the future',
    );
    expect(ok({ ...base, timestamp: NOW + 3_600_000 }).timestamp).toBe(NOW + 3_600_000);
    expect(errors({ ...base, end_time: '2026-06-01T10:00:00Z' })).toEqual([
      { path: 'end_time', message: 'must not be before timestamp' },
    ]);
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    expect(errors({ ...base, metadata: deep })[0]).toEqual({
      path: 'metadata',
      message: 'must not be nested deeper than 5 levels',
    });
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]));
    expect(errors({ ...base, metadata: wide })[0]?.message).toContain('more than 256 keys');
    expect(errors({ ...base, metadata: { big: 'x'.repeat(70_000) } })[0]?.message).toContain('65536 bytes');
  });
});

describe('parseTimestamp', () => {
  it('reads ISO strings (no zone = UTC), epoch seconds and epoch milliseconds', () => {
    const ms = Date.parse('2024-12-05T18:47:00.123Z');
    expect(parseTimestamp('2024-12-05T18:47:00.123456')).toBe(ms);
    expect(parseTimestamp('2024-12-05T20:47:00.123+02:00')).toBe(ms);
    expect(parseTimestamp(ms)).toBe(ms);
    expect(parseTimestamp(ms / 1000)).toBe(ms);
    expect(parseTimestamp('2024-13-05T00:00:00Z')).toBeNull();
    expect(parseTimestamp('yesterday')).toBeNull();
    expect(parseTimestamp(-5)).toBeNull();
  });
});
