/**
 * Money as integers. Every amount is held as a BigInt count of pico-units (10^-12 of the currency unit):
 * a price per million tokens with up to six decimals is then a whole number of pico-units per token, so
 * `tokens × price` is exact, sums never drift, and a budget is compared without any rounding. Decimal
 * strings are the only form amounts take outside this module.
 */
import { invalid } from '../../server/errors.js';

export const MONEY_DECIMALS = 12;
const SCALE = 10n ** BigInt(MONEY_DECIMALS);
const MONEY = /^(\d{1,15})(?:\.(\d{1,12}))?$/;
// Price per million tokens: six decimals, so one token costs a whole number of pico-units.
const PRICE_DECIMALS = 6;
const PRICE = /^(\d{1,9})(?:\.(\d{1,6}))?$/;
export const CURRENCY = /^[A-Z]{3}$/;

/** `"100.00"` → pico-units. A 400 naming `field` for anything but a plain non-negative decimal. */
export function parseMoney(text: string, field: string): bigint {
  const m = typeof text === 'string' ? MONEY.exec(text) : null;
  if (!m) throw invalid('invalid_amount', `"${field}" expected a decimal string such as "100.00" (at most 12 decimals), got ${JSON.stringify(text)}`);
  return BigInt(m[1]!) * SCALE + BigInt((m[2] ?? '').padEnd(MONEY_DECIMALS, '0'));
}

/** A price per million tokens (`"3.00"`) → pico-units per token. */
export function parsePricePerMillion(text: string, field: string): bigint {
  const m = typeof text === 'string' ? PRICE.exec(text) : null;
  if (!m) throw invalid('invalid_price', `"${field}" expected a price per million tokens such as "3.00" (at most 6 decimals), got ${JSON.stringify(text)}`);
  // price / 10^6 tokens × 10^12 pico = price × 10^6 pico per token.
  return BigInt(m[1]!) * 10n ** BigInt(PRICE_DECIMALS) + BigInt((m[2] ?? '').padEnd(PRICE_DECIMALS, '0'));
}

/** Pico-units → `"12.50"`: every significant digit kept, never fewer than two decimals. */
export function formatMoney(pico: bigint): string {
  const sign = pico < 0n ? '-' : '';
  const abs = pico < 0n ? -pico : pico;
  const whole = abs / SCALE;
  const fraction = (abs % SCALE).toString().padStart(MONEY_DECIMALS, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${sign}${whole}.${fraction}`;
}

export function parseCurrency(text: string, field: string): string {
  if (typeof text !== 'string' || !CURRENCY.test(text)) throw invalid('invalid_currency', `"${field}" expected an ISO 4217 code such as "USD", got ${JSON.stringify(text)}`);
  return text;
}
