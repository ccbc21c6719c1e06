import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { ApiError, api, currentKey, storedKey, storeKey } from '../api/client.js';
import type { Status } from '../api/types.js';
import { ProjectSwitcher, RefreshPicker, ThemeToggle } from '../components/HeaderControls.js';
import { ErrorBox, Loading } from '../components/States.js';
import { TimeRangePicker } from '../components/TimeRangePicker.js';
import { ThemeContext, initialTheme, saveTheme, type Theme } from '../state/theme.js';
import { useView } from '../state/view.js';
import { PAGES } from './pages.js';
import { SignIn } from './SignIn.js';

const UNAUTHORIZED = 'tally:unauthorized';

export function makeClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (e) => {
        // A refusal signs the tab out only when it was sent with what the tab holds now (its key, or none when an
        // open server became protected): a request that left before a sign-in must not undo it.
        if (e instanceof ApiError && e.status === 401 && e.keyUsed === currentKey()) {
          window.dispatchEvent(new Event(UNAUTHORIZED));
        }
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: (n, e) => !(e instanceof ApiError && e.status >= 400 && e.status < 500) && n < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
}

export function App({ client }: { client: QueryClient }) {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => saveTheme(theme), [theme]);
  const themeValue = useMemo(
    () => ({ theme, toggle: () => setTheme((t) => (t === 'dark' ? 'light' : 'dark')) }),
    [theme],
  );
  return (
    <ThemeContext.Provider value={themeValue}>
      <QueryClientProvider client={client}>
        <AuthGate />
      </QueryClientProvider>
    </ThemeContext.Provider>
  );
}

type Gate =
  | { state: 'checking' }
  | { state: 'failed'; error: unknown }
  | { state: 'signin'; reason: string | null }
  | { state: 'in'; status: Status };

/** Open servers need no key; protected ones ask for one, and ask again when a request is refused with 401. */
function AuthGate() {
  const [gate, setGate] = useState<Gate>({ state: 'checking' });
  const check = useCallback(async () => {
    try {
      const status = await api<Status>('/api/v1/status');
      if (status.auth.mode === 'protected' && !storedKey()) setGate({ state: 'signin', reason: null });
      else setGate({ state: 'in', status });
    } catch (e) {
      setGate({ state: 'failed', error: e });
    }
  }, []);
  useEffect(() => {
    void check();
    const onUnauthorized = () => {
      storeKey(null);
      setGate({ state: 'signin', reason: 'The server no longer accepts the key of this tab; sign in again.' });
    };
    window.addEventListener(UNAUTHORIZED, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED, onUnauthorized);
  }, [check]);

  if (gate.state === 'checking') return <Loading what="Connecting to Tally" />;
  if (gate.state === 'failed') return <ErrorBox error={gate.error} onRetry={() => void check()} />;
  if (gate.state === 'signin') return <SignIn reason={gate.reason} onSignedIn={() => void check()} />;
  return <Shell status={gate.status} onSignOut={() => (storeKey(null), setGate({ state: 'signin', reason: null }))} />;
}

function Shell({ status, onSignOut }: { status: Status; onSignOut: () => void }) {
  const view = useView();
  const [location] = useLocation();
  const carry = view.carry ? `?${view.carry}` : '';
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Pages">
        <div className="brand">
          <img src="/favicon.svg" alt="" width="24" height="24" /> Tally
        </div>
        <ul>
          {PAGES.map((p) => {
            const active = p.path === '/' ? location === '/' || location === '/overview' : location.startsWith(p.path);
            return (
              <li key={p.path}>
                <Link
                  href={p.path + carry}
                  aria-current={active ? 'page' : undefined}
                  className={active ? 'active' : undefined}
                >
                  {p.label}
                </Link>
              </li>
            );
          })}
        </ul>
        <div className="sidebar-foot muted">
          v{status.version} · {status.store.kind}
          <br />
          <a href="/docs">API docs</a>
          {status.auth.mode === 'protected' ? (
            <>
              {' · '}
              <button type="button" className="link" onClick={onSignOut}>
                Sign out
              </button>
            </>
          ) : null}
        </div>
      </nav>
      <div className="content">
        <header className="topbar">
          <ProjectSwitcher />
          <div className="spacer" />
          <TimeRangePicker />
          <RefreshPicker />
          <ThemeToggle />
        </header>
        <main id="main" tabIndex={-1}>
          <Suspense fallback={<Loading what="Loading the page" />}>
            <Switch>
              <Route path="/overview" component={PAGES[0]!.component} />
              {PAGES.flatMap((p) => [
                <Route key={p.path} path={p.path} component={p.component} />,
                ...(p.detail ? [<Route key={p.detail} path={p.detail} component={p.component} />] : []),
              ])}
              <Route>
                <ErrorBox error={new Error('There is no such page. Pick one on the left.')} />
              </Route>
            </Switch>
          </Suspense>
        </main>
      </div>
    </div>
  );
}
