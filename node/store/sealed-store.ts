/**
 * Secret records at rest: each value is sealed with the node's Seal, bound to its record id and generation
 * through the additional data, so a blob copied to another record (or replayed as another generation) fails to
 * open. Values on disk are `format version || sealed blob`. Plain, non-secret metadata lives beside them.
 */
import { InvalidInputError, MalformedError } from '../../protocols/errors.js';
import type { Seal } from '../hsm/seal.js';
import { SealError } from '../hsm/seal-error.js';
import type { BatchOperation, KeyValueStore } from './kv.js';
import { checkKey, checkValue } from './key-range.js';

export const SEALED_RECORD_FORMAT = 1;
const RECORD_PREFIX = 'sealed/';
const META_PREFIX = 'meta/';
const CANARY_KEY = 'seal-canary';
const CANARY_PLAINTEXT = new TextEncoder().encode('lux-kms seal canary');
// Has no generation field, so no record's additional data can ever equal it.
const CANARY_AAD = new TextEncoder().encode('lux-kms/v1|seal-canary');
const GENERATION_DIGITS = 16; // Number.MAX_SAFE_INTEGER has 16 digits; padding keeps generations in numeric order.
// '|' separates the additional-data fields and '#' separates id from generation in the storage key.
const RECORD_ID = /^[A-Za-z0-9._:/-]{1,256}$/;

export type SealedWrite =
  | { type: 'putSealed'; recordId: string; generation: number; plaintext: Uint8Array }
  | { type: 'delSealed'; recordId: string; generation: number }
  | { type: 'putMeta'; key: string; value: Uint8Array }
  | { type: 'delMeta'; key: string };

function checkRecordId(recordId: unknown): string {
  if (typeof recordId !== 'string') throw new TypeError(`"recordId" expected string, got ${typeof recordId}`);
  if (!RECORD_ID.test(recordId)) throw new RangeError(`"recordId" expected 1..256 characters of A-Z a-z 0-9 . _ : / -, got ${JSON.stringify(recordId.slice(0, 64))}`);
  return recordId;
}

function checkGeneration(generation: unknown): number {
  if (!Number.isSafeInteger(generation) || (generation as number) < 0) throw new RangeError(`"generation" expected integer >= 0, got ${String(generation)}`);
  return generation as number;
}

/** The additional data a record is sealed under: `lux-kms/v1|<recordId>|<generation>`. */
export function recordAssociatedData(recordId: string, generation: number): Uint8Array {
  return new TextEncoder().encode(`lux-kms/v1|${checkRecordId(recordId)}|${checkGeneration(generation)}`);
}

function recordKey(recordId: string, generation: number): string {
  return `${RECORD_PREFIX}${recordId}#${String(generation).padStart(GENERATION_DIGITS, '0')}`;
}

function describe(recordId: string, generation: number): string {
  return `sealed record "${recordId}" generation ${generation}`;
}

export class SealedRecordStore {
  readonly #kv: KeyValueStore;
  readonly #seal: Seal;

  /** Prefer `openSealedRecordStore`, which also checks that `seal` holds the key these records were sealed with. */
  constructor(kv: KeyValueStore, seal: Seal) {
    this.#kv = kv;
    this.#seal = seal;
  }

  putSealed(recordId: string, generation: number, plaintext: Uint8Array): Promise<void> {
    return this.commit([{ type: 'putSealed', recordId, generation, plaintext }]);
  }

  async getSealed(recordId: string, generation: number): Promise<Uint8Array | undefined> {
    const stored = await this.#kv.get(recordKey(checkRecordId(recordId), checkGeneration(generation)));
    if (stored === undefined) return undefined;
    return this.#open(stored, recordAssociatedData(recordId, generation), describe(recordId, generation));
  }

  deleteSealed(recordId: string, generation: number): Promise<void> {
    return this.commit([{ type: 'delSealed', recordId, generation }]);
  }

  /** Generations stored for `recordId`, ascending. */
  async generations(recordId: string): Promise<number[]> {
    const prefix = `${RECORD_PREFIX}${checkRecordId(recordId)}#`;
    const found: number[] = [];
    for await (const [key] of this.#kv.entries(prefix)) found.push(Number(key.slice(prefix.length)));
    return found;
  }

  async getMeta(key: string): Promise<Uint8Array | undefined> {
    return this.#kv.get(META_PREFIX + checkKey(key));
  }

  putMeta(key: string, value: Uint8Array): Promise<void> {
    return this.commit([{ type: 'putMeta', key, value }]);
  }

  /**
   * Seals every record first, then writes everything in one atomic batch: after a crash the store holds either
   * all of `writes` or none of them (e.g. a new share generation together with the metadata that activates it).
   */
  async commit(writes: readonly SealedWrite[]): Promise<void> {
    if (!Array.isArray(writes)) throw new TypeError(`"writes" expected array, got ${typeof writes}`);
    const operations: BatchOperation[] = [];
    for (const write of writes as readonly SealedWrite[]) {
      switch (write?.type) {
        case 'putSealed': {
          const key = recordKey(checkRecordId(write.recordId), checkGeneration(write.generation));
          const blob = await this.#seal.seal(checkValue(write.plaintext, 'plaintext'), recordAssociatedData(write.recordId, write.generation));
          operations.push({ type: 'put', key, value: frame(blob) });
          break;
        }
        case 'delSealed':
          operations.push({ type: 'del', key: recordKey(checkRecordId(write.recordId), checkGeneration(write.generation)) });
          break;
        case 'putMeta':
          operations.push({ type: 'put', key: META_PREFIX + checkKey(write.key), value: checkValue(write.value) });
          break;
        case 'delMeta':
          operations.push({ type: 'del', key: META_PREFIX + checkKey(write.key) });
          break;
        default:
          throw new TypeError(`"writes[].type" expected putSealed, delSealed, putMeta or delMeta, got ${String((write as { type?: unknown })?.type)}`);
      }
    }
    await this.#kv.batch(operations);
  }

  /**
   * Writes a known sealed value on first use and opens it on every later one, so a node started with the wrong
   * passphrase, token or key label fails at startup with one clear error instead of on its first signing request.
   */
  async verifySealKey(): Promise<void> {
    const stored = await this.#kv.get(CANARY_KEY);
    if (stored === undefined) {
      await this.#kv.batch([{ type: 'put', key: CANARY_KEY, value: frame(await this.#seal.seal(CANARY_PLAINTEXT, CANARY_AAD)) }]);
      return;
    }
    try {
      const opened = await this.#open(stored, CANARY_AAD, 'seal canary');
      if (Buffer.compare(opened, CANARY_PLAINTEXT) !== 0) throw new MalformedError('seal canary holds an unexpected value');
    } catch (cause) {
      if (!(cause instanceof SealError && cause.code === 'unseal_failed')) throw cause;
      throw new InvalidInputError(
        `the ${this.#seal.kind} seal does not hold the key this store was sealed with (wrong passphrase, HSM token or key label?)`,
        'seal_key_mismatch',
      );
    }
  }

  async #open(stored: Uint8Array, associatedData: Uint8Array, what: string): Promise<Uint8Array> {
    if (stored.length === 0 || stored[0] !== SEALED_RECORD_FORMAT) {
      throw new MalformedError(`${what}: format version expected ${SEALED_RECORD_FORMAT}, got ${stored.length ? stored[0] : 'empty value'}`);
    }
    try {
      return await this.#seal.unseal(stored.subarray(1), associatedData);
    } catch (cause) {
      if (cause instanceof SealError && cause.code === 'unseal_failed') throw new SealError(`${what} failed to open: ${cause.message}`, 'unseal_failed', { cause });
      if (cause instanceof MalformedError) throw new MalformedError(`${what}: ${cause.message}`);
      throw cause;
    }
  }
}

function frame(blob: Uint8Array): Uint8Array {
  const value = new Uint8Array(blob.length + 1);
  value[0] = SEALED_RECORD_FORMAT;
  value.set(blob, 1);
  return value;
}

export async function openSealedRecordStore(kv: KeyValueStore, seal: Seal): Promise<SealedRecordStore> {
  const store = new SealedRecordStore(kv, seal);
  await store.verifySealKey();
  return store;
}
