import { Link } from 'wouter';
import { useApi } from '../../api/hooks.js';
import { QueryView } from '../../components/States.js';
import { count, dateTime, orNone } from '../../format.js';
import { useView } from '../../state/view.js';
import { EventFields } from '../explorer/EventFields.js';
import type { StoredCall } from '../explorer/types.js';
import { patternLabel, typeLabel, type ErrorGroup } from './types.js';

/**
 * One error group: what it is, when it happened, and its newest calls read by id (exactly the group's calls, which
 * no filter can select: the pattern is not a dimension). The Explorer lists every failed call of the same type.
 */
export function GroupDetail({ group }: { group: ErrorGroup }) {
  const view = useView();
  const explorer = new URLSearchParams(view.carry);
  if (group.error_type !== null) explorer.set('error_type', group.error_type);
  explorer.set('status', '!success');
  return (
    <div className="error-group" data-testid="group-detail">
      <dl className="fields">
        <dt>Type</dt>
        <dd>{typeLabel(group.error_type)}</dd>
        <dt>Message</dt>
        <dd>
          <code>{patternLabel(group.pattern)}</code>
        </dd>
        <dt>Calls</dt>
        <dd data-testid="group-count">{count(group.count)}</dd>
        <dt>First seen</dt>
        <dd>{dateTime(group.first_seen)}</dd>
        <dt>Last seen</dt>
        <dd>{dateTime(group.last_seen)}</dd>
      </dl>
      <h3>
        {group.count > group.sample_ids.length
          ? `The ${group.sample_ids.length} newest of ${count(group.count)} calls`
          : group.sample_ids.length === 1
            ? 'The call'
            : `All ${group.sample_ids.length} calls`}
      </h3>
      <p>
        <Link href={`/explorer?${explorer.toString()}`}>
          {group.error_type === null
            ? 'See every failed call in the Explorer'
            : `See every failed ${group.error_type} call in the Explorer`}
        </Link>
      </p>
      <ol className="error-samples">
        {group.sample_ids.map((id) => (
          <Sample key={id} id={id} />
        ))}
      </ol>
    </div>
  );
}

function Sample({ id }: { id: string }) {
  const call = useApi<StoredCall>(`/api/v1/events/${encodeURIComponent(id)}`, {}, { refresh: false });
  return (
    <li className="error-sample" data-testid="error-sample" data-event-id={id}>
      <QueryView query={call} what="Loading the call">
        {(c) => (
          <>
            <div className="error-sample-head">
              <strong>{dateTime(c.timestamp)}</strong>
              <span className={`badge ${c.status}`}>
                {c.status}
                {typeof c['status_code'] === 'number' ? ` ${c['status_code']}` : ''}
              </span>
              <span>{c.model}</span>
              <span className="muted">
                {orNone(c.user_id)} · {orNone(c.session_id)}
              </span>
            </div>
            <p className="error-sample-message">{c.error_message ?? <span className="muted">No message.</span>}</p>
            <details>
              <summary>Every field of {c.id}</summary>
              <EventFields call={c} />
            </details>
          </>
        )}
      </QueryView>
    </li>
  );
}
