import { alertView } from '../alerts/alert-view.js';
import { budgetView } from '../budgets/budget-view.js';
import type { TallyContext } from '../context.js';
import { connect, type ConnectOptions } from './connect.js';

/** The resources `tally budgets`, `tally alerts` and `tally webhooks` manage, by their API path. */
export type Resource = 'budgets' | 'alerts' | 'webhooks';

export type Row = Record<string, unknown>;

/** Lists, creates, changes and deletes one kind of resource of a project, on a server or on the data directory. */
export interface ResourceClient {
  list(resource: Resource): Promise<Row[]>;
  create(resource: Resource, body: Row): Promise<Row>;
  update(resource: Resource, id: string, body: Row): Promise<Row>;
  remove(resource: Resource, id: string): Promise<void>;
  close(): Promise<void>;
}

export interface ResourceOptions extends ConnectOptions {
  /** A key of the project (manage scope to change things) or the admin token; `$TALLY_API_KEY` by default. */
  key?: string;
  /** The project, with the admin token or on the data directory; a project key acts on its own. */
  project?: string;
}

/**
 * Talks to a running server over `/api/v1/<resource>` when one answers (see `connect`), otherwise opens the data
 * directory and uses the same services the routes use, so both print the same.
 *
 * @example
 *   const c = await connectResources(process.env, { url: 'http://127.0.0.1:8000', key: process.env.TALLY_ADMIN_TOKEN });
 *   console.log(await c.list('budgets'));
 */
export async function connectResources(
  env: Record<string, string | undefined>,
  opts: ResourceOptions,
  print: (s: string) => void,
): Promise<ResourceClient> {
  const c = await connect(env, opts, { note: (s) => console.error(s), showToken: print });
  if (c.kind === 'server') {
    const key = opts.key ?? env['TALLY_API_KEY'] ?? env['TALLY_ADMIN_TOKEN'] ?? null;
    return httpClient(c.url, key, opts.project ?? null);
  }
  const ctx = c.opened.ctx;
  const project = opts.project ?? 'default';
  try {
    ctx.projects.require(project);
  } catch (e) {
    await c.opened.close();
    throw e;
  }
  return { ...localClient(ctx, project), close: () => c.opened.close() };
}

function httpClient(url: string, key: string | null, project: string | null): ResourceClient {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = {};
    if (key) headers['authorization'] = `Bearer ${key}`;
    if (project) headers['x-tally-project'] = project;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    const data = (await r.json().catch(() => ({}))) as T & { error?: { message: string } };
    if (!r.ok) {
      const hint =
        r.status === 401
          ? ' (pass a manage key or the admin token with --key, TALLY_API_KEY or TALLY_ADMIN_TOKEN)'
          : '';
      throw new Error(`${method} ${url}${path} answered ${r.status}: ${data.error?.message ?? 'no message'}${hint}`);
    }
    return data;
  };
  const path = (resource: Resource, id?: string) => `/api/v1/${resource}${id ? `/${encodeURIComponent(id)}` : ''}`;
  return {
    list: async (resource) => (await call<Record<string, Row[]>>('GET', path(resource)))[resource] ?? [],
    create: (resource, body) => call('POST', path(resource), body),
    update: (resource, id, body) => call('PATCH', path(resource, id), body),
    remove: async (resource, id) => {
      await call('DELETE', path(resource, id));
    },
    close: async () => undefined,
  };
}

function localClient(ctx: TallyContext, project: string): Omit<ResourceClient, 'close'> {
  return {
    async list(resource) {
      if (resource === 'budgets') return Promise.all(ctx.budgets.list(project).map((b) => budgetView(ctx, b)));
      if (resource === 'alerts') return (await ctx.alerts.list(project)).map(alertView);
      return ctx.webhooks.list(project) as unknown as Promise<Row[]>;
    },
    async create(resource, body) {
      if (resource === 'budgets') return budgetView(ctx, await ctx.budgets.create(project, body));
      if (resource === 'alerts') return alertView(await ctx.alerts.create(project, body));
      return (await ctx.webhooks.create(project, body)) as unknown as Row;
    },
    async update(resource, id, body) {
      if (resource === 'budgets') return budgetView(ctx, await ctx.budgets.update(project, id, body));
      if (resource === 'alerts') return alertView(await ctx.alerts.update(project, id, body));
      return (await ctx.webhooks.update(project, id, body)) as unknown as Row;
    },
    async remove(resource, id) {
      if (resource === 'budgets') await ctx.budgets.delete(project, id);
      else if (resource === 'alerts') await ctx.alerts.delete(project, id);
      else await ctx.webhooks.delete(project, id);
    },
  };
}
