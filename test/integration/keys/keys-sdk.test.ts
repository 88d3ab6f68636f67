/**
 * The keys engine through the SDK against a real gateway (LevelDB, passphrase seal): every key type's round trip,
 * signatures checked by independent implementations (node:crypto/OpenSSL, ethers, tiny-secp256k1), tampering,
 * states, rotation with expiry, reencrypt, webhooks, maxAmount policies and the audit trail.
 */
import { createHash, createHmac, createPublicKey, verify as nodeVerify, constants } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { computeAddress, recoverAddress, Signature } from 'ethers';
import * as tinysecp from 'tiny-secp256k1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature, type KeySignature, type KeyType, type LuxKMS } from '../../../api/sdk/index.js';
import { startHarness, type Harness } from '../api/gateway-harness.js';

let h: Harness;
let kms: LuxKMS;
beforeAll(async () => {
  // The rotation webhook's receiver listens on loopback, which gateways refuse unless told otherwise.
  h = await startHarness({ keys: { minRotationIntervalMs: 2000, minDeletionWaitMs: 500 }, webhooks: { allowPrivateTargets: true } });
  kms = h.admin;
});
afterAll(async () => {
  await h.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const flipHexByte = (hex: string, at = 4) => hex.slice(0, at * 2) + ((parseInt(hex.slice(at * 2, at * 2 + 2), 16) ^ 0x01).toString(16).padStart(2, '0')) + hex.slice(at * 2 + 2);
/** A base64 ciphertext token with one bit of its body flipped. */
function tamper(token: string): string {
  const i = token.lastIndexOf(':') + 1;
  const body = Buffer.from(token.slice(i), 'base64');
  body[body.length - 20]! ^= 0x01;
  return token.slice(0, i) + body.toString('base64');
}

describe('signing keys: independent verification', () => {
  const message = 'pay 10 LUX to lux1qxyz';

  it('ECDSA_P256 (software): OpenSSL verifies the r‖s signature of the raw message; a flipped byte does not verify', async () => {
    const key = await kms.keys.create({ type: 'ECDSA_P256', usage: ['sign', 'verify'] });
    expect(key.protection).toBe('software');
    const sig = await kms.keys.sign({ keyId: key.id, message });
    expect(sig).toMatchObject({ messageType: 'RAW', algorithm: 'ECDSA_SHA256', keyVersion: 1 });
    const pub = createPublicKey(key.versions[0]!.publicKey!);
    expect(nodeVerify('sha256', Buffer.from(message), { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig.signature, 'hex'))).toBe(true);
    expect((await kms.keys.verify({ keyId: key.id, message, signature: sig })).valid).toBe(true);
    expect((await kms.keys.verify({ keyId: key.id, message, signature: { ...sig, signature: flipHexByte(sig.signature) } })).valid).toBe(false);
    expect((await kms.keys.verify({ keyId: key.id, message: message + '!', signature: sig })).valid).toBe(false);
  });

  it('ECDSA_SECP256K1 (software): a 32-byte transaction hash is signed as a digest; ethers recovers the address, tiny-secp256k1 verifies low-s', async () => {
    const key = await kms.keys.create({ type: 'ECDSA_SECP256K1', usage: ['sign', 'verify'], protection: 'software' });
    const transactionHash = '0x' + createHash('sha256').update('a transaction').digest('hex');
    const sig = await kms.keys.sign({ keyId: key.id, message: transactionHash, algorithm: 'ECDSA_SHA256' });
    expect(sig.messageType).toBe('DIGEST');
    const publicKey = Buffer.from(key.versions[0]!.publicKeyHex!, 'hex');
    const rs = Buffer.from(sig.signature, 'hex');
    expect(tinysecp.verify(Buffer.from(transactionHash.slice(2), 'hex'), publicKey, rs, true)).toBe(true);
    const recovered = recoverAddress(transactionHash, Signature.from({ r: '0x' + sig.signature.slice(0, 64), s: '0x' + sig.signature.slice(64), v: 27 + sig.recovery! }));
    expect(recovered).toBe(computeAddress('0x' + key.versions[0]!.publicKeyHex!));
    expect((await kms.keys.verify({ keyId: key.id, message: transactionHash, signature: sig })).valid).toBe(true);
    // The same 32 bytes declared RAW are hashed first: a different signature, which the DIGEST check rejects.
    const raw = await kms.keys.sign({ keyId: key.id, message: transactionHash, messageType: 'RAW' });
    expect(tinysecp.verify(createHash('sha256').update(Buffer.from(transactionHash.slice(2), 'hex')).digest(), publicKey, Buffer.from(raw.signature, 'hex'))).toBe(true);
    expect((await kms.keys.verify({ keyId: key.id, message: transactionHash, signature: raw.signature, messageType: 'DIGEST' })).valid).toBe(false);
  });

  it('ED25519: OpenSSL verifies; DIGEST input is refused because Ed25519 signs messages', async () => {
    const key = await kms.keys.create({ type: 'ED25519' });
    const sig = await kms.keys.sign({ keyId: key.id, message });
    expect(nodeVerify(null, Buffer.from(message), createPublicKey(key.versions[0]!.publicKey!), Buffer.from(sig.signature, 'hex'))).toBe(true);
    expect((await kms.keys.verify({ keyId: key.id, message, signature: flipHexByte(sig.signature, 40) })).valid).toBe(false);
    await expect(kms.keys.sign({ keyId: key.id, message, messageType: 'DIGEST' })).rejects.toMatchObject({ status: 400, code: 'digest_unsupported' });
  });

  it.each(['RSA_2048', 'RSA_3072', 'RSA_4096'] as const)('%s: PKCS#1 v1.5 and PSS signatures verify in OpenSSL', async (type: KeyType) => {
    const key = await kms.keys.create({ type, usage: ['sign', 'verify'] });
    const pub = createPublicKey(key.versions[0]!.publicKey!);
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(Number(type.slice(4)));
    const pkcs1 = await kms.keys.sign({ keyId: key.id, message });
    expect(nodeVerify('sha256', Buffer.from(message), { key: pub, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(pkcs1.signature, 'hex'))).toBe(true);
    const pss = await kms.keys.sign({ keyId: key.id, message, algorithm: 'RSASSA_PSS_SHA256' });
    expect(nodeVerify('sha256', Buffer.from(message), { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(pss.signature, 'hex'))).toBe(true);
    expect((await kms.keys.verify({ keyId: key.id, message, signature: pss })).valid).toBe(true);
    // A PKCS#1 signature presented as PSS is not valid: the scheme is part of what is checked.
    expect((await kms.keys.verify({ keyId: key.id, message, signature: pkcs1.signature, algorithm: 'RSASSA_PSS_SHA256' })).valid).toBe(false);
  });
});

describe('encryption keys', () => {
  it('AES_256_GCM: round trip, version inside the ciphertext; tampered, wrong-context and other-key ciphertexts fail cleanly', async () => {
    const key = await kms.keys.create({ type: 'AES_256_GCM', usage: ['encrypt', 'decrypt'] });
    const other = await kms.keys.create({ type: 'AES_256_GCM', usage: ['encrypt', 'decrypt'] });
    const context = { purpose: 'backup' };
    const { ciphertext } = await kms.keys.encrypt({ keyId: key.id, plaintext: 'the payroll file', context });
    expect(ciphertext).toMatch(/^lkms:enc:v1:/);
    expect(Buffer.from((await kms.keys.decrypt({ keyId: key.id, ciphertext, context })).plaintext).toString()).toBe('the payroll file');
    await expect(kms.keys.decrypt({ keyId: key.id, ciphertext: tamper(ciphertext), context })).rejects.toMatchObject({ status: 400, code: 'decryption_failed' });
    await expect(kms.keys.decrypt({ keyId: key.id, ciphertext, context: { purpose: 'other' } })).rejects.toMatchObject({ status: 400, code: 'decryption_failed' });
    await expect(kms.keys.decrypt({ keyId: key.id, ciphertext })).rejects.toMatchObject({ code: 'decryption_failed' });
    await expect(kms.keys.decrypt({ keyId: other.id, ciphertext, context })).rejects.toMatchObject({ code: 'decryption_failed' });
    await expect(kms.keys.decrypt({ keyId: key.id, ciphertext: ciphertext.replace(':v1:', ':v2:'), context })).rejects.toMatchObject({ status: 404, code: 'key_version_not_found' });
    await expect(kms.keys.decrypt({ keyId: key.id, ciphertext: 'not a ciphertext' })).rejects.toMatchObject({ status: 400, code: 'invalid_ciphertext' });
  });

  it('wrap/unwrap: key material round trip; a wrapped key cannot be opened with decrypt, nor data with unwrap', async () => {
    const kek = await kms.keys.create({ type: 'AES_256_GCM', usage: ['wrap', 'unwrap', 'encrypt', 'decrypt'] });
    const dataKey = new Uint8Array(32).map((_, i) => i);
    const wrapped = await kms.keys.wrap({ keyId: kek.id, keyMaterial: dataKey });
    expect(wrapped.ciphertext).toMatch(/^lkms:wrap:v1:/);
    expect((await kms.keys.unwrap({ keyId: kek.id, ciphertext: wrapped.ciphertext })).keyMaterial).toEqual(dataKey);
    await expect(kms.keys.decrypt({ keyId: kek.id, ciphertext: wrapped.ciphertext })).rejects.toMatchObject({ code: 'invalid_ciphertext' });
    const data = await kms.keys.encrypt({ keyId: kek.id, plaintext: 'x' });
    await expect(kms.keys.unwrap({ keyId: kek.id, ciphertext: data.ciphertext })).rejects.toMatchObject({ code: 'invalid_ciphertext' });
    await expect(kms.keys.unwrap({ keyId: kek.id, ciphertext: tamper(wrapped.ciphertext) })).rejects.toMatchObject({ code: 'decryption_failed' });
  });

  it('RSA_2048 encrypt/decrypt (OAEP-SHA256): round trip, tamper fails, oversize plaintext is a 400', async () => {
    const key = await kms.keys.create({ type: 'RSA_2048', usage: ['encrypt', 'decrypt'] });
    const { ciphertext } = await kms.keys.encrypt({ keyId: key.id, plaintext: 'short secret' });
    expect(Buffer.from((await kms.keys.decrypt({ keyId: key.id, ciphertext })).plaintext).toString()).toBe('short secret');
    await expect(kms.keys.decrypt({ keyId: key.id, ciphertext: tamper(ciphertext) })).rejects.toMatchObject({ code: 'decryption_failed' });
    await expect(kms.keys.encrypt({ keyId: key.id, plaintext: new Uint8Array(191) })).rejects.toMatchObject({ status: 400, code: 'invalid_plaintext' });
  });

  it('HMAC_SHA256: MAC verifies, a flipped MAC or message does not; the MAC is a standard HMAC (stable per key)', async () => {
    const key = await kms.keys.create({ type: 'HMAC_SHA256' });
    const { mac } = await kms.keys.mac({ keyId: key.id, message: 'webhook body' });
    expect(mac).toMatch(/^[0-9a-f]{64}$/);
    expect((await kms.keys.mac({ keyId: key.id, message: 'webhook body' })).mac).toBe(mac);
    expect((await kms.keys.verifyMac({ keyId: key.id, message: 'webhook body', mac })).valid).toBe(true);
    expect((await kms.keys.verifyMac({ keyId: key.id, message: 'webhook body', mac: flipHexByte(mac) })).valid).toBe(false);
    expect((await kms.keys.verifyMac({ keyId: key.id, message: 'webhook bodY', mac })).valid).toBe(false);
    expect(createHmac('sha256', 'not the key').update('webhook body').digest('hex')).not.toBe(mac);
  });

  it('usages are fixed at creation: wrong-family and cross-usage requests are refused', async () => {
    await expect(kms.keys.create({ type: 'RSA_2048', usage: ['sign', 'decrypt'] })).rejects.toMatchObject({ status: 400, code: 'invalid_usage' });
    await expect(kms.keys.create({ type: 'AES_256_GCM', usage: ['sign'] })).rejects.toMatchObject({ status: 400, code: 'invalid_usage' });
    const signer = await kms.keys.create({ type: 'ECDSA_P256', usage: ['sign'] });
    await expect(kms.keys.encrypt({ keyId: signer.id, plaintext: 'x' })).rejects.toMatchObject({ status: 400, code: 'usage_not_allowed' });
    const sig = await kms.keys.sign({ keyId: signer.id, message: 'm' });
    await expect(kms.keys.verify({ keyId: signer.id, message: 'm', signature: sig })).rejects.toMatchObject({ code: 'usage_not_allowed' });
  });

  it('threshold keys without a cluster are a clear 400; secp256k1 defaults to threshold', async () => {
    await expect(kms.keys.create({ type: 'ECDSA_SECP256K1', usage: ['sign', 'verify'], rotation: '90d' })).rejects.toMatchObject({ status: 400, code: 'threshold_unavailable' });
    await expect(kms.keys.create({ type: 'ECDSA_P256', protection: 'threshold' })).rejects.toMatchObject({ status: 400, code: 'protection_unsupported' });
  });
});

describe('states', () => {
  it('a disabled key refuses every operation until enabled again', async () => {
    const key = await kms.keys.create({ type: 'AES_256_GCM', usage: ['encrypt', 'decrypt'] });
    const signer = await kms.keys.create({ type: 'ED25519' });
    const { ciphertext } = await kms.keys.encrypt({ keyId: key.id, plaintext: 'x' });
    const sig = await kms.keys.sign({ keyId: signer.id, message: 'm' });
    await kms.keys.disable(key.id);
    await kms.keys.disable(signer.id);
    const refused = { status: 409, code: 'key_disabled' };
    await expect(kms.keys.encrypt({ keyId: key.id, plaintext: 'x' })).rejects.toMatchObject(refused);
    await expect(kms.keys.decrypt({ keyId: key.id, ciphertext })).rejects.toMatchObject(refused);
    await expect(kms.keys.rewrap({ keyId: key.id, ciphertext })).rejects.toMatchObject(refused);
    await expect(kms.keys.storeCiphertext({ keyId: key.id, name: 'a', plaintext: 'x' })).rejects.toMatchObject(refused);
    await expect(kms.keys.rotate(key.id)).rejects.toMatchObject(refused);
    await expect(kms.keys.sign({ keyId: signer.id, message: 'm' })).rejects.toMatchObject(refused);
    await expect(kms.keys.verify({ keyId: signer.id, message: 'm', signature: sig })).rejects.toMatchObject(refused);
    await expect(kms.keys.getPublicKey(signer.id)).rejects.toMatchObject(refused);
    await kms.keys.enable(key.id);
    expect(Buffer.from((await kms.keys.decrypt({ keyId: key.id, ciphertext })).plaintext).toString()).toBe('x');
  });

  it('pending deletion refuses operations, can be cancelled (back to disabled), and erases the key after the waiting period', async () => {
    const key = await kms.keys.create({ type: 'HMAC_SHA256' });
    const pending = await kms.keys.scheduleDeletion(key.id, { waitingPeriod: '1s' });
    expect(pending.state).toBe('pending_deletion');
    await expect(kms.keys.mac({ keyId: key.id, message: 'm' })).rejects.toMatchObject({ status: 409, code: 'key_pending_deletion' });
    await expect(kms.keys.enable(key.id)).rejects.toMatchObject({ code: 'key_pending_deletion' });
    expect((await kms.keys.cancelDeletion(key.id)).state).toBe('disabled');
    await kms.keys.scheduleDeletion(key.id, { waitingPeriod: '1s' });
    await sleep(1400);
    const gone = await kms.keys.get(key.id);
    expect(gone.state).toBe('deleted');
    expect(gone.versions.every((v) => v.state === 'destroyed')).toBe(true);
    await expect(kms.keys.mac({ keyId: key.id, message: 'm' })).rejects.toMatchObject({ status: 410, code: 'key_deleted' });
    await expect(kms.keys.create({ keyId: key.id, type: 'HMAC_SHA256' })).rejects.toMatchObject({ status: 409, code: 'key_exists' });
    await expect(kms.keys.scheduleDeletion(key.id, { waitingPeriod: '0s' })).rejects.toMatchObject({ status: 400 });
  });
});

describe('rotation', () => {
  it('the new version signs, the old one still verifies until it expires, and then does not', async () => {
    const key = await kms.keys.create({ type: 'ECDSA_P256', versionExpiry: '1s' });
    const old = await kms.keys.sign({ keyId: key.id, message: 'm' });
    const rotated = await kms.keys.rotate(key.id);
    expect(rotated.currentVersion).toBe(2);
    expect(rotated.versions[0]).toMatchObject({ state: 'retired' });
    const fresh = await kms.keys.sign({ keyId: key.id, message: 'm' });
    expect(fresh.keyVersion).toBe(2);
    expect(nodeVerify('sha256', Buffer.from('m'), { key: createPublicKey(rotated.versions[1]!.publicKey!), dsaEncoding: 'ieee-p1363' }, Buffer.from(fresh.signature, 'hex'))).toBe(true);
    expect(await kms.keys.verify({ keyId: key.id, message: 'm', signature: old })).toMatchObject({ valid: true, keyVersion: 1 });
    expect(await kms.keys.verify({ keyId: key.id, message: 'm', signature: old.signature })).toMatchObject({ valid: true, keyVersion: 1 });
    await sleep(1300);
    await expect(kms.keys.verify({ keyId: key.id, message: 'm', signature: old })).rejects.toMatchObject({ status: 410, code: 'key_version_expired' });
    expect(await kms.keys.verify({ keyId: key.id, message: 'm', signature: old.signature })).toMatchObject({ valid: false });
    expect(await kms.keys.verify({ keyId: key.id, message: 'm', signature: fresh })).toMatchObject({ valid: true, keyVersion: 2 });
    expect((await kms.keys.get(key.id)).versions[0]!.state).toBe('destroyed');
  });

  it('rewrap moves a ciphertext to the newest version; the old ciphertext decrypts until its version expires', async () => {
    const key = await kms.keys.create({ type: 'AES_256_GCM', usage: ['encrypt', 'decrypt'] });
    const v1 = await kms.keys.encrypt({ keyId: key.id, plaintext: 'ledger' });
    await kms.keys.rotate(key.id);
    const moved = await kms.keys.rewrap({ keyId: key.id, ciphertext: v1.ciphertext });
    expect(moved).toMatchObject({ keyVersion: 2, previousVersion: 1 });
    expect(moved.ciphertext).toMatch(/^lkms:enc:v2:/);
    expect(Buffer.from((await kms.keys.decrypt({ keyId: key.id, ciphertext: moved.ciphertext })).plaintext).toString()).toBe('ledger');
    expect((await kms.keys.decrypt({ keyId: key.id, ciphertext: v1.ciphertext })).keyVersion).toBe(1);
  });

  it('reencrypt: rotation re-encrypts stored ciphertexts under the new version and sends a signed key.rotated webhook', async () => {
    const received: { body: string; headers: IncomingMessage['headers'] }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, headers: req.headers });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/key-rotation`;
      const key = await kms.keys.create({ type: 'AES_256_GCM', usage: ['encrypt', 'decrypt'] });
      await kms.keys.storeCiphertext({ keyId: key.id, name: 'db-password', plaintext: 'hunter2', context: { db: 'main' } });
      await kms.keys.storeCiphertext({ keyId: key.id, name: 'api-token', plaintext: 'tok_123' });
      const configured = await kms.keys.configureRotation({ keyId: key.id, interval: '90d', strategy: 'reencrypt', notifyWebhook: url });
      expect(configured.rotation).toMatchObject({ interval: '90d', strategy: 'reencrypt', notifyWebhook: url });
      const rotated = await kms.keys.rotate(key.id);
      expect(rotated.webhookDelivery?.id).toBeTruthy();
      const stored = await kms.keys.listStoredCiphertexts(key.id);
      expect(stored.map((s) => [s.name, s.keyVersion])).toEqual([['api-token', 2], ['db-password', 2]]);
      const db = await kms.keys.getStoredCiphertext(key.id, 'db-password');
      expect(db.ciphertext).toMatch(/^lkms:enc:v2:/);
      expect(Buffer.from((await kms.keys.decrypt({ keyId: key.id, ciphertext: db.ciphertext, context: { db: 'main' } })).plaintext).toString()).toBe('hunter2');

      for (let i = 0; i < 50 && received.length === 0; i++) await sleep(20);
      expect(received).toHaveLength(1);
      const { body, headers } = received[0]!;
      const secret = await kms.webhooks.signingSecret();
      expect(verifyWebhookSignature({ secret, body, timestamp: headers['x-kms-webhook-timestamp'] as string, signature: headers['x-kms-webhook-signature'] as string })).toBe(true);
      expect(JSON.parse(body)).toMatchObject({ event: 'key.rotated', data: { keyId: key.id, version: 2, previousVersion: 1, strategy: 'reencrypt', trigger: 'manual', reencrypted: 2 } });
    } finally {
      server.close();
    }
  });

  it('create-new keeps stored ciphertexts on their version; "reencrypt" is refused for signing keys', async () => {
    const key = await kms.keys.create({ type: 'AES_256_GCM', usage: ['encrypt', 'decrypt'], rotation: '1h' });
    expect(key.rotation).toMatchObject({ interval: '1h', strategy: 'create-new' });
    await kms.keys.storeCiphertext({ keyId: key.id, name: 'blob', plaintext: 'x' });
    await kms.keys.rotate(key.id);
    expect((await kms.keys.getStoredCiphertext(key.id, 'blob')).keyVersion).toBe(1);
    const signer = await kms.keys.create({ type: 'ED25519' });
    await expect(kms.keys.configureRotation({ keyId: signer.id, interval: '90d', strategy: 'reencrypt' })).rejects.toMatchObject({ status: 400, code: 'strategy_unsupported' });
    // This gateway's shortest interval is 2 s.
    await expect(kms.keys.configureRotation({ keyId: signer.id, interval: '1s' })).rejects.toMatchObject({ status: 400, code: 'invalid_duration' });
  });

  it('automatic rotation runs on its interval', async () => {
    const key = await kms.keys.create({ type: 'ED25519' });
    const configured = await kms.keys.configureRotation({ keyId: key.id, interval: '2s' });
    expect(Date.parse(configured.rotation!.nextRotationAt) - Date.parse(configured.updatedAt)).toBe(2000);
    for (let i = 0; i < 50 && (await kms.keys.get(key.id)).currentVersion < 2; i++) await sleep(100);
    const rotated = await kms.keys.get(key.id);
    expect(rotated.currentVersion).toBe(2);
    const scheduled = (await kms.audit.list({ keyId: key.id, actions: ['rotate'] })).records;
    expect(scheduled).toMatchObject([{ actor: 'system:key-scheduler', code: 'scheduled', result: 'allowed' }]);
  });
});

describe('policies and audit', () => {
  it('maxAmount applies to signing requests that carry an amount; without one a maxAmount rule refuses', async () => {
    await kms.keys.create({ keyId: 'treasury-hot', type: 'ECDSA_P256' });
    await kms.keys.create({ keyId: 'ops-signer', type: 'ECDSA_P256' });
    await kms.policies.create({ name: 'treasury-signing', rules: [{ action: 'sign', resource: 'key:treasury-*', conditions: { maxAmount: 1000000 } }] });
    const signer = h.client((await kms.apiKeys.create({ name: 'treasury-bot', environments: ['production'], policies: ['treasury-signing'] })).apiKey);
    const ok = await signer.keys.sign({ keyId: 'treasury-hot', message: 'tx', amount: 999999 });
    expect(ok.keyVersion).toBe(1);
    expect((await signer.keys.sign({ keyId: 'treasury-hot', message: 'tx', amount: '1000000' })).keyVersion).toBe(1);
    await expect(signer.keys.sign({ keyId: 'treasury-hot', message: 'tx', amount: '1000000.01' })).rejects.toMatchObject({ status: 403, code: 'amount_exceeds_max' });
    await expect(signer.keys.sign({ keyId: 'treasury-hot', message: 'tx' })).rejects.toMatchObject({ status: 403, code: 'amount_missing' });
    await expect(signer.keys.sign({ keyId: 'ops-signer', message: 'tx', amount: 1 })).rejects.toMatchObject({ status: 403, code: 'policy_denied' });
    await expect(signer.keys.create({ type: 'ECDSA_P256' })).rejects.toMatchObject({ status: 403 });
  });

  it('every key operation is in the audit log under key:<id>, allowed and refused alike', async () => {
    const key = await kms.keys.create({ type: 'ECDSA_P256' });
    const sig: KeySignature = await kms.keys.sign({ keyId: key.id, message: 'm' });
    await kms.keys.verify({ keyId: key.id, message: 'm', signature: sig });
    await kms.keys.rotate(key.id);
    await kms.keys.disable(key.id);
    await expect(kms.keys.sign({ keyId: key.id, message: 'm' })).rejects.toThrow();
    const { records } = await kms.audit.list({ keyId: key.id });
    // The refused sign is recorded too: access control writes the record before the handler finds the key disabled.
    expect(records.map((r) => r.action)).toEqual(['sign', 'verify', 'rotate', 'disable', 'sign']);
    expect(records.every((r) => r.resource === `key:${key.id}` && r.environment === 'production')).toBe(true);
    await expect(kms.keys.create({ keyId: 'audited-key', type: 'ED25519' })).resolves.toBeTruthy();
    expect((await kms.audit.list({ keyId: 'audited-key', actions: ['create'] })).records).toHaveLength(1);
    expect((await kms.audit.verify()).valid).toBe(true);
  });

  it('the OpenAPI document lists the keys routes', async () => {
    const doc = (await (await fetch(`${h.url}/docs/json`)).json()) as { paths: Record<string, unknown> };
    for (const p of ['/v1/environments/{environment}/keys', '/v1/environments/{environment}/keys/{keyId}/sign', '/v1/environments/{environment}/keys/{keyId}/rotation', '/v1/environments/{environment}/keys/{keyId}/rewrap']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });
});
