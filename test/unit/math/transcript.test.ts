import { describe, expect, it } from 'vitest';
import { Transcript } from '../../../protocols/math/transcript.js';
import { CURVE_ORDER, mulBase } from '../../../protocols/math/curve.js';
import { commit, verifyCommitment } from '../../../protocols/math/commitment.js';

const sid = new Uint8Array([1, 2, 3]);

describe('Fiat–Shamir transcript', () => {
  it('encoding_injective: re-splitting byte items never gives the same encoding', () => {
    const a = new Uint8Array([1, 2, 3, 4]);
    const seen = new Set<string>();
    for (let split = 0; split <= a.length; split++) {
      const t = new Transcript('t', sid, 1).bytes('x', a.subarray(0, split)).bytes('x', a.subarray(split));
      seen.add(Buffer.from(t.encoded()).toString('hex'));
    }
    expect(seen.size).toBe(a.length + 1);
  });

  it('distinguishes types, labels, sessions and provers', () => {
    const base = () => new Transcript('t', sid, 1);
    const digests = [
      base().integer('x', 5n).digest(),
      base().bytes('x', new Uint8Array([5])).digest(),
      base().integer('y', 5n).digest(),
      base().integer('x', -5n).digest(),
      new Transcript('t', new Uint8Array([1, 2, 4]), 1).integer('x', 5n).digest(),
      new Transcript('t', sid, 2).integer('x', 5n).digest(),
      new Transcript('u', sid, 1).integer('x', 5n).digest(),
      base().point('x', mulBase(5n)).digest(),
      base().points('x', [mulBase(5n)]).digest(),
      base().integers('x', [5n]).digest(),
    ].map((d) => Buffer.from(d).toString('hex'));
    expect(new Set(digests).size).toBe(digests.length);
  });

  it('challenge samples from one continuing stream are distinct and in range', () => {
    const stream = new Transcript('t', sid, 1).integer('N', 12345n).challenges();
    const samples = Array.from({ length: 128 }, () => stream.below(CURVE_ORDER));
    expect(new Set(samples).size).toBe(128);
    for (const s of samples) expect(s >= 0n && s < CURVE_ORDER).toBe(true);
    const signed = Array.from({ length: 200 }, () => stream.signed(3n));
    expect(signed.every((e) => e >= -3n && e <= 3n)).toBe(true);
    expect(new Set(signed).size).toBe(7);
    expect(stream.bits(128).length).toBe(128);
  });

  it('the same transcript gives the same challenges', () => {
    const a = new Transcript('t', sid, 1).integer('x', 7n).challenges().scalar();
    const b = new Transcript('t', sid, 1).integer('x', 7n).challenges().scalar();
    expect(a).toBe(b);
  });
});

describe('hash commitments', () => {
  const items = [{ label: 'X', point: mulBase(9n) }, { label: 'n', integer: 3n }];
  it('opens with the right values and rejects others, other parties and other sessions', () => {
    const { commitment, opening } = commit('c', sid, 1, items);
    expect(verifyCommitment('c', sid, 1, items, opening, commitment)).toBe(true);
    expect(verifyCommitment('c', sid, 2, items, opening, commitment)).toBe(false);
    expect(verifyCommitment('c', new Uint8Array([9]), 1, items, opening, commitment)).toBe(false);
    expect(verifyCommitment('c', sid, 1, [items[0]!, { label: 'n', integer: 4n }], opening, commitment)).toBe(false);
    const wrongOpening = Uint8Array.from(opening);
    wrongOpening[0]! ^= 1;
    expect(verifyCommitment('c', sid, 1, items, wrongOpening, commitment)).toBe(false);
  });
});
