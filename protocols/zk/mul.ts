/**
 * Π^mul: the plaintext of C is the product of the plaintexts of X and Y ([P] Fig. 29; guide §3.8). Identification
 * after a failed δ check uses it to show that H_i = (k_i ⊙ G_i)·ρ̃^N really encrypts k_i·γ_i. It involves no
 * ring-Pedersen parameters, so one proof serves every verifier (it is broadcast).
 *
 * There is no range check on z (the paper has none); the decoder only caps its size.
 */
import { mod, randomZStar } from '../math/bigint.js';
import type { Rng } from '../math/random.js';
import type { WireValue } from '../math/wire.js';
import type { PayloadReader } from '../round/payload.js';
import type { Cggmp21Params } from '../cggmp21/params.js';
import { checkCT, checkU, decodeFields, encEquation, encryptAny, paillierPublic, powN, powN2, productEquation, rangeProofCaps, type PaillierKey } from './common.js';
import { invalid, proofTranscript, VALID, type ProofContext, type Verdict } from './proof.js';

export interface MulStatement {
  /** The prover's Paillier key N (its secret key when proving: CRT). */
  readonly prover: PaillierKey;
  readonly X: bigint;
  readonly Y: bigint;
  /** C = (x ⊙ Y)·ρ^N mod N², where X = enc(x; ρ_x). */
  readonly C: bigint;
}

export interface MulWitness {
  readonly x: bigint;
  /** Nonce of X. */
  readonly rhoX: bigint;
  /** Nonce that re-randomises x ⊙ Y into C. */
  readonly rho: bigint;
}

export interface MulProof {
  readonly A: bigint;
  readonly B: bigint;
  readonly z: bigint;
  readonly u: bigint;
  readonly v: bigint;
}

function challenge(ctx: ProofContext, st: MulStatement, first: Pick<MulProof, 'A' | 'B'>, params: Cggmp21Params): bigint {
  return proofTranscript('mul', ctx)
    .integer('N', paillierPublic(st.prover).N)
    .integer('X', st.X)
    .integer('Y', st.Y)
    .integer('C', st.C)
    .integer('A', first.A)
    .integer('B', first.B)
    .challenges()
    .signed(params.challengeBound);
}

export function proveMul(ctx: ProofContext, st: MulStatement, w: MulWitness, params: Cggmp21Params, rng: Rng): MulProof {
  const { N, N2 } = paillierPublic(st.prover);
  // α ← Z*_N as in [P] (Taurus samples ±2^{ℓ+ε}; both hide e·x for x < q).
  const alpha = randomZStar(N, rng);
  const r = randomZStar(N, rng);
  const s = randomZStar(N, rng);
  const first = {
    A: mod(powN2(st.prover, st.Y, alpha) * powN2(st.prover, r, N), N2),
    B: encryptAny(st.prover, alpha, s),
  };
  const e = challenge(ctx, st, first, params);
  return {
    ...first,
    z: alpha + e * w.x,
    u: mod(r * powN(st.prover, w.rho, e), N),
    v: mod(s * powN(st.prover, w.rhoX, e), N),
  };
}

export function verifyMul(ctx: ProofContext, st: MulStatement, proof: MulProof, params: Cggmp21Params): Verdict {
  const pk = paillierPublic(st.prover);
  const malformed = checkCT(pk, { X: st.X, Y: st.Y, C: st.C, A: proof.A, B: proof.B }) ?? checkU(pk.N, 'N', { u: proof.u, v: proof.v });
  if (malformed) return malformed;
  const e = challenge(ctx, st, proof, params);
  if (!productEquation(st.prover, proof.z, st.Y, proof.u, proof.A, st.C, e)) return invalid('product equation (z ⊙ Y)·u^N = A ⊕ (e ⊙ C) fails');
  if (!encEquation(st.prover, proof.z, proof.v, proof.B, st.X, e)) return invalid('Paillier equation enc(z; v) = B ⊕ (e ⊙ X) fails');
  return VALID;
}

export function encodeMul(proof: MulProof): WireValue {
  return { A: proof.A, B: proof.B, z: proof.z, u: proof.u, v: proof.v };
}

export function decodeMul(input: PayloadReader | WireValue, params: Cggmp21Params): MulProof {
  const caps = rangeProofCaps(params);
  const eBits = params.challengeBound.toString(2).length;
  // Honest |z| ≤ N + E·2^ℓ (x is a scalar below 2^ℓ).
  return decodeFields(input, 'Π^mul', { A: caps.modN2, B: caps.modN2, z: Math.max(caps.modN, eBits + params.ell) + 2, u: caps.modN, v: caps.modN });
}
