/**
 * The embedded default seal, for nodes without an HSM: AES-256-GCM under a key derived from an operator
 * passphrase with scrypt. The salt is random per node and stored by the caller next to the data (it is not
 * secret); without the passphrase the sealed records are useless.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, scrypt, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { Seal } from './seal.js';
import { SealError } from './seal-error.js';
import { checkAssociatedData, checkPlaintext, decodeGcmBlob, encodeGcmBlob, GCM_IV_BYTES, GCM_TAG_BYTES } from './gcm-blob.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Uint8Array, keylen: number, options: object) => Promise<Buffer>;

/**
 * scrypt cost: N = 2^15, r = 8, p = 1 is the interactive-login setting of RFC 7914 §2 and OWASP's minimum for
 * scrypt; it costs 32 MiB and a few tens of milliseconds once per node start, which is what we can afford.
 */
export const SCRYPT_PARAMS = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
export const SALT_BYTES = 16;
const KEY_BYTES = 32;
const MIN_PASSPHRASE_LENGTH = 8;
// 128 * N * r bytes are needed; Node's default cap (32 MiB) is exactly that, so leave headroom.
const SCRYPT_MAXMEM = 64 * 1024 * 1024;

export function generateSalt(): Uint8Array {
  return new Uint8Array(randomBytes(SALT_BYTES));
}

export class SoftwareSeal implements Seal {
  readonly kind = 'software' as const;
  #key: KeyObject | undefined;

  /** Use `createSoftwareSeal`: it derives the key. */
  constructor(key: KeyObject) {
    if (key.type !== 'secret' || key.symmetricKeySize !== KEY_BYTES) throw new RangeError(`"key" expected a ${KEY_BYTES}-byte secret key`);
    this.#key = key;
  }

  async seal(plaintext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
    const key = this.#liveKey();
    checkPlaintext(plaintext);
    checkAssociatedData(associatedData);
    const iv = randomBytes(GCM_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    cipher.setAAD(associatedData);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return encodeGcmBlob(iv, body);
  }

  async unseal(sealed: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
    const key = this.#liveKey();
    checkAssociatedData(associatedData);
    const { iv, ciphertextAndTag } = decodeGcmBlob(sealed);
    const split = ciphertextAndTag.length - GCM_TAG_BYTES;
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(associatedData);
    decipher.setAuthTag(ciphertextAndTag.subarray(split));
    try {
      return new Uint8Array(Buffer.concat([decipher.update(ciphertextAndTag.subarray(0, split)), decipher.final()]));
    } catch (cause) {
      throw new SealError('unseal failed: authentication failed (blob altered, moved to another record, or sealed under another key)', 'unseal_failed', { cause });
    }
  }

  async close(): Promise<void> {
    // Dropping the only reference lets the key be collected; further use is refused rather than silently working.
    this.#key = undefined;
  }

  #liveKey(): KeyObject {
    if (this.#key === undefined) throw new SealError('software seal is closed', 'seal_closed');
    return this.#key;
  }
}

/** Derives the seal key from `passphrase` and the node's persisted `salt` (see `generateSalt`). */
export async function createSoftwareSeal(options: { passphrase: string; salt: Uint8Array }): Promise<SoftwareSeal> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`"options" expected object, got ${typeof options}`);
  const { passphrase, salt } = options;
  if (typeof passphrase !== 'string') throw new TypeError(`"passphrase" expected string, got ${typeof passphrase}`);
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) throw new RangeError(`"passphrase" expected at least ${MIN_PASSPHRASE_LENGTH} characters, got ${passphrase.length}`);
  if (!(salt instanceof Uint8Array)) throw new TypeError(`"salt" expected Uint8Array, got ${typeof salt}`);
  if (salt.length < SALT_BYTES) throw new RangeError(`"salt" expected at least ${SALT_BYTES} bytes, got ${salt.length}`);
  const derived = await scryptAsync(passphrase.normalize('NFC'), salt, KEY_BYTES, { ...SCRYPT_PARAMS, maxmem: SCRYPT_MAXMEM });
  const key = createSecretKey(derived);
  derived.fill(0);
  return new SoftwareSeal(key);
}
