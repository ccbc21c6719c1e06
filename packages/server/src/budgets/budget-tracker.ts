import type { CallEvent } from '@tally/core';
import type { BudgetRecord, CommitInfo } from '@tally/storage';
import type { Analytics } from '../analytics/analytics.js';
import type { AlertLog } from '../alerts/deferred-log.js';
import type { Notifier } from '../alerts/notifier.js';
import { ThresholdAnnouncer, refusalMessage, round } from './budget-announcer.js';
import type { BudgetGate, GateAnswer, GateRequest, Refusal } from './budget-gate.js';
import {
  callAmount,
  callInScope,
  periodWindow,
  requestInScope,
  scopeFilters,
  type PeriodWindow,
} from './budget-period.js';
import type { BudgetService } from './budget-service.js';
import { BudgetState, type StoredUsage } from './budget-state.js';

export interface TrackerOptions {
  /** How old a budget's count may grow before it is read from the store again, in the background; 30 s. */
  refreshMs?: number;
}

/**
 * The budget gate and the usage counts behind it, whichever process or Redis holds them: what the proxy, the
 * budget routes, the writer's commit listener and the periodic evaluation use.
 */
export interface BudgetTracker extends BudgetGate {
  /** Told of every refusal (the Prometheus counter). */
  onRefusal: (budget: BudgetRecord) => void;
  /** The writer's commit listener: every stored call moves the counts of the budgets it falls in. */
  committed(info: CommitInfo): void;
  /** A budget's usage read fresh from the store (plus what is settled and in flight), for the API. */
  usage(b: BudgetRecord): Promise<BudgetUsage>;
  /** The periodic evaluation: every budget read again from the store, and thresholds crossed announced. */
  evaluate(): Promise<void>;
  /** Resolves when the loads and threshold announcements under way have finished. */
  idle(): Promise<void>;
}

/** A budget's usage now, as the API shows it. */
export interface BudgetUsage {
  used: number;
  inFlight: number;
  window: PeriodWindow;
}

const OPEN_ANSWER: GateAnswer = { ok: true, admission: { settle: () => undefined } };
/** Loads of one budget in a row that may each have missed a commit, before the tracker settles for a safe count. */
const LOAD_TRIES = 3;

/**
 * The budget gate and the usage counts behind it. Each budget's count lives in memory (see BudgetState): read from
 * the store through the analytics engine, moved on by every commit of the writer and every settled request, and
 * read again in the background when it is older than `refreshMs`, at the start of a new period and at each periodic
 * evaluation. Admission checks every hard budget a request falls in and reserves in all of them in one synchronous
 * step, so concurrent requests cannot together pass a limit.
 *
 * The counts are those of this process: with several Tally replicas behind a load balancer they live in Redis
 * instead (RedisBudgetTracker).
 */
export class LocalBudgetTracker implements BudgetTracker {
  private readonly states = new Map<string, BudgetState>();
  private readonly refreshMs: number;
  private admissions = 0;
  private readonly announcer: ThresholdAnnouncer;
  /** Told of every refusal (the Prometheus counter). */
  onRefusal: (budget: BudgetRecord) => void = () => undefined;

  constructor(
    private readonly budgets: BudgetService,
    private readonly analytics: Analytics,
    notifier: Notifier,
    private readonly log: AlertLog,
    options: TrackerOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 30_000;
    this.announcer = new ThresholdAnnouncer(notifier, log);
    budgets.onChange((id, after, before) => this.changed(id, after, before));
  }

  async admit(request: GateRequest): Promise<GateAnswer> {
    const hard = this.budgets.list(request.projectId).filter((b) => b.hard && requestInScope(b, request));
    if (hard.length === 0) return OPEN_ANSWER;
    const states = await Promise.all(hard.map((b) => this.ready(b)));
    // Nothing below awaits: checking every budget and reserving in all of them is one step.
    for (const s of states) {
      const used = s.used();
      const inFlight = s.inFlight();
      if (used + inFlight >= s.budget.limit) {
        this.onRefusal(s.budget);
        return { ok: false, refusal: refusal(s, used, inFlight) };
      }
    }
    const admission = ++this.admissions;
    for (const s of states) s.reserve(admission, s.estimate());
    let settled = false;
    return {
      ok: true,
      admission: {
        settle: (call) => {
          if (settled) return;
          settled = true;
          this.settle(admission, states, call);
        },
      },
    };
  }

  /** The writer's commit listener: every stored call moves the counts of the budgets it falls in. */
  committed(info: CommitInfo): void {
    if (info.calls.length === 0 || this.budgets.size === 0) return;
    const now = Date.now();
    const byProject = new Map<string, CallEvent[]>();
    for (const c of info.calls) {
      let calls = byProject.get(c.project_id);
      if (!calls) byProject.set(c.project_id, (calls = []));
      calls.push(c);
    }
    for (const [projectId, calls] of byProject) {
      for (const b of this.budgets.list(projectId)) {
        const s = this.states.get(b.id);
        if (!s) {
          // First traffic of a budget nobody asked about yet: its load, started now, sees these calls.
          if (calls.some((c) => callInScope(b, c))) this.background(this.stateOf(b));
          continue;
        }
        let changed = false;
        for (const c of calls) if (callInScope(b, c) && s.onCommitted(c, callAmount(b, c), now)) changed = true;
        if (changed) this.check(s);
      }
    }
  }

  /** A budget's usage read fresh from the store (plus what is settled and in flight), for the API. */
  async usage(b: BudgetRecord): Promise<BudgetUsage> {
    const s = this.stateOf(b);
    await this.reload(s);
    return { used: s.used(), inFlight: s.inFlight(), window: s.window! };
  }

  /** The periodic evaluation: every budget read again from the store, and thresholds crossed announced. */
  async evaluate(): Promise<void> {
    this.budgets.dropDeleted();
    for (const b of this.budgets.all()) {
      try {
        await this.reload(this.stateOf(b));
      } catch (err) {
        this.log.error({ err, budget_id: b.id }, `budgets: reading the usage of budget ${b.id} failed`);
      }
    }
    await this.idle();
  }

  /** Resolves when the loads and threshold announcements under way have finished. */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [
        ...this.announcer.pending(),
        ...[...this.states.values()].flatMap((s) => (s.loading ? [s.loading] : [])),
      ];
      if (busy.length === 0) return;
      await Promise.allSettled(busy);
    }
  }

  private stateOf(b: BudgetRecord): BudgetState {
    let s = this.states.get(b.id);
    if (!s) {
      s = new BudgetState(b);
      this.states.set(b.id, s);
    }
    return s;
  }

  /** The state of a budget, loaded and in its current period; read again in the background when old. */
  private async ready(b: BudgetRecord): Promise<BudgetState> {
    const s = this.stateOf(b);
    const now = Date.now();
    const over = s.window !== null && s.window.resetsAt !== null && now >= s.window.resetsAt;
    if (s.window === null || over) await this.reload(s);
    else if (now - s.loadedAt >= this.refreshMs) this.background(s);
    return s;
  }

  private background(s: BudgetState): void {
    this.reload(s).catch((err: unknown) =>
      this.log.error({ err, budget_id: s.budget.id }, `budgets: reading the usage of budget ${s.budget.id} failed`),
    );
  }

  private reload(s: BudgetState): Promise<void> {
    s.loading ??= this.load(s).finally(() => {
      s.loading = null;
    });
    return s.loading;
  }

  private async load(s: BudgetState): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const window = periodWindow(s.budget, Date.now());
      s.beginLoad(window);
      let usage: StoredUsage;
      try {
        usage = await readStoredUsage(this.analytics, s.budget, window);
      } catch (e) {
        s.abortLoad();
        throw e;
      }
      const uncertain = s.committedDuringLoad() > 0;
      if (!uncertain || attempt >= LOAD_TRIES) {
        s.finishLoad(window, usage, uncertain, Date.now());
        this.check(s);
        return;
      }
    }
  }

  private settle(admission: number, states: readonly BudgetState[], call: CallEvent | null): void {
    const now = Date.now();
    for (const s of states) {
      s.release(admission);
      if (call && callInScope(s.budget, call) && s.onSettled(call, callAmount(s.budget, call), now)) this.check(s);
    }
  }

  /** Announces each threshold the usage has reached, once per period. */
  private check(s: BudgetState): void {
    if (s.window) this.announcer.check(s.budget, s.window, s.used(), s.announced);
  }

  private changed(id: string, after: BudgetRecord | null, before: BudgetRecord | null): void {
    const s = this.states.get(id);
    if (!s) return;
    const sameCount =
      after !== null &&
      before !== null &&
      (['metric', 'period', 'window_hours', 'tz', 'user_id', 'agent_name', 'api_key_id', 'model'] as const).every(
        (k) => after[k] === before[k],
      );
    if (!sameCount) {
      this.states.delete(id);
      return;
    }
    // Name, limit, thresholds or hardness changed: the count stands.
    s.budget = after;
    this.check(s);
  }
}

/** A budget's usage in a window as the store has it, asked through the analytics engine (and its cache). */
export async function readStoredUsage(analytics: Analytics, b: BudgetRecord, w: PeriodWindow): Promise<StoredUsage> {
  const [row] = await analytics.query({
    projectId: b.project_id,
    from: w.start,
    to: w.end,
    filters: scopeFilters(b),
    metrics: ['calls', 'cost_usd', 'total_tokens'],
  });
  return {
    calls: Number(row?.['calls'] ?? 0),
    cost_usd: Number(row?.['cost_usd'] ?? 0),
    tokens: Number(row?.['total_tokens'] ?? 0),
  };
}

function refusal(s: BudgetState, used: number, inFlight: number): Refusal {
  const b = s.budget;
  const w = s.window!;
  return {
    budgetId: b.id,
    name: b.name,
    metric: b.metric,
    limit: b.limit,
    used: round(used),
    resetsAt: w.resetsAt,
    message: refusalMessage(b, w, used, inFlight),
  };
}
