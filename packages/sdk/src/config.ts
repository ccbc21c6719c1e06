import { resolve } from 'node:path';
import type { RotationOptions } from './rotation.js';
import type { HttpTuning } from './http-sink.js';

/** Seed 002's defaults: `./logs/llm_tracking/master_llm_calls.jsonl`, relative to the working directory. */
export const DEFAULT_DIR = './logs/llm_tracking';
export const DEFAULT_FILE = 'master_llm_calls.jsonl';
/** Lines waiting for the disk beyond this are dropped (and counted) rather than growing without bound. */
export const DEFAULT_MAX_QUEUE = 10_000;

/** What `configure()` accepts; every field overrides the environment. */
export interface SdkOptions {
  /** Directory of the JSONL file (env `LLM_TRACKING_DIR`, default `./logs/llm_tracking`). */
  dir?: string;
  /** File name inside `dir` (env `LLM_TRACKING_FILE`, default `master_llm_calls.jsonl`). */
  file?: string;
  /** Most lines held in memory while the disk is slow or failing. */
  maxQueue?: number;
  /** `false` turns recording off: track() still runs the function, nothing is written. */
  enabled?: boolean;
  /** Called (never awaited, never allowed to throw) when a line cannot be written. */
  onError?: (err: unknown) => void;
  /** Move the file to `archive/` and gzip it past a size or at a new month; off by default. One writing process per file. */
  rotation?: RotationOptions;
  /** Tally server to send events to (env `TALLY_URL`); without one, events go to the JSONL file. */
  url?: string;
  /** API key sent as a Bearer token (env `TALLY_API_KEY`). */
  apiKey?: string;
  /** Batching, retry and replay settings of the HTTP sink. */
  http?: Partial<HttpTuning>;
  /** Where the HTTP sink spills events while the server is unreachable (default: `<dir>/tally-spill.jsonl`). */
  spillFile?: string;
}

export interface SdkConfig {
  /** Absolute path of the JSONL file. */
  path: string;
  maxQueue: number;
  enabled: boolean;
  onError: ((err: unknown) => void) | undefined;
  rotation: RotationOptions | undefined;
  /** Tally server base URL; when set, events go there instead of the JSONL file. */
  url: string | undefined;
  apiKey: string | undefined;
  http: Partial<HttpTuning> | undefined;
  /** Absolute path of the HTTP sink's spill file. */
  spillPath: string;
}

/** The HTTP sink's spill file, beside the JSONL file unless configured. */
export const DEFAULT_SPILL_FILE = 'tally-spill.jsonl';

type Env = Record<string, string | undefined>;

/**
 * Turns explicit options and the environment into the SDK's configuration; options win over the environment.
 *
 * @example loadSdkConfig({ LLM_TRACKING_DIR: '/var/log/llm' }) // → { path: '/var/log/llm/master_llm_calls.jsonl', … }
 */
export function loadSdkConfig(env: Env = process.env, options: SdkOptions = {}): SdkConfig {
  const dir = options.dir ?? (env.LLM_TRACKING_DIR?.trim() || DEFAULT_DIR);
  const file = options.file ?? (env.LLM_TRACKING_FILE?.trim() || DEFAULT_FILE);
  const maxQueue = options.maxQueue !== undefined && options.maxQueue > 0 ? options.maxQueue : DEFAULT_MAX_QUEUE;
  return Object.freeze({
    path: resolve(dir, file),
    maxQueue: Math.floor(maxQueue),
    enabled: options.enabled ?? true,
    onError: options.onError,
    rotation: options.rotation,
    url: options.url ?? (env.TALLY_URL?.trim() || undefined),
    apiKey: options.apiKey ?? (env.TALLY_API_KEY?.trim() || undefined),
    http: options.http,
    spillPath: resolve(dir, options.spillFile ?? DEFAULT_SPILL_FILE),
  });
}
