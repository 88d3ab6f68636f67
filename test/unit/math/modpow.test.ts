import { afterEach, describe, expect, it } from 'vitest';
import { mod, modInverse } from '../../../protocols/math/bigint.js';
import {
  bigintModPow,
  bigintMultiModPow,
  getModPowBackend,
  modPow,
  modPowSelfTest,
  multiModPow,
  opensslModPow,
  setModPowBackend,
} from '../../../protocols/math/modpow.js';
import { randomBelow } from '../../../protocols/math/random.js';
import { SAFE_PRIMES_1024, TOY_SAFE_PRIMES_256 } from '../../fixtures/primes.js';

const random = (bits: number) => randomBelow(1n << BigInt(bits));
const oddModulus = (bits: number) => random(bits - 1) | (1n << BigInt(bits - 1)) | 1n;

/** Textbook square-and-multiply: the independent reference both backends are checked against. */
function reference(base: bigint, exponent: bigint, m: bigint): bigint {
  if (exponent < 0n) return reference(modInverse(base, m), -exponent, m);
  let result = 1n % m;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

afterEach(() => setModPowBackend('openssl'));

describe('modPow backends agree', () => {
  it('passes the start-up self-test and defaults to OpenSSL', () => {
    expect(modPowSelfTest()).toEqual({ passed: true });
    expect(getModPowBackend()).toBe('openssl');
  });

  it('agree with the reference on 2000 random inputs (512..1024-bit odd moduli, signed bases)', () => {
    let ran = 0;
    for (let i = 0; i < 2000; i++) {
      const m = oddModulus(512 + (i % 5) * 128);
      const base = random(1100) - (1n << 1099n);
      const exponent = random(1 + (i % 700));
      const expected = reference(base, exponent, m);
      expect(opensslModPow(base, exponent, m)).toBe(expected);
      expect(bigintModPow(base, exponent, m)).toBe(expected);
      ran++;
    }
    expect(ran).toBe(2000);
  });

  it('agree at Paillier size: x^e mod N² with 2048-bit N and e up to 2816 bits', () => {
    const [p, q] = SAFE_PRIMES_1024[0]!;
    const N2 = (p * q) ** 2n;
    for (const bits of [256, 2048, 2816]) {
      const base = randomBelow(N2);
      const exponent = random(bits);
      expect(opensslModPow(base, exponent, N2)).toBe(bigintModPow(base, exponent, N2));
    }
  });

  it('handle the inputs OpenSSL refuses: bases 0, 1, m−1, exponent 0 and 1, base ≥ m', () => {
    const m = oddModulus(1024);
    const cases: [bigint, bigint, bigint][] = [
      [0n, 5n, 0n],
      [0n, 0n, 1n],
      [1n, random(1024), 1n],
      [m - 1n, 3n, m - 1n],
      [m - 1n, 4n, 1n],
      [-1n, 7n, m - 1n],
      [random(1000), 0n, 1n],
      [m, 9n, 0n],
      [m + 5n, 1n, 5n],
      [2n * m + 3n, 2n, 9n],
    ];
    for (const [base, exponent, expected] of cases) {
      expect(opensslModPow(base, exponent, m)).toBe(expected);
      expect(bigintModPow(base, exponent, m)).toBe(expected);
    }
  });

  it('handle results 1 and m−1 (the decrypt-an-encryption-of-zero case) through OpenSSL', () => {
    const [p] = SAFE_PRIMES_1024[1]!;
    // Modulo a prime p: b^{p−1} = 1 (Fermat) and b^{(p−1)/2} = ±1 (Euler), both refused by DH as results.
    for (let i = 0; i < 20; i++) {
      const b = 2n + randomBelow(p - 3n);
      expect(opensslModPow(b, p - 1n, p)).toBe(1n);
      const half = opensslModPow(b, (p - 1n) / 2n, p);
      expect(half === 1n || half === p - 1n).toBe(true);
      expect(half).toBe(reference(b, (p - 1n) / 2n, p));
    }
    // The Paillier case: c = (1 + 0·N)·r^N mod N², reduced mod p², raised to p−1 gives exactly 1.
    const [pp, qq] = SAFE_PRIMES_1024[2]!;
    const N = pp * qq;
    const c = reference(12345n, N, N * N);
    expect(opensslModPow(c % (pp * pp), pp - 1n, pp * pp)).toBe(1n);
  });

  it('handle result 0 from a non-unit base', () => {
    const [p] = SAFE_PRIMES_1024[3]!;
    expect(opensslModPow(p, 2n, p * p)).toBe(0n);
    expect(opensslModPow(p * 7n, 3n, p * p)).toBe(0n);
    expect(opensslModPow(p, 1n, p * p)).toBe(p);
  });

  it('negative exponents use the inverse of the base, and throw RangeError when there is none', () => {
    const [p, q] = TOY_SAFE_PRIMES_256[0]!;
    const N2 = (p * q) ** 2n;
    for (let i = 0; i < 50; i++) {
      const base = randomBelow(N2);
      const exponent = -random(600);
      const expected = reference(base, exponent, N2);
      expect(opensslModPow(base, exponent, N2)).toBe(expected);
      expect(bigintModPow(base, exponent, N2)).toBe(expected);
    }
    expect(() => opensslModPow(p, -3n, N2)).toThrow(RangeError);
    expect(() => bigintModPow(p, -3n, N2)).toThrow(RangeError);
  });

  it('fall back to BigInt for even moduli, moduli below 512 bits (where DH silently returns zeros) and m = 1', () => {
    for (let i = 0; i < 200; i++) {
      const bits = 2 + (i % 600);
      const even = (random(bits) | 2n) & ~1n;
      const small = oddModulus(Math.max(2, (i % 511) + 1));
      for (const m of [even, small]) {
        const base = random(700);
        const exponent = random(300);
        const expected = reference(base, exponent, m);
        expect(opensslModPow(base, exponent, m)).toBe(expected);
        expect(bigintModPow(base, exponent, m)).toBe(expected);
      }
    }
    expect(opensslModPow(5n, 3n, 1n)).toBe(0n);
  });

  it('stay correct when more moduli are used than the DH cache holds (eviction)', () => {
    const moduli = Array.from({ length: 80 }, () => oddModulus(512));
    for (const round of [0, 1]) {
      for (const m of moduli) {
        const base = random(600) + BigInt(round);
        expect(opensslModPow(base, 65537n, m)).toBe(reference(base, 65537n, m));
      }
    }
  });

  it('reject a non-positive modulus and non-bigint arguments', () => {
    for (const f of [opensslModPow, bigintModPow]) {
      expect(() => f(2n, 3n, 0n)).toThrow(RangeError);
      expect(() => f(2n, 3n, -7n)).toThrow(RangeError);
      expect(() => f(2 as unknown as bigint, 3n, 7n)).toThrow(TypeError);
      expect(() => f(2n, 3 as unknown as bigint, 7n)).toThrow(TypeError);
    }
  });
});

describe('modPow seam', () => {
  it('switches backends and gives the same answers on each', () => {
    const m = oddModulus(1024);
    const base = random(1024);
    const exponent = random(1024);
    setModPowBackend('bigint');
    expect(getModPowBackend()).toBe('bigint');
    const viaBigint = modPow(base, exponent, m);
    setModPowBackend('openssl');
    expect(getModPowBackend()).toBe('openssl');
    expect(modPow(base, exponent, m)).toBe(viaBigint);
  });

  it('rejects an unknown backend name', () => {
    expect(() => setModPowBackend('gmp' as 'openssl')).toThrow(RangeError);
  });
});

describe('multiModPow', () => {
  it('equals the product of single powers on both backends, signed exponents included', () => {
    const [p, q] = TOY_SAFE_PRIMES_256[1]!;
    const N = p * q;
    for (let i = 0; i < 100; i++) {
      const count = 1 + (i % 4);
      const bases = Array.from({ length: count }, () => randomBelow(N));
      const exponents = Array.from({ length: count }, () => random(1 + ((i * 37) % 900)) - (i % 2 ? 1n << 100n : 0n));
      const expected = bases.reduce((acc, b, k) => (acc * reference(b, exponents[k]!, N)) % N, 1n);
      expect(bigintMultiModPow(bases, exponents, N)).toBe(expected);
      for (const backend of ['openssl', 'bigint'] as const) {
        setModPowBackend(backend);
        expect(multiModPow(bases, exponents, N)).toBe(expected);
      }
    }
  });

  it('handles empty input, zero factors, and exponent 0/1 terms', () => {
    const m = oddModulus(600);
    expect(bigintMultiModPow([], [], m)).toBe(1n);
    expect(multiModPow([], [], m)).toBe(1n);
    expect(bigintMultiModPow([0n, 5n], [3n, 7n], m)).toBe(0n);
    expect(bigintMultiModPow([7n, 5n], [1n, 0n], m)).toBe(7n);
    expect(bigintMultiModPow([7n, 5n, 3n], [1n, 2n, 0n], m)).toBe(175n);
  });

  it('rejects mismatched lengths', () => {
    expect(() => multiModPow([1n, 2n], [1n], 7n)).toThrow(RangeError);
    expect(() => bigintMultiModPow([1n], [1n, 2n], 7n)).toThrow(RangeError);
  });
});
