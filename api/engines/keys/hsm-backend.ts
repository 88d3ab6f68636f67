/**
 * Keys generated and used inside an HSM key store. Signing gets a digest (the service hashes raw messages), AES
 * runs as GCM in the token; only public halves and object ids ever reach the gateway.
 */
import { createPublicKey } from 'node:crypto';
import type { HsmPublicKey } from '../../../node/hsm/pkcs11-keys.js';
import { SealError } from '../../../node/hsm/seal-error.js';
import { invalid } from '../../server/errors.js';
import { decryptionFailed, type BackendSignature, type Generated, type GenerateRequest, type KeyBackend, type SignInput } from './backend.js';
import type { KeyStoreRegistry, OpenKeyStore } from './key-stores.js';
import { familyOf, RSA_BITS, type KeyType, type SigningAlgorithm } from './key-types.js';
import type { Material } from './records.js';

const IV_BYTES = 12;

function toPublicKey(pub: HsmPublicKey) {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  if (pub.kind === 'ec') {
    return createPublicKey({ key: { kty: 'EC', crv: pub.curve, x: b64(pub.point.subarray(1, 33)), y: b64(pub.point.subarray(33, 65)) }, format: 'jwk' });
  }
  if (pub.kind === 'rsa') return createPublicKey({ key: { kty: 'RSA', n: b64(pub.modulus), e: b64(pub.exponent) }, format: 'jwk' });
  return undefined;
}

function objectOf(material: Material): { store: string; objectId: string } {
  if (material.kind !== 'hsm') throw new TypeError(`HSM backend given ${material.kind} material`);
  return material;
}

export class HsmBackend implements KeyBackend {
  constructor(private readonly stores: KeyStoreRegistry) {}

  /** Refuses what the chosen store cannot hold, before anything is generated. */
  static check(store: OpenKeyStore, type: KeyType, usage: readonly string[]): void {
    if (type === 'AES_256_GCM' && !store.aesGcm) throw invalid('hsm_type_unsupported', `key store "${store.ref.id}" (${store.ref.provider}) offers no AES-GCM, so it cannot hold ${type} keys`);
    if (RSA_BITS[type] && familyOf(usage as never) !== 'signing') throw invalid('hsm_usage_unsupported', `RSA keys in an HSM key store sign and verify only; got usage [${usage.join(', ')}]`);
  }

  async generate(request: GenerateRequest): Promise<Generated> {
    const { type, label, keyStore } = request;
    if (keyStore === undefined) throw new TypeError('HSM key generation needs "keyStore"');
    const bits = RSA_BITS[type];
    const spec = type === 'AES_256_GCM'
      ? ({ kind: 'aes', label } as const)
      : bits
        ? ({ kind: 'rsa', bits, label } as const)
        : ({ kind: 'ec', curve: type === 'ECDSA_P256' ? 'P-256' : 'secp256k1', label } as const);
    const { id, publicKey } = await this.stores.get(keyStore).store.generate(spec);
    const pub = toPublicKey(publicKey);
    return { material: { kind: 'hsm', store: keyStore, objectId: id }, ...(pub ? { publicKey: pub } : {}) };
  }

  async sign(type: KeyType, material: Material, algorithm: SigningAlgorithm, input: SignInput): Promise<BackendSignature> {
    const { store, objectId } = objectOf(material);
    const { store: hsm } = this.stores.get(store);
    if (algorithm === 'ECDSA_SHA256') return { bytes: await hsm.signEcdsa(objectId, input.digest) };
    return { bytes: await hsm.signRsa(objectId, algorithm === 'RSASSA_PSS_SHA256' ? 'pss' : 'pkcs1', input.digest, RSA_BITS[type]! / 8) };
  }

  async encrypt(_type: KeyType, material: Material, plaintext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
    const { store, objectId } = objectOf(material);
    const { iv, ciphertext } = await this.stores.get(store).store.encryptAesGcm(objectId, plaintext, associatedData);
    return Buffer.concat([iv, ciphertext]);
  }

  async decrypt(_type: KeyType, material: Material, blob: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
    const { store, objectId } = objectOf(material);
    if (blob.length < IV_BYTES + 16) throw decryptionFailed();
    try {
      return await this.stores.get(store).store.decryptAesGcm(objectId, blob.subarray(0, IV_BYTES), blob.subarray(IV_BYTES), associatedData);
    } catch (error) {
      if (error instanceof SealError && error.code === 'unseal_failed') throw decryptionFailed();
      throw error;
    }
  }

  async mac(): Promise<Uint8Array> {
    throw new TypeError('HSM key stores hold no MAC keys');
  }

  async destroy(material: Material): Promise<void> {
    const { store, objectId } = objectOf(material);
    await this.stores.get(store).store.destroy(objectId);
  }
}
