// The proxy benchmark's floor: the least a Node.js proxy can do — node:http in, undici out, the answer piped back,
// nothing read, checked or recorded. Run as its own process (`node bare-proxy.js <upstream url>`), like the server;
// it prints its port. What Tally adds beyond this figure is the price of recording.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

function serve(upstream) {
  const origin = new URL(upstream).origin;
  const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
  const server = createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', async () => {
      const headers = {};
      for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
      try {
        const answer = await agent.request({
          origin,
          path: req.url.replace(/^\/proxy\/openai/, ''),
          method: req.method,
          headers,
          body: Buffer.concat(parts),
        });
        const out = {};
        for (const [k, v] of Object.entries(answer.headers))
          if (!HOP_BY_HOP.has(k) || k === 'content-length') out[k] = v;
        res.writeHead(answer.statusCode, out);
        answer.body.on('data', (c) => res.write(c));
        answer.body.on('end', () => res.end());
      } catch (e) {
        res.writeHead(502).end(e.message);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) serve(process.argv[2]);

/**
 * Starts the bare pass-through in a child process in front of `upstreamUrl`; resolves to its URL, pid and a `stop()`.
 *
 * @example
 *   const bare = await startBareProxy(upstream.url);
 *   try { ... bare.url ... } finally { await bare.stop(); }
 */
export function startBareProxy(upstreamUrl) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), upstreamUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.once('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d) =>
      resolve({
        url: `http://127.0.0.1:${String(d).trim()}`,
        pid: child.pid,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      }),
    );
  });
}
