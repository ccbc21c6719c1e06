import type { ReactNode } from 'react';
import { Link } from 'wouter';
import { count, dash, dateTime, ms, usd } from '../../format.js';
import { useView } from '../../state/view.js';
import type { StoredCall } from './types.js';

/** The data model's fields in the groups a reader looks for them; fields not listed land in "Other". */
const GROUPS: { title: string; fields: string[] }[] = [
  {
    title: 'Call',
    fields: ['id', 'project_id', 'provider', 'model', 'api_type', 'operation', 'endpoint', 'method', 'stream'],
  },
  { title: 'Outcome', fields: ['status', 'status_code', 'error_type', 'error_message'] },
  { title: 'Timing', fields: ['timestamp', 'end_time', 'duration_ms', 'ttft_ms', 'upstream_ms', 'ingested_at'] },
  {
    title: 'Tokens and cost',
    fields: [
      'input_tokens',
      'output_tokens',
      'total_tokens',
      'cache_read_tokens',
      'cache_write_tokens',
      'reasoning_tokens',
      'cost_usd',
      'cost_source',
      'price_model_id',
    ],
  },
  {
    title: 'Who and where',
    fields: [
      'user_id',
      'session_id',
      'agent_name',
      'agent_version',
      'app_name',
      'environment',
      'source_id',
      'source_function',
    ],
  },
  { title: 'Trace', fields: ['trace_id', 'span_id', 'parent_span_id'] },
  {
    title: 'Request',
    fields: [
      'temperature',
      'max_tokens',
      'message_count',
      'request_bytes',
      'response_bytes',
      'api_key_id',
      'api_key_label',
      'client_ip',
      'user_agent',
      'backend',
      'upstream_mode',
      'ingest_source',
    ],
  },
];

/** Shown apart from the field lists: they are lists, maps and long text. */
const APART = new Set(['tags', 'metadata', 'input_text', 'output_text']);
const TIMES = new Set(['timestamp', 'end_time', 'ingested_at']);
const DURATIONS = new Set(['duration_ms', 'ttft_ms', 'upstream_ms']);
const COUNTS = new Set([
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'message_count',
  'request_bytes',
  'response_bytes',
  'max_tokens',
]);

const none = <span className="muted">{dash}</span>;

function FieldValue({ field, value }: { field: string; value: unknown }) {
  const view = useView();
  const carry = view.carry ? `?${view.carry}` : '';
  if (value === null || value === undefined || value === '') return none;
  if (TIMES.has(field)) {
    const d = new Date(value as number | string);
    return <time dateTime={Number.isNaN(d.getTime()) ? undefined : d.toISOString()}>{dateTime(value as number)}</time>;
  }
  if (DURATIONS.has(field) && typeof value === 'number') return <>{ms(value)}</>;
  if (COUNTS.has(field) && typeof value === 'number') return <>{count(value)}</>;
  if (field === 'cost_usd' && typeof value === 'number') return <>{usd(value)}</>;
  if (field === 'status') return <span className={`badge ${String(value)}`}>{String(value)}</span>;
  if (field === 'user_id')
    return <Link href={`/users/${encodeURIComponent(String(value))}${carry}`}>{String(value)}</Link>;
  if (field === 'session_id') {
    return <Link href={`/sessions/${encodeURIComponent(String(value))}${carry}`}>{String(value)}</Link>;
  }
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (typeof value === 'object') return <code>{JSON.stringify(value)}</code>;
  return <>{String(value)}</>;
}

function Fields({ call, fields }: { call: StoredCall; fields: string[] }) {
  return (
    <dl className="fields">
      {fields.map((f) => (
        <Row key={f} label={f}>
          <FieldValue field={f} value={call[f]} />
        </Row>
      ))}
    </dl>
  );
}

function Row({ label, field = label, children }: { label: string; field?: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-field={field}>{children}</dd>
    </>
  );
}

function Content({ label, text }: { label: string; text: unknown }) {
  return (
    <>
      <h4>{label}</h4>
      {typeof text === 'string' && text !== '' ? (
        <pre data-field={label === 'Input' ? 'input_text' : 'output_text'}>{text}</pre>
      ) : (
        <p className="muted">Not captured: this project's capture policy keeps no content for this call.</p>
      )}
    </>
  );
}

/** Every field of one stored call: grouped fields, then tags, metadata and the captured input and output. */
export function EventFields({ call }: { call: StoredCall }) {
  const listed = new Set(GROUPS.flatMap((g) => g.fields));
  const other = Object.keys(call).filter((f) => !listed.has(f) && !APART.has(f));
  const metadata = call.metadata && typeof call.metadata === 'object' ? Object.entries(call.metadata) : [];
  const tags = Array.isArray(call.tags) ? call.tags : [];
  return (
    <div className="event-fields" data-testid="event-fields" data-event-id={call.id}>
      {GROUPS.map((g) => (
        <section key={g.title} aria-label={g.title}>
          <h3>{g.title}</h3>
          <Fields call={call} fields={g.fields} />
        </section>
      ))}
      <section aria-label="Tags">
        <h3>Tags</h3>
        {tags.length > 0 ? (
          <ul className="chips" data-field="tags">
            {tags.map((t) => (
              <li key={t} className="badge">
                {t}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No tags.</p>
        )}
      </section>
      <section aria-label="Metadata">
        <h3>Metadata</h3>
        {metadata.length > 0 ? (
          <dl className="fields">
            {metadata.map(([k, v]) => (
              <Row key={k} label={k} field={`metadata.${k}`}>
                {typeof v === 'string' ? v : <code>{JSON.stringify(v)}</code>}
              </Row>
            ))}
          </dl>
        ) : (
          <p className="muted">No metadata.</p>
        )}
      </section>
      <section aria-label="Content">
        <h3>Content</h3>
        <Content label="Input" text={call.input_text} />
        <Content label="Output" text={call.output_text} />
      </section>
      {other.length > 0 ? (
        <section aria-label="Other fields">
          <h3>Other</h3>
          <Fields call={call} fields={other} />
        </section>
      ) : null}
    </div>
  );
}
