import { randomBytes } from 'node:crypto';
import type { EventStore, WebhookPatch, WebhookRecord } from '@tally/storage';
import { TallyError } from '../errors.js';
import type { ProjectService } from '../projects/project-service.js';
import { FieldReader, iso, newId, objectBody } from './field-checks.js';

/** A webhook as listed: never its secret, only the secret's first characters. */
export interface WebhookView {
  id: string;
  project_id: string;
  url: string;
  description: string | null;
  enabled: boolean;
  secret_prefix: string;
  created_at: string | null;
}

/** The answer to creating a webhook, the only one that carries the secret. */
export interface CreatedWebhook extends WebhookView {
  secret: string;
}

const FIELDS = ['url', 'secret', 'description', 'enabled'];

export function webhookView(w: WebhookRecord): WebhookView {
  return {
    id: w.id,
    project_id: w.project_id,
    url: w.url,
    description: w.description,
    enabled: w.enabled,
    secret_prefix: `${w.secret.slice(0, 10)}…`,
    created_at: iso(w.created_at),
  };
}

/**
 * The endpoints a project's budget and alert notifications go to. The secret signs every delivery; it is returned
 * when the webhook is created (generated when none is given) and never shown again.
 */
export class WebhookService {
  constructor(
    private readonly store: EventStore,
    private readonly projects: ProjectService,
  ) {}

  async list(projectId: string): Promise<WebhookView[]> {
    this.projects.require(projectId);
    return (await this.store.listWebhooks(projectId)).map(webhookView);
  }

  async get(projectId: string, id: string): Promise<WebhookView> {
    return webhookView(await this.require(projectId, id));
  }

  async create(projectId: string, input: unknown): Promise<CreatedWebhook> {
    this.projects.require(projectId);
    const body = objectBody(input, 'the webhook');
    const r = new FieldReader(body, 'the webhook');
    r.onlyKnown(FIELDS);
    r.require('url');
    const patch = read(r, body);
    r.done();
    const hook: WebhookRecord = {
      id: newId('whk'),
      project_id: projectId,
      url: patch.url ?? '',
      secret: patch.secret ?? `whsec_${randomBytes(24).toString('base64url')}`,
      description: patch.description ?? null,
      enabled: patch.enabled ?? true,
      created_at: Date.now(),
    };
    await this.store.createWebhook(hook);
    return { ...webhookView(hook), secret: hook.secret };
  }

  async update(projectId: string, id: string, input: unknown): Promise<WebhookView> {
    await this.require(projectId, id);
    const body = objectBody(input, 'the webhook change');
    const r = new FieldReader(body, 'the webhook change');
    r.onlyKnown(FIELDS);
    if (Object.keys(body).length === 0) r.problem('', `sets nothing; send one or more of ${FIELDS.join(', ')}`);
    const patch = read(r, body);
    r.done();
    const after = await this.store.updateWebhook(projectId, id, patch);
    if (!after) throw notFound(projectId, id);
    return webhookView(after);
  }

  async delete(projectId: string, id: string): Promise<void> {
    this.projects.require(projectId);
    if (!(await this.store.deleteWebhook(projectId, id))) throw notFound(projectId, id);
  }

  private async require(projectId: string, id: string): Promise<WebhookRecord> {
    this.projects.require(projectId);
    const hook = (await this.store.listWebhooks(projectId)).find((w) => w.id === id);
    if (!hook) throw notFound(projectId, id);
    return hook;
  }
}

function notFound(projectId: string, id: string): TallyError {
  return new TallyError(
    'not_found',
    `webhook ${id} does not exist in project ${projectId}; list them with GET /api/v1/webhooks`,
  );
}

function read(r: FieldReader, body: Record<string, unknown>): WebhookPatch {
  const patch: WebhookPatch = {};
  const url = r.text('url', 2048);
  if (url !== undefined) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // reported below
    }
    if (parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) patch.url = url;
    else r.problem('url', `must be an http:// or https:// URL such as https://hooks.example.com/tally; got ${url}`);
  }
  if (body['secret'] !== undefined) {
    const s = body['secret'];
    if (typeof s === 'string' && s.length >= 16 && s.length <= 256) patch.secret = s;
    else r.problem('secret', 'must be a string of 16 to 256 characters (leave it out to have one generated)');
  }
  const description = r.nullableText('description', 1024);
  if (description !== undefined) patch.description = description;
  const enabled = r.boolean('enabled');
  if (enabled !== undefined) patch.enabled = enabled;
  return patch;
}
