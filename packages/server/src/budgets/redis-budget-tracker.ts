import { createHash, randomUUID } from 'node:crypto';
import type { CallEvent } from '@tally/core';
import type { BudgetRecord, CommitInfo } from '@tally/storage';
import type { Redis } from 'ioredis';
import type { Analytics } from '../analytics/analytics.js';
import type { AlertLog } from '../alerts/deferred-log.js';
import type { Notifier } from '../alerts/notifier.js';
import type { RedisKeys } from '../queue/redis-client.js';
import { ThresholdAnnouncer, refusalMessage, round } from './budget-announcer.js';
import type { GateAnswer, GateRequest } from './budget-gate.js';
import { callAmount, callInScope, periodWindow, requestInScope, type PeriodWindow } from './budget-period.js';
import { ADMIT, COMMIT, LOAD_BEGIN, LOAD_FINISH, SETTLE, runScript } from './budget-scripts.js';
import type { BudgetService } from './budget-service.js';
import { readStoredUsage, type BudgetTracker, type BudgetUsage, type TrackerOptions } from './budget-tracker.js';

export interface RedisTrackerOptions extends TrackerOptions {
  /** How long an admitted request may hold its reservation (a replica that died never settles): 11 minutes. */
  reservationMs?: number;
}

const OPEN_ANSWER: GateAnswer = { ok: true, admission: { settle: () => undefined } };
/** Loads of one budget in a row that may each have missed a commit, before the tracker settles for a safe count. */
const LOAD_TRIES = 3;
/** How long a call counted by its settlement waits for its commit (and the reverse) before it is forgotten. */
const LINGER_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** A budget's state as read from Redis. */
interface Snapshot {
  window: PeriodWindow | null;
  loadedAt: number;
  used: number;
  inFlight: number;
}

/**
 * The budget gate and usage counts of replicas that share a Redis (TALLY_REDIS_URL). What LocalBudgetTracker keeps
 * in memory lives in Redis instead (see budget-scripts.ts): the usage read from the store at the last load, the
 * calls committed since (counted by whichever process commits them: a `tally worker`), the calls settled by the
 * proxy of any replica and not committed yet, and the reservations of requests in flight on every replica. One
 * script checks every hard budget a request falls in and reserves in all of them, so the replicas together admit
 * exactly as many requests as the limits allow.
 *
 * Budgets themselves are read from the store again every `refreshMs`, so that one created through another replica
 * takes effect here within that time.
 */
export class RedisBudgetTracker implements BudgetTracker {
  private readonly refreshMs: number;
  private readonly reservationMs: number;
  private readonly loading = new Map<string, Promise<void>>();
  /** Redis commands under way for settlements and commits, waited for by idle(). */
  private readonly busy = new Set<Promise<unknown>>();
  /** Thresholds this process announced, per budget, as `<period key>:<threshold>`. */
  private readonly announced = new Map<string, Set<string>>();
  private readonly announcer: ThresholdAnnouncer;
  private budgetsReadAt = Date.now();
  onRefusal: (budget: BudgetRecord) => void = () => undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly budgets: BudgetService,
    private readonly analytics: Analytics,
    notifier: Notifier,
    private readonly log: AlertLog,
    options: RedisTrackerOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 30_000;
    this.reservationMs = options.reservationMs ?? 11 * 60_000;
    this.announcer = new ThresholdAnnouncer(notifier, log);
    budgets.onChange((id) => this.announced.delete(id));
  }

  async admit(request: GateRequest): Promise<GateAnswer> {
    this.refreshBudgets();
    const hard = this.budgets.list(request.projectId).filter((b) => b.hard && requestInScope(b, request));
    if (hard.length === 0) return OPEN_ANSWER;
    const windows = await Promise.all(hard.map((b) => this.ready(b)));
    const admission = randomUUID();
    const now = Date.now();
    const answer = (await runScript(
      this.redis,
      ADMIT,
      hard.flatMap((b) => {
        const k = this.keysOf(b);
        return [k.state, k.reservations];
      }),
      [
        admission,
        now,
        now + this.reservationMs,
        ...hard.flatMap((b) => [b.limit, b.metric === 'calls' ? '1' : '0', b.period === 'rolling' ? '1' : '0']),
      ],
    )) as string[];
    const refused = Number(answer[0]);
    if (refused > 0) {
      const b = hard[refused - 1]!;
      const w = windows[refused - 1]!;
      const used = Number(answer[1]);
      const inFlight = Number(answer[2]);
      this.onRefusal(b);
      return {
        ok: false,
        refusal: {
          budgetId: b.id,
          name: b.name,
          metric: b.metric,
          limit: b.limit,
          used: round(used),
          resetsAt: w.resetsAt,
          message: refusalMessage(b, w, used, inFlight),
        },
      };
    }
    let settled = false;
    return {
      ok: true,
      admission: {
        settle: (call) => {
          if (settled) return;
          settled = true;
          for (const b of hard) this.track(this.settle(b, admission, call));
        },
      },
    };
  }

  committed(info: CommitInfo): void {
    this.refreshBudgets();
    if (info.calls.length === 0 || this.budgets.size === 0) return;
    const byProject = new Map<string, CallEvent[]>();
    for (const c of info.calls) {
      let calls = byProject.get(c.project_id);
      if (!calls) byProject.set(c.project_id, (calls = []));
      calls.push(c);
    }
    const now = Date.now();
    for (const [projectId, calls] of byProject) {
      for (const b of this.budgets.list(projectId)) {
        const args: (string | number)[] = [now];
        for (const c of calls) if (callInScope(b, c)) args.push(callKey(c), c.timestamp, callAmount(b, c));
        if (args.length === 1) continue;
        const k = this.keysOf(b);
        this.track(
          runScript(this.redis, COMMIT, [k.state, k.calls, k.reservations], args).then((changed) => {
            // Never loaded: its first load (started now) counts these calls from the store.
            if (changed === -1) return this.reload(b);
            if (changed === 1) return this.check(b);
          }),
          b,
        );
      }
    }
  }

  async usage(b: BudgetRecord): Promise<BudgetUsage> {
    await this.reload(b);
    const s = await this.snapshot(b);
    return { used: s.used, inFlight: s.inFlight, window: s.window ?? periodWindow(b, Date.now()) };
  }

  async evaluate(): Promise<void> {
    this.budgetsReadAt = Date.now();
    await this.budgets.reload();
    this.budgets.dropDeleted();
    for (const b of this.budgets.all()) {
      try {
        await this.reload(b);
      } catch (err) {
        this.log.error({ err, budget_id: b.id }, `budgets: reading the usage of budget ${b.id} failed`);
      }
    }
    await this.idle();
  }

  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.busy, ...this.loading.values(), ...this.announcer.pending()];
      if (busy.length === 0) return;
      await Promise.allSettled(busy);
    }
  }

  /** The budget's window, loaded from the store when it has none or a new period began; refreshed when old. */
  private async ready(b: BudgetRecord): Promise<PeriodWindow> {
    let s = await this.snapshot(b, false);
    const now = Date.now();
    if (s.window === null || (s.window.resetsAt !== null && now >= s.window.resetsAt)) {
      await this.reload(b);
      s = await this.snapshot(b, false);
    } else if (now - s.loadedAt >= this.refreshMs) {
      this.track(this.reload(b), b);
    }
    return s.window ?? periodWindow(b, now);
  }

  private reload(b: BudgetRecord): Promise<void> {
    const id = this.keysOf(b).state;
    let loading = this.loading.get(id);
    if (!loading) {
      loading = this.load(b).finally(() => this.loading.delete(id));
      this.loading.set(id, loading);
    }
    return loading;
  }

  /**
   * Reads the budget's usage from the store and makes it the new base of the shared counts. Another replica may be
   * loading the same budget: the later load wins, and the other's answer is dropped.
   */
  private async load(b: BudgetRecord): Promise<void> {
    const k = this.keysOf(b);
    for (let attempt = 1; ; attempt++) {
      const now = Date.now();
      const w = periodWindow(b, now);
      const id = randomUUID();
      await runScript(this.redis, LOAD_BEGIN, [k.state], [id, w.start, w.end]);
      const usage = await readStoredUsage(this.analytics, b, w);
      const amount = b.metric === 'calls' ? usage.calls : b.metric === 'tokens' ? usage.tokens : usage.cost_usd;
      const ttl = Math.max(w.end - now, 0) + DAY_MS;
      const done = Number(
        await runScript(
          this.redis,
          LOAD_FINISH,
          [k.state, k.calls, k.reservations],
          [
            id,
            attempt >= LOAD_TRIES ? '1' : '0',
            w.key,
            w.start,
            w.end,
            w.resetsAt ?? '',
            amount,
            usage.calls,
            Date.now(),
            LINGER_MS,
            ttl,
          ],
        ),
      );
      if (done <= 0) break;
    }
    await this.check(b);
  }

  private async settle(b: BudgetRecord, admission: string, call: CallEvent | null): Promise<void> {
    const k = this.keysOf(b);
    const counted = call !== null && callInScope(b, call);
    const changed = await runScript(
      this.redis,
      SETTLE,
      [k.state, k.calls, k.reservations],
      [
        admission,
        Date.now(),
        counted ? callKey(call) : '',
        counted ? call.timestamp : 0,
        counted ? callAmount(b, call) : 0,
      ],
    );
    if (changed === 1) await this.check(b);
  }

  /** Announces the thresholds the budget's shared usage has reached. */
  private async check(b: BudgetRecord): Promise<void> {
    if (b.thresholds.length === 0) return;
    const s = await this.snapshot(b, false);
    if (!s.window) return;
    let announced = this.announced.get(b.id);
    if (!announced) this.announced.set(b.id, (announced = new Set()));
    for (const mark of announced) if (!mark.startsWith(`${s.window.key}:`)) announced.delete(mark);
    this.announcer.check(b, s.window, s.used, announced);
  }

  private async snapshot(b: BudgetRecord, withInFlight = true): Promise<Snapshot> {
    const k = this.keysOf(b);
    const pipeline = this.redis
      .pipeline()
      .hmget(k.state, 'wkey', 'wstart', 'wend', 'resets', 'loaded', 'stored', 'committed', 'settled');
    if (withInFlight) pipeline.hgetall(k.reservations);
    const results = (await pipeline.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
    const f = (results[0]?.[1] ?? []) as (string | null)[];
    const num = (i: number) => Number(f[i] ?? 0);
    const window =
      f[0] === null || f[0] === undefined
        ? null
        : { key: num(0), start: num(1), end: num(2), resetsAt: f[3] ? Number(f[3]) : null };
    let inFlight = 0;
    if (withInFlight && window) {
      const now = Date.now();
      for (const held of Object.values((results[1]?.[1] ?? {}) as Record<string, string>)) {
        const [amount = '0', key = '', expires = '0'] = held.split('|');
        if (Number(expires) > now && (b.period === 'rolling' || key === String(window.key))) inFlight += Number(amount);
      }
    }
    return { window, loadedAt: num(4), used: num(5) + num(6) + num(7), inFlight };
  }

  private keysOf(b: BudgetRecord) {
    const definition = createHash('sha1')
      .update(
        JSON.stringify([b.metric, b.period, b.window_hours, b.tz, b.user_id, b.agent_name, b.api_key_id, b.model]),
      )
      .digest('hex')
      .slice(0, 12);
    return this.keys.budget(b.id, definition);
  }

  /** Reads the budgets again from the store when they are older than refreshMs (in the background). */
  private refreshBudgets(): void {
    const now = Date.now();
    if (now - this.budgetsReadAt < this.refreshMs) return;
    this.budgetsReadAt = now;
    this.track(this.budgets.reload());
  }

  /** Keeps a background promise for idle(), and logs its failure. */
  private track(work: Promise<unknown>, b?: BudgetRecord): void {
    const tracked = work.catch((err: unknown) =>
      this.log.error(
        { err, budget_id: b?.id },
        b ? `budgets: updating the shared count of budget ${b.id} failed` : 'budgets: reading the budgets failed',
      ),
    );
    this.busy.add(tracked);
    void tracked.finally(() => this.busy.delete(tracked));
  }
}

const callKey = (c: CallEvent) => `${c.id}\u0000${c.timestamp}`;
