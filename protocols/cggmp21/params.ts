/**
 * Every CGGMP21 security parameter, in one place, with where it comes from.
 * Sources: [P] Canetti–Gennaro–Goldfeder–Makriyannis–Peled, ePrint 2021/060 (pre-2024-10 revisions), Table 2;
 * [L] LFDT-Lockness cggmp21 spec (§Security Guidelines, security_level.rs); [T] taurusgroup/multi-party-sig params.go.
 */
import { CURVE_ORDER } from '../math/curve.js';

export interface Cggmp21Params {
  readonly name: 'paillier-2048' | 'paillier-3072';
  /** Bits of the Paillier modulus N (also the ring-Pedersen modulus N̂, one per party as in [L]/[T]). */
  readonly paillierBits: number;
  /** ℓ: bound on secret plaintexts, ≥ log q. */
  readonly ell: number;
  /** ℓ′: bound on the MtA masks β. */
  readonly ellPrime: number;
  /** ε: slack of the range proofs. */
  readonly epsilon: number;
  /** m: iterations of Π^mod and Π^prm. 128 rather than the paper's 80: grinding a forged proof offline must cost 2^128 (TSSHOCK c-guess; [L] uses 128). */
  readonly iterations: number;
  /** E: range-proof challenges are drawn from ±E. Tied to the set: ε must mask e·k. */
  readonly challengeBound: bigint;
  /** s: statistical security of the range proofs, used by the start-up assertions. */
  readonly statistical: number;
}

/** Set A, the default: N of 2048 bits (two 1024-bit safe primes), ℓ = 256, ℓ′ = 5ℓ, ε = 2ℓ, E = q ([P] Table 2; [T]). ≈112-bit factoring security. */
export const PARAMS_2048: Cggmp21Params = Object.freeze({
  name: 'paillier-2048',
  paillierBits: 2048,
  ell: 256,
  ellPrime: 1280,
  epsilon: 512,
  iterations: 128,
  challengeBound: CURVE_ORDER,
  statistical: 80,
});

/** Set B: N of 3072 bits = 8κ with κ = 384, ℓ′ = 848, ε = 230, E = 2^128 ([L] SecurityLevel128). ≈128-bit factoring security. */
export const PARAMS_3072: Cggmp21Params = Object.freeze({
  name: 'paillier-3072',
  paillierBits: 3072,
  ell: 256,
  ellPrime: 848,
  epsilon: 230,
  iterations: 128,
  challengeBound: 1n << 128n,
  statistical: 80,
});

export const PARAMETER_SETS = { 'paillier-2048': PARAMS_2048, 'paillier-3072': PARAMS_3072 } as const;

function log2Ceil(x: bigint): number {
  return (x - 1n).toString(2).length;
}

/** The inequalities that make the proofs sound and zero-knowledge ([L] §Security Guidelines; [P] §C.5). Throws on a bad set. */
export function assertParams(p: Cggmp21Params): void {
  const checks: [boolean, string][] = [
    [p.ell >= 256, 'ℓ ≥ 256 (ℓ bounds secrets mod q)'],
    [p.epsilon >= log2Ceil(p.challengeBound) + p.statistical + 2, 'ε ≥ log2 E + s + 2 (responses hide e·secret)'],
    [p.ellPrime >= 2 * p.ell + p.epsilon + p.statistical, 'ℓ′ ≥ 2ℓ + ε + s (β hides γ·k)'],
    [p.paillierBits >= 4 * p.ell + 2 * p.epsilon, 'bits(N) ≥ 4ℓ + 2ε (Π^fac excludes factors < 2^ℓ)'],
    [p.paillierBits >= Math.max(2 * (p.ell + p.epsilon), p.ellPrime + p.epsilon) + 3, 'bits(N) ≥ max(2(ℓ+ε), ℓ′+ε) + 3 (no MtA wrap-around, Alpha-Rays)'],
    [p.iterations >= 128, 'm ≥ 128 (c-guess)'],
  ];
  const failed = checks.filter(([ok]) => !ok).map(([, what]) => what);
  if (failed.length) throw new RangeError(`CGGMP21 parameter set ${p.name} violates: ${failed.join('; ')}`);
}

assertParams(PARAMS_2048);
assertParams(PARAMS_3072);
