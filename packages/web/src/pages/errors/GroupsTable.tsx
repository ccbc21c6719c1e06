import { DataTable } from '../../components/DataTable.js';
import { count, dateTime } from '../../format.js';
import { groupKey, patternLabel, typeLabel, type ErrorGroup } from './types.js';

const time = (iso: string) => new Date(iso).getTime();

/** Errors grouped by type and normalised message; a row opens the group's calls. */
export function GroupsTable({ groups, onOpen }: { groups: readonly ErrorGroup[]; onOpen: (g: ErrorGroup) => void }) {
  return (
    <DataTable
      rows={groups}
      rowKey={groupKey}
      onRowClick={onOpen}
      testId="error-groups"
      empty="No failed calls in this range."
      columns={[
        { key: 'type', label: 'Type', render: (g) => typeLabel(g.error_type), sort: (g) => g.error_type },
        {
          key: 'pattern',
          label: 'Message',
          render: (g) => (
            <span className="error-pattern" title={g.pattern ?? undefined}>
              {patternLabel(g.pattern)}
            </span>
          ),
        },
        { key: 'count', label: 'Calls', numeric: true, render: (g) => count(g.count), sort: (g) => g.count },
        {
          key: 'first',
          label: 'First seen',
          render: (g) => dateTime(g.first_seen),
          sort: (g) => time(g.first_seen),
        },
        { key: 'last', label: 'Last seen', render: (g) => dateTime(g.last_seen), sort: (g) => time(g.last_seen) },
      ]}
    />
  );
}
