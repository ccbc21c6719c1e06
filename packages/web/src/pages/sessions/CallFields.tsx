import './call-fields.css';
import type { ReactNode } from 'react';
import { dash, dateTime, ms, usd } from '../../format.js';

/** Fields that hold instants as epoch milliseconds (or ISO text), shown in the browser's time zone. */
const TIMES = new Set(['timestamp', 'end_time', 'ingested_at']);
const DURATIONS = new Set(['duration_ms', 'ttft_ms', 'upstream_ms']);
const TEXTS = new Set(['input_text', 'output_text', 'error_message']);

function show(field: string, value: unknown): ReactNode {
  if (value === null || value === undefined || value === '') return <span className="muted">{dash}</span>;
  if (TIMES.has(field) && (typeof value === 'number' || typeof value === 'string')) {
    return <span title={String(value)}>{dateTime(value)}</span>;
  }
  if (DURATIONS.has(field) && typeof value === 'number') return ms(value);
  if (field === 'cost_usd' && typeof value === 'number') return usd(value);
  if (Array.isArray(value)) return value.length === 0 ? <span className="muted">{dash}</span> : value.join(', ');
  if (typeof value === 'object') {
    return Object.keys(value).length === 0 ? (
      <span className="muted">{dash}</span>
    ) : (
      <code>{JSON.stringify(value)}</code>
    );
  }
  if (TEXTS.has(field)) return <pre>{String(value)}</pre>;
  return String(value);
}

/** Every field of a stored call, in the API's order, named as the API names them (what a script would read). */
export function CallFields({ call, testId }: { call: Record<string, unknown>; testId?: string }) {
  return (
    <dl className="fields" data-testid={testId}>
      {Object.entries(call).map(([field, value]) => (
        <div key={field} className="field" data-field={field}>
          <dt>{field}</dt>
          <dd>{show(field, value)}</dd>
        </div>
      ))}
    </dl>
  );
}
