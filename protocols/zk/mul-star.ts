/**
 * Π^mul*: D = (x ⊙ C)·ρ^{N0} for the x with X = x·G, and x ∈ ±2^{ℓ+ε} ([P] Fig. 31 with the typos noted in
 * Synedrion's PAPER.md fixed: B and B_x are one value, r_y is unused, the stray β in A is 0; guide §3.8).
 * Identification after an invalid signature uses it to show Ĥ_i encrypts x_i·k_i for the Lagrange-weighted x_i.
 * A range proof: made against the VERIFIER's ring-Pedersen parameters, once per verifier.
 */
import { inRange, mod, randomZStar } from '../math/bigint.js';
import { G, mulBase, mulPublic, pointToBytes, type Point } from '../math/curve.js';
import { randomSigned, type Rng } from '../math/random.js';
import type { WireValue } from '../math/wire.js';
import type { PayloadReader } from '../round/payload.js';
import type { Cggmp21Params } from '../cggmp21/params.js';
import { checkCT, checkU, decodeFields, paillierPublic, powN, powN2, productEquation, rangeChallenge, rangeProofCaps, ringEquation, ringParams, type PaillierKey, type RingPedersenKey } from './common.js';
import { invalid, VALID, type ProofContext, type Verdict } from './proof.js';

export interface MulStarStatement {
  /** The prover's Paillier key N0 (its secret key when proving: CRT). */
  readonly prover: PaillierKey;
  readonly C: bigint;
  readonly D: bigint;
  readonly X: Point;
  /** The verifier's ring-Pedersen parameters (its secret when verifying: CRT). */
  readonly verifier: RingPedersenKey;
}

export interface MulStarWitness {
  /** x ∈ I_ℓ with X = x·G. */
  readonly x: bigint;
  /** ρ ∈ Z*_{N0} with D = (x ⊙ C)·ρ^{N0}. */
  readonly rho: bigint;
}

export interface MulStarProof {
  readonly A: bigint;
  readonly Bx: Point;
  readonly E: bigint;
  readonly S: bigint;
  readonly z1: bigint;
  readonly z2: bigint;
  readonly w: bigint;
}

type FirstMessage = Pick<MulStarProof, 'A' | 'Bx' | 'E' | 'S'>;

function challenge(ctx: ProofContext, st: MulStarStatement, first: FirstMessage, params: Cggmp21Params): bigint {
  const items = {
    N0: paillierPublic(st.prover).N, C: st.C, D: st.D, X: st.X,
    A: first.A, Bx: first.Bx, E: first.E, S: first.S,
  };
  return rangeChallenge('mul*', ctx, st.verifier, items, params);
}

export function proveMulStar(ctx: ProofContext, st: MulStarStatement, w: MulStarWitness, params: Cggmp21Params, rng: Rng): MulStarProof {
  const { N, N2 } = paillierPublic(st.prover);
  const Nhat = ringParams(st.verifier).N;
  const ellEps = 1n << BigInt(params.ell + params.epsilon);
  const alpha = randomSigned(ellEps, rng);
  const r = randomZStar(N, rng);
  const gamma = randomSigned(ellEps * Nhat, rng);
  const m = randomSigned((1n << BigInt(params.ell)) * Nhat, rng);
  const first: FirstMessage = {
    A: mod(powN2(st.prover, st.C, alpha) * powN2(st.prover, r, N), N2),
    Bx: mulBase(alpha),
    E: st.verifier.commit(alpha, gamma),
    S: st.verifier.commit(w.x, m),
  };
  const e = challenge(ctx, st, first, params);
  return { ...first, z1: alpha + e * w.x, z2: gamma + e * m, w: mod(r * powN(st.prover, w.rho, e), N) };
}

export function verifyMulStar(ctx: ProofContext, st: MulStarStatement, proof: MulStarProof, params: Cggmp21Params): Verdict {
  const pk = paillierPublic(st.prover);
  const Nhat = ringParams(st.verifier).N;
  const malformed = checkCT(pk, { C: st.C, D: st.D, A: proof.A }) ?? checkU(Nhat, 'N̂', { E: proof.E, S: proof.S }) ?? checkU(pk.N, 'N0', { w: proof.w });
  if (malformed) return malformed;
  if (st.X.is0() || proof.Bx.is0()) return invalid('X or Bx is the identity');
  if (!inRange(proof.z1, 1n << BigInt(params.ell + params.epsilon))) return invalid('z1 is out of range ±2^(ℓ+ε)');
  const e = challenge(ctx, st, proof, params);
  if (!productEquation(st.prover, proof.z1, st.C, proof.w, proof.A, st.D, e)) return invalid('product equation (z1 ⊙ C)·w^N0 = A ⊕ (e ⊙ D) fails');
  if (!mulPublic(G, proof.z1).equals(proof.Bx.add(mulPublic(st.X, e)))) return invalid('group equation z1·G = Bx + e·X fails');
  if (!ringEquation(st.verifier, proof.z1, proof.z2, proof.E, proof.S, e)) return invalid('ring-Pedersen equation com(z1, z2) = E·S^e fails');
  return VALID;
}

export function encodeMulStar(proof: MulStarProof): WireValue {
  return { A: proof.A, Bx: pointToBytes(proof.Bx), E: proof.E, S: proof.S, z1: proof.z1, z2: proof.z2, w: proof.w };
}

export function decodeMulStar(input: PayloadReader | WireValue, params: Cggmp21Params): MulStarProof {
  const caps = rangeProofCaps(params);
  return decodeFields(input, 'Π^mul*', { A: caps.modN2, Bx: 'point', E: caps.modN, S: caps.modN, z1: caps.plain, z2: caps.commitment, w: caps.modN });
}
