/**
 * Π^dec: C decrypts to an integer y with y ≡ x (mod q) for the public scalar x ([P] Fig. 30, decryption mod q;
 * guide §3.8). Not the [P24] proof of the same name. Identification uses it to show that the δ_i or σ_i a party
 * broadcast is the reduction of what its ciphertext U_i really holds.
 *
 * There is deliberately NO range check on z1: y is an MtA sum about ℓ′ bits wide, so a ±2^{ℓ+ε} check would reject
 * honest proofs. z1 only gets the decoder's size cap. Made against the verifier's ring-Pedersen parameters.
 * One deliberate departure from the figure: the mask α is drawn from ±2^ε·N0 rather than ±2^{ℓ+ε} (see proveDec).
 */
import { mod, randomZStar } from '../math/bigint.js';
import { CURVE_ORDER, modQ, scalarToBytes } from '../math/curve.js';
import { randomSigned, type Rng } from '../math/random.js';
import type { WireValue } from '../math/wire.js';
import type { PayloadReader } from '../round/payload.js';
import type { Cggmp21Params } from '../cggmp21/params.js';
import { checkCT, checkU, decodeFields, encEquation, encryptAny, paillierPublic, powN, rangeChallenge, rangeProofCaps, ringEquation, ringParams, type PaillierKey, type RingPedersenKey } from './common.js';
import { invalid, VALID, type ProofContext, type Verdict } from './proof.js';

export interface DecStatement {
  /** The prover's Paillier key N0 (its secret key when proving: CRT). */
  readonly prover: PaillierKey;
  readonly C: bigint;
  /** The claimed plaintext mod q, a canonical scalar. */
  readonly x: bigint;
  /** The verifier's ring-Pedersen parameters (its secret when verifying: CRT). */
  readonly verifier: RingPedersenKey;
}

export interface DecWitness {
  /** The centred plaintext of C (an integer, not reduced mod q). */
  readonly y: bigint;
  /** The nonce of C (`recoverNonce` when C is a product of ciphertexts). */
  readonly rho: bigint;
}

export interface DecProof {
  readonly S: bigint;
  readonly T: bigint;
  readonly A: bigint;
  readonly gamma: bigint;
  readonly z1: bigint;
  readonly z2: bigint;
  readonly w: bigint;
}

type FirstMessage = Pick<DecProof, 'S' | 'T' | 'A' | 'gamma'>;

function challenge(ctx: ProofContext, st: DecStatement, first: FirstMessage, params: Cggmp21Params): bigint {
  return rangeChallenge('dec', ctx, st.verifier, { N0: paillierPublic(st.prover).N, C: st.C, x: st.x, S: first.S, T: first.T, A: first.A, gamma: first.gamma }, params);
}

/** Range of the mask α: 2^ε·N0, wide enough to hide e·y for every |y| < N0/2. */
export function decMaskBound(N0: bigint, params: Cggmp21Params): bigint {
  return (1n << BigInt(params.epsilon)) * N0;
}

export function proveDec(ctx: ProofContext, st: DecStatement, w: DecWitness, params: Cggmp21Params, rng: Rng): DecProof {
  const N0 = paillierPublic(st.prover).N;
  const Nhat = ringParams(st.verifier).N;
  // The figure draws α from ±2^{ℓ+ε}, but here y is any plaintext up to N0/2 (an MtA sum of about ℓ+ℓ′ bits), so
  // z1 = α + e·y would expose the high bits of e·y. α from ±2^ε·N0 hides e·y statistically (ε ≥ log E + s + 2).
  const maskBound = decMaskBound(N0, params);
  const alpha = randomSigned(maskBound, rng);
  const mu = randomSigned((1n << BigInt(params.ell)) * Nhat, rng);
  const nu = randomSigned(maskBound * Nhat, rng);
  const r = randomZStar(N0, rng);
  const first: FirstMessage = {
    S: st.verifier.commit(w.y, mu),
    T: st.verifier.commit(alpha, nu),
    A: encryptAny(st.prover, alpha, r),
    gamma: modQ(alpha),
  };
  const e = challenge(ctx, st, first, params);
  return { ...first, z1: alpha + e * w.y, z2: nu + e * mu, w: mod(r * powN(st.prover, w.rho, e), N0) };
}

export function verifyDec(ctx: ProofContext, st: DecStatement, proof: DecProof, params: Cggmp21Params): Verdict {
  const pk = paillierPublic(st.prover);
  const Nhat = ringParams(st.verifier).N;
  const malformed = checkCT(pk, { C: st.C, A: proof.A }) ?? checkU(Nhat, 'N̂', { S: proof.S, T: proof.T }) ?? checkU(pk.N, 'N0', { w: proof.w });
  if (malformed) return malformed;
  if (proof.gamma < 0n || proof.gamma >= CURVE_ORDER) return invalid('γ is not a canonical scalar');
  if (st.x < 0n || st.x >= CURVE_ORDER) return invalid('statement x is not a canonical scalar');
  const e = challenge(ctx, st, proof, params);
  if (!encEquation(st.prover, proof.z1, proof.w, proof.A, st.C, e)) return invalid('Paillier equation enc0(z1; w) = A ⊕ (e ⊙ C) fails');
  if (modQ(proof.z1) !== modQ(proof.gamma + e * st.x)) return invalid('scalar equation z1 = γ + e·x (mod q) fails');
  if (!ringEquation(st.verifier, proof.z1, proof.z2, proof.T, proof.S, e)) return invalid('ring-Pedersen equation com(z1, z2) = T·S^e fails');
  return VALID;
}

export function encodeDec(proof: DecProof): WireValue {
  return { S: proof.S, T: proof.T, A: proof.A, gamma: scalarToBytes(proof.gamma), z1: proof.z1, z2: proof.z2, w: proof.w };
}

export function decodeDec(input: PayloadReader | WireValue, params: Cggmp21Params): DecProof {
  const caps = rangeProofCaps(params);
  const eBits = params.challengeBound.toString(2).length;
  return decodeFields(input, 'Π^dec', {
    S: caps.modN,
    T: caps.modN,
    A: caps.modN2,
    gamma: 'scalar',
    // Honest |z1| ≤ 2^ε·N0 + E·N0/2: no range check, only this cap.
    z1: Math.max(params.epsilon, eBits) + caps.modN + 2,
    // ν is drawn from ±2^ε·N0·N̂ (see proveDec), so z2 = ν + e·μ may be that wide.
    z2: Math.max(caps.commitment, params.epsilon + 2 * caps.modN + 2),
    w: caps.modN,
  });
}
