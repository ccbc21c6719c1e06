import type { AlertingStore } from '../alerting-records.js';
import type { Column } from '../columns.js';
import type {
  ApiKeyRecord,
  MetadataStore,
  NewProjectRecord,
  Project,
  ProjectPatch,
  StoredPriceOverride,
} from '../event-store.js';
import { StoreError } from '../store-error.js';
import { ALERTING_TABLES } from '../duckdb/duckdb-alerting-schema.js';
import { postgresDialect as d } from './postgres-dialect.js';
import type { PgPool, Tx } from './postgres-pool.js';
import { fromPgRow } from './postgres-rows.js';
import { EVENT_TABLES, selectList } from './postgres-schema.js';

const PROJECT_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'text', notNull: true },
  { name: 'name', type: 'text', notNull: true },
  { name: 'description', type: 'text', notNull: false },
  { name: 'capture_policy', type: 'text', notNull: true },
  { name: 'created_at', type: 'time', notNull: true },
  { name: 'retention_days', type: 'int', notNull: false },
  { name: 'max_events', type: 'int', notNull: false },
];
/** The columns `updateProject` may set: our own constants, never input. */
const PATCHABLE = ['name', 'description', 'capture_policy', 'retention_days', 'max_events'] as const;
const KEY_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'text', notNull: true },
  { name: 'project_id', type: 'text', notNull: true },
  { name: 'name', type: 'text', notNull: false },
  { name: 'scope', type: 'text', notNull: true },
  { name: 'key_hash', type: 'text', notNull: true },
  { name: 'prefix', type: 'text', notNull: true },
  { name: 'created_at', type: 'time', notNull: true },
  { name: 'revoked_at', type: 'time', notNull: false },
];
const PRICE_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'text', notNull: true },
  { name: 'project_id', type: 'text', notNull: true },
  { name: 'model', type: 'text', notNull: true },
  { name: 'provider', type: 'text', notNull: false },
  { name: 'effective_from', type: 'text', notNull: true },
  { name: 'input_per_mtok', type: 'float', notNull: true },
  { name: 'output_per_mtok', type: 'float', notNull: true },
  { name: 'cache_read_per_mtok', type: 'float', notNull: false },
  { name: 'cache_write_per_mtok', type: 'float', notNull: false },
  { name: 'created_at', type: 'time', notNull: true },
];
const PROJECT_SELECT = `SELECT ${selectList(PROJECT_COLUMNS)} FROM projects`;
const KEY_SELECT = `SELECT ${selectList(KEY_COLUMNS)} FROM api_keys`;
const PRICE_SELECT = `SELECT ${selectList(PRICE_COLUMNS)} FROM price_overrides`;
const at = (n: number) => d.fromEpochMs(d.param(n));

/** Projects, keys, prices and settings: small tables, each statement on a connection of the pool. */
export abstract class PgMetadata implements Omit<MetadataStore, keyof AlertingStore> {
  private pool: PgPool | null = null;

  protected get db(): PgPool {
    if (!this.pool) throw new StoreError('the PostgreSQL store is not open', { code: 'store_closed' });
    return this.pool;
  }

  protected set db(pool: PgPool | null) {
    this.pool = pool;
  }

  protected get isOpen(): boolean {
    return this.pool !== null;
  }

  async listProjects(): Promise<Project[]> {
    const rows = await this.db.rows(`${PROJECT_SELECT} ORDER BY created_at, id`);
    return rows.map((r) => fromPgRow<Project>(PROJECT_COLUMNS, r));
  }

  async getProject(id: string): Promise<Project | null> {
    const [row] = await this.db.rows(`${PROJECT_SELECT} WHERE id = $1`, [id]);
    return row ? fromPgRow<Project>(PROJECT_COLUMNS, row) : null;
  }

  async createProject(p: NewProjectRecord): Promise<boolean> {
    const n = await this.db.run(
      `INSERT INTO projects (id, name, description, capture_policy, created_at, retention_days, max_events)
       VALUES ($1, $2, $3, $4, ${at(5)}, $6, $7) ON CONFLICT DO NOTHING`,
      [p.id, p.name, p.description, p.capture_policy, p.created_at, p.retention_days ?? null, p.max_events ?? null],
    );
    return n === 1;
  }

  async updateProject(id: string, patch: ProjectPatch): Promise<Project | null> {
    const columns = PATCHABLE.filter((c) => patch[c] !== undefined);
    if (columns.length > 0) {
      const set = columns.map((c, i) => `${d.ident(c)} = $${i + 2}`).join(', ');
      await this.db.run(`UPDATE projects SET ${set} WHERE id = $1`, [id, ...columns.map((c) => patch[c] ?? null)]);
    }
    return this.getProject(id);
  }

  async deleteProject(id: string): Promise<boolean> {
    try {
      return await this.db.transaction(async (tx) => {
        await deleteProjectData(tx, id);
        for (const table of ['api_keys', 'price_overrides', ...ALERTING_TABLES])
          await tx.run(`DELETE FROM ${d.ident(table)} WHERE project_id = $1`, [id]);
        return (await tx.run('DELETE FROM projects WHERE id = $1', [id])) === 1;
      });
    } catch (cause) {
      throw new StoreError(`deleting project ${id} failed: ${(cause as Error).message}`, { cause });
    }
  }

  async createKey(k: ApiKeyRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO api_keys (id, project_id, name, scope, key_hash, prefix, created_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, ${at(7)}, NULL)`,
      [k.id, k.project_id, k.name, k.scope, k.key_hash, k.prefix, k.created_at],
    );
  }

  async listKeys(projectId?: string): Promise<ApiKeyRecord[]> {
    const rows =
      projectId === undefined
        ? await this.db.rows(`${KEY_SELECT} ORDER BY created_at, id`)
        : await this.db.rows(`${KEY_SELECT} WHERE project_id = $1 ORDER BY created_at, id`, [projectId]);
    return rows.map((r) => fromPgRow<ApiKeyRecord>(KEY_COLUMNS, r));
  }

  async revokeKey(id: string, when: number): Promise<boolean> {
    const n = await this.db.run(`UPDATE api_keys SET revoked_at = ${at(2)} WHERE id = $1 AND revoked_at IS NULL`, [
      id,
      when,
    ]);
    return n === 1;
  }

  async listPriceOverrides(projectId?: string): Promise<StoredPriceOverride[]> {
    const rows =
      projectId === undefined
        ? await this.db.rows(`${PRICE_SELECT} ORDER BY project_id, model, effective_from`)
        : await this.db.rows(`${PRICE_SELECT} WHERE project_id = $1 ORDER BY model, effective_from`, [projectId]);
    return rows.map((r) => fromPgRow<StoredPriceOverride>(PRICE_COLUMNS, r));
  }

  async addPriceOverride(o: StoredPriceOverride): Promise<void> {
    await this.db.run(
      `INSERT INTO price_overrides (id, project_id, model, provider, effective_from, input_per_mtok,
         output_per_mtok, cache_read_per_mtok, cache_write_per_mtok, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ${at(10)})`,
      [
        o.id,
        o.project_id,
        o.model,
        o.provider ?? null,
        o.effective_from,
        o.input_per_mtok,
        o.output_per_mtok,
        o.cache_read_per_mtok ?? null,
        o.cache_write_per_mtok ?? null,
        o.created_at,
      ],
    );
  }

  async deletePriceOverride(projectId: string, id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM price_overrides WHERE project_id = $1 AND id = $2', [projectId, id])) === 1;
  }

  async getSetting(name: string): Promise<string | null> {
    const [row] = await this.db.rows('SELECT value FROM settings WHERE name = $1', [name]);
    return row ? String(row['value']) : null;
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.db.run(
      'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      [name, value],
    );
  }

  async setSettingIfAbsent(name: string, value: string): Promise<string> {
    // Two statements, not one with a CTE: when the insert loses to a concurrent one, it waits for that commit, and
    // only a new statement's snapshot sees the winner's row (a CTE's SELECT would still see no row at all).
    await this.db.run('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
      name,
      value,
    ]);
    const [row] = await this.db.rows('SELECT value FROM settings WHERE name = $1', [name]);
    if (!row) throw new StoreError(`the setting ${name} vanished right after it was stored`, { code: 'store_failed' });
    return String(row['value']);
  }
}

/** Deletes every event of a project (calls, logs, metric points, agent runs); returns how many. */
export async function deleteProjectData(tx: Tx, projectId: string): Promise<number> {
  let n = 0;
  for (const table of EVENT_TABLES)
    n += await tx.run(`DELETE FROM ${d.ident(table)} WHERE project_id = $1`, [projectId]);
  return n;
}
