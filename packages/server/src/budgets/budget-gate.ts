import type { CallEvent } from '@tally/core';

/**
 * The proxy asks the gate before forwarding a request and tells it how the request ended. A hard budget that is
 * used up refuses the request (the proxy answers 429); every admitted request holds a reservation until it is
 * settled, so concurrent requests cannot together pass a limit.
 */
export interface GateRequest {
  projectId: string;
  userId: string | null;
  agentName: string | null;
  /** Hash of the caller's key, as recorded in `api_key_id`. */
  apiKeyId: string | null;
  model: string | null;
}

/** A budget that refused a request: what the 429 answer names. */
export interface Refusal {
  budgetId: string;
  name: string;
  metric: 'cost_usd' | 'tokens' | 'calls';
  limit: number;
  used: number;
  /** When the budget's period starts over, epoch ms; null for a rolling window that frees up gradually. */
  resetsAt: number | null;
  message: string;
}

export interface Admission {
  /** Called exactly once when the request ended, with the call recorded for it (null when none was). */
  settle(call: CallEvent | null): void;
}

export type GateAnswer = { ok: true; admission: Admission } | { ok: false; refusal: Refusal };

export interface BudgetGate {
  admit(request: GateRequest): Promise<GateAnswer>;
}

/** The gate when no hard budget exists: admits everything. */
export const OPEN_GATE: BudgetGate = {
  admit: async () => ({ ok: true, admission: { settle: () => undefined } }),
};
