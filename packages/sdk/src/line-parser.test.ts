import { describe, expect, it } from 'vitest';
import type { ParsedLine } from './call-record.js';
import { toRecord } from './call-record.js';
import { makeLineParser } from './line-parser.js';

/** The exact path the fast one must agree with: JSON.parse, then toRecord. */
function exact(line: string): ParsedLine | 'invalid JSON' {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'invalid JSON';
  }
  return toRecord(value);
}

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = [
  'id',
  'timestamp',
  'status',
  'provider',
  'api_provider',
  'api_type',
  'model',
  'operation',
  'user_id',
  'session_id',
  'source_id',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'latency_ms',
  'duration_ms',
  'cost_estimate',
  'cost_usd',
  'ttft_ms',
  'metadata',
  'tags',
  'additional_params',
  'stream',
  'error_message',
  'shiny_new_field',
  '__proto__',
  '0',
  '',
];
const TIMESTAMPS = [
  '2025-02-06T10:00:00Z',
  '2025-02-06T10:00:00.123Z',
  '2025-02-06T10:00:00.1Z',
  '2025-02-06T10:00:00.12Z',
  '2025-02-06T10:00:00.123456',
  '2025-02-06T10:00:00.123456789Z',
  '2025-02-06T10:00:00',
  '2025-02-06T23:59:59.999Z',
  '2025-02-06T10:00:00+02:00',
  '2025-02-06T10:00:00-0530',
  '2025-02-06T10:00:00z',
  '2025-02-06T24:00:00Z',
  '2025-02-06T10:60:00Z',
  '2025-02-30T10:00:00Z',
  '2024-02-29T10:00:00Z',
  '2025-13-01T10:00:00Z',
  '0999-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  '2025-02-06',
  '2025-02-06T10:00:00.Z',
  '2025-02-06 10:00:00Z',
  'yesterday',
  '',
];
const STRINGS = [
  '',
  'gpt-4o',
  'user_1',
  'a "quoted" word',
  'back\\slash',
  'tab\there',
  'new\nline',
  'é ☃ 😀',
  '\u2028',
];

function randomValue(r: () => number, key: string, depth = 0): unknown {
  const x = r();
  if (key === 'timestamp' && x < 0.8) return TIMESTAMPS[Math.floor(r() * TIMESTAMPS.length)];
  if (x < 0.3) return STRINGS[Math.floor(r() * STRINGS.length)];
  if (x < 0.55) {
    const n = [0, 1, 42, 1234567, 2 ** 53 + 1, -3, 0.1, 1234.567, 1e-7, 1e21, 2 ** 60][Math.floor(r() * 11)];
    return n;
  }
  if (x < 0.65) return null;
  if (x < 0.72) return r() < 0.5;
  if (x < 0.86 && depth < 3) return { k: randomValue(r, '', depth + 1), 'q"': [randomValue(r, '', depth + 1)] };
  if (x < 0.95 && depth < 3) return [randomValue(r, '', depth + 1), randomValue(r, '', depth + 1)];
  return 'plain';
}

function randomLine(r: () => number): string {
  const pairs: [string, unknown][] = [];
  const count = Math.floor(r() * 12);
  if (r() < 0.9) pairs.push(['timestamp', randomValue(r, 'timestamp')]);
  for (let i = 0; i < count; i++) {
    const key = KEYS[Math.floor(r() * KEYS.length)]!;
    pairs.push([key, randomValue(r, key)]);
  }
  const style = r();
  const sep = style < 0.6 ? [',', ':'] : style < 0.9 ? [', ', ': '] : [' ,  ', ' : '];
  // Built by hand: duplicate keys and "__proto__" must reach the line as written.
  let line = `{${pairs.map(([k, v]) => `${JSON.stringify(k)}${sep[1]}${JSON.stringify(v)}`).join(sep[0])}}`;
  if (r() < 0.05) line = ` ${line}  `;
  if (r() < 0.03) line = line.replace('0', '1e400');
  return line;
}

/** Valid lines broken in small ways: a character dropped, doubled or changed, or the line cut short. */
function mutate(line: string, r: () => number): string {
  const at = Math.floor(r() * line.length);
  const x = r();
  if (x < 0.25) return line.slice(0, at) + line.slice(at + 1);
  if (x < 0.5) return line.slice(0, at) + line[at] + line.slice(at);
  if (x < 0.75) return line.slice(0, at) + ',}]:"\\ 0-e.tn\t'[Math.floor(r() * 15)] + line.slice(at + 1);
  return line.slice(0, at);
}

describe('the analyzer line parser', () => {
  it('agrees with JSON.parse and toRecord on every line it answers, and answers the common ones', () => {
    const r = prng(1);
    const parse = makeLineParser();
    let answered = 0;
    for (let i = 0; i < 20_000; i++) {
      const valid = randomLine(r);
      for (const line of [valid, mutate(valid, r), mutate(valid, r)]) {
        const fast = parse(line);
        if (fast === null) continue;
        answered++;
        const want = exact(line);
        if (want === 'invalid JSON') expect.fail(`accepted invalid JSON: ${line}`);
        expect({ line, parsed: fast }).toEqual({ line, parsed: want });
      }
    }
    expect(answered).toBeGreaterThan(10_000);
  });

  it('reads the lines the SDK and seed 002 write on the fast path', () => {
    const parse = makeLineParser();
    const sdk = JSON.stringify({
      id: '26d19980-c46b-4b0c-adb6-3363ea6d4d24',
      timestamp: '2025-04-01T00:00:00.000Z',
      end_time: '2025-04-01T00:00:05.466Z',
      duration_ms: 5466.387,
      latency_ms: 5466.387,
      status: 'error',
      provider: 'openai',
      api_provider: 'openai',
      model: 'gpt-4o-mini',
      operation: 'chat_answer',
      user_id: 'user_0109',
      session_id: 'sess_06738',
      input_tokens: 908,
      output_tokens: 278,
      total_tokens: 1186,
      cost_usd: 0.0001742,
      cost_source: 'computed',
      price_model_id: 'openai/gpt-4o-mini',
      cost_estimate: 0.0001742,
      error_message: 'Rate limit: "retry" \\ later',
      metadata: { feature: 'answer', nested: [1, { a: null }] },
      tags: ['prod'],
      stream: true,
    });
    const seed = `{"id": "x", "timestamp": "2025-02-06T10:00:00.123456", "api_provider": "gemini", "model": "gemini-2.0-flash-exp", "user_id": "u", "source_id": null, "input_tokens": 6, "output_tokens": 1, "total_tokens": 7, "latency_ms": 10.5, "status": "success", "cost_estimate": 0.25, "additional_params": "{\\"top_p\\": 1}"}`;
    for (const line of [sdk, seed]) {
      const fast = parse(line);
      expect(fast).not.toBeNull();
      expect(fast).toEqual(exact(line));
    }
    expect(parse(seed)).toMatchObject({
      record: { timestampMs: Date.parse('2025-02-06T10:00:00.123Z'), provider: 'gemini', cost: 0.25, latency_ms: 10.5 },
      unknown: [],
    });
  });

  it('leaves invalid JSON and the forms it does not handle to the exact path', () => {
    const parse = makeLineParser();
    for (const line of [
      '{"timestamp": "2025-02-02T10:00:00Z", "model": ',
      '{"timestamp": "2025-02-07T10:0',
      '{"timestamp":"2025-02-02T10:00:00Z",}',
      '{"timestamp":"2025-02-02T10:00:00Z","n":01}',
      '{"timestamp":"2025-02-02T10:00:00Z","s":"a\tb"}',
      '{"timestamp":"2025-02-02T10:00:00Z","s":"\\x"}',
      '{"timestamp":"2025-02-02T10:00:00Z"} x',
      '[1, 2]',
      '"text"',
    ])
      expect(parse(line)).toBeNull();
  });
});
