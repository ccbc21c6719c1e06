import type { BudgetTracker } from '../budgets/budget-tracker.js';
import type { AlertService, RuleEvaluation } from './alert-service.js';
import type { AlertLog } from './deferred-log.js';

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
  private timer: NodeJS.Timeout | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly deps: { tracker: BudgetTracker; alerts: AlertService; log: AlertLog },
    private readonly options: EvaluatorOptions,
  ) {}

  start(): void {
    this.schedule(this.options.firstRunMs ?? this.options.intervalMs);
  }

  /** One evaluation, after any already running; `now` is the end of the alert windows. */
  run(now: number = Date.now()): Promise<RuleEvaluation[]> {
    const run = this.tail.then(async () => {
      await this.deps.tracker.evaluate();
      return this.deps.alerts.evaluateAll(now);
    });
    this.tail = run.catch((err: unknown) => this.deps.log.error({ err }, 'alerts: an evaluation failed'));
    return run;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.tail;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run()
        .catch(() => undefined)
        .finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
