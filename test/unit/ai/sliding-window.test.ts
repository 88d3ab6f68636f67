/** The rate-limit window: never more than the limit in any window of one period, and memory that does not grow. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../../api/engines/ai/sliding-window.js';

const HOUR = 3_600_000;

describe('SlidingWindow', () => {
  it('counts events of the last period and forgets them once a full period has passed', () => {
    const w = new SlidingWindow(HOUR);
    const t0 = 10 * HOUR + 123;
    for (let i = 0; i < 1000; i++) w.add(t0 + i);
    expect(w.total(t0 + 1000)).toBe(1000);
    expect(w.total(t0 + HOUR - 1)).toBe(1000);
    // Slots are forgotten whole: by one slot (a minute) past the period everything is gone.
    expect(w.total(t0 + HOUR + HOUR / 60)).toBe(0);
  });

  it('says how long until room frees up, at most one period and one slot', () => {
    const w = new SlidingWindow(HOUR);
    const t0 = 5 * HOUR;
    w.add(t0);
    const wait = w.msUntilRelease(t0 + 1000);
    expect(wait).toBeGreaterThan(HOUR - 1000 - 1);
    expect(wait).toBeLessThanOrEqual(HOUR + HOUR / 60);
    expect(w.total(t0 + 1000 + wait)).toBe(0);
    expect(new SlidingWindow(HOUR).msUntilRelease(t0)).toBe(0);
  });

  it('takes back an event that was admitted and then not performed', () => {
    const w = new SlidingWindow(60_000);
    w.add(1000);
    w.add(1000);
    w.remove(1000);
    expect(w.total(2000)).toBe(1);
  });

  it('never admits more than the limit in any window of one period (random arrival times)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 * 60_000 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (offsets, limit) => {
        const period = 60_000;
        const w = new SlidingWindow(period);
        const admitted: number[] = [];
        for (const t of [...offsets].sort((a, b) => a - b)) {
          if (w.total(t) >= limit) continue;
          w.add(t);
          admitted.push(t);
        }
        // Every window (t - period, t] ending at an admitted event holds at most `limit` admitted events.
        for (const end of admitted) expect(admitted.filter((t) => t > end - period && t <= end).length).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a period that is not a positive integer', () => {
    expect(() => new SlidingWindow(0)).toThrow(RangeError);
    expect(() => new SlidingWindow(1.5)).toThrow(/"periodMs" expected integer >= 1, got 1.5/);
  });
});
