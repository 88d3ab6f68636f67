/**
 * Π^fac: the prover's modulus N0 has no factor below about 2^ℓ ([P] Fig. 28; guide §3.4; [L] §Π^fac; [T] zk/fac).
 * BitForge (CVE-2023-33241) is a Paillier modulus with small factors that, unchecked, leaks the key through MtA.
 *
 * The proof shows N0 = p·q with |p|, |q| ≤ B = 2^{ℓ+ε}·isqrt(N0), so both factors exceed √N0 / 2^{ℓ+ε}. It is made
 * against the VERIFIER's ring-Pedersen parameters, whose soundness only the verifier can vouch for: one proof per
 * verifier, sent p2p. The verifier passes its own `RingPedersenSecret` so its checks run through CRT.
 */
import { bitLength, inRange, isInZStar, isqrt, mod } from '../math/bigint.js';
import { multiModPow } from '../math/modpow.js';
import { randomSigned, systemRng, type Rng } from '../math/random.js';
import type { WireValue } from '../math/wire.js';
import type { Cggmp21Params } from '../cggmp21/params.js';
import { PayloadReader } from '../round/payload.js';
import { rangeChallenge, ringEquation, ringParams, ringPow, type RingPedersenKey } from './common.js';
import { invalid, VALID, type ProofContext, type Verdict } from './proof.js';

export interface FacStatement {
  /** The prover's Paillier modulus. */
  N0: bigint;
  /** The verifier's ring-Pedersen parameters (its secret, when the caller is the verifier). */
  verifier: RingPedersenKey;
}

export interface FacWitness {
  p: bigint;
  q: bigint;
}

export interface FacProof {
  P: bigint;
  Q: bigint;
  A: bigint;
  B: bigint;
  T: bigint;
  sigma: bigint;
  z1: bigint;
  z2: bigint;
  w1: bigint;
  w2: bigint;
  v: bigint;
}

/** B = 2^{ℓ+ε}·isqrt(N0), the same exact integer square root on both sides. */
export function facBound(N0: bigint, params: Cggmp21Params): bigint {
  return (1n << BigInt(params.ell + params.epsilon)) * isqrt(N0);
}

type FirstMessage = Pick<FacProof, 'P' | 'Q' | 'A' | 'B' | 'T' | 'sigma'>;

function challenge(ctx: ProofContext, st: FacStatement, first: FirstMessage, params: Cggmp21Params): bigint {
  return rangeChallenge('fac', ctx, st.verifier, { N0: st.N0, P: first.P, Q: first.Q, A: first.A, B: first.B, T: first.T, sigma: first.sigma }, params);
}

export function proveFac(ctx: ProofContext, st: FacStatement, wit: FacWitness, params: Cggmp21Params, rng: Rng = systemRng): FacProof {
  const { N0 } = st;
  const { p, q } = wit;
  if (p * q !== N0) throw new RangeError('Π^fac witness p·q does not match the statement modulus');
  const R = ringParams(st.verifier);
  const Nhat = R.N;
  const bound = facBound(N0, params);
  const twoL = 1n << BigInt(params.ell);
  const twoLE = 1n << BigInt(params.ell + params.epsilon);
  const alpha = randomSigned(bound, rng);
  const beta = randomSigned(bound, rng);
  const mu = randomSigned(twoL * Nhat, rng);
  const nu = randomSigned(twoL * Nhat, rng);
  const sigma = randomSigned(twoL * N0 * Nhat, rng);
  const r = randomSigned(twoLE * N0 * Nhat, rng);
  const x = randomSigned(twoLE * Nhat, rng);
  const y = randomSigned(twoLE * Nhat, rng);
  const P = R.commit(p, mu);
  const Q = R.commit(q, nu);
  const first: FirstMessage = {
    P,
    Q,
    A: R.commit(alpha, x),
    B: R.commit(beta, y),
    // T = Q^α·t^r: a variable base under the verifier's modulus, so no CRT and no fixed-base table for the prover.
    T: multiModPow([Q, R.t], [alpha, r], Nhat),
    sigma,
  };
  const e = challenge(ctx, st, first, params);
  return {
    ...first,
    z1: alpha + e * p,
    z2: beta + e * q,
    w1: x + e * mu,
    w2: y + e * nu,
    v: r + e * (sigma - nu * p),
  };
}

export function verifyFac(ctx: ProofContext, st: FacStatement, proof: FacProof, params: Cggmp21Params): Verdict {
  const R = ringParams(st.verifier);
  const Nhat = R.N;
  for (const [name, value] of [['P', proof.P], ['Q', proof.Q], ['A', proof.A], ['B′', proof.B], ['T', proof.T]] as const) {
    if (!isInZStar(value, Nhat)) return invalid(`Π^fac ${name} is not in Z*_N̂`);
  }
  const bound = facBound(st.N0, params);
  if (!inRange(proof.z1, bound)) return invalid('Π^fac z1 is outside ±2^{ℓ+ε}·√N0');
  if (!inRange(proof.z2, bound)) return invalid('Π^fac z2 is outside ±2^{ℓ+ε}·√N0');
  const e = challenge(ctx, st, proof, params);
  if (!ringEquation(st.verifier, proof.z1, proof.w1, proof.A, proof.P, e)) return invalid('Π^fac equation com(z1, w1) = A·P^e fails');
  if (!ringEquation(st.verifier, proof.z2, proof.w2, proof.B, proof.Q, e)) return invalid('Π^fac equation com(z2, w2) = B′·Q^e fails');
  // Q^{z1}·t^v ≡ T·(s^{N0}·t^σ)^e, rearranged to one product: Q^{z1}·t^{v − σe}·s^{−N0·e} ≡ T.
  const left = mod(
    ringPow(st.verifier, proof.Q, proof.z1) * ringPow(st.verifier, R.t, proof.v - proof.sigma * e) * ringPow(st.verifier, R.s, -st.N0 * e),
    Nhat,
  );
  if (left !== proof.T) return invalid('Π^fac equation Q^{z1}·t^v = T·(s^{N0}·t^σ)^e fails');
  return VALID;
}

export function encodeFac(proof: FacProof): WireValue {
  const { P, Q, A, B, T, sigma, z1, z2, w1, w2, v } = proof;
  return { P, Q, A, B, T, sigma, z1, z2, w1, w2, v };
}

/**
 * Caps from the honest sizes (b = bits(N) = bits(N̂) = bits(N0), validated before any proof is read):
 * σ < 2^{ℓ+2b}; |z| ≤ B + E·√N0 < 2^{ℓ+ε+b/2+1}; |w| < 2^{ℓ+max(ε,|E|)+b+1}; |v| < 2^{ℓ+max(ε,|E|)+2b+2}.
 * z gets a spare bit so an out-of-range value reaches (and fails) the exact range check.
 */
function facCaps(params: Cggmp21Params) {
  const b = params.paillierBits;
  const slack = params.ell + Math.max(params.epsilon, bitLength(params.challengeBound));
  return { modN: b, sigma: params.ell + 2 * b, z: params.ell + params.epsilon + b / 2 + 2, w: slack + b + 1, v: slack + 2 * b + 2 };
}

export function decodeFac(input: PayloadReader | WireValue, params: Cggmp21Params): FacProof {
  const r = input instanceof PayloadReader ? input : new PayloadReader(input, 'Π^fac');
  const cap = facCaps(params);
  return {
    P: r.bigint('P', cap.modN),
    Q: r.bigint('Q', cap.modN),
    A: r.bigint('A', cap.modN),
    B: r.bigint('B', cap.modN),
    T: r.bigint('T', cap.modN),
    sigma: r.bigint('sigma', cap.sigma),
    z1: r.bigint('z1', cap.z),
    z2: r.bigint('z2', cap.z),
    w1: r.bigint('w1', cap.w),
    w2: r.bigint('w2', cap.w),
    v: r.bigint('v', cap.v),
  };
}
