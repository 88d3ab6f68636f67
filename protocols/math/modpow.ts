import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import { assertBigint, bigintToBytes, bitLength, bytesToBigint, mod, modInverse } from './bigint.js';
import { InternalError } from '../errors.js';
import { randomBelow } from './random.js';

/**
 * The one modular-exponentiation seam of the project. Paillier-size exponentiation is CGGMP21's hot path, and
 * Node's bundled OpenSSL does it 4–5× faster than any BigInt code, in constant time for the exponent. Node
 * exposes it only through finite-field Diffie–Hellman: with the modulus as the DH "prime" and the exponent as the
 * private key, `computeSecret(base)` returns base^exponent mod m. OpenSSL 3.0 does not insist the prime is prime,
 * but it refuses some inputs (see `opensslModPow`), so a BigInt path backs it up, and a self-test guards the trick.
 */

export type ModPowBackend = 'openssl' | 'bigint';

/** DH refuses moduli under 512 bits, and silently returns zeros for them through Node, so never send those. */
const OPENSSL_MIN_MODULUS_BITS = 512;
/** OPENSSL_DH_MAX_MODULUS_BITS: larger "primes" are rejected. */
const OPENSSL_MAX_MODULUS_BITS = 10_000;
/**
 * Building a DH object runs OpenSSL's prime check on the modulus (13 ms for N², 28 ms for a 1024-bit safe prime),
 * so keep one per modulus. A party touches about two moduli per peer plus four of its own (N, N², p², q², p, q);
 * 64 covers a large committee with room for a refresh overlapping the old epoch.
 */
const DH_CACHE_SIZE = 64;

let backend: ModPowBackend = 'openssl';
let selfTest: { passed: boolean; detail?: string } | undefined;
const dhCache = new Map<bigint, DiffieHellman>();

function dhFor(modulus: bigint): DiffieHellman {
  const cached = dhCache.get(modulus);
  if (cached !== undefined) {
    // Re-insert to mark as most recently used (Map keeps insertion order).
    dhCache.delete(modulus);
    dhCache.set(modulus, cached);
    return cached;
  }
  const dh = createDiffieHellman(Buffer.from(bigintToBytes(modulus)), Buffer.from([2]));
  if (dhCache.size >= DH_CACHE_SIZE) dhCache.delete(dhCache.keys().next().value!);
  dhCache.set(modulus, dh);
  return dh;
}

/** base^exponent mod m through OpenSSL; throws for the inputs and results DH refuses. */
function dhPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  const dh = dhFor(modulus);
  dh.setPrivateKey(Buffer.from(bigintToBytes(exponent)));
  return bytesToBigint(dh.computeSecret(Buffer.from(bigintToBytes(base))));
}

interface Normalised {
  /** Set when the answer is known without exponentiating. */
  readonly result?: bigint;
  readonly base: bigint;
  readonly exponent: bigint;
}

/** Validates, reduces the base into [0, m), and turns a negative exponent into a positive one on the inverse. */
function normalise(base: bigint, exponent: bigint, modulus: bigint): Normalised {
  assertBigint('base', base);
  assertBigint('exponent', exponent);
  assertBigint('modulus', modulus);
  if (modulus <= 0n) throw new RangeError(`"modulus" expected positive, got ${modulus}`);
  if (modulus === 1n) return { result: 0n, base: 0n, exponent: 0n };
  let b = mod(base, modulus);
  let e = exponent;
  if (e < 0n) {
    b = modInverse(b, modulus);
    e = -e;
  }
  if (e === 0n) return { result: 1n, base: b, exponent: e };
  if (e === 1n || b < 2n) return { result: b, base: b, exponent: e };
  return { base: b, exponent: e };
}

function opensslEligible(modulus: bigint): boolean {
  if ((modulus & 1n) === 0n) return false;
  const bits = bitLength(modulus);
  return bits >= OPENSSL_MIN_MODULUS_BITS && bits <= OPENSSL_MAX_MODULUS_BITS;
}

/**
 * OpenSSL backend. DH refuses bases 0, 1 and m−1 and results 0, 1 and m−1 (DH public-key and shared-secret
 * checks). Results 1 and m−1 occur in normal use, with secret exponents: decrypting an encryption of zero computes
 * c^{p−1} mod p² = 1. Rather than redo those in non-constant-time BigInt, compute b^{e−1} in OpenSSL and multiply
 * by b: if b^e = ±1 then b^{e−1} = ±b^{-1}, which DH accepts because b ∉ {0, 1, m−1}. Only what is left (base m−1,
 * result 0 from a non-unit base: no secret exponent meets these) goes to BigInt.
 */
export function opensslModPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  const n = normalise(base, exponent, modulus);
  if (n.result !== undefined) return n.result;
  if (!opensslEligible(modulus) || n.base === modulus - 1n) return bigintModPow(n.base, n.exponent, modulus);
  let result: bigint;
  try {
    result = dhPow(n.base, n.exponent, modulus);
  } catch {
    try {
      result = (dhPow(n.base, n.exponent - 1n, modulus) * n.base) % modulus;
    } catch {
      return bigintModPow(n.base, n.exponent, modulus);
    }
  }
  // A zero is legitimate only from a non-unit base; never trust one from the DH path unchecked.
  return result === 0n ? bigintModPow(n.base, n.exponent, modulus) : result;
}

/** Window width minimising squarings + table size + multiplications for an exponent of `bits` bits. */
function windowWidth(bits: number): number {
  if (bits > 671) return 6;
  if (bits > 239) return 5;
  if (bits > 79) return 4;
  if (bits > 23) return 3;
  return 1;
}

/**
 * Pure-BigInt backend: interleaved sliding-window exponentiation (Straus with windows), so one product of k powers
 * shares one chain of squarings. With one base it is plain left-to-right sliding window. Not constant time.
 */
export function bigintMultiModPow(bases: readonly bigint[], exponents: readonly bigint[], modulus: bigint): bigint {
  checkLengths(bases, exponents);
  assertBigint('modulus', modulus);
  if (modulus <= 0n) throw new RangeError(`"modulus" expected positive, got ${modulus}`);
  if (modulus === 1n) return 0n;
  let constant = 1n; // product of the factors known without exponentiating
  const terms: { base: bigint; bits: string }[] = [];
  for (let i = 0; i < bases.length; i++) {
    const n = normalise(bases[i]!, exponents[i]!, modulus);
    if (n.result !== undefined) constant = (constant * n.result) % modulus;
    else terms.push({ base: n.base, bits: n.exponent.toString(2) });
  }
  if (constant === 0n) return 0n;
  const length = Math.max(0, ...terms.map((t) => t.bits.length));
  // multiplyAt[pos] lists the table entries to multiply in right after the squaring at bit position pos.
  const multiplyAt: bigint[][] = Array.from({ length }, () => []);
  for (const { base, bits } of terms) {
    const width = windowWidth(bits.length);
    const square = (base * base) % modulus;
    const oddPowers = [base]; // oddPowers[k] = base^(2k+1)
    for (let k = 1; k < 1 << (width - 1); k++) oddPowers.push((oddPowers[k - 1]! * square) % modulus);
    const offset = length - bits.length;
    let i = 0;
    while (i < bits.length) {
      if (bits[i] === '0') {
        i++;
        continue;
      }
      let end = Math.min(i + width, bits.length);
      while (bits[end - 1] === '0') end--;
      const value = Number.parseInt(bits.slice(i, end), 2);
      multiplyAt[offset + end - 1]!.push(oddPowers[(value - 1) >> 1]!);
      i = end;
    }
  }
  let result = 1n;
  for (let pos = 0; pos < length; pos++) {
    if (result !== 1n) result = (result * result) % modulus;
    for (const factor of multiplyAt[pos]!) result = (result * factor) % modulus;
  }
  return (result * constant) % modulus;
}

export function bigintModPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  return bigintMultiModPow([base], [exponent], modulus);
}

function checkLengths(bases: readonly bigint[], exponents: readonly bigint[]): void {
  if (!Array.isArray(bases)) throw new TypeError(`"bases" expected array, got ${typeof bases}`);
  if (!Array.isArray(exponents)) throw new TypeError(`"exponents" expected array, got ${typeof exponents}`);
  if (bases.length !== exponents.length) {
    throw new RangeError(`"exponents" expected ${bases.length} entries (one per base), got ${exponents.length}`);
  }
}

/**
 * Cross-check of the OpenSSL trick against BigInt. The modulus is P² with P = 2^521 − 1 (a Mersenne prime): it is
 * composite, so building its DH object is cheap, and Z*_{P²} is cyclic of known order P(P−1), so the test can
 * force the refused results 1 and m−1 (b^{P(P−1)} = 1, b^{P(P−1)/2} = ±1) and 0 (P² = 0) besides random cases.
 */
export function runModPowSelfTest(): { passed: boolean; detail?: string } {
  const P = (1n << 521n) - 1n;
  const modulus = P * P;
  const order = P * (P - 1n);
  const cases: [bigint, bigint][] = [
    [0n, 5n],
    [1n, 7n],
    [modulus - 1n, 3n],
    [12345n, 0n],
    [-3n, 5n],
    [P, 2n],
    [randomBelow(modulus), order],
    [randomBelow(modulus), order / 2n],
    [randomBelow(modulus), -randomBelow(order)],
  ];
  for (let i = 0; i < 2; i++) cases.push([randomBelow(modulus), randomBelow(1n << 600n)]);
  for (const [b, e] of cases) {
    let got: bigint;
    try {
      got = opensslModPow(b, e, modulus);
    } catch (error) {
      return { passed: false, detail: `OpenSSL path threw ${(error as Error).message}` };
    }
    if (got !== bigintModPow(b, e, modulus)) return { passed: false, detail: `backends disagree on ${b}^${e}` };
  }
  return { passed: true };
}

function ensureSelfTest(): void {
  if (selfTest !== undefined) return;
  selfTest = runModPowSelfTest();
  // A wrong fast answer is worse than a slow right one: fall back for good.
  if (!selfTest.passed) backend = 'bigint';
}

/** Chooses the backend (benchmarks, cross-checks). Choosing OpenSSL runs the self-test and refuses if it failed. */
export function setModPowBackend(choice: ModPowBackend): void {
  if (choice !== 'openssl' && choice !== 'bigint') {
    throw new RangeError(`"backend" expected 'openssl' or 'bigint', got ${String(choice)}`);
  }
  if (choice === 'openssl') {
    ensureSelfTest();
    if (!selfTest!.passed) throw new InternalError(`OpenSSL modPow self-test failed: ${selfTest!.detail}`);
  }
  backend = choice;
}

export function getModPowBackend(): ModPowBackend {
  return backend;
}

/** Result of the start-up self-test (runs it if it has not run yet), for a node's health report. */
export function modPowSelfTest(): { passed: boolean; detail?: string } {
  ensureSelfTest();
  return selfTest!;
}

/**
 * base^exponent mod modulus for any integer base and exponent (a negative exponent uses the inverse of the base,
 * RangeError if there is none) and positive modulus.
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (backend === 'openssl') ensureSelfTest();
  return backend === 'openssl' ? opensslModPow(base, exponent, modulus) : bigintModPow(base, exponent, modulus);
}

/**
 * ∏ bases[i]^exponents[i] mod modulus. On OpenSSL, separate native exponentiations beat a simultaneous BigInt one
 * (2 × 7 ms against about 43 ms for two 2048-bit exponents mod N²), so that backend multiplies single powers.
 */
export function multiModPow(bases: readonly bigint[], exponents: readonly bigint[], modulus: bigint): bigint {
  if (backend === 'openssl') ensureSelfTest();
  if (backend === 'bigint') return bigintMultiModPow(bases, exponents, modulus);
  checkLengths(bases, exponents);
  assertBigint('modulus', modulus);
  if (modulus <= 0n) throw new RangeError(`"modulus" expected positive, got ${modulus}`);
  let result = 1n % modulus;
  for (let i = 0; i < bases.length; i++) result = (result * opensslModPow(bases[i]!, exponents[i]!, modulus)) % modulus;
  return result;
}
