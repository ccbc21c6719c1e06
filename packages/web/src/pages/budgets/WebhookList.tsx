import { DataTable } from '../../components/DataTable.js';
import { dateTime } from '../../format.js';
import type { Webhook } from './types.js';

/**
 * Where budget and alert notifications go. The API never returns a webhook's secret, only its first characters
 * to recognise it, and neither does this list.
 */
export function WebhookList({ webhooks }: { webhooks: Webhook[] }) {
  return (
    <DataTable
      rows={webhooks}
      rowKey={(w) => w.id}
      testId="webhook-list"
      empty="No webhook: budget and alert notifications are recorded (see each one's detail) but sent nowhere. Add one with POST /api/v1/webhooks."
      columns={[
        { key: 'url', label: 'URL', render: (w) => <code>{w.url}</code>, sort: (w) => w.url },
        { key: 'description', label: 'Description', render: (w) => w.description ?? '' },
        {
          key: 'enabled',
          label: 'State',
          render: (w) => (
            <span className={`badge${w.enabled ? ' success' : ''}`}>{w.enabled ? 'Enabled' : 'Disabled'}</span>
          ),
        },
        { key: 'secret', label: 'Secret starts with', render: (w) => <code>{w.secret_prefix}</code> },
        { key: 'created', label: 'Added', render: (w) => dateTime(w.created_at), sort: (w) => w.created_at },
      ]}
    />
  );
}
