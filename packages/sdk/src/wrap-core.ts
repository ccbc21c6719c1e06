import type { EndpointAdapter, WrapOptions } from './wrap-adapter.js';
import { field } from './wrap-adapter.js';
import { CallObserver, hookApiPromise } from './wrap-promise.js';
import { CallRecorder, requestFields } from './wrap-recorder.js';

export type { EndpointAdapter, Observed, StreamWatcher, WrapOptions } from './wrap-adapter.js';
export { field, isObject, num, str } from './wrap-adapter.js';

/** A provider SDK method: structural, so the SDK needs neither provider package at runtime. */
export type CreateMethod = (...args: never[]) => unknown;
export interface CreateResource {
  create: CreateMethod;
}

const WRAPPED = Symbol.for('tally.wrapped');

/**
 * Instruments `resource.create` in place. The wrapper returns the very promise the provider SDK returns (its
 * helpers such as `withResponse()` keep working) and observes it alongside the caller. The provider SDKs' own
 * helpers (`parse()`, `stream()`) call `create()` on the same resource, so they are recorded through it, once.
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
    const rec = new CallRecorder(adapter, options, requestFields(args[0]));
    let result: unknown;
    try {
      result = Reflect.apply(original, this, args);
    } catch (err) {
      rec.fail(err);
      throw err;
    }
    try {
      observe(result, new CallObserver(adapter, rec));
    } catch {
      rec.finish({}); // Tally could not hook this result: the call still counts, without tokens
    }
    return result;
  } as CreateMethod & { [WRAPPED]?: CreateMethod };
  wrapped[WRAPPED] = original;
  resource.create = wrapped;
}

function observe(result: unknown, call: CallObserver): void {
  const then = field(result, 'then');
  if (typeof then !== 'function') return call.value(result);
  if (hookApiPromise(result as Record<string, unknown>, call)) return;
  // Another thenable (a custom transport's plain promise): observed directly.
  Reflect.apply(then, result, [(v: unknown) => call.value(v), (err: unknown) => call.error(err)]);
}
