/**
 * Share generations of one key, as a pure state machine the node persists: generation k is active; a reshare
 * opens k+1 as pending; k+1 becomes active only with a reshare result (which exists only once every new party
 * confirmed), and generation k is then retired (its shares deleted). An aborted or timed-out reshare rolls back,
 * leaving k active. Signing takes shares of the active generation only, so old and new shares never meet.
 */
import { InvalidInputError } from '../errors.js';
import type { ReshareResult } from './reshare.js';

export interface GenerationState {
  readonly active: number;
  /** The reshare in flight, if any: its session id and the generation it will produce. */
  readonly pending?: { readonly sessionId: string; readonly generation: number };
}

export function initialGenerations(active = 0): GenerationState {
  if (!Number.isSafeInteger(active) || active < 0) throw new InvalidInputError(`"active" expected integer ≥ 0, got ${active}`);
  return { active };
}

/** Open generation k+1 for a reshare session. One reshare per key at a time. */
export function beginReshare(state: GenerationState, sessionId: string): GenerationState {
  if (state.pending) throw new InvalidInputError(`a reshare (session ${state.pending.sessionId}) is already pending for generation ${state.pending.generation}`);
  return { active: state.active, pending: { sessionId, generation: state.active + 1 } };
}

function assertPending(state: GenerationState, sessionId: string): { sessionId: string; generation: number } {
  if (!state.pending || state.pending.sessionId !== sessionId) throw new InvalidInputError(`no reshare pending under session ${sessionId}`);
  return state.pending;
}

/** Activate the pending generation with the confirmed result of its session; returns the generation to delete. */
export function activate(state: GenerationState, sessionId: string, result: ReshareResult): { state: GenerationState; retired: number } {
  const pending = assertPending(state, sessionId);
  if (result.generation !== pending.generation || result.plan.generation !== state.active) {
    throw new InvalidInputError(`reshare result is generation ${result.generation} from ${result.plan.generation}, expected ${pending.generation} from ${state.active}`);
  }
  return { state: { active: pending.generation }, retired: state.active };
}

/** The reshare aborted or timed out: drop generation k+1, keep k. */
export function rollback(state: GenerationState, sessionId: string): GenerationState {
  assertPending(state, sessionId);
  return { active: state.active };
}

/** Refuse a share that is not of the active generation (a retired one, or a pending one not yet confirmed). */
export function assertSignable(state: GenerationState, shareGeneration: number): void {
  if (shareGeneration !== state.active) {
    throw new InvalidInputError(`share of generation ${shareGeneration} cannot sign: generation ${state.active} is active`);
  }
}
