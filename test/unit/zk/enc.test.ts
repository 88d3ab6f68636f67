import { describe, expect, it } from 'vitest';
import { MalformedError } from '../../../protocols/errors.js';
import { PARAMS_2048 } from '../../../protocols/cggmp21/params.js';
import { mod } from '../../../protocols/math/bigint.js';
import { randomScalar } from '../../../protocols/math/curve.js';
import { systemRng } from '../../../protocols/math/random.js';
import { RingPedersenSecret } from '../../../protocols/math/ring-pedersen.js';
import { decodeEnc, encodeEnc, proveEnc, verifyEnc, type EncProof, type EncStatement } from '../../../protocols/zk/enc.js';
import type { ProofContext } from '../../../protocols/zk/proof.js';
import { fixturePaillierKey } from '../../fixtures/primes.js';
import { steeredRng } from '../../helpers/steered-rng.js';

const params = PARAMS_2048;
const sk = fixturePaillierKey(0);
const pk = sk.publicKey;
const verifierRp = RingPedersenSecret.generate(fixturePaillierKey(1));
const otherRp = RingPedersenSecret.generate(fixturePaillierKey(2));
const ctx: ProofContext = { phase: 'ps/enc', sessionId: new Uint8Array([1, 2, 3]), prover: 2 };
const ELL_EPS = 1n << BigInt(params.ell + params.epsilon);

const k = randomScalar();
const rho = pk.randomNonce();
const st: EncStatement = { prover: pk, K: sk.encrypt(k, rho), verifier: verifierRp };
const proof = proveEnc(ctx, { ...st, prover: sk, verifier: verifierRp.params }, { k, rho }, params, systemRng);

describe('Π^enc (Paillier encryption in range, [P] Fig. 14)', () => {
  it('accepts an honest proof, with the verifier CRT path, the public path and after encode/decode', () => {
    expect(verifyEnc(ctx, st, proof, params)).toEqual({ valid: true });
    expect(verifyEnc(ctx, { ...st, verifier: verifierRp.params }, proof, params)).toEqual({ valid: true });
    expect(verifyEnc(ctx, st, decodeEnc(encodeEnc(proof), params), params)).toEqual({ valid: true });
  });

  it('enc_for_other_verifier: a proof made for R_2 fails at the verifier owning R_1', () => {
    const forOther = proveEnc(ctx, { ...st, prover: sk, verifier: otherRp.params }, { k, rho }, params, systemRng);
    expect(verifyEnc(ctx, { ...st, verifier: otherRp }, forOther, params).valid).toBe(true);
    expect(verifyEnc(ctx, st, forOther, params).valid).toBe(false);
  });

  it.each<[keyof EncProof, (p: EncProof) => bigint]>([
    ['S', (p) => mod(p.S * verifierRp.params.t, verifierRp.params.N)],
    ['A', (p) => mod(p.A * (1n + pk.N), pk.N2)],
    ['C', (p) => mod(p.C * verifierRp.params.t, verifierRp.params.N)],
    ['z1', (p) => p.z1 + 1n],
    ['z2', (p) => mod(p.z2 * 2n, pk.N)],
    ['z3', (p) => p.z3 + 1n],
  ])('rejects a forged %s', (field, forge) => {
    expect(verifyEnc(ctx, st, { ...proof, [field]: forge(proof) }, params).valid).toBe(false);
  });

  it('replay_enc_other_session: rejects the proof for another K, session, prover or sub-tag', () => {
    expect(verifyEnc(ctx, { ...st, K: sk.encrypt(k) }, proof, params).valid).toBe(false);
    expect(verifyEnc({ ...ctx, sessionId: new Uint8Array([1, 2, 4]) }, st, proof, params).valid).toBe(false);
    expect(verifyEnc({ ...ctx, prover: 3 }, st, proof, params).valid).toBe(false);
    expect(verifyEnc({ ...ctx, subTag: 'x' }, st, proof, params).valid).toBe(false);
  });

  it('enc_k_out_of_range: K encrypting N/2 with a correctly computed proof fails only on the range check', () => {
    const big = pk.halfN;
    const rhoBig = pk.randomNonce();
    const stBig = { ...st, K: sk.encrypt(big, rhoBig) };
    const cheat = proveEnc(ctx, { ...stBig, prover: sk }, { k: big, rho: rhoBig }, params, systemRng);
    expect(verifyEnc(ctx, stBig, cheat, params)).toEqual({ valid: false, reason: 'z1 is out of range ±2^(ℓ+ε)' });
  });

  it('range_boundary: z1 = 2^(ℓ+ε) is accepted, 2^(ℓ+ε) + 1 is rejected by the range check', () => {
    // With k = 0, z1 = α, so steering the first draw puts z1 exactly on the boundary of an otherwise honest proof.
    const rho0 = pk.randomNonce();
    const st0 = { ...st, K: sk.encrypt(0n, rho0) };
    const edge = proveEnc(ctx, { ...st0, prover: sk }, { k: 0n, rho: rho0 }, params, steeredRng([[ELL_EPS, ELL_EPS]]));
    expect(edge.z1).toBe(ELL_EPS);
    expect(verifyEnc(ctx, st0, edge, params)).toEqual({ valid: true });
    expect(verifyEnc(ctx, st0, { ...edge, z1: ELL_EPS + 1n }, params)).toEqual({ valid: false, reason: 'z1 is out of range ±2^(ℓ+ε)' });
    const low = proveEnc(ctx, { ...st0, prover: sk }, { k: 0n, rho: rho0 }, params, steeredRng([[-ELL_EPS, ELL_EPS]]));
    expect(verifyEnc(ctx, st0, low, params)).toEqual({ valid: true });
  });

  it('ct_not_unit: rejects c = 0, c = N², gcd(c, N) ≠ 1 for K and A, and non-units for S, C, z2', () => {
    for (const c of [0n, pk.N2, sk.p * 7n]) {
      expect(verifyEnc(ctx, { ...st, K: c }, proof, params).valid).toBe(false);
      expect(verifyEnc(ctx, st, { ...proof, A: c }, params).valid).toBe(false);
    }
    for (const u of [0n, verifierRp.params.N, fixturePaillierKey(1).p]) {
      expect(verifyEnc(ctx, st, { ...proof, S: u }, params).valid).toBe(false);
      expect(verifyEnc(ctx, st, { ...proof, C: u }, params).valid).toBe(false);
    }
    for (const z2 of [0n, pk.N, sk.q]) expect(verifyEnc(ctx, st, { ...proof, z2 }, params).valid).toBe(false);
  });

  it('decode enforces every field, no extras and the bit caps', () => {
    const wire = encodeEnc(proof) as Record<string, unknown>;
    expect(() => decodeEnc({ ...wire, z1: 1n << 800n } as never, params)).toThrow(MalformedError);
    expect(() => decodeEnc({ ...wire, A: 1n << 4096n } as never, params)).toThrow(MalformedError);
    expect(() => decodeEnc({ ...wire, S: 1n << 2048n } as never, params)).toThrow(MalformedError);
    expect(() => decodeEnc({ ...wire, z3: 1n << 3000n } as never, params)).toThrow(MalformedError);
    expect(() => decodeEnc({ ...wire, z2: 'x' } as never, params)).toThrow(MalformedError);
    expect(() => decodeEnc({ ...wire, extra: 1n } as never, params)).toThrow(MalformedError);
    const { C: _C, ...missing } = wire;
    expect(() => decodeEnc(missing as never, params)).toThrow(MalformedError);
  });
});
