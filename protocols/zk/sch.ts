/**
 * Π^sch: Schnorr proof of knowledge of x with X = x·G ([P] Fig. 22; guide §3.1). Split into commit and
 * respond because keygen and refresh commit to A in round 1 (inside the hash commitment) and answer later.
 */
import { mulBase, mulPublic, modQ, pointToBytes, randomScalar, scalarToBytes, type Point } from '../math/curve.js';
import { systemRng, type Rng } from '../math/random.js';
import { PayloadReader } from '../round/payload.js';
import type { WireValue } from '../math/wire.js';
import { invalid, proofTranscript, VALID, type ProofContext, type Verdict } from './proof.js';

export interface SchnorrCommitment {
  /** Secret nonce τ: erase after responding. */
  nonce: bigint;
  A: Point;
}

export interface SchnorrProof {
  A: Point;
  z: bigint;
}

export function schnorrCommit(rng: Rng = systemRng): SchnorrCommitment {
  for (;;) {
    const nonce = randomScalar(rng);
    if (nonce !== 0n) return { nonce, A: mulBase(nonce) };
  }
}

export function schnorrChallenge(ctx: ProofContext, X: Point, A: Point): bigint {
  return proofTranscript('sch', ctx).point('X', X).point('A', A).challenges().scalar();
}

export function schnorrRespond(ctx: ProofContext, X: Point, x: bigint, commitment: SchnorrCommitment): bigint {
  return modQ(commitment.nonce + schnorrChallenge(ctx, X, commitment.A) * x);
}

export function proveSchnorr(ctx: ProofContext, X: Point, x: bigint, rng: Rng = systemRng): SchnorrProof {
  const commitment = schnorrCommit(rng);
  return { A: commitment.A, z: schnorrRespond(ctx, X, x, commitment) };
}

/** z·G = A + e·X with X ≠ O (A and z are validated points/scalars by the decoder). */
export function verifySchnorr(ctx: ProofContext, X: Point, proof: SchnorrProof): Verdict {
  if (X.is0()) return invalid('Π^sch statement X is the identity');
  if (proof.A.is0()) return invalid('Π^sch commitment A is the identity');
  const e = schnorrChallenge(ctx, X, proof.A);
  if (!mulBase(proof.z).equals(proof.A.add(mulPublic(X, e)))) return invalid('Π^sch equation z·G = A + e·X fails');
  return VALID;
}

export function encodeSchnorr(proof: SchnorrProof): WireValue {
  return { A: pointToBytes(proof.A), z: scalarToBytes(proof.z) };
}

export function decodeSchnorr(payload: WireValue): SchnorrProof {
  const r = new PayloadReader(payload, 'Π^sch');
  return { A: r.point('A'), z: r.scalar('z') };
}

