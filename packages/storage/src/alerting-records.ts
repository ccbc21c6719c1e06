/**
 * Budgets, alert rules, webhooks and the notifications sent to them: the metadata behind Tally's budgets and
 * alerts, kept by every backend beside projects and keys.
 */

/** What a budget limits: the calls' summed `cost_usd`, summed `total_tokens`, or their number. */
export type BudgetMetric = 'cost_usd' | 'tokens' | 'calls';

/** A calendar day or month in the budget's time zone, or a window of the last `window_hours` hours. */
export type BudgetPeriod = 'day' | 'month' | 'rolling';

export interface BudgetRecord {
  id: string;
  project_id: string;
  name: string;
  metric: BudgetMetric;
  limit: number;
  period: BudgetPeriod;
  /** Length of a rolling window in hours; null for calendar periods. */
  window_hours: number | null;
  /** IANA time zone in which calendar days and months start. */
  tz: string;
  /** Scope within the project: only calls with these values count; null matches any. */
  user_id: string | null;
  agent_name: string | null;
  /** Hash of the caller's key, as calls record it in `api_key_id`. */
  api_key_id: string | null;
  model: string | null;
  /** Percentages of the limit at which a notification goes out, ascending. */
  thresholds: number[];
  /** A hard budget makes the proxy refuse requests once it is used up. */
  hard: boolean;
  created_at: number;
  updated_at: number;
}

export type BudgetPatch = Partial<Omit<BudgetRecord, 'id' | 'project_id' | 'created_at'>>;

/** What an alert rule watches over its window. `error_rate` is a fraction from 0 to 1. */
export type AlertMetric = 'error_rate' | 'p95_duration_ms' | 'cost_usd';
export type Comparison = 'gt' | 'gte' | 'lt' | 'lte';

export interface AlertRuleRecord {
  id: string;
  project_id: string;
  name: string;
  metric: AlertMetric;
  /** The rule looks at the calls that started in the last `window_minutes`. */
  window_minutes: number;
  comparison: Comparison;
  threshold: number;
  /** Only calls of this model, provider or agent; null matches any. */
  model: string | null;
  provider: string | null;
  agent_name: string | null;
  enabled: boolean;
  /** `firing` from the evaluation that found the condition true until one finds it false. */
  state: 'ok' | 'firing';
  /** When the state last changed, epoch ms; null before the first change. */
  state_since: number | null;
  last_value: number | null;
  last_evaluated_at: number | null;
  created_at: number;
  updated_at: number;
}

export type AlertRulePatch = Partial<Omit<AlertRuleRecord, 'id' | 'project_id' | 'created_at'>>;

/** An endpoint that receives a project's budget and alert notifications, signed with `secret`. */
export interface WebhookRecord {
  id: string;
  project_id: string;
  url: string;
  /** Shared secret of the HMAC signature; stored as given, since signing needs it. */
  secret: string;
  description: string | null;
  enabled: boolean;
  created_at: number;
}

export type WebhookPatch = Partial<Pick<WebhookRecord, 'url' | 'secret' | 'description' | 'enabled'>>;

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** How the delivery of one notification to one webhook went so far. */
export interface DeliveryState {
  webhook_id: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  last_attempt_at: number | null;
  /** When the next try is due while `pending`, epoch ms. */
  next_attempt_at: number | null;
  /** HTTP status of the last answer; null when none came (refused connection, time-out). */
  response_status: number | null;
  error: string | null;
  delivered_at: number | null;
}

/** One budget threshold crossed, or one alert fired or resolved, with its delivery to each webhook. */
export interface NotificationRecord {
  id: string;
  project_id: string;
  source: 'budget' | 'alert';
  source_id: string;
  /** `budget.threshold`, `alert.firing` or `alert.resolved`. */
  event: string;
  /** At most one notification exists per key: how a threshold is announced once per period. */
  dedupe_key: string;
  payload: Record<string, unknown>;
  created_at: number;
  deliveries: DeliveryState[];
}

export interface NotificationFilter {
  projectId?: string;
  sourceId?: string;
  /** Only notifications with a delivery still pending. */
  pendingOnly?: boolean;
  /** Newest first; 100 when absent. */
  limit?: number;
}

/** The budget and alert tables of a MetadataStore. */
export interface AlertingStore {
  listBudgets(projectId?: string): Promise<BudgetRecord[]>;
  createBudget(budget: BudgetRecord): Promise<void>;
  /** Changes the given fields; returns the budget as stored afterwards, or null when it does not exist. */
  updateBudget(projectId: string, id: string, patch: BudgetPatch): Promise<BudgetRecord | null>;
  deleteBudget(projectId: string, id: string): Promise<boolean>;
  listAlertRules(projectId?: string): Promise<AlertRuleRecord[]>;
  createAlertRule(rule: AlertRuleRecord): Promise<void>;
  updateAlertRule(projectId: string, id: string, patch: AlertRulePatch): Promise<AlertRuleRecord | null>;
  deleteAlertRule(projectId: string, id: string): Promise<boolean>;
  listWebhooks(projectId?: string): Promise<WebhookRecord[]>;
  createWebhook(webhook: WebhookRecord): Promise<void>;
  updateWebhook(projectId: string, id: string, patch: WebhookPatch): Promise<WebhookRecord | null>;
  deleteWebhook(projectId: string, id: string): Promise<boolean>;
  /** Stores a notification unless one with the same `dedupe_key` exists; returns whether it was stored. */
  addNotification(notification: NotificationRecord): Promise<boolean>;
  /** Replaces the delivery states of a notification. */
  updateDeliveries(id: string, deliveries: DeliveryState[]): Promise<void>;
  /** Notifications newest first (by created_at, then id). */
  listNotifications(filter: NotificationFilter): Promise<NotificationRecord[]>;
}
