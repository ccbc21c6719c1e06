import { field } from './wrap-adapter.js';
import type { EndpointAdapter, Observed, StreamWatcher } from './wrap-adapter.js';
import type { CallRecorder } from './wrap-recorder.js';

export function safe<T>(f: () => T, fallback: T): T {
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
 * `toReadableStream()` through `stream.iterator`, and so do their helpers (`chat.completions.stream()`,
 * `responses.stream()`, `messages.stream()`), which read the stream `create()` returned.
 */
export function watchStream(stream: Record<string, unknown>, adapter: EndpointAdapter, rec: CallRecorder): boolean {
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
