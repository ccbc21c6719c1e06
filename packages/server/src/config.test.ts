import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has defaults that start a local server on the embedded store', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      store: { kind: 'duckdb' },
      capturePolicy: 'full',
      bodyLimitBytes: 20 * 1024 * 1024,
    });
    expect(c.store.path.endsWith('/data/tally.duckdb')).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('lets flags override the environment', () => {
    const c = loadConfig({ TALLY_PORT: '9000', TALLY_STORE: ':memory:' }, { port: '9100', host: '0.0.0.0' });
    expect(c.port).toBe(9100);
    expect(c.host).toBe('0.0.0.0');
    expect(c.store.path).toBe(':memory:');
  });

  it('stops with one message naming every bad setting, what it got and what it accepts', () => {
    expect(() =>
      loadConfig({
        TALLY_PORT: 'eighty',
        TALLY_LOG_LEVEL: 'loud',
        TALLY_CAPTURE_POLICY: 'some',
        TALLY_STORE: 'mysql://x',
        TALLY_ADMIN_TOKEN: 'short',
      }),
    ).toThrow(
      /TALLY_PORT \(--port\) must be a whole number from 0 to 65535; got eighty[\s\S]*mysql backend is not available[\s\S]*TALLY_ADMIN_TOKEN must be at least 16[\s\S]*TALLY_LOG_LEVEL must be one of[\s\S]*got loud[\s\S]*TALLY_CAPTURE_POLICY must be one of none, redacted, full; got some/,
    );
  });

  it('reads the analytics settings: cache seconds, retention days, CORS origins', () => {
    const c = loadConfig({
      TALLY_QUERY_CACHE_SECONDS: '0',
      TALLY_RETENTION_DAYS: '30',
      TALLY_CORS_ORIGINS: 'https://dash.example.com/, http://localhost:3000',
    });
    expect([c.queryCacheSeconds, c.retentionDays, c.corsOrigins]).toEqual([
      0,
      30,
      ['https://dash.example.com', 'http://localhost:3000'],
    ]);
    expect(() => loadConfig({ TALLY_RETENTION_DAYS: '1.5', TALLY_CORS_ORIGINS: 'dash' })).toThrow(
      /TALLY_RETENTION_DAYS must be a whole number[\s\S]*TALLY_CORS_ORIGINS must list origins/,
    );
  });
});
