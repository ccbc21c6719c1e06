import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { expect } from 'vitest';
import { ADMIN, type TestServer } from './helpers.js';

/**
 * The OpenTelemetry JS tracing SDK and its OTLP/HTTP exporters, pointed at a Tally server: spans are described as
 * plain trees (with explicit times, so that tests can compute every figure by hand), made by the real SDK and sent
 * by the real exporters, over JSON or protobuf.
 */

export type Encoding = 'json' | 'proto';

/** ExportResultCode.SUCCESS of @opentelemetry/core. */
const EXPORT_SUCCESS = 0;

/** An OTLP/HTTP trace exporter sending to `${baseUrl}/v1/traces` with the given headers. */
export function otlpExporter(encoding: Encoding, baseUrl: string, headers: Record<string, string>): SpanExporter {
  const config = { url: `${baseUrl}/v1/traces`, headers, timeoutMillis: 20_000 };
  return encoding === 'json' ? new JsonTraceExporter(config) : new ProtoTraceExporter(config);
}

/** One export request of exactly these spans, in this order; rejects when the exporter reports a failure. */
export function exportSpans(exporter: SpanExporter, spans: readonly ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export([...spans], (result) =>
      result.code === EXPORT_SUCCESS
        ? resolve()
        : reject(result.error ?? new Error('the exporter reported a failure without an error')),
    ),
  );
}

/** A span to make: its children are made inside it, and end before it, as they do in an instrumented program. */
export interface SpanSpec {
  /** A name for the test to find the span by; the span's name when absent. */
  key?: string;
  name: string;
  /** Start, epoch ms, and duration in ms. */
  start: number;
  ms: number;
  kind?: SpanKind;
  attributes?: Attributes;
  /** The span failed: ERROR status and an `exception` event, as pydantic-ai and Logfire record it. */
  error?: { type: string; message: string };
  children?: SpanSpec[];
}

/** Span and trace ids of the made spans, by key. */
export type SpanIds = Map<string, { spanId: string; traceId: string; parentSpanId: string | undefined }>;

/** Makes the spans with the tracer; returns their ids by key. */
export function emitSpans(tracer: Tracer, specs: readonly SpanSpec[], parent: Context = ROOT_CONTEXT): SpanIds {
  const ids: SpanIds = new Map();
  const parentSpanId = trace.getSpan(parent)?.spanContext().spanId;
  for (const spec of specs) {
    // Dates, not numbers: the SDK reads a number below its own start time as a performance.now() offset.
    const span = tracer.startSpan(
      spec.name,
      { kind: spec.kind ?? SpanKind.INTERNAL, startTime: new Date(spec.start), attributes: spec.attributes ?? {} },
      parent,
    );
    const { spanId, traceId } = span.spanContext();
    const key = spec.key ?? spec.name;
    if (ids.has(key)) throw new Error(`two spans with the key ${key}: give them keys of their own`);
    ids.set(key, { spanId, traceId, parentSpanId });
    for (const [k, v] of emitSpans(tracer, spec.children ?? [], trace.setSpan(parent, span))) {
      if (ids.has(k)) throw new Error(`two spans with the key ${k}: give them keys of their own`);
      ids.set(k, v);
    }
    const end = new Date(spec.start + spec.ms);
    if (spec.error) {
      span.recordException({ name: spec.error.type, message: spec.error.message }, end);
      span.setStatus({ code: SpanStatusCode.ERROR, message: spec.error.message });
    }
    span.end(end);
  }
  return ids;
}

export interface Scope {
  name: string;
  version?: string;
}

/**
 * Traces the spans with a provider whose BatchSpanProcessor exports them to Tally, then flushes: resolves once
 * Tally acknowledged every span, rejects when an export failed.
 */
export async function traceTo(
  exporter: SpanExporter,
  resource: Attributes,
  scope: Scope,
  specs: readonly SpanSpec[],
): Promise<SpanIds> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 512, scheduledDelayMillis: 60_000 })],
  });
  try {
    const ids = emitSpans(provider.getTracer(scope.name, scope.version), specs);
    // The provider rejects with the list of its processors' errors.
    await provider.forceFlush().catch((e: unknown) => {
      throw Array.isArray(e) ? e[0] : e;
    });
    return ids;
  } finally {
    await provider.shutdown();
  }
}

/** Makes the spans with the SDK and keeps them in memory, ended, for a test to export as it likes. */
export async function recordSpans(
  resource: Attributes,
  scope: Scope,
  specs: readonly SpanSpec[],
): Promise<{ spans: ReadableSpan[]; ids: SpanIds }> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const ids = emitSpans(provider.getTracer(scope.name, scope.version), specs);
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return { spans, ids };
}

/** A new project with a read key and an ingest key. */
export async function newProject(s: TestServer, id: string): Promise<{ read: string; ingest: string }> {
  const made = await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id } });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const key = async (scope: string) => {
    const r = await s.call('POST', `/api/v1/projects/${id}/keys`, { key: ADMIN, body: { scope, name: scope } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.key as string;
  };
  return { read: await key('read'), ingest: await key('ingest') };
}

/** Deterministic pseudo-random numbers in [0, 1), so a shuffled delivery is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
