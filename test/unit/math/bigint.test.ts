import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bigintToBytes,
  bitLength,
  bytesToBigint,
  gcd,
  inRange,
  isInZStar,
  isProbablePrime,
  isqrt,
  jacobi,
  mod,
  modInverse,
  randomZStar,
} from '../../../protocols/math/bigint.js';
import { type Rng, randomBelow } from '../../../protocols/math/random.js';
import { SAFE_PRIMES_1024, TOY_SAFE_PRIMES_256 } from '../../fixtures/primes.js';

const random = (bits: number) => randomBelow(1n << BigInt(bits));

/** Legendre symbol by Euler's criterion, to cross-check `jacobi` on primes. */
function legendre(a: bigint, p: bigint): number {
  let result = 1n;
  let base = mod(a, p);
  let e = (p - 1n) / 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % p;
    base = (base * base) % p;
    e >>= 1n;
  }
  return result === 0n ? 0 : result === 1n ? 1 : -1;
}

describe('mod / gcd / modInverse', () => {
  it('mod is non-negative for negative dividends', () => {
    expect(mod(-7n, 5n)).toBe(3n);
    expect(mod(-10n, 5n)).toBe(0n);
    expect(mod(12n, 5n)).toBe(2n);
  });

  it('rejects a zero or negative modulus and non-bigint input', () => {
    expect(() => mod(3n, 0n)).toThrow(RangeError);
    expect(() => mod(3n, -5n)).toThrow(RangeError);
    expect(() => mod(3 as unknown as bigint, 5n)).toThrow(TypeError);
  });

  it('gcd matches known values and ignores signs', () => {
    expect(gcd(0n, 0n)).toBe(0n);
    expect(gcd(0n, 9n)).toBe(9n);
    expect(gcd(-12n, 18n)).toBe(6n);
    expect(gcd(2n ** 64n, 6n ** 20n)).toBe(2n ** 20n);
  });

  it('modInverse gives a·a⁻¹ ≡ 1 on 200 random pairs, negatives included', () => {
    const [p, q] = TOY_SAFE_PRIMES_256[0]!;
    const N = p * q;
    let ran = 0;
    for (let i = 0; i < 200; i++) {
      const a = random(600) - (1n << 599n);
      if (gcd(a, N) !== 1n) continue;
      expect(mod(a * modInverse(a, N), N)).toBe(1n);
      ran++;
    }
    expect(ran).toBeGreaterThan(190);
  });

  it('modInverse throws RangeError for a non-unit (a factor of N must not pass silently)', () => {
    const [p, q] = TOY_SAFE_PRIMES_256[0]!;
    expect(() => modInverse(p, p * q)).toThrow(RangeError);
    expect(() => modInverse(0n, 7n)).toThrow(RangeError);
    expect(modInverse(5n, 1n)).toBe(0n);
  });
});

describe('bitLength', () => {
  it('counts bits of |x|', () => {
    expect(bitLength(0n)).toBe(0);
    expect(bitLength(1n)).toBe(1);
    expect(bitLength(255n)).toBe(8);
    expect(bitLength(256n)).toBe(9);
    expect(bitLength(-256n)).toBe(9);
    expect(bitLength(1n << 2047n)).toBe(2048);
    for (let i = 0; i < 100; i++) {
      const x = random(3000);
      expect(bitLength(x)).toBe(x === 0n ? 0 : x.toString(2).length);
    }
  });
});

describe('jacobi', () => {
  it('equals the Legendre symbol (Euler criterion) modulo primes', () => {
    const [p] = TOY_SAFE_PRIMES_256[1]!;
    for (let i = 0; i < 200; i++) {
      const a = random(300) - (1n << 299n);
      expect(jacobi(a, p)).toBe(legendre(a, p));
    }
  });

  it('is multiplicative in the modulus: (a/pq) = (a/p)(a/q)', () => {
    const [p, q] = TOY_SAFE_PRIMES_256[2]!;
    for (let i = 0; i < 200; i++) {
      const a = random(512);
      expect(jacobi(a, p * q)).toBe(legendre(a, p) * legendre(a, q));
    }
    expect(jacobi(p, p * q)).toBe(0);
  });

  it('rejects even or non-positive n', () => {
    expect(() => jacobi(3n, 10n)).toThrow(RangeError);
    expect(() => jacobi(3n, -7n)).toThrow(RangeError);
  });
});

describe('isqrt', () => {
  it('returns floor(√n): r² ≤ n < (r+1)² on random and perfect squares', () => {
    for (const n of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n]) {
      const r = isqrt(n);
      expect(r * r <= n && n < (r + 1n) * (r + 1n)).toBe(true);
    }
    for (let i = 0; i < 200; i++) {
      const n = random(4096);
      const r = isqrt(n);
      expect(r * r <= n && n < (r + 1n) * (r + 1n)).toBe(true);
      const s = random(1500);
      expect(isqrt(s * s)).toBe(s);
      if (s > 0n) expect(isqrt(s * s - 1n)).toBe(s - 1n);
    }
  });

  it('rejects negative input', () => {
    expect(() => isqrt(-1n)).toThrow(RangeError);
  });
});

describe('isProbablePrime', () => {
  it('accepts primes, including every fixture safe prime p and (p−1)/2', () => {
    for (const p of [2n, 3n, 5n, 65537n, (1n << 127n) - 1n]) expect(isProbablePrime(p)).toBe(true);
    for (const [p, q] of SAFE_PRIMES_1024.slice(0, 2)) {
      for (const prime of [p, q]) {
        expect(isProbablePrime(prime)).toBe(true);
        expect(isProbablePrime((prime - 1n) / 2n)).toBe(true);
      }
    }
  });

  it('rejects Carmichael numbers and strong pseudoprimes to small bases', () => {
    // 561, 41041, 825265: Carmichael. 3215031751: strong pseudoprime to bases 2, 3, 5 and 7.
    // 3825123056546413051: strong pseudoprime to every prime base up to 23.
    for (const n of [0n, 1n, 4n, 561n, 41041n, 825265n, 3215031751n, 3825123056546413051n]) {
      expect(isProbablePrime(n)).toBe(false);
    }
  });

  it('rejects RSA-style products of two fixture primes', () => {
    const [p, q] = SAFE_PRIMES_1024[0]!;
    expect(isProbablePrime(p * q)).toBe(false);
    expect(isProbablePrime(p * p)).toBe(false);
  });

  it('refuses fewer than 20 rounds', () => {
    expect(() => isProbablePrime(7n, 10)).toThrow(RangeError);
  });
});

describe('bytes <-> bigint', () => {
  it('round-trips big-endian, with and without padding', () => {
    expect(bytesToBigint(new Uint8Array([0x01, 0x00]))).toBe(256n);
    expect(bytesToBigint(new Uint8Array())).toBe(0n);
    expect([...bigintToBytes(256n)]).toEqual([1, 0]);
    expect([...bigintToBytes(0n)]).toEqual([0]);
    expect([...bigintToBytes(1n, 4)]).toEqual([0, 0, 0, 1]);
    for (let i = 0; i < 100; i++) {
      const x = random(2048);
      expect(bytesToBigint(bigintToBytes(x))).toBe(x);
      expect(bytesToBigint(bigintToBytes(x, 300))).toBe(x);
    }
  });

  it('works on a subarray view (offset into a larger buffer)', () => {
    const backing = new Uint8Array([9, 9, 0x12, 0x34, 9]);
    expect(bytesToBigint(backing.subarray(2, 4))).toBe(0x1234n);
  });

  it('rejects negative values and values longer than the requested length', () => {
    expect(() => bigintToBytes(-1n)).toThrow(RangeError);
    expect(() => bigintToBytes(65536n, 2)).toThrow(RangeError);
    expect(() => bytesToBigint([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('Z*_N and ranges', () => {
  const [p, q] = TOY_SAFE_PRIMES_256[3]!;
  const N = p * q;

  it('isInZStar rejects 0, N, values above N, negatives, non-units and non-bigints', () => {
    expect(isInZStar(1n, N)).toBe(true);
    expect(isInZStar(N - 1n, N)).toBe(true);
    for (const bad of [0n, N, N + 1n, -1n, p, 2n * q, 5]) expect(isInZStar(bad, N)).toBe(false);
  });

  it('randomZStar returns units below N and is reproducible with a seeded rng', () => {
    const seeded = (seed: string): Rng => {
      let counter = 0;
      return {
        bytes(length) {
          const out = new Uint8Array(length);
          for (let off = 0; off < length; off += 32) {
            const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
            out.set(block.subarray(0, Math.min(32, length - off)), off);
          }
          return out;
        },
      };
    };
    for (let i = 0; i < 50; i++) expect(isInZStar(randomZStar(N), N)).toBe(true);
    expect(randomZStar(N, seeded('a'))).toBe(randomZStar(N, seeded('a')));
    expect(randomZStar(N, seeded('a'))).not.toBe(randomZStar(N, seeded('b')));
  });

  it('inRange is inclusive at ±B and rejects just outside', () => {
    const B = 1n << 256n;
    expect(inRange(B, B)).toBe(true);
    expect(inRange(-B, B)).toBe(true);
    expect(inRange(0n, 0n)).toBe(true);
    expect(inRange(B + 1n, B)).toBe(false);
    expect(inRange(-B - 1n, B)).toBe(false);
    expect(() => inRange(1n, -1n)).toThrow(RangeError);
  });
});
