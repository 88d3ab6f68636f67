import { describe, expect, it } from 'vitest';
import { PARAMS_2048 } from '../../../protocols/cggmp21/params.js';
import { createRefreshSession, type RefreshResult } from '../../../protocols/cggmp21/refresh.js';
import type { EcdsaKeyShare } from '../../../protocols/cggmp21/types.js';
import { CURVE_ORDER, modQ, mulBase, scalarFromBytes, scalarToBytes } from '../../../protocols/math/curve.js';
import { lagrangeCoefficient } from '../../../protocols/math/polynomial.js';
import { SimulatedIdentities, simulate, type SimulationOptions } from '../../../protocols/round/simulator.js';
import { fixturePaillierKey } from '../../fixtures/primes.js';
import { expectBlamed, fixturePrimes, tamper } from '../../helpers/cggmp21-aux.js';
import { keygenShares } from '../../helpers/cggmp21-keygen.js';

/** Refresh uses fixture prime pairs 3.. so the new Paillier keys differ from any aux-info test run. */
function runRefresh(shares: Map<number, EcdsaKeyShare>, options: SimulationOptions = {}) {
  const parties = [...shares.keys()];
  const identities = new SimulatedIdentities(parties);
  const sessions = new Map(
    parties.map((self, i) => [
      self,
      createRefreshSession({
        sessionId: 'refresh-test',
        share: shares.get(self)!,
        params: PARAMS_2048,
        primes: fixturePrimes(PARAMS_2048, 3 + i),
        auth: identities.authenticator(self),
      }),
    ]),
  );
  return simulate(sessions, identities, options);
}

/** Test-only reconstruction: Σ λ_j·x_j over a quorum. */
function interpolate(quorum: number[], share: (j: number) => bigint): bigint {
  return quorum.reduce((acc, j) => modQ(acc + lagrangeCoefficient(quorum, j) * share(j)), 0n);
}

describe('proactive refresh, t-of-n', { timeout: 300_000 }, () => {
  const old = keygenShares(2, [1, 2, 3]);

  it('keeps Y, moves every share, and old and new shares no longer combine', () => {
    const outcome = runRefresh(old);
    expect(outcome.aborts.size).toBe(0);
    const fresh = new Map<number, RefreshResult>(outcome.results);
    expect(fresh.size).toBe(3);
    const Y = old.get(1)!.publicKey;
    for (const [p, { share, aux }] of fresh) {
      expect(share.publicKey.equals(Y)).toBe(true);
      expect(share.generation).toBe(1);
      expect(share.threshold).toBe(2);
      expect(share.secretShare).not.toBe(old.get(p)!.secretShare);
      expect(mulBase(share.secretShare).equals(share.publicShares.get(p)!)).toBe(true);
      for (const c of [1, 2, 3]) expect(share.publicShares.get(c)!.equals(fresh.get(c)!.share.publicShares.get(c)!)).toBe(true);
      // New aux material: N̂ = N, a modulus no other party has, and the other parties' copies agree.
      expect(aux.ringPedersen.params.N).toBe(aux.paillier.N);
      expect(aux.paillier.N).toBe(fixturePaillierKey(2 + p).N);
      for (const c of [1, 2, 3]) expect(aux.publics.get(c)!.paillier.N).toBe(fresh.get(c)!.aux.paillier.N);
    }
    // Every quorum of the new shares interpolates to the same key …
    for (const quorum of [[1, 2], [1, 3], [2, 3], [1, 2, 3]]) {
      expect(mulBase(interpolate(quorum, (j) => fresh.get(j)!.share.secretShare)).equals(Y)).toBe(true);
    }
    // … and an old share mixed with a new one does not.
    const mixed = interpolate([1, 2], (j) => (j === 1 ? old.get(1)!.secretShare : fresh.get(2)!.share.secretShare));
    expect(mulBase(mixed).equals(Y)).toBe(false);
  });

  it('a party sending a bad encrypted refresh share is blamed, with evidence anyone can re-check', () => {
    const receiver = 3;
    const key = fixturePaillierKey(3 + 2); // party 3's new Paillier key
    const outcome = runRefresh(old, {
      intercept: tamper(1, 3, 'p2p', (p, to) => {
        if (to !== receiver) return p;
        // X re-encrypts its share plus one under the receiver's new key.
        const v = modQ(key.decrypt(p.C as bigint) + 1n);
        return { ...p, C: key.publicKey.encrypt(v) };
      }),
    });
    expectBlamed(outcome, 1, [receiver], { reason: /refresh share does not match/ });
    const evidence = outcome.aborts.get(receiver)!.evidence as { C: bigint; v: bigint; nonce: bigint };
    // The evidence opens the ciphertext publicly: enc_3(v; nonce) = C, while v·G misses 1's commitments.
    expect(key.publicKey.encrypt(evidence.v, evidence.nonce)).toBe(evidence.C);
    expect(evidence.v >= 0n && evidence.v < CURVE_ORDER).toBe(true);
    expect(outcome.results.has(receiver)).toBe(false);
  });

  it('a ciphertext that is not a unit mod N² is blamed', () => {
    const outcome = runRefresh(old, { intercept: tamper(2, 3, 'p2p', (p) => ({ ...p, C: 0n })) });
    expectBlamed(outcome, 2, [1, 3], { reason: /not a ciphertext/ });
  });

  it('a wrong Schnorr response for the new public share is blamed', () => {
    const outcome = runRefresh(old, {
      intercept: tamper(3, 4, 'broadcast', (p) => ({ z: scalarToBytes(modQ(scalarFromBytes(p.z as Uint8Array) + 1n)) })),
    });
    expectBlamed(outcome, 3, [1, 2], { reason: /Schnorr/ });
  });
});
