/**
 * What the keys engine stores, behind the storage barrier. Metadata (`KeyRecord`) and each version's material
 * live at separate paths, so listing and reading a key never decrypts secret material it does not use.
 */
import type { PartyId } from '../../../protocols/errors.js';
import type { KeyType, KeyUsage, Protection, SigningAlgorithm } from './key-types.js';

export type KeyState = 'enabled' | 'disabled' | 'pending_deletion' | 'deleted';
export type RotationStrategy = 'create-new' | 'reencrypt';

export interface KeyVersion {
  version: number;
  /** `active`: the one that signs and encrypts; `retired`: verifies and decrypts until `expiresAt`; `destroyed`: material erased. */
  state: 'active' | 'retired' | 'destroyed';
  createdAt: string;
  retiredAt?: string;
  expiresAt?: string;
  destroyedAt?: string;
  /** SPKI PEM of asymmetric keys. */
  publicKey?: string;
  /** Hex SEC1 compressed point (ECDSA) or the 32-byte key (Ed25519). */
  publicKeyHex?: string;
}

export interface RotationConfig {
  interval: string;
  strategy: RotationStrategy;
  notifyWebhook?: string;
  nextRotationAt: string;
}

export interface KeyStoreRef {
  id: string;
  provider: string;
  identifier?: string;
}

export interface KeyRecord {
  id: string;
  environment: string;
  type: KeyType;
  usage: KeyUsage[];
  protection: Protection;
  keyStore?: KeyStoreRef;
  threshold?: { threshold: number; parties: PartyId[] };
  state: KeyState;
  description?: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  currentVersion: number;
  /** How long a replaced version keeps verifying and decrypting (a duration such as "30d"). */
  versionExpiry: string;
  versions: KeyVersion[];
  rotation?: RotationConfig;
  deletionDate?: string;
}

/** Where a version's secret half is: its bytes (behind the barrier), a key-store object, or a cluster key. */
export type Material =
  | { kind: 'software'; /** PKCS#8 DER (asymmetric) or raw key bytes (AES, HMAC), base64. */ secret: string }
  | { kind: 'hsm'; store: string; objectId: string }
  | { kind: 'threshold'; clusterKeyId: string };

export interface StoredCiphertext {
  name: string;
  keyVersion: number;
  ciphertext: string;
  context?: Record<string, string>;
  updatedAt: string;
}

export const metaPath = (env: string, id: string) => `kmeta/${env}/${id}`;
export const materialPath = (env: string, id: string, version: number) => `kmat/${env}/${id}/${String(version).padStart(10, '0')}`;
export const storedPrefix = (env: string, id: string) => `kct/${env}/${id}/`;
export const storedPath = (env: string, id: string, name: string) => storedPrefix(env, id) + name;
export const META_PREFIX = 'kmeta/';

/** Whether `message` is the data itself or already its digest (like AWS KMS MessageType). */
export type MessageType = 'RAW' | 'DIGEST';

export interface SignResult {
  keyId: string;
  keyVersion: number;
  algorithm: SigningAlgorithm;
  messageType: MessageType;
  /** Hex: ECDSA low-s r‖s, Ed25519 64 bytes, RSA the modulus length. */
  signature: string;
  /** ECDSA: the bit that recovers the public key from the signature. */
  recovery?: number;
}
