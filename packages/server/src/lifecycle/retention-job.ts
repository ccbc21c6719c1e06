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
  /**
   * Calls, logs, metric points and agent runs older than the project's retention: those in whole partitions the
   * store dropped plus those deleted row by row.
   */
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
 * starts and then every hour. On a store partitioned by time (PostgreSQL) a sweep first drops the partitions that
 * hold only expired rows, then deletes what is left row by row. Its timer never keeps the process alive, and
 * `stop()` lets a sweep in progress finish, so the store is closed only after it.
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
    const projects = this.deps.projects.list();
    const dropped = await this.dropPartitions(projects, now);
    const results: SweepResult[] = [];
    for (const project of projects) {
      try {
        const result = await this.sweepProject(project, now, dropped.get(project.id) ?? 0);
        if (result.expired + result.trimmed > 0) results.push(result);
      } catch (err) {
        this.deps.log.error({ err, project_id: project.id }, `retention: sweeping project ${project.id} failed`);
      }
    }
    return results;
  }

  /** The instant before which a project's data expires; null when it keeps everything. */
  private cutOf(project: Project, now: number): number | null {
    const days = effectiveRetentionDays(project, this.deps.defaultDays);
    return days === null ? null : now - days * DAY_MS;
  }

  /**
   * Drops the store's whole partitions that hold only expired rows, when it has partitions; returns the rows they
   * held by project. A failure is logged and leaves everything to the row-by-row deletes that follow.
   */
  private async dropPartitions(projects: readonly Project[], now: number): Promise<Map<string, number>> {
    const { store, log } = this.deps;
    const byProject = new Map<string, number>();
    if (!store.dropExpiredPartitions) return byProject;
    const cuts = new Map<string, number>();
    for (const project of projects) {
      const cut = this.cutOf(project, now);
      if (cut !== null) cuts.set(project.id, cut);
    }
    if (cuts.size === 0) return byProject;
    try {
      for (const p of await store.dropExpiredPartitions(cuts)) {
        log.info(
          { partition: p.partition, table: p.table, rows: p.rows },
          `retention: dropped partition ${p.partition} (${p.rows} expired record(s))`,
        );
        for (const [id, n] of Object.entries(p.projects)) byProject.set(id, (byProject.get(id) ?? 0) + n);
      }
    } catch (err) {
      log.error({ err }, 'retention: dropping expired partitions failed; deleting expired records row by row');
    }
    return byProject;
  }

  private async sweepProject(project: Project, now: number, droppedRows: number): Promise<SweepResult> {
    const { store, analytics, log } = this.deps;
    const days = effectiveRetentionDays(project, this.deps.defaultDays);
    const before = this.cutOf(project, now);
    const expired = droppedRows + (before === null ? 0 : await store.deleteBefore(project.id, before));
    const trimmed = project.max_events === null ? 0 : await store.trimCalls(project.id, project.max_events);
    if (expired + trimmed > 0) {
      await analytics.invalidate(project.id);
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
