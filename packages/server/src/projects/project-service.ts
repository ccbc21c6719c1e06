import { randomUUID } from 'node:crypto';
import { PriceBook, type CapturePolicy, type PriceOverride } from '@tally/core';
import type { ApiKeyRecord, EventStore, KeyScope, Project, ProjectPatch, StoredPriceOverride } from '@tally/storage';
import type { AuthService } from '../auth/auth-service.js';
import { DEFAULT_PROJECT } from '../auth/principal.js';
import { ReloadableState } from '../auth/reloadable-state.js';
import { hashSecret, keyPrefix, newSecret } from '../auth/secrets.js';
import { TallyError } from '../errors.js';

export interface NewProject {
  id?: string;
  name: string;
  description?: string | null;
  capture_policy?: CapturePolicy;
  retention_days?: number | null;
  max_events?: number | null;
}

/** A key as listed: never its hash, never the key. */
export type ApiKeyView = Omit<ApiKeyRecord, 'key_hash'>;

export interface CreatedKey extends ApiKeyView {
  /** The key itself, returned once at creation and never again. */
  key: string;
}

const PROJECT_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

interface Known {
  projects: Map<string, Project>;
  /** Price books of projects that have overrides; the others share `defaultBook`. */
  books: Map<string, PriceBook>;
}

/**
 * Projects and their keys, for the HTTP routes and the CLI alike. Keeps a copy of the projects and their price
 * books in memory: ingest looks up the capture policy and prices of every request's project. Changes made through
 * this process apply at once; on a store other processes write too, `reload()` (run periodically) picks up theirs.
 */
export class ProjectService {
  private readonly known = new ReloadableState<Known>({ projects: new Map(), books: new Map() });
  private readonly defaultBook = new PriceBook();

  constructor(
    private readonly store: EventStore,
    private readonly auth: AuthService,
    private readonly defaultPolicy: CapturePolicy,
  ) {}

  async init(): Promise<void> {
    await this.store.createProject({
      id: DEFAULT_PROJECT,
      name: 'Default',
      description: 'Created at first start',
      capture_policy: this.defaultPolicy,
      created_at: Date.now(),
    });
    await this.reload();
  }

  /** Reads the projects and price overrides from the store again; on failure the ones held so far stay in use. */
  reload(): Promise<void> {
    return this.known.reload(async () => {
      const [projects, overrides] = await Promise.all([this.store.listProjects(), this.store.listPriceOverrides()]);
      const byProject = new Map<string, StoredPriceOverride[]>();
      for (const o of overrides) byProject.set(o.project_id, [...(byProject.get(o.project_id) ?? []), o]);
      return {
        projects: new Map(projects.map((p) => [p.id, p])),
        books: new Map([...byProject].map(([id, list]) => [id, new PriceBook(list)])),
      };
    });
  }

  /** The price book ingest uses for a project: the bundled prices plus the project's overrides. */
  priceBook(projectId: string): PriceBook {
    return this.known.current.books.get(projectId) ?? this.defaultBook;
  }

  async listPrices(projectId: string): Promise<StoredPriceOverride[]> {
    this.require(projectId);
    return this.store.listPriceOverrides(projectId);
  }

  /** Adds an override; it prices calls ingested from now on whose timestamp is at or after `effective_from`. */
  async addPrice(projectId: string, input: PriceOverride): Promise<StoredPriceOverride> {
    this.require(projectId);
    const existing = await this.store.listPriceOverrides(projectId);
    const stored: StoredPriceOverride = {
      id: `price_${randomUUID().replace(/-/g, '').slice(0, 16)}`,
      project_id: projectId,
      model: input.model,
      provider: input.provider ?? null,
      effective_from: input.effective_from,
      input_per_mtok: input.input_per_mtok,
      output_per_mtok: input.output_per_mtok,
      cache_read_per_mtok: input.cache_read_per_mtok ?? null,
      cache_write_per_mtok: input.cache_write_per_mtok ?? null,
      created_at: Date.now(),
    };
    let book: PriceBook;
    try {
      book = new PriceBook([...existing, stored]);
    } catch (e) {
      throw new TallyError('validation_failed', `the price override is invalid: ${(e as Error).message}`, [
        { path: 'body', message: (e as Error).message },
      ]);
    }
    await this.store.addPriceOverride(stored);
    this.known.change((k) => k.books.set(projectId, book));
    return stored;
  }

  async deletePrice(projectId: string, id: string): Promise<void> {
    this.require(projectId);
    if (!(await this.store.deletePriceOverride(projectId, id))) {
      throw new TallyError('not_found', `price override ${id} does not exist in project ${projectId}`);
    }
    const rest = await this.store.listPriceOverrides(projectId);
    const book = rest.length > 0 ? new PriceBook(rest) : null;
    this.known.change((k) => (book ? k.books.set(projectId, book) : k.books.delete(projectId)));
  }

  list(): Project[] {
    return [...this.known.current.projects.values()];
  }

  require(id: string): Project {
    const p = this.known.current.projects.get(id);
    if (!p) throw new TallyError('not_found', `project ${id} does not exist; list projects with GET /api/v1/projects`);
    return p;
  }

  async create(input: NewProject): Promise<Project> {
    const id = input.id ?? slug(input.name);
    if (!PROJECT_ID.test(id)) {
      throw new TallyError(
        'validation_failed',
        `project id must be 1-64 lowercase letters, digits, - or _, starting with a letter or digit; got "${id}"`,
        [{ path: 'id', message: 'must match ^[a-z0-9][a-z0-9_-]{0,63}$' }],
      );
    }
    const project: Project = {
      id,
      name: input.name,
      description: input.description ?? null,
      capture_policy: input.capture_policy ?? this.defaultPolicy,
      created_at: Date.now(),
      retention_days: input.retention_days ?? null,
      max_events: input.max_events ?? null,
    };
    if (!(await this.store.createProject(project))) throw new TallyError('conflict', `project ${id} exists already`);
    this.known.change((k) => k.projects.set(id, project));
    return project;
  }

  /** Changes the fields the patch sets (null clears retention_days or max_events). */
  async update(id: string, patch: ProjectPatch): Promise<Project> {
    this.require(id);
    const updated = await this.store.updateProject(id, patch);
    if (!updated)
      throw new TallyError('not_found', `project ${id} does not exist; list projects with GET /api/v1/projects`);
    this.known.change((k) => k.projects.set(id, updated));
    return updated;
  }

  async delete(id: string): Promise<void> {
    this.require(id);
    if (id === DEFAULT_PROJECT)
      throw new TallyError('conflict', 'the default project cannot be deleted; other projects can');
    await this.store.deleteProject(id);
    this.known.change((k) => {
      k.projects.delete(id);
      k.books.delete(id);
    });
    this.auth.forget((k) => k.project_id === id);
  }

  async createKey(projectId: string, scope: KeyScope, name: string | null = null): Promise<CreatedKey> {
    this.require(projectId);
    const key = newSecret('tly');
    const record: ApiKeyRecord = {
      id: `key_${randomUUID().replace(/-/g, '').slice(0, 16)}`,
      project_id: projectId,
      name,
      scope,
      key_hash: hashSecret(key),
      prefix: keyPrefix(key),
      created_at: Date.now(),
      revoked_at: null,
    };
    await this.store.createKey(record);
    this.auth.remember(record);
    return { ...view(record), key };
  }

  async listKeys(projectId: string): Promise<ApiKeyView[]> {
    this.require(projectId);
    return (await this.store.listKeys(projectId)).map(view);
  }

  async revokeKey(projectId: string, keyId: string): Promise<void> {
    const keys = await this.store.listKeys(projectId);
    if (!keys.some((k) => k.id === keyId))
      throw new TallyError('not_found', `key ${keyId} does not exist in project ${projectId}`);
    await this.store.revokeKey(keyId, Date.now());
    this.auth.forget((k) => k.id === keyId);
  }
}

function view(k: ApiKeyRecord): ApiKeyView {
  const { key_hash: _hash, ...rest } = k;
  return rest;
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}
