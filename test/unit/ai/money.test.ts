/** Money in integer pico-units: exact parsing, formatting, and sums that a float would get wrong. */
import { describe, expect, it } from 'vitest';
import { formatMoney, parseCurrency, parseMoney, parsePricePerMillion } from '../../../api/engines/ai/money.js';

describe('parseMoney / formatMoney', () => {
  it('round-trips decimal strings, keeping every significant digit and at least two decimals', () => {
    const cases: [string, string][] = [['100.00', '100.00'], ['100', '100.00'], ['0.1', '0.10'], ['12.5', '12.50'], ['0.000000000001', '0.000000000001'], ['007.250', '7.25'], ['999999999999999.999999999999', '999999999999999.999999999999']];
    for (const [input, output] of cases) expect(formatMoney(parseMoney(input, 'x'))).toBe(output);
  });

  it('adds ten dimes to exactly one dollar and 0.1 + 0.2 to exactly 0.30 (floats give 0.30000000000000004)', () => {
    let sum = 0n;
    for (let i = 0; i < 10; i++) sum += parseMoney('0.10', 'x');
    expect(formatMoney(sum)).toBe('1.00');
    expect(formatMoney(parseMoney('0.1', 'a') + parseMoney('0.2', 'b'))).toBe('0.30');
    expect(0.1 + 0.2).not.toBe(0.3);
  });

  it('refuses numbers, negatives, exponents, too many decimals and junk, naming the field', () => {
    for (const bad of ['-1.00', '1e3', '1.0000000000001', '', '.5', '5.', '1,00', ' 1.00', 'NaN']) {
      expect(() => parseMoney(bad, 'budget.maxSpend')).toThrow(/"budget.maxSpend" expected a decimal string/);
    }
    expect(() => parseMoney(100 as unknown as string, 'budget.maxSpend')).toThrow(/got 100/);
  });

  it('formats negative amounts with a sign (never produced by settlement, but never garbled either)', () => {
    expect(formatMoney(-parseMoney('1.5', 'x'))).toBe('-1.50');
  });
});

describe('parsePricePerMillion', () => {
  it('turns a price per million tokens into whole pico-units per token', () => {
    expect(parsePricePerMillion('3.00', 'p')).toBe(3_000_000n);
    expect(parsePricePerMillion('15', 'p')).toBe(15_000_000n);
    expect(parsePricePerMillion('0.02', 'p')).toBe(20_000n);
    expect(parsePricePerMillion('0.000001', 'p')).toBe(1n);
    // one million tokens at $3.00/M costs exactly $3.00
    expect(formatMoney(1_000_000n * parsePricePerMillion('3.00', 'p'))).toBe('3.00');
  });

  it('refuses a price with more than six decimals, which would not be a whole pico-unit per token', () => {
    expect(() => parsePricePerMillion('0.0000001', 'prices[0].input')).toThrow(/"prices\[0\].input" expected a price per million tokens/);
  });
});

describe('parseCurrency', () => {
  it('accepts ISO 4217 codes and refuses anything else', () => {
    expect(parseCurrency('USD', 'c')).toBe('USD');
    for (const bad of ['usd', 'US', 'USDT', '$']) expect(() => parseCurrency(bad, 'budget.currency')).toThrow(/"budget.currency" expected an ISO 4217 code/);
  });
});
