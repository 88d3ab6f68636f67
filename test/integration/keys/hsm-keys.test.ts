/**
 * HSM key stores against a real SoftHSM2 token: the PKCS#11 key store on its own (keys generated in the token,
 * non-extractable, signatures checked by OpenSSL, AES-GCM in the token), then through the gateway and SDK with a
 * client constructed with `hsmProvider`, as the product brief shows.
 */
import { constants, createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import * as tinysecp from 'tiny-secp256k1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuxKMS } from '../../../api/sdk/index.js';
import { Pkcs11KeyStore, type HsmPublicKey } from '../../../node/hsm/pkcs11-keys.js';
import { createSoftHsmToken } from '../../helpers/softhsm.js';
import { startHarness, type Harness } from '../api/gateway-harness.js';

let token: Awaited<ReturnType<typeof createSoftHsmToken>>;
beforeAll(async () => {
  token = await createSoftHsmToken({ labels: ['lux-keys-a', 'lux-keys-b'] });
});
afterAll(async () => {
  await token.cleanup();
});

const digestOf = (s: string) => createHash('sha256').update(s).digest();
const jwkOf = (pub: HsmPublicKey) => {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  if (pub.kind === 'rsa') return createPublicKey({ key: { kty: 'RSA', n: b64(pub.modulus), e: b64(pub.exponent) }, format: 'jwk' });
  if (pub.kind === 'ec') return createPublicKey({ key: { kty: 'EC', crv: pub.curve, x: b64(pub.point.subarray(1, 33)), y: b64(pub.point.subarray(33)) }, format: 'jwk' });
  throw new Error('no public key');
};

describe('Pkcs11KeyStore', () => {
  let ks: Pkcs11KeyStore;
  beforeAll(async () => {
    ks = await Pkcs11KeyStore.open({ library: token.library, tokenLabel: 'lux-keys-b', pin: token.pin });
  });
  afterAll(async () => {
    await ks.close();
  });

  it('EC keys (P-256, secp256k1) are generated non-extractable; CKM_ECDSA signatures verify in OpenSSL / tiny-secp256k1', async () => {
    const p256 = await ks.generate({ kind: 'ec', curve: 'P-256', label: 't/p256' });
    expect(await ks.isNonExtractable(p256.id)).toBe(true);
    const sig = await ks.signEcdsa(p256.id, digestOf('hello'));
    expect(nodeVerify('sha256', Buffer.from('hello'), { key: jwkOf(p256.publicKey), dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    const k1 = await ks.generate({ kind: 'ec', curve: 'secp256k1', label: 't/k1' });
    const pub = (k1.publicKey as { point: Uint8Array }).point;
    const rs = await ks.signEcdsa(k1.id, digestOf('hello'));
    // tiny-secp256k1 accepts high-s when not strict; the gateway normalises to low-s afterwards.
    expect(tinysecp.verify(digestOf('hello'), pub, rs)).toBe(true);
  });

  it('RSA keys sign digests as PKCS#1 v1.5 and PSS signatures OpenSSL verifies over the message', async () => {
    const rsa = await ks.generate({ kind: 'rsa', bits: 2048, label: 't/rsa' });
    const key = jwkOf(rsa.publicKey);
    const pkcs1 = await ks.signRsa(rsa.id, 'pkcs1', digestOf('msg'), 256);
    expect(nodeVerify('sha256', Buffer.from('msg'), key, pkcs1)).toBe(true);
    const pss = await ks.signRsa(rsa.id, 'pss', digestOf('msg'), 256);
    expect(nodeVerify('sha256', Buffer.from('msg'), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pss)).toBe(true);
  });

  it('AES-256-GCM runs in the token; a flipped bit or other associated data is unseal_failed; destroyed keys are gone', async () => {
    const aes = await ks.generate({ kind: 'aes', label: 't/aes' });
    const ad = Buffer.from('ad');
    const { iv, ciphertext } = await ks.encryptAesGcm(aes.id, Buffer.from('secret'), ad);
    expect(Buffer.from(await ks.decryptAesGcm(aes.id, iv, ciphertext, ad)).toString()).toBe('secret');
    const flipped = Uint8Array.from(ciphertext);
    flipped[0]! ^= 1;
    await expect(ks.decryptAesGcm(aes.id, iv, flipped, ad)).rejects.toMatchObject({ code: 'unseal_failed' });
    await expect(ks.decryptAesGcm(aes.id, iv, ciphertext, Buffer.from('other'))).rejects.toMatchObject({ code: 'unseal_failed' });
    await ks.destroy(aes.id);
    await expect(ks.encryptAesGcm(aes.id, Buffer.from('x'), ad)).rejects.toMatchObject({ code: 'hsm_key_missing' });
  });

  it('refuses bad input at the boundary: digest size, key id shape, unknown token, wrong PIN', async () => {
    const p = await ks.generate({ kind: 'ec', curve: 'P-256', label: 't/x' });
    expect(() => ks.signEcdsa(p.id, new Uint8Array(31))).toThrow(RangeError);
    await expect(ks.signEcdsa('zz', new Uint8Array(32))).rejects.toThrow(RangeError);
    await expect(Pkcs11KeyStore.open({ library: token.library, tokenLabel: 'no-such-token', pin: token.pin })).rejects.toMatchObject({ code: 'hsm_token_not_found' });
    await expect(Pkcs11KeyStore.open({ library: token.library, tokenLabel: 'lux-keys-b', pin: 'wrong-pin' })).rejects.toMatchObject({ code: 'hsm_wrong_pin' });
  });
});

describe('HSM key stores through the gateway', () => {
  let h: Harness;
  let hsmClient: LuxKMS;
  beforeAll(async () => {
    h = await startHarness({
      keyStores: [{ id: 'softhsm-a', provider: 'softhsm2', identifier: 'cluster-a', library: token.library, tokenLabel: 'lux-keys-a', pin: token.pin }],
      keys: { minDeletionWaitMs: 500 },
    });
    hsmClient = new LuxKMS({ apiKey: h.adminApiKey, environment: 'production', baseUrl: h.url, maxRetries: 0, hsmProvider: 'softhsm2', clusterArn: 'cluster-a' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a client built with hsmProvider creates keys inside the matching store; signatures verify independently', async () => {
    for (const type of ['ECDSA_P256', 'ECDSA_SECP256K1'] as const) {
      const key = await hsmClient.keys.create({ type, usage: ['sign', 'verify'] });
      expect(key).toMatchObject({ protection: 'hsm', keyStore: { id: 'softhsm-a', provider: 'softhsm2', identifier: 'cluster-a' } });
      const sig = await hsmClient.keys.sign({ keyId: key.id, message: 'raw message' });
      expect(nodeVerify('sha256', Buffer.from('raw message'), { key: createPublicKey(key.versions[0]!.publicKey!), dsaEncoding: 'ieee-p1363' }, Buffer.from(sig.signature, 'hex'))).toBe(true);
      const hash = '0x' + digestOf('tx').toString('hex');
      const digestSig = await hsmClient.keys.sign({ keyId: key.id, message: hash });
      expect(digestSig.messageType).toBe('DIGEST');
      if (type === 'ECDSA_SECP256K1') expect(tinysecp.verify(digestOf('tx'), Buffer.from(key.versions[0]!.publicKeyHex!, 'hex'), Buffer.from(digestSig.signature, 'hex'), true)).toBe(true);
      expect((await hsmClient.keys.verify({ keyId: key.id, message: hash, signature: digestSig })).valid).toBe(true);
    }
    const rsa = await hsmClient.keys.create({ type: 'RSA_2048', usage: ['sign', 'verify'] });
    const pss = await hsmClient.keys.sign({ keyId: rsa.id, message: 'm', algorithm: 'RSASSA_PSS_SHA256' });
    expect(nodeVerify('sha256', Buffer.from('m'), { key: createPublicKey(rsa.versions[0]!.publicKey!), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(pss.signature, 'hex'))).toBe(true);
  });

  it('AES keys encrypt in the token; tampering fails cleanly; rotation makes a new token key and reencrypt renews stored ciphertexts', async () => {
    const key = await hsmClient.keys.create({ type: 'AES_256_GCM', usage: ['encrypt', 'decrypt'], versionExpiry: '1s' });
    const { ciphertext } = await hsmClient.keys.encrypt({ keyId: key.id, plaintext: 'in the HSM' });
    expect(Buffer.from((await hsmClient.keys.decrypt({ keyId: key.id, ciphertext })).plaintext).toString()).toBe('in the HSM');
    const body = Buffer.from(ciphertext.split(':')[3]!, 'base64');
    body[body.length - 1]! ^= 1;
    await expect(hsmClient.keys.decrypt({ keyId: key.id, ciphertext: `lkms:enc:v1:${body.toString('base64')}` })).rejects.toMatchObject({ status: 400, code: 'decryption_failed' });

    await hsmClient.keys.storeCiphertext({ keyId: key.id, name: 'vault-token', plaintext: 'hvs.123' });
    await hsmClient.keys.configureRotation({ keyId: key.id, interval: '90d', strategy: 'reencrypt' });
    await hsmClient.keys.rotate(key.id);
    const stored = await hsmClient.keys.getStoredCiphertext(key.id, 'vault-token');
    expect(stored.keyVersion).toBe(2);
    // Version 1 expires after 1 s and its token object is destroyed; the renewed ciphertext does not need it.
    await new Promise((r) => setTimeout(r, 1300));
    expect((await hsmClient.keys.get(key.id)).versions[0]!.state).toBe('destroyed');
    await expect(hsmClient.keys.decrypt({ keyId: key.id, ciphertext })).rejects.toMatchObject({ status: 410, code: 'key_version_expired' });
    expect(Buffer.from((await hsmClient.keys.decrypt({ keyId: key.id, ciphertext: stored.ciphertext })).plaintext).toString()).toBe('hvs.123');
  });

  it('an unknown or unconfigured key store is a clear 400; types the store cannot hold are refused before generating', async () => {
    const aws = new LuxKMS({ apiKey: h.adminApiKey, environment: 'production', baseUrl: h.url, maxRetries: 0, hsmProvider: 'aws-cloudhsm', clusterArn: 'arn:aws:cloudhsm:us-east-1:1:cluster/x' });
    await expect(aws.keys.create({ type: 'ECDSA_P256' })).rejects.toMatchObject({ status: 400, code: 'key_store_not_configured' });
    await expect(hsmClient.keys.create({ type: 'ECDSA_P256', keyStore: { provider: 'softhsm2', identifier: 'cluster-b' } })).rejects.toMatchObject({ status: 400, code: 'key_store_not_configured' });
    await expect(hsmClient.keys.create({ type: 'ED25519' })).rejects.toMatchObject({ status: 400, code: 'protection_unsupported' });
    await expect(hsmClient.keys.create({ type: 'RSA_2048', usage: ['encrypt', 'decrypt'] })).rejects.toMatchObject({ status: 400, code: 'hsm_usage_unsupported' });
    await expect(h.admin.keys.create({ type: 'ECDSA_P256', protection: 'hsm' })).rejects.toMatchObject({ status: 400, code: 'key_store_required' });
  });
});
