// Realistic CallEvents for the ingest benchmarks: about 300 bytes each once serialized, a weighted mix of models,
// a few hundred users and sessions, and ids that are unique across the whole run (the store de-duplicates by id,
// so a repeated id would be cheaper to "ingest" than a new one and flatter the figures).

/** [provider, model, weight, typical input tokens, typical output tokens] */
const MODELS = [
  ['openai', 'gpt-4o-mini', 34, 900, 220],
  ['openai', 'gpt-4o', 20, 1800, 420],
  ['anthropic', 'claude-sonnet-4-5', 24, 2600, 650],
  ['google', 'gemini-2.0-flash', 16, 1200, 300],
  ['anthropic', 'claude-haiku-4-5', 6, 700, 180],
];
const AGENTS = [
  ['support-bot', '2.3.1'],
  ['doc-summarizer', '1.0.4'],
  ['sql-assistant', '0.9.2'],
  ['triage-agent', '3.1.0'],
];
const TAGS = [['prod'], ['prod', 'chat'], ['prod', 'rag'], ['staging', 'eval'], ['prod', 'batch', 'nightly']];
const FEATURES = ['answer', 'summarize', 'classify', 'extract', 'rewrite'];
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];

/** Small deterministic PRNG, so two runs send the same shapes of data (only the ids differ). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Returns `next()`, which makes one new CallEvent per call.
 *
 * @example
 *   const next = makeEventFactory({ runId: 'a1b2c3d4' });
 *   const body = JSON.stringify({ events: [next(), next()] });
 */
export function makeEventFactory({
  runId,
  users = 400,
  sessions = 900,
  seed = 42,
  now = Date.now(),
  spreadMs = 300_000,
}) {
  const random = mulberry32(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const totalWeight = MODELS.reduce((n, m) => n + m[2], 0);
  const pickModel = () => {
    let r = random() * totalWeight;
    for (const m of MODELS) if ((r -= m[2]) < 0) return m;
    return MODELS[0];
  };
  // Token counts spread from a third to three times the model's typical figure (a rough log-normal).
  const around = (typical) => Math.round(typical * Math.exp((random() + random() + random() - 1.5) * 1.1));
  let seq = 0;

  return function next() {
    const [provider, model, , inTokens, outTokens] = pickModel();
    const [agentName, agentVersion] = pick(AGENTS);
    const session = Math.floor(random() * sessions);
    const outputTokens = around(outTokens);
    return {
      id: `${runId}-${(seq++).toString(36).padStart(7, '0')}`,
      timestamp: new Date(now - Math.floor(random() * spreadMs)).toISOString(),
      provider,
      model,
      input_tokens: around(inTokens),
      output_tokens: outputTokens,
      duration_ms: 250 + Math.round(outputTokens * (8 + random() * 20)),
      user_id: `user-${String(session % users).padStart(4, '0')}`,
      session_id: `sess-${String(session).padStart(5, '0')}`,
      agent_name: agentName,
      agent_version: agentVersion,
      tags: pick(TAGS),
      metadata: { feature: pick(FEATURES), region: pick(REGIONS), prompt_version: 1 + Math.floor(random() * 6) },
    };
  };
}

/** Serializes `total` new events into bulk request bodies of `batchSize` events (the last one may be smaller). */
export function buildBulkBodies(next, total, batchSize) {
  const bodies = [];
  const counts = [];
  let bytes = 0;
  for (let done = 0; done < total; done += batchSize) {
    const n = Math.min(batchSize, total - done);
    const events = new Array(n);
    for (let i = 0; i < n; i++) events[i] = next();
    const body = Buffer.from(JSON.stringify({ events }));
    bodies.push(body);
    counts.push(n);
    bytes += body.length;
  }
  return { bodies, counts, bytes };
}

/** Serializes `count` new events, one request body each. */
export function buildSingleBodies(next, count) {
  const bodies = new Array(count);
  for (let i = 0; i < count; i++) bodies[i] = Buffer.from(JSON.stringify(next()));
  return bodies;
}
