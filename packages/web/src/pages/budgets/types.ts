// Shapes of the budget, alert rule and webhook answers the page reads (see /docs, tags budgets and alerts).

export type BudgetMetric = 'cost_usd' | 'tokens' | 'calls';
export type BudgetPeriod = 'day' | 'month' | 'rolling';

/** What a client sets on a budget. */
export interface BudgetSettings {
  name: string;
  metric: BudgetMetric;
  limit: number;
  period: BudgetPeriod;
  window_hours: number | null;
  tz: string;
  user_id: string | null;
  agent_name: string | null;
  api_key_id: string | null;
  model: string | null;
  thresholds: number[];
  hard: boolean;
}

export interface Budget extends BudgetSettings {
  id: string;
  project_id: string;
  used: number;
  remaining: number;
  percent: number;
  in_flight: number;
  period_start: string;
  resets_at: string | null;
  thresholds_crossed: number[];
  created_at: string;
  updated_at: string;
}

export interface Delivery {
  webhook_id: string;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  response_status: number | null;
  error: string | null;
  delivered_at: string | null;
}

export interface Notification {
  id: string;
  event: string;
  created_at: string;
  payload: Record<string, unknown>;
  deliveries: Delivery[];
}

export interface BudgetDetail extends Budget {
  alerts: Notification[];
}

export type AlertMetric = 'error_rate' | 'p95_duration_ms' | 'cost_usd';
export type Comparison = 'gt' | 'gte' | 'lt' | 'lte';

export interface AlertSettings {
  name: string;
  metric: AlertMetric;
  window_minutes: number;
  comparison: Comparison;
  threshold: number;
  model: string | null;
  provider: string | null;
  agent_name: string | null;
  enabled: boolean;
}

export interface AlertRule extends AlertSettings {
  id: string;
  project_id: string;
  state: 'ok' | 'firing';
  state_since: string | null;
  last_value: number | null;
  last_evaluated_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AlertDetail extends AlertRule {
  notifications: Notification[];
}

/** A webhook as the API lists it: never its secret, only the secret's first characters. */
export interface Webhook {
  id: string;
  project_id: string;
  url: string;
  description: string | null;
  enabled: boolean;
  secret_prefix: string;
  created_at: string;
}
