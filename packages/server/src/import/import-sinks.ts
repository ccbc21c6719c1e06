import {
  describeFieldErrors,
  prepareCallEvent,
  type CallEvent,
  type IngestSource,
  type PrepareContext,
} from '@tally/core';
import type { OpenTally } from '../tally.js';
import type { BadLine, ImportSink, PendingEvent } from './import-run.js';

interface ItemResult {
  index: number;
  status: number;
  duplicate?: boolean;
  error?: { message?: string };
}

const RETRIES = 4;

/**
 * Sends batches to `POST /api/v1/ingest/llm/bulk` of a running server. Its 207 answer says, item by item, what was
 * rejected and what was already stored. An overloaded or restarting server (429, 503, no answer) is retried a few times; any other failure
 * stops the import, which can be run again as it is: ids are stable, so nothing is counted twice.
 */
export function httpSink(
  base: string,
  key: string | undefined,
  project: string | undefined,
  source: IngestSource = 'import',
): ImportSink {
  // The server records `ingest_source` from x-tally-source when it knows the value.
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-tally-source': source };
  if (key) headers['authorization'] = `Bearer ${key}`;
  if (project) headers['x-tally-project'] = project;
  const url = `${base}/api/v1/ingest/llm/bulk`;
  return {
    async send(batch) {
      const body = JSON.stringify({ events: batch.map((p) => p.event) });
      const res = await post(url, headers, body);
      const answer = (await res.json().catch(() => null)) as {
        accepted?: number;
        duplicates?: number;
        results?: ItemResult[];
        error?: { message?: string };
      } | null;
      if (res.status !== 207 || !Array.isArray(answer?.results)) {
        const hint = res.status === 401 ? ' (pass a key with --key or TALLY_API_KEY)' : '';
        throw new Error(
          `${url} answered ${res.status}: ${answer?.error?.message ?? res.statusText}${hint}; the lines before ` +
            `line ${batch[0]?.line ?? 0} are stored, and the same command run again imports the rest`,
        );
      }
      const rejected: BadLine[] = [];
      let duplicates = 0;
      for (const r of answer.results) {
        if (r.status >= 300)
          rejected.push({ line: batch[r.index]?.line ?? 0, reason: r.error?.message ?? `rejected (${r.status})` });
        else if (r.duplicate === true) duplicates++;
      }
      return {
        accepted: answer.accepted ?? batch.length - rejected.length,
        // A server older than per-item duplicate flags answers without `duplicates`: it cannot tell them apart.
        duplicates: answer.duplicates === undefined ? null : duplicates,
        rejected,
      };
    },
    close: async () => undefined,
  };
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    let res: Response | null = null;
    let failure: unknown = null;
    try {
      res = await fetch(url, { method: 'POST', headers, body });
    } catch (e) {
      failure = e;
    }
    const retry = res === null || res.status === 429 || res.status === 503;
    if (!retry || attempt >= RETRIES) {
      if (res) return res;
      throw new Error(`the server at ${new URL(url).origin} stopped answering (${(failure as Error).message})`, {
        cause: failure,
      });
    }
    await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
  }
}

/**
 * Writes into a data directory opened in-process (no server running): each event goes through the same prepare
 * step and group writer as `POST /api/v1/ingest/llm/bulk`, so the stored calls are the same, marked
 * `ingest_source` `source` (`import` unless given).
 */
export function localSink(opened: OpenTally, projectId: string, source: IngestSource = 'import'): ImportSink {
  const { projects, writer } = opened.ctx;
  const project = projects.require(projectId);
  return {
    async send(batch: PendingEvent[]) {
      const ctx: PrepareContext = {
        projectId: project.id,
        now: Date.now(),
        ingestSource: source,
        capturePolicy: project.capture_policy,
        priceBook: projects.priceBook(project.id),
      };
      const values: CallEvent[] = [];
      const rejected: BadLine[] = [];
      for (const p of batch) {
        const prepared = prepareCallEvent(p.event, ctx);
        if (prepared.ok) values.push(prepared.value);
        else rejected.push({ line: p.line, reason: describeFieldErrors(prepared.errors) });
      }
      const written = values.length > 0 ? await writer.write({ calls: values }) : null;
      return { accepted: values.length, duplicates: written?.duplicateCalls.length ?? 0, rejected };
    },
    close: () => opened.close(),
  };
}
