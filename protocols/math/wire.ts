/**
 * Canonical binary encoding for protocol payloads. Every value has exactly one encoding and the decoder
 * rejects anything else (non-minimal integers, "-0", unsorted or duplicate map keys, trailing bytes,
 * invalid UTF-8), so two parties that see the same bytes see the same value and a hash of a payload is
 * a hash of its meaning.
 */
import { MalformedError } from '../errors.js';

export type WireValue =
  | null
  | boolean
  | number
  | bigint
  | Uint8Array
  | string
  | WireValue[]
  | { [key: string]: WireValue };

const enum Tag {
  Null = 0x00,
  False = 0x01,
  True = 0x02,
  Int = 0x03,
  BigInt = 0x04,
  Bytes = 0x05,
  String = 0x06,
  List = 0x07,
  Map = 0x08,
}

const MAX_DEPTH = 32;
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();
const ASCII = /^[\x00-\x7f]*$/;

/** Grows a byte buffer; also used by the Fiat–Shamir transcript so both share one injective layout. */
export class ByteWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buffer[this.length++] = b;
  }

  u32(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`u32 expected 0..2^32-1, got ${n}`);
    this.reserve(4);
    this.buffer[this.length++] = (n >>> 24) & 0xff;
    this.buffer[this.length++] = (n >>> 16) & 0xff;
    this.buffer[this.length++] = (n >>> 8) & 0xff;
    this.buffer[this.length++] = n & 0xff;
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** u32 length then the bytes. */
  lengthPrefixed(bytes: Uint8Array): void {
    this.u32(bytes.length);
    this.raw(bytes);
  }

  /** u32 length then the UTF-8 bytes; ASCII (session ids, protocol names) is copied without an encoder call. */
  utf8(text: string): void {
    if (!ASCII.test(text)) return this.lengthPrefixed(utf8Encoder.encode(text));
    this.u32(text.length);
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.buffer[this.length++] = text.charCodeAt(i);
  }

  /** The same layout as `signedInteger`, for a safe integer (the common case: rounds, party ids, counts). */
  safeInteger(x: number): void {
    const negative = x < 0;
    this.byte(negative ? 1 : 0);
    this.lengthPrefixed(smallMagnitudeBytes(negative ? -x : x));
  }

  /** Sign byte (0 = non-negative, 1 = negative), u32 length, minimal big-endian magnitude (zero = empty). */
  signedInteger(x: bigint): void {
    const negative = x < 0n;
    this.byte(negative ? 1 : 0);
    this.lengthPrefixed(magnitudeBytes(negative ? -x : x));
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** Minimal big-endian bytes of a non-negative safe integer, without a detour through BigInt and hex. */
function smallMagnitudeBytes(x: number): Uint8Array {
  let length = 0;
  for (let rest = x; rest > 0; rest = Math.floor(rest / 256)) length++;
  const out = new Uint8Array(length);
  for (let i = length - 1, rest = x; i >= 0; i--, rest = Math.floor(rest / 256)) out[i] = rest % 256;
  return out;
}

export function magnitudeBytes(x: bigint): Uint8Array {
  if (x === 0n) return new Uint8Array(0);
  if (x <= MAX_SAFE_BIGINT) return smallMagnitudeBytes(Number(x));
  let hex = x.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export class ByteReader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  byte(): number {
    if (this.remaining < 1) throw new MalformedError('unexpected end of input');
    return this.bytes[this.offset++]!;
  }

  u32(): number {
    if (this.remaining < 4) throw new MalformedError('unexpected end of input');
    const b = this.bytes;
    const o = this.offset;
    this.offset += 4;
    return ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
  }

  take(length: number): Uint8Array {
    if (length > this.remaining) throw new MalformedError(`length ${length} exceeds the ${this.remaining} bytes left`);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  lengthPrefixed(): Uint8Array {
    return this.take(this.u32());
  }

  signedInteger(): bigint {
    const sign = this.byte();
    if (sign > 1) throw new MalformedError(`integer sign byte expected 0 or 1, got ${sign}`);
    const magnitude = this.lengthPrefixed();
    if (magnitude.length > 0 && magnitude[0] === 0) throw new MalformedError('integer has a non-minimal encoding');
    if (magnitude.length === 0 && sign === 1) throw new MalformedError('integer "-0" is not canonical');
    const value = magnitude.length === 0 ? 0n : BigInt('0x' + Buffer.from(magnitude).toString('hex'));
    return sign === 1 ? -value : value;
  }
}

function writeValue(w: ByteWriter, value: WireValue, depth: number): void {
  if (depth > MAX_DEPTH) throw new RangeError(`wire value nested deeper than ${MAX_DEPTH}`);
  if (value === null) return w.byte(Tag.Null);
  switch (typeof value) {
    case 'boolean':
      return w.byte(value ? Tag.True : Tag.False);
    case 'number':
      if (!Number.isSafeInteger(value)) throw new TypeError(`wire numbers must be safe integers, got ${value}`);
      w.byte(Tag.Int);
      return w.safeInteger(value);
    case 'bigint':
      w.byte(Tag.BigInt);
      return w.signedInteger(value);
    case 'string':
      w.byte(Tag.String);
      return w.utf8(value);
    case 'object':
      break;
    default:
      throw new TypeError(`cannot encode a value of type ${typeof value}`);
  }
  if (value instanceof Uint8Array) {
    w.byte(Tag.Bytes);
    return w.lengthPrefixed(value);
  }
  if (Array.isArray(value)) {
    w.byte(Tag.List);
    w.u32(value.length);
    for (const item of value) writeValue(w, item, depth + 1);
    return;
  }
  const keys = Object.keys(value).sort(compareKeys);
  w.byte(Tag.Map);
  w.u32(keys.length);
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) throw new TypeError(`map key "${key}" has an undefined value`);
    w.lengthPrefixed(encodedKey(key));
    writeValue(w, item, depth + 1);
  }
}

/** Map keys are field names from a small fixed vocabulary; their encodings are kept (bounded, in case one is not). */
const keyEncodings = new Map<string, Uint8Array>();
const MAX_CACHED_KEYS = 4096;

function encodedKey(key: string): Uint8Array {
  let bytes = keyEncodings.get(key);
  if (bytes === undefined) {
    bytes = utf8Encoder.encode(key);
    if (keyEncodings.size < MAX_CACHED_KEYS) keyEncodings.set(key, bytes);
  }
  return bytes;
}

/**
 * Byte-wise order of the UTF-8 keys, so the canonical order does not depend on the JS engine. For ASCII keys
 * (every protocol field name) UTF-16 code-unit order is that same order, so they skip the encoding.
 */
function compareKeys(a: string, b: string): number {
  if (ASCII.test(a) && ASCII.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function readValue(r: ByteReader, depth: number): WireValue {
  if (depth > MAX_DEPTH) throw new MalformedError(`wire value nested deeper than ${MAX_DEPTH}`);
  const tag = r.byte();
  switch (tag) {
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.Int: {
      const v = r.signedInteger();
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new MalformedError('integer outside the safe range');
      }
      return Number(v);
    }
    case Tag.BigInt:
      return r.signedInteger();
    case Tag.Bytes:
      return Uint8Array.from(r.lengthPrefixed());
    case Tag.String:
      try {
        return utf8Decoder.decode(r.lengthPrefixed());
      } catch {
        throw new MalformedError('string is not valid UTF-8');
      }
    case Tag.List: {
      const count = r.u32();
      if (count > r.remaining) throw new MalformedError(`list of ${count} items cannot fit in ${r.remaining} bytes`);
      const out: WireValue[] = [];
      for (let i = 0; i < count; i++) out.push(readValue(r, depth + 1));
      return out;
    }
    case Tag.Map: {
      const count = r.u32();
      if (count > r.remaining) throw new MalformedError(`map of ${count} entries cannot fit in ${r.remaining} bytes`);
      const out: { [key: string]: WireValue } = Object.create(null);
      let previous: string | undefined;
      for (let i = 0; i < count; i++) {
        let key: string;
        try {
          key = utf8Decoder.decode(r.lengthPrefixed());
        } catch {
          throw new MalformedError('map key is not valid UTF-8');
        }
        if (previous !== undefined && compareKeys(previous, key) >= 0) {
          throw new MalformedError('map keys are not in canonical (strictly ascending) order');
        }
        previous = key;
        out[key] = readValue(r, depth + 1);
      }
      return out;
    }
    default:
      throw new MalformedError(`unknown wire tag 0x${tag.toString(16)}`);
  }
}

export function encodeWire(value: WireValue): Uint8Array {
  const w = new ByteWriter();
  writeValue(w, value, 0);
  return w.finish();
}

export function decodeWire(bytes: Uint8Array): WireValue {
  const r = new ByteReader(bytes);
  const value = readValue(r, 0);
  if (r.remaining !== 0) throw new MalformedError(`${r.remaining} trailing bytes after the value`);
  return value;
}
