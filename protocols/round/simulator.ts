/**
 * In-memory network for running n parties of a protocol in one process: the harness every protocol test
 * uses. Any party's messages can be tampered with, dropped, duplicated or reordered on their way to any
 * receiver, and a malicious party can re-sign what it altered.
 */
import { generateKeyPairSync, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import type { PartyId, ProtocolAbort } from '../errors.js';
import { envelopeDigest } from './envelope.js';
import type { ProtocolSession } from './session.js';
import type { Envelope, PartyAuthenticator } from './types.js';

/** Ed25519 identity keys for simulated parties, standing in for the nodes' libp2p keys. */
export class SimulatedIdentities {
  private readonly keys = new Map<PartyId, { privateKey: KeyObject; publicKey: KeyObject }>();

  constructor(parties: readonly PartyId[]) {
    for (const p of parties) this.keys.set(p, generateKeyPairSync('ed25519'));
  }

  authenticator(self: PartyId): PartyAuthenticator {
    return {
      sign: (digest) => this.signAs(self, digest),
      verify: (party, digest, signature) => {
        const key = this.keys.get(party);
        return key !== undefined && edVerify(null, digest, key.publicKey, signature);
      },
    };
  }

  signAs(party: PartyId, digest: Uint8Array): Uint8Array {
    const key = this.keys.get(party);
    if (!key) throw new RangeError(`no identity for party ${party}`);
    return new Uint8Array(edSign(null, digest, key.privateKey));
  }

  /** Re-sign an envelope as `party` (a malicious sender signs what it altered). */
  resign(env: Envelope, party: PartyId = env.from): Envelope {
    const { signature: _dropped, ...unsigned } = env;
    void _dropped;
    return { ...unsigned, signature: this.signAs(party, envelopeDigest(unsigned)) };
  }
}

export interface InterceptTools {
  resign(env: Envelope, as?: PartyId): Envelope;
}

export interface SimulationOptions {
  /** Called for every envelope on its way to one receiver: return it (changed or not), several, or null to drop. */
  intercept?: (env: Envelope, receiver: PartyId, tools: InterceptTools) => Envelope | Envelope[] | null;
  /** Deliver queued messages in a shuffled order (deterministic for a given seed). */
  shuffleSeed?: number;
  /** Upper bound on deliveries, so a livelocked protocol fails the test instead of hanging it. */
  maxDeliveries?: number;
}

export interface SimulationOutcome<Result> {
  results: Map<PartyId, Result>;
  aborts: Map<PartyId, ProtocolAbort>;
  /** Parties that neither finished nor aborted (waiting for a dropped message). */
  stalled: PartyId[];
  rejected: { receiver: PartyId; reason: string }[];
  deliveries: number;
}

/** A small deterministic PRNG for shuffling delivery order (mulberry32). */
function shuffler(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

export function simulate<Result>(
  sessions: ReadonlyMap<PartyId, ProtocolSession<Result>>,
  identities: SimulatedIdentities,
  options: SimulationOptions = {},
): SimulationOutcome<Result> {
  const queue: { receiver: PartyId; env: Envelope }[] = [];
  const rejected: { receiver: PartyId; reason: string }[] = [];
  const tools: InterceptTools = { resign: (env, as) => identities.resign(env, as) };
  const pick = options.shuffleSeed === undefined ? undefined : shuffler(options.shuffleSeed);
  const maxDeliveries = options.maxDeliveries ?? 1_000_000;

  const post = (env: Envelope): void => {
    const receivers = env.to === null ? [...sessions.keys()].filter((p) => p !== env.from) : [env.to];
    for (const receiver of receivers) {
      const routed = options.intercept ? options.intercept(env, receiver, tools) : env;
      if (routed === null) continue;
      for (const e of Array.isArray(routed) ? routed : [routed]) queue.push({ receiver, env: e });
    }
  };

  for (const session of sessions.values()) session.start().outgoing.forEach(post);

  let deliveries = 0;
  while (queue.length > 0 && deliveries < maxDeliveries) {
    const index = pick ? pick(queue.length) : 0;
    const [{ receiver, env }] = queue.splice(index, 1) as [{ receiver: PartyId; env: Envelope }];
    const session = sessions.get(receiver);
    if (!session) continue;
    deliveries++;
    const step = session.receive(env);
    if (step.rejected) rejected.push({ receiver, reason: step.rejected });
    step.outgoing.forEach(post);
  }

  const results = new Map<PartyId, Result>();
  const aborts = new Map<PartyId, ProtocolAbort>();
  const stalled: PartyId[] = [];
  for (const [party, session] of sessions) {
    if (session.status === 'done') results.set(party, session.result as Result);
    else if (session.status === 'aborted') aborts.set(party, session.abort!);
    else stalled.push(party);
  }
  return { results, aborts, stalled, rejected, deliveries };
}
