// Shapes of the public API's answers that the dashboard reads (see /docs for the full schemas).

export type Num = number | null;

export interface Latency {
  avg: Num;
  p50: Num;
  p90: Num;
  p95: Num;
  p99: Num;
}

export interface Summary {
  from: string;
  to: string;
  metrics: Record<string, Num>;
  previous?: { from: string; to: string; metrics: Record<string, Num> };
  change?: Record<string, Num>;
}

export interface SeriesPoint {
  time: string;
  [metric: string]: Num | string;
}

export interface Timeseries {
  interval: string;
  tz: string;
  from: string;
  to: string;
  points: SeriesPoint[];
  series?: { value: string | null; points: SeriesPoint[] }[];
}

export interface BreakdownRow {
  value: string | null;
  [metric: string]: Num | string | null;
}

export interface Breakdown {
  by: string;
  from: string;
  to: string;
  rows: BreakdownRow[];
  other: Record<string, Num> | null;
  total: Record<string, Num>;
}

export interface CallItem {
  id: string;
  /** Epoch milliseconds, as the events routes answer. */
  timestamp: number;
  provider: string | null;
  model: string;
  status: string;
  [field: string]: unknown;
}

export interface EventsPage {
  events: CallItem[];
  next_cursor: string | null;
}

export interface Project {
  id: string;
  name: string;
  [field: string]: unknown;
}

export interface Status {
  version: string;
  auth: { mode: 'open' | 'protected' };
  store: { kind: string };
}
