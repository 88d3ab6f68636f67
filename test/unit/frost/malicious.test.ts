/**
 * One misbehaving party per test; every honest party must blame exactly that party (or, for messages the
 * engine drops, finish the honest run). The misbehaving party re-signs what it altered, so the envelope
 * signature is valid and only the protocol's own checks can catch it.
 */
import { describe, expect, it } from 'vitest';
import type { PartyId } from '../../../protocols/errors.js';
import { modQ, mulBase, pointToBytes, scalarFromBytes, scalarToBytes } from '../../../protocols/math/curve.js';
import type { WireValue } from '../../../protocols/math/wire.js';
import { SimulatedIdentities, type SimulationOutcome } from '../../../protocols/round/simulator.js';
import type { Envelope } from '../../../protocols/round/types.js';
import {
  ciphersuite,
  frostIdentifier,
  frostSigningPlan,
  verifyFrostSignature,
  type FrostKeyShare,
  type FrostProtocol,
} from '../../../protocols/frost/index.js';
import { keygen, keygenOutcome, range, rewrite, signOutcome, unhex } from './harness.js';

const INVALID_ELEMENT = unhex('123456afdf4a7f88885ab26b20d18edb7d4d9589812a6cf1a5a1a09d3808dae5d8');
const randomPoint = (): Uint8Array => pointToBytes(mulBase(BigInt(Math.floor(Math.random() * 2 ** 40)) + 2n));
const flipLastByte = (b: Uint8Array): Uint8Array => Uint8Array.from([...b.subarray(0, -1), b[b.length - 1]! ^ 1]);
/** share + 1: two cheaters each adding one cannot cancel out in the sum (flipping a bit could). */
const bump = (b: Uint8Array): Uint8Array => scalarToBytes(modQ(scalarFromBytes(b) + 1n));

/** Every party other than `culprit` aborted and names exactly `culprit`. */
function expectBlamed<R>(outcome: SimulationOutcome<R>, honest: readonly PartyId[], culprits: PartyId[]): void {
  for (const p of honest) {
    const abort = outcome.aborts.get(p);
    expect(abort, `party ${p} should have aborted`).toBeDefined();
    expect(abort!.culprits, `party ${p}: ${abort!.message}`).toEqual(culprits);
  }
}

function expectCompleted<R>(outcome: SimulationOutcome<R>, parties: readonly PartyId[]): void {
  expect(outcome.aborts.size, [...outcome.aborts.values()].map((a) => a.message).join('; ')).toBe(0);
  expect([...outcome.results.keys()].sort()).toEqual([...parties].sort());
}

describe.each<FrostProtocol>(['frost', 'frost-taproot'])('%s keygen: a cheating party is named', (protocol) => {
  const parties = range(3);
  const honest = [1, 3];

  it('wrong proof of knowledge', () => {
    const outcome = keygenOutcome(protocol, 2, parties, { intercept: rewrite(2, 1, (p) => ({ ...p, pok: flipLastByte(p.pok as Uint8Array) })) });
    expectBlamed(outcome, honest, [2]);
    expect(outcome.aborts.get(1)!.reason).toMatch(/proof of knowledge/);
  });

  it('proof of knowledge copied from another party (with or without its commitments)', () => {
    for (const copyCommitments of [true, false]) {
      let victim: { [key: string]: WireValue } | undefined;
      const copy = rewrite(3, 1, (p) => ({ ...p, pok: victim!.pok!, ...(copyCommitments ? { commitments: victim!.commitments! } : {}) }));
      const outcome = keygenOutcome(protocol, 2, parties, {
        intercept: (env, receiver, tools) => {
          if (env.from === 2 && env.round === 1 && env.kind === 'message') victim = env.payload as { [key: string]: WireValue };
          return copy(env, receiver, tools);
        },
      });
      expectBlamed(outcome, [1, 2], [3]);
      expect(outcome.aborts.get(1)!.reason).toMatch(/proof of knowledge/);
    }
  });

  it('commitment of the wrong degree (one too many, one too few)', () => {
    for (const change of [(c: WireValue[]) => [...c, randomPoint()], (c: WireValue[]) => c.slice(0, -1)]) {
      const outcome = keygenOutcome(protocol, 2, parties, { intercept: rewrite(2, 1, (p) => ({ ...p, commitments: change(p.commitments as WireValue[]) })) });
      expectBlamed(outcome, honest, [2]);
    }
  });

  it('share inconsistent with the sender\'s commitments (sent to one party only)', () => {
    const outcome = keygenOutcome(protocol, 2, parties, {
      intercept: rewrite(2, 2, (p, receiver) => (receiver === 1 ? { ...p, share: flipLastByte(p.share as Uint8Array) } : p)),
    });
    expectBlamed(outcome, [1], [2]);
    expect(outcome.aborts.get(1)!.reason).toMatch(/inconsistent/);
    expect(outcome.results.has(3)).toBe(true);
  });

  it('identity and off-curve points in the commitments', () => {
    for (const bad of [INVALID_ELEMENT, new Uint8Array(33), Uint8Array.of(0)]) {
      const outcome = keygenOutcome(protocol, 2, parties, {
        intercept: rewrite(2, 1, (p) => ({ ...p, commitments: [(p.commitments as WireValue[])[0]!, bad] })),
      });
      expectBlamed(outcome, honest, [2]);
      expect(outcome.aborts.get(1)!.reason).toMatch(bad.length === 33 ? /invalid commitment/ : /malformed/);
    }
  });

  it('different commitments to different parties (broadcast equivocation)', () => {
    const suite = ciphersuite(protocol);
    const other = suite.frost.DKG.round1(frostIdentifier(suite, 2), { min: 2, max: 3 }).public;
    const outcome = keygenOutcome(protocol, 2, parties, {
      intercept: rewrite(2, 1, (p, receiver) => (receiver === 3 ? { commitments: other.commitment, pok: other.proofOfKnowledge } : p)),
    });
    expectBlamed(outcome, honest, [2]);
    expect(outcome.aborts.get(1)!.reason).toMatch(/equivocation/);
  });

  it('round-1 package replayed from another session', () => {
    const captured: Envelope[] = [];
    keygenOutcome(protocol, 2, parties, {
      sessionId: 'keygen-old',
      intercept: (env) => {
        if (env.from === 2 && env.round === 1 && env.kind === 'message') captured.push(env);
        return env;
      },
    });
    const old = captured[0]!;
    // As sent in the old session: the engine drops it (wrong session) and the new run completes.
    const dropped = keygenOutcome(protocol, 2, parties, {
      sessionId: 'keygen-new',
      intercept: (env) => (env.from === 2 && env.round === 1 && env.kind === 'message' ? [old, env] : env),
    });
    expectCompleted(dropped, parties);
    expect(dropped.rejected.some((r) => /wrong session/.test(r.reason))).toBe(true);
    // Re-signed into the new session in place of party 2's real package: its shares no longer match.
    const replayed = keygenOutcome(protocol, 2, parties, { sessionId: 'keygen-new', intercept: rewrite(2, 1, () => old.payload as { [key: string]: WireValue }) });
    expectBlamed(replayed, honest, [2]);
    expect(replayed.aborts.get(1)!.reason).toMatch(/inconsistent/);
  });

  it('a party spoofing another party is dropped by the engine and the run completes', () => {
    const outcome = keygenOutcome(protocol, 2, parties, {
      intercept: (env, _receiver, tools) => {
        if (env.from !== 1 || env.round !== 1 || env.kind !== 'message') return env;
        const forged = tools.resign({ ...env, payload: { ...(env.payload as object), pok: new Uint8Array(ciphersuite(protocol).signatureBytes) } }, 3);
        return [forged, env];
      },
    });
    expectCompleted(outcome, parties);
    expect(outcome.rejected.some((r) => /bad signature from party 1/.test(r.reason))).toBe(true);
  });
});

describe.each<FrostProtocol>(['frost', 'frost-taproot'])('%s signing: a cheating signer is named', (protocol) => {
  let shares: Map<PartyId, FrostKeyShare>;
  const message = new Uint8Array(32).fill(0x5a);
  const signers = [1, 2, 3];
  const honest = [1, 3];
  const shareKeys = () => (shares ??= keygen(protocol, 2, 3));

  it('bad signature share', () => {
    const outcome = signOutcome(shareKeys(), signers, message, { intercept: rewrite(2, 2, (p) => ({ ...p, share: bump(p.share as Uint8Array) })) });
    expectBlamed(outcome, honest, [2]);
    expect(outcome.aborts.get(1)!.reason).toMatch(/invalid signature share/);
  });

  it('two bad signature shares: both named, nobody else', () => {
    const bad = (p: { [key: string]: WireValue }) => ({ ...p, share: bump(p.share as Uint8Array) });
    const r2 = rewrite(2, 2, bad);
    const r3 = rewrite(3, 2, bad);
    const outcome = signOutcome(shareKeys(), signers, message, { intercept: (env, receiver, tools) => r3(r2(env, receiver, tools) as Envelope, receiver, tools) });
    expectBlamed(outcome, [1], [2, 3]);
  });

  it('a second signing with the same nonces is refused', () => {
    const keys = shareKeys();
    const plan = (self: PartyId) => frostSigningPlan({ share: keys.get(self)!, signers: [1, 2], message, sessionId: 'nonce-reuse' });
    const first = plan(1).start();
    const peer = plan(2).start();
    if (!('next' in first)) throw new Error('signing should have a second round');
    first.next.accept(2, 'broadcast', peer.outgoing[0]!.payload);
    const signed = first.next.finalize();
    expect(signed.outgoing).toHaveLength(1);
    expect(() => first.next.finalize()).toThrow(/already used/);
    // A new session with identical inputs draws new nonces: nothing is derived from the request alone.
    expect(plan(1).start().outgoing[0]!.payload).not.toEqual(first.outgoing[0]!.payload);
  });

  it('a duplicated round-1 message is dropped and the signer still signs once', () => {
    const outcome = signOutcome(shareKeys(), signers, message, {
      intercept: (env) => (env.from === 2 && env.round === 1 && env.kind === 'message' ? [env, env] : env),
    });
    expectCompleted(outcome, signers);
    expect(outcome.rejected.some((r) => /duplicate/.test(r.reason))).toBe(true);
  });

  type ListEntry = [number, Uint8Array, Uint8Array];
  const listChanges: [string, (list: ListEntry[]) => ListEntry[]][] = [
    ['commitment list missing its sender\'s own entry', (l) => l.filter((e) => e[0] !== 2)],
    ['commitment list with a duplicated entry', (l) => [l[0]!, l[0]!, ...l.slice(1)]],
    ['commitment list not sorted', (l) => [l[1]!, l[0]!, ...l.slice(2)]],
    ['commitment list with another signer\'s commitment changed', (l) => l.map((e) => (e[0] === 3 ? [3, randomPoint(), e[2]] : e))],
  ];
  for (const [name, change] of listChanges) {
    it(name, () => {
      const outcome = signOutcome(shareKeys(), signers, message, {
        intercept: rewrite(2, 2, (p) => ({ ...p, commitments: change(p.commitments as ListEntry[]) })),
      });
      expectBlamed(outcome, honest, [2]);
    });
  }

  it('identity and off-curve nonce commitments', () => {
    for (const bad of [INVALID_ELEMENT, new Uint8Array(33)]) {
      const outcome = signOutcome(shareKeys(), signers, message, { intercept: rewrite(2, 1, (p) => ({ ...p, binding: bad })) });
      expectBlamed(outcome, honest, [2]);
      expect(outcome.aborts.get(1)!.reason).toMatch(/invalid nonce commitment/);
    }
  });

  it('different nonce commitments to different signers (broadcast equivocation)', () => {
    const outcome = signOutcome(shareKeys(), signers, message, {
      intercept: rewrite(2, 1, (p, receiver) => (receiver === 3 ? { ...p, hiding: randomPoint() } : p)),
    });
    expectBlamed(outcome, honest, [2]);
  });

  it('a signer signing a different message', () => {
    const outcome = signOutcome(shareKeys(), signers, message, { intercept: rewrite(2, 1, (p) => ({ ...p, msg: new Uint8Array(32) })) });
    expectBlamed(outcome, honest, [2]);
  });

  it('signature share replayed from another session', () => {
    const keys = shareKeys();
    const identities = new SimulatedIdentities(signers);
    const captured: Envelope[] = [];
    signOutcome(keys, signers, message, {
      identities,
      sessionId: 'sign-old',
      intercept: (env) => {
        if (env.from === 2 && env.round === 2 && env.kind === 'message') captured.push(env);
        return env;
      },
    });
    const old = captured[0]!;
    const dropped = signOutcome(keys, signers, message, {
      identities,
      sessionId: 'sign-new',
      intercept: (env) => (env.from === 2 && env.round === 2 && env.kind === 'message' ? [old, env] : env),
    });
    expectCompleted(dropped, signers);
    expect(dropped.rejected.some((r) => /wrong session/.test(r.reason))).toBe(true);
    const replayed = signOutcome(keys, signers, message, {
      identities,
      sessionId: 'sign-new-2',
      intercept: (env, _receiver, tools) =>
        env.from === 2 && env.round === 2 && env.kind === 'message' ? tools.resign({ ...env, payload: old.payload }) : env,
    });
    expectBlamed(replayed, honest, [2]);
  });

  it('a signer spoofing another signer is dropped by the engine and the signature is still produced', () => {
    const outcome = signOutcome(shareKeys(), signers, message, {
      intercept: (env, _receiver, tools) => {
        if (env.from !== 1 || env.round !== 2 || env.kind !== 'message') return env;
        const forged = tools.resign({ ...env, payload: { ...(env.payload as object), share: new Uint8Array(32).fill(1) } }, 3);
        return [forged, env];
      },
    });
    expectCompleted(outcome, signers);
    expect(outcome.rejected.some((r) => /bad signature from party 1/.test(r.reason))).toBe(true);
    const signature = outcome.results.get(2)!;
    expect(verifyFrostSignature(protocol, signature, message, shareKeys().get(1)!.publicKey)).toBe(true);
  });
});
