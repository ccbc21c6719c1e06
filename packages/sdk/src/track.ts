import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { CallLine, CallOptions, CallStatus, LoggedCall, TokenCounts } from './call-event.js';
import { estimateCost } from './cost.js';
import { copyFields, readableFields } from './fast-copy.js';
import { isoTime } from './iso-time.js';
import { activeSink } from './runtime.js';

/** The handle `track()` passes to the tracked function. */
export interface TrackedCall {
  /** Records token counts (merged into earlier ones); `total_tokens` defaults to input + output. */
  updateTokens(tokens: TokenCounts): void;
  /** Records the call's cost in USD, as the provider reported it; without it the SDK estimates one. */
  setCost(usd: number): void;
  /** Marks the call failed without throwing (a string, or an Error whose name becomes `error_type`). */
  setError(err: unknown): void;
  /** Merges host-defined fields into the line's `metadata`. */
  setMetadata(metadata: Record<string, unknown>): void;
}

const KNOWN_STATUS = new Set<string>(['success', 'error', 'timeout', 'cancelled']);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

function errorFields(err: unknown): { status: CallStatus; error_type?: string; error_message: string } {
  if (err instanceof Error) {
    // AbortSignal.timeout() rejects with a TimeoutError; an aborted request with an AbortError.
    const status = err.name === 'TimeoutError' ? 'timeout' : err.name === 'AbortError' ? 'cancelled' : 'error';
    return { status, error_type: err.name, error_message: err.message };
  }
  return { status: 'error', error_message: typeof err === 'string' ? err : String(err) };
}

// Created on first use, so importing the SDK starts no async context tracking.
let scope: AsyncLocalStorage<CallOptions> | undefined;

/** The options set by the innermost `withCallOptions()` around the current code, if any. */
export function contextCallOptions(): CallOptions | undefined {
  return scope?.getStore();
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * `over`'s defined fields win over `base`'s; `metadata` is merged key by key with the same precedence. An explicit
 * `undefined` (e.g. `user_id: maybeUser`) keeps the field from `base`.
 */
export function mergeCallOptions<T extends CallOptions>(base: CallOptions | undefined, over: T): T {
  if (!isRecord(base)) return over;
  if (!isRecord(over)) return { ...base } as unknown as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) if (v !== undefined) out[k] = v;
  if (isRecord(base.metadata) && isRecord(over.metadata)) out.metadata = { ...base.metadata, ...over.metadata };
  return out as T;
}

/**
 * Runs `fn` with call options that apply to every `track()`, `logCall()` and wrapped-client call made inside it,
 * including in the async work it starts; returns what `fn` returns. The provider request is not changed. Fields
 * given to `track()`/`logCall()` win over these, and these win over a wrapped client's options; nested calls
 * merge, the inner one winning (`metadata` is merged key by key).
 *
 * @example
 * await withCallOptions({ user_id: req.user.id, session_id: req.sessionId }, async () => {
 *   await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }); // recorded with that user and session
 * });
 */
export function withCallOptions<R>(options: CallOptions, fn: () => R): R {
  if (typeof fn !== 'function') throw new TypeError('withCallOptions(options, fn): fn must be a function');
  scope ??= new AsyncLocalStorage<CallOptions>();
  return scope.run(mergeCallOptions(scope.getStore(), callOptionsOnly(options)), fn);
}

/** Every field of CallOptions (the compiler checks the list is complete). */
const CALL_OPTION_FIELDS: Record<keyof CallOptions, true> = {
  source_function: true,
  provider: true,
  api_provider: true,
  api_type: true,
  model: true,
  operation: true,
  user_id: true,
  session_id: true,
  source_id: true,
  agent_name: true,
  agent_version: true,
  temperature: true,
  max_tokens: true,
  additional_params: true,
  metadata: true,
  tags: true,
};

/** A context applies to many lines, so it keeps only who-and-what fields: never an `id`, tokens or a status. */
function callOptionsOnly(options: unknown): CallOptions {
  if (!isRecord(options)) return {};
  return Object.fromEntries(Object.entries(options).filter(([k]) => Object.hasOwn(CALL_OPTION_FIELDS, k)));
}

function toMs(t: Date | string | number | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Builds the line; tolerant of anything a host passes, since a bad field must not cost the host its call. */
/** The cost fields of a line whose sink prices calls itself (a Tally server): no estimate is made for it. */
const NOT_ESTIMATED = { cost_usd: null, cost_source: 'unpriced' as const, price_model_id: null };

function buildLine(c: LoggedCall, startMs: number, durationMs: number | undefined, estimate: boolean): CallLine {
  const provider = str(c.provider) ?? str(c.api_provider);
  const input = num(c.input_tokens);
  const output = num(c.output_tokens);
  const total =
    num(c.total_tokens) ?? (input !== undefined || output !== undefined ? (input ?? 0) + (output ?? 0) : undefined);
  const reported = num(c.cost_usd) ?? num(c.cost_estimate);
  const cost =
    reported !== undefined
      ? { cost_usd: reported, cost_source: 'reported' as const, price_model_id: null }
      : estimate
        ? estimateCost(provider, str(c.model), new Date(startMs), c)
        : NOT_ESTIMATED;
  const status: CallStatus = KNOWN_STATUS.has(c.status as string) ? (c.status as CallStatus) : 'success';
  const line: CallLine = {
    id: str(c.id) ?? randomUUID(),
    timestamp: isoTime(startMs),
    end_time: durationMs === undefined ? undefined : isoTime(startMs + durationMs),
    duration_ms: durationMs,
    latency_ms: durationMs,
    status,
    provider,
    api_provider: provider,
    model: str(c.model),
    api_type: str(c.api_type),
    operation: str(c.operation),
    source_function: str(c.source_function),
    user_id: str(c.user_id),
    session_id: str(c.session_id),
    source_id: str(c.source_id),
    agent_name: str(c.agent_name),
    agent_version: str(c.agent_version),
    temperature: num(c.temperature),
    max_tokens: num(c.max_tokens),
    input_tokens: input,
    output_tokens: output,
    total_tokens: total,
    cache_read_tokens: num(c.cache_read_tokens),
    cache_write_tokens: num(c.cache_write_tokens),
    reasoning_tokens: num(c.reasoning_tokens),
    // Named rather than `...cost`: a spread inside an object literal is a generic runtime copy on every call.
    cost_usd: cost.cost_usd,
    cost_source: cost.cost_source,
    price_model_id: cost.price_model_id,
    cost_estimate: cost.cost_usd,
    error_type: str(c.error_type),
    error_message: typeof c.error_message === 'string' ? c.error_message : undefined,
    additional_params: c.additional_params,
    metadata: c.metadata,
    tags: Array.isArray(c.tags) ? c.tags : undefined,
    ttft_ms: num(c.ttft_ms),
    stream: typeof c.stream === 'boolean' ? c.stream : undefined,
    endpoint: str(c.endpoint),
  };
  return line;
}

function record(c: LoggedCall, startMs: number, durationMs: number | undefined): void {
  try {
    const sink = activeSink();
    sink?.append(buildLine(c, startMs, durationMs, sink.estimatesCost));
  } catch {
    // Unreachable by design (buildLine tolerates any input, append never throws); kept so the host never sees one.
  }
}

/**
 * Runs `fn` and records one call: start, end, duration, status and any error, which is rethrown unchanged.
 * Works with sync and async functions; returns what `fn` returns. Writing happens in the background.
 *
 * @example
 * const reply = await track({ provider: 'openai', model: 'gpt-4o', operation: 'chat_answer', user_id }, async (call) => {
 *   const r = await openai.chat.completions.create({ model: 'gpt-4o', messages });
 *   call.updateTokens({ input_tokens: r.usage?.prompt_tokens, output_tokens: r.usage?.completion_tokens });
 *   return r;
 * });
 */
export function track<R>(options: CallOptions, fn: (call: TrackedCall) => R): R {
  const state: LoggedCall = copyFields(mergeCallOptions(contextCallOptions(), options ?? {}));
  state.status = 'success';
  const startMs = Date.now();
  const t0 = performance.now();
  let errorSet = false;
  const call: TrackedCall = {
    updateTokens: (tokens) => void Object.assign(state, tokens),
    setCost: (usd) => void (state.cost_usd = usd),
    setError: (err) => {
      errorSet = true;
      Object.assign(state, errorFields(err));
    },
    setMetadata: (m) => void (state.metadata = { ...state.metadata, ...m }),
  };
  let done = false;
  const finish = (thrown?: { err: unknown }) => {
    if (done) return;
    done = true;
    if (thrown && !errorSet) Object.assign(state, errorFields(thrown.err));
    record(state, startMs, Math.max(0, Math.round((performance.now() - t0) * 1000) / 1000));
  };
  let result: R;
  try {
    result = fn(call);
  } catch (err) {
    finish({ err });
    throw err;
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    return (result as unknown as PromiseLike<unknown>).then(
      (value) => {
        finish();
        return value;
      },
      (err: unknown) => {
        finish({ err });
        throw err;
      },
    ) as R;
  }
  finish();
  return result;
}

/**
 * Records a call made elsewhere, e.g. by a library that reports usage afterwards.
 *
 * @example logCall({ provider: 'google', model: 'gemini-2.0-flash', operation: 'summarization',
 *   input_tokens: 1000, output_tokens: 500, latency_ms: 1234.5, source_id: 'doc_123' });
 */
export function logCall(c: LoggedCall): void {
  try {
    recordCall(mergeCallOptions(contextCallOptions(), c));
  } catch {
    // logCall never throws into the host.
  }
}

/** `logCall()` without the `withCallOptions()` context: for callers that merged it themselves. */
export function recordCall(host: LoggedCall): void {
  try {
    const c = readableFields(host);
    // Unknown stays unknown: a 0 ms duration would pull averages down.
    const given = num(c.duration_ms) ?? num(c.latency_ms);
    const duration = given === undefined ? undefined : Math.max(0, given);
    const start = toMs(c.timestamp) ?? Date.now() - (duration ?? 0);
    const errored = c.error_message !== undefined && c.status === undefined;
    record(errored ? Object.assign(copyFields(c), { status: 'error' as const }) : c, start, duration);
  } catch {
    // Never throws into the host.
  }
}
