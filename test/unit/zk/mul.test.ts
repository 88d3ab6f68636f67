import { describe, expect, it } from 'vitest';
import { MalformedError } from '../../../protocols/errors.js';
import { PARAMS_2048 } from '../../../protocols/cggmp21/params.js';
import { randomScalar } from '../../../protocols/math/curve.js';
import { mod } from '../../../protocols/math/bigint.js';
import { systemRng } from '../../../protocols/math/random.js';
import { decodeMul, encodeMul, proveMul, verifyMul, type MulProof, type MulStatement } from '../../../protocols/zk/mul.js';
import type { ProofContext } from '../../../protocols/zk/proof.js';
import { fixturePaillierKey } from '../../fixtures/primes.js';

const params = PARAMS_2048;
const sk = fixturePaillierKey(0);
const pk = sk.publicKey;
const ctx: ProofContext = { phase: 'ia/delta', sessionId: new Uint8Array([7, 7, 7]), prover: 1 };

/** X = enc(x), Y = enc(y), C = (x ⊙ Y)·ρ^N: the shape of H_i = k_i ⊙ G_i. */
function instance(cOffset = 0n) {
  const x = randomScalar();
  const rhoX = pk.randomNonce();
  const rho = pk.randomNonce();
  const X = sk.encrypt(x, rhoX);
  const Y = sk.encrypt(randomScalar());
  const C = mod(pk.scalarMul(Y, x) * sk.noncePower(rho) * (1n + mod(cOffset, pk.N) * pk.N), pk.N2);
  const st: MulStatement = { prover: sk, X, Y, C };
  return { st, w: { x, rhoX, rho } };
}

const { st, w } = instance();
const proof = proveMul(ctx, st, w, params, systemRng);

describe('Π^mul', () => {
  it('accepts an honest proof with the public key, also after encode/decode', () => {
    expect(verifyMul(ctx, st, proof, params)).toEqual({ valid: true });
    expect(verifyMul(ctx, { ...st, prover: pk }, proof, params)).toEqual({ valid: true });
    expect(verifyMul(ctx, st, decodeMul(encodeMul(proof), params), params)).toEqual({ valid: true });
  });

  it('mul_false_product: C encrypting x·y + 1 fails even with a correctly computed proof', () => {
    const bad = instance(1n);
    expect(verifyMul(ctx, bad.st, proveMul(ctx, bad.st, bad.w, params, systemRng), params).valid).toBe(false);
  });

  it.each<[keyof MulProof, (p: MulProof) => bigint]>([
    ['A', (p) => mod(p.A * (1n + pk.N), pk.N2)],
    ['B', (p) => mod(p.B * (1n + pk.N), pk.N2)],
    ['z', (p) => p.z + 1n],
    ['u', (p) => mod(p.u * 2n, pk.N)],
    ['v', (p) => mod(p.v * 2n, pk.N)],
  ])('rejects a forged %s', (field, forge) => {
    expect(verifyMul(ctx, st, { ...proof, [field]: forge(proof) }, params).valid).toBe(false);
  });

  it.each<[string, Partial<MulStatement>]>([
    ['X', { X: sk.encrypt(1n) }],
    ['Y', { Y: sk.encrypt(1n) }],
    ['C', { C: sk.encrypt(1n) }],
  ])('rejects the proof against another statement %s', (_, change) => {
    expect(verifyMul(ctx, { ...st, ...change }, proof, params).valid).toBe(false);
  });

  it('replay_mul_other_context: fails for another session, prover or phase', () => {
    expect(verifyMul({ ...ctx, sessionId: new Uint8Array([7, 7, 8]) }, st, proof, params).valid).toBe(false);
    expect(verifyMul({ ...ctx, prover: 2 }, st, proof, params).valid).toBe(false);
    expect(verifyMul({ ...ctx, phase: 'ia/sigma' }, st, proof, params).valid).toBe(false);
  });

  it('ct_not_unit: rejects non-ciphertexts and non-unit responses', () => {
    const p = fixturePaillierKey(0).p;
    for (const A of [0n, pk.N2, p]) expect(verifyMul(ctx, st, { ...proof, A }, params)).toMatchObject({ valid: false, reason: expect.stringContaining('A is not a ciphertext') });
    for (const u of [0n, pk.N, p]) expect(verifyMul(ctx, st, { ...proof, u }, params)).toMatchObject({ valid: false, reason: expect.stringContaining('u is not a unit') });
    expect(verifyMul(ctx, { ...st, Y: p }, proof, params).valid).toBe(false);
  });

  it('decode enforces presence and bit caps', () => {
    const wire = encodeMul(proof) as Record<string, bigint>;
    expect(() => decodeMul({ ...wire, z: 1n << 2400n }, params)).toThrow(MalformedError);
    expect(() => decodeMul({ ...wire, A: 1n << 4096n }, params)).toThrow(MalformedError);
    expect(() => decodeMul({ ...wire, u: 1n << 2048n }, params)).toThrow(MalformedError);
    const { v: _v, ...missing } = wire;
    expect(() => decodeMul(missing, params)).toThrow(MalformedError);
    expect(() => decodeMul({ ...wire, B: new Uint8Array(3) }, params)).toThrow(MalformedError);
    expect(() => decodeMul({ ...wire, extra: 1n }, params)).toThrow(MalformedError);
  });
});
