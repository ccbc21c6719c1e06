// The JSONL file behind `tally usage --summary --file`: generated once into bench/.data/ and reused. Most lines are
// what Tally's SDK writes (track(), logCall() and the OpenAI/Anthropic wrappers: CallEvent names plus seed 002's
// `api_provider`, `latency_ms` and `cost_estimate`); a fifth are seed 002's own Python tracker lines (`json.dumps`
// spacing, zone-less timestamps with microseconds, `api_provider` only, nulls, `additional_params` as a JSON
// string). Everything is derived from fixed seeds and a fixed time span, so two generations are byte-identical.
// A marker beside the file records its size and the totals the analyzer must find in it.
import { closeSync, openSync, readFileSync, rmSync, mkdirSync, statSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from './events.js';
import { fmt } from './report.js';

/** Raise it whenever the generated lines change, so that stale files are generated again. */
export const GENERATOR_VERSION = 1;
export const FILE_NAME = 'calls.jsonl';
const MARKER = 'dataset.json';
const DAY_MS = 86_400_000;
/** The file covers the 90 days before this instant. */
const END_MS = Date.UTC(2025, 5, 30);
const SPAN_MS = 90 * DAY_MS;
const USERS = 2000;
const SESSIONS = 40_000;
const SOURCES = 5000;
const WRITE_BYTES = 8 << 20;

/** `bench/.data/sdk-usage-1024m` for 1024 MiB. */
export function usageDirFor(mib) {
  return fileURLToPath(new URL(`../.data/sdk-usage-${mib}m`, import.meta.url));
}

/** [provider, model, weight, typical input, typical output, USD per million input, per million output] */
const MODELS = [
  ['openai', 'gpt-4o-mini', 26, 900, 220, 0.15, 0.6],
  ['openai', 'gpt-4o', 14, 1800, 420, 2.5, 10],
  ['openai', 'gpt-4.1-mini', 8, 1100, 260, 0.4, 1.6],
  ['openai', 'o3-mini', 3, 1500, 1400, 1.1, 4.4],
  ['anthropic', 'claude-sonnet-4-5', 16, 2600, 650, 3, 15],
  ['anthropic', 'claude-haiku-4-5', 7, 700, 180, 1, 5],
  ['google', 'gemini-2.0-flash', 8, 1200, 300, 0.1, 0.4],
  ['google', 'gemini-2.5-pro', 2, 3000, 1200, 1.25, 10],
  ['mistral', 'mistral-small-latest', 2, 800, 200, 0.1, 0.3],
  ['self-hosted', 'llama-3.1-70b-instruct', 2, 1300, 320, null, null],
];
const OPERATIONS = ['chat_answer', 'summarization', 'classification', 'extraction', 'rewrite'];
const FUNCTIONS = ['synthesize_answer', 'summarize_document', 'classify_ticket', 'extract_fields', 'rewrite_query'];
const AGENTS = [
  ['support-bot', '2.3.1'],
  ['doc-summarizer', '1.0.4'],
  ['sql-assistant', '0.9.2'],
  ['triage-agent', '3.1.0'],
];
const TAGS = [['prod'], ['prod', 'chat'], ['prod', 'rag'], ['staging', 'eval']];
const FEATURES = ['answer', 'summarize', 'classify', 'extract', 'rewrite'];
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
const ENDPOINTS = { openai: '/v1/chat/completions', anthropic: '/v1/messages' };
/** Seed 002's APIs: [api_provider, api_type, model, operation, weight]. */
const SEED_APIS = [
  ['gemini', 'generative', 'gemini-2.0-flash-exp', 'chat_answer', 50],
  ['gemini', 'generative', 'gemini-2.0-flash-exp', 'summarization', 20],
  ['google_speech', 'speech_to_text', 'chirp_2', 'transcription', 10],
  ['google_translate', 'translation', 'nmt', 'translation', 8],
  ['google_vision', 'ocr', 'document_text_detection', 'ocr', 7],
  ['vertex_search', 'search', 'discovery_engine', 'retrieval', 5],
];
const FAILURES = [
  ['error', 'RateLimitError', 'Rate limit reached for requests per minute (RPM): Limit 500, Used 500. Please retry.'],
  ['error', 'APIError', 'The server had an error while processing your request. Sorry about that!'],
  ['timeout', 'TimeoutError', 'The operation was aborted due to timeout'],
  ['cancelled', 'AbortError', 'This operation was aborted'],
];

/**
 * Returns the file's description (its marker), generating the file first when the directory holds none of this
 * size and generator version, or when `regenerate` is set.
 */
export function ensureUsageFile({ dir, mib, regenerate, progress }) {
  const marker = readMarker(dir);
  const path = join(dir, FILE_NAME);
  const fits =
    marker?.target_mib === mib && marker?.generator_version === GENERATOR_VERSION && sizeOf(path) === marker.bytes;
  if (fits && !regenerate) {
    progress(`reusing ${path} (${fmt.int(marker.lines)} lines, ${fmt.gib(marker.bytes)})`);
    return { path, ...marker, reused: true };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const facts = generate(path, mib, progress);
  writeFileSync(join(dir, MARKER), `${JSON.stringify(facts, null, 2)}\n`);
  return { path, ...facts, reused: false };
}

function readMarker(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, MARKER), 'utf8'));
  } catch {
    return null;
  }
}

function sizeOf(path) {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

function generate(path, mib, progress) {
  const target = mib * 2 ** 20;
  const t0 = performance.now();
  progress(`generating ${fmt.gib(target)} of JSONL call lines into ${path}…`);
  const makeLine = makeLineFactory();
  const totals = newTotals();
  const fd = openSync(path, 'w');
  let bytes = 0;
  let lines = 0;
  let lastReport = t0;
  try {
    let chunk = [];
    let chunkBytes = 0;
    // Start times rise through the span, as in a file appended to over 90 days.
    const estimatedLines = Math.ceil(target / 640);
    while (bytes + chunkBytes < target) {
      const text = makeLine(lines, END_MS - SPAN_MS + Math.floor((lines / estimatedLines) * SPAN_MS), totals);
      lines++;
      chunk.push(text);
      chunkBytes += Buffer.byteLength(text) + 1;
      if (chunkBytes >= WRITE_BYTES) {
        bytes += writeLines(fd, chunk);
        chunk = [];
        chunkBytes = 0;
        if (performance.now() - lastReport > 5000) {
          lastReport = performance.now();
          progress(`generated ${fmt.int(lines)} lines, ${fmt.gib(bytes)} (${((100 * bytes) / target).toFixed(0)}%)`);
        }
      }
    }
    bytes += writeLines(fd, chunk);
  } finally {
    closeSync(fd);
  }
  const ms = performance.now() - t0;
  progress(`generated ${fmt.int(lines)} lines (${fmt.gib(bytes)}) in ${fmt.s(ms)}`);
  return {
    generator_version: GENERATOR_VERSION,
    target_mib: mib,
    bytes,
    lines,
    generated_at: new Date().toISOString(),
    generation_ms: Math.round(ms),
    first_call: new Date(totals.first).toISOString(),
    last_call: new Date(totals.last).toISOString(),
    expected: {
      total_calls: lines,
      successful_calls: totals.successful,
      failed_calls: lines - totals.successful,
      total_input_tokens: totals.input,
      total_output_tokens: totals.output,
      users: totals.users.size,
      sessions: totals.sessions.size,
      sources: totals.sources.size,
      seed_002_lines: totals.seed002,
    },
  };
}

function writeLines(fd, lines) {
  const buffer = Buffer.from(`${lines.join('\n')}\n`);
  for (let off = 0; off < buffer.length;) off += writeSync(fd, buffer, off);
  return buffer.length;
}

function newTotals() {
  return {
    successful: 0,
    input: 0,
    output: 0,
    first: Infinity,
    last: -Infinity,
    users: new Set(),
    sessions: new Set(),
    sources: new Set(),
    seed002: 0,
  };
}

/** `make(i, startMs, totals)` returns line number `i` (0-based) as text and adds it to `totals`. */
function makeLineFactory() {
  const random = mulberry32(2002);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const weighted = (list, w) => {
    const total = list.reduce((n, item) => n + w(item), 0);
    return () => {
      let r = random() * total;
      for (const item of list) if ((r -= w(item)) < 0) return item;
      return list[0];
    };
  };
  const pickModel = weighted(MODELS, (m) => m[2]);
  const pickSeedApi = weighted(SEED_APIS, (a) => a[4]);
  const around = (typical) => Math.max(1, Math.round(typical * Math.exp((random() + random() + random() - 1.5) * 1.1)));
  const hex = (digits) => {
    let s = '';
    while (s.length < digits)
      s += Math.floor(random() * 4294967296)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, digits);
  };
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const who = () => {
    const session = Math.floor(SESSIONS * random());
    // A few heavy users and a long tail; each session belongs to one user.
    const user = Math.floor((USERS * ((session * 2654435761) % 4294967296) ** 2.5) / 4294967296 ** 2.5);
    return { user: `user_${String(user).padStart(4, '0')}`, session: `sess_${String(session).padStart(5, '0')}` };
  };

  function sdkLine(startMs, t) {
    const [provider, model, , inTypical, outTypical, inPrice, outPrice] = pickModel();
    const { user, session } = who();
    const op = Math.floor(random() * OPERATIONS.length);
    const failure = random() < 0.03 ? pick(FAILURES) : null;
    const input = around(inTypical);
    const output = failure ? 0 : around(outTypical);
    const cacheRead = provider !== 'google' && random() < 0.3 ? Math.floor(input * 0.6) : undefined;
    const duration = Math.round((250 + output * (6 + random() * 25) + random()) * 1000) / 1000;
    const priced = inPrice !== null;
    const cost = priced ? Math.round(((input * inPrice + output * outPrice) / 1e6) * 1e10) / 1e10 : null;
    const wrapped = random() < 0.5 && ENDPOINTS[provider] !== undefined;
    const source = op === 1 || op === 3 ? `doc_${String(Math.floor(random() * SOURCES)).padStart(5, '0')}` : undefined;
    const [agent, version] = random() < 0.6 ? pick(AGENTS) : [undefined, undefined];
    const line = {
      id: uuid(),
      timestamp: new Date(startMs).toISOString(),
      end_time: new Date(startMs + Math.round(duration)).toISOString(),
      duration_ms: duration,
      latency_ms: duration,
      status: failure ? failure[0] : 'success',
      provider,
      api_provider: provider,
      model,
      api_type: 'generative',
      operation: OPERATIONS[op],
      source_function: FUNCTIONS[op],
      user_id: op === 0 || op === 4 ? user : undefined,
      session_id: op === 0 || op === 4 ? session : undefined,
      source_id: source,
      agent_name: agent,
      agent_version: version,
      temperature: random() < 0.5 ? 0.2 : undefined,
      max_tokens: random() < 0.4 ? 2048 : undefined,
      input_tokens: input,
      output_tokens: output,
      total_tokens: input + output,
      cache_read_tokens: cacheRead,
      cost_usd: cost,
      cost_source: priced ? 'computed' : 'unpriced',
      price_model_id: priced ? `${provider}/${model}` : null,
      cost_estimate: cost,
      error_type: failure?.[1],
      error_message: failure?.[2],
      metadata: random() < 0.5 ? { feature: pick(FEATURES), region: pick(REGIONS) } : undefined,
      tags: random() < 0.5 ? pick(TAGS) : undefined,
      ttft_ms: wrapped && !failure ? Math.round(100 + random() * 900) : undefined,
      stream: wrapped ? random() < 0.5 : undefined,
      endpoint: wrapped ? ENDPOINTS[provider] : undefined,
    };
    t.successful += failure ? 0 : 1;
    t.input += input;
    t.output += output;
    if (line.user_id) t.users.add(line.user_id);
    if (line.session_id) t.sessions.add(line.session_id);
    if (source) t.sources.add(source);
    return JSON.stringify(line);
  }

  /** A line of seed 002's Python tracker: json.dumps of a flat dict, None as null. */
  function seedLine(startMs, t) {
    const [apiProvider, apiType, model, operation] = pickSeedApi();
    const generative = apiType === 'generative';
    const chat = operation === 'chat_answer';
    const { user, session } = who();
    const source = chat ? null : `doc_${String(Math.floor(random() * SOURCES)).padStart(5, '0')}`;
    const failed = random() < 0.02;
    const input = generative ? around(1500) : 0;
    const output = generative && !failed ? around(350) : 0;
    const pairs = [
      ['id', uuid()],
      [
        'timestamp',
        `${new Date(startMs).toISOString().slice(0, 23)}${String(Math.floor(random() * 1000)).padStart(3, '0')}`,
      ],
      ['source_function', chat ? 'synthesize_answer' : `process_${operation}`],
      ['api_provider', apiProvider],
      ['api_type', apiType],
      ['model', model],
      ['operation', operation],
      ['input_tokens', input],
      ['output_tokens', output],
      ['total_tokens', input + output],
      ['latency_ms', Math.round((200 + random() * 4000) * 10) / 10],
      ['status', failed ? 'error' : 'success'],
      ['error_message', failed ? '429 Resource has been exhausted (e.g. check quota).' : null],
      ['user_id', chat ? user : null],
      ['session_id', chat ? session : null],
      ['source_id', source],
      ['temperature', generative ? 0.2 : null],
      ['max_tokens', generative ? 2048 : null],
      ['additional_params', generative ? '{"top_p": 0.95, "top_k": 40}' : '{}'],
      ['cost_estimate', generative ? Math.round(((input * 0.1 + output * 0.4) / 1e6) * 1e8) / 1e8 : 0.0016],
    ];
    t.successful += failed ? 0 : 1;
    t.input += input;
    t.output += output;
    t.seed002++;
    if (chat) {
      t.users.add(user);
      t.sessions.add(session);
    } else t.sources.add(source);
    return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
  }

  return function make(i, startMs, t) {
    t.first = Math.min(t.first, startMs);
    t.last = Math.max(t.last, startMs);
    return random() < 0.2 ? seedLine(startMs, t) : sdkLine(startMs, t);
  };
}
