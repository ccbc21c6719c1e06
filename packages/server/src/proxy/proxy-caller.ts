import { hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LIMITS } from '@tally/core';
import type { Family } from './proxy-endpoints.js';

/** Who made a proxied request, as recorded; the provider key itself stays in memory for this request only. */
export interface Caller {
  userId: string | null;
  sessionId: string | null;
  agentName: string | null;
  agentVersion: string | null;
  tags: string[] | null;
  /** The caller's provider key: forwarded, and scrubbed from anything recorded. Never stored or logged. */
  providerKey: string | null;
  apiKeyId: string | null;
  apiKeyLabel: string | null;
  /** How the caller sent its provider key: bearer, x-api-key or api-key. */
  authMethod: string | null;
  userAgent: string | null;
}

const one = (v: string | string[] | undefined): string | null => {
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : null;
};
const short = (v: string | string[] | undefined) => one(v)?.slice(0, LIMITS.shortString) ?? null;

function tagsOf(v: string | string[] | undefined): string[] | null {
  const raw = one(v);
  if (raw === null) return null;
  const tags = raw
    .split(',')
    .map((t) => t.trim().slice(0, LIMITS.tagLength))
    .filter(Boolean);
  return tags.length > 0 ? [...new Set(tags)].slice(0, LIMITS.tagCount) : null;
}

function bearer(v: string | string[] | undefined): string | null {
  const s = one(v);
  const m = s === null ? null : /^Bearer\s+(\S+)$/i.exec(s);
  return m?.[1] ?? null;
}

/** The provider key a client sent, and how: OpenAI clients use a bearer token (Azure's `api-key`), Anthropic's `x-api-key`. */
function providerKeyOf(family: Family, h: IncomingHttpHeaders): { key: string; method: string } | null {
  const auth = bearer(h.authorization);
  const header = family === 'openai' ? 'api-key' : 'x-api-key';
  const own = one(h[header]);
  if (family === 'anthropic' && own) return { key: own, method: header };
  if (auth) return { key: auth, method: 'bearer' };
  return own ? { key: own, method: header } : null;
}

/** A stable identifier of a key: the first 16 hex digits of its SHA-256, which cannot be turned back into it. */
export function keyId(key: string): string {
  return hash('sha256', key, 'hex').slice(0, 16);
}

/**
 * A label a person recognises a key by: its first three and last four characters (`sk-…abcd`). Keys shorter than
 * 20 characters get none, since showing seven of them would give away too much.
 */
export function keyLabel(key: string): string | null {
  return key.length >= 20 ? `${key.slice(0, 3)}…${key.slice(-4)}` : null;
}

/** Reads the x-tally-* headers and the provider key of a request. */
export function callerOf(family: Family, h: IncomingHttpHeaders): Caller {
  const provider = providerKeyOf(family, h);
  return {
    userId: short(h['x-tally-user']),
    sessionId: short(h['x-tally-session']),
    agentName: short(h['x-tally-agent']),
    agentVersion: short(h['x-tally-agent-version']),
    tags: tagsOf(h['x-tally-tags']),
    providerKey: provider?.key ?? null,
    apiKeyId: provider ? keyId(provider.key) : null,
    apiKeyLabel: provider ? keyLabel(provider.key) : null,
    authMethod: provider?.method ?? null,
    userAgent: one(h['user-agent'])?.slice(0, LIMITS.labelString) ?? null,
  };
}
