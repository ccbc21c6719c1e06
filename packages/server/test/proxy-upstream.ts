// A local stand-in for OpenAI and Anthropic behind the proxy: their wire formats (the SDK tests' routes), plus the
// ways an upstream misbehaves. It keeps every request as it arrived (raw body and headers).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Reply } from '../../sdk/test/fake-upstream.js';
import { anthropicRoute, message, USAGE as ANTHROPIC_USAGE } from '../../sdk/test/anthropic-upstream.js';
import { openaiRoute } from '../../sdk/test/openai-upstream.js';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  /** Whether the proxy dropped the connection before this request's answer was complete. */
  aborted: boolean;
}

export interface ProxyUpstream {
  url: string;
  received: Received[];
  /** Answers waiting on `release()` (model `held`). */
  release(): void;
  close(): Promise<void>;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The raw JSON this upstream answers a plain chat completion with, byte for byte (odd spacing included). */
export const RAW_CHAT_ANSWER =
  '{ "id":"chatcmpl-raw","object":"chat.completion","created":1700000000,"model":"gpt-4o-2024-08-06",\n' +
  '  "choices":[{"index":0,"message":{"role":"assistant","content":"raw bytes"},"finish_reason":"stop"}],\n' +
  '  "usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9} }';

const sseLine = (data: unknown, event?: string) =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

async function sendReply(res: ServerResponse, reply: Reply): Promise<void> {
  if ('json' in reply) {
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.json));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of reply.sse) {
    res.write(sseLine(e.data, e.event));
    await pause(5);
  }
  res.end();
}

const chunk = (content: string) => ({
  id: 'chatcmpl-held',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
  usage: null,
});

/**
 * Models that misbehave: `slow` answers after 3 s; `limited` is rate limited (429, Retry-After); `echo-key` is
 * refused with an error that repeats the key it was sent; `raw` answers RAW_CHAT_ANSWER; `held` streams one chunk
 * and waits for `release()`; `endless` streams (Anthropic: after `message_start`) until the proxy hangs up.
 */
export async function startProxyUpstream(): Promise<ProxyUpstream> {
  const received: Received[] = [];
  let releaseHeld: () => void = () => undefined;
  let held = new Promise<void>((r) => (releaseHeld = r));
  const server = createServer((req, res) => {
    void (async () => {
      const parts: Buffer[] = [];
      for await (const part of req) parts.push(part as Buffer);
      const raw = Buffer.concat(parts).toString('utf8');
      const entry: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        aborted: false,
      };
      received.push(entry);
      res.on('close', () => (entry.aborted = !res.writableFinished));
      const path = entry.path.split('?')[0]!;
      if (req.method === 'GET' && path === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'models' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o', object: 'model', owned_by: 'system' }] }));
        return;
      }
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      const anthropic = path === '/v1/messages';
      switch (body.model) {
        case 'slow':
          await pause(3000);
          break;
        case 'limited':
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
          res.end(
            JSON.stringify(
              anthropic
                ? { type: 'error', error: { type: 'rate_limit_error', message: 'slow down, please' } }
                : { error: { message: 'slow down, please', type: 'requests', code: 'rate_limit_exceeded' } },
            ),
          );
          return;
        case 'echo-key': {
          const key = String(req.headers.authorization ?? req.headers['x-api-key'] ?? '').replace(/^Bearer /, '');
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error' } }),
          );
          return;
        }
        case 'raw':
          res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'raw' });
          res.end(RAW_CHAT_ANSWER);
          return;
        case 'held':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(sseLine(chunk('first')));
          await held;
          res.write(sseLine(chunk(' second')));
          res.end(sseLine('[DONE]'));
          return;
        case 'endless':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          if (anthropic) {
            const start = { type: 'message_start', message: message([], { ...ANTHROPIC_USAGE, output_tokens: 1 }) };
            res.write(sseLine(start, 'message_start'));
          }
          while (!res.destroyed) {
            const delta = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'la ' } };
            res.write(anthropic ? sseLine(delta, 'content_block_delta') : sseLine(chunk('la ')));
            await pause(10);
          }
          return;
      }
      const route = anthropic ? anthropicRoute(path, body) : openaiRoute(path, body);
      await sendReply(res, route ?? { status: 404, json: { error: { message: `no route ${path}` } } });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    release() {
      releaseHeld();
      held = new Promise<void>((r) => (releaseHeld = r));
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
