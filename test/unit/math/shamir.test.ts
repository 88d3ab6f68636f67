import { describe, expect, it } from 'vitest';
import { CURVE_ORDER, G, IDENTITY, modQ, mulBase, pointFromBytes, pointToBytes, scalarFromBytes, scalarToBytes, sumPoints } from '../../../protocols/math/curve.js';
import { evaluatePolynomial, lagrangeCoefficient, randomPolynomial } from '../../../protocols/math/polynomial.js';
import { deal, evaluateCommitments, verifyShare } from '../../../protocols/math/vss.js';

function subsets<T>(items: T[], size: number): T[][] {
  if (size === 0) return [[]];
  if (items.length < size) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, size - 1).map((s) => [first!, ...s]), ...subsets(rest, size)];
}

describe('curve adapter', () => {
  it('round-trips points and scalars and rejects bad encodings', () => {
    const p = mulBase(123n);
    expect(pointFromBytes(pointToBytes(p)).equals(p)).toBe(true);
    expect(scalarFromBytes(scalarToBytes(77n))).toBe(77n);
    const offCurve = pointToBytes(p);
    offCurve[32]! ^= 1;
    expect(() => pointFromBytes(offCurve)).toThrow();
    expect(() => pointFromBytes(new Uint8Array(33))).toThrow();
    expect(() => pointToBytes(IDENTITY)).toThrow(RangeError);
    const q = Uint8Array.from(Buffer.from(CURVE_ORDER.toString(16), 'hex'));
    expect(() => scalarFromBytes(q)).toThrow(/not canonical/);
    expect(() => pointFromBytes(new Uint8Array(32))).toThrow(/33 bytes/);
  });
});

describe('Shamir sharing and Lagrange interpolation', () => {
  it('every t-subset of 5 parties interpolates the secret, t-1 do not', () => {
    const secret = 0xc0ffeen;
    const t = 3;
    const f = randomPolynomial(t, secret);
    const ids = [1, 2, 3, 4, 5];
    const shares = new Map(ids.map((i) => [i, evaluatePolynomial(f, BigInt(i))]));
    let checked = 0;
    for (const quorum of subsets(ids, t)) {
      const value = quorum.reduce((acc, j) => modQ(acc + lagrangeCoefficient(quorum, j) * shares.get(j)!), 0n);
      expect(value).toBe(secret);
      checked++;
    }
    expect(checked).toBe(10);
    const tooFew = [1, 2];
    expect(tooFew.reduce((acc, j) => modQ(acc + lagrangeCoefficient(tooFew, j) * shares.get(j)!), 0n)).not.toBe(secret);
  });

  it('rejects duplicate, zero and absent ids', () => {
    expect(() => lagrangeCoefficient([1, 1, 2], 1)).toThrow(/twice/);
    expect(() => lagrangeCoefficient([0, 1], 1)).toThrow(/positive/);
    expect(() => lagrangeCoefficient([1, 2], 3)).toThrow(/not in the set/);
  });
});

describe('Feldman VSS', () => {
  it('accepts consistent shares and rejects a share off by one', () => {
    const f = randomPolynomial(3, undefined);
    const dealing = deal(f, [1, 2, 3, 4]);
    for (const [j, s] of dealing.shares) expect(verifyShare(dealing.commitments, j, s)).toBe(true);
    expect(verifyShare(dealing.commitments, 2, modQ(dealing.shares.get(2)! + 1n))).toBe(false);
    expect(evaluateCommitments(dealing.commitments, 0 + 1).equals(mulBase(dealing.shares.get(1)!))).toBe(true);
    expect(sumPoints([G, G]).equals(mulBase(2n))).toBe(true);
  });
});
