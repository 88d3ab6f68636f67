/**
 * Π^enc: the plaintext of a Paillier ciphertext K lies in I_ℓ = ±2^ℓ ([P] Fig. 14; guide §3.5).
 * Made once per verifier j against j's own ring-Pedersen parameters, so only j is convinced.
 *
 * This file also holds what the three Paillier range proofs of presigning (Π^enc, Π^aff-g, Π^log*) share: keys that
 * take the CRT path when the caller owns the secret, the ring-Pedersen absorption, and the per-field size caps.
 */
import { MalformedError } from '../errors.js';
import { inRange, isInZStar, mod, randomZStar } from '../math/bigint.js';
import { modPow } from '../math/modpow.js';
import { PaillierPublicKey, PaillierSecretKey } from '../math/paillier.js';
import { randomSigned, type Rng } from '../math/random.js';
import { RingPedersenParams, RingPedersenSecret } from '../math/ring-pedersen.js';
import type { Transcript } from '../math/transcript.js';
import type { WireValue } from '../math/wire.js';
import { PayloadReader } from '../round/payload.js';
import type { Cggmp21Params } from '../cggmp21/params.js';
import { invalid, proofTranscript, VALID, type ProofContext, type Verdict } from './proof.js';

// ---------------------------------------------------------------------------------------------------------------
// Shared by the Paillier range proofs.

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

/** Checks `com(x, y) ≡ first·second^e (mod N̂)`, the ring-Pedersen equation of every range proof. */
export function ringEquation(key: RingPedersenKey, x: bigint, y: bigint, first: bigint, second: bigint, e: bigint): boolean {
  const N = ringParams(key).N;
  return key.commit(x, y) === mod(first * ringPow(key, second, e), N);
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

/**
 * A reader over a proof payload with exactly `fields` (callers pass a reader already at the proof, or the raw
 * value, whose key set is then checked too): MalformedError on a missing or extra field.
 */
export function proofReader(input: PayloadReader | WireValue, fields: readonly string[], name: string): PayloadReader {
  const reader = input instanceof PayloadReader ? input : new PayloadReader(input, name);
  if (!(input instanceof PayloadReader)) {
    const extra = Object.keys(input as object).filter((k) => !fields.includes(k));
    if (extra.length) throw new MalformedError(`${name}: unexpected field "${extra[0]}"`);
  }
  for (const field of fields) reader.raw(field);
  return reader;
}

// ---------------------------------------------------------------------------------------------------------------
// Π^enc.

export interface EncStatement {
  /** The prover's key N0 (its secret key when proving). */
  readonly prover: PaillierKey;
  readonly K: bigint;
  /** The verifier's ring-Pedersen parameters (its secret when verifying). */
  readonly verifier: RingPedersenKey;
}

export interface EncWitness {
  /** k ∈ I_ℓ. */
  readonly k: bigint;
  /** ρ ∈ Z*_{N0} with K = enc0(k; ρ). */
  readonly rho: bigint;
}

export interface EncProof {
  readonly S: bigint;
  readonly A: bigint;
  readonly C: bigint;
  readonly z1: bigint;
  readonly z2: bigint;
  readonly z3: bigint;
}

const FIELDS = ['S', 'A', 'C', 'z1', 'z2', 'z3'] as const;

function challenge(ctx: ProofContext, st: EncStatement, first: Pick<EncProof, 'S' | 'A' | 'C'>, params: Cggmp21Params): bigint {
  return absorbRingPedersen(proofTranscript('enc', ctx), st.verifier)
    .integer('N0', paillierPublic(st.prover).N)
    .integer('K', st.K)
    .integer('S', first.S)
    .integer('A', first.A)
    .integer('C', first.C)
    .challenges()
    .signed(params.challengeBound);
}

export function proveEnc(ctx: ProofContext, st: EncStatement, w: EncWitness, params: Cggmp21Params, rng: Rng): EncProof {
  const N0 = paillierPublic(st.prover).N;
  const Nhat = ringParams(st.verifier).N;
  const ellEps = 1n << BigInt(params.ell + params.epsilon);
  const alpha = randomSigned(ellEps, rng);
  const mu = randomSigned((1n << BigInt(params.ell)) * Nhat, rng);
  const r = randomZStar(N0, rng);
  const gamma = randomSigned(ellEps * Nhat, rng);
  const first = {
    S: st.verifier.commit(w.k, mu),
    A: encryptUnder(st.prover, alpha, r),
    C: st.verifier.commit(alpha, gamma),
  };
  const e = challenge(ctx, st, first, params);
  return {
    ...first,
    z1: alpha + e * w.k,
    z2: mod(r * powN(st.prover, w.rho, e), N0),
    z3: gamma + e * mu,
  };
}

export function verifyEnc(ctx: ProofContext, st: EncStatement, proof: EncProof, params: Cggmp21Params): Verdict {
  const pk = paillierPublic(st.prover);
  const Nhat = ringParams(st.verifier).N;
  if (!pk.isCiphertext(st.K)) return invalid('K is not a ciphertext of the prover');
  if (!pk.isCiphertext(proof.A)) return invalid('A is not a ciphertext of the prover');
  if (!isInZStar(proof.S, Nhat)) return invalid('S is not a unit mod N̂');
  if (!isInZStar(proof.C, Nhat)) return invalid('C is not a unit mod N̂');
  if (!isInZStar(proof.z2, pk.N)) return invalid('z2 is not a unit mod N0');
  if (!inRange(proof.z1, 1n << BigInt(params.ell + params.epsilon))) return invalid('z1 is out of range ±2^(ℓ+ε)');
  const e = challenge(ctx, st, proof, params);
  const lhs = pk.encryptWithNoncePower(proof.z1, powN2(st.prover, proof.z2, pk.N));
  if (lhs !== mod(proof.A * powN2(st.prover, st.K, e), pk.N2)) return invalid('Paillier equation enc(z1; z2) = A·K^e fails');
  if (!ringEquation(st.verifier, proof.z1, proof.z3, proof.C, proof.S, e)) return invalid('ring-Pedersen equation com(z1, z3) = C·S^e fails');
  return VALID;
}

export function encodeEnc(proof: EncProof): WireValue {
  return { S: proof.S, A: proof.A, C: proof.C, z1: proof.z1, z2: proof.z2, z3: proof.z3 };
}

export function decodeEnc(input: PayloadReader | WireValue, params: Cggmp21Params): EncProof {
  const reader = proofReader(input, FIELDS, 'Π^enc');
  const caps = rangeProofCaps(params);
  return {
    S: reader.bigint('S', caps.modN),
    A: reader.bigint('A', caps.modN2),
    C: reader.bigint('C', caps.modN),
    z1: reader.bigint('z1', caps.plain),
    z2: reader.bigint('z2', caps.modN),
    z3: reader.bigint('z3', caps.commitment),
  };
}
