import { useCallback, useMemo, useState } from 'react';
import { storedKey, type ApiError } from '../../api/client.js';
import type { ManageAccess } from './changes.js';

/**
 * Whether changes are refused, remembered for this tab and this key and project, so that the forms stay disabled
 * (with the reason) when the user comes back to the page. Only a one-way hash of the key is kept as the memory's
 * index, never the key itself.
 */
const refusals = new Map<string, ApiError>();

function fingerprint(s: string): string {
  // FNV-1a: enough to tell the keys of one tab apart, and not reversible to the key.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

export function useRememberedAccess(project: string | null): ManageAccess {
  const slot = `${project ?? ''}|${fingerprint(storedKey() ?? '')}`;
  const [, rerender] = useState(0);
  const deny = useCallback(
    (e: ApiError) => {
      refusals.set(slot, e);
      rerender((n) => n + 1);
    },
    [slot],
  );
  const denied = refusals.get(slot) ?? null;
  return useMemo(() => ({ denied, deny }), [denied, deny]);
}
