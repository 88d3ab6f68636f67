/**
 * AES-256-GCM inside a PKCS#11 token under a key we only hold the handle of: the mechanism, one encryption and one
 * decryption, with a broken HSM (`hsm_error`) told apart from input that did not authenticate (`unseal_failed`).
 * Callers run these inside their TokenSession's queue.
 */
import { randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { GCM_IV_BYTES, GCM_TAG_BYTES } from './gcm-blob.js';
import { isCkr, type Handle } from './pkcs11-module.js';
import { SealError } from './seal-error.js';
import type { TokenSession } from './pkcs11-token.js';

/**
 * Who chooses the GCM IV. `host`: we draw 12 random bytes and pass them in (the PKCS#11 2.40 default).
 * `hsm`: the HSM refuses caller IVs and writes the 12 bytes it generated into the IV buffer we pass (zeroed).
 */
export type GcmIvSource = 'host' | 'hsm';

export interface GcmOptions {
  ivSource: GcmIvSource;
  /** Largest plaintext the HSM accepts in one C_Encrypt (some limit GCM buffers). */
  maxPlaintextBytes: number;
}

// Errors that mean the HSM or session broke, not that the input failed authentication.
const HSM_FAILURES = [
  'CKR_SESSION_HANDLE_INVALID', 'CKR_SESSION_CLOSED', 'CKR_DEVICE_REMOVED', 'CKR_DEVICE_ERROR', 'CKR_DEVICE_MEMORY',
  'CKR_TOKEN_NOT_PRESENT', 'CKR_USER_NOT_LOGGED_IN', 'CKR_KEY_HANDLE_INVALID', 'CKR_CRYPTOKI_NOT_INITIALIZED',
  'CKR_MECHANISM_INVALID', 'CKR_MECHANISM_PARAM_INVALID', 'CKR_OPERATION_ACTIVE',
];

export function checkGcmOptions(options: Partial<Record<keyof GcmOptions, unknown>>, defaultMaxPlaintextBytes: number): GcmOptions {
  const ivSource = options.ivSource ?? 'host';
  if (ivSource !== 'host' && ivSource !== 'hsm') throw new TypeError(`"ivSource" expected 'host' or 'hsm', got ${String(ivSource)}`);
  const maxPlaintextBytes = options.maxPlaintextBytes ?? defaultMaxPlaintextBytes;
  if (!Number.isSafeInteger(maxPlaintextBytes) || (maxPlaintextBytes as number) < 1) throw new RangeError(`"maxPlaintextBytes" expected positive integer, got ${String(maxPlaintextBytes)}`);
  return { ivSource, maxPlaintextBytes: maxPlaintextBytes as number };
}

function gcmMechanism(iv: Buffer, associatedData: Uint8Array): pkcs11js.Mechanism {
  // CK_GCM_PARAMS as laid out in the 2.40 header (with ulIvBits); pkcs11js's CK_PARAMS_AES_GCM leaves ulIvBits unset.
  const parameter: pkcs11js.GcmParams = {
    type: pkcs11js.CK_PARAMS_GCM,
    iv,
    ivBits: GCM_IV_BYTES * 8,
    aad: Buffer.from(associatedData),
    tagBits: GCM_TAG_BYTES * 8,
  };
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
}

/** Encrypts under `key`; returns the IV used (ours or the HSM's) and ciphertext‖tag. */
export async function gcmEncrypt(token: TokenSession, key: Handle, ivSource: GcmIvSource, plaintext: Uint8Array, associatedData: Uint8Array): Promise<{ iv: Buffer; body: Buffer }> {
  const iv = ivSource === 'host' ? randomBytes(GCM_IV_BYTES) : Buffer.alloc(GCM_IV_BYTES);
  let body: Buffer;
  try {
    token.pkcs11.C_EncryptInit(token.session, gcmMechanism(iv, associatedData), key);
    body = await token.pkcs11.C_EncryptAsync(token.session, Buffer.from(plaintext), Buffer.alloc(plaintext.length + GCM_TAG_BYTES));
  } catch (cause) {
    throw new SealError(`HSM encryption failed on token '${token.tokenLabel}': ${(cause as Error).message}`, 'hsm_error', { cause });
  }
  if (body.length !== plaintext.length + GCM_TAG_BYTES) {
    throw new SealError(`HSM returned ${body.length} bytes for ${plaintext.length} bytes of plaintext, expected ${plaintext.length + GCM_TAG_BYTES}`, 'hsm_error');
  }
  // An all-zero IV would repeat under this key on the next call: never hand out a ciphertext that relied on one.
  if (ivSource === 'hsm' && iv.every((b) => b === 0)) {
    throw new SealError(`HSM on token '${token.tokenLabel}' did not return a generated IV (is ivSource 'hsm' right for this provider?)`, 'hsm_error');
  }
  return { iv, body };
}

/**
 * Decrypts ciphertext‖tag under `key`. Tokens disagree on the CK_RV for a bad GCM tag (CKR_ENCRYPTED_DATA_INVALID,
 * CKR_GENERAL_ERROR, ...), so every code outside HSM_FAILURES is an authentication failure, worded by the caller.
 */
export async function gcmDecrypt(
  token: TokenSession,
  key: Handle,
  iv: Uint8Array,
  ciphertextAndTag: Uint8Array,
  associatedData: Uint8Array,
  authFailure: (hsmSaid: string) => string,
): Promise<Uint8Array> {
  try {
    token.pkcs11.C_DecryptInit(token.session, gcmMechanism(Buffer.from(iv), associatedData), key);
    const plaintext = await token.pkcs11.C_DecryptAsync(token.session, Buffer.from(ciphertextAndTag), Buffer.alloc(ciphertextAndTag.length));
    return new Uint8Array(plaintext);
  } catch (cause) {
    const hsmSaid = (cause as Error).message;
    if (isCkr(cause, ...HSM_FAILURES)) throw new SealError(`HSM decryption failed on token '${token.tokenLabel}': ${hsmSaid}`, 'hsm_error', { cause });
    throw new SealError(authFailure(hsmSaid), 'unseal_failed', { cause });
  }
}
