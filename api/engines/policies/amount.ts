/**
 * Amounts compared exactly as non-negative decimals: token amounts (wei, satoshi) exceed 2^53, so a
 * float comparison would let `maxAmount` be overrun by rounding.
 */
import { InvalidInputError } from '../../server/errors.js';

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export function parseAmount(value: number | string, field: string): string {
  // Numbers beyond what JSON can carry exactly print in exponent form and are refused below: send a string.
  const m = DECIMAL.exec(typeof value === 'number' ? String(value) : value);
  if (!m) throw new InvalidInputError(`"${field}" expected a non-negative decimal such as 1000000 or "12.50", got ${JSON.stringify(value)}`);
  const int = m[1]!.replace(/^0+(?=\d)/, '');
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}

/** -1, 0 or 1 for two amounts already normalised by `parseAmount`. */
export function compareAmounts(a: string, b: string): number {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  if (ai!.length !== bi!.length) return ai!.length < bi!.length ? -1 : 1;
  if (ai !== bi) return ai! < bi! ? -1 : 1;
  const width = Math.max(af.length, bf.length);
  const fa = af.padEnd(width, '0');
  const fb = bf.padEnd(width, '0');
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}
