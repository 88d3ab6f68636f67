/**
 * Seal backed by a PKCS#11 token: AES-256-GCM under a non-extractable, sensitive, token-resident key that is
 * found (or generated inside the token) by label. The key never leaves the HSM; we only ever hold its handle.
 * The token session and the GCM calls are shared with the key store.
 */
import { randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import pkcs11js from 'pkcs11js';
import { InvalidInputError } from '../../protocols/errors.js';
import type { Seal } from './seal.js';
import { checkAssociatedData, checkPlaintext, decodeGcmBlob, encodeGcmBlob } from './gcm-blob.js';
import type { Handle, Pkcs11 } from './pkcs11-module.js';
import { checkGcmOptions, gcmDecrypt, gcmEncrypt, type GcmIvSource } from './pkcs11-gcm.js';
import { checkString, checkTokenOptions, KEPT_IN_TOKEN, TokenSession } from './pkcs11-token.js';

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
const SELF_TEST_AAD = new TextEncoder().encode('lux-kms/v1|seal-self-test');

function readBool(value: Buffer | undefined): boolean | undefined {
  return value === undefined || value.length === 0 ? undefined : value[0] !== 0;
}

function readUlong(value: Buffer | undefined): number | undefined {
  if (value === undefined || value.length === 0) return undefined;
  const width = Math.min(value.length, 6);
  return endianness() === 'LE' ? value.readUIntLE(0, width) : value.readUIntBE(value.length - width, width);
}

function findKey(token: TokenSession, keyLabel: string): Handle | undefined {
  const found = token.find([
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_LABEL, value: keyLabel },
  ], 2);
  if (found.length > 1) throw new InvalidInputError(`HSM key label '${keyLabel}' is ambiguous: more than one AES key carries it`, 'hsm_key_ambiguous');
  return found[0];
}

function generateKey(pkcs11: Pkcs11, session: Handle, keyLabel: string): Handle {
  return pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_VALUE_LEN, value: AES_256_KEY_BYTES },
    { type: pkcs11js.CKA_LABEL, value: keyLabel },
    ...KEPT_IN_TOKEN,
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
  readonly #token: TokenSession;
  readonly #key: Handle;
  readonly #ivSource: GcmIvSource;
  readonly #maxPlaintextBytes: number;
  readonly tokenLabel: string;
  readonly keyLabel: string;

  private constructor(parts: { token: TokenSession; key: Handle; ivSource: GcmIvSource; maxPlaintextBytes: number; keyLabel: string }) {
    this.#token = parts.token;
    this.#key = parts.key;
    this.#ivSource = parts.ivSource;
    this.#maxPlaintextBytes = parts.maxPlaintextBytes;
    this.tokenLabel = parts.token.tokenLabel;
    this.keyLabel = parts.keyLabel;
  }

  /**
   * Loads the library, finds the token by label, logs in, finds or creates the key, then seals and unseals a
   * probe so a mechanism the HSM does not support fails here, at startup, rather than on the first real record.
   */
  static async open(options: Pkcs11SealOptions): Promise<Pkcs11Seal> {
    const tokenOptions = checkTokenOptions(options);
    const keyLabel = checkString(options.keyLabel, 'keyLabel', 128);
    const createKey = options.createKey ?? true;
    const { ivSource, maxPlaintextBytes } = checkGcmOptions(options, Number.MAX_SAFE_INTEGER);

    const { tokenLabel } = tokenOptions;
    const token = TokenSession.open(tokenOptions, `seal for token '${tokenLabel}' is closed`);
    const { pkcs11, session } = token;
    try {
      let key = findKey(token, keyLabel);
      if (key === undefined) {
        if (!createKey) throw new InvalidInputError(`HSM key '${keyLabel}' not found on token '${tokenLabel}' and key creation is disabled`, 'hsm_key_missing');
        key = generateKey(pkcs11, session, keyLabel);
      }
      checkKeyAttributes(pkcs11, session, key, keyLabel, tokenLabel);
      const seal = new Pkcs11Seal({ token, key, ivSource, maxPlaintextBytes, keyLabel });
      await seal.#selfTest();
      return seal;
    } catch (error) {
      await token.close();
      throw error;
    }
  }

  async seal(plaintext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
    checkPlaintext(plaintext, this.#maxPlaintextBytes);
    checkAssociatedData(associatedData);
    return this.#token.run(async () => {
      const { iv, body } = await gcmEncrypt(this.#token, this.#key, this.#ivSource, plaintext, associatedData);
      return encodeGcmBlob(iv, body);
    });
  }

  async unseal(sealed: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
    checkAssociatedData(associatedData);
    const { iv, ciphertextAndTag } = decodeGcmBlob(sealed);
    return this.#token.run(() =>
      gcmDecrypt(this.#token, this.#key, iv, ciphertextAndTag, associatedData, (hsmSaid) =>
        `unseal failed: authentication failed (blob altered, moved to another record, or sealed under another key; HSM said ${hsmSaid})`),
    );
  }

  /** Waits for queued operations, then logs out (if last on this token), closes the session, finalizes (if last). */
  close(): Promise<void> {
    return this.#token.close();
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
