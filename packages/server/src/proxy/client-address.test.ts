import { describe, expect, it } from 'vitest';
import { ClientAddress } from './client-address.js';

describe('ClientAddress', () => {
  it('ignores X-Forwarded-For unless the peer is a trusted proxy', () => {
    expect(new ClientAddress([]).of('::ffff:203.0.113.5', '198.51.100.7')).toBe('203.0.113.5');
    expect(new ClientAddress(['10.0.0.0/8']).of('203.0.113.5', '198.51.100.7')).toBe('203.0.113.5');
  });

  it('walks the chain right to left through trusted hops to the first untrusted address', () => {
    const a = new ClientAddress(['10.0.0.0/8', '127.0.0.1', '2001:db8::/32']);
    // The client's own claim (1.1.1.1) is left of the address the trusted proxy saw: it is not believed.
    expect(a.of('127.0.0.1', '1.1.1.1, 198.51.100.7, 10.0.0.2')).toBe('198.51.100.7');
    expect(a.of('::ffff:127.0.0.1', ['198.51.100.7', '10.9.9.9'])).toBe('198.51.100.7');
    expect(a.of('2001:db8::1', '2001:db9::5')).toBe('2001:db9::5');
    // Every hop trusted: the leftmost is the client. A malformed hop stops the walk.
    expect(a.of('127.0.0.1', '10.0.0.3, 10.0.0.2')).toBe('10.0.0.3');
    expect(a.of('127.0.0.1', 'garbage, 10.0.0.2')).toBe('10.0.0.2');
    expect(a.of(undefined, '1.1.1.1')).toBeNull();
  });
});
