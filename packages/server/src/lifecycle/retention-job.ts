import { PeriodicJob } from './periodic-job.js';
import type { EventStore, Project } from '@tally/storage';
import type { Analytics } from '../analytics/analytics.js';
import { DAY_MS } from '../analytics/params.js';
import type { ProjectService } from '../projects/project-service.js';

export interface RetentionOptions {
  /** Time between sweeps; an hour unless a test wants it shorter. */
  intervalMs?: number;
  /** Delay between the server's start and its first sweep. */
  firstRunMs?: number;
}

/** What one sweep removed from one project. */
export interface SweepResult {
  project_id: string;
  /** Calls, logs and metric points older than the project's retention. */
  expired: number;
  /** Calls beyond the project's max_events, oldest first. */
  trimmed: number;
}

/** The subset of a pino logger the job writes to. */
export interface RetentionLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface RetentionDeps {
  store: EventStore;
  projects: ProjectService;
  analytics: Analytics;
  /** Days kept in projects without retention_days of their own; null keeps everything. */
  defaultDays: number | null;
  log: RetentionLog;
}

/** The retention a project's data is held to: its own retention_days, else the server's default. */
export function effectiveRetentionDays(project: Project, defaultDays: number | null): number | null {
  return project.retention_days ?? defaultDays;
}

/**
 * Deletes data past each project's retention and trims projects to their max_events, shortly after the server
 * starts and then every hour. Its timer never keeps the process alive, and `stop()` lets a sweep in progress
 * finish, so the store is closed only after it.
 */
export class RetentionJob {
  private readonly job: PeriodicJob<[number], SweepResult[]>;

  constructor(
    private readonly deps: RetentionDeps,
    options: RetentionOptions = {},
  ) {
    this.job = new PeriodicJob((now: number) => this.sweep(now), {
      intervalMs: options.intervalMs ?? 3_600_000,
      firstRunMs: options.firstRunMs ?? 10_000,
      defaultArgs: () => [Date.now()],
    });
  }

  start(): void {
    this.job.start();
  }

  /** One sweep over every project, after any sweep already running; `now` is the instant retention counts from. */
  run(now: number = Date.now()): Promise<SweepResult[]> {
    return this.job.run(now);
  }

  /** Cancels the next sweep; the returned promise settles when a sweep in progress has finished. */
  stop(): Promise<void> {
    return this.job.stop();
  }

  private async sweep(now: number): Promise<SweepResult[]> {
    const results: SweepResult[] = [];
    for (const project of this.deps.projects.list()) {
      try {
        const result = await this.sweepProject(project, now);
        if (result.expired + result.trimmed > 0) results.push(result);
      } catch (err) {
        this.deps.log.error({ err, project_id: project.id }, `retention: sweeping project ${project.id} failed`);
      }
    }
    return results;
  }

  private async sweepProject(project: Project, now: number): Promise<SweepResult> {
    const { store, analytics, log } = this.deps;
    const days = effectiveRetentionDays(project, this.deps.defaultDays);
    const before = days === null ? null : now - days * DAY_MS;
    const expired = before === null ? 0 : await store.deleteBefore(project.id, before);
    const trimmed = project.max_events === null ? 0 : await store.trimCalls(project.id, project.max_events);
    if (expired + trimmed > 0) {
      analytics.invalidate(project.id);
      log.info(
        { project_id: project.id, expired, trimmed, retention_days: days, max_events: project.max_events },
        `retention: project ${project.id} lost ${expired} record(s)` +
          (before === null ? '' : ` older than ${days} days (before ${new Date(before).toISOString()})`) +
          ` and ${trimmed} call(s) beyond max_events`,
      );
    }
    return { project_id: project.id, expired, trimmed };
  }
}
