// The human-readable half of the output: every figure of a run, as labelled rows under a few headings.
import { fmt } from './report.js';

/** Rows for `formatTable`, from the figures object that is also printed as the JSON line. */
export function resultSections({
  ok,
  options: o,
  machine: m,
  workload: w,
  baseline: b,
  bulk,
  spot_check: spot,
  warmup,
  latency: l,
  server: s,
}) {
  const lat = (x) =>
    `p50 ${fmt.ms(x.p50)}, p90 ${fmt.ms(x.p90)}, p99 ${fmt.ms(x.p99)}, p99.9 ${fmt.ms(x.p999)}, max ${fmt.ms(x.max)}`;
  const mem = (x) =>
    `start ${fmt.mib(x.start_rss_bytes)}, end ${fmt.mib(x.end_rss_bytes)}, max sampled ${fmt.mib(x.max_sampled_rss_bytes)}`;
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
      'Workload',
      [
        ['event size', `${fmt.int(w.avg_event_bytes)} B on average (JSON)`],
        ['start times', `up to ${fmt.int(o.spreadMinutes)} min before the run (--spread-minutes)`],
        [
          'bulk requests',
          `${fmt.int(w.bulk_requests)} × ${fmt.int(o.batchSize)} events, ${fmt.num(w.avg_bulk_request_bytes / 2 ** 20, 2)} MiB each`,
        ],
      ],
    ],
    [
      'Baseline: JSON.parse of the same bodies, in the benchmark process',
      [['throughput', `${fmt.int(b.events_per_sec)} events/s`]],
    ],
    [
      `Bulk ingest: POST /api/v1/ingest/llm/bulk, ${o.concurrency} keep-alive connections, 207 after commit`,
      [
        ['events acknowledged', `${fmt.int(bulk.events)} of ${fmt.int(o.events)} in ${fmt.num(bulk.seconds)} s`],
        [
          'sustained throughput',
          `${fmt.int(bulk.events_per_sec)} events/s (${fmt.num(bulk.mib_per_sec)} MiB/s of JSON)`,
        ],
        [
          'vs JSON.parse',
          Number.isFinite(bulk.slower_than_json_parse) ? `${fmt.num(bulk.slower_than_json_parse)}× slower` : 'n/a',
        ],
        ['request latency', lat(bulk.request_ms)],
        ['failed requests', `${bulk.failed_requests} of ${bulk.requests}`],
        ['CPU, average cores', cpuUse(bulk.cpu)],
        ['server RSS', mem(bulk.server_memory)],
        ['server peak RSS (VmHWM)', fmt.mib(bulk.server_memory.vm_hwm_bytes)],
        ['read back by id', `${spot.found} of ${spot.checked} sampled events`],
      ],
    ],
    [
      `Single-event latency: POST /api/v1/ingest/llm, open loop, ≤ ${o.latencyConnections} connections`,
      [
        ['warm-up (untimed)', `${warmup.requests} sequential requests, ${warmup.failed} not answered 201`],
        ['target', `${fmt.int(l.target_rate)} requests/s for ${o.seconds} s (${fmt.int(l.requests)} requests)`],
        ['offered / achieved', `${fmt.num(l.offered_rate)} / ${fmt.num(l.achieved_rate)} requests/s`],
        ['latency from due time', lat(l.latency_ms)],
        ['non-201 answers', `${l.non_201} (plus ${l.transport_errors} transport errors)`],
        ['client send lag, max', fmt.ms(l.max_send_lag_ms)],
        ['CPU, average cores', cpuUse(l.cpu)],
        ['server RSS', `${mem(l.server_memory)}, VmHWM ${fmt.mib(l.server_memory.vm_hwm_bytes)}`],
      ],
    ],
    [
      'Server',
      [
        ['start-up', fmt.s(s.start_ms)],
        ['log records (warn and above)', String(s.log_records)],
        ['stop', stopSummary(s)],
        ['data on disk', `${fmt.mib(s.disk_bytes)} (${fmt.int(s.disk_bytes_per_event)} B per event)`],
        ['result', ok ? 'OK' : 'FAILED: see "failures" in the JSON line'],
      ],
    ],
  ];
}

/** Above this many cores used by other processes, the machine was not idle and the figures are understated. */
const BUSY_NEIGHBOURS = 0.2;

function cpuUse(c) {
  const figures = `server ${fmt.num(c.server_cores, 2)}, this client ${fmt.num(c.client_cores, 2)}, other processes ${fmt.num(c.other_cores, 2)}`;
  return c.other_cores > BUSY_NEIGHBOURS ? `${figures} (NOT IDLE: other processes competed for the CPU)` : figures;
}

function stopSummary(s) {
  if (s.exited_on_its_own)
    return `FAILED: the server had already exited (code ${s.exit_code}, signal ${s.exit_signal})`;
  if (s.stop_forced) return `did not exit within a minute of SIGTERM; killed`;
  return `${fmt.s(s.stop_ms)} after SIGTERM, exit code ${s.exit_code}`;
}
