// Starts the built Tally server as a child process on a fresh data directory and a free port, watches it through
// /proc (Linux), and always stops it and deletes the directory, also when the benchmark fails or is interrupted.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;

/** Asks the kernel for a port that is free right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `node <cliPath> serve` and resolves once it prints "listening on". The returned handle's `stop()` sends
 * SIGTERM (the server then answers requests in flight, flushes and checkpoints) and SIGKILLs after a minute;
 * `dispose()` also deletes the data directory, unless it was the caller's `dataDir`. `env` adds or (with undefined)
 * removes settings of the server's environment; `nodeArgs` go to node before the script (e.g. `--cpu-prof`).
 *
 * @example
 *   const server = await startServer({ cliPath: 'packages/server/dist/cli.js' });
 *   try { ... } finally { await server.dispose(); }
 */
export async function startServer({
  cliPath,
  onLogRecord = () => {},
  onUnexpectedExit = () => {},
  dataDir: keptDir = null,
  env: extraEnv = {},
  nodeArgs = [],
}) {
  // A given `dataDir` is the caller's: it is used as it is and never deleted. Otherwise a temporary one is made.
  const dataDir = keptDir ?? (await mkdtemp(join(tmpdir(), 'tally-bench-')));
  const removeDir = () => {
    if (keptDir === null) rmSync(dataDir, { recursive: true, force: true });
  };
  const port = await freePort();
  const env = { ...process.env, TALLY_LOG_LEVEL: 'warn', TALLY_ADMIN_TOKEN: randomBytes(24).toString('hex') };
  // Flags win over these, but an operator's TALLY_STORE would redirect the store out of the temporary directory.
  for (const name of ['TALLY_STORE', 'TALLY_DATA_DIR', 'TALLY_PORT', 'TALLY_HOST']) delete env[name];
  // `env` adds settings; a name given as undefined is removed, so the server uses its default.
  for (const [name, value] of Object.entries(extraEnv)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(
    process.execPath,
    [...nodeArgs, cliPath, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data', dataDir],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // Last resort when the benchmark dies without running its finally blocks.
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    removeDir();
  };
  process.once('exit', onExit);

  const startedAt = performance.now();
  const tail = [];
  let ready = false;
  const lines = (stream) => createInterface({ input: stream, crlfDelay: Infinity });
  const readyPromise = new Promise((resolve, reject) => {
    // After start-up, the server's log records are pino's JSON lines on stdout; anything on stderr (a Node
    // warning, a crash) counts too. Its plain console lines (the banner, the shutdown notice) do not.
    const onLine = (source) => (line) => {
      if (!ready && line.includes('listening on')) {
        ready = true;
        resolve();
      } else if (ready && (source === 'stderr' || line.startsWith('{'))) {
        onLogRecord(line);
      }
      tail.push(line);
      if (tail.length > 40) tail.shift();
    };
    lines(child.stdout).on('line', onLine('stdout'));
    lines(child.stderr).on('line', onLine('stderr'));
    child.once('error', reject);
    exited.then(({ code, signal }) => {
      if (!ready)
        reject(
          new Error(`the server exited before it was ready (code ${code}, signal ${signal}):\n${tail.join('\n')}`),
        );
    });
  });
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the server did not print "listening on" within ${READY_TIMEOUT_MS / 1000} s`)),
      READY_TIMEOUT_MS,
    );
  });

  let stopping = null;
  exited.then(({ code, signal }) => {
    if (ready && !stopping) onUnexpectedExit({ code, signal, tail: tail.join('\n') });
  });
  const handle = {
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    exited,
    startMs: 0,
    tail: () => tail.join('\n'),
    isRunning: () => child.exitCode === null && child.signalCode === null,
    /** Stops the server (the data directory stays); resolves to how long that took and whether it was forced. */
    stop() {
      stopping ??= stopChild(child, exited);
      return stopping;
    },
    /** Stops the server if it still runs and deletes the data directory (unless the caller gave it). */
    async dispose() {
      await handle.stop();
      removeDir();
      process.removeListener('exit', onExit);
    },
  };
  try {
    await Promise.race([readyPromise, timeout]);
  } catch (e) {
    await handle.dispose();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  handle.startMs = performance.now() - startedAt;
  return handle;
}

async function stopChild(child, exited) {
  const t0 = performance.now();
  if (child.exitCode !== null || child.signalCode !== null) {
    return { ms: 0, forced: false, code: child.exitCode, signal: child.signalCode, already_exited: true };
  }
  child.kill('SIGTERM');
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS)));
  const first = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (first === 'late') {
    child.kill('SIGKILL');
    await exited;
    return { ms: performance.now() - t0, forced: true, code: null, signal: 'SIGKILL', already_exited: false };
  }
  return { ms: performance.now() - t0, forced: false, code: first.code, signal: first.signal, already_exited: false };
}

/** Current and peak resident memory of a process, in bytes, from /proc/<pid>/status (null when not on Linux). */
export function readMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Total size of the files under a directory, in bytes. */
export async function directorySize(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directorySize(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/**
 * Samples a process's resident memory every `everyMs` until `stop()`, which resolves to the first, last and
 * largest sample and the kernel's own high-water mark (VmHWM, which also catches peaks between samples).
 */
export function watchMemory(pid, everyMs = 250) {
  const first = readMemory(pid) ?? { rss: NaN, hwm: NaN };
  let last = first;
  let max = first.rss;
  const sample = () => {
    const m = readMemory(pid);
    if (!m) return;
    last = m;
    max = Number.isNaN(max) ? m.rss : Math.max(max, m.rss);
  };
  const timer = setInterval(sample, everyMs);
  return {
    current: () => last.rss,
    stop() {
      clearInterval(timer);
      sample();
      return {
        start_rss_bytes: first.rss,
        end_rss_bytes: last.rss,
        max_sampled_rss_bytes: max,
        vm_hwm_bytes: last.hwm,
      };
    },
  };
}
