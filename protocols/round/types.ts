/**
 * The contract between protocols and the round engine. A protocol is a chain of `Round`s: pure state
 * machines that take the messages of their round and produce the next round's outgoing messages, a
 * result, or a `ProtocolAbort` naming the culprits. No I/O, no timers: deadlines belong to the node.
 */
import type { PartyId } from '../errors.js';
import type { WireValue } from '../math/wire.js';

export type { PartyId };
export type MessageKind = 'broadcast' | 'p2p';

/** A message as produced by a round: `to: null` is a broadcast (the same payload to every other party). */
export interface Outgoing {
  to: PartyId | null;
  payload: WireValue;
}

/** This sender's echo of an earlier round's broadcasts, carried on its next message (see `pending-echo.ts`). */
export interface EchoAttachment {
  round: number;
  entries: WireValue;
}

/**
 * A message on the wire. `kind: 'echo'` messages are the engine's own equivocation check, sent on their own
 * when the echo cannot ride on the sender's next messages.
 */
export interface Envelope {
  sessionId: string;
  protocol: string;
  round: number;
  kind: 'message' | 'echo';
  from: PartyId;
  to: PartyId | null;
  payload: WireValue;
  echo?: EchoAttachment;
  /** The sender's identity-key signature over `envelopeDigest` (transferable evidence for blame). */
  signature: Uint8Array;
}

export type Transition<Result> =
  | { outgoing: Outgoing[]; next: Round<Result> }
  | { outgoing: Outgoing[]; result: Result };

export interface Round<Result> {
  /** Number of the round whose messages this state receives (messages produced by the previous transition). */
  readonly number: number;
  /** Which kinds of message every expected sender sends in this round. */
  readonly expects: { broadcast: boolean; p2p: boolean };
  /** Parties that send in this round (default: every other party). */
  readonly senders?: readonly PartyId[];
  /** Check that every party received the same broadcasts in this round before anything after it finishes. */
  readonly echo?: boolean;
  /**
   * Parse and store one message. Throw `MalformedError` (or any non-abort error) to blame `from`;
   * throw `ProtocolAbort` for a specific verdict.
   */
  accept(from: PartyId, kind: MessageKind, payload: WireValue): void;
  /** Every expected message is in (and the previous round's echoes matched): compute the next step. */
  finalize(): Transition<Result>;
}

/** Signs this party's messages and checks other parties' signatures (Ed25519 identity keys in the node). */
export interface PartyAuthenticator {
  sign(digest: Uint8Array): Uint8Array;
  verify(party: PartyId, digest: Uint8Array, signature: Uint8Array): boolean;
}
