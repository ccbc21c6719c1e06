import type { KeyScope, Project, ProjectPatch } from '@tally/storage';
import { loadConfig, type ConfigFlags } from '../config.js';
import type { ApiKeyView, CreatedKey, NewProject } from '../projects/project-service.js';
import { openTally } from '../tally.js';

/** What the project and key commands need, whether a server is running or not. */
export interface AdminClient {
  listProjects(): Promise<Project[]>;
  createProject(p: NewProject): Promise<Project>;
  updateProject(id: string, patch: ProjectPatch): Promise<Project>;
  createKey(projectId: string, scope: KeyScope, name: string | null): Promise<CreatedKey>;
  listKeys(projectId: string): Promise<ApiKeyView[]>;
  close(): Promise<void>;
}

export interface ClientOptions extends ConfigFlags {
  url?: string;
  adminToken?: string;
}

/**
 * The server owns the DuckDB file while it runs, so the CLI talks to it over HTTP when one answers at `--url`,
 * and opens the database itself only when none does.
 */
export async function connectAdmin(
  env: Record<string, string | undefined>,
  opts: ClientOptions,
  print: (s: string) => void,
): Promise<AdminClient> {
  const url = (opts.url ?? env['TALLY_URL'] ?? `http://127.0.0.1:${opts.port ?? env['TALLY_PORT'] ?? 8000}`).replace(
    /\/+$/,
    '',
  );
  if (await answers(url)) return httpClient(url, opts.adminToken ?? env['TALLY_ADMIN_TOKEN'] ?? null);
  const opened = await openTally(loadConfig(env, opts));
  if (opened.generatedAdminToken)
    print(`Admin token (shown once, stored only as a hash):\n  ${opened.generatedAdminToken}\n`);
  const { projects } = opened.ctx;
  return {
    listProjects: async () => projects.list(),
    createProject: (p) => projects.create(p),
    updateProject: (id, patch) => projects.update(id, patch),
    createKey: (id, scope, name) => projects.createKey(id, scope, name),
    listKeys: (id) => projects.listKeys(id),
    close: () => opened.close(),
  };
}

/** Whether a Tally server answers at url (a 503 health is still a server). */
export async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1500) });
    return r.status === 200 || r.status === 503;
  } catch {
    return false;
  }
}

function httpClient(url: string, token: string | null): AdminClient {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = {};
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    const data = (await r.json()) as T & { error?: { message: string } };
    if (!r.ok) {
      const hint = r.status === 401 ? ' (pass the admin token with --admin-token or TALLY_ADMIN_TOKEN)' : '';
      throw new Error(`${method} ${url}${path} answered ${r.status}: ${data.error?.message ?? 'no message'}${hint}`);
    }
    return data;
  };
  return {
    listProjects: async () => (await call<{ projects: Project[] }>('GET', '/api/v1/projects')).projects,
    createProject: (p) => call('POST', '/api/v1/projects', p),
    updateProject: (id, patch) => call('PATCH', `/api/v1/projects/${encodeURIComponent(id)}`, patch),
    createKey: (id, scope, name) =>
      call('POST', `/api/v1/projects/${encodeURIComponent(id)}/keys`, name ? { scope, name } : { scope }),
    listKeys: async (id) =>
      (await call<{ keys: ApiKeyView[] }>('GET', `/api/v1/projects/${encodeURIComponent(id)}/keys`)).keys,
    close: async () => undefined,
  };
}
