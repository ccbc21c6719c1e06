/** Response examples of the native analytics routes, shown in the OpenAPI document. */

const metrics = {
  calls: 1542,
  errors: 19,
  error_rate: 0.012322,
  input_tokens: 452300,
  output_tokens: 89441,
  total_tokens: 541741,
  cache_read_tokens: 120000,
  cache_write_tokens: 0,
  reasoning_tokens: 3100,
  cost_usd: 3.418275,
  unpriced_calls: 4,
  avg_duration_ms: 1247.3,
  p50_duration_ms: 980,
  p90_duration_ms: 2210,
  p95_duration_ms: 2870,
  p99_duration_ms: 5120,
  avg_ttft_ms: 310.2,
  p50_ttft_ms: 250,
  p90_ttft_ms: 540,
  p95_ttft_ms: 700,
  p99_ttft_ms: 1300,
  users: 45,
  sessions: 150,
};

export const summary = {
  from: '2026-11-22T00:00:00.000Z',
  to: '2026-11-23T00:00:00.000Z',
  metrics,
  previous: { from: '2026-11-21T00:00:00.000Z', to: '2026-11-22T00:00:00.000Z', metrics: { ...metrics, calls: 1234 } },
  change: { ...Object.fromEntries(Object.keys(metrics).map((k) => [k, 0])), calls: 0.249595 },
};

export const timeseries = {
  interval: 'day',
  tz: 'Europe/Paris',
  from: '2026-11-20T23:00:00.000Z',
  to: '2026-11-22T23:00:00.000Z',
  points: [
    {
      time: '2026-11-20T23:00:00.000Z',
      date: '2026-11-21',
      bucket: 1795215600000,
      calls: 812,
      errors: 9,
      total_tokens: 280114,
      cost_usd: 1.80211,
    },
    {
      time: '2026-11-21T23:00:00.000Z',
      date: '2026-11-22',
      bucket: 1795302000000,
      calls: 0,
      errors: 0,
      total_tokens: 0,
      cost_usd: 0,
    },
  ],
};

export const breakdown = {
  by: 'model',
  from: '2026-11-22T00:00:00.000Z',
  to: '2026-11-23T00:00:00.000Z',
  rows: [
    {
      value: 'gpt-4o',
      calls: 892,
      errors: 10,
      error_rate: 0.011211,
      total_tokens: 401223,
      cost_usd: 2.9124,
      p95_duration_ms: 3100,
    },
    {
      value: 'gpt-4o-mini',
      calls: 600,
      errors: 8,
      error_rate: 0.013333,
      total_tokens: 130518,
      cost_usd: 0.4813,
      p95_duration_ms: 1900,
    },
  ],
  other: { calls: 50, errors: 1, error_rate: 0.02, total_tokens: 10000, cost_usd: 0.024575, p95_duration_ms: 2400 },
  total: {
    calls: 1542,
    errors: 19,
    error_rate: 0.012322,
    total_tokens: 541741,
    cost_usd: 3.418275,
    p95_duration_ms: 2870,
  },
};

const lat = { avg: 1247.3, p50: 980, p90: 2210, p95: 2870, p99: 5120 };
const ttft = { avg: 310.2, p50: 250, p90: 540, p95: 700, p99: 1300 };
export const latency = {
  from: '2026-11-22T00:00:00.000Z',
  to: '2026-11-23T00:00:00.000Z',
  calls: 1542,
  duration_ms: lat,
  ttft_ms: ttft,
  by: 'model',
  groups: [{ value: 'gpt-4o', calls: 892, duration_ms: lat, ttft_ms: ttft }],
  interval: 'hour',
  points: [{ time: '2026-11-22T00:00:00.000Z', calls: 61, duration_ms: lat, ttft_ms: ttft }],
};

export const errors = {
  from: '2026-11-22T00:00:00.000Z',
  to: '2026-11-23T00:00:00.000Z',
  calls: 1542,
  errors: 19,
  error_rate: 0.012322,
  by_status: { error: 15, timeout: 4 },
  by_model: [{ provider: 'openai', model: 'gpt-4o', calls: 892, errors: 10, error_rate: 0.011211 }],
  groups: [
    {
      error_type: 'RateLimitError',
      pattern: 'request req_<n> failed with status <n>',
      count: 15,
      first_seen: '2026-11-22T03:12:09.000Z',
      last_seen: '2026-11-22T21:40:55.000Z',
      sample_ids: ['0193a1c2-7f4e-7cc1-9a55-5d2f0e8b1a01', '0193a1c2-7f4e-7cc1-9a55-5d2f0e8b1a02'],
    },
  ],
};

const call = {
  id: 'call-1',
  timestamp: 1795305600000,
  model: 'gpt-4o',
  provider: 'openai',
  input_tokens: 1200,
  output_tokens: 310,
  total_tokens: 1510,
  cost_usd: 0.0061,
  cost_source: 'computed',
  status: 'success',
  session_id: 'session_abc123',
  user_id: 'alice',
};

export const session = {
  session_id: 'session_abc123',
  first_seen: '2026-11-22T08:00:00.000Z',
  last_seen: '2026-11-22T08:04:10.000Z',
  totals: { ...metrics, calls: 2, errors: 0, error_rate: 0, users: 1, sessions: 1 },
  calls: [call, { ...call, id: 'call-2', timestamp: 1795305850000 }],
  next_cursor: null,
};

export const user = {
  user_id: 'alice',
  from: '2026-10-24T00:00:00.000Z',
  to: '2026-11-23T00:00:00.000Z',
  totals: { ...metrics, users: 1 },
  daily: [{ date: '2026-10-24', calls: 12, errors: 0, total_tokens: 18120, cost_usd: 0.07311 }],
  models: [{ model: 'gpt-4o', calls: 300, total_tokens: 401223, cost_usd: 2.9124 }],
  sessions: [
    {
      session_id: 'session_abc123',
      calls: 2,
      total_tokens: 3020,
      cost_usd: 0.0122,
      first_seen: '2026-11-22T08:00:00.000Z',
      last_seen: '2026-11-22T08:04:10.000Z',
    },
  ],
};
