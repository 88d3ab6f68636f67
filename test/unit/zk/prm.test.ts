import { beforeAll, describe, expect, it } from 'vitest';
import { PARAMS_2048 } from '../../../protocols/cggmp21/params.js';
import { MalformedError } from '../../../protocols/errors.js';
import { mod } from '../../../protocols/math/bigint.js';
import { RingPedersenSecret } from '../../../protocols/math/ring-pedersen.js';
import { decodeWire, encodeWire } from '../../../protocols/math/wire.js';
import { decodePrm, encodePrm, provePrm, verifyPrm, type PrmProof } from '../../../protocols/zk/prm.js';
import type { ProofContext } from '../../../protocols/zk/proof.js';
import { fixturePaillierKey } from '../../fixtures/primes.js';

const params = PARAMS_2048;
const ctx: ProofContext = { phase: 'aux/prm', sessionId: new Uint8Array([4, 5, 6]), prover: 2 };
const key = fixturePaillierKey(2);
const N = key.N;

describe('Π^prm', () => {
  let rp: RingPedersenSecret;
  let st: { N: bigint; s: bigint; t: bigint };
  let proof: PrmProof;
  beforeAll(() => {
    rp = RingPedersenSecret.generate(key);
    st = { N, s: rp.params.s, t: rp.params.t };
    proof = provePrm(ctx, st, { lambda: rp.lambda, trapdoor: key }, params);
  });

  it('an honest proof verifies after a wire round trip', () => {
    const decoded = decodePrm(decodeWire(encodeWire(encodePrm(proof))), params);
    expect(verifyPrm(ctx, st, decoded, params)).toEqual({ valid: true });
  });

  it('a forged A_i or z_i, or another statement, is rejected', () => {
    const A = [...proof.A];
    A[0] = mod(A[0]! * st.t, N);
    const z = [...proof.z];
    z[0] = z[0]! + 1n;
    expect(verifyPrm(ctx, st, { ...proof, A }, params).valid).toBe(false);
    expect(verifyPrm(ctx, st, { ...proof, z }, params).valid).toBe(false);
    expect(verifyPrm(ctx, { ...st, s: mod(st.s * st.t, N) }, proof, params).valid).toBe(false);
    expect(verifyPrm(ctx, { ...st, t: mod(st.t * st.t, N) }, proof, params).valid).toBe(false);
    expect(verifyPrm({ ...ctx, prover: 3 }, st, proof, params).valid).toBe(false);
  });

  it('rejects degenerate parameters: s = t, s or t = 1, non-units, z_i ≥ N', () => {
    expect(verifyPrm(ctx, { ...st, s: st.t }, proof, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/differ/) });
    expect(verifyPrm(ctx, { ...st, s: 1n }, proof, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/differ from 1/) });
    expect(verifyPrm(ctx, { ...st, t: key.p }, proof, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/Z\*_N/) });
    expect(verifyPrm(ctx, { ...st, s: 0n }, proof, params).valid).toBe(false);
    const A = [...proof.A];
    A[7] = key.q;
    expect(verifyPrm(ctx, st, { ...proof, A }, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/A_i/) });
    const z = [...proof.z];
    z[7] = N;
    expect(verifyPrm(ctx, st, { ...proof, z }, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/z_i/) });
  });

  it('prm_s_outside_t: s = −t^λ with an honest-looking proof fails (except with probability 2^-128)', () => {
    const bad = { ...st, s: mod(-st.s, N) };
    const forged = provePrm(ctx, bad, { lambda: rp.lambda, trapdoor: key }, params);
    expect(verifyPrm(ctx, bad, forged, params).valid).toBe(false);
  });

  it('prm_single_large_challenge_shape: one pair answering a large challenge is rejected on shape', () => {
    // The c-split shape: a single A = t^a and z = a + e·λ for a many-bit e.
    const a = 12345n;
    const e = (1n << 200n) + 17n;
    const single: PrmProof = { A: [key.expModN(st.t, a)], z: [mod(a + e * rp.lambda, key.phi)] };
    expect(verifyPrm(ctx, st, single, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/exactly 128/) });
    expect(() => decodePrm(encodePrm(single), params)).toThrow(MalformedError);
  });

  it('prm_127_iterations: an honest-looking proof with m = 127 is rejected (c-guess)', () => {
    const weak = provePrm(ctx, st, { lambda: rp.lambda, trapdoor: key }, { ...params, iterations: 127 });
    expect(verifyPrm(ctx, st, weak, { ...params, iterations: 127 }).valid).toBe(true);
    expect(verifyPrm(ctx, st, weak, params)).toMatchObject({ valid: false, reason: expect.stringMatching(/exactly 128/) });
    expect(() => decodePrm(encodePrm(weak), params)).toThrow(MalformedError);
  });

  it('decoder refuses oversized, negative and missing values', () => {
    const wire = encodePrm(proof) as { A: bigint[]; z: bigint[] };
    expect(() => decodePrm({ ...wire, z: [...wire.z.slice(1), 1n << 2048n] }, params)).toThrow(MalformedError);
    expect(() => decodePrm({ ...wire, A: [...wire.A.slice(1), -1n] }, params)).toThrow(MalformedError);
    expect(() => decodePrm({ A: wire.A }, params)).toThrow(MalformedError);
  });
});
