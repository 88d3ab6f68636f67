/**
 * Test helpers for LSS resharing: run a reshare in the simulator, interpolate secrets (tests only: protocol code
 * never assembles a key), and run CGGMP21 aux-info among a new committee with fixture primes picked by party id,
 * cached per committee so several tests can reuse one (expensive) run.
 */
import { expect } from 'vitest';
import { createAuxInfoSession } from '../../protocols/cggmp21/aux-info.js';
import { PARAMS_2048 } from '../../protocols/cggmp21/params.js';
import { createPresignSession } from '../../protocols/cggmp21/presign.js';
import { PresignatureHandle, type Presignature } from '../../protocols/cggmp21/presignature.js';
import { createSignSession, type EcdsaSignature } from '../../protocols/cggmp21/sign.js';
import type { AuxInfo, EcdsaKeyShare } from '../../protocols/cggmp21/types.js';
import type { PartyId } from '../../protocols/errors.js';
import { modQ } from '../../protocols/math/curve.js';
import { lagrangeCoefficient } from '../../protocols/math/polynomial.js';
import { simulate, SimulatedIdentities, type SimulationOptions, type SimulationOutcome } from '../../protocols/round/simulator.js';
import type { ProtocolSession } from '../../protocols/round/session.js';
import type { Envelope } from '../../protocols/round/types.js';
import { createReshareSession, type ResharePlan, type ReshareResult } from '../../protocols/lss/index.js';
import { fixturePrimes, type Intercept, type Payload } from './cggmp21-aux.js';
import { vouchingForWhatItSent } from './echo.js';

export function runReshare(
  plan: ResharePlan,
  dealerSecrets: ReadonlyMap<PartyId, bigint>,
  options: SimulationOptions & { sessionId?: string } = {},
): SimulationOutcome<ReshareResult> {
  const { sessionId = `reshare-${Math.random()}`, ...simulation } = options;
  const identities = new SimulatedIdentities(plan.participants);
  const sessions = new Map(
    plan.participants.map((self) => [
      self,
      createReshareSession({
        plan,
        sessionId,
        self,
        auth: identities.authenticator(self),
        ...(plan.dealers.includes(self) ? { secretShare: dealerSecrets.get(self)! } : {}),
      }),
    ]),
  );
  return simulate(sessions, identities, simulation);
}

/** An honest reshare: every participant finishes with the same confirmed state; returns the results by party. */
export function reshareOk(plan: ResharePlan, dealerSecrets: ReadonlyMap<PartyId, bigint>): Map<PartyId, ReshareResult> {
  const outcome = runReshare(plan, dealerSecrets);
  expect([...outcome.aborts.values()].map((a) => a.message)).toEqual([]);
  expect(outcome.stalled).toEqual([]);
  expect([...outcome.results.keys()].sort((a, b) => a - b)).toEqual(plan.participants);
  const transcripts = new Set([...outcome.results.values()].map((r) => Buffer.from(r.transcript).toString('hex')));
  expect(transcripts.size).toBe(1);
  for (const [party, result] of outcome.results) {
    expect(result.generation).toBe(plan.generation + 1);
    expect(result.publicKey.equals(plan.publicKey)).toBe(true);
    expect(result.secretShare !== undefined).toBe(plan.newCommittee.parties.includes(party));
  }
  return outcome.results;
}

/** TEST ONLY: the secret the given Shamir shares interpolate to at 0. */
export function interpolate(shares: ReadonlyMap<PartyId, bigint>): bigint {
  const ids = [...shares.keys()];
  return modQ(ids.reduce((acc, j) => acc + lagrangeCoefficient(ids, j) * shares.get(j)!, 0n));
}

/** Every k-subset of `items`, in lexicographic order. */
export function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [head, ...tail] = items as [T, ...T[]];
  return [...subsets(tail, k - 1).map((s) => [head, ...s]), ...subsets(tail, k)];
}

const auxCache = new Map<string, Map<PartyId, AuxInfo>>();

/** CGGMP21 aux-info among `parties` (fixture primes of index id−1), run once per committee and then reused. */
export function auxFor(parties: readonly PartyId[]): Map<PartyId, AuxInfo> {
  const key = parties.join(',');
  const cached = auxCache.get(key);
  if (cached) return cached;
  const identities = new SimulatedIdentities(parties);
  const sessions = new Map(
    parties.map((self) => [
      self,
      createAuxInfoSession({ sessionId: `aux-${key}`, self, parties, params: PARAMS_2048, primes: fixturePrimes(PARAMS_2048, self - 1), auth: identities.authenticator(self) }),
    ]),
  );
  const outcome = simulate(sessions, identities);
  expect([...outcome.aborts.values()].map((a) => a.message)).toEqual([]);
  expect(outcome.results.size).toBe(parties.length);
  auxCache.set(key, outcome.results);
  return outcome.results;
}

/**
 * Party `liar` replaces its round-`round` broadcast by `edit(payload)` for every receiver, signs it, and vouches for
 * it in its own echo: a consistent lie (what a real malicious party sends), which the echo check cannot catch, so
 * the protocol's own checks must.
 */
export function consistentLie(liar: PartyId, round: number, edit: (payload: Payload) => Payload): Intercept {
  let lie: Envelope | undefined;
  return vouchingForWhatItSent(liar, (env, _receiver, tools) =>
    env.from === liar && env.round === round && env.to === null && env.kind === 'message' ? (lie ??= tools.resign({ ...env, payload: edit({ ...(env.payload as Payload) }) })) : env,
  );
}

/** CGGMP21 presign then sign among `quorum` (a fresh presignature, used once); returns every signer's outcome. */
export async function presignAndSign(
  shares: ReadonlyMap<PartyId, EcdsaKeyShare>,
  aux: ReadonlyMap<PartyId, AuxInfo>,
  quorum: readonly PartyId[],
  digest: Uint8Array,
): Promise<{ presign: SimulationOutcome<Presignature>; sign?: SimulationOutcome<EcdsaSignature> }> {
  const identities = new SimulatedIdentities(quorum);
  const tag = `${quorum.join('')}-${Math.random()}`;
  const presignSessions = new Map(
    quorum.map((p) => [p, createPresignSession({ share: shares.get(p)!, aux: aux.get(p)!, quorum, sessionId: `presign-${tag}`, auth: identities.authenticator(p) })]),
  );
  const presign = simulate(presignSessions, identities);
  if (presign.results.size !== quorum.length) return { presign };
  const signSessions = new Map<PartyId, ProtocolSession<EcdsaSignature>>();
  for (const p of quorum) {
    const spent = await new PresignatureHandle(presign.results.get(p)!, () => undefined).consume();
    signSessions.set(p, createSignSession({ presignature: spent, digest, sessionId: `sign-${tag}`, auth: identities.authenticator(p) }));
  }
  return { presign, sign: simulate(signSessions, identities) };
}
