import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configure, flush, logCall, shutdown, stats, track } from './index.js';

let dir: string;
const readLines = async (file: string) =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-sdk-'));
});
afterAll(async () => {
  await shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('track', () => {
  it('records an async call with its tokens, cost and options', async () => {
    const file = 'async.jsonl';
    configure({ dir, file });
    const before = Date.now();
    const value = await track(
      {
        provider: 'openai',
        model: 'gpt-4o',
        operation: 'chat_answer',
        user_id: 'u1',
        session_id: 's1',
        agent_name: 'bot',
      },
      async (call) => {
        await new Promise((r) => setTimeout(r, 20));
        call.updateTokens({ input_tokens: 1000, output_tokens: 100 });
        call.setMetadata({ route: '/chat' });
        return 'answer';
      },
    );
    await flush();
    expect(value).toBe('answer');
    const [line, ...rest] = await readLines(join(dir, file));
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      status: 'success',
      provider: 'openai',
      api_provider: 'openai',
      model: 'gpt-4o',
      operation: 'chat_answer',
      user_id: 'u1',
      session_id: 's1',
      agent_name: 'bot',
      input_tokens: 1000,
      output_tokens: 100,
      total_tokens: 1100,
      cost_source: 'computed',
      metadata: { route: '/chat' },
    });
    expect(line.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(line.cost_usd).toBeGreaterThan(0);
    expect(line.cost_estimate).toBe(line.cost_usd);
    const start = Date.parse(line.timestamp);
    expect(line.timestamp.endsWith('Z')).toBe(true);
    expect(start).toBeGreaterThanOrEqual(before);
    // Plausible, not a timing assertion: the call awaited a timer, and end = start + duration.
    expect(line.duration_ms).toBeGreaterThan(0);
    expect(line.latency_ms).toBe(line.duration_ms);
    expect(Math.abs(Date.parse(line.end_time) - (start + line.duration_ms))).toBeLessThanOrEqual(1);
  });

  it('records a thrown error and rethrows the same object, sync and async', async () => {
    const file = 'errors.jsonl';
    configure({ dir, file });
    const syncErr = new TypeError('bad input');
    let caught: unknown;
    try {
      track({ model: 'm', operation: 'sync' }, () => {
        throw syncErr;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(syncErr);
    const asyncErr = new Error('upstream 500');
    await expect(
      track({ model: 'm', operation: 'async' }, async () => {
        throw asyncErr;
      }),
    ).rejects.toBe(asyncErr);
    expect(track({ model: 'm', operation: 'plain' }, () => 42)).toBe(42);
    await flush();
    const lines = await readLines(join(dir, file));
    expect(lines.map((l) => [l.operation, l.status, l.error_type, l.error_message])).toEqual([
      ['sync', 'error', 'TypeError', 'bad input'],
      ['async', 'error', 'Error', 'upstream 500'],
      ['plain', 'success', undefined, undefined],
    ]);
    expect(lines[2].cost_source).toBe('unpriced');
    expect(lines[2].cost_usd).toBeNull();
  });

  it('setError and setCost are recorded without a throw', async () => {
    const file = 'set.jsonl';
    configure({ dir, file });
    track({ model: 'gpt-4o', provider: 'openai' }, (call) => {
      call.updateTokens({ input_tokens: 10, output_tokens: 5 });
      call.setCost(0.5);
      call.setError('quota exceeded');
    });
    await flush();
    const [line] = await readLines(join(dir, file));
    expect(line).toMatchObject({
      status: 'error',
      error_message: 'quota exceeded',
      cost_usd: 0.5,
      cost_source: 'reported',
    });
  });

  it('writes 200 concurrent calls as 200 whole lines', async () => {
    const file = 'concurrent.jsonl';
    configure({ dir, file });
    const big = 'x'.repeat(5000); // long lines make torn writes visible
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        track({ model: 'm', operation: `op${i}`, additional_params: { big } }, async (call) => {
          await new Promise((r) => setTimeout(r, i % 7));
          call.updateTokens({ input_tokens: i });
        }),
      ),
    );
    await flush();
    const lines = await readLines(join(dir, file));
    expect(lines).toHaveLength(200);
    expect(new Set(lines.map((l) => l.operation)).size).toBe(200);
    expect(new Set(lines.map((l) => l.id)).size).toBe(200);
  });

  it('logCall records a call made elsewhere', async () => {
    const file = 'logged.jsonl';
    configure({ dir, file });
    logCall({
      source_function: 'summarize',
      api_provider: 'gemini',
      api_type: 'generative',
      model: 'gemini-2.0-flash',
      operation: 'summarization',
      input_tokens: 1000,
      output_tokens: 500,
      latency_ms: 1234.5,
      source_id: 'doc_123',
      timestamp: '2025-01-15T10:30:00Z',
    });
    await flush();
    const [line] = await readLines(join(dir, file));
    expect(line).toMatchObject({
      provider: 'gemini',
      source_function: 'summarize',
      timestamp: '2025-01-15T10:30:00.000Z',
      end_time: '2025-01-15T10:30:01.234Z',
      duration_ms: 1234.5,
      total_tokens: 1500,
      status: 'success',
      source_id: 'doc_123',
    });
    logCall({ model: 'm', input_tokens: 1 }); // no duration known: none recorded, so averages are not skewed
    await flush();
    const [, second] = await readLines(join(dir, file));
    expect(second.duration_ms).toBeUndefined();
    expect(second.latency_ms).toBeUndefined();
  });

  it('a sink that cannot write never throws into the app and is counted', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'a file where a directory should be');
    const seen: unknown[] = [];
    configure({ dir: join(blocker, 'logs'), onError: (e) => seen.push(e) });
    const before = stats();
    expect(track({ model: 'm' }, () => 'still works')).toBe('still works');
    logCall({ model: 'm', input_tokens: 1 });
    await flush();
    const after = stats();
    expect(after.dropped - before.dropped).toBe(2);
    expect(after.errors - before.errors).toBeGreaterThanOrEqual(1);
    expect(after.written).toBe(before.written);
    expect(seen.length).toBe(after.errors - before.errors);
  });

  it('enabled: false runs the function and writes nothing', async () => {
    configure({ dir, file: 'off.jsonl', enabled: false });
    expect(track({ model: 'm' }, () => 'ran')).toBe('ran');
    await flush();
    await expect(readFile(join(dir, 'off.jsonl'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('an unserializable metadata value loses only that line', async () => {
    const file = 'circular.jsonl';
    configure({ dir, file });
    const before = stats();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(track({ model: 'm', metadata: circular }, () => 1)).toBe(1);
    track({ model: 'm', operation: 'fine' }, () => 2);
    await flush();
    const lines = await readLines(join(dir, file));
    expect(lines.map((l) => l.operation)).toEqual(['fine']);
    expect(stats().dropped - before.dropped).toBe(1);
  });
});
