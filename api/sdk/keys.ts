/**
 * `kms.keys`: cryptographic keys of the client's environment (unless a call names another).
 *
 *   const key = await kms.keys.create({ type: 'ECDSA_SECP256K1', usage: ['sign', 'verify'], rotation: '90d' });
 *   const signature = await kms.keys.sign({ keyId: key.id, message: transactionHash, algorithm: 'ECDSA_SHA256' });
 *   const { valid } = await kms.keys.verify({ keyId: key.id, message: transactionHash, signature });
 *
 * Binary inputs are `Uint8Array`s or strings: a `0x`-prefixed hex string is those bytes (a transaction hash),
 * any other string its UTF-8. A client built with `hsmProvider` creates keys inside that HSM key store.
 */
// Types only: the shapes are the keys engine's own records, so the two cannot drift; no gateway code is loaded.
import type { KeyType, KeyUsage, Protection, SigningAlgorithm } from '../engines/keys/key-types.js';
import type { KeyRecord, KeyVersion, SignResult, StoredCiphertext } from '../engines/keys/records.js';
import type { Transport } from './transport.js';
import { requireObject, requireString, seg } from './validate.js';

export type { KeyType, KeyUsage, SigningAlgorithm, KeyVersion, StoredCiphertext };
export type KeyProtection = Protection;
export type MessageType = 'RAW' | 'DIGEST';
export type Bytes = Uint8Array | string;
export type EncryptionContext = Record<string, string>;

/** A key as the gateway returns it: its metadata and every version's public half, never secret material. */
export type Key = KeyRecord;

export interface RotatedKey extends Key {
  webhookDelivery?: { id: string; status: string };
}

export type KeySignature = SignResult;

interface Env {
  environment?: string;
}

export interface CreateKeyInput extends Env {
  type: KeyType;
  usage?: KeyUsage[];
  /** Automatic rotation interval, e.g. `'90d'`. */
  rotation?: string;
  keyId?: string;
  protection?: KeyProtection;
  /** An HSM key store; defaults to the client's `hsmProvider` / `clusterArn`. */
  keyStore?: { provider: string; identifier?: string };
  threshold?: { threshold?: number; parties?: number[] };
  versionExpiry?: string;
  description?: string;
  tags?: string[];
}

export interface SignKeyInput extends Env {
  keyId: string;
  message: Bytes;
  algorithm?: SigningAlgorithm;
  messageType?: MessageType;
  /** The value the signed transaction moves, for `maxAmount` policies. */
  amount?: number | string;
}

export interface VerifyKeyInput extends Env {
  keyId: string;
  message: Bytes;
  /** What `sign` returned, or the signature alone (hex string or bytes). */
  signature: KeySignature | string | Uint8Array;
  algorithm?: SigningAlgorithm;
  messageType?: MessageType;
  keyVersion?: number;
}

export interface ConfigureRotationInput extends Env {
  keyId: string;
  interval: string;
  strategy?: 'create-new' | 'reencrypt';
  notifyWebhook?: string;
  versionExpiry?: string;
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function fromHex(text: string, field: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new RangeError(`"${field}" expected hex, got ${JSON.stringify(text.slice(0, 20))}`);
  return Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));
}

export function toBytes(value: Bytes, field: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value !== 'string') throw new TypeError(`"${field}" expected Uint8Array or string, got ${value === null ? 'null' : typeof value}`);
  return value.startsWith('0x') ? fromHex(value.slice(2), field) : new TextEncoder().encode(value);
}

const toBase64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export class KeysClient {
  constructor(
    private readonly http: Transport,
    private readonly defaultEnvironment: string,
    private readonly hsm: { provider: string; clusterArn?: string } | undefined,
  ) {}

  #base(environment: string | undefined): string {
    return `/v1/environments/${seg(environment ?? this.defaultEnvironment, 'environment')}/keys`;
  }

  #key(keyId: string, environment: string | undefined): string {
    return `${this.#base(environment)}/${seg(keyId, 'keyId')}`;
  }

  /** `ceremony`: the call may run a ceremony on the cluster (signing with or rotating a threshold key). */
  #post<T>(keyId: string, environment: string | undefined, op: string, body?: unknown, idempotent = false, ceremony = false): Promise<T> {
    return this.http.call({ method: 'POST', path: `${this.#key(keyId, environment)}/${op}`, ...(body === undefined ? {} : { body }), idempotent, ceremony });
  }

  create(input: CreateKeyInput): Promise<Key> {
    const { environment, ...body } = requireObject(input, 'input');
    requireString(body.type, 'type');
    const useHsm = this.hsm && body.keyStore === undefined && body.protection === undefined;
    const keyStore = useHsm ? { provider: this.hsm!.provider, ...(this.hsm!.clusterArn ? { identifier: this.hsm!.clusterArn } : {}) } : body.keyStore;
    return this.http.call({ method: 'POST', path: this.#base(environment), body: { ...body, ...(keyStore ? { keyStore } : {}) }, idempotent: false, ceremony: true });
  }

  get(keyId: string, options: Env = {}): Promise<Key> {
    return this.http.call({ method: 'GET', path: this.#key(keyId, options.environment), idempotent: true });
  }

  list(options: Env & { tags?: string[]; limit?: number; cursor?: string } = {}): Promise<{ keys: Key[]; nextCursor?: string }> {
    const { environment, tags, limit, cursor } = options;
    return this.http.call({ method: 'GET', path: this.#base(environment), query: { tags, limit, cursor }, idempotent: true });
  }

  getPublicKey(keyId: string, options: Env & { version?: number } = {}): Promise<KeyVersion & { keyId: string; type: KeyType }> {
    return this.http.call({ method: 'GET', path: `${this.#key(keyId, options.environment)}/public-key`, query: { version: options.version }, idempotent: true });
  }

  sign(input: SignKeyInput): Promise<KeySignature> {
    const { environment, keyId, message, ...rest } = requireObject(input, 'input');
    return this.#post(keyId, environment, 'sign', { ...rest, message: toBase64(toBytes(message, 'message')) }, false, true);
  }

  async verify(input: VerifyKeyInput): Promise<{ valid: boolean; keyId: string; keyVersion?: number; algorithm: SigningAlgorithm; messageType: MessageType }> {
    const { environment, keyId, message, signature, ...rest } = requireObject(input, 'input');
    const fromSign = typeof signature === 'object' && !(signature instanceof Uint8Array) ? requireObject(signature, 'signature') : undefined;
    const sigHex = fromSign ? requireString(fromSign.signature, 'signature.signature') : signature instanceof Uint8Array ? hex(signature) : requireString(signature, 'signature');
    const body = {
      message: toBase64(toBytes(message, 'message')),
      signature: sigHex.startsWith('0x') ? sigHex.slice(2) : sigHex,
      ...(fromSign ? { algorithm: fromSign.algorithm, messageType: fromSign.messageType, keyVersion: fromSign.keyVersion } : {}),
      ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    };
    return this.#post(keyId, environment, 'verify', body, true);
  }

  encrypt(input: Env & { keyId: string; plaintext: Bytes; context?: EncryptionContext }): Promise<{ keyId: string; keyVersion: number; ciphertext: string }> {
    const { environment, keyId, plaintext, context } = requireObject(input, 'input');
    return this.#post(keyId, environment, 'encrypt', { plaintext: toBase64(toBytes(plaintext, 'plaintext')), ...(context ? { context } : {}) });
  }

  async decrypt(input: Env & { keyId: string; ciphertext: string; context?: EncryptionContext }): Promise<{ keyId: string; keyVersion: number; plaintext: Uint8Array }> {
    const { environment, keyId, ...body } = requireObject(input, 'input');
    const res = await this.#post<{ keyId: string; keyVersion: number; plaintext: string }>(keyId, environment, 'decrypt', body, true);
    return { ...res, plaintext: fromBase64(res.plaintext) };
  }

  wrap(input: Env & { keyId: string; keyMaterial: Uint8Array; context?: EncryptionContext }): Promise<{ keyId: string; keyVersion: number; ciphertext: string }> {
    const { environment, keyId, keyMaterial, context } = requireObject(input, 'input');
    if (!(keyMaterial instanceof Uint8Array)) throw new TypeError(`"keyMaterial" expected Uint8Array, got ${typeof keyMaterial}`);
    return this.#post(keyId, environment, 'wrap', { keyMaterial: toBase64(keyMaterial), ...(context ? { context } : {}) });
  }

  async unwrap(input: Env & { keyId: string; ciphertext: string; context?: EncryptionContext }): Promise<{ keyId: string; keyVersion: number; keyMaterial: Uint8Array }> {
    const { environment, keyId, ...body } = requireObject(input, 'input');
    const res = await this.#post<{ keyId: string; keyVersion: number; keyMaterial: string }>(keyId, environment, 'unwrap', body, true);
    return { ...res, keyMaterial: fromBase64(res.keyMaterial) };
  }

  /** Re-encrypts a ciphertext or wrapped key under the newest version; the plaintext never reaches the client. */
  rewrap(input: Env & { keyId: string; ciphertext: string; context?: EncryptionContext }): Promise<{ keyId: string; keyVersion: number; previousVersion: number; ciphertext: string }> {
    const { environment, keyId, ...body } = requireObject(input, 'input');
    return this.#post(keyId, environment, 'rewrap', body);
  }

  mac(input: Env & { keyId: string; message: Bytes }): Promise<{ keyId: string; keyVersion: number; mac: string }> {
    const { environment, keyId, message } = requireObject(input, 'input');
    return this.#post(keyId, environment, 'mac', { message: toBase64(toBytes(message, 'message')) }, true);
  }

  verifyMac(input: Env & { keyId: string; message: Bytes; mac: string; keyVersion?: number }): Promise<{ valid: boolean; keyId: string; keyVersion?: number }> {
    const { environment, keyId, message, mac, keyVersion } = requireObject(input, 'input');
    return this.#post(keyId, environment, 'verify-mac', { message: toBase64(toBytes(message, 'message')), mac, ...(keyVersion === undefined ? {} : { keyVersion }) }, true);
  }

  /** A new version now; the previous one keeps verifying and decrypting until it expires. */
  rotate(keyId: string, options: Env = {}): Promise<RotatedKey> {
    return this.#post(keyId, options.environment, 'rotate', undefined, false, true);
  }

  configureRotation(input: ConfigureRotationInput): Promise<Key> {
    const { environment, keyId, ...body } = requireObject(input, 'input');
    return this.http.call({ method: 'PUT', path: `${this.#key(keyId, environment)}/rotation`, body, idempotent: true });
  }

  disableRotation(keyId: string, options: Env = {}): Promise<Key> {
    return this.http.call({ method: 'DELETE', path: `${this.#key(keyId, options.environment)}/rotation`, idempotent: true });
  }

  enable(keyId: string, options: Env = {}): Promise<Key> {
    return this.#post(keyId, options.environment, 'enable', undefined, true);
  }

  disable(keyId: string, options: Env = {}): Promise<Key> {
    return this.#post(keyId, options.environment, 'disable', undefined, true);
  }

  /** Erases the key after `waitingPeriod` (default 30d); until then `cancelDeletion` brings it back, disabled. */
  scheduleDeletion(keyId: string, options: Env & { waitingPeriod?: string } = {}): Promise<Key> {
    return this.#post(keyId, options.environment, 'schedule-deletion', options.waitingPeriod === undefined ? {} : { waitingPeriod: options.waitingPeriod });
  }

  cancelDeletion(keyId: string, options: Env = {}): Promise<Key> {
    return this.#post(keyId, options.environment, 'cancel-deletion', undefined, true);
  }

  storeCiphertext(input: Env & { keyId: string; name: string; plaintext: Bytes; context?: EncryptionContext }): Promise<StoredCiphertext> {
    const { environment, keyId, name, plaintext, context } = requireObject(input, 'input');
    return this.http.call({
      method: 'PUT',
      path: `${this.#key(keyId, environment)}/ciphertexts/${seg(name, 'name')}`,
      body: { plaintext: toBase64(toBytes(plaintext, 'plaintext')), ...(context ? { context } : {}) },
      idempotent: false,
    });
  }

  getStoredCiphertext(keyId: string, name: string, options: Env = {}): Promise<StoredCiphertext> {
    return this.http.call({ method: 'GET', path: `${this.#key(keyId, options.environment)}/ciphertexts/${seg(name, 'name')}`, idempotent: true });
  }

  async listStoredCiphertexts(keyId: string, options: Env = {}): Promise<StoredCiphertext[]> {
    const res = await this.http.call<{ ciphertexts: StoredCiphertext[] }>({ method: 'GET', path: `${this.#key(keyId, options.environment)}/ciphertexts`, idempotent: true });
    return res.ciphertexts;
  }

  async deleteStoredCiphertext(keyId: string, name: string, options: Env = {}): Promise<void> {
    await this.http.call({ method: 'DELETE', path: `${this.#key(keyId, options.environment)}/ciphertexts/${seg(name, 'name')}`, idempotent: true });
  }
}
