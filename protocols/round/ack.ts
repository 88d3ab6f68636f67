/**
 * A one-round agreement: every party broadcasts the digest of the statement it is about to act on (e.g. "activate
 * generation 3 of key K"), and finishes only when every other party broadcast the same digest. A party that
 * disagrees is named. The node uses it as the final step of a ceremony before changing durable state.
 */
import { ProtocolAbort, type PartyId } from '../errors.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeWire, type WireValue } from '../math/wire.js';
import { PayloadReader } from './payload.js';
import { ProtocolSession } from './session.js';
import type { PartyAuthenticator, Round } from './types.js';

export const ACK_PROTOCOL = 'ack';

export function createAckSession(input: { sessionId: string; self: PartyId; parties: readonly PartyId[]; statement: WireValue; auth: PartyAuthenticator }): ProtocolSession<true> {
  const digest = sha256(encodeWire(input.statement));
  const disagreeing: PartyId[] = [];
  const round: Round<true> = {
    number: 1,
    expects: { broadcast: true, p2p: false },
    accept(from, _kind, payload) {
      const theirs = new PayloadReader(payload, 'ack').bytes('statement', 32);
      if (Buffer.compare(Buffer.from(theirs), Buffer.from(digest)) !== 0) disagreeing.push(from);
    },
    finalize() {
      if (disagreeing.length) throw new ProtocolAbort('parties acknowledged a different statement', 1, disagreeing);
      return { outgoing: [], result: true };
    },
  };
  return new ProtocolSession<true>({
    sessionId: input.sessionId,
    protocol: ACK_PROTOCOL,
    self: input.self,
    parties: [...input.parties].sort((a, b) => a - b),
    auth: input.auth,
    start: () => ({ outgoing: [{ to: null, payload: { statement: digest } }], next: round }),
  });
}
