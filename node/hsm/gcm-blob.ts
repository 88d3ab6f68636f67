/**
 * The byte layout every Seal produces, whichever holds the key: `version || iv || ciphertext || tag`.
 * Version 1 is AES-256-GCM with a 96-bit IV and a 128-bit tag. Sharing one layout means a store's blobs can be
 * inspected (and checked in tests against node:crypto) without knowing which seal wrote them.
 */
import { MalformedError } from '../../protocols/errors.js';

export const GCM_BLOB_VERSION = 1;
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;
const HEADER_BYTES = 1 + GCM_IV_BYTES;

export function encodeGcmBlob(iv: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array {
  if (iv.length !== GCM_IV_BYTES) throw new RangeError(`"iv" expected ${GCM_IV_BYTES} bytes, got ${iv.length}`);
  if (ciphertextAndTag.length < GCM_TAG_BYTES) throw new RangeError(`"ciphertextAndTag" expected at least ${GCM_TAG_BYTES} bytes, got ${ciphertextAndTag.length}`);
  const blob = new Uint8Array(HEADER_BYTES + ciphertextAndTag.length);
  blob[0] = GCM_BLOB_VERSION;
  blob.set(iv, 1);
  blob.set(ciphertextAndTag, HEADER_BYTES);
  return blob;
}

export function decodeGcmBlob(blob: Uint8Array): { iv: Uint8Array; ciphertextAndTag: Uint8Array } {
  if (!(blob instanceof Uint8Array)) throw new TypeError(`"sealed" expected Uint8Array, got ${typeof blob}`);
  if (blob.length < HEADER_BYTES + GCM_TAG_BYTES) {
    throw new MalformedError(`sealed blob expected at least ${HEADER_BYTES + GCM_TAG_BYTES} bytes, got ${blob.length}`);
  }
  if (blob[0] !== GCM_BLOB_VERSION) throw new MalformedError(`sealed blob version expected ${GCM_BLOB_VERSION}, got ${blob[0]}`);
  return { iv: blob.subarray(1, HEADER_BYTES), ciphertextAndTag: blob.subarray(HEADER_BYTES) };
}

export function checkAssociatedData(associatedData: unknown): Uint8Array {
  if (!(associatedData instanceof Uint8Array)) throw new TypeError(`"associatedData" expected Uint8Array, got ${typeof associatedData}`);
  return associatedData;
}

/** At least one byte: some PKCS#11 modules reject a zero-length C_Encrypt, so no seal accepts one. */
export function checkPlaintext(plaintext: unknown, maxBytes = Number.MAX_SAFE_INTEGER): Uint8Array {
  if (!(plaintext instanceof Uint8Array)) throw new TypeError(`"plaintext" expected Uint8Array, got ${typeof plaintext}`);
  if (plaintext.length === 0 || plaintext.length > maxBytes) throw new RangeError(`"plaintext" expected 1..${maxBytes} bytes, got ${plaintext.length}`);
  return plaintext;
}
