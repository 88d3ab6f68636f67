/**
 * An in-memory KeyValueStore for unit tests: same key order, bounds and argument checks as the LevelDB store.
 * Values are copied in and out so a caller mutating its buffer cannot change what is stored.
 */
import type { BatchOperation, KeyValueStore } from './kv.js';
import { checkBatch, checkEntriesArgs, checkKey, checkValue, entriesRange, keyBytes, type EntriesOptions } from './key-range.js';

export class MemoryKeyValueStore implements KeyValueStore {
  readonly #data = new Map<string, Uint8Array>();
  #closed = false;

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    const value = this.#data.get(checkKey(key));
    return value === undefined ? undefined : value.slice();
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.#assertOpen();
    this.#data.set(checkKey(key), checkValue(value).slice());
  }

  async del(key: string): Promise<void> {
    this.#assertOpen();
    this.#data.delete(checkKey(key));
  }

  /** Validated in full before the first write, so a bad operation leaves the store untouched. */
  async batch(operations: readonly BatchOperation[]): Promise<void> {
    this.#assertOpen();
    for (const op of checkBatch(operations)) {
      if (op.type === 'put') this.#data.set(op.key, op.value.slice());
      else this.#data.delete(op.key);
    }
  }

  async *entries(prefix: string, options?: EntriesOptions): AsyncIterable<[string, Uint8Array]> {
    this.#assertOpen();
    const args = checkEntriesArgs(prefix, options);
    const range = entriesRange(args.prefix, args.options);
    // Copy the matching entries first: like a LevelDB iterator (which reads from a snapshot), later writes made
    // while the caller is still iterating are not seen.
    const matching = [...this.#data.entries()]
      .map(([key, value]) => ({ key, value: value.slice(), bytes: keyBytes(key) }))
      .filter(({ bytes }) => {
        const low = Buffer.compare(bytes, range.lower);
        if (range.lowerExclusive ? low <= 0 : low < 0) return false;
        return range.upper === undefined || Buffer.compare(bytes, range.upper) < 0;
      })
      .sort((a, b) => Buffer.compare(a.bytes, b.bytes));
    if (args.options.reverse) matching.reverse();
    const limited = args.options.limit === undefined ? matching : matching.slice(0, args.options.limit);
    for (const { key, value } of limited) yield [key, value];
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('MemoryKeyValueStore is closed');
  }
}
