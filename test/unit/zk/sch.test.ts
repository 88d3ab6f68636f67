import { describe, expect, it } from 'vitest';
import { mulBase, modQ } from '../../../protocols/math/curve.js';
import { decodeSchnorr, encodeSchnorr, proveSchnorr, verifySchnorr } from '../../../protocols/zk/sch.js';
import type { ProofContext } from '../../../protocols/zk/proof.js';

const ctx: ProofContext = { phase: 'test', sessionId: new Uint8Array([1]), prover: 1 };

describe('Π^sch', () => {
  const x = 0x1234567890n;
  const X = mulBase(x);
  it('an honest proof verifies after encode/decode', () => {
    const proof = decodeSchnorr(encodeSchnorr(proveSchnorr(ctx, X, x)));
    expect(verifySchnorr(ctx, X, proof)).toEqual({ valid: true });
  });
  it('a forged response, commitment or statement is rejected', () => {
    const proof = proveSchnorr(ctx, X, x);
    expect(verifySchnorr(ctx, X, { ...proof, z: modQ(proof.z + 1n) }).valid).toBe(false);
    expect(verifySchnorr(ctx, X, { ...proof, A: mulBase(3n) }).valid).toBe(false);
    expect(verifySchnorr(ctx, mulBase(x + 1n), proof).valid).toBe(false);
  });
  it('a proof replayed under another prover id, session or phase is rejected', () => {
    const proof = proveSchnorr(ctx, X, x);
    expect(verifySchnorr({ ...ctx, prover: 2 }, X, proof).valid).toBe(false);
    expect(verifySchnorr({ ...ctx, sessionId: new Uint8Array([2]) }, X, proof).valid).toBe(false);
    expect(verifySchnorr({ ...ctx, phase: 'other' }, X, proof).valid).toBe(false);
    expect(verifySchnorr({ ...ctx, rho: new Uint8Array([0]) }, X, proof).valid).toBe(false);
  });
});
