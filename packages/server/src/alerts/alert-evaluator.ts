import type { BudgetTracker } from '../budgets/budget-tracker.js';
import type { AlertService, RuleEvaluation } from './alert-service.js';
import type { AlertLog } from './deferred-log.js';
import { PeriodicJob } from '../lifecycle/periodic-job.js';

export interface EvaluatorOptions {
  /** Time between evaluations: TALLY_ALERT_INTERVAL_SECONDS. */
  intervalMs: number;
  /** Delay between the server's start and the first evaluation; one interval unless a test wants it sooner. */
  firstRunMs?: number;
}

/**
 * Every interval: reads every budget's usage again from the store (so calls from any path, deletions and rolling
 * windows are counted) and announces thresholds crossed, then evaluates the alert rules. Like the retention job,
 * its timer never keeps the process alive, and `stop()` lets an evaluation in progress finish.
 */
export class AlertEvaluator {
  private readonly job: PeriodicJob<[number], RuleEvaluation[]>;

  constructor(
    private readonly deps: { tracker: BudgetTracker; alerts: AlertService; log: AlertLog },
    options: EvaluatorOptions,
  ) {
    this.job = new PeriodicJob(
      async (now: number) => {
        await this.deps.tracker.evaluate();
        return this.deps.alerts.evaluateAll(now);
      },
      {
        intervalMs: options.intervalMs,
        firstRunMs: options.firstRunMs ?? options.intervalMs,
        defaultArgs: () => [Date.now()],
      },
      (err) => this.deps.log.error({ err }, 'alerts: an evaluation failed'),
    );
  }

  start(): void {
    this.job.start();
  }

  /** One evaluation, after any already running; `now` is the end of the alert windows. */
  run(now: number = Date.now()): Promise<RuleEvaluation[]> {
    return this.job.run(now);
  }

  stop(): Promise<void> {
    return this.job.stop();
  }
}
