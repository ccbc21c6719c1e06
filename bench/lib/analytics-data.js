// The analytics benchmark's data set: generated once into a DuckDB file through Tally's own store API, then reused.
// Events are prepared by `prepareCallEvent` (validation, defaults, pricing), exactly as ingest stores them, and
// written in time order in batches of 50,000, as a steady stream of ingest would leave them on disk. A marker file
// beside the database records the count, the generator version, and the users, sessions and agents the queries ask
// about; without a matching marker the directory is deleted and generated again.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_COUNT, VERSIONS, agentPair, makeCallFactory } from './analytics-catalog.js';
import { mulberry32 } from './events.js';
import { fmt } from './report.js';
import { directorySize } from './server-process.js';

/** Raise it whenever the generated data changes, so that stale data sets are generated again. */
export const GENERATOR_VERSION = 1;
export const DAY_MS = 86_400_000;
const SPAN_DAYS = 90;
const BATCH = 50_000;
const MARKER = 'dataset.json';
const PROJECT = 'default';
const dist = (pkg) => fileURLToPath(new URL(`../../packages/${pkg}/dist/index.js`, import.meta.url));

/** `bench/.data/analytics-10m` for 10,000,000 events, `analytics-200k` for 200,000. */
export function dataDirFor(events) {
  const label =
    events % 1_000_000 === 0 ? `${events / 1_000_000}m` : events % 1000 === 0 ? `${events / 1000}k` : `${events}`;
  return fileURLToPath(new URL(`../.data/analytics-${label}`, import.meta.url));
}

/**
 * Returns the data set's description (its marker), generating the data first when the directory holds no data
 * set of this size and generator version, or when `regenerate` is set.
 */
export async function ensureData({ dir, events, regenerate, progress }) {
  const marker = readMarker(dir);
  const fits = marker?.events === events && marker?.generator_version === GENERATOR_VERSION;
  if (!regenerate && fits && existsSync(join(dir, 'tally.duckdb'))) {
    progress(`reusing ${fmt.int(events)} events in ${dir} (generated ${marker.generated_at})`);
    return { ...marker, disk_bytes: await directorySize(dir), reused: true };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const facts = await generate({ dir, events, progress });
  writeFileSync(join(dir, MARKER), `${JSON.stringify(facts, null, 2)}\n`);
  return { ...facts, reused: false };
}

function readMarker(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, MARKER), 'utf8'));
  } catch {
    return null;
  }
}

async function generate({ dir, events, progress }) {
  for (const pkg of ['core', 'storage']) {
    if (!existsSync(dist(pkg))) throw new Error(`${dist(pkg)} does not exist: run "npm run build" first`);
  }
  const { PriceBook, prepareCallEvent } = await import(dist('core'));
  const { createStore, parseStoreLocation } = await import(dist('storage'));

  const t0 = performance.now();
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const start = end - SPAN_DAYS * DAY_MS;
  const users = 2000;
  const sessions = Math.max(100, Math.round(events / 200));
  const incident = [start + 75 * DAY_MS + 14 * 3_600_000, start + 75 * DAY_MS + 16 * 3_600_000];
  const make = makeCallFactory({ users, sessions, incident });
  const clock = makeClock(start, SPAN_DAYS * 1440, events);
  const random = mulberry32(11);
  const tally = makeTally({ users, sessions, recentFrom: end - 7 * DAY_MS });
  const base = { projectId: PROJECT, capturePolicy: 'full', priceBook: new PriceBook() };
  const contexts = { proxy: { ...base, ingestSource: 'proxy' }, sdk: { ...base, ingestSource: 'sdk' } };

  const store = createStore(parseStoreLocation(undefined, dir), { memoryLimit: '512MB' });
  await store.init();
  let pending = null;
  try {
    await store.createProject({
      id: PROJECT,
      name: 'Default',
      description: 'Created at first start',
      capture_policy: 'full',
      created_at: start,
    });
    progress(`generating ${fmt.int(events)} events over ${SPAN_DAYS} days into ${dir}…`);
    let lastReport = performance.now();
    for (let done = 0; done < events; done += BATCH) {
      const calls = new Array(Math.min(BATCH, events - done));
      for (let j = 0; j < calls.length; j++) {
        const i = done + j;
        const raw = make(i, clock(i, random()), i / events);
        const ctx = raw.endpoint === undefined ? contexts.sdk : contexts.proxy;
        ctx.now = raw.timestamp + raw.duration_ms + 200 + Math.floor(random() * 3000); // received after the call
        const prepared = prepareCallEvent(raw, ctx);
        if (!prepared.ok) throw new Error(`generated event ${i} is invalid: ${JSON.stringify(prepared.errors)}`);
        calls[j] = prepared.value;
        tally.add(prepared.value);
      }
      await pending; // one batch is written while the next is generated
      pending = store.write({ calls }).then((r) => {
        if (r.calls !== calls.length) throw new Error(`the store took ${r.calls} of a batch of ${calls.length}`);
      });
      pending.catch(() => {}); // awaited above or below; this only keeps Node from calling it unhandled
      if (performance.now() - lastReport > 5000 || done + BATCH >= events) {
        lastReport = performance.now();
        const n = done + calls.length;
        const rate = n / ((lastReport - t0) / 1000);
        progress(
          `generated ${fmt.int(n)} / ${fmt.int(events)} (${((100 * n) / events).toFixed(0)}%), ` +
            `${fmt.int(rate)} events/s, about ${fmt.s(((events - n) / rate) * 1000)} left`,
        );
      }
    }
    await pending;
  } finally {
    await pending?.catch(() => {});
    progress('closing the store (checkpoint)…');
    await store.close();
  }
  const generationMs = performance.now() - t0;
  const diskBytes = await directorySize(dir);
  progress(`generation took ${fmt.s(generationMs)}; the database holds ${fmt.mib(diskBytes)}`);
  return {
    generator_version: GENERATOR_VERSION,
    events,
    users,
    sessions,
    generated_at: new Date().toISOString(),
    generation_ms: Math.round(generationMs),
    disk_bytes: diskBytes,
    oldest_ms: tally.oldest,
    newest_ms: tally.newest,
    ...tally.figures(),
  };
}

/**
 * Start times for events 0..total-1, in order, following the weight of each minute: a daily rhythm peaking in
 * the European afternoon, quieter weekends, and traffic that grows by half over the period.
 */
function makeClock(start, minutes, total) {
  const cumulative = new Float64Array(minutes);
  let sum = 0;
  for (let m = 0; m < minutes; m++) {
    const t = new Date(start + m * 60_000);
    const hour = t.getUTCHours() + t.getUTCMinutes() / 60;
    const weekend = t.getUTCDay() === 0 || t.getUTCDay() === 6;
    sum += (0.25 + Math.exp(-((hour - 15) ** 2) / 18)) * (weekend ? 0.45 : 1) * (0.75 + (0.5 * m) / minutes);
    cumulative[m] = sum;
  }
  let minute = 0;
  return (i, r) => {
    const target = ((i + r) / total) * sum;
    while (minute < minutes - 1 && cumulative[minute] < target) minute++;
    const before = minute === 0 ? 0 : cumulative[minute - 1];
    const within = Math.min(0.99999, Math.max(0, (target - before) / (cumulative[minute] - before)));
    return start + minute * 60_000 + Math.floor(within * 60_000);
  };
}

/** Counts what the queries need to pick realistic parameters: busy and quiet users, recent sessions, agents. */
function makeTally({ users, sessions, recentFrom }) {
  const perUser = new Uint32Array(users);
  const perSession = new Uint32Array(sessions);
  const sessionLast = new Float64Array(sessions);
  const agentRecent = new Uint32Array(AGENT_COUNT * VERSIONS.length);
  const counts = { errors: 0, unpriced: 0, proxy: 0, with_text: 0 };
  const agentIndex = new Map(
    Array.from(agentRecent, (_, i) => [`${agentPair(i).agent_name}@${agentPair(i).agent_version}`, i]),
  );
  const t = {
    oldest: Infinity,
    newest: -Infinity,
    add(e) {
      t.oldest = Math.min(t.oldest, e.timestamp);
      t.newest = Math.max(t.newest, e.timestamp);
      perUser[Number(e.user_id.slice(5))]++;
      const s = Number(e.session_id.slice(5));
      perSession[s]++;
      sessionLast[s] = e.timestamp;
      if (e.timestamp >= recentFrom) agentRecent[agentIndex.get(`${e.agent_name}@${e.agent_version}`)]++;
      if (e.status !== 'success') counts.errors++;
      if (e.cost_source === 'unpriced') counts.unpriced++;
      if (e.ingest_source === 'proxy') counts.proxy++;
      if (e.input_text !== null) counts.with_text++;
    },
    figures() {
      const byCount = [...perUser.keys()].filter((u) => perUser[u] > 0).sort((a, b) => perUser[b] - perUser[a]);
      const ranks = [0, 1, 2, 9, 49, 199, 499, 999].filter((r) => r < byCount.length);
      const recent = [...perSession.keys()].filter(
        (s) => perSession[s] > 0 && sessionLast[s] >= t.newest - 30 * DAY_MS,
      );
      const sessionPicks = Array.from({ length: Math.min(10, recent.length) }, (_, k) =>
        Math.floor(((k + 0.5) * recent.length) / Math.min(10, recent.length)),
      );
      const agents = [...agentRecent.keys()].sort((a, b) => agentRecent[b] - agentRecent[a]).slice(0, 5);
      return {
        counts,
        picks: {
          users: ranks.map((r) => ({ id: `user_${String(byCount[r]).padStart(4, '0')}`, calls: perUser[byCount[r]] })),
          sessions: sessionPicks.map((k) => ({
            id: `sess_${String(recent[k]).padStart(5, '0')}`,
            calls: perSession[recent[k]],
          })),
          agents: agents.map((i) => ({ ...agentPair(i), calls_7d: agentRecent[i] })),
        },
      };
    },
  };
  return t;
}
