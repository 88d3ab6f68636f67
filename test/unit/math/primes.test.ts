import { describe, expect, it } from 'vitest';
import { InternalError } from '../../../protocols/errors.js';
import { bitLength, isProbablePrime } from '../../../protocols/math/bigint.js';
import { SafePrimePool, generateSafePrime } from '../../../protocols/math/primes.js';
import { SAFE_PRIMES_1024, SAFE_PRIMES_1536, TOY_SAFE_PRIMES_256, type PrimePair } from '../../fixtures/primes.js';

const isSafePrime = (p: bigint) => isProbablePrime(p) && isProbablePrime((p - 1n) / 2n);
const topTwoBitsSet = (p: bigint, bits: number) => bitLength(p) === bits && ((p >> BigInt(bits - 2)) & 1n) === 1n;

describe('generateSafePrime', () => {
  it('returns a safe prime of exactly the requested size', async () => {
    const p = await generateSafePrime(128);
    expect(bitLength(p)).toBe(128);
    expect(isSafePrime(p)).toBe(true);
    expect(p & 3n).toBe(3n);
  });

  it('rejects silly sizes', () => {
    expect(() => generateSafePrime(8)).toThrow(RangeError);
    expect(() => generateSafePrime(100.5)).toThrow(RangeError);
  });
});

describe('SafePrimePool', () => {
  it('refills in the background to the target and hands out distinct pairs of exact product length', async () => {
    const pool = new SafePrimePool({ modulusBits: [256], targetPairs: 2, concurrency: 2 });
    pool.start();
    try {
      const seen = new Set<bigint>();
      for (let i = 0; i < 4; i++) {
        const [p, q] = await pool.take(256);
        expect(p).not.toBe(q);
        expect(bitLength(p * q)).toBe(256);
        expect(isSafePrime(p) && isSafePrime(q)).toBe(true);
        for (const prime of [p, q]) {
          expect(seen.has(prime)).toBe(false); // each prime is used at most once
          seen.add(prime);
        }
      }
      for (let waited = 0; pool.size(256) < 2 && waited < 200; waited++) await new Promise((r) => setTimeout(r, 50));
      expect(pool.size(256)).toBe(2);
    } finally {
      await pool.stop();
    }
  });

  it('generates on demand when not started', async () => {
    const pool = new SafePrimePool({ modulusBits: [256], targetPairs: 5 });
    const [p, q] = await pool.take(256);
    expect(bitLength(p * q)).toBe(256);
    expect(pool.size(256)).toBe(0); // no background refill without start()
    await pool.stop();
  });

  it('discards primes without both top bits set, so a short modulus never leaves the pool', async () => {
    // 64-bit primes with the second-highest bit clear: pairing two of them would give a 127-bit modulus.
    const short = [0x8000000000000b1fn, 0x8000000000000e1fn, 0x8000000000001e47n];
    let call = 0;
    const pool = new SafePrimePool({
      modulusBits: [128],
      targetPairs: 0,
      generate: async (bits) => (call < short.length ? short[call++]! : generateSafePrime(bits)),
    });
    const [p, q] = await pool.take(128);
    expect(bitLength(p * q)).toBe(128);
    expect(topTwoBitsSet(p, 64) && topTwoBitsSet(q, 64)).toBe(true);
    expect(pool.discarded).toBe(short.length);
    await pool.stop();
  });

  it('never pairs a prime with itself (a repeated generator output is dropped)', async () => {
    const fixed = TOY_SAFE_PRIMES_256[0]![0];
    const outputs = [fixed, fixed, TOY_SAFE_PRIMES_256[0]![1]];
    const pool = new SafePrimePool({ modulusBits: [512], targetPairs: 0, generate: async () => outputs.shift()! });
    const [p, q] = await pool.take(512);
    expect(p).not.toBe(q);
    expect(pool.discarded).toBe(1);
    await pool.stop();
  });

  it('keeps at most `concurrency` generations running', async () => {
    let running = 0;
    let peak = 0;
    const toy = TOY_SAFE_PRIMES_256.flat();
    const pool = new SafePrimePool({
      modulusBits: [512],
      targetPairs: 3,
      concurrency: 2,
      generate: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return toy.shift()!;
      },
    });
    pool.start();
    for (let i = 0; i < 3; i++) await pool.take(512);
    await pool.stop();
    expect(peak).toBe(2);
  });

  it('rejects pending takes on stop() and refuses later ones', async () => {
    const pool = new SafePrimePool({
      modulusBits: [512],
      targetPairs: 0,
      generate: () => new Promise((r) => setTimeout(() => r(TOY_SAFE_PRIMES_256[1]![0]), 30)),
    });
    const pending = expect(pool.take(512)).rejects.toBeInstanceOf(InternalError);
    await pool.stop();
    await pending;
    await expect(pool.take(512)).rejects.toBeInstanceOf(InternalError);
    expect(() => pool.start()).toThrow(InternalError);
  });

  it('rejects waiters with InternalError when generation fails, instead of spinning', async () => {
    let calls = 0;
    const pool = new SafePrimePool({
      modulusBits: [512],
      targetPairs: 3,
      generate: async () => {
        calls++;
        throw new Error('out of entropy');
      },
    });
    pool.start();
    await expect(pool.take(512)).rejects.toBeInstanceOf(InternalError);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBeLessThanOrEqual(2); // the background refill paused after the failure
    await pool.stop();
  });

  it('rejects a size it was not configured for and invalid options', () => {
    const pool = new SafePrimePool({ modulusBits: [2048], targetPairs: 1 });
    expect(() => pool.take(3072)).toThrow(RangeError);
    expect(() => pool.take(2047)).toThrow(RangeError);
    expect(() => new SafePrimePool({ modulusBits: [], targetPairs: 1 })).toThrow(TypeError);
    expect(() => new SafePrimePool({ modulusBits: [2049], targetPairs: 1 })).toThrow(RangeError);
    expect(() => new SafePrimePool({ modulusBits: [2048], targetPairs: -1 })).toThrow(RangeError);
    expect(() => new SafePrimePool({ modulusBits: [2048], targetPairs: 1, concurrency: 0 })).toThrow(RangeError);
  });
});

describe('committed fixture primes (tests only)', () => {
  const sets: [string, readonly PrimePair[], number][] = [
    ['1024-bit', SAFE_PRIMES_1024, 1024],
    ['1536-bit', SAFE_PRIMES_1536, 1536],
    ['256-bit toy', TOY_SAFE_PRIMES_256, 256],
  ];

  it.each(sets)('%s pairs are safe primes, p ≠ q, top two bits set, exact product length', (_label, pairs, bits) => {
    for (const [p, q] of pairs) {
      expect(p).not.toBe(q);
      for (const prime of [p, q]) {
        expect(topTwoBitsSet(prime, bits)).toBe(true);
        expect(isSafePrime(prime)).toBe(true);
      }
      expect(bitLength(p * q)).toBe(2 * bits);
    }
  });

  it('gives at least 10 distinct 2048-bit moduli and 2 of 3072 bits', () => {
    expect(new Set(SAFE_PRIMES_1024.map(([p, q]) => p * q)).size).toBeGreaterThanOrEqual(10);
    expect(new Set(SAFE_PRIMES_1536.map(([p, q]) => p * q)).size).toBeGreaterThanOrEqual(2);
    expect(new Set([...SAFE_PRIMES_1024, ...SAFE_PRIMES_1536].flat()).size).toBe(24); // no prime reused
  });
});
