/**
 * Where echoes travel and what they hold back: an echo rides on the sender's next messages when those reach every
 * party, goes out on its own otherwise, and nothing ends (next round finalized, result, verdict) before every echo
 * of the last echoed round matched.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolAbort, type PartyId } from '../../../protocols/errors.js';
import { PayloadReader } from '../../../protocols/round/payload.js';
import { ProtocolSession } from '../../../protocols/round/session.js';
import { simulate, SimulatedIdentities } from '../../../protocols/round/simulator.js';
import type { Envelope, Round, Transition } from '../../../protocols/round/types.js';
import { toySessions } from '../../helpers/toy-protocol.js';

const parties = [1, 2, 3];

/** One echoed broadcast round that ends the protocol, or (with `verdictAgainst`) ends it in a verdict. */
function finalEchoSession(self: PartyId, identities: SimulatedIdentities, verdictAgainst?: PartyId) {
  const values = new Map<PartyId, bigint>();
  const round1: Round<bigint[]> = {
    number: 1,
    expects: { broadcast: true, p2p: false },
    echo: true,
    accept(from, _kind, payload) {
      values.set(from, new PayloadReader(payload, 'final round').bigint('value', 64));
    },
    finalize(): Transition<bigint[]> {
      if (verdictAgainst !== undefined) throw new ProtocolAbort('the protocol judged this party', 1, [verdictAgainst]);
      return { outgoing: [], result: [...values.values()] };
    },
  };
  return new ProtocolSession<bigint[]>({
    sessionId: 'final-echo',
    protocol: 'final-echo',
    self,
    parties,
    auth: identities.authenticator(self),
    start: () => ({ outgoing: [{ to: null, payload: { value: BigInt(self) } }], next: round1 }),
  });
}

function finalEchoSessions(verdictAgainst?: PartyId) {
  const identities = new SimulatedIdentities(parties);
  return { identities, sessions: new Map(parties.map((p) => [p, finalEchoSession(p, identities, verdictAgainst)])) };
}

/** Every envelope as it left its sender (before any receiver-specific change). */
function sent(log: Envelope[]) {
  return (env: Envelope) => {
    if (!log.includes(env)) log.push(env);
    return env;
  };
}

describe('echo riding on the next round', () => {
  it('an echo rides on the next round\'s messages when they reach every party: no echo envelope, no extra hop', () => {
    const { identities, sessions } = toySessions(parties);
    const log: Envelope[] = [];
    const outcome = simulate(sessions, identities, { intercept: sent(log) });
    expect(outcome.results.size).toBe(3);
    expect(log.filter((e) => e.kind === 'echo')).toEqual([]);
    const round2 = log.filter((e) => e.round === 2);
    expect(round2).toHaveLength(6);
    for (const env of round2) expect(env.echo?.round).toBe(1);
  });

  it('a final echoed round sends its echo on its own and holds the result until every echo is in', () => {
    const { identities, sessions } = finalEchoSessions();
    const log: Envelope[] = [];
    const held: Envelope[] = [];
    // Party 3's echo reaches party 1 only after everything else: party 1 must not finish before it.
    const outcome = simulate(sessions, identities, {
      intercept: (env, receiver) => {
        sent(log)(env);
        if (env.kind === 'echo' && env.from === 3 && receiver === 1) {
          held.push(env);
          return null;
        }
        return env;
      },
    });
    expect(log.filter((e) => e.kind === 'echo')).toHaveLength(3);
    expect(outcome.results.has(1)).toBe(false);
    expect(sessions.get(1)!.status).toBe('running');
    expect(sessions.get(1)!.waitingFor).toEqual([3]);
    sessions.get(1)!.receive(held[0]!);
    expect(sessions.get(1)!.status).toBe('done');
    expect(sessions.get(1)!.result).toEqual([2n, 3n]);
  });

  it('a verdict of an echoed round is announced only after the echoes matched', () => {
    const { identities, sessions } = finalEchoSessions(2);
    const outcome = simulate(sessions, identities, { intercept: (env, receiver) => (env.kind === 'echo' && env.from === 3 && receiver === 1 ? null : env) });
    // Party 1 judged party 2 but still waits for party 3's echo; the others announce their verdict.
    expect(sessions.get(1)!.status).toBe('running');
    expect(sessions.get(1)!.waitingFor).toEqual([3]);
    expect(outcome.aborts.get(2)?.culprits).toEqual([2]);
    expect(outcome.aborts.get(3)?.culprits).toEqual([2]);
  });

  it('equivocation outranks a verdict: the echo check names the party that broadcast two values', () => {
    const { identities, sessions } = finalEchoSessions(1);
    const outcome = simulate(sessions, identities, {
      intercept: (env, receiver, tools) => (env.from === 3 && env.kind === 'message' && receiver === 1 ? tools.resign({ ...env, payload: { value: 99n } }) : env),
    });
    for (const p of [1, 2]) {
      expect(outcome.aborts.get(p)?.culprits).toEqual([3]);
      expect(outcome.aborts.get(p)?.reason).toMatch(/equivocation/);
    }
  });

  it('a message carrying an echo of its own round (not an earlier one) is refused', () => {
    const { identities, sessions } = toySessions(parties);
    const outcome = simulate(sessions, identities, {
      intercept: (env, receiver, tools) => (env.from === 2 && receiver === 1 && env.echo ? tools.resign({ ...env, echo: { ...env.echo, round: env.round } }) : env),
    });
    expect(outcome.rejected).toContainEqual({ receiver: 1, reason: 'round 2 message echoes round 2, not an earlier one' });
    expect(outcome.stalled).toEqual([1]);
    expect(sessions.get(1)!.waitingFor).toEqual([2]);
  });

  it('a second echo of the same round from one party is refused, with the message that carries it', () => {
    const { identities, sessions } = toySessions(parties);
    const outcome = simulate(sessions, identities, {
      intercept: (env, receiver, tools) => {
        if (env.from !== 2 || receiver !== 1 || !env.echo) return env;
        const extra = tools.resign({ sessionId: env.sessionId, protocol: env.protocol, round: 1, kind: 'echo', from: 2, to: null, payload: env.echo.entries, signature: new Uint8Array(64) });
        return [extra, env];
      },
    });
    // Refused as a duplicate, or as stale if party 1 already finished checking round 1 with the first one.
    const refused = outcome.rejected.filter((r) => r.receiver === 1).map((r) => r.reason);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^(duplicate echo from party 2 for round 1|stale echo of round 1)$/);
    // Party 2's round-2 message went with it: party 1 names party 2 when its deadline passes.
    expect(outcome.stalled).toEqual([1]);
    expect(sessions.get(1)!.waitingFor).toEqual([2]);
  });

  it('an echo that arrives before the round it echoes completed is kept, and a malformed one blames its sender', () => {
    const identities = new SimulatedIdentities(parties);
    const session = finalEchoSession(1, identities);
    session.start();
    const echo = identities.resign({ sessionId: 'final-echo', protocol: 'final-echo', round: 1, kind: 'echo', from: 2, to: null, payload: [], signature: new Uint8Array(64) });
    expect(session.receive(echo).rejected).toBeUndefined();
    // Kept until party 1 has the round's broadcasts; then its layout (no entries) is checked and blames party 2.
    for (const from of [2, 3]) session.receive(identities.resign({ sessionId: 'final-echo', protocol: 'final-echo', round: 1, kind: 'message', from, to: null, payload: { value: BigInt(from) }, signature: new Uint8Array(64) }));
    expect(session.status).toBe('aborted');
    expect(session.abort?.culprits).toEqual([2]);
    expect(session.abort?.reason).toMatch(/malformed echo/);
  });
});
