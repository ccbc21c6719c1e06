import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { expect } from 'vitest';
import { ADMIN, type TestServer } from './helpers.js';

/** Provider keys the clients send; long enough to get a label, and never to be found in what Tally keeps. */
export const OPENAI_KEY = 'sk-proj-TESTKEY0penai1234567890abcdWXYZ';
export const ANTHROPIC_KEY = 'sk-ant-api03-TESTKEYanthropic0987654321lmnoPQRS';

export const keyId = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);

/** A project with an ingest key (for the proxy) and a read key (to look at what was recorded). */
export async function makeProject(
  s: TestServer,
  id: string,
  extra: Record<string, unknown> = {},
): Promise<{ ingest: string; read: string }> {
  expect((await s.call('POST', '/api/v1/projects', { body: { id, name: id, ...extra }, key: ADMIN })).status).toBe(201);
  const key = async (scope: string) => {
    const r = await s.call('POST', `/api/v1/projects/${id}/keys`, { body: { scope, name: scope }, key: ADMIN });
    expect(r.status).toBe(201);
    return r.body.key as string;
  };
  return { ingest: await key('ingest'), read: await key('read') };
}

/** The calls recorded for a session, oldest first, once there are `count` of them (records are written after the answer). */
export async function recorded(s: TestServer, readKey: string | null, session: string, count: number): Promise<any[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await s.call('GET', `/api/v1/analytics/events?from=0&limit=100&session_id=${session}`, { key: readKey });
    expect(r.status).toBe(200);
    const events = r.body.events as any[];
    if (events.length >= count || Date.now() > deadline) {
      expect(events).toHaveLength(count);
      return events.sort((a, b) => a.timestamp - b.timestamp);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The real `openai` client pointed at the proxy; headers name the project and the caller. */
export function openaiVia(s: TestServer, headers: Record<string, string>): OpenAI {
  return new OpenAI({
    baseURL: `${s.url}/proxy/openai/v1`,
    apiKey: OPENAI_KEY,
    maxRetries: 0,
    defaultHeaders: headers,
  });
}

export function anthropicVia(s: TestServer, headers: Record<string, string>): Anthropic {
  return new Anthropic({
    baseURL: `${s.url}/proxy/anthropic`,
    apiKey: ANTHROPIC_KEY,
    maxRetries: 0,
    defaultHeaders: headers,
  });
}
