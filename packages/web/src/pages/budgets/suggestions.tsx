import { useApi } from '../../api/hooks.js';
import type { Breakdown } from '../../api/types.js';
import { browserTimeZone } from '../../state/view.js';

/** The values seen in the last 30 days, offered while typing a scope (a model, an agent, a user). */
export function Suggestions({ id, by }: { id: string; by: string }) {
  const q = useApi<Breakdown>(
    '/api/v1/analytics/breakdown',
    { by, metrics: 'calls', limit: 50, hours: 720, tz: browserTimeZone() },
    { refresh: false },
  );
  return (
    <datalist id={id}>
      {(q.data?.rows ?? [])
        .filter((r) => r.value !== null)
        .map((r) => (
          <option key={String(r.value)} value={String(r.value)} />
        ))}
    </datalist>
  );
}

let zones: string[] | null = null;

/** Every IANA time zone the browser knows, for the zone a budget's days and months start in. */
export function TimeZones({ id }: { id: string }) {
  // Some browsers leave UTC itself out of the list.
  zones ??= ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  return (
    <datalist id={id}>
      {zones.map((z) => (
        <option key={z} value={z} />
      ))}
    </datalist>
  );
}
