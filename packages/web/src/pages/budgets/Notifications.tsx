import { Empty } from '../../components/States.js';
import { dateTime } from '../../format.js';
import type { Delivery, Notification } from './types.js';

const EVENT_LABELS: Record<string, string> = {
  'budget.threshold': 'Threshold crossed',
  'alert.firing': 'Firing',
  'alert.resolved': 'Resolved',
};

/**
 * The notifications a budget or an alert rule sent, newest first, with how each webhook delivery went: the answer
 * it got, or the error, and when it is tried again.
 */
export function Notifications({
  items,
  summary,
  empty,
}: {
  items: Notification[];
  summary: (n: Notification) => string;
  empty: string;
}) {
  if (items.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ol className="notifications" data-testid="notifications">
      {items.map((n) => (
        <li key={n.id} className="notification">
          <div className="notification-head">
            <span className={`badge ${n.event.replace('.', '-')}`}>{EVENT_LABELS[n.event] ?? n.event}</span>
            <span>{summary(n)}</span>
            <span className="muted">{dateTime(n.created_at)}</span>
          </div>
          {n.deliveries.length === 0 ? (
            <p className="muted">No webhook was set up when it was sent.</p>
          ) : (
            <ul className="deliveries">
              {n.deliveries.map((d) => (
                <li key={d.webhook_id}>
                  <DeliveryLine d={d} />
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
}

function DeliveryLine({ d }: { d: Delivery }) {
  const answer = d.response_status !== null ? `answered ${d.response_status}` : d.error ? d.error : null;
  return (
    <span className={`delivery ${d.status}`}>
      <code>{d.url}</code>: <strong>{d.status}</strong> after {d.attempts} {d.attempts === 1 ? 'try' : 'tries'}
      {answer ? ` (${answer})` : ''}
      {d.status === 'delivered' ? `, ${dateTime(d.delivered_at)}` : ''}
      {d.status === 'pending' && d.next_attempt_at ? `, next try ${dateTime(d.next_attempt_at)}` : ''}
      {d.status === 'failed' && d.last_attempt_at ? `, last tried ${dateTime(d.last_attempt_at)}` : ''}
    </span>
  );
}
