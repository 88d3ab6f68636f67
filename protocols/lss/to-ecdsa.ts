/**
 * Resharing for CGGMP21 ECDSA keys: the plan from a party's generation-k `EcdsaKeyShare`, and the new party's
 * generation-(k+1) `EcdsaKeyShare` from a confirmed reshare. A new share has no Paillier material: the new
 * committee runs CGGMP21 aux-info before it can presign.
 */
import { InvalidInputError } from '../errors.js';
import { assertKeyShareConsistent } from '../cggmp21/key-share.js';
import type { EcdsaKeyShare } from '../cggmp21/types.js';
import { Transcript } from '../math/transcript.js';
import { validateResharePlan, type ResharePlan, type ReshareTarget } from './plan.js';
import type { ReshareResult } from './reshare.js';

export function ecdsaResharePlan(share: EcdsaKeyShare, target: ReshareTarget): ResharePlan {
  return validateResharePlan({
    scheme: 'ecdsa',
    publicKey: share.publicKey,
    generation: share.generation,
    oldCommittee: { threshold: share.threshold, parties: share.parties, publicShares: share.publicShares },
    dealers: target.dealers,
    newCommittee: { threshold: target.threshold, parties: target.parties },
  });
}

/**
 * The new party's key share. rid is fresh joint randomness for later proofs: the confirmed transcript already
 * binds the session, the plan and every dealer's commitments, so hashing it gives every new party the same value.
 */
export function toEcdsaKeyShare(result: ReshareResult): EcdsaKeyShare {
  if (result.plan.scheme !== 'ecdsa') throw new InvalidInputError(`reshare result is for a ${result.plan.scheme} key, not ecdsa`);
  if (result.secretShare === undefined) throw new InvalidInputError(`party ${result.self} is not in the new committee and holds no share`);
  const share: EcdsaKeyShare = {
    threshold: result.threshold,
    parties: result.parties,
    self: result.self,
    secretShare: result.secretShare,
    publicShares: result.publicShares,
    publicKey: result.publicKey,
    rid: new Transcript('lux-kms/lss/rid/v1', result.transcript, 0).digest(),
    generation: result.generation,
  };
  assertKeyShareConsistent(share);
  return share;
}
