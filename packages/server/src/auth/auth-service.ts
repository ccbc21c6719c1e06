import type { ApiKeyRecord, EventStore } from '@tally/storage';
import { TallyError } from '../errors.js';
import { hashSecret, newSecret, sameHash } from './secrets.js';
import type { Access, Principal } from './principal.js';

const ADMIN_SETTING = 'admin_token_sha256';

/**
 * Authenticates requests against the admin token and the project keys. Active keys are held in memory by hash,
 * so a request costs one SHA-256 and one map lookup; every change goes through this service, which keeps the
 * map in step with the store.
 */
export class AuthService {
  private keys = new Map<string, ApiKeyRecord>();
  private adminHash = '';

  constructor(private readonly store: EventStore) {}

  /**
   * Loads the keys and settles the admin token. Returns the newly generated token when there was none, so the
   * caller can print it once; it is stored only as a hash.
   */
  async init(configuredToken: string | null): Promise<string | null> {
    for (const key of await this.store.listKeys()) if (key.revoked_at === null) this.keys.set(key.key_hash, key);
    if (configuredToken) {
      this.adminHash = hashSecret(configuredToken);
      return null;
    }
    const stored = await this.store.getSetting(ADMIN_SETTING);
    if (stored) {
      this.adminHash = stored;
      return null;
    }
    const token = newSecret('tly_admin');
    this.adminHash = hashSecret(token);
    await this.store.setSetting(ADMIN_SETTING, this.adminHash);
    return token;
  }

  /** True while no project key exists: the server then serves the default project without keys (loopback only). */
  get open(): boolean {
    return this.keys.size === 0;
  }

  get activeKeys(): number {
    return this.keys.size;
  }

  remember(key: ApiKeyRecord): void {
    this.keys.set(key.key_hash, key);
  }

  forget(predicate: (key: ApiKeyRecord) => boolean): void {
    for (const [hash, key] of this.keys) if (predicate(key)) this.keys.delete(hash);
  }

  /** Resolves the caller and checks it may do `access`; throws 401/403 with a message saying what to do. */
  authenticate(secret: string | null, access: Access): Principal {
    if (secret === null) {
      if (this.open) return { kind: 'open' };
      throw new TallyError(
        'unauthorized',
        access === 'admin'
          ? 'an admin token is required: send Authorization: Bearer <TALLY_ADMIN_TOKEN>'
          : 'an API key is required: send Authorization: Bearer <key> (create one with `tally keys create --project <id> --scope ingest`)',
      );
    }
    const hash = hashSecret(secret);
    if (sameHash(hash, this.adminHash)) return { kind: 'admin' };
    const key = this.keys.get(hash);
    if (!key) throw new TallyError('unauthorized', 'the API key or token is not valid (unknown or revoked)');
    if (access === 'admin')
      throw new TallyError('forbidden', 'this needs the admin token; a project API key cannot manage projects or keys');
    if (access === 'read' && key.scope === 'ingest') {
      throw new TallyError('forbidden', 'this key has the ingest scope; reading needs a key with the read scope');
    }
    if (access === 'delete' && key.scope !== 'manage') {
      throw new TallyError(
        'forbidden',
        `this key has the ${key.scope} scope; deleting data needs a key with the manage scope (or the admin token)`,
      );
    }
    return { kind: 'key', keyId: key.id, projectId: key.project_id, scope: key.scope };
  }
}
