import type { CallOptions, CallStatus, TokenCounts } from './call-event.js';
import { logCall } from './track.js';

/** Who made the calls a wrapped client sends: the fields `track()` takes (user_id, session_id, agent_name, …). */
export type WrapOptions = CallOptions;

/** What Tally learns from one response or one finished stream. */
export interface Observed {
  model?: string;
  tokens?: TokenCounts;
}

/** Reads one streamed response chunk by chunk, as the caller iterates it. */
export interface StreamWatcher {
  /** Takes one chunk; returns true when it carries content (text, tool call, reasoning), for time to first token. */
  chunk(value: unknown): boolean;
  result(): Observed;
}

/** How one provider endpoint reports model and usage. */
export interface EndpointAdapter {
  provider: string;
  endpoint: string;
  fromResponse(body: unknown): Observed;
  watchStream(): StreamWatcher;
}

/** A provider SDK method: structural, so the SDK needs neither provider package at runtime. */
export type CreateMethod = (...args: never[]) => unknown;
export interface CreateResource {
  create: CreateMethod;
}

const WRAPPED = Symbol.for('tally.wrapped');

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const field = (v: unknown, key: string): unknown => (isObject(v) ? v[key] : undefined);

const elapsed = (t0: number) => Math.round((performance.now() - t0) * 1000) / 1000;

function errorFields(err: unknown): { status: CallStatus; error_type: string; error_message: string } {
  if (!(err instanceof Error)) return { status: 'error', error_type: 'Error', error_message: String(err) };
  // Provider SDKs name their errors by class (InternalServerError, APIConnectionTimeoutError, …).
  const type = err.name !== 'Error' ? err.name : err.constructor.name;
  const status: CallStatus = /timeout/i.test(type) ? 'timeout' : /abort/i.test(type) ? 'cancelled' : 'error';
  return { status, error_type: type, error_message: err.message };
}

/** Request fields worth keeping on the line. */
function requestFields(params: unknown): CallOptions & { requestModel?: string; stream: boolean } {
  const max = num(field(params, 'max_tokens')) ?? num(field(params, 'max_completion_tokens'));
  const model = field(params, 'model');
  return {
    requestModel: typeof model === 'string' ? model : undefined,
    temperature: num(field(params, 'temperature')),
    max_tokens: max ?? num(field(params, 'max_output_tokens')),
    stream: field(params, 'stream') === true,
  };
}

/** One in-flight call; records exactly once, whatever happens first. */
class CallRecorder {
  private done = false;
  private readonly startMs = Date.now();
  private readonly t0 = performance.now();
  private ttft: number | undefined;

  constructor(
    private readonly adapter: EndpointAdapter,
    private readonly options: WrapOptions,
    private readonly request: ReturnType<typeof requestFields>,
  ) {}

  firstContent(): void {
    this.ttft ??= elapsed(this.t0);
  }

  finish(observed: Observed, failure?: { status: CallStatus; error_type?: string; error_message: string }): void {
    if (this.done) return;
    this.done = true;
    const { requestModel, ...request } = this.request;
    logCall({
      operation: 'chat',
      api_type: 'generative',
      ...request,
      ...this.options,
      provider: this.options.provider ?? this.adapter.provider,
      endpoint: this.adapter.endpoint,
      model: observed.model ?? requestModel,
      ...observed.tokens,
      ttft_ms: this.ttft,
      timestamp: this.startMs,
      duration_ms: elapsed(this.t0),
      status: failure?.status ?? 'success',
      error_type: failure?.error_type,
      error_message: failure?.error_message,
    });
  }

  fail(err: unknown, observed: Observed = {}): void {
    this.finish(observed, errorFields(err));
  }
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback; // a chunk Tally cannot read must not cost the caller the stream
  }
}

/** Built outside watchStream() so the closure cannot reach the stream (see `dropped`). */
const resultOf = (watcher: StreamWatcher) => () => safe(() => watcher.result(), {});

interface Dropped {
  rec: CallRecorder;
  result: () => Observed;
}
/**
 * A stream the caller drops without reading to the end or closing still cost tokens; it is recorded when collected.
 * The held value must not reach the stream, or it would never be collected.
 */
const dropped = new FinalizationRegistry<Dropped>(({ rec, result }) =>
  rec.finish(result(), { status: 'cancelled', error_message: 'stream dropped by the caller before it ended' }),
);

/**
 * Replaces the stream's iterator factory so Tally reads each chunk as the caller pulls it; the stream object,
 * its chunks and their order stay the caller's. Both provider SDKs route `for await`, `tee()` and
 * `toReadableStream()` through `stream.iterator`.
 */
function watchStream(stream: Record<string, unknown>, adapter: EndpointAdapter, rec: CallRecorder): boolean {
  const original = stream.iterator;
  if (typeof original !== 'function') return false;
  const watcher = adapter.watchStream();
  const result = resultOf(watcher);
  dropped.register(stream, { rec, result });
  stream.iterator = function (this: unknown, ...args: unknown[]) {
    const source = Reflect.apply(original, this, args) as AsyncIterator<unknown>;
    const observed: AsyncIterableIterator<unknown> = {
      async next(...a: [] | [unknown]) {
        let r: IteratorResult<unknown>;
        try {
          r = await source.next(...a);
        } catch (err) {
          rec.fail(err, result());
          throw err;
        }
        if (r.done) {
          // A stream the caller aborted through its controller ends quietly; it did not complete.
          const aborted = field(field(stream.controller, 'signal'), 'aborted') === true;
          rec.finish(
            result(),
            aborted ? { status: 'cancelled', error_message: 'stream aborted by the caller' } : undefined,
          );
        } else if (safe(() => watcher.chunk(r.value), false)) rec.firstContent();
        return r;
      },
      async return(value?: unknown) {
        rec.finish(result(), { status: 'cancelled', error_message: 'stream closed by the caller before it ended' });
        return source.return ? source.return(value) : { done: true, value };
      },
      async throw(err?: unknown) {
        rec.fail(err, result());
        if (source.throw) return source.throw(err);
        throw err;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return observed;
  };
  return true;
}

/**
 * Both provider SDKs return an APIPromise whose `then`, `catch`, `finally` and `withResponse` all go through its
 * `parse()`, which reads the body once. Tally hooks `parse()` rather than calling `then` itself, so a caller who only
 * wants the raw body (`asResponse()`) can still read it. The hook's reaction is registered before the caller's, so a
 * stream is watched before the caller can iterate it. Other thenables are observed directly.
 */
function observeWhenParsed(
  promise: Record<string, unknown>,
  then: unknown,
  onValue: (value: unknown) => void,
  onError: (err: unknown) => void,
): void {
  const parse = promise.parse;
  if (typeof parse !== 'function') {
    Reflect.apply(then as CreateMethod, promise, [onValue, onError]);
    return;
  }
  let hooked: unknown;
  promise.parse = function (this: unknown, ...args: unknown[]) {
    const parsed = Reflect.apply(parse, this, args) as PromiseLike<unknown>;
    if (hooked !== parsed) {
      hooked = parsed;
      parsed.then(onValue, onError);
    }
    return parsed;
  };
}

/**
 * Instruments `resource.create` in place. The wrapper returns the very promise the provider SDK returns (its
 * helpers such as `withResponse()` keep working) and observes it alongside the caller.
 */
export function instrumentCreate(
  resource: CreateResource | undefined,
  adapter: EndpointAdapter,
  options: WrapOptions,
): void {
  if (!resource || typeof resource.create !== 'function') return;
  const create = resource.create as CreateMethod & { [WRAPPED]?: CreateMethod };
  const original = create[WRAPPED] ?? create;
  const wrapped = function (this: unknown, ...args: never[]) {
    const request = requestFields(args[0]);
    const rec = new CallRecorder(adapter, options, request);
    let result: unknown;
    try {
      result = Reflect.apply(original, this, args);
    } catch (err) {
      rec.fail(err);
      throw err;
    }
    const then = field(result, 'then');
    if (typeof then !== 'function') {
      rec.finish({});
      return result;
    }
    const observe = (value: unknown) => {
      try {
        if (!request.stream) rec.finish(adapter.fromResponse(value));
        else if (!isObject(value) || !watchStream(value, adapter, rec)) rec.finish({});
      } catch {
        rec.finish({});
      }
    };
    observeWhenParsed(result as Record<string, unknown>, then, observe, (err) => rec.fail(err));
    return result;
  } as CreateMethod & { [WRAPPED]?: CreateMethod };
  wrapped[WRAPPED] = original;
  resource.create = wrapped;
}
