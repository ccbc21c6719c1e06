import { DataTable, type Column } from '../../components/DataTable.js';
import { count, dateTime, ms, orNone, usd } from '../../format.js';
import type { StoredCall } from './types.js';

const COLUMNS: Column<StoredCall>[] = [
  {
    key: 'time',
    label: 'Time',
    render: (c) => <time dateTime={new Date(c.timestamp).toISOString()}>{dateTime(c.timestamp)}</time>,
  },
  { key: 'provider', label: 'Provider', render: (c) => orNone(c.provider) },
  { key: 'model', label: 'Model', render: (c) => c.model },
  { key: 'status', label: 'Status', render: (c) => <span className={`badge ${c.status}`}>{c.status}</span> },
  { key: 'tokens', label: 'Tokens', numeric: true, render: (c) => count(c.total_tokens) },
  { key: 'cost', label: 'Cost', numeric: true, render: (c) => usd(c.cost_usd) },
  { key: 'duration', label: 'Duration', numeric: true, render: (c) => ms(c.duration_ms) },
  { key: 'user', label: 'User', render: (c) => orNone(c.user_id) },
  { key: 'session', label: 'Session', render: (c) => orNone(c.session_id) },
  {
    key: 'agent',
    label: 'Agent',
    render: (c) => (c.agent_name ? `${c.agent_name}${c.agent_version ? ` ${c.agent_version}` : ''}` : orNone(null)),
  },
];

/**
 * The calls as the server lists them, newest first (no column sorting: a sort of the loaded pages alone would
 * pretend to order calls that are not loaded yet). A row opens the call's details, by click or Enter.
 */
export function EventsTable({ calls, onOpen }: { calls: readonly StoredCall[]; onOpen: (call: StoredCall) => void }) {
  return (
    <DataTable
      rows={calls}
      columns={COLUMNS}
      rowKey={(c) => c.id}
      onRowClick={onOpen}
      caption="Calls, newest first"
      empty="No calls match these filters in this range."
      testId="events-table"
    />
  );
}
