/** Runs FROST keygen and signing for n parties in one process through the round engine's simulator. */
import { expect } from 'vitest';
import type { PartyId } from '../../../protocols/errors.js';
import type { Rng } from '../../../protocols/math/random.js';
import type { WireValue } from '../../../protocols/math/wire.js';
import { SimulatedIdentities, simulate, type SimulationOptions, type SimulationOutcome } from '../../../protocols/round/simulator.js';
import type { ProtocolSession } from '../../../protocols/round/session.js';
import { echoedRound, withEchoEntryFor } from '../../helpers/echo.js';
import type { Envelope } from '../../../protocols/round/types.js';
import { frostKeygen, frostSign, type FrostKeyShare, type FrostProtocol } from '../../../protocols/frost/index.js';

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

export function keygenOutcome(
  protocol: FrostProtocol,
  threshold: number,
  parties: readonly PartyId[],
  options: SimulationOptions & { sessionId?: string; rngs?: Map<PartyId, Rng> } = {},
): SimulationOutcome<FrostKeyShare> {
  const identities = new SimulatedIdentities(parties);
  const sessionId = options.sessionId ?? `keygen-${Math.random()}`;
  const sessions = new Map<PartyId, ProtocolSession<FrostKeyShare>>();
  for (const self of parties) {
    const rng = options.rngs?.get(self);
    sessions.set(self, frostKeygen({ protocol, sessionId, self, parties, threshold, auth: identities.authenticator(self), ...(rng ? { rng } : {}) }));
  }
  return simulate(sessions, identities, options);
}

/** Honest keygen: every party finishes and all agree on the group key. */
export function keygen(protocol: FrostProtocol, threshold: number, n: number): Map<PartyId, FrostKeyShare> {
  const outcome = keygenOutcome(protocol, threshold, range(n));
  expect(outcome.aborts.size, [...outcome.aborts.values()].map((a) => a.message).join('; ')).toBe(0);
  expect(outcome.results.size).toBe(n);
  const keys = new Set([...outcome.results.values()].map((s) => Buffer.from(s.publicKey).toString('hex')));
  expect(keys.size).toBe(1);
  return outcome.results;
}

export function signOutcome(
  shares: ReadonlyMap<PartyId, FrostKeyShare>,
  signers: readonly PartyId[],
  message: Uint8Array,
  options: SimulationOptions & { sessionId?: string; rngs?: Map<PartyId, Rng>; identities?: SimulatedIdentities } = {},
): SimulationOutcome<Uint8Array> {
  const identities = options.identities ?? new SimulatedIdentities(signers);
  const sessionId = options.sessionId ?? `sign-${Math.random()}`;
  const sessions = new Map<PartyId, ProtocolSession<Uint8Array>>();
  for (const self of signers) {
    const rng = options.rngs?.get(self);
    sessions.set(self, frostSign({ share: shares.get(self)!, signers, message, sessionId, auth: identities.authenticator(self), ...(rng ? { rng } : {}) }));
  }
  return simulate(sessions, identities, options);
}

/** Honest signing: every signer ends with the same signature, which is returned. */
export function sign(shares: ReadonlyMap<PartyId, FrostKeyShare>, signers: readonly PartyId[], message: Uint8Array): Uint8Array {
  const outcome = signOutcome(shares, signers, message);
  expect(outcome.aborts.size, [...outcome.aborts.values()].map((a) => a.message).join('; ')).toBe(0);
  expect(outcome.results.size).toBe(signers.length);
  const sigs = new Set([...outcome.results.values()].map((s) => Buffer.from(s).toString('hex')));
  expect(sigs.size).toBe(1);
  return outcome.results.values().next().value!;
}

/** Every k-subset of `items`, in lexicographic order. */
export function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [head, ...tail] = items as [T, ...T[]];
  return [...subsets(tail, k - 1).map((s) => [head, ...s]), ...subsets(tail, k)];
}

/** A deterministic Rng that hands out the given chunks in order (and checks the requested sizes). */
export function queueRng(chunks: readonly Uint8Array[]): Rng {
  const queue = [...chunks];
  return {
    bytes(length: number): Uint8Array {
      const next = queue.shift();
      if (!next) throw new Error('queue rng exhausted');
      if (next.length !== length) throw new Error(`queue rng: asked for ${length} bytes, next chunk has ${next.length}`);
      return Uint8Array.from(next);
    },
  };
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

type Payload = { [key: string]: WireValue };

/**
 * An interceptor in which party `sender` rewrites its own message of one round and re-signs it. With a change
 * that ignores the receiver this is a consistent lie: the sender's echo is rewritten to vouch for the altered
 * message, and the echoes the sender receives are shown to it with its original message, so that the
 * cheater's own (honest) session carries on. Only the protocol's own checks can then catch the lie.
 */
export function rewrite(
  sender: PartyId,
  round: number,
  change: (payload: Payload, receiver: PartyId) => Payload,
): NonNullable<SimulationOptions['intercept']> {
  let original: Envelope | undefined;
  let altered: Envelope | undefined;
  return (env: Envelope, receiver, tools) => {
    if (echoedRound(env) === round) {
      if (!original || !altered) return env;
      if (env.from === sender) return tools.resign(withEchoEntryFor(env, sender, altered));
      return receiver === sender ? tools.resign(withEchoEntryFor(env, sender, original)) : env;
    }
    if (env.round !== round || env.kind !== 'message' || env.from !== sender) return env;
    const result = tools.resign({ ...env, payload: change(env.payload as Payload, receiver) });
    original ??= env;
    altered ??= result;
    return result;
  };
}
