import { describe, expect, it } from 'vitest';
import { MalformedError } from '../../../protocols/errors.js';
import { PARAMS_2048 } from '../../../protocols/cggmp21/params.js';
import { modQ } from '../../../protocols/math/curve.js';
import { mod } from '../../../protocols/math/bigint.js';
import { randomSigned, systemRng } from '../../../protocols/math/random.js';
import { RingPedersenSecret } from '../../../protocols/math/ring-pedersen.js';
import { decMaskBound, decodeDec, encodeDec, proveDec, verifyDec, type DecProof, type DecStatement } from '../../../protocols/zk/dec.js';
import type { ProofContext } from '../../../protocols/zk/proof.js';
import { fixturePaillierKey } from '../../fixtures/primes.js';

const params = PARAMS_2048;
const sk = fixturePaillierKey(0);
const pk = sk.publicKey;
const verifierRp = RingPedersenSecret.generate(fixturePaillierKey(1));
const otherRp = RingPedersenSecret.generate(fixturePaillierKey(2));
const ctx: ProofContext = { phase: 'ia/delta', sessionId: new Uint8Array([5]), prover: 3 };

/** A ciphertext of an MtA-sized integer y (about ℓ′ bits, so far outside ±2^(ℓ+ε)), with x = y mod q. */
function instance() {
  const y = randomSigned(1n << BigInt(params.ellPrime + 2));
  const rho = pk.randomNonce();
  const C = sk.encrypt(y, rho);
  const st: DecStatement = { prover: sk, C, x: modQ(y), verifier: verifierRp.params };
  return { st, w: { y, rho } };
}

const { st, w } = instance();
const proof = proveDec(ctx, st, w, params, systemRng);

describe('Π^dec (decryption mod q, [P] Fig. 30)', () => {
  it('accepts an honest proof for an ℓ′-wide plaintext (no range check on z1), with CRT and after encode/decode', () => {
    expect(verifyDec(ctx, st, proof, params)).toEqual({ valid: true });
    expect(verifyDec(ctx, { ...st, verifier: verifierRp }, decodeDec(encodeDec(proof), params), params)).toEqual({ valid: true });
  });

  it('accepts the recovered nonce of a product ciphertext (how identification uses it)', () => {
    const U = pk.add(pk.scalarMul(st.C, 3n), sk.encrypt(-7n));
    const y = 3n * w.y - 7n;
    const stU = { ...st, C: U, x: modQ(y) };
    expect(verifyDec(ctx, stU, proveDec(ctx, stU, { y, rho: sk.recoverNonce(U) }, params, systemRng), params).valid).toBe(true);
  });

  it('dec_wrong_x: a claimed x ≠ y mod q fails even with a correctly computed proof', () => {
    // The cheater runs the honest algorithm on (C, x + 1) with the matching (but false) witness y + 1.
    const cheat = proveDec(ctx, { ...st, x: modQ(st.x + 1n) }, { ...w, y: w.y + 1n }, params, systemRng);
    expect(verifyDec(ctx, { ...st, x: modQ(st.x + 1n) }, cheat, params).valid).toBe(false);
  });

  it('dec_for_other_verifier: a proof made for R_2 fails at the verifier owning R_1', () => {
    const forOther = proveDec(ctx, { ...st, verifier: otherRp.params }, w, params, systemRng);
    expect(verifyDec(ctx, { ...st, verifier: verifierRp }, forOther, params).valid).toBe(false);
  });

  it.each<[keyof DecProof, (p: DecProof) => bigint]>([
    ['S', (p) => mod(p.S * verifierRp.params.t, verifierRp.params.N)],
    ['T', (p) => mod(p.T * verifierRp.params.t, verifierRp.params.N)],
    ['A', (p) => mod(p.A * (1n + pk.N), pk.N2)],
    ['gamma', (p) => modQ(p.gamma + 1n)],
    ['z1', (p) => p.z1 + 1n],
    ['z2', (p) => p.z2 + 1n],
    ['w', (p) => mod(p.w * 2n, pk.N)],
  ])('rejects a forged %s', (field, forge) => {
    expect(verifyDec(ctx, { ...st, verifier: verifierRp }, { ...proof, [field]: forge(proof) }, params).valid).toBe(false);
  });

  it('rejects the proof against another C or x, and in another session or for another prover', () => {
    expect(verifyDec(ctx, { ...st, C: sk.encrypt(w.y) }, proof, params).valid).toBe(false);
    expect(verifyDec(ctx, { ...st, x: modQ(st.x + 1n) }, proof, params).valid).toBe(false);
    expect(verifyDec({ ...ctx, sessionId: new Uint8Array([6]) }, st, proof, params).valid).toBe(false);
    expect(verifyDec({ ...ctx, prover: 1 }, st, proof, params).valid).toBe(false);
  });

  it('ct_not_unit: rejects non-ciphertexts, non-units and a non-canonical γ', () => {
    for (const A of [0n, pk.N2, sk.p]) expect(verifyDec(ctx, st, { ...proof, A }, params).valid).toBe(false);
    for (const wv of [0n, pk.N, sk.q]) expect(verifyDec(ctx, st, { ...proof, w: wv }, params).valid).toBe(false);
    expect(verifyDec(ctx, st, { ...proof, T: 0n }, params).valid).toBe(false);
    expect(verifyDec(ctx, st, { ...proof, gamma: proof.gamma + (1n << 256n) }, params).valid).toBe(false);
  });

  it('dec_mask_hides_plaintext: the mask range exceeds every |e·y| (y < N0/2) by 2^s', () => {
    const N0 = 1n << BigInt(params.paillierBits);
    const largestEY = (params.challengeBound * N0) / 2n;
    expect(decMaskBound(N0, params) / largestEY >= 1n << BigInt(params.statistical)).toBe(true);
  });

  it('decode enforces presence, a canonical γ and bit caps', () => {
    const wire = encodeDec(proof) as Record<string, unknown>;
    expect(() => decodeDec({ ...wire, z1: 1n << 2600n } as never, params)).toThrow(MalformedError);
    expect(() => decodeDec({ ...wire, z2: 1n << 4700n } as never, params)).toThrow(MalformedError);
    expect(() => decodeDec({ ...wire, A: 1n << 4096n } as never, params)).toThrow(MalformedError);
    expect(() => decodeDec({ ...wire, gamma: new Uint8Array(32).fill(0xff) } as never, params)).toThrow(MalformedError);
    expect(() => decodeDec({ ...wire, extra: 1n } as never, params)).toThrow(MalformedError);
    const { S: _S, ...missing } = wire;
    expect(() => decodeDec(missing as never, params)).toThrow(MalformedError);
  });
});
