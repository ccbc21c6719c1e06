import { afterAll, describe, expect, it } from 'vitest';
import { createStore, parseStoreLocation } from '../open-store.js';
import { makeCall } from '../test-events.js';
import { createTestDatabase, type TestDatabase } from './test/test-database.js';

describe('opening a PostgreSQL store from TALLY_STORE', () => {
  let database: TestDatabase | null = null;
  afterAll(async () => {
    await database?.drop();
  });

  it('accepts postgres:// and postgresql:// URLs and never shows their password', () => {
    expect(parseStoreLocation('postgres://tally:s3cret@db.internal:5432/tally', '/data')).toEqual({
      kind: 'postgres',
      url: 'postgres://tally:s3cret@db.internal:5432/tally',
      path: 'postgres://tally:***@db.internal:5432/tally',
    });
    expect(parseStoreLocation('postgresql://db.internal/tally?sslmode=require', '/data')).toMatchObject({
      kind: 'postgres',
      path: 'postgresql://db.internal/tally?sslmode=require',
    });
    const refused = parseStoreLocation('postgres://tally:s3cret@/tally', '/data');
    expect(refused).toMatch(/not a valid PostgreSQL URL \(postgres:\/\/tally:\*\*\*@\/tally\)/);
    expect(parseStoreLocation('postgres:///tally', '/data')).toMatch(/names no PostgreSQL host/);
    expect(parseStoreLocation('postgres:///tally?host=/var/run/postgresql', '/data')).toMatchObject({
      kind: 'postgres',
    });
    expect(parseStoreLocation('mysql://x@y/z', '/data')).toMatch(/mysql backend is not available.*PostgreSQL URL/);
  });

  it('builds a store that works, through createStore', async () => {
    database = await createTestDatabase();
    const location = parseStoreLocation(database.url, '/data');
    if (typeof location === 'string') throw new Error(location);
    const store = createStore(location, { poolSize: 2 });
    expect(store.kind).toBe('postgres');
    await store.init();
    try {
      await store.write({ calls: [makeCall('open', { id: 'one' })] });
      expect((await store.getEvent('open', 'one'))?.id).toBe('one');
    } finally {
      await store.close();
    }
  });

  it('says which database it cannot reach, with the password masked', async () => {
    const location = parseStoreLocation('postgres://tally:hunter2@127.0.0.1:1/tally', '/data');
    if (typeof location === 'string') throw new Error(location);
    const store = createStore(location);
    const failure = await store.init().then(
      () => null,
      (e: Error) => e,
    );
    expect(failure?.message).toMatch(
      /cannot open the PostgreSQL database postgres:\/\/tally:\*\*\*@127\.0\.0\.1:1\/tally/,
    );
    expect(failure?.message).not.toMatch(/hunter2/);
  });
});
