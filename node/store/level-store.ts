/**
 * The embedded KeyValueStore: one LevelDB directory per node (`level`, i.e. classic-level on Node).
 * This is the only module that imports `level`.
 */
import { Level } from 'level';
import type { BatchOperation, KeyValueStore } from './kv.js';
import { checkBatch, checkEntriesArgs, checkKey, checkValue, entriesRange, type EntriesOptions } from './key-range.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Every write is flushed to the disk before it resolves. Without it a write survives a killed process (it is in the
 * kernel) but not a power cut or a kernel crash: a presignature's deletion lost that way would let it sign a second
 * message with the same nonce, which reveals the key share; a share, a secret or an audit record must not vanish
 * either. About 0.4 ms per write on this class of machine, and the gateway's audit group commit pays it once per
 * group, not per record.
 */
const DURABLE = { sync: true } as const;

/** classic-level hands out Buffers; callers get plain Uint8Array views (no copy) like from every other store. */
function plain(value: Uint8Array): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

export class LevelKeyValueStore implements KeyValueStore {
  readonly #db: Level<string, Uint8Array>;

  /** Use `openLevelStore(dir)`: the database must be open before the first call. */
  constructor(db: Level<string, Uint8Array>) {
    this.#db = db;
  }

  get location(): string {
    return this.#db.location;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = await this.#db.get(checkKey(key));
    return value === undefined ? undefined : plain(value);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await this.#db.put(checkKey(key), checkValue(value), DURABLE);
  }

  async del(key: string): Promise<void> {
    await this.#db.del(checkKey(key), DURABLE);
  }

  /** One LevelDB write batch: a single log record, so after a crash either all of it is replayed or none. */
  async batch(operations: readonly BatchOperation[]): Promise<void> {
    const checked = checkBatch(operations);
    if (checked.length === 0) return;
    // The chained form: the array form builds and re-validates an operation object per entry, which costs the
    // gateway's audit group commit (dozens of records a write) about half again as much main-thread time.
    const batch = this.#db.batch();
    for (const op of checked) {
      if (op.type === 'put') batch.put(op.key, op.value);
      else batch.del(op.key);
    }
    await batch.write(DURABLE);
  }

  async *entries(prefix: string, options?: EntriesOptions): AsyncIterable<[string, Uint8Array]> {
    const args = checkEntriesArgs(prefix, options);
    if (args.options.limit === 0) return;
    const range = entriesRange(args.prefix, args.options);
    // Bounds are byte strings (a prefix's successor need not be valid UTF-8), so this iterator reads raw keys.
    const iterator = this.#db.iterator<Uint8Array, Uint8Array>({
      keyEncoding: 'view',
      valueEncoding: 'view',
      [range.lowerExclusive ? 'gt' : 'gte']: range.lower,
      ...(range.upper ? { lt: range.upper } : {}),
      reverse: args.options.reverse ?? false,
      limit: args.options.limit ?? -1,
    });
    try {
      for await (const [key, value] of iterator) yield [utf8.decode(key), plain(value)];
    } finally {
      await iterator.close();
    }
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

/** Opens (creating if missing) the LevelDB store in `dir`. */
export async function openLevelStore(dir: string): Promise<LevelKeyValueStore> {
  if (typeof dir !== 'string') throw new TypeError(`"dir" expected string, got ${typeof dir}`);
  if (dir.length === 0) throw new RangeError('"dir" expected a non-empty path');
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  return new LevelKeyValueStore(db);
}
