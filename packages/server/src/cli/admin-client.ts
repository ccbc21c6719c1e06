import type { KeyScope, Project, ProjectPatch } from '@tally/storage';
import type { ApiKeyView, CreatedKey, NewProject } from '../projects/project-service.js';
import { connect, type ConnectOptions } from './connect.js';

/** What the project and key commands need, whether a server is running or not. */
export interface AdminClient {
  listProjects(): Promise<Project[]>;
  createProject(p: NewProject): Promise<Project>;
  updateProject(id: string, patch: ProjectPatch): Promise<Project>;
  createKey(projectId: string, scope: KeyScope, name: string | null): Promise<CreatedKey>;
  listKeys(projectId: string): Promise<ApiKeyView[]>;
  close(): Promise<void>;
}

export interface ClientOptions extends ConnectOptions {
  adminToken?: string;
}

/**
 * The server owns the DuckDB file while it runs, so the CLI talks to it over HTTP when one answers, and opens the
 * database itself only when none does and no server was named (see `connect`).
 *
 * @example
 *   const admin = await connectAdmin(process.env, { url: 'http://tally.internal:8000' }, console.log);
 *   console.log(await admin.listProjects());
 */
export async function connectAdmin(
  env: Record<string, string | undefined>,
  opts: ClientOptions,
  print: (s: string) => void,
): Promise<AdminClient> {
  const c = await connect(env, opts, { note: (s) => console.error(s), showToken: print });
  if (c.kind === 'server') return httpClient(c.url, opts.adminToken ?? env['TALLY_ADMIN_TOKEN'] ?? null);
  const { projects } = c.opened.ctx;
  return {
    listProjects: async () => projects.list(),
    createProject: (p) => projects.create(p),
    updateProject: (id, patch) => projects.update(id, patch),
    createKey: (id, scope, name) => projects.createKey(id, scope, name),
    listKeys: (id) => projects.listKeys(id),
    close: () => c.opened.close(),
  };
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
