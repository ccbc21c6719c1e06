import type { CallOptions, CallStatus } from './call-event.js';
import { contextCallOptions, mergeCallOptions, recordCall } from './track.js';
import { field, num } from './wrap-adapter.js';
import type { EndpointAdapter, Observed, WrapOptions } from './wrap-adapter.js';

const elapsed = (t0: number) => Math.round((performance.now() - t0) * 1000) / 1000;

export interface Failure {
  status: CallStatus;
  error_type?: string;
  error_message: string;
}

function errorFields(err: unknown): Failure & { error_type: string } {
  if (!(err instanceof Error)) return { status: 'error', error_type: 'Error', error_message: String(err) };
  // Provider SDKs name their errors by class (InternalServerError, APIConnectionTimeoutError, …).
  const type = err.name !== 'Error' ? err.name : err.constructor.name;
  const status: CallStatus = /timeout/i.test(type) ? 'timeout' : /abort/i.test(type) ? 'cancelled' : 'error';
  return { status, error_type: type, error_message: err.message };
}

/** Request fields worth keeping on the line. */
export function requestFields(params: unknown): CallOptions & { requestModel?: string; stream: boolean } {
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
export class CallRecorder {
  private done = false;
  private readonly startMs = Date.now();
  private readonly t0 = performance.now();
  private ttft: number | undefined;
  /** Who made the call: the `withCallOptions()` context when the call was made wins over the client's options. */
  private readonly who: WrapOptions;

  constructor(
    private readonly adapter: EndpointAdapter,
    options: WrapOptions,
    private readonly request: ReturnType<typeof requestFields>,
  ) {
    // Taken now: a stream may end, or be collected, outside the context it was created in.
    this.who = mergeCallOptions(options, contextCallOptions() ?? {});
  }

  get stream(): boolean {
    return this.request.stream;
  }

  firstContent(): void {
    this.ttft ??= elapsed(this.t0);
  }

  finish(observed: Observed, failure?: Failure): void {
    if (this.done) return;
    this.done = true;
    const { requestModel, ...request } = this.request;
    recordCall({
      operation: this.adapter.operation,
      api_type: this.adapter.apiType,
      ...request,
      ...this.who,
      provider: this.who.provider ?? this.adapter.provider,
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
