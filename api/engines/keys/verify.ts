/**
 * Signature checks with a version's public half only, so verification never touches secret material and runs the
 * same for every protection (a threshold key verifies here without a ceremony).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { verifyDigest } from './ecdsa.js';
import type { KeyType, SigningAlgorithm } from './key-types.js';
import type { KeyVersion } from './records.js';
import { rsaPadding } from './software-backend.js';

const keyObjects = new Map<string, KeyObject>();
const KEY_OBJECT_CACHE = 1000;

function keyObject(pem: string): KeyObject {
  let key = keyObjects.get(pem);
  if (!key) {
    if (keyObjects.size >= KEY_OBJECT_CACHE) keyObjects.delete(keyObjects.keys().next().value!);
    keyObjects.set(pem, (key = createPublicKey(pem)));
  }
  return key;
}

export interface VerifyInput {
  digest: Uint8Array;
  message?: Uint8Array;
  signature: Uint8Array;
}

export function verifyWithVersion(type: KeyType, version: KeyVersion, algorithm: SigningAlgorithm, input: VerifyInput): boolean {
  if (!version.publicKey) return false;
  if (algorithm === 'ECDSA_SHA256') return verifyDigest(type, input.signature, input.digest, Buffer.from(version.publicKeyHex!, 'hex'));
  if (!input.message) return false;
  const key = keyObject(version.publicKey);
  try {
    if (algorithm === 'ED25519') return verify(null, input.message, key, input.signature);
    return verify('sha256', input.message, { key, ...rsaPadding(algorithm) }, input.signature);
  } catch {
    // Malformed signature bytes (wrong length for the modulus, …) are simply not a valid signature.
    return false;
  }
}
