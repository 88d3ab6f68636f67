/**
 * Phase session ids (guide §4.0): a hash of the phase tag, the execution id agreed for the session, the
 * threshold and the ordered party list, and any public key material the phase depends on. Every proof and
 * commitment of the phase absorbs it, so nothing can be replayed into another phase, key or session.
 */
import { Transcript } from '../math/transcript.js';
import type { Point } from '../math/curve.js';
import type { PartyId } from '../errors.js';

export interface SessionBinding {
  phase: string;
  executionId: string;
  threshold: number;
  parties: readonly PartyId[];
  generation?: number;
  publicKey?: Point;
  /** Extra public material (e.g. every party's Paillier N), already hashed by the caller. */
  material?: Uint8Array;
}

export function phaseSessionId(binding: SessionBinding): Uint8Array {
  const t = new Transcript('lux-kms/cggmp21/sid/v1', binding.executionId, 0)
    .string('phase', binding.phase)
    .integer('threshold', BigInt(binding.threshold))
    .integers('parties', binding.parties.map(BigInt))
    .integer('generation', BigInt(binding.generation ?? 0))
    .bytes('material', binding.material ?? new Uint8Array(0));
  if (binding.publicKey) t.point('Y', binding.publicKey);
  return t.digest();
}
