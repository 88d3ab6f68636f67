/**
 * Π^prm: ring-Pedersen parameters are well formed, s ∈ ⟨t⟩, by knowledge of λ with s = t^λ mod N
 * ([P] Fig. 17; guide §3.3; [L] §Π^prm; [T] zk/prm).
 *
 * m parallel Schnorr-style iterations with BINARY challenges. One large challenge is unsound here (TSSHOCK c-split):
 * for s = u·t^λ with u of small order d, the equation passes whenever d divides e, and the commitments built on such
 * an s leak secrets mod d. With bits, a bad s survives each iteration with probability 1/2 at most.
 */
import { allInZStar, isInZStar, mod } from '../math/bigint.js';
import { modPow } from '../math/modpow.js';
import { randomBelow, systemRng, type Rng } from '../math/random.js';
import type { WireValue } from '../math/wire.js';
import type { Cggmp21Params } from '../cggmp21/params.js';
import { MalformedError } from '../errors.js';
import { PayloadReader } from '../round/payload.js';
import { invalid, proofTranscript, VALID, type ProofContext, type Verdict } from './proof.js';

export interface PrmStatement {
  N: bigint;
  s: bigint;
  t: bigint;
}

/**
 * What the prover knows about N: φ(N), and a fast exponentiation mod N (the CRT path of the party's own
 * `PaillierSecretKey` fits this shape).
 */
export interface ModulusTrapdoor {
  readonly phi: bigint;
  expModN(base: bigint, exponent: bigint): bigint;
}

export interface PrmWitness {
  lambda: bigint;
  trapdoor: ModulusTrapdoor;
}

export interface PrmProof {
  /** A_i = t^{a_i} mod N. */
  A: bigint[];
  /** z_i = a_i + e_i·λ mod φ. */
  z: bigint[];
}

function challengeBits(ctx: ProofContext, st: PrmStatement, A: readonly bigint[], m: number): boolean[] {
  return proofTranscript('prm', ctx)
    .integer('N', st.N)
    .integer('s', st.s)
    .integer('t', st.t)
    .integers('A', A)
    .challenges()
    .bits(m);
}

export function provePrm(ctx: ProofContext, st: PrmStatement, wit: PrmWitness, params: Cggmp21Params, rng: Rng = systemRng): PrmProof {
  const { phi } = wit.trapdoor;
  const a = Array.from({ length: params.iterations }, () => randomBelow(phi, rng));
  const A = a.map((ai) => wit.trapdoor.expModN(st.t, ai));
  const e = challengeBits(ctx, st, A, params.iterations);
  return { A, z: a.map((ai, i) => (e[i] ? mod(ai + wit.lambda, phi) : ai)) };
}

export function verifyPrm(ctx: ProofContext, st: PrmStatement, proof: PrmProof, params: Cggmp21Params): Verdict {
  const { N, s, t } = st;
  const m = params.iterations;
  if (N < 3n || (N & 1n) === 0n) return invalid('Π^prm modulus N must be odd and greater than 1');
  if (!isInZStar(s, N) || !isInZStar(t, N)) return invalid('Π^prm s and t must be in Z*_N');
  if (s === t) return invalid('Π^prm s and t must differ');
  if (s === 1n || t === 1n) return invalid('Π^prm s and t must differ from 1');
  if (proof.A.length !== m || proof.z.length !== m) {
    return invalid(`Π^prm expected exactly ${m} pairs (A_i, z_i), got ${proof.A.length} and ${proof.z.length}`);
  }
  if (!allInZStar(proof.A, N)) return invalid('Π^prm every A_i must be in Z*_N');
  if (proof.z.some((zi) => zi < 0n || zi >= N)) return invalid('Π^prm every z_i must satisfy 0 ≤ z_i < N');
  const e = challengeBits(ctx, st, proof.A, m);
  for (let i = 0; i < m; i++) {
    const expected = e[i] ? (proof.A[i]! * s) % N : proof.A[i]!;
    if (modPow(t, proof.z[i]!, N) !== expected) return invalid(`Π^prm iteration ${i}: t^z ≢ A·s^e (mod N)`);
  }
  return VALID;
}

export function encodePrm(proof: PrmProof): WireValue {
  return { A: [...proof.A], z: [...proof.z] };
}

/** Exactly m values of A and of z, each capped at bits(N) (both live in [0, N)). */
export function decodePrm(input: PayloadReader | WireValue, params: Cggmp21Params): PrmProof {
  const r = input instanceof PayloadReader ? input : new PayloadReader(input, 'Π^prm');
  const A = r.bigints('A', params.paillierBits, params.iterations);
  const z = r.bigints('z', params.paillierBits, params.iterations);
  if (A.some((v) => v < 0n) || z.some((v) => v < 0n)) throw new MalformedError('Π^prm: integers must be non-negative');
  return { A, z };
}
