import { checkPrimeSync } from 'node:crypto';
import { type Rng, randomBelow, systemRng } from './random.js';

/**
 * Small pure helpers on BigInt shared by Paillier, ring-Pedersen and the zk proofs. Exponentiation lives in
 * `modpow.ts` (one seam, two backends); everything here is cheap next to it.
 */

/** Throws a TypeError naming `name` unless `value` is a BigInt. */
export function assertBigint(name: string, value: unknown): asserts value is bigint {
  if (typeof value !== 'bigint') throw new TypeError(`"${name}" expected bigint, got ${typeof value}`);
}

function assertPositiveModulus(name: string, m: unknown): asserts m is bigint {
  assertBigint(name, m);
  if (m <= 0n) throw new RangeError(`"${name}" expected positive modulus, got ${m}`);
}

/** `a mod m` in [0, m) for any sign of `a` (the `%` operator keeps the sign of `a`). */
export function mod(a: bigint, m: bigint): bigint {
  assertBigint('a', a);
  assertPositiveModulus('m', m);
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** Greatest common divisor, always non-negative; gcd(0, 0) = 0. */
export function gcd(a: bigint, b: bigint): bigint {
  assertBigint('a', a);
  assertBigint('b', b);
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** `a^{-1} mod m`; RangeError when gcd(a, m) ≠ 1 (callers turn that into a blame or an abort). */
export function modInverse(a: bigint, m: bigint): bigint {
  assertBigint('a', a);
  assertPositiveModulus('m', m);
  if (m === 1n) return 0n;
  // Extended Euclid on (a mod m, m), tracking only the coefficient of a.
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  if (oldR !== 1n) throw new RangeError(`"a" is not invertible modulo m (gcd = ${oldR})`);
  return mod(oldS, m);
}

/** Number of bits of |x|; bitLength(0) = 0. */
export function bitLength(x: bigint): number {
  assertBigint('x', x);
  if (x < 0n) x = -x;
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + Number.parseInt(hex[0]!, 16).toString(2).length;
}

/** Jacobi symbol (a/n) for odd positive n. Π^mod's verifier uses it (Taurus check set). */
export function jacobi(a: bigint, n: bigint): -1 | 0 | 1 {
  assertBigint('a', a);
  assertBigint('n', n);
  if (n <= 0n || (n & 1n) === 0n) throw new RangeError(`"n" expected odd positive integer, got ${n}`);
  a = mod(a, n);
  let result: -1 | 1 = 1;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n & 7n;
      if (r === 3n || r === 5n) result = result === 1 ? -1 : 1;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) result = result === 1 ? -1 : 1;
    a %= n;
  }
  return n === 1n ? result : 0;
}

/** floor(√n) exactly (Newton's method from an over-estimate); Π^fac's bound uses it. */
export function isqrt(n: bigint): bigint {
  assertBigint('n', n);
  if (n < 0n) throw new RangeError(`"n" expected non-negative, got ${n}`);
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitLength(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * Miller–Rabin with random bases, done by OpenSSL (native, with trial division first). OpenSSL picks the bases
 * itself, so an adversary cannot pre-compute a composite that passes. 64 rounds bound the error by 2^-128.
 */
export function isProbablePrime(n: bigint, rounds = 64): boolean {
  assertBigint('n', n);
  if (!Number.isInteger(rounds) || rounds < 20) throw new RangeError(`"rounds" expected integer >= 20, got ${rounds}`);
  if (n < 2n) return false;
  return checkPrimeSync(n, { checks: rounds });
}

/** Big-endian unsigned bytes to BigInt; empty input is 0. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`"bytes" expected Uint8Array, got ${typeof bytes}`);
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex'));
}

/**
 * Non-negative BigInt to minimal big-endian bytes (0 gives one zero byte), or left-padded to exactly `length`
 * bytes (RangeError when it does not fit).
 */
export function bigintToBytes(x: bigint, length?: number): Uint8Array {
  assertBigint('x', x);
  if (x < 0n) throw new RangeError(`"x" expected non-negative, got ${x}`);
  let hex = x.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  const minimal = new Uint8Array(Buffer.from(hex, 'hex'));
  if (length === undefined) return minimal;
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`"length" expected non-negative integer, got ${length}`);
  if (x === 0n) return new Uint8Array(length);
  if (minimal.length > length) throw new RangeError(`"x" needs ${minimal.length} bytes, more than length ${length}`);
  const out = new Uint8Array(length);
  out.set(minimal, length - minimal.length);
  return out;
}

/** The paper's U(N) check: x ∈ Z*_N, i.e. 0 < x < N and gcd(x, N) = 1. False (not a throw) for non-BigInts. */
export function isInZStar(x: unknown, N: bigint): boolean {
  assertPositiveModulus('N', N);
  return typeof x === 'bigint' && x > 0n && x < N && gcd(x, N) === 1n;
}

/** U(N) for a whole list: every value in [1, N) and their product a unit mod N, so one gcd instead of one each. */
export function allInZStar(values: readonly bigint[], N: bigint): boolean {
  let product = 1n;
  for (const v of values) {
    if (v <= 0n || v >= N) return false;
    product = (product * v) % N;
  }
  // gcd(∏v mod N, N) = 1 exactly when no v shares a factor with N.
  return gcd(product, N) === 1n;
}

/** Uniform element of Z*_N by rejection (a non-unit appears with probability about 2/√N for an RSA modulus). */
export function randomZStar(N: bigint, rng: Rng = systemRng): bigint {
  assertPositiveModulus('N', N);
  if (N < 2n) throw new RangeError(`"N" expected at least 2, got ${N}`);
  for (;;) {
    const x = randomBelow(N, rng);
    if (x !== 0n && gcd(x, N) === 1n) return x;
  }
}

/** The inclusive interval check x ∈ ±B, i.e. −B ≤ x ≤ B (guide §1.3; Lockness `is_in_pm`). */
export function inRange(x: bigint, bound: bigint): boolean {
  assertBigint('x', x);
  assertBigint('bound', bound);
  if (bound < 0n) throw new RangeError(`"bound" expected non-negative, got ${bound}`);
  return -bound <= x && x <= bound;
}
