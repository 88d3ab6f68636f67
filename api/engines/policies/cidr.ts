/**
 * `allowedIPs`: CIDR blocks (or single addresses) of IPv4 and IPv6, matched with Node's `BlockList`.
 * Dual-stack sockets report IPv4 clients as IPv4-mapped IPv6 (`::ffff:10.1.2.3`); those are matched as IPv4,
 * so `10.0.0.0/8` means the same whichever way the server listens.
 */
import { BlockList, isIP } from 'node:net';
import { InvalidInputError } from '../../server/errors.js';

export interface ParsedCidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export function parseCidr(text: string, field = 'allowedIPs'): ParsedCidr {
  const [address = '', prefixText, extra] = text.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) throw new InvalidInputError(`"${field}" expected CIDR such as 10.0.0.0/8 or fd00::/8, got "${text}"`);
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) {
    throw new InvalidInputError(`"${field}" prefix of "${text}" expected integer 0..${max}`);
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function normalizeIp(ip: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped ? mapped[1]! : ip;
  const version = isIP(address);
  if (version === 0) return undefined;
  return { address, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export class CidrSet {
  readonly #list = new BlockList();
  constructor(cidrs: readonly string[]) {
    for (const text of cidrs) {
      const { address, prefix, family } = parseCidr(text);
      this.#list.addSubnet(address, prefix, family);
    }
  }
  contains(ip: string): boolean {
    const parsed = normalizeIp(ip);
    return parsed !== undefined && this.#list.check(parsed.address, parsed.family);
  }
}
