import { describe, expect, it } from 'vitest';
import { MalformedError } from '../../../protocols/errors.js';
import { mod, modInverse } from '../../../protocols/math/bigint.js';
import { bigintModPow } from '../../../protocols/math/modpow.js';
import { PaillierPublicKey, PaillierSecretKey } from '../../../protocols/math/paillier.js';
import { randomBelow, randomSigned } from '../../../protocols/math/random.js';
import { SAFE_PRIMES_1024, TOY_SAFE_PRIMES_256, fixturePaillierKey } from '../../fixtures/primes.js';

const sk = fixturePaillierKey(0);
const pk = sk.publicKey;
const { N, N2, halfN } = pk;

/** Textbook decryption with λ = φ (no CRT, pure BigInt): the cross-check for the CRT path. */
function textbookDecrypt(c: bigint): bigint {
  const u = bigintModPow(c, sk.phi, N2);
  const m = (((u - 1n) / N) * modInverse(sk.phi, N)) % N;
  return m > halfN ? m - N : m;
}

describe('Paillier encryption and decryption (2048-bit fixture key)', () => {
  it('round-trips zero, ±1, the extreme plaintexts ±(N−1)/2 and random signed values', () => {
    const plaintexts = [0n, 1n, -1n, halfN, -halfN, randomSigned(1n << 256n), randomSigned(1n << 1500n)];
    for (let i = 0; i < 5; i++) plaintexts.push(randomSigned(halfN));
    for (const m of plaintexts) {
      const c = pk.encrypt(m);
      expect(pk.isCiphertext(c)).toBe(true);
      expect(sk.decrypt(c)).toBe(m);
      expect(sk.decrypt(sk.encrypt(m))).toBe(m);
    }
  });

  it('CRT encryption equals the public-key encryption with the same nonce', () => {
    for (let i = 0; i < 3; i++) {
      const m = randomSigned(halfN);
      const r = pk.randomNonce();
      expect(sk.encrypt(m, r)).toBe(pk.encrypt(m, r));
      expect(sk.noncePower(r)).toBe(bigintModPow(r, N, N2));
    }
  });

  it('CRT decryption equals textbook decryption, negative and zero plaintexts included', () => {
    for (const m of [0n, -5n, randomSigned(halfN), randomSigned(halfN)]) {
      const c = pk.encrypt(m);
      expect(sk.decrypt(c)).toBe(textbookDecrypt(c));
    }
    // A ciphertext nobody encrypted: both paths must still agree on its centred plaintext.
    const arbitrary = (randomBelow(N2 - 2n) + 2n) | 1n;
    if (pk.isCiphertext(arbitrary)) expect(sk.decrypt(arbitrary)).toBe(textbookDecrypt(arbitrary));
  });

  it('encryptWithNoncePower matches encrypt (the pooled-nonce path)', () => {
    const r = pk.randomNonce();
    const m = randomSigned(1n << 300n);
    expect(pk.encryptWithNoncePower(m, sk.noncePower(r))).toBe(pk.encrypt(m, r));
  });

  it('is homomorphic: ⊕ adds, ⊙ multiplies by signed scalars, ⊖ subtracts', () => {
    const a = randomSigned(1n << 512n);
    const b = randomSigned(1n << 512n);
    const k = randomSigned(1n << 256n);
    const ca = pk.encrypt(a);
    const cb = pk.encrypt(b);
    expect(sk.decrypt(pk.add(ca, cb))).toBe(a + b);
    expect(sk.decrypt(pk.sub(ca, cb))).toBe(a - b);
    expect(sk.decrypt(pk.scalarMul(ca, k))).toBe(a * k);
    expect(sk.decrypt(pk.scalarMul(ca, -1n))).toBe(-a);
    expect(sk.decrypt(pk.scalarMul(ca, 0n))).toBe(0n);
    // The MtA shape used in presigning: k ⊙ K ⊕ enc(−β).
    const beta = randomSigned(1n << 1280n);
    expect(sk.decrypt(pk.add(pk.scalarMul(ca, k), pk.encrypt(-beta)))).toBe(a * k - beta);
  });

  it('wraps modulo N exactly as centred arithmetic says', () => {
    const c = pk.add(pk.encrypt(halfN), pk.encrypt(1n));
    expect(sk.decrypt(c)).toBe(-halfN);
  });
});

describe('nonce recovery', () => {
  it('recovers r from enc(m; r), and r1·r2 from a product ciphertext', () => {
    const r1 = pk.randomNonce();
    const r2 = pk.randomNonce();
    const c1 = pk.encrypt(randomSigned(1n << 256n), r1);
    const c2 = pk.encrypt(-7n, r2);
    expect(sk.recoverNonce(c1)).toBe(r1);
    expect(sk.recoverNonce(pk.add(c1, c2))).toBe((r1 * r2) % N);
    expect(sk.recoverNonce(pk.encrypt(0n, r2))).toBe(r2);
  });
});

describe('owner CRT exponentiation', () => {
  it('expModN and expModN2 equal plain exponentiation, for signed exponents and non-unit bases', () => {
    const bases = [randomBelow(N2), 2n, N - 1n, sk.p, sk.q * 3n];
    for (const base of bases) {
      for (const exponent of [randomBelow(1n << 2816n), -randomBelow(1n << 700n), 0n, 1n]) {
        const unit = mod(base, sk.p) !== 0n && mod(base, sk.q) !== 0n;
        if (exponent < 0n && !unit) continue;
        expect(sk.expModN(base, exponent)).toBe(
          exponent < 0n ? bigintModPow(modInverse(base, N), -exponent, N) : bigintModPow(base, exponent, N),
        );
        expect(sk.expModN2(base, exponent)).toBe(
          exponent < 0n ? bigintModPow(modInverse(base, N2), -exponent, N2) : bigintModPow(base, exponent, N2),
        );
      }
    }
  });
});

describe('ciphertext validation CT(N)', () => {
  const good = pk.encrypt(42n);
  const bad: [string, unknown][] = [
    ['zero', 0n],
    ['negative', -good],
    ['N² itself', N2],
    ['above N²', N2 + 1n],
    ['a multiple of p (non-unit)', sk.p * 12345n],
    ['a multiple of q (non-unit)', sk.q],
    ['N (non-unit)', N],
    ['a number, not a bigint', 42],
    ['a string', good.toString()],
  ];

  it.each(bad)('rejects %s', (_label, value) => {
    expect(pk.isCiphertext(value)).toBe(false);
    expect(() => pk.assertCiphertext(value, 'K')).toThrow(MalformedError);
    expect(() => sk.decrypt(value as bigint)).toThrow(MalformedError);
    expect(() => sk.recoverNonce(value as bigint)).toThrow(MalformedError);
  });

  it('accepts a real ciphertext and names the field in the message', () => {
    expect(() => pk.assertCiphertext(good, 'K')).not.toThrow();
    expect(() => pk.assertCiphertext(0n, 'K')).toThrow(/"K"/);
  });
});

describe('plaintext and nonce validation', () => {
  it('rejects plaintexts outside (−N/2, N/2): no silent wrap-around', () => {
    expect(() => pk.encrypt(halfN + 1n)).toThrow(RangeError);
    expect(() => pk.encrypt(-halfN - 1n)).toThrow(RangeError);
    expect(() => pk.encrypt(N)).toThrow(RangeError);
  });

  it('rejects nonces outside Z*_N', () => {
    for (const r of [0n, N, N + 1n, sk.p, -1n]) {
      expect(() => pk.encrypt(1n, r)).toThrow(RangeError);
      expect(() => sk.encrypt(1n, r)).toThrow(RangeError);
    }
  });
});

describe('key validation', () => {
  it('rejects a peer modulus of the wrong size (one bit short, one bit long)', () => {
    expect(() => new PaillierPublicKey(N >> 1n | 1n, 2048)).toThrow(RangeError);
    expect(() => new PaillierPublicKey(N << 1n | 1n, 2048)).toThrow(RangeError);
    expect(() => new PaillierPublicKey(N, 3072)).toThrow(/exactly 3072 bits/);
  });

  it('rejects an even modulus', () => {
    expect(() => new PaillierPublicKey(N - 1n, 2048)).toThrow(/odd/);
  });

  it('rejects a non-bigint modulus and an invalid bit size', () => {
    expect(() => new PaillierPublicKey(Number(N & 0xffffn) as unknown as bigint, 2048)).toThrow(TypeError);
    expect(() => new PaillierPublicKey(N, 2047)).toThrow(RangeError);
  });

  it('rejects p = q, primes ≡ 1 (mod 4), primes of the wrong size, and a short product', () => {
    const [p, q] = SAFE_PRIMES_1024[1]!;
    expect(() => PaillierSecretKey.fromPrimes(p, p, 2048)).toThrow(/different/);
    expect(() => PaillierSecretKey.fromPrimes(p, q + 2n, 2048)).toThrow(/3 mod 4/);
    expect(() => PaillierSecretKey.fromPrimes(p, q, 3072)).toThrow(RangeError);
    const [toyP, toyQ] = TOY_SAFE_PRIMES_256[0]!;
    expect(() => PaillierSecretKey.fromPrimes(p, toyQ, 2048)).toThrow(/1024 bits/);
    // Two 1024-bit numbers ≡ 3 (mod 4) with only the top bit set multiply to 2047 bits.
    const short = (1n << 1023n) + 3n;
    expect(() => PaillierSecretKey.fromPrimes(short, short + 4n, 2048)).toThrow(/exactly 2048 bits/);
    expect(PaillierSecretKey.fromPrimes(toyP, toyQ, 512).N).toBe(toyP * toyQ);
  });
});

describe('serialisation for sealed storage', () => {
  it('round-trips through a plain object of bigints', () => {
    const record = sk.toRecord();
    expect(Object.keys(record).sort()).toEqual(['p', 'q']);
    const copy = PaillierSecretKey.fromRecord(structuredClone(record), 2048);
    expect(copy.N).toBe(N);
    const m = randomSigned(1n << 256n);
    expect(copy.decrypt(pk.encrypt(m))).toBe(m);
  });

  it('rejects malformed records', () => {
    expect(() => PaillierSecretKey.fromRecord(null, 2048)).toThrow(TypeError);
    expect(() => PaillierSecretKey.fromRecord({ p: sk.p }, 2048)).toThrow(TypeError);
    expect(() => PaillierSecretKey.fromRecord({ p: sk.p.toString(), q: sk.q }, 2048)).toThrow(TypeError);
  });
});

describe('parameter set B and toy keys', () => {
  it('round-trips with a 3072-bit key', () => {
    const big = fixturePaillierKey(0, 3072);
    expect(big.publicKey.N.toString(2).length).toBe(3072);
    for (const m of [0n, -1n, randomSigned(big.publicKey.halfN)]) expect(big.decrypt(big.publicKey.encrypt(m))).toBe(m);
  });

  it('round-trips with a toy key whose primes are below the OpenSSL size limit (BigInt fallback halves)', () => {
    const toy = fixturePaillierKey(1, 512);
    for (const m of [0n, 3n, -3n, randomSigned(toy.publicKey.halfN)]) {
      const r = toy.publicKey.randomNonce();
      const c = toy.encrypt(m, r);
      expect(toy.decrypt(c)).toBe(m);
      expect(toy.recoverNonce(c)).toBe(r);
    }
  });
});
