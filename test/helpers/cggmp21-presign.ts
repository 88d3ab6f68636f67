/**
 * Test helpers for presigning and signing: run a quorum in the simulator, and build aux info straight from the
 * fixture primes when a test needs more parties than it can afford to run the aux-info protocol for.
 */
import { PARAMS_2048, type Cggmp21Params } from '../../protocols/cggmp21/params.js';
import { createPresignSession } from '../../protocols/cggmp21/presign.js';
import { PresignatureHandle, type Presignature } from '../../protocols/cggmp21/presignature.js';
import { createSignSession, type EcdsaSignature } from '../../protocols/cggmp21/sign.js';
import type { AuxInfo, EcdsaKeyShare, PartyAuxPublic } from '../../protocols/cggmp21/types.js';
import { RingPedersenSecret } from '../../protocols/math/ring-pedersen.js';
import { simulate, SimulatedIdentities, type SimulationOptions, type SimulationOutcome } from '../../protocols/round/simulator.js';
import { fixturePaillierKey } from '../fixtures/primes.js';

/**
 * TEST ONLY: aux info as the aux-info protocol would output it, built locally from fixture key `index = position`
 * (no Π^mod/Π^prm/Π^fac exchange, so no validation of anyone's material). For tests of later phases only.
 */
export function testOnlyFixtureAuxInfos(parties: number[], params: Cggmp21Params = PARAMS_2048): Map<number, AuxInfo> {
  const bits = params.paillierBits as 2048 | 3072;
  const secrets = parties.map((p, i) => {
    const paillier = fixturePaillierKey(i, bits);
    return { p, paillier, ringPedersen: RingPedersenSecret.generate(paillier) };
  });
  const publics = new Map<number, PartyAuxPublic>(secrets.map((s) => [s.p, { paillier: s.paillier.publicKey, ringPedersen: s.ringPedersen.params }]));
  return new Map(secrets.map((s) => [s.p, { params, parties, self: s.p, paillier: s.paillier, ringPedersen: s.ringPedersen, publics }]));
}

export interface KeyMaterial {
  shares: Map<number, EcdsaKeyShare>;
  aux: Map<number, AuxInfo>;
}

export function runPresign(
  material: KeyMaterial,
  quorum: number[],
  options: SimulationOptions & { sessionId?: string; identities?: SimulatedIdentities } = {},
): SimulationOutcome<Presignature> {
  const { sessionId = `presign-${quorum.join('-')}`, identities = new SimulatedIdentities(quorum), ...simulation } = options;
  const sessions = new Map(
    quorum.map((p) => [
      p,
      createPresignSession({ share: material.shares.get(p)!, aux: material.aux.get(p)!, quorum, sessionId, auth: identities.authenticator(p) }),
    ]),
  );
  return simulate(sessions, identities, simulation);
}

/** Presigns and returns every party's presignature; throws with the aborts if the run did not finish everywhere. */
export function presignAll(material: KeyMaterial, quorum: number[], sessionId?: string): Map<number, Presignature> {
  const outcome = runPresign(material, quorum, sessionId ? { sessionId } : {});
  if (outcome.results.size !== quorum.length) throw new Error(`presign failed: ${[...outcome.aborts.values()].map((a) => a.message).join('; ')}`);
  return outcome.results;
}

export async function runSign(
  presignatures: Map<number, Presignature>,
  digest: Uint8Array,
  options: SimulationOptions & { sessionId?: string; identification?: KeyMaterial } = {},
): Promise<SimulationOutcome<EcdsaSignature>> {
  const { sessionId = 'sign-test', identification, ...simulation } = options;
  const quorum = [...presignatures.keys()];
  const identities = new SimulatedIdentities(quorum);
  const sessions = new Map();
  for (const [p, record] of presignatures) {
    const spent = await new PresignatureHandle(record, () => undefined).consume();
    const material = identification ? { identification: { aux: identification.aux.get(p)!, share: identification.shares.get(p)! } } : {};
    sessions.set(p, createSignSession({ presignature: spent, digest, sessionId, auth: identities.authenticator(p), ...material }));
  }
  return simulate(sessions, identities, simulation);
}

