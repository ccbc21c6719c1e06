import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/** One POST the receiver took, with whether its signature matched the shared secret. */
export interface Received {
  body: Record<string, any>;
  signatureValid: boolean;
  timestamp: string | undefined;
  event: string | undefined;
  status: number;
}

export interface Receiver {
  url: string;
  /** Every POST, in arrival order, including those answered with an error. */
  received: Received[];
  /** The POSTs answered 2xx. */
  accepted(): Received[];
  /** Resolves when `predicate` holds for the received POSTs (polled; the test's own time-out bounds it). */
  until(predicate: (r: Received[]) => boolean): Promise<Received[]>;
  close(): Promise<void>;
}

/**
 * A webhook endpoint on a free loopback port that checks X-Tally-Signature as a user's receiver would: the hex
 * HMAC-SHA256 of the raw body with the shared secret. `answer(n)` gives the status of the n-th POST (0-based).
 */
export async function startReceiver(secret: string, answer: (n: number) => number = () => 204): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-tally-signature'] ?? ''));
      const status = answer(received.length);
      received.push({
        body: JSON.parse(raw.toString('utf8')) as Record<string, any>,
        signatureValid: given.length === expected.length && timingSafeEqual(given, expected),
        timestamp: req.headers['x-tally-timestamp'] as string | undefined,
        event: req.headers['x-tally-event'] as string | undefined,
        status,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    accepted: () => received.filter((r) => r.status >= 200 && r.status < 300),
    async until(predicate) {
      while (!predicate(received)) await new Promise((r) => setTimeout(r, 20));
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `read` until `predicate` holds for its answer, and returns that answer. */
export async function eventually<T>(read: () => Promise<T>, predicate: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (predicate(value)) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}
