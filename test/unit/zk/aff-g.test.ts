import { describe, expect, it } from 'vitest';
import { MalformedError } from '../../../protocols/errors.js';
import { PARAMS_2048 } from '../../../protocols/cggmp21/params.js';
import { mod } from '../../../protocols/math/bigint.js';
import { G, mulBase, randomScalar, type Point } from '../../../protocols/math/curve.js';
import { randomSigned, systemRng } from '../../../protocols/math/random.js';
import { RingPedersenSecret } from '../../../protocols/math/ring-pedersen.js';
import { decodeAffG, encodeAffG, proveAffG, verifyAffG, type AffGProof, type AffGStatement, type AffGWitness } from '../../../protocols/zk/aff-g.js';
import type { ProofContext } from '../../../protocols/zk/proof.js';
import { fixturePaillierKey } from '../../fixtures/primes.js';
import { steeredRng } from '../../helpers/steered-rng.js';

const params = PARAMS_2048;
// The verifier owns N0 (C and D are under it) and its ring-Pedersen parameters; the prover owns N1 (Y).
const verifierKey = fixturePaillierKey(1);
const pk0 = verifierKey.publicKey;
const verifierRp = RingPedersenSecret.generate(verifierKey);
const proverKey = fixturePaillierKey(0);
const pk1 = proverKey.publicKey;
const otherRp = RingPedersenSecret.generate(fixturePaillierKey(2));
const ctx: ProofContext = { phase: 'ps/affg', sessionId: new Uint8Array([9]), prover: 1, subTag: 'gamma' };
const ELL_EPS = 1n << BigInt(params.ell + params.epsilon);
const MASK_EPS = 1n << BigInt(params.ellPrime + params.epsilon);

/** The MtA statement of presigning: D = (x ⊙ C) ⊕ enc0(y; ρ), Y = enc1(y; ρ_y), X = x·G. */
function instance(x: bigint, y: bigint): { st: AffGStatement; w: AffGWitness } {
  const C = verifierKey.encrypt(randomScalar());
  const rho = pk0.randomNonce();
  const rhoY = pk1.randomNonce();
  const D = pk0.add(pk0.scalarMul(C, x), pk0.encrypt(y, rho));
  const X: Point = mulBase(x);
  return { st: { receiver: pk0, prover: pk1, C, D, Y: proverKey.encrypt(y, rhoY), X, verifier: verifierRp }, w: { x, y, rho, rhoY } };
}

function prove(st: AffGStatement, w: AffGWitness, rng = systemRng, verifier = verifierRp.params, c = ctx): AffGProof {
  return proveAffG(c, { ...st, prover: proverKey, verifier }, w, params, rng);
}

const { st, w } = instance(randomScalar(), -randomSigned(1n << BigInt(params.ellPrime)));
const proof = prove(st, w);
// The verifier's own view: its secret key for N0 and its ring-Pedersen secret (CRT).
const stOwn: AffGStatement = { ...st, receiver: verifierKey };

describe('Π^aff-g (affine operation with group commitment, [P] Fig. 15)', () => {
  it('accepts an honest proof via CRT, via public keys only, and after encode/decode', () => {
    expect(verifyAffG(ctx, stOwn, proof, params)).toEqual({ valid: true });
    expect(verifyAffG(ctx, { ...st, verifier: verifierRp.params }, proof, params)).toEqual({ valid: true });
    expect(verifyAffG(ctx, stOwn, decodeAffG(encodeAffG(proof), params), params)).toEqual({ valid: true });
  });

  it('affg_for_other_verifier: a proof made for R_2 fails at the verifier owning R_1', () => {
    expect(verifyAffG(ctx, stOwn, prove(st, w, systemRng, otherRp.params), params).valid).toBe(false);
  });

  const unitN0 = (v: bigint) => mod(v * (1n + pk0.N), pk0.N2);
  const unitN1 = (v: bigint) => mod(v * (1n + pk1.N), pk1.N2);
  const unitRp = (v: bigint) => mod(v * verifierRp.params.t, verifierRp.params.N);
  it.each<[keyof AffGProof, (p: AffGProof) => AffGProof[keyof AffGProof]]>([
    ['A', (p) => unitN0(p.A)],
    ['Bx', (p) => p.Bx.add(G)],
    ['By', (p) => unitN1(p.By)],
    ['E', (p) => unitRp(p.E)],
    ['S', (p) => unitRp(p.S)],
    ['F', (p) => unitRp(p.F)],
    ['T', (p) => unitRp(p.T)],
    ['z1', (p) => p.z1 + 1n],
    ['z2', (p) => p.z2 + 1n],
    ['z3', (p) => p.z3 + 1n],
    ['z4', (p) => p.z4 + 1n],
    ['w', (p) => mod(p.w * 2n, pk0.N)],
    ['wY', (p) => mod(p.wY * 2n, pk1.N)],
  ])('rejects a forged %s', (field, forge) => {
    expect(verifyAffG(ctx, stOwn, { ...proof, [field]: forge(proof) }, params).valid).toBe(false);
  });

  it('rejects the proof against another statement value', () => {
    const other = instance(randomScalar(), 5n).st;
    for (const field of ['C', 'D', 'Y', 'X'] as const) {
      expect(verifyAffG(ctx, { ...stOwn, [field]: other[field] }, proof, params).valid, field).toBe(false);
    }
  });

  it('affg_swap_gamma_x_tags: a proof made under sub-tag "gamma" fails under "x" (and in another session or for another prover)', () => {
    expect(verifyAffG({ ...ctx, subTag: 'x' }, stOwn, proof, params).valid).toBe(false);
    expect(verifyAffG({ ...ctx, sessionId: new Uint8Array([10]) }, stOwn, proof, params).valid).toBe(false);
    expect(verifyAffG({ ...ctx, prover: 2 }, stOwn, proof, params).valid).toBe(false);
  });

  it("affg_beta_too_big: y = 2^(ℓ'+ε+1) with a correctly computed proof fails only on the z2 range check", () => {
    const big = instance(randomScalar(), 1n << BigInt(params.ellPrime + params.epsilon + 1));
    const cheat = prove(big.st, big.w);
    expect(verifyAffG(ctx, { ...big.st, receiver: verifierKey }, cheat, params)).toEqual({ valid: false, reason: "z2 is out of range ±2^(ℓ'+ε)" });
  });

  it('affg_x_too_big: x = N0/2 fails on the z1 range check', () => {
    const big = instance(pk0.halfN, 3n);
    expect(verifyAffG(ctx, { ...big.st, receiver: verifierKey }, prove(big.st, big.w), params)).toEqual({ valid: false, reason: 'z1 is out of range ±2^(ℓ+ε)' });
  });

  it("range_boundary: z1 = 2^(ℓ+ε) and z2 = 2^(ℓ'+ε) are accepted, one more is rejected", () => {
    // With x = y = 0 the responses are z1 = α and z2 = β: steer the first two draws onto the boundaries.
    const zero = instance(0n, 0n);
    const edge = prove(zero.st, zero.w, steeredRng([[ELL_EPS, ELL_EPS], [-MASK_EPS, MASK_EPS]]));
    expect([edge.z1, edge.z2]).toEqual([ELL_EPS, -MASK_EPS]);
    const own = { ...zero.st, receiver: verifierKey };
    expect(verifyAffG(ctx, own, edge, params)).toEqual({ valid: true });
    expect(verifyAffG(ctx, own, { ...edge, z1: ELL_EPS + 1n }, params)).toEqual({ valid: false, reason: 'z1 is out of range ±2^(ℓ+ε)' });
    expect(verifyAffG(ctx, own, { ...edge, z2: -MASK_EPS - 1n }, params)).toEqual({ valid: false, reason: "z2 is out of range ±2^(ℓ'+ε)" });
  });

  it('ct_not_unit: rejects c = 0, c = N², gcd(c, N) ≠ 1 in every ciphertext, and non-units elsewhere', () => {
    for (const [c0, c1] of [[0n, 0n], [pk0.N2, pk1.N2], [verifierKey.p, proverKey.q * 3n]] as const) {
      for (const field of ['C', 'D'] as const) expect(verifyAffG(ctx, { ...stOwn, [field]: c0 }, proof, params).valid).toBe(false);
      expect(verifyAffG(ctx, { ...stOwn, Y: c1 }, proof, params).valid).toBe(false);
      expect(verifyAffG(ctx, stOwn, { ...proof, A: c0 }, params).valid).toBe(false);
      expect(verifyAffG(ctx, stOwn, { ...proof, By: c1 }, params).valid).toBe(false);
    }
    for (const field of ['E', 'S', 'F', 'T'] as const) expect(verifyAffG(ctx, stOwn, { ...proof, [field]: verifierKey.q }, params).valid).toBe(false);
    expect(verifyAffG(ctx, stOwn, { ...proof, w: pk0.N }, params).valid).toBe(false);
    expect(verifyAffG(ctx, stOwn, { ...proof, wY: proverKey.p }, params).valid).toBe(false);
  });

  it('decode enforces every field, a valid point, no extras and the bit caps', () => {
    const wire = encodeAffG(proof) as Record<string, unknown>;
    expect(() => decodeAffG({ ...wire, z2: 1n << 1800n } as never, params)).toThrow(MalformedError);
    expect(() => decodeAffG({ ...wire, z1: 1n << 800n } as never, params)).toThrow(MalformedError);
    expect(() => decodeAffG({ ...wire, A: 1n << 4096n } as never, params)).toThrow(MalformedError);
    expect(() => decodeAffG({ ...wire, Bx: new Uint8Array(33) } as never, params)).toThrow(MalformedError);
    expect(() => decodeAffG({ ...wire, extra: 0n } as never, params)).toThrow(MalformedError);
    const { wY: _wY, ...missing } = wire;
    expect(() => decodeAffG(missing as never, params)).toThrow(MalformedError);
  });
});
