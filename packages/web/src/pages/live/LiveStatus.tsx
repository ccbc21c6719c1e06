import type { LiveState } from './live-stream.js';

const LABELS: Record<LiveState['kind'], string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting',
  stopped: 'Stopped',
};

/** What the user can do about a refusal that retrying does not fix. */
const STOPPED_HINTS: Record<number, string> = {
  401: 'Sign in again.',
  403: 'This key may not read this project: use a read key of it or the admin token.',
  404: 'This server has no live stream; update Tally.',
  422: 'Fix or remove the filter, then try again.',
};

const clock = (at: number) => new Date(at).toLocaleTimeString(undefined, { timeStyle: 'medium' });

/** The connection's state in words, announced to screen readers when it changes, with what went wrong. */
export function LiveStatus({
  state,
  onRetryNow,
  onRestart,
}: {
  state: LiveState;
  onRetryNow: () => void;
  onRestart: () => void;
}) {
  return (
    <div
      className="live-status"
      data-testid="live-state"
      data-state={state.kind}
      data-filters={state.kind === 'live' ? new URLSearchParams(state.filters).toString() : undefined}
    >
      <span className={`live-dot ${state.kind}`} aria-hidden="true" />
      <span role="status" aria-live="polite">
        <strong>{LABELS[state.kind]}</strong>
        {state.kind === 'reconnecting' ? (
          <span className="muted">
            {' '}
            (attempt {state.attempt}
            {state.retryAt ? `, next try at ${clock(state.retryAt)}` : ', trying now'}): {state.error}
          </span>
        ) : null}
        {state.kind === 'stopped' ? (
          <span className="muted">
            {' '}
            ({state.error.status}): {state.error.message}. {STOPPED_HINTS[state.error.status] ?? ''}
          </span>
        ) : null}
      </span>
      {state.kind === 'reconnecting' && state.retryAt ? (
        <button type="button" onClick={onRetryNow}>
          Reconnect now
        </button>
      ) : null}
      {state.kind === 'stopped' ? (
        <button type="button" onClick={onRestart}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
