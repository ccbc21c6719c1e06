import { DataTable } from '../../components/DataTable.js';
import { dateTime } from '../../format.js';
import { METRIC_LABELS } from './BudgetForm.js';
import { BUDGET_STATE_LABELS, budgetState, periodText, scopeText } from './describe.js';
import { RowActions } from './RowActions.js';
import type { Budget } from './types.js';
import { UsageBar } from './UsageBar.js';

/** The project's budgets with their usage in the current period; a name opens the budget's detail. */
export function BudgetList({
  budgets,
  onOpen,
  onEdit,
}: {
  budgets: Budget[];
  onOpen: (b: Budget) => void;
  onEdit: (b: Budget) => void;
}) {
  return (
    <DataTable
      rows={budgets}
      rowKey={(b) => b.id}
      testId="budget-list"
      empty="No budget yet. A budget limits a project's spend, tokens or calls per day, month or rolling window, and alerts the webhooks as it fills up."
      columns={[
        {
          key: 'name',
          label: 'Budget',
          sort: (b) => b.name.toLowerCase(),
          render: (b) => (
            <button type="button" className="link" data-budget-id={b.id} onClick={() => onOpen(b)}>
              {b.name}
            </button>
          ),
        },
        {
          key: 'usage',
          label: 'Used this period',
          sort: (b) => b.percent,
          render: (b) => <UsageBar budget={b} />,
        },
        {
          key: 'period',
          label: 'Period',
          render: (b) => (
            <>
              {METRIC_LABELS[b.metric]}, {periodText(b)}
              <div className="muted small">
                {b.resets_at ? `Starts over ${dateTime(b.resets_at)}` : 'Window rolls continuously'}
              </div>
            </>
          ),
        },
        { key: 'scope', label: 'Scope', render: (b) => scopeText(b) },
        {
          key: 'thresholds',
          label: 'Alerts at',
          render: (b) =>
            b.thresholds.length === 0 ? (
              <span className="muted">None</span>
            ) : (
              <span className="thresholds">
                {b.thresholds.map((t) => (
                  <span
                    key={t}
                    className={`badge${b.thresholds_crossed.includes(t) ? ' crossed' : ''}`}
                    title={b.thresholds_crossed.includes(t) ? 'Crossed this period' : 'Not reached this period'}
                  >
                    {t}%{b.thresholds_crossed.includes(t) ? ' ✓' : ''}
                  </span>
                ))}
              </span>
            ),
        },
        {
          key: 'state',
          label: 'State',
          sort: (b) => b.percent,
          render: (b) => {
            const s = budgetState(b);
            return (
              <span className={`badge budget-${s}`} data-testid="budget-state">
                {BUDGET_STATE_LABELS[s]}
                {b.hard && s === 'exceeded' ? ': blocking' : b.hard ? ' (hard)' : ''}
              </span>
            );
          },
        },
        {
          key: 'actions',
          label: 'Actions',
          render: (b) => (
            <RowActions name={b.name} path={`/api/v1/budgets/${encodeURIComponent(b.id)}`} onEdit={() => onEdit(b)} />
          ),
        },
      ]}
    />
  );
}
