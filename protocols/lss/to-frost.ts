/**
 * Resharing for FROST keys (plain RFC 9591 and BIP-340/Taproot): the plan from a party's generation-k
 * `FrostKeyShare`, and the new party's generation-(k+1) share, in the form noble's FROST signing takes.
 * Taproot shares are reshared as they are stored (already BIP-341 tweaked), so the output key Q and the internal
 * key P both stay the same.
 */
import { InvalidInputError } from '../errors.js';
import { pointFromBytes, pointToBytes, scalarFromBytes, scalarToBytes } from '../math/curve.js';
import { validateKeyShare, type FrostKeyShare } from '../frost/key-share.js';
import { xOnly } from '../frost/taproot.js';
import { validateResharePlan, type ResharePlan, type ReshareTarget } from './plan.js';
import type { ReshareResult } from './reshare.js';

export function frostResharePlan(share: FrostKeyShare, target: ReshareTarget): ResharePlan {
  validateKeyShare(share);
  return validateResharePlan({
    scheme: share.protocol,
    publicKey: pointFromBytes(share.commitments[0]!),
    ...(share.internalKey ? { internalKey: share.internalKey } : {}),
    generation: share.generation,
    oldCommittee: {
      threshold: share.threshold,
      parties: share.parties,
      publicShares: new Map(share.parties.map((p) => [p, pointFromBytes(share.verifyingShares.get(p)!)])),
    },
    dealers: target.dealers,
    newCommittee: { threshold: target.threshold, parties: target.parties },
  });
}

/** The dealer's input to `createReshareSession`: its signing share as a scalar. */
export function frostDealerSecret(share: FrostKeyShare): bigint {
  return scalarFromBytes(share.secretShare);
}

export function toFrostKeyShare(result: ReshareResult): FrostKeyShare {
  const { plan } = result;
  if (plan.scheme === 'ecdsa') throw new InvalidInputError('reshare result is for an ecdsa key, not FROST');
  if (result.secretShare === undefined) throw new InvalidInputError(`party ${result.self} is not in the new committee and holds no share`);
  const share: FrostKeyShare = {
    protocol: plan.scheme,
    threshold: result.threshold,
    parties: result.parties,
    self: result.self,
    secretShare: scalarToBytes(result.secretShare),
    verifyingShares: new Map(result.parties.map((p) => [p, pointToBytes(result.publicShares.get(p)!)])),
    commitments: result.commitments.map(pointToBytes),
    publicKey: plan.scheme === 'frost' ? pointToBytes(result.publicKey) : xOnly(result.publicKey),
    ...(plan.internalKey ? { internalKey: plan.internalKey } : {}),
    generation: result.generation,
  };
  validateKeyShare(share);
  return share;
}
