/**
 * Π^aff-g: D = (x ⊙ C) ⊕ enc0(y; ρ) under the verifier's key N0, Y = enc1(y; ρ_y) under the prover's key N1
 * encrypts the same y, X = x·G, with x ∈ I_ℓ and y ∈ J_{ℓ′} ([P] Fig. 15; guide §3.6). This is the MtA proof of
 * presigning (y = −β, the Lockness/Taurus sign convention). Both range checks are what stops Alpha-Rays.
 */
import { inRange, mod, randomZStar } from '../math/bigint.js';
import { G, mulBase, mulPublic, pointToBytes, type Point } from '../math/curve.js';
import { randomSigned, type Rng } from '../math/random.js';
import type { WireValue } from '../math/wire.js';
import type { PayloadReader } from '../round/payload.js';
import type { Cggmp21Params } from '../cggmp21/params.js';
import { checkCT, checkU, decodeFields, encEquation, encryptUnder, paillierPublic, powN, powN2, rangeChallenge, rangeProofCaps, ringEquation, ringParams, type PaillierKey, type RingPedersenKey } from './common.js';
import { invalid, VALID, type ProofContext, type Verdict } from './proof.js';

export interface AffGStatement {
  /** N0: the verifier's Paillier key, under which C and D are (its secret key when it verifies: CRT). */
  readonly receiver: PaillierKey;
  /** N1: the prover's Paillier key, under which Y is (its secret key when proving). */
  readonly prover: PaillierKey;
  readonly C: bigint;
  readonly D: bigint;
  readonly Y: bigint;
  readonly X: Point;
  /** The verifier's ring-Pedersen parameters (its secret when verifying). */
  readonly verifier: RingPedersenKey;
}

export interface AffGWitness {
  /** x ∈ I_ℓ with X = x·G. */
  readonly x: bigint;
  /** y ∈ J_{ℓ′}. */
  readonly y: bigint;
  /** ρ ∈ Z*_{N0}: the nonce of enc0(y) inside D. */
  readonly rho: bigint;
  /** ρ_y ∈ Z*_{N1}: the nonce of Y. */
  readonly rhoY: bigint;
}

export interface AffGProof {
  readonly A: bigint;
  readonly Bx: Point;
  readonly By: bigint;
  readonly E: bigint;
  readonly S: bigint;
  readonly F: bigint;
  readonly T: bigint;
  readonly z1: bigint;
  readonly z2: bigint;
  readonly z3: bigint;
  readonly z4: bigint;
  readonly w: bigint;
  readonly wY: bigint;
}

type FirstMessage = Pick<AffGProof, 'A' | 'Bx' | 'By' | 'E' | 'S' | 'F' | 'T'>;

function challenge(ctx: ProofContext, st: AffGStatement, first: FirstMessage, params: Cggmp21Params): bigint {
  const items = {
    N0: paillierPublic(st.receiver).N, N1: paillierPublic(st.prover).N, C: st.C, D: st.D, Y: st.Y, X: st.X,
    A: first.A, Bx: first.Bx, By: first.By, E: first.E, S: first.S, F: first.F, T: first.T,
  };
  return rangeChallenge('aff-g', ctx, st.verifier, items, params);
}

export function proveAffG(ctx: ProofContext, st: AffGStatement, w: AffGWitness, params: Cggmp21Params, rng: Rng): AffGProof {
  const pk0 = paillierPublic(st.receiver);
  const N1 = paillierPublic(st.prover).N;
  const Nhat = ringParams(st.verifier).N;
  const ellEps = 1n << BigInt(params.ell + params.epsilon);
  const ellNhat = (1n << BigInt(params.ell)) * Nhat;
  const alpha = randomSigned(ellEps, rng);
  const beta = randomSigned(1n << BigInt(params.ellPrime + params.epsilon), rng);
  const r = randomZStar(pk0.N, rng);
  const rY = randomZStar(N1, rng);
  const gamma = randomSigned(ellEps * Nhat, rng);
  const delta = randomSigned(ellEps * Nhat, rng);
  const m = randomSigned(ellNhat, rng);
  const mu = randomSigned(ellNhat, rng);
  const first: FirstMessage = {
    A: mod(powN2(st.receiver, st.C, alpha) * encryptUnder(st.receiver, beta, r), pk0.N2),
    Bx: mulBase(alpha),
    By: encryptUnder(st.prover, beta, rY),
    E: st.verifier.commit(alpha, gamma),
    S: st.verifier.commit(w.x, m),
    F: st.verifier.commit(beta, delta),
    T: st.verifier.commit(w.y, mu),
  };
  const e = challenge(ctx, st, first, params);
  return {
    ...first,
    z1: alpha + e * w.x,
    z2: beta + e * w.y,
    z3: gamma + e * m,
    z4: delta + e * mu,
    w: mod(r * powN(st.receiver, w.rho, e), pk0.N),
    wY: mod(rY * powN(st.prover, w.rhoY, e), N1),
  };
}

export function verifyAffG(ctx: ProofContext, st: AffGStatement, proof: AffGProof, params: Cggmp21Params): Verdict {
  const pk0 = paillierPublic(st.receiver);
  const pk1 = paillierPublic(st.prover);
  const Nhat = ringParams(st.verifier).N;
  const malformed =
    checkCT(pk0, { C: st.C, D: st.D, A: proof.A }, 'under its key') ??
    checkCT(pk1, { Y: st.Y, By: proof.By }, 'under its key') ??
    checkU(Nhat, 'N̂', { E: proof.E, S: proof.S, F: proof.F, T: proof.T }) ??
    checkU(pk0.N, 'N0', { w: proof.w }) ??
    checkU(pk1.N, 'N1', { wY: proof.wY });
  if (malformed) return malformed;
  if (proof.Bx.is0()) return invalid('Bx is the identity');
  if (!inRange(proof.z1, 1n << BigInt(params.ell + params.epsilon))) return invalid('z1 is out of range ±2^(ℓ+ε)');
  if (!inRange(proof.z2, 1n << BigInt(params.ellPrime + params.epsilon))) return invalid("z2 is out of range ±2^(ℓ'+ε)");
  const e = challenge(ctx, st, proof, params);
  const lhs0 = mod(powN2(st.receiver, st.C, proof.z1) * pk0.encryptWithNoncePower(proof.z2, powN2(st.receiver, proof.w, pk0.N)), pk0.N2);
  if (lhs0 !== mod(proof.A * powN2(st.receiver, st.D, e), pk0.N2)) return invalid('affine equation (z1 ⊙ C) ⊕ enc0(z2; w) = A ⊕ (e ⊙ D) fails');
  if (!mulPublic(G, proof.z1).equals(proof.Bx.add(mulPublic(st.X, e)))) return invalid('group equation z1·G = Bx + e·X fails');
  if (!encEquation(st.prover, proof.z2, proof.wY, proof.By, st.Y, e)) return invalid('Paillier equation enc1(z2; wY) = By ⊕ (e ⊙ Y) fails');
  if (!ringEquation(st.verifier, proof.z1, proof.z3, proof.E, proof.S, e)) return invalid('ring-Pedersen equation com(z1, z3) = E·S^e fails');
  if (!ringEquation(st.verifier, proof.z2, proof.z4, proof.F, proof.T, e)) return invalid('ring-Pedersen equation com(z2, z4) = F·T^e fails');
  return VALID;
}

export function encodeAffG(proof: AffGProof): WireValue {
  return {
    A: proof.A,
    Bx: pointToBytes(proof.Bx),
    By: proof.By,
    E: proof.E,
    S: proof.S,
    F: proof.F,
    T: proof.T,
    z1: proof.z1,
    z2: proof.z2,
    z3: proof.z3,
    z4: proof.z4,
    w: proof.w,
    wY: proof.wY,
  };
}

export function decodeAffG(input: PayloadReader | WireValue, params: Cggmp21Params): AffGProof {
  const caps = rangeProofCaps(params);
  return decodeFields(input, 'Π^aff-g', {
    A: caps.modN2,
    Bx: 'point',
    By: caps.modN2,
    E: caps.modN,
    S: caps.modN,
    F: caps.modN,
    T: caps.modN,
    z1: caps.plain,
    z2: caps.mask,
    z3: caps.commitment,
    z4: caps.commitment,
    w: caps.modN,
    wY: caps.modN,
  });
}
