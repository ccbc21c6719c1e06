import { useState } from 'react';
import { useApi } from '../api/hooks.js';
import { Drawer } from '../components/Drawer.js';
import { QueryView } from '../components/States.js';
import { useView } from '../state/view.js';
import { useRememberedAccess } from './budgets/access.js';
import { AlertForm } from './budgets/AlertForm.js';
import { AlertList } from './budgets/AlertList.js';
import { BudgetForm } from './budgets/BudgetForm.js';
import { BudgetList } from './budgets/BudgetList.js';
import { ManageAccessContext } from './budgets/changes.js';
import { AlertDetail, BudgetDetail } from './budgets/Details.js';
import { DeniedNote } from './budgets/FormKit.js';
import type { AlertRule, Budget, Webhook } from './budgets/types.js';
import { WebhookList } from './budgets/WebhookList.js';
import './Budgets.css';

type Editing = { kind: 'budget'; item: Budget | null } | { kind: 'alert'; item: AlertRule | null } | null;

/**
 * The project's budgets with their usage now, its alert rules with their state, and the webhooks both notify.
 * Budgets count their own current period: the time range and the filters of other pages do not apply here. The
 * open detail is in the URL (`budget=` or `alert=`), so a link shows it.
 */
export default function Budgets() {
  const view = useView();
  const access = useRememberedAccess(view.project);
  const budgets = useApi<{ budgets: Budget[] }>('/api/v1/budgets');
  const alerts = useApi<{ alerts: AlertRule[] }>('/api/v1/alerts');
  const webhooks = useApi<{ webhooks: Webhook[] }>('/api/v1/webhooks');
  const [editing, setEditing] = useState<Editing>(null);
  const budgetId = view.search.get('budget');
  const alertId = view.search.get('alert');
  const ready = [budgets, alerts, webhooks].every((q) => q.data !== undefined);
  const cannot = access.denied !== null;

  const budgetName = budgets.data?.budgets.find((b) => b.id === budgetId)?.name;
  const alertName = alerts.data?.alerts.find((r) => r.id === alertId)?.name;

  return (
    <ManageAccessContext.Provider value={access}>
      <div data-page="budgets" data-ready={ready ? 'true' : 'false'}>
        <div className="page-head">
          <h1>Budgets &amp; alerts</h1>
          <span className="muted">
            Each budget counts its own current period; the time range does not apply. Changing them needs a key of the
            manage scope or the admin token.
          </span>
        </div>
        <DeniedNote />

        <section className="panel manage-section" aria-labelledby="budgets-title">
          <div className="section-head">
            <h2 id="budgets-title">Budgets</h2>
            <button
              type="button"
              className="primary"
              disabled={cannot}
              onClick={() => setEditing({ kind: 'budget', item: null })}
            >
              New budget
            </button>
          </div>
          <QueryView query={budgets} what="Loading the budgets">
            {(d) => (
              <BudgetList
                budgets={d.budgets}
                onOpen={(b) => view.set({ budget: b.id, alert: null })}
                onEdit={(b) => setEditing({ kind: 'budget', item: b })}
              />
            )}
          </QueryView>
        </section>

        <section className="panel manage-section" aria-labelledby="alerts-title">
          <div className="section-head">
            <h2 id="alerts-title">Alert rules</h2>
            <button
              type="button"
              className="primary"
              disabled={cannot}
              onClick={() => setEditing({ kind: 'alert', item: null })}
            >
              New alert rule
            </button>
          </div>
          <QueryView query={alerts} what="Loading the alert rules">
            {(d) => (
              <AlertList
                rules={d.alerts}
                onOpen={(r) => view.set({ alert: r.id, budget: null })}
                onEdit={(r) => setEditing({ kind: 'alert', item: r })}
              />
            )}
          </QueryView>
        </section>

        <section className="panel manage-section" aria-labelledby="webhooks-title">
          <div className="section-head">
            <h2 id="webhooks-title">Webhooks</h2>
            <span className="muted">
              Budget and alert notifications are POSTed here, signed with each one's secret.
            </span>
          </div>
          <QueryView query={webhooks} what="Loading the webhooks">
            {(d) => <WebhookList webhooks={d.webhooks} />}
          </QueryView>
        </section>

        <Drawer
          title={
            editing?.item ? `Edit ${editing.item.name}` : editing?.kind === 'alert' ? 'New alert rule' : 'New budget'
          }
          open={editing !== null}
          onClose={() => setEditing(null)}
        >
          {editing?.kind === 'budget' ? (
            <BudgetForm budget={editing.item} onDone={() => setEditing(null)} />
          ) : editing?.kind === 'alert' ? (
            <AlertForm rule={editing.item} onDone={() => setEditing(null)} />
          ) : null}
        </Drawer>
        <Drawer
          title={budgetName ? `Budget: ${budgetName}` : 'Budget'}
          open={budgetId !== null && editing === null}
          onClose={() => view.set({ budget: null })}
        >
          {budgetId ? <BudgetDetail id={budgetId} /> : null}
        </Drawer>
        <Drawer
          title={alertName ? `Alert rule: ${alertName}` : 'Alert rule'}
          open={alertId !== null && editing === null}
          onClose={() => view.set({ alert: null })}
        >
          {alertId ? <AlertDetail id={alertId} /> : null}
        </Drawer>
      </div>
    </ManageAccessContext.Provider>
  );
}
