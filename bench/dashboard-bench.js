#!/usr/bin/env node
// Dashboard benchmark: the JavaScript a browser loads before the dashboard runs (gzipped), and how long the
// Overview takes to become interactive in Debian's Chromium against a server holding the analytics benchmark's
// 10-million-call data set (generated once under bench/.data/, shared with bench/analytics-bench.js). "Interactive"
// is the moment every number and chart of the Overview has its data: the page sets data-ready="true" then.
// Progress goes to stderr; the table and a final JSON line with every figure go to stdout. See bench/README.md.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { DAY_MS, dataDirFor, ensureData } from './lib/analytics-data.js';
import { readFlags } from './lib/flags.js';
import { fmt, formatTable, machineInfo, makeProgress, rounded, summarize } from './lib/report.js';
import { startServer } from './lib/server-process.js';
import { assetSize, initialScripts, totalSize } from './lib/web-assets.js';

const CLI_PATH = fileURLToPath(new URL('../packages/server/dist/cli.js', import.meta.url));
const DIST = fileURLToPath(new URL('../packages/web/dist', import.meta.url));
const CHROMIUM = process.env.TALLY_CHROMIUM ?? '/usr/bin/chromium';
const ADMIN = 'bench-dashboard-admin-token-0123456789';
const TARGET_INITIAL_GZIP = 350 * 1024;
const TARGET_INTERACTIVE_MS = 1500;
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

const OPTIONS = {
  events: { type: 'string', default: '10000000', help: 'calls in the data set (each size has its own directory)' },
  loads: { type: 'string', default: '10', help: 'timed page loads per range, after one warm-up load' },
  ranges: { type: 'string', default: '24h,7d,90d', help: 'the Overview ranges to time (24h, 7d, 30d, 90d, 1h)' },
  cache: {
    type: 'boolean',
    default: false,
    help: 'keep the server query cache on (off by default: every load computes)',
  },
  regenerate: { type: 'boolean', default: false, help: 'generate the data set again even if it exists' },
  help: { type: 'boolean', default: false, help: 'print this help' },
};
const USAGE = `Usage: node bench/dashboard-bench.js [options]   (or: npm run bench:dashboard -- [options], which builds first)

Measures the dashboard's initial JavaScript (entry and modulepreloads, gzipped) against 350 KB, then opens the
Overview in headless Chromium (${CHROMIUM}; apt-get install chromium) against the built server on the 10M-call data
set, a fresh browser context per load (nothing cached), and times navigation → every figure and chart shown,
against 1.5 s. Generates the data set on first use (several minutes). See bench/README.md.

Options:
${Object.entries(OPTIONS)
  .map(([name, o]) => `  --${name.padEnd(11)} ${o.help}${o.type === 'string' ? ` (default ${o.default})` : ''}`)
  .join('\n')}`;

function parseFlags(argv) {
  const flags = readFlags(argv, OPTIONS);
  if (flags === null) return null;
  const { values, int } = flags;
  const ranges = values.ranges.split(',').map((r) => r.trim());
  for (const r of ranges) {
    if (!['1h', '24h', '7d', '30d', '90d'].includes(r)) throw new Error(`--ranges: unknown range ${r}`);
  }
  return {
    events: int('events', 10_000, 100_000_000),
    loads: int('loads', 1, 1000),
    ranges,
    cache: values.cache,
    regenerate: values.regenerate,
  };
}

/** Loads the Overview once in a fresh context; returns ms from navigation to data-ready and the JS it fetched. */
async function loadOnce(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript(`sessionStorage.setItem('tally.key', ${JSON.stringify(ADMIN)})`);
  const page = await context.newPage();
  const scripts = new Set();
  const apiRequests = new Set();
  const problems = [];
  page.on('response', (r) => {
    if (r.url().endsWith('.js')) scripts.add(new URL(r.url()).pathname);
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/v1/analytics/')) apiRequests.add(u.pathname + u.search);
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  const t0 = performance.now();
  await page.goto(url);
  await page.locator('[data-page="overview"][data-ready="true"]').waitFor({ timeout: 120_000 });
  const ms = performance.now() - t0;
  const calls = await page.getByTestId('kpi-calls').locator('[data-kpi-value]').textContent();
  await context.close();
  return { ms, scripts: [...scripts], apiRequests: [...apiRequests], problems, calls };
}

/**
 * The server's share: the analytics requests the Overview made, sent at once from Node as the page sends them,
 * timed until the last answer. With the browser on the same two cores, the page's own time includes Chromium's.
 */
async function serverOnce(baseUrl, requests) {
  const t0 = performance.now();
  await Promise.all(
    requests.map(async (path) => {
      const r = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${ADMIN}` } });
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
    }),
  );
  return performance.now() - t0;
}

async function main() {
  const opts = parseFlags(process.argv.slice(2));
  if (!opts) return void console.log(USAGE);
  for (const [path, fix] of [
    [CLI_PATH, 'run "npm run build" first (npm run bench:dashboard does)'],
    [`${DIST}/index.html`, 'run "npm run build" first (npm run bench:dashboard does)'],
    [CHROMIUM, 'install Chromium: apt-get install chromium (or set TALLY_CHROMIUM)'],
  ]) {
    if (!existsSync(path)) throw new Error(`${path} does not exist: ${fix}`);
  }
  const progress = makeProgress();
  const machine = machineInfo();
  progress(
    `${machine.cpu_model} × ${machine.cpu_count}, ${fmt.gib(machine.total_ram_bytes)} RAM, Node ${machine.node}`,
  );

  const initial = initialScripts(DIST).map((p) => assetSize(DIST, p));
  const initialTotal = totalSize(initial);
  progress(`initial JavaScript: ${initial.length} files, ${fmt.int(initialTotal.gzip)} bytes gzipped`);

  const dir = dataDirFor(opts.events);
  const data = { dir, ...(await ensureData({ dir, events: opts.events, regenerate: opts.regenerate, progress })) };
  const ageDays = (Date.now() - data.newest_ms) / DAY_MS;
  if (ageDays > 1) progress(`note: the newest event is ${ageDays.toFixed(1)} days old; short ranges see less data`);

  const server = await startServer({
    cliPath: CLI_PATH,
    dataDir: dir,
    env: {
      TALLY_ADMIN_TOKEN: ADMIN,
      TALLY_QUERY_CACHE_SECONDS: opts.cache ? undefined : '0',
      TALLY_DUCKDB_MEMORY_LIMIT: undefined,
      TALLY_RETENTION_DAYS: undefined,
    },
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const results = [];
  let overviewScripts = [];
  try {
    progress(`server ready on ${server.url}; query cache ${opts.cache ? 'on' : 'off'}`);
    for (const range of opts.ranges) {
      const url = `${server.url}/?range=${range}`;
      const warm = await loadOnce(browser, url);
      if (warm.problems.length) throw new Error(`the Overview logged errors: ${warm.problems.join('; ')}`);
      overviewScripts = warm.scripts;
      const times = [];
      for (let i = 0; i < opts.loads; i++) times.push((await loadOnce(browser, url)).ms);
      const s = summarize(times);
      const serverTimes = [];
      for (let i = 0; i < opts.loads; i++) serverTimes.push(await serverOnce(server.url, warm.apiRequests));
      const api = summarize(serverTimes);
      progress(
        `range ${range}: ${warm.calls} calls shown; page median ${fmt.ms(s.p50)}, max ${fmt.ms(s.max)}; ` +
          `its ${warm.apiRequests.length} API requests alone median ${fmt.ms(api.p50)}`,
      );
      results.push({ range, calls_shown: warm.calls, ms: s, api_requests: warm.apiRequests.length, api_ms: api });
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const overviewTotal = totalSize(overviewScripts.map((p) => assetSize(DIST, p)));

  const figures = {
    machine,
    events: data.events,
    query_cache: opts.cache,
    initial_js: { files: initial, ...initialTotal, target_gzip: TARGET_INITIAL_GZIP },
    overview_js: { files: overviewScripts.length, ...overviewTotal },
    overview_interactive: results.map((r) => ({ range: r.range, calls_shown: r.calls_shown, ...r.ms })),
    overview_api: results.map((r) => ({ range: r.range, requests: r.api_requests, ...r.api_ms })),
    target_interactive_ms: TARGET_INTERACTIVE_MS,
  };
  const kb = (b) => `${fmt.num(b / 1024, 1)} KB`;
  console.log(
    formatTable('Tally dashboard benchmark', [
      [
        'Machine',
        [
          ['CPU', `${machine.cpu_model} × ${machine.cpu_count}`],
          ['Data set', `${fmt.int(data.events)} calls over 90 days`],
        ],
      ],
      [
        'JavaScript (gzipped)',
        [
          ['initial (entry + preloads)', `${kb(initialTotal.gzip)} (${kb(initialTotal.raw)} raw), target ≤ 350 KB`],
          ['everything the Overview loads', `${kb(overviewTotal.gzip)} (${kb(overviewTotal.raw)} raw)`],
        ],
      ],
      [
        `Overview interactive (${opts.loads} loads each, fresh context, query cache ${opts.cache ? 'on' : 'off'})`,
        results.map((r) => [
          `range ${r.range} (${r.calls_shown} calls)`,
          `median ${fmt.ms(r.ms.p50)}, p90 ${fmt.ms(r.ms.p90)}, max ${fmt.ms(r.ms.max)}; target ≤ 1,500 ms`,
        ]),
      ],
      [
        "The Overview's API requests alone (sent at once from Node, no browser on the CPU)",
        results.map((r) => [
          `range ${r.range} (${r.api_requests} requests)`,
          `median ${fmt.ms(r.api_ms.p50)}, p90 ${fmt.ms(r.api_ms.p90)}, max ${fmt.ms(r.api_ms.max)}`,
        ]),
      ],
    ]),
  );
  console.log(JSON.stringify(rounded(figures)));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
