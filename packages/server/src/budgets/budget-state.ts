import type { CallEvent } from '@tally/core';
import type { BudgetRecord } from '@tally/storage';
import type { PeriodWindow } from './budget-period.js';

/** How long a settled call may wait to be seen committed, and a committed one to be settled, before it is dropped. */
const LINGER_MS = 5 * 60_000;

export interface StoredUsage {
  calls: number;
  cost_usd: number;
  tokens: number;
}

export function metricOf(b: Pick<BudgetRecord, 'metric'>, u: StoredUsage): number {
  return b.metric === 'calls' ? u.calls : b.metric === 'tokens' ? u.tokens : u.cost_usd;
}

const keyOf = (c: CallEvent) => `${c.id}\u0000${c.timestamp}`;

/**
 * One budget's usage in its current period, as the gate counts it:
 *
 *   used = stored (read from the store at the last load)
 *        + committed (calls the writer committed since, from any path: proxy, SDK, OTLP, import)
 *        + settled (calls the proxy settled that the writer has not committed yet)
 *   in flight = the reservations of admitted requests not settled yet.
 *
 * A call is counted once whichever of "settled" and "committed" comes first. Commits that land while a load runs
 * may or may not be in its answer; the tracker loads again until none did.
 */
export class BudgetState {
  window: PeriodWindow | null = null;
  loadedAt = 0;
  loading: Promise<void> | null = null;
  /** Thresholds announced, as `<period key>:<threshold>`. */
  readonly announced = new Set<string>();
  private stored = 0;
  private storedCalls = 0;
  private committed = 0;
  private committedCalls = 0;
  private readonly settled = new Map<string, { amount: number; at: number }>();
  private readonly seen = new Map<string, number>();
  private readonly reserved = new Map<number, { amount: number; key: number }>();
  /** While a load runs: the window it reads, and what was committed into it meanwhile. */
  private load: { window: PeriodWindow; amount: number; calls: number } | null = null;

  constructor(public budget: BudgetRecord) {}

  used(): number {
    let settled = 0;
    for (const s of this.settled.values()) settled += s.amount;
    return this.stored + this.committed + settled;
  }

  /** Reservations of admitted requests of this period; a rolling window counts all of them. */
  inFlight(): number {
    let sum = 0;
    const rolling = this.budget.period === 'rolling';
    for (const r of this.reserved.values()) if (rolling || r.key === this.window?.key) sum += r.amount;
    return sum;
  }

  /**
   * What an admitted request reserves: one call; for cost and tokens, the average call of this period so far
   * (0 before the first one, so that requests are admitted while the budget is not used up).
   */
  estimate(): number {
    if (this.budget.metric === 'calls') return 1;
    const calls = this.storedCalls + this.committedCalls;
    return calls > 0 ? (this.stored + this.committed) / calls : 0;
  }

  reserve(admission: number, amount: number): void {
    this.reserved.set(admission, { amount, key: this.window?.key ?? 0 });
  }

  release(admission: number): void {
    this.reserved.delete(admission);
  }

  inWindow(c: CallEvent, w: PeriodWindow | null = this.window): boolean {
    return w !== null && c.timestamp >= w.start && c.timestamp < w.end;
  }

  /** A call of this budget's scope was committed; returns whether the usage changed. */
  onCommitted(c: CallEvent, amount: number, now: number): boolean {
    if (this.load && this.inWindow(c, this.load.window)) {
      this.load.amount += amount;
      this.load.calls++;
    }
    if (!this.inWindow(c)) return false;
    this.committed += amount;
    this.committedCalls++;
    const key = keyOf(c);
    // Settled first: it moves from settled to committed. Otherwise it may still be settled by the proxy.
    if (!this.settled.delete(key) && this.reserved.size > 0) this.seen.set(key, now);
    return true;
  }

  /** The proxy settled an admitted request with the call it recorded; returns whether the usage changed. */
  onSettled(c: CallEvent, amount: number, now: number): boolean {
    if (!this.inWindow(c)) return false;
    const key = keyOf(c);
    if (this.seen.delete(key)) return false;
    this.settled.set(key, { amount, at: now });
    return true;
  }

  beginLoad(window: PeriodWindow): void {
    this.load = { window, amount: 0, calls: 0 };
  }

  /** Calls committed into the window being loaded since the load began. */
  committedDuringLoad(): number {
    return this.load?.calls ?? 0;
  }

  abortLoad(): void {
    this.load = null;
  }

  /**
   * Takes a load's answer. `uncertain`: calls were committed while it ran and may be missing from it; they are
   * added, at worst counting them twice until the next load — a hard budget then errs on the side of refusing.
   */
  finishLoad(window: PeriodWindow, usage: StoredUsage, uncertain: boolean, now: number): void {
    const during = this.load ?? { amount: 0, calls: 0 };
    this.load = null;
    this.window = window;
    this.stored = metricOf(this.budget, usage) + (uncertain ? during.amount : 0);
    this.storedCalls = usage.calls + (uncertain ? during.calls : 0);
    this.committed = 0;
    this.committedCalls = 0;
    this.loadedAt = now;
    for (const k of this.announced) if (!k.startsWith(`${window.key}:`)) this.announced.delete(k);
    this.prune(now);
  }

  /** Drops settled calls never committed (their write failed) and commits never settled, after a while. */
  prune(now: number): void {
    for (const [k, s] of this.settled) if (now - s.at > LINGER_MS) this.settled.delete(k);
    for (const [k, at] of this.seen) if (now - at > LINGER_MS) this.seen.delete(k);
  }
}
