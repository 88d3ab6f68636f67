/** The pieces with their own rules: the ciphertext format and its associated data, the key-type table, ECDSA normalisation. */
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { associatedData, formatCiphertext, parseCiphertext } from '../../../api/engines/keys/ciphertext.js';
import { normalise } from '../../../api/engines/keys/ecdsa.js';
import { resolveAlgorithm, resolveProtection, resolveUsage } from '../../../api/engines/keys/key-types.js';

describe('ciphertext format', () => {
  it('carries purpose and version; parse refuses the other purpose, junk and oversize tokens', () => {
    const token = formatCiphertext('enc', 12, new Uint8Array([1, 2, 3]));
    expect(token).toBe('lkms:enc:v12:AQID');
    expect(parseCiphertext(token, 'enc')).toEqual({ purpose: 'enc', version: 12, blob: new Uint8Array([1, 2, 3]) });
    expect(() => parseCiphertext(token, 'wrap')).toThrow(/data ciphertext \(use decrypt\)/);
    for (const bad of ['lkms:enc:v0:AQID', 'lkms:enc:1:AQID', 'vault:v1:AQID', 'lkms:enc:v1:**', `lkms:enc:v1:${'A'.repeat(20_000)}`]) {
      expect(() => parseCiphertext(bad, 'enc')).toThrow(expect.objectContaining({ code: 'invalid_ciphertext' }));
    }
  });

  it('binds key, version, purpose and context (order-independent) into the associated data', () => {
    const ad = (over: Partial<{ p: 'enc' | 'wrap'; k: string; v: number; c: Record<string, string> }>) =>
      Buffer.from(associatedData(over.p ?? 'enc', 'production', over.k ?? 'k', over.v ?? 1, over.c)).toString();
    expect(ad({ c: { a: '1', b: '2' } })).toBe(ad({ c: { b: '2', a: '1' } }));
    const variants = [ad({}), ad({ p: 'wrap' }), ad({ k: 'k2' }), ad({ v: 2 }), ad({ c: { a: '1' } })];
    expect(new Set(variants).size).toBe(variants.length);
  });
});

describe('key types', () => {
  it('usages come from one family of the type; defaults per type', () => {
    expect(resolveUsage('RSA_2048', undefined)).toEqual(['sign', 'verify']);
    expect(resolveUsage('AES_256_GCM', ['unwrap', 'wrap', 'wrap'])).toEqual(['wrap', 'unwrap']);
    expect(() => resolveUsage('RSA_2048', ['sign', 'encrypt'])).toThrow('"usage" for RSA_2048 expected a subset of [sign, verify] or [encrypt, decrypt, wrap, unwrap], got [sign, encrypt]');
    expect(() => resolveUsage('HMAC_SHA256', ['sign'])).toThrow(expect.objectContaining({ code: 'invalid_usage' }));
  });

  it('protections and algorithms per type', () => {
    expect(resolveProtection('ECDSA_SECP256K1', undefined)).toBe('threshold');
    expect(resolveProtection('ECDSA_P256', undefined)).toBe('software');
    expect(() => resolveProtection('ED25519', 'hsm')).toThrow(expect.objectContaining({ code: 'protection_unsupported' }));
    expect(resolveAlgorithm('RSA_3072', undefined)).toBe('RSASSA_PKCS1_V1_5_SHA256');
    expect(() => resolveAlgorithm('ECDSA_P256', 'ED25519')).toThrow(expect.objectContaining({ code: 'algorithm_unsupported' }));
    expect(() => resolveAlgorithm('AES_256_GCM', undefined)).toThrow(expect.objectContaining({ code: 'operation_unsupported' }));
  });
});

describe('ECDSA normalisation', () => {
  it('turns a high-s signature into low-s with the right recovery bit, and refuses a signature of another key', () => {
    const secret = p256.utils.randomSecretKey();
    const pub = p256.getPublicKey(secret, true);
    const digest = new Uint8Array(32).fill(9);
    const low = p256.Signature.fromBytes(p256.sign(digest, secret, { prehash: false }), 'compact');
    const high = new p256.Signature(low.r, p256.Point.Fn.neg(low.s)).toBytes('compact');
    const { signature, recovery } = normalise('ECDSA_P256', high, digest, pub);
    expect(signature).toEqual(low.toBytes('compact'));
    expect(low.addRecoveryBit(recovery).recoverPublicKey(digest).toBytes(true)).toEqual(pub);
    expect(() => normalise('ECDSA_P256', high, digest, p256.getPublicKey(p256.utils.randomSecretKey(), true))).toThrow('does not recover');
  });
});
