/**
 * The seam between the keys service and wherever a version's secret half lives. The service decides what to do
 * (which version, which digest, which associated data); a backend only does it with the material it was given.
 */
import type { KeyObject } from 'node:crypto';
import { invalid } from '../../server/errors.js';
import { compressPoint } from './ecdsa.js';
import { isEcdsa, type KeyType, type KeyUsage, type SigningAlgorithm } from './key-types.js';
import type { KeyVersion, Material } from './records.js';

export interface SignInput {
  /** SHA-256 of the message, or the caller's digest. */
  digest: Uint8Array;
  /** The raw message, when the caller sent one (Ed25519 and RSA sign messages, never digests). */
  message?: Uint8Array;
}

export interface BackendSignature {
  bytes: Uint8Array;
  /**
   * ECDSA only, when the signer already produced a low-s signature and its recovery id (a threshold signing
   * ceremony does): the caller then need not recover the key twice to find it.
   */
  recovery?: number;
}

export interface GenerateRequest {
  type: KeyType;
  usage: readonly KeyUsage[];
  /** Shown to HSM operators browsing the token: environment/key id/version. */
  label: string;
  /** HSM protection: the id of the key store to generate in. */
  keyStore?: string;
  /** Threshold protection: who holds shares, and how many must sign. */
  committee?: { threshold: number; parties: number[] };
}

export interface Generated {
  material: Material;
  publicKey?: KeyObject;
}

export interface KeyBackend {
  generate(request: GenerateRequest): Promise<Generated>;
  /** ECDSA: raw r‖s (normalised by the caller unless the backend knows its recovery id); others: the signature bytes. */
  sign(type: KeyType, material: Material, algorithm: SigningAlgorithm, input: SignInput): Promise<BackendSignature>;
  encrypt(type: KeyType, material: Material, plaintext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array>;
  /** Throws `decryption_failed` (400) when the blob does not authenticate. */
  decrypt(type: KeyType, material: Material, blob: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array>;
  mac(type: KeyType, material: Material, data: Uint8Array): Promise<Uint8Array>;
  /** Erases the material where it lives (HSM object); barrier-stored bytes are deleted by the service. */
  destroy(material: Material): Promise<void>;
}

export const decryptionFailed = () =>
  invalid('decryption_failed', 'the ciphertext did not authenticate: it was altered, made under another key or context, or is not a ciphertext of this key');

/** The public fields of a version: SPKI PEM, and the compact hex form for EC and Ed25519 keys. */
export function publicFields(type: KeyType, publicKey: KeyObject | undefined): Pick<KeyVersion, 'publicKey' | 'publicKeyHex'> {
  if (!publicKey) return {};
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  if (isEcdsa(type)) {
    const jwk = publicKey.export({ format: 'jwk' });
    const point = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    return { publicKey: pem, publicKeyHex: Buffer.from(compressPoint(type, point)).toString('hex') };
  }
  if (type === 'ED25519') return { publicKey: pem, publicKeyHex: Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex') };
  return { publicKey: pem };
}
