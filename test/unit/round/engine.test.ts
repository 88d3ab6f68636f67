import { describe, expect, it } from 'vitest';
import { simulate, SimulatedIdentities } from '../../../protocols/round/simulator.js';
import { decodeEnvelope, encodeEnvelope } from '../../../protocols/round/envelope.js';
import type { Envelope } from '../../../protocols/round/types.js';
import { toySession, toySessions } from '../../helpers/toy-protocol.js';
import { echoedRound, withEchoEntries } from '../../helpers/echo.js';

const parties = [1, 2, 3, 4];

function expectAllDone(outcome: ReturnType<typeof simulate>) {
  expect(outcome.aborts.size).toBe(0);
  expect(outcome.stalled).toEqual([]);
  expect(outcome.results.size).toBe(parties.length);
}

describe('round engine', () => {
  it('runs a broadcast + p2p protocol to completion for every party', () => {
    const { identities, sessions } = toySessions(parties);
    const outcome = simulate(sessions, identities);
    expectAllDone(outcome);
    const r3 = outcome.results.get(3) as { broadcasts: Map<number, bigint>; privates: Map<number, bigint> };
    expect([...r3.broadcasts.entries()].sort()).toEqual([[1, 100n], [2, 200n], [3, 300n], [4, 400n]]);
    expect(r3.privates.get(1)).toBe(1003n);
    expect(outcome.rejected).toEqual([]);
  });

  it('buffers early messages: any delivery order gives the same result', () => {
    for (const seed of [1, 2, 3, 42, 999]) {
      const { identities, sessions } = toySessions(parties);
      expectAllDone(simulate(sessions, identities, { shuffleSeed: seed }));
    }
  });

  it('rejects a duplicated message without blaming anyone', () => {
    const { identities, sessions } = toySessions(parties);
    const outcome = simulate(sessions, identities, { intercept: (env) => (env.from === 2 ? [env, env] : env) });
    expectAllDone(outcome);
    expect(outcome.rejected.some((r) => r.reason.startsWith('duplicate'))).toBe(true);
  });

  it('rejects a message from another session', () => {
    const { identities, sessions } = toySessions(parties);
    const other = toySession(2, parties, identities, 'another-session');
    const [replayed] = other.start().outgoing as [Envelope];
    const outcome = simulate(sessions, identities, {
      intercept: (env, receiver) => (env.from === 2 && receiver === 1 && env.round === 1 ? [replayed, env] : env),
    });
    expectAllDone(outcome);
    expect(outcome.rejected).toContainEqual({ receiver: 1, reason: 'wrong session another-session' });
  });

  it('rejects a message spoofing another sender (signature does not match the claimed sender)', () => {
    const { identities, sessions } = toySessions(parties);
    const outcome = simulate(sessions, identities, {
      intercept: (env, receiver) =>
        env.from === 3 && receiver === 1 && env.round === 2
          ? [{ ...env, from: 2, payload: { secret: 7n } }, env]
          : env,
    });
    expectAllDone(outcome);
    expect(outcome.rejected).toContainEqual({ receiver: 1, reason: 'bad signature from party 2' });
    const r1 = outcome.results.get(1) as { privates: Map<number, bigint> };
    expect(r1.privates.get(2)).toBe(2001n);
  });

  it('rejects unknown senders and messages addressed to someone else', () => {
    const identities = new SimulatedIdentities([...parties, 9]);
    const session = toySession(1, parties, identities);
    session.start();
    const forged = identities.resign({ sessionId: 'toy-session', protocol: 'toy', round: 1, kind: 'message', from: 9, to: null, payload: { value: 1n }, signature: new Uint8Array(1) });
    expect(session.receive(forged).rejected).toBe('unknown sender 9');
    const misaddressed = identities.resign({ ...forged, from: 2, to: 3 });
    expect(session.receive(misaddressed).rejected).toBe('message addressed to party 3');
    const wrongProtocol = identities.resign({ ...forged, from: 2, protocol: 'other' });
    expect(session.receive(wrongProtocol).rejected).toBe('wrong protocol other');
    expect(session.status).toBe('running');
  });

  it('rejects a stale message for a finished round', () => {
    const { identities, sessions } = toySessions(parties);
    const log: Envelope[] = [];
    simulate(sessions, identities, { intercept: (env) => (log.push(env), env) });
    const stale = log.find((e) => e.round === 1 && e.kind === 'message' && e.from === 2)!;
    expect(sessions.get(1)!.receive(stale).rejected).toBe('session is done');
  });

  it('blames the sender of a message of the wrong kind for the round', () => {
    const { identities, sessions } = toySessions(parties);
    const outcome = simulate(sessions, identities, {
      intercept: (env, receiver, tools) =>
        env.from === 4 && env.round === 1 && env.kind === 'message' ? tools.resign({ ...env, to: receiver }) : env,
    });
    for (const p of [1, 2, 3]) expect(outcome.aborts.get(p)?.culprits).toEqual([4]);
  });

  it('blames the sender of a malformed payload', () => {
    const { identities, sessions } = toySessions(parties);
    const outcome = simulate(sessions, identities, {
      intercept: (env, _r, tools) => (env.from === 2 && env.round === 2 ? tools.resign({ ...env, payload: { secret: 'x' } }) : env),
    });
    for (const p of [1, 3, 4]) {
      expect(outcome.aborts.get(p)?.culprits).toEqual([2]);
      expect(outcome.aborts.get(p)?.reason).toMatch(/malformed p2p message/);
    }
  });

  it('echo check blames a party that broadcasts different signed values to different receivers', () => {
    const { identities, sessions } = toySessions(parties);
    const outcome = simulate(sessions, identities, {
      intercept: (env, receiver, tools) =>
        env.from === 3 && env.round === 1 && env.kind === 'message' && receiver === 1
          ? tools.resign({ ...env, payload: { value: 12345n } })
          : env,
    });
    expect(outcome.aborts.size).toBeGreaterThan(0);
    for (const abort of outcome.aborts.values()) {
      expect(abort.culprits).toEqual([3]);
      expect(abort.reason).toMatch(/equivocation/);
    }
    expect(outcome.results.size).toBe(0);
  });

  it('echo check blames a party that lies in its echo about what another party sent', () => {
    const { identities, sessions } = toySessions(parties);
    const outcome = simulate(sessions, identities, {
      intercept: (env, _receiver, tools) => {
        if (env.from !== 2 || echoedRound(env) !== 1) return env;
        return tools.resign(withEchoEntries(env, (entries) => entries.map(([p, d, s]) => (p === 4 ? [p, new Uint8Array(32).fill(7), s] : [p, d, s]))));
      },
    });
    for (const abort of outcome.aborts.values()) expect(abort.culprits).toEqual([2]);
    expect(outcome.aborts.size).toBe(3);
  });

  it('reports who it is waiting for when a message is dropped', () => {
    const { identities, sessions } = toySessions(parties);
    const outcome = simulate(sessions, identities, { intercept: (env, receiver) => (env.from === 4 && receiver === 1 && env.round === 2 ? null : env) });
    expect(outcome.stalled).toEqual([1]);
    expect(sessions.get(1)!.waitingFor).toEqual([4]);
  });
});

describe('envelope codec', () => {
  it('round-trips and rejects malformed envelopes', () => {
    const identities = new SimulatedIdentities([1, 2]);
    const env = identities.resign({ sessionId: 's', protocol: 'p', round: 1, kind: 'message', from: 1, to: 2, payload: { a: [1n, new Uint8Array([1])] }, signature: new Uint8Array(1) });
    const decoded = decodeEnvelope(encodeEnvelope(env));
    expect(decoded).toEqual(env);
    const bytes = encodeEnvelope({ ...env, round: 0 });
    expect(() => decodeEnvelope(bytes)).toThrow(/round/);
    expect(() => decodeEnvelope(encodeEnvelope({ ...env, from: -1 }))).toThrow(/from/);
    expect(() => decodeEnvelope(new Uint8Array([0x08, 0, 0, 0, 1]))).toThrow();
  });
});
