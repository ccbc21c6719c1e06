import { access, rename, rm } from 'node:fs/promises';
import { JsonlSink } from './jsonl-sink.js';
import type { SinkStats } from './jsonl-sink.js';
import { postWithRetry } from './http-post.js';
import type { RetryPolicy } from './http-post.js';
import { readLines } from './read-lines.js';
import { estimateCost } from './cost.js';
import type { CostTokens } from './cost.js';

/** Batching, retry and replay settings of the HTTP sink. */
export interface HttpTuning extends RetryPolicy {
  /** Events per request; a full batch is sent at once. */
  batchSize: number;
  /** Longest an event waits in memory before its (partial) batch is sent. */
  flushIntervalMs: number;
  /** How often spilled events are offered to the server again. */
  replayIntervalMs: number;
}

export const DEFAULT_HTTP_TUNING: Readonly<HttpTuning> = Object.freeze({
  batchSize: 200,
  flushIntervalMs: 1000,
  replayIntervalMs: 30_000,
  maxRetries: 4,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  timeoutMs: 10_000,
});

/** What the HTTP sink has done since it was made. */
export interface HttpSinkStats extends SinkStats {
  /** (`written` counts events the server acknowledged, replayed ones included.) Events written to the spill file because the server could not take them. */
  spilled: number;
  /** Spilled events the server acknowledged later. */
  replayed: number;
}

/** The SDK's counts: the HTTP sink's `spilled` and `replayed` appear once it has been used. */
export type SdkStats = SinkStats & Partial<Pick<HttpSinkStats, 'spilled' | 'replayed'>>;

export interface HttpSinkOptions {
  /** Server base URL, e.g. `http://localhost:8080`. */
  url: string;
  apiKey: string | undefined;
  /** JSONL file that holds events while the server is unreachable. */
  spillPath: string;
  maxQueue: number;
  onError?: ((err: unknown) => void) | undefined;
  tuning?: Partial<HttpTuning> | undefined;
}

type Line = Record<string, unknown>;

/**
 * A JSONL line as the ingest API takes it, without the fields the server decides itself or knows under another
 * name (`api_provider`, `latency_ms`, `cost_estimate`, `cost_source`, `price_model_id`). A cost the SDK computed is
 * left out so the server prices the call from its own price book; a cost the host reported is kept.
 */
export function toWireEvent(line: Line): Line {
  // Rest destructuring builds the copy without these keys: deleting them from a spread copy instead turns it into
  // a slow dictionary object, which then takes JSON.stringify half as long again.
  const {
    api_provider: _p,
    latency_ms: _l,
    cost_estimate: _e,
    price_model_id: _i,
    cost_source,
    cost_usd,
    ...out
  } = line;
  if (cost_source === undefined || cost_source === 'reported') out['cost_usd'] = cost_usd;
  return out;
}

/**
 * Sends events to a Tally server (`POST /api/v1/ingest/llm/bulk`) in background batches. When the server cannot be
 * reached after the retries, events go to a JSONL spill file, which is replayed once the server answers again;
 * events keep their ids, so a replay never stores a call twice. Never throws to its caller and never holds the
 * process open; failures are counted in `stats()` and passed to `onError`. One process per spill file.
 *
 * @example const sink = new HttpSink({ url: 'http://localhost:8080', apiKey: 'tly_…', spillPath: '/tmp/spill.jsonl',
 *   maxQueue: 10_000 }); sink.append(line); await sink.close();
 */
export class HttpSink {
  /**
   * The server prices calls from its own price book, so lines are queued without the SDK's estimate (it would be
   * left off the wire anyway); a line that has to be spilled gets it then, as the JSONL format has it.
   */
  readonly estimatesCost = false;
  readonly spillPath: string;
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #maxQueue: number;
  readonly #onError: ((err: unknown) => void) | undefined;
  readonly #tuning: HttpTuning;
  #buffer: Line[] = [];
  #pumping: Promise<void> | null = null;
  #spill: JsonlSink;
  /** The server failed last time: new batches go straight to the spill file until a replay succeeds. */
  #down = false;
  /** A spill file may hold events (unknown at start, so a left-over file from an earlier run is replayed). */
  #spillMayHoldEvents = true;
  #replayDue = true;
  /** flush() calls waiting: while any wait, backoff timers hold the process open so the wait can end. */
  #waiting = 0;
  #timer: NodeJS.Timeout | null = null;
  #replayTimer: NodeJS.Timeout | null;
  #closed = false;
  /** Events ever queued, and events whose batch was answered or spilled: flush() waits for the second to pass the first. */
  #queued = 0;
  #settled = 0;
  #waiters: { target: number; resolve: () => void }[] = [];
  #stats: HttpSinkStats = { written: 0, dropped: 0, errors: 0, spilled: 0, replayed: 0 };

  constructor(options: HttpSinkOptions) {
    this.#url = `${options.url.replace(/\/+$/, '')}/api/v1/ingest/llm/bulk`;
    // The server records `ingest_source: sdk` from this header.
    this.#headers = { 'content-type': 'application/json', 'x-tally-source': 'sdk' };
    if (options.apiKey) this.#headers['authorization'] = `Bearer ${options.apiKey}`;
    this.spillPath = options.spillPath;
    this.#maxQueue = options.maxQueue;
    this.#onError = options.onError;
    this.#tuning = { ...DEFAULT_HTTP_TUNING, ...options.tuning };
    this.#spill = this.#newSpill();
    this.#replayTimer = setInterval(() => this.#onReplayTick(), this.#tuning.replayIntervalMs);
    this.#replayTimer.unref();
  }

  /** Queues one event; returns at once. Past `maxQueue` waiting events, the event is dropped and counted. */
  append(record: unknown): void {
    if (this.#buffer.length >= this.#maxQueue) {
      this.#stats.dropped++;
      return;
    }
    this.#buffer.push(record as Line);
    this.#queued++;
    if (this.#buffer.length >= this.#tuning.batchSize) void this.#kick();
    else if (this.#pumping === null) this.#arm();
  }

  /**
   * Resolves when every event queued so far was acknowledged by the server, spilled, or counted as dropped. Events
   * queued later are not waited for, so a busy host's flush() still ends.
   */
  async flush(): Promise<void> {
    this.#waiting++;
    try {
      const target = this.#queued;
      if (this.#settled < target) {
        const reached = new Promise<void>((resolve) => this.#waiters.push({ target, resolve }));
        void this.#kick();
        await reached;
      }
      await this.#spill.flush();
    } finally {
      this.#waiting--;
    }
  }

  /** Flushes, stops the timers and closes the spill file. Events appended later are sent by a final flush. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#replayTimer) clearInterval(this.#replayTimer);
    this.#replayTimer = null;
    await this.flush();
    await this.#spill.close();
  }

  stats(): HttpSinkStats {
    const spill = this.#spill.stats();
    return { ...this.#stats, dropped: this.#stats.dropped + spill.dropped, errors: this.#stats.errors + spill.errors };
  }

  #kick(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    return (this.#pumping ??= this.#pump().finally(() => {
      this.#pumping = null;
      if (this.#buffer.length > 0) this.#arm();
    }));
  }

  /** Sends a partial batch after `flushIntervalMs`; the timer never holds the process open. */
  #arm(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => void this.#kick(), this.#tuning.flushIntervalMs);
    this.#timer.unref();
  }

  #onReplayTick(): void {
    if (!this.#spillMayHoldEvents && !this.#down) return;
    this.#replayDue = true;
    void this.#kick();
  }

  /**
   * The only loop that sends, spills and replays, so the spill file has one writer and one reader at a time; the
   * lock extends that to a sink replaced by configure() that is still spilling into the same file.
   */
  #pump(): Promise<void> {
    const previous = spillLocks.get(this.spillPath) ?? Promise.resolve();
    const run = previous.then(() => this.#pumpOnce());
    const tail = run.finally(() => {
      if (spillLocks.get(this.spillPath) === tail) spillLocks.delete(this.spillPath);
    });
    spillLocks.set(this.spillPath, tail);
    return tail;
  }

  async #pumpOnce(): Promise<void> {
    if (this.#replayDue && !this.#closed) {
      this.#replayDue = false;
      // A spill file that cannot be read or renamed is reported; sending new events goes on regardless.
      await this.#replay().catch((err: unknown) => this.#unexpected(err));
    }
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, this.#tuning.batchSize);
      const size = batch.length;
      try {
        if (this.#down) this.#toSpill(batch);
        else if (!(await this.#send(batch, false))) this.#toSpill(batch);
      } catch (err) {
        this.#unexpected(err);
      } finally {
        this.#settle(size);
      }
    }
    await this.#spill.flush();
  }

  #unexpected(err: unknown): void {
    this.#fail(new Error(`Tally SDK: unexpected failure in the HTTP sink: ${String(err)}`, { cause: err }), 0);
  }

  /**
   * Sends one batch; true when the server answered it (item by item). A rejected item is invalid and would be
   * rejected again, so it is counted as dropped and reported, not spilled.
   */
  async #send(batch: Line[], replay: boolean): Promise<boolean> {
    const events: string[] = [];
    // Walks backwards so an unserializable event can be taken out of the batch, which is then spilled without it.
    for (let i = batch.length - 1; i >= 0; i--) {
      try {
        events.push(JSON.stringify(toWireEvent(batch[i]!)));
      } catch (err) {
        batch.splice(i, 1);
        // A circular or BigInt value in host metadata: lose this event, not the host's call.
        this.#fail(new Error(`Tally SDK: cannot serialize a call record: ${String(err)}`, { cause: err }), 1);
      }
    }
    if (events.length === 0) return true;
    events.reverse();
    const body = `{"events":[${events.join(',')}]}`;
    const policy = replay ? { ...this.#tuning, maxRetries: 0 } : this.#tuning;
    const outcome = await postWithRetry(this.#url, this.#headers, body, policy, (ms) => this.#sleep(ms));
    if (!outcome.ok || outcome.status !== 207) {
      this.#down = true;
      const error = outcome.ok ? new Error(`Tally SDK: ${this.#url} answered ${outcome.status}`) : outcome.error;
      this.#fail(error, 0);
      return false;
    }
    this.#down = false;
    const answer = outcome.body as { accepted?: number; results?: { status: number; error?: { message?: string } }[] };
    const rejected = (answer?.results ?? []).filter((r) => r.status >= 300);
    const accepted = answer?.accepted ?? events.length - rejected.length;
    this.#stats.written += accepted;
    if (replay) this.#stats.replayed += accepted;
    if (rejected.length > 0) {
      const why = rejected[0]?.error?.message ?? `status ${rejected[0]?.status}`;
      this.#fail(new Error(`Tally SDK: the server rejected ${rejected.length} event(s), e.g. ${why}`), rejected.length);
    }
    return true;
  }

  #settle(count: number): void {
    this.#settled += count;
    const waiting = this.#waiters;
    this.#waiters = waiting.filter((w) => w.target > this.#settled);
    for (const w of waiting) if (w.target <= this.#settled) w.resolve();
  }

  #toSpill(batch: Line[]): void {
    for (const line of batch) this.#spill.append(withEstimate(line));
    this.#stats.spilled += batch.length;
    this.#spillMayHoldEvents = true;
  }

  get #replayPath(): string {
    return `${this.spillPath}.replaying`;
  }

  /**
   * Offers spilled events to the server. The spill file is first renamed aside, so events spilled meanwhile start a
   * new file; the renamed file is removed only once every batch of it was answered. A replay cut short leaves it for
   * the next try, which sends it again from the start: the server keeps one call per id.
   */
  async #replay(): Promise<void> {
    await this.#spill.close();
    if (!(await exists(this.#replayPath))) {
      if (!(await exists(this.spillPath))) {
        this.#spillMayHoldEvents = false;
        if (this.#down) await this.#probe();
        return;
      }
      await rename(this.spillPath, this.#replayPath);
    }
    let batch: Line[] = [];
    for await (const l of readLines(this.#replayPath, 16 << 20)) {
      const line = 'text' in l ? parseLine(l.text) : null;
      if (line === null) {
        this.#fail(new Error(`Tally SDK: skipped unreadable line ${l.line} of ${this.#replayPath}`), 1);
        continue;
      }
      batch.push(line);
      if (batch.length < this.#tuning.batchSize) continue;
      if (!(await this.#send(batch, true))) return;
      batch = [];
    }
    if (batch.length > 0 && !(await this.#send(batch, true))) return;
    await rm(this.#replayPath, { force: true });
    this.#spillMayHoldEvents = await exists(this.spillPath);
    if (this.#spillMayHoldEvents) this.#replayDue = true;
  }

  /** Nothing to replay while marked down (the spill itself failed): one empty request tells whether to resume. */
  async #probe(): Promise<void> {
    const outcome = await postWithRetry(
      this.#url,
      this.#headers,
      '{"events":[]}',
      { ...this.#tuning, maxRetries: 0 },
      () => Promise.resolve(),
    );
    this.#down = !(outcome.ok && outcome.status === 207);
  }

  #newSpill(): JsonlSink {
    return new JsonlSink({ path: this.spillPath, maxQueue: Number.MAX_SAFE_INTEGER, onError: this.#onError });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      if (this.#waiting === 0) t.unref();
    });
  }

  #fail(err: unknown, lost: number): void {
    this.#stats.errors++;
    this.#stats.dropped += lost;
    try {
      this.#onError?.(err);
    } catch {
      // The host's error hook must not turn a lost event into a host failure.
    }
  }
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** A line queued without the SDK's cost estimate (see `estimatesCost`), with it; other lines as they are. */
function withEstimate(line: Line): Line {
  if (line['cost_source'] !== 'unpriced' || line['price_model_id'] !== null) return line;
  const at = new Date(typeof line['timestamp'] === 'string' ? line['timestamp'] : NaN);
  const cost = estimateCost(text(line['provider']), text(line['model']), at, line as CostTokens);
  return { ...line, ...cost, cost_estimate: cost.cost_usd };
}

/** Per spill file, the end of the last pump that may touch it. */
const spillLocks = new Map<string, Promise<void>>();

function parseLine(text: string): Line | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Line) : null;
  } catch {
    return null;
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
