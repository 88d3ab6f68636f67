import { describe, expect, it } from 'vitest';
import { MalformedError } from '../../../protocols/errors.js';
import { isInZStar, jacobi, modInverse } from '../../../protocols/math/bigint.js';
import { bigintModPow } from '../../../protocols/math/modpow.js';
import { randomSigned } from '../../../protocols/math/random.js';
import { RingPedersenParams, RingPedersenSecret } from '../../../protocols/math/ring-pedersen.js';
import { fixturePaillierKey } from '../../fixtures/primes.js';

const key = fixturePaillierKey(4);
const N = key.N;
const secret = RingPedersenSecret.generate(key);
const { s, t } = secret.params;

/** s^x t^y mod N straight from the definition, in BigInt. */
function reference(x: bigint, y: bigint): bigint {
  const sx = x < 0n ? bigintModPow(modInverse(s, N), -x, N) : bigintModPow(s, x, N);
  const ty = y < 0n ? bigintModPow(modInverse(t, N), -y, N) : bigintModPow(t, y, N);
  return (sx * ty) % N;
}

describe('ring-Pedersen generation', () => {
  it('uses the Paillier N, makes t a square (Jacobi symbol 1 mod p and q) and s = t^λ', () => {
    expect(secret.params.N).toBe(N);
    expect(isInZStar(s, N) && isInZStar(t, N)).toBe(true);
    expect(jacobi(t, key.p)).toBe(1);
    expect(jacobi(t, key.q)).toBe(1);
    expect(bigintModPow(t, secret.lambda, N)).toBe(s);
    expect(secret.lambda >= 0n && secret.lambda < key.phi).toBe(true);
  });

  it('generates fresh parameters each time (refresh)', () => {
    const again = RingPedersenSecret.generate(key);
    expect(again.params.s).not.toBe(s);
    expect(again.params.t).not.toBe(t);
  });
});

describe('ring-Pedersen commitments', () => {
  it('public commit equals the definition for signed exponents of proof sizes', () => {
    const sizes = [1n << 256n, 1n << 768n, 1n << 2816n];
    for (const bound of sizes) {
      const x = randomSigned(bound);
      const y = randomSigned(bound);
      expect(secret.params.commit(x, y)).toBe(reference(x, y));
    }
    expect(secret.params.commit(0n, 0n)).toBe(1n);
    expect(secret.params.commit(1n, 0n)).toBe(s);
    expect(secret.params.commit(0n, -1n)).toBe(modInverse(t, N));
  });

  it('the owner CRT fast path equals the public commit, signed exponents included', () => {
    for (let i = 0; i < 4; i++) {
      const x = randomSigned(1n << 2816n);
      const y = randomSigned(1n << 2816n);
      expect(secret.commit(x, y)).toBe(secret.params.commit(x, y));
    }
    expect(secret.commit(0n, 0n)).toBe(1n);
  });

  it('is additively homomorphic: com(x1, y1)·com(x2, y2) = com(x1+x2, y1+y2)', () => {
    const [x1, y1, x2, y2] = [1, 2, 3, 4].map(() => randomSigned(1n << 800n)) as [bigint, bigint, bigint, bigint];
    expect((secret.params.commit(x1, y1) * secret.params.commit(x2, y2)) % N).toBe(secret.params.commit(x1 + x2, y1 + y2));
  });
});

describe('validation of received parameters', () => {
  const cases: [string, bigint, bigint][] = [
    ['s = t', s, s],
    ['s = 1', 1n, t],
    ['t = 1', s, 1n],
    ['s = 0', 0n, t],
    ['t ≥ N', s, N + t],
    ['s a non-unit (multiple of p)', key.p, t],
    ['t a non-unit (multiple of q)', s, key.q * 2n],
    ['negative s', -s, t],
  ];

  it.each(cases)('rejects %s', (_label, badS, badT) => {
    expect(() => new RingPedersenParams(N, badS, badT)).toThrow(MalformedError);
  });

  it('rejects an even modulus and non-bigint values', () => {
    expect(() => new RingPedersenParams(N - 1n, s, t)).toThrow(MalformedError);
    expect(() => new RingPedersenParams(N, Number(s & 0xffn) as unknown as bigint, t)).toThrow(TypeError);
  });

  it('accepts honest parameters', () => {
    expect(new RingPedersenParams(N, s, t).commit(5n, -5n)).toBe(reference(5n, -5n));
  });
});

describe('serialisation for sealed storage', () => {
  it('round-trips and re-checks s = t^λ against the key', () => {
    const copy = RingPedersenSecret.fromRecord(structuredClone(secret.toRecord()), key);
    expect(copy.params.s).toBe(s);
    expect(copy.lambda).toBe(secret.lambda);
    expect(() => RingPedersenSecret.fromRecord({ ...secret.toRecord(), lambda: secret.lambda + 1n }, key)).toThrow(
      /does not match/,
    );
    expect(() => RingPedersenSecret.fromRecord(secret.toRecord(), fixturePaillierKey(5))).toThrow();
    expect(() => RingPedersenSecret.fromRecord({ s, t }, key)).toThrow(TypeError);
  });
});
