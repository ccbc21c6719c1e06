import { ApiError, storeKey } from '../../api/client.js';

/**
 * Shown instead of the forms when the API refuses the admin operations (403): a project key can read its project
 * but not manage projects, keys or prices. Says what the server said and what is needed.
 */
export function AdminNeeded({ error }: { error: unknown }) {
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  return (
    <div className="state notice-box" role="alert" data-testid="admin-needed">
      <strong>Managing projects, keys and prices needs the admin token.</strong>
      <p>
        The server said: <q>{message}</q>
      </p>
      <p>
        This tab is signed in with a project key, which reads its own project only. To change these settings, sign in
        with the admin token (the server&apos;s <code>TALLY_ADMIN_TOKEN</code>).
      </p>
      <button
        type="button"
        onClick={() => {
          // Forget this tab's key and start again: the dashboard then asks for a key.
          storeKey(null);
          window.location.reload();
        }}
      >
        Sign in with the admin token
      </button>
    </div>
  );
}
