// `tally usage --summary --file F` timed as a user runs it: a child process of the built CLI, from spawn to exit.
// Its peak memory and CPU time come from getrusage(2) at its exit (a preloaded module writes them to a file), and
// its answer is checked against the totals the data set's generator counted.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt } from './report.js';

const PRELOAD = fileURLToPath(new URL('./max-rss-preload.js', import.meta.url));

/** Runs the CLI once; resolves to its wall time, exit code, output and resource use. */
async function runOnce(cliPath, file) {
  const dir = await mkdtemp(join(tmpdir(), 'tally-sdk-bench-'));
  const usageFile = join(dir, 'rusage.json');
  try {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', PRELOAD, cliPath, 'usage', '--summary', '--file', file], {
      env: { ...process.env, TALLY_BENCH_RUSAGE_FILE: usageFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const code = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, signal) => resolve(c ?? signal));
    });
    const ms = performance.now() - t0;
    let usage = { max_rss_bytes: NaN, user_cpu_us: NaN, system_cpu_us: NaN };
    try {
      usage = JSON.parse(await readFile(usageFile, 'utf8'));
    } catch {
      // The process died before its exit handler ran; the figures stay n/a.
    }
    return { ms, code, stdout, stderr, ...usage };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const count = (text) => Number(text.replaceAll(',', ''));

/** The figures the text answer states, or null when its format is not recognised. */
function readAnswer(stdout) {
  const calls = /calls\s+([\d,]+) \(([\d,]+) succeeded, ([\d,]+) failed\)/.exec(stdout);
  const who = /([\d,]+) users, ([\d,]+) sessions, ([\d,]+) sources/.exec(stdout);
  const input = /input tokens\s+([\d,]+)/.exec(stdout);
  if (!calls || !who || !input) return null;
  return {
    total_calls: count(calls[1]),
    successful_calls: count(calls[2]),
    failed_calls: count(calls[3]),
    total_input_tokens: count(input[1]),
    users: count(who[1]),
    sessions: count(who[2]),
    sources: count(who[3]),
  };
}

/**
 * Times `runs` runs of the CLI over the data set's file. Every run must exit 0; the first run's answer is
 * compared with the generator's totals (`mismatches` lists the figures that differ; `checked` is false when the
 * output format was not recognised).
 */
export async function measureUsage({ cliPath, data, runs, progress }) {
  const results = [];
  for (let r = 0; r < runs; r++) {
    progress(`tally usage --summary over ${fmt.gib(data.bytes)}: run ${r + 1} of ${runs}…`);
    const one = await runOnce(cliPath, data.path);
    progress(
      `  ${fmt.s(one.ms)}, peak RSS ${fmt.mib(one.max_rss_bytes)}, exit code ${one.code}` +
        (one.code === 0 ? '' : `; stderr: ${one.stderr.slice(0, 500)}`),
    );
    results.push(one);
  }
  const answer = readAnswer(results[0]?.stdout ?? '');
  const want = data.expected;
  const mismatches = answer
    ? Object.entries(answer)
        .filter(([k, v]) => want[k] !== v)
        .map(([k, v]) => `${k}: ${fmt.int(v)}, expected ${fmt.int(want[k])}`)
    : [];
  const seconds = results.map((x) => x.ms / 1000);
  const sorted = [...seconds].sort((a, b) => a - b);
  return {
    file_bytes: data.bytes,
    lines: data.lines,
    runs,
    seconds,
    median_seconds: sorted[Math.floor((sorted.length - 1) / 2)],
    best_seconds: sorted[0],
    mib_per_sec: data.bytes / 2 ** 20 / sorted[Math.floor((sorted.length - 1) / 2)],
    max_rss_bytes: Math.max(...results.map((x) => x.max_rss_bytes)),
    cpu_seconds: results.map((x) => (x.user_cpu_us + x.system_cpu_us) / 1e6),
    exit_codes: results.map((x) => x.code),
    checked: answer !== null,
    mismatches,
    stderr_sample: results.find((x) => x.stderr.trim() !== '')?.stderr.slice(0, 500) ?? null,
  };
}
