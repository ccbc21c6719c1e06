import { createHash } from 'node:crypto';

/**
 * The line formats `tally import` reads:
 * - `seed002`: an LLM tracker's JSONL (flat; `api_provider`, `latency_ms`, `cost_estimate`, ISO timestamps);
 * - `seed003`: a gateway's nested AnalyticsEvent (request / response / performance / auth / routing, Unix seconds);
 * - `tally`: CallEvents as Tally's own NDJSON export writes them.
 */
export const IMPORT_FORMATS = ['seed002', 'seed003', 'tally'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** A CallEvent in wire form, ready for `POST /api/v1/ingest/llm/bulk`; the server validates it. */
export type WireEvent = Record<string, unknown>;

export type ParsedLine = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };
export type MappedLine = { ok: true; event: WireEvent } | { ok: false; reason: string };

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one line of a JSONL file into an object, or says why it is none. */
export function parseLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `not valid JSON (${(e as Error).message})` };
  }
  if (!isObject(value)) return { ok: false, reason: 'not a JSON object' };
  return { ok: true, value };
}

/** Tells the format from one record: seed 003 nests its fields, a Tally export carries server-decided fields. */
export function detectFormat(record: Obj): ImportFormat {
  if (isObject(record['request']) || isObject(record['performance']) || isObject(record['routing'])) return 'seed003';
  if ('project_id' in record || 'ingested_at' in record || 'ingest_source' in record) return 'tally';
  return 'seed002';
}

/**
 * The id an event without one gets: a hash of its line, so importing the same file again yields the same id
 * (and, with the same timestamp, the store keeps the call once).
 */
export function derivedId(line: string): string {
  return `imp_${createHash('sha256').update(line.trim()).digest('hex').slice(0, 40)}`;
}

/** Maps one record of `format` to a wire CallEvent. `line` is its raw text, hashed into an id when it has none. */
export function mapRecord(format: ImportFormat, record: Obj, line: string): MappedLine {
  if (format === 'seed003') return mapSeed003(record, line);
  if (format === 'tally') return { ok: true, event: mapTally(record, line) };
  return { ok: true, event: mapSeed002(record, line) };
}

/** JSON null stands for "unknown"; Tally's wire form leaves such fields out. */
function withoutNulls(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

const SEED002_RENAMES: Record<string, string> = {
  api_provider: 'provider',
  latency_ms: 'duration_ms',
  cost_estimate: 'cost_usd',
};

/** Seed 002's fields mostly share Tally's names; three are renamed, and unknown ones go on (into metadata). */
export function mapSeed002(record: Obj, line: string): WireEvent {
  const out: Obj = {};
  for (const [k, v] of Object.entries(withoutNulls(record))) out[SEED002_RENAMES[k] ?? k] = v;
  if (out['id'] === undefined) out['id'] = derivedId(line);
  return out;
}

const SERVER_FIELDS = ['project_id', 'cost_source', 'price_model_id', 'ingest_source', 'ingested_at'];

/**
 * A Tally export row goes back as it came out, minus what the server decides. A computed cost is left out so
 * the price book prices it again; a reported one is kept.
 */
export function mapTally(record: Obj, line: string): WireEvent {
  const out = withoutNulls(record);
  if (record['cost_source'] !== 'reported') delete out['cost_usd'];
  for (const f of SERVER_FIELDS) delete out[f];
  if (out['id'] === undefined) out['id'] = derivedId(line);
  return out;
}

/** Seed 003 group field → Tally field. Fields not listed here are kept in metadata under their own name. */
const SEED003_FIELDS: Record<string, Record<string, string>> = {
  request: {
    endpoint: 'endpoint',
    method: 'method',
    model: 'model',
    stream: 'stream',
    size_bytes: 'request_bytes',
    message_count: 'message_count',
    input_tokens: 'input_tokens',
    user_agent: 'user_agent',
    client_ip: 'client_ip',
  },
  response: {
    status_code: 'status_code',
    size_bytes: 'response_bytes',
    output_tokens: 'output_tokens',
    error_message: 'error_message',
  },
  performance: { duration_ms: 'duration_ms', ttfb_ms: 'ttft_ms', upstream_duration_ms: 'upstream_ms' },
  auth: { api_key_id: 'api_key_id', api_key_label: 'api_key_label' },
  routing: { backend: 'backend', upstream_mode: 'upstream_mode' },
};

/**
 * Flattens a seed 003 AnalyticsEvent. `response.success` becomes the status; fields with no Tally column
 * (`auth.authenticated`, `auth.auth_method`, `routing.mcp_enabled`, `routing.mcp_servers`,
 * `routing.system_prompt_applied`, …) go into metadata by their own name, where Tally's seed 003 routes read them
 * back. A call without a model is stored with api_type `other`, as Tally needs a model or an api_type.
 */
export function mapSeed003(record: Obj, line: string): MappedLine {
  const ts = record['timestamp'];
  if (typeof ts !== 'number' && typeof ts !== 'string')
    return { ok: false, reason: 'timestamp: must be Unix seconds (a number)' };
  const out: Obj = {};
  const metadata: Obj = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'id' || key === 'timestamp') continue;
    const fields = SEED003_FIELDS[key];
    if (fields === undefined) {
      if (value !== null) out[key] = value;
      continue;
    }
    if (value === null || value === undefined) continue;
    if (!isObject(value)) return { ok: false, reason: `${key}: must be an object` };
    for (const [k, v] of Object.entries(value)) {
      if (v === null) continue;
      const name = fields[k];
      if (name !== undefined) out[name] = v;
      else if (key !== 'response' || k !== 'success') metadata[k] = v;
      else if (typeof v !== 'boolean') return { ok: false, reason: 'response.success: must be true or false' };
      else out['status'] = v ? 'success' : 'error';
    }
  }
  // seed 003 times are Unix seconds; Tally's wire form takes epoch milliseconds (a string is left to the server).
  out['timestamp'] = typeof ts === 'number' && ts < 1e11 ? Math.round(ts * 1000) : ts;
  out['id'] = typeof record['id'] === 'string' ? record['id'] : derivedId(line);
  if (out['model'] === undefined && out['api_type'] === undefined) out['api_type'] = 'other';
  if (Object.keys(metadata).length > 0)
    out['metadata'] = { ...(isObject(out['metadata']) ? out['metadata'] : {}), ...metadata };
  return { ok: true, event: out };
}
