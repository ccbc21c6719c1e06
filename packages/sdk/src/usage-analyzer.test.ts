import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configure, flush, logCall, shutdown, UsageAnalyzer } from './index.js';

let dir: string;
const NOW = new Date('2025-03-01T12:00:00Z');
const DAY = 86_400_000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-analyzer-'));
});
afterAll(async () => {
  await shutdown();
  await rm(dir, { recursive: true, force: true });
});

/** Independent arithmetic over the lines as written, to compare the analyzer against. */
function expected(lines: any[]) {
  const sum = (f: (l: any) => number) => lines.reduce((a, l) => a + f(l), 0);
  const group = (key: string) => {
    const out: Record<string, any> = {};
    for (const l of lines) {
      const g = (out[l[key] ?? 'unknown'] ??= { calls: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0 });
      g.calls++;
      g.input_tokens += l.input_tokens;
      g.output_tokens += l.output_tokens;
      g.total_tokens += l.total_tokens;
    }
    return out;
  };
  return {
    total_calls: lines.length,
    successful_calls: lines.filter((l) => l.status === 'success').length,
    failed_calls: lines.filter((l) => l.status !== 'success').length,
    total_input_tokens: sum((l) => l.input_tokens),
    total_output_tokens: sum((l) => l.output_tokens),
    total_tokens: sum((l) => l.total_tokens),
    avg_latency_ms: lines.length ? sum((l) => l.latency_ms) / lines.length : 0,
    total_cost_estimate: sum((l) => l.cost_estimate ?? 0),
    by_model: group('model'),
    by_operation: group('operation'),
  };
}

function expectStats(actual: any, lines: any[]) {
  const e = expected(lines);
  const { by_model, by_operation, total_cost_estimate, avg_latency_ms, ...counts } = e;
  expect(actual).toMatchObject(counts);
  expect(actual.total_cost_estimate).toBeCloseTo(total_cost_estimate, 9);
  expect(actual.avg_latency_ms).toBeCloseTo(avg_latency_ms, 9);
  expect(actual.by_model).toMatchObject(by_model);
  expect(actual.by_operation).toMatchObject(by_operation);
  expect(Object.keys(actual.by_model).sort()).toEqual(Object.keys(by_model).sort());
}

describe('UsageAnalyzer', () => {
  it('computes the numbers the written lines add up to', async () => {
    const file = join(dir, 'calls.jsonl');
    configure({ dir, file: 'calls.jsonl' });
    const models = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-20250514', 'some-local-model'];
    for (let i = 0; i < 120; i++) {
      logCall({
        provider: i % 3 === 2 ? 'anthropic' : 'openai',
        model: models[i % models.length],
        operation: i % 5 === 0 ? 'summarization' : 'chat_answer',
        api_type: 'generative',
        user_id: `user${i % 4}`,
        session_id: `s${i % 9}`,
        source_id: i % 5 === 0 ? `doc${i % 3}` : undefined,
        input_tokens: 100 + i * 7,
        output_tokens: 10 + i,
        latency_ms: 50 + i,
        status: i % 11 === 0 ? 'error' : 'success',
        timestamp: new Date(NOW.getTime() - i * 0.5 * DAY),
      });
    }
    await flush();
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(120);
    const a = new UsageAnalyzer({ path: file, now: () => NOW });

    const user = await a.getUserUsage('user1');
    expectStats(
      user,
      lines.filter((l) => l.user_id === 'user1'),
    );
    expect(user.skipped).toEqual([]);
    expectStats(
      await a.getSessionUsage('s4'),
      lines.filter((l) => l.session_id === 's4'),
    );
    expectStats(
      await a.getSourceUsage('doc1'),
      lines.filter((l) => l.source_id === 'doc1'),
    );
    const week = lines.filter((l) => Date.parse(l.timestamp) >= NOW.getTime() - 7 * DAY);
    expect(week.length).toBeGreaterThan(0);
    expect(week.length).toBeLessThan(120);
    expectStats(await a.getUsageByTimePeriod(7), week);
    const from = '2025-02-10T00:00:00Z';
    expectStats(
      await a.getUserUsage('user2', { start_date: from }),
      lines.filter((l) => l.user_id === 'user2' && l.timestamp >= from),
    );

    const summary = await a.getUsageSummary();
    expectStats(summary.overall_stats, lines);
    expect(summary.unique_counts).toEqual({ users: 4, sessions: 9, sources: 3 });
    expect(summary.by_provider.anthropic?.calls).toBe(lines.filter((l) => l.provider === 'anthropic').length);
    expect(summary.time_range.last_call).toBe(NOW.toISOString());

    const out = join(dir, 'report.json');
    const report = await a.exportUserReport('user3', out);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(report);
    const mine = lines.filter((l) => l.user_id === 'user3');
    expectStats(report.overall_stats, mine);
    const recent = mine.filter((l) => Date.parse(l.timestamp) >= NOW.getTime() - 30 * DAY);
    expect(report.last_30_days.total_calls).toBe(recent.length);
    expect(report.last_30_days.total_tokens).toBe(recent.reduce((s, l) => s + l.total_tokens, 0));
    const sessions = new Set(mine.map((l) => l.session_id));
    expect(report.total_sessions).toBe(sessions.size);
    for (const s of sessions) {
      const inS = mine.filter((l) => l.session_id === s);
      expect(report.sessions[s]?.total_calls).toBe(inS.length);
      expect(report.sessions[s]?.total_tokens).toBe(inS.reduce((t, l) => t + l.total_tokens, 0));
    }
  });

  it('skips a broken line, a truncated last line and an over-long line, and reports them', async () => {
    const file = join(dir, 'messy.jsonl');
    const good = (n: number, extra: object = {}) =>
      JSON.stringify({ timestamp: `2025-02-0${n}T10:00:00Z`, model: 'm', user_id: 'u', input_tokens: n, ...extra });
    await writeFile(
      file,
      [
        good(1),
        '{"timestamp": "2025-02-02T10:00:00Z", "model": ', // broken
        good(3, { shiny_new_field: true }), // unknown field: counted, field ignored
        '',
        good(4, { input_tokens: 'many' }), // wrong type
        good(5, { note: 'y'.repeat(5000) }), // longer than the limit below
        // A seed 002 line: zone-less timestamp with microseconds, api_provider, cost_estimate, JSON-string params.
        JSON.stringify({
          id: 'x',
          timestamp: '2025-02-06T10:00:00.123456',
          api_provider: 'gemini',
          model: 'gemini-2.0-flash-exp',
          user_id: 'u',
          input_tokens: 6,
          output_tokens: 1,
          total_tokens: 7,
          latency_ms: 10,
          status: 'success',
          cost_estimate: 0.25,
          additional_params: '{"top_p": 1}',
        }),
      ].join('\n') + '\n',
    );
    await appendFile(file, '{"timestamp": "2025-02-07T10:0'); // a writer died mid-line
    const a = new UsageAnalyzer({ path: file, maxLineBytes: 1000 });
    const stats = await a.getUserUsage('u');
    expect(stats.total_calls).toBe(3);
    expect(stats.total_input_tokens).toBe(1 + 3 + 6);
    expect(stats.total_cost_estimate).toBe(0.25);
    expect(stats.skipped.map((s) => s.line)).toEqual([2, 3, 5, 6, 8]);
    const reason = (line: number) => stats.skipped.find((s) => s.line === line)?.reason;
    expect(reason(2)).toMatch(/invalid JSON/);
    expect(reason(3)).toMatch(/unknown fields ignored.*shiny_new_field/);
    expect(reason(5)).toMatch(/input_tokens must be a number/);
    expect(reason(6)).toMatch(/exceeds the 1000-byte limit/);
    expect(reason(8)).toMatch(/truncated last line/);
    expect(stats.skipped_total).toBe(5);
  });

  it('reads a missing file as empty', async () => {
    const a = new UsageAnalyzer({ path: join(dir, 'nothing-here.jsonl') });
    const s = await a.getUsageSummary();
    expect(s.overall_stats.total_calls).toBe(0);
    expect(s.time_range).toEqual({ first_call: null, last_call: null });
  });
});
