/**
 * The SSH wire encoding (RFC 4251 §5): byte, uint32, uint64, string and mpint, and a reader for the same.
 * Public keys, private keys (`openssh-key-v1`), certificates and KRLs are all sequences of these.
 */
export class SshWriter {
  readonly #parts: Uint8Array[] = [];

  byte(n: number): this {
    this.#parts.push(Uint8Array.of(n));
    return this;
  }

  uint32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    this.#parts.push(b);
    return this;
  }

  uint64(n: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(n);
    this.#parts.push(b);
    return this;
  }

  string(s: Uint8Array | string): this {
    const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    this.uint32(bytes.length);
    this.#parts.push(bytes);
    return this;
  }

  /** A non-negative integer from big-endian bytes: minimal, with a zero byte ahead of a set top bit. */
  mpint(unsigned: Uint8Array): this {
    let i = 0;
    while (i < unsigned.length && unsigned[i] === 0) i++;
    const v = unsigned.subarray(i);
    return this.string(v.length && v[0]! & 0x80 ? Buffer.concat([Uint8Array.of(0), v]) : v);
  }

  raw(bytes: Uint8Array): this {
    this.#parts.push(bytes);
    return this;
  }

  get length(): number {
    return this.#parts.reduce((n, p) => n + p.length, 0);
  }

  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.#parts));
  }
}

export class SshReader {
  #offset = 0;
  constructor(private readonly buf: Uint8Array) {}

  uint32(): number {
    if (this.#offset + 4 > this.buf.length) throw new RangeError('truncated SSH data');
    const n = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.#offset, 4).readUInt32BE();
    this.#offset += 4;
    return n;
  }

  string(): Uint8Array {
    const len = this.uint32();
    if (this.#offset + len > this.buf.length) throw new RangeError('truncated SSH string');
    const s = this.buf.subarray(this.#offset, this.#offset + len);
    this.#offset += len;
    return s;
  }

  text(): string {
    return Buffer.from(this.string()).toString('utf8');
  }

  get done(): boolean {
    return this.#offset === this.buf.length;
  }
}
