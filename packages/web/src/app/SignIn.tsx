import { useState } from 'react';
import { api, ApiError, storeKey } from '../api/client.js';

/**
 * Asks for a read key (or the admin token) when the server has keys. The key is kept in this tab's
 * sessionStorage only: closing the tab signs out.
 */
export function SignIn({ reason, onSignedIn }: { reason: string | null; onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<string | null>(reason);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    if (!key.trim()) return setProblem('Enter a key.');
    setBusy(true);
    storeKey(key.trim());
    try {
      await api('/api/v1/projects');
      onSignedIn();
    } catch (e) {
      storeKey(null);
      setProblem(
        e instanceof ApiError && e.status === 401
          ? 'That key was not accepted: check it, or create a read key with `tally keys create --project <id> --scope read`.'
          : e instanceof Error
            ? e.message
            : String(e),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        aria-labelledby="signin-title"
      >
        <h1 id="signin-title">Sign in to Tally</h1>
        <p>This server has API keys. Enter a read key of your project, or the admin token to see every project.</p>
        <label>
          Key
          <input
            type="password"
            autoComplete="off"
            autoFocus
            value={key}
            onChange={(e) => setKey(e.target.value)}
            data-testid="signin-key"
          />
        </label>
        {problem ? (
          <p className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted">The key stays in this browser tab only and is forgotten when the tab closes.</p>
      </form>
    </main>
  );
}
