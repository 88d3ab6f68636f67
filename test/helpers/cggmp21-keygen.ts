/** Runs CGGMP21 keygen for a committee in the simulator (test helper). */
import { createKeygenSession } from '../../protocols/cggmp21/keygen.js';
import type { EcdsaKeyShare } from '../../protocols/cggmp21/types.js';
import { simulate, SimulatedIdentities, type SimulationOptions } from '../../protocols/round/simulator.js';

export function runKeygen(threshold: number, parties: number[], options: SimulationOptions = {}, sessionId = 'keygen-test') {
  const identities = new SimulatedIdentities(parties);
  const sessions = new Map(
    parties.map((self) => [self, createKeygenSession({ sessionId, self, parties, threshold, auth: identities.authenticator(self) })]),
  );
  return { identities, outcome: simulate(sessions, identities, options) };
}

export function keygenShares(threshold: number, parties: number[]): Map<number, EcdsaKeyShare> {
  const { outcome } = runKeygen(threshold, parties);
  if (outcome.results.size !== parties.length) throw new Error(`keygen failed: ${[...outcome.aborts.values()].map((a) => a.message).join('; ')}`);
  return outcome.results;
}
