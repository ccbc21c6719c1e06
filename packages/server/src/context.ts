import type { EventStore, GroupWriter } from '@tally/storage';
import type { Analytics } from './analytics/analytics.js';
import type { AuthService } from './auth/auth-service.js';
import type { BudgetGate } from './budgets/budget-gate.js';
import type { TallyConfig } from './config.js';
import type { ProjectService } from './projects/project-service.js';

/** Everything a route may use, built once at start-up by `openTally` and closed by it on shutdown. */
export interface TallyContext {
  readonly config: TallyConfig;
  readonly store: EventStore;
  readonly writer: GroupWriter;
  /** Analytics questions, cached; the only way routes read aggregates. */
  readonly analytics: Analytics;
  readonly auth: AuthService;
  readonly projects: ProjectService;
  /** Hard budgets, asked by the proxy before it forwards a request. */
  readonly budgetGate: BudgetGate;
  readonly version: string;
  readonly startedAt: number;
}
