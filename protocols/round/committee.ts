/**
 * Validation of who takes part: the one place that turns (threshold, parties, self) into a checked committee.
 * `threshold` is the minimum number of signers t (a t-of-n key, polynomial degree t−1).
 */
import { InvalidInputError, type PartyId } from '../errors.js';

export interface Committee {
  readonly threshold: number;
  /** Ascending, distinct, positive. */
  readonly parties: readonly PartyId[];
  readonly self: PartyId;
}

export function validateParties(parties: readonly number[], name = 'parties'): PartyId[] {
  if (!Array.isArray(parties) || parties.length === 0) throw new InvalidInputError(`"${name}" expected a non-empty list of party ids`);
  const seen = new Set<number>();
  for (const p of parties) {
    if (!Number.isSafeInteger(p) || p < 1) throw new InvalidInputError(`"${name}" expected positive integer ids, got ${String(p)}`);
    if (seen.has(p)) throw new InvalidInputError(`"${name}" has duplicate id ${p}`);
    seen.add(p);
  }
  return [...parties].sort((a, b) => a - b);
}

export function validateCommittee(threshold: number, parties: readonly number[], self: number): Committee {
  const sorted = validateParties(parties);
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > sorted.length) {
    throw new InvalidInputError(`"threshold" expected integer 1..${sorted.length}, got ${threshold}`);
  }
  if (!sorted.includes(self)) throw new InvalidInputError(`"self" expected one of [${sorted.join(', ')}], got ${self}`);
  return { threshold, parties: sorted, self };
}

/** A signing quorum: exactly `threshold` distinct members of the committee, including self. */
export function validateQuorum(committee: Committee, signers: readonly number[]): PartyId[] {
  const sorted = validateParties(signers, 'signers');
  if (sorted.length !== committee.threshold) {
    throw new InvalidInputError(`"signers" expected exactly ${committee.threshold} parties, got ${sorted.length}`);
  }
  for (const s of sorted) {
    if (!committee.parties.includes(s)) throw new InvalidInputError(`"signers" has ${s}, which holds no share of this key`);
  }
  if (!sorted.includes(committee.self)) throw new InvalidInputError(`"signers" must include this party (${committee.self})`);
  return sorted;
}
