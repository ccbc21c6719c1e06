/**
 * Runs a task now and then: first after `firstRunMs`, then `intervalMs` after each run ends. Runs never overlap (a
 * run asked for while one is under way starts after it), the timer never keeps the process alive, and `stop()`
 * cancels the next run and settles when the one in progress has finished — so a store is closed only after it.
 * The retention sweep and the alert evaluation are both such jobs.
 */
export class PeriodicJob<A extends unknown[], R> {
  private timer: NodeJS.Timeout | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly task: (...args: A) => Promise<R>,
    private readonly timing: { intervalMs: number; firstRunMs: number; defaultArgs: () => A },
    /** Told of a failed run; the run's own promise still rejects for a caller who asked for it. */
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  start(): void {
    this.schedule(this.timing.firstRunMs);
  }

  /** One run, after any already under way. */
  run(...args: A): Promise<R> {
    const run = this.tail.then(() => this.task(...args));
    this.tail = run.catch(this.onError);
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
      void this.run(...this.timing.defaultArgs())
        .catch(() => undefined)
        .finally(() => this.schedule(this.timing.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
