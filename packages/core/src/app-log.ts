import { Type, type Static } from '@sinclair/typebox';
import { LIMITS } from './limits.js';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** An application log line (seed 004's "Application Logs"); OTLP log records land here too. */
export const AppLogInputSchema = Type.Partial(
  Type.Object({
    id: Type.String({ minLength: 1, maxLength: LIMITS.idLength }),
    timestamp: Type.Union([Type.String({ maxLength: 40 }), Type.Number({ minimum: 0 })]),
    level: Type.String({
      maxLength: 16,
      description: 'DEBUG, INFO, WARNING, ERROR or CRITICAL (any case; WARN and FATAL are accepted)',
    }),
    message: Type.String({ maxLength: LIMITS.contentText }),
    logger: Type.String({ maxLength: LIMITS.shortString }),
    service: Type.String({ maxLength: LIMITS.shortString }),
    trace_id: Type.String({ maxLength: LIMITS.shortString }),
    attributes: Type.Record(Type.String(), Type.Unknown()),
  }),
  {
    additionalProperties: true,
    description: 'One log record. Required: message. timestamp defaults to now, level to INFO.',
  },
);
export type AppLogInput = Static<typeof AppLogInputSchema>;

export interface AppLog {
  id: string;
  project_id: string;
  timestamp: number;
  level: LogLevel;
  message: string;
  logger: string | null;
  service: string | null;
  trace_id: string | null;
  attributes: Record<string, unknown>;
  ingested_at: number;
}

/** A custom metric sample (seed 004's "System Metrics"); OTLP metric data points land here too. */
export const MetricPointInputSchema = Type.Partial(
  Type.Object({
    id: Type.String({ minLength: 1, maxLength: LIMITS.idLength }),
    timestamp: Type.Union([Type.String({ maxLength: 40 }), Type.Number({ minimum: 0 })]),
    name: Type.String({ minLength: 1, maxLength: LIMITS.shortString }),
    value: Type.Number(),
    unit: Type.String({ maxLength: 64 }),
    tags: Type.Record(
      Type.String(),
      Type.Union([Type.String({ maxLength: LIMITS.shortString }), Type.Number(), Type.Boolean()]),
    ),
  }),
  { additionalProperties: true, description: 'One metric sample. Required: name, value. timestamp defaults to now.' },
);
export type MetricPointInput = Static<typeof MetricPointInputSchema>;

export interface MetricPoint {
  id: string;
  project_id: string;
  timestamp: number;
  name: string;
  value: number;
  unit: string | null;
  tags: Record<string, string | number | boolean>;
  ingested_at: number;
}
