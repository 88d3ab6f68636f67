/**
 * The one Fiat–Shamir transcript. Items are typed and length-prefixed (so no two different item lists
 * share an encoding: the α-shuffle defence), every item carries a label, and the first items are always the
 * proof's tag, the session id and the prover's id, so a proof replayed in another session or by another
 * party derives a different challenge. Challenges are read from one SHAKE256 stream.
 */
import { shake256 } from '@noble/hashes/sha3.js';
import { ByteWriter } from './wire.js';
import { CURVE_ORDER, type Point } from './curve.js';

const enum ItemType {
  Integer = 0x01,
  Point = 0x02,
  Identity = 0x03,
  Bytes = 0x04,
  String = 0x05,
  List = 0x06,
}

const utf8 = new TextEncoder();

export class Transcript {
  private readonly writer = new ByteWriter();

  /**
   * @param tag protocol/phase/proof name with a version, e.g. `"cggmp21/enc/v1"`
   * @param sessionId the phase's session id
   * @param proverId the id of the party making the proof
   */
  constructor(tag: string, sessionId: Uint8Array | string, proverId: number) {
    this.string('tag', tag);
    this.bytes('sid', typeof sessionId === 'string' ? utf8.encode(sessionId) : sessionId);
    this.integer('prover', BigInt(proverId));
  }

  private label(label: string): void {
    this.writer.lengthPrefixed(utf8.encode(label));
  }

  integer(label: string, x: bigint): this {
    this.label(label);
    this.writer.byte(ItemType.Integer);
    this.writer.signedInteger(x);
    return this;
  }

  integers(label: string, xs: readonly bigint[]): this {
    this.label(label);
    this.writer.byte(ItemType.List);
    this.writer.u32(xs.length);
    for (const x of xs) {
      this.writer.byte(ItemType.Integer);
      this.writer.signedInteger(x);
    }
    return this;
  }

  point(label: string, p: Point): this {
    this.label(label);
    this.writePoint(p);
    return this;
  }

  points(label: string, ps: readonly Point[]): this {
    this.label(label);
    this.writer.byte(ItemType.List);
    this.writer.u32(ps.length);
    for (const p of ps) this.writePoint(p);
    return this;
  }

  bytes(label: string, bytes: Uint8Array): this {
    this.label(label);
    this.writer.byte(ItemType.Bytes);
    this.writer.lengthPrefixed(bytes);
    return this;
  }

  string(label: string, value: string): this {
    this.label(label);
    this.writer.byte(ItemType.String);
    this.writer.lengthPrefixed(utf8.encode(value));
    return this;
  }

  private writePoint(p: Point): void {
    if (p.is0()) {
      this.writer.byte(ItemType.Identity);
      return;
    }
    this.writer.byte(ItemType.Point);
    this.writer.raw(p.toBytes(true));
  }

  /** The encoded transcript so far (for tests of injectivity and for hash commitments). */
  encoded(): Uint8Array {
    return this.writer.finish();
  }

  /** A 32-byte digest of everything absorbed. */
  digest(): Uint8Array {
    return shake256(this.writer.finish(), { dkLen: 32 });
  }

  /** Start reading challenges. Later appends do not affect an existing stream. */
  challenges(): ChallengeStream {
    return new ChallengeStream(this.writer.finish());
  }
}

/** Sequential reader over SHAKE256(transcript): every sample continues the same stream (Taurus d51b737). */
export class ChallengeStream {
  private readonly xof;

  constructor(input: Uint8Array) {
    this.xof = shake256.create({}).update(input);
  }

  read(length: number): Uint8Array {
    return this.xof.xof(length);
  }

  /** Uniform in [0, n) by masked rejection sampling, re-reading from the same stream. */
  below(n: bigint): bigint {
    if (n <= 0n) throw new RangeError(`"n" expected positive, got ${n}`);
    if (n === 1n) return 0n;
    const bits = (n - 1n).toString(2).length;
    const byteLength = Math.ceil(bits / 8);
    const mask = (1n << BigInt(bits)) - 1n;
    for (;;) {
      const candidate = BigInt('0x' + Buffer.from(this.read(byteLength)).toString('hex')) & mask;
      if (candidate < n) return candidate;
    }
  }

  /** Range-proof challenge e ∈ [−E, E]. */
  signed(bound: bigint): bigint {
    return this.below(2n * bound + 1n) - bound;
  }

  /** Schnorr challenge in Z_q. */
  scalar(): bigint {
    return this.below(CURVE_ORDER);
  }

  /** m independent challenge bits (Π^prm). */
  bits(m: number): boolean[] {
    const bytes = this.read(Math.ceil(m / 8));
    const out: boolean[] = [];
    for (let i = 0; i < m; i++) out.push(((bytes[i >> 3]! >> (i & 7)) & 1) === 1);
    return out;
  }
}

