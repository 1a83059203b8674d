// --trusted-proxies: peers whose X-Forwarded-* / Forwarded headers we extend instead of replace.
import { BlockList, isIP } from 'node:net';

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  /** Accepts CIDRs and bare addresses; throws with the offending entry on a bad one. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [addr = '', bits] = entry.split('/');
      const family = isIP(addr);
      if (family === 0) throw new Error(`--trusted-proxies: "${entry}" is not an IP address or CIDR`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const max = family === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) {
        throw new Error(`--trusted-proxies: "${entry}" has a bad prefix length (0..${max})`);
      }
      this.list.addSubnet(addr, prefix, type);
    }
    this.empty = entries.length === 0;
  }

  has(address: string): boolean {
    if (this.empty || !address) return false;
    return this.list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
}

/** The peer address as people write it: IPv4-mapped IPv6 ("::ffff:10.0.0.1") becomes IPv4. */
export function clientAddress(remote: string | undefined): string {
  if (!remote) return '';
  return remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
}
