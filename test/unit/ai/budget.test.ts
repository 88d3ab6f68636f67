/** Budget windows: reservations that can never add up past the maximum, settlement, and window changes. */
import { describe, expect, it } from 'vitest';
import { BudgetWindow } from '../../../api/engines/ai/budget.js';
import { parseMoney } from '../../../api/engines/ai/money.js';

const DAY = 86_400_000;
const usd = (s: string) => parseMoney(s, 'x');

describe('BudgetWindow', () => {
  it('reserves while the sum of spent and reserved stays within the maximum, and refuses the one that would pass it', () => {
    const b = new BudgetWindow(usd('1.00'), DAY, undefined);
    const now = 3 * DAY + 5;
    expect(b.tryReserve(usd('0.40'), now)).toBe(true);
    expect(b.tryReserve(usd('0.40'), now)).toBe(true);
    expect(b.tryReserve(usd('0.200000000001'), now)).toBe(false);
    expect(b.tryReserve(usd('0.20'), now)).toBe(true);
    expect(b.snapshot(now)).toMatchObject({ spent: 0n, reserved: usd('1.00'), remaining: 0n });
  });

  it('frees the difference when the real cost is below the reservation, and releases fully on failure', () => {
    const b = new BudgetWindow(usd('1.00'), DAY, undefined);
    const now = DAY;
    b.tryReserve(usd('0.60'), now);
    b.tryReserve(usd('0.40'), now);
    b.settle(usd('0.60'), usd('0.15'), now);
    b.release(usd('0.40'));
    expect(b.snapshot(now)).toMatchObject({ spent: usd('0.15'), reserved: 0n, remaining: usd('0.85') });
    expect(b.persisted()).toEqual({ windowStart: DAY, spent: usd('0.15') });
  });

  it('starts a new window at the next period boundary (UTC day for "1d")', () => {
    const b = new BudgetWindow(usd('1.00'), DAY, { windowStart: 10 * DAY, spent: usd('1.00') });
    expect(b.tryReserve(1n, 10 * DAY + DAY - 1)).toBe(false);
    expect(b.tryReserve(1n, 11 * DAY)).toBe(true);
    expect(b.snapshot(11 * DAY)).toMatchObject({ windowStart: 11 * DAY, windowEnd: 12 * DAY, spent: 0n, reserved: 1n });
  });

  it('keeps an in-flight reservation across a window change and charges its cost to the new window', () => {
    const b = new BudgetWindow(usd('1.00'), DAY, undefined);
    b.tryReserve(usd('0.90'), DAY - 1);
    expect(b.tryReserve(usd('0.20'), DAY)).toBe(false); // still reserved in the new day
    b.settle(usd('0.90'), usd('0.50'), DAY + 10);
    expect(b.snapshot(DAY + 10)).toMatchObject({ windowStart: DAY, spent: usd('0.50'), reserved: 0n });
  });
});
