/**
 * Π^enc: the plaintext of a Paillier ciphertext K lies in I_ℓ = ±2^ℓ ([P] Fig. 14; guide §3.5).
 * Made once per verifier j against j's own ring-Pedersen parameters, so only j is convinced.
 */
import { inRange, mod, randomZStar } from '../math/bigint.js';
import { randomSigned, type Rng } from '../math/random.js';
import type { WireValue } from '../math/wire.js';
import type { PayloadReader } from '../round/payload.js';
import type { Cggmp21Params } from '../cggmp21/params.js';
import { checkCT, checkU, decodeFields, encEquation, encryptUnder, paillierPublic, powN, rangeChallenge, rangeProofCaps, ringEquation, ringParams, type PaillierKey, type RingPedersenKey } from './common.js';
import { invalid, VALID, type ProofContext, type Verdict } from './proof.js';

export interface EncStatement {
  /** The prover's key N0 (its secret key when proving). */
  readonly prover: PaillierKey;
  readonly K: bigint;
  /** The verifier's ring-Pedersen parameters (its secret when verifying). */
  readonly verifier: RingPedersenKey;
}

export interface EncWitness {
  /** k ∈ I_ℓ. */
  readonly k: bigint;
  /** ρ ∈ Z*_{N0} with K = enc0(k; ρ). */
  readonly rho: bigint;
}

export interface EncProof {
  readonly S: bigint;
  readonly A: bigint;
  readonly C: bigint;
  readonly z1: bigint;
  readonly z2: bigint;
  readonly z3: bigint;
}

function challenge(ctx: ProofContext, st: EncStatement, first: Pick<EncProof, 'S' | 'A' | 'C'>, params: Cggmp21Params): bigint {
  return rangeChallenge('enc', ctx, st.verifier, { N0: paillierPublic(st.prover).N, K: st.K, S: first.S, A: first.A, C: first.C }, params);
}

/** The prover's masks of Π^enc, which Π^log* samples alike: α ← ±2^{ℓ+ε}, μ ← ±2^ℓ·N̂, r ← Z*_{N0}, γ ← ±2^{ℓ+ε}·N̂. */
export function sampleEncMasks(prover: PaillierKey, verifier: RingPedersenKey, params: Cggmp21Params, rng: Rng) {
  const Nhat = ringParams(verifier).N;
  const ellEps = 1n << BigInt(params.ell + params.epsilon);
  return {
    alpha: randomSigned(ellEps, rng),
    mu: randomSigned((1n << BigInt(params.ell)) * Nhat, rng),
    r: randomZStar(paillierPublic(prover).N, rng),
    gamma: randomSigned(ellEps * Nhat, rng),
  };
}

export function proveEnc(ctx: ProofContext, st: EncStatement, w: EncWitness, params: Cggmp21Params, rng: Rng): EncProof {
  const N0 = paillierPublic(st.prover).N;
  const { alpha, mu, r, gamma } = sampleEncMasks(st.prover, st.verifier, params, rng);
  const first = {
    S: st.verifier.commit(w.k, mu),
    A: encryptUnder(st.prover, alpha, r),
    C: st.verifier.commit(alpha, gamma),
  };
  const e = challenge(ctx, st, first, params);
  return {
    ...first,
    z1: alpha + e * w.k,
    z2: mod(r * powN(st.prover, w.rho, e), N0),
    z3: gamma + e * mu,
  };
}

export function verifyEnc(ctx: ProofContext, st: EncStatement, proof: EncProof, params: Cggmp21Params): Verdict {
  const pk = paillierPublic(st.prover);
  const Nhat = ringParams(st.verifier).N;
  const malformed = checkCT(pk, { K: st.K, A: proof.A }) ?? checkU(Nhat, 'N̂', { S: proof.S, C: proof.C }) ?? checkU(pk.N, 'N0', { z2: proof.z2 });
  if (malformed) return malformed;
  if (!inRange(proof.z1, 1n << BigInt(params.ell + params.epsilon))) return invalid('z1 is out of range ±2^(ℓ+ε)');
  const e = challenge(ctx, st, proof, params);
  if (!encEquation(st.prover, proof.z1, proof.z2, proof.A, st.K, e)) return invalid('Paillier equation enc(z1; z2) = A·K^e fails');
  if (!ringEquation(st.verifier, proof.z1, proof.z3, proof.C, proof.S, e)) return invalid('ring-Pedersen equation com(z1, z3) = C·S^e fails');
  return VALID;
}

export function encodeEnc(proof: EncProof): WireValue {
  return { S: proof.S, A: proof.A, C: proof.C, z1: proof.z1, z2: proof.z2, z3: proof.z3 };
}

export function decodeEnc(input: PayloadReader | WireValue, params: Cggmp21Params): EncProof {
  const caps = rangeProofCaps(params);
  return decodeFields(input, 'Π^enc', { S: caps.modN, A: caps.modN2, C: caps.modN, z1: caps.plain, z2: caps.modN, z3: caps.commitment });
}
