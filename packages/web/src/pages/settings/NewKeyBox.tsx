import { useRef, useState } from 'react';
import type { CreatedKey } from './types.js';

/**
 * The key just created, shown this once: Tally keeps only a hash of it. A copy button, and the key in a read-only
 * field so it can also be selected and copied by hand when the browser refuses clipboard access.
 */
export function NewKeyBox({
  created,
  openServer,
  onDone,
}: {
  created: CreatedKey;
  openServer: boolean;
  onDone: () => void;
}) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      field.current?.select();
      setCopied('no');
    }
  };

  return (
    <section className="new-key" data-testid="new-key" aria-labelledby="new-key-title" role="region">
      <h3 id="new-key-title">
        New {created.scope} key{created.name ? ` “${created.name}”` : ''}
      </h3>
      <div className="new-key-row">
        <label className="sr-only" htmlFor="new-key-value">
          The new key
        </label>
        <input
          id="new-key-value"
          ref={field}
          className="key-value"
          readOnly
          value={created.key}
          data-testid="new-key-value"
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
        />
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p className="warning" role="note">
        <strong>Copy it now: it will not be shown again.</strong> Tally stores only a hash of the key; if it is lost,
        revoke it and create another.
      </p>
      <p role="status" className="muted small">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'no'
            ? 'The browser did not allow copying: the key is selected, press Ctrl+C (⌘C) to copy it.'
            : ''}
      </p>
      {openServer ? (
        <p className="notice small">
          The server is protected from now on: when you close this box, the dashboard asks you to sign in.
        </p>
      ) : null}
      <button type="button" onClick={onDone}>
        Done, I have copied it
      </button>
    </section>
  );
}
