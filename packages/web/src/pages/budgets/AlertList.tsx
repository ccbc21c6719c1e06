import { DataTable } from '../../components/DataTable.js';
import { dash, dateTime } from '../../format.js';
import { alertValue, conditionText, ruleScopeText } from './describe.js';
import { RowActions } from './RowActions.js';
import type { AlertRule } from './types.js';

/** The project's alert rules, firing ones first, with their last evaluation; a name opens what the rule sent. */
export function AlertList({
  rules,
  onOpen,
  onEdit,
}: {
  rules: AlertRule[];
  onOpen: (r: AlertRule) => void;
  onEdit: (r: AlertRule) => void;
}) {
  const ordered = [...rules].sort((a, b) => Number(b.state === 'firing') - Number(a.state === 'firing'));
  return (
    <DataTable
      rows={ordered}
      rowKey={(r) => r.id}
      testId="alert-list"
      empty="No alert rule yet. A rule watches the error rate, the p95 latency or the spend over a trailing window and notifies the webhooks when it crosses its threshold."
      columns={[
        {
          key: 'name',
          label: 'Rule',
          sort: (r) => r.name.toLowerCase(),
          render: (r) => (
            <button type="button" className="link" data-alert-id={r.id} onClick={() => onOpen(r)}>
              {r.name}
            </button>
          ),
        },
        { key: 'condition', label: 'Fires when', render: (r) => conditionText(r) },
        { key: 'scope', label: 'Watches', render: (r) => ruleScopeText(r) },
        {
          key: 'state',
          label: 'State',
          sort: (r) => (r.enabled ? r.state : 'disabled'),
          render: (r) =>
            r.enabled ? (
              <span className={`badge alert-${r.state}`} data-testid="alert-state">
                {r.state === 'firing' ? 'Firing' : 'OK'}
              </span>
            ) : (
              <span className="badge" data-testid="alert-state">
                Disabled
              </span>
            ),
        },
        {
          key: 'last',
          label: 'Last value',
          numeric: true,
          render: (r) => (r.last_evaluated_at ? alertValue(r.metric, r.last_value) : dash),
        },
        {
          key: 'evaluated',
          label: 'Last evaluation',
          sort: (r) => r.last_evaluated_at,
          render: (r) => (r.last_evaluated_at ? dateTime(r.last_evaluated_at) : <span className="muted">Not yet</span>),
        },
        {
          key: 'actions',
          label: 'Actions',
          render: (r) => (
            <RowActions name={r.name} path={`/api/v1/alerts/${encodeURIComponent(r.id)}`} onEdit={() => onEdit(r)} />
          ),
        },
      ]}
    />
  );
}
