/**
 * Seal backed by a PKCS#11 token: AES-256-GCM under a non-extractable, sensitive, token-resident key that is
 * found (or generated inside the token) by label. The key never leaves the HSM; we only ever hold its handle.
 * This is the only module besides `pkcs11-module.ts` that touches `pkcs11js`.
 */
import { randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import pkcs11js from 'pkcs11js';
import { InvalidInputError } from '../../protocols/errors.js';
import type { Seal } from './seal.js';
import { SealError } from './seal-error.js';
import { checkAssociatedData, checkPlaintext, decodeGcmBlob, encodeGcmBlob, GCM_IV_BYTES, GCM_TAG_BYTES } from './gcm-blob.js';
import { acquireLogin, acquireModule, isCkr, releaseLogin, releaseModule, type Handle, type ModuleLease, type Pkcs11 } from './pkcs11-module.js';

/**
 * Who chooses the GCM IV. `host`: we draw 12 random bytes and pass them in (the PKCS#11 2.40 default).
 * `hsm`: the HSM refuses caller IVs and writes the 12 bytes it generated into the IV buffer we pass (zeroed).
 */
export type GcmIvSource = 'host' | 'hsm';

export interface Pkcs11SealOptions {
  library: string;
  tokenLabel: string;
  pin: string;
  keyLabel: string;
  /** Generate the key inside the token when no key has `keyLabel` (default true). */
  createKey?: boolean;
  ivSource?: GcmIvSource;
  /** Largest plaintext the HSM accepts in one C_Encrypt (some limit GCM buffers). */
  maxPlaintextBytes?: number;
}

const AES_256_KEY_BYTES = 32;
// Errors that mean the HSM or session broke, not that the blob failed authentication.
const HSM_FAILURES = [
  'CKR_SESSION_HANDLE_INVALID', 'CKR_SESSION_CLOSED', 'CKR_DEVICE_REMOVED', 'CKR_DEVICE_ERROR', 'CKR_DEVICE_MEMORY',
  'CKR_TOKEN_NOT_PRESENT', 'CKR_USER_NOT_LOGGED_IN', 'CKR_KEY_HANDLE_INVALID', 'CKR_CRYPTOKI_NOT_INITIALIZED',
  'CKR_MECHANISM_INVALID', 'CKR_MECHANISM_PARAM_INVALID', 'CKR_OPERATION_ACTIVE',
];
const SELF_TEST_AAD = new TextEncoder().encode('lux-kms/v1|seal-self-test');

function checkString(value: unknown, name: string, maxLength: number): string {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected string, got ${typeof value}`);
  if (value.length === 0 || value.length > maxLength) throw new RangeError(`"${name}" expected 1..${maxLength} characters, got ${value.length}`);
  return value;
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

function readBool(value: Buffer | undefined): boolean | undefined {
  return value === undefined || value.length === 0 ? undefined : value[0] !== 0;
}

function readUlong(value: Buffer | undefined): number | undefined {
  if (value === undefined || value.length === 0) return undefined;
  const width = Math.min(value.length, 6);
  return endianness() === 'LE' ? value.readUIntLE(0, width) : value.readUIntBE(value.length - width, width);
}

function findSlot(pkcs11: Pkcs11, tokenLabel: string): Handle {
  const present: string[] = [];
  const matches: Handle[] = [];
  for (const slot of pkcs11.C_GetSlotList(true)) {
    const info = pkcs11.C_GetTokenInfo(slot);
    // Token labels are 32 bytes, blank padded; an uninitialised token has no meaningful label.
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue;
    const label = info.label.trimEnd();
    present.push(`'${label}'`);
    if (label === tokenLabel) matches.push(slot);
  }
  if (matches.length === 0) {
    throw new InvalidInputError(`HSM token '${tokenLabel}' not found (tokens present: ${present.length ? present.sort().join(', ') : 'none'})`, 'hsm_token_not_found');
  }
  if (matches.length > 1) throw new InvalidInputError(`HSM token label '${tokenLabel}' is ambiguous: ${matches.length} tokens carry it`, 'hsm_token_ambiguous');
  return matches[0]!;
}

function findKey(pkcs11: Pkcs11, session: Handle, keyLabel: string): Handle | undefined {
  pkcs11.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_LABEL, value: keyLabel },
  ]);
  try {
    const found = pkcs11.C_FindObjects(session, 2);
    if (found.length > 1) throw new InvalidInputError(`HSM key label '${keyLabel}' is ambiguous: more than one AES key carries it`, 'hsm_key_ambiguous');
    return found[0];
  } finally {
    pkcs11.C_FindObjectsFinal(session);
  }
}

function generateKey(pkcs11: Pkcs11, session: Handle, keyLabel: string): Handle {
  return pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_VALUE_LEN, value: AES_256_KEY_BYTES },
    { type: pkcs11js.CKA_LABEL, value: keyLabel },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    { type: pkcs11js.CKA_ENCRYPT, value: true },
    { type: pkcs11js.CKA_DECRYPT, value: true },
    { type: pkcs11js.CKA_WRAP, value: false },
    { type: pkcs11js.CKA_UNWRAP, value: false },
  ]);
}

/** Refuses a key found by label that could leave the HSM or is not what we seal with. */
function checkKeyAttributes(pkcs11: Pkcs11, session: Handle, key: Handle, keyLabel: string, tokenLabel: string): void {
  const types = [pkcs11js.CKA_TOKEN, pkcs11js.CKA_SENSITIVE, pkcs11js.CKA_EXTRACTABLE, pkcs11js.CKA_ENCRYPT, pkcs11js.CKA_DECRYPT, pkcs11js.CKA_VALUE_LEN];
  const values = new Map(pkcs11.C_GetAttributeValue(session, key, types.map((type) => ({ type }))).map((a) => [a.type, a.value]));
  const problems: string[] = [];
  if (readBool(values.get(pkcs11js.CKA_TOKEN)) !== true) problems.push('not token-resident (CKA_TOKEN)');
  if (readBool(values.get(pkcs11js.CKA_SENSITIVE)) !== true) problems.push('not sensitive (CKA_SENSITIVE)');
  if (readBool(values.get(pkcs11js.CKA_EXTRACTABLE)) !== false) problems.push('extractable (CKA_EXTRACTABLE)');
  if (readBool(values.get(pkcs11js.CKA_ENCRYPT)) !== true || readBool(values.get(pkcs11js.CKA_DECRYPT)) !== true) problems.push('not allowed to encrypt and decrypt');
  const length = readUlong(values.get(pkcs11js.CKA_VALUE_LEN));
  if (length !== AES_256_KEY_BYTES) problems.push(`${length ?? 'unknown'} bytes long, expected ${AES_256_KEY_BYTES} (AES-256)`);
  if (problems.length) {
    throw new InvalidInputError(`HSM key '${keyLabel}' on token '${tokenLabel}' is unfit for sealing: ${problems.join('; ')}`, 'hsm_key_unfit');
  }
}

export class Pkcs11Seal implements Seal {
  readonly kind = 'pkcs11' as const;
  readonly #lease: ModuleLease;
  readonly #slotKey: string;
  readonly #session: Handle;
  readonly #key: Handle;
  readonly #ivSource: GcmIvSource;
  readonly #maxPlaintextBytes: number;
  readonly tokenLabel: string;
  readonly keyLabel: string;
  #closed = false;
  // A PKCS#11 session runs one operation at a time (EncryptInit..Encrypt must not interleave with another
  // caller's DecryptInit), so every call on the session goes through this promise chain.
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(parts: { lease: ModuleLease; slotKey: string; session: Handle; key: Handle; ivSource: GcmIvSource; maxPlaintextBytes: number; tokenLabel: string; keyLabel: string }) {
    this.#lease = parts.lease;
    this.#slotKey = parts.slotKey;
    this.#session = parts.session;
    this.#key = parts.key;
    this.#ivSource = parts.ivSource;
    this.#maxPlaintextBytes = parts.maxPlaintextBytes;
    this.tokenLabel = parts.tokenLabel;
    this.keyLabel = parts.keyLabel;
  }

  /**
   * Loads the library, finds the token by label, logs in, finds or creates the key, then seals and unseals a
   * probe so a mechanism the HSM does not support fails here, at startup, rather than on the first real record.
   */
  static async open(options: Pkcs11SealOptions): Promise<Pkcs11Seal> {
    if (typeof options !== 'object' || options === null) throw new TypeError(`"options" expected object, got ${typeof options}`);
    const library = checkString(options.library, 'library', 4096);
    const tokenLabel = checkString(options.tokenLabel, 'tokenLabel', 32);
    const pin = checkString(options.pin, 'pin', 255);
    const keyLabel = checkString(options.keyLabel, 'keyLabel', 128);
    const createKey = options.createKey ?? true;
    const ivSource = options.ivSource ?? 'host';
    if (ivSource !== 'host' && ivSource !== 'hsm') throw new TypeError(`"ivSource" expected 'host' or 'hsm', got ${String(ivSource)}`);
    const maxPlaintextBytes = options.maxPlaintextBytes ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(maxPlaintextBytes) || maxPlaintextBytes < 1) throw new RangeError(`"maxPlaintextBytes" expected positive integer, got ${maxPlaintextBytes}`);

    const lease = acquireModule(library);
    const { pkcs11 } = lease;
    let session: Handle | undefined;
    let slotKey: string | undefined;
    try {
      const slot = findSlot(pkcs11, tokenLabel);
      slotKey = slot.toString('hex');
      session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      acquireLogin(lease, slotKey, session, pin, tokenLabel);
    } catch (error) {
      if (session) pkcs11.C_CloseSession(session);
      releaseModule(lease);
      throw error;
    }

    let seal: Pkcs11Seal | undefined;
    try {
      let key = findKey(pkcs11, session, keyLabel);
      if (key === undefined) {
        if (!createKey) throw new InvalidInputError(`HSM key '${keyLabel}' not found on token '${tokenLabel}' and key creation is disabled`, 'hsm_key_missing');
        key = generateKey(pkcs11, session, keyLabel);
      }
      checkKeyAttributes(pkcs11, session, key, keyLabel, tokenLabel);
      seal = new Pkcs11Seal({ lease, slotKey, session, key, ivSource, maxPlaintextBytes, tokenLabel, keyLabel });
      await seal.#selfTest();
      return seal;
    } catch (error) {
      if (seal) await seal.close();
      else {
        releaseLogin(lease, slotKey, session);
        pkcs11.C_CloseSession(session);
        releaseModule(lease);
      }
      throw error;
    }
  }

  async seal(plaintext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
    checkPlaintext(plaintext, this.#maxPlaintextBytes);
    checkAssociatedData(associatedData);
    return this.#serialised(async () => {
      const iv = this.#ivSource === 'host' ? randomBytes(GCM_IV_BYTES) : Buffer.alloc(GCM_IV_BYTES);
      let body: Buffer;
      try {
        this.#lease.pkcs11.C_EncryptInit(this.#session, gcmMechanism(iv, associatedData), this.#key);
        body = await this.#lease.pkcs11.C_EncryptAsync(this.#session, Buffer.from(plaintext), Buffer.alloc(plaintext.length + GCM_TAG_BYTES));
      } catch (cause) {
        throw new SealError(`HSM encryption failed on token '${this.tokenLabel}': ${(cause as Error).message}`, 'hsm_error', { cause });
      }
      if (body.length !== plaintext.length + GCM_TAG_BYTES) {
        throw new SealError(`HSM returned ${body.length} bytes for ${plaintext.length} bytes of plaintext, expected ${plaintext.length + GCM_TAG_BYTES}`, 'hsm_error');
      }
      // An all-zero IV would repeat under this key on the next call: never store a blob that relied on one.
      if (this.#ivSource === 'hsm' && iv.every((b) => b === 0)) {
        throw new SealError(`HSM on token '${this.tokenLabel}' did not return a generated IV (is ivSource 'hsm' right for this provider?)`, 'hsm_error');
      }
      return encodeGcmBlob(iv, body);
    });
  }

  async unseal(sealed: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
    checkAssociatedData(associatedData);
    const { iv, ciphertextAndTag } = decodeGcmBlob(sealed);
    return this.#serialised(async () => {
      try {
        this.#lease.pkcs11.C_DecryptInit(this.#session, gcmMechanism(Buffer.from(iv), associatedData), this.#key);
        const plaintext = await this.#lease.pkcs11.C_DecryptAsync(this.#session, Buffer.from(ciphertextAndTag), Buffer.alloc(ciphertextAndTag.length));
        return new Uint8Array(plaintext);
      } catch (cause) {
        if (isCkr(cause, ...HSM_FAILURES)) throw new SealError(`HSM decryption failed on token '${this.tokenLabel}': ${(cause as Error).message}`, 'hsm_error', { cause });
        // Tokens disagree on the CK_RV for a bad GCM tag (CKR_ENCRYPTED_DATA_INVALID, CKR_GENERAL_ERROR, ...).
        throw new SealError(`unseal failed: authentication failed (blob altered, moved to another record, or sealed under another key; HSM said ${(cause as Error).message})`, 'unseal_failed', { cause });
      }
    });
  }

  /** Waits for queued operations, then logs out (if last on this token), closes the session, finalizes (if last). */
  close(): Promise<void> {
    return this.#serialised(async () => {
      if (this.#closed) return;
      this.#closed = true;
      try {
        releaseLogin(this.#lease, this.#slotKey, this.#session);
        this.#lease.pkcs11.C_CloseSession(this.#session);
      } finally {
        releaseModule(this.#lease);
      }
    }, true);
  }

  #serialised<T>(operation: () => Promise<T>, evenIfClosed = false): Promise<T> {
    const run = () => {
      if (this.#closed && !evenIfClosed) throw new SealError(`seal for token '${this.tokenLabel}' is closed`, 'seal_closed');
      return operation();
    };
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  async #selfTest(): Promise<void> {
    const probe = randomBytes(32);
    try {
      const opened = await this.unseal(await this.seal(probe, SELF_TEST_AAD), SELF_TEST_AAD);
      if (!probe.equals(opened)) throw new Error('probe came back different');
    } catch (cause) {
      throw new InvalidInputError(
        `HSM self-test (AES-256-GCM seal and unseal) failed on token '${this.tokenLabel}' with key '${this.keyLabel}': ${(cause as Error).message}`,
        'hsm_self_test_failed',
      );
    }
  }
}
