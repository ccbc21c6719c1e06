import type { DuckDBConnection } from '@duckdb/node-api';
import type { AlertingStore } from '../alerting-records.js';
import type {
  ApiKeyRecord,
  MetadataStore,
  NewProjectRecord,
  Project,
  ProjectPatch,
  StoredPriceOverride,
} from '../event-store.js';
import { StoreError } from '../store-error.js';
import { ALERTING_TABLES } from './duckdb-alerting-schema.js';
import { fromDuckRow } from './duckdb-rows.js';

const PROJECT_COLUMNS = [
  { name: 'id', type: 'text', notNull: true },
  { name: 'name', type: 'text', notNull: true },
  { name: 'description', type: 'text', notNull: false },
  { name: 'capture_policy', type: 'text', notNull: true },
  { name: 'created_at', type: 'time', notNull: true },
  { name: 'retention_days', type: 'int', notNull: false },
  { name: 'max_events', type: 'int', notNull: false },
] as const;
/** The columns `updateProject` may set: our own constants, never input. */
const PATCHABLE = ['name', 'description', 'capture_policy', 'retention_days', 'max_events'] as const;
const KEY_COLUMNS = [
  { name: 'id', type: 'text', notNull: true },
  { name: 'project_id', type: 'text', notNull: true },
  { name: 'name', type: 'text', notNull: false },
  { name: 'scope', type: 'text', notNull: true },
  { name: 'key_hash', type: 'text', notNull: true },
  { name: 'prefix', type: 'text', notNull: true },
  { name: 'created_at', type: 'time', notNull: true },
  { name: 'revoked_at', type: 'time', notNull: false },
] as const;
const PRICE_COLUMNS = [
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
] as const;
const PRICE_SELECT = `SELECT id, project_id, model, provider, effective_from, input_per_mtok, output_per_mtok,
  cache_read_per_mtok, cache_write_per_mtok, epoch_ms(created_at) AS created_at FROM price_overrides`;
const PROJECT_SELECT = `SELECT id, name, description, capture_policy, epoch_ms(created_at) AS created_at, retention_days,
  max_events FROM projects`;
const KEY_SELECT = `SELECT id, project_id, name, scope, key_hash, prefix, epoch_ms(created_at) AS created_at,
  epoch_ms(revoked_at) AS revoked_at FROM api_keys`;

/**
 * Projects, keys and settings on the DuckDB write connection. Every statement on that connection goes through
 * `exclusive`, because a DuckDB connection runs one statement at a time and the event writer keeps transactions open.
 */
export abstract class DuckDbMetadata implements Omit<MetadataStore, keyof AlertingStore> {
  protected conn: DuckDBConnection | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  protected exclusive<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const run = this.tail.then(() => {
      if (!this.conn) throw new StoreError('the DuckDB store is closed', { code: 'store_closed' });
      return fn(this.conn);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  protected async rows(sql: string, params: (string | number | null)[] = []): Promise<Record<string, unknown>[]> {
    return this.exclusive(
      async (conn) => (await conn.runAndReadAll(sql, params)).getRowObjectsJS() as Record<string, unknown>[],
    );
  }

  async listProjects(): Promise<Project[]> {
    return (await this.rows(`${PROJECT_SELECT} ORDER BY created_at, id`)).map((r) =>
      fromDuckRow<Project>(PROJECT_COLUMNS, r),
    );
  }

  async getProject(id: string): Promise<Project | null> {
    const [row] = await this.rows(`${PROJECT_SELECT} WHERE id = $1`, [id]);
    return row ? fromDuckRow<Project>(PROJECT_COLUMNS, row) : null;
  }

  async createProject(p: NewProjectRecord): Promise<boolean> {
    return this.exclusive(async (conn) => {
      const r = await conn.run(
        `INSERT INTO projects (id, name, description, capture_policy, created_at, retention_days, max_events)
         VALUES ($1, $2, $3, $4, epoch_ms(CAST($5 AS BIGINT)), $6, $7) ON CONFLICT DO NOTHING`,
        [p.id, p.name, p.description, p.capture_policy, p.created_at, p.retention_days ?? null, p.max_events ?? null],
      );
      return r.rowsChanged === 1;
    });
  }

  async updateProject(id: string, patch: ProjectPatch): Promise<Project | null> {
    const columns = PATCHABLE.filter((c) => patch[c] !== undefined);
    if (columns.length > 0) {
      const set = columns.map((c, i) => `${c} = $${i + 2}`).join(', ');
      await this.exclusive((conn) =>
        conn.run(`UPDATE projects SET ${set} WHERE id = $1`, [id, ...columns.map((c) => patch[c] ?? null)]),
      );
    }
    return this.getProject(id);
  }

  async deleteProject(id: string): Promise<boolean> {
    return this.exclusive(async (conn) => {
      await conn.run('BEGIN TRANSACTION');
      try {
        await this.deleteProjectData(conn, id);
        for (const table of ['api_keys', 'price_overrides', ...ALERTING_TABLES])
          await conn.run(`DELETE FROM ${table} WHERE project_id = $1`, [id]);
        const r = await conn.run('DELETE FROM projects WHERE id = $1', [id]);
        await conn.run('COMMIT');
        return r.rowsChanged === 1;
      } catch (cause) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw new StoreError(`deleting project ${id} failed: ${(cause as Error).message}`, { cause });
      }
    });
  }

  protected async deleteProjectData(conn: DuckDBConnection, projectId: string): Promise<number> {
    let n = 0;
    for (const table of ['calls', 'app_logs', 'metric_points', 'agent_runs']) {
      n += (await conn.run(`DELETE FROM ${table} WHERE project_id = $1`, [projectId])).rowsChanged;
    }
    return n;
  }

  async createKey(k: ApiKeyRecord): Promise<void> {
    await this.exclusive((conn) =>
      conn.run(`INSERT INTO api_keys VALUES ($1, $2, $3, $4, $5, $6, epoch_ms(CAST($7 AS BIGINT)), NULL)`, [
        k.id,
        k.project_id,
        k.name,
        k.scope,
        k.key_hash,
        k.prefix,
        k.created_at,
      ]),
    );
  }

  async listKeys(projectId?: string): Promise<ApiKeyRecord[]> {
    const rows =
      projectId === undefined
        ? await this.rows(`${KEY_SELECT} ORDER BY created_at, id`)
        : await this.rows(`${KEY_SELECT} WHERE project_id = $1 ORDER BY created_at, id`, [projectId]);
    return rows.map((r) => fromDuckRow<ApiKeyRecord>(KEY_COLUMNS, r));
  }

  async revokeKey(id: string, at: number): Promise<boolean> {
    return this.exclusive(async (conn) => {
      const r = await conn.run(
        'UPDATE api_keys SET revoked_at = epoch_ms(CAST($2 AS BIGINT)) WHERE id = $1 AND revoked_at IS NULL',
        [id, at],
      );
      return r.rowsChanged === 1;
    });
  }

  async listPriceOverrides(projectId?: string): Promise<StoredPriceOverride[]> {
    const rows =
      projectId === undefined
        ? await this.rows(`${PRICE_SELECT} ORDER BY project_id, model, effective_from`)
        : await this.rows(`${PRICE_SELECT} WHERE project_id = $1 ORDER BY model, effective_from`, [projectId]);
    return rows.map((r) => fromDuckRow<StoredPriceOverride>(PRICE_COLUMNS, r));
  }

  async addPriceOverride(o: StoredPriceOverride): Promise<void> {
    await this.exclusive((conn) =>
      conn.run(
        `INSERT INTO price_overrides VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, epoch_ms(CAST($10 AS BIGINT)))`,
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
      ),
    );
  }

  async deletePriceOverride(projectId: string, id: string): Promise<boolean> {
    return this.exclusive(async (conn) => {
      const r = await conn.run('DELETE FROM price_overrides WHERE project_id = $1 AND id = $2', [projectId, id]);
      return r.rowsChanged === 1;
    });
  }

  async getSetting(name: string): Promise<string | null> {
    const [row] = await this.rows('SELECT value FROM settings WHERE name = $1', [name]);
    return row ? String(row['value']) : null;
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.exclusive((conn) =>
      conn.run('INSERT INTO settings VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [
        name,
        value,
      ]),
    );
  }

  async setSettingIfAbsent(name: string, value: string): Promise<string> {
    // Both statements in one turn of the write connection: no other statement of this store runs between them.
    return this.exclusive(async (conn) => {
      await conn.run('INSERT INTO settings VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, value]);
      const [row] = (await conn.runAndReadAll('SELECT value FROM settings WHERE name = $1', [name])).getRowObjectsJS();
      if (!row)
        throw new StoreError(`the setting ${name} vanished right after it was stored`, { code: 'store_failed' });
      return String(row['value']);
    });
  }
}
