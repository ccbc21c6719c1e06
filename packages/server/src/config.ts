import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseStoreLocation, type StoreLocation } from '@tally/storage';
import type { CapturePolicy } from '@tally/core';

export interface TallyConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly store: StoreLocation;
  /** Plain admin token from the environment, when the operator chose one; otherwise one is generated. */
  readonly adminToken: string | null;
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  readonly capturePolicy: CapturePolicy;
  readonly duckdbMemoryLimit: string;
  /** PostgreSQL: connections the store keeps open at most (TALLY_PG_POOL_SIZE). */
  readonly pgPoolSize: number;
  /**
   * Seconds between reloads of API keys, projects and price overrides from a store other processes write too
   * (TALLY_SHARED_REFRESH_SECONDS); 0 never reloads. Unused on a store one process owns.
   */
  readonly sharedRefreshSeconds: number;
  /** How long identical analytics questions are answered from memory; 0 turns the cache off. */
  readonly queryCacheSeconds: number;
  /** Days of data kept in projects that set no retention of their own; null keeps everything. */
  readonly retentionDays: number | null;
  /** Seconds between evaluations of alert rules and budget thresholds. */
  readonly alertIntervalSeconds: number;
  /** Browser origins allowed to call the API (CORS); empty = none, `*` = any. */
  readonly corsOrigins: readonly string[];
  /** Where the recording proxy forwards OpenAI- and Anthropic-format requests. */
  readonly upstreams: { readonly openai: UpstreamConfig; readonly anthropic: UpstreamConfig };
  /** How long one proxied request may take upstream, from sending it to the last byte of the answer. */
  readonly upstreamTimeoutMs: number;
  /** Addresses (IPs or CIDRs) of reverse proxies whose X-Forwarded-For the proxy believes; empty = none. */
  readonly trustedProxies: readonly string[];
  /** The built dashboard (index.html and assets/), served at /. */
  readonly webDir: string;
  /** Redis for running several replicas (ingest queue, shared cache and budgets); null runs in one process. */
  readonly redis: RedisConfig | null;
}

/** TALLY_REDIS_URL and the ingest workers' tuning. */
export interface RedisConfig {
  /** The URL as given, password included: hand it to the client only, never to a log. */
  readonly url: string;
  /** The URL as it may be shown, with any password masked. */
  readonly shown: string;
  /** Every key Tally makes starts with this (TALLY_REDIS_PREFIX). */
  readonly prefix: string;
  /** Most queued messages a worker writes to the store in one batch. */
  readonly workerBatch: number;
  /** How long a message may stay unacknowledged by a worker before another worker takes it over. */
  readonly claimIdleMs: number;
  /** Deliveries of a message the store keeps refusing before it moves to the dead-letter stream. */
  readonly maxDeliveries: number;
}

export interface UpstreamConfig {
  /** Base URL without a trailing slash, e.g. https://api.openai.com/v1. */
  readonly url: string;
  /** The operator's provider key, sent upstream instead of the client's; null passes the client's key through. */
  readonly key: string | null;
}

/**
 * Where `npm run build` puts the dashboard: packages/web/dist, found from this module, which is two folders below
 * the packages folder whether it runs from packages/server/src or from packages/server/dist.
 */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Command-line flags that override the environment. */
export interface ConfigFlags {
  port?: string;
  host?: string;
  data?: string;
  store?: string;
}

/** Every setting, its variable, default and meaning; the README's configuration table is written from this. */
export const SETTINGS = [
  ['TALLY_PORT', '8000', 'HTTP port (flag --port)'],
  [
    'TALLY_HOST',
    '127.0.0.1',
    'Address to listen on (flag --host). On a non-loopback address Tally refuses to start until an API key exists',
  ],
  ['TALLY_DATA_DIR', './data', 'Directory of the embedded database (flag --data)'],
  [
    'TALLY_STORE',
    '<data dir>/tally.duckdb',
    'Event store: a DuckDB file (duckdb:/path/file.duckdb), :memory:, or PostgreSQL (postgres://user:password@host:5432/db) (flag --store)',
  ],
  [
    'TALLY_ADMIN_TOKEN',
    'generated at first start',
    'Admin token for managing projects and keys; when unset one is generated, printed once and stored hashed',
  ],
  ['TALLY_BODY_LIMIT_MB', '20', 'Largest request body accepted, in MiB (413 above)'],
  ['TALLY_LOG_LEVEL', 'info', 'fatal, error, warn, info, debug, trace or silent'],
  ['TALLY_CAPTURE_POLICY', 'full', 'Capture policy of new projects for input_text/output_text: none, redacted or full'],
  ['TALLY_DUCKDB_MEMORY_LIMIT', '256MB', "DuckDB's memory cap; larger queries spill to disk beside the database"],
  [
    'TALLY_PG_POOL_SIZE',
    '10',
    'PostgreSQL store: connections one Tally process keeps open at most (each replica and CLI command has its own pool)',
  ],
  [
    'TALLY_SHARED_REFRESH_SECONDS',
    '5',
    'PostgreSQL store: seconds between reloads of API keys, projects and price overrides, so a key, project or price changed through another replica or CLI command applies here at most that many seconds later; 0 = never (only at a restart)',
  ],
  [
    'TALLY_QUERY_CACHE_SECONDS',
    '10',
    'How long identical analytics queries are answered from memory (a write to the project clears them); 0 = off',
  ],
  [
    'TALLY_CORS_ORIGINS',
    'unset (CORS off)',
    'Comma-separated origins allowed to call the API from a browser, e.g. https://dash.example.com; * allows any',
  ],
  [
    'TALLY_UPSTREAM_OPENAI',
    'https://api.openai.com/v1',
    'Base URL the proxy forwards /proxy/openai/v1/* to, version path included (any OpenAI-compatible server: vLLM, Ollama, OpenRouter, Azure)',
  ],
  [
    'TALLY_UPSTREAM_ANTHROPIC',
    'https://api.anthropic.com',
    'Base URL the proxy forwards /proxy/anthropic/v1/* to, without /v1 (as ANTHROPIC_BASE_URL)',
  ],
  [
    'TALLY_UPSTREAM_OPENAI_KEY',
    'unset (client key passes)',
    "Provider key the proxy sends to the OpenAI upstream instead of the client's Authorization header",
  ],
  [
    'TALLY_UPSTREAM_ANTHROPIC_KEY',
    'unset (client key passes)',
    "Provider key the proxy sends to the Anthropic upstream instead of the client's x-api-key header",
  ],
  [
    'TALLY_UPSTREAM_TIMEOUT_MS',
    '600000',
    'How long one proxied request may take upstream, to the last byte of the answer; 504 before the answer starts',
  ],
  [
    'TALLY_TRUSTED_PROXIES',
    'unset (none)',
    'Comma-separated IPs or CIDRs of reverse proxies in front of Tally whose X-Forwarded-For gives the client_ip',
  ],
  [
    'TALLY_RETENTION_DAYS',
    'unset (keep all)',
    'Days of data kept in projects without their own retention_days; older data is deleted hourly',
  ],
  [
    'TALLY_ALERT_INTERVAL_SECONDS',
    '60',
    'Seconds between evaluations of alert rules and budget thresholds (budgets crossed by proxied calls alert at once)',
  ],
  [
    'TALLY_WEB_DIR',
    'packages/web/dist',
    'Directory of the built dashboard (index.html and assets/) served to browsers at /; npm run build makes it',
  ],
  [
    'TALLY_REDIS_URL',
    'unset (one process)',
    'Redis for several API replicas: ingest goes through a Redis stream written to the store by tally worker, and the query cache and budget counts are shared (redis://[:password@]host:6379/0, rediss:// for TLS)',
  ],
  [
    'TALLY_REDIS_PREFIX',
    'tally:',
    'Prefix of every Redis key Tally uses; give each Tally installation sharing a Redis its own',
  ],
  ['TALLY_WORKER_BATCH', '500', 'Most queued messages a worker writes to the store in one transaction (flag --batch)'],
  [
    'TALLY_WORKER_CLAIM_IDLE_MS',
    '30000',
    'How long a message may stay unacknowledged by a worker (crashed, or stuck) before another worker takes it over',
  ],
  [
    'TALLY_WORKER_MAX_DELIVERIES',
    '5',
    'Deliveries of a message the store keeps rejecting (or that cannot be decoded) before it moves to the dead-letter stream',
  ],
] as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const POLICIES: readonly CapturePolicy[] = ['none', 'redacted', 'full'];

/**
 * Turns the environment and flags into one frozen, typed configuration. A bad value stops start-up here with a
 * message naming the setting, what it got and what it accepts — never later, at the first request.
 */
export function loadConfig(env: Record<string, string | undefined>, flags: ConfigFlags = {}): TallyConfig {
  const problems: string[] = [];
  const pick = (flag: string | undefined, name: string) => (flag ?? env[name] ?? '').trim() || undefined;

  const portText = pick(flags.port, 'TALLY_PORT') ?? '8000';
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535))
    problems.push(`TALLY_PORT (--port) must be a whole number from 0 to 65535; got ${portText}`);

  const host = pick(flags.host, 'TALLY_HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:_-]+$/.test(host))
    problems.push(`TALLY_HOST (--host) must be an IP address or host name; got ${host}`);

  const dataDir = resolve(pick(flags.data, 'TALLY_DATA_DIR') ?? './data');
  const store = parseStoreLocation(pick(flags.store, 'TALLY_STORE'), dataDir);
  if (typeof store === 'string') problems.push(store);

  const adminToken = pick(undefined, 'TALLY_ADMIN_TOKEN') ?? null;
  if (adminToken !== null && adminToken.length < 16)
    problems.push('TALLY_ADMIN_TOKEN must be at least 16 characters long');

  const limitText = pick(undefined, 'TALLY_BODY_LIMIT_MB') ?? '20';
  const limitMb = Number(limitText);
  if (!(limitMb > 0 && limitMb <= 1024))
    problems.push(`TALLY_BODY_LIMIT_MB must be a number of MiB from 0 to 1024; got ${limitText}`);

  const logLevel = (pick(undefined, 'TALLY_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`TALLY_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${logLevel}`);

  const policy = (pick(undefined, 'TALLY_CAPTURE_POLICY') ?? 'full').toLowerCase() as CapturePolicy;
  if (!POLICIES.includes(policy))
    problems.push(`TALLY_CAPTURE_POLICY must be one of ${POLICIES.join(', ')}; got ${policy}`);

  const memoryLimit = pick(undefined, 'TALLY_DUCKDB_MEMORY_LIMIT') ?? '256MB';
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    problems.push(`TALLY_DUCKDB_MEMORY_LIMIT must be a size such as 512MB or 2GB; got ${memoryLimit}`);
  }

  const poolText = pick(undefined, 'TALLY_PG_POOL_SIZE') ?? '10';
  const pgPoolSize = /^\d+$/.test(poolText) ? Number(poolText) : NaN;
  if (!(pgPoolSize >= 1 && pgPoolSize <= 1000))
    problems.push(`TALLY_PG_POOL_SIZE must be a whole number of connections from 1 to 1000; got ${poolText}`);

  const refreshText = pick(undefined, 'TALLY_SHARED_REFRESH_SECONDS') ?? '5';
  const sharedRefreshSeconds = /^\d+$/.test(refreshText) ? Number(refreshText) : NaN;
  if (!(sharedRefreshSeconds >= 0 && sharedRefreshSeconds <= 3600))
    problems.push(
      `TALLY_SHARED_REFRESH_SECONDS must be a whole number of seconds from 0 (never) to 3600; got ${refreshText}`,
    );

  const cacheText = pick(undefined, 'TALLY_QUERY_CACHE_SECONDS') ?? '10';
  const queryCacheSeconds = Number(cacheText);
  if (!(queryCacheSeconds >= 0 && queryCacheSeconds <= 3600))
    problems.push(`TALLY_QUERY_CACHE_SECONDS must be a number of seconds from 0 to 3600; got ${cacheText}`);

  const retentionText = pick(undefined, 'TALLY_RETENTION_DAYS');
  const retentionDays = retentionText === undefined ? null : Number(retentionText);
  if (retentionDays !== null && !(Number.isInteger(retentionDays) && retentionDays >= 1 && retentionDays <= 36500))
    problems.push(`TALLY_RETENTION_DAYS must be a whole number of days from 1 to 36500; got ${retentionText}`);

  const alertText = pick(undefined, 'TALLY_ALERT_INTERVAL_SECONDS') ?? '60';
  const alertIntervalSeconds = /^\d+$/.test(alertText) ? Number(alertText) : NaN;
  if (!(alertIntervalSeconds >= 1 && alertIntervalSeconds <= 86_400))
    problems.push(`TALLY_ALERT_INTERVAL_SECONDS must be a whole number of seconds from 1 to 86400; got ${alertText}`);

  const corsOrigins = (pick(undefined, 'TALLY_CORS_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean);
  for (const o of corsOrigins) {
    if (o !== '*' && !/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(o))
      problems.push(`TALLY_CORS_ORIGINS must list origins such as https://dash.example.com (or *); got ${o}`);
  }

  const upstreams = {
    openai: upstream(env, 'OPENAI', 'https://api.openai.com/v1', problems),
    anthropic: upstream(env, 'ANTHROPIC', 'https://api.anthropic.com', problems),
  };
  const timeoutText = pick(undefined, 'TALLY_UPSTREAM_TIMEOUT_MS') ?? '600000';
  const upstreamTimeoutMs = /^\d+$/.test(timeoutText) ? Number(timeoutText) : NaN;
  if (!(upstreamTimeoutMs >= 1 && upstreamTimeoutMs <= 86_400_000))
    problems.push(
      `TALLY_UPSTREAM_TIMEOUT_MS must be a whole number of milliseconds from 1 to 86400000; got ${timeoutText}`,
    );

  const trustedProxies = (pick(undefined, 'TALLY_TRUSTED_PROXIES') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of trustedProxies) {
    if (!isAddressOrCidr(p))
      problems.push(`TALLY_TRUSTED_PROXIES must list IP addresses or CIDRs such as 10.0.0.0/8 or ::1; got ${p}`);
  }

  // A folder without a built dashboard is not an error: browsers are told to build it, the API is unaffected.
  const webDir = resolve(pick(undefined, 'TALLY_WEB_DIR') ?? DEFAULT_WEB_DIR);

  const redis = redisConfig(pick, problems);

  if (problems.length > 0 || typeof store === 'string') {
    throw new ConfigError(`Tally cannot start; fix the configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return Object.freeze({
    port,
    host,
    dataDir,
    store,
    adminToken,
    bodyLimitBytes: Math.floor(limitMb * 1024 * 1024),
    logLevel,
    capturePolicy: policy,
    duckdbMemoryLimit: memoryLimit,
    pgPoolSize,
    sharedRefreshSeconds,
    queryCacheSeconds,
    retentionDays,
    alertIntervalSeconds,
    corsOrigins: Object.freeze(corsOrigins),
    upstreams: Object.freeze({
      openai: Object.freeze(upstreams.openai),
      anthropic: Object.freeze(upstreams.anthropic),
    }),
    upstreamTimeoutMs,
    trustedProxies: Object.freeze(trustedProxies),
    webDir,
    redis,
  });
}

/** The Redis settings, or null when TALLY_REDIS_URL is unset; problems name the setting and never the password. */
function redisConfig(pick: (flag: string | undefined, name: string) => string | undefined, problems: string[]) {
  const url = pick(undefined, 'TALLY_REDIS_URL');
  if (url === undefined) return null;
  const shown = maskPassword(url);
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed || !/^rediss?:$/.test(parsed.protocol) || !parsed.hostname)
    problems.push(
      `TALLY_REDIS_URL must be a URL such as redis://:password@host:6379/0 (rediss:// for TLS); got ${shown}`,
    );
  const prefix = pick(undefined, 'TALLY_REDIS_PREFIX') ?? 'tally:';
  if (!/^[A-Za-z0-9:_.{}-]{1,64}$/.test(prefix))
    problems.push(`TALLY_REDIS_PREFIX must be 1 to 64 letters, digits or :_.-{} such as tally: ; got ${prefix}`);
  const whole = (name: string, fallback: string, min: number, max: number): number => {
    const text = pick(undefined, name) ?? fallback;
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) problems.push(`${name} must be a whole number from ${min} to ${max}; got ${text}`);
    return n;
  };
  return Object.freeze({
    url,
    shown,
    prefix,
    workerBatch: whole('TALLY_WORKER_BATCH', '500', 1, 10_000),
    claimIdleMs: whole('TALLY_WORKER_CLAIM_IDLE_MS', '30000', 100, 86_400_000),
    maxDeliveries: whole('TALLY_WORKER_MAX_DELIVERIES', '5', 1, 1000),
  });
}

/** A URL as it may be logged: its password replaced by `***`. */
export function maskPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

function upstream(
  env: Record<string, string | undefined>,
  which: 'OPENAI' | 'ANTHROPIC',
  fallback: string,
  problems: string[],
): UpstreamConfig {
  const name = `TALLY_UPSTREAM_${which}`;
  const text = env[name]?.trim() || fallback;
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    problems.push(
      `${name} must be an http(s) URL without query, fragment or credentials, e.g. ${fallback}; got ${text}`,
    );
  }
  return { url: text.replace(/\/+$/, ''), key: env[`${name}_KEY`]?.trim() || null };
}

function isAddressOrCidr(text: string): boolean {
  const [address = '', bits, extra] = text.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
