// The export phase of the analytics benchmark: streams a CSV export and counts its bytes and rows as they arrive,
// while sampling the server's memory. Rows are counted as CSV defines them: a line break inside a quoted field
// (a prompt, an error message) does not end a row.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { readProcessCpuSeconds } from './cpu-meter.js';
import { fmt } from './report.js';
import { watchMemory } from './server-process.js';

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/** Counts CSV records across chunks; `rows()` excludes the header line. */
function csvRowCounter() {
  let quoted = false;
  let lines = 0;
  let lastByte = NEWLINE;
  return {
    add(chunk) {
      let i = 0;
      while (i < chunk.length) {
        if (quoted) {
          const q = chunk.indexOf(QUOTE, i);
          if (q === -1) break;
          quoted = false; // a doubled quote ("") closes and reopens, which comes to the same
          i = q + 1;
        } else {
          const n = chunk.indexOf(NEWLINE, i);
          const q = chunk.indexOf(QUOTE, i);
          if (q !== -1 && (n === -1 || q < n)) {
            quoted = true;
            i = q + 1;
          } else if (n !== -1) {
            lines++;
            i = n + 1;
          } else break;
        }
      }
      if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
    },
    /** Records after the header; with `final`, an unterminated last line counts too. */
    rows: (final) => Math.max(0, lines + (final && lastByte !== NEWLINE ? 1 : 0) - 1),
  };
}

/** Resets the kernel's peak-RSS mark of a process (Linux; ignored where not allowed), so VmHWM covers one phase. */
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Streams `GET path` and resolves to its status, rows, bytes, time to first byte, duration, rows/s and the server's
 * memory during the transfer; it never rejects. A non-200 answer resolves with `status` and the start of its body
 * as `detail`; a connection that breaks off, with `error` and the rows that arrived. An export still running after
 * `maxSeconds` is cut off there and reported with `complete: false`: its rate is that of the rows received so far.
 */
export function measureExport({ server, path, maxSeconds, progress }) {
  const url = new URL(path, server.url);
  const peakReset = resetPeak(server.pid);
  const memory = watchMemory(server.pid, 100);
  const counter = csvRowCounter();
  const t0 = performance.now();
  let firstByteMs = NaN;
  let bytes = 0;
  let response = null;
  let cutOff = false;
  let transportError = null;
  const errorChunks = [];
  return new Promise((resolve) => {
    let timer = null;
    const finish = () => {
      if (timer === null) return; // already finished
      clearTimeout(timer);
      timer = null;
      const ms = performance.now() - t0;
      const mem = memory.stop();
      const status = response?.statusCode ?? 0;
      const rows = status === 200 ? counter.rows(!cutOff && !transportError) : 0;
      resolve({
        path,
        status,
        ...(transportError ? { error: transportError } : {}),
        ...(status !== 200 ? { detail: Buffer.concat(errorChunks).toString('utf8').slice(0, 500) } : {}),
        content_type: response?.headers['content-type'] ?? null,
        complete: !cutOff && !transportError,
        rows,
        bytes,
        first_byte_ms: firstByteMs,
        seconds: ms / 1000,
        rows_per_sec: rows / (ms / 1000),
        mib_per_sec: bytes / 2 ** 20 / (ms / 1000),
        server_rss_start_bytes: mem.start_rss_bytes,
        server_rss_max_sampled_bytes: mem.max_sampled_rss_bytes,
        server_rss_end_bytes: mem.end_rss_bytes,
        // With the mark reset before the request this is the peak of the export alone, else of the server's life.
        server_vm_hwm_bytes: mem.vm_hwm_bytes,
        vm_hwm_covers: peakReset ? 'this export' : 'the server process since it started',
      });
    };
    // A broken connection (the server closed it, or died) ends the measurement with what arrived, marked failed.
    const fail = (e) => {
      transportError ??= `the transfer broke off before its end: ${e.message}`;
      finish();
    };
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname + url.search }, (res) => {
      response = res;
      let lastReport = t0;
      res.on('data', (chunk) => {
        if (Number.isNaN(firstByteMs)) firstByteMs = performance.now() - t0;
        bytes += chunk.length;
        if (res.statusCode !== 200) return void (bytes < 4096 && errorChunks.push(chunk));
        counter.add(chunk);
        const now = performance.now();
        if (now - lastReport < 5000) return;
        lastReport = now;
        const rows = counter.rows(false);
        progress(
          `export: ${fmt.int(rows)} rows, ${fmt.mib(bytes)} so far, ${fmt.int(rows / ((now - t0) / 1000))} rows/s, ` +
            `server RSS ${fmt.mib(memory.current())}`,
        );
      });
      res.on('end', finish);
      res.on('error', fail);
    });
    req.on('error', fail);
    timer = setTimeout(() => {
      cutOff = true;
      progress(`export: still running after ${maxSeconds} s; cut off there (--export-seconds)`);
      finish();
      req.destroy();
    }, maxSeconds * 1000);
  });
}

/**
 * Waits until a process uses less than a fifth of a core over a second (at most `maxMs`): after an export was cut
 * off, the server may still be working on it, and the next measurement should not pay for that.
 */
export async function waitForQuiet(pid, maxMs = 30_000) {
  const t0 = performance.now();
  let before = readProcessCpuSeconds(pid);
  while (before !== null && performance.now() - t0 < maxMs) {
    await sleep(1000);
    const now = readProcessCpuSeconds(pid);
    if (now === null || now - before < 0.2) return;
    before = now;
  }
}
