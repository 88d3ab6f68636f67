/**
 * Π^aff-g: D = (x ⊙ C) ⊕ enc0(y; ρ) under the verifier's key N0, Y = enc1(y; ρ_y) under the prover's key N1
 * encrypts the same y, X = x·G, with x ∈ I_ℓ and y ∈ J_{ℓ′} ([P] Fig. 15; guide §3.6). This is the MtA proof of
 * presigning (y = −β, the Lockness/Taurus sign convention). Both range checks are what stops Alpha-Rays.
 */
import { inRange, isInZStar, mod, randomZStar } from '../math/bigint.js';
import { G, mulBase, mulPublic, pointToBytes, type Point } from '../math/curve.js';
import { randomSigned, type Rng } from '../math/random.js';
import type { WireValue } from '../math/wire.js';
import type { PayloadReader } from '../round/payload.js';
import type { Cggmp21Params } from '../cggmp21/params.js';
import {
  absorbRingPedersen,
  encryptUnder,
  paillierPublic,
  powN,
  powN2,
  proofReader,
  rangeProofCaps,
  ringEquation,
  ringParams,
  type PaillierKey,
  type RingPedersenKey,
} from './enc.js';
import { invalid, proofTranscript, VALID, type ProofContext, type Verdict } from './proof.js';

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

const FIELDS = ['A', 'Bx', 'By', 'E', 'S', 'F', 'T', 'z1', 'z2', 'z3', 'z4', 'w', 'wY'] as const;

function challenge(ctx: ProofContext, st: AffGStatement, first: FirstMessage, params: Cggmp21Params): bigint {
  return absorbRingPedersen(proofTranscript('aff-g', ctx), st.verifier)
    .integer('N0', paillierPublic(st.receiver).N)
    .integer('N1', paillierPublic(st.prover).N)
    .integer('C', st.C)
    .integer('D', st.D)
    .integer('Y', st.Y)
    .point('X', st.X)
    .integer('A', first.A)
    .point('Bx', first.Bx)
    .integer('By', first.By)
    .integer('E', first.E)
    .integer('S', first.S)
    .integer('F', first.F)
    .integer('T', first.T)
    .challenges()
    .signed(params.challengeBound);
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
  const ciphertexts: [string, PaillierKey, bigint][] = [
    ['C', pk0, st.C],
    ['D', pk0, st.D],
    ['A', pk0, proof.A],
    ['Y', pk1, st.Y],
    ['By', pk1, proof.By],
  ];
  for (const [name, key, c] of ciphertexts) {
    if (!paillierPublic(key).isCiphertext(c)) return invalid(`${name} is not a ciphertext under its key`);
  }
  for (const [name, value] of [['E', proof.E], ['S', proof.S], ['F', proof.F], ['T', proof.T]] as const) {
    if (!isInZStar(value, Nhat)) return invalid(`${name} is not a unit mod N̂`);
  }
  if (!isInZStar(proof.w, pk0.N)) return invalid('w is not a unit mod N0');
  if (!isInZStar(proof.wY, pk1.N)) return invalid('wY is not a unit mod N1');
  if (proof.Bx.is0()) return invalid('Bx is the identity');
  if (!inRange(proof.z1, 1n << BigInt(params.ell + params.epsilon))) return invalid('z1 is out of range ±2^(ℓ+ε)');
  if (!inRange(proof.z2, 1n << BigInt(params.ellPrime + params.epsilon))) return invalid("z2 is out of range ±2^(ℓ'+ε)");
  const e = challenge(ctx, st, proof, params);
  const lhs0 = mod(powN2(st.receiver, st.C, proof.z1) * pk0.encryptWithNoncePower(proof.z2, powN2(st.receiver, proof.w, pk0.N)), pk0.N2);
  if (lhs0 !== mod(proof.A * powN2(st.receiver, st.D, e), pk0.N2)) return invalid('affine equation (z1 ⊙ C) ⊕ enc0(z2; w) = A ⊕ (e ⊙ D) fails');
  if (!mulPublic(G, proof.z1).equals(proof.Bx.add(mulPublic(st.X, e)))) return invalid('group equation z1·G = Bx + e·X fails');
  const lhs1 = pk1.encryptWithNoncePower(proof.z2, powN2(st.prover, proof.wY, pk1.N));
  if (lhs1 !== mod(proof.By * powN2(st.prover, st.Y, e), pk1.N2)) return invalid('Paillier equation enc1(z2; wY) = By ⊕ (e ⊙ Y) fails');
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
  const reader = proofReader(input, FIELDS, 'Π^aff-g');
  const caps = rangeProofCaps(params);
  return {
    A: reader.bigint('A', caps.modN2),
    Bx: reader.point('Bx'),
    By: reader.bigint('By', caps.modN2),
    E: reader.bigint('E', caps.modN),
    S: reader.bigint('S', caps.modN),
    F: reader.bigint('F', caps.modN),
    T: reader.bigint('T', caps.modN),
    z1: reader.bigint('z1', caps.plain),
    z2: reader.bigint('z2', caps.mask),
    z3: reader.bigint('z3', caps.commitment),
    z4: reader.bigint('z4', caps.commitment),
    w: reader.bigint('w', caps.modN),
    wY: reader.bigint('wY', caps.modN),
  };
}
