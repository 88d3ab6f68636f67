import { describe, expect, it } from 'vitest';
import { MalformedError } from '../../../protocols/errors.js';
import { PARAMS_2048 } from '../../../protocols/cggmp21/params.js';
import { mod } from '../../../protocols/math/bigint.js';
import { G, mul, mulBase, randomScalar } from '../../../protocols/math/curve.js';
import { systemRng } from '../../../protocols/math/random.js';
import { RingPedersenSecret } from '../../../protocols/math/ring-pedersen.js';
import { decodeLogStar, encodeLogStar, proveLogStar, verifyLogStar, type LogStarProof, type LogStarStatement } from '../../../protocols/zk/log-star.js';
import type { ProofContext } from '../../../protocols/zk/proof.js';
import { fixturePaillierKey } from '../../fixtures/primes.js';
import { steeredRng } from '../../helpers/steered-rng.js';

const params = PARAMS_2048;
const sk = fixturePaillierKey(0);
const pk = sk.publicKey;
const verifierRp = RingPedersenSecret.generate(fixturePaillierKey(1));
const otherRp = RingPedersenSecret.generate(fixturePaillierKey(2));
const ctx: ProofContext = { phase: 'ps/log', sessionId: new Uint8Array([4, 4]), prover: 5, subTag: 'K' };
const ELL_EPS = 1n << BigInt(params.ell + params.epsilon);

// Presign round 3 shape: C = K_i, base B = Γ (not G), X = Δ_i = k_i·Γ.
const B = mulBase(randomScalar());
function instance(x: bigint) {
  const rho = pk.randomNonce();
  const st: LogStarStatement = { prover: pk, C: sk.encrypt(x, rho), X: mul(B, x), B, verifier: verifierRp };
  return { st, w: { x, rho } };
}
const prove = (s: LogStarStatement, w: { x: bigint; rho: bigint }, rng = systemRng, verifier = verifierRp.params) =>
  proveLogStar(ctx, { ...s, prover: sk, verifier }, w, params, rng);

const { st, w } = instance(randomScalar());
const proof = prove(st, w);

describe('Π^log* (Paillier plaintext is the discrete log, [P] Fig. 25)', () => {
  it('accepts an honest proof via CRT, via public parameters, and after encode/decode', () => {
    expect(verifyLogStar(ctx, st, proof, params)).toEqual({ valid: true });
    expect(verifyLogStar(ctx, { ...st, verifier: verifierRp.params }, proof, params)).toEqual({ valid: true });
    expect(verifyLogStar(ctx, st, decodeLogStar(encodeLogStar(proof), params), params)).toEqual({ valid: true });
  });

  it('log_for_other_verifier: a proof made for R_2 fails at the verifier owning R_1', () => {
    expect(verifyLogStar(ctx, st, prove(st, w, systemRng, otherRp.params), params).valid).toBe(false);
  });

  it.each<[keyof LogStarProof, (p: LogStarProof) => LogStarProof[keyof LogStarProof]]>([
    ['S', (p) => mod(p.S * verifierRp.params.t, verifierRp.params.N)],
    ['A', (p) => mod(p.A * (1n + pk.N), pk.N2)],
    ['Y', (p) => p.Y.add(G)],
    ['D', (p) => mod(p.D * verifierRp.params.t, verifierRp.params.N)],
    ['z1', (p) => p.z1 + 1n],
    ['z2', (p) => mod(p.z2 * 2n, pk.N)],
    ['z3', (p) => p.z3 + 1n],
  ])('rejects a forged %s', (field, forge) => {
    expect(verifyLogStar(ctx, st, { ...proof, [field]: forge(proof) }, params).valid).toBe(false);
  });

  it('rejects the proof against another C, X or base, and under another sub-tag, session or prover', () => {
    expect(verifyLogStar(ctx, { ...st, C: sk.encrypt(w.x) }, proof, params).valid).toBe(false);
    expect(verifyLogStar(ctx, { ...st, X: st.X.add(G) }, proof, params).valid).toBe(false);
    // Same x, base G instead of Γ: the statement "X = x·G" is a different statement.
    expect(verifyLogStar(ctx, { ...st, B: G, X: mulBase(w.x) }, proof, params).valid).toBe(false);
    expect(verifyLogStar({ ...ctx, subTag: 'G' }, st, proof, params).valid).toBe(false);
    expect(verifyLogStar({ ...ctx, sessionId: new Uint8Array([4, 5]) }, st, proof, params).valid).toBe(false);
    expect(verifyLogStar({ ...ctx, prover: 6 }, st, proof, params).valid).toBe(false);
  });

  it('log_x_out_of_range: C encrypting N/2 with a correctly computed proof fails only on the range check', () => {
    const big = instance(pk.halfN);
    expect(verifyLogStar(ctx, big.st, prove(big.st, big.w), params)).toEqual({ valid: false, reason: 'z1 is out of range ±2^(ℓ+ε)' });
  });

  it('range_boundary: z1 = −2^(ℓ+ε) is accepted, one further is rejected', () => {
    const zero = instance(0n);
    const edge = prove(zero.st, zero.w, steeredRng([[-ELL_EPS, ELL_EPS]]));
    expect(edge.z1).toBe(-ELL_EPS);
    expect(verifyLogStar(ctx, zero.st, edge, params)).toEqual({ valid: true });
    expect(verifyLogStar(ctx, zero.st, { ...edge, z1: -ELL_EPS - 1n }, params)).toEqual({ valid: false, reason: 'z1 is out of range ±2^(ℓ+ε)' });
  });

  it('ct_not_unit: rejects c = 0, c = N², gcd(c, N) ≠ 1 for C and A, and non-units for S, D, z2', () => {
    for (const c of [0n, pk.N2, sk.p * 5n]) {
      expect(verifyLogStar(ctx, { ...st, C: c }, proof, params).valid).toBe(false);
      expect(verifyLogStar(ctx, st, { ...proof, A: c }, params).valid).toBe(false);
    }
    for (const u of [0n, verifierRp.params.N, fixturePaillierKey(1).q]) {
      expect(verifyLogStar(ctx, st, { ...proof, S: u }, params).valid).toBe(false);
      expect(verifyLogStar(ctx, st, { ...proof, D: u }, params).valid).toBe(false);
    }
    for (const z2 of [0n, pk.N, sk.q]) expect(verifyLogStar(ctx, st, { ...proof, z2 }, params).valid).toBe(false);
  });

  it('decode enforces every field, a valid point, no extras and the bit caps', () => {
    const wire = encodeLogStar(proof) as Record<string, unknown>;
    expect(() => decodeLogStar({ ...wire, z1: 1n << 800n } as never, params)).toThrow(MalformedError);
    expect(() => decodeLogStar({ ...wire, A: 1n << 4096n } as never, params)).toThrow(MalformedError);
    expect(() => decodeLogStar({ ...wire, Y: new Uint8Array(32) } as never, params)).toThrow(MalformedError);
    expect(() => decodeLogStar({ ...wire, extra: 1n } as never, params)).toThrow(MalformedError);
    const { S: _S, ...missing } = wire;
    expect(() => decodeLogStar(missing as never, params)).toThrow(MalformedError);
  });
});
