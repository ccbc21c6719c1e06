import { DataTable } from '../../components/DataTable.js';
import { count, orNone, pct } from '../../format.js';
import type { ErrorsByModel } from './types.js';

/** Failed calls by model (models without failures are left out by the API); a row filters the page to it. */
export function ModelsTable({ rows, onPick }: { rows: readonly ErrorsByModel[]; onPick: (m: ErrorsByModel) => void }) {
  return (
    <DataTable
      rows={rows}
      rowKey={(m) => `${m.provider ?? ''}/${m.model ?? ''}`}
      onRowClick={onPick}
      testId="errors-by-model"
      empty="No model had a failed call in this range."
      columns={[
        { key: 'provider', label: 'Provider', render: (m) => orNone(m.provider), sort: (m) => m.provider },
        { key: 'model', label: 'Model', render: (m) => orNone(m.model), sort: (m) => m.model },
        { key: 'calls', label: 'Calls', numeric: true, render: (m) => count(m.calls), sort: (m) => m.calls },
        { key: 'errors', label: 'Errors', numeric: true, render: (m) => count(m.errors), sort: (m) => m.errors },
        {
          key: 'rate',
          label: 'Error rate',
          numeric: true,
          render: (m) => pct(m.error_rate, 1),
          sort: (m) => m.error_rate,
        },
      ]}
    />
  );
}
