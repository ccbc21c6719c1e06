import type { AlertLog } from '../alerts/deferred-log.js';
import type { AuthService } from '../auth/auth-service.js';
import { PeriodicJob } from '../lifecycle/periodic-job.js';
import type { ProjectService } from './project-service.js';

/**
 * Reloads API keys, projects and price overrides every `intervalMs`, for a store that other processes (API
 * replicas, CLI commands) change too: a key created or revoked, a project or a price changed through one of them
 * applies here within one interval. This polling is the only way such changes arrive: requests with an unknown key
 * never query the store, so random keys cannot load it.
 *
 * It is silent while reloads succeed. A failed reload keeps what was loaded before and warns once; the failures that
 * follow it stay quiet until a reload succeeds again, which is logged once too.
 */
export class SharedRefresh {
  private readonly job: PeriodicJob<[], void>;
  private failing = false;

  private constructor(
    private readonly auth: AuthService,
    private readonly projects: ProjectService,
    private readonly log: AlertLog,
    intervalMs: number,
  ) {
    this.job = new PeriodicJob(() => this.reload(), { intervalMs, firstRunMs: intervalMs, defaultArgs: () => [] });
  }

  /** Starts reloading every `intervalMs`; the timer never keeps the process alive. */
  static start(
    deps: { auth: AuthService; projects: ProjectService; log: AlertLog },
    intervalMs: number,
  ): SharedRefresh {
    const refresh = new SharedRefresh(deps.auth, deps.projects, deps.log, intervalMs);
    refresh.job.start();
    return refresh;
  }

  /** One reload of both services now; resolves whether it worked or not (the outcome is logged as described). */
  async reload(): Promise<void> {
    // Each service swaps in what it read only when its own reads all worked: a failure leaves it as it was.
    const results = await Promise.allSettled([this.auth.reload(), this.projects.reload()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      if (!this.failing) {
        this.log.warn(
          { err: errorText(failed.reason) },
          'reloading API keys, projects and price overrides from the store failed; the ones loaded before stay in ' +
            'use, and changes made through other processes wait until a reload works again',
        );
      }
      this.failing = true;
    } else if (this.failing) {
      this.failing = false;
      this.log.info({}, 'reloading API keys, projects and price overrides from the store works again');
    }
  }

  /** Cancels the next reload and waits for one in progress, so the store can close after it. */
  stop(): Promise<void> {
    return this.job.stop();
  }
}

/** The error's message only: never its stack or the objects it carries, which could hold a connection URL. */
function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
