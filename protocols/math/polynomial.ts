/**
 * Polynomials over Z_q, Lagrange coefficients and Shamir sharing. Evaluation points are party ids
 * (1-based integers), which are distinct and non-zero mod q by construction of the party list.
 */
import { CURVE_ORDER, modQ, invertScalar, randomScalar, mulBase, type Point } from './curve.js';
import { systemRng, type Rng } from './random.js';

/** Coefficients a_0..a_{t-1} of a degree-(t-1) polynomial, constant term first. */
export type Polynomial = readonly bigint[];

export function randomPolynomial(degreePlusOne: number, constant: bigint | undefined, rng: Rng = systemRng): Polynomial {
  if (!Number.isInteger(degreePlusOne) || degreePlusOne < 1) {
    throw new RangeError(`"coefficient count" expected integer ≥ 1, got ${degreePlusOne}`);
  }
  const coefficients: bigint[] = [];
  coefficients.push(constant === undefined ? randomScalar(rng) : modQ(constant));
  for (let k = 1; k < degreePlusOne; k++) coefficients.push(randomScalar(rng));
  return coefficients;
}

/** Horner evaluation mod q. */
export function evaluatePolynomial(polynomial: Polynomial, x: bigint): bigint {
  let acc = 0n;
  for (let k = polynomial.length - 1; k >= 0; k--) acc = (acc * x + polynomial[k]!) % CURVE_ORDER;
  return modQ(acc);
}

/** Feldman commitments a_k·G. */
export function commitPolynomial(polynomial: Polynomial): Point[] {
  return polynomial.map((a) => mulBase(a));
}

/** λ_j for interpolation at 0 over the evaluation points `ids` (all distinct, non-zero). */
export function lagrangeCoefficient(ids: readonly number[], j: number): bigint {
  return lagrangeCoefficientAt(ids, j, 0n);
}

/** λ_j(x) = Π_{m≠j} (x − m)/(j − m): the weight of f(j) in f(x) for a polynomial of degree |ids|−1. */
export function lagrangeCoefficientAt(ids: readonly number[], j: number, x: bigint): bigint {
  assertDistinctIds(ids);
  if (!ids.includes(j)) throw new RangeError(`party ${j} is not in the set [${ids.join(', ')}]`);
  let numerator = 1n;
  let denominator = 1n;
  const xj = BigInt(j);
  for (const m of ids) {
    if (m === j) continue;
    const xm = BigInt(m);
    numerator = (numerator * modQ(x - xm)) % CURVE_ORDER;
    denominator = (denominator * modQ(xj - xm)) % CURVE_ORDER;
  }
  return modQ(numerator * invertScalar(denominator));
}

/** Ids must be distinct positive integers: the evaluation point 0 would reveal the secret. */
export function assertDistinctIds(ids: readonly number[]): void {
  const seen = new Set<number>();
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 1) throw new RangeError(`party id expected positive integer, got ${id}`);
    if (seen.has(id)) throw new RangeError(`party id ${id} appears twice`);
    seen.add(id);
  }
}
