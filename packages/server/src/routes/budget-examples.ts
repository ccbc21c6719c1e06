/** Request and response examples of the budget, alert and webhook routes, shown in the OpenAPI document. */

export const createBudget = {
  name: 'Alice monthly spend',
  metric: 'cost_usd',
  limit: 50,
  period: 'month',
  tz: 'Europe/Paris',
  user_id: 'alice',
  thresholds: [50, 80, 100],
  hard: true,
};

export const budget = {
  id: 'bud_4f1c2a9e7b3d4c10',
  project_id: 'support',
  name: 'Alice monthly spend',
  metric: 'cost_usd',
  limit: 50,
  period: 'month',
  window_hours: null,
  tz: 'Europe/Paris',
  user_id: 'alice',
  agent_name: null,
  api_key_id: null,
  model: null,
  thresholds: [50, 80, 100],
  hard: true,
  used: 41.27,
  remaining: 8.73,
  percent: 82.54,
  in_flight: 0.012,
  period_start: '2026-10-31T23:00:00.000Z',
  resets_at: '2026-11-30T23:00:00.000Z',
  thresholds_crossed: [50, 80],
  created_at: '2026-11-01T09:12:00.000Z',
  updated_at: '2026-11-01T09:12:00.000Z',
};

const rollingCalls = {
  ...budget,
  id: 'bud_0d9e8f7a6b5c4d3e',
  name: 'Research agent, 200 calls per 6 hours',
  metric: 'calls',
  limit: 200,
  period: 'rolling',
  window_hours: 6,
  tz: 'UTC',
  user_id: null,
  agent_name: 'Research Agent',
  thresholds: [80, 100],
  hard: false,
  used: 37,
  remaining: 163,
  percent: 18.5,
  in_flight: 0,
  period_start: '2026-11-23T04:00:00.000Z',
  resets_at: null,
  thresholds_crossed: [],
};

export const budgets = { budgets: [budget, rollingCalls] };

const delivered = {
  webhook_id: 'whk_8a7b6c5d4e3f2a1b',
  url: 'https://hooks.example.com/tally',
  status: 'delivered',
  attempts: 2,
  last_attempt_at: '2026-11-23T10:00:01.120Z',
  next_attempt_at: null,
  response_status: 204,
  error: null,
  delivered_at: '2026-11-23T10:00:01.180Z',
};

export const budgetDetail = {
  ...budget,
  alerts: [
    {
      id: 'ntf_2b3c4d5e6f708192',
      event: 'budget.threshold',
      created_at: '2026-11-23T10:00:00.050Z',
      payload: {
        id: 'ntf_2b3c4d5e6f708192',
        event: 'budget.threshold',
        project_id: 'support',
        created_at: '2026-11-23T10:00:00.050Z',
        budget: { id: budget.id, name: budget.name, metric: 'cost_usd', limit: 50, period: 'month', hard: true },
        threshold: 80,
        used: 40.02,
        percent: 80.04,
        period_start: budget.period_start,
        resets_at: budget.resets_at,
      },
      deliveries: [delivered],
    },
  ],
};

export const updateBudget = { limit: 75, thresholds: [90, 100] };

export const createAlert = {
  name: 'OpenAI error rate',
  metric: 'error_rate',
  window_minutes: 15,
  comparison: 'gt',
  threshold: 0.05,
  provider: 'openai',
};

export const alert = {
  id: 'alr_5e6f7a8b9c0d1e2f',
  project_id: 'support',
  name: 'OpenAI error rate',
  metric: 'error_rate',
  window_minutes: 15,
  comparison: 'gt',
  threshold: 0.05,
  model: null,
  provider: 'openai',
  agent_name: null,
  enabled: true,
  state: 'firing',
  state_since: '2026-11-23T10:04:00.000Z',
  last_value: 0.125,
  last_evaluated_at: '2026-11-23T10:05:00.000Z',
  created_at: '2026-11-22T08:00:00.000Z',
  updated_at: '2026-11-22T08:00:00.000Z',
};

export const alerts = {
  alerts: [
    alert,
    {
      ...alert,
      id: 'alr_6f7a8b9c0d1e2f30',
      name: 'Slow gpt-4o',
      metric: 'p95_duration_ms',
      comparison: 'gte',
      threshold: 8000,
      model: 'gpt-4o',
      provider: null,
      state: 'ok',
      state_since: null,
      last_value: 2310,
    },
  ],
};

export const alertDetail = {
  ...alert,
  notifications: [
    {
      id: 'ntf_9a8b7c6d5e4f3a2b',
      event: 'alert.firing',
      created_at: '2026-11-23T10:04:00.020Z',
      payload: {
        id: 'ntf_9a8b7c6d5e4f3a2b',
        event: 'alert.firing',
        project_id: 'support',
        created_at: '2026-11-23T10:04:00.020Z',
        alert: {
          id: alert.id,
          name: alert.name,
          metric: 'error_rate',
          comparison: 'gt',
          threshold: 0.05,
          window_minutes: 15,
          filters: { model: null, provider: 'openai', agent_name: null },
        },
        state: 'firing',
        value: 0.125,
        since: '2026-11-23T10:04:00.000Z',
        fired_at: '2026-11-23T10:04:00.000Z',
        window_start: '2026-11-23T09:49:00.000Z',
        window_end: '2026-11-23T10:04:00.000Z',
      },
      deliveries: [{ ...delivered, attempts: 1 }],
    },
  ],
};

export const createWebhook = { url: 'https://hooks.example.com/tally', description: 'ops channel' };

export const webhook = {
  id: 'whk_8a7b6c5d4e3f2a1b',
  project_id: 'support',
  url: 'https://hooks.example.com/tally',
  description: 'ops channel',
  enabled: true,
  secret_prefix: 'whsec_Qm3p…',
  created_at: '2026-11-22T08:00:00.000Z',
};

/** The only answer that carries the secret. */
export const webhookCreated = { ...webhook, secret: 'whsec_Qm3pZ8wVt1rXk4LfN0aYc7Hd2GsJ9uEb' };
