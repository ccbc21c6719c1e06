#!/usr/bin/env node
// Proxy overhead benchmark: the same chat completion request, at the same open-loop rate, sent straight to a fast
// local upstream and through Tally's recording proxy to it; the difference in latency is what the proxy adds.
// Progress goes to stderr; the table and a final JSON line with every figure go to stdout. See bench/README.md.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readFlags } from './lib/flags.js';
import { startCpuMeter } from './lib/cpu-meter.js';
import { combine, makePool, runRate } from './lib/proxy-phase.js';
import { startBareProxy } from './lib/bare-proxy.js';
import { startUpstream } from './lib/proxy-upstream.js';
import { fmt, formatTable, machineInfo, makeProgress, rounded } from './lib/report.js';
import { startServer } from './lib/server-process.js';

const CLI_PATH = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const DIRECT_PATH = '/v1/chat/completions';
const PROXY_PATH = '/proxy/openai/v1/chat/completions';
/** Targets: what the proxy may add at the median and at the 99th percentile. */
const TARGET_P50_MS = 0.5;
const TARGET_P99_MS = 2;

const OPTIONS = {
  rate: { type: 'string', default: '500', help: 'requests per second, to each path in turn' },
  seconds: { type: 'string', default: '20', help: 'timed seconds per path' },
  slices: { type: 'string', default: '4', help: 'the timed seconds alternate between the paths in this many slices' },
  connections: { type: 'string', default: '64', help: 'keep-alive connections the client opens to each path' },
  help: { type: 'boolean', default: false, help: 'print this help' },
};

const USAGE = `Usage: node bench/proxy-bench.js [options]     (or: npm run bench:proxy -- [options], which builds first)

Starts a fast fake upstream (a worker thread answering a fixed chat completion), a bare Node.js pass-through to
it (node:http in, undici out, nothing recorded) and the built server (packages/server/dist/cli.js) proxying to it,
warms the three paths up, then sends chat completion requests at --rate per second for --seconds to each: straight
to the upstream, through the bare pass-through and through /proxy/openai/v1/chat/completions, alternating in
--slices slices. Prints the latency percentiles of each and what Tally adds. See bench/README.md.

Options:
${Object.entries(OPTIONS)
  .map(([name, o]) => `  --${name.padEnd(13)} ${o.help}${o.type === 'string' ? ` (default ${o.default})` : ''}`)
  .join('\n')}`;

function parseFlags(argv) {
  const flags = readFlags(argv, OPTIONS);
  if (flags === null) return null;
  const { int } = flags;
  return {
    rate: int('rate', 1, 20_000),
    seconds: int('seconds', 1, 3600),
    slices: int('slices', 1, 100),
    connections: int('connections', 1, 1024),
  };
}

async function main() {
  const opts = parseFlags(process.argv.slice(2));
  if (!opts) return void console.log(USAGE);
  if (!existsSync(CLI_PATH))
    throw new Error(`${CLI_PATH} does not exist: run "npm run build" first (npm run bench does)`);
  const progress = makeProgress();
  const upstream = await startUpstream();
  const log = { records: 0, samples: [] };
  let server = null;
  let bare = null;
  try {
    bare = await startBareProxy(upstream.url);
    server = await startServer({
      cliPath: CLI_PATH,
      env: { TALLY_UPSTREAM_OPENAI: `${upstream.url}/v1`, TALLY_UPSTREAM_OPENAI_KEY: undefined },
      onLogRecord: (line) => void (log.records++ < 5 && log.samples.push(line.slice(0, 500))),
      onUnexpectedExit: ({ code, signal, tail }) =>
        progress(`the server EXITED (code ${code}, signal ${signal}):\n${tail}`),
    });
    process.once('SIGINT', () => {
      progress('interrupted: stopping the servers…');
      Promise.all([server?.dispose(), bare?.stop(), upstream.stop()]).finally(() => process.exit(130));
    });
    progress(
      `upstream on ${upstream.url}; bare pass-through on ${bare.url}; server pid ${server.pid} on ${server.url}`,
    );
    const figures = await measure(
      opts,
      { direct: upstream.url, bare: bare.url, proxied: server.url },
      server,
      progress,
    );
    figures.recorded = await waitRecorded(server, figures.proxied.requests + figures.warmup_requests);
    figures.server = { log_records: log.records, log_samples: log.samples };
    const stopped = await server.stop();
    const failed = ['direct', 'bare', 'proxied'].reduce(
      (n, t) => n + figures[t].non_200 + figures[t].transport_errors,
      0,
    );
    figures.ok = failed === 0 && figures.recorded.complete && !stopped.already_exited;
    console.log(formatTable('Tally proxy overhead benchmark', sections(opts, figures)));
    console.log(
      JSON.stringify(rounded({ benchmark: 'tally-proxy', options: opts, machine: machineInfo(), ...figures })),
    );
    process.exitCode = figures.ok ? 0 : 1;
  } finally {
    await server?.dispose();
    await bare?.stop();
    await upstream.stop();
  }
}

const TARGETS = [
  ['direct', DIRECT_PATH],
  ['bare', PROXY_PATH],
  ['proxied', PROXY_PATH],
];

async function measure(opts, urls, server, progress) {
  const pools = Object.fromEntries(TARGETS.map(([name]) => [name, makePool(urls[name], opts.connections)]));
  try {
    // Two seconds of each path first: the JIT, the connection pools and the store's first writes are out of the figures.
    const warm = opts.rate * 2;
    progress(`warming up: ${warm} requests to each path…`);
    let warmupRequests = 0;
    for (const [name, path] of TARGETS) {
      const w = await runRate({ pool: pools[name], path, rate: opts.rate, count: warm });
      if (name === 'proxied') warmupRequests = w.sent;
    }
    const slice = Math.max(1, Math.round((opts.rate * opts.seconds) / opts.slices));
    const slices = { direct: [], bare: [], proxied: [] };
    const cpu = { direct: [], bare: [], proxied: [] };
    for (let i = 0; i < opts.slices; i++) {
      for (const [name, path] of TARGETS) {
        const meter = startCpuMeter(server.pid);
        slices[name].push(await runRate({ pool: pools[name], path, rate: opts.rate, count: slice }));
        cpu[name].push(meter.stop());
        const s = slices[name].at(-1);
        progress(
          `slice ${i + 1}/${opts.slices} ${name}: ${fmt.int(s.sent)} requests, ${s.non200 + s.transportErrors} failed`,
        );
      }
    }
    const mean = (list, key) => list.reduce((n, c) => n + c[key], 0) / list.length;
    const figures = { warmup_requests: warmupRequests };
    for (const [name] of TARGETS) {
      figures[name] = {
        ...combine(slices[name]),
        server_cores: mean(cpu[name], 'server_cores'),
        client_cores: mean(cpu[name], 'client_cores'),
        other_cores: mean(cpu[name], 'other_cores'),
      };
    }
    const added = (a, b) => ({
      p50: figures[a].latency_ms.p50 - figures[b].latency_ms.p50,
      p90: figures[a].latency_ms.p90 - figures[b].latency_ms.p90,
      p99: figures[a].latency_ms.p99 - figures[b].latency_ms.p99,
    });
    figures.added_ms = added('proxied', 'direct');
    figures.bare_added_ms = added('bare', 'direct');
    figures.targets = {
      p50_ms: TARGET_P50_MS,
      p99_ms: TARGET_P99_MS,
      p50_met: figures.added_ms.p50 <= TARGET_P50_MS,
      p99_met: figures.added_ms.p99 <= TARGET_P99_MS,
    };
    return figures;
  } finally {
    await Promise.all(Object.values(pools).map((p) => p.close()));
  }
}

/** Every proxied request must become one stored call (records are written after each answer). */
async function waitRecorded(server, expected) {
  const deadline = performance.now() + 30_000;
  let calls = 0;
  while (performance.now() < deadline) {
    const r = await fetch(`${server.url}/api/v1/analytics/summary?from=0`).then((x) => x.json());
    calls = r.metrics?.calls ?? 0;
    if (calls >= expected) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { expected, stored: calls, complete: calls === expected };
}

function sections(opts, f) {
  const lat = (x) =>
    `p50 ${fmt.ms(x.p50)}   p90 ${fmt.ms(x.p90)}   p99 ${fmt.ms(x.p99)}   p99.9 ${fmt.ms(x.p999)}   max ${fmt.ms(x.max)}`;
  const added = (x) => `p50 ${fmt.ms(x.p50)}   p90 ${fmt.ms(x.p90)}   p99 ${fmt.ms(x.p99)}`;
  const met = (ok) => (ok ? 'met' : 'MISSED');
  const failed = (t) => f[t].non_200 + f[t].transport_errors;
  const m = machineInfo();
  // While the bare pass-through is measured, it is one of the other processes itself.
  const other = Math.max(f.direct.other_cores, f.proxied.other_cores);
  return [
    [
      'Machine',
      [
        ['CPU', `${m.cpu_model} × ${m.cpu_count}`],
        ['Node', m.node],
      ],
    ],
    [
      `Latency at ${fmt.int(opts.rate)} requests/s, ${opts.seconds} s per path in ${opts.slices} alternating slices`,
      [
        ['direct to the upstream', lat(f.direct.latency_ms)],
        ['bare Node.js pass-through', lat(f.bare.latency_ms)],
        ['through Tally', lat(f.proxied.latency_ms)],
        ['failed (direct / bare / Tally)', `${failed('direct')} / ${failed('bare')} / ${failed('proxied')}`],
        [
          'client send lag, max',
          fmt.ms(Math.max(f.direct.max_send_lag_ms, f.bare.max_send_lag_ms, f.proxied.max_send_lag_ms)),
        ],
      ],
    ],
    [
      'Added to a request',
      [
        ['by Tally', added(f.added_ms)],
        [
          'targets',
          `p50 ≤ ${TARGET_P50_MS} ms: ${met(f.targets.p50_met)}   p99 ≤ ${TARGET_P99_MS} ms: ${met(f.targets.p99_met)}`,
        ],
        ['by the bare pass-through', added(f.bare_added_ms)],
      ],
    ],
    [
      'CPU, average cores while Tally is measured',
      [
        [
          'Tally server',
          `${fmt.num(f.proxied.server_cores, 2)} (${fmt.num((f.proxied.server_cores / opts.rate) * 1000, 2)} ms per request)`,
        ],
        ['benchmark (client + upstream)', fmt.num(f.proxied.client_cores, 2)],
        ['other processes (most in a slice)', `${fmt.num(other, 2)}${other > 0.2 ? '   NOT IDLE' : ''}`],
      ],
    ],
    [
      'Recorded',
      [
        ['calls stored / proxied requests', `${fmt.int(f.recorded.stored)} / ${fmt.int(f.recorded.expected)}`],
        ['server log records (warn+)', fmt.int(f.server.log_records)],
      ],
    ],
  ];
}

main().catch((e) => {
  console.error(`proxy-bench: ${e.message}`);
  process.exitCode = 1;
});
