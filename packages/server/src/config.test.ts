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

  it('reads the proxy settings: upstreams, their keys, the timeout and the trusted proxies', () => {
    const d = loadConfig({});
    expect(d.upstreams).toEqual({
      openai: { url: 'https://api.openai.com/v1', key: null },
      anthropic: { url: 'https://api.anthropic.com', key: null },
    });
    expect([d.upstreamTimeoutMs, d.trustedProxies]).toEqual([600_000, []]);
    const c = loadConfig({
      TALLY_UPSTREAM_OPENAI: 'http://localhost:11434/v1/',
      TALLY_UPSTREAM_OPENAI_KEY: ' sk-server ',
      TALLY_UPSTREAM_TIMEOUT_MS: '30000',
      TALLY_TRUSTED_PROXIES: '10.0.0.0/8, ::1',
    });
    expect(c.upstreams.openai).toEqual({ url: 'http://localhost:11434/v1', key: 'sk-server' });
    expect([c.upstreamTimeoutMs, c.trustedProxies]).toEqual([30_000, ['10.0.0.0/8', '::1']]);
    expect(() =>
      loadConfig({
        TALLY_UPSTREAM_ANTHROPIC: 'api.anthropic.com',
        TALLY_UPSTREAM_TIMEOUT_MS: '0',
        TALLY_TRUSTED_PROXIES: '10.0.0.0/33',
      }),
    ).toThrow(
      /TALLY_UPSTREAM_ANTHROPIC must be an http\(s\) URL[\s\S]*got api.anthropic.com[\s\S]*TALLY_UPSTREAM_TIMEOUT_MS must be[\s\S]*TALLY_TRUSTED_PROXIES must list IP addresses or CIDRs[\s\S]*got 10.0.0.0\/33/,
    );
  });
});
