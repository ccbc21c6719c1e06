import { useState } from 'react';
import { Link } from 'wouter';
import { useApi } from '../../api/hooks.js';
import type { CallItem } from '../../api/types.js';
import { DataTable } from '../../components/DataTable.js';
import { Drawer } from '../../components/Drawer.js';
import { QueryView } from '../../components/States.js';
import { countShort, dateTime, ms, usd } from '../../format.js';
import { useView } from '../../state/view.js';
import { CallFields } from '../sessions/CallFields.js';
import { MAX_RAW_DAYS, utcDaysOf } from './days.js';
import { segment } from './route-param.js';

const SHOWN = 50;

/** The user's newest stored calls (GET /api/v1/analytics/user/{user_id}/raw); a row opens all of a call's fields. */
export function LatestCalls({ id }: { id: string }) {
  const view = useView();
  const days = Math.min(MAX_RAW_DAYS, utcDaysOf(view.range));
  const raw = useApi<CallItem[]>(`/api/v1/analytics/user/${segment(id)}/raw`, { days, limit: SHOWN });
  const [open, setOpen] = useState<CallItem | null>(null);
  const session = typeof open?.session_id === 'string' ? open.session_id : null;
  return (
    <section className="panel user-section" aria-labelledby="user-calls" data-testid="latest-calls">
      <h2 id="user-calls">Latest calls</h2>
      <p className="muted">
        The newest {SHOWN} calls of the last {days} UTC days
        {days < utcDaysOf(view.range) ? ' (the most this list covers)' : ''}. Open one to see all its fields.
      </p>
      <QueryView query={raw} what="Loading calls">
        {(calls) => (
          <DataTable
            testId="user-calls"
            rows={calls}
            rowKey={(c) => c.id}
            onRowClick={setOpen}
            empty="No calls of this user in these days."
            columns={[
              { key: 'time', label: 'Time', render: (c) => dateTime(c.timestamp) },
              { key: 'model', label: 'Model', render: (c) => c.model },
              { key: 'session', label: 'Session', render: (c) => (c.session_id as string | null) ?? '—' },
              { key: 'tokens', label: 'Tokens', numeric: true, render: (c) => countShort(c.total_tokens as number) },
              { key: 'cost', label: 'Cost', numeric: true, render: (c) => usd(c.cost_usd as number | null) },
              { key: 'duration', label: 'Duration', numeric: true, render: (c) => ms(c.duration_ms as number | null) },
              {
                key: 'status',
                label: 'Status',
                render: (c) => <span className={`badge ${c.status}`}>{c.status}</span>,
              },
            ]}
          />
        )}
      </QueryView>
      <Drawer title={open ? `Call ${open.id}` : 'Call'} open={open !== null} onClose={() => setOpen(null)}>
        {open ? (
          <>
            {session ? (
              <p>
                <Link href={`/sessions/${segment(session)}${view.carry ? `?${view.carry}` : ''}`}>
                  Open session {session}
                </Link>
              </p>
            ) : null}
            <CallFields call={open} testId="call-fields" />
          </>
        ) : null}
      </Drawer>
    </section>
  );
}
