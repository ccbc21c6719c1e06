import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ErrorBox } from '../../components/States.js';

/**
 * Asks before something that cannot be undone (deleting a project, revoking a key). A native modal <dialog>: focus
 * starts on Cancel, so Enter alone never destroys anything; Escape cancels; the API's refusal is shown inside.
 */
export function ConfirmDialog({
  open,
  title,
  confirmLabel,
  onConfirm,
  onClose,
  children,
  testId,
}: {
  open: boolean;
  title: string;
  confirmLabel: string;
  /** Does the change; the dialog closes when it resolves and shows the error when it rejects. */
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setError(null);
      d.showModal();
    }
    if (!open && d.open) d.close();
  }, [open]);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby={testId ? `${testId}-title` : undefined}
      aria-label={testId ? undefined : title}
      onClose={onClose}
      onCancel={onClose}
      data-testid={testId}
    >
      {open ? (
        <>
          <h2 id={testId ? `${testId}-title` : undefined}>{title}</h2>
          <div className="confirm-body">{children}</div>
          {error ? <ErrorBox error={error} /> : null}
          <div className="confirm-actions">
            <button type="button" onClick={onClose} autoFocus>
              Cancel
            </button>
            <button type="button" className="danger" onClick={() => void confirm()} disabled={busy}>
              {busy ? 'Working…' : confirmLabel}
            </button>
          </div>
        </>
      ) : null}
    </dialog>
  );
}
