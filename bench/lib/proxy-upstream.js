// The proxy benchmark's upstream: a minimal node:http server that answers every request with one fixed chat
// completion, as fast as Node can. It runs in a worker thread, so its event loop is not the load generator's.
import { createServer } from 'node:http';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

/** The fixed answer: a chat completion of the size a short real one has (about 600 bytes). */
export const ANSWER = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_767_225_600,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Your order #4711 shipped yesterday and should arrive within two business days.',
          refusal: null,
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 412,
      completion_tokens: 19,
      total_tokens: 431,
      prompt_tokens_details: { cached_tokens: 384 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
    system_fingerprint: 'fp_bench',
  }),
);

function serve() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': ANSWER.length });
      res.end(ANSWER);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
  parentPort.on('message', (m) => m === 'stop' && server.close(() => process.exit(0)));
}

if (!isMainThread) serve();

/**
 * Starts the upstream in a worker thread; resolves to its URL and a `stop()`.
 *
 * @example
 *   const upstream = await startUpstream();
 *   try { ... upstream.url ... } finally { await upstream.stop(); }
 */
export function startUpstream() {
  const worker = new Worker(new URL(import.meta.url));
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (port) =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        stop: () =>
          new Promise((done) => {
            worker.once('exit', done);
            worker.postMessage('stop');
            setTimeout(() => worker.terminate(), 2000).unref();
          }),
      }),
    );
  });
}
