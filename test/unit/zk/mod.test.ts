import { generatePrimeSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PARAMS_2048 } from '../../../protocols/cggmp21/params.js';
import { MalformedError } from '../../../protocols/errors.js';
import { gcd, isProbablePrime, jacobi, mod, modInverse } from '../../../protocols/math/bigint.js';
import { modPow } from '../../../protocols/math/modpow.js';
import { decodeWire, encodeWire } from '../../../protocols/math/wire.js';
import { decodeMod, encodeMod, modChallenges, proveMod, verifyMod, type ModProof } from '../../../protocols/zk/mod.js';
import type { ProofContext } from '../../../protocols/zk/proof.js';
import { fixturePaillierKey } from '../../fixtures/primes.js';

const params = PARAMS_2048;
const ctx: ProofContext = { phase: 'aux/mod', sessionId: new Uint8Array([1, 2, 3]), prover: 1, rho: new Uint8Array(32).fill(9) };
const key = fixturePaillierKey(0);
const N = key.N;

function withIteration(proof: ModProof, i: number, change: Partial<ModProof['iterations'][number]>): ModProof {
  return { ...proof, iterations: proof.iterations.map((it, k) => (k === i ? { ...it, ...change } : it)) };
}

describe('Π^mod', () => {
  let proof: ModProof;
  beforeAll(() => {
    proof = proveMod(ctx, { N }, { p: key.p, q: key.q }, params);
  });

  it('an honest proof verifies after a wire round trip', () => {
    const decoded = decodeMod(decodeWire(encodeWire(encodeMod(proof))), params);
    expect(verifyMod(ctx, { N }, decoded, params)).toEqual({ valid: true });
  });

  it('a forged x_i, z_i, a_i, b_i or w is rejected', () => {
    const verdicts = [
      withIteration(proof, 0, { x: mod(proof.iterations[0]!.x + 1n, N) }),
      withIteration(proof, 0, { z: mod(proof.iterations[0]!.z * 2n, N) }),
      withIteration(proof, 0, { a: (1 - proof.iterations[0]!.a) as 0 | 1 }),
      withIteration(proof, 0, { b: (1 - proof.iterations[0]!.b) as 0 | 1 }),
      withIteration(proof, 0, { a: 2 as 0 }),
      // A different w with the right Jacobi symbol: the challenges change, so the old roots no longer fit.
      { ...proof, w: mod(proof.w * 4n, N) },
    ].map((forged) => verifyMod(ctx, { N }, forged, params));
    for (const v of verdicts) expect(v.valid).toBe(false);
  });

  it('a proof for one modulus does not verify for another', () => {
    expect(verifyMod(ctx, { N: fixturePaillierKey(1).N }, proof, params).valid).toBe(false);
  });

  it('rejects an even, tiny or prime modulus before anything else', () => {
    expect(verifyMod(ctx, { N: N + 1n }, proof, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/odd/) });
    expect(verifyMod(ctx, { N: 1n }, proof, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/odd/) });
    expect(verifyMod(ctx, { N: key.p }, proof, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/prime/) });
  });

  it('replay_mod_as_other_party: P_1\'s proof re-sent under another prover index (or session, or ρ) fails', () => {
    expect(verifyMod({ ...ctx, prover: 2 }, { N }, proof, params).valid).toBe(false);
    expect(verifyMod({ ...ctx, sessionId: new Uint8Array([9]) }, { N }, proof, params).valid).toBe(false);
    expect(verifyMod({ ...ctx, rho: new Uint8Array(32) }, { N }, proof, params).valid).toBe(false);
  });

  it('mod_challenges_distinct: the m challenges come from one continuing stream (Taurus d51b737)', () => {
    const ys = modChallenges(ctx, N, proof.w, params.iterations);
    expect(ys).toHaveLength(128);
    expect(new Set(ys).size).toBe(128);
    for (const y of ys) expect(y >= 0n && y < N).toBe(true);
    // The stream is deterministic: the verifier derives exactly the prover's challenges.
    expect(modChallenges(ctx, N, proof.w, params.iterations)).toEqual(ys);
  });

  it('mod_m_minus_1_tuples: one tuple short is rejected by the verifier and by the decoder', () => {
    const short = { ...proof, iterations: proof.iterations.slice(0, -1) };
    expect(verifyMod(ctx, { N }, short, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/exactly 128/) });
    expect(() => decodeMod(encodeMod(short), params)).toThrow(MalformedError);
    const long = { ...proof, iterations: [...proof.iterations, proof.iterations[0]!] };
    expect(verifyMod(ctx, { N }, long, params).valid).toBe(false);
  });

  it('mod_127_iterations: an honest-looking proof with m = 127 is rejected (c-guess)', () => {
    const weak = proveMod(ctx, { N }, { p: key.p, q: key.q }, { ...params, iterations: 127 });
    expect(verifyMod(ctx, { N }, weak, { ...params, iterations: 127 }).valid).toBe(true);
    expect(verifyMod(ctx, { N }, weak, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/exactly 128/) });
    expect(() => decodeMod(encodeMod(weak), params)).toThrow(MalformedError);
  });

  it('mod_x_zero: x_i = 0 (or N, or a non-unit) is rejected', () => {
    for (const x of [0n, N, key.p]) {
      expect(verifyMod(ctx, { N }, withIteration(proof, 5, { x }), params)).toMatchObject({ valid: false, reason: expect.stringMatching(/Z\*_N/) });
    }
    expect(verifyMod(ctx, { N }, withIteration(proof, 5, { z: 0n }), params).valid).toBe(false);
  });

  it('mod_w_jacobi_plus1: a unit w with (w|N) = +1 is rejected', () => {
    let w = mod(proof.w * proof.w, N);
    expect(jacobi(w, N)).toBe(1);
    expect(verifyMod(ctx, { N }, { ...proof, w }, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/Jacobi/) });
    w = 0n;
    expect(verifyMod(ctx, { N }, { ...proof, w }, params).valid).toBe(false);
  });

  it('decoder caps every integer at bits(N) and refuses negative values and non-bit a_i', () => {
    const wire = encodeMod(proof) as { [k: string]: unknown };
    expect(() => decodeMod({ ...(wire as object), w: 1n << 2048n } as never, params)).toThrow(MalformedError);
    expect(() => decodeMod({ ...(wire as object), w: -5n } as never, params)).toThrow(MalformedError);
    const a = [...(wire.a as number[])];
    a[3] = 2;
    expect(() => decodeMod({ ...(wire as object), a } as never, params)).toThrow(MalformedError);
    expect(() => decodeMod({} as never, params)).toThrow(MalformedError);
  });
});

/**
 * mod_w_not_unit — port of tss-lib's TestAttackMod (c84c096): N = P·q_1⋯q_7 is not a Paillier–Blum modulus, yet with
 * w ≡ 0 (mod every q_i) the forger answers every challenge: w·y ≡ 0 ≡ 0⁴ modulo each q_i, and P alone is Blum. The
 * paper's equations all hold; only the Taurus checks (gcd(w, N) = 1, Jacobi, x_i ∈ Z*_N) reject it.
 */
describe('mod_w_not_unit', () => {
  function blumPrime(bits: number): bigint {
    for (;;) {
      const p = generatePrimeSync(bits, { bigint: true });
      if ((p & 3n) === 3n) return p;
    }
  }

  function craft(): { N: bigint; P: bigint; qs: bigint[] } {
    for (;;) {
      const qs: bigint[] = [];
      for (let c = (1n << 20n) + 1n; qs.length < 7; c += 2n) if (isProbablePrime(c, 20)) qs.push(c);
      const P = blumPrime(512);
      const N = qs.reduce((a, b) => a * b, P);
      const phi = qs.reduce((a, q) => a * (q - 1n), P - 1n);
      if (gcd(N, phi) === 1n) return { N, P, qs };
    }
  }

  it('a forged proof that satisfies every equation is rejected because w is not a unit', () => {
    const { N: Nbad, P, qs } = craft();
    const Q = Nbad / P;
    const phi = qs.reduce((a, q) => a * (q - 1n), P - 1n);
    const nInv = modInverse(Nbad, phi);
    // w ≡ 0 mod Q, a non-residue mod P.
    let w = Q;
    while (jacobi(w, P) !== -1) w = (w + Q) % Nbad;
    const ys = modChallenges(ctx, Nbad, w, params.iterations);
    const fourth = ((P + 1n) / 4n) ** 2n;
    const iterations = ys.map((y) => {
      const wy = mod(w * y, Nbad);
      const a = (jacobi(wy, P) === 1 ? 0 : 1) as 0 | 1;
      const target = a ? mod(-wy, Nbad) : wy;
      // x ≡ 4th root mod P, x ≡ 0 mod Q (CRT), z = y^{N^{-1} mod φ}.
      const xP = modPow(target % P, fourth, P);
      const x = mod(xP * Q * modInverse(Q, P), Nbad);
      return { x, a, b: 1 as const, z: modPow(y, nInv, Nbad) };
    });
    const forged: ModProof = { w, iterations };
    // Every equation of the paper's verifier holds …
    iterations.forEach(({ x, a, z }, i) => {
      expect(modPow(z, Nbad, Nbad)).toBe(ys[i]);
      expect(modPow(x, 4n, Nbad)).toBe(a ? mod(-w * ys[i]!, Nbad) : mod(w * ys[i]!, Nbad));
    });
    // … and the full check set still rejects it.
    expect(verifyMod(ctx, { N: Nbad }, forged, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/gcd\(w, N\)/) });
    // The Jacobi check and the Z*_N check on every x_i (x_i ≡ 0 mod q_i) would each catch it on their own too.
    expect(jacobi(w, Nbad)).toBe(0);
    for (const { x } of iterations) expect(gcd(x, Nbad)).not.toBe(1n);
  });
});
