import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One SSE event: an optional event name and its JSON data (or a literal such as `[DONE]`). */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** What the fake answers for one request body: a JSON body, an SSE stream, or an error status. */
export type Reply = { json: unknown; status?: number } | { sse: SseEvent[] };

export interface FakeUpstream {
  url: string;
  requests: { path: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as Record<string, unknown>;
}

async function send(res: ServerResponse, reply: Reply): Promise<void> {
  if ('json' in reply) {
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.json));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of reply.sse) {
    const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${data}\n\n`);
    await pause(5); // separate network chunks, as a real upstream sends them
  }
  res.end();
}

/** A local HTTP server speaking a provider's wire format; `route` picks the reply from the request. */
export async function startFakeUpstream(
  route: (path: string, body: Record<string, unknown>) => Reply | undefined,
): Promise<FakeUpstream> {
  const requests: FakeUpstream['requests'] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? '/';
      requests.push({ path, body });
      await send(res, route(path, body) ?? { status: 404, json: { error: { message: `no route ${path}` } } });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
