/**
 * Typed reading of received payloads. Every accessor validates shape and size and throws `MalformedError`
 * naming the field, which the engine turns into blame on the sender.
 */
import { MalformedError } from '../errors.js';
import { pointFromBytes, scalarFromBytes, type Point } from '../math/curve.js';
import type { WireValue } from '../math/wire.js';

type WireMap = { [key: string]: WireValue };

export class PayloadReader {
  private readonly map: WireMap;

  constructor(payload: WireValue, private readonly context: string) {
    if (typeof payload !== 'object' || payload === null || payload instanceof Uint8Array || Array.isArray(payload)) {
      throw new MalformedError(`${context}: payload expected a map`);
    }
    this.map = payload;
  }

  private fail(field: string, expectation: string): never {
    throw new MalformedError(`${this.context}: "${field}" expected ${expectation}`);
  }

  has(field: string): boolean {
    return field in this.map;
  }

  raw(field: string): WireValue {
    if (!(field in this.map)) this.fail(field, 'to be present');
    return this.map[field]!;
  }

  bytes(field: string, length?: number): Uint8Array {
    const v = this.raw(field);
    if (!(v instanceof Uint8Array)) this.fail(field, 'bytes');
    if (length !== undefined && v.length !== length) this.fail(field, `${length} bytes, got ${v.length}`);
    return v;
  }

  string(field: string, maxLength = 1024): string {
    const v = this.raw(field);
    if (typeof v !== 'string' || v.length > maxLength) this.fail(field, `a string of at most ${maxLength} characters`);
    return v;
  }

  integer(field: string): number {
    const v = this.raw(field);
    if (typeof v !== 'number') this.fail(field, 'an integer');
    return v;
  }

  /** A signed integer whose magnitude has at most `maxBits` bits (the DoS cap on every big integer). */
  bigint(field: string, maxBits: number): bigint {
    return checkBigint(this.raw(field), maxBits, () => this.fail(field, `an integer of at most ${maxBits} bits`));
  }

  bigints(field: string, maxBits: number, count?: number): bigint[] {
    const list = this.list(field, count);
    return list.map((v, i) => checkBigint(v, maxBits, () => this.fail(`${field}[${i}]`, `an integer of at most ${maxBits} bits`)));
  }

  scalar(field: string): bigint {
    try {
      return scalarFromBytes(this.bytes(field, 32));
    } catch (e) {
      this.fail(field, `a canonical scalar (${(e as Error).message})`);
    }
  }

  point(field: string): Point {
    try {
      return pointFromBytes(this.bytes(field, 33));
    } catch (e) {
      this.fail(field, `a valid non-identity point (${(e as Error).message})`);
    }
  }

  points(field: string, count?: number): Point[] {
    return this.list(field, count).map((v, i) => {
      if (!(v instanceof Uint8Array)) this.fail(`${field}[${i}]`, 'bytes');
      try {
        return pointFromBytes(v);
      } catch (e) {
        this.fail(`${field}[${i}]`, `a valid non-identity point (${(e as Error).message})`);
      }
    });
  }

  list(field: string, count?: number): WireValue[] {
    const v = this.raw(field);
    if (!Array.isArray(v)) this.fail(field, 'a list');
    if (count !== undefined && v.length !== count) this.fail(field, `${count} items, got ${v.length}`);
    return v;
  }

  nested(field: string): PayloadReader {
    return new PayloadReader(this.raw(field), `${this.context}.${field}`);
  }
}

function checkBigint(v: WireValue, maxBits: number, fail: () => never): bigint {
  if (typeof v !== 'bigint') fail();
  const magnitude = v < 0n ? -v : v;
  if (magnitude.toString(2).length > maxBits) fail();
  return v;
}
