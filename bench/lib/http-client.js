// A minimal HTTP client on node:http with keep-alive connections: no dependency, and little enough work per request
// that the client is not what is being measured.
import http from 'node:http';

/** A keep-alive agent holding at most `connections` sockets to the server. */
export function makeAgent(connections) {
  return new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
}

/**
 * Sends one request and resolves to `{ status, text }` once the whole answer arrived; rejects on a transport error
 * or when no answer came within `timeoutMs`.
 *
 * @example
 *   const { status, text } = await request(agent, 'http://127.0.0.1:8000', 'POST', '/api/v1/ingest/llm', body);
 */
export function request(agent, baseUrl, method, path, body = null, timeoutMs = 120_000) {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const headers = body ? { 'content-type': 'application/json', 'content-length': body.length } : {};
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, agent, headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}
