/**
 * A PKCS#11 key store: customer keys generated inside the token as non-extractable, sensitive objects, used there
 * (ECDSA and RSA signing, AES-256-GCM encryption) and never exported; only public halves come out. RSA keys here
 * sign only: RSA-OAEP with SHA-256 is not offered by every module (SoftHSM 2.6 accepts only SHA-1).
 *
 * Keys are named by a random CKA_ID (hex) that the caller records; the same id marks both halves of a pair, and
 * CKA_LABEL carries the caller's label for operators browsing the token. Signing always takes a digest: the
 * gateway hashes raw messages itself, so one mechanism per scheme serves both message types.
 */
import { randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { InvalidInputError } from '../../protocols/errors.js';
import { checkAssociatedData, checkPlaintext, GCM_IV_BYTES, GCM_TAG_BYTES } from './gcm-blob.js';
import type { Handle } from './pkcs11-module.js';
import { checkGcmOptions, gcmDecrypt, gcmEncrypt, type GcmIvSource } from './pkcs11-gcm.js';
import { checkString, checkTokenOptions, KEPT_IN_TOKEN, TokenSession } from './pkcs11-token.js';
import { SealError } from './seal-error.js';

export type HsmCurve = 'P-256' | 'secp256k1';

export type HsmKeySpec =
  | { kind: 'ec'; curve: HsmCurve; label: string }
  | { kind: 'rsa'; bits: 2048 | 3072 | 4096; label: string }
  | { kind: 'aes'; label: string };

export type HsmPublicKey =
  | { kind: 'ec'; curve: HsmCurve; /** Uncompressed SEC1 point, 65 bytes. */ point: Uint8Array }
  | { kind: 'rsa'; modulus: Uint8Array; exponent: Uint8Array }
  | { kind: 'secret' };

export interface Pkcs11KeyStoreOptions {
  library: string;
  tokenLabel: string;
  pin: string;
  ivSource?: GcmIvSource;
  maxPlaintextBytes?: number;
}

// DER-encoded OIDs, as CKA_EC_PARAMS wants them (namedCurve).
const EC_PARAMS: Record<HsmCurve, Buffer> = {
  'P-256': Buffer.from('06082a8648ce3d030107', 'hex'),
  secp256k1: Buffer.from('06052b8104000a', 'hex'),
};
// DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1): CKM_RSA_PKCS signs exactly what it is given.
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');
const ID_BYTES = 16;
const ID_PATTERN = /^[0-9a-f]{32}$/;

function checkKeyId(id: unknown): Buffer {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw new RangeError(`"id" expected 32 lowercase hex characters, got ${JSON.stringify(id)}`);
  return Buffer.from(id, 'hex');
}

function checkDigest(digest: unknown): Buffer {
  if (!(digest instanceof Uint8Array)) throw new TypeError(`"digest" expected Uint8Array, got ${typeof digest}`);
  if (digest.length !== 32) throw new RangeError(`"digest" expected 32 bytes (SHA-256), got ${digest.length}`);
  return Buffer.from(digest);
}

/** CKA_EC_POINT is a DER OCTET STRING around the point on conforming tokens; some return the bare point. */
function unwrapEcPoint(value: Buffer): Uint8Array {
  if (value.length === 65 && value[0] === 0x04) return new Uint8Array(value);
  if (value.length === 67 && value[0] === 0x04 && value[1] === 65 && value[2] === 0x04) return new Uint8Array(value.subarray(2));
  throw new SealError(`HSM returned an EC point of ${value.length} bytes, expected an uncompressed 65-byte point`, 'hsm_error');
}

const PRIVATE_ATTRS = (id: Buffer, label: string) => [
  { type: pkcs11js.CKA_ID, value: id },
  { type: pkcs11js.CKA_LABEL, value: label },
  ...KEPT_IN_TOKEN,
];

export class Pkcs11KeyStore {
  readonly tokenLabel: string;
  readonly #token: TokenSession;
  readonly #ivSource: GcmIvSource;
  readonly #maxPlaintextBytes: number;
  readonly #handles = new Map<string, Handle>();

  private constructor(token: TokenSession, ivSource: GcmIvSource, maxPlaintextBytes: number) {
    this.#token = token;
    this.tokenLabel = token.tokenLabel;
    this.#ivSource = ivSource;
    this.#maxPlaintextBytes = maxPlaintextBytes;
  }

  /** Loads the module (shared with any seal in the process), finds the token by label and logs in. */
  static async open(options: Pkcs11KeyStoreOptions): Promise<Pkcs11KeyStore> {
    const tokenOptions = checkTokenOptions(options);
    const { ivSource, maxPlaintextBytes } = checkGcmOptions(options, 1024 * 1024);
    const token = TokenSession.open(tokenOptions, `key store on token '${tokenOptions.tokenLabel}' is closed`);
    return new Pkcs11KeyStore(token, ivSource, maxPlaintextBytes);
  }

  /** Generates a key inside the token; returns its id and public half (none for AES). */
  generate(spec: HsmKeySpec): Promise<{ id: string; publicKey: HsmPublicKey }> {
    if (typeof spec !== 'object' || spec === null) throw new TypeError(`"spec" expected object, got ${typeof spec}`);
    const label = checkString(spec.label, 'label', 128);
    return this.#token.run(async () => {
      const idBytes = randomBytes(ID_BYTES);
      const id = idBytes.toString('hex');
      const p = this.#token.pkcs11;
      try {
        if (spec.kind === 'aes') {
          const handle = await p.C_GenerateKeyAsync(this.#token.session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
            { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
            { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
            ...PRIVATE_ATTRS(idBytes, label),
            { type: pkcs11js.CKA_ENCRYPT, value: true },
            { type: pkcs11js.CKA_DECRYPT, value: true },
          ]);
          this.#handles.set(`${pkcs11js.CKO_SECRET_KEY}:${id}`, handle);
          return { id, publicKey: { kind: 'secret' } };
        }
        const publicTemplate = [
          { type: pkcs11js.CKA_ID, value: idBytes },
          { type: pkcs11js.CKA_LABEL, value: label },
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_VERIFY, value: true },
          ...(spec.kind === 'ec'
            ? [{ type: pkcs11js.CKA_EC_PARAMS, value: EC_PARAMS[spec.curve] }]
            : [
                { type: pkcs11js.CKA_MODULUS_BITS, value: spec.bits },
                { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
              ]),
        ];
        const privateTemplate = [...PRIVATE_ATTRS(idBytes, label), { type: pkcs11js.CKA_SIGN, value: true }, { type: pkcs11js.CKA_DECRYPT, value: false }];
        const mechanism = spec.kind === 'ec' ? pkcs11js.CKM_EC_KEY_PAIR_GEN : pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN;
        const pair = await p.C_GenerateKeyPairAsync(this.#token.session, { mechanism }, publicTemplate, privateTemplate);
        this.#handles.set(`${pkcs11js.CKO_PRIVATE_KEY}:${id}`, pair.privateKey);
        return { id, publicKey: this.#readPublic(pair.publicKey, spec.kind === 'ec' ? spec.curve : undefined) };
      } catch (cause) {
        if (cause instanceof SealError) throw cause;
        throw new SealError(`HSM key generation (${spec.kind}) failed on token '${this.tokenLabel}': ${(cause as Error).message}`, 'hsm_error', { cause });
      }
    });
  }

  /** ECDSA over a 32-byte digest (CKM_ECDSA): the 64-byte r‖s exactly as the token produced it. */
  signEcdsa(id: string, digest: Uint8Array): Promise<Uint8Array> {
    const d = checkDigest(digest);
    return this.#sign(id, { mechanism: pkcs11js.CKM_ECDSA }, d, 64);
  }

  /** RSA over a SHA-256 digest: PKCS#1 v1.5 (DigestInfo + CKM_RSA_PKCS) or PSS (CKM_RSA_PKCS_PSS, salt 32). */
  signRsa(id: string, scheme: 'pkcs1' | 'pss', digest: Uint8Array, modulusBytes: number): Promise<Uint8Array> {
    const d = checkDigest(digest);
    if (scheme === 'pkcs1') return this.#sign(id, { mechanism: pkcs11js.CKM_RSA_PKCS }, Buffer.concat([SHA256_DIGEST_INFO, d]), modulusBytes);
    if (scheme !== 'pss') throw new TypeError(`"scheme" expected 'pkcs1' or 'pss', got ${String(scheme)}`);
    const parameter: pkcs11js.RsaPSS = { type: pkcs11js.CK_PARAMS_RSA_PSS, hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256, saltLen: 32 };
    return this.#sign(id, { mechanism: pkcs11js.CKM_RSA_PKCS_PSS, parameter }, d, modulusBytes);
  }

  /** AES-256-GCM inside the token; returns the IV and ciphertext‖tag. */
  encryptAesGcm(id: string, plaintext: Uint8Array, associatedData: Uint8Array): Promise<{ iv: Uint8Array; ciphertext: Uint8Array }> {
    checkPlaintext(plaintext, this.#maxPlaintextBytes);
    checkAssociatedData(associatedData);
    return this.#token.run(async () => {
      const key = this.#handle(id, pkcs11js.CKO_SECRET_KEY);
      const { iv, body } = await gcmEncrypt(this.#token, key, this.#ivSource, plaintext, associatedData);
      return { iv: new Uint8Array(iv), ciphertext: new Uint8Array(body) };
    });
  }

  /** Opens AES-256-GCM; a wrong tag, IV or associated data is `unseal_failed`, a broken HSM `hsm_error`. */
  decryptAesGcm(id: string, iv: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array> {
    if (!(iv instanceof Uint8Array) || iv.length !== GCM_IV_BYTES) throw new RangeError(`"iv" expected ${GCM_IV_BYTES} bytes`);
    if (!(ciphertext instanceof Uint8Array) || ciphertext.length < GCM_TAG_BYTES) throw new RangeError(`"ciphertext" expected at least ${GCM_TAG_BYTES} bytes`);
    checkAssociatedData(associatedData);
    return this.#token.run(async () => {
      const key = this.#handle(id, pkcs11js.CKO_SECRET_KEY);
      return gcmDecrypt(this.#token, key, iv, ciphertext, associatedData, (hsmSaid) => `decryption failed: the ciphertext did not authenticate (HSM said ${hsmSaid})`);
    });
  }

  /** Whether the token still holds the key's secret half, and that half cannot be read out. */
  isNonExtractable(id: string): Promise<boolean> {
    return this.#token.run(async () => {
      const key = this.#findAny(id);
      const attrs = this.#token.pkcs11.C_GetAttributeValue(this.#token.session, key, [{ type: pkcs11js.CKA_EXTRACTABLE }, { type: pkcs11js.CKA_SENSITIVE }]);
      const [extractable, sensitive] = attrs.map((a) => a.value !== undefined && a.value.length > 0 && a.value[0] !== 0);
      return extractable === false && sensitive === true;
    });
  }

  /** Removes every object carrying the id (both halves of a pair). Unknown ids are already gone. */
  destroy(id: string): Promise<void> {
    const idBytes = checkKeyId(id);
    return this.#token.run(async () => {
      const objects = this.#token.find([{ type: pkcs11js.CKA_ID, value: idBytes }], 8);
      for (const o of objects) this.#token.pkcs11.C_DestroyObject(this.#token.session, o);
      for (const k of [...this.#handles.keys()]) if (k.endsWith(`:${id}`)) this.#handles.delete(k);
    });
  }

  close(): Promise<void> {
    return this.#token.close();
  }

  #sign(id: string, mechanism: pkcs11js.Mechanism, data: Buffer, outBytes: number): Promise<Uint8Array> {
    return this.#token.run(async () => {
      const key = this.#handle(id, pkcs11js.CKO_PRIVATE_KEY);
      try {
        this.#token.pkcs11.C_SignInit(this.#token.session, mechanism, key);
        return new Uint8Array(await this.#token.pkcs11.C_SignAsync(this.#token.session, data, Buffer.alloc(outBytes)));
      } catch (cause) {
        throw new SealError(`HSM signing failed on token '${this.tokenLabel}': ${(cause as Error).message}`, 'hsm_error', { cause });
      }
    });
  }

  #readPublic(handle: Handle, curve: HsmCurve | undefined): HsmPublicKey {
    const p = this.#token.pkcs11;
    if (curve) {
      const [point] = p.C_GetAttributeValue(this.#token.session, handle, [{ type: pkcs11js.CKA_EC_POINT }]);
      return { kind: 'ec', curve, point: unwrapEcPoint(point!.value as Buffer) };
    }
    const [modulus, exponent] = p.C_GetAttributeValue(this.#token.session, handle, [{ type: pkcs11js.CKA_MODULUS }, { type: pkcs11js.CKA_PUBLIC_EXPONENT }]);
    return { kind: 'rsa', modulus: new Uint8Array(modulus!.value as Buffer), exponent: new Uint8Array(exponent!.value as Buffer) };
  }

  /** The object of `cls` with this id; looked up once per process (object handles outlive sessions). */
  #handle(id: string, cls: number): Handle {
    const idBytes = checkKeyId(id);
    const cacheKey = `${cls}:${id}`;
    const cached = this.#handles.get(cacheKey);
    if (cached) return cached;
    const found = this.#token.find([{ type: pkcs11js.CKA_ID, value: idBytes }, { type: pkcs11js.CKA_CLASS, value: cls }], 2);
    if (found.length !== 1) {
      throw new InvalidInputError(`HSM key ${id} ${found.length ? 'is ambiguous' : 'is not'} on token '${this.tokenLabel}'`, found.length ? 'hsm_key_ambiguous' : 'hsm_key_missing');
    }
    this.#handles.set(cacheKey, found[0]!);
    return found[0]!;
  }

  #findAny(id: string): Handle {
    const idBytes = checkKeyId(id);
    const secret = this.#token.find([{ type: pkcs11js.CKA_ID, value: idBytes }, { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY }], 2);
    const priv = this.#token.find([{ type: pkcs11js.CKA_ID, value: idBytes }, { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }], 2);
    const found = [...secret, ...priv];
    if (found.length !== 1) throw new InvalidInputError(`HSM key ${id} is not on token '${this.tokenLabel}'`, 'hsm_key_missing');
    return found[0]!;
  }
}

/** RSA modulus length in bytes, for sizing signature buffers from a public key read back earlier. */
export function modulusBytes(publicKey: HsmPublicKey): number {
  if (publicKey.kind !== 'rsa') throw new TypeError(`"publicKey" expected an RSA key, got ${publicKey.kind}`);
  let m = publicKey.modulus;
  while (m.length > 0 && m[0] === 0) m = m.subarray(1);
  return m.length;
}
