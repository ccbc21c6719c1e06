// Figures and their presentation: machine description, percentiles, number formatting and the result table.
import os from 'node:os';

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    cpu_count: cpus.length,
    total_ram_bytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** Nearest-rank percentiles (p in 0..100) of a list of numbers, plus the mean and max. */
export function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  const at = (p) =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  const mean = sorted.length === 0 ? NaN : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { count: sorted.length, mean, p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: at(100) };
}

const round = (x, digits) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

/** Rounds every number in a (nested) figures object, for the JSON line. */
export function rounded(value, digits = 3) {
  if (typeof value === 'number') return Number.isInteger(value) ? value : round(value, digits);
  if (Array.isArray(value)) return value.map((v) => rounded(v, digits));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v, digits)]));
  return value;
}

export const fmt = {
  int: (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a'),
  num: (x, digits = 1) =>
    Number.isFinite(x)
      ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
      : 'n/a',
  mib: (bytes) => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : 'n/a'),
  gib: (bytes) => (Number.isFinite(bytes) ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : 'n/a'),
  ms: (x) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)} ms` : 'n/a'),
  s: (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a'),
};

/** `sections` is a list of [title, [[label, value], ...]]; prints them as one aligned table. */
export function formatTable(title, sections) {
  const width = Math.max(...sections.flatMap(([, rows]) => rows.map(([label]) => label.length))) + 2;
  const out = [title, '='.repeat(title.length)];
  for (const [heading, rows] of sections) {
    out.push('', heading);
    for (const [label, value] of rows) out.push(`  ${label.padEnd(width)}${value}`);
  }
  return out.join('\n');
}

/** A progress line on stderr, stamped with the seconds since the benchmark started. */
export function makeProgress(startedAt = performance.now()) {
  return (line) =>
    process.stderr.write(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
}
