import { randomUUID } from 'node:crypto';
import type { CapturePolicy } from '@tally/core';
import type { ApiKeyRecord, EventStore, KeyScope, Project } from '@tally/storage';
import type { AuthService } from '../auth/auth-service.js';
import { DEFAULT_PROJECT } from '../auth/principal.js';
import { hashSecret, keyPrefix, newSecret } from '../auth/secrets.js';
import { TallyError } from '../errors.js';

export interface NewProject {
  id?: string;
  name: string;
  description?: string | null;
  capture_policy?: CapturePolicy;
}

/** A key as listed: never its hash, never the key. */
export type ApiKeyView = Omit<ApiKeyRecord, 'key_hash'>;

export interface CreatedKey extends ApiKeyView {
  /** The key itself, returned once at creation and never again. */
  key: string;
}

const PROJECT_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Projects and their keys, for the HTTP routes and the CLI alike. Keeps a copy of the projects in memory:
 * ingest looks up the capture policy of every request's project.
 */
export class ProjectService {
  private projects = new Map<string, Project>();

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
    for (const p of await this.store.listProjects()) this.projects.set(p.id, p);
  }

  list(): Project[] {
    return [...this.projects.values()];
  }

  require(id: string): Project {
    const p = this.projects.get(id);
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
    };
    if (!(await this.store.createProject(project))) throw new TallyError('conflict', `project ${id} exists already`);
    this.projects.set(id, project);
    return project;
  }

  async delete(id: string): Promise<void> {
    this.require(id);
    if (id === DEFAULT_PROJECT)
      throw new TallyError('conflict', 'the default project cannot be deleted; other projects can');
    await this.store.deleteProject(id);
    this.projects.delete(id);
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
