// The human-readable half of the analytics benchmark's output: every figure of a run under a few headings.
import { TARGET_P95_MS } from './analytics-queries.js';
import { fmt } from './report.js';

export const TARGET_EXPORT_ROWS_PER_SEC = 500_000;

const num = (x) => (Number.isFinite(x) ? x.toFixed(x < 100 ? 1 : 0) : '-');
const cols = (values, widths) => values.map((v, i) => String(v).padStart(widths[i])).join('');
const WIDTHS = [9, 9, 9, 11, 3];

function verdict(e) {
  if (e.state === 'missing') return 'missing';
  if (e.state === 'failed') return `FAILED (${e.failed_requests ?? 0} of ${e.requests ?? 0} requests failed)`;
  return e.p95_ms <= TARGET_P95_MS ? 'ok' : 'SLOW';
}

function endpointRows(endpoints) {
  const rows = [['endpoint', `${cols(['p50 ms', 'p95 ms', 'max ms', 'bytes', ''], WIDTHS)}p95 ≤ ${TARGET_P95_MS} ms`]];
  let group = null;
  for (const e of endpoints) {
    if (e.group !== group) rows.push([(group = e.group), '']);
    rows.push([
      `  ${e.name}`,
      `${cols([num(e.p50_ms), num(e.p95_ms), num(e.max_ms), fmt.int(e.bytes), ''], WIDTHS)}${verdict(e)}`,
    ]);
  }
  return rows;
}

function exportRow(x) {
  if (!x) return 'not measured';
  if (x.state === 'missing') return 'missing (no export route answers)';
  if (x.status !== 200) return `FAILED: HTTP ${x.status} ${x.detail ?? x.error ?? ''}`;
  if (x.error) return `FAILED after ${fmt.int(x.rows)} rows, ${fmt.s(x.seconds * 1000)}: ${x.error}`;
  const ok = x.rows_per_sec >= TARGET_EXPORT_ROWS_PER_SEC ? 'ok' : 'BELOW TARGET';
  const cut = x.complete ? '' : ' (cut off: --export-seconds)';
  return (
    `${fmt.int(x.rows)} rows, ${fmt.mib(x.bytes)} in ${fmt.s(x.seconds * 1000)}${cut}: ${fmt.int(x.rows_per_sec)} rows/s ` +
    `(${ok}), first byte ${fmt.ms(x.first_byte_ms)}; server RSS max ${fmt.mib(x.server_rss_max_sampled_bytes)}, ` +
    `VmHWM ${fmt.mib(x.server_vm_hwm_bytes)} (${x.vm_hwm_covers})`
  );
}

const cpuRow = (c) =>
  `server ${fmt.num(c.server_cores, 2)}, benchmark ${fmt.num(c.client_cores, 2)}, other processes ` +
  `${fmt.num(c.other_cores, 2)} cores${c.other_cores > 0.2 ? '  NOT IDLE: figures understate the server' : ''}`;

/** Sections for `formatTable`, from the figures object that is also printed as the JSON line. */
export function analyticsSections({ machine: m, data: d, queries: q, cached, exports: x, server: s }) {
  const span = `${new Date(d.oldest_ms).toISOString()} .. ${new Date(d.newest_ms).toISOString()}`;
  return [
    [
      'Machine',
      [
        ['CPU', `${m.cpu_model} × ${m.cpu_count}`],
        ['RAM', fmt.gib(m.total_ram_bytes)],
        ['Node', `${m.node} (${m.os})`],
      ],
    ],
    [
      'Data',
      [
        ['events', `${fmt.int(d.events)} calls, ${span}`],
        ['population', `${fmt.int(d.users)} users, ${fmt.int(d.sessions)} sessions, 20 models, 30 agents × 3 versions`],
        [
          'mix',
          `${fmt.int(d.counts.errors)} failed, ${fmt.int(d.counts.unpriced)} unpriced, ${fmt.int(d.counts.proxy)} ` +
            `through the proxy, ${fmt.int(d.counts.with_text)} with input/output text`,
        ],
        ['store', `${d.dir}: ${fmt.mib(d.disk_bytes)} on disk, ${fmt.int(d.disk_bytes / d.events)} B per event`],
        [
          'generation',
          `${fmt.s(d.generation_ms)} (${fmt.int(d.events / (d.generation_ms / 1000))} events/s)` +
            (d.reused ? `, at ${d.generated_at}; reused this run` : ', this run'),
        ],
      ],
    ],
    [
      `Queries: TALLY_QUERY_CACHE_SECONDS=0, ${q.requests} requests each after a warm-up, one at a time; ms from send to last byte`,
      [...endpointRows(q.endpoints), ['CPU during queries', cpuRow(q.cpu)]],
    ],
    [
      'Query cache on (the default), same /summary requests',
      [
        ['/summary, cache off', `p50 ${fmt.ms(cached.off.p50_ms)}, p95 ${fmt.ms(cached.off.p95_ms)}`],
        ['/summary, cache on', `p50 ${fmt.ms(cached.on.p50_ms)}, p95 ${fmt.ms(cached.on.p95_ms)}`],
      ],
    ],
    [
      `Export, CSV streamed (target ≥ ${fmt.int(TARGET_EXPORT_ROWS_PER_SEC)} rows/s)`,
      [
        ['route', x.route ?? 'none'],
        ['last 7 days', exportRow(x.last_7_days)],
        ['all rows', exportRow(x.all)],
      ],
    ],
    [
      'Server',
      [
        ['start', `${fmt.s(s.start_ms)} to listening on the existing data`],
        [
          'memory after queries',
          `RSS ${fmt.mib(s.rss_after_queries_bytes)}, VmHWM ${fmt.mib(s.vm_hwm_after_queries_bytes)}`,
        ],
        [
          'stops',
          s.stop_ms.map((ms) => fmt.s(ms)).join(', ') +
            (s.stop_forced ? ', FORCED (SIGKILL)' : '') +
            (s.exited_on_its_own ? ', EXITED ON ITS OWN' : ''),
        ],
        [
          'log records (warn+)',
          `${fmt.int(s.log_records)}${s.log_samples[0] ? `, first: ${s.log_samples[0].slice(0, 200)}` : ''}`,
        ],
      ],
    ],
  ];
}

const pick = (o, keys) => (o ? Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) : o);
const TIMES = ['state', 'p50_ms', 'p95_ms', 'max_ms', 'bytes', 'failed_requests', 'detail'];
const EXPORT = ['path', 'status', 'error', 'detail', 'complete', 'rows', 'bytes', 'first_byte_ms', 'seconds', 'rows_per_sec',
  'server_rss_max_sampled_bytes', 'server_vm_hwm_bytes', 'vm_hwm_covers']; // prettier-ignore

/** The figures of the JSON line: every number of the table, keyed so that one figure is easy to pick out with jq. */
export function summaryJson({ ok, options, machine, data, queries, cached, exports, server }) {
  const endpoints = queries.endpoints;
  const named = (state) => endpoints.filter(state).map((e) => `${e.group} ${e.name}`);
  return {
    benchmark: 'tally-analytics',
    ok,
    options,
    machine,
    data: pick(data, ['dir', 'events', 'users', 'sessions', 'oldest_ms', 'newest_ms', 'generated_at', 'generation_ms',
      'reused', 'disk_bytes', 'counts']), // prettier-ignore
    target_p95_ms: TARGET_P95_MS,
    endpoints: Object.fromEntries(endpoints.map((e) => [`${e.group} ${e.name}`, pick(e, TIMES)])),
    missing: named((e) => e.state === 'missing'),
    slow: named((e) => e.state === 'ok' && e.p95_ms > TARGET_P95_MS),
    failed: named((e) => e.state === 'failed'),
    query_cpu: queries.cpu,
    summary_cache: { off: pick(cached.off, TIMES), on: pick(cached.on, TIMES) },
    export: {
      route: exports.route ?? null,
      target_rows_per_sec: TARGET_EXPORT_ROWS_PER_SEC,
      last_7_days: pick(exports.last_7_days, EXPORT),
      all: pick(exports.all, EXPORT),
      cpu: exports.cpu,
    },
    server,
  };
}
