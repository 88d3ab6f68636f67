import { describe, expect, it } from 'vitest';
import { auxInfoSid, createAuxInfoSession, type AuxReveal } from '../../../protocols/cggmp21/aux-info.js';
import { PARAMS_2048, PARAMS_3072 } from '../../../protocols/cggmp21/params.js';
import { InvalidInputError } from '../../../protocols/errors.js';
import { mod } from '../../../protocols/math/bigint.js';
import { modPow } from '../../../protocols/math/modpow.js';
import { SimulatedIdentities } from '../../../protocols/round/simulator.js';
import { encodeFac, proveFac } from '../../../protocols/zk/fac.js';
import { encodeMod, proveMod } from '../../../protocols/zk/mod.js';
import { RingPedersenParams } from '../../../protocols/math/ring-pedersen.js';
import { fixturePaillierKey } from '../../fixtures/primes.js';
import {
  bitforgeModulus,
  expectBlamed,
  fixturePrimes,
  forgedReveal,
  runAuxInfo,
  substituteReveal,
  tamper,
  type CraftedModulus,
  type Payload,
} from '../../helpers/cggmp21-aux.js';

const parties = [1, 2, 3];
const rhoX = new Uint8Array(32).fill(5);

/** What a forger knows about a fixture modulus (for copying an honest party's N with valid-looking Π^prm). */
function fixtureModulus(index: number): CraftedModulus {
  const key = fixturePaillierKey(index);
  return { N: key.N, factors: [key.p, key.q], phi: key.phi };
}

describe('aux-info', { timeout: 300_000 }, () => {
  it('3 parties agree on every party\'s verified Paillier and ring-Pedersen material', () => {
    const { outcome } = runAuxInfo(parties);
    expect(outcome.aborts.size).toBe(0);
    expect(outcome.results.size).toBe(3);
    for (const [self, aux] of outcome.results) {
      expect(aux.self).toBe(self);
      expect(aux.parties).toEqual(parties);
      expect(aux.params).toBe(PARAMS_2048);
      expect(aux.paillier.publicKey.N).toBe(aux.publics.get(self)!.paillier.N);
      expect(aux.ringPedersen.params.N).toBe(aux.paillier.N);
      // s = t^λ: the ring-Pedersen secret really belongs to the published parameters.
      expect(modPow(aux.ringPedersen.params.t, aux.ringPedersen.lambda, aux.paillier.N)).toBe(aux.ringPedersen.params.s);
      for (const j of parties) {
        const mine = outcome.results.get(j)!.publics.get(j)!;
        expect(aux.publics.get(j)!.paillier.N).toBe(mine.paillier.N);
        expect(aux.publics.get(j)!.ringPedersen.s).toBe(mine.ringPedersen.s);
        expect(aux.publics.get(j)!.ringPedersen.t).toBe(mine.ringPedersen.t);
      }
    }
    expect(new Set([...outcome.results.values()].map((a) => a.paillier.N)).size).toBe(3);
  });

  it('runs with the 3072-bit parameter set (1536-bit fixture primes)', () => {
    const { outcome } = runAuxInfo([1, 2], { params: PARAMS_3072 });
    expect(outcome.aborts.size).toBe(0);
    for (const aux of outcome.results.values()) {
      expect(aux.params).toBe(PARAMS_3072);
      for (const pub of aux.publics.values()) expect(pub.paillier.N.toString(2)).toHaveLength(3072);
    }
  });

  it('refuses bad input: primes of the wrong size, a party list without self', () => {
    const identities = new SimulatedIdentities(parties);
    const base = { sessionId: 's', self: 1, parties, params: PARAMS_2048, auth: identities.authenticator(1) };
    expect(() => createAuxInfoSession({ ...base, primes: fixturePrimes(PARAMS_3072, 0) })).toThrow(InvalidInputError);
    expect(() => createAuxInfoSession({ ...base, self: 4, primes: fixturePrimes(PARAMS_2048, 0) })).toThrow(InvalidInputError);
  });

  it('a reveal that does not open the round-1 commitment blames its sender', () => {
    const { outcome } = runAuxInfo(parties, { intercept: tamper(2, 2, 'broadcast', (p) => ({ ...p, rho: new Uint8Array(32) })) });
    expectBlamed(outcome, 2, [1, 3], { reason: /does not open/ });
  });

  it('modulus_wrong_size: a committed 2047-bit (or even) modulus blames its sender', () => {
    for (const N of [fixtureModulus(1).N >> 1n | 1n, fixtureModulus(1).N + 1n]) {
      expectBlamed(runWithReveal(2, junkReveal(N, 2n, 3n)), 2, [1, 3], { reason: /invalid Paillier modulus/ });
    }
  });

  it('degenerate ring-Pedersen parameters (s = t) blame their sender', () => {
    expectBlamed(runWithReveal(2, junkReveal(fixtureModulus(1).N, 4n, 4n)), 2, [1, 3], { reason: /ring-Pedersen/ });
  });

  it('a committed Π^prm that fails blames its sender', () => {
    const reveal = forgedReveal(sidOf(), 2, fixtureModulus(1), PARAMS_2048, rhoX);
    reveal.prm.z[0] = reveal.prm.z[0]! + 1n;
    expectBlamed(runWithReveal(2, reveal), 2, [1, 3], { reason: /Π\^prm/ });
  });

  it('bitforge_small_factor_N: N = sixteen 16-bit primes × a large prime, with best-effort proofs, blames X', () => {
    const bad = bitforgeModulus(2048);
    const small = bad.factors.slice(0, -1).reduce((a, b) => a * b, 1n);
    const large = bad.factors.at(-1)!;
    const sid = sidOf();
    const reveal = forgedReveal(sid, 2, bad, PARAMS_2048, rhoX);
    const ctx = (proof: string, rho: Uint8Array) => ({ phase: `aux/${proof}`, sessionId: sid, prover: 2, rho });
    const run = runAuxInfo(parties, {
      intercept: substituteReveal(2, sid, reveal, {
        broadcast: (rho) => ({ mod: encodeMod(proveMod(ctx('mod', rho), { N: bad.N }, { p: small, q: large }, PARAMS_2048)) }),
        p2p: (rho, r) => ({
          fac: encodeFac(proveFac(ctx('fac', rho), { N0: bad.N, verifier: new RingPedersenParams(r.N, r.s, r.t) }, { p: small, q: large }, PARAMS_2048)),
        }),
      }),
    }).outcome;
    expectBlamed(run, 2, [1, 3], { reason: /Π\^(mod|fac) fails/ });
  });

  it('a party that copies another party\'s modulus is blamed, and only it', () => {
    // Even knowing φ(N_1) for a valid Π^prm, X cannot prove Π^mod/Π^fac for N_1 under its own index.
    const run = runWithReveal(3, forgedReveal(sidOf(), 3, fixtureModulus(0), PARAMS_2048, rhoX));
    expectBlamed(run, 3, [1, 2]);
    expect(run.aborts.get(1)!.reason).toMatch(/copies ours/);
    expect(run.aborts.get(2)!.reason).toMatch(/Π\^(mod|fac) fails/);
  });

  it('missing_mod_proof: a round-3 broadcast without Π^mod blames its sender', () => {
    const { outcome } = runAuxInfo(parties, { intercept: tamper(2, 3, 'broadcast', () => ({})) });
    expectBlamed(outcome, 2, [1, 3], { reason: /malformed/ });
  });

  it('a Π^mod with one bad root blames its sender', () => {
    const { outcome } = runAuxInfo(parties, {
      intercept: tamper(2, 3, 'broadcast', (p) => {
        const m = p.mod as Payload;
        const z = [...(m.z as bigint[])];
        z[0] = mod(z[0]! * 4n, fixturePaillierKey(1).N);
        return { mod: { ...m, z } };
      }),
    });
    expectBlamed(outcome, 2, [1, 3], { reason: /Π\^mod fails/ });
  });

  it('empty_fac_proof: an empty Π^fac blames its sender', () => {
    const { outcome } = runAuxInfo(parties, { intercept: tamper(2, 3, 'p2p', () => ({ fac: {} })) });
    expectBlamed(outcome, 2, [1, 3], { reason: /malformed/ });
  });

  it('fac_for_other_verifier: X sends P_3 the Π^fac it built for P_2, and P_3 blames X', () => {
    let forTwo: Payload | undefined;
    const { outcome } = runAuxInfo(parties, {
      intercept: tamper(1, 3, 'p2p', (p, receiver) => {
        if (receiver === 2) forTwo = p;
        return receiver === 3 ? forTwo! : p;
      }),
    });
    expectBlamed(outcome, 1, [3], { reason: /Π\^fac fails/ });
    expect(outcome.aborts.has(2)).toBe(false);
  });
});

/** A reveal whose Π^prm is well-shaped junk: for checks that must fire before Π^prm is even looked at. */
function junkReveal(N: bigint, s: bigint, t: bigint): AuxReveal {
  const m = PARAMS_2048.iterations;
  return { N, s, t, prm: { A: Array<bigint>(m).fill(1n), z: Array<bigint>(m).fill(1n) }, rho: rhoX };
}

function sidOf(): Uint8Array {
  return auxInfoSid('aux-test', parties, PARAMS_2048);
}

function runWithReveal(party: number, reveal: AuxReveal) {
  return runAuxInfo(parties, { intercept: substituteReveal(party, sidOf(), reveal) }).outcome;
}
