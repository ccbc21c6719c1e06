import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiError } from '../../api/client.js';
import type { useApi } from '../../api/hooks.js';
import { DataTable } from '../../components/DataTable.js';
import { QueryView } from '../../components/States.js';
import { dash, dateTime, usd } from '../../format.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { instantOf, localInput, priceOrNull } from './format.js';
import type { PriceOverride, ProjectDetails } from './types.js';

const pricesPath = (projectId: string) => `/api/v1/projects/${encodeURIComponent(projectId)}/prices`;
const perM = (n: number | null) => (n === null ? dash : usd(n));

/** The selected project's own prices of models (negotiated, self-hosted), from a date on. */
export function Prices({
  project,
  prices,
}: {
  project: ProjectDetails;
  prices: ReturnType<typeof useApi<{ prices: PriceOverride[] }>>;
}) {
  const client = useQueryClient();
  const [removing, setRemoving] = useState<PriceOverride | null>(null);
  const refresh = () =>
    client.invalidateQueries({ predicate: (q) => String(q.queryKey[0] ?? '').startsWith(pricesPath(project.id)) });

  return (
    <div className="prices">
      <p className="muted">
        A price set here replaces Tally&apos;s bundled price of the model in this project for calls recorded from now on
        whose time is at or after its start; calls already stored keep their cost.
      </p>
      <NewPriceForm project={project} onAdded={() => void refresh()} />
      <QueryView query={prices} what="Loading the prices">
        {(p) => (
          <DataTable
            testId="prices-table"
            rows={p.prices}
            rowKey={(r) => r.id}
            empty="No price overrides: calls are priced with Tally's bundled prices."
            columns={[
              { key: 'model', label: 'Model', render: (r) => r.model, sort: (r) => r.model },
              { key: 'provider', label: 'Provider', render: (r) => (r.provider ? r.provider : 'any') },
              {
                key: 'from',
                label: 'From',
                render: (r) => dateTime(r.effective_from),
                sort: (r) => r.effective_from,
              },
              { key: 'in', label: 'Input / 1M', numeric: true, render: (r) => perM(r.input_per_mtok) },
              { key: 'out', label: 'Output / 1M', numeric: true, render: (r) => perM(r.output_per_mtok) },
              { key: 'cr', label: 'Cache read / 1M', numeric: true, render: (r) => perM(r.cache_read_per_mtok) },
              { key: 'cw', label: 'Cache write / 1M', numeric: true, render: (r) => perM(r.cache_write_per_mtok) },
              {
                key: 'actions',
                label: 'Actions',
                render: (r) => (
                  <button type="button" className="danger small" onClick={() => setRemoving(r)}>
                    Remove<span className="sr-only"> the price of {r.model}</span>
                  </button>
                ),
              },
            ]}
          />
        )}
      </QueryView>
      <ConfirmDialog
        open={removing !== null}
        testId="confirm-remove-price"
        title={`Remove the price of ${removing?.model ?? ''}?`}
        confirmLabel="Remove price"
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          if (!removing) return;
          await api(`${pricesPath(project.id)}/${encodeURIComponent(removing.id)}`, {}, { method: 'DELETE' });
          await refresh();
        }}
      >
        <p>
          Calls of <strong>{removing?.model}</strong> ({removing?.provider ?? 'any provider'}) in project{' '}
          <strong>{project.name}</strong> recorded from now on will use the bundled price (or an earlier override)
          again.
        </p>
      </ConfirmDialog>
    </div>
  );
}

interface PriceDraft {
  provider: string;
  model: string;
  from: string;
  input: string;
  output: string;
  cacheRead: string;
  cacheWrite: string;
}

const emptyDraft = (): PriceDraft => ({
  provider: '',
  model: '',
  from: localInput(Date.now()),
  input: '',
  output: '',
  cacheRead: '',
  cacheWrite: '',
});

/** The API body of a draft, or the first thing to fix. */
function priceBody(d: PriceDraft): { body: Record<string, unknown> } | { problem: string } {
  if (!d.model.trim()) return { problem: 'Enter the model name, as calls carry it (e.g. gpt-4o).' };
  const from = instantOf(d.from);
  if (!from) return { problem: 'Enter the date and time from which the price applies.' };
  const fields = [
    ['input_per_mtok', priceOrNull(d.input, 'input', false)],
    ['output_per_mtok', priceOrNull(d.output, 'output', false)],
    ['cache_read_per_mtok', priceOrNull(d.cacheRead, 'cache-read', true)],
    ['cache_write_per_mtok', priceOrNull(d.cacheWrite, 'cache-write', true)],
  ] as const;
  const body: Record<string, unknown> = { model: d.model.trim(), effective_from: from };
  if (d.provider.trim()) body.provider = d.provider.trim();
  for (const [name, parsed] of fields) {
    if ('problem' in parsed) return parsed;
    if (parsed.value !== null) body[name] = parsed.value;
  }
  return { body };
}

function NewPriceForm({ project, onAdded }: { project: ProjectDetails; onAdded: () => void }) {
  const [draft, setDraft] = useState(emptyDraft);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const set = (patch: Partial<PriceDraft>) => setDraft((d) => ({ ...d, ...patch }));

  const submit = async () => {
    const checked = priceBody(draft);
    if ('problem' in checked) return setProblem(checked.problem);
    setBusy(true);
    setProblem(null);
    try {
      await api(pricesPath(project.id), {}, { method: 'POST', body: checked.body });
      setDraft(emptyDraft());
      onAdded();
    } catch (e) {
      setProblem(e instanceof ApiError ? `The server refused: ${e.message}` : String(e));
    } finally {
      setBusy(false);
    }
  };

  const money = (name: keyof PriceDraft, label: string, optional: boolean) => (
    <label>
      {label}
      <input
        type="number"
        min={0}
        step="any"
        inputMode="decimal"
        required={!optional}
        placeholder={optional ? 'optional' : 'USD'}
        value={draft[name]}
        onChange={(e) => set({ [name]: e.target.value })}
      />
    </label>
  );

  return (
    <form
      className="settings-form"
      // The checks are ours, in words that say what to type; the browser's bubbles would stop the submit silently.
      noValidate
      aria-label="Add a price"
      data-testid="new-price-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="form-grid">
        <label>
          Model
          <input required maxLength={256} value={draft.model} onChange={(e) => set({ model: e.target.value })} />
        </label>
        <label>
          Provider
          <input
            maxLength={64}
            placeholder="any provider"
            value={draft.provider}
            onChange={(e) => set({ provider: e.target.value })}
          />
        </label>
        <label>
          From
          <input type="datetime-local" required value={draft.from} onChange={(e) => set({ from: e.target.value })} />
        </label>
        {money('input', 'Input (USD / 1M tokens)', false)}
        {money('output', 'Output (USD / 1M tokens)', false)}
        {money('cacheRead', 'Cache read (USD / 1M)', true)}
        {money('cacheWrite', 'Cache write (USD / 1M)', true)}
        <div>
          <button type="submit" disabled={busy}>
            {busy ? 'Adding…' : 'Add price'}
          </button>
        </div>
      </div>
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}
