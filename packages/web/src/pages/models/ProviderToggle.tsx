import { useApi } from '../../api/hooks.js';
import type { Breakdown } from '../../api/types.js';
import { count, usd } from '../../format.js';
import { useView } from '../../state/view.js';

/**
 * Buttons that narrow the page to one provider (a `provider` filter in the URL) or show them all. The providers are
 * listed whatever the provider and model filters say, so that another one is always one click away.
 */
export function ProviderToggle() {
  const view = useView();
  const { provider: _provider, model: _model, ...params } = view.params;
  const providers = useApi<Breakdown>('/api/v1/analytics/breakdown', {
    ...params,
    by: 'provider',
    metrics: 'calls,cost_usd',
    limit: 100,
  });
  const current = view.search.get('provider');
  // Calls without a provider cannot be chosen by a filter value, so they get no button.
  const named = (providers.data?.rows ?? []).filter((r) => r.value !== null);
  const choose = (provider: string | null) => {
    // A model filter belongs to the provider it was chosen under; kept, it would mostly leave nothing to show.
    view.set({ provider: provider === current ? null : provider, model: null });
  };

  return (
    <div className="provider-toggle" role="group" aria-label="Provider" data-testid="provider-toggle">
      <button type="button" aria-pressed={current === null} onClick={() => choose(null)}>
        All providers
      </button>
      {named.map((r) => {
        const name = String(r.value);
        return (
          <button
            key={name}
            type="button"
            aria-pressed={current === name}
            data-provider={name}
            onClick={() => choose(name)}
          >
            <strong>{name}</strong>
            <span className="muted">
              {count(r['calls'] as number)} calls · {usd(r['cost_usd'] as number | null)}
            </span>
          </button>
        );
      })}
      {providers.error ? (
        <span className="field-error" role="alert">
          The providers could not be listed: {(providers.error as Error).message}
        </span>
      ) : null}
    </div>
  );
}
