/**
 * A minimal DER encoder and reader: just the universal types X.509 certificates, CRLs and PKCS#10
 * requests use. Encoding is canonical by construction (definite minimal lengths, minimal integers);
 * the reader refuses indefinite lengths and anything running past its parent, so a malformed request
 * fails here with a clear error instead of deep inside the caller.
 */
export type Der = Uint8Array;

const concat = (parts: readonly Uint8Array[]): Uint8Array => Buffer.concat(parts);

function lengthBytes(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export const tlv = (tag: number, content: Uint8Array): Der => concat([Uint8Array.of(tag), lengthBytes(content.length), content]);
export const seq = (...items: Der[]): Der => tlv(0x30, concat(items));
/** SET OF: DER sorts the encoded elements. */
export const setOf = (...items: Der[]): Der => tlv(0x31, concat([...items].sort((a, b) => Buffer.compare(a, b))));
export const bool = (b: boolean): Der => tlv(0x01, Uint8Array.of(b ? 0xff : 0x00));
export const nul = (): Der => Uint8Array.of(0x05, 0x00);
export const octets = (b: Uint8Array): Der => tlv(0x04, b);
export const utf8 = (s: string): Der => tlv(0x0c, Buffer.from(s, 'utf8'));
export const ia5 = (s: string): Der => tlv(0x16, Buffer.from(s, 'ascii'));
/** Context-specific tag n: explicit wraps a whole element (constructed), implicit replaces the tag of primitive content. */
export const explicit = (n: number, inner: Der): Der => tlv(0xa0 | n, inner);
export const implicit = (n: number, content: Uint8Array): Der => tlv(0x80 | n, content);

/** INTEGER from unsigned big-endian bytes (a leading zero is added when the top bit is set). */
export function uint(bytes: Uint8Array): Der {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return tlv(0x02, trimmed[0]! & 0x80 ? concat([Uint8Array.of(0), trimmed]) : trimmed);
}

export function smallInt(n: number): Der {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return uint(Buffer.from(hex, 'hex'));
}

export const enumerated = (n: number): Der => tlv(0x0a, smallInt(n).subarray(2));

export function bitString(bytes: Uint8Array, unusedBits = 0): Der {
  return tlv(0x03, concat([Uint8Array.of(unusedBits), bytes]));
}

export function oid(dotted: string): Der {
  const parts = dotted.split('.').map((p) => BigInt(p));
  const out: number[] = [];
  // The first two arcs share one base-128 number (X.690 §8.19.4), which can exceed a byte under arc 2.
  for (const p of [parts[0]! * 40n + parts[1]!, ...parts.slice(2)]) {
    const chunk: number[] = [Number(p & 0x7fn)];
    for (let v = p >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, always Zulu. */
export function time(d: Date): Der {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = d.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

// ---- reading ----

export interface Node {
  tag: number;
  /** The element's full encoding, header included. */
  raw: Uint8Array;
  content: Uint8Array;
}

export class DerError extends Error {
  override name = 'DerError';
}

/** Reads the one element at `offset`; `end` is where the next one starts. */
export function read(buf: Uint8Array, offset = 0): Node & { end: number } {
  if (offset + 2 > buf.length) throw new DerError('truncated element');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let len = buf[offset + 1]!;
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError('indefinite or oversized length');
    if (offset + 2 + n > buf.length) throw new DerError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i]!;
    header += n;
  }
  const end = offset + header + len;
  if (end > buf.length) throw new DerError('element runs past its container');
  return { tag, raw: buf.subarray(offset, end), content: buf.subarray(offset + header, end), end };
}

/** Exactly one element spanning all of `buf`. */
export function readWhole(buf: Uint8Array): Node {
  const node = read(buf);
  if (node.end !== buf.length) throw new DerError('trailing bytes after the element');
  return node;
}

export function children(node: Node): Node[] {
  if (!(node.tag & 0x20)) throw new DerError(`element with tag 0x${node.tag.toString(16)} is not constructed`);
  const out: Node[] = [];
  for (let off = 0; off < node.content.length; ) {
    const child = read(node.content, off);
    out.push(child);
    off = child.end;
  }
  return out;
}

export function readOid(node: Node): string {
  if (node.tag !== 0x06 || node.content.length === 0) throw new DerError('expected an OBJECT IDENTIFIER');
  const b = node.content;
  const arcs: bigint[] = [];
  let v = 0n;
  for (const byte of b) {
    v = (v << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) arcs.push(v), (v = 0n);
  }
  const first = arcs.shift()!;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs].join('.');
}

export function readString(node: Node): string {
  // UTF8String, PrintableString, IA5String, T61String (treated as Latin-1 only by legacy CAs; read as UTF-8).
  if (![0x0c, 0x13, 0x16, 0x14].includes(node.tag)) throw new DerError(`expected a string, got tag 0x${node.tag.toString(16)}`);
  return Buffer.from(node.content).toString(node.tag === 0x0c ? 'utf8' : 'latin1');
}
