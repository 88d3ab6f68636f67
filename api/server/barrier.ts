/**
 * The storage barrier: every value the gateway writes passes through AES-256-GCM with the storage path as
 * additional data, so a ciphertext copied to another path (or edited) fails to open instead of being served
 * as some other record. The 32-byte barrier key is random, generated on first start, and kept in the store
 * only as sealed by the node's `Seal` (HSM or passphrase), so the raw database alone reveals nothing.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { BatchOperation, KeyValueStore } from '../../node/store/kv.js';
import type { Seal } from '../../node/hsm/seal.js';
import { BarrierIntegrityError } from './errors.js';

const FORMAT_V1 = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const BARRIER_KEY_PATH = 'sys/barrier-key';
// Binds the sealed barrier key to its purpose, so no other sealed blob of this node can stand in for it.
const BARRIER_KEY_AD = new TextEncoder().encode('luxkms/gateway/barrier-key/v1');

export class Barrier {
  readonly #key: Buffer;
  private constructor(key: Uint8Array) {
    this.#key = Buffer.from(key);
  }

  /** Unseals the barrier key, creating and sealing a fresh one on first start. */
  static async open(store: KeyValueStore, seal: Seal): Promise<{ barrier: Barrier; created: boolean }> {
    const sealed = await store.get(BARRIER_KEY_PATH);
    if (sealed) return { barrier: new Barrier(await seal.unseal(sealed, BARRIER_KEY_AD)), created: false };
    const key = randomBytes(32);
    await store.put(BARRIER_KEY_PATH, await seal.seal(key, BARRIER_KEY_AD));
    return { barrier: new Barrier(key), created: true };
  }

  /** A 32-byte key for one other purpose (HKDF-SHA256 of the barrier key, `purpose` as info): never the key itself. */
  deriveKey(purpose: string): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', this.#key, new Uint8Array(0), purpose, 32));
  }

  encrypt(path: string, plaintext: Uint8Array): Uint8Array {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(path, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT_V1), nonce, body, cipher.getAuthTag()]);
  }

  decrypt(path: string, blob: Uint8Array): Uint8Array {
    if (blob.length < 1 + NONCE_BYTES + TAG_BYTES || blob[0] !== FORMAT_V1) throw new BarrierIntegrityError(path);
    const nonce = blob.subarray(1, 1 + NONCE_BYTES);
    const tag = blob.subarray(blob.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce);
    decipher.setAAD(Buffer.from(path, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(blob.subarray(1 + NONCE_BYTES, blob.length - TAG_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new BarrierIntegrityError(path, { cause });
    }
  }
}

/** Bounds of the sealed-blob cache: small records are the hot ones (secret values are at most 32 KiB). */
export interface BlobCacheLimits {
  entries: number;
  bytes: number;
}
const DEFAULT_BLOB_CACHE: BlobCacheLimits = { entries: 4096, bytes: 16 * 1024 * 1024 };

/**
 * Recently read blobs *as stored* (still sealed: every hit is decrypted and authenticated again, so no
 * plaintext is kept), least recently used first out. It saves the store lookup, which costs more than the
 * decryption. Exact because every write goes through the owning `EncryptedStore`, which forgets the paths it
 * writes once the write has settled; a read that began before that moment cannot put what it read back.
 */
class BlobCache {
  readonly #blobs = new Map<string, Uint8Array>();
  #bytes = 0;
  /** Advances with every settled write, so a read that overlapped one does not cache what it read. */
  generation = 0;

  constructor(private readonly limits: BlobCacheLimits) {
    for (const field of ['entries', 'bytes'] as const) {
      const n = limits[field];
      if (!Number.isSafeInteger(n)) throw new TypeError(`"cacheLimits.${field}" expected integer, got ${String(n)}`);
      if (n < 1) throw new RangeError(`"cacheLimits.${field}" expected integer >= 1, got ${n}`);
    }
  }

  get size(): number {
    return this.#blobs.size;
  }

  get(path: string): Uint8Array | undefined {
    const blob = this.#blobs.get(path);
    if (blob !== undefined) {
      this.#blobs.delete(path);
      this.#blobs.set(path, blob);
    }
    return blob;
  }

  offer(path: string, blob: Uint8Array, readGeneration: number): void {
    if (readGeneration !== this.generation || blob.byteLength > this.limits.bytes / 8) return;
    this.#drop(path);
    this.#blobs.set(path, blob);
    this.#bytes += blob.byteLength;
    while (this.#blobs.size > this.limits.entries || this.#bytes > this.limits.bytes) this.#drop(this.#blobs.keys().next().value!);
  }

  forget(paths: Iterable<string>): void {
    this.generation++;
    for (const path of paths) this.#drop(path);
  }

  #drop(path: string): void {
    const blob = this.#blobs.get(path);
    if (blob === undefined) return;
    this.#blobs.delete(path);
    this.#bytes -= blob.byteLength;
  }
}

/** JSON records behind the barrier: the one way services read and write gateway state. */
export class EncryptedStore {
  readonly #cache: BlobCache;

  constructor(
    private readonly store: KeyValueStore,
    private readonly barrier: Barrier,
    cacheLimits: BlobCacheLimits = DEFAULT_BLOB_CACHE,
  ) {
    this.#cache = new BlobCache(cacheLimits);
  }

  /** How many sealed blobs are cached (for tests of the bound). */
  get cachedBlobs(): number {
    return this.#cache.size;
  }

  async getBytes(path: string): Promise<Uint8Array | undefined> {
    let blob = this.#cache.get(path);
    if (blob === undefined) {
      const generation = this.#cache.generation;
      blob = await this.store.get(path);
      if (blob === undefined) return undefined;
      this.#cache.offer(path, blob, generation);
    }
    return this.barrier.decrypt(path, blob);
  }

  async getJson<T>(path: string): Promise<T | undefined> {
    const bytes = await this.getBytes(path);
    return bytes === undefined ? undefined : (JSON.parse(Buffer.from(bytes).toString('utf8')) as T);
  }

  putOp(path: string, value: Uint8Array): BatchOperation {
    return { type: 'put', key: path, value: this.barrier.encrypt(path, value) };
  }

  putJsonOp(path: string, value: unknown): BatchOperation {
    return this.putOp(path, Buffer.from(JSON.stringify(value), 'utf8'));
  }

  async putJson(path: string, value: unknown): Promise<void> {
    await this.batch([this.putJsonOp(path, value)]);
  }

  async batch(ops: readonly BatchOperation[]): Promise<void> {
    try {
      await this.store.batch(ops);
    } finally {
      // Also after a failure: the batch may have been applied before the error surfaced.
      this.#cache.forget(ops.map((op) => op.key));
    }
  }

  async del(path: string): Promise<void> {
    try {
      await this.store.del(path);
    } finally {
      this.#cache.forget([path]);
    }
  }

  /** Decrypted JSON records under `prefix`, in key order. */
  async *entriesJson<T>(prefix: string, options?: { after?: string; limit?: number }): AsyncIterable<[string, T]> {
    for await (const [key, blob] of this.store.entries(prefix, options)) {
      yield [key, JSON.parse(Buffer.from(this.barrier.decrypt(key, blob)).toString('utf8')) as T];
    }
  }

  async *keys(prefix: string): AsyncIterable<string> {
    for await (const [key] of this.store.entries(prefix)) yield key;
  }
}
