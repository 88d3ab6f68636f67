import { MalformedError } from '../errors.js';
import { assertBigint, bitLength, gcd, isInZStar, mod, modInverse, randomZStar } from './bigint.js';
import { modPow } from './modpow.js';
import { type Rng, systemRng } from './random.js';

/**
 * Paillier with g = 1 + N (guide §2.1): enc(m; r) = (1 + (m mod N)·N)·r^N mod N², because (1+N)^m ≡ 1 + mN (mod N²).
 * Plaintexts are centred: m ∈ (−N/2, N/2), so negative values (MtA shares, −β) round-trip.
 */

function assertBits(bits: unknown): asserts bits is number {
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 64 || bits > 16384 || bits % 2 !== 0) {
    throw new RangeError(`"bits" expected even integer 64..16384, got ${String(bits)}`);
  }
}

export class PaillierPublicKey {
  readonly N: bigint;
  readonly N2: bigint;
  /** Largest plaintext magnitude: (N−1)/2. */
  readonly halfN: bigint;

  /**
   * Validates a modulus for the parameter set's `bits` (exact length, as Taurus: it also bounds the work a peer
   * can make us do). Π^mod and Π^fac prove the rest; distinctness from other parties' moduli is the protocol's check.
   */
  constructor(N: bigint, bits: number) {
    assertBigint('N', N);
    assertBits(bits);
    if (bitLength(N) !== bits) throw new RangeError(`"N" expected exactly ${bits} bits, got ${bitLength(N)}`);
    if ((N & 1n) === 0n) throw new RangeError('"N" expected odd, got an even modulus');
    this.N = N;
    this.N2 = N * N;
    this.halfN = N >> 1n;
  }

  /** CT(N): 0 < c < N² and gcd(c, N) = 1. */
  isCiphertext(c: unknown): c is bigint {
    return typeof c === 'bigint' && c > 0n && c < this.N2 && gcd(c, this.N) === 1n;
  }

  /** CT(N) for a received value: MalformedError (the sender is to blame) if it fails. */
  assertCiphertext(c: unknown, name = 'ciphertext'): asserts c is bigint {
    if (typeof c !== 'bigint') throw new MalformedError(`"${name}" expected bigint ciphertext, got ${typeof c}`);
    if (!this.isCiphertext(c)) throw new MalformedError(`"${name}" is not a ciphertext: expected 0 < c < N² with gcd(c, N) = 1`);
  }

  /** Whether m is an encryptable centred plaintext, |m| ≤ (N−1)/2. */
  isPlaintext(m: bigint): boolean {
    assertBigint('m', m);
    return -this.halfN <= m && m <= this.halfN;
  }

  randomNonce(rng: Rng = systemRng): bigint {
    return randomZStar(this.N, rng);
  }

  /** r^N mod N²: the only costly part of an encryption, independent of m, so it can be pooled ahead of time. */
  noncePower(r: bigint): bigint {
    this.assertNonce(r);
    return modPow(r, this.N, this.N2);
  }

  /** enc(m; r) with a fresh random r when none is given. Keep r when a proof needs it (see `randomNonce`). */
  encrypt(m: bigint, r: bigint = this.randomNonce()): bigint {
    return this.encryptWithNoncePower(m, this.noncePower(r));
  }

  /** (1 + (m mod N)·N)·rN mod N², with rN = r^N mod N² from `noncePower` (or a pool of them). */
  encryptWithNoncePower(m: bigint, rN: bigint): bigint {
    if (!this.isPlaintext(m)) throw new RangeError(`"m" expected |m| <= (N-1)/2, got ${bitLength(m)} bits`);
    assertBigint('rN', rN);
    return ((1n + mod(m, this.N) * this.N) * rN) % this.N2;
  }

  /** a ⊕ b: the ciphertext of the sum of the plaintexts. */
  add(a: bigint, b: bigint): bigint {
    assertBigint('a', a);
    assertBigint('b', b);
    return mod(a * b, this.N2);
  }

  /** k ⊙ c: the ciphertext of k times the plaintext, for any integer k (negative uses c^{-1}). */
  scalarMul(c: bigint, k: bigint): bigint {
    return modPow(c, k, this.N2);
  }

  /** a ⊖ b: the ciphertext of the difference; RangeError if b is not a unit (failed CT check upstream). */
  sub(a: bigint, b: bigint): bigint {
    assertBigint('a', a);
    return mod(a * modInverse(b, this.N2), this.N2);
  }

  private assertNonce(r: bigint): void {
    assertBigint('r', r);
    if (!isInZStar(r, this.N)) throw new RangeError('"r" expected a nonce in Z*_N');
  }
}

/** What sealed storage keeps of a Paillier secret key: the primes; everything else is derived on load. */
export interface PaillierSecretKeyRecord {
  readonly p: bigint;
  readonly q: bigint;
}

/**
 * A party's own Paillier key, from two safe primes. Everything secret goes through CRT halves (a quarter of the work
 * of one N² exponentiation each) and through `modPow`'s OpenSSL backend, which is constant time in the exponent.
 * Primality is the generator's job (`primes.ts`: OpenSSL safe primes); this checks the shape only.
 */
export class PaillierSecretKey {
  readonly publicKey: PaillierPublicKey;
  readonly p: bigint;
  readonly q: bigint;
  readonly phi: bigint;
  /** N^{-1} mod φ: the exponent that recovers a nonce from c mod N. */
  readonly nInvPhi: bigint;
  readonly p2: bigint;
  readonly q2: bigint;
  /** (−q)^{-1} mod p and (−p)^{-1} mod q: L_p((1+N)^{p−1} mod p²)^{-1} for g = 1+N. */
  readonly hp: bigint;
  readonly hq: bigint;
  readonly pInvQ: bigint;
  private readonly p2InvQ2: bigint;

  private constructor(p: bigint, q: bigint, bits: number) {
    this.publicKey = new PaillierPublicKey(p * q, bits);
    this.p = p;
    this.q = q;
    this.phi = (p - 1n) * (q - 1n);
    // Equal-size safe primes give gcd(N, φ) = 1; anything else is a broken key, not a caller's typo.
    this.nInvPhi = modInverse(this.publicKey.N, this.phi);
    this.p2 = p * p;
    this.q2 = q * q;
    this.hp = modInverse(-q, p);
    this.hq = modInverse(-p, q);
    this.pInvQ = modInverse(p, q);
    this.p2InvQ2 = modInverse(this.p2, this.q2);
  }

  /** From safe primes p ≠ q of bits/2 bits each, p ≡ q ≡ 3 (mod 4), with bitLength(pq) = bits exactly. */
  static fromPrimes(p: bigint, q: bigint, bits: number): PaillierSecretKey {
    assertBigint('p', p);
    assertBigint('q', q);
    assertBits(bits);
    for (const [name, prime] of [['p', p], ['q', q]] as const) {
      if (bitLength(prime) !== bits / 2) {
        throw new RangeError(`"${name}" expected ${bits / 2} bits, got ${bitLength(prime)}`);
      }
      if ((prime & 3n) !== 3n) throw new RangeError(`"${name}" expected a Blum prime (≡ 3 mod 4), got ≡ ${prime & 3n} mod 4`);
    }
    if (p === q) throw new RangeError('"q" expected a prime different from "p"');
    return new PaillierSecretKey(p, q, bits);
  }

  /** Rebuilds a key from its sealed record (and re-validates it: a record is data, not trust). */
  static fromRecord(record: unknown, bits: number): PaillierSecretKey {
    if (typeof record !== 'object' || record === null) {
      throw new TypeError(`"record" expected object with bigint p and q, got ${record === null ? 'null' : typeof record}`);
    }
    const { p, q } = record as Record<string, unknown>;
    assertBigint('record.p', p);
    assertBigint('record.q', q);
    return PaillierSecretKey.fromPrimes(p, q, bits);
  }

  toRecord(): PaillierSecretKeyRecord {
    return { p: this.p, q: this.q };
  }

  get N(): bigint {
    return this.publicKey.N;
  }

  /** r^N mod N² by CRT: exponents reduced mod p(p−1) and q(q−1), the orders of Z*_{p²} and Z*_{q²}. */
  noncePower(r: bigint): bigint {
    assertBigint('r', r);
    if (r <= 0n || r >= this.N || !this.isUnit(r)) throw new RangeError('"r" expected a nonce in Z*_N');
    return this.expModN2(r, this.N);
  }

  /** enc(m; r) under our own key, with the CRT nonce power. */
  encrypt(m: bigint, r: bigint = this.publicKey.randomNonce()): bigint {
    return this.publicKey.encryptWithNoncePower(m, this.noncePower(r));
  }

  /** Centred plaintext of a valid ciphertext (MalformedError if CT(N) fails). */
  decrypt(c: bigint): bigint {
    this.assertCiphertext(c);
    const mp = (((modPow(c % this.p2, this.p - 1n, this.p2) - 1n) / this.p) * this.hp) % this.p;
    const mq = (((modPow(c % this.q2, this.q - 1n, this.q2) - 1n) / this.q) * this.hq) % this.q;
    const m = this.crtN(mp, mq);
    return m > this.publicKey.halfN ? m - this.N : m;
  }

  /** The r with c = enc(m; r): (c mod N)^{N^{-1} mod φ} mod N, since (1+N) ≡ 1 (mod N). Identification needs it. */
  recoverNonce(c: bigint): bigint {
    this.assertCiphertext(c);
    return this.expModN(c % this.N, this.nInvPhi);
  }

  /**
   * base^exponent mod N by CRT (exponents reduced mod p−1, q−1), for any integer exponent. A non-unit base (which
   * only a peer can send: it reveals a factor) takes the plain path, where exponent reduction would be wrong.
   */
  expModN(base: bigint, exponent: bigint): bigint {
    assertBigint('base', base);
    assertBigint('exponent', exponent);
    const { p, q } = this;
    if (!this.isUnit(base)) return modPow(base, exponent, this.N);
    return this.crtN(modPow(base, mod(exponent, p - 1n), p), modPow(base, mod(exponent, q - 1n), q));
  }

  /** base^exponent mod N² by CRT (exponents reduced mod p(p−1), q(q−1)); non-units as in `expModN`. */
  expModN2(base: bigint, exponent: bigint): bigint {
    assertBigint('base', base);
    assertBigint('exponent', exponent);
    const { p, q, p2, q2 } = this;
    if (!this.isUnit(base)) return modPow(base, exponent, this.publicKey.N2);
    const xp = modPow(base, mod(exponent, p * (p - 1n)), p2);
    const xq = modPow(base, mod(exponent, q * (q - 1n)), q2);
    return xp + p2 * mod((xq - xp) * this.p2InvQ2, q2);
  }

  /** gcd(x, N) = 1, decided with the factors (microseconds, against 0.2 ms for a 2048-bit gcd). */
  private isUnit(x: bigint): boolean {
    return x % this.p !== 0n && x % this.q !== 0n;
  }

  /** CT(N) as the public key checks it, with `isUnit` for the gcd; the public check raises the same error. */
  private assertCiphertext(c: unknown): asserts c is bigint {
    if (typeof c === 'bigint' && c > 0n && c < this.publicKey.N2 && this.isUnit(c)) return;
    this.publicKey.assertCiphertext(c);
  }

  /** Garner recombination of residues mod p and mod q into [0, N). */
  private crtN(xp: bigint, xq: bigint): bigint {
    return xp + this.p * mod((xq - xp) * this.pInvQ, this.q);
  }
}
