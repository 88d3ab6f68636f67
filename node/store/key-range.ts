/**
 * Argument checks and key ordering shared by every KeyValueStore implementation, so the in-memory store used in
 * unit tests orders and bounds keys exactly as LevelDB does (by the UTF-8 bytes of the key, not by UTF-16 units).
 */
import type { BatchOperation } from './kv.js';

export interface EntriesOptions {
  limit?: number;
  after?: string;
  reverse?: boolean;
}

const utf8 = new TextEncoder();

export function keyBytes(key: string): Uint8Array {
  return utf8.encode(key);
}

export function compareKeys(a: string, b: string): number {
  return Buffer.compare(keyBytes(a), keyBytes(b));
}

export function checkKey(key: unknown, name = 'key'): string {
  if (typeof key !== 'string') throw new TypeError(`"${name}" expected string, got ${typeof key}`);
  if (key.length === 0) throw new RangeError(`"${name}" expected a non-empty string`);
  return key;
}

export function checkValue(value: unknown, name = 'value'): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`"${name}" expected Uint8Array, got ${value === null ? 'null' : typeof value}`);
  return value;
}

export function checkBatch(operations: unknown): readonly BatchOperation[] {
  if (!Array.isArray(operations)) throw new TypeError(`"operations" expected array, got ${typeof operations}`);
  operations.forEach((op: unknown, i) => {
    if (typeof op !== 'object' || op === null) throw new TypeError(`"operations[${i}]" expected object`);
    const { type, key, value } = op as Record<string, unknown>;
    checkKey(key, `operations[${i}].key`);
    if (type === 'put') checkValue(value, `operations[${i}].value`);
    else if (type !== 'del') throw new TypeError(`"operations[${i}].type" expected 'put' or 'del', got ${String(type)}`);
  });
  return operations as readonly BatchOperation[];
}

export function checkEntriesArgs(prefix: unknown, options: unknown): { prefix: string; options: EntriesOptions } {
  if (typeof prefix !== 'string') throw new TypeError(`"prefix" expected string, got ${typeof prefix}`);
  if (options === undefined) return { prefix, options: {} };
  if (typeof options !== 'object' || options === null) throw new TypeError(`"options" expected object, got ${typeof options}`);
  const { limit, after, reverse } = options as Record<string, unknown>;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || (limit as number) < 0)) {
    throw new RangeError(`"limit" expected integer >= 0, got ${String(limit)}`);
  }
  if (after !== undefined && typeof after !== 'string') throw new TypeError(`"after" expected string, got ${typeof after}`);
  if (reverse !== undefined && typeof reverse !== 'boolean') throw new TypeError(`"reverse" expected boolean, got ${typeof reverse}`);
  return { prefix, options: options as EntriesOptions };
}

/**
 * The smallest byte string greater than every key that starts with `prefix`, or undefined when no such bound
 * exists (empty prefix, or a prefix of only 0xff bytes): drop trailing 0xff bytes, then increment the last byte.
 */
export function prefixUpperBound(prefix: string): Uint8Array | undefined {
  const bytes = keyBytes(prefix);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const bound = bytes.slice(0, end);
  bound[end - 1]! += 1;
  return bound;
}

/** Byte-level range for `entries(prefix, options)`: keys in [lower, upper) with `lowerExclusive` for `after`. */
export interface ByteRange {
  lower: Uint8Array;
  lowerExclusive: boolean;
  upper: Uint8Array | undefined;
}

/**
 * Turns a prefix and an `after` cursor into one byte range. `after` is exclusive and means "continue past this
 * key" in the iteration direction: keys greater than it going forward, keys smaller than it going in reverse.
 */
export function entriesRange(prefix: string, options: EntriesOptions): ByteRange {
  let lower = keyBytes(prefix);
  let lowerExclusive = false;
  let upper = prefixUpperBound(prefix);
  if (options.after !== undefined) {
    const after = keyBytes(options.after);
    if (options.reverse) {
      if (upper === undefined || Buffer.compare(after, upper) < 0) upper = after;
    } else if (Buffer.compare(after, lower) >= 0) {
      lower = after;
      lowerExclusive = true;
    }
  }
  return { lower, lowerExclusive, upper };
}
