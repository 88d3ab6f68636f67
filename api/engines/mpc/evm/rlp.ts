/** Recursive Length Prefix, the byte encoding of Ethereum transactions (Yellow Paper, appendix B). */

export type RlpItem = Uint8Array | readonly RlpItem[];

function lengthPrefix(length: number, shortBase: number): Uint8Array {
  if (length < 56) return Uint8Array.of(shortBase + length);
  const lengthBytes = integerBytes(BigInt(length));
  return Uint8Array.of(shortBase + 55 + lengthBytes.length, ...lengthBytes);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** An integer as RLP wants it: big-endian with no leading zero bytes, so zero is the empty string. */
export function integerBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new RangeError(`RLP integers are non-negative, got ${n}`);
  if (n === 0n) return new Uint8Array(0);
  const hex = n.toString(16);
  return Uint8Array.from(Buffer.from(hex.length % 2 ? '0' + hex : hex, 'hex'));
}

export function rlpEncode(item: RlpItem): Uint8Array {
  if (item instanceof Uint8Array) {
    // A single byte below 0x80 is its own encoding.
    if (item.length === 1 && item[0]! < 0x80) return item;
    return concat([lengthPrefix(item.length, 0x80), item]);
  }
  const body = concat(item.map(rlpEncode));
  return concat([lengthPrefix(body.length, 0xc0), body]);
}

export { concat as concatBytes };
