import type { ApiKeyRecord, EventStore } from '@tally/storage';
import { TallyError } from '../errors.js';
import { hashSecret, newSecret, sameHash } from './secrets.js';
import type { Access, Principal } from './principal.js';
import { ReloadableState } from './reloadable-state.js';

const ADMIN_SETTING = 'admin_token_sha256';

/**
 * Authenticates requests against the admin token and the project keys. Active keys are held in memory by hash,
 * so a request costs one SHA-256 and one map lookup. Changes made through this process update the map at once;
 * on a store other processes write too, `reload()` (run periodically) picks up theirs. An unknown key is refused
 * from the map alone and never looked up in the store: random keys sent by anyone must not turn into queries.
 */
export class AuthService {
  private readonly keys = new ReloadableState(new Map<string, ApiKeyRecord>());
  private adminHash = '';

  constructor(private readonly store: EventStore) {}

  /**
   * Loads the keys and settles the admin token. Returns the newly generated token when there was none, so the
   * caller can print it once; it is stored only as a hash. Of several processes starting together on an empty
   * store, only the one whose token was stored gets it back: the others' tokens would never work.
   */
  async init(configuredToken: string | null): Promise<string | null> {
    await this.reload();
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
    const hash = hashSecret(token);
    this.adminHash = await this.store.setSettingIfAbsent(ADMIN_SETTING, hash);
    return this.adminHash === hash ? token : null;
  }

  /** Reads the active keys from the store again; on failure the keys held so far stay in use. */
  reload(): Promise<void> {
    return this.keys.reload(async () => {
      const active = new Map<string, ApiKeyRecord>();
      for (const key of await this.store.listKeys()) if (key.revoked_at === null) active.set(key.key_hash, key);
      return active;
    });
  }

  /** True while no project key exists: the server then serves the default project without keys (loopback only). */
  get open(): boolean {
    return this.keys.current.size === 0;
  }

  get activeKeys(): number {
    return this.keys.current.size;
  }

  remember(key: ApiKeyRecord): void {
    this.keys.change((keys) => keys.set(key.key_hash, key));
  }

  forget(predicate: (key: ApiKeyRecord) => boolean): void {
    this.keys.change((keys) => {
      for (const [hash, key] of keys) if (predicate(key)) keys.delete(hash);
    });
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
    const key = this.keys.current.get(hash);
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
