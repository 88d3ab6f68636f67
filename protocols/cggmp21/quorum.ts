/**
 * Quorum conversion (guide §4.4): for a signing quorum S of exactly t parties, each Shamir share becomes an
 * additive share by its Lagrange coefficient, so the n-of-n presigning runs over S unchanged.
 */
import { InternalError, type PartyId } from '../errors.js';
import { modQ, mulPublic, sumPoints, type Point } from '../math/curve.js';
import { lagrangeCoefficient } from '../math/polynomial.js';
import { validateQuorum } from '../round/committee.js';
import type { EcdsaKeyShare } from './types.js';

export interface QuorumShares {
  signers: PartyId[];
  /** λ_self·x_self. */
  secret: bigint;
  /** λ_j·X_j for j ∈ S; they sum to Y. */
  publicShares: Map<PartyId, Point>;
}

export function toQuorum(share: EcdsaKeyShare, signers: readonly PartyId[]): QuorumShares {
  const quorum = validateQuorum(share, signers);
  const publicShares = new Map<PartyId, Point>();
  for (const j of quorum) publicShares.set(j, mulPublic(share.publicShares.get(j)!, lagrangeCoefficient(quorum, j)));
  if (!sumPoints(publicShares.values()).equals(share.publicKey)) {
    throw new InternalError('Lagrange-weighted public shares do not sum to the public key: the key share is inconsistent');
  }
  return { signers: quorum, secret: modQ(lagrangeCoefficient(quorum, share.self) * share.secretShare), publicShares };
}
