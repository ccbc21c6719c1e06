import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A side panel on a native <dialog>: focus moves into it and stays there, Escape closes it, and focus returns to
 * what opened it.
 */
export function Drawer({
  title,
  open,
  onClose,
  children,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className="drawer" aria-label={title} onClose={onClose} onCancel={onClose}>
      <header className="drawer-head">
        <h2>{title}</h2>
        <button type="button" className="icon" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </header>
      <div className="drawer-body">{open ? children : null}</div>
    </dialog>
  );
}
