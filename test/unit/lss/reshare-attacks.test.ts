/**
 * Misbehaviour during a reshare: each attack is one party altering its own messages (re-signed, so only the
 * protocol's checks can catch it), and the test asserts who is blamed. A reshare that does not complete leaves
 * generation k active and still signing.
 */
import { describe, expect, it } from 'vitest';
import type { PartyId } from '../../../protocols/errors.js';
import { modQ, mulBase, pointFromBytes, pointToBytes, scalarFromBytes, scalarToBytes } from '../../../protocols/math/curve.js';
import { SimulatedIdentities, simulate } from '../../../protocols/round/simulator.js';
import {
  activate,
  assertSignable,
  beginReshare,
  createReshareSession,
  frostDealerSecret,
  frostResharePlan,
  initialGenerations,
  rollback,
  type ResharePlan,
} from '../../../protocols/lss/index.js';
import type { FrostKeyShare } from '../../../protocols/frost/index.js';
import { chain, expectBlamed, tamper, type Intercept } from '../../helpers/cggmp21-aux.js';
import { consistentLie, reshareOk, runReshare } from '../../helpers/lss.js';
import { keygen, sign } from '../frost/harness.js';

const DELTA = 12345n;
const TARGET = { dealers: [1, 2, 3], threshold: 3, parties: [1, 2, 3, 4, 5] };

function setup(): { shares: Map<PartyId, FrostKeyShare>; plan: ResharePlan; secrets: Map<PartyId, bigint> } {
  const shares = keygen('frost', 2, 3);
  const plan = frostResharePlan(shares.get(1)!, TARGET);
  return { shares, plan, secrets: new Map(TARGET.dealers.map((d) => [d, frostDealerSecret(shares.get(d)!)])) };
}

const others = (plan: ResharePlan, culprit: PartyId) => plan.participants.filter((p) => p !== culprit);

describe('LSS reshare: a malicious dealer is blamed by name', () => {
  it('inconsistent share: the receiver of a share off the dealer\'s commitments blames that dealer', () => {
    const { plan, secrets } = setup();
    const intercept = tamper(2, 1, 'p2p', (p, receiver) => (receiver === 4 ? { share: scalarToBytes(modQ(scalarFromBytes(p.share as Uint8Array) + 1n)) } : p));
    const outcome = runReshare(plan, secrets, { intercept });
    expect(outcome.aborts.get(4)?.culprits).toEqual([2]);
    expect(outcome.aborts.get(4)?.reason).toMatch(/inconsistent with the dealer's Feldman commitments/);
    // Party 4 never confirms, so nobody gets a confirmed generation 1.
    expect(outcome.results.size).toBe(0);
    expect(outcome.stalled).toEqual([1, 2, 3, 5]);
  });

  it('wrong constant term: a dealer sharing λ_i·x_i + δ (consistently) is blamed by every participant', () => {
    const { plan, secrets } = setup();
    const shift = mulBase(DELTA);
    const intercept = chain(
      consistentLie(3, 1, (p) => {
        const C = [...(p.C as Uint8Array[])];
        C[0] = pointToBytes(pointFromBytes(C[0]!).add(shift));
        return { ...p, C };
      }),
      tamper(3, 1, 'p2p', (p) => ({ share: scalarToBytes(modQ(scalarFromBytes(p.share as Uint8Array) + DELTA)) })),
    );
    const outcome = runReshare(plan, secrets, { intercept });
    expectBlamed(outcome, 3, others(plan, 3), { reason: /constant term is not its Lagrange-weighted public share/ });
    expect(outcome.results.size).toBe(0);
  });

  it('share for the wrong party: a dealer sending party 5 the share meant for party 4 is blamed by party 5', () => {
    const { plan, secrets } = setup();
    let forFour: Uint8Array | undefined;
    const intercept: Intercept = (env, _receiver, tools) => {
      if (env.from !== 1 || env.round !== 1 || env.kind !== 'message' || env.to === null) return env;
      const payload = env.payload as { share: Uint8Array };
      if (env.to === 4) forFour = payload.share;
      if (env.to !== 5) return env;
      return tools.resign({ ...env, payload: { share: forFour! } });
    };
    const outcome = runReshare(plan, secrets, { intercept });
    expect(forFour).toBeDefined();
    expect(outcome.aborts.get(5)?.culprits).toEqual([1]);
    expect(outcome.results.size).toBe(0);
  });

  it('threshold raise: a dealer committing to t′+1 coefficients is blamed', () => {
    const { plan, secrets } = setup();
    const intercept = consistentLie(2, 1, (p) => ({ ...p, C: [...(p.C as Uint8Array[]), pointToBytes(mulBase(7n))] }));
    const outcome = runReshare(plan, secrets, { intercept });
    expectBlamed(outcome, 2, others(plan, 2), { reason: /malformed broadcast/ });
  });

  it('equivocation: a dealer broadcasting different commitments to different parties is caught by the echo', () => {
    const { plan, secrets } = setup();
    const intercept = tamper(1, 1, 'broadcast', (p, receiver) => {
      if (receiver !== 5) return p;
      const C = [...(p.C as Uint8Array[])];
      C[2] = pointToBytes(pointFromBytes(C[2]!).add(mulBase(1n)));
      return { ...p, C };
    });
    const outcome = runReshare(plan, secrets, { intercept });
    expectBlamed(outcome, 1, others(plan, 1), { reason: /equivocation|never signed/, allAbort: false });
    expect(outcome.results.size).toBe(0);
  });

  it('a new party that cannot prove knowledge of its new share is blamed in the confirmation round', () => {
    const { plan, secrets } = setup();
    const intercept = consistentLie(4, 2, (p) => {
      const pok = p.pok as { A: Uint8Array; z: Uint8Array };
      return { ...p, pok: { ...pok, z: scalarToBytes(scalarFromBytes(pok.z) ^ 1n) } };
    });
    const outcome = runReshare(plan, secrets, { intercept });
    expectBlamed(outcome, 4, others(plan, 4), { reason: /cannot prove it holds its new share/ });
    expect(outcome.results.size).toBe(0);
  });

  it('a new party confirming a different public state is blamed', () => {
    const { plan, secrets } = setup();
    const intercept = consistentLie(5, 2, (p) => ({ ...p, transcript: new Uint8Array(32).fill(1) }));
    const outcome = runReshare(plan, secrets, { intercept });
    expectBlamed(outcome, 5, others(plan, 5), { reason: /confirmed a different generation state/ });
  });

  it('a party handed a different plan stops without blaming the dealers', () => {
    const { shares, plan, secrets } = setup();
    const otherPlan = frostResharePlan(shares.get(1)!, { ...TARGET, dealers: [1, 2] });
    const identities = new SimulatedIdentities(plan.participants);
    const sessions = new Map(
      plan.participants.map((self) => [
        self,
        createReshareSession({
          plan: self === 5 ? { ...otherPlan, participants: plan.participants, dealers: plan.dealers } : plan,
          sessionId: 'plan-mismatch',
          self,
          auth: identities.authenticator(self),
          ...(plan.dealers.includes(self) ? { secretShare: secrets.get(self)! } : {}),
        }),
      ]),
    );
    const outcome = simulate(sessions, identities);
    expect(outcome.aborts.get(5)?.reason).toMatch(/deals under a different reshare plan/);
    expect(outcome.aborts.get(5)?.culprits).toEqual([]);
    expect(outcome.results.size).toBe(0);
  });
});

describe('LSS reshare: delivery', () => {
  it('completes with the same confirmed state whatever the delivery order', () => {
    const { plan, secrets } = setup();
    for (const shuffleSeed of [1, 2, 3]) {
      const outcome = runReshare(plan, secrets, { shuffleSeed });
      expect(outcome.results.size).toBe(plan.participants.length);
      expect(new Set([...outcome.results.values()].map((r) => Buffer.from(r.transcript).toString('hex'))).size).toBe(1);
    }
  });
});

describe('LSS reshare: generations', () => {
  it('a new party that never confirms leaves generation k active, and generation k still signs', () => {
    const { shares, plan, secrets } = setup();
    const identities = new SimulatedIdentities(plan.participants);
    const sessions = new Map(
      plan.participants.map((self) => [
        self,
        createReshareSession({
          plan,
          sessionId: 'silent-party',
          self,
          auth: identities.authenticator(self),
          ...(plan.dealers.includes(self) ? { secretShare: secrets.get(self)! } : {}),
        }),
      ]),
    );
    const silent: Intercept = (env) => (env.from === 5 && env.round === 2 ? null : env);
    const outcome = simulate(sessions, identities, { intercept: silent });
    expect(outcome.results.size).toBe(0);
    expect(outcome.aborts.size).toBe(0);
    // What the node names when the round's deadline passes.
    for (const p of plan.participants.filter((q) => q !== 5)) expect(sessions.get(p)!.waitingFor).toEqual([5]);

    let state = beginReshare(initialGenerations(0), 'silent-party');
    expect(state.pending).toEqual({ sessionId: 'silent-party', generation: 1 });
    state = rollback(state, 'silent-party');
    expect(state).toEqual({ active: 0 });
    assertSignable(state, 0);
    expect(() => assertSignable(state, 1)).toThrow(/generation 1 cannot sign: generation 0 is active/);
    expect(sign(shares, [1, 3], new Uint8Array(32).fill(3)).length).toBe(65);
  });

  it('activation needs the confirmed result of the pending session; then generation k is retired', () => {
    const { plan, secrets } = setup();
    const results = reshareOk(plan, secrets);
    let state = beginReshare(initialGenerations(0), 'reshare-1');
    expect(() => beginReshare(state, 'reshare-2')).toThrow(/already pending/);
    expect(() => activate(state, 'reshare-2', results.get(4)!)).toThrow(/no reshare pending under session reshare-2/);
    const activated = activate(state, 'reshare-1', results.get(4)!);
    expect(activated).toEqual({ state: { active: 1 }, retired: 0 });
    state = activated.state;
    expect(() => assertSignable(state, 0)).toThrow(/generation 0 cannot sign/);
    assertSignable(state, 1);
    expect(() => rollback(state, 'reshare-1')).toThrow(/no reshare pending/);
  });
});
