import { loadSdkConfig } from './config.js';
import type { SdkConfig, SdkOptions } from './config.js';
import { JsonlSink } from './jsonl-sink.js';
import { HttpSink } from './http-sink.js';
import type { SdkStats } from './http-sink.js';

/** A sink of call lines: the JSONL file, or a Tally server (HTTP sink) when a URL is configured. */
type Sink = JsonlSink | HttpSink;

// Created on first use, never at import time, so importing the SDK touches neither the environment nor the disk.
let config: SdkConfig | undefined;
let sink: Sink | undefined;
/** Counts of sinks already replaced by configure() or closed by shutdown(), so stats() never goes backwards. */
let retired: SdkStats = { written: 0, dropped: 0, errors: 0 };
/** Sinks replaced or shut down whose queued lines are still being written. */
const closing = new Map<Sink, Promise<void>>();
/** Calls whose line waits on a read still under way (a wrapped client's raw response body). */
const pending = new Set<Promise<unknown>>();

/** Makes flush() wait for `work`, which records a call when it settles. */
export function recordWhenSettled(work: Promise<unknown>): void {
  const settled: Promise<unknown> = work.then(
    () => pending.delete(settled),
    () => pending.delete(settled),
  );
  pending.add(settled);
}

/** Sums every count, so the HTTP sink's `spilled` and `replayed` add up too. */
const add = (a: SdkStats, b: SdkStats): SdkStats => {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + (v ?? 0);
  return out as unknown as SdkStats;
};

function retire(): void {
  const old = sink;
  sink = undefined;
  if (!old) return;
  closing.set(
    old,
    old.close().finally(() => {
      retired = add(retired, old.stats());
      closing.delete(old);
    }),
  );
}

/**
 * Sets the SDK's configuration explicitly; each given option overrides the environment (`LLM_TRACKING_DIR`,
 * `LLM_TRACKING_FILE`, `TALLY_URL`, `TALLY_API_KEY`). Lines already queued still go to the previous sink.
 *
 * @example configure({ dir: '/var/log/myapp', file: 'llm.jsonl' });
 */
export function configure(options: SdkOptions = {}): void {
  retire();
  config = loadSdkConfig(undefined, options);
}

/** The active configuration (from the environment unless configure() was called). */
export function currentConfig(): SdkConfig {
  return (config ??= loadSdkConfig());
}

/** The active sink, or undefined when recording is off. */
export function activeSink(): Sink | undefined {
  const c = currentConfig();
  if (!c.enabled) return undefined;
  if (sink) return sink;
  if (c.url) {
    const options = { url: c.url, apiKey: c.apiKey, spillPath: c.spillPath, maxQueue: c.maxQueue, onError: c.onError };
    return (sink = new HttpSink({ ...options, tuning: c.http }));
  }
  return (sink = new JsonlSink({ path: c.path, maxQueue: c.maxQueue, onError: c.onError, rotation: c.rotation }));
}

/**
 * Resolves when every call recorded so far is on disk (or counted as dropped). Never rejects.
 *
 * @example await flush(); // e.g. before a serverless handler returns
 */
export async function flush(): Promise<void> {
  await Promise.all([...pending]);
  await Promise.all([sink?.flush(), ...closing.values()]);
}

/**
 * Flushes and closes the file. Recording after shutdown() opens it again.
 *
 * @example process.on('SIGTERM', () => void shutdown().then(() => process.exit(0)));
 */
export async function shutdown(): Promise<void> {
  await Promise.all([...pending]);
  retire();
  await Promise.all([...closing.values()]);
}

/**
 * Lines written and dropped and sink errors since the process started.
 *
 * @example const { dropped, errors } = stats(); if (errors > 0) console.warn('Tally: tracking file unwritable');
 */
export function stats(): SdkStats {
  let total = sink ? add(retired, sink.stats()) : { ...retired };
  for (const old of closing.keys()) total = add(total, old.stats());
  return total;
}
