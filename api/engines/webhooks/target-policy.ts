/**
 * Which addresses a webhook may be posted to. A tenant chooses the URL, and the gateway sits next to things
 * a tenant must not reach: the nodes' control ports, databases on private networks, the cloud metadata
 * service at 169.254.169.254. Posting wherever a tenant says would let it send requests from inside
 * (server-side request forgery), so by default only public unicast addresses are accepted.
 *
 * IPv4-mapped IPv6 (`::ffff:127.0.0.1`) and NAT64 (`64:ff9b::7f00:1`) addresses reach the IPv4 address they
 * carry, so they are judged as that address.
 */
import { BlockList, isIP } from 'node:net';

interface Range {
  what: string;
  list: BlockList;
  family: 4 | 6;
}

function range(cidr: string, what: string): Range {
  const [address, prefix] = cidr.split('/') as [string, string];
  const family = isIP(address) as 4 | 6;
  const list = new BlockList();
  list.addSubnet(address, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
  return { what: `${what} (${cidr})`, list, family };
}

// First match names the reason, so narrower ranges come before the ranges that contain them.
const RANGES: readonly Range[] = [
  range('0.0.0.0/8', '"this network", including 0.0.0.0'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'carrier-grade NAT'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.169.254/32', 'the cloud metadata service'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'IETF protocol assignments'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved, including broadcast'),
  range('::1/128', 'loopback'),
  range('::/128', 'unspecified'),
  range('fc00::/7', 'unique local (private)'),
  range('fe80::/10', 'link-local'),
  range('ff00::/8', 'multicast'),
  range('2001:db8::/32', 'documentation'),
];
// Every public IPv6 address is in 2000::/3; the rest (IPv4-compatible, discard, ...) is never a receiver.
const GLOBAL_UNICAST_V6 = range('2000::/3', 'global unicast');

/**
 * Why `address` is not a public address, e.g. `loopback (127.0.0.0/8)`; undefined when it is public.
 * A zone suffix (`fe80::1%eth0`) is ignored: the zone does not change the range.
 */
export function nonPublicRange(address: string): string | undefined {
  const bare = address.replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) throw new TypeError(`"address" expected an IPv4 or IPv6 address, got "${address.slice(0, 100)}"`);
  if (family === 6) {
    const carried = embeddedIpv4(bare);
    if (carried !== undefined) {
      const what = nonPublicRange(carried);
      return what === undefined ? undefined : `${what}, written as IPv6 ${bare}`;
    }
  }
  const hit = RANGES.find((r) => r.family === family && r.list.check(bare, family === 4 ? 'ipv4' : 'ipv6'));
  if (hit) return hit.what;
  if (family === 6 && !GLOBAL_UNICAST_V6.list.check(bare, 'ipv6')) return 'outside global unicast (2000::/3)';
  return undefined;
}

/**
 * Why the URL's host is refused without asking DNS: an address literal that is not public, or a name
 * that always means this machine (`localhost`, `*.localhost`, RFC 6761). Names that merely resolve to a
 * private address are caught when the webhook is sent, since DNS answers can change after registration.
 */
export function literalHostRefusal(url: URL): string | undefined {
  const host = hostOf(url);
  if (isIP(host)) {
    const what = nonPublicRange(host);
    return what === undefined ? undefined : `${host} is ${what}`;
  }
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return `"${host}" always names this machine (loopback)`;
  return undefined;
}

/** The URL's host without the brackets of an IPv6 literal (the URL parser has normalised it already). */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** The IPv4 address inside an IPv4-mapped (`::ffff:0:0/96`) or NAT64 (`64:ff9b::/96`) address. */
function embeddedIpv4(ipv6: string): string | undefined {
  const g = ipv6Groups(ipv6);
  const mapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !nat64) return undefined;
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
}

/** The eight 16-bit groups of a valid IPv6 address. */
function ipv6Groups(ipv6: string): number[] {
  // The URL serialiser gives the canonical form: lower-case hex, no dotted IPv4 tail, at most one `::`.
  const canonical = new URL(`http://[${ipv6}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((x) => parseInt(x, 16)));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}
