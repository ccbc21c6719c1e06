import { memo } from 'react';
import type { CallItem } from '../../api/types.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { countShort, dash, dateTime, ms, usd } from '../../format.js';
import { StatusBadge } from './CallDetail.js';
import { tokensOf } from './feed.js';

const str = (v: unknown): string => (typeof v === 'string' && v !== '' ? v : dash);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

const COLUMNS: Column<CallItem>[] = [
  // The id rides along on the first cell, so that a row can be found by the call it shows.
  { key: 'time', label: 'Time', render: (c) => <span data-call-id={c.id}>{dateTime(c.timestamp)}</span> },
  { key: 'status', label: 'Status', render: (c) => <StatusBadge call={c} /> },
  { key: 'model', label: 'Model', render: (c) => c.model },
  { key: 'agent', label: 'Agent', render: (c) => str(c['agent_name']) },
  { key: 'user', label: 'User', render: (c) => str(c['user_id']) },
  { key: 'tokens', label: 'Tokens', numeric: true, render: (c) => countShort(tokensOf(c)) },
  { key: 'cost', label: 'Cost', numeric: true, render: (c) => usd(num(c['cost_usd'])) },
  { key: 'duration', label: 'Duration', numeric: true, render: (c) => ms(num(c['duration_ms'])) },
];

/**
 * The calls on screen, newest first (the arrival order, so no column sorts). Memoised: while the view is paused
 * its `calls` stay the same array, and the list is not drawn again however many calls arrive.
 */
export const LiveTable = memo(function LiveTable({
  calls,
  onOpen,
  empty,
}: {
  calls: CallItem[];
  onOpen: (call: CallItem) => void;
  empty: string;
}) {
  return (
    <DataTable
      rows={calls}
      columns={COLUMNS}
      rowKey={(c) => c.id}
      onRowClick={onOpen}
      caption="Newest calls first; select one for its details"
      empty={empty}
      testId="live-table"
    />
  );
});
