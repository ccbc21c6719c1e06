import { Fragment, type ReactNode } from 'react';
import { Link } from 'wouter';
import type { CallItem } from '../../api/types.js';
import { count, dash, dateTime, ms, usd } from '../../format.js';
import { useView } from '../../state/view.js';
import { tokensOf } from './feed.js';

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** One call as it arrived: who made it, what it cost, how it went, and its captured text when there is some. */
export function CallDetail({ call }: { call: CallItem }) {
  const view = useView();
  const carry = view.carry ? `?${view.carry}` : '';
  const user = text(call['user_id']);
  const session = text(call['session_id']);
  const tags = Array.isArray(call['tags']) ? (call['tags'] as string[]) : [];
  const metadata = (call['metadata'] ?? {}) as Record<string, unknown>;
  const rows: [string, ReactNode][] = [
    ['Time', dateTime(call.timestamp)],
    ['Status', <StatusBadge key="s" call={call} />],
    ['Provider', text(call.provider) ?? dash],
    ['Model', call.model],
    ['Agent', text(call['agent_name']) ? `${call['agent_name']} ${text(call['agent_version']) ?? ''}`.trim() : dash],
    ['User', user ? <Link href={`/users/${encodeURIComponent(user)}${carry}`}>{user}</Link> : dash],
    ['Session', session ? <Link href={`/sessions/${encodeURIComponent(session)}${carry}`}>{session}</Link> : dash],
    [
      'Tokens',
      `${count(tokensOf(call))} (in ${count(num(call['input_tokens']))}, out ${count(num(call['output_tokens']))})`,
    ],
    ['Cost', usd(num(call['cost_usd']))],
    ['Duration', ms(num(call['duration_ms']))],
    ['Time to first token', ms(num(call['ttft_ms']))],
    ['Environment', text(call['environment']) ?? dash],
    ['Tags', tags.length > 0 ? tags.join(', ') : dash],
    ...Object.entries(metadata).map(([k, v]): [string, ReactNode] => [
      `metadata ${k}`,
      v === null || v === undefined || v === '' ? dash : String(v),
    ]),
    ['Call id', <code key="id">{call.id}</code>],
  ];
  const errorType = text(call['error_type']);
  const errorMessage = text(call['error_message']);
  const statusCode = num(call['status_code']);
  return (
    <div className="live-detail" data-testid="call-detail">
      {errorType || errorMessage ? (
        <p className="field-error">
          {errorType ?? 'Error'}
          {statusCode !== null ? ` (${statusCode})` : ''}
          {errorMessage ? `: ${errorMessage}` : ''}
        </p>
      ) : null}
      <dl className="fields">
        {rows.map(([label, value]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
      </dl>
      {text(call['input_text']) ? (
        <>
          <h3>Input</h3>
          <pre>{text(call['input_text'])}</pre>
        </>
      ) : null}
      {text(call['output_text']) ? (
        <>
          <h3>Output</h3>
          <pre>{text(call['output_text'])}</pre>
        </>
      ) : null}
      <details>
        <summary>Every field, as the API sends it</summary>
        <pre>{JSON.stringify(call, null, 2)}</pre>
      </details>
    </div>
  );
}

export function StatusBadge({ call }: { call: CallItem }) {
  return <span className={`badge ${call.status}`}>{call.status}</span>;
}
