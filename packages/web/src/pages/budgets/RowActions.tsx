import { useState } from 'react';
import { useChange, useManageAccess } from './changes.js';

/**
 * Edit and Delete for one row. Deleting asks first, in place (no browser pop-up): the first press shows a
 * confirmation with the item's name, the second deletes.
 */
export function RowActions({ name, path, onEdit }: { name: string; path: string; onEdit: () => void }) {
  const { denied } = useManageAccess();
  const [confirming, setConfirming] = useState(false);
  const change = useChange();
  const disabled = denied !== null || change.isPending;
  if (confirming) {
    return (
      <span className="row-actions confirm" role="group" aria-label={`Delete ${name}?`}>
        <span>Delete “{name}”?</span>
        <button
          type="button"
          className="danger"
          autoFocus
          disabled={disabled}
          onClick={() => change.mutate({ method: 'DELETE', path }, { onSettled: () => setConfirming(false) })}
        >
          {change.isPending ? 'Deleting…' : 'Yes, delete'}
        </button>
        <button type="button" onClick={() => setConfirming(false)}>
          Keep it
        </button>
      </span>
    );
  }
  return (
    <span className="row-actions">
      <button type="button" disabled={denied !== null} onClick={onEdit} aria-label={`Edit ${name}`}>
        Edit
      </button>
      <button
        type="button"
        disabled={denied !== null}
        onClick={() => setConfirming(true)}
        aria-label={`Delete ${name}`}
      >
        Delete
      </button>
      {change.error && change.error.status !== 403 ? (
        <span className="field-error" role="alert">
          Not deleted: {change.error.message}
        </span>
      ) : null}
    </span>
  );
}
