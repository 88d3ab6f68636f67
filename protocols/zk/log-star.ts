/**
 * Π^log*: the plaintext x of a Paillier ciphertext C (under the prover's key) lies in I_ℓ and is the discrete log of
 * X to the base B ([P] Fig. 25; guide §3.7). Presigning uses it twice: G_i against Γ_i (base G) and K_i against
 * Δ_i (base Γ). Made once per verifier, against the verifier's ring-Pedersen parameters.
 */
import { inRange, mod } from '../math/bigint.js';
import { mul, mulPublic, pointToBytes, type Point } from '../math/curve.js';
import type { Rng } from '../math/random.js';
import type { WireValue } from '../math/wire.js';
import type { PayloadReader } from '../round/payload.js';
import type { Cggmp21Params } from '../cggmp21/params.js';
import { checkCT, checkU, decodeFields, encEquation, encryptUnder, paillierPublic, powN, rangeChallenge, rangeProofCaps, ringEquation, ringParams, type PaillierKey, type RingPedersenKey } from './common.js';
import { sampleEncMasks } from './enc.js';
import { invalid, VALID, type ProofContext, type Verdict } from './proof.js';

export interface LogStarStatement {
  /** The prover's key N0 (its secret key when proving). */
  readonly prover: PaillierKey;
  readonly C: bigint;
  readonly X: Point;
  /** The base B (G, or Γ in presigning round 3). */
  readonly B: Point;
  /** The verifier's ring-Pedersen parameters (its secret when verifying). */
  readonly verifier: RingPedersenKey;
}

export interface LogStarWitness {
  /** x ∈ I_ℓ with X = x·B. */
  readonly x: bigint;
  /** ρ ∈ Z*_{N0} with C = enc0(x; ρ). */
  readonly rho: bigint;
}

export interface LogStarProof {
  readonly S: bigint;
  readonly A: bigint;
  readonly Y: Point;
  readonly D: bigint;
  readonly z1: bigint;
  readonly z2: bigint;
  readonly z3: bigint;
}

function challenge(ctx: ProofContext, st: LogStarStatement, first: Pick<LogStarProof, 'S' | 'A' | 'Y' | 'D'>, params: Cggmp21Params): bigint {
  const items = {
    N0: paillierPublic(st.prover).N, C: st.C, X: st.X, B: st.B,
    S: first.S, A: first.A, Y: first.Y, D: first.D,
  };
  return rangeChallenge('log-star', ctx, st.verifier, items, params);
}

export function proveLogStar(ctx: ProofContext, st: LogStarStatement, w: LogStarWitness, params: Cggmp21Params, rng: Rng): LogStarProof {
  const N0 = paillierPublic(st.prover).N;
  const { alpha, mu, r, gamma } = sampleEncMasks(st.prover, st.verifier, params, rng);
  const first = {
    S: st.verifier.commit(w.x, mu),
    A: encryptUnder(st.prover, alpha, r),
    Y: mul(st.B, alpha),
    D: st.verifier.commit(alpha, gamma),
  };
  const e = challenge(ctx, st, first, params);
  return { ...first, z1: alpha + e * w.x, z2: mod(r * powN(st.prover, w.rho, e), N0), z3: gamma + e * mu };
}

export function verifyLogStar(ctx: ProofContext, st: LogStarStatement, proof: LogStarProof, params: Cggmp21Params): Verdict {
  const pk = paillierPublic(st.prover);
  const Nhat = ringParams(st.verifier).N;
  const malformed = checkCT(pk, { C: st.C, A: proof.A }) ?? checkU(Nhat, 'N̂', { S: proof.S, D: proof.D }) ?? checkU(pk.N, 'N0', { z2: proof.z2 });
  if (malformed) return malformed;
  if (proof.Y.is0()) return invalid('Y is the identity');
  if (!inRange(proof.z1, 1n << BigInt(params.ell + params.epsilon))) return invalid('z1 is out of range ±2^(ℓ+ε)');
  const e = challenge(ctx, st, proof, params);
  if (!encEquation(st.prover, proof.z1, proof.z2, proof.A, st.C, e)) return invalid('Paillier equation enc(z1; z2) = A·C^e fails');
  if (!mulPublic(st.B, proof.z1).equals(proof.Y.add(mulPublic(st.X, e)))) return invalid('group equation z1·B = Y + e·X fails');
  if (!ringEquation(st.verifier, proof.z1, proof.z3, proof.D, proof.S, e)) return invalid('ring-Pedersen equation com(z1, z3) = D·S^e fails');
  return VALID;
}

export function encodeLogStar(proof: LogStarProof): WireValue {
  return { S: proof.S, A: proof.A, Y: pointToBytes(proof.Y), D: proof.D, z1: proof.z1, z2: proof.z2, z3: proof.z3 };
}

export function decodeLogStar(input: PayloadReader | WireValue, params: Cggmp21Params): LogStarProof {
  const caps = rangeProofCaps(params);
  return decodeFields(input, 'Π^log*', { S: caps.modN, A: caps.modN2, Y: 'point', D: caps.modN, z1: caps.plain, z2: caps.modN, z3: caps.commitment });
}
