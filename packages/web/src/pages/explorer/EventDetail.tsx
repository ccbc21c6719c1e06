import { useApi } from '../../api/hooks.js';
import { QueryView } from '../../components/States.js';
import { EventFields } from './EventFields.js';
import type { StoredCall } from './types.js';

/** One call read afresh by id, so the drawer shows every stored field whatever the list around it holds. */
export function EventDetail({ id }: { id: string }) {
  const call = useApi<StoredCall>(`/api/v1/events/${encodeURIComponent(id)}`, {}, { refresh: false });
  return (
    <QueryView query={call} what="Loading the call">
      {(c) => <EventFields call={c} />}
    </QueryView>
  );
}
