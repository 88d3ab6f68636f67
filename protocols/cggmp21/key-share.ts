/**
 * Stored form of an ECDSA key share, and the checks that run every time one is loaded: a share that does
 * not match its own public share, or public shares that do not interpolate to the public key, is refused.
 */
import { MalformedError } from '../errors.js';
import { mulBase, mulPublic, pointToBytes, scalarToBytes, sumPoints } from '../math/curve.js';
import { lagrangeCoefficientAt } from '../math/polynomial.js';
import type { WireValue } from '../math/wire.js';
import { validateCommittee } from '../round/committee.js';
import { PayloadReader } from '../round/payload.js';
import type { EcdsaKeyShare } from './types.js';

export function encodeKeyShare(share: EcdsaKeyShare): WireValue {
  return {
    v: 1,
    threshold: share.threshold,
    parties: [...share.parties],
    self: share.self,
    x: scalarToBytes(share.secretShare),
    X: share.parties.map((p) => pointToBytes(share.publicShares.get(p)!)),
    Y: pointToBytes(share.publicKey),
    rid: share.rid,
    generation: share.generation,
  };
}

export function decodeKeyShare(value: WireValue): EcdsaKeyShare {
  const r = new PayloadReader(value, 'ECDSA key share');
  if (r.integer('v') !== 1) throw new MalformedError('ECDSA key share: unknown version');
  const parties = r.list('parties').map((p) => {
    if (typeof p !== 'number') throw new MalformedError('ECDSA key share: party ids must be integers');
    return p;
  });
  let committee;
  try {
    committee = validateCommittee(r.integer('threshold'), parties, r.integer('self'));
  } catch (e) {
    throw new MalformedError(`ECDSA key share: ${(e as Error).message}`);
  }
  const X = r.points('X', committee.parties.length);
  const share: EcdsaKeyShare = {
    ...committee,
    secretShare: r.scalar('x'),
    publicShares: new Map(committee.parties.map((p, i) => [p, X[i]!])),
    publicKey: r.point('Y'),
    rid: r.bytes('rid', 32),
    generation: r.integer('generation'),
  };
  assertKeyShareConsistent(share);
  return share;
}

/** x_self·G = X_self, and the public shares lie on one polynomial of degree t−1 whose value at 0 is Y. */
export function assertKeyShareConsistent(share: EcdsaKeyShare): void {
  if (!mulBase(share.secretShare).equals(share.publicShares.get(share.self)!)) {
    throw new MalformedError('ECDSA key share: secret share does not match its public share');
  }
  const basis = share.parties.slice(0, share.threshold);
  const at = (x: bigint) => sumPoints(basis.map((j) => mulPublic(share.publicShares.get(j)!, lagrangeCoefficientAt(basis, j, x))));
  if (!at(0n).equals(share.publicKey)) throw new MalformedError('ECDSA key share: public shares do not interpolate to the public key');
  for (const c of share.parties.slice(share.threshold)) {
    if (!at(BigInt(c)).equals(share.publicShares.get(c)!)) {
      throw new MalformedError(`ECDSA key share: public share of party ${c} is off the degree-${share.threshold - 1} polynomial`);
    }
  }
}
