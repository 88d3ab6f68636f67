/**
 * A two-round toy protocol for engine tests: round 1 every party broadcasts a value (echo-checked), round 2
 * every party sends each peer a private value; the result is the list of everything received.
 */
import { ProtocolSession } from '../../protocols/round/session.js';
import { PayloadReader } from '../../protocols/round/payload.js';
import { SimulatedIdentities } from '../../protocols/round/simulator.js';
import type { PartyId, Round, Transition } from '../../protocols/round/types.js';

export interface ToyResult {
  broadcasts: Map<PartyId, bigint>;
  privates: Map<PartyId, bigint>;
}

export function toySession(self: PartyId, parties: PartyId[], identities: SimulatedIdentities, sessionId = 'toy-session') {
  const broadcasts = new Map<PartyId, bigint>([[self, BigInt(self) * 100n]]);
  const privates = new Map<PartyId, bigint>();
  const others = parties.filter((p) => p !== self);

  const round2: Round<ToyResult> = {
    number: 2,
    expects: { broadcast: false, p2p: true },
    accept(from, _kind, payload) {
      privates.set(from, new PayloadReader(payload, 'toy round 2').bigint('secret', 64));
    },
    finalize: () => ({ outgoing: [], result: { broadcasts, privates } }),
  };
  const round1: Round<ToyResult> = {
    number: 1,
    expects: { broadcast: true, p2p: false },
    echo: true,
    accept(from, _kind, payload) {
      broadcasts.set(from, new PayloadReader(payload, 'toy round 1').bigint('value', 64));
    },
    finalize: (): Transition<ToyResult> => ({
      outgoing: others.map((to) => ({ to, payload: { secret: BigInt(self * 1000 + to) } })),
      next: round2,
    }),
  };
  return new ProtocolSession<ToyResult>({
    sessionId,
    protocol: 'toy',
    self,
    parties,
    auth: identities.authenticator(self),
    start: () => ({ outgoing: [{ to: null, payload: { value: BigInt(self) * 100n } }], next: round1 }),
  });
}

export function toySessions(parties: PartyId[], identities = new SimulatedIdentities(parties)) {
  return { identities, sessions: new Map(parties.map((p) => [p, toySession(p, parties, identities)])) };
}
