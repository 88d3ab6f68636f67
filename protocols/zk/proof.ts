/**
 * What every CGGMP21 zero-knowledge proof shares: the context it is bound to, the transcript that context
 * starts, and the verdict shape. Each proof lives in its own file with the same `prove…`/`verify…`/
 * `encode…`/`decode…` shape.
 */
import type { PartyId } from '../errors.js';
import { Transcript } from '../math/transcript.js';

/**
 * Binds a proof to where it was made: the phase tag (e.g. "ps/enc"), the phase session id, the prover, an
 * optional sub-tag when one prover makes two proofs of one kind ("gamma"/"x"), and the joint randomness ρ or
 * rid when the phase has one. Absent optional parts are absorbed as empty, so presence is never ambiguous.
 */
export interface ProofContext {
  phase: string;
  sessionId: Uint8Array;
  prover: PartyId;
  subTag?: string;
  rho?: Uint8Array;
}

export type Verdict = { valid: true } | { valid: false; reason: string };

export const VALID: Verdict = Object.freeze({ valid: true });

export function invalid(reason: string): Verdict {
  return { valid: false, reason };
}

/** The transcript every proof starts from: proof name, then the context, in a fixed order. */
export function proofTranscript(proofName: string, ctx: ProofContext): Transcript {
  return new Transcript(`lux-kms/cggmp21/${proofName}/v1`, ctx.sessionId, ctx.prover)
    .string('phase', ctx.phase)
    .string('sub-tag', ctx.subTag ?? '')
    .bytes('rho', ctx.rho ?? new Uint8Array(0));
}
