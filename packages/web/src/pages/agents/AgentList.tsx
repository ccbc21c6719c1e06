import { useMemo } from 'react';
import type { BreakdownRow, Num } from '../../api/types.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { QueryView } from '../../components/States.js';
import { count, countShort, usd } from '../../format.js';
import { useNestedBreakdown, type NestedBreakdown, type PairGroup } from '../models/nested-breakdown.js';
import type { AgentVersion } from './seed-000.js';

export interface AgentRow {
  key: string;
  name: string;
  version: string | null;
  calls: number;
  users: number;
  sessions: number;
  tokens: number;
  cost: Num;
}

const num = (v: BreakdownRow[string] | undefined): number => (typeof v === 'number' ? v : 0);

function agentRows(groups: readonly PairGroup[]): AgentRow[] {
  return groups.flatMap((g) =>
    g.inner.map((r) => ({
      key: JSON.stringify([g.outer.value, r.value]),
      name: String(g.outer.value),
      version: r.value === null ? null : String(r.value),
      calls: num(r['calls']),
      users: num(r['users']),
      sessions: num(r['sessions']),
      tokens: num(r['total_tokens']),
      cost: typeof r['cost_usd'] === 'number' ? r['cost_usd'] : null,
    })),
  );
}

const cell = (col: string, text: string) => <span data-col={col}>{text}</span>;

/** Every agent version of the range with its usage; selecting one shows its own views below. */
export function useAgentVersions(): NestedBreakdown {
  // Calls that name no agent are not an agent's: they are left out rather than listed as one.
  return useNestedBreakdown('agent_name', 'agent_version', 'calls,users,sessions,total_tokens,cost_usd', {
    namedOnly: true,
  });
}

export function AgentList({
  pairs,
  selected,
  onSelect,
}: {
  pairs: NestedBreakdown;
  selected: AgentVersion | null;
  onSelect: (agent: AgentVersion) => void;
}) {
  const rows = useMemo(() => (pairs.data ? agentRows(pairs.data) : undefined), [pairs.data]);
  const isSelected = (r: AgentRow) => selected !== null && r.name === selected.name && r.version === selected.version;
  const columns: Column<AgentRow>[] = [
    { key: 'name', label: 'Agent', render: (r) => cell('name', r.name), sort: (r) => r.name },
    {
      key: 'version',
      label: 'Version',
      render: (r) => (
        <>
          {cell('version', r.version ?? '(none)')}
          {isSelected(r) ? <span className="badge agents-selected">selected</span> : null}
        </>
      ),
      sort: (r) => r.version,
    },
    { key: 'calls', label: 'Calls', numeric: true, render: (r) => cell('calls', count(r.calls)), sort: (r) => r.calls },
    { key: 'users', label: 'Users', numeric: true, render: (r) => cell('users', count(r.users)), sort: (r) => r.users },
    {
      key: 'sessions',
      label: 'Sessions',
      numeric: true,
      render: (r) => cell('sessions', count(r.sessions)),
      sort: (r) => r.sessions,
    },
    {
      key: 'tokens',
      label: 'Tokens',
      numeric: true,
      render: (r) => cell('tokens', countShort(r.tokens)),
      sort: (r) => r.tokens,
    },
    { key: 'cost', label: 'Cost', numeric: true, render: (r) => cell('cost', usd(r.cost)), sort: (r) => r.cost },
  ];

  return (
    <QueryView query={{ ...pairs, data: rows }} what="Loading the agents">
      {(r) => (
        <DataTable
          testId="agent-table"
          rows={r}
          rowKey={(row) => row.key}
          columns={columns}
          // Seed 000's views need a version: calls of an agent that sent none cannot be opened.
          onRowClick={(row) => (row.version === null ? undefined : onSelect({ name: row.name, version: row.version }))}
          empty="No agent made calls in this range. Calls name their agent in agent_name and agent_version."
        />
      )}
    </QueryView>
  );
}
