import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { CallStatus } from '@tally/core';
import type { Agent, Dispatcher } from 'undici';
import { providerError, PROXY_ERRORS, type ProxyErrorCode } from './provider-errors.js';
import { failureOf, type Observation, type ResponseWatcher, type UpstreamFailure } from './response-watchers.js';
import { SseParser } from './sse-parser.js';
import { clientHeaders, type UpstreamTarget } from './upstream.js';

/** One request to forward and the client response to answer it on. */
export interface ExchangeRequest {
  agent: Agent;
  target: UpstreamTarget;
  method: 'GET' | 'POST';
  /** Upstream path with its query string. */
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer | null;
  timeoutMs: number;
  /** Reads the answer for the record; null when the route is not recorded. */
  watcher: ResponseWatcher | null;
  res: ServerResponse;
  /** Headers Tally's hooks set on the reply (CORS), sent along with the upstream's. */
  ownHeaders: Record<string, string | number | string[] | undefined>;
  /** performance.now() when the request arrived. */
  t0: number;
}

/** How a forwarded request ended, as recorded. */
export interface ExchangeOutcome {
  status: CallStatus;
  statusCode: number | null;
  errorType: string | null;
  errorMessage: string | null;
  observation: Observation | null;
  responseBytes: number;
  ttftMs: number | null;
  upstreamMs: number | null;
  durationMs: number;
}

/** A non-streamed body larger than this is passed through but not read for usage. */
const MAX_READ_BYTES = 64 * 1024 * 1024;

const ms = (from: number, to = performance.now()) => Math.round((to - from) * 1000) / 1000;
const noop = () => undefined;

function decoded(body: Buffer, encoding: string | string[] | undefined): Buffer {
  switch (Array.isArray(encoding) ? encoding[0] : encoding) {
    case undefined:
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(body);
    case 'deflate':
      return inflateSync(body);
    case 'br':
      return brotliDecompressSync(body);
    default:
      throw new Error(`unsupported content-encoding ${String(encoding)}`);
  }
}

function parseJson(text: Buffer | string): unknown {
  try {
    return JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch {
    return undefined;
  }
}

type Ending = Omit<ExchangeOutcome, 'durationMs'>;
const NOTHING = { observation: null, responseBytes: 0, ttftMs: null, upstreamMs: null };

function ended(x: ExchangeRequest, e: Ending): ExchangeOutcome {
  return { ...e, durationMs: ms(x.t0) };
}

/**
 * Forwards one request and passes the answer to the client as it arrives: status and headers (less hop-by-hop
 * ones) at once, then each body chunk as the upstream sends it, with backpressure, so a streamed answer reaches the
 * client token by token. The answer is read on the side for the record; nothing waits on that. Never throws:
 * every way a request can end is an outcome.
 */
export async function exchange(x: ExchangeRequest): Promise<ExchangeOutcome> {
  const { res } = x;
  res.on('error', noop); // a client gone mid-write is handled through 'close'
  if (res.destroyed) {
    const message = 'the client closed the connection before the request was forwarded';
    return ended(x, {
      ...NOTHING,
      status: 'cancelled',
      statusCode: null,
      errorType: 'client_closed',
      errorMessage: message,
    });
  }
  // undici takes an EventEmitter as its abort signal: lighter than an AbortController on every request.
  const abort = new EventEmitter();
  let why: Why = null;
  const timer = setTimeout(() => {
    why ??= 'timeout';
    abort.emit('abort');
  }, x.timeoutMs);
  const onClose = () => {
    if (res.writableFinished) return;
    why ??= 'client';
    abort.emit('abort');
  };
  res.once('close', onClose);
  const tUp = performance.now();
  try {
    let answer: Dispatcher.ResponseData;
    try {
      answer = await x.agent.request({
        origin: x.target.origin,
        path: x.path,
        method: x.method,
        headers: x.headers,
        body: x.body,
        signal: abort,
      });
    } catch (err) {
      return failedBeforeAnswer(x, why ?? (res.destroyed ? 'client' : null), err, ms(tUp));
    }
    return await relay(x, answer, tUp, () => why ?? (res.destroyed ? 'client' : null));
  } finally {
    clearTimeout(timer);
    res.off('close', onClose);
  }
}

type Why = 'timeout' | 'client' | null;

function failedBeforeAnswer(x: ExchangeRequest, why: Why, err: unknown, upstreamMs: number): ExchangeOutcome {
  if (why === 'client') {
    const message = 'the client closed the connection before the upstream answered';
    return ended(x, {
      ...NOTHING,
      status: 'cancelled',
      statusCode: null,
      errorType: 'client_closed',
      errorMessage: message,
      upstreamMs,
    });
  }
  if (why === 'timeout') {
    const message = `the upstream ${x.target.backend} did not answer within ${x.timeoutMs} ms (TALLY_UPSTREAM_TIMEOUT_MS)`;
    return answerItself(x, 'upstream_timeout', message, 'timeout', upstreamMs);
  }
  const e = err as { code?: string; message?: string };
  const reason = [e.code, e.message].filter(Boolean).join(': ') || String(err);
  const message = `Tally could not reach the upstream ${x.target.backend}: ${reason}`;
  return answerItself(x, 'upstream_unreachable', message, 'error', upstreamMs);
}

/** Answers with Tally's own error, in the provider's shape. */
function answerItself(
  x: ExchangeRequest,
  code: ProxyErrorCode,
  message: string,
  status: CallStatus,
  upstreamMs: number,
): ExchangeOutcome {
  const body = JSON.stringify(providerError(x.target.family, code, message));
  const statusCode = PROXY_ERRORS[code];
  if (!x.res.destroyed) {
    x.res.writeHead(statusCode, {
      ...clientHeaders({}, x.ownHeaders),
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-tally-error': code,
    });
    x.res.end(body);
  }
  return ended(x, {
    ...NOTHING,
    status,
    statusCode,
    errorType: code,
    errorMessage: message,
    responseBytes: Buffer.byteLength(body),
    upstreamMs,
  });
}

const isEventStream = (type: string | string[] | undefined) =>
  typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream');

async function relay(
  x: ExchangeRequest,
  answer: Dispatcher.ResponseData,
  tUp: number,
  why: () => Why,
): Promise<ExchangeOutcome> {
  const { res, watcher } = x;
  const { statusCode, headers } = answer;
  const streamed = isEventStream(headers['content-type']);
  const success = statusCode < 400;
  // A successful stream is read event by event; anything else is collected and read once whole.
  let firstContent: number | null = null;
  const sse =
    streamed && success && watcher && headers['content-encoding'] === undefined
      ? new SseParser((data) => {
          if (data === '[DONE]') return;
          const value = parseJson(data);
          if (value !== undefined && watcher.event(value)) firstContent ??= performance.now();
        })
      : null;
  const collected: Buffer[] | null = watcher && !sse ? [] : null;
  let collectedBytes = 0;
  let bytes = 0;
  let firstByte: number | null = null;
  // Streams only: time to the first generated content, or to the first byte when Tally recognised none.
  const ttft = () => {
    const at = firstContent ?? firstByte;
    return streamed && at !== null ? ms(x.t0, at) : null;
  };

  if (!res.destroyed) {
    res.writeHead(statusCode, clientHeaders(headers, x.ownHeaders));
    // The client learns at once that its stream started, while the upstream is still generating.
    if (streamed) res.flushHeaders();
  }
  let upstreamMs: number;
  try {
    await new Promise<void>((resolve, reject) => {
      const body = answer.body;
      body.on('data', (chunk: Buffer) => {
        firstByte ??= performance.now();
        bytes += chunk.length;
        if (res.destroyed) return void body.destroy(new Error('the client is gone'));
        if (!res.write(chunk)) {
          body.pause();
          res.once('drain', () => body.resume());
        }
        if (sse) sse.push(chunk);
        else if (collected && collectedBytes + chunk.length <= MAX_READ_BYTES) {
          collected.push(chunk);
          collectedBytes += chunk.length;
        }
      });
      body.once('end', resolve);
      body.once('error', reject);
    });
    upstreamMs = ms(tUp);
    res.end();
  } catch (err) {
    const cause = why();
    upstreamMs = ms(tUp);
    answer.body.destroy();
    res.destroy();
    sse?.end();
    const seen = {
      statusCode,
      observation: watcher?.result() ?? null,
      responseBytes: bytes,
      ttftMs: ttft(),
      upstreamMs,
    };
    if (cause === 'client') {
      const message = 'the client closed the connection before the answer ended';
      return ended(x, { ...seen, status: 'cancelled', errorType: 'client_closed', errorMessage: message });
    }
    if (cause === 'timeout') {
      const message = `the upstream ${x.target.backend} did not finish its answer within ${x.timeoutMs} ms (TALLY_UPSTREAM_TIMEOUT_MS)`;
      return ended(x, { ...seen, status: 'timeout', errorType: 'upstream_timeout', errorMessage: message });
    }
    const message = `the connection to the upstream ${x.target.backend} failed during the answer: ${(err as Error).message}`;
    return ended(x, { ...seen, status: 'error', errorType: 'upstream_broken', errorMessage: message });
  }

  let observation: Observation | null = null;
  let failure: UpstreamFailure | null = null;
  if (sse) {
    sse.end();
    observation = watcher!.result();
    failure = observation.error;
  } else if (collected && collectedBytes === bytes) {
    const body = readBody(Buffer.concat(collected, collectedBytes), headers['content-encoding']);
    if (!success) failure = failureOf(body) ?? null;
    else if (watcher && body !== undefined) {
      watcher.body(body);
      observation = watcher.result();
    }
  }
  const seen = { statusCode, observation, responseBytes: bytes, ttftMs: ttft(), upstreamMs };
  if (!success) {
    const message = failure?.message ?? `the upstream answered ${statusCode}`;
    return ended(x, {
      ...seen,
      status: 'error',
      errorType: failure?.type ?? `http_${statusCode}`,
      errorMessage: message,
    });
  }
  if (failure) return ended(x, { ...seen, status: 'error', errorType: failure.type, errorMessage: failure.message });
  return ended(x, { ...seen, status: 'success', errorType: null, errorMessage: null });
}

function readBody(body: Buffer, encoding: string | string[] | undefined): unknown {
  try {
    return parseJson(decoded(body, encoding));
  } catch {
    return undefined;
  }
}
