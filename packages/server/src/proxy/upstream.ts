import type { IncomingHttpHeaders } from 'node:http';
import { providerOfBaseUrl } from '@tally/core';
import type { UpstreamConfig } from '../config.js';
import type { Family } from './proxy-endpoints.js';

/** One upstream the proxy forwards to, resolved once at start-up. */
export interface UpstreamTarget {
  family: Family;
  /** scheme://host[:port] */
  origin: string;
  /** Path of the base URL, without a trailing slash ('' or '/v1' or '/api/v1'). */
  basePath: string;
  /** Host (and port when not the default) as recorded in `backend`. */
  backend: string;
  /** Provider id for pricing: the price book's name for a known API, else the format's own name. */
  provider: string;
  /** The operator's key, sent instead of the client's. */
  key: string | null;
}

export function upstreamTarget(family: Family, config: UpstreamConfig): UpstreamTarget {
  const url = new URL(config.url);
  return {
    family,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    backend: url.host,
    provider: providerOfBaseUrl(config.url) ?? family,
    key: config.key,
  };
}

/**
 * The upstream path for a proxy route. OpenAI's base URL includes the version (`https://api.openai.com/v1`, like
 * OPENAI_BASE_URL), so `/proxy/openai/v1/chat/completions` becomes `<base>/chat/completions`; Anthropic's does not
 * (like ANTHROPIC_BASE_URL), so `/proxy/anthropic/v1/messages` becomes `<base>/v1/messages`. The query string
 * passes through (Azure's `api-version`).
 */
export function upstreamPath(target: UpstreamTarget, providerPath: string, url: string): string {
  const q = url.indexOf('?');
  const query = q === -1 ? '' : url.slice(q);
  const path = target.family === 'openai' ? providerPath.slice(3) : providerPath;
  return `${target.basePath}${path}${query}`;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
/** Not forwarded upstream: set again by the HTTP client, or Tally's own. */
const REQUEST_DROPPED = new Set([...HOP_BY_HOP, 'host', 'content-length', 'expect', 'accept-encoding']);

/** Headers named by the Connection header are hop-by-hop too. */
function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined || value === 'keep-alive' || value === 'close') return null;
  const list = (Array.isArray(value) ? value.join(',') : value).split(',').map((t) => t.trim().toLowerCase());
  return new Set(list.filter((t) => t !== 'close' && t !== 'keep-alive' && t !== ''));
}

/**
 * The client's headers as sent upstream: without hop-by-hop headers and Tally's x-tally-* headers, asking for an
 * uncompressed answer (so Tally can read the usage in it), and with the operator's key in place of the client's
 * when one is configured.
 */
export function upstreamHeaders(
  target: UpstreamTarget,
  headers: IncomingHttpHeaders,
): Record<string, string | string[]> {
  const extra = connectionTokens(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || REQUEST_DROPPED.has(name) || name.startsWith('x-tally-') || extra?.has(name)) continue;
    out[name] = value;
  }
  out['accept-encoding'] = 'identity';
  if (target.key !== null) {
    delete out['authorization'];
    if (target.family === 'openai') {
      delete out['api-key'];
      out['authorization'] = `Bearer ${target.key}`;
    } else out['x-api-key'] = target.key;
  }
  return out;
}

/** The upstream's answer headers as sent to the client: everything but hop-by-hop headers. */
export function clientHeaders(
  headers: IncomingHttpHeaders,
  own: Record<string, string | number | string[] | undefined>,
): Record<string, string | number | string[]> {
  const extra = connectionTokens(headers.connection);
  const out: Record<string, string | number | string[]> = {};
  // Headers Tally's own hooks set (CORS), unless the upstream sets the same.
  for (const name in own) if (own[name] !== undefined) out[name] = own[name];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || extra?.has(name)) continue;
    out[name] = value;
  }
  return out;
}
