import { MalformedError } from '../errors.js';
import { assertBigint, isInZStar, mod, modInverse, randomZStar } from './bigint.js';
import { multiModPow } from './modpow.js';
import type { PaillierSecretKey } from './paillier.js';
import { type Rng, randomBelow, systemRng } from './random.js';

/**
 * Ring-Pedersen parameters (guide §2.2): N̂ = the party's own Paillier N, t = τ² (a square, so a generator of the
 * QR subgroup with overwhelming probability), s = t^λ. Π^prm proves s ∈ ⟨t⟩. Range proofs always use the
 * VERIFIER's parameters, so soundness rests on the verifier having generated them honestly.
 */
export class RingPedersenParams {
  readonly N: bigint;
  readonly s: bigint;
  readonly t: bigint;
  private inverses?: { sInv: bigint; tInv: bigint };

  /**
   * Checks received parameters ([T] ValidateParameters): s, t ∈ Z*_N, s ≠ t, s ≠ 1, t ≠ 1. MalformedError when a
   * check fails (blame the sender). The modulus itself is validated as that party's Paillier key.
   */
  constructor(N: bigint, s: bigint, t: bigint) {
    assertBigint('N', N);
    assertBigint('s', s);
    assertBigint('t', t);
    if (N < 3n || (N & 1n) === 0n) throw new MalformedError(`ring-Pedersen "N" expected odd modulus > 1, got ${N}`);
    if (!isInZStar(s, N)) throw new MalformedError('ring-Pedersen "s" expected an element of Z*_N');
    if (!isInZStar(t, N)) throw new MalformedError('ring-Pedersen "t" expected an element of Z*_N');
    if (s === 1n || t === 1n) throw new MalformedError('ring-Pedersen "s" and "t" expected different from 1');
    if (s === t) throw new MalformedError('ring-Pedersen "s" and "t" expected different from each other');
    this.N = N;
    this.s = s;
    this.t = t;
  }

  /** com(x, y) = s^x · t^y mod N̂ for any signed x, y (negative exponents use s^{-1}, t^{-1}, computed once). */
  commit(x: bigint, y: bigint): bigint {
    assertBigint('x', x);
    assertBigint('y', y);
    this.inverses ??= { sInv: modInverse(this.s, this.N), tInv: modInverse(this.t, this.N) };
    const { sInv, tInv } = this.inverses;
    return multiModPow([x < 0n ? sInv : this.s, y < 0n ? tInv : this.t], [x < 0n ? -x : x, y < 0n ? -y : y], this.N);
  }
}

/** What sealed storage keeps of a party's ring-Pedersen secret (the Paillier key is stored on its own). */
export interface RingPedersenSecretRecord {
  readonly s: bigint;
  readonly t: bigint;
  readonly lambda: bigint;
}

/** The owner's side: λ (the Π^prm witness) and a CRT fast path through the Paillier factors. */
export class RingPedersenSecret {
  readonly params: RingPedersenParams;
  readonly lambda: bigint;
  readonly key: PaillierSecretKey;

  private constructor(params: RingPedersenParams, lambda: bigint, key: PaillierSecretKey) {
    this.params = params;
    this.lambda = lambda;
    this.key = key;
  }

  /** τ ← Z*_N, t = τ² mod N, λ ← Z_φ, s = t^λ mod N (t is the square; s = t^λ). Fresh at every refresh. */
  static generate(key: PaillierSecretKey, rng: Rng = systemRng): RingPedersenSecret {
    const N = key.N;
    for (;;) {
      const tau = randomZStar(N, rng);
      const t = (tau * tau) % N;
      const lambda = randomBelow(key.phi, rng);
      const s = key.expModN(t, lambda);
      // s or t equal to 1, or s = t, would fail the receivers' checks; each has negligible probability.
      if (t !== 1n && s !== 1n && s !== t) return new RingPedersenSecret(new RingPedersenParams(N, s, t), lambda, key);
    }
  }

  /** Rebuilds from a sealed record, checking it belongs to `key` (s = t^λ mod N). */
  static fromRecord(record: unknown, key: PaillierSecretKey): RingPedersenSecret {
    if (typeof record !== 'object' || record === null) {
      throw new TypeError(`"record" expected object with bigint s, t and lambda, got ${record === null ? 'null' : typeof record}`);
    }
    const { s, t, lambda } = record as Record<string, unknown>;
    assertBigint('record.s', s);
    assertBigint('record.t', t);
    assertBigint('record.lambda', lambda);
    if (lambda < 0n || lambda >= key.phi) throw new RangeError('"record.lambda" expected in [0, φ(N))');
    const params = new RingPedersenParams(key.N, s, t);
    if (key.expModN(t, lambda) !== s) throw new RangeError('"record" does not match the key: s ≠ t^λ mod N');
    return new RingPedersenSecret(params, lambda, key);
  }

  toRecord(): RingPedersenSecretRecord {
    return { s: this.params.s, t: this.params.t, lambda: this.lambda };
  }

  /**
   * com(x, y) as `RingPedersenParams.commit`, but with φ known: exponents reduced mod p−1 and q−1 (signed ones
   * included, since s and t are units) and two half-size exponentiations per base. Verifying range proofs against
   * our own parameters uses this.
   */
  commit(x: bigint, y: bigint): bigint {
    const N = this.params.N;
    return mod(this.key.expModN(this.params.s, x) * this.key.expModN(this.params.t, y), N);
  }
}
