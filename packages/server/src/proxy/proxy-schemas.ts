import type { FastifySchema } from 'fastify';
import type { ProxyEndpoint } from './proxy-endpoints.js';
import { anthropicError, openaiError, PROXY_EXAMPLES } from './proxy-examples.js';

/** Where a route's requests go: OpenAI's base URL includes the version, Anthropic's does not. */
const forwardedTo = (e: ProxyEndpoint) =>
  e.family === 'openai' ? `TALLY_UPSTREAM_OPENAI${e.path.slice(3)}` : `TALLY_UPSTREAM_ANTHROPIC${e.path}`;

const PASS = { type: 'object', additionalProperties: true } as const;

/** The OpenAPI description of a proxy route; bodies pass through, so their schemas accept any object. */
export function routeSchema(e: ProxyEndpoint): FastifySchema {
  const example = PROXY_EXAMPLES[`${e.family} ${e.path}`]!;
  const error = {
    ...PASS,
    description: 'An error in the provider’s shape',
    examples: [e.family === 'openai' ? openaiError : anthropicError],
  };
  const recorded = e.mode
    ? ' Recorded as one LLM call (tokens, cost, latency, status, who) once the answer is over.'
    : '';
  return {
    tags: ['proxy'],
    summary: e.summary,
    description:
      `Forwarded to ${forwardedTo(e)} with the body, query and headers as sent ` +
      '(less hop-by-hop and x-tally-* headers); the answer, streamed or not, comes back as the upstream sent it.' +
      recorded +
      ' Send your provider key as usual and your Tally ingest key in `x-tally-key` (not needed on a server without keys).',
    security: [],
    headers: {
      type: 'object',
      properties: {
        'x-tally-key': { type: 'string', description: 'Tally ingest key of the project to record into' },
        'x-tally-user': { type: 'string', description: 'End user (else the body’s `user`)' },
        'x-tally-session': { type: 'string', description: 'Session or conversation' },
        'x-tally-agent': { type: 'string', description: 'Agent name' },
        'x-tally-agent-version': { type: 'string', description: 'Agent version' },
        'x-tally-tags': { type: 'string', description: 'Comma-separated tags' },
      },
    },
    ...(e.method === 'POST'
      ? { body: { ...PASS, description: 'The provider request, passed through', examples: [example.request] } }
      : {}),
    response: {
      200: {
        ...PASS,
        description: 'The upstream’s answer as it sent it (Server-Sent Events when the request asked to stream)',
        examples: [example.response],
      },
      401: error,
      429: {
        ...error,
        description: 'A hard budget refused the request (Retry-After when it resets), or the upstream’s own 429',
      },
      502: { ...error, description: 'The upstream could not be reached' },
      504: { ...error, description: 'The upstream did not answer within TALLY_UPSTREAM_TIMEOUT_MS' },
    },
  };
}
