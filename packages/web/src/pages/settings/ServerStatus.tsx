import { useApi } from '../../api/hooks.js';
import { QueryView } from '../../components/States.js';
import { count, pct } from '../../format.js';
import { megabytes, time, uptime } from './format.js';
import type { Health, ServerStatus as Status } from './types.js';

/** What the server says about itself (read-only): version, store, protection, write queue, cache and memory. */
export function ServerStatus({ status }: { status: ReturnType<typeof useApi<Status>> }) {
  const health = useApi<Health>('/health');
  return (
    <section className="panel" aria-labelledby="settings-server" data-testid="server-status">
      <h2 id="settings-server">Server</h2>
      <QueryView query={status} what="Asking the server">
        {(s) => {
          const { hits, misses, ttl_seconds } = s.query_cache;
          const asked = hits + misses;
          return (
            <dl className="fields">
              <dt>Version</dt>
              <dd data-testid="status-version">{s.version}</dd>
              <dt>Status</dt>
              <dd>
                {s.status}, up {uptime(s.uptime_seconds)}
              </dd>
              <dt>Store</dt>
              <dd data-testid="status-store">
                {s.store.kind}
                {health.data ? (
                  <span className={health.data.status === 'healthy' ? 'good' : 'field-error'}>
                    {' · '}
                    {health.data.status === 'healthy'
                      ? `answers queries (checked ${time(health.data.timestamp)})`
                      : `does not answer: ${health.data.error ?? 'no reason given'}`}
                  </span>
                ) : health.error ? (
                  <span className="field-error"> · does not answer a query (the health check failed)</span>
                ) : null}
              </dd>
              <dt>Access</dt>
              <dd data-testid="status-auth">
                {s.auth.mode === 'protected'
                  ? 'Protected: every request needs a project key or the admin token.'
                  : 'Open: no project key exists yet, so requests from this machine need none. Creating a key protects the server.'}
              </dd>
              <dt>Writes waiting</dt>
              <dd>{count(s.ingest.pending_records)}</dd>
              <dt>Query cache</dt>
              <dd data-testid="status-cache">
                {ttl_seconds > 0 ? `On, answers kept ${ttl_seconds} s` : 'Off'} · hits {count(hits)}, misses{' '}
                {count(misses)}
                {asked > 0 ? ` (${pct(hits / asked)} served from memory)` : ''}
              </dd>
              <dt>Memory</dt>
              <dd>
                {megabytes(s.memory.rss_bytes)} resident, {megabytes(s.memory.heap_used_bytes)} heap
              </dd>
            </dl>
          );
        }}
      </QueryView>
    </section>
  );
}
