/** Feldman verifiable secret sharing over secp256k1: shares f(j) checked against a_k·G. */
import { mulBase, mulPublic, sumPoints, type Point } from './curve.js';
import { evaluatePolynomial, type Polynomial } from './polynomial.js';

export interface Dealing {
  /** a_k·G for k < t: the public commitment every receiver checks against. */
  commitments: Point[];
  /** f(j) for every receiver id j. */
  shares: Map<number, bigint>;
}

export function deal(polynomial: Polynomial, receivers: readonly number[]): Dealing {
  const commitments = polynomial.map((a) => mulBase(a));
  const shares = new Map<number, bigint>();
  for (const j of receivers) shares.set(j, evaluatePolynomial(polynomial, BigInt(j)));
  return { commitments, shares };
}

/** Σ_k j^k·C_k: the public image of f(j). Also the public share of party j in a summed dealing. */
export function evaluateCommitments(commitments: readonly Point[], j: number): Point {
  const x = BigInt(j);
  let power = 1n;
  const terms: Point[] = [];
  for (const c of commitments) {
    terms.push(mulPublic(c, power));
    power *= x;
  }
  return sumPoints(terms);
}

/** Feldman check: share·G = Σ_k j^k·C_k. */
export function verifyShare(commitments: readonly Point[], receiver: number, share: bigint): boolean {
  return mulBase(share).equals(evaluateCommitments(commitments, receiver));
}
