import { field, isObject } from './wrap-adapter.js';
import type { EndpointAdapter, Observed } from './wrap-adapter.js';
import type { CallRecorder } from './wrap-recorder.js';
import { recordWhenSettled } from './runtime.js';
import { safe, watchStream } from './wrap-stream.js';

type Fn = (...args: unknown[]) => unknown;
const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof field(v, 'then') === 'function';

/** Turns what one call's promises report into its single line. Never throws. */
export class CallObserver {
  /** A parse of the body has begun (`await`, `then`, `withResponse()`): that path records, with tokens. */
  parsing = false;
  /** Model and usage of the body as the provider sent it, before an SDK helper transformed it. */
  private seen: Observed | undefined;

  constructor(
    private readonly adapter: EndpointAdapter,
    private readonly rec: CallRecorder,
  ) {}

  /** The body the provider SDK parsed, before a helper such as `parse()` transforms (and may reject) it. */
  raw(value: unknown): void {
    if (!this.rec.stream) this.seen ??= safe(() => this.adapter.fromResponse(value), undefined);
  }

  /** What the caller's promise resolved to. */
  value(value: unknown): void {
    try {
      if (!this.rec.stream) this.rec.finish(this.seen ?? this.adapter.fromResponse(value));
      else if (!isObject(value) || !watchStream(value, this.adapter, this.rec)) this.rec.finish({});
    } catch {
      this.rec.finish({});
    }
  }

  /** The caller's promise rejected: the request failed, or a helper rejected a body that still cost tokens. */
  error(err: unknown): void {
    this.rec.fail(err, this.seen);
  }

  /**
   * The caller took the raw `Response` (`asResponse()`) and will read the body itself. A JSON body is read from a
   * clone, which leaves the caller's copy unread, so the line gets the tokens too; flush() waits for that read. A
   * stream is not cloned: a copy read to the end would pull the stream ahead of the caller and keep it running after
   * the caller cancels it, so its line is written now, when the headers arrive, with status and duration only.
   */
  response(response: unknown): void {
    if (this.parsing) return; // the body is being parsed too: that path records, with tokens
    const type = safe(() => (field(response, 'headers') as Headers).get('content-type') ?? '', '');
    const clone = field(response, 'clone');
    if (this.rec.stream || !/json/i.test(type) || typeof clone !== 'function') return this.rec.finish({});
    try {
      const copy = Reflect.apply(clone, response, []) as Response;
      recordWhenSettled(
        copy.json().then(
          (body: unknown) => this.rec.finish(safe(() => this.adapter.fromResponse(body), {})),
          () => this.rec.finish({}),
        ),
      );
    } catch {
      this.rec.finish({});
    }
  }
}

/**
 * Both provider SDKs return an APIPromise whose `then`, `catch`, `finally` and `withResponse()` go through its
 * `parse()`, which reads the body once. Tally hooks `parse()` rather than calling `then` itself, so a caller who
 * only wants the raw body (`asResponse()`) can still read it; `asResponse()` is hooked for that caller. Helpers
 * (`chat.completions.parse()`, `responses.parse()`, `responses.stream()`) derive a new APIPromise from `create()`'s
 * with `_thenUnwrap(transform)`, which parses without the original's `parse()`, so derived promises are hooked too,
 * sharing the one line, and the transform is wrapped to see the body before it. Returns false for a thenable that
 * is not an APIPromise.
 */
export function hookApiPromise(promise: Record<string, unknown>, call: CallObserver): boolean {
  const { parse, asResponse, _thenUnwrap } = promise;
  if (typeof parse !== 'function') return false;
  let hooked: unknown;
  promise.parse = function (this: unknown, ...args: unknown[]) {
    call.parsing = true;
    const parsed = Reflect.apply(parse, this, args);
    // Registered before the caller's reaction, so a stream is watched before the caller can iterate it.
    if (hooked !== parsed && isThenable(parsed)) {
      hooked = parsed;
      parsed.then(
        (v) => call.value(v),
        (err: unknown) => call.error(err),
      );
    }
    return parsed;
  };
  if (typeof asResponse === 'function') {
    promise.asResponse = function (this: unknown, ...args: unknown[]) {
      const raw = Reflect.apply(asResponse, this, args);
      // withResponse() parses too and asks for the Response after: the parse path records.
      if (call.parsing || !isThenable(raw)) return raw;
      return Promise.resolve(raw).then(
        (response) => {
          call.response(response);
          return response;
        },
        (err: unknown) => {
          call.error(err);
          throw err;
        },
      );
    };
  }
  if (typeof _thenUnwrap === 'function') {
    promise._thenUnwrap = function (this: unknown, transform: unknown, ...rest: unknown[]) {
      // The helper's transform sees the body first, and may reject it after it cost tokens.
      const seeing =
        typeof transform === 'function'
          ? (data: unknown, ...more: unknown[]) => {
              call.raw(data);
              return Reflect.apply(transform, undefined, [data, ...more]);
            }
          : transform;
      const derived = Reflect.apply(_thenUnwrap as Fn, this, [seeing, ...rest]);
      if (isObject(derived)) safe(() => hookApiPromise(derived, call), false);
      return derived;
    };
  }
  return true;
}
