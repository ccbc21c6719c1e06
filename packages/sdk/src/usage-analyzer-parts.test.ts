import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageAnalyzer } from './index.js';

let dir: string;
let file: string;

/**
 * Several MiB of lines, with broken, over-long, blank and unknown-field lines spread through it and one at the very
 * end, so that parts cut anywhere meet each kind. Costs are multiples of 1/64 and latencies whole, so that sums are
 * exact whatever order they are added in.
 */
function makeLines(): string {
  const out: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const k = i % 997;
    if (k === 13) out.push('{"timestamp": "2025-02-02T10:00:00Z", "model": ');
    else if (k === 400) out.push(JSON.stringify({ timestamp: '2025-02-02T10:00:00Z', note: 'x'.repeat(3000) }));
    else if (k === 500) out.push('');
    else
      out.push(
        JSON.stringify({
          timestamp: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
          provider: ['openai', 'anthropic', 'google'][i % 3],
          api_type: i % 10 === 0 ? 'embedding' : 'generative',
          model: `model-${i % 7}`,
          operation: i % 5 === 0 ? null : `op-${i % 4}`,
          user_id: `user_${i % 50}`,
          session_id: `sess_${i % 400}`,
          source_id: i % 9 === 0 ? `doc_${i % 30}` : undefined,
          input_tokens: 100 + (i % 1000),
          output_tokens: i % 300,
          latency_ms: 100 + (i % 900),
          status: i % 40 === 0 ? 'error' : 'success',
          cost_usd: (i % 64) / 64,
          ...(k === 700 ? { shiny_new_field: true } : {}),
          source_function: 'f'.repeat(60),
        }),
      );
  }
  return out.join('\n') + '\n{"timestamp": "2025-03-01T00:0';
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-analyzer-parts-'));
  file = join(dir, 'calls.jsonl');
  await writeFile(file, makeLines());
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('UsageAnalyzer reading a large file in parts', () => {
  const now = () => new Date('2025-02-01T00:00:00Z');
  const whole = () => new UsageAnalyzer({ path: file, maxLineBytes: 2000, now, threads: 1 });
  const parts = (threads: number) =>
    new UsageAnalyzer({ path: file, maxLineBytes: 2000, now, threads, minParallelBytes: 1 });

  it('gives the answers of a whole-file read, skipped lines numbered from the file start', async () => {
    const one = whole();
    const summary = await one.getUsageSummary();
    expect(summary.overall_stats.total_calls).toBeGreaterThan(9_500);
    expect(summary.skipped_total).toBeGreaterThan(25);
    expect(summary.skipped.at(-1)?.reason).toMatch(/truncated last line/);
    const answers = async (a: UsageAnalyzer) => [
      await a.getUsageSummary(),
      await a.getUserUsage('user_7', { start_date: '2025-01-10T00:00:00Z' }),
      await a.getUsageByTimePeriod(10),
      await a.exportUserReport('user_3'),
      await a.listSessions('user_3'),
      await a.listSources(),
    ];
    const want = await answers(one);
    for (const threads of [2, 5]) expect(await answers(parts(threads))).toEqual(want);
  });
});

describe('UsageAnalyzer options', () => {
  it('rejects a thread count or a size that makes no sense, naming it', () => {
    expect(() => new UsageAnalyzer({ path: 'x.jsonl', threads: 0 })).toThrow(/threads must be a whole number.*got 0/);
    expect(() => new UsageAnalyzer({ path: 'x.jsonl', threads: 1.5 })).toThrow(/threads/);
    expect(() => new UsageAnalyzer({ path: 'x.jsonl', minParallelBytes: -1 })).toThrow(/minParallelBytes.*got -1/);
  });
});
