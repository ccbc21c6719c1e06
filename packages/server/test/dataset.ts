/**
 * A generated data set for the analytics correctness tests: calls on both sides of midnight in UTC and in
 * America/New_York (including the day New York leaves daylight saving time when the anchor is near it), cached and
 * reasoning tokens, reported costs, unpriced models, errors and timeouts, missing optional fields, several agents,
 * users and sessions. Tests ingest `calls` through the HTTP API and compute the numbers they expect from these
 * records themselves — never with Tally's code.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A small seeded generator, so every run builds the same data. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One call as a client sends it to POST /api/v1/ingest/llm (wire format, timestamps as ISO strings). */
export interface RawCall {
  id: string;
  timestamp: string;
  provider?: string;
  model: string;
  input_tokens?: number;
  output_tokens?: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  reasoning_tokens?: number;
  cost_usd?: number;
  duration_ms?: number;
  ttft_ms?: number;
  status?: 'success' | 'error' | 'timeout';
  status_code?: number;
  error_type?: string;
  error_message?: string;
  user_id?: string;
  session_id?: string;
  agent_name?: string;
  agent_version?: string;
  app_name?: string;
  environment?: string;
  tags?: string[];
  endpoint?: string;
  method?: string;
  stream?: boolean;
  message_count?: number;
  request_bytes?: number;
  response_bytes?: number;
  upstream_ms?: number;
  backend?: string;
  upstream_mode?: string;
  api_key_label?: string;
  user_agent?: string;
  input_text?: string;
  output_text?: string;
  team?: string;
}

export const MODELS = [
  { provider: 'openai', model: 'gpt-4o' },
  { provider: 'openai', model: 'gpt-4o-mini' },
  { provider: 'anthropic', model: 'claude-sonnet-4-5' },
  { provider: 'google', model: 'gemini-2.5-flash' },
  { provider: 'acme', model: 'acme-unpriced-model' },
] as const;

export const AGENTS = [
  { agent_name: 'Calculator Bot', agent_version: '1.0.0' },
  { agent_name: 'Calculator Bot', agent_version: '2.0.0' },
  { agent_name: 'Customer Support Agent', agent_version: '1.0.0' },
] as const;

/**
 * `count` calls spread over the `days` days before `anchor` (epoch ms), newest at most a minute before it. A fifth
 * of them are placed within ten minutes of a UTC midnight or a New York midnight.
 */
export function generateCalls(
  anchor: number,
  options: { count?: number; days?: number; seed?: number; idPrefix?: string } = {},
): RawCall[] {
  const { count = 400, days = 25, seed = 7, idPrefix = 'c' } = options;
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const calls: RawCall[] = [];
  for (let i = 0; i < count; i++) {
    let t = anchor - 60_000 - Math.floor(r() * days * DAY);
    if (i % 5 === 0) {
      // Near a midnight: UTC midnight, or New York's (04:00 or 05:00 UTC depending on the season).
      const dayStart = Math.floor(t / DAY) * DAY + pick([0, 4 * HOUR, 5 * HOUR]);
      t = Math.min(anchor - 60_000, dayStart + Math.floor((r() - 0.5) * 20 * 60_000));
    }
    const m = pick(MODELS);
    const agent = r() < 0.85 ? pick(AGENTS) : undefined;
    const roll = r();
    const status = roll < 0.08 ? 'error' : roll < 0.12 ? 'timeout' : 'success';
    const input = 50 + Math.floor(r() * 2000);
    const call: RawCall = {
      id: `${idPrefix}${String(i).padStart(5, '0')}`,
      timestamp: new Date(t).toISOString(),
      model: m.model,
      input_tokens: input,
      output_tokens: Math.floor(r() * 800),
      status,
    };
    if (r() < 0.9) call.provider = m.provider;
    if (r() < 0.3) call.cache_read_tokens = Math.floor(input * r());
    if (r() < 0.1) call.cache_write_tokens = Math.floor(r() * 100);
    if (r() < 0.2) call.reasoning_tokens = Math.floor(r() * 100);
    if (r() < 0.15) call.cost_usd = Math.round(r() * 100_000) / 1_000_000;
    if (r() < 0.9) call.duration_ms = 100 + Math.floor(r() * 5000);
    if (r() < 0.5) call.ttft_ms = 20 + Math.floor(r() * 900);
    if (status !== 'success') {
      call.status_code = status === 'timeout' ? 504 : pick([429, 500]);
      call.error_type =
        status === 'timeout' ? 'TimeoutError' : call.status_code === 429 ? 'RateLimitError' : 'APIError';
      call.error_message =
        status === 'timeout'
          ? `upstream timed out after ${30 + Math.floor(r() * 30)}s`
          : `request req_${Math.floor(r() * 1e6)} failed with status ${call.status_code}`;
    } else {
      call.status_code = 200;
    }
    if (r() < 0.85) call.user_id = `user-${Math.floor(r() * 12)}`;
    if (r() < 0.9) call.session_id = `session-${Math.floor(r() * 40)}`;
    if (agent) Object.assign(call, agent);
    if (r() < 0.5) call.tags = r() < 0.5 ? ['beta'] : ['beta', 'eu'];
    if (r() < 0.7) {
      call.endpoint = pick(['/v1/chat/completions', '/v1/responses', '/v1/embeddings']);
      call.method = 'POST';
      call.stream = r() < 0.4;
      call.message_count = 1 + Math.floor(r() * 8);
      call.request_bytes = 100 + Math.floor(r() * 5000);
      call.response_bytes = 100 + Math.floor(r() * 9000);
      call.upstream_ms = call.duration_ms !== undefined ? Math.max(1, call.duration_ms - 20) : 90;
      call.backend = m.provider;
      call.upstream_mode = call.endpoint === '/v1/responses' ? 'responses' : 'chat';
      call.api_key_label = pick(['production-key', 'staging-key']);
      call.user_agent = 'curl/8.5.0';
    }
    if (r() < 0.6) {
      call.input_text = `question ${i}: what is ${i} + ${i}?`;
      call.output_text = `answer ${i}: ${2 * i}`;
    }
    if (r() < 0.5) call.team = pick(['search', 'ads']);
    if (r() < 0.3) call.environment = pick(['prod', 'staging']);
    calls.push(call);
  }
  return calls;
}

/** `YYYY-MM-DD` of an instant in a time zone, by Intl. */
export function dayIn(ms: number, tz = 'UTC'): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date(ms));
}

export const ms = (c: RawCall) => Date.parse(c.timestamp);
export const sum = (xs: readonly RawCall[], f: (c: RawCall) => number | undefined) =>
  xs.reduce((a, c) => a + (f(c) ?? 0), 0);
export const totalTokens = (c: RawCall) => (c.input_tokens ?? 0) + (c.output_tokens ?? 0);

/** Nearest-rank percentile, written out independently: the ⌈p·n⌉-th smallest value. */
export function percentile(values: readonly number[], p: number): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(Number((p * sorted.length).toFixed(9))));
  return sorted[rank - 1]!;
}

/** Sends calls through the bulk ingest route in chunks and checks every item was accepted. */
export async function ingest(
  call: (
    method: string,
    path: string,
    options?: { body?: unknown; key?: string | null; headers?: Record<string, string> },
  ) => Promise<{ status: number; body: any }>,
  calls: readonly RawCall[],
  options: { key?: string; project?: string } = {},
): Promise<void> {
  for (let i = 0; i < calls.length; i += 500) {
    const res = await call('POST', '/api/v1/ingest/llm/bulk', {
      body: { events: calls.slice(i, i + 500) },
      ...(options.key ? { key: options.key } : {}),
      ...(options.project ? { headers: { 'x-tally-project': options.project } } : {}),
    });
    if (res.status !== 207 || res.body.rejected !== 0) {
      throw new Error(`ingest failed: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
    }
  }
}

/** Every stored call of a project, by id, read back page by page through the events route. */
export async function readStored(
  call: (method: string, path: string, options?: { key?: string | null }) => Promise<{ status: number; body: any }>,
  key: string | null = null,
): Promise<Map<string, any>> {
  const stored = new Map<string, any>();
  let cursor = '';
  do {
    const page = await call('GET', `/api/v1/analytics/events?from=0&limit=1000${cursor}`, { key });
    if (page.status !== 200) throw new Error(`reading events failed: ${page.status}`);
    for (const e of page.body.events) stored.set(e.id, e);
    cursor = page.body.next_cursor ? `&cursor=${encodeURIComponent(page.body.next_cursor)}` : '';
  } while (cursor);
  return stored;
}
