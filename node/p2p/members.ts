/** The cluster member list as configured: validated once, then looked up by peer id on every connection. */
import type { PeerId } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { InvalidInputError } from '../../protocols/errors.js';
import { describeValue } from './describe.js';
import { parseEd25519PeerId } from './identity.js';

export interface ClusterMember {
  readonly peerId: string;
  /** Where to dial it. A member without addresses is only accepted inbound (it dials us). */
  readonly multiaddrs?: readonly string[];
}

export interface Member {
  readonly id: PeerId;
  readonly multiaddrs: readonly Multiaddr[];
}

/**
 * Validates `members` and returns them keyed by peer id, without `selfPeerId` (a node never dials itself, and one
 * shared list can then configure every node).
 */
export function parseMembers(members: readonly ClusterMember[], selfPeerId: string): Map<string, Member> {
  if (!Array.isArray(members)) throw new TypeError(`"members" expected array, got ${describeValue(members)}`);
  const parsed = new Map<string, Member>();
  const seen = new Set<string>();
  members.forEach((entry: ClusterMember, i) => {
    if (typeof entry !== 'object' || entry === null) {
      throw new TypeError(`"members[${i}]" expected object, got ${describeValue(entry)}`);
    }
    const id = parseEd25519PeerId(`members[${i}].peerId`, entry.peerId);
    const key = id.toString();
    if (seen.has(key)) {
      throw new InvalidInputError(`"members[${i}].peerId" expected unique peer ids, got ${key} twice`);
    }
    seen.add(key);
    const addrs = entry.multiaddrs ?? [];
    if (!Array.isArray(addrs)) {
      throw new TypeError(`"members[${i}].multiaddrs" expected array, got ${describeValue(addrs)}`);
    }
    const multiaddrs = addrs.map((addr, j) => {
      const field = `members[${i}].multiaddrs[${j}]`;
      const ma = parseMultiaddr(field, addr);
      const p2p = ma.getComponents().find((c) => c.name === 'p2p')?.value;
      if (p2p !== undefined && p2p !== key) {
        throw new InvalidInputError(`"${field}" names peer ${p2p}, expected ${key}`);
      }
      return ma;
    });
    if (key !== selfPeerId) parsed.set(key, { id, multiaddrs });
  });
  return parsed;
}

export function parseMultiaddr(field: string, value: unknown): Multiaddr {
  if (typeof value !== 'string') {
    throw new TypeError(`"${field}" expected multiaddr string, got ${describeValue(value)}`);
  }
  try {
    return multiaddr(value);
  } catch {
    const shown = JSON.stringify(value.slice(0, 120));
    throw new InvalidInputError(`"${field}" expected a multiaddr like /ip4/127.0.0.1/tcp/4001, got ${shown}`);
  }
}
