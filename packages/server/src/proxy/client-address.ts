import { BlockList, isIP } from 'node:net';

/** `::ffff:10.0.0.1` is the IPv4 address 10.0.0.1 reached over an IPv6 socket. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The address of the client behind a request. X-Forwarded-For is only believed from the reverse proxies listed in
 * TALLY_TRUSTED_PROXIES, since any client can send the header: starting from the socket's peer, each trusted hop
 * hands over to the address it names (right to left in the header), and the first untrusted one is the client.
 */
export class ClientAddress {
  private readonly trusted: BlockList | null;

  constructor(proxies: readonly string[]) {
    if (proxies.length === 0) {
      this.trusted = null;
      return;
    }
    const list = new BlockList();
    for (const entry of proxies) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(bits), family);
    }
    this.trusted = list;
  }

  of(peer: string | undefined, forwardedFor: string | string[] | undefined): string | null {
    if (!peer) return null;
    let client = plain(peer);
    if (this.trusted === null || forwardedFor === undefined) return client;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    for (let i = hops.length - 1; i >= 0 && this.isTrusted(client); i--) {
      const hop = plain(hops[i]!.trim());
      if (isIP(hop) === 0) break; // a malformed entry: keep the last address that was vouched for
      client = hop;
    }
    return client;
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.trusted!.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}
