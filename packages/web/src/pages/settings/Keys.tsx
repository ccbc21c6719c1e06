import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiError } from '../../api/client.js';
import type { useApi } from '../../api/hooks.js';
import { DataTable } from '../../components/DataTable.js';
import { QueryView } from '../../components/States.js';
import { dash, dateTime } from '../../format.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { NewKeyBox } from './NewKeyBox.js';
import { SCOPES, type ApiKey, type CreatedKey, type KeyScope, type ProjectDetails } from './types.js';

const keysPath = (projectId: string) => `/api/v1/projects/${encodeURIComponent(projectId)}/keys`;

/** The selected project's keys: listed without their secrets, created (shown once), revoked after a confirmation. */
export function Keys({
  project,
  keys,
  openServer,
}: {
  project: ProjectDetails;
  keys: ReturnType<typeof useApi<{ keys: ApiKey[] }>>;
  /** True while the server has no key and this tab none either: the first key will make it ask for one. */
  openServer: boolean;
}) {
  const client = useQueryClient();
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const refresh = () =>
    client.invalidateQueries({ predicate: (q) => String(q.queryKey[0] ?? '').startsWith(keysPath(project.id)) });

  return (
    <div className="keys">
      <NewKeyForm
        project={project}
        openServer={openServer}
        onCreated={(k) => {
          setCreated(k);
          // On an open server the first key turns protection on and this tab has no key: refreshing now would
          // send it to the sign-in form before the new key was copied. It refreshes when the box is closed.
          if (!openServer) void refresh();
        }}
      />
      {created ? (
        <NewKeyBox
          created={created}
          openServer={openServer}
          onDone={() => {
            setCreated(null);
            if (openServer) void refresh();
          }}
        />
      ) : null}
      <QueryView query={keys} what="Loading the keys">
        {(k) => (
          <DataTable
            testId="keys-table"
            rows={k.keys}
            rowKey={(key) => key.id}
            empty="This project has no keys yet. Create one above for each program that sends or reads its calls."
            columns={[
              { key: 'label', label: 'Label', render: (key) => key.name ?? <span className="muted">(no label)</span> },
              { key: 'id', label: 'ID', render: (key) => <code className="muted">{key.id}</code> },
              { key: 'scope', label: 'Scope', render: (key) => <span className="badge">{key.scope}</span> },
              { key: 'prefix', label: 'Starts with', render: (key) => <code>{key.prefix}</code> },
              {
                key: 'created',
                label: 'Created',
                render: (key) => dateTime(key.created_at),
                sort: (k) => k.created_at,
              },
              ...(k.keys.some((key) => key.last_used_at !== undefined)
                ? [
                    {
                      key: 'used',
                      label: 'Last used',
                      render: (key: ApiKey) => (key.last_used_at ? dateTime(key.last_used_at) : dash),
                      sort: (key: ApiKey) => key.last_used_at ?? null,
                    },
                  ]
                : []),
              {
                key: 'state',
                label: 'State',
                render: (key) =>
                  key.revoked_at === null ? (
                    <span className="badge success">active</span>
                  ) : (
                    <span className="badge error">revoked {dateTime(key.revoked_at)}</span>
                  ),
              },
              {
                key: 'actions',
                label: 'Actions',
                render: (key) =>
                  key.revoked_at === null ? (
                    <button type="button" className="danger small" onClick={() => setRevoking(key)}>
                      Revoke<span className="sr-only"> key {key.name ?? key.prefix}</span>
                    </button>
                  ) : null,
              },
            ]}
          />
        )}
      </QueryView>
      <ConfirmDialog
        open={revoking !== null}
        testId="confirm-revoke-key"
        title={`Revoke key “${revoking?.name ?? revoking?.prefix ?? ''}”?`}
        confirmLabel="Revoke key"
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          if (!revoking) return;
          await api(`${keysPath(project.id)}/${encodeURIComponent(revoking.id)}`, {}, { method: 'DELETE' });
          await refresh();
        }}
      >
        <p>
          Programs using the {revoking?.scope} key <code>{revoking?.prefix}</code> of project{' '}
          <strong>{project.name}</strong> will be refused from now on. This cannot be undone; create a new key to
          replace it.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function NewKeyForm({
  project,
  openServer,
  onCreated,
}: {
  project: ProjectDetails;
  openServer: boolean;
  onCreated: (k: CreatedKey) => void;
}) {
  const [label, setLabel] = useState('');
  const [scope, setScope] = useState<KeyScope>('ingest');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const body = label.trim() ? { scope, name: label.trim() } : { scope };
      onCreated(await api<CreatedKey>(keysPath(project.id), {}, { method: 'POST', body }));
      setLabel('');
    } catch (e) {
      setProblem(e instanceof ApiError ? `The server refused: ${e.message}` : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="settings-form"
      // The checks are ours, in words that say what to type; the browser's bubbles would stop the submit silently.
      noValidate
      aria-label="Create a key"
      data-testid="new-key-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="form-grid">
        <label>
          Label
          <input
            maxLength={256}
            placeholder="e.g. production backend"
            value={label}
            onChange={(e) => setLabel(e.target.value)}
          />
        </label>
        <label>
          Scope
          <select value={scope} onChange={(e) => setScope(e.target.value as KeyScope)} data-testid="new-key-scope">
            {SCOPES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.value}
              </option>
            ))}
          </select>
        </label>
        <div>
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </div>
      <p className="muted small">{SCOPES.find((s) => s.value === scope)?.means}</p>
      {openServer ? (
        <p className="notice small">
          This server has no keys yet. After the first one it needs a key for every request, and this dashboard will ask
          you to sign in (with the admin token or a read key).
        </p>
      ) : null}
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}
