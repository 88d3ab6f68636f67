/**
 * Hash commitments bound to a session and a party: V = H(tag, sid, party, values…, u) with a fresh 256-bit
 * opening u. Binding to sid and party stops a commitment from being replayed in another session or copied
 * by another party.
 */
import { Transcript } from './transcript.js';
import { systemRng, type Rng } from './random.js';
import type { Point } from './curve.js';

export type CommittedItem =
  | { label: string; integer: bigint }
  | { label: string; point: Point }
  | { label: string; points: readonly Point[] }
  | { label: string; bytes: Uint8Array }
  | { label: string; integers: readonly bigint[] };

export const OPENING_BYTES = 32;

function absorb(transcript: Transcript, items: readonly CommittedItem[]): void {
  for (const item of items) {
    if ('integer' in item) transcript.integer(item.label, item.integer);
    else if ('point' in item) transcript.point(item.label, item.point);
    else if ('points' in item) transcript.points(item.label, item.points);
    else if ('integers' in item) transcript.integers(item.label, item.integers);
    else transcript.bytes(item.label, item.bytes);
  }
}

export function computeCommitment(
  tag: string,
  sessionId: Uint8Array,
  party: number,
  items: readonly CommittedItem[],
  opening: Uint8Array,
): Uint8Array {
  const t = new Transcript(tag, sessionId, party);
  absorb(t, items);
  t.bytes('opening', opening);
  return t.digest();
}

export function commit(
  tag: string,
  sessionId: Uint8Array,
  party: number,
  items: readonly CommittedItem[],
  rng: Rng = systemRng,
): { commitment: Uint8Array; opening: Uint8Array } {
  const opening = rng.bytes(OPENING_BYTES);
  return { commitment: computeCommitment(tag, sessionId, party, items, opening), opening };
}

export function verifyCommitment(
  tag: string,
  sessionId: Uint8Array,
  party: number,
  items: readonly CommittedItem[],
  opening: Uint8Array,
  commitment: Uint8Array,
): boolean {
  if (opening.length !== OPENING_BYTES || commitment.length !== 32) return false;
  const expected = computeCommitment(tag, sessionId, party, items, opening);
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= expected[i]! ^ commitment[i]!;
  return diff === 0;
}
