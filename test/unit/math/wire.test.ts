import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeWire, encodeWire, type WireValue } from '../../../protocols/math/wire.js';

const wireValue: fc.Arbitrary<WireValue> = fc.letrec<{ value: WireValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.bigInt(),
    fc.uint8Array({ maxLength: 40 }),
    fc.string(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }).map((o) => Object.assign(Object.create(null), o)),
  ),
})).value;

describe('canonical wire encoding', () => {
  it('round-trips arbitrary values and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(wireValue, (v) => {
        const bytes = encodeWire(v);
        expect(encodeWire(decodeWire(bytes))).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('encodes map keys in one order regardless of insertion order', () => {
    expect(encodeWire({ b: 1, a: 2 })).toEqual(encodeWire({ a: 2, b: 1 }));
  });

  it('rejects a non-minimal integer (leading zero byte)', () => {
    expect(() => decodeWire(new Uint8Array([0x04, 0, 0, 0, 0, 2, 0, 5]))).toThrow(/non-minimal/);
  });

  it('rejects "-0"', () => {
    expect(() => decodeWire(new Uint8Array([0x04, 1, 0, 0, 0, 0]))).toThrow(/-0/);
  });

  it('rejects unsorted or duplicate map keys', () => {
    const ab = encodeWire({ a: 1, b: 2 });
    // swap the two single-letter keys in place: "b" first, then "a"
    const swapped = Uint8Array.from(ab);
    const ia = swapped.indexOf(0x61);
    const ib = swapped.indexOf(0x62);
    swapped[ia] = 0x62;
    swapped[ib] = 0x61;
    expect(() => decodeWire(swapped)).toThrow(/canonical/);
    const dup = Uint8Array.from(ab);
    dup[ib] = 0x61;
    expect(() => decodeWire(dup)).toThrow(/canonical/);
  });

  it('rejects trailing bytes, truncation, unknown tags and invalid UTF-8', () => {
    expect(() => decodeWire(new Uint8Array([0x00, 0x00]))).toThrow(/trailing/);
    expect(() => decodeWire(encodeWire(new Uint8Array(10)).subarray(0, 8))).toThrow(/exceeds|end of input/);
    expect(() => decodeWire(new Uint8Array([0x7f]))).toThrow(/unknown wire tag/);
    expect(() => decodeWire(new Uint8Array([0x06, 0, 0, 0, 1, 0xff]))).toThrow(/UTF-8/);
  });

  it('rejects a list count larger than the bytes that follow (allocation guard)', () => {
    expect(() => decodeWire(new Uint8Array([0x07, 0xff, 0xff, 0xff, 0xff]))).toThrow(/cannot fit/);
  });

  it('refuses to encode non-integer numbers and undefined', () => {
    expect(() => encodeWire(1.5)).toThrow(TypeError);
    expect(() => encodeWire({ a: undefined } as never)).toThrow(TypeError);
  });
});
