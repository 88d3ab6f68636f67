/**
 * On-chain amounts: integers of the chain's base unit (wei, token base units, satoshi), carried as bigints
 * and decimal strings, never floats: 2^53 is about 0.009 ETH in wei, so a float would silently round.
 */
import { InvalidInputError } from '../../server/errors.js';

export const MAX_UINT256 = (1n << 256n) - 1n;

const DECIMAL_INTEGER = /^(0|[1-9]\d{0,77})$/;
const HEX_INTEGER = /^0x[0-9a-fA-F]{1,64}$/;

/**
 * A non-negative integer from JSON: a decimal string (`"1500000"`), a 0x-hex string (`"0x16e360"`, as EVM
 * tooling prints them) or a safe integer number. `max` bounds it (default 2^256 - 1, the EVM word).
 */
export function parseUnits(value: unknown, field: string, max: bigint = MAX_UINT256): bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidInputError(`"${field}" expected a non-negative integer (send large amounts as a decimal string), got ${value}`);
    }
    n = BigInt(value);
  } else if (typeof value === 'string' && (DECIMAL_INTEGER.test(value) || HEX_INTEGER.test(value))) n = BigInt(value);
  else throw new InvalidInputError(`"${field}" expected a non-negative integer in base units, as a decimal string such as "1500000", got ${JSON.stringify(value)}`);
  if (n < 0n || n > max) throw new InvalidInputError(`"${field}" expected 0..${max}, got ${n}`);
  return n;
}

/** `amount` base units as a decimal of whole currency units: (1500000n, 6) → "1.5". */
export function formatUnits(amount: bigint, decimals: number): string {
  if (amount < 0n) throw new RangeError(`"amount" expected non-negative, got ${amount}`);
  const digits = amount.toString().padStart(decimals + 1, '0');
  const int = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}
