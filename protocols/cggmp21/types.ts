/**
 * The data CGGMP21 phases hand to each other. Keygen produces an `EcdsaKeyShare`; aux-info (and refresh)
 * produce an `AuxInfo`; presigning takes both for a quorum and produces a single-use `Presignature`.
 */
import type { PartyId } from '../errors.js';
import type { Point } from '../math/curve.js';
import type { PaillierPublicKey, PaillierSecretKey } from '../math/paillier.js';
import type { RingPedersenParams, RingPedersenSecret } from '../math/ring-pedersen.js';
import type { Cggmp21Params } from './params.js';

/** One party's share of a t-of-n secp256k1 key (Shamir share x_i of the key x, with every party's X_j = x_j·G). */
export interface EcdsaKeyShare {
  readonly threshold: number;
  /** Every party holding a share, ascending; party i's evaluation point is the scalar i. */
  readonly parties: readonly PartyId[];
  readonly self: PartyId;
  /** x_i. */
  readonly secretShare: bigint;
  /** X_j = x_j·G for every party j (Shamir public shares, not Lagrange-weighted). */
  readonly publicShares: ReadonlyMap<PartyId, Point>;
  /** Y = x·G. */
  readonly publicKey: Point;
  /** Joint randomness from keygen, absorbed by later proofs. */
  readonly rid: Uint8Array;
  /** Share generation: 0 at keygen, +1 at every refresh or reshare. */
  readonly generation: number;
}

/** A party's public auxiliary material: its Paillier key and ring-Pedersen parameters (N̂ = N). */
export interface PartyAuxPublic {
  readonly paillier: PaillierPublicKey;
  readonly ringPedersen: RingPedersenParams;
}

/** Output of aux-info / refresh: own Paillier and ring-Pedersen secrets plus every party's public material. */
export interface AuxInfo {
  readonly params: Cggmp21Params;
  readonly parties: readonly PartyId[];
  readonly self: PartyId;
  readonly paillier: PaillierSecretKey;
  readonly ringPedersen: RingPedersenSecret;
  readonly publics: ReadonlyMap<PartyId, PartyAuxPublic>;
}
