/**
 * Π^mod: N is a Paillier–Blum modulus ([P] Fig. 16; guide §3.2; [L] §Π^mod; [T] zk/mod).
 *
 * The prover shows it can take N-th roots (so gcd(N, φ(N)) = 1) and fourth roots of ±w^b·y (so N has the Blum
 * shape) for m challenges y_i read from one continuing Fiat–Shamir stream. The verifier runs the full Taurus check
 * set, not just the paper's: gcd(w, N) = 1, (w|N) = −1 and x_i, z_i ∈ Z*_N stop the tss-lib c84c096 forgery, where
 * N = P·q_1⋯q_7 and w ≡ 0 mod every q_i makes w·y ≡ 0 ≡ 0⁴ modulo the small factors.
 */
import { allInZStar, gcd, isProbablePrime, jacobi, mod, modInverse } from '../math/bigint.js';
import { modPow } from '../math/modpow.js';
import { randomBelow, systemRng, type Rng } from '../math/random.js';
import type { WireValue } from '../math/wire.js';
import type { Cggmp21Params } from '../cggmp21/params.js';
import { MalformedError } from '../errors.js';
import { PayloadReader } from '../round/payload.js';
import { invalid, proofTranscript, VALID, type ProofContext, type Verdict } from './proof.js';

export type Bit = 0 | 1;

export interface ModStatement {
  N: bigint;
}

export interface ModWitness {
  /** Blum primes p ≡ q ≡ 3 (mod 4) with N = p·q. */
  p: bigint;
  q: bigint;
}

export interface ModIteration {
  /** A fourth root of (−1)^a·w^b·y_i mod N. */
  x: bigint;
  a: Bit;
  b: Bit;
  /** The N-th root of y_i mod N. */
  z: bigint;
}

export interface ModProof {
  w: bigint;
  iterations: ModIteration[];
}

/**
 * y_1..y_m ∈ Z_N from FS(ctx, N, w), each `below(N)` on ONE continuing stream: a fresh reader per sample made every
 * Taurus challenge identical (d51b737).
 */
export function modChallenges(ctx: ProofContext, N: bigint, w: bigint, m: number): bigint[] {
  const stream = proofTranscript('mod', ctx).integer('N', N).integer('w', w).challenges();
  return Array.from({ length: m }, () => stream.below(N));
}

/** base^exponent mod N from its residues mod p and mod q (Garner), exponents reduced mod p−1 and q−1. */
function crtPow(base: bigint, exponent: bigint, p: bigint, q: bigint, pInvQ: bigint): bigint {
  const xp = modPow(mod(base, p), mod(exponent, p - 1n), p);
  const xq = modPow(mod(base, q), mod(exponent, q - 1n), q);
  return xp + p * mod((xq - xp) * pInvQ, q);
}

function sign(negate: boolean, x: bigint, N: bigint): bigint {
  return negate ? mod(-x, N) : x;
}

export function proveMod(ctx: ProofContext, st: ModStatement, wit: ModWitness, params: Cggmp21Params, rng: Rng = systemRng): ModProof {
  const { N } = st;
  const { p, q } = wit;
  if (p * q !== N) throw new RangeError('Π^mod witness p·q does not match the statement modulus');
  const phi = (p - 1n) * (q - 1n);
  const pInvQ = modInverse(p, q);
  const nInvPhi = modInverse(N, phi);
  // φ ≡ 4 (mod 8) for safe primes, so (φ+4)/8 is a square-root exponent on QR_N and its square a fourth-root one.
  const e4 = mod(((phi + 4n) / 8n) ** 2n, phi);
  let w: bigint;
  do w = randomBelow(N, rng);
  while (jacobi(w, N) !== -1);
  // Legendre symbols decide (a, b): −1 is a non-residue mod both Blum primes, and (w|p)·(w|q) = −1.
  const wp = jacobi(w, p);
  const wq = jacobi(w, q);
  const ys = modChallenges(ctx, N, w, params.iterations);
  const iterations = ys.map((y): ModIteration => {
    const yp = jacobi(y, p);
    const yq = jacobi(y, q);
    let a: Bit = 0;
    let b: Bit = 0;
    search: for (const ca of [0, 1] as const) {
      for (const cb of [0, 1] as const) {
        const sp = (ca ? -1 : 1) * (cb ? wp : 1) * yp;
        const sq = (ca ? -1 : 1) * (cb ? wq : 1) * yq;
        if (sp === 1 && sq === 1) {
          [a, b] = [ca, cb];
          break search;
        }
      }
    }
    const yPrime = sign(a === 1, b === 1 ? mod(w * y, N) : y, N);
    return { x: crtPow(yPrime, e4, p, q, pInvQ), a, b, z: crtPow(y, nInvPhi, p, q, pInvQ) };
  });
  return { w, iterations };
}

export function verifyMod(ctx: ProofContext, st: ModStatement, proof: ModProof, params: Cggmp21Params): Verdict {
  const { N } = st;
  const m = params.iterations;
  if (N < 3n || (N & 1n) === 0n) return invalid('Π^mod modulus N must be odd and greater than 1');
  if (isProbablePrime(N, 20)) return invalid('Π^mod modulus N is prime');
  const { w, iterations } = proof;
  if (w <= 0n || w >= N) return invalid('Π^mod w must satisfy 0 < w < N');
  if (gcd(w, N) !== 1n) return invalid('Π^mod w is not a unit mod N (gcd(w, N) ≠ 1)');
  if (jacobi(w, N) !== -1) return invalid('Π^mod w must have Jacobi symbol (w|N) = −1');
  if (iterations.length !== m) return invalid(`Π^mod expected exactly ${m} iterations, got ${iterations.length}`);
  for (const { a, b } of iterations) {
    if ((a !== 0 && a !== 1) || (b !== 0 && b !== 1)) return invalid('Π^mod a_i and b_i must be 0 or 1');
  }
  if (!allInZStar(iterations.flatMap(({ x, z }) => [x, z]), N)) return invalid('Π^mod every x_i and z_i must be in Z*_N');
  const ys = modChallenges(ctx, N, w, m);
  for (let i = 0; i < m; i++) {
    const { x, a, b, z } = iterations[i]!;
    const y = ys[i]!;
    if (modPow(z, N, N) !== y) return invalid(`Π^mod iteration ${i}: z^N ≢ y (mod N)`);
    if (modPow(x, 4n, N) !== sign(a === 1, b === 1 ? mod(w * y, N) : y, N)) {
      return invalid(`Π^mod iteration ${i}: x^4 ≢ (−1)^a·w^b·y (mod N)`);
    }
  }
  return VALID;
}

export function encodeMod(proof: ModProof): WireValue {
  const its = proof.iterations;
  return { w: proof.w, x: its.map((i) => i.x), a: its.map((i) => i.a), b: its.map((i) => i.b), z: its.map((i) => i.z) };
}

function bits(r: PayloadReader, field: string, count: number): Bit[] {
  return r.list(field, count).map((v, i) => {
    if (v !== 0 && v !== 1) throw new MalformedError(`Π^mod: "${field}[${i}]" expected 0 or 1`);
    return v;
  });
}

/** Exactly m of each of x, a, b, z; every integer capped at bits(N) (each is reduced mod N). */
export function decodeMod(input: PayloadReader | WireValue, params: Cggmp21Params): ModProof {
  const r = input instanceof PayloadReader ? input : new PayloadReader(input, 'Π^mod');
  const m = params.iterations;
  const nBits = params.paillierBits;
  const w = r.bigint('w', nBits);
  const x = r.bigints('x', nBits, m);
  const a = bits(r, 'a', m);
  const b = bits(r, 'b', m);
  const z = r.bigints('z', nBits, m);
  if (w < 0n || x.some((v) => v < 0n) || z.some((v) => v < 0n)) throw new MalformedError('Π^mod: integers must be non-negative');
  return { w, iterations: x.map((xi, i) => ({ x: xi, a: a[i]!, b: b[i]!, z: z[i]! })) };
}

