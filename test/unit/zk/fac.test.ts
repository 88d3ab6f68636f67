import { beforeAll, describe, expect, it } from 'vitest';
import { PARAMS_2048, PARAMS_3072 } from '../../../protocols/cggmp21/params.js';
import { MalformedError } from '../../../protocols/errors.js';
import { mod } from '../../../protocols/math/bigint.js';
import { RingPedersenSecret } from '../../../protocols/math/ring-pedersen.js';
import { decodeWire, encodeWire } from '../../../protocols/math/wire.js';
import { decodeFac, encodeFac, facBound, proveFac, verifyFac, type FacProof } from '../../../protocols/zk/fac.js';
import type { ProofContext } from '../../../protocols/zk/proof.js';
import { fixturePaillierKey } from '../../fixtures/primes.js';
import { bitforgeModulus } from '../../helpers/cggmp21-aux.js';

const params = PARAMS_2048;
const ctx: ProofContext = { phase: 'aux/fac', sessionId: new Uint8Array([7]), prover: 1, rho: new Uint8Array(32).fill(1) };
const prover = fixturePaillierKey(3);
const N0 = prover.N;

describe('Π^fac', () => {
  let verifier1: RingPedersenSecret;
  let verifier2: RingPedersenSecret;
  let proof: FacProof;
  beforeAll(() => {
    verifier1 = RingPedersenSecret.generate(fixturePaillierKey(4));
    verifier2 = RingPedersenSecret.generate(fixturePaillierKey(5));
    proof = proveFac(ctx, { N0, verifier: verifier1.params }, { p: prover.p, q: prover.q }, params);
  });

  it('an honest proof verifies after a wire round trip, with and without the verifier\'s secret (CRT)', () => {
    const decoded = decodeFac(decodeWire(encodeWire(encodeFac(proof))), params);
    expect(verifyFac(ctx, { N0, verifier: verifier1 }, decoded, params)).toEqual({ valid: true });
    expect(verifyFac(ctx, { N0, verifier: verifier1.params }, decoded, params)).toEqual({ valid: true });
  });

  it('a forged value in any field is rejected', () => {
    const Nhat = verifier1.params.N;
    for (const field of ['P', 'Q', 'A', 'B', 'T'] as const) {
      const forged = { ...proof, [field]: mod(proof[field] * verifier1.params.t, Nhat) };
      expect(verifyFac(ctx, { N0, verifier: verifier1 }, forged, params).valid, field).toBe(false);
    }
    for (const field of ['sigma', 'z1', 'z2', 'w1', 'w2', 'v'] as const) {
      const forged = { ...proof, [field]: proof[field] + 1n };
      expect(verifyFac(ctx, { N0, verifier: verifier1 }, forged, params).valid, field).toBe(false);
    }
    expect(verifyFac(ctx, { N0: fixturePaillierKey(6).N, verifier: verifier1 }, proof, params).valid).toBe(false);
    expect(verifyFac({ ...ctx, prover: 2 }, { N0, verifier: verifier1 }, proof, params).valid).toBe(false);
  });

  it('commitments outside Z*_N̂ are rejected', () => {
    const Nhat = verifier1.params.N;
    for (const bad of [0n, Nhat, fixturePaillierKey(4).p]) {
      expect(verifyFac(ctx, { N0, verifier: verifier1 }, { ...proof, P: bad }, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/Z\*_N̂/) });
    }
  });

  it('fac_for_other_verifier: a proof made against R_1 fails at verifier 2', () => {
    expect(verifyFac(ctx, { N0, verifier: verifier2 }, proof, params).valid).toBe(false);
  });

  it('the range check on z1, z2 is inclusive at B = 2^{ℓ+ε}·isqrt(N0)', () => {
    const B = facBound(N0, params);
    const atBound = verifyFac(ctx, { N0, verifier: verifier1 }, { ...proof, z1: B }, params);
    expect(atBound.valid).toBe(false);
    expect(atBound).not.toMatchObject({ reason: expect.stringMatching(/outside/) });
    expect(verifyFac(ctx, { N0, verifier: verifier1 }, { ...proof, z1: B + 1n }, params)).toMatchObject({ reason: expect.stringMatching(/z1 is outside/) });
    expect(verifyFac(ctx, { N0, verifier: verifier1 }, { ...proof, z2: -B - 1n }, params)).toMatchObject({ reason: expect.stringMatching(/z2 is outside/) });
  });

  it('bitforge_small_factor_N: N0 = sixteen 16-bit primes × a large prime cannot pass, whatever split the forger claims', () => {
    const bad = bitforgeModulus(2048);
    const small = bad.factors.slice(0, -1).reduce((a, b) => a * b, 1n);
    const large = bad.factors.at(-1)!;
    const splits: [bigint, bigint][] = [
      [small, large],
      [bad.factors[0]!, bad.N / bad.factors[0]!],
    ];
    for (const [p, q] of splits) {
      const forged = proveFac(ctx, { N0: bad.N, verifier: verifier1.params }, { p, q }, params);
      expect(verifyFac(ctx, { N0: bad.N, verifier: verifier1 }, forged, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/outside/) });
    }
  });

  it('empty_fac_proof: an empty, partial or oversized proof does not decode', () => {
    expect(() => decodeFac({}, params)).toThrow(MalformedError);
    expect(() => decodeFac([], params)).toThrow(MalformedError);
    const wire = encodeFac(proof) as { [k: string]: bigint };
    const { v: _v, ...partial } = wire;
    expect(() => decodeFac(partial, params)).toThrow(MalformedError);
    expect(() => decodeFac({ ...wire, v: 1n << 10000n }, params)).toThrow(MalformedError);
    expect(() => decodeFac({ ...wire, P: 1n << 2048n }, params)).toThrow(MalformedError);
  });

  it('works with the 3072-bit parameter set (E = 2^128, ε = 230)', () => {
    const key = fixturePaillierKey(0, 3072);
    const v = RingPedersenSecret.generate(fixturePaillierKey(1, 3072));
    const p3 = proveFac(ctx, { N0: key.N, verifier: v.params }, { p: key.p, q: key.q }, PARAMS_3072);
    const decoded = decodeFac(decodeWire(encodeWire(encodeFac(p3))), PARAMS_3072);
    expect(verifyFac(ctx, { N0: key.N, verifier: v }, decoded, PARAMS_3072)).toEqual({ valid: true });
  });
});
