// The SDK's recording paths, timed in this process against the built SDK (packages/sdk/dist): what `track()` adds
// to each call when events go to a Tally server, and how many events per second `logCall()` gets into a JSONL file.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep, setImmediate as yieldToIo } from 'node:timers/promises';
import { fmt } from './report.js';

/** Calls timed at a stretch; below the SDK's default queue of 10,000, so nothing is ever dropped. */
const TRACK_CHUNK = 5000;
/** Pause after each flush, untimed, so the server's work on the events just sent is not timed as the SDK's. */
const SETTLE_MS = 100;
/** logCall()s between two yields to the event loop, as a busy service's calls arrive between its I/O. */
const JSONL_CHUNK = 1000;

/** The options of tracked calls: a few users, sessions and agents, as a service's calls carry them. */
function callOptions(count) {
  const models = [
    ['openai', 'gpt-4o-mini'],
    ['openai', 'gpt-4o'],
    ['anthropic', 'claude-sonnet-4-5'],
    ['google', 'gemini-2.0-flash'],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [provider, model] = models[i % models.length];
    return {
      provider,
      model,
      api_type: 'generative',
      operation: 'chat_answer',
      source_function: 'synthesize_answer',
      user_id: `user_${String(i % 97).padStart(4, '0')}`,
      session_id: `sess_${String(i % 61).padStart(5, '0')}`,
      agent_name: 'support-bot',
      agent_version: '2.3.1',
      temperature: 0.2,
      tags: ['prod', 'chat'],
    };
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** CPU time of this process so far, in ms: unlike wall time, not lengthened by other processes taking the CPU. */
const processCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const cpuMs = (since) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

/**
 * `track()` with the HTTP sink pointed at `serverUrl`: rounds of TRACK_CHUNK calls of
 * `await track(options, async (call) => { call.updateTokens(…) })`, each beside the same loop calling the bare
 * function, then an untimed flush() that waits for the server's acknowledgement. The overhead is the median over
 * the rounds of (track loop − bare loop) per call. Background work that the timed loops leave for later (most of the
 * batches' serialization and the HTTP requests) is counted by the second figure: this process's CPU time over the
 * track loops and their flushes, minus that of the bare loops, per call.
 */
export async function measureTrack({ sdk, serverUrl, calls, progress }) {
  const dir = await mkdtemp(join(tmpdir(), 'tally-sdk-bench-'));
  try {
    sdk.configure({ url: serverUrl, dir });
    const options = callOptions(64);
    const tokens = { input_tokens: 1200, output_tokens: 300 };
    const work = async (call) => {
      call.updateTokens(tokens);
    };
    const seen = { tokens: null };
    const stub = { updateTokens: (t) => void (seen.tokens = t), setCost() {}, setError() {}, setMetadata() {} };
    // Each loop returns its wall time and this process's CPU time, in ms.
    const bareLoop = async (n) => {
      const cpu = processCpu();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await work(stub);
      return { ms: performance.now() - t0, cpu: processCpu() - cpu };
    };
    const trackLoop = async (n) => {
      const cpu = processCpu();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await sdk.track(options[i & 63], work);
      return { ms: performance.now() - t0, cpu: processCpu() - cpu };
    };

    // Warm-up: the JIT, the keep-alive connection, the server's first batches.
    for (let i = 0; i < 4; i++) {
      await bareLoop(TRACK_CHUNK);
      await trackLoop(TRACK_CHUNK);
      await sdk.flush();
    }
    const warmed = sdk.stats().written;
    const rounds = Math.max(1, Math.round(calls / TRACK_CHUNK));
    progress(`track(): ${rounds} rounds of ${fmt.int(TRACK_CHUNK)} calls, each beside the bare function…`);
    const perCall = [];
    const perCallCpu = [];
    const bareNs = [];
    const trackNs = [];
    let bareCpu = 0;
    let trackCpu = 0;
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) {
      // Alternate the order, so neither loop always runs right after the other's flush.
      let bare;
      const cpuBare = process.cpuUsage();
      if (r % 2 === 0) bare = await bareLoop(TRACK_CHUNK);
      bareCpu += cpuMs(cpuBare);
      const cpuTrack = process.cpuUsage();
      const tracked = await trackLoop(TRACK_CHUNK);
      await sdk.flush();
      trackCpu += cpuMs(cpuTrack);
      // The server commits what it was sent just now; let it finish before the next timed loop shares the CPU.
      await sleep(SETTLE_MS);
      const cpuBare2 = process.cpuUsage();
      if (r % 2 === 1) bare = await bareLoop(TRACK_CHUNK);
      bareCpu += cpuMs(cpuBare2);
      bareNs.push((bare.ms * 1e6) / TRACK_CHUNK);
      trackNs.push((tracked.ms * 1e6) / TRACK_CHUNK);
      perCall.push(((tracked.ms - bare.ms) * 1e6) / TRACK_CHUNK);
      perCallCpu.push(((tracked.cpu - bare.cpu) * 1e6) / TRACK_CHUNK);
    }
    const seconds = (performance.now() - t0) / 1000;
    const stats = sdk.stats();
    await sdk.shutdown();
    const timed = rounds * TRACK_CHUNK;
    return {
      calls: timed,
      rounds,
      chunk: TRACK_CHUNK,
      bare_ns_per_call: median(bareNs),
      track_ns_per_call: median(trackNs),
      overhead_us_per_call: median(perCall) / 1000,
      overhead_us_min: Math.min(...perCall) / 1000,
      overhead_us_max: Math.max(...perCall) / 1000,
      overhead_cpu_us_per_call: median(perCallCpu) / 1000,
      cpu_us_per_call: ((trackCpu - bareCpu) * 1000) / timed,
      seconds,
      acknowledged: stats.written - warmed,
      dropped: stats.dropped,
      errors: stats.errors,
      spilled: stats.spilled ?? 0,
    };
  } finally {
    await sdk.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Line breaks in a file, counted as it streams past (the file may be larger than a string can hold). */
async function countLines(path) {
  let lines = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

/** What a service records with logCall(): a call's identity, tokens and latency. */
function loggedCalls(count) {
  return callOptions(count).map((o, i) => ({
    ...o,
    input_tokens: 800 + ((i * 37) % 1500),
    output_tokens: 120 + ((i * 53) % 600),
    latency_ms: 400 + ((i * 71) % 3000) + 0.25,
    status: i % 40 === 0 ? 'error' : 'success',
    ...(i % 40 === 0 ? { error_message: 'Rate limit reached for requests per minute' } : {}),
  }));
}

/**
 * `logCall()` into a fresh JSONL file: `events` calls, JSONL_CHUNK at a time with a yield to the event loop in
 * between, timed from the first logCall to the end of flush(). Every line must be on disk: the file's line count
 * and the SDK's `written` are checked.
 */
export async function measureJsonl({ sdk, events, progress }) {
  const dir = await mkdtemp(join(tmpdir(), 'tally-sdk-bench-'));
  try {
    const calls = loggedCalls(256);
    const run = async (file, n) => {
      sdk.configure({ dir, file });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let done = 0; done < n; done += JSONL_CHUNK) {
        const end = Math.min(n, done + JSONL_CHUNK);
        for (let i = done; i < end; i++) sdk.logCall(calls[i & 255]);
        await yieldToIo();
      }
      await sdk.flush();
      const ms = performance.now() - t0;
      const cpu = cpuMs(cpu0);
      const stats = sdk.stats();
      await sdk.shutdown();
      return { ms, cpu, stats };
    };
    await run('warm-up.jsonl', Math.min(events, 50_000));
    const before = sdk.stats();
    progress(`logCall(): ${fmt.int(events)} events into a JSONL file…`);
    const { ms, cpu, stats } = await run('calls.jsonl', events);
    const path = join(dir, 'calls.jsonl');
    const bytes = (await stat(path)).size;
    const lines = await countLines(path);
    return {
      events,
      seconds: ms / 1000,
      events_per_sec: events / (ms / 1000),
      cpu_us_per_event: (cpu * 1000) / events,
      mib_per_sec: bytes / 2 ** 20 / (ms / 1000),
      bytes_per_line: bytes / lines,
      lines_in_file: lines,
      written: stats.written - before.written,
      dropped: stats.dropped - before.dropped,
      errors: stats.errors - before.errors,
    };
  } finally {
    await sdk.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
}
