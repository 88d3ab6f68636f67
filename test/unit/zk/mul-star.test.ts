import { describe, expect, it } from 'vitest';
import { MalformedError } from '../../../protocols/errors.js';
import { PARAMS_2048 } from '../../../protocols/cggmp21/params.js';
import { G, mulBase, randomScalar } from '../../../protocols/math/curve.js';
import { mod } from '../../../protocols/math/bigint.js';
import { systemRng } from '../../../protocols/math/random.js';
import { RingPedersenSecret } from '../../../protocols/math/ring-pedersen.js';
import {
  decodeMulStar,
  encodeMulStar,
  proveMulStar,
  verifyMulStar,
  type MulStarProof,
  type MulStarStatement,
} from '../../../protocols/zk/mul-star.js';
import type { ProofContext } from '../../../protocols/zk/proof.js';
import { fixturePaillierKey } from '../../fixtures/primes.js';

const params = PARAMS_2048;
const sk = fixturePaillierKey(0);
const pk = sk.publicKey;
const verifierRp = RingPedersenSecret.generate(fixturePaillierKey(1));
const otherRp = RingPedersenSecret.generate(fixturePaillierKey(2));
const ctx: ProofContext = { phase: 'ia/sigma', sessionId: new Uint8Array([9, 9]), prover: 2 };

/** D = (x ⊙ C)·ρ^N0 and X = x·G: the shape of Ĥ_i = x_i ⊙ K_i. */
function instance(x: bigint) {
  const C = sk.encrypt(randomScalar());
  const rho = pk.randomNonce();
  const D = mod(pk.scalarMul(C, x) * sk.noncePower(rho), pk.N2);
  const st: MulStarStatement = { prover: sk, C, D, X: mulBase(x), verifier: verifierRp.params };
  return { st, w: { x, rho } };
}

const { st, w } = instance(randomScalar());
const proof = proveMulStar(ctx, st, w, params, systemRng);

describe('Π^mul*', () => {
  it('accepts an honest proof with public R, with the verifier secret (CRT), and after encode/decode', () => {
    expect(verifyMulStar(ctx, st, proof, params)).toEqual({ valid: true });
    expect(verifyMulStar(ctx, { ...st, verifier: verifierRp }, proof, params)).toEqual({ valid: true });
    expect(verifyMulStar(ctx, { ...st, verifier: verifierRp }, decodeMulStar(encodeMulStar(proof), params), params)).toEqual({ valid: true });
  });

  it('mulstar_wrong_point: X ≠ x·G fails even with a correctly computed proof', () => {
    const bad = instance(randomScalar());
    const forged = { ...bad.st, X: mulBase(bad.w.x + 1n) };
    expect(verifyMulStar(ctx, forged, proveMulStar(ctx, forged, bad.w, params, systemRng), params).valid).toBe(false);
  });

  it('mulstar_for_other_verifier: a proof made for R_2 fails at the verifier owning R_1', () => {
    const forOther = proveMulStar(ctx, { ...st, verifier: otherRp.params }, w, params, systemRng);
    expect(verifyMulStar(ctx, { ...st, verifier: verifierRp }, forOther, params).valid).toBe(false);
  });

  it.each<[keyof MulStarProof, (p: MulStarProof) => MulStarProof[keyof MulStarProof]]>([
    ['A', (p) => mod(p.A * (1n + pk.N), pk.N2)],
    ['Bx', (p) => p.Bx.add(G)],
    ['E', (p) => mod(p.E * verifierRp.params.s, verifierRp.params.N)],
    ['S', (p) => mod(p.S * verifierRp.params.s, verifierRp.params.N)],
    ['z1', (p) => p.z1 + 1n],
    ['z2', (p) => p.z2 + 1n],
    ['w', (p) => mod(p.w * 2n, pk.N)],
  ])('rejects a forged %s', (field, forge) => {
    expect(verifyMulStar(ctx, { ...st, verifier: verifierRp }, { ...proof, [field]: forge(proof) }, params).valid).toBe(false);
  });

  it('replay_mulstar_other_context: fails for another session or prover', () => {
    expect(verifyMulStar({ ...ctx, sessionId: new Uint8Array([9, 8]) }, st, proof, params).valid).toBe(false);
    expect(verifyMulStar({ ...ctx, prover: 3 }, st, proof, params).valid).toBe(false);
  });

  it('mulstar_x_out_of_range: the range check on z1 stops x far outside ±2^ℓ', () => {
    // D really is x ⊙ C and X = x·G, but x ≈ 2^(ℓ+ε+1): z1 = α + e·x leaves ±2^(ℓ+ε).
    const big = (1n << BigInt(params.ell + params.epsilon + 1)) + 12345n;
    const bad = instance(big);
    const forged = proveMulStar(ctx, bad.st, bad.w, params, systemRng);
    expect(verifyMulStar(ctx, bad.st, forged, params)).toMatchObject({ valid: false, reason: expect.stringContaining('z1 is out of range') });
  });

  it('range_boundary: z1 = 2^(ℓ+ε) passes the range check, 2^(ℓ+ε)+1 is rejected by it', () => {
    const bound = 1n << BigInt(params.ell + params.epsilon);
    const reason = (z1: bigint): string => {
      const verdict = verifyMulStar(ctx, st, { ...proof, z1 }, params);
      return verdict.valid ? '' : verdict.reason;
    };
    expect(reason(bound)).toContain('equation');
    expect(reason(-bound)).toContain('equation');
    expect(reason(bound + 1n)).toContain('out of range');
  });

  it('ct_not_unit: rejects non-ciphertexts and non-units', () => {
    for (const A of [0n, pk.N2, sk.p]) expect(verifyMulStar(ctx, st, { ...proof, A }, params).valid).toBe(false);
    for (const wv of [0n, pk.N, sk.q]) expect(verifyMulStar(ctx, st, { ...proof, w: wv }, params).valid).toBe(false);
    expect(verifyMulStar(ctx, st, { ...proof, S: fixturePaillierKey(1).p }, params).valid).toBe(false);
    expect(verifyMulStar(ctx, { ...st, D: 0n }, proof, params).valid).toBe(false);
  });

  it('decode enforces presence, point validity and bit caps', () => {
    const wire = encodeMulStar(proof) as Record<string, unknown>;
    const z1Cap = params.ell + params.epsilon + 3;
    expect(() => decodeMulStar({ ...wire, z1: 1n << BigInt(z1Cap) } as never, params)).toThrow(MalformedError);
    expect(() => decodeMulStar({ ...wire, z2: 1n << 4000n } as never, params)).toThrow(MalformedError);
    expect(() => decodeMulStar({ ...wire, E: 1n << 2048n } as never, params)).toThrow(MalformedError);
    expect(() => decodeMulStar({ ...wire, Bx: new Uint8Array(33) } as never, params)).toThrow(MalformedError);
    expect(() => decodeMulStar({ ...wire, extra: 1n } as never, params)).toThrow(MalformedError);
    const { w: _w, ...missing } = wire;
    expect(() => decodeMulStar(missing as never, params)).toThrow(MalformedError);
  });
});
