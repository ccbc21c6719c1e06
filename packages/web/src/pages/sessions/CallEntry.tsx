import { memo } from 'react';
import { count, dateTime, ms, usd } from '../../format.js';
import { CallFields } from './CallFields.js';
import type { SessionCall } from './types.js';

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * One call of a session: a button with its time, model, tokens, cost, duration and status that shows or hides all
 * of its fields, and below it the content as the project's capture policy stored it.
 */
export const CallEntry = memo(function CallEntry({
  call,
  index,
  open,
  onToggle,
  policy,
}: {
  call: SessionCall;
  index: number;
  open: boolean;
  /** Stable across renders, so that opening one call does not redraw the others. */
  onToggle: (id: string) => void;
  policy: string | null;
}) {
  const status = String(call.status ?? 'unknown');
  const detailsId = `call-${index}-details`;
  return (
    <li
      id={`call-${index}`}
      className={`call${status === 'success' ? '' : ' failed'}`}
      data-testid="session-call"
      data-call-id={call.id}
    >
      <button
        type="button"
        className="call-head"
        aria-expanded={open}
        aria-controls={detailsId}
        onClick={() => onToggle(call.id)}
      >
        <span className="call-chevron" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        <span className="call-time">{dateTime(call.timestamp)}</span>
        <span className="call-model">{String(call.model ?? '—')}</span>
        <span className="call-num" title="Input → output tokens">
          {count(num(call.input_tokens))} → {count(num(call.output_tokens))} tokens
        </span>
        <span className="call-num">{usd(num(call.cost_usd))}</span>
        <span className="call-num">{ms(num(call.duration_ms))}</span>
        <span className={`badge ${status}`}>{status}</span>
      </button>
      <CallContent call={call} policy={policy} />
      <div id={detailsId} className="call-details" hidden={!open}>
        {open ? <CallFields call={call} testId="call-fields" /> : null}
      </div>
    </li>
  );
});

function CallContent({ call, policy }: { call: SessionCall; policy: string | null }) {
  const input = text(call.input_text);
  const output = text(call.output_text);
  const error = text(call.error_message);
  const problem = error ? (
    <p className="call-error">
      {text(call.error_type) ? <strong>{String(call.error_type)}: </strong> : null}
      {error}
    </p>
  ) : null;
  if (!input && !output) {
    return (
      <div className="call-content" data-testid="call-content">
        {problem}
        <p className="muted not-captured">content not captured (capture policy: {policy ?? 'unknown'})</p>
      </div>
    );
  }
  return (
    <div className="call-content" data-testid="call-content">
      {problem}
      <div className="call-texts">
        <div>
          <div className="call-label">Input</div>
          <pre data-testid="call-input">{input ?? '—'}</pre>
        </div>
        <div>
          <div className="call-label">Output</div>
          <pre data-testid="call-output">{output ?? '—'}</pre>
        </div>
      </div>
    </div>
  );
}
