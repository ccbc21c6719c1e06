// The population behind the analytics benchmark's data set: 20 models of 5 providers (the self-hosted ones have no
// price), 30 agents in 3 versions each, a few thousand users with very uneven activity, sessions that last about an
// hour, a daily and weekly rhythm, 3% failures with the messages providers really send (ids included), and the
// fields a recording proxy adds. `makeCallFactory` turns an event's position in the data set into a raw CallEvent
// as a client would send it; everything is derived from fixed seeds, so two generations hold the same shapes.
import { mulberry32 } from './events.js';

/** [provider, model, weight, typical input tokens, typical output tokens, api_type] */
export const MODELS = [
  ['openai', 'gpt-4o-mini', 22, 900, 220, 'generative'],
  ['openai', 'gpt-4o', 12, 1800, 420, 'generative'],
  ['openai', 'gpt-4.1', 6, 2400, 500, 'generative'],
  ['openai', 'gpt-4.1-mini', 8, 1100, 260, 'generative'],
  ['openai', 'o3-mini', 3, 1500, 1400, 'generative'],
  ['openai', 'text-embedding-3-small', 7, 350, 0, 'embedding'],
  ['anthropic', 'claude-sonnet-4-5', 14, 2600, 650, 'generative'],
  ['anthropic', 'claude-haiku-4-5', 6, 700, 180, 'generative'],
  ['anthropic', 'claude-opus-4-1', 1, 3200, 900, 'generative'],
  ['anthropic', 'claude-3-5-haiku-latest', 2, 800, 200, 'generative'],
  ['google', 'gemini-2.0-flash', 6, 1200, 300, 'generative'],
  ['google', 'gemini-2.5-flash', 3, 1400, 380, 'generative'],
  ['google', 'gemini-2.5-pro', 2, 3000, 1200, 'generative'],
  ['google', 'text-embedding-004', 1, 300, 0, 'embedding'],
  ['mistral', 'mistral-large-latest', 1.5, 1600, 400, 'generative'],
  ['mistral', 'mistral-small-latest', 1.5, 800, 200, 'generative'],
  ['mistral', 'codestral-latest', 1, 1900, 450, 'generative'],
  ['self-hosted', 'llama-3.1-70b-instruct', 2, 1300, 320, 'generative'],
  ['self-hosted', 'qwen2.5-coder-32b-instruct', 1, 1700, 500, 'generative'],
  ['self-hosted', 'acme-router-v2', 0.5, 500, 60, 'generative'],
];
const REASONING = new Set(['o3-mini', 'gemini-2.5-pro']);
const CACHING = new Set(['openai', 'anthropic']);

// prettier-ignore
const AGENT_NAMES = [
  'support-bot', 'doc-summarizer', 'sql-assistant', 'triage-agent', 'code-reviewer', 'research-agent',
  'invoice-extractor', 'email-drafter', 'meeting-notes', 'search-rewriter', 'onboarding-guide', 'translator',
  'contract-analyzer', 'ticket-router', 'faq-answerer', 'data-cleaner', 'sales-copilot', 'hr-helpdesk',
  'release-notes', 'log-explainer', 'kb-writer', 'churn-predictor', 'survey-coder', 'pii-scrubber',
  'chart-describer', 'test-generator', 'policy-checker', 'voice-of-customer', 'product-tagger', 'ops-runbook',
];
export const VERSIONS = ['1.0.0', '1.1.0', '2.0.0'];
export const AGENT_COUNT = AGENT_NAMES.length;
/** An agent/version pair as an index 0..89, and back. */
export const agentPair = (index) => ({
  agent_name: AGENT_NAMES[Math.floor(index / 3)],
  agent_version: VERSIONS[index % 3],
});

const ENDPOINTS = { anthropic: '/v1/messages' };
const BACKENDS = { google: 'vertex', 'self-hosted': 'vllm-pool-a' };
const TAGS = [['prod'], ['prod', 'chat'], ['prod', 'rag'], ['prod', 'batch', 'nightly'], ['staging', 'eval'], []];
const KEY_LABELS = ['production-key', 'batch-key', 'staging-key', 'ci-key', 'partner-acme', 'internal-tools'];
const USER_AGENTS = ['openai-python/1.54.3', 'anthropic-sdk-typescript/0.32.1', 'curl/8.5.0', 'langchain/0.3.7'];
const APPS = ['helpdesk', 'workspace', 'backoffice', 'mobile-api'];
const OPERATIONS = ['chat_answer', 'summarization', 'classification', 'extraction', 'rewrite', 'embedding'];
const FEATURES = ['answer', 'summarize', 'classify', 'extract', 'rewrite'];
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
const PROMPTS = [
  'Summarize the attached ticket #{id} for the on-call engineer in three bullet points.',
  'Customer asks: "Why was I charged twice on invoice {id}?"\nAnswer politely and cite the refund policy.',
  'Translate the following paragraph to German, keeping product names as they are:\n{id} — Quarterly report, page 4.',
  'Write a SQL query that returns the ten largest accounts by revenue, "active" status only; schema ref {id}.',
];
const ANSWERS = [
  'Here is a short summary:\n- The job {id} failed at 02:14 UTC\n- Retries exhausted\n- Disk quota reached on node 7',
  'Thanks for reaching out! Invoice {id} was charged twice because of a retry; the duplicate is refunded within 5 days.',
  "SELECT account_id, sum(amount) AS revenue FROM invoices WHERE status = 'active' GROUP BY 1 ORDER BY 2 DESC LIMIT 10; -- {id}",
];

/** 32-bit integer hash; `unit(n, salt)` maps it to [0, 1). Attributes of users and sessions hang off it. */
function hash32(n, salt) {
  let h = Math.imul((n + 1) ^ Math.imul(salt, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
const unit = (n, salt) => hash32(n, salt) / 4294967296;
const hex = (random, digits) => {
  let s = '';
  while (s.length < digits)
    s += Math.floor(random() * 4294967296)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, digits);
};

/** The error a failed call carries: [weight, status, status_code, error_type, message(model, random)]. */
// prettier-ignore
const FAILURES = [
  [40, 'error', 429, 'rate_limit_error', (m, r) =>
    `Rate limit reached for ${m} in organization org-${hex(r, 8)} on tokens per min (TPM): Limit 30000, Used ${29000 + Math.floor(r() * 1000)}, Requested ${500 + Math.floor(r() * 3000)}. Please try again in ${(r() * 5).toFixed(1)}s.`],
  [20, 'error', 529, 'overloaded_error', (_m, r) => `Overloaded (request id req_${hex(r, 24)})`],
  [12, 'error', 500, 'api_error', (_m, r) =>
    `The server had an error while processing your request. Request id: req_${hex(r, 24)}`],
  [10, 'error', 400, 'invalid_request_error', (_m, r) =>
    `This model's maximum context length is 128000 tokens. However, your messages resulted in ${128001 + Math.floor(r() * 20000)} tokens.`],
  [13, 'timeout', 504, 'timeout', (_m, r) => `Request timed out after 60000 ms (trace ${hex(r, 16)})`],
  [5, 'cancelled', 499, 'client_cancelled', () => 'Client closed the request before the answer was complete'],
];
const FAILURE_WEIGHT = FAILURES.reduce((n, f) => n + f[0], 0);
const MODEL_WEIGHT = MODELS.reduce((n, m) => n + m[2], 0);

/**
 * `make(i, timestamp, progress)` returns raw CallEvent number `i`; `progress` (0..1) is its place in the data set,
 * which decides the session (sessions follow one another through time) and the agent version (new versions roll
 * out). `users` and `sessions` set the population; `incident` is a [from, to) time range with many rate-limit errors.
 */
export function makeCallFactory({ users, sessions, incident, seed = 7 }) {
  const random = mulberry32(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const weighted = (list, total, w) => {
    let r = random() * total;
    for (const item of list) if ((r -= w(item)) < 0) return item;
    return list[0];
  };
  // From a third to three times the typical figure: a rough log-normal.
  const around = (typical) => Math.max(1, Math.round(typical * Math.exp((random() + random() + random() - 1.5) * 1.1)));

  /** The user, agent/version pair and favourite model of a session, fixed by its number. */
  const sessionOf = (s) => {
    const phase = s / sessions;
    const v = unit(s, 3);
    const version = phase < 0.33 ? 0 : phase < 0.66 ? (v < 0.25 ? 0 : 1) : v < 0.15 ? 1 : 2;
    return {
      user: Math.floor(users * unit(s, 1) ** 2.5), // a few heavy users, a long tail of occasional ones
      agent: Math.floor(AGENT_COUNT * unit(s, 2) ** 1.6) * 3 + version,
      model: MODELS[hash32(s, 4) % MODELS.length],
    };
  };

  return function make(i, timestamp, progress) {
    const s = Math.max(0, Math.min(sessions - 1, Math.floor(progress * sessions) - Math.floor(random() * 25)));
    const who = sessionOf(s);
    const [provider, model, , inTypical, outTypical, apiType] =
      random() < 0.55 ? who.model : weighted(MODELS, MODEL_WEIGHT, (m) => m[2]);
    const { agent_name, agent_version } = agentPair(who.agent);
    const embedding = apiType === 'embedding';
    const inputTokens = around(inTypical);
    const e = {
      id: `call_${i.toString(16).padStart(7, '0')}${hex(random, 13)}`,
      timestamp,
      provider,
      model,
      api_type: apiType,
      input_tokens: inputTokens,
      user_id: `user_${String(who.user).padStart(4, '0')}`,
      session_id: `sess_${String(s).padStart(5, '0')}`,
      agent_name,
      agent_version,
      tags: TAGS[hash32(who.agent, 5) % TAGS.length],
      environment: random() < 0.92 ? 'production' : 'staging',
    };
    let outputTokens = embedding ? 0 : around(outTypical);
    const failRate = incident && timestamp >= incident[0] && timestamp < incident[1] ? 0.35 : 0.03;
    if (random() < failRate) {
      const [, status, code, type, message] =
        failRate > 0.03 ? FAILURES[0] : weighted(FAILURES, FAILURE_WEIGHT, (f) => f[0]);
      Object.assign(e, { status, status_code: code, error_type: type, error_message: message(model, random) });
      outputTokens = status === 'cancelled' ? Math.floor(outputTokens * random()) : 0;
    } else {
      e.status_code = 200;
    }
    e.output_tokens = outputTokens;
    if (CACHING.has(provider) && !embedding && random() < 0.35) {
      e.cache_read_tokens = Math.floor(inputTokens * (0.3 + random() * 0.6));
      if (provider === 'anthropic' && random() < 0.3) e.cache_write_tokens = Math.floor(inputTokens * 0.1);
    }
    if (REASONING.has(model) && outputTokens > 0)
      e.reasoning_tokens = Math.floor(outputTokens * (0.3 + random() * 0.5));
    const stream = !embedding && random() < 0.6;
    e.duration_ms = embedding ? 40 + Math.round(random() * 200) : 250 + Math.round(outputTokens * (6 + random() * 25));
    if (e.status === 'timeout') e.duration_ms = 60_000;
    if (stream && outputTokens > 0) e.ttft_ms = 120 + Math.round(random() * random() * 2500);
    if (random() < 0.45) proxyFields(e, stream, random, pick);
    else sdkFields(e, embedding, random, pick);
    if (random() < 0.005) {
      e.input_text = pick(PROMPTS).replace('{id}', hex(random, 10));
      if (outputTokens > 0) e.output_text = pick(ANSWERS).replace('{id}', hex(random, 10));
    }
    return e;
  };
}

/** What a recording proxy adds: the path, the upstream, the caller's key, request and response sizes. */
function proxyFields(e, stream, random, pick) {
  const openai = e.provider === 'openai';
  const responses = openai && random() < 0.3;
  e.endpoint =
    e.api_type === 'embedding'
      ? '/v1/embeddings'
      : responses
        ? '/v1/responses'
        : (ENDPOINTS[e.provider] ?? '/v1/chat/completions');
  e.method = 'POST';
  e.stream = stream;
  e.backend = openai && random() < 0.25 ? 'azure-openai' : (BACKENDS[e.provider] ?? e.provider);
  e.upstream_mode = responses ? 'responses' : 'chat';
  const key = Math.floor(random() * KEY_LABELS.length);
  e.api_key_label = KEY_LABELS[key];
  e.api_key_id = `key_${hash32(key, 9).toString(16).padStart(8, '0')}`;
  e.client_ip = `10.${Math.floor(random() * 4)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`;
  e.user_agent = pick(USER_AGENTS);
  e.message_count = 1 + Math.floor(random() * random() * 20);
  e.request_bytes = e.input_tokens * 4 + 200;
  e.response_bytes = e.output_tokens * 4 + 300;
  e.upstream_ms = Math.max(1, e.duration_ms - 3 - Math.round(random() * 15));
}

/** What an application's SDK adds: the app, the operation, the calling function, a little metadata. */
function sdkFields(e, embedding, random, pick) {
  e.app_name = pick(APPS);
  e.operation = embedding ? 'embedding' : pick(OPERATIONS.slice(0, 5));
  e.source_function = `${e.agent_name.replace(/-/g, '_')}.${e.operation}`;
  if (!embedding && random() < 0.4) e.temperature = random() < 0.5 ? 0.2 : 0.7;
  e.metadata = { feature: pick(FEATURES), region: pick(REGIONS) };
}
