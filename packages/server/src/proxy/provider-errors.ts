import type { Family } from './proxy-endpoints.js';

/** Tally's own reasons for answering a proxied request itself, each with the status it answers. */
export const PROXY_ERRORS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  budget_exceeded: 429,
  internal_error: 500,
  upstream_unreachable: 502,
  upstream_timeout: 504,
} as const;

export type ProxyErrorCode = keyof typeof PROXY_ERRORS;

const OPENAI_TYPES: Record<number, string> = {
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
};
const ANTHROPIC_TYPES: Record<number, string> = {
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
};

/**
 * An error Tally answers itself, in the shape the client's SDK parses, so it surfaces as that SDK's usual error
 * class with Tally's message: OpenAI's `{error: {message, type, param, code}}`, Anthropic's
 * `{type: "error", error: {type, message}}`. The `x-tally-error` header tells these from the upstream's errors.
 */
export function providerError(family: Family, code: ProxyErrorCode, message: string): object {
  const status = PROXY_ERRORS[code];
  if (family === 'anthropic') {
    const type = ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    return { type: 'error', error: { type, message } };
  }
  const type = OPENAI_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  return { error: { message, type, param: null, code } };
}
