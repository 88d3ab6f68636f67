/**
 * What the Paillier proofs (Π^enc, Π^aff-g, Π^log*, Π^mul, Π^mul*, Π^dec, and Π^fac for the ring-Pedersen part) share:
 * keys that take the CRT path when the caller owns the secret, the ring-Pedersen absorption, the equations and
 * membership checks their verifiers repeat (named as in the figures: enc(z; w) = A ⊕ (e ⊙ C), com(z, z′) ≡ A·S^e,
 * CT(N), U(N)), and the decoding of a payload under per-field size caps.
 */
import { MalformedError } from '../errors.js';
import { isInZStar, mod } from '../math/bigint.js';
import type { Point } from '../math/curve.js';
import { modPow } from '../math/modpow.js';
import { PaillierPublicKey, PaillierSecretKey } from '../math/paillier.js';
import { RingPedersenParams, RingPedersenSecret } from '../math/ring-pedersen.js';
import type { Transcript } from '../math/transcript.js';
import type { WireValue } from '../math/wire.js';
import { PayloadReader } from '../round/payload.js';
import type { Cggmp21Params } from '../cggmp21/params.js';
import { invalid, proofTranscript, type ProofContext, type Verdict } from './proof.js';

/** A Paillier key as a proof sees it: pass the secret key when you own it and the exponentiations go through CRT. */
export type PaillierKey = PaillierPublicKey | PaillierSecretKey;
/** Ring-Pedersen parameters; the verifier passes its own secret so its checks use CRT with reduced exponents. */
export type RingPedersenKey = RingPedersenParams | RingPedersenSecret;

export function paillierPublic(key: PaillierKey): PaillierPublicKey {
  return key instanceof PaillierSecretKey ? key.publicKey : key;
}

/** base^e mod N² (e signed). */
export function powN2(key: PaillierKey, base: bigint, e: bigint): bigint {
  return key instanceof PaillierSecretKey ? key.expModN2(base, e) : modPow(base, e, key.N2);
}

/** base^e mod N (e signed): the w = r·ρ^e responses. */
export function powN(key: PaillierKey, base: bigint, e: bigint): bigint {
  return key instanceof PaillierSecretKey ? key.expModN(base, e) : modPow(base, e, key.N);
}

/** enc(m; r) = (1 + mN)·r^N mod N², with the CRT nonce power for an owned key. */
export function encryptUnder(key: PaillierKey, m: bigint, r: bigint): bigint {
  return key.encrypt(m, r);
}

/**
 * enc(m; r) for ANY integer m, through (1 + (m mod N)·N). Π^mul's z and Π^dec's z1 are not range-checked and may be
 * wider than N/2, where `encrypt` (centred plaintexts only) refuses them.
 */
export function encryptAny(key: PaillierKey, m: bigint, r: bigint): bigint {
  const { N, N2 } = paillierPublic(key);
  return mod((1n + mod(m, N) * N) * powN2(key, r, N), N2);
}

/** Checks `enc(z; w) = A ⊕ (e ⊙ C)` (mod N²). z is taken as any integer: range checks are the caller's, as in its figure. */
export function encEquation(key: PaillierKey, z: bigint, w: bigint, A: bigint, C: bigint, e: bigint): boolean {
  return encryptAny(key, z, w) === mod(A * powN2(key, C, e), paillierPublic(key).N2);
}

/** Checks `(z ⊙ C)·w^N ≡ A ⊕ (e ⊙ D)` (mod N²), the product equation of Π^mul and Π^mul*. */
export function productEquation(key: PaillierKey, z: bigint, C: bigint, w: bigint, A: bigint, D: bigint, e: bigint): boolean {
  const { N, N2 } = paillierPublic(key);
  return mod(powN2(key, C, z) * powN2(key, w, N), N2) === mod(A * powN2(key, D, e), N2);
}

export function ringParams(key: RingPedersenKey): RingPedersenParams {
  return key instanceof RingPedersenSecret ? key.params : key;
}

/** base^e mod N̂ (e signed), CRT when the parameters are ours. */
export function ringPow(key: RingPedersenKey, base: bigint, e: bigint): bigint {
  return key instanceof RingPedersenSecret ? key.key.expModN(base, e) : modPow(base, e, key.N);
}

/** The verifier's (N̂, s, t): every range proof absorbs them first, so a proof made for one verifier fails at another. */
export function absorbRingPedersen(t: Transcript, key: RingPedersenKey): Transcript {
  const { N, s, t: tt } = ringParams(key);
  return t.integer('Nhat', N).integer('s', s).integer('t', tt);
}

/**
 * The challenge e ∈ ±E of a range proof, FS(ctx, R, items…): the verifier's ring-Pedersen parameters R first, then
 * the named items in the order given (integers, or points), as the figure lists them.
 */
export function rangeChallenge(proofName: string, ctx: ProofContext, verifier: RingPedersenKey, items: Record<string, bigint | Point>, params: Cggmp21Params): bigint {
  const t = absorbRingPedersen(proofTranscript(proofName, ctx), verifier);
  for (const [label, value] of Object.entries(items)) {
    if (typeof value === 'bigint') t.integer(label, value);
    else t.point(label, value);
  }
  return t.challenges().signed(params.challengeBound);
}

/** Checks `com(x, y) ≡ first·second^e (mod N̂)`, the ring-Pedersen equation of every range proof. */
export function ringEquation(key: RingPedersenKey, x: bigint, y: bigint, first: bigint, second: bigint, e: bigint): boolean {
  const N = ringParams(key).N;
  return key.commit(x, y) === mod(first * ringPow(key, second, e), N);
}

/** `CT(N): …` of a figure: the first named value that is not a ciphertext under `key`, as a failed verdict. */
export function checkCT(key: PaillierPublicKey, values: Record<string, bigint>, whose = 'of the prover'): Verdict | undefined {
  for (const [name, c] of Object.entries(values)) if (!key.isCiphertext(c)) return invalid(`${name} is not a ciphertext ${whose}`);
  return undefined;
}

/** `U(N): …` of a figure: the first named value outside Z*_N (N printed as `modulusName`), as a failed verdict. */
export function checkU(N: bigint, modulusName: string, values: Record<string, bigint>): Verdict | undefined {
  for (const [name, v] of Object.entries(values)) if (!isInZStar(v, N)) return invalid(`${name} is not a unit mod ${modulusName}`);
  return undefined;
}

/**
 * Honest sizes of the fields, plus slack: the DoS cap applied before any arithmetic (guide §1.3). The z1/z2 range
 * fields get two bits of slack so that out-of-range values reach (and fail) the exact range check.
 */
export function rangeProofCaps(params: Cggmp21Params) {
  const nBits = params.paillierBits;
  const eBits = params.challengeBound.toString(2).length;
  return {
    /** Elements of Z_N and Z_N̂ (N̂ = N, same size). */
    modN: nBits,
    /** Elements of Z_{N²}. */
    modN2: 2 * nBits,
    /** z1 ∈ ±2^{ℓ+ε}. */
    plain: params.ell + params.epsilon + 2,
    /** z2 ∈ ±2^{ℓ′+ε} (Π^aff-g). */
    mask: params.ellPrime + params.epsilon + 2,
    /** γ + e·μ with γ ∈ ±2^{ℓ+ε}N̂ and μ ∈ ±2^ℓ N̂: every commitment-randomness response (z3, z4). */
    commitment: Math.max(params.ell + params.epsilon, eBits + params.ell) + nBits + 2,
  };
}

/** How a proof field is read: a signed integer of at most that many bits, a curve point, or a canonical scalar. */
export type FieldCap = number | 'point' | 'scalar';

type Decoded<Caps extends Record<string, FieldCap>> = { [K in keyof Caps]: Caps[K] extends 'point' ? Point : bigint };

/**
 * Reads a proof payload with exactly the fields of `caps`, each under its cap (callers pass a reader already at the
 * proof, or the raw value, whose key set is then checked too): MalformedError on a missing, extra or oversized field.
 */
export function decodeFields<const Caps extends Record<string, FieldCap>>(input: PayloadReader | WireValue, name: string, caps: Caps): Decoded<Caps> {
  const reader = input instanceof PayloadReader ? input : new PayloadReader(input, name);
  const fields = Object.keys(caps);
  if (!(input instanceof PayloadReader)) {
    const extra = Object.keys(input as object).filter((k) => !fields.includes(k));
    if (extra.length) throw new MalformedError(`${name}: unexpected field "${extra[0]}"`);
  }
  for (const field of fields) reader.raw(field);
  const out: Record<string, bigint | Point> = {};
  for (const [field, cap] of Object.entries(caps)) {
    out[field] = cap === 'point' ? reader.point(field) : cap === 'scalar' ? reader.scalar(field) : reader.bigint(field, cap);
  }
  return out as Decoded<Caps>;
}
